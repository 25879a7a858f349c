// The template model: the format registry, the JSON form and its validator (errors by JSON
// path, syntax errors by line), brand kits, the built-in templates and the library.
#include <gtest/gtest.h>

#include <fstream>

#include "../store/temp_dir.h"
#include "templates/brand_kit.h"
#include "templates/builtin.h"
#include "templates/format.h"
#include "templates/repository.h"
#include "templates/template.h"

namespace vitrine {
namespace {

using nlohmann::json;

TEST(FormatRegistry, HoldsTheTenFormatsOfFormatsMd) {
  ASSERT_EQ(CreativeFormats().size(), 10u);
  struct Expected {
    std::string_view name;
    int w, h;
    int64_t max_bytes;
  };
  const Expected expected[] = {
      {"square", 1080, 1080, 5'000'000},       {"portrait", 1080, 1350, 5'000'000},
      {"story", 1080, 1920, 5'000'000},        {"landscape", 1200, 628, 5'000'000},
      {"medium_rectangle", 300, 250, 150'000}, {"leaderboard", 728, 90, 150'000},
      {"skyscraper", 160, 600, 150'000},       {"half_page", 300, 600, 150'000},
      {"mobile_banner", 320, 50, 50'000},      {"billboard", 970, 250, 250'000},
  };
  for (const Expected& e : expected) {
    const CreativeFormat* f = FindCreativeFormat(e.name);
    ASSERT_NE(f, nullptr) << e.name;
    EXPECT_EQ(f->width, e.w) << e.name;
    EXPECT_EQ(f->height, e.h) << e.name;
    EXPECT_EQ(f->max_bytes, e.max_bytes) << e.name;
    EXPECT_TRUE(PixelBox({0, 0, f->width, f->height}).Contains(f->safe_area)) << e.name;
  }
  EXPECT_EQ(FindCreativeFormat("story")->safe_area, (PixelBox{0, 250, 1080, 1330}));
  EXPECT_EQ(FindCreativeFormat("poster"), nullptr);
}

TEST(BuiltinTemplates, EachHasAValidLayoutForEveryFormat) {
  ASSERT_EQ(BuiltinTemplates().size(), 3u);
  for (const char* id : {"classic", "bold", "minimal"}) {
    const CreativeTemplate* t = FindBuiltinTemplate(id);
    ASSERT_NE(t, nullptr) << id;
    EXPECT_TRUE(Validate(*t).empty()) << id << ": " << Describe(Validate(*t));
    for (const CreativeFormat& f : CreativeFormats()) {
      ASSERT_TRUE(t->layouts.contains(f.name)) << id << " lacks " << f.name;
      const Layout& layout = t->layouts.at(std::string(f.name));
      auto has = [&](LayerKind kind) {
        return std::any_of(layout.layers.begin(), layout.layers.end(),
                           [&](const Layer& l) { return l.kind == kind; });
      };
      // What a French promotion shows in every format: the product, its price, the badge,
      // the logo and a legal line; the mobile banner, too small for legal text at the 9 px
      // floor, prints the dates, and the renderer's legal band carries a regulated mention.
      EXPECT_TRUE(has(LayerKind::kPrice)) << id << " " << f.name;
      EXPECT_TRUE(has(LayerKind::kBadge)) << id << " " << f.name;
      EXPECT_TRUE(has(LayerKind::kImage)) << id << " " << f.name;
      if (f.name == "mobile_banner") {
        EXPECT_TRUE(std::any_of(layout.layers.begin(), layout.layers.end(), [](const Layer& l) {
          return l.text == "{offer.validity_short}";
        })) << id;
      } else {
        EXPECT_TRUE(has(LayerKind::kLegal)) << id << " " << f.name;
      }
    }
  }
}

TEST(BuiltinTemplates, SurviveTheirJsonForm) {
  for (const CreativeTemplate& t : BuiltinTemplates()) {
    const std::string text = ToJson(t).dump(2);
    ParsedTemplate parsed = ParseTemplate(text);
    ASSERT_TRUE(parsed.value) << t.id << ": " << Describe(parsed.errors);
    EXPECT_EQ(ToJson(*parsed.value), ToJson(t)) << t.id;
  }
}

json MinimalTemplate() {
  return json::parse(R"({
    "id": "promo-noel",
    "name": "Noël",
    "version": 2,
    "layouts": {
      "square": {
        "background": "#FFFFFF",
        "layers": [
          {"name": "title", "kind": "text", "box": [40, 40, 1000, 200],
           "text": "{product.title}", "font": "headline", "color": "$text",
           "size": {"min": 20, "max": 60}, "max_lines": 2},
          {"name": "price", "kind": "price", "box": [40, 300, 600, 300],
           "size": {"min": 40, "max": 300}}
        ]
      }
    }
  })");
}

std::vector<std::string> PathsOf(const ParsedTemplate& parsed) {
  std::vector<std::string> paths;
  for (const TemplateError& e : parsed.errors) paths.push_back(e.path);
  return paths;
}

TEST(ParseTemplate, ReadsAValidTemplate) {
  ParsedTemplate parsed = ParseTemplateJson(MinimalTemplate());
  ASSERT_TRUE(parsed.value) << Describe(parsed.errors);
  EXPECT_EQ(parsed.value->id, "promo-noel");
  EXPECT_EQ(parsed.value->version, 2);
  const Layer& title = parsed.value->layouts.at("square").layers[0];
  EXPECT_EQ(title.kind, LayerKind::kText);
  EXPECT_EQ(title.box, (PixelBox{40, 40, 1000, 200}));
  EXPECT_EQ(title.size, (SizeRange{20, 60}));
  EXPECT_EQ(title.max_lines, 2);
}

TEST(ParseTemplate, NamesTheLineOfASyntaxError) {
  const std::string text = "{\n  \"id\": \"x\",\n  \"name\": \"X\"\n  \"layouts\": {}\n}\n";
  ParsedTemplate parsed = ParseTemplate(text);
  ASSERT_FALSE(parsed.value);
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_EQ(parsed.errors[0].line, 4);
  EXPECT_NE(parsed.errors[0].message.find("line 4"), std::string::npos) << parsed.errors[0].message;
}

// A number beyond a double is a JSON error on its line, not an exception out of the parser
// (found by the template fuzz target: nlohmann throws out_of_range, not parse_error).
TEST(ParseTemplate, NumberTooLargeIsASyntaxErrorOnItsLine) {
  ParsedTemplate parsed = ParseTemplate("{\n  \"id\": \"x\",\n  \"version\": 1e309\n}\n");
  ASSERT_FALSE(parsed.value);
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_EQ(parsed.errors[0].line, 3);
  EXPECT_NE(parsed.errors[0].message.find("1e309"), std::string::npos) << parsed.errors[0].message;
  ParsedBrandKit kit = ParseBrandKit("{\"colors\": {\"accent\": -1E400}}");
  ASSERT_FALSE(kit.value);
  ASSERT_EQ(kit.errors.size(), 1u);
  EXPECT_EQ(kit.errors[0].line, 1);
}

TEST(ParseTemplate, ReportsEveryErrorByJsonPath) {
  json doc = MinimalTemplate();
  auto& layers = doc["layouts"]["square"]["layers"];
  layers[0]["text"] = "{product.colour}";  // unknown binding
  layers[1]["font"] = "script";            // unknown font role
  layers.push_back({{"name", "band"},
                    {"kind", "rect"},
                    {"box", {0, 1000, 1080, 200}},
                    {"fill", "$primary"}});  // outside the canvas
  layers.push_back({{"name", "x"}, {"kind", "sticker"}, {"box", {0, 0, 10, 10}}});
  layers.push_back(
      {{"name", "y"}, {"kind", "rect"}, {"box", {0, 0, 10, 10}}, {"fill", "red"}, {"blur", 3}});
  doc["layouts"]["poster"] = {{"layers", json::array()}};
  doc["author"] = "me";
  ParsedTemplate parsed = ParseTemplateJson(doc);
  ASSERT_FALSE(parsed.value);
  const std::vector<std::string> paths = PathsOf(parsed);
  for (const char* expected : {"layouts.square.layers[0].text", "layouts.square.layers[1].font",
                               "layouts.square.layers[2].box", "layouts.square.layers[3].kind",
                               "layouts.square.layers[4].fill", "layouts.square.layers[4].blur",
                               "layouts.poster", "author"}) {
    EXPECT_NE(std::find(paths.begin(), paths.end(), expected), paths.end())
        << expected << " missing from: " << Describe(parsed.errors);
  }
}

TEST(ParseTemplate, RefusesAMinimumAboveTheMaximumAndDuplicateNames) {
  json doc = MinimalTemplate();
  auto& layers = doc["layouts"]["square"]["layers"];
  layers[0]["size"] = {{"min", 80}, {"max", 20}};
  layers[1]["name"] = "title";
  ParsedTemplate parsed = ParseTemplateJson(doc);
  const std::vector<std::string> paths = PathsOf(parsed);
  EXPECT_NE(std::find(paths.begin(), paths.end(), "layouts.square.layers[0].size"), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "layouts.square.layers[1].name"), paths.end());
}

// A template is drawn on request (the template check of a PUT draws every layout, a preview
// draws one): a layout of thousands of text layers, or a text of megabytes, would hold a
// request thread for seconds. Both are refused by path before anything is drawn.
TEST(ParseTemplate, BoundsTheLayersOfALayoutAndTheLengthOfATextSoAnyTemplateDrawsQuickly) {
  json doc = MinimalTemplate();
  auto& layers = doc["layouts"]["square"]["layers"];
  layers[0]["text"] = std::string(1001, 'a');
  for (int i = 0; i < 63; ++i) {
    layers.push_back({{"name", "dot" + std::to_string(i)},
                      {"kind", "rect"},
                      {"box", {i, i, 10, 10}},
                      {"fill", "$primary"}});
  }
  ParsedTemplate parsed = ParseTemplateJson(doc);
  ASSERT_FALSE(parsed.value);
  const std::vector<std::string> paths = PathsOf(parsed);
  EXPECT_NE(std::find(paths.begin(), paths.end(), "layouts.square.layers"), paths.end())
      << Describe(parsed.errors);
  EXPECT_NE(std::find(paths.begin(), paths.end(), "layouts.square.layers[0].text"), paths.end())
      << Describe(parsed.errors);

  layers.erase(layers.size() - 1);  // 64 layers, a text of 1,000 bytes: accepted
  layers[0]["text"] = std::string(1000, 'a');
  ParsedTemplate fits = ParseTemplateJson(doc);
  EXPECT_TRUE(fits.value) << Describe(fits.errors);
}

TEST(BrandKit, DefaultKitIsValidAndItsFontsExist) {
  EXPECT_TRUE(Validate(DefaultBrandKit()).empty()) << Describe(Validate(DefaultBrandKit()));
  for (const BrandKit& kit : BuiltinBrandKits()) {
    ParsedBrandKit parsed = ParseBrandKitJson(ToJson(kit));
    ASSERT_TRUE(parsed.value) << Describe(parsed.errors);
    EXPECT_EQ(*parsed.value, kit);
  }
}

TEST(BrandKit, AnUnknownFontFileFailsAtLoadWithItsPath) {
  json doc = ToJson(DefaultBrandKit());
  doc["fonts"]["price"] = "/usr/share/fonts/truetype/nowhere/Missing-Bold.ttf";
  doc["colors"]["accent"] = "yellow";
  ParsedBrandKit parsed = ParseBrandKitJson(doc);
  ASSERT_FALSE(parsed.value);
  ASSERT_GE(parsed.errors.size(), 2u);
  bool font = false;
  bool colour = false;
  for (const TemplateError& e : parsed.errors) {
    if (e.path == "fonts.price") {
      font = true;
      EXPECT_NE(e.message.find("Missing-Bold.ttf"), std::string::npos);
    }
    colour |= e.path == "colors.accent";
  }
  EXPECT_TRUE(font);
  EXPECT_TRUE(colour);
}

TEST(BrandKit, ResolvesRolesAndHexColours) {
  const BrandKit& kit = DefaultBrandKit();
  EXPECT_EQ(ResolveColor(kit, "$primary"), kit.colors.at("primary"));
  EXPECT_EQ(ResolveColor(kit, "#10203080"), (Rgba{0x10, 0x20, 0x30, 0x80}));
  EXPECT_EQ(ResolveColor(kit, "$nope"), std::nullopt);
  EXPECT_EQ(ParseHexColor("#12345"), std::nullopt);
  EXPECT_EQ(ToHex({255, 0, 16, 255}), "#FF0010");
}

TEST(TemplateLibrary, ServesBuiltinsAndBumpsTheVersionOnEveryPut) {
  TemplateLibrary library;
  auto all = library.ListTemplates();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "bold");
  auto classic = library.GetTemplate("classic");
  ASSERT_TRUE(classic.ok() && *classic != nullptr);
  CreativeTemplate edited = **classic;
  edited.name = "Classique (Noël)";
  auto stored = library.PutTemplate(edited);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(library.PutTemplate(edited)->version, 3);
  EXPECT_EQ((*library.GetTemplate("classic"))->name, "Classique (Noël)");
  EXPECT_EQ(*library.GetTemplate("nope"), nullptr);
}

TEST(TemplateLibrary, KeepsPutTemplatesInItsFolderAcrossRestarts) {
  testing::TempDir dir;
  {
    auto library = TemplateLibrary::Open(dir.path());
    ASSERT_TRUE(library.ok()) << library.status().ToString();
    ParsedTemplate parsed = ParseTemplateJson(MinimalTemplate());
    ASSERT_TRUE(parsed.value);
    ASSERT_TRUE((*library)->PutTemplate(*parsed.value).ok());
  }
  auto reopened = TemplateLibrary::Open(dir.path());
  ASSERT_TRUE(reopened.ok());
  auto t = (*reopened)->GetTemplate("promo-noel");
  ASSERT_TRUE(t.ok() && *t != nullptr);
  EXPECT_EQ((*t)->version, 2);
  EXPECT_EQ((*reopened)->ListTemplates()->size(), 4u);
}

TEST(TemplateLibrary, RefusesToOpenOverABrokenFile) {
  testing::TempDir dir;
  std::ofstream(dir.File("broken.json")) << "{\"id\": \"broken\",\n\"layouts\": [}";
  auto library = TemplateLibrary::Open(dir.path());
  ASSERT_FALSE(library.ok());
  EXPECT_NE(library.status().message().find("broken.json"), std::string::npos);
}

TEST(Placeholders, AreFoundInOrder) {
  EXPECT_EQ(PlaceholdersOf("{product.quantity} · {offer.unit_price}"),
            (std::vector<std::string>{"product.quantity", "offer.unit_price"}));
  EXPECT_TRUE(PlaceholdersOf("Prix choc").empty());
}

}  // namespace
}  // namespace vitrine
