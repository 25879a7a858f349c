// Packshot checks that run before any decoding: the dimensions an encoded image declares.
//
// A decompression bomb (a small file that declares 30,000 × 30,000 pixels) is refused from
// its header, before any pixel buffer is allocated; the decoders check the size of the
// frame they actually decode against the same limit. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

struct DeclaredImage {
  std::string format;  // "png", "jpeg", "webp", "gif", "bmp"
  int64_t width = 0;
  int64_t height = 0;
};

// The format and size from the header of PNG, JPEG (its first frame header), GIF, BMP and
// WebP data. InvalidArgument for anything else or a header cut short.
Result<DeclaredImage> ReadDeclaredImage(std::string_view bytes);

// The largest image a packshot may declare, in pixels (40 megapixels: a 7,000 × 5,700
// studio shot still passes).
inline constexpr int64_t kDefaultMaxPackshotPixels = 40'000'000;

}  // namespace vitrine
