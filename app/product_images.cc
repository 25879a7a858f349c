#include "app/product_images.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace vitrine {
namespace {

bool IsWebUrl(std::string_view ref) {
  return ref.starts_with("http://") || ref.starts_with("https://");
}

}  // namespace

Result<std::string> ProductImageSource::Version(std::string_view ref) {
  return IsWebUrl(ref) ? cache_.Version(ref) : files_.Version(ref);
}

Result<std::string> ProductImageSource::Read(std::string_view ref) {
  return IsWebUrl(ref) ? cache_.Read(ref) : files_.Read(ref);
}

FetchOptions ProductImageFetchOptions() {
  FetchOptions options;
  options.accept_compressed = false;
  const char* loopback = std::getenv("VITRINE_FETCH_ALLOW_LOOPBACK");
  options.allow_loopback = loopback != nullptr && std::strcmp(loopback, "1") == 0;
  return options;
}

std::filesystem::path DefaultImageCacheDir(const std::string& db_path) {
  return db_path + ".images";
}

Result<ProductImagesReport> FetchProductImages(CatalogRepository& catalog, ImageCache& cache,
                                               int workers, bool force) {
  // Every product with an image URL, read page by page (keyset paging by id).
  std::vector<std::pair<std::string, std::string>> wanted;  // product id, URL
  ProductQuery query;
  query.limit = 1000;
  for (;;) {
    auto page = catalog.ListProducts(query);
    if (!page.ok()) return page.status();
    for (const Product& p : page->items) {
      if (!p.image_url.empty()) wanted.emplace_back(p.id, p.image_url);
    }
    if (page->next_after.empty()) break;
    query.after = page->next_after;
  }

  ProductImagesReport report;
  report.products_with_image = static_cast<int64_t>(wanted.size());
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status store_error;
  auto work = [&] {
    for (size_t i = next++; i < wanted.size(); i = next++) {
      const auto& [product_id, url] = wanted[i];
      auto refreshed = cache.Refresh(url, force);
      std::lock_guard lock(mu);
      if (!refreshed.ok()) {
        if (store_error.ok()) store_error = refreshed.status();
        continue;
      }
      ++report.counts[refreshed->outcome];
      report.bytes += refreshed->bytes;
      if (refreshed->bytes > 0) report.cached.insert(product_id);
      if (refreshed->outcome == ImageRefreshOutcome::kFailed) {
        report.failures.push_back({product_id, url, refreshed->reason});
      }
    }
  };
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  const size_t n = std::min<size_t>(static_cast<size_t>(std::max(workers, 1)),
                                    std::max<size_t>(wanted.size(), 1));
  for (size_t t = 0; t < n; ++t) threads.emplace_back(work);
  for (std::thread& t : threads) t.join();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!store_error.ok()) return store_error;
  std::sort(report.failures.begin(), report.failures.end(),
            [](const auto& a, const auto& b) { return a.product_id < b.product_id; });
  return report;
}

ProductImageRefresher::ProductImageRefresher(CatalogRepository& catalog, ImageCache& cache)
    : catalog_(catalog), cache_(cache), thread_([this] { Loop(); }) {}

ProductImageRefresher::~ProductImageRefresher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ProductImageRefresher::Refresh(const std::vector<std::string>& product_ids) {
  {
    std::lock_guard lock(mu_);
    for (const std::string& id : product_ids) {
      if (queue_.size() >= 100000) break;
      queue_.push_back(id);
    }
  }
  wake_.notify_all();
}

void ProductImageRefresher::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const std::string id = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    auto product = catalog_.GetProduct(id);
    // A failure is remembered by the cache with its reason, which the creative shows.
    if (product.ok() && *product && !(*product)->image_url.empty()) {
      (void)cache_.Refresh((*product)->image_url, /*force=*/false);
    }
    lock.lock();
  }
}

}  // namespace vitrine
