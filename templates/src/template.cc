#include "templates/template.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include "templates/brand_kit.h"

#include "json_text.h"

namespace vitrine {
namespace {

using nlohmann::json;

constexpr std::array<BindingInfo, 20> kBindings = {{
    {"product.title", "the product's title (\"Chocolat noir 70 % cacao\")"},
    {"product.brand", "the product's brand"},
    {"product.quantity", "the net quantity as printed (\"500 g\", \"6 x 33 cl\")"},
    {"offer.badge", "the mechanic's badge (\"-30%\", \"3 pour 2\")"},
    {"offer.headline", "the headline (\"2,44 € au lieu de 3,49 €\", \"soit 2,33 € l'unité\")"},
    {"offer.legal", "the mechanic's conditions or the reference price line; may be empty"},
    {"offer.mechanic", "the mechanic's name (\"percent_off\")"},
    {"offer.shelf_price", "the shelf price (\"2,99 €\"); a price layer draws it shelf style"},
    {"offer.regular_price", "the regular price (\"3,49 €\")"},
    {"offer.reference_price",
     "the reference price (\"3,49 €\"), only when a reduction is announced against it"},
    {"offer.reference_line", "\"Prix de référence : 3,49 €\", only when a reduction is announced"},
    {"offer.discount", "the announced reduction (\"-30%\"), only when there is one"},
    {"offer.effective_line",
     "what the mechanic brings per unit (\"soit 2,33 € l'unité\"); empty for a plain price cut"},
    {"offer.unit_price", "the unit price line (\"7,96 €/kg\"); empty without a net quantity"},
    {"offer.validity", "\"Offre valable du 02/12 au 08/12/2026 dans les magasins participants\""},
    {"offer.validity_short", "\"Du 02/12 au 08/12\""},
    {"offer.fine_print", "the legal line, then the validity line: what a legal layer prints"},
    {"brand.name", "the banner's name, from the brand kit"},
    {"brand.tagline", "the banner's tagline, from the brand kit"},
    {"store.id", "the store's id"},
}};

// Every template is drawn on request (a PUT's template check, a preview): these bound the
// time one takes whatever its author wrote. The built-ins use fewer than twenty layers and
// texts of a few bindings.
constexpr size_t kMaxLayers = 64;
constexpr size_t kMaxTextBytes = 1000;

constexpr std::array<std::string_view, 3> kFontRoles = {"headline", "body", "price"};
constexpr std::array<std::string_view, 9> kColorRoles = {"background", "surface", "primary",
                                                         "on_primary", "accent",  "on_accent",
                                                         "text",       "muted",   "price"};

constexpr std::array<std::pair<std::string_view, LayerKind>, 6> kKinds = {{
    {"rect", LayerKind::kRect},
    {"image", LayerKind::kImage},
    {"text", LayerKind::kText},
    {"price", LayerKind::kPrice},
    {"badge", LayerKind::kBadge},
    {"legal", LayerKind::kLegal},
}};
constexpr std::array<std::pair<std::string_view, BadgeShape>, 4> kShapes = {{
    {"circle", BadgeShape::kCircle},
    {"burst", BadgeShape::kBurst},
    {"ribbon", BadgeShape::kRibbon},
    {"rounded_box", BadgeShape::kRoundedBox},
}};
constexpr std::array<std::string_view, 7> kMechanics = {
    "percent_off",  "amount_off", "fixed_price",   "nth_item_percent_off",
    "bundle_price", "multibuy",   "loyalty_credit"};

// The fields each kind accepts besides name, kind, box and when.
std::set<std::string_view> FieldsOf(LayerKind kind) {
  switch (kind) {
    case LayerKind::kRect:
      return {"fill", "radius"};
    case LayerKind::kImage:
      return {"source", "fit", "trim", "white_to_transparent", "fill", "radius"};
    case LayerKind::kText:
    case LayerKind::kLegal:
      return {"text", "font",      "color",     "align", "valign", "max_lines",
              "size", "ellipsize", "uppercase", "fill",  "radius"};
    case LayerKind::kPrice:
      return {"font", "color", "secondary_color", "show_reference", "size", "align", "valign"};
    case LayerKind::kBadge:
      return {"text", "font", "color", "fill", "shape", "shapes", "rotation", "size", "max_lines"};
  }
  return {};
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// Reads a JSON object into a CreativeTemplate, collecting errors.
class TemplateReader {
 public:
  ParsedTemplate Read(const json& doc) {
    ParsedTemplate out;
    CreativeTemplate t;
    if (!doc.is_object()) {
      Error("", "a template is a JSON object");
      out.errors = std::move(errors_);
      return out;
    }
    for (const auto& [key, value] : doc.items()) {
      if (key != "id" && key != "name" && key != "description" && key != "version" &&
          key != "layouts") {
        Error(key, "unknown field");
      }
    }
    t.id = String(doc, "id", "", true);
    t.name = String(doc, "name", "", true);
    t.description = String(doc, "description", "", false);
    if (doc.contains("version")) {
      if (!doc["version"].is_number_integer() || doc["version"].get<int64_t>() < 1) {
        Error("version", "must be a whole number from 1");
      } else {
        t.version = doc["version"].get<int64_t>();
      }
    }
    if (!doc.contains("layouts") || !doc["layouts"].is_object()) {
      Error("layouts", "must be an object with one layout per format name");
    } else {
      for (const auto& [format, layout] : doc["layouts"].items()) {
        t.layouts[format] = ReadLayout(layout, "layouts." + format);
      }
    }
    for (TemplateError& e : Validate(t)) {
      // Errors the reader already reported for the same path are not repeated.
      const bool seen = std::any_of(errors_.begin(), errors_.end(),
                                    [&](const TemplateError& x) { return x.path == e.path; });
      if (!seen) errors_.push_back(std::move(e));
    }
    if (errors_.empty()) out.value = std::move(t);
    out.errors = std::move(errors_);
    return out;
  }

 private:
  void Error(std::string path, std::string message) {
    errors_.push_back({std::move(path), std::nullopt, std::move(message)});
  }

  static std::string Join(const std::string& base, std::string_view key) {
    return base.empty() ? std::string(key) : base + "." + std::string(key);
  }

  std::string String(const json& object, std::string_view key, const std::string& base,
                     bool required, std::string fallback = "") {
    auto it = object.find(key);
    if (it == object.end()) {
      if (required) Error(Join(base, key), "is required");
      return fallback;
    }
    if (!it->is_string()) {
      Error(Join(base, key), "must be a string");
      return fallback;
    }
    return it->get<std::string>();
  }

  bool Bool(const json& object, std::string_view key, const std::string& base, bool fallback) {
    auto it = object.find(key);
    if (it == object.end()) return fallback;
    if (!it->is_boolean()) {
      Error(Join(base, key), "must be true or false");
      return fallback;
    }
    return it->get<bool>();
  }

  double Number(const json& object, std::string_view key, const std::string& base,
                double fallback) {
    auto it = object.find(key);
    if (it == object.end()) return fallback;
    if (!it->is_number() || !std::isfinite(it->get<double>())) {
      Error(Join(base, key), "must be a number");
      return fallback;
    }
    return it->get<double>();
  }

  Layout ReadLayout(const json& value, const std::string& path) {
    Layout layout;
    if (!value.is_object()) {
      Error(path, "a layout is an object with background and layers");
      return layout;
    }
    for (const auto& [key, v] : value.items()) {
      if (key != "background" && key != "layers") Error(path + "." + key, "unknown field");
    }
    layout.background = String(value, "background", path, false, "$background");
    auto layers = value.find("layers");
    if (layers == value.end() || !layers->is_array()) {
      Error(path + ".layers", "must be an array of layers");
      return layout;
    }
    for (size_t i = 0; i < layers->size(); ++i) {
      layout.layers.push_back(ReadLayer((*layers)[i], path + ".layers[" + std::to_string(i) + "]"));
    }
    return layout;
  }

  Layer ReadLayer(const json& value, const std::string& path) {
    Layer layer;
    if (!value.is_object()) {
      Error(path, "a layer is an object");
      return layer;
    }
    layer.name = String(value, "name", path, true);
    const std::string kind = String(value, "kind", path, true);
    bool kind_known = false;
    for (const auto& [name, k] : kKinds) {
      if (name == kind) {
        layer.kind = k;
        kind_known = true;
      }
    }
    if (!kind_known && value.contains("kind")) {
      Error(path + ".kind",
            "unknown layer kind \"" + kind + "\" (rect, image, text, price, badge or legal)");
    }
    const std::set<std::string_view> allowed = FieldsOf(layer.kind);
    for (const auto& [key, v] : value.items()) {
      if (key == "name" || key == "kind" || key == "box" || key == "when") continue;
      if (kind_known && !allowed.contains(key)) {
        Error(path + "." + key, "unknown field for a " + kind + " layer");
      }
    }
    auto box = value.find("box");
    if (box == value.end() || !box->is_array() || box->size() != 4 ||
        !std::all_of(box->begin(), box->end(), [](const json& n) { return n.is_number(); })) {
      Error(path + ".box", "must be [x, y, width, height] in pixels");
    } else {
      layer.box = {static_cast<int>(std::lround((*box)[0].get<double>())),
                   static_cast<int>(std::lround((*box)[1].get<double>())),
                   static_cast<int>(std::lround((*box)[2].get<double>())),
                   static_cast<int>(std::lround((*box)[3].get<double>()))};
    }
    layer.when = String(value, "when", path, false);
    layer.fill =
        String(value, "fill", path, false, layer.kind == LayerKind::kBadge ? "$accent" : "");
    layer.radius = Number(value, "radius", path, 0);
    layer.source = String(value, "source", path, layer.kind == LayerKind::kImage);
    const std::string fit = String(value, "fit", path, false, "contain");
    if (fit == "cover") {
      layer.fit = ImageFit::kCover;
    } else if (fit != "contain") {
      Error(path + ".fit", "must be \"contain\" or \"cover\"");
    }
    layer.trim = Bool(value, "trim", path, true);
    layer.white_to_transparent = Bool(value, "white_to_transparent", path, true);
    std::string default_text;
    if (layer.kind == LayerKind::kLegal) default_text = "{offer.fine_print}";
    if (layer.kind == LayerKind::kBadge) default_text = "{offer.badge}";
    layer.text = String(value, "text", path, layer.kind == LayerKind::kText, default_text);
    layer.font =
        String(value, "font", path, false,
               layer.kind == LayerKind::kPrice                                     ? "price"
               : layer.kind == LayerKind::kBadge || layer.kind == LayerKind::kText ? "headline"
                                                                                   : "body");
    layer.color = String(value, "color", path, false,
                         layer.kind == LayerKind::kBadge ? "$on_accent" : "$text");
    layer.secondary_color = String(value, "secondary_color", path, false, "$muted");
    const std::string align = String(value, "align", path, false, "left");
    if (align == "center") {
      layer.align = HorizontalAlign::kCenter;
    } else if (align == "right") {
      layer.align = HorizontalAlign::kRight;
    } else if (align != "left") {
      Error(path + ".align", "must be \"left\", \"center\" or \"right\"");
    }
    const std::string valign = String(value, "valign", path, false, "top");
    if (valign == "middle") {
      layer.valign = VerticalAlign::kMiddle;
    } else if (valign == "bottom") {
      layer.valign = VerticalAlign::kBottom;
    } else if (valign != "top") {
      Error(path + ".valign", "must be \"top\", \"middle\" or \"bottom\"");
    }
    auto lines = value.find("max_lines");
    if (lines != value.end()) {
      if (!lines->is_number_integer()) {
        Error(path + ".max_lines", "must be a whole number");
      } else {
        layer.max_lines = lines->get<int>();
      }
    } else if (layer.kind == LayerKind::kLegal) {
      layer.max_lines = 3;
    } else if (layer.kind == LayerKind::kBadge) {
      layer.max_lines = 2;
    }
    auto size = value.find("size");
    if (size != value.end()) {
      if (size->is_number()) {
        layer.size = {size->get<double>(), size->get<double>()};
      } else if (size->is_object() && size->contains("min") && size->contains("max") &&
                 (*size)["min"].is_number() && (*size)["max"].is_number() && size->size() == 2) {
        layer.size = {(*size)["min"].get<double>(), (*size)["max"].get<double>()};
      } else {
        Error(path + ".size", "must be a number or {\"min\": n, \"max\": n} in pixels");
      }
    } else if (layer.kind != LayerKind::kRect && layer.kind != LayerKind::kImage) {
      Error(path + ".size", "is required: {\"min\": n, \"max\": n} in pixels");
    }
    layer.ellipsize = Bool(value, "ellipsize", path, false);
    layer.uppercase = Bool(value, "uppercase", path, false);
    layer.show_reference = Bool(value, "show_reference", path, true);
    layer.rotation_degrees = Number(value, "rotation", path, 0);
    auto shape = ReadShape(value, "shape", path);
    if (shape) layer.shape = *shape;
    auto shapes = value.find("shapes");
    if (shapes != value.end()) {
      if (!shapes->is_object()) {
        Error(path + ".shapes", "must map mechanic names to shapes");
      } else {
        for (const auto& [mechanic, s] : shapes->items()) {
          if (std::find(kMechanics.begin(), kMechanics.end(), mechanic) == kMechanics.end()) {
            Error(path + ".shapes." + mechanic, "unknown mechanic");
            continue;
          }
          if (auto parsed = ReadShape(*shapes, mechanic, path + ".shapes")) {
            layer.shapes[mechanic] = *parsed;
          }
        }
      }
    }
    return layer;
  }

  std::optional<BadgeShape> ReadShape(const json& object, const std::string& key,
                                      const std::string& path) {
    auto it = object.find(key);
    if (it == object.end()) return std::nullopt;
    if (it->is_string()) {
      for (const auto& [name, shape] : kShapes) {
        if (name == it->get<std::string>()) return shape;
      }
    }
    Error(path + "." + key, "must be \"circle\", \"burst\", \"ribbon\" or \"rounded_box\"");
    return std::nullopt;
  }

  std::vector<TemplateError> errors_;
};

bool IsColor(std::string_view colour) {
  if (colour.starts_with('$')) {
    return std::find(kColorRoles.begin(), kColorRoles.end(), colour.substr(1)) != kColorRoles.end();
  }
  return ParseHexColor(colour).has_value();
}

void CheckText(std::string_view text, const std::string& path, std::vector<TemplateError>* out) {
  size_t open = 0;
  while ((open = text.find('{', open)) != std::string_view::npos) {
    const size_t close = text.find('}', open);
    if (close == std::string_view::npos) {
      out->push_back({path, std::nullopt, "a '{' without its '}'"});
      return;
    }
    const std::string_view name = text.substr(open + 1, close - open - 1);
    if (!IsKnownBinding(name)) {
      out->push_back(
          {path, std::nullopt,
           "unknown binding \"" + std::string(name) + "\" (docs/templates.md lists the bindings)"});
    }
    open = close + 1;
  }
}

json ShapeJson(BadgeShape shape) { return std::string(BadgeShapeName(shape)); }

}  // namespace

std::string_view LayerKindName(LayerKind kind) {
  for (const auto& [name, k] : kKinds) {
    if (k == kind) return name;
  }
  return "rect";
}

std::string_view BadgeShapeName(BadgeShape shape) {
  for (const auto& [name, s] : kShapes) {
    if (s == shape) return name;
  }
  return "circle";
}

std::span<const BindingInfo> Bindings() { return kBindings; }

bool IsKnownBinding(std::string_view name) {
  return std::any_of(kBindings.begin(), kBindings.end(),
                     [&](const BindingInfo& b) { return b.name == name; });
}

std::span<const std::string_view> FontRoles() { return kFontRoles; }
std::span<const std::string_view> ColorRoles() { return kColorRoles; }

std::vector<std::string> PlaceholdersOf(std::string_view text) {
  std::vector<std::string> out;
  size_t open = 0;
  while ((open = text.find('{', open)) != std::string_view::npos) {
    const size_t close = text.find('}', open);
    if (close == std::string_view::npos) break;
    out.emplace_back(text.substr(open + 1, close - open - 1));
    open = close + 1;
  }
  return out;
}

ParsedTemplate ParseTemplate(std::string_view json_text) {
  json doc;
  if (auto error = templates_internal::ParseJsonText(json_text, doc))
    return {std::nullopt, {*error}};
  return ParseTemplateJson(doc);
}

ParsedTemplate ParseTemplateJson(const nlohmann::json& doc) { return TemplateReader().Read(doc); }

std::vector<TemplateError> Validate(const CreativeTemplate& t) {
  std::vector<TemplateError> out;
  auto error = [&](std::string path, std::string message) {
    out.push_back({std::move(path), std::nullopt, std::move(message)});
  };
  if (!IsValidId(t.id)) {
    error("id", "must be 1 to 64 lower-case letters, digits, '-' or '_'");
  }
  if (t.name.empty()) error("name", "must not be empty");
  if (t.version < 1) error("version", "must be a whole number from 1");
  if (t.layouts.empty()) error("layouts", "needs at least one format's layout");
  for (const auto& [format_name, layout] : t.layouts) {
    const std::string base = "layouts." + format_name;
    const CreativeFormat* format = FindCreativeFormat(format_name);
    if (format == nullptr) {
      error(base, "unknown format (GET /api/v1/formats lists them)");
      continue;
    }
    if (!IsColor(layout.background)) error(base + ".background", "is not a colour or role");
    if (layout.layers.size() > kMaxLayers) {
      error(base + ".layers", "holds " + std::to_string(layout.layers.size()) +
                                  " layers; a layout holds at most " + std::to_string(kMaxLayers));
    }
    std::set<std::string> names;
    for (size_t i = 0; i < layout.layers.size(); ++i) {
      const Layer& layer = layout.layers[i];
      const std::string path = base + ".layers[" + std::to_string(i) + "]";
      if (layer.name.empty()) {
        error(path + ".name", "must not be empty");
      } else if (!names.insert(layer.name).second) {
        error(path + ".name", "\"" + layer.name + "\" is used twice in this layout");
      }
      const PixelBox canvas{0, 0, format->width, format->height};
      if (layer.box.width <= 0 || layer.box.height <= 0) {
        error(path + ".box", "width and height must be positive");
      } else if (!canvas.Contains(layer.box)) {
        error(path + ".box", "goes outside the " + std::to_string(format->width) + "×" +
                                 std::to_string(format->height) + " canvas");
      }
      if (!layer.when.empty() && !IsKnownBinding(layer.when)) {
        error(path + ".when", "unknown binding \"" + layer.when + "\"");
      }
      if (layer.radius < 0) error(path + ".radius", "must not be negative");
      const bool has_text = layer.kind == LayerKind::kText || layer.kind == LayerKind::kLegal ||
                            layer.kind == LayerKind::kBadge;
      const bool has_font = has_text || layer.kind == LayerKind::kPrice;
      if (layer.kind == LayerKind::kRect && !IsColor(layer.fill)) {
        error(path + ".fill", "is not a colour (\"#RRGGBB\", \"#RRGGBBAA\") or a colour role");
      }
      if (layer.kind != LayerKind::kRect && !layer.fill.empty() && !IsColor(layer.fill)) {
        error(path + ".fill", "is not a colour or a colour role");
      }
      if (layer.kind == LayerKind::kImage && layer.source != "packshot" && layer.source != "logo") {
        error(path + ".source", "must be \"packshot\" or \"logo\"");
      }
      if (has_font) {
        if (std::find(kFontRoles.begin(), kFontRoles.end(), layer.font) == kFontRoles.end()) {
          error(path + ".font", "unknown font role \"" + layer.font + "\" (headline, body, price)");
        }
        if (!IsColor(layer.color)) error(path + ".color", "is not a colour or a colour role");
        if (layer.size.min <= 0 || layer.size.max < layer.size.min || layer.size.max > 2000) {
          error(path + ".size", "needs 0 < min <= max <= 2000");
        }
      }
      if (layer.kind == LayerKind::kPrice && !IsColor(layer.secondary_color)) {
        error(path + ".secondary_color", "is not a colour or a colour role");
      }
      if (has_text) {
        if (layer.max_lines < 1 || layer.max_lines > 12) {
          error(path + ".max_lines", "must be between 1 and 12");
        }
        if (layer.kind == LayerKind::kText && layer.text.empty()) {
          error(path + ".text", "must not be empty");
        }
        if (layer.text.size() > kMaxTextBytes) {
          error(path + ".text", "is longer than " + std::to_string(kMaxTextBytes) + " bytes");
        }
        CheckText(layer.text, path + ".text", &out);
      }
    }
  }
  return out;
}

nlohmann::json ToJson(const CreativeTemplate& t) {
  json layouts = json::object();
  for (const auto& [format, layout] : t.layouts) {
    json layers = json::array();
    for (const Layer& l : layout.layers) {
      json j = {{"name", l.name},
                {"kind", LayerKindName(l.kind)},
                {"box", {l.box.x, l.box.y, l.box.width, l.box.height}}};
      if (!l.when.empty()) j["when"] = l.when;
      auto text_style = [&] {
        j["font"] = l.font;
        j["color"] = l.color;
        if (l.size.min == l.size.max) {
          j["size"] = l.size.min;
        } else {
          j["size"] = {{"min", l.size.min}, {"max", l.size.max}};
        }
      };
      auto aligns = [&] {
        j["align"] = l.align == HorizontalAlign::kLeft     ? "left"
                     : l.align == HorizontalAlign::kCenter ? "center"
                                                           : "right";
        j["valign"] = l.valign == VerticalAlign::kTop      ? "top"
                      : l.valign == VerticalAlign::kMiddle ? "middle"
                                                           : "bottom";
      };
      switch (l.kind) {
        case LayerKind::kRect:
          j["fill"] = l.fill;
          if (l.radius > 0) j["radius"] = l.radius;
          break;
        case LayerKind::kImage:
          j["source"] = l.source;
          j["fit"] = l.fit == ImageFit::kContain ? "contain" : "cover";
          j["trim"] = l.trim;
          j["white_to_transparent"] = l.white_to_transparent;
          if (!l.fill.empty()) j["fill"] = l.fill;
          if (l.radius > 0) j["radius"] = l.radius;
          break;
        case LayerKind::kText:
        case LayerKind::kLegal:
          j["text"] = l.text;
          text_style();
          aligns();
          j["max_lines"] = l.max_lines;
          j["ellipsize"] = l.ellipsize;
          if (l.uppercase) j["uppercase"] = true;
          if (!l.fill.empty()) j["fill"] = l.fill;
          if (l.radius > 0) j["radius"] = l.radius;
          break;
        case LayerKind::kPrice:
          text_style();
          aligns();
          j["secondary_color"] = l.secondary_color;
          j["show_reference"] = l.show_reference;
          break;
        case LayerKind::kBadge: {
          j["text"] = l.text;
          text_style();
          j["fill"] = l.fill;
          j["shape"] = ShapeJson(l.shape);
          json shapes = json::object();
          for (const auto& [mechanic, shape] : l.shapes) shapes[mechanic] = ShapeJson(shape);
          if (!shapes.empty()) j["shapes"] = shapes;
          if (l.rotation_degrees != 0) j["rotation"] = l.rotation_degrees;
          j["max_lines"] = l.max_lines;
          break;
        }
      }
      layers.push_back(std::move(j));
    }
    layouts[format] = {{"background", layout.background}, {"layers", std::move(layers)}};
  }
  return {{"id", t.id},
          {"name", t.name},
          {"description", t.description},
          {"version", t.version},
          {"layouts", std::move(layouts)}};
}

}  // namespace vitrine
