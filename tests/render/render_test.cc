// The renderer: golden images of every built-in template in every format, structural checks
// (size, byte limit, text inside its box, the badge of every mechanic), bad input, encoding
// within the limit, cache keys.
//
// Goldens live in tests/render/golden/<template>_<format>.png. After a deliberate change of
// the drawing, regenerate them with VITRINE_UPDATE_GOLDENS=1 and look at every one before
// committing: they are what shoppers see.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "../store/temp_dir.h"
#include "render/creative_cache.h"
#include "render/packshot.h"
#include "render/renderer.h"
#include "sample_offers.h"
#include "templates/builtin.h"
#include "templates/repository.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;
using testing::RenderDataDir;
using testing::SampleCreative;

std::string GoldenPath(const std::string& template_id, std::string_view format) {
  return std::string(VITRINE_SOURCE_DIR) + "/tests/render/golden/" + template_id + "_" +
         std::string(format) + ".png";
}

cv::Mat ToBgr(const Raster& raster) {
  const cv::Mat bgra(raster.height, raster.width, CV_8UC4,
                     const_cast<uint8_t*>(raster.bgra.data()));
  cv::Mat bgr;
  cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);
  return bgr;
}

class RenderTest : public ::testing::Test {
 protected:
  DirectoryImageSource images_{RenderDataDir()};
  Renderer renderer_{&images_};
};

// Anti-aliasing and font rasterisation may move by a shade between library builds; a layout
// change moves whole glyphs and boxes. So: at most 0.5 % of pixels off by more than 48 in a
// channel, and a mean difference under 1.5.
TEST_F(RenderTest, MatchesTheGoldenOfEveryTemplateAndFormat) {
  const bool update = std::getenv("VITRINE_UPDATE_GOLDENS") != nullptr;
  const CreativeContent content = SampleCreative("percent_off");
  for (const CreativeTemplate& t : BuiltinTemplates()) {
    for (const CreativeFormat& f : CreativeFormats()) {
      SCOPED_TRACE(t.id + " " + std::string(f.name));
      auto raster = renderer_.Draw(t, DefaultBrandKit(), f, content);
      ASSERT_TRUE(raster.ok()) << raster.status().ToString();
      const cv::Mat actual = ToBgr(*raster);
      const std::string path = GoldenPath(t.id, f.name);
      if (update) {
        fs::create_directories(fs::path(path).parent_path());
        ASSERT_TRUE(cv::imwrite(path, actual, {cv::IMWRITE_PNG_COMPRESSION, 9}));
        continue;
      }
      const cv::Mat golden = cv::imread(path, cv::IMREAD_COLOR);
      ASSERT_FALSE(golden.empty()) << "no golden at " << path;
      ASSERT_EQ(golden.size(), actual.size());
      cv::Mat diff;
      cv::absdiff(golden, actual, diff);
      cv::Mat worst = diff.reshape(1, diff.rows * diff.cols);
      cv::reduce(worst, worst, 1, cv::REDUCE_MAX);
      const double off = cv::countNonZero(worst > 48) / static_cast<double>(worst.rows);
      const double mean = cv::mean(diff)[0];
      EXPECT_LE(off, 0.005) << "pixels off: " << off * 100 << " %";
      EXPECT_LE(mean, 1.5);
    }
  }
}

TEST_F(RenderTest, GoldenComparisonCatchesAMovedPrice) {
  // The tolerance above must not hide a real change: the same creative with another price
  // differs from its golden.
  CreativeContent content = SampleCreative("percent_off");
  content.offer.shelf_price = Money::Euros(1999);
  const CreativeFormat& f = *FindCreativeFormat("square");
  auto raster = renderer_.Draw(*FindBuiltinTemplate("classic"), DefaultBrandKit(), f, content);
  ASSERT_TRUE(raster.ok());
  const cv::Mat golden = cv::imread(GoldenPath("classic", "square"), cv::IMREAD_COLOR);
  ASSERT_FALSE(golden.empty());
  cv::Mat diff;
  cv::absdiff(golden, ToBgr(*raster), diff);
  cv::Mat worst = diff.reshape(1, diff.rows * diff.cols);
  cv::reduce(worst, worst, 1, cv::REDUCE_MAX);
  EXPECT_GT(cv::countNonZero(worst > 48) / static_cast<double>(worst.rows), 0.005);
}

TEST_F(RenderTest, EveryCreativeHasItsSizeFitsItsLimitAndKeepsTextInItsBoxes) {
  for (const std::string& mechanic : testing::AllMechanics()) {
    const CreativeContent content = SampleCreative(mechanic);
    for (const CreativeTemplate& t : BuiltinTemplates()) {
      for (const CreativeFormat& f : CreativeFormats()) {
        SCOPED_TRACE(mechanic + " " + t.id + " " + std::string(f.name));
        auto creative = renderer_.Render(t, DefaultBrandKit(), f, content, ImageEncoding::kPng);
        ASSERT_TRUE(creative.ok()) << creative.status().ToString();
        EXPECT_LE(static_cast<int64_t>(creative->bytes.size()), f.max_bytes);
        EXPECT_TRUE(creative->warnings.empty());
        const cv::Mat decoded = cv::imdecode(
            cv::Mat(1, static_cast<int>(creative->bytes.size()), CV_8U, creative->bytes.data()),
            cv::IMREAD_COLOR);
        ASSERT_EQ(decoded.cols, f.width);
        ASSERT_EQ(decoded.rows, f.height);
        bool badge = false;
        for (const LayerReport& layer : creative->layers) {
          if (layer.text_extent) {
            EXPECT_TRUE(layer.box.Contains(*layer.text_extent))
                << layer.name << " overflows: box " << layer.box.x << "," << layer.box.y << " "
                << layer.box.width << "×" << layer.box.height << ", text " << layer.text_extent->x
                << "," << layer.text_extent->y << " " << layer.text_extent->width << "×"
                << layer.text_extent->height;
          }
          if (layer.kind == LayerKind::kBadge && layer.drawn) badge = true;
          if (layer.kind == LayerKind::kPrice) {
            EXPECT_TRUE(layer.drawn) << layer.name;
          }
        }
        EXPECT_TRUE(badge);
      }
    }
  }
}

TEST_F(RenderTest, EachMechanicGetsTheBadgeShapeItsTemplateChose) {
  const CreativeFormat& f = *FindCreativeFormat("square");
  const CreativeTemplate& classic = *FindBuiltinTemplate("classic");
  const std::map<std::string, std::string> expected = {
      {"percent_off", "burst"},           {"amount_off", "burst"}, {"fixed_price", "ribbon"},
      {"nth_item_percent_off", "circle"}, {"multibuy", "circle"},  {"bundle_price", "rounded_box"},
      {"loyalty_credit", "ribbon"}};
  std::set<std::string> shapes;
  for (const auto& [mechanic, shape] : expected) {
    std::vector<LayerReport> layers;
    auto raster =
        renderer_.Draw(classic, DefaultBrandKit(), f, SampleCreative(mechanic), nullptr, &layers);
    ASSERT_TRUE(raster.ok()) << raster.status().ToString();
    auto badge = std::find_if(layers.begin(), layers.end(),
                              [](const LayerReport& l) { return l.kind == LayerKind::kBadge; });
    ASSERT_NE(badge, layers.end());
    EXPECT_EQ(badge->shape, shape) << mechanic;
    shapes.insert(badge->shape);
  }
  EXPECT_EQ(shapes.size(), 4u) << "every shape is used by some mechanic";
}

TEST_F(RenderTest, TheReferencePriceShowsOnlyWhenAReductionIsAnnounced) {
  // A multibuy announces no reduction against a reference price: nothing is struck through,
  // so the price block is one line shorter than for a percent_off.
  const CreativeFormat& f = *FindCreativeFormat("square");
  const CreativeTemplate& classic = *FindBuiltinTemplate("classic");
  auto price_height = [&](const std::string& mechanic) {
    std::vector<LayerReport> layers;
    EXPECT_TRUE(
        renderer_.Draw(classic, DefaultBrandKit(), f, SampleCreative(mechanic), nullptr, &layers)
            .ok());
    for (const LayerReport& l : layers) {
      if (l.kind == LayerKind::kPrice) return l.text_extent->height / l.font_size;
    }
    return 0.0;
  };
  EXPECT_GT(price_height("percent_off"), price_height("multibuy") * 1.2);
}

// Writes the creative to $VITRINE_RENDER_OUT/<name>.png when set, to look at it.
void Keep(const Raster& raster, const std::string& name) {
  const char* out = std::getenv("VITRINE_RENDER_OUT");
  if (out == nullptr) return;
  cv::imwrite(std::string(out) + "/" + name + ".png", ToBgr(raster));
}

// Legal text in the IAB formats came out at 6-8 px, which nobody reads.
TEST_F(RenderTest, LegalTextIsNeverBelowTheLegalFloor) {
  for (const std::string& mechanic : testing::AllMechanics()) {
    for (const CreativeTemplate& t : BuiltinTemplates()) {
      for (const CreativeFormat& f : CreativeFormats()) {
        SCOPED_TRACE(mechanic + " " + t.id + " " + std::string(f.name));
        std::vector<LayerReport> layers;
        ASSERT_TRUE(
            renderer_.Draw(t, DefaultBrandKit(), f, SampleCreative(mechanic), nullptr, &layers)
                .ok());
        for (const LayerReport& l : layers) {
          if (l.kind == LayerKind::kLegal && l.drawn) EXPECT_GE(l.font_size, kMinLegalTextPx);
        }
      }
    }
  }
  // Even when the template asks for less.
  CreativeTemplate tiny = *FindBuiltinTemplate("classic");
  tiny.id = "tiny-legal";
  for (Layer& l : tiny.layouts.at("medium_rectangle").layers) {
    if (l.kind == LayerKind::kLegal) l.size = {4, 6};
  }
  std::vector<LayerReport> layers;
  ASSERT_TRUE(renderer_
                  .Draw(tiny, DefaultBrandKit(), *FindCreativeFormat("medium_rectangle"),
                        SampleCreative(), nullptr, &layers)
                  .ok());
  for (const LayerReport& l : layers) {
    if (l.kind == LayerKind::kLegal) EXPECT_GE(l.font_size, kMinLegalTextPx) << l.name;
  }
}

// F3: a wine's creative shows the Loi Évin warning in every format, legibly: in the layout's
// own legal text, or in a legal band when the layout has no room or no place for it (the
// mobile banner prints no legal text of its own).
TEST_F(RenderTest, AnAlcoholicDrinkShowsTheHealthWarningInEveryFormat) {
  const CreativeContent wine = testing::WineCreative();
  for (const CreativeTemplate& t : BuiltinTemplates()) {
    for (const CreativeFormat& f : CreativeFormats()) {
      SCOPED_TRACE(t.id + " " + std::string(f.name));
      std::vector<LayerReport> layers;
      auto raster = renderer_.Draw(t, DefaultBrandKit(), f, wine, nullptr, &layers);
      ASSERT_TRUE(raster.ok()) << raster.status().ToString();
      Keep(*raster, "wine_" + t.id + "_" + std::string(f.name));
      bool shown = false;
      for (const LayerReport& l : layers) {
        if (l.kind != LayerKind::kLegal || !l.drawn) continue;
        shown = true;
        EXPECT_GE(l.font_size, kMinLegalTextPx) << l.name;
        EXPECT_TRUE(l.box.Contains(*l.text_extent)) << l.name;
        EXPECT_TRUE((PixelBox{0, 0, f.width, f.height}.Contains(l.box))) << l.name;
      }
      EXPECT_TRUE(shown);
      if (f.name == "mobile_banner") {
        EXPECT_TRUE(std::any_of(layers.begin(), layers.end(),
                                [](const LayerReport& l) { return l.name == "legal_band"; }));
      }
    }
  }
  // A chocolate's mobile banner has no band: only regulated products need one.
  std::vector<LayerReport> layers;
  ASSERT_TRUE(renderer_
                  .Draw(*FindBuiltinTemplate("classic"), DefaultBrandKit(),
                        *FindCreativeFormat("mobile_banner"), SampleCreative(), nullptr, &layers)
                  .ok());
  EXPECT_TRUE(std::none_of(layers.begin(), layers.end(),
                           [](const LayerReport& l) { return l.name == "legal_band"; }));
}

// A template without any legal layer still prints the mention, in the band; and the cache
// key of a creative follows the mention even where the layout binds no legal text.
TEST_F(RenderTest, ALayoutWithoutLegalTextGetsTheMentionInABand) {
  CreativeTemplate bare = *FindBuiltinTemplate("classic");
  bare.id = "no-legal";
  auto& square = bare.layouts.at("square").layers;
  std::erase_if(square, [](const Layer& l) { return l.kind == LayerKind::kLegal; });
  const CreativeFormat& f = *FindCreativeFormat("square");
  std::vector<LayerReport> layers;
  auto raster =
      renderer_.Draw(bare, DefaultBrandKit(), f, testing::WineCreative(), nullptr, &layers);
  ASSERT_TRUE(raster.ok()) << raster.status().ToString();
  Keep(*raster, "wine_no_legal_square");
  auto band = std::find_if(layers.begin(), layers.end(),
                           [](const LayerReport& l) { return l.name == "legal_band"; });
  ASSERT_NE(band, layers.end());
  EXPECT_EQ(band->box.bottom(), f.height);
  EXPECT_GE(band->font_size, kMinLegalTextPx);

  CreativeContent not_wine = testing::WineCreative();
  not_wine.offer.category = "Épicerie > Chocolat";
  EXPECT_NE(
      renderer_.CacheKey(*FindBuiltinTemplate("classic"), DefaultBrandKit(),
                         *FindCreativeFormat("mobile_banner"), testing::WineCreative(),
                         ImageEncoding::kPng),
      renderer_.CacheKey(*FindBuiltinTemplate("classic"), DefaultBrandKit(),
                         *FindCreativeFormat("mobile_banner"), not_wine, ImageEncoding::kPng));
}

// B8: "3 pour 2" wrapped onto a lone "2". Bound by no-break spaces, it stays on one line.
TEST_F(RenderTest, AMultibuyBadgeStaysOnOneLine) {
  for (const char* id : {"classic", "bold"}) {
    for (const char* format : {"square", "story", "medium_rectangle"}) {
      SCOPED_TRACE(std::string(id) + " " + format);
      std::vector<LayerReport> layers;
      auto raster =
          renderer_.Draw(*FindBuiltinTemplate(id), DefaultBrandKit(), *FindCreativeFormat(format),
                         SampleCreative("multibuy"), nullptr, &layers);
      ASSERT_TRUE(raster.ok()) << raster.status().ToString();
      Keep(*raster, std::string("multibuy_") + id + "_" + format);
      auto badge = std::find_if(layers.begin(), layers.end(),
                                [](const LayerReport& l) { return l.kind == LayerKind::kBadge; });
      ASSERT_NE(badge, layers.end());
      ASSERT_TRUE(badge->text_extent);
      EXPECT_LT(badge->text_extent->height, 1.6 * badge->font_size);
    }
  }
}

TEST_F(RenderTest, AMissingPackshotIsAPlaceholderAndAWarning) {
  CreativeContent content = SampleCreative();
  content.packshot = "images/not-there.png";
  auto creative = renderer_.Render(*FindBuiltinTemplate("classic"), DefaultBrandKit(),
                                   *FindCreativeFormat("square"), content, ImageEncoding::kPng);
  ASSERT_TRUE(creative.ok()) << creative.status().ToString();
  ASSERT_EQ(creative->warnings.size(), 1u);
  EXPECT_NE(creative->warnings[0].find("placeholder"), std::string::npos);
  content.packshot.clear();
  EXPECT_TRUE(renderer_
                  .Render(*FindBuiltinTemplate("bold"), DefaultBrandKit(),
                          *FindCreativeFormat("leaderboard"), content, ImageEncoding::kPng)
                  .ok());
}

std::string WriteFile(const testing::TempDir& dir, const std::string& name,
                      const std::string& bytes) {
  std::ofstream(dir.File(name), std::ios::binary) << bytes;
  return name;
}

TEST(RenderBadInput, AnImageDeclaringTheLargestSidesIsRefusedBeforeDecoding) {
  // 4,294,967,295 × 4,294,967,295: the product of the two sides overflows int64.
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  png += std::string("\xff\xff\xff\xff\xff\xff\xff\xff\x08\x06\0\0\0", 13);
  png += std::string(64, '\0');
  testing::TempDir dir;
  DirectoryImageSource images(dir.path());
  Renderer renderer(&images);
  CreativeContent content = SampleCreative();
  content.packshot = WriteFile(dir, "bomb.png", png);
  auto creative = renderer.Render(*FindBuiltinTemplate("classic"), DefaultBrandKit(),
                                  *FindCreativeFormat("square"), content, ImageEncoding::kPng);
  ASSERT_FALSE(creative.ok());
  EXPECT_NE(creative.status().message().find("refused before decoding"), std::string::npos)
      << creative.status().message();
}

TEST(RenderBadInput, AnImageDeclaringThirtyThousandSquaredIsRefusedBeforeDecoding) {
  // A PNG header declaring 30,000 × 30,000 pixels followed by nothing decodable: refused
  // from the header, so no 3.6 GB buffer is ever asked for.
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  png += std::string("\0\0\x75\x30\0\0\x75\x30\x08\x06\0\0\0", 13);
  png += std::string(64, '\0');
  auto declared = ReadDeclaredImage(png);
  ASSERT_TRUE(declared.ok());
  EXPECT_EQ(declared->width, 30000);
  EXPECT_EQ(declared->height, 30000);

  testing::TempDir dir;
  DirectoryImageSource images(dir.path());
  Renderer renderer(&images);
  CreativeContent content = SampleCreative();
  content.packshot = WriteFile(dir, "bomb.png", png);
  auto creative = renderer.Render(*FindBuiltinTemplate("classic"), DefaultBrandKit(),
                                  *FindCreativeFormat("square"), content, ImageEncoding::kPng);
  ASSERT_FALSE(creative.ok());
  EXPECT_EQ(creative.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(creative.status().message().find("refused before decoding"), std::string::npos)
      << creative.status().message();
}

TEST(RenderBadInput, ACorruptJpegIsAnErrorForThatOfferOnly) {
  testing::TempDir dir;
  DirectoryImageSource images(dir.path());
  Renderer renderer(&images);
  // A real JPEG cut in half, and one whose scan data is garbage.
  const cv::Mat picture(400, 400, CV_8UC3, cv::Scalar(30, 120, 200));
  std::vector<uint8_t> jpeg;
  cv::imencode(".jpg", picture, jpeg);
  const std::string whole(jpeg.begin(), jpeg.end());
  WriteFile(dir, "cut.jpg", whole.substr(0, whole.size() / 2));
  WriteFile(dir, "good.jpg", whole);
  std::string garbage = whole.substr(0, 20) + std::string(200, '\x55') + "\xFF\xD9";
  WriteFile(dir, "garbage.jpg", garbage);
  const CreativeFormat& f = *FindCreativeFormat("medium_rectangle");
  const CreativeTemplate& t = *FindBuiltinTemplate("classic");
  for (const char* name : {"cut.jpg", "garbage.jpg"}) {
    CreativeContent content = SampleCreative();
    content.packshot = name;
    auto creative = renderer.Render(t, DefaultBrandKit(), f, content, ImageEncoding::kPng);
    ASSERT_FALSE(creative.ok()) << name;
    EXPECT_NE(creative.status().message().find("corrupt"), std::string::npos)
        << creative.status().message();
  }
  CreativeContent next = SampleCreative();
  next.packshot = "good.jpg";
  EXPECT_TRUE(renderer.Render(t, DefaultBrandKit(), f, next, ImageEncoding::kPng).ok());
}

CreativeTemplate StrictTitleTemplate() {
  CreativeTemplate t;
  t.id = "strict";
  t.name = "Strict";
  Layer title;
  title.name = "title";
  title.kind = LayerKind::kText;
  title.box = {10, 10, 280, 40};
  title.text = "{product.title}";
  title.font = "headline";
  title.color = "$text";
  title.max_lines = 2;
  title.size = {14, 18};
  title.ellipsize = false;
  t.layouts["medium_rectangle"].background = "$background";
  t.layouts["medium_rectangle"].layers.push_back(title);
  return t;
}

TEST(RenderBadInput, ATitleTooLongEvenAtTheMinimumSizeIsATemplateCheckError) {
  Renderer renderer(nullptr);
  const CreativeTemplate t = StrictTitleTemplate();
  ASSERT_TRUE(Validate(t).empty()) << Describe(Validate(t));
  CreativeContent content = SampleCreative();
  content.product_title =
      "Assortiment de biscuits sablés pur beurre aux pépites de chocolat noir et au caramel "
      "beurre salé de Bretagne, boîte métal collector";
  auto creative = renderer.Render(t, DefaultBrandKit(), *FindCreativeFormat("medium_rectangle"),
                                  content, ImageEncoding::kPng);
  ASSERT_FALSE(creative.ok());
  EXPECT_EQ(creative.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(creative.status().message().find("template check"), std::string::npos)
      << creative.status().message();
  EXPECT_NE(creative.status().message().find("title"), std::string::npos);

  // The template check finds it without an offer, by its JSON path.
  const std::vector<TemplateError> errors = renderer.Check(t, DefaultBrandKit());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "layouts.medium_rectangle.layers[0]");

  // With ellipsis allowed the same title is cut, not refused.
  CreativeTemplate lenient = t;
  lenient.layouts["medium_rectangle"].layers[0].ellipsize = true;
  std::vector<LayerReport> layers;
  ASSERT_TRUE(renderer
                  .Draw(lenient, DefaultBrandKit(), *FindCreativeFormat("medium_rectangle"),
                        content, nullptr, &layers)
                  .ok());
  EXPECT_TRUE(layers[0].ellipsized);
  EXPECT_EQ(layers[0].font_size, 14);
}

TEST(RenderBadInput, TheBuiltinTemplatesPassTheTemplateCheck) {
  Renderer renderer(nullptr);
  for (const CreativeTemplate& t : BuiltinTemplates()) {
    for (const BrandKit& kit : BuiltinBrandKits()) {
      EXPECT_TRUE(renderer.Check(t, kit).empty())
          << t.id << ": " << Describe(renderer.Check(t, kit));
    }
  }
}

TEST(RenderBadInput, AnUnloadableFontIsAnError) {
  testing::TempDir dir;
  std::ofstream(dir.File("fake.ttf")) << "not a font";
  BrandKit kit = DefaultBrandKit();
  kit.fonts["headline"] = dir.File("fake.ttf");
  Renderer renderer(nullptr);
  auto creative =
      renderer.Render(*FindBuiltinTemplate("classic"), kit, *FindCreativeFormat("mobile_banner"),
                      SampleCreative(), ImageEncoding::kPng);
  ASSERT_FALSE(creative.ok());
  EXPECT_NE(creative.status().message().find("fake.ttf"), std::string::npos)
      << creative.status().message();
}

TEST(Encoding, APngOverTheLimitBecomesTheBestJpegThatFitsAndNothingFittingIsAnError) {
  Renderer renderer(nullptr);
  Raster noise;
  noise.width = 320;
  noise.height = 50;
  noise.bgra.resize(320 * 50 * 4);
  uint32_t seed = 12345;
  for (uint8_t& b : noise.bgra) {
    seed = seed * 1103515245 + 12345;
    b = static_cast<uint8_t>(seed >> 16);
  }
  auto png = renderer.Encode(noise, 1'000'000, ImageEncoding::kPng);
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(png->encoding, ImageEncoding::kPng);
  const int64_t limit = static_cast<int64_t>(png->bytes.size()) / 2;
  auto jpeg = renderer.Encode(noise, limit, ImageEncoding::kPng);
  ASSERT_TRUE(jpeg.ok()) << jpeg.status().ToString();
  EXPECT_EQ(jpeg->encoding, ImageEncoding::kJpeg);
  EXPECT_EQ(jpeg->media_type, "image/jpeg");
  EXPECT_LE(static_cast<int64_t>(jpeg->bytes.size()), limit);
  // One quality step up would not fit: the quality is the best that does.
  if (jpeg->jpeg_quality < 90) {
    std::vector<uint8_t> higher;
    const cv::Mat bgra(50, 320, CV_8UC4, noise.bgra.data());
    cv::Mat bgr;
    cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);
    cv::imencode(".jpg", bgr, higher,
                 {cv::IMWRITE_JPEG_QUALITY, jpeg->jpeg_quality + 1, cv::IMWRITE_JPEG_OPTIMIZE, 1});
    EXPECT_GT(static_cast<int64_t>(higher.size()), limit);
  }
  auto none = renderer.Encode(noise, 500, ImageEncoding::kJpeg);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(none.status().message().find("500 bytes"), std::string::npos);
}

TEST_F(RenderTest, TheCacheKeyFollowsWhatTheCreativeShowsAndNothingElse) {
  const CreativeTemplate& t = *FindBuiltinTemplate("classic");
  const CreativeFormat& f = *FindCreativeFormat("square");
  const CreativeContent base = SampleCreative();
  const std::string key = renderer_.CacheKey(t, DefaultBrandKit(), f, base, ImageEncoding::kPng);
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(key, renderer_.CacheKey(t, DefaultBrandKit(), f, base, ImageEncoding::kPng));

  CreativeContent stock = base;
  stock.offer.stock_quantity = 999;  // not printed
  EXPECT_EQ(key, renderer_.CacheKey(t, DefaultBrandKit(), f, stock, ImageEncoding::kPng));

  CreativeContent price = base;
  price.offer.shelf_price = Money::Euros(199);
  EXPECT_NE(key, renderer_.CacheKey(t, DefaultBrandKit(), f, price, ImageEncoding::kPng));
  CreativeTemplate newer = t;
  newer.version = t.version + 1;
  EXPECT_NE(key, renderer_.CacheKey(newer, DefaultBrandKit(), f, base, ImageEncoding::kPng));
  EXPECT_NE(key, renderer_.CacheKey(t, *FindBuiltinBrandKit("vitrine-proxi"), f, base,
                                    ImageEncoding::kPng));
  EXPECT_NE(key, renderer_.CacheKey(t, DefaultBrandKit(), *FindCreativeFormat("story"), base,
                                    ImageEncoding::kPng));
  EXPECT_NE(key, renderer_.CacheKey(t, DefaultBrandKit(), f, base, ImageEncoding::kJpeg));
}

TEST_F(RenderTest, APreparedPackshotIsReusedByTheNextCreative) {
  const CreativeContent content = SampleCreative();
  const CreativeTemplate& t = *FindBuiltinTemplate("minimal");
  ASSERT_TRUE(renderer_.Draw(t, DefaultBrandKit(), *FindCreativeFormat("square"), content).ok());
  const int64_t misses = renderer_.packshot_cache_stats().misses;
  ASSERT_TRUE(renderer_.Draw(t, DefaultBrandKit(), *FindCreativeFormat("square"), content).ok());
  EXPECT_EQ(renderer_.packshot_cache_stats().misses, misses);
  EXPECT_GE(renderer_.packshot_cache_stats().hits, 1);
}

TEST(DirectoryImageSource, NeverReadsOutsideItsFolder) {
  DirectoryImageSource images(RenderDataDir());
  EXPECT_TRUE(images.Read("packshot.png").ok());
  EXPECT_EQ(images.Read("../render_test.cc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(images.Read("/etc/passwd").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(images.Version("missing.png").status().code(), StatusCode::kNotFound);
}

TEST(CreativeCache, EvictsTheLeastRecentlyUsedPastItsBudgetAndReopens) {
  testing::TempDir dir;
  {
    auto cache = CreativeCache::Open(dir.path(), 250);
    ASSERT_TRUE(cache.ok());
    ASSERT_TRUE((*cache)->Insert("aa11", "png", std::string(100, 'a')).ok());
    ASSERT_TRUE((*cache)->Insert("bb22", "png", std::string(100, 'b')).ok());
    ASSERT_TRUE((*cache)->Find("aa11", "png"));  // aa11 is now the most recent
    ASSERT_TRUE((*cache)->Insert("cc33", "png", std::string(100, 'c')).ok());
    EXPECT_TRUE((*cache)->Find("aa11", "png"));
    EXPECT_FALSE((*cache)->Find("bb22", "png"));
    auto path = (*cache)->Find("cc33", "png");
    ASSERT_TRUE(path);
    std::ifstream in(*path);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(bytes.str(), std::string(100, 'c'));
    EXPECT_EQ((*cache)->stats().evictions, 1);
    EXPECT_EQ((*cache)->stats().bytes, 200);
  }
  auto reopened = CreativeCache::Open(dir.path(), 250);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->stats().files, 2);
  EXPECT_TRUE((*reopened)->Find("cc33", "png"));
  EXPECT_FALSE((*reopened)->Find("cc33", "jpg"));
}

}  // namespace
}  // namespace vitrine
