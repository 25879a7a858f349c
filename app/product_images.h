// Product pictures for creatives, and the verb that fetches them (`vitrine images fetch`).
//
// A packshot reference that is an http or https URL (a product's image_url) is read from the
// image cache, which `vitrine images fetch` fills through the guarded fetcher: drawing never
// waits on the network, and a creative whose image could not be had is drawn without it
// (the renderer's empty frame) with a warning that says why. Any other reference is a file
// under the packshot folder (the demo's drawn packshots).
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/fetcher.h"
#include "adapters/image_cache.h"
#include "catalog/repository.h"
#include "render/image_source.h"

namespace vitrine {

class ProductImageSource final : public ImageSource {
 public:
  // `cache` must outlive this.
  ProductImageSource(std::filesystem::path files_root, const ImageCache& cache)
      : files_(std::move(files_root)), cache_(cache) {}
  Result<std::string> Version(std::string_view ref) override;
  Result<std::string> Read(std::string_view ref) override;

 private:
  DirectoryImageSource files_;
  const ImageCache& cache_;
};

// How product images are fetched: the guard's defaults, without asking for compression (the
// images are compressed already, which also closes the decompression-bomb path). Loopback
// is allowed only when the environment sets VITRINE_FETCH_ALLOW_LOOPBACK=1: the switch the
// tests and benchmarks use, whose servers listen on 127.0.0.1.
FetchOptions ProductImageFetchOptions();

// What FetchProductImages did.
struct ProductImagesReport {
  int64_t products_with_image = 0;
  std::map<ImageRefreshOutcome, int64_t> counts;
  int64_t bytes = 0;  // cached for the products seen
  struct Failure {
    std::string product_id;
    std::string url;
    std::string reason;
  };
  std::vector<Failure> failures;  // ordered by product id
  std::set<std::string> cached;   // products whose picture the cache now holds
  double seconds = 0;
};

// Brings the picture of every product with an image_url into `cache`, on `workers` threads (a
// slow server holds one of them, not the run). Fails only when the catalogue or the cache
// cannot be read or written; a picture that cannot be had is a Failure in the report.
Result<ProductImagesReport> FetchProductImages(CatalogRepository& catalog, ImageCache& cache,
                                               int workers, bool force);

// Keeps the image cache up with product changes while serving: a product written with an
// image_url (by the API, an import, a source) has its picture fetched, or revalidated, on
// this object's thread, so its creatives show it without waiting for the next
// `vitrine images fetch`. Thread-safe; the destructor finishes the fetch under way.
class ProductImageRefresher {
 public:
  // `catalog` and `cache` must outlive it.
  ProductImageRefresher(CatalogRepository& catalog, ImageCache& cache);
  ~ProductImageRefresher();
  // Queues these products (ids); at most 100,000 wait, the rest wait for `images fetch`.
  void Refresh(const std::vector<std::string>& product_ids);

 private:
  void Loop();
  CatalogRepository& catalog_;
  ImageCache& cache_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;  // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  std::thread thread_;
};

// The image cache of the database at `db_path`: DB.images unless `dir` is given.
std::filesystem::path DefaultImageCacheDir(const std::string& db_path);

}  // namespace vitrine
