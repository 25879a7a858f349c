// CreativeTemplate: the look of a promotion's creatives, as named layers over a canvas with
// one layout per format (FORMATS.md §5, "Template model").
//
// A template says where things go and how they look; a BrandKit (brand_kit.h) says in which
// colours and fonts, so one template serves several banners. Text reaches a layer through
// bindings to offer fields ("{product.title}", see Bindings()), which a render fills in.
// ParseTemplate reads the JSON form (docs/templates.md) and reports every error by JSON path;
// ToJson writes it back. Plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "templates/format.h"

namespace vitrine {

enum class LayerKind { kRect, kImage, kText, kPrice, kBadge, kLegal };
enum class HorizontalAlign { kLeft, kCenter, kRight };
enum class VerticalAlign { kTop, kMiddle, kBottom };
enum class ImageFit { kContain, kCover };
enum class BadgeShape { kCircle, kBurst, kRibbon, kRoundedBox };

std::string_view LayerKindName(LayerKind kind);
std::string_view BadgeShapeName(BadgeShape shape);

// A size range for auto-fit: the largest size in [min, max] at which the text fits its box
// is used (pixels of the canvas).
struct SizeRange {
  double min = 12;
  double max = 12;
  friend bool operator==(const SizeRange&, const SizeRange&) = default;
};

struct Layer {
  std::string name;  // unique in its layout: "title", "price", "badge"...
  LayerKind kind = LayerKind::kRect;
  PixelBox box;
  // Drawn only when this binding has a value ("offer.reference_price" shows a block only when
  // a reduction is announced). Empty: always drawn.
  std::string when;

  // rect: a colour ("#RRGGBB", "#RRGGBBAA" or a brand kit role "$primary"), corner radius.
  // badge: the shape's fill. text/legal: an optional plate behind the text.
  std::string fill;
  double radius = 0;

  // image: "packshot" (the product's picture) or "logo" (the brand kit's).
  std::string source;
  ImageFit fit = ImageFit::kContain;
  bool trim = true;                  // cut a uniform background off the edges first
  bool white_to_transparent = true;  // a white studio background becomes the canvas's

  // text, legal: the text with {binding} placeholders ("{product.title}").
  std::string text;
  // text, price, badge, legal: a brand kit font role ("headline", "body", "price").
  std::string font;
  std::string color;  // colour of the text (a colour or a role)
  HorizontalAlign align = HorizontalAlign::kLeft;
  VerticalAlign valign = VerticalAlign::kTop;
  int max_lines = 1;
  SizeRange size;
  // At the minimum size and still too long: cut with "…" (true) or fail the template check
  // (false: the text must always fit, a clipped legal line is not allowed).
  bool ellipsize = false;
  bool uppercase = false;

  // price: the shelf price in the shelf style (2€⁹⁹); with the struck-through reference price
  // above it when a reduction is announced, in `secondary_color`.
  bool show_reference = true;
  std::string secondary_color;

  // badge: the shape for each mechanic ("percent_off" → burst...); `shape` for the others.
  BadgeShape shape = BadgeShape::kCircle;
  std::map<std::string, BadgeShape> shapes;
  double rotation_degrees = 0;

  friend bool operator==(const Layer&, const Layer&) = default;
};

struct Layout {
  std::string background;     // the canvas colour (a colour or a role)
  std::vector<Layer> layers;  // drawn in order, first at the bottom
  friend bool operator==(const Layout&, const Layout&) = default;
};

struct CreativeTemplate {
  std::string id;  // "classic": lower case letters, digits, '-' and '_'
  std::string name;
  std::string description;
  int64_t version = 1;  // bumped on every change: part of every creative's cache key
  std::map<std::string, Layout, std::less<>> layouts;  // by format name

  friend bool operator==(const CreativeTemplate&, const CreativeTemplate&) = default;
};

// One thing wrong with a template, where it is.
struct TemplateError {
  std::string path;             // JSON path: "layouts.square.layers[2].font"
  std::optional<int64_t> line;  // the line, for a JSON syntax error
  std::string message;

  friend bool operator==(const TemplateError&, const TemplateError&) = default;
};

// The binding names a template may use, with one line saying what each holds.
struct BindingInfo {
  std::string_view name;  // "product.title"
  std::string_view meaning;
};
std::span<const BindingInfo> Bindings();
bool IsKnownBinding(std::string_view name);

// The font and colour roles every brand kit defines and templates refer to.
std::span<const std::string_view> FontRoles();
std::span<const std::string_view> ColorRoles();

// Parses and validates a template's JSON text. Every error found is returned, each with its
// JSON path (and its line for a syntax error), so an editor fixes them in one round trip.
// Unknown fields, bindings, roles, formats and layer kinds are errors; so is a box outside
// its canvas and a min size above the max. A template may leave formats out: rendering one
// of those is a NotFound.
struct ParsedTemplate {
  std::optional<CreativeTemplate> value;  // set when `errors` is empty
  std::vector<TemplateError> errors;
};
ParsedTemplate ParseTemplate(std::string_view json_text);
ParsedTemplate ParseTemplateJson(const nlohmann::json& json);

// The same checks on a template built in code.
std::vector<TemplateError> Validate(const CreativeTemplate& creative_template);

nlohmann::json ToJson(const CreativeTemplate& creative_template);

// The binding names used by a layer's text ("{offer.badge} {product.brand}" → both).
std::vector<std::string> PlaceholdersOf(std::string_view text);

}  // namespace vitrine
