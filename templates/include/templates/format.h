// CreativeFormat: the registry of ad formats a creative is rendered in (FORMATS.md §5).
//
// Ten built-in formats, each with its pixel size, the largest file the platforms that use
// it accept, and the area its content should stay in. The registry is constant data:
// thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace vitrine {

// A rectangle in pixels of a canvas, origin top left.
struct PixelBox {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;

  int right() const { return x + width; }
  int bottom() const { return y + height; }
  bool Contains(const PixelBox& inner) const {
    return inner.x >= x && inner.y >= y && inner.right() <= right() && inner.bottom() <= bottom();
  }
  friend bool operator==(const PixelBox&, const PixelBox&) = default;
};

struct CreativeFormat {
  std::string_view name;  // "square", "medium_rectangle"...
  int width = 0;
  int height = 0;
  // The largest file accepted, in bytes. Limits are read as decimal kilobytes and
  // megabytes (150 KB = 150,000 bytes), the stricter reading, so a creative that fits here
  // fits every platform's own reading too.
  int64_t max_bytes = 0;
  // Where text and product must stay: story keeps 250 px top and 340 px bottom clear for
  // the platform's interface; landscape keeps its content in the central 80 %.
  PixelBox safe_area;
  std::string_view used_by;  // "Meta feed, Instagram, Performance Max"
};

// Every built-in format, in the order of FORMATS.md §5.
std::span<const CreativeFormat> CreativeFormats();
// The format of that name, or nullptr.
const CreativeFormat* FindCreativeFormat(std::string_view name);

}  // namespace vitrine
