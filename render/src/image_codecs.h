// Decoding packshots and encoding creatives with libpng, libjpeg(-turbo) and libwebp directly.
// Private to render/. The pixels are those OpenCV's imdecode gave for the same flags (BGR or
// BGRA, JPEG EXIF orientation applied), without linking its image codecs, which load about a
// hundred and forty shared libraries into every process that links the renderer. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>

#include "common/status.h"
#include "render/packshot.h"

namespace vitrine::render_internal {

// Decodes a PNG, JPEG or WebP image whose header `declared` describes (ReadDeclaredImage).
// 8-bit BGR, or BGRA when the image has transparency (a PNG with an alpha channel or a
// tRNS chunk, a WebP with alpha); 16-bit PNG samples are scaled to 8 bits. A JPEG is
// decoded at 1/`jpeg_scale_denom` (1, 2, 4 or 8) by the DCT, and turned as its EXIF
// orientation says. The size actually decoded is checked against `max_pixels` (0: no
// limit) before any pixel buffer is allocated. InvalidArgument for a corrupt image or
// another format.
Result<cv::Mat> DecodeImage(std::string_view bytes, const DeclaredImage& declared,
                            int jpeg_scale_denom, int64_t max_pixels);

// Baseline JPEG of `width` × `height` BGRA pixels (alpha ignored) rows `stride` bytes
// apart, 4:2:0, at `quality` (1 to 100); `optimize` computes optimal Huffman tables (about
// 10 % smaller, three times slower). Internal when libjpeg fails.
Result<std::string> EncodeJpeg(const uint8_t* bgra, int width, int height, int stride, int quality,
                               bool optimize);

}  // namespace vitrine::render_internal
