// Renderer: draws one offer's creative in one format from a template and a brand kit, and
// encodes it within the format's byte limit.
//
// Drawing is cairo + pango with the brand kit's fonts pinned by file; packshots are read
// through an ImageSource and prepared with OpenCV (declared size checked first, decoded at
// the smallest DCT scale that still covers the layout, background trimmed, white made
// transparent, focus at the content's centre of mass, INTER_AREA downscale), then kept in a
// byte-bounded LRU cache so the next format of the same offer starts from the prepared
// picture. Errors are per creative: a missing or unreadable packshot is a placeholder and a
// warning; a corrupt or oversized one, text that cannot fit at its minimum size, or an
// encoding over the byte limit is a Status for that creative only.
//
// Legal text is drawn at kMinLegalTextPx or more. When an offer's legal text cannot fit its
// layer at that size, or the layout prints nowhere the regulated mention its product needs,
// the text goes to a legal band across the bottom of the safe area and the rest of the
// layout is drawn scaled down above it (the mention in its short statutory form when the
// full one would take more than 30 % of the height).
//
// A Renderer is safe for concurrent use from multiple threads: pango state is per thread,
// the packshot cache is locked.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "offers/compliance.h"
#include "render/creative_content.h"
#include "render/image_source.h"
#include "render/packshot.h"
#include "templates/brand_kit.h"
#include "templates/format.h"
#include "templates/template.h"

namespace vitrine {

enum class ImageEncoding { kPng, kJpeg };
// "png" / "jpg"; and back (also "jpeg"). nullopt for anything else.
std::string_view ExtensionOf(ImageEncoding encoding);
std::optional<ImageEncoding> ParseImageEncoding(std::string_view extension);

// Legal text is never drawn smaller than this, whatever a template's `size.min` says: at
// 9 px the body font's lower case is about 5 px high, the least a person reads on a 1×
// screen, where IAB formats are shown at their own size (docs/templates.md).
inline constexpr double kMinLegalTextPx = 9;

struct RendererOptions {
  // Larger declared packshots are refused before decoding. Default 40 megapixels.
  int64_t max_packshot_pixels = kDefaultMaxPackshotPixels;
  // Memory for prepared packshots. Default 256 MiB, about 90 prepared 1000 × 1000 shots.
  size_t packshot_cache_bytes = 256u << 20;
  // zlib level of PNG output: 1 (fast) to 9 (small). Default 3: nearly the size of 6 at a
  // third of the time, for creatives that are mostly flat colour.
  int png_compression = 3;
  // The JPEG quality tried first, and the lowest one accepted before the creative is an
  // error. Defaults 90 and 40.
  int jpeg_quality = 90;
  int jpeg_min_quality = 40;
  // Which products' creatives must print a regulated mention (alcohol: the Loi Évin health
  // warning). Default: ComplianceRules', the same as assembly's.
  ComplianceRules compliance;
};

// Where a layer ended up, for the structural tests and the template check.
struct LayerReport {
  std::string name;
  LayerKind kind = LayerKind::kRect;
  bool drawn = false;                   // false when its `when` binding was empty or it had no text
  PixelBox box;                         // the layer's box
  std::optional<PixelBox> text_extent;  // text, legal, price, badge: where the text went
  double font_size = 0;                 // the size auto-fit chose
  bool ellipsized = false;              // cut with "…" at the minimum size
  std::string shape;                    // badge: the shape drawn
};

// Pixels before encoding: 8-bit BGRA, opaque, rows of `width * 4` bytes.
struct Raster {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> bgra;
};

struct Creative {
  std::string bytes;
  ImageEncoding encoding = ImageEncoding::kPng;
  std::string media_type;  // "image/png" or "image/jpeg"
  int width = 0;
  int height = 0;
  int jpeg_quality = 0;               // for JPEG
  std::vector<std::string> warnings;  // e.g. the placeholder drawn for a missing packshot
  std::vector<LayerReport> layers;
};

class Renderer {
 public:
  // `images` must outlive the renderer; nullptr draws every packshot as a placeholder.
  explicit Renderer(ImageSource* images, RendererOptions options = {});
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // Draws `content` in `format` with the template's layout for it. NotFound when the
  // template has no layout for the format; InvalidArgument for a corrupt or oversized
  // packshot, a font file that cannot be loaded, or text that does not fit its box at the
  // minimum size without ellipsis ("template check: ..."). Warnings go to `*warnings`.
  Result<Raster> Draw(const CreativeTemplate& creative_template, const BrandKit& kit,
                      const CreativeFormat& format, const CreativeContent& content,
                      std::vector<std::string>* warnings = nullptr,
                      std::vector<LayerReport>* layers = nullptr);

  // Draw, then encode: PNG when asked and within the limit, else the best JPEG quality that
  // fits (a PNG request may so be answered with a JPEG); ResourceExhausted when even the
  // lowest quality is over the format's limit.
  Result<Creative> Render(const CreativeTemplate& creative_template, const BrandKit& kit,
                          const CreativeFormat& format, const CreativeContent& content,
                          ImageEncoding encoding);

  // Encodes pixels within `max_bytes` as above.
  Result<Creative> Encode(const Raster& raster, int64_t max_bytes, ImageEncoding encoding) const;

  // The content address of a creative: a hash of the renderer's own version, the template
  // id and version, the brand kit id and version, the format, the encoding, the value of
  // every binding the layout uses and the packshot's reference and version. Two requests
  // with the same key get the same bytes. 32 hex digits.
  std::string CacheKey(const CreativeTemplate& creative_template, const BrandKit& kit,
                       const CreativeFormat& format, const CreativeContent& content,
                       ImageEncoding encoding);
  // The version of packshot `ref` that CacheKey uses: "none" for no reference or no image
  // source, "missing" when it cannot be found, else the image source's.
  std::string PackshotVersion(const std::string& ref);

  // Renders every layout of `creative_template` with a demanding sample offer (a long
  // title, a two-line badge, a reference price, every line present) and returns the
  // layers whose text cannot fit at their minimum size, by JSON path. Empty: the template
  // passes. Used by the template PUT.
  std::vector<TemplateError> Check(const CreativeTemplate& creative_template, const BrandKit& kit);

  struct CacheStats {
    int64_t hits = 0;
    int64_t misses = 0;
    size_t bytes = 0;
  };
  CacheStats packshot_cache_stats() const;

  struct Impl;  // opaque: the drawing code's state

 private:
  Result<Creative> EncodePixels(const uint8_t* bgra, int width, int height, int stride,
                                int64_t max_bytes, ImageEncoding encoding) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vitrine
