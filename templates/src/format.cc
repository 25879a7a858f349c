#include "templates/format.h"

#include <array>

namespace vitrine {
namespace {

constexpr int64_t kKilobyte = 1000;
constexpr int64_t kMegabyte = 1000 * kKilobyte;

constexpr PixelBox Whole(int w, int h) { return {0, 0, w, h}; }

constexpr std::array<CreativeFormat, 10> kFormats = {{
    {"square", 1080, 1080, 5 * kMegabyte, Whole(1080, 1080),
     "Meta feed, Instagram, Performance Max"},
    {"portrait", 1080, 1350, 5 * kMegabyte, Whole(1080, 1350), "Meta feed 4:5"},
    {"story", 1080, 1920, 5 * kMegabyte, {0, 250, 1080, 1920 - 250 - 340}, "Stories, Reels"},
    // The central 80 % of the width: Performance Max crops the sides on some placements.
    {"landscape", 1200, 628, 5 * kMegabyte, {120, 0, 960, 628}, "Meta link ads, Performance Max"},
    {"medium_rectangle", 300, 250, 150 * kKilobyte, Whole(300, 250), "IAB, Google Display"},
    {"leaderboard", 728, 90, 150 * kKilobyte, Whole(728, 90), "IAB, Google Display"},
    {"skyscraper", 160, 600, 150 * kKilobyte, Whole(160, 600), "IAB, Google Display"},
    {"half_page", 300, 600, 150 * kKilobyte, Whole(300, 600), "Google Display"},
    {"mobile_banner", 320, 50, 50 * kKilobyte, Whole(320, 50), "IAB smartphone banner"},
    {"billboard", 970, 250, 250 * kKilobyte, Whole(970, 250), "IAB billboard"},
}};

}  // namespace

std::span<const CreativeFormat> CreativeFormats() { return kFormats; }

const CreativeFormat* FindCreativeFormat(std::string_view name) {
  for (const CreativeFormat& f : kFormats) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace vitrine
