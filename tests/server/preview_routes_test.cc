// The previews of what is not published yet, over HTTP: the offers a draft, or an approved
// campaign's pending revision, would publish in a store (the same figures assembly publishes
// once it is approved), their creatives in the ten formats, and a template being edited.
#include <gtest/gtest.h>

#include "api_fixture.h"
#include "render/image_source.h"
#include "templates/format.h"

namespace vitrine::testing {
namespace {

using nlohmann::json;

// Width and height from a PNG's IHDR; {0, 0} when it is not a PNG.
std::pair<int, int> PngSize(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {0, 0};
  auto be32 = [&](size_t at) {
    return (static_cast<uint8_t>(png[at]) << 24) | (static_cast<uint8_t>(png[at + 1]) << 16) |
           (static_cast<uint8_t>(png[at + 2]) << 8) | static_cast<uint8_t>(png[at + 3]);
  };
  return {be32(16), be32(20)};
}

// An offer as GET /api/v1/offers lists it, without what only a stored offer has.
json WithoutStorage(json offer) {
  offer.erase("version");
  offer.erase("seq");
  offer.erase("explain");
  return offer;
}

class PreviewRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    h_.CreateAccounts();
    h_.set_image_source(&images_);
    server_ = &h_.StartServer();
    SeedCatalogue();
  }

  Reply Get(const std::string& path, const std::string& who = "viewer",
            std::vector<std::string> extra = {}) {
    std::vector<std::string> headers = h_.AuthFor(who);
    headers.insert(headers.end(), extra.begin(), extra.end());
    return client_.Fetch(server_->port(), "GET", path, headers);
  }
  Reply Send(const std::string& method, const std::string& path, const std::string& who,
             const std::string& body) {
    std::vector<std::string> headers = h_.AuthFor(who);
    headers.push_back("Content-Type: application/json");
    return client_.Fetch(server_->port(), method, path, headers, body);
  }
  void Step(const std::string& path, const std::string& to, const std::string& who) {
    Reply r = Send("POST", path, who, json({{"to", to}}).dump());
    ASSERT_EQ(r.status, 200) << path << " → " << to << ": " << r.body;
  }

  // Stores PARIS (zone Z-IDF) and LYON (zone Z-RA, where P1 costs 3.69), products P1 (with
  // the test packshot), P2 and P3 (no price anywhere), 12 P1 in stock in PARIS.
  void SeedCatalogue() {
    for (const auto& [id, zone] : {std::pair{"PARIS", "Z-IDF"}, {"LYON", "Z-RA"}}) {
      Reply r = Send("PUT", std::string("/api/v1/stores/") + id, "editor",
                     json({{"name", std::string("Vitrine ") + id},
                           {"lat", 48.85},
                           {"lon", 2.35},
                           {"price_zone", zone}})
                         .dump());
      ASSERT_EQ(r.status, 201) << r.body;
    }
    for (const char* id : {"P1", "P2", "P3"}) {
      Reply r = Send("PUT", std::string("/api/v1/products/") + id, "editor",
                     json({{"title", std::string("Chocolat noir ") + id},
                           {"brand", "Vitrine Sélection"},
                           {"category", "Épicerie sucrée > Chocolat"},
                           {"net_quantity", "200 g"},
                           {"attributes", {{"packshot", "packshot.png"}}}})
                         .dump());
      ASSERT_EQ(r.status, 201) << r.body;
    }
    ASSERT_EQ(Send("PUT", "/api/v1/prices", "editor",
                   json::array({{{"product_id", "P1"},
                                 {"price", "3.49"},
                                 {"effective_from", "2026-01-01T00:00:00Z"}},
                                {{"product_id", "P1"},
                                 {"level", "zone"},
                                 {"level_id", "Z-RA"},
                                 {"price", "3.69"},
                                 {"effective_from", "2026-01-01T00:00:00Z"}},
                                {{"product_id", "P2"},
                                 {"price", "2.00"},
                                 {"effective_from", "2026-01-01T00:00:00Z"}}})
                       .dump())
                  .status,
              200);
    ASSERT_EQ(
        Send("PUT", "/api/v1/stock", "editor",
             json::array({{{"product_id", "P1"}, {"store_id", "PARIS"}, {"quantity", 12}}}).dump())
            .status,
        200);
  }

  // A draft campaign taking 30 % off P1 and P2.
  void CreateDraft() {
    Reply campaign = Send("POST", "/api/v1/campaigns", "editor",
                          json({{"name", "Semaine du chocolat"},
                                {"start", "2026-06-10T00:00"},
                                {"end", "2026-06-20T00:00"},
                                {"channels", {"google", "leaflet"}},
                                {"scope", {{"kind", "all"}}}})
                              .dump());
    ASSERT_EQ(campaign.status, 201) << campaign.body;
    campaign_ = campaign.Json()["id"];
    Reply promotion =
        Send("POST", "/api/v1/campaigns/" + campaign_ + "/promotions", "editor",
             json({{"selector", {{"kind", "products"}, {"product_ids", {"P1", "P2"}}}},
                   {"mechanic", {{"type", "percent_off"}, {"percent", 30}}}})
                 .dump());
    ASSERT_EQ(promotion.status, 201) << promotion.body;
    promotion_ = promotion.Json()["id"];
  }

  void Approve() {
    Step("/api/v1/campaigns/" + campaign_ + "/transitions", "submitted", "editor");
    Step("/api/v1/campaigns/" + campaign_ + "/transitions", "approved", "approver");
  }

  std::string PreviewPath(const std::string& store, const std::string& extra = "") {
    return "/api/v1/campaigns/" + campaign_ + "/preview?store=" + store + extra;
  }
  std::string CreativePath(const std::string& offer, const std::string& format) {
    return "/api/v1/campaigns/" + campaign_ + "/preview/creatives/" + offer + "/" + format +
           ".png?store=PARIS";
  }

  DirectoryImageSource images_{std::string(VITRINE_SOURCE_DIR) + "/tests/render/data"};
  ApiHarness h_;
  ApiClient client_;
  HttpServer* server_ = nullptr;
  std::string campaign_, promotion_;
};

TEST_F(PreviewRoutesTest, ADraftsPreviewIsWhatItsApprovalPublishes) {
  CreateDraft();
  std::map<std::string, json> previews;
  for (const char* store : {"PARIS", "LYON"}) {
    Reply r = Get(PreviewPath(store));
    ASSERT_EQ(r.status, 200) << r.body;
    previews[store] = r.Json();
  }
  const json& paris = previews["PARIS"];
  EXPECT_EQ(paris["campaign"]["id"], campaign_);
  EXPECT_EQ(paris["campaign"]["status"], "draft");
  EXPECT_EQ(paris["store_id"], "PARIS");
  EXPECT_EQ(paris["total"], 2);
  EXPECT_TRUE(paris["next_cursor"].is_null());
  ASSERT_EQ(paris["items"].size(), 2u);
  const json& p1 = paris["items"][0];
  EXPECT_EQ(p1["offer_id"], promotion_ + "~P1");
  EXPECT_EQ(p1["prices"]["regular"], "3.49 EUR");
  EXPECT_EQ(p1["prices"]["shelf"], "2.44 EUR");
  EXPECT_EQ(p1["stock"]["quantity"], 12);
  EXPECT_EQ(p1["seq"], 0);
  EXPECT_EQ(p1["explain"]["outcome"], "published");
  EXPECT_FALSE(p1["explain"]["price"]["steps"].empty());
  EXPECT_TRUE(p1["explain"]["published"].is_null());
  EXPECT_EQ(paris["items"][1]["offer_id"], promotion_ + "~P2");
  EXPECT_EQ(paris["items"][1]["prices"]["shelf"], "1.40 EUR");
  EXPECT_EQ(previews["LYON"]["items"][0]["prices"]["shelf"], "2.58 EUR");  // the zone's 3.69

  // Paged as the offers are.
  Reply first = Get(PreviewPath("PARIS", "&limit=1"));
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(first.Json()["items"].size(), 1u);
  const std::string cursor = first.Json()["next_cursor"];
  Reply second = Get(PreviewPath("PARIS", "&limit=1&cursor=" + cursor));
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.Json()["items"].size(), 1u);
  EXPECT_EQ(second.Json()["items"][0], paris["items"][1]);
  EXPECT_TRUE(second.Json()["next_cursor"].is_null());

  // Nothing was written.
  Reply none = Get("/api/v1/offers?campaign=" + campaign_);
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(none.Json()["items"].empty());

  // Approved, the campaign publishes exactly those offers, figure for figure, and explains
  // them as the preview did.
  Approve();
  for (const char* store : {"PARIS", "LYON"}) {
    Reply published = Get("/api/v1/offers?campaign=" + campaign_ + "&store=" + store);
    ASSERT_EQ(published.status, 200);
    const json page = published.Json();
    const json& items = page["items"];
    const json& preview = previews[store]["items"];
    ASSERT_EQ(items.size(), preview.size()) << store << published.body;
    for (size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(WithoutStorage(items[i]), WithoutStorage(preview[i]));
      Reply explained = Get("/api/v1/offers/" + items[i]["offer_id"].get<std::string>() +
                            "/explain?store=" + store);
      ASSERT_EQ(explained.status, 200);
      json expected = explained.Json();
      expected["published"] = nullptr;
      EXPECT_EQ(preview[i]["explain"], expected);
    }
  }
  // A published campaign's preview is what it publishes, the stored offer beside it.
  Reply approved = Get(PreviewPath("PARIS"));
  ASSERT_EQ(approved.status, 200);
  EXPECT_EQ(approved.Json()["campaign"]["status"], "approved");
  EXPECT_EQ(WithoutStorage(approved.Json()["items"][0]), WithoutStorage(p1));
  EXPECT_EQ(approved.Json()["items"][0]["explain"]["published"]["prices"]["shelf"], "2.44 EUR");
}

TEST_F(PreviewRoutesTest, APendingRevisionIsPreviewedInPlaceOfTheLiveVersion) {
  CreateDraft();
  Approve();
  Reply edit = Send("PATCH", "/api/v1/promotions/" + promotion_, "editor",
                    json({{"mechanic", {{"type", "percent_off"}, {"percent", 50}}}}).dump());
  ASSERT_EQ(edit.status, 200) << edit.body;
  Reply r = Get(PreviewPath("PARIS"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = r.Json();
  EXPECT_EQ(body["campaign"]["status"], "draft");  // the revision's
  ASSERT_EQ(body["items"].size(), 2u);
  EXPECT_EQ(body["items"][1]["prices"]["shelf"], "1.00 EUR");
  EXPECT_EQ(body["items"][1]["explain"]["candidates"].size(), 1u);
  EXPECT_EQ(body["items"][1]["explain"]["published"]["prices"]["shelf"], "1.40 EUR");
  // The live offers did not move.
  Reply live = Get("/api/v1/offers/" + promotion_ + "~P2?store=PARIS");
  ASSERT_EQ(live.status, 200);
  EXPECT_EQ(live.Json()["prices"]["shelf"], "1.40 EUR");
}

TEST_F(PreviewRoutesTest, APreviewRefusesWhatItCannotShow) {
  CreateDraft();
  EXPECT_EQ(Get(PreviewPath("PARIS"), "platform").status, 403);
  EXPECT_EQ(Get(PreviewPath("PARIS"), "").status, 401);
  EXPECT_EQ(Get("/api/v1/campaigns/C99999999/preview?store=PARIS").status, 404);
  EXPECT_EQ(Get(PreviewPath("NOWHERE")).status, 404);
  EXPECT_EQ(Get("/api/v1/campaigns/" + campaign_ + "/preview").status, 400);
  EXPECT_EQ(Get(PreviewPath("PARIS", "&cursor=zz")).status, 400);
  EXPECT_EQ(Get(PreviewPath("PARIS", "&limit=0")).status, 400);
  EXPECT_EQ(Get(PreviewPath("PARIS", "&channel=google")).status, 400);
}

TEST_F(PreviewRoutesTest, ADraftsCreativesAreDrawnInEveryFormatAndNotCached) {
  CreateDraft();
  const std::string offer = promotion_ + "~P1";
  // Not published: the public creative does not exist.
  EXPECT_EQ(Get("/creatives/" + offer + "/square.png?store=PARIS", "").status, 404);
  const int64_t cached = h_.studio().cache().stats().files;
  for (const CreativeFormat& format : CreativeFormats()) {
    Reply r = Get(CreativePath(offer, std::string(format.name)));
    ASSERT_EQ(r.status, 200) << format.name << ": " << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "image/png") << format.name;
    EXPECT_EQ(PngSize(r.body), (std::pair<int, int>{format.width, format.height})) << format.name;
    EXPECT_EQ(r.Header("Cache-Control"), "private, no-cache");
  }
  EXPECT_EQ(h_.studio().cache().stats().files, cached);

  Reply square = Get(CreativePath(offer, "square"));
  ASSERT_EQ(square.status, 200);
  const std::string etag = square.Header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(Get(CreativePath(offer, "square"), "viewer", {"If-None-Match: " + etag}).status, 304);

  EXPECT_EQ(Get(CreativePath(offer, "poster")).status, 404);
  EXPECT_EQ(Get(CreativePath(promotion_ + "~P3", "square")).status, 404);  // not selected
  EXPECT_EQ(Get(CreativePath("PR99999999~P1", "square")).status, 404);
  EXPECT_EQ(
      Get("/api/v1/campaigns/C99999999/preview/creatives/" + offer + "/square.png?store=PARIS")
          .status,
      404);
  EXPECT_EQ(Get(CreativePath(offer, "square"), "platform").status, 403);

  // Once approved, the published creative is the one previewed, byte for byte.
  Approve();
  Reply published = Get("/creatives/" + offer + "/square.png?store=PARIS", "");
  ASSERT_EQ(published.status, 200);
  EXPECT_EQ(published.Header("ETag"), etag);
  EXPECT_EQ(published.body, square.body);
}

TEST_F(PreviewRoutesTest, ATemplateBeingEditedIsDrawnOrItsErrorsNamedByPath) {
  CreateDraft();
  Approve();
  const std::string offer = promotion_ + "~P1";
  Reply classic = Get("/api/v1/templates/classic");
  ASSERT_EQ(classic.status, 200);
  json edited = classic.Json();
  const std::string base =
      "/api/v1/templates/classic/preview?offer=" + offer + "&store=PARIS&format=";

  Reply drawn = Send("POST", base + "story", "editor", edited.dump());
  ASSERT_EQ(drawn.status, 200) << drawn.body;
  EXPECT_EQ(drawn.Header("Content-Type"), "image/png");
  EXPECT_EQ(PngSize(drawn.body), (std::pair<int, int>{1080, 1920}));
  EXPECT_EQ(drawn.Header("Cache-Control"), "no-store");

  // The edit is drawn, and not saved.
  edited["layouts"]["story"]["background"] = "#102030";
  Reply changed = Send("POST", base + "story", "editor", edited.dump());
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_NE(changed.body, drawn.body);
  EXPECT_EQ(Get("/api/v1/templates/classic").Json(), classic.Json());

  // A broken template: every error by its JSON path.
  json broken = edited;
  json& layers = broken["layouts"]["story"]["layers"];
  size_t text = 0;
  while (text < layers.size() && !layers[text].contains("font")) ++text;
  ASSERT_LT(text, layers.size());
  layers[text]["font"] = "script";
  layers[0]["box"] = {0, 0, 5000, 10};
  Reply invalid = Send("POST", base + "story", "editor", broken.dump());
  ASSERT_EQ(invalid.status, 400) << invalid.body;
  EXPECT_EQ(invalid.Header("Content-Type"), "application/problem+json");
  std::set<std::string> fields;
  const json problem = invalid.Json();
  for (const json& e : problem["errors"]) fields.insert(e["field"]);
  EXPECT_TRUE(fields.count("layouts.story.layers[" + std::to_string(text) + "].font"))
      << invalid.body;
  EXPECT_TRUE(fields.count("layouts.story.layers[0].box")) << invalid.body;
  Reply syntax = Send("POST", base + "story", "editor", "{\n\"id\": \"classic\",\n}");
  ASSERT_EQ(syntax.status, 400);
  EXPECT_EQ(syntax.Json()["errors"][0]["line"], 3) << syntax.body;
  json renamed = edited;
  renamed["id"] = "other";
  EXPECT_EQ(Send("POST", base + "story", "editor", renamed.dump()).status, 400);

  // Hostile bodies are refused before anything is drawn.
  json crowded = edited;
  for (int i = 0; i < 70; ++i) {
    crowded["layouts"]["story"]["layers"].push_back({{"name", "dot" + std::to_string(i)},
                                                     {"kind", "rect"},
                                                     {"box", {i, i, 10, 10}},
                                                     {"fill", "$primary"}});
  }
  Reply crowd = Send("POST", base + "story", "editor", crowded.dump());
  ASSERT_EQ(crowd.status, 400);
  EXPECT_EQ(crowd.Json()["errors"][0]["field"], "layouts.story.layers") << crowd.body;
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_EQ(Send("POST", base + "story", "editor", deep).status, 400);

  // Unknown offer, format, or a format the template has no layout for: 404.
  EXPECT_EQ(
      Send("POST", "/api/v1/templates/classic/preview?offer=PR99999999~P1&store=PARIS&format=story",
           "editor", edited.dump())
          .status,
      404);
  EXPECT_EQ(Send("POST", base + "poster", "editor", edited.dump()).status, 404);
  EXPECT_EQ(Send("POST", "/api/v1/templates/classic/preview?offer=" + offer + "&store=PARIS",
                 "editor", edited.dump())
                .status,
            400);
  json one_layout = edited;
  one_layout["layouts"] = {{"story", edited["layouts"]["story"]}};
  EXPECT_EQ(Send("POST", base + "square", "editor", one_layout.dump()).status, 404);
  EXPECT_EQ(Send("POST", base + "story", "viewer", edited.dump()).status, 403);
}

TEST_F(PreviewRoutesTest, ATemplateIsPreviewedOnADraftsOfferWithItsCampaign) {
  CreateDraft();
  const std::string offer = promotion_ + "~P1";
  const std::string classic = Get("/api/v1/templates/classic").body;
  const std::string path =
      "/api/v1/templates/classic/preview?offer=" + offer + "&store=PARIS&format=square";
  EXPECT_EQ(Send("POST", path, "editor", classic).status, 404);  // not published
  Reply drawn = Send("POST", path + "&campaign=" + campaign_, "editor", classic);
  ASSERT_EQ(drawn.status, 200) << drawn.body;
  // The saved template draws the same picture as the campaign's creative preview.
  Reply creative = Get(CreativePath(offer, "square"));
  ASSERT_EQ(creative.status, 200);
  EXPECT_EQ(drawn.body, creative.body);
}

}  // namespace
}  // namespace vitrine::testing
