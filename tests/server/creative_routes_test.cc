// The creative routes over HTTP: formats, templates (read, validated write, the template
// check), creatives of published offers from the content-addressed cache with ETag and 304,
// and a campaign render job with its progress.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "api_fixture.h"
#include "render/image_source.h"
#include "templates/builtin.h"

namespace vitrine::testing {
namespace {

using nlohmann::json;

class CreativeRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    h_.CreateAccounts();
    h_.set_image_source(&images_);
    server_ = &h_.StartServer();
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

  // Store PARIS, product P1 (with the test packshot) and P2 (without), a campaign taking
  // 30 % off both, approved: two published offers. `theme`: the campaign's.
  void SeedPublishedOffers(const json& theme = json()) {
    Reply store = Send(
        "PUT", "/api/v1/stores/PARIS", "editor",
        json({{"name", "Paris Rivoli"}, {"lat", 48.8566}, {"lon", 2.3522}, {"price_zone", "Z-IDF"}})
            .dump());
    ASSERT_EQ(store.status, 201) << store.body;
    for (const auto& [id, packshot] : {std::pair{"P1", "packshot.png"}, {"P2", "missing.png"}}) {
      Reply r = Send("PUT", std::string("/api/v1/products/") + id, "editor",
                     json({{"title", "Chocolat noir 70 % cacao"},
                           {"brand", "Vitrine Sélection"},
                           {"category", "Épicerie sucrée > Chocolat"},
                           {"net_quantity", "200 g"},
                           {"attributes", {{"packshot", packshot}}}})
                         .dump());
      ASSERT_EQ(r.status, 201) << r.body;
    }
    ASSERT_EQ(Send("PUT", "/api/v1/prices", "editor",
                   json::array({{{"product_id", "P1"},
                                 {"price", "3.49"},
                                 {"effective_from", "2026-01-01T00:00:00Z"}},
                                {{"product_id", "P2"},
                                 {"price", "2.00"},
                                 {"effective_from", "2026-01-01T00:00:00Z"}}})
                       .dump())
                  .status,
              200);
    json body = {{"name", "Semaine du chocolat"},
                 {"start", "2026-06-10T00:00"},
                 {"end", "2026-06-20T00:00"},
                 {"channels", {"google", "leaflet", "meta"}},
                 {"scope", {{"kind", "all"}}}};
    if (!theme.is_null()) body["theme"] = theme;
    Reply campaign = Send("POST", "/api/v1/campaigns", "editor", body.dump());
    ASSERT_EQ(campaign.status, 201) << campaign.body;
    campaign_ = campaign.Json()["id"];
    Reply promotion =
        Send("POST", "/api/v1/campaigns/" + campaign_ + "/promotions", "editor",
             json({{"selector", {{"kind", "products"}, {"product_ids", {"P1", "P2"}}}},
                   {"mechanic", {{"type", "percent_off"}, {"percent", 30}}}})
                 .dump());
    ASSERT_EQ(promotion.status, 201) << promotion.body;
    const std::string promotion_id = promotion.Json()["id"];
    ASSERT_EQ(Send("POST", "/api/v1/campaigns/" + campaign_ + "/transitions", "editor",
                   json({{"to", "submitted"}}).dump())
                  .status,
              200);
    ASSERT_EQ(Send("POST", "/api/v1/campaigns/" + campaign_ + "/transitions", "approver",
                   json({{"to", "approved"}}).dump())
                  .status,
              200);
    offer_ = promotion_id + "~P1";
    offer_without_packshot_ = promotion_id + "~P2";
    ASSERT_EQ(Get("/api/v1/offers/" + offer_ + "?store=PARIS").status, 200);
  }

  DirectoryImageSource images_{std::string(VITRINE_SOURCE_DIR) + "/tests/render/data"};
  ApiHarness h_;
  ApiClient client_;
  HttpServer* server_ = nullptr;
  std::string campaign_, offer_, offer_without_packshot_;
};

// Width and height from a PNG's IHDR.
std::pair<int, int> PngSize(const std::string& png) {
  if (png.size() < 24 || png.compare(1, 3, "PNG") != 0) return {0, 0};
  auto be32 = [&](size_t at) {
    return (static_cast<uint8_t>(png[at]) << 24) | (static_cast<uint8_t>(png[at + 1]) << 16) |
           (static_cast<uint8_t>(png[at + 2]) << 8) | static_cast<uint8_t>(png[at + 3]);
  };
  return {be32(16), be32(20)};
}

TEST_F(CreativeRoutesTest, ListsTheTenFormats) {
  Reply r = Get("/api/v1/formats", "platform");
  ASSERT_EQ(r.status, 200) << r.body;
  const json items = r.Json()["items"];
  ASSERT_EQ(items.size(), 10u);
  EXPECT_EQ(items[8]["name"], "mobile_banner");
  EXPECT_EQ(items[8]["max_bytes"], 50000);
  EXPECT_EQ(Get("/api/v1/formats", "").status, 401);
}

TEST_F(CreativeRoutesTest, ServesTemplatesAndValidatesAPut) {
  Reply list = Get("/api/v1/templates");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.Json()["items"].size(), 3u);
  Reply classic = Get("/api/v1/templates/classic");
  ASSERT_EQ(classic.status, 200);
  json t = classic.Json();
  EXPECT_EQ(t["layouts"].size(), 10u);
  EXPECT_EQ(Get("/api/v1/templates/nope").status, 404);

  // A syntax error is a 400 naming the line.
  Reply syntax = Send("PUT", "/api/v1/templates/classic", "editor",
                      "{\n  \"id\": \"classic\",\n  \"name\": \"C\"\n  \"layouts\": {}\n}");
  ASSERT_EQ(syntax.status, 400) << syntax.body;
  EXPECT_EQ(syntax.Json()["errors"][0]["line"], 4) << syntax.body;
  EXPECT_NE(syntax.Json()["detail"].get<std::string>().find("line 4"), std::string::npos);

  // A bad binding and a bad font role are 400s by JSON path.
  json bad = t;
  bad["layouts"]["square"]["layers"][0]["fill"] = "$glitter";
  size_t title = 0;
  while (bad["layouts"]["leaderboard"]["layers"][title]["name"] != "title") ++title;
  bad["layouts"]["leaderboard"]["layers"][title]["text"] = "{product.colour}";
  Reply invalid = Send("PUT", "/api/v1/templates/classic", "editor", bad.dump());
  ASSERT_EQ(invalid.status, 400) << invalid.body;
  std::set<std::string> fields;
  const json problem = invalid.Json();
  for (const json& e : problem["errors"]) fields.insert(e["field"].get<std::string>());
  EXPECT_TRUE(fields.contains("layouts.square.layers[0].fill")) << invalid.body;
  EXPECT_TRUE(fields.contains("layouts.leaderboard.layers[" + std::to_string(title) + "].text"))
      << invalid.body;

  // A title that cannot fit its box at the minimum size fails the template check.
  json strict = {{"id", "strict"},
                 {"name", "Strict"},
                 {"layouts",
                  {{"mobile_banner",
                    {{"layers",
                      {{{"name", "title"},
                        {"kind", "text"},
                        {"box", {0, 0, 60, 12}},
                        {"text", "{product.title}"},
                        {"size", {{"min", 10}, {"max", 12}}}}}}}}}}};
  Reply check = Send("PUT", "/api/v1/templates/strict", "editor", strict.dump());
  ASSERT_EQ(check.status, 422) << check.body;
  EXPECT_EQ(check.Json()["errors"][0]["field"], "layouts.mobile_banner.layers[0]");

  // A viewer may not write; an editor's valid PUT bumps the version.
  EXPECT_EQ(Send("PUT", "/api/v1/templates/classic", "viewer", t.dump()).status, 403);
  t["name"] = "Classique de Noël";
  Reply stored = Send("PUT", "/api/v1/templates/classic", "editor", t.dump());
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(stored.Json()["version"], 2);
  EXPECT_EQ(Get("/api/v1/templates/classic").Json()["name"], "Classique de Noël");
  Reply mismatch = Send("PUT", "/api/v1/templates/other", "editor", t.dump());
  EXPECT_EQ(mismatch.status, 400) << mismatch.body;
}

TEST_F(CreativeRoutesTest, ServesACreativeFromTheCacheWithItsKeyAsETag) {
  SeedPublishedOffers();
  const std::string url = "/creatives/" + offer_ + "/square.png?store=PARIS";
  Reply first = Get(url, "");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Header("Content-Type"), "image/png");
  EXPECT_EQ(PngSize(first.body), (std::pair{1080, 1080}));
  EXPECT_EQ(first.Header("X-Creative-Cache"), "miss");
  EXPECT_TRUE(first.Header("Warning").empty());
  const std::string etag = first.Header("ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;

  Reply second = Get(url, "");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.Header("X-Creative-Cache"), "hit");
  EXPECT_EQ(second.Header("ETag"), etag);
  EXPECT_EQ(second.body, first.body);

  Reply not_modified = Get(url, "", {"If-None-Match: " + etag});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());

  Reply bold = Get("/creatives/" + offer_ + "/square.png?store=PARIS&template=bold", "");
  ASSERT_EQ(bold.status, 200);
  EXPECT_NE(bold.Header("ETag"), etag);

  Reply jpeg = Get("/creatives/" + offer_ + "/mobile_banner.jpg?store=PARIS", "");
  ASSERT_EQ(jpeg.status, 200);
  EXPECT_EQ(jpeg.Header("Content-Type"), "image/jpeg");
  EXPECT_LE(jpeg.body.size(), 50000u);

  // A new version of the template is a new creative.
  json t = Get("/api/v1/templates/classic").Json();
  ASSERT_EQ(Send("PUT", "/api/v1/templates/classic", "editor", t.dump()).status, 200);
  Reply after = Get(url, "");
  ASSERT_EQ(after.status, 200);
  EXPECT_NE(after.Header("ETag"), etag);
  EXPECT_EQ(after.Header("X-Creative-Cache"), "miss");
}

// A creative request answered before is answered from what it resolved to only while
// nothing it was drawn from changed: a product edited shows in the next request.
TEST_F(CreativeRoutesTest, AKeptCreativeFollowsTheProductItShows) {
  SeedPublishedOffers();
  const std::string url = "/creatives/" + offer_ + "/square.png?store=PARIS";
  const std::string etag = Get(url, "").Header("ETag");
  Reply kept = Get(url, "");
  ASSERT_EQ(kept.status, 200);
  EXPECT_EQ(kept.Header("ETag"), etag);
  EXPECT_EQ(Get(url, "", {"If-None-Match: " + etag}).status, 304);

  ASSERT_EQ(Send("PUT", "/api/v1/products/P1", "editor",
                 json({{"title", "Chocolat noir 85 % cacao"},
                       {"brand", "Vitrine Sélection"},
                       {"category", "Épicerie sucrée > Chocolat"},
                       {"net_quantity", "200 g"},
                       {"attributes", {{"packshot", "packshot.png"}}}})
                     .dump())
                .status,
            200);
  Reply edited = Get(url, "", {"If-None-Match: " + etag});
  ASSERT_EQ(edited.status, 200) << "the old creative was answered after the product changed";
  EXPECT_NE(edited.Header("ETag"), etag);
  EXPECT_EQ(edited.Header("X-Creative-Cache"), "miss");

  // What was kept for one caller is not another's: a platform sees its channel's offers only.
  EXPECT_EQ(Get(url, "platform").status, 200);
  auto screens = IssueApiToken(h_.Writer(), TokenRequest{"screens", Role::kPlatform, "dooh"});
  ASSERT_TRUE(screens.ok());
  EXPECT_EQ(client_.Fetch(server_->port(), "GET", url, {"Authorization: Bearer " + screens->secret})
                .status,
            404);
}

TEST_F(CreativeRoutesTest, AMissingPackshotIsAPlaceholderWithAWarning) {
  SeedPublishedOffers();
  Reply r = Get("/creatives/" + offer_without_packshot_ + "/half_page.png?store=PARIS", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(PngSize(r.body), (std::pair{300, 600}));
  EXPECT_NE(r.Header("Warning").find("placeholder"), std::string::npos) << r.Header("Warning");
}

TEST_F(CreativeRoutesTest, RefusesWhatIsNotACreative) {
  SeedPublishedOffers();
  EXPECT_EQ(Get("/creatives/" + offer_ + "/poster.png?store=PARIS", "").status, 404);
  EXPECT_EQ(Get("/creatives/" + offer_ + "/square.gif?store=PARIS", "").status, 404);
  EXPECT_EQ(Get("/creatives/" + offer_ + "/square.png", "").status, 400);
  EXPECT_EQ(Get("/creatives/" + offer_ + "/square.png?store=LYON", "").status, 404);
  EXPECT_EQ(Get("/creatives/nope~P9/square.png?store=PARIS", "").status, 404);
  EXPECT_EQ(Get("/creatives/" + offer_ + "/square.png?store=PARIS&template=nope", "").status, 404);
}

TEST_F(CreativeRoutesTest, RendersACampaignInTheBackgroundWithProgress) {
  SeedPublishedOffers();
  Reply started = Send("POST", "/api/v1/campaigns/" + campaign_ + "/render", "editor",
                       json({{"formats", {"square", "mobile_banner", "skyscraper"}}}).dump());
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string location = started.Header("Location");
  ASSERT_TRUE(location.starts_with("/api/v1/jobs/")) << location;
  json job;
  // Polls until the job ends; the bound only keeps a broken job from hanging the suite.
  for (int i = 0; i < 600; ++i) {
    job = Get(location).Json();
    if (job["state"] == "done" || job["state"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["total"], 6);
  EXPECT_EQ(job["done"], 6);
  EXPECT_EQ(job["failed"], 0);
  EXPECT_EQ(job["warnings"], 3);  // P2's placeholder in each format
  EXPECT_EQ(job["progress"], 1.0);
  // The creatives are now in the cache.
  Reply hit = Get("/creatives/" + offer_ + "/skyscraper.png?store=PARIS", "");
  EXPECT_EQ(hit.Header("X-Creative-Cache"), "hit");

  EXPECT_EQ(Send("POST", "/api/v1/campaigns/" + campaign_ + "/render", "viewer", "{}").status, 403);
  EXPECT_EQ(Send("POST", "/api/v1/campaigns/" + campaign_ + "/render", "editor",
                 json({{"formats", {"poster"}}}).dump())
                .status,
            400);
  EXPECT_EQ(Send("POST", "/api/v1/campaigns/nope/render", "editor", "{}").status, 404);
  EXPECT_EQ(Get("/api/v1/jobs/job_999").status, 404);
}

// B3: a campaign's theme was stored but every creative came out in "classic".
TEST_F(CreativeRoutesTest, TheCampaignsThemeDrawsItsCreativesUnlessATemplateIsAsked) {
  SeedPublishedOffers({{"brand_kit", "vitrine-proxi"}, {"templates", {{"square", "bold"}}}});
  const std::string square = "/creatives/" + offer_ + "/square.png?store=PARIS";
  Reply themed = Get(square, "");
  ASSERT_EQ(themed.status, 200) << themed.body;
  EXPECT_EQ(themed.Header("X-Creative-Template"), "bold");
  EXPECT_TRUE(themed.Header("Warning").empty()) << themed.Header("Warning");
  // The same creative as asking for bold explicitly: the theme's kit applies to both.
  Reply bold = Get(square + "&template=bold", "");
  ASSERT_EQ(bold.status, 200);
  EXPECT_EQ(bold.Header("ETag"), themed.Header("ETag"));
  // An explicit template wins over the theme.
  Reply classic = Get(square + "&template=classic", "");
  ASSERT_EQ(classic.status, 200);
  EXPECT_EQ(classic.Header("X-Creative-Template"), "classic");
  EXPECT_NE(classic.Header("ETag"), themed.Header("ETag"));
  EXPECT_NE(classic.body, themed.body);
  // A format the theme leaves out takes the server's default template, in the theme's kit.
  Reply story = Get("/creatives/" + offer_ + "/story.png?store=PARIS", "");
  ASSERT_EQ(story.status, 200);
  EXPECT_EQ(story.Header("X-Creative-Template"), "classic");

  // The leaflet's creative link, which names no template, gets the theme's too.
  ASSERT_TRUE(h_.feeds().RegenerateStale().ok());
  Reply leaflet = Get("/feeds/leaflet.json");
  ASSERT_EQ(leaflet.status, 200) << leaflet.body;
  const std::string link = leaflet.Json()["campaigns"][0]["offers"][0]["creatives"]["square"];
  const size_t path = link.find("/creatives/");
  ASSERT_NE(path, std::string::npos) << link;
  Reply linked = Get(link.substr(path), "");
  ASSERT_EQ(linked.status, 200) << link;
  EXPECT_EQ(linked.Header("X-Creative-Template"), "bold");

  // The campaign render job draws with the theme too, and says so.
  Reply started = Send("POST", "/api/v1/campaigns/" + campaign_ + "/render", "editor",
                       json({{"formats", {"square", "story"}}}).dump());
  ASSERT_EQ(started.status, 202) << started.body;
  const json job = started.Json();
  EXPECT_TRUE(job["template"].is_null()) << job.dump();
  EXPECT_EQ(job["templates"], json({{"square", "bold"}, {"story", "classic"}})) << job.dump();
  EXPECT_EQ(job["brand_kit"], "vitrine-proxi");
}

// The cache keys on the template a creative is drawn with, so a theme change shows at once;
// a theme naming what does not exist keeps the creative, drawn with the default, and says so.
TEST_F(CreativeRoutesTest, AThemeChangeShowsAtOnceAndAnUnknownTemplateFallsBack) {
  SeedPublishedOffers({{"templates", {{"square", "bold"}}}});
  const std::string square = "/creatives/" + offer_ + "/square.png?store=PARIS";
  Reply before = Get(square, "");
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.Header("X-Creative-Template"), "bold");

  Reply read = Get("/api/v1/campaigns/" + campaign_);
  ASSERT_EQ(read.status, 200);
  Reply patched = client_.Fetch(
      server_->port(), "PATCH", "/api/v1/campaigns/" + campaign_,
      [&] {
        std::vector<std::string> headers = h_.AuthFor("editor");
        headers.push_back("Content-Type: application/json");
        headers.push_back("If-Match: " + read.Header("ETag"));
        return headers;
      }(),
      json({{"theme", {{"templates", {{"square", "minimal"}, {"story", "nope"}}}}}}).dump());
  ASSERT_EQ(patched.status, 200) << patched.body;
  // The live campaign keeps its look until the revision carrying the new one is approved.
  EXPECT_EQ(Get(square, "").Header("X-Creative-Template"), "bold");
  const std::string revision = "/api/v1/campaigns/" + campaign_ + "/revision/transitions";
  ASSERT_EQ(Send("POST", revision, "editor", json({{"to", "submitted"}}).dump()).status, 200);
  ASSERT_EQ(Send("POST", revision, "approver", json({{"to", "approved"}}).dump()).status, 200);
  Reply after = Get(square, "");
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.Header("X-Creative-Template"), "minimal");
  EXPECT_EQ(after.Header("X-Creative-Cache"), "miss");
  EXPECT_NE(after.Header("ETag"), before.Header("ETag"));

  Reply fallback = Get("/creatives/" + offer_ + "/story.png?store=PARIS", "");
  ASSERT_EQ(fallback.status, 200) << fallback.body;
  EXPECT_EQ(fallback.Header("X-Creative-Template"), "classic");
  EXPECT_NE(fallback.Header("Warning").find("unknown template \\\"nope\\\""), std::string::npos)
      << fallback.Header("Warning");
}

}  // namespace
}  // namespace vitrine::testing
