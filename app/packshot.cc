#include "app/packshot.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <png.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <memory>
#include <vector>

#include "common/text.h"

namespace vitrine {
namespace {

// Everything is drawn in a 600 x 600 design space and scaled to the requested size, so the
// proportions (and the look) do not depend on the size.
constexpr double kDesign = 600.0;

struct Rgb {
  double r, g, b;
};

struct Rect {
  double x, y, w, h;
};

Rgb FromHsv(double h, double s, double v) {
  const double c = v * s;
  const double hp = std::fmod(h, 360.0) / 60.0;
  const double x = c * (1 - std::fabs(std::fmod(hp, 2.0) - 1));
  Rgb rgb{0, 0, 0};
  if (hp < 1) {
    rgb = {c, x, 0};
  } else if (hp < 2) {
    rgb = {x, c, 0};
  } else if (hp < 3) {
    rgb = {0, c, x};
  } else if (hp < 4) {
    rgb = {0, x, c};
  } else if (hp < 5) {
    rgb = {x, 0, c};
  } else {
    rgb = {c, 0, x};
  }
  const double m = v - c;
  return {rgb.r + m, rgb.g + m, rgb.b + m};
}

Rgb Shade(Rgb c, double f) {
  return {std::clamp(c.r * f, 0.0, 1.0), std::clamp(c.g * f, 0.0, 1.0),
          std::clamp(c.b * f, 0.0, 1.0)};
}

// Blends `c` toward white by `t` (0 = unchanged, 1 = white).
Rgb Tint(Rgb c, double t) {
  return {c.r + (1 - c.r) * t, c.g + (1 - c.g) * t, c.b + (1 - c.b) * t};
}

void SetColour(cairo_t* cr, Rgb c, double alpha = 1.0) {
  cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

// A horizontal gradient that makes a round package (bottle, can, jar) look cylindrical: dark
// edges, a light band left of the centre where the studio light falls.
void FillCylinder(cairo_t* cr, Rgb base, double x0, double x1) {
  cairo_pattern_t* p = cairo_pattern_create_linear(x0, 0, x1, 0);
  const Rgb dark = Shade(base, 0.62);
  const Rgb light = Tint(base, 0.18);
  cairo_pattern_add_color_stop_rgb(p, 0.0, dark.r, dark.g, dark.b);
  cairo_pattern_add_color_stop_rgb(p, 0.3, light.r, light.g, light.b);
  cairo_pattern_add_color_stop_rgb(p, 0.65, base.r, base.g, base.b);
  cairo_pattern_add_color_stop_rgb(p, 1.0, dark.r, dark.g, dark.b);
  cairo_set_source(cr, p);
  cairo_fill_preserve(cr);
  cairo_pattern_destroy(p);
}

void RoundedRect(cairo_t* cr, double x, double y, double w, double h, double r) {
  r = std::min({r, w / 2, h / 2});
  cairo_new_sub_path(cr);
  cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
  cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
  cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
  cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
  cairo_close_path(cr);
}

// The soft shadow the package stands on: an elliptic radial gradient, cheaper than a blur.
void DrawShadow(cairo_t* cr, double cx, double cy, double rx, double ry) {
  cairo_save(cr);
  cairo_translate(cr, cx, cy);
  cairo_scale(cr, rx, ry);
  cairo_pattern_t* p = cairo_pattern_create_radial(0, 0, 0, 0, 0, 1);
  cairo_pattern_add_color_stop_rgba(p, 0.0, 0, 0, 0, 0.32);
  cairo_pattern_add_color_stop_rgba(p, 0.6, 0, 0, 0, 0.12);
  cairo_pattern_add_color_stop_rgba(p, 1.0, 0, 0, 0, 0.0);
  cairo_set_source(cr, p);
  cairo_arc(cr, 0, 0, 1, 0, 2 * M_PI);
  cairo_fill(cr);
  cairo_pattern_destroy(p);
  cairo_restore(cr);
}

// A vertical highlight stripe: the reflection of a softbox on a glossy package.
void DrawGloss(cairo_t* cr, double x, double y0, double w, double y1, double alpha) {
  cairo_pattern_t* p = cairo_pattern_create_linear(x, 0, x + w, 0);
  cairo_pattern_add_color_stop_rgba(p, 0.0, 1, 1, 1, 0);
  cairo_pattern_add_color_stop_rgba(p, 0.5, 1, 1, 1, alpha);
  cairo_pattern_add_color_stop_rgba(p, 1.0, 1, 1, 1, 0);
  cairo_set_source(cr, p);
  cairo_rectangle(cr, x, y0, w, y1 - y0);
  cairo_fill(cr);
  cairo_pattern_destroy(p);
}

void Outline(cairo_t* cr, Rgb base) {
  SetColour(cr, Shade(base, 0.45), 0.6);
  cairo_set_line_width(cr, 1.5);
  cairo_stroke(cr);
}

// Each shape draws the package and returns the label area the text goes on.
Rect DrawBox(cairo_t* cr, Rgb base) {
  DrawShadow(cr, 315, 522, 190, 20);
  // Top face, lit from above.
  cairo_move_to(cr, 170, 130);
  cairo_line_to(cr, 215, 100);
  cairo_line_to(cr, 455, 100);
  cairo_line_to(cr, 410, 130);
  cairo_close_path(cr);
  SetColour(cr, Tint(base, 0.35));
  cairo_fill_preserve(cr);
  Outline(cr, base);
  // Side face, in the shade.
  cairo_move_to(cr, 410, 130);
  cairo_line_to(cr, 455, 100);
  cairo_line_to(cr, 455, 490);
  cairo_line_to(cr, 410, 520);
  cairo_close_path(cr);
  SetColour(cr, Shade(base, 0.68));
  cairo_fill_preserve(cr);
  Outline(cr, base);
  // Front face with a gentle top-to-bottom gradient.
  cairo_rectangle(cr, 170, 130, 240, 390);
  cairo_pattern_t* p = cairo_pattern_create_linear(0, 130, 0, 520);
  const Rgb top = Tint(base, 0.1);
  const Rgb bottom = Shade(base, 0.85);
  cairo_pattern_add_color_stop_rgb(p, 0, top.r, top.g, top.b);
  cairo_pattern_add_color_stop_rgb(p, 1, bottom.r, bottom.g, bottom.b);
  cairo_set_source(cr, p);
  cairo_fill_preserve(cr);
  cairo_pattern_destroy(p);
  Outline(cr, base);
  // A lighter band across the top of the front, as printed boxes have.
  cairo_rectangle(cr, 170, 150, 240, 44);
  SetColour(cr, Tint(base, 0.45), 0.55);
  cairo_fill(cr);
  RoundedRect(cr, 186, 222, 208, 272, 12);
  SetColour(cr, Rgb{1, 1, 1}, 0.95);
  cairo_fill(cr);
  return {192, 228, 196, 260};
}

Rect DrawBottle(cairo_t* cr, Rgb base) {
  DrawShadow(cr, 305, 532, 140, 17);
  cairo_move_to(cr, 272, 118);
  cairo_line_to(cr, 272, 185);
  cairo_curve_to(cr, 272, 225, 198, 235, 198, 290);
  cairo_line_to(cr, 198, 508);
  cairo_curve_to(cr, 198, 522, 208, 532, 222, 532);
  cairo_line_to(cr, 378, 532);
  cairo_curve_to(cr, 392, 532, 402, 522, 402, 508);
  cairo_line_to(cr, 402, 290);
  cairo_curve_to(cr, 402, 235, 328, 225, 328, 185);
  cairo_line_to(cr, 328, 118);
  cairo_close_path(cr);
  FillCylinder(cr, base, 198, 402);
  Outline(cr, base);
  // Cap.
  RoundedRect(cr, 264, 76, 72, 50, 8);
  FillCylinder(cr, Shade(base, 0.55), 264, 336);
  Outline(cr, base);
  DrawGloss(cr, 222, 250, 22, 510, 0.45);
  // Wrap-around label.
  cairo_rectangle(cr, 198, 300, 204, 176);
  SetColour(cr, Rgb{0.98, 0.97, 0.94});
  cairo_fill(cr);
  return {204, 306, 192, 164};
}

Rect DrawJar(cairo_t* cr, Rgb base) {
  DrawShadow(cr, 305, 524, 175, 19);
  RoundedRect(cr, 168, 196, 264, 326, 46);
  FillCylinder(cr, base, 168, 432);
  Outline(cr, base);
  // Metal lid: a neutral gold whatever the product colour.
  RoundedRect(cr, 182, 138, 236, 66, 10);
  FillCylinder(cr, Rgb{0.80, 0.66, 0.30}, 182, 418);
  Outline(cr, Rgb{0.6, 0.5, 0.3});
  for (int i = 0; i < 3; ++i) {
    cairo_move_to(cr, 186, 156 + 14 * i);
    cairo_line_to(cr, 414, 156 + 14 * i);
  }
  SetColour(cr, Rgb{0.55, 0.44, 0.2}, 0.5);
  cairo_set_line_width(cr, 1.5);
  cairo_stroke(cr);
  DrawGloss(cr, 192, 230, 24, 500, 0.4);
  cairo_rectangle(cr, 168, 262, 264, 196);
  SetColour(cr, Rgb{0.99, 0.98, 0.95});
  cairo_fill(cr);
  return {178, 268, 244, 184};
}

Rect DrawCan(cairo_t* cr, Rgb base) {
  DrawShadow(cr, 305, 520, 140, 17);
  // Body with an elliptic bottom rim.
  cairo_move_to(cr, 200, 142);
  cairo_line_to(cr, 200, 500);
  cairo_save(cr);
  cairo_translate(cr, 300, 500);
  cairo_scale(cr, 100, 20);
  cairo_arc_negative(cr, 0, 0, 1, M_PI, 0);
  cairo_restore(cr);
  cairo_line_to(cr, 400, 142);
  cairo_close_path(cr);
  FillCylinder(cr, base, 200, 400);
  Outline(cr, base);
  // Lid: a brushed-aluminium ellipse.
  cairo_save(cr);
  cairo_translate(cr, 300, 142);
  cairo_scale(cr, 100, 22);
  cairo_arc(cr, 0, 0, 1, 0, 2 * M_PI);
  cairo_restore(cr);
  FillCylinder(cr, Rgb{0.82, 0.83, 0.85}, 200, 400);
  Outline(cr, Rgb{0.5, 0.5, 0.5});
  cairo_save(cr);
  cairo_translate(cr, 300, 142);
  cairo_scale(cr, 80, 15);
  cairo_arc(cr, 0, 0, 1, 0, 2 * M_PI);
  cairo_restore(cr);
  SetColour(cr, Rgb{0.6, 0.61, 0.63}, 0.6);
  cairo_set_line_width(cr, 2);
  cairo_stroke(cr);
  DrawGloss(cr, 222, 165, 20, 500, 0.5);
  RoundedRect(cr, 210, 250, 180, 186, 10);
  SetColour(cr, Rgb{1, 1, 1}, 0.93);
  cairo_fill(cr);
  return {216, 256, 168, 174};
}

Rect DrawBag(cairo_t* cr, Rgb base) {
  DrawShadow(cr, 305, 530, 180, 18);
  // Pillow-shaped body: the sides bulge out a little.
  cairo_move_to(cr, 182, 118);
  cairo_line_to(cr, 418, 118);
  cairo_curve_to(cr, 440, 250, 440, 390, 424, 508);
  cairo_line_to(cr, 176, 508);
  cairo_curve_to(cr, 160, 390, 160, 250, 182, 118);
  cairo_close_path(cr);
  FillCylinder(cr, base, 164, 436);
  Outline(cr, base);
  // Crimped seals, top and bottom.
  const Rgb seal = Shade(base, 0.8);
  for (const auto [x, y, w] : {std::array<double, 3>{182, 92, 236}, {176, 506, 248}}) {
    cairo_rectangle(cr, x, y, w, 26);
    SetColour(cr, seal);
    cairo_fill_preserve(cr);
    Outline(cr, base);
    for (double sx = x + 6; sx < x + w; sx += 8) {
      cairo_move_to(cr, sx, y + 3);
      cairo_line_to(cr, sx, y + 23);
    }
    SetColour(cr, Shade(base, 0.55), 0.5);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
  }
  DrawGloss(cr, 196, 130, 26, 495, 0.35);
  RoundedRect(cr, 196, 214, 208, 236, 14);
  SetColour(cr, Rgb{1, 1, 1}, 0.95);
  cairo_fill(cr);
  return {202, 220, 196, 224};
}

// Lays out `text` in `width` design units; `max_lines` > 0 wraps and ellipsizes on that
// many lines, otherwise the text is kept on one ellipsized line.
PangoLayout* MakeLayout(cairo_t* cr, std::string_view text, const char* family, double px,
                        double width, int max_lines) {
  PangoLayout* layout = pango_cairo_create_layout(cr);
  PangoFontDescription* font = pango_font_description_from_string(family);
  pango_font_description_set_absolute_size(font, px * PANGO_SCALE);
  pango_layout_set_font_description(layout, font);
  pango_font_description_free(font);
  pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
  pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  if (max_lines > 0) {
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_height(layout, -max_lines);
  }
  pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
  return layout;
}

double LayoutHeight(PangoLayout* layout) {
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

void DrawLabelText(cairo_t* cr, const PackshotSpec& spec, Rgb base, Rect label) {
  const double pad = label.w * 0.06;
  const double inner = label.w - 2 * pad;
  double y = label.y + pad;

  // Pango wants valid UTF-8; the spec comes from retailer data, so guard here too.
  auto safe = [](const std::string& s) -> std::string_view {
    return IsValidUtf8(s) ? std::string_view(s) : std::string_view();
  };

  if (!spec.brand.empty()) {
    // Long brands get a smaller type before they get an ellipsis.
    double px = label.w * 0.115;
    PangoLayout* brand = MakeLayout(cr, safe(spec.brand), "DejaVu Sans Bold", px, inner, 0);
    while (pango_layout_is_ellipsized(brand) && px > label.w * 0.07) {
      g_object_unref(brand);
      px *= 0.9;
      brand = MakeLayout(cr, safe(spec.brand), "DejaVu Sans Bold", px, inner, 0);
    }
    SetColour(cr, Shade(base, 0.55));
    cairo_move_to(cr, label.x + pad, y);
    pango_cairo_show_layout(cr, brand);
    y += LayoutHeight(brand) + label.h * 0.03;
    g_object_unref(brand);
    // A short rule in the package colour between brand and title.
    cairo_rectangle(cr, label.x + label.w * 0.3, y, label.w * 0.4, 2.5);
    SetColour(cr, base);
    cairo_fill(cr);
    y += label.h * 0.05;
  }

  double bottom = label.y + label.h - pad;
  if (!spec.net_quantity.empty()) {
    PangoLayout* qty =
        MakeLayout(cr, safe(spec.net_quantity), "DejaVu Sans Bold", label.w * 0.085, inner, 0);
    bottom -= LayoutHeight(qty);
    SetColour(cr, Rgb{0.33, 0.33, 0.33});
    cairo_move_to(cr, label.x + pad, bottom);
    pango_cairo_show_layout(cr, qty);
    g_object_unref(qty);
    bottom -= label.h * 0.03;
  }

  PangoLayout* title = MakeLayout(cr, safe(spec.title), "DejaVu Sans", label.w * 0.078, inner, 3);
  // Fewer lines when the label is crowded, so the title never runs into the quantity.
  const double room = bottom - y;
  while (LayoutHeight(title) > room && pango_layout_get_height(title) < -1) {
    pango_layout_set_height(title, pango_layout_get_height(title) + 1);
  }
  // Centre the title vertically in the room left between brand and quantity.
  const double title_y = y + std::max(0.0, (room - LayoutHeight(title)) / 2);
  SetColour(cr, Rgb{0.16, 0.16, 0.16});
  cairo_move_to(cr, label.x + pad, title_y);
  pango_cairo_show_layout(cr, title);
  g_object_unref(title);
}

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

// True when a word of `text` (split at spaces and ASCII punctuation) starts with one of
// `prefixes`: "Eaux" matches "eau" but "Gâteaux" does not.
bool HasWordStartingWith(std::string_view text, std::initializer_list<std::string_view> prefixes) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '>' || text[i] == ',' ||
                               text[i] == '-' || text[i] == '\'')) {
      ++i;
    }
    const std::string_view rest = text.substr(i);
    for (std::string_view p : prefixes) {
      if (rest.starts_with(p)) return true;
    }
    while (i < text.size() && text[i] != ' ' && text[i] != '>' && text[i] != ',' &&
           text[i] != '-' && text[i] != '\'') {
      ++i;
    }
  }
  return false;
}

// Writes an RGB24 surface as an 8-bit RGB PNG. cairo_surface_write_to_png spends four
// fifths of a packshot's time in libpng's adaptive filter search and zlib's default level.
// A packshot is mostly white background and horizontal gradients that repeat row after row,
// which the "up" filter alone encodes well, so one filter and a fast deflate level draw the
// demo's 2,800 images about five times quicker, for files under twice as large (~30 KB).
// Returns false (and `*error`) when the file cannot be written. Free of C++ objects with
// destructors, because libpng reports errors by longjmp.
bool WritePngRows(std::FILE* file, const unsigned char* pixels, int width, int height, int stride,
                  unsigned char* row, const char** error) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) {
    *error = "out of memory";
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    *error = "libpng failed while writing";
    return false;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
  png_set_compression_level(png, 2);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) {
    // Cairo's RGB24 is one native-endian 32-bit word per pixel, 0x00RRGGBB.
    const uint32_t* src =
        reinterpret_cast<const uint32_t*>(pixels + static_cast<size_t>(y) * stride);
    for (int x = 0; x < width; ++x) {
      row[3 * x] = static_cast<unsigned char>(src[x] >> 16);
      row[3 * x + 1] = static_cast<unsigned char>(src[x] >> 8);
      row[3 * x + 2] = static_cast<unsigned char>(src[x]);
    }
    png_write_row(png, row);
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

Status WritePng(cairo_surface_t* surface, const std::filesystem::path& path) {
  cairo_surface_flush(surface);
  const int width = cairo_image_surface_get_width(surface);
  const int height = cairo_image_surface_get_height(surface);
  std::vector<unsigned char> row(static_cast<size_t>(width) * 3);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return Status::IoError("cannot write " + path.string());
  const char* error = nullptr;
  const bool written = WritePngRows(file, cairo_image_surface_get_data(surface), width, height,
                                    cairo_image_surface_get_stride(surface), row.data(), &error);
  const bool closed = std::fclose(file) == 0;
  if (!written) return Status::IoError("cannot write " + path.string() + ": " + error);
  if (!closed) return Status::IoError("cannot write " + path.string());
  return Status::Ok();
}

}  // namespace

PackageShape ShapeForCategory(std::string_view category_path) {
  const std::string c = ToLowerAscii(category_path);
  // Most specific first: "Conserves de légumes" is a can, "Légumes" alone a bag.
  if (HasWordStartingWith(c, {"bière", "soda", "conserve"})) return PackageShape::kCan;
  if (HasWordStartingWith(c, {"vin", "eau", "jus", "lait", "huile", "boisson"})) {
    return PackageShape::kBottle;
  }
  if (HasWordStartingWith(c, {"yaourt", "confiture", "miel", "sauce", "compote", "épice"})) {
    return PackageShape::kJar;
  }
  if (HasWordStartingWith(c, {"pâtes", "riz", "pain", "charcuterie", "apéritif", "confiserie",
                              "café", "fruits", "sucre", "légumes", "volaille", "poisson"})) {
    return PackageShape::kBag;
  }
  return PackageShape::kBox;
}

Status DrawPackshot(const PackshotSpec& spec, const std::filesystem::path& png_path) {
  if (spec.size < 64 || spec.size > 4096) {
    return Status::InvalidArgument("packshot size must be 64 to 4096 pixels, not " +
                                   std::to_string(spec.size));
  }
  // RGB24: a packshot is opaque, and a PNG without alpha is a quarter smaller.
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, spec.size, spec.size));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Status::ResourceExhausted("cannot allocate a " + std::to_string(spec.size) +
                                     " px image surface");
  }
  std::unique_ptr<cairo_t, ContextDeleter> owner(cairo_create(surface.get()));
  cairo_t* cr = owner.get();
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_scale(cr, spec.size / kDesign, spec.size / kDesign);

  // Saturated mid-tones: the label text stays readable and no two neighbours look alike.
  const uint64_t s = spec.colour_seed;
  const double hue = static_cast<double>(s % 360);
  const double sat = 0.5 + static_cast<double>((s >> 16) % 36) / 100.0;
  const double val = 0.55 + static_cast<double>((s >> 32) % 30) / 100.0;
  const Rgb base = FromHsv(hue, sat, val);

  Rect label{};
  switch (ShapeForCategory(spec.category)) {
    case PackageShape::kBox:
      label = DrawBox(cr, base);
      break;
    case PackageShape::kBottle:
      label = DrawBottle(cr, base);
      break;
    case PackageShape::kJar:
      label = DrawJar(cr, base);
      break;
    case PackageShape::kCan:
      label = DrawCan(cr, base);
      break;
    case PackageShape::kBag:
      label = DrawBag(cr, base);
      break;
  }
  DrawLabelText(cr, spec, base, label);

  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
    return Status::Internal(std::string("drawing a packshot failed: ") +
                            cairo_status_to_string(cairo_status(cr)));
  }
  return WritePng(surface.get(), png_path);
}

}  // namespace vitrine
