// The built-in templates ("classic", "bold", "minimal"), each with a layout for every format
// of the registry, and the built-in brand kits. Their fonts are files of the Debian packages
// fonts-dejavu-core and fonts-liberation2 (scripts/debian-packages.txt).
//
// Built once on first use; the returned references stay valid for the whole process and
// are safe to read from any thread.
#pragma once

#include <span>
#include <string_view>

#include "templates/brand_kit.h"
#include "templates/template.h"

namespace vitrine {

// classic, bold, minimal.
std::span<const CreativeTemplate> BuiltinTemplates();
const CreativeTemplate* FindBuiltinTemplate(std::string_view id);

// "vitrine" (red and yellow, the default) and "vitrine-proxi" (green, the convenience
// banner).
std::span<const BrandKit> BuiltinBrandKits();
const BrandKit& DefaultBrandKit();
const BrandKit* FindBuiltinBrandKit(std::string_view id);

}  // namespace vitrine
