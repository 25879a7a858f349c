#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "image_codecs.h"
#include "packshot_preparation.h"
#include "render/packshot.h"

namespace vitrine {
namespace {

uint32_t Big16(std::string_view b, size_t at) {
  return (static_cast<uint8_t>(b[at]) << 8) | static_cast<uint8_t>(b[at + 1]);
}
uint32_t Big32(std::string_view b, size_t at) { return (Big16(b, at) << 16) | Big16(b, at + 2); }
uint32_t Little16(std::string_view b, size_t at) {
  return static_cast<uint8_t>(b[at]) | (static_cast<uint8_t>(b[at + 1]) << 8);
}
uint32_t Little24(std::string_view b, size_t at) {
  return Little16(b, at) | (static_cast<uint8_t>(b[at + 2]) << 16);
}
uint32_t Little32(std::string_view b, size_t at) {
  return Little16(b, at) | (Little16(b, at + 2) << 16);
}

Result<DeclaredImage> JpegSize(std::string_view b) {
  size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<uint8_t>(b[at]) != 0xFF) {
      return Status::InvalidArgument("corrupt JPEG: no marker where one is due");
    }
    const uint8_t marker = static_cast<uint8_t>(b[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      at += 2;
      continue;
    }
    const uint32_t length = Big16(b, at + 2);
    const bool frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (at + 9 > b.size()) break;
      return DeclaredImage{"jpeg", Big16(b, at + 7), Big16(b, at + 5)};
    }
    if (marker == 0xDA || marker == 0xD9 || length < 2) break;  // scan data before a frame
    at += 2 + length;
  }
  return Status::InvalidArgument("corrupt JPEG: no frame header");
}

}  // namespace

Result<DeclaredImage> ReadDeclaredImage(std::string_view b) {
  if (b.size() >= 24 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    if (b.substr(12, 4) != "IHDR") return Status::InvalidArgument("corrupt PNG: no IHDR");
    return DeclaredImage{"png", Big32(b, 16), Big32(b, 20)};
  }
  if (b.size() >= 4 && static_cast<uint8_t>(b[0]) == 0xFF && static_cast<uint8_t>(b[1]) == 0xD8) {
    return JpegSize(b);
  }
  if (b.size() >= 10 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) {
    return DeclaredImage{"gif", Little16(b, 6), Little16(b, 8)};
  }
  if (b.size() >= 26 && b.substr(0, 2) == "BM") {
    const int32_t height = static_cast<int32_t>(Little32(b, 22));
    return DeclaredImage{"bmp", Little32(b, 18), height < 0 ? -int64_t{height} : height};
  }
  if (b.size() >= 30 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") {
    const std::string_view chunk = b.substr(12, 4);
    if (chunk == "VP8X") return DeclaredImage{"webp", Little24(b, 24) + 1, Little24(b, 27) + 1};
    if (chunk == "VP8L") {
      const uint32_t bits = Little32(b, 21);
      return DeclaredImage{"webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
    }
    if (chunk == "VP8 ") {
      return DeclaredImage{"webp", Little16(b, 26) & 0x3FFF, Little16(b, 28) & 0x3FFF};
    }
  }
  return Status::InvalidArgument("not a PNG, JPEG, GIF, BMP or WebP image");
}

namespace render_internal {
namespace {

constexpr int kBackgroundTolerance = 24;

}  // namespace

Result<std::shared_ptr<const PreparedPackshot>> PreparePackshot(std::string_view bytes,
                                                                const PreparationSpec& spec) {
  auto declared = ReadDeclaredImage(bytes);
  if (!declared.ok()) return declared.status();
  if (declared->width <= 0 || declared->height <= 0) {
    return Status::InvalidArgument("image declares an empty size");
  }
  // Divided, not multiplied: a header may declare 2^32 - 1 on each side, whose product
  // overflows int64 and would pass the check.
  if (spec.max_pixels > 0 && declared->width > spec.max_pixels / declared->height) {
    return Status::InvalidArgument("image declares " + std::to_string(declared->width) + "×" +
                                   std::to_string(declared->height) +
                                   " pixels, above the limit of " +
                                   std::to_string(spec.max_pixels) + ": refused before decoding");
  }
  int jpeg_scale_denom = 1;
  if (declared->format == "jpeg") {
    // A JPEG without its end-of-image marker was cut short: libjpeg would fill the rest
    // with grey and call it a picture.
    size_t end = bytes.size();
    while (end > 2 && bytes[end - 1] == '\0') --end;
    if (end < 4 || static_cast<uint8_t>(bytes[end - 2]) != 0xFF ||
        static_cast<uint8_t>(bytes[end - 1]) != 0xD9) {
      return Status::InvalidArgument("corrupt JPEG: truncated (no end-of-image marker)");
    }
    // libjpeg scales by 1/2, 1/4 or 1/8 while decoding, far cheaper than decoding in full
    // and shrinking; keep 1.25× the box so trimming still leaves enough pixels.
    const int64_t shorter = std::min(declared->width, declared->height);
    if (spec.needed_side > 0) {
      const int64_t want = spec.needed_side * 5 / 4;
      if (shorter / 8 >= want) {
        jpeg_scale_denom = 8;
      } else if (shorter / 4 >= want) {
        jpeg_scale_denom = 4;
      } else if (shorter / 2 >= want) {
        jpeg_scale_denom = 2;
      }
    }
  }
  Result<cv::Mat> decoded_or = DecodeImage(bytes, *declared, jpeg_scale_denom, spec.max_pixels);
  if (!decoded_or.ok()) return decoded_or.status();
  cv::Mat decoded = std::move(decoded_or).value();
  if (decoded.empty()) {
    return Status::InvalidArgument("corrupt " + declared->format + " image: cannot be decoded");
  }
  const bool has_alpha = decoded.channels() == 4;
  const int cn = decoded.channels();
  auto pixel = [&](int y, int x) { return decoded.ptr<uint8_t>(y) + static_cast<size_t>(x) * cn; };
  auto alpha_at = [&](const uint8_t* p) { return has_alpha ? p[3] : 255; };
  // The background is what the four corners agree on: a transparent one, or one colour.
  const uint8_t* corners[4] = {pixel(0, 0), pixel(0, decoded.cols - 1), pixel(decoded.rows - 1, 0),
                               pixel(decoded.rows - 1, decoded.cols - 1)};
  const bool transparent_background = std::all_of(
      std::begin(corners), std::end(corners), [&](const uint8_t* c) { return alpha_at(c) < 16; });
  bool uniform = !transparent_background;
  for (const uint8_t* c : corners) {
    for (int ch = 0; ch < 3; ++ch) {
      if (std::abs(c[ch] - corners[0][ch]) > kBackgroundTolerance) uniform = false;
    }
    if (std::abs(alpha_at(c) - alpha_at(corners[0])) > kBackgroundTolerance) uniform = false;
  }
  const uint8_t bg[3] = {corners[0][0], corners[0][1], corners[0][2]};
  // One pass: the distance of every pixel from the background (the largest channel
  // difference), the content's bounding box and its centre of mass.
  cv::Mat distance(decoded.size(), CV_8U);
  int left = decoded.cols, top = decoded.rows, right = -1, bottom = -1;
  double m00 = 0, m10 = 0, m01 = 0;
  for (int y = 0; y < decoded.rows; ++y) {
    const uint8_t* row = decoded.ptr<uint8_t>(y);
    uint8_t* out = distance.ptr<uint8_t>(y);
    int row_count = 0;
    int64_t row_x = 0;
    for (int x = 0; x < decoded.cols; ++x, row += cn) {
      bool content;
      if (transparent_background) {
        content = alpha_at(row) > 16;
        out[x] = alpha_at(row);
      } else if (uniform) {
        const int d = std::max(
            {std::abs(row[0] - bg[0]), std::abs(row[1] - bg[1]), std::abs(row[2] - bg[2])});
        out[x] = static_cast<uint8_t>(d);
        content = d > kBackgroundTolerance && alpha_at(row) > 16;
      } else {
        out[x] = 255;
        content = true;
      }
      if (content) {
        left = std::min(left, x);
        right = std::max(right, x);
        ++row_count;
        row_x += x;
      }
    }
    if (row_count > 0) {
      top = std::min(top, y);
      bottom = std::max(bottom, y);
      m00 += row_count;
      m10 += static_cast<double>(row_x);
      m01 += static_cast<double>(row_count) * y;
    }
  }
  cv::Rect keep(0, 0, decoded.cols, decoded.rows);
  if (spec.trim && (transparent_background || uniform) && right >= left && bottom >= top) {
    const cv::Rect found(left, top, right - left + 1, bottom - top + 1);
    const int margin = std::max(2, std::max(found.width, found.height) / 100);
    keep = (found + cv::Size(2 * margin, 2 * margin) - cv::Point(margin, margin)) & keep;
  }
  cv::Mat trimmed;
  if (has_alpha) {
    trimmed = decoded(keep).clone();
  } else {
    cv::cvtColor(decoded(keep), trimmed, cv::COLOR_BGR2BGRA);
  }
  if (spec.white_to_transparent && uniform && bg[0] >= 225 && bg[1] >= 225 && bg[2] >= 225) {
    // Only the background reachable from the edges goes: a white label on the package is
    // enclosed by the package and stays. Near its edge, alpha follows the distance from
    // white, which keeps the anti-aliasing of the studio shot.
    cv::Mat region = distance(keep) <= kBackgroundTolerance;  // 255 near white, else 0
    const cv::Point seeds[4] = {
        {0, 0}, {region.cols - 1, 0}, {0, region.rows - 1}, {region.cols - 1, region.rows - 1}};
    for (const cv::Point& seed : seeds) {
      if (region.at<uint8_t>(seed) == 255) cv::floodFill(region, seed, cv::Scalar(128));
    }
    const double scale = 255.0 / kBackgroundTolerance;
    for (int y = 0; y < trimmed.rows; ++y) {
      cv::Vec4b* row = trimmed.ptr<cv::Vec4b>(y);
      const uint8_t* outside = region.ptr<uint8_t>(y);
      const uint8_t* d = distance.ptr<uint8_t>(y + keep.y) + keep.x;
      for (int x = 0; x < trimmed.cols; ++x) {
        if (outside[x] == 128) {
          row[x][3] = std::min<uint8_t>(row[x][3], cv::saturate_cast<uint8_t>(d[x] * scale));
        }
      }
    }
  }
  auto prepared = std::make_shared<PreparedPackshot>();
  prepared->focus = m00 > 0 ? cv::Point2d((m10 / m00 - keep.x) / trimmed.cols,
                                          (m01 / m00 - keep.y) / trimmed.rows)
                            : cv::Point2d(0.5, 0.5);
  prepared->bgra = std::move(trimmed);
  return std::shared_ptr<const PreparedPackshot>(std::move(prepared));
}

cv::Mat FitPackshot(const PreparedPackshot& packshot, int width, int height, ImageFit fit) {
  const cv::Mat& src = packshot.bgra;
  const double sx = static_cast<double>(width) / src.cols;
  const double sy = static_cast<double>(height) / src.rows;
  cv::Mat region = src;
  double scale = std::min(sx, sy);
  if (fit == ImageFit::kCover) {
    scale = std::max(sx, sy);
    const int crop_w = std::min(src.cols, static_cast<int>(std::lround(width / scale)));
    const int crop_h = std::min(src.rows, static_cast<int>(std::lround(height / scale)));
    int x = static_cast<int>(std::lround(packshot.focus.x * src.cols - crop_w / 2.0));
    int y = static_cast<int>(std::lround(packshot.focus.y * src.rows - crop_h / 2.0));
    x = std::clamp(x, 0, src.cols - crop_w);
    y = std::clamp(y, 0, src.rows - crop_h);
    region = src(cv::Rect(x, y, crop_w, crop_h));
  }
  const cv::Size size(std::max(1, static_cast<int>(std::lround(region.cols * scale))),
                      std::max(1, static_cast<int>(std::lround(region.rows * scale))));
  cv::Mat scaled;
  cv::resize(region, scaled, size, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  // cairo wants premultiplied alpha.
  for (int y = 0; y < scaled.rows; ++y) {
    cv::Vec4b* row = scaled.ptr<cv::Vec4b>(y);
    for (int x = 0; x < scaled.cols; ++x) {
      const int a = row[x][3];
      if (a == 255) continue;
      for (int c = 0; c < 3; ++c) row[x][c] = static_cast<uint8_t>((row[x][c] * a + 127) / 255);
    }
  }
  return scaled;
}

std::shared_ptr<const PreparedPackshot> PackshotCache::Find(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void PackshotCache::Insert(const std::string& key,
                           std::shared_ptr<const PreparedPackshot> packshot) {
  std::lock_guard lock(mu_);
  if (index_.contains(key) || packshot->bytes() > max_bytes_) return;
  bytes_ += packshot->bytes();
  order_.emplace_front(key, std::move(packshot));
  index_[key] = order_.begin();
  while (bytes_ > max_bytes_ && !order_.empty()) {
    bytes_ -= order_.back().second->bytes();
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

int64_t PackshotCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}
int64_t PackshotCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}
size_t PackshotCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace render_internal
}  // namespace vitrine
