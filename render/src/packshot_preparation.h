// Packshot preparation with OpenCV, and the cache of prepared packshots. Private to render/.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>

#include "common/status.h"
#include "templates/template.h"

namespace vitrine::render_internal {

struct PreparedPackshot {
  cv::Mat bgra;       // 8-bit, straight alpha, trimmed
  cv::Point2d focus;  // the content's centre of mass, in fractions of the size
  size_t bytes() const { return bgra.total() * bgra.elemSize(); }
};

struct PreparationSpec {
  bool trim = true;
  bool white_to_transparent = true;
  int needed_side = 0;  // the largest box side it will be fitted in; 0: full resolution
  int64_t max_pixels = 0;
};

// Checks the declared size, decodes (a JPEG at the smallest DCT scale that still covers
// `needed_side` with some margin), trims a uniform background, makes a white one
// transparent and finds the focus. InvalidArgument for an oversized, corrupt or truncated
// image.
Result<std::shared_ptr<const PreparedPackshot>> PreparePackshot(std::string_view bytes,
                                                                const PreparationSpec& spec);

// The packshot scaled into a box of `width` × `height`: whole (contain) or filling it,
// cropped around the focus (cover). BGRA premultiplied, as cairo wants it.
cv::Mat FitPackshot(const PreparedPackshot& packshot, int width, int height, ImageFit fit);

// Prepared packshots by key, least recently used dropped past a byte budget. Thread-safe.
class PackshotCache {
 public:
  explicit PackshotCache(size_t max_bytes) : max_bytes_(max_bytes) {}
  std::shared_ptr<const PreparedPackshot> Find(const std::string& key);
  void Insert(const std::string& key, std::shared_ptr<const PreparedPackshot> packshot);

  int64_t hits() const;
  int64_t misses() const;
  size_t bytes() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const PreparedPackshot>>;
  const size_t max_bytes_;

  mutable std::mutex mu_;
  std::list<Entry> order_;  // most recent first; guarded by mu_
  std::map<std::string, std::list<Entry>::iterator, std::less<>> index_;  // guarded by mu_
  size_t bytes_ = 0;                                                      // guarded by mu_
  int64_t hits_ = 0;                                                      // guarded by mu_
  int64_t misses_ = 0;                                                    // guarded by mu_
};

}  // namespace vitrine::render_internal
