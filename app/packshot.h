// Packshot: draws a product picture (a package on a white background) for demos and tests.
//
// The demo retailer has real products but no reachable images (the Open Food Facts image
// server is off limits to build machines), so creatives would render with placeholders.
// DrawPackshot gives each product a plausible studio shot instead: a package whose shape
// follows the category (box, bottle, jar, can, bag), in a colour derived from a seed, with
// the brand, the title and the net quantity printed on its label and a soft shadow under it.
// The same spec always gives the same PNG bytes.
//
// Thread-safe: calls share no state, so several threads may draw at once (pango keeps one
// font map per thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

enum class PackageShape { kBox, kBottle, kJar, kCan, kBag };

// The package a product of this retailer category comes in, by keywords of the path
// ("Boissons > Bières" → kCan, "Cave > Vins" → kBottle, "Crèmerie > Yaourts" → kJar...).
// kBox when no keyword matches.
PackageShape ShapeForCategory(std::string_view category_path);

struct PackshotSpec {
  std::string title;         // printed on the label, wrapped on up to 3 lines, ellipsized
  std::string brand;         // printed in bold above the title; may be empty
  std::string category;      // retailer category path; chooses the package shape
  std::string net_quantity;  // printed under the title ("500 g"); may be empty
  uint64_t colour_seed = 0;  // chooses the package colour
  int size = 600;            // width and height of the square image in pixels, 64 to 4096
};

// Draws `spec` into a square PNG at `png_path` (overwritten; its folder must exist).
// Returns InvalidArgument for a size out of range, IoError when the file cannot be written.
Status DrawPackshot(const PackshotSpec& spec, const std::filesystem::path& png_path);

}  // namespace vitrine
