// `vitrine images fetch`: brings every product's picture into the image cache the creatives
// draw from, through the guarded fetcher, on a few threads (a slow server holds one of them,
// not the run).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/product_images.h"
#include "commands.h"

namespace vitrine {
namespace {

struct Failure {
  std::string product_id;
  std::string url;
  std::string reason;
};

}  // namespace

int RunImages(const CommandLine& command_line) {
  const auto& args = command_line.positional();
  if (args.size() != 1 || args[0] != "fetch") {
    std::fprintf(stderr, "vitrine images: expected `fetch` (see vitrine images --help)\n");
    return kExitUsage;
  }
  auto workers = command_line.IntOr("workers", 8, 1, 64);
  if (!workers.ok()) {
    std::fprintf(stderr, "vitrine images: %s\n", workers.status().message().c_str());
    return kExitUsage;
  }
  const bool force = command_line.Has("force");
  const bool json = command_line.Has("json");
  auto db = OpenDatabaseOrReport(command_line);
  if (!db) return kExitStore;
  SafeFetcher fetcher(ProductImageFetchOptions());
  auto cache = ImageCache::Open(
      command_line.ValueOr("image-cache-dir", DefaultImageCacheDir(db->local_base()).string()),
      fetcher, SystemClock::Instance());
  if (!cache.ok()) {
    std::fprintf(stderr, "vitrine images: %s\n", cache.status().message().c_str());
    return kExitStore;
  }

  // Every product with an image URL, read page by page (keyset paging by id).
  std::vector<std::pair<std::string, std::string>> wanted;  // product id, URL
  ProductQuery query;
  query.limit = 1000;
  for (;;) {
    auto page = db->catalog().ListProducts(query);
    if (!page.ok()) {
      std::fprintf(stderr, "vitrine images: %s\n", page.status().message().c_str());
      return kExitStore;
    }
    for (const Product& p : page->items) {
      if (!p.image_url.empty()) wanted.emplace_back(p.id, p.image_url);
    }
    if (page->next_after.empty()) break;
    query.after = page->next_after;
  }

  std::atomic<size_t> next{0};
  std::mutex mu;
  std::map<ImageRefreshOutcome, int64_t> counts;
  std::vector<Failure> failures;
  Status store_error;
  int64_t bytes = 0;
  auto work = [&] {
    for (size_t i = next++; i < wanted.size(); i = next++) {
      const auto& [product_id, url] = wanted[i];
      auto refreshed = (*cache)->Refresh(url, force);
      std::lock_guard lock(mu);
      if (!refreshed.ok()) {
        if (store_error.ok()) store_error = refreshed.status();
        continue;
      }
      ++counts[refreshed->outcome];
      bytes += refreshed->bytes;
      if (refreshed->outcome == ImageRefreshOutcome::kFailed) {
        failures.push_back({product_id, url, refreshed->reason});
      }
    }
  };
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int64_t t = 0; t < std::min<int64_t>(*workers, std::max<size_t>(wanted.size(), 1)); ++t) {
    threads.emplace_back(work);
  }
  for (std::thread& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!store_error.ok()) {
    std::fprintf(stderr, "vitrine images: %s\n", store_error.message().c_str());
    return kExitStore;
  }
  std::sort(failures.begin(), failures.end(),
            [](const Failure& a, const Failure& b) { return a.product_id < b.product_id; });

  if (json) {
    nlohmann::json out = {{"products_with_image", wanted.size()},
                          {"bytes_cached", bytes},
                          {"seconds", seconds},
                          {"cache", (*cache)->dir().string()}};
    for (auto outcome : {ImageRefreshOutcome::kFetched, ImageRefreshOutcome::kNotModified,
                         ImageRefreshOutcome::kFresh, ImageRefreshOutcome::kFailed,
                         ImageRefreshOutcome::kSkipped}) {
      out[std::string(ImageRefreshOutcomeName(outcome))] = counts[outcome];
    }
    nlohmann::json listed = nlohmann::json::array();
    for (const Failure& f : failures) {
      listed.push_back({{"product_id", f.product_id}, {"url", f.url}, {"reason", f.reason}});
    }
    out["failures"] = std::move(listed);
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf(
        "%zu products with an image URL: %lld fetched, %lld not modified, %lld fresh, %lld "
        "failed, %lld skipped (failed less than an hour ago) in %.1f s; cache %s\n",
        wanted.size(), static_cast<long long>(counts[ImageRefreshOutcome::kFetched]),
        static_cast<long long>(counts[ImageRefreshOutcome::kNotModified]),
        static_cast<long long>(counts[ImageRefreshOutcome::kFresh]),
        static_cast<long long>(counts[ImageRefreshOutcome::kFailed]),
        static_cast<long long>(counts[ImageRefreshOutcome::kSkipped]), seconds,
        (*cache)->dir().c_str());
    for (size_t i = 0; i < failures.size() && i < 20; ++i) {
      std::printf("  %s %s: %s\n", failures[i].product_id.c_str(), failures[i].url.c_str(),
                  failures[i].reason.c_str());
    }
    if (failures.size() > 20) std::printf("  ... and %zu more\n", failures.size() - 20);
  }
  return failures.empty() ? kExitOk : kExitRowsRejected;
}

}  // namespace vitrine
