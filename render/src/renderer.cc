#include "render/renderer.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <set>

#include "fonts.h"
#include "image_codecs.h"
#include "offers/regulated_mentions.h"
#include "packshot_preparation.h"

namespace vitrine {
namespace {

namespace ri = render_internal;

// Bumped whenever a change to the drawing code changes the pixels of a creative, so cached
// creatives drawn by an older renderer are not served.
// Bumped when the same inputs draw different pixels (2: the legal floor and band).
constexpr std::string_view kRendererVersion = "2";

struct GObjectDeleter {
  void operator()(void* object) const {
    if (object != nullptr) g_object_unref(object);
  }
};
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectDeleter>;

struct FontDescriptionDeleter {
  void operator()(PangoFontDescription* d) const { pango_font_description_free(d); }
};
using FontDescriptionPtr = std::unique_ptr<PangoFontDescription, FontDescriptionDeleter>;

void SetColour(cairo_t* cr, Rgba c) {
  cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, c.a / 255.0);
}

void RoundedRectangle(cairo_t* cr, double x, double y, double w, double h, double r) {
  r = std::min({r, w / 2, h / 2});
  if (r <= 0) {
    cairo_rectangle(cr, x, y, w, h);
    return;
  }
  cairo_new_sub_path(cr);
  cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
  cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
  cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
  cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
  cairo_close_path(cr);
}

std::string Substitute(std::string_view text,
                       const std::map<std::string, std::string, std::less<>>& fields) {
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find('{', at);
    if (open == std::string_view::npos) break;
    const size_t close = text.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(text.substr(at, open - at));
    auto it = fields.find(text.substr(open + 1, close - open - 1));
    if (it != fields.end()) out += it->second;
    at = close + 1;
  }
  out.append(text.substr(std::min(at, text.size())));
  // A separator left alone by an empty binding ("{product.quantity} · {offer.unit_price}"
  // without a quantity) goes with it.
  auto is_edge = [](std::string_view s) { return s.starts_with(" ") || s.starts_with("\xC2\xB7"); };
  while (!out.empty() && is_edge(out)) out.erase(0, out.starts_with("\xC2\xB7") ? 2 : 1);
  while (!out.empty() && (out.back() == ' ' || out.ends_with("\xC2\xB7"))) {
    out.erase(out.size() - (out.back() == ' ' ? 1 : 2));
  }
  return out;
}

PixelBox ToBox(double x, double y, double w, double h) {
  return {static_cast<int>(std::floor(x)), static_cast<int>(std::floor(y)),
          static_cast<int>(std::ceil(x + w) - std::floor(x)),
          static_cast<int>(std::ceil(y + h) - std::floor(y))};
}

// A text laid out at the size auto-fit chose.
struct FittedText {
  LayoutPtr layout;
  double size = 0;
  bool ellipsized = false;
  PangoRectangle logical{};
  PangoRectangle ink{};
};

LayoutPtr NewLayout(const PangoFontDescription* font, std::string_view text, double size) {
  LayoutPtr layout(pango_layout_new(ri::ThreadPangoContext()));
  FontDescriptionPtr description(pango_font_description_copy(font));
  pango_font_description_set_absolute_size(description.get(), size * PANGO_SCALE);
  pango_layout_set_font_description(layout.get(), description.get());
  pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
  return layout;
}

// The largest size in `range` (to half a pixel) at which `text` fits `width` × `height` in
// at most `max_lines` lines; at the minimum size, cut with an ellipsis when allowed. An
// error when nothing fits.
Result<FittedText> FitText(const PangoFontDescription* font, const std::string& text, double width,
                           double height, int max_lines, SizeRange range, HorizontalAlign align,
                           bool ellipsize) {
  FittedText fitted;
  fitted.layout.reset(pango_layout_new(ri::ThreadPangoContext()));
  PangoLayout* layout = fitted.layout.get();
  FontDescriptionPtr description(pango_font_description_copy(font));
  pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
  // Whole words only: a title cut inside a word reads as a typo. A word wider than the box
  // fails the width test below, so a smaller size is tried instead.
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD);
  pango_layout_set_alignment(layout, align == HorizontalAlign::kLeft     ? PANGO_ALIGN_LEFT
                                     : align == HorizontalAlign::kCenter ? PANGO_ALIGN_CENTER
                                                                         : PANGO_ALIGN_RIGHT);
  pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
  auto fits_at = [&](double size) {
    pango_font_description_set_absolute_size(description.get(), size * PANGO_SCALE);
    pango_layout_set_font_description(layout, description.get());
    PangoRectangle logical;
    pango_layout_get_pixel_extents(layout, nullptr, &logical);
    return pango_layout_get_line_count(layout) <= max_lines && logical.height <= height + 0.5 &&
           logical.width <= width + 0.5;
  };
  double size = range.max;
  if (!fits_at(range.max)) {
    if (fits_at(range.min)) {
      double lo = range.min;
      double hi = range.max;
      while (hi - lo > 0.5) {
        const double mid = (lo + hi) / 2;
        (fits_at(mid) ? lo : hi) = mid;
      }
      size = lo;
      fits_at(size);
    } else if (ellipsize) {
      size = range.min;
      fits_at(size);
      pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_height(layout, -max_lines);
      fitted.ellipsized = true;
      PangoRectangle logical;
      pango_layout_get_pixel_extents(layout, nullptr, &logical);
      if (logical.height > height + 0.5) {
        return Status::InvalidArgument("one line does not fit its " +
                                       std::to_string(static_cast<int>(height)) +
                                       " px high box even at the minimum size");
      }
    } else {
      return Status::InvalidArgument(
          "\"" + (text.size() > 60 ? text.substr(0, 57) + "..." : text) + "\" does not fit " +
          std::to_string(max_lines) + " line(s) of " + std::to_string(static_cast<int>(width)) +
          "×" + std::to_string(static_cast<int>(height)) + " px even at the minimum size " +
          std::to_string(static_cast<int>(range.min)) + " px");
    }
  }
  fitted.size = size;
  pango_layout_get_pixel_extents(layout, &fitted.ink, &fitted.logical);
  return fitted;
}

std::string Upper(const std::string& text) {
  gchar* upper = g_utf8_strup(text.c_str(), static_cast<gssize>(text.size()));
  std::string out(upper);
  g_free(upper);
  return out;
}

uint64_t Fnv1a(std::string_view text, uint64_t hash) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// A demanding offer for the template check: the longest texts a layout must hold.
CreativeContent SampleContent() {
  CreativeContent c;
  c.product_title =
      "Céréales croustillantes au chocolat noir et aux noisettes torréfiées, format familial";
  c.product_brand = "Maison Exemple";
  c.product_quantity = "6 x 33 cl";
  PublishedOffer& o = c.offer;
  o.offer_id = "sample~sample";
  o.store_id = "sample";
  o.mechanic = "nth_item_percent_off";
  o.badge = "2ème à -50%";
  o.headline = "soit 11,24 € l'unité";
  o.legal = "Remise immédiate en caisse sur le 2ème article acheté";
  o.shelf_price = Money::Euros(129999);
  o.regular_price = Money::Euros(129999);
  o.reference_price = Money::Euros(149999);
  o.discount_percent = 30;
  o.unit_price = Money::Euros(56677);
  o.unit_pricing_base = "1 l";
  o.timezone = "Europe/Paris";
  o.validity = {FromUnixSeconds(1796166000), FromUnixSeconds(1796770800)};
  return c;
}

// PNG straight from cairo's BGRA rows with libpng: the sub filter only (flat colour and
// horizontal runs, what creatives are made of, filter to zeros) instead of trying all five
// per row, and no conversion copy: libpng reorders BGR and drops the alpha byte itself.
// About three times faster than OpenCV's encoder for a 1080×1080 creative, 5 % larger.
std::string EncodePng(const uint8_t* bgra, int width, int height, int stride, int level) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return "";
  }
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, png_size_t length) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<char*>(data), length);
      },
      nullptr);
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, level);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
  png_write_info(png, info);
  png_set_bgr(png);
  png_set_filler(png, 0, PNG_FILLER_AFTER);
  out.reserve(static_cast<size_t>(width) * height / 4);
  for (int y = 0; y < height; ++y) {
    png_write_row(png, const_cast<png_bytep>(bgra + static_cast<size_t>(y) * stride));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace

std::string_view ExtensionOf(ImageEncoding encoding) {
  return encoding == ImageEncoding::kPng ? "png" : "jpg";
}

std::optional<ImageEncoding> ParseImageEncoding(std::string_view extension) {
  if (extension == "png") return ImageEncoding::kPng;
  if (extension == "jpg" || extension == "jpeg") return ImageEncoding::kJpeg;
  return std::nullopt;
}

struct Renderer::Impl {
  ImageSource* const images;
  const RendererOptions options;
  ri::PackshotCache packshots;

  Impl(ImageSource* i, RendererOptions o)
      : images(i), options(o), packshots(o.packshot_cache_bytes) {}
};

namespace {

// One creative being drawn: the canvas, the values, and what happened.
class Drawing {
 public:
  Drawing(Renderer::Impl& impl, const BrandKit& kit, const CreativeContent& content, cairo_t* cr,
          bool collect_errors)
      : impl_(impl),
        kit_(kit),
        content_(content),
        fields_(BindFields(content, kit)),
        cr_(cr),
        collect_errors_(collect_errors) {}

  std::vector<std::string> warnings;
  std::vector<LayerReport> reports;
  std::vector<std::pair<size_t, std::string>> layer_errors;  // layer index, message

  Status DrawLayout(const Layout& layout, const CreativeFormat& format) {
    // SOURCE, not OVER: the canvas may be reused, and a translucent background must not
    // show the previous creative through it.
    SetColour(cr_, Colour(layout.background));
    cairo_set_operator(cr_, CAIRO_OPERATOR_SOURCE);
    cairo_paint(cr_);
    cairo_set_operator(cr_, CAIRO_OPERATOR_OVER);
    // The template check reports legal layers that do not fit instead of moving them.
    std::set<size_t> moved;
    std::optional<LegalBand> band;
    if (!collect_errors_) {
      auto planned = PlanLegalBand(layout, format, &moved);
      if (!planned.ok()) return planned.status();
      band = std::move(*planned);
    }
    cairo_save(cr_);
    if (band) {
      // The layout shrinks, centred, so that the safe area's bottom clears the band.
      const PixelBox& safe = format.safe_area;
      cairo_translate(cr_, safe.x + safe.width * (1 - band->scale) / 2, safe.y);
      cairo_scale(cr_, band->scale, band->scale);
      cairo_translate(cr_, -safe.x, -safe.y);
    }
    for (size_t i = 0; i < layout.layers.size(); ++i) {
      const Layer& layer = layout.layers[i];
      LayerReport report;
      report.name = layer.name;
      report.kind = layer.kind;
      report.box = layer.box;
      if (moved.contains(i) || (!layer.when.empty() && Field(layer.when).empty())) {
        reports.push_back(std::move(report));
        continue;
      }
      cairo_save(cr_);
      Status status = DrawLayer(layer, &report);
      cairo_restore(cr_);
      if (!status.ok()) {
        if (status.code() != StatusCode::kInvalidArgument || !collect_errors_ ||
            status.message().starts_with("packshot")) {
          cairo_restore(cr_);
          return status.WithContext("layer \"" + layer.name + "\"");
        }
        layer_errors.emplace_back(i, status.message());
      }
      reports.push_back(std::move(report));
    }
    cairo_restore(cr_);
    if (band) DrawLegalBand(*band);
    return Status::Ok();
  }

 private:
  // Legal text drawn across the bottom of the safe area, the layout scaled above it.
  struct LegalBand {
    PixelBox box;
    FittedText text;
    double scale = 1;
    int pad = 0;
  };

  static SizeRange LegalRange(SizeRange size) {
    return {std::max(size.min, kMinLegalTextPx), std::max(size.max, kMinLegalTextPx)};
  }

  // What must go to a legal band: the text of the legal layers that cannot fit at the legal
  // floor (their indices into `*moved`), and the product's regulated mention when no layer
  // prints it. nullopt when nothing must.
  Result<std::optional<LegalBand>> PlanLegalBand(const Layout& layout, const CreativeFormat& format,
                                                 std::set<size_t>* moved) {
    const std::string mention =
        RegulatedMentionFor(content_.offer.category, Locale::kFrench, &impl_.options.compliance);
    bool mention_shown = mention.empty();
    std::string overflow;
    for (size_t i = 0; i < layout.layers.size(); ++i) {
      const Layer& layer = layout.layers[i];
      if (layer.kind != LayerKind::kText && layer.kind != LayerKind::kLegal) continue;
      if (!layer.when.empty() && Field(layer.when).empty()) continue;
      const std::string text = Substitute(layer.text, fields_);
      if (text.empty()) continue;
      if (layer.kind == LayerKind::kLegal) {
        auto font = Font(layer.font);
        if (!font.ok()) return font.status();
        const PixelBox& b = layer.box;
        if (!FitText(*font, text, b.width, b.height, layer.max_lines, LegalRange(layer.size),
                     layer.align, false)
                 .ok()) {
          moved->insert(i);
          overflow = JoinLegal(overflow, text);
        }
      }
      // Only a legible layer counts: a text layer allowed below the floor does not.
      const bool legible = layer.kind == LayerKind::kLegal || layer.size.min >= kMinLegalTextPx;
      if (legible && !mention.empty() && text.find(mention) != std::string::npos) {
        mention_shown = true;
      }
    }
    if (overflow.empty() && mention_shown) return std::optional<LegalBand>();
    auto band = FitLegalBand(JoinLegal(overflow, mention_shown ? "" : mention), format);
    if (!band.ok() || band->box.height <= format.safe_area.height * 0.30 || mention_shown) {
      return band.ok() ? std::optional<LegalBand>(std::move(*band))
                       : Result<std::optional<LegalBand>>(band.status());
    }
    // Too tall for a small format: the mention in the shortest form the law accepts.
    const std::string short_mention = ShortRegulatedMention(
        RegulationFor(impl_.options.compliance, content_.offer.category), Locale::kFrench);
    auto shorter = FitLegalBand(JoinLegal(overflow, short_mention), format);
    if (!shorter.ok()) return shorter.status();
    return std::optional<LegalBand>(std::move(*shorter));
  }

  // The band holding `text` at the legal floor (2.2 % of the shorter side on large canvases),
  // across the safe area; an error when it would take more than 40 % of the safe area's height.
  Result<LegalBand> FitLegalBand(const std::string& text, const CreativeFormat& format) {
    auto font = Font("body");
    if (!font.ok()) return font.status();
    const PixelBox& safe = format.safe_area;
    const double shorter_side = std::min(format.width, format.height);
    LegalBand band;
    band.pad = std::max(1, static_cast<int>(std::lround(shorter_side * 0.012)));
    // Social formats are shown scaled down: their band's text grows with the canvas.
    const double size = std::max(kMinLegalTextPx, std::floor(shorter_side * 0.022));
    const double width = safe.width - 2.0 * band.pad;
    const double limit = safe.height * 0.40;
    auto fitted = FitText(*font, text, width, limit - 2.0 * band.pad, 64, {size, size},
                          HorizontalAlign::kCenter, false);
    if (!fitted.ok()) {
      return Status::InvalidArgument("the legal text does not fit even in a band of 40 % of the " +
                                     std::string(format.name) + " at " +
                                     std::to_string(static_cast<int>(size)) + " px");
    }
    const int height = fitted->logical.height + 2 * band.pad;
    band.box = {safe.x, safe.y + safe.height - height, safe.width, height};
    band.scale = static_cast<double>(safe.height - height) / safe.height;
    band.text = std::move(*fitted);
    return band;
  }

  void DrawLegalBand(const LegalBand& band) {
    const PixelBox& b = band.box;
    SetColour(cr_, Colour("$surface"));
    cairo_rectangle(cr_, b.x, b.y, b.width, b.height);
    cairo_fill(cr_);
    SetColour(cr_, Colour("$text"));
    const double y = b.y + band.pad;
    cairo_move_to(cr_, b.x + band.pad, y - band.text.logical.y);
    pango_cairo_show_layout(cr_, band.text.layout.get());
    LayerReport report;
    report.name = "legal_band";
    report.kind = LayerKind::kLegal;
    report.drawn = true;
    report.box = b;
    report.font_size = band.text.size;
    report.text_extent = ToBox(b.x + band.pad + band.text.logical.x, y, band.text.logical.width,
                               band.text.logical.height);
    reports.push_back(std::move(report));
  }

  Rgba Colour(std::string_view role_or_hex) const {
    return ResolveColor(kit_, role_or_hex).value_or(Rgba{0, 0, 0, 255});
  }

  const std::string& Field(std::string_view name) const {
    static const std::string kEmpty;
    auto it = fields_.find(name);
    return it == fields_.end() ? kEmpty : it->second;
  }

  Result<const PangoFontDescription*> Font(const std::string& role) const {
    auto it = kit_.fonts.find(role);
    if (it == kit_.fonts.end()) {
      return Status::InvalidArgument("brand kit \"" + kit_.id + "\" has no \"" + role + "\" font");
    }
    return ri::PinnedFont(it->second);
  }

  Status DrawLayer(const Layer& layer, LayerReport* report) {
    const PixelBox& b = layer.box;
    switch (layer.kind) {
      case LayerKind::kRect:
        SetColour(cr_, Colour(layer.fill));
        RoundedRectangle(cr_, b.x, b.y, b.width, b.height, layer.radius);
        cairo_fill(cr_);
        report->drawn = true;
        return Status::Ok();
      case LayerKind::kImage:
        report->drawn = true;
        return layer.source == "logo" ? DrawLogo(layer) : DrawPackshot(layer);
      case LayerKind::kText:
      case LayerKind::kLegal:
        return DrawText(layer, report);
      case LayerKind::kPrice:
        return DrawPrice(layer, report);
      case LayerKind::kBadge:
        return DrawBadge(layer, report);
    }
    return Status::Ok();
  }

  Status DrawText(const Layer& layer, LayerReport* report) {
    std::string text = Substitute(layer.text, fields_);
    if (text.empty()) return Status::Ok();
    if (layer.uppercase) text = Upper(text);
    auto font = Font(layer.font);
    if (!font.ok()) return font.status();
    const PixelBox& b = layer.box;
    if (!layer.fill.empty()) {
      SetColour(cr_, Colour(layer.fill));
      RoundedRectangle(cr_, b.x, b.y, b.width, b.height, layer.radius);
      cairo_fill(cr_);
    }
    // Legal text never goes below the legal floor, whatever the template asks.
    auto fitted = FitText(*font, text, b.width, b.height, layer.max_lines,
                          layer.kind == LayerKind::kLegal ? LegalRange(layer.size) : layer.size,
                          layer.align, layer.ellipsize);
    if (!fitted.ok()) return fitted.status();
    double y = b.y;
    if (layer.valign == VerticalAlign::kMiddle) y += (b.height - fitted->logical.height) / 2.0;
    if (layer.valign == VerticalAlign::kBottom) y += b.height - fitted->logical.height;
    SetColour(cr_, Colour(layer.color));
    cairo_move_to(cr_, b.x, y - fitted->logical.y);
    pango_cairo_show_layout(cr_, fitted->layout.get());
    report->drawn = true;
    report->font_size = fitted->size;
    report->ellipsized = fitted->ellipsized;
    report->text_extent =
        ToBox(b.x + fitted->logical.x, y, fitted->logical.width, fitted->logical.height);
    return Status::Ok();
  }

  // The shelf style: the units big, the currency sign at half size on the same baseline and
  // the cents as a superscript (2€⁹⁹); the struck-through reference price above it when a
  // reduction is announced.
  Status DrawPrice(const Layer& layer, LayerReport* report) {
    auto font = Font(layer.font);
    if (!font.ok()) return font.status();
    const Money price = content_.offer.shelf_price;
    const int digits = price.currency().minor_digits();
    int64_t scale = 1;
    for (int i = 0; i < digits; ++i) scale *= 10;
    const std::string units = std::to_string(price.minor_units() / scale);
    std::string cents;
    if (digits > 0) {
      cents = std::to_string(price.minor_units() % scale);
      cents.insert(0, digits - cents.size(), '0');
    }
    const std::string sign(price.currency().symbol());
    const std::string reference = layer.show_reference ? Field("offer.reference_price") : "";
    const PixelBox& b = layer.box;

    struct Parts {
      LayoutPtr units, sign, cents, reference;
      PangoRectangle units_ink{}, sign_ink{}, cents_ink{}, reference_ink{}, reference_logical{};
      double width = 0, height = 0, gap = 0, reference_gap = 0;
    };
    auto measure = [&](double size) {
      Parts p;
      p.units = NewLayout(*font, units, size);
      p.sign = NewLayout(*font, sign, size * 0.5);
      p.cents = NewLayout(*font, cents, size * 0.46);
      pango_layout_get_pixel_extents(p.units.get(), &p.units_ink, nullptr);
      pango_layout_get_pixel_extents(p.sign.get(), &p.sign_ink, nullptr);
      pango_layout_get_pixel_extents(p.cents.get(), &p.cents_ink, nullptr);
      p.gap = size * 0.035;
      p.width = p.units_ink.width + p.gap + p.sign_ink.width + p.gap + p.cents_ink.width;
      p.height = p.units_ink.height;
      if (!reference.empty()) {
        p.reference = NewLayout(*font, reference, std::max(layer.size.min * 0.9, size * 0.24));
        pango_layout_get_pixel_extents(p.reference.get(), &p.reference_ink, &p.reference_logical);
        p.reference_gap = size * 0.07;
        p.width = std::max<double>(p.width, p.reference_ink.width);
        p.height += p.reference_ink.height + p.reference_gap;
      }
      return p;
    };
    auto fits = [&](const Parts& p) { return p.width <= b.width && p.height <= b.height; };
    double size = layer.size.max;
    Parts parts = measure(size);
    if (!fits(parts)) {
      double lo = layer.size.min;
      double hi = layer.size.max;
      if (!fits(measure(lo))) {
        return Status::InvalidArgument("price " + DisplayPriceText() + " does not fit its " +
                                       std::to_string(b.width) + "×" + std::to_string(b.height) +
                                       " px box even at the minimum size");
      }
      while (hi - lo > 0.5) {
        const double mid = (lo + hi) / 2;
        (fits(measure(mid)) ? lo : hi) = mid;
      }
      size = lo;
      parts = measure(size);
    }
    double y = b.y;
    if (layer.valign == VerticalAlign::kMiddle) y += (b.height - parts.height) / 2;
    if (layer.valign == VerticalAlign::kBottom) y += b.height - parts.height;
    auto left_for = [&](double width) {
      if (layer.align == HorizontalAlign::kCenter) return b.x + (b.width - width) / 2;
      if (layer.align == HorizontalAlign::kRight) return b.x + b.width - width;
      return static_cast<double>(b.x);
    };
    const double top = y;
    if (parts.reference) {
      const double x = left_for(parts.reference_ink.width);
      SetColour(cr_, Colour(layer.secondary_color));
      cairo_move_to(cr_, x - parts.reference_ink.x, y - parts.reference_ink.y);
      pango_cairo_show_layout(cr_, parts.reference.get());
      // The strike: across the digits' middle, thick enough to read at a glance.
      const double strike_y = y + parts.reference_ink.height * 0.55;
      cairo_set_line_width(cr_, std::max(1.0, parts.reference_ink.height * 0.11));
      cairo_move_to(cr_, x - 1, strike_y);
      cairo_line_to(cr_, x + parts.reference_ink.width + 1, strike_y);
      cairo_stroke(cr_);
      y += parts.reference_ink.height + parts.reference_gap;
    }
    const double digits_width = parts.units_ink.width + parts.gap + parts.sign_ink.width +
                                parts.gap + parts.cents_ink.width;
    double x = left_for(digits_width);
    SetColour(cr_, Colour(layer.color));
    const double units_origin_y = y - parts.units_ink.y;
    cairo_move_to(cr_, x - parts.units_ink.x, units_origin_y);
    pango_cairo_show_layout(cr_, parts.units.get());
    const double baseline =
        units_origin_y + pango_layout_get_baseline(parts.units.get()) / double{PANGO_SCALE};
    x += parts.units_ink.width + parts.gap;
    cairo_move_to(cr_, x - parts.sign_ink.x,
                  baseline - pango_layout_get_baseline(parts.sign.get()) / double{PANGO_SCALE});
    pango_cairo_show_layout(cr_, parts.sign.get());
    x += parts.sign_ink.width + parts.gap;
    cairo_move_to(cr_, x - parts.cents_ink.x, y - parts.cents_ink.y);
    pango_cairo_show_layout(cr_, parts.cents.get());
    report->drawn = true;
    report->font_size = size;
    report->text_extent = ToBox(left_for(parts.width), top, parts.width, parts.height);
    return Status::Ok();
  }

  std::string DisplayPriceText() const { return Field("offer.shelf_price"); }

  void BadgePath(BadgeShape shape, double w, double h) {
    const double side = std::min(w, h);
    switch (shape) {
      case BadgeShape::kCircle:
        cairo_arc(cr_, 0, 0, side / 2, 0, 2 * M_PI);
        break;
      case BadgeShape::kBurst: {
        constexpr int kPoints = 20;
        for (int i = 0; i < 2 * kPoints; ++i) {
          const double r = (i % 2 == 0 ? 0.5 : 0.43) * side;
          const double a = M_PI * i / kPoints - M_PI / 2;
          if (i == 0) {
            cairo_move_to(cr_, r * std::cos(a), r * std::sin(a));
          } else {
            cairo_line_to(cr_, r * std::cos(a), r * std::sin(a));
          }
        }
        cairo_close_path(cr_);
        break;
      }
      case BadgeShape::kRoundedBox: {
        const double bh = side * 0.72;
        RoundedRectangle(cr_, -w / 2, -bh / 2, w, bh, bh * 0.2);
        break;
      }
      case BadgeShape::kRibbon: {
        const double bh = side * 0.56;
        const double notch = bh * 0.22;
        cairo_move_to(cr_, -w / 2, -bh / 2);
        cairo_line_to(cr_, w / 2, -bh / 2);
        cairo_line_to(cr_, w / 2 - notch, 0);
        cairo_line_to(cr_, w / 2, bh / 2);
        cairo_line_to(cr_, -w / 2, bh / 2);
        cairo_line_to(cr_, -w / 2 + notch, 0);
        cairo_close_path(cr_);
        break;
      }
    }
  }

  Status DrawBadge(const Layer& layer, LayerReport* report) {
    const std::string text = Substitute(layer.text, fields_);
    if (text.empty()) return Status::Ok();
    auto font = Font(layer.font);
    if (!font.ok()) return font.status();
    BadgeShape shape = layer.shape;
    if (auto it = layer.shapes.find(content_.offer.mechanic); it != layer.shapes.end()) {
      shape = it->second;
    }
    const PixelBox& b = layer.box;
    const double side = std::min(b.width, b.height);
    // A ribbon and a box are as wide as the layer; a circle and a burst are round.
    const double w =
        shape == BadgeShape::kRibbon || shape == BadgeShape::kRoundedBox ? b.width : side;
    double inner_w = side * 0.70;
    double inner_h = side * 0.62;
    if (shape == BadgeShape::kBurst) inner_w = inner_h = side * 0.62;
    if (shape == BadgeShape::kRoundedBox) {
      inner_w = w * 0.86;
      inner_h = side * 0.72 * 0.84;
    }
    if (shape == BadgeShape::kRibbon) {
      inner_w = w - side * 0.56 * 0.22 * 2.2;
      inner_h = side * 0.56 * 0.86;
    }
    auto fitted = FitText(*font, text, inner_w, inner_h, layer.max_lines, layer.size,
                          HorizontalAlign::kCenter, false);
    if (!fitted.ok()) return fitted.status().WithContext("badge");
    cairo_translate(cr_, b.x + b.width / 2.0, b.y + b.height / 2.0);
    cairo_rotate(cr_, layer.rotation_degrees * M_PI / 180);
    // A soft shadow lifts the badge off the packshot it overlaps.
    cairo_save(cr_);
    cairo_translate(cr_, side * 0.015, side * 0.025);
    BadgePath(shape, w, side);
    cairo_set_source_rgba(cr_, 0, 0, 0, 0.18);
    cairo_fill(cr_);
    cairo_restore(cr_);
    BadgePath(shape, w, side);
    SetColour(cr_, Colour(layer.fill));
    cairo_fill(cr_);
    SetColour(cr_, Colour(layer.color));
    cairo_move_to(cr_, -inner_w / 2, -fitted->logical.height / 2.0 - fitted->logical.y);
    pango_cairo_show_layout(cr_, fitted->layout.get());
    report->drawn = true;
    report->font_size = fitted->size;
    report->shape = BadgeShapeName(shape);
    report->text_extent = ToBox(b.x + b.width / 2.0 - fitted->logical.width / 2.0,
                                b.y + b.height / 2.0 - fitted->logical.height / 2.0,
                                fitted->logical.width, fitted->logical.height);
    return Status::Ok();
  }

  void PaintImage(const cv::Mat& premultiplied, const PixelBox& b) {
    cairo_surface_t* surface = cairo_image_surface_create_for_data(
        const_cast<uint8_t*>(premultiplied.data), CAIRO_FORMAT_ARGB32, premultiplied.cols,
        premultiplied.rows, static_cast<int>(premultiplied.step));
    const double x = b.x + (b.width - premultiplied.cols) / 2.0;
    const double y = b.y + (b.height - premultiplied.rows) / 2.0;
    cairo_set_source_surface(cr_, surface, std::round(x), std::round(y));
    cairo_paint(cr_);
    cairo_surface_destroy(surface);
  }

  // A neutral stand-in for a missing picture: a grey card with a shopping-bag outline.
  void DrawPlaceholder(const PixelBox& b) {
    const double side = std::min(b.width, b.height) * 0.8;
    const double x = b.x + (b.width - side) / 2;
    const double y = b.y + (b.height - side) / 2;
    cairo_set_source_rgba(cr_, 0.55, 0.55, 0.55, 0.12);
    RoundedRectangle(cr_, x, y, side, side, side * 0.08);
    cairo_fill(cr_);
    cairo_set_source_rgba(cr_, 0.45, 0.45, 0.45, 0.45);
    cairo_set_line_width(cr_, std::max(1.0, side * 0.025));
    const double bw = side * 0.4;
    const double bh = side * 0.34;
    const double bx = x + (side - bw) / 2;
    const double by = y + side * 0.38;
    RoundedRectangle(cr_, bx, by, bw, bh, side * 0.03);
    cairo_stroke(cr_);
    cairo_new_sub_path(cr_);
    cairo_arc(cr_, bx + bw / 2, by, bw * 0.22, M_PI, 2 * M_PI);
    cairo_stroke(cr_);
  }

  Status DrawPackshot(const Layer& layer) {
    const std::string& ref = content_.packshot;
    auto placeholder = [&](const std::string& why) {
      warnings.push_back("packshot " + (ref.empty() ? std::string("(none)") : ref) + ": " + why +
                         "; placeholder drawn");
      DrawPlaceholder(layer.box);
      return Status::Ok();
    };
    if (ref.empty() || impl_.images == nullptr) return placeholder("no image");
    auto version = impl_.images->Version(ref);
    if (!version.ok()) return placeholder(version.status().message());
    // Prepared once per picture and size class, whatever the format asking.
    const int needed = std::max(layer.box.width, layer.box.height);
    int bucket = 256;
    while (bucket < needed && bucket < 4096) bucket += bucket < 1024 ? 256 : 512;
    const std::string key = ref + "@" + *version + (layer.trim ? "|t" : "|-") +
                            (layer.white_to_transparent ? "w" : "-") + std::to_string(bucket);
    // Decoding and scaling are most of a creative's time and touch no font: other threads
    // draw text meanwhile. A Drawing runs with the text lock held once (DrawOn, Check).
    ri::TextMutex().unlock();
    struct Relock {
      ~Relock() { ri::TextMutex().lock(); }
    } relock;
    std::shared_ptr<const ri::PreparedPackshot> prepared = impl_.packshots.Find(key);
    if (!prepared) {
      auto bytes = impl_.images->Read(ref);
      if (!bytes.ok()) return placeholder(bytes.status().message());
      auto made = ri::PreparePackshot(*bytes, {layer.trim, layer.white_to_transparent, bucket,
                                               impl_.options.max_packshot_pixels});
      if (!made.ok()) return made.status().WithContext("packshot " + ref);
      prepared = *made;
      impl_.packshots.Insert(key, prepared);
    }
    // The packshot fitted to this box is kept too: the same product in the same format in
    // fifty stores is scaled once.
    const std::string fitted_key = key + "|" + std::to_string(layer.box.width) + "x" +
                                   std::to_string(layer.box.height) +
                                   (layer.fit == ImageFit::kCover ? "c" : "f");
    std::shared_ptr<const ri::PreparedPackshot> fitted = impl_.packshots.Find(fitted_key);
    if (!fitted) {
      auto made = std::make_shared<ri::PreparedPackshot>();
      made->bgra = ri::FitPackshot(*prepared, layer.box.width, layer.box.height, layer.fit);
      fitted = made;
      impl_.packshots.Insert(fitted_key, fitted);
    }
    PaintImage(fitted->bgra, layer.box);
    return Status::Ok();
  }

  // The brand kit's logo file, or a wordmark of its name: white type on the primary colour.
  Status DrawLogo(const Layer& layer) {
    const PixelBox& b = layer.box;
    if (!kit_.logo_file.empty()) {
      DirectoryImageSource files("/");
      auto bytes = files.Read(kit_.logo_file.substr(kit_.logo_file.starts_with('/') ? 1 : 0));
      if (!bytes.ok()) {
        warnings.push_back("logo " + kit_.logo_file + ": " + bytes.status().message());
        return Status::Ok();
      }
      auto prepared = ri::PreparePackshot(
          *bytes, {false, false, std::max(b.width, b.height), impl_.options.max_packshot_pixels});
      if (!prepared.ok()) return prepared.status().WithContext("logo " + kit_.logo_file);
      PaintImage(ri::FitPackshot(**prepared, b.width, b.height, ImageFit::kContain), b);
      return Status::Ok();
    }
    auto font = Font("headline");
    if (!font.ok()) return font.status();
    const double pad = b.height * 0.18;
    auto fitted =
        FitText(*font, kit_.name, b.width - 2 * pad, b.height - 2 * pad * 0.8, 1,
                {std::max(4.0, b.height * 0.2), b.height * 0.56}, HorizontalAlign::kLeft, true);
    if (!fitted.ok()) return fitted.status().WithContext("logo");
    const double w = std::min<double>(b.width, fitted->ink.width + 2 * pad + fitted->ink.x);
    SetColour(cr_, Colour("$primary"));
    RoundedRectangle(cr_, b.x, b.y, w, b.height, b.height * 0.22);
    cairo_fill_preserve(cr_);
    SetColour(cr_, Colour("$on_primary"));
    cairo_set_line_width(cr_, std::max(1.0, b.height * 0.05));
    cairo_stroke(cr_);
    SetColour(cr_, Colour("$on_primary"));
    cairo_move_to(cr_, b.x + pad,
                  b.y + (b.height - fitted->logical.height) / 2.0 - fitted->logical.y);
    pango_cairo_show_layout(cr_, fitted->layout.get());
    return Status::Ok();
  }

  Renderer::Impl& impl_;
  const BrandKit& kit_;
  const CreativeContent& content_;
  const std::map<std::string, std::string, std::less<>> fields_;
  cairo_t* const cr_;
  const bool collect_errors_;
};

struct CairoCanvas {
  cairo_surface_t* surface;
  cairo_t* cr;
  CairoCanvas(int w, int h)
      : surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h)), cr(cairo_create(surface)) {}
  ~CairoCanvas() {
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
  }
};

}  // namespace

Renderer::Renderer(ImageSource* images, RendererOptions options)
    : impl_(std::make_unique<Impl>(images, options)) {
  // Creatives are rendered in parallel one per thread; OpenCV's own worker threads would
  // only compete with them (and with the request threads) for the same cores.
  static std::once_flag once;
  std::call_once(once, [] { cv::setNumThreads(0); });
}
Renderer::~Renderer() = default;

namespace {

// Draws `content` on `canvas` (of the format's size). The error is the creative's.
Status DrawOn(Renderer::Impl& impl, CairoCanvas& canvas, const CreativeTemplate& t,
              const BrandKit& kit, const CreativeFormat& format, const CreativeContent& content,
              std::vector<std::string>* warnings, std::vector<LayerReport>* layers) {
  auto it = t.layouts.find(format.name);
  if (it == t.layouts.end()) {
    return Status::NotFound("template \"" + t.id + "\" has no layout for format \"" +
                            std::string(format.name) + "\"");
  }
  if (cairo_surface_status(canvas.surface) != CAIRO_STATUS_SUCCESS) {
    return Status::ResourceExhausted("cannot allocate a " + std::to_string(format.width) + "×" +
                                     std::to_string(format.height) + " canvas");
  }
  std::lock_guard text(ri::TextMutex());  // before the drawing: its layouts die under it
  Drawing drawing(impl, kit, content, canvas.cr, false);
  Status status = drawing.DrawLayout(it->second, format);
  if (!status.ok()) {
    if (status.code() == StatusCode::kInvalidArgument &&
        status.message().find("packshot") == std::string::npos) {
      return status.WithContext("template check: template \"" + t.id + "\", format \"" +
                                std::string(format.name) + "\"");
    }
    return status;
  }
  cairo_surface_flush(canvas.surface);
  if (warnings != nullptr) *warnings = std::move(drawing.warnings);
  if (layers != nullptr) *layers = std::move(drawing.reports);
  return Status::Ok();
}

// One canvas per format size and thread, reused: a fresh 1080×1920 surface is 8 MB of pages
// the kernel must fault in, which costs more than drawing on it. The whole canvas is painted
// with the layout's background first, so nothing of the previous creative shows.
CairoCanvas& ThreadCanvas(int width, int height) {
  thread_local std::map<std::pair<int, int>, std::unique_ptr<CairoCanvas>> canvases;
  auto& canvas = canvases[{width, height}];
  if (!canvas) canvas = std::make_unique<CairoCanvas>(width, height);
  cairo_identity_matrix(canvas->cr);
  cairo_reset_clip(canvas->cr);
  cairo_set_operator(canvas->cr, CAIRO_OPERATOR_OVER);
  return *canvas;
}

}  // namespace

Result<Raster> Renderer::Draw(const CreativeTemplate& t, const BrandKit& kit,
                              const CreativeFormat& format, const CreativeContent& content,
                              std::vector<std::string>* warnings,
                              std::vector<LayerReport>* layers) {
  CairoCanvas canvas(format.width, format.height);
  VITRINE_RETURN_IF_ERROR(DrawOn(*impl_, canvas, t, kit, format, content, warnings, layers));
  Raster raster;
  raster.width = format.width;
  raster.height = format.height;
  raster.bgra.resize(static_cast<size_t>(format.width) * format.height * 4);
  const int stride = cairo_image_surface_get_stride(canvas.surface);
  const uint8_t* data = cairo_image_surface_get_data(canvas.surface);
  for (int y = 0; y < format.height; ++y) {
    std::copy_n(data + static_cast<size_t>(y) * stride, format.width * 4,
                raster.bgra.data() + static_cast<size_t>(y) * format.width * 4);
  }
  return raster;
}

Result<Creative> Renderer::Encode(const Raster& raster, int64_t max_bytes,
                                  ImageEncoding encoding) const {
  return EncodePixels(raster.bgra.data(), raster.width, raster.height, raster.width * 4, max_bytes,
                      encoding);
}

Result<Creative> Renderer::EncodePixels(const uint8_t* pixels, int width, int height, int stride,
                                        int64_t max_bytes, ImageEncoding encoding) const {
  Creative out;
  out.width = width;
  out.height = height;
  std::string buffer;
  if (encoding == ImageEncoding::kPng) {
    std::string png = EncodePng(pixels, width, height, stride, impl_->options.png_compression);
    if (png.empty()) return Status::Internal("libpng could not encode the creative");
    if (static_cast<int64_t>(png.size()) <= max_bytes) {
      out.bytes = std::move(png);
      out.encoding = ImageEncoding::kPng;
      out.media_type = "image/png";
      return out;
    }
  }
  // Huffman optimisation saves about 10 % for three times the time: only worth it when
  // the plain encoding is over the limit.
  bool optimize = false;
  Status failure;
  auto jpeg = [&](int quality) -> int64_t {
    auto encoded = ri::EncodeJpeg(pixels, width, height, stride, quality, optimize);
    if (!encoded.ok()) {
      failure = encoded.status();
      return std::numeric_limits<int64_t>::max();
    }
    buffer = std::move(encoded).value();
    return static_cast<int64_t>(buffer.size());
  };
  int best = -1;
  std::string best_bytes;
  if (jpeg(impl_->options.jpeg_quality) <= max_bytes) {
    best = impl_->options.jpeg_quality;
    best_bytes = buffer;
  } else {
    optimize = true;
    // The highest quality that fits, by bisection: size grows with quality.
    int lo = impl_->options.jpeg_min_quality;
    int hi = impl_->options.jpeg_quality - 1;
    while (lo <= hi) {
      const int mid = (lo + hi) / 2;
      if (jpeg(mid) <= max_bytes) {
        best = mid;
        best_bytes = buffer;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
  }
  if (!failure.ok()) return failure;
  if (best < 0) {
    return Status::ResourceExhausted("the " + std::to_string(width) + "×" + std::to_string(height) +
                                     " creative does not fit " + std::to_string(max_bytes) +
                                     " bytes, not even as a JPEG of quality " +
                                     std::to_string(impl_->options.jpeg_min_quality));
  }
  out.bytes = std::move(best_bytes);
  out.encoding = ImageEncoding::kJpeg;
  out.media_type = "image/jpeg";
  out.jpeg_quality = best;
  return out;
}

Result<Creative> Renderer::Render(const CreativeTemplate& t, const BrandKit& kit,
                                  const CreativeFormat& format, const CreativeContent& content,
                                  ImageEncoding encoding) {
  std::vector<std::string> warnings;
  std::vector<LayerReport> layers;
  CairoCanvas& canvas = ThreadCanvas(format.width, format.height);
  VITRINE_RETURN_IF_ERROR(DrawOn(*impl_, canvas, t, kit, format, content, &warnings, &layers));
  auto creative =
      EncodePixels(cairo_image_surface_get_data(canvas.surface), format.width, format.height,
                   cairo_image_surface_get_stride(canvas.surface), format.max_bytes, encoding);
  if (!creative.ok()) return creative.status();
  creative->warnings = std::move(warnings);
  creative->layers = std::move(layers);
  return creative;
}

std::string Renderer::CacheKey(const CreativeTemplate& t, const BrandKit& kit,
                               const CreativeFormat& format, const CreativeContent& content,
                               ImageEncoding encoding) {
  std::string text;
  text += "renderer=" + std::string(kRendererVersion) + "\n";
  text += "template=" + t.id + "@" + std::to_string(t.version) + "\n";
  text += "kit=" + ToJson(kit).dump() + "\n";
  text += "format=" + std::string(format.name) + "." + std::string(ExtensionOf(encoding)) + "\n";
  std::set<std::string> used;
  bool packshot = false;
  if (auto it = t.layouts.find(format.name); it != t.layouts.end()) {
    for (const Layer& layer : it->second.layers) {
      if (!layer.when.empty()) used.insert(layer.when);
      for (std::string& name : PlaceholdersOf(layer.text)) used.insert(std::move(name));
      if (layer.kind == LayerKind::kPrice) {
        used.insert("offer.shelf_price");
        used.insert("offer.reference_price");
      }
      if (layer.kind == LayerKind::kBadge) used.insert("offer.mechanic");
      if (layer.kind == LayerKind::kImage && layer.source == "packshot") packshot = true;
    }
  }
  const auto fields = BindFields(content, kit);
  for (const std::string& name : used) {
    auto it = fields.find(name);
    text += name + "=" + (it == fields.end() ? "" : it->second) + "\n";
  }
  if (packshot) {
    text += "packshot=" + content.packshot + "@" + PackshotVersion(content.packshot) + "\n";
  }
  // The mention decides the legal band, even for a layout that binds no legal text.
  text += "mention=" +
          RegulatedMentionFor(content.offer.category, Locale::kFrench, &impl_->options.compliance) +
          "\n";
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx",
                static_cast<unsigned long long>(Fnv1a(text, 0xcbf29ce484222325ULL)),
                static_cast<unsigned long long>(Fnv1a(text, 0x84222325cbf29ce4ULL)));
  return hex;
}

std::string Renderer::PackshotVersion(const std::string& ref) {
  if (ref.empty() || impl_->images == nullptr) return "none";
  auto version = impl_->images->Version(ref);
  return version.ok() ? *version : "missing";
}

std::vector<TemplateError> Renderer::Check(const CreativeTemplate& t, const BrandKit& kit) {
  std::vector<TemplateError> errors;
  // The longest texts, and the badges whose shape leaves the least room (a ribbon).
  std::vector<CreativeContent> samples(3, SampleContent());
  samples[1].offer.mechanic = "loyalty_credit";
  samples[1].offer.badge = "30% sur la carte";
  samples[2].offer.mechanic = "fixed_price";
  samples[2].offer.badge = "Prix choc";
  std::set<std::string> seen;
  for (const CreativeContent& sample : samples) {
    for (const auto& [format_name, layout] : t.layouts) {
      const CreativeFormat* format = FindCreativeFormat(format_name);
      if (format == nullptr) continue;
      CairoCanvas canvas(format->width, format->height);
      std::lock_guard text(ri::TextMutex());
      Drawing drawing(*impl_, kit, sample, canvas.cr, true);
      Status status = drawing.DrawLayout(layout, *format);
      std::vector<TemplateError> found;
      if (!status.ok()) found.push_back({"layouts." + format_name, std::nullopt, status.message()});
      for (const auto& [index, message] : drawing.layer_errors) {
        found.push_back({"layouts." + format_name + ".layers[" + std::to_string(index) + "]",
                         std::nullopt, message});
      }
      for (TemplateError& e : found) {
        if (seen.insert(e.path).second) errors.push_back(std::move(e));
      }
    }
  }
  return errors;
}

Renderer::CacheStats Renderer::packshot_cache_stats() const {
  return {impl_->packshots.hits(), impl_->packshots.misses(), impl_->packshots.bytes()};
}

}  // namespace vitrine
