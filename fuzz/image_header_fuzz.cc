// ReadDeclaredImage, the check that refuses a decompression bomb (a small file declaring a
// huge image) from its header before any decoder allocates pixels.
// Oracle: it reads only the bytes it was given (AddressSanitizer), names one of the five
// formats, and reports the size the header itself declares, read here independently from
// the fixed fields of PNG, GIF, BMP and WebP: a size the check misreads is a bomb let through.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "render/packshot.h"

namespace {

uint64_t Byte(std::string_view b, size_t at) { return static_cast<uint8_t>(b[at]); }
uint64_t BigEndian(std::string_view b, size_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | Byte(b, at + i);
  return v;
}
uint64_t LittleEndian(std::string_view b, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | Byte(b, at + i);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view b(reinterpret_cast<const char*>(data), size);
  auto declared = vitrine::ReadDeclaredImage(b);
  if (!declared.ok()) {
    FUZZ_CHECK(!declared.status().message().empty(), "refused without a message");
    return 0;
  }
  const std::string& format = declared->format;
  const int64_t width = declared->width;
  const int64_t height = declared->height;
  FUZZ_CHECK(width >= 0 && height >= 0 && width <= 0xFFFFFFFF && height <= 0xFFFFFFFF,
             "%s declares %lld x %lld", format.c_str(), static_cast<long long>(width),
             static_cast<long long>(height));
  auto expect = [&](const char* name, uint64_t w, uint64_t h) {
    FUZZ_CHECK(format == name, "a %s header read as %s", name, format.c_str());
    FUZZ_CHECK(static_cast<uint64_t>(width) == w && static_cast<uint64_t>(height) == h,
               "%s declares %llu x %llu, read as %lld x %lld", name,
               static_cast<unsigned long long>(w), static_cast<unsigned long long>(h),
               static_cast<long long>(width), static_cast<long long>(height));
  };
  if (b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    expect("png", BigEndian(b, 16, 4), BigEndian(b, 20, 4));
  } else if (b.substr(0, 2) == "\xFF\xD8") {
    FUZZ_CHECK(format == "jpeg" && width <= 0xFFFF && height <= 0xFFFF, "jpeg read as %s",
               format.c_str());
  } else if (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a") {
    expect("gif", LittleEndian(b, 6, 2), LittleEndian(b, 8, 2));
  } else if (b.substr(0, 2) == "BM") {
    const int64_t h = static_cast<int32_t>(LittleEndian(b, 22, 4));
    expect("bmp", LittleEndian(b, 18, 4), static_cast<uint64_t>(h < 0 ? -h : h));
  } else if (b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") {
    const std::string_view chunk = b.substr(12, 4);
    if (chunk == "VP8X") {
      expect("webp", LittleEndian(b, 24, 3) + 1, LittleEndian(b, 27, 3) + 1);
    } else if (chunk == "VP8L") {
      const uint64_t bits = LittleEndian(b, 21, 4);
      expect("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
    } else {
      expect("webp", LittleEndian(b, 26, 2) & 0x3FFF, LittleEndian(b, 28, 2) & 0x3FFF);
    }
  } else {
    FUZZ_CHECK(false, "no known signature, yet read as %s", format.c_str());
  }
  return 0;
}
