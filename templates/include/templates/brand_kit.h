// BrandKit: the colours, fonts and logo of one banner, so one template serves several.
//
// Fonts are pinned by file (a path to a .ttf/.otf from a Debian font package), never by a
// family name that fontconfig would resolve differently from one machine to the next: the
// same kit gives the same pixels everywhere. ParseBrandKit checks that every font and logo
// file exists and reports errors by JSON path. Plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "templates/template.h"

namespace vitrine {

// A colour with straight (not premultiplied) alpha.
struct Rgba {
  uint8_t r = 0, g = 0, b = 0, a = 255;
  friend bool operator==(const Rgba&, const Rgba&) = default;
};

// "#RRGGBB" or "#RRGGBBAA"; nullopt for anything else.
std::optional<Rgba> ParseHexColor(std::string_view text);
std::string ToHex(Rgba colour);

struct BrandKit {
  std::string id;    // "vitrine"
  std::string name;  // the banner's name, bound as {brand.name}
  std::string tagline;
  int64_t version = 1;                                    // part of every creative's cache key
  std::map<std::string, Rgba, std::less<>> colors;        // every role of ColorRoles()
  std::map<std::string, std::string, std::less<>> fonts;  // font role → font file path
  // The logo: a PNG file, or when empty a wordmark of `name` drawn in `headline` on
  // `primary`.
  std::string logo_file;

  friend bool operator==(const BrandKit&, const BrandKit&) = default;
};

struct ParsedBrandKit {
  std::optional<BrandKit> value;  // set when `errors` is empty
  std::vector<TemplateError> errors;
};
ParsedBrandKit ParseBrandKit(std::string_view json_text);
ParsedBrandKit ParseBrandKitJson(const nlohmann::json& json);
std::vector<TemplateError> Validate(const BrandKit& kit);
nlohmann::json ToJson(const BrandKit& kit);

// Resolves a template colour: "#RRGGBB[AA]" as is, "$role" from the kit. nullopt when the
// text is neither or the role is missing.
std::optional<Rgba> ResolveColor(const BrandKit& kit, std::string_view colour);

}  // namespace vitrine
