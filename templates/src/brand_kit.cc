#include "templates/brand_kit.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "json_text.h"

namespace vitrine {
namespace {

using nlohmann::json;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsReadableFile(const std::string& path) {
  std::error_code ec;
  return !path.empty() && std::filesystem::is_regular_file(path, ec);
}

}  // namespace

std::optional<Rgba> ParseHexColor(std::string_view text) {
  if (!text.starts_with('#') || (text.size() != 7 && text.size() != 9)) return std::nullopt;
  uint8_t channels[4] = {0, 0, 0, 255};
  for (size_t i = 1, c = 0; i < text.size(); i += 2, ++c) {
    const int hi = HexDigit(text[i]);
    const int lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    channels[c] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return Rgba{channels[0], channels[1], channels[2], channels[3]};
}

std::string ToHex(Rgba colour) {
  char text[10];
  if (colour.a == 255) {
    std::snprintf(text, sizeof text, "#%02X%02X%02X", colour.r, colour.g, colour.b);
  } else {
    std::snprintf(text, sizeof text, "#%02X%02X%02X%02X", colour.r, colour.g, colour.b, colour.a);
  }
  return text;
}

std::optional<Rgba> ResolveColor(const BrandKit& kit, std::string_view colour) {
  if (colour.starts_with('$')) {
    auto it = kit.colors.find(colour.substr(1));
    if (it == kit.colors.end()) return std::nullopt;
    return it->second;
  }
  return ParseHexColor(colour);
}

ParsedBrandKit ParseBrandKit(std::string_view json_text) {
  json doc;
  if (auto error = templates_internal::ParseJsonText(json_text, doc))
    return {std::nullopt, {*error}};
  return ParseBrandKitJson(doc);
}

ParsedBrandKit ParseBrandKitJson(const nlohmann::json& doc) {
  ParsedBrandKit out;
  auto error = [&](std::string path, std::string message) {
    out.errors.push_back({std::move(path), std::nullopt, std::move(message)});
  };
  if (!doc.is_object()) {
    error("", "a brand kit is a JSON object");
    return out;
  }
  BrandKit kit;
  for (const auto& [key, value] : doc.items()) {
    if (key == "id" || key == "name" || key == "tagline" || key == "logo_file") {
      if (!value.is_string()) {
        error(key, "must be a string");
        continue;
      }
      const std::string text = value.get<std::string>();
      if (key == "id") kit.id = text;
      if (key == "name") kit.name = text;
      if (key == "tagline") kit.tagline = text;
      if (key == "logo_file") kit.logo_file = text;
    } else if (key == "version") {
      if (!value.is_number_integer()) {
        error(key, "must be a whole number");
      } else {
        kit.version = value.get<int64_t>();
      }
    } else if (key == "colors") {
      if (!value.is_object()) {
        error(key, "must map colour roles to \"#RRGGBB\"");
        continue;
      }
      for (const auto& [role, c] : value.items()) {
        auto parsed = c.is_string() ? ParseHexColor(c.get<std::string>()) : std::nullopt;
        if (!parsed) {
          error("colors." + role, "must be \"#RRGGBB\" or \"#RRGGBBAA\"");
        } else {
          kit.colors[role] = *parsed;
        }
      }
    } else if (key == "fonts") {
      if (!value.is_object()) {
        error(key, "must map font roles to font files");
        continue;
      }
      for (const auto& [role, f] : value.items()) {
        if (!f.is_string()) {
          error("fonts." + role, "must be the path of a font file");
        } else {
          kit.fonts[role] = f.get<std::string>();
        }
      }
    } else {
      error(key, "unknown field");
    }
  }
  for (TemplateError& e : Validate(kit)) {
    const bool seen = std::any_of(out.errors.begin(), out.errors.end(),
                                  [&](const TemplateError& x) { return x.path == e.path; });
    if (!seen) out.errors.push_back(std::move(e));
  }
  if (out.errors.empty()) out.value = std::move(kit);
  return out;
}

std::vector<TemplateError> Validate(const BrandKit& kit) {
  std::vector<TemplateError> out;
  auto error = [&](std::string path, std::string message) {
    out.push_back({std::move(path), std::nullopt, std::move(message)});
  };
  if (kit.id.empty()) error("id", "is required");
  if (kit.name.empty()) error("name", "is required");
  for (std::string_view role : ColorRoles()) {
    if (!kit.colors.contains(role)) error("colors." + std::string(role), "is required");
  }
  for (const auto& [role, c] : kit.colors) {
    if (std::find(ColorRoles().begin(), ColorRoles().end(), role) == ColorRoles().end()) {
      error("colors." + role, "unknown colour role");
    }
  }
  for (std::string_view role : FontRoles()) {
    auto it = kit.fonts.find(role);
    if (it == kit.fonts.end()) {
      error("fonts." + std::string(role), "is required: the path of a font file");
    } else if (!IsReadableFile(it->second)) {
      error("fonts." + std::string(role), "font file not found: " + it->second);
    }
  }
  for (const auto& [role, file] : kit.fonts) {
    if (std::find(FontRoles().begin(), FontRoles().end(), role) == FontRoles().end()) {
      error("fonts." + role, "unknown font role");
    }
  }
  if (!kit.logo_file.empty() && !IsReadableFile(kit.logo_file)) {
    error("logo_file", "logo file not found: " + kit.logo_file);
  }
  return out;
}

nlohmann::json ToJson(const BrandKit& kit) {
  json colors = json::object();
  for (const auto& [role, c] : kit.colors) colors[role] = ToHex(c);
  json fonts = json::object();
  for (const auto& [role, f] : kit.fonts) fonts[role] = f;
  json out = {{"id", kit.id},           {"name", kit.name}, {"tagline", kit.tagline},
              {"version", kit.version}, {"colors", colors}, {"fonts", fonts}};
  if (!kit.logo_file.empty()) out["logo_file"] = kit.logo_file;
  return out;
}

}  // namespace vitrine
