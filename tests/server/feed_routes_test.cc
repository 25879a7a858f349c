// The feed routes over a real socket and a SQLite file: ETag and 304, gzip, Last-Modified,
// 404 problems, platform scoping, ?token=, pull accounting, and downloads racing
// regenerations that are never torn.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include "api_fixture.h"

namespace vitrine {
namespace {

using nlohmann::json;
using testing::ApiClient;
using testing::ApiHarness;
using testing::Gunzip;
using ::testing::HasSubstr;
using testing::Reply;
using ::testing::StartsWith;

// The ETag a snapshot of `body` carries: CRC-32 and size, in hex.
std::string ETagOf(const std::string& body) {
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size());
  char text[64];
  std::snprintf(text, sizeof text, "\"%lx-%zx\"", static_cast<unsigned long>(crc), body.size());
  return text;
}

class FeedRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.CreateAccounts();
    TokenRequest meta{"meta platform", Role::kPlatform, "meta"};
    auto issued = IssueApiToken(h_.Writer(), meta);
    ASSERT_TRUE(issued.ok());
    meta_token_ = issued->secret;
    Seed(/*round=*/0);
    port_ = h_.StartServer().port();
  }

  // 20 stores, 60 products, one approved campaign on google, meta and leaflet with offers
  // for every product in every store; `round` moves the prices.
  void Seed(int round) {
    SqliteDatabase& db = h_.db();
    const Instant now = h_.clock().Now();
    if (round == 0) {
      std::vector<Store> stores;
      for (int s = 0; s < 20; ++s) {
        Store store;
        store.id = "S" + std::to_string(100 + s);
        store.name = "Magasin " + std::to_string(s);
        store.price_zone = "Z1";
        store.services = {"click_and_collect"};
        stores.push_back(store);
      }
      ASSERT_TRUE(db.PutStores(stores, now).ok());
      std::vector<Product> products;
      for (int p = 0; p < 60; ++p) {
        Product product;
        product.id = "P" + std::to_string(1000 + p);
        product.title = "Produit & <numéro> " + std::to_string(p);
        product.brand = "Marque";
        product.image_url = "https://img.example/" + product.id + ".jpg";
        products.push_back(product);
      }
      ASSERT_TRUE(db.PutProducts(products, now).ok());
      Campaign campaign;
      campaign.name = "Semaine";
      campaign.start_local = LocalTime(std::chrono::seconds(ToUnixSeconds(now)));
      campaign.end_local = LocalTime(std::chrono::seconds(ToUnixSeconds(now) + 7 * 86400));
      campaign.channels = {"google", "leaflet", "meta"};
      campaign.status = CampaignStatus::kApproved;
      auto c = db.CreateCampaign(campaign, now);
      ASSERT_TRUE(c.ok());
      campaign_id_ = c->id;
      Promotion promotion;
      promotion.campaign_id = campaign_id_;
      promotion.selector.product_ids = {"P1000"};
      promotion.mechanic = PercentOff{20};
      auto p = db.CreatePromotion(promotion);
      ASSERT_TRUE(p.ok());
      promotion_id_ = p->id;
    }
    std::vector<PublishedOffer> offers;
    for (int p = 0; p < 60; ++p) {
      for (int s = 0; s < 20; ++s) {
        PublishedOffer o;
        o.product_id = "P" + std::to_string(1000 + p);
        o.offer_id = promotion_id_ + "~" + o.product_id;
        o.store_id = "S" + std::to_string(100 + s);
        o.campaign_id = campaign_id_;
        o.promotion_id = promotion_id_;
        o.channels = {"google", "leaflet", "meta"};
        o.validity = {h_.clock().Now(), h_.clock().Now() + std::chrono::hours(24 * 7)};
        o.timezone = "Europe/Paris";
        o.regular_price = Money::Euros(500);
        o.shelf_price = Money::Euros(400 - round);
        o.effective_unit_price = o.shelf_price;
        o.mechanic = "percent_off";
        o.mechanic_parameters = {{"percent", 20}};
        o.badge = "-20%";
        o.stock_quantity = 10;
        o.availability = Availability::kInStock;
        o.content_hash = ContentHash(o);
        offers.push_back(o);
      }
    }
    ASSERT_TRUE(db.ReplaceOffers({{promotion_id_}, {}, {}}, offers).ok());
  }

  Reply Get(const std::string& path, const std::string& who = "viewer",
            std::vector<std::string> extra = {}) {
    std::vector<std::string> headers = h_.AuthFor(who);
    headers.insert(headers.end(), extra.begin(), extra.end());
    return client_.Fetch(port_, "GET", path, headers);
  }

  ApiHarness h_;
  ApiClient client_;
  int port_ = 0;
  std::string meta_token_;
  std::string campaign_id_;
  std::string promotion_id_;
};

TEST_F(FeedRoutesTest, EveryFeedIsServedWithAStrongETagAndRevalidates) {
  for (const FeedFormatInfo& info : AllFeedFormats()) {
    SCOPED_TRACE(info.url_path);
    Reply r = Get(std::string(info.url_path));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(r.body.empty());
    EXPECT_EQ(r.Header("ETag"), ETagOf(r.body));
    EXPECT_THAT(r.Header("Content-Type"),
                StartsWith(std::string(info.content_type.substr(0, info.content_type.find(';')))));
    EXPECT_EQ(r.Header("Vary"), "Accept-Encoding");
    EXPECT_THAT(r.Header("Last-Modified"), HasSubstr("GMT"));
    Reply again = Get(std::string(info.url_path), "viewer", {"If-None-Match: " + r.Header("ETag")});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(again.Header("ETag"), r.Header("ETag"));
    Reply other = Get(std::string(info.url_path), "viewer", {"If-None-Match: \"other\""});
    EXPECT_EQ(other.status, 200);
  }
}

TEST_F(FeedRoutesTest, ChangedOffersGiveANewETagOnceRegenerated) {
  Reply before = Get("/feeds/google/local-inventory.xml");
  ASSERT_EQ(before.status, 200);
  EXPECT_THAT(before.body, HasSubstr("<g:sale_price>4.00 EUR</g:sale_price>"));
  // An unchanged regeneration keeps the ETag and Last-Modified.
  h_.feeds().MarkStale();
  h_.clock().Advance(std::chrono::seconds(60));
  ASSERT_TRUE(h_.feeds().RegenerateStale().ok());
  Reply same = Get("/feeds/google/local-inventory.xml", "viewer",
                   {"If-None-Match: " + before.Header("ETag")});
  EXPECT_EQ(same.status, 304);
  Seed(/*round=*/1);
  // Until regenerated, the previous snapshot is served whole.
  EXPECT_EQ(Get("/feeds/google/local-inventory.xml").body, before.body);
  h_.feeds().MarkStale();
  ASSERT_TRUE(h_.feeds().RegenerateStale().ok());
  Reply after = Get("/feeds/google/local-inventory.xml", "viewer",
                    {"If-None-Match: " + before.Header("ETag")});
  ASSERT_EQ(after.status, 200);
  EXPECT_NE(after.Header("ETag"), before.Header("ETag"));
  EXPECT_THAT(after.body, HasSubstr("<g:sale_price>3.99 EUR</g:sale_price>"));
  EXPECT_NE(after.Header("Last-Modified"), before.Header("Last-Modified"));
}

// A product titled like a spreadsheet formula reaches the served offers CSV as text, for
// staff and for a platform's own rows alike.
TEST_F(FeedRoutesTest, TheOffersCsvServesAFormulaTitleAsText) {
  Product product;
  product.id = "P1000";
  product.title = "=HYPERLINK(\"http://x.example\",\"Promo\")";
  product.brand = "@Marque";
  product.image_url = "https://img.example/P1000.jpg";
  ASSERT_TRUE(h_.db().PutProducts(std::vector<Product>{product}, h_.clock().Now()).ok());
  h_.feeds().MarkStale();
  ASSERT_TRUE(h_.feeds().RegenerateStale().ok());
  for (const std::string who : {"viewer", "platform"}) {
    SCOPED_TRACE(who);
    Reply csv = Get("/feeds/offers.csv", who);
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_THAT(csv.body,
                HasSubstr(",\"'=HYPERLINK(\"\"http://x.example\"\",\"\"Promo\"\")\",'@Marque,"));
    EXPECT_THAT(csv.body, ::testing::Not(HasSubstr(",\"=HYPERLINK")));
    EXPECT_THAT(csv.body, HasSubstr(",4.00,"));  // prices untouched
  }
}

TEST_F(FeedRoutesTest, GzipWhenAcceptedWithItsOwnETag) {
  Reply plain = Get("/feeds/leaflet.json");
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.Header("Content-Encoding"), "");
  Reply gz = Get("/feeds/leaflet.json", "viewer", {"Accept-Encoding: br, gzip;q=0.8"});
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.Header("Vary"), "Accept-Encoding");
  EXPECT_LT(gz.body.size(), plain.body.size());
  EXPECT_EQ(Gunzip(gz.body), plain.body);
  EXPECT_NE(gz.Header("ETag"), plain.Header("ETag"));
  EXPECT_EQ(Get("/feeds/leaflet.json", "viewer",
                {"Accept-Encoding: gzip", "If-None-Match: " + gz.Header("ETag")})
                .status,
            304);
  // gzip;q=0 refuses it.
  EXPECT_EQ(Get("/feeds/leaflet.json", "viewer", {"Accept-Encoding: gzip;q=0"})
                .Header("Content-Encoding"),
            "");
}

TEST_F(FeedRoutesTest, StoreAndCampaignVariantsAndTheir404s) {
  Reply store = Get("/feeds/google/local-inventory.xml?store=S105");
  ASSERT_EQ(store.status, 200);
  EXPECT_THAT(store.body, HasSubstr("<g:store_code>S105</g:store_code>"));
  EXPECT_THAT(store.body, ::testing::Not(HasSubstr("<g:store_code>S106</g:store_code>")));
  EXPECT_EQ(Get("/feeds/leaflet.xml?campaign=" + campaign_id_).status, 200);

  Reply unknown_store = Get("/feeds/google/products.xml?store=NOWHERE");
  EXPECT_EQ(unknown_store.status, 404);
  EXPECT_THAT(unknown_store.Header("Content-Type"), StartsWith("application/problem+json"));
  EXPECT_THAT(unknown_store.Json().value("detail", ""), HasSubstr("NOWHERE"));
  Reply unknown_campaign = Get("/feeds/leaflet.json?campaign=C99999999");
  EXPECT_EQ(unknown_campaign.status, 404);
  EXPECT_THAT(unknown_campaign.Header("Content-Type"), StartsWith("application/problem+json"));
  EXPECT_EQ(Get("/feeds/leaflet.json?store=a%20b").status, 400);
}

TEST_F(FeedRoutesTest, UnknownQueryParametersAre400NamingThem) {
  for (const auto& [path, field] : std::vector<std::pair<std::string, std::string>>{
           {"/feeds/leaflet.json?stores=S105", "stores"},
           {"/feeds/google/promotions.xml?store=S105&campain=C1", "campain"},
           {"/feeds/offers.csv?channel=google", "channel"},
           {"/feeds/meta/catalog.xml?token=" + meta_token_ + "&format=csv", "format"}}) {
    SCOPED_TRACE(path);
    Reply r = Get(path, path.find("token=") == std::string::npos ? "viewer" : "");
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_THAT(r.Header("Content-Type"), StartsWith("application/problem+json"));
    const json problem = r.Json();
    ASSERT_EQ(problem["errors"].size(), 1u) << r.body;
    EXPECT_EQ(problem["errors"][0]["field"], field);
    EXPECT_THAT(problem.value("detail", ""), HasSubstr("store, campaign, token"));
  }
  // The declared ones still serve.
  EXPECT_EQ(Get("/feeds/google/promotions.xml?store=S105&campaign=" + campaign_id_).status, 200);
}

TEST_F(FeedRoutesTest, PlatformTokensPullTheirOwnChannelAlsoByUrlToken) {
  EXPECT_EQ(Get("/feeds/google/products.xml", "platform").status, 200);
  // Another channel's feed does not exist for a platform, as other channels' offers do not.
  Reply meta_by_google = Get("/feeds/meta/catalog.xml", "platform");
  EXPECT_EQ(meta_by_google.status, 404);
  EXPECT_THAT(meta_by_google.Json().value("detail", ""), HasSubstr("google"));
  EXPECT_EQ(Get("/feeds/leaflet.json", "platform").status, 404);
  // A platform that can only fetch a URL.
  EXPECT_EQ(Get("/feeds/meta/catalog.xml?token=" + meta_token_, "").status, 200);
  EXPECT_EQ(Get("/feeds/google/products.xml?token=" + meta_token_, "").status, 404);
  EXPECT_EQ(Get("/feeds/meta/catalog.xml?token=wrong", "").status, 401);
  EXPECT_EQ(Get("/feeds/meta/catalog.xml", "").status, 401);
  // ...and nowhere else.
  EXPECT_EQ(Get("/api/v1/offers?token=" + meta_token_, "").status, 401);
  // The offers CSV holds every channel; a platform gets its own channel's rows.
  Reply csv = Get("/feeds/offers.csv?token=" + meta_token_, "");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 1 + 60 * 20);
}

TEST_F(FeedRoutesTest, PullsAreCountedPerPlatformAndFeed) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Get("/feeds/google/products.xml", "platform").status, 200);
  ASSERT_EQ(Get("/feeds/meta/catalog.xml?token=" + meta_token_, "").status, 200);
  ASSERT_EQ(Get("/feeds/leaflet.xml").status, 200);
  Reply metrics = Get("/metrics", "");
  EXPECT_THAT(
      metrics.body,
      HasSubstr("vitrine_feed_pulls_total{platform=\"google\",feed=\"google-products\"} 3"));
  EXPECT_THAT(metrics.body,
              HasSubstr("vitrine_feed_pulls_total{platform=\"meta\",feed=\"meta-catalog\"} 1"));
  json stats = Get("/api/v1/stats").Json();
  EXPECT_EQ(stats["feed_pulls"]["google"]["google-products"], 3);
  EXPECT_EQ(stats["feed_pulls"]["backoffice"]["leaflet-xml"], 1);
}

TEST_F(FeedRoutesTest, PullsAreLoggedInTheDatabaseAndOutliveTheServer) {
  ASSERT_EQ(Get("/feeds/google/products.xml", "platform").status, 200);
  const std::string etag = Get("/feeds/google/products.xml").Header("ETag");
  ASSERT_EQ(Get("/feeds/google/products.xml", "platform", {"If-None-Match: " + etag}).status, 304);
  ASSERT_EQ(Get("/feeds/leaflet.json?store=S105").status, 200);
  // A new server over the same database: the log was not in the old one's memory.
  h_.StopServers();
  port_ = h_.StartServer().port();

  Reply page = Get("/api/v1/feeds/pulls?platform=google");
  ASSERT_EQ(page.status, 200) << page.body;
  json pulls = page.Json()["pulls"];
  ASSERT_EQ(pulls.size(), 2u);
  EXPECT_EQ(pulls[0]["status"], 304);  // newest first
  EXPECT_EQ(pulls[0]["bytes"], 0);
  EXPECT_EQ(pulls[0]["etag"], etag);
  EXPECT_EQ(pulls[0]["feed"], "google/products.xml");
  EXPECT_EQ(pulls[0]["saw_latest"], true);
  EXPECT_EQ(pulls[1]["status"], 200);
  EXPECT_GT(pulls[1]["bytes"].get<int64_t>(), 0);
  EXPECT_THAT(pulls[1]["actor"].get<std::string>(), ::testing::StartsWith("token:"));
  EXPECT_EQ(Get("/api/v1/feeds/pulls?feed=leaflet.json%3Fstore%3DS105").Json()["pulls"].size(), 1u);

  // Pages of one, through the cursor.
  json first = Get("/api/v1/feeds/pulls?limit=1").Json();
  ASSERT_EQ(first["pulls"].size(), 1u);
  EXPECT_EQ(first["pulls"][0]["feed"], "leaflet.json?store=S105");
  ASSERT_TRUE(first["next_cursor"].is_string());
  json second =
      Get("/api/v1/feeds/pulls?limit=1&cursor=" + first["next_cursor"].get<std::string>()).Json();
  EXPECT_EQ(second["pulls"][0]["platform"], "google");  // the 304, pulled just before
  EXPECT_EQ(second["pulls"][0]["status"], 304);
  EXPECT_EQ(Get("/api/v1/feeds/pulls?limit=0").status, 400);
  EXPECT_EQ(Get("/api/v1/feeds/pulls?cursor=zz").status, 400);
  EXPECT_EQ(Get("/api/v1/feeds/pulls?since=1").status, 400);
}

TEST_F(FeedRoutesTest, TheFeedListShowsEachSnapshotAndWhetherEachPlatformSawTheLatest) {
  // Nothing generated yet: the list says so rather than generating.
  json feeds = Get("/api/v1/feeds").Json()["feeds"];
  ASSERT_EQ(feeds.size(), AllFeedFormats().size());
  EXPECT_EQ(feeds[0]["feed"], "google/products.xml");
  EXPECT_EQ(feeds[0]["path"], "/feeds/google/products.xml");
  EXPECT_EQ(feeds[0]["channel"], "google");
  EXPECT_TRUE(feeds[0]["generated_at"].is_null());
  EXPECT_TRUE(feeds[0]["pulls"].empty());

  Reply pulled = Get("/feeds/google/products.xml", "platform");
  ASSERT_EQ(pulled.status, 200);
  feeds = Get("/api/v1/feeds").Json()["feeds"];
  EXPECT_EQ(feeds[0]["etag"], pulled.Header("ETag"));
  EXPECT_EQ(feeds[0]["bytes"], pulled.body.size());
  EXPECT_EQ(feeds[0]["items"], 60);
  EXPECT_TRUE(feeds[0]["generated_at"].is_string());
  ASSERT_EQ(feeds[0]["pulls"].size(), 1u);
  EXPECT_EQ(feeds[0]["pulls"][0]["platform"], "google");
  EXPECT_EQ(feeds[0]["pulls"][0]["saw_latest"], true);

  // New prices, a new snapshot: Google's last pull no longer saw the latest.
  Seed(/*round=*/1);
  h_.feeds().MarkStale();
  ASSERT_TRUE(h_.feeds().RegenerateStale().ok());
  feeds = Get("/api/v1/feeds").Json()["feeds"];
  EXPECT_NE(feeds[0]["etag"], pulled.Header("ETag"));
  EXPECT_EQ(feeds[0]["pulls"][0]["saw_latest"], false);
  ASSERT_EQ(Get("/feeds/google/products.xml", "platform").status, 200);
  EXPECT_EQ(Get("/api/v1/feeds").Json()["feeds"][0]["pulls"][0]["saw_latest"], true);
  EXPECT_EQ(Get("/api/v1/feeds?x=1").status, 400);
}

TEST_F(FeedRoutesTest, ASampleShowsTheFirstItemsOfEachFeedAndIsNotAPull) {
  // Nothing generated yet: a sample never generates one.
  Reply none = Get("/api/v1/feeds/google-products/sample");
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("no snapshot yet"), std::string::npos) << none.body;

  json feeds = Get("/api/v1/feeds").Json()["feeds"];
  for (const json& feed : feeds) {
    const std::string name = feed["name"];
    ASSERT_TRUE(ParseFeedFormat(name).has_value()) << name;
    ASSERT_TRUE(h_.feeds().Get(FeedKey{*ParseFeedFormat(name), "", "", ""}).ok()) << name;
    Reply sample = Get("/api/v1/feeds/" + name + "/sample?limit=3");
    ASSERT_EQ(sample.status, 200) << name << ": " << sample.body;
    json body = sample.Json();
    EXPECT_EQ(body["feed"], feed["feed"]);
    // Three items, or all of them (one promotion makes one item of the promotions feed).
    const int in_feed = body["items_in_feed"];
    ASSERT_GE(in_feed, 1) << name;
    ASSERT_EQ(body["items"].size(), static_cast<size_t>(std::min(3, in_feed))) << name;
    // Each item names its offer or product: the field platforms key it by.
    const std::string key = name == "offers-csv"          ? "offer_id"
                            : name == "leaflet-json"      ? "offer_id"
                            : name == "leaflet-xml"       ? "@id"
                            : name == "google-promotions" ? "g:promotion_id"
                                                          : "g:id";
    for (const json& item : body["items"]) {
      bool found = false;
      for (const json& field : item["fields"]) {
        if (field["name"] == key && !field["value"].get<std::string>().empty()) found = true;
      }
      EXPECT_TRUE(found) << name << " item without " << key << ": " << item.dump();
    }
  }
  // The first product of the Google feed is the first <item> of the file, field by field.
  Reply file = Get("/feeds/google/products.xml");
  json first = Get("/api/v1/feeds/google-products/sample?limit=1").Json()["items"][0]["fields"];
  ASSERT_GE(first.size(), 5u);
  EXPECT_EQ(first[0]["name"], "g:id");
  EXPECT_NE(file.body.find("<item>\n<g:id>" + first[0]["value"].get<std::string>() + "</g:id>"),
            std::string::npos);

  // Samples are the back office reading, not a platform pulling: one pull in the log (the
  // download above), none for the samples.
  EXPECT_EQ(Get("/api/v1/feeds/pulls").Json()["pulls"].size(), 1u);

  EXPECT_EQ(Get("/api/v1/feeds/google-products/sample?limit=0").status, 400);
  EXPECT_EQ(Get("/api/v1/feeds/google-products/sample?limit=101").status, 400);
  EXPECT_EQ(Get("/api/v1/feeds/google-products/sample?limit=2x").status, 400);
  EXPECT_EQ(Get("/api/v1/feeds/google-products/sample?store=S1").status, 400);
  EXPECT_EQ(Get("/api/v1/feeds/nope/sample").status, 404);
  EXPECT_EQ(Get("/api/v1/feeds/google-products/sample", "").status, 401);
}

TEST_F(FeedRoutesTest, DownloadsDuringRegenerationAreNeverTorn) {
  ASSERT_EQ(Get("/feeds/google/local-inventory.xml").status, 200);
  std::atomic<bool> done{false};
  std::thread regenerate([&] {
    for (int round = 1; round <= 15; ++round) {
      Seed(round);
      h_.feeds().MarkStale();
      EXPECT_TRUE(h_.feeds().RegenerateStale().ok());
    }
    done = true;
  });
  ApiClient client;
  int downloads = 0;
  std::set<std::string> etags;
  while (!done || downloads < 5) {
    Reply r = client.Fetch(port_, "GET", "/feeds/google/local-inventory.xml", h_.AuthFor("viewer"));
    ASSERT_EQ(r.status, 200);
    ++downloads;
    // The body is exactly the snapshot its ETag names, and a whole feed.
    EXPECT_EQ(r.Header("ETag"), ETagOf(r.body));
    EXPECT_TRUE(r.body.ends_with("</channel>\n</rss>\n"));
    etags.insert(r.Header("ETag"));
  }
  regenerate.join();
  EXPECT_GT(etags.size(), 1u) << "the downloads never overlapped a regeneration";
}

}  // namespace
}  // namespace vitrine
