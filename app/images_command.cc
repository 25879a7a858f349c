// `vitrine images fetch`: brings every product's picture into the image cache the creatives
// draw from, through the guarded fetcher, on a few threads (a slow server holds one of them,
// not the run).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/product_images.h"
#include "commands.h"

namespace vitrine {

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

  auto report = FetchProductImages(db->catalog(), **cache, static_cast<int>(*workers), force);
  if (!report.ok()) {
    std::fprintf(stderr, "vitrine images: %s\n", report.status().message().c_str());
    return kExitStore;
  }
  auto& counts = report->counts;
  const auto& failures = report->failures;
  if (json) {
    nlohmann::json out = {{"products_with_image", report->products_with_image},
                          {"bytes_cached", report->bytes},
                          {"seconds", report->seconds},
                          {"cache", (*cache)->dir().string()}};
    for (auto outcome : {ImageRefreshOutcome::kFetched, ImageRefreshOutcome::kNotModified,
                         ImageRefreshOutcome::kFresh, ImageRefreshOutcome::kFailed,
                         ImageRefreshOutcome::kSkipped}) {
      out[std::string(ImageRefreshOutcomeName(outcome))] = counts[outcome];
    }
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& f : failures) {
      listed.push_back({{"product_id", f.product_id}, {"url", f.url}, {"reason", f.reason}});
    }
    out["failures"] = std::move(listed);
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf(
        "%lld products with an image URL: %lld fetched, %lld not modified, %lld fresh, %lld "
        "failed, %lld skipped (failed less than an hour ago) in %.1f s; cache %s\n",
        static_cast<long long>(report->products_with_image),
        static_cast<long long>(counts[ImageRefreshOutcome::kFetched]),
        static_cast<long long>(counts[ImageRefreshOutcome::kNotModified]),
        static_cast<long long>(counts[ImageRefreshOutcome::kFresh]),
        static_cast<long long>(counts[ImageRefreshOutcome::kFailed]),
        static_cast<long long>(counts[ImageRefreshOutcome::kSkipped]), report->seconds,
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
