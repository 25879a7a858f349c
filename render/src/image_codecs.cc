#include "image_codecs.h"

#include <png.h>
#include <webp/decode.h>

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
// jpeglib.h wants FILE and size_t declared before it.
#include <jpeglib.h>

namespace vitrine::render_internal {
namespace {

// ---------------------------------------------------------------------------------------
// libjpeg reports errors through a callback that must not return: it jumps back here. The
// functions that call setjmp hold only trivially destructible locals, so the jump skips no
// destructor.

struct JpegErrorManager {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void JpegErrorExit(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

// Warnings (corrupt data that libjpeg works around) are not printed on stderr.
void JpegSilentMessage(j_common_ptr) {}

// The EXIF orientation (1 to 8) of a JPEG's APP1 segment; 1 (as stored) when there is none.
int ExifOrientation(std::string_view b) {
  auto u16 = [&](size_t at, bool little) -> uint32_t {
    const auto lo = static_cast<uint8_t>(b[at + (little ? 0 : 1)]);
    const auto hi = static_cast<uint8_t>(b[at + (little ? 1 : 0)]);
    return static_cast<uint32_t>(hi << 8 | lo);
  };
  auto u32 = [&](size_t at, bool little) -> uint32_t {
    return little ? (u16(at + 2, true) << 16 | u16(at, true))
                  : (u16(at, false) << 16 | u16(at + 2, false));
  };
  size_t at = 2;
  while (at + 4 <= b.size() && static_cast<uint8_t>(b[at]) == 0xFF) {
    const auto marker = static_cast<uint8_t>(b[at + 1]);
    if (marker == 0xDA || marker == 0xD9) break;  // image data: no EXIF after it
    const uint32_t length = u16(at + 2, false);
    if (length < 2 || at + 2 + length > b.size()) break;
    if (marker == 0xE1 && length >= 8 && b.substr(at + 4, 6) == std::string_view("Exif\0\0", 6)) {
      const std::string_view tiff = b.substr(at + 10, length - 8);
      if (tiff.size() < 8) return 1;
      const bool little = tiff.substr(0, 2) == "II";
      if (!little && tiff.substr(0, 2) != "MM") return 1;
      const size_t base = at + 10;
      const uint32_t ifd = u32(base + 4, little);
      if (ifd + 2 > tiff.size()) return 1;
      const uint32_t entries = u16(base + ifd, little);
      for (uint32_t i = 0; i < entries; ++i) {
        const size_t entry = ifd + 2 + static_cast<size_t>(i) * 12;
        if (entry + 12 > tiff.size()) return 1;
        if (u16(base + entry, little) == 0x0112) {
          const uint32_t value = u16(base + entry + 8, little);
          return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
        }
      }
      return 1;
    }
    at += 2 + length;
  }
  return 1;
}

// Turns `image` upright as EXIF `orientation` says (the same turns as OpenCV's imdecode).
void ApplyOrientation(int orientation, cv::Mat& image) {
  switch (orientation) {
    case 2:
      cv::flip(image, image, 1);
      break;
    case 3:
      cv::flip(image, image, -1);
      break;
    case 4:
      cv::flip(image, image, 0);
      break;
    case 5:
      cv::transpose(image, image);
      break;
    case 6:
      cv::transpose(image, image);
      cv::flip(image, image, 1);
      break;
    case 7:
      cv::transpose(image, image);
      cv::flip(image, image, -1);
      break;
    case 8:
      cv::transpose(image, image);
      cv::flip(image, image, 0);
      break;
    default:
      break;
  }
}

// Decodes into *out (BGR, or the raw CMYK of a 4-component JPEG, which the caller
// converts); false with *error set on failure.
bool DecodeJpegPixels(std::string_view bytes, int scale_denom, int64_t max_pixels, cv::Mat* out,
                      std::string* error) {
  jpeg_decompress_struct cinfo;
  JpegErrorManager errors;
  cinfo.err = jpeg_std_error(&errors.mgr);
  errors.mgr.error_exit = JpegErrorExit;
  errors.mgr.output_message = JpegSilentMessage;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&cinfo);
    *error = std::string("corrupt JPEG: ") + errors.message;
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  const bool cmyk = cinfo.num_components == 4;
  cinfo.scale_num = 1;
  cinfo.scale_denom = static_cast<unsigned>(scale_denom);
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_BGR;
  jpeg_calc_output_dimensions(&cinfo);
  if (max_pixels > 0 && static_cast<int64_t>(cinfo.image_width) * cinfo.image_height > max_pixels) {
    jpeg_destroy_decompress(&cinfo);
    *error = "JPEG frame of " + std::to_string(cinfo.image_width) + "×" +
             std::to_string(cinfo.image_height) + " pixels, above the limit";
    return false;
  }
  jpeg_start_decompress(&cinfo);
  out->create(static_cast<int>(cinfo.output_height), static_cast<int>(cinfo.output_width),
              cmyk ? CV_8UC4 : CV_8UC3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->ptr<uint8_t>(static_cast<int>(cinfo.output_scanline));
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

Result<cv::Mat> DecodeJpeg(std::string_view bytes, int scale_denom, int64_t max_pixels) {
  cv::Mat decoded;
  std::string error;
  if (!DecodeJpegPixels(bytes, scale_denom, max_pixels, &decoded, &error)) {
    return Status::InvalidArgument(error);
  }
  if (decoded.channels() == 4) {
    // Adobe CMYK (stored inverted): the conversion OpenCV applies.
    cv::Mat bgr(decoded.rows, decoded.cols, CV_8UC3);
    for (int y = 0; y < decoded.rows; ++y) {
      const uint8_t* cmyk = decoded.ptr<uint8_t>(y);
      uint8_t* out = bgr.ptr<uint8_t>(y);
      for (int x = 0; x < decoded.cols; ++x, cmyk += 4, out += 3) {
        const int k = cmyk[3];
        out[2] = static_cast<uint8_t>(k - ((255 - cmyk[0]) * k >> 8));
        out[1] = static_cast<uint8_t>(k - ((255 - cmyk[1]) * k >> 8));
        out[0] = static_cast<uint8_t>(k - ((255 - cmyk[2]) * k >> 8));
      }
    }
    decoded = std::move(bgr);
  }
  ApplyOrientation(ExifOrientation(bytes), decoded);
  return decoded;
}

// ---------------------------------------------------------------------------------------
// libpng, with the same discipline as libjpeg above.

struct PngReader {
  std::string_view bytes;
  size_t at = 8;  // the signature is checked by ReadDeclaredImage and skipped
  char message[256] = "";
};

void PngRead(png_structp png, png_bytep data, png_size_t length) {
  auto* reader = static_cast<PngReader*>(png_get_io_ptr(png));
  if (length > reader->bytes.size() - reader->at) png_error(png, "truncated data");
  std::memcpy(data, reader->bytes.data() + reader->at, length);
  reader->at += length;
}

void PngError(png_structp png, png_const_charp message) {
  auto* reader = static_cast<PngReader*>(png_get_error_ptr(png));
  std::snprintf(reader->message, sizeof reader->message, "%s", message);
  png_longjmp(png, 1);
}

void PngWarning(png_structp, png_const_charp) {}

bool DecodePngPixels(PngReader* reader, int64_t max_pixels, cv::Mat* out) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, reader, PngError, PngWarning);
  if (png == nullptr) {
    std::snprintf(reader->message, sizeof reader->message, "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  png_bytep* rows = nullptr;
  if (setjmp(png_jmpbuf(png))) {
    std::free(rows);
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  if (info == nullptr) png_error(png, "out of memory");
  png_set_read_fn(png, reader, PngRead);
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  if (max_pixels > 0 && static_cast<int64_t>(width) * height > max_pixels) {
    png_error(png, "image above the pixel limit");
  }
  const int colour = png_get_color_type(png, info);
  const bool alpha =
      (colour & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS);
  png_set_expand(png);  // palette to RGB, grey below 8 bits to 8, tRNS to an alpha channel
  png_set_scale_16(png);
  png_set_gray_to_rgb(png);
  png_set_bgr(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_channels(png, info) != (alpha ? 4 : 3) || png_get_bit_depth(png, info) != 8) {
    png_error(png, "unexpected pixel layout");
  }
  out->create(static_cast<int>(height), static_cast<int>(width), alpha ? CV_8UC4 : CV_8UC3);
  rows = static_cast<png_bytep*>(std::malloc(sizeof(png_bytep) * height));
  if (rows == nullptr) png_error(png, "out of memory");
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = out->ptr<uint8_t>(static_cast<int>(y));
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  std::free(rows);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

Result<cv::Mat> DecodePng(std::string_view bytes, int64_t max_pixels) {
  PngReader reader{bytes};
  cv::Mat decoded;
  if (!DecodePngPixels(&reader, max_pixels, &decoded)) {
    return Status::InvalidArgument(std::string("corrupt PNG: ") + reader.message);
  }
  return decoded;
}

Result<cv::Mat> DecodeWebp(std::string_view bytes, int64_t max_pixels) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(data, bytes.size(), &features) != VP8_STATUS_OK) {
    return Status::InvalidArgument("corrupt WebP: unreadable header");
  }
  if (features.has_animation) return Status::InvalidArgument("animated WebP: not a packshot");
  if (max_pixels > 0 && static_cast<int64_t>(features.width) * features.height > max_pixels) {
    return Status::InvalidArgument("WebP of " + std::to_string(features.width) + "×" +
                                   std::to_string(features.height) + " pixels, above the limit");
  }
  cv::Mat decoded(features.height, features.width, features.has_alpha ? CV_8UC4 : CV_8UC3);
  const size_t size = decoded.total() * decoded.elemSize();
  const int stride = static_cast<int>(decoded.step);
  const uint8_t* done = features.has_alpha
                            ? WebPDecodeBGRAInto(data, bytes.size(), decoded.data, size, stride)
                            : WebPDecodeBGRInto(data, bytes.size(), decoded.data, size, stride);
  if (done == nullptr) return Status::InvalidArgument("corrupt WebP: cannot be decoded");
  return decoded;
}

// ---------------------------------------------------------------------------------------

bool EncodeJpegBytes(const uint8_t* bgra, int width, int height, int stride, int quality,
                     bool optimize, unsigned char** buffer, unsigned long* size,
                     std::string* error) {
  jpeg_compress_struct cinfo;
  JpegErrorManager errors;
  cinfo.err = jpeg_std_error(&errors.mgr);
  errors.mgr.error_exit = JpegErrorExit;
  errors.mgr.output_message = JpegSilentMessage;
  if (setjmp(errors.jump)) {
    jpeg_destroy_compress(&cinfo);
    *error = std::string("libjpeg: ") + errors.message;
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, buffer, size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_EXT_BGRX;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.optimize_coding = optimize ? TRUE : FALSE;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(bgra + static_cast<size_t>(cinfo.next_scanline) * stride);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

}  // namespace

Result<cv::Mat> DecodeImage(std::string_view bytes, const DeclaredImage& declared,
                            int jpeg_scale_denom, int64_t max_pixels) {
  if (declared.format == "jpeg") return DecodeJpeg(bytes, jpeg_scale_denom, max_pixels);
  if (declared.format == "png") return DecodePng(bytes, max_pixels);
  if (declared.format == "webp") return DecodeWebp(bytes, max_pixels);
  return Status::InvalidArgument(declared.format +
                                 " images are not decoded: a packshot is PNG, JPEG or WebP");
}

Result<std::string> EncodeJpeg(const uint8_t* bgra, int width, int height, int stride, int quality,
                               bool optimize) {
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  std::string error;
  const bool ok =
      EncodeJpegBytes(bgra, width, height, stride, quality, optimize, &buffer, &size, &error);
  std::string out;
  if (ok) out.assign(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  if (!ok) return Status::Internal(error);
  return out;
}

}  // namespace vitrine::render_internal
