// The HTTP API v1 end to end: a real server on 127.0.0.1 over a SQLite file in a fresh
// directory, spoken to with libcurl. Every route on its happy path, the role matrix over the
// route table, docs/openapi.json against the route table, every error of the contract as
// problem+json, shutdown with a request in flight, and a restart over the same file.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "api_fixture.h"
#include "server/rate_limiter.h"
#include "server/web.h"

namespace vitrine::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// ---- helpers ----------------------------------------------------------------------------

// Percent-encodes a query value (UTF-8 bytes included).
std::string Encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A GTIN-13 from its first twelve digits.
std::string Gtin13(const std::string& twelve) {
  int sum = 0;
  for (size_t i = 0; i < 12; ++i) sum += (twelve[i] - '0') * (i % 2 == 0 ? 1 : 3);
  return twelve + static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::vector<std::string> Ids(const json& items, const char* key = "id") {
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item.at(key).get<std::string>());
  return ids;
}

// Checks the problem+json shape of an error and returns the problem.
json ExpectProblem(const Reply& r, int status) {
  EXPECT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json") << r.body;
  json p = r.Json();
  if (!p.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << r.body;
    return json::object();
  }
  EXPECT_EQ(p.value("status", 0), status);
  EXPECT_TRUE(p.contains("title") && p["title"].is_string() && !p["title"].empty()) << r.body;
  EXPECT_TRUE(p.contains("detail") && p["detail"].is_string()) << r.body;
  EXPECT_TRUE(p.contains("type")) << r.body;
  EXPECT_FALSE(r.Header("X-Request-Id").empty());
  EXPECT_EQ(p.value("instance", ""), r.Header("X-Request-Id"));
  return p;
}

// The errors[].field values of a problem.
std::vector<std::string> ErrorFields(const json& problem) {
  std::vector<std::string> fields;
  if (!problem.contains("errors")) return fields;
  for (const auto& e : problem["errors"]) fields.push_back(e.value("field", ""));
  return fields;
}

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

void ExpectJson(const Reply& r, int status) {
  EXPECT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_TRUE(r.Header("Content-Type").starts_with("application/json")) << r.Header("Content-Type");
  EXPECT_FALSE(r.Json().is_discarded()) << r.body;
}

// The value of the session cookie set by a response; nullopt when none.
std::optional<std::string> SetCookieValue(const Reply& r, std::string* whole = nullptr) {
  for (const std::string& cookie : r.Headers("Set-Cookie")) {
    const std::string prefix = std::string(kSessionCookie) + "=";
    if (!cookie.starts_with(prefix)) continue;
    if (whole) *whole = cookie;
    const size_t end = cookie.find(';');
    return cookie.substr(prefix.size(), end == std::string::npos ? end : end - prefix.size());
  }
  return std::nullopt;
}

// A harmless path for a route pattern: every {param} becomes "x".
std::string FillPattern(const std::string& pattern) {
  std::string out;
  bool in_param = false;
  for (char c : pattern) {
    if (c == '{') {
      in_param = true;
      out += 'x';
    } else if (c == '}') {
      in_param = false;
    } else if (!in_param) {
      out += c;
    }
  }
  return out;
}

// ---- fixture ------------------------------------------------------------------------------

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    h_.CreateAccounts();
    server_ = &h_.StartServer();
  }

  int port() const { return server_->port(); }

  // `who` is a role name whose token is sent ("" for none).
  Reply Get(const std::string& path, const std::string& who = "viewer",
            std::vector<std::string> extra = {}) {
    std::vector<std::string> headers = h_.AuthFor(who);
    headers.insert(headers.end(), extra.begin(), extra.end());
    return client_.Fetch(port(), "GET", path, headers);
  }
  Reply Send(const std::string& method, const std::string& path, const std::string& who,
             const std::optional<std::string>& body,
             const std::string& content_type = "application/json",
             std::vector<std::string> extra = {}) {
    std::vector<std::string> headers = h_.AuthFor(who);
    if (!content_type.empty()) headers.push_back("Content-Type: " + content_type);
    headers.insert(headers.end(), extra.begin(), extra.end());
    return client_.Fetch(port(), method, path, headers, body);
  }
  Reply Put(const std::string& path, const json& body, const std::string& who = "editor") {
    return Send("PUT", path, who, body.dump());
  }
  Reply Delete(const std::string& path, const std::string& who = "editor") {
    return Send("DELETE", path, who, std::nullopt, "");
  }

  // Follows next_cursor from `first` (a path with a query) and returns every item.
  json CollectPages(const std::string& first, const std::string& who, int* pages) {
    json all = json::array();
    std::string path = first;
    *pages = 0;
    for (int guard = 0; guard < 1000; ++guard) {
      Reply r = Get(path, who);
      EXPECT_EQ(r.status, 200) << path << ": " << r.body;
      if (r.status != 200) break;
      json page = r.Json();
      ++*pages;
      for (auto& item : page["items"]) all.push_back(item);
      if (page["next_cursor"].is_null()) break;
      path = first + "&cursor=" + Encode(page["next_cursor"].get<std::string>());
    }
    return all;
  }

  // Stores PARIS and VERSAILLES (zone Z-IDF), LYON (zone Z-SUD); products P1 and P2.
  void SeedSmallCatalog() {
    ASSERT_EQ(Put("/api/v1/stores/PARIS", {{"name", "Paris Rivoli"},
                                           {"lat", 48.8566},
                                           {"lon", 2.3522},
                                           {"price_zone", "Z-IDF"},
                                           {"city", "Paris"},
                                           {"services", {"drive"}}})
                  .status,
              201);
    ASSERT_EQ(Put("/api/v1/stores/VERSAILLES", {{"name", "Versailles Chantiers"},
                                                {"lat", 48.8049},
                                                {"lon", 2.1204},
                                                {"price_zone", "Z-IDF"}})
                  .status,
              201);
    ASSERT_EQ(Put("/api/v1/stores/LYON", {{"name", "Lyon Part-Dieu"},
                                          {"lat", 45.7640},
                                          {"lon", 4.8357},
                                          {"price_zone", "Z-SUD"}})
                  .status,
              201);
    ASSERT_EQ(Put("/api/v1/products/P1", {{"title", "Café moulu"}, {"brand", "Lavazza"}}).status,
              201);
    ASSERT_EQ(Put("/api/v1/products/P2", {{"title", "Thé vert"}, {"brand", "Kusmi"}}).status, 201);
  }

  ApiHarness h_;
  HttpServer* server_ = nullptr;
  ApiClient client_;
};

// ---- 1. every route on its happy path ------------------------------------------------------

TEST_F(ApiTest, ProductsPutGetSearchPageAndDelete) {
  const std::string gtin = Gtin13("301762042200");
  Reply created = Put("/api/v1/products/SKU-1", {{"title", "Crème fraîche épaisse"},
                                                 {"brand", "Président"},
                                                 {"gtin", gtin},
                                                 {"category", "Crèmerie > Crème"},
                                                 {"net_quantity", "20 cl"}});
  ExpectJson(created, 201);
  EXPECT_EQ(created.Json()["id"], "SKU-1");
  EXPECT_EQ(created.Json()["title"], "Crème fraîche épaisse");
  EXPECT_EQ(created.Json()["gtin"], gtin);

  Reply updated = Put("/api/v1/products/SKU-1", {{"title", "Crème fraîche épaisse 30%"},
                                                 {"brand", "Président"},
                                                 {"gtin", gtin},
                                                 {"category", "Crèmerie > Crème"}});
  ExpectJson(updated, 200);
  EXPECT_EQ(updated.Json()["title"], "Crème fraîche épaisse 30%");

  for (int i = 1; i <= 6; ++i) {
    const std::string id = "TEA-" + std::to_string(i);
    ASSERT_EQ(Put("/api/v1/products/" + id, {{"title", "Thé noir n°" + std::to_string(i)},
                                             {"brand", "Kusmi"},
                                             {"category", "Épicerie > Thé"}})
                  .status,
              201);
  }
  ASSERT_EQ(
      Put("/api/v1/products/CHOC",
          {{"title", "Chocolat noir"}, {"brand", "Lindt"}, {"category", "Épicerie > Chocolat"}})
          .status,
      201);

  Reply one = Get("/api/v1/products/SKU-1");
  ExpectJson(one, 200);
  EXPECT_EQ(one.Json()["title"], "Crème fraîche épaisse 30%");
  EXPECT_EQ(one.Json()["brand"], "Président");

  Reply all = Get("/api/v1/products");
  ExpectJson(all, 200);
  ASSERT_TRUE(all.Json()["items"].is_array());
  EXPECT_EQ(all.Json()["items"].size(), 8u);
  EXPECT_TRUE(all.Json()["next_cursor"].is_null());

  // Accent- and case-insensitive search, several words.
  for (const char* q : {"creme", "CRÈME", "fraiche epaisse", "président"}) {
    Reply r = Get("/api/v1/products?q=" + Encode(q));
    ExpectJson(r, 200);
    EXPECT_EQ(Ids(r.Json()["items"]), std::vector<std::string>{"SKU-1"}) << q;
  }
  Reply category = Get("/api/v1/products?category=" + Encode("Épicerie") + "&limit=1000");
  ExpectJson(category, 200);
  EXPECT_EQ(category.Json()["items"].size(), 7u);
  Reply tea = Get("/api/v1/products?category=" + Encode("Épicerie > Thé"));
  EXPECT_EQ(tea.Json()["items"].size(), 6u);
  Reply brand = Get("/api/v1/products?brand=kusmi");
  EXPECT_EQ(brand.Json()["items"].size(), 6u);
  Reply by_gtin = Get("/api/v1/products?gtin=" + gtin);
  EXPECT_EQ(Ids(by_gtin.Json()["items"]), std::vector<std::string>{"SKU-1"});
  Reply none = Get("/api/v1/products?q=introuvable");
  ExpectJson(none, 200);
  EXPECT_TRUE(none.Json()["items"].empty());

  // Paging through every page with a small limit gives every product once, in id order.
  int pages = 0;
  json paged = CollectPages("/api/v1/products?limit=3", "viewer", &pages);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(Ids(paged), Ids(all.Json()["items"]));
  std::vector<std::string> sorted = Ids(paged);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Ids(paged), sorted);
  Reply limited = Get("/api/v1/products?limit=2");
  EXPECT_EQ(limited.Json()["items"].size(), 2u);
  EXPECT_TRUE(limited.Json()["next_cursor"].is_string());
  // Filters and paging combine.
  json tea_paged = CollectPages("/api/v1/products?brand=Kusmi&limit=4", "viewer", &pages);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(tea_paged.size(), 6u);

  Reply deleted = Delete("/api/v1/products/SKU-1");
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  ExpectProblem(Get("/api/v1/products/SKU-1"), 404);
  ExpectProblem(Delete("/api/v1/products/SKU-1"), 404);
}

TEST_F(ApiTest, AProductReadAgainAfterAWriteThroughTheServerIsTheNewOne) {
  // GET /products/{id} keeps the bodies it served: every write path must forget them.
  ASSERT_EQ(Put("/api/v1/products/KEPT", {{"title", "Avant"}}).status, 201);
  EXPECT_EQ(Get("/api/v1/products/KEPT").Json()["title"], "Avant");
  EXPECT_EQ(Get("/api/v1/products/KEPT").Json()["title"], "Avant");  // now kept
  ASSERT_EQ(Put("/api/v1/products/KEPT", {{"title", "Après PUT"}}).status, 200);
  EXPECT_EQ(Get("/api/v1/products/KEPT").Json()["title"], "Après PUT");
  Reply imported = Send("POST", "/api/v1/imports/products", "editor",
                        "id,title\nKEPT,Après import\n", "text/csv");
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(Get("/api/v1/products/KEPT").Json()["title"], "Après import");
  ASSERT_EQ(Delete("/api/v1/products/KEPT").status, 204);
  ExpectProblem(Get("/api/v1/products/KEPT"), 404);
}

TEST_F(ApiTest, PriceHistoryListsEntriesAndTheAppliedTimelineOfAStore) {
  SeedSmallCatalog();
  Reply written =
      Put("/api/v1/prices",
          json::array({
              {{"product_id", "P1"}, {"price", "2.49"}, {"effective_from", "2026-01-01T00:00:00Z"}},
              {{"product_id", "P1"},
               {"level", "zone"},
               {"level_id", "Z-IDF"},
               {"price", "2.29"},
               {"effective_from", "2026-02-01T00:00:00Z"}},
              {{"product_id", "P1"},
               {"level", "store"},
               {"level_id", "PARIS"},
               {"price", "1,99"},
               {"effective_from", "2026-03-01T00:00:00Z"}},
          }));
  ExpectJson(written, 200);
  EXPECT_EQ(written.Json()["inserted"], 3);
  EXPECT_EQ(written.Json()["committed"], true);

  Reply plain = Get("/api/v1/products/P1/price-history");
  ExpectJson(plain, 200);
  json history = plain.Json();
  EXPECT_EQ(history["product_id"], "P1");
  EXPECT_TRUE(history["store_id"].is_null());
  EXPECT_FALSE(history.contains("applied"));
  ASSERT_EQ(history["entries"].size(), 3u);
  EXPECT_EQ(history["entries"][0]["amount_minor"], 249);
  EXPECT_EQ(history["entries"][0]["level"], "national");

  Reply paris = Get("/api/v1/products/P1/price-history?store=PARIS");
  ExpectJson(paris, 200);
  json applied = paris.Json()["applied"];
  EXPECT_EQ(paris.Json()["store_id"], "PARIS");
  ASSERT_EQ(applied.size(), 3u) << paris.body;
  EXPECT_EQ(applied[0]["level"], "national");
  EXPECT_EQ(applied[0]["from"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(applied[0]["until"], "2026-02-01T00:00:00Z");
  EXPECT_EQ(applied[1]["level"], "zone");
  EXPECT_EQ(applied[1]["amount_minor"], 229);
  EXPECT_EQ(applied[2]["level"], "store");
  EXPECT_EQ(applied[2]["amount_minor"], 199);
  EXPECT_TRUE(applied[2]["until"].is_null());

  // Lyon is in another zone: only the national price ever applied there.
  Reply lyon = Get("/api/v1/products/P1/price-history?store=LYON");
  ASSERT_EQ(lyon.Json()["applied"].size(), 1u) << lyon.body;
  EXPECT_EQ(lyon.Json()["applied"][0]["amount_minor"], 249);
  EXPECT_TRUE(lyon.Json()["applied"][0]["until"].is_null());

  ExpectProblem(Get("/api/v1/products/P1/price-history?store=NOWHERE"), 404);
  ExpectProblem(Get("/api/v1/products/NOPE/price-history"), 404);
}

TEST_F(ApiTest, StoresListNearZoneGetPutDelete) {
  SeedSmallCatalog();
  Reply again = Put("/api/v1/stores/PARIS", {{"name", "Paris Rivoli (rénové)"},
                                             {"lat", 48.8566},
                                             {"lon", 2.3522},
                                             {"price_zone", "Z-IDF"}});
  ExpectJson(again, 200);
  EXPECT_EQ(again.Json()["name"], "Paris Rivoli (rénové)");

  Reply list = Get("/api/v1/stores");
  ExpectJson(list, 200);
  EXPECT_EQ(Ids(list.Json()["items"]), (std::vector<std::string>{"LYON", "PARIS", "VERSAILLES"}));
  EXPECT_TRUE(list.Json()["next_cursor"].is_null());
  int pages = 0;
  EXPECT_EQ(Ids(CollectPages("/api/v1/stores?limit=2", "viewer", &pages)),
            Ids(list.Json()["items"]));
  EXPECT_EQ(pages, 2);

  Reply near = Get("/api/v1/stores?near=48.8566,2.3522&radius_km=30");
  ExpectJson(near, 200);
  json items = near.Json()["items"];
  ASSERT_EQ(Ids(items), (std::vector<std::string>{"PARIS", "VERSAILLES"})) << near.body;
  EXPECT_NEAR(items[0]["distance_km"].get<double>(), 0.0, 0.01);
  EXPECT_GT(items[1]["distance_km"].get<double>(), 10.0);
  EXPECT_LT(items[1]["distance_km"].get<double>(), 25.0);

  Reply far = Get("/api/v1/stores?near=48.8566,2.3522&radius_km=1000");
  json far_items = far.Json()["items"];
  ASSERT_EQ(Ids(far_items), (std::vector<std::string>{"PARIS", "VERSAILLES", "LYON"}));
  EXPECT_NEAR(far_items[2]["distance_km"].get<double>(), 392.0, 10.0);
  json near_paged =
      CollectPages("/api/v1/stores?near=48.8566,2.3522&radius_km=1000&limit=1", "viewer", &pages);
  EXPECT_EQ(Ids(near_paged), Ids(far_items));
  EXPECT_EQ(pages, 3);

  // The page is put together from JSON kept per store: the bytes must still be those of
  // nlohmann's dump() of the page (keys sorted, numbers as it writes them).
  EXPECT_EQ(far.body, far.Json().dump());
  ASSERT_EQ(Put("/api/v1/stores/VERSAILLES", {{"name", "Versailles Rive Droite"},
                                              {"lat", 48.8049},
                                              {"lon", 2.1204},
                                              {"price_zone", "Z-IDF"}})
                .status,
            200);
  Reply renamed = Get("/api/v1/stores?near=48.8566,2.3522&radius_km=1000");
  EXPECT_EQ(renamed.Json()["items"][1]["name"], "Versailles Rive Droite") << renamed.body;
  EXPECT_EQ(renamed.Json()["items"][2], far_items[2]);  // LYON did not change
  EXPECT_EQ(renamed.body, renamed.Json().dump());

  Reply south = Get("/api/v1/stores?near=48.8566,2.3522&radius_km=1000&zone=Z-SUD");
  EXPECT_EQ(Ids(south.Json()["items"]), std::vector<std::string>{"LYON"});
  Reply idf = Get("/api/v1/stores?zone=Z-IDF");
  EXPECT_EQ(Ids(idf.Json()["items"]), (std::vector<std::string>{"PARIS", "VERSAILLES"}));

  Reply lyon = Get("/api/v1/stores/LYON");
  ExpectJson(lyon, 200);
  EXPECT_EQ(lyon.Json()["price_zone"], "Z-SUD");
  EXPECT_EQ(lyon.Json()["name"], "Lyon Part-Dieu");
  EXPECT_EQ(Delete("/api/v1/stores/LYON").status, 204);
  ExpectProblem(Get("/api/v1/stores/LYON"), 404);
  ExpectProblem(Delete("/api/v1/stores/LYON"), 404);
}

TEST_F(ApiTest, PricesAndStockReadAndWrite) {
  SeedSmallCatalog();
  ASSERT_EQ(
      Put("/api/v1/prices",
          json::array({
              {{"product_id", "P1"}, {"price", "2.49"}, {"effective_from", "2026-01-01T00:00:00Z"}},
              {{"product_id", "P1"}, {"price", "2.59"}, {"effective_from", "2026-05-01T00:00:00Z"}},
              {{"product_id", "P2"},
               {"level", "zone"},
               {"level_id", "Z-IDF"},
               {"price", "3.10"},
               {"effective_from", "2026-01-01T00:00:00Z"}},
              {{"product_id", "P2"},
               {"level", "store"},
               {"level_id", "LYON"},
               {"price", "2.90"},
               {"effective_from", "2026-01-01T00:00:00Z"}},
          }))
          .status,
      200);

  Reply now = Get("/api/v1/prices");
  ExpectJson(now, 200);
  json items = now.Json()["items"];
  ASSERT_EQ(items.size(), 3u) << now.body;  // one entry in force per (product, level, level_id)
  EXPECT_EQ(items[0]["product_id"], "P1");
  EXPECT_EQ(items[0]["amount_minor"], 259);

  Reply in_january = Get("/api/v1/prices?product=P1&at=2026-01-15T00:00:00Z");
  ASSERT_EQ(in_january.Json()["items"].size(), 1u) << in_january.body;
  EXPECT_EQ(in_january.Json()["items"][0]["amount_minor"], 249);
  Reply before_all = Get("/api/v1/prices?at=2025-12-01");
  EXPECT_TRUE(before_all.Json()["items"].empty()) << before_all.body;

  Reply zone = Get("/api/v1/prices?level=zone");
  ASSERT_EQ(zone.Json()["items"].size(), 1u);
  EXPECT_EQ(zone.Json()["items"][0]["level_id"], "Z-IDF");
  Reply store = Get("/api/v1/prices?level=store&level_id=LYON");
  ASSERT_EQ(store.Json()["items"].size(), 1u);
  EXPECT_EQ(store.Json()["items"][0]["amount_minor"], 290);
  Reply national = Get("/api/v1/prices?level=national");
  EXPECT_EQ(Ids(national.Json()["items"], "product_id"), std::vector<std::string>{"P1"});
  int pages = 0;
  EXPECT_EQ(CollectPages("/api/v1/prices?limit=1", "viewer", &pages).size(), 3u);
  EXPECT_EQ(pages, 3);

  Reply stock =
      Put("/api/v1/stock", json::array({
                               {{"product_id", "P1"}, {"store_id", "PARIS"}, {"quantity", 12}},
                               {{"product_id", "P1"}, {"store_id", "LYON"}, {"quantity", 0}},
                               {{"product_id", "P2"}, {"store_id", "PARIS"}, {"quantity", -3}},
                           }));
  ExpectJson(stock, 200);
  EXPECT_EQ(stock.Json()["inserted"], 3);
  Reply single =
      Put("/api/v1/stock", {{"product_id", "P2"}, {"store_id", "LYON"}, {"quantity", 4}});
  ExpectJson(single, 200);
  EXPECT_EQ(single.Json()["inserted"], 1);

  Reply levels = Get("/api/v1/stock");
  ExpectJson(levels, 200);
  EXPECT_EQ(levels.Json()["items"].size(), 4u);
  Reply p1 = Get("/api/v1/stock?product=P1");
  EXPECT_EQ(Ids(p1.Json()["items"], "store_id"), (std::vector<std::string>{"LYON", "PARIS"}));
  Reply paris = Get("/api/v1/stock?store=PARIS&product=P1");
  ASSERT_EQ(paris.Json()["items"].size(), 1u);
  EXPECT_EQ(paris.Json()["items"][0]["quantity"], 12);
  EXPECT_EQ(paris.Json()["items"][0]["availability"], "in_stock");
  EXPECT_EQ(CollectPages("/api/v1/stock?limit=3", "viewer", &pages).size(), 4u);
  EXPECT_EQ(pages, 2);

  // All or nothing: one bad row and no row lands.
  Reply bad =
      Put("/api/v1/stock", json::array({
                               {{"product_id", "P1"}, {"store_id", "PARIS"}, {"quantity", 1}},
                               {{"product_id", "GHOST"}, {"store_id", "PARIS"}, {"quantity", 1}},
                           }));
  json problem = ExpectProblem(bad, 422);
  EXPECT_TRUE(Contains(ErrorFields(problem), "product_id")) << bad.body;
  EXPECT_EQ(Get("/api/v1/stock?store=PARIS&product=P1").Json()["items"][0]["quantity"], 12);
}

TEST_F(ApiTest, ImportsEveryKindFromCsvJsonAndNdjson) {
  const std::string good = Gtin13("376000000001");
  const std::string other = Gtin13("376000000002");
  // Products: CSV with ';', one bad barcode on line 3.
  const std::string products =
      "id;gtin;title;brand;net_quantity\n"
      "A1;" +
      good +
      ";Pâte à tartiner;Maison;400 g\n"
      "A2;3017620422004;Mauvais code;Maison;1 kg\n"
      "A3;" +
      other + ";\"Crème, fraîche\";Maison;20 cl\n";
  Reply r = Send("POST", "/api/v1/imports/products", "editor", products, "text/csv");
  ExpectJson(r, 200);
  json report = r.Json();
  EXPECT_EQ(report["kind"], "products");
  EXPECT_EQ(report["format"], "csv");
  EXPECT_EQ(report["committed"], true);
  EXPECT_EQ(report["rows_read"], 3);
  EXPECT_EQ(report["inserted"], 2);
  EXPECT_EQ(report["rejected"], 1);
  ASSERT_EQ(report["errors"].size(), 1u) << r.body;
  EXPECT_EQ(report["errors"][0]["line"], 3);
  EXPECT_EQ(report["errors"][0]["field"], "gtin");
  EXPECT_EQ(Get("/api/v1/products/A3").Json()["title"], "Crème, fraîche");
  ExpectProblem(Get("/api/v1/products/A2"), 404);

  // Stores: CSV with ','.
  const std::string stores =
      "id,name,lat,lon,price_zone,services\n"
      "S1,Nantes Centre,47.2184,-1.5536,Z-OUEST,drive|click_and_collect\n"
      "S2,Rennes Gare,48.1035,-1.6723,Z-OUEST,\n";
  r = Send("POST", "/api/v1/imports/stores", "editor", stores, "text/csv; charset=utf-8");
  ExpectJson(r, 200);
  EXPECT_EQ(r.Json()["inserted"], 2) << r.body;
  EXPECT_EQ(Get("/api/v1/stores/S1").Json()["services"],
            json::array({"drive", "click_and_collect"}));

  // Prices: a JSON array; a row for an unknown product is listed, the others land.
  // One element a line: errors name the line an element starts on.
  const std::string prices =
      "[\n" +
      json({{"product_id", "A1"}, {"price", 2.49}, {"effective_from", "2026-05-01T00:00:00Z"}})
          .dump() +
      ",\n" +
      json({{"product_id", "A3"},
            {"level", "zone"},
            {"level_id", "Z-OUEST"},
            {"price", "1,89"},
            {"effective_from", "2026-05-01"}})
          .dump() +
      ",\n" + json({{"product_id", "NOPE"}, {"price", "1.00"}}).dump() + "\n]\n";
  r = Send("POST", "/api/v1/imports/prices", "editor", prices, "application/json");
  ExpectJson(r, 200);
  EXPECT_EQ(r.Json()["format"], "json");
  EXPECT_EQ(r.Json()["inserted"], 2) << r.body;
  EXPECT_EQ(r.Json()["rejected"], 1);
  ASSERT_EQ(r.Json()["errors"].size(), 1u);
  EXPECT_EQ(r.Json()["errors"][0]["field"], "product_id");
  EXPECT_EQ(r.Json()["errors"][0]["line"], 4);
  EXPECT_EQ(Get("/api/v1/prices?product=A3").Json()["items"][0]["amount_minor"], 189);

  // Stock: NDJSON.
  const std::string stock =
      "{\"product_id\": \"A1\", \"store_id\": \"S1\", \"quantity\": 7}\n"
      "{\"product_id\": \"A3\", \"store_id\": \"S2\", \"quantity\": \"2\"}\n"
      "{\"product_id\": \"A1\", \"store_id\": \"S2\", \"quantity\": \"x\"}\n";
  r = Send("POST", "/api/v1/imports/stock", "editor", stock, "application/x-ndjson");
  ExpectJson(r, 200);
  EXPECT_EQ(r.Json()["format"], "ndjson");
  EXPECT_EQ(r.Json()["inserted"], 2) << r.body;
  EXPECT_EQ(r.Json()["rejected"], 1);
  EXPECT_EQ(r.Json()["errors"][0]["line"], 3);
  EXPECT_EQ(Get("/api/v1/stock?product=A1&store=S1").Json()["items"][0]["quantity"], 7);

  // Strict: nothing lands, 422 with every problem and the report.
  const std::string strict = "id,title,gtin\nB1,Bon produit,\nB2,,\nB3,Autre,123\n";
  r = Send("POST", "/api/v1/imports/products?strict=true", "editor", strict, "text/csv");
  json problem = ExpectProblem(r, 422);
  ASSERT_TRUE(problem.contains("errors")) << r.body;
  std::vector<std::string> fields = ErrorFields(problem);
  EXPECT_TRUE(Contains(fields, "title")) << r.body;
  EXPECT_TRUE(Contains(fields, "gtin")) << r.body;
  std::set<int64_t> lines;
  for (const auto& e : problem["errors"]) lines.insert(e.value("line", int64_t{0}));
  EXPECT_EQ(lines, (std::set<int64_t>{3, 4}));
  ASSERT_TRUE(problem.contains("report")) << r.body;
  EXPECT_EQ(problem["report"]["committed"], false);
  EXPECT_EQ(problem["report"]["strict"], true);
  EXPECT_EQ(problem["report"]["rejected"], 2);
  ExpectProblem(Get("/api/v1/products/B1"), 404);

  // The format can be forced; a bad kind is a 400.
  r = Send("POST", "/api/v1/imports/products?format=ndjson", "editor",
           "{\"id\": \"N1\", \"title\": \"Forcé\"}\n", "text/plain");
  ExpectJson(r, 200);
  EXPECT_EQ(r.Json()["inserted"], 1) << r.body;
  EXPECT_TRUE(
      Contains(ErrorFields(ExpectProblem(
                   Send("POST", "/api/v1/imports/widgets", "editor", "id\n1\n", "text/csv"), 400)),
               "kind"));
}

// An import body in one of four encodings: CSV with ';', CSV with ',', a JSON array (one
// element a line, after a "[" line) and NDJSON. Every value is a string.
struct Encoding {
  const char* name;
  const char* format;  // as the report names it
  const char* content_type;
  int first_line;  // the line of the first record
};
constexpr Encoding kEncodings[] = {{"csv;", "csv", "text/csv", 2},
                                   {"csv,", "csv", "text/csv; charset=utf-8", 2},
                                   {"json", "json", "application/json", 2},
                                   {"ndjson", "ndjson", "application/x-ndjson", 1}};

std::string Encoded(const Encoding& encoding, const std::vector<std::string>& columns,
                    const std::vector<std::vector<std::string>>& rows) {
  const std::string name = encoding.name;
  std::string out;
  if (name.starts_with("csv")) {
    const char delimiter = name.back();
    for (size_t i = 0; i < columns.size(); ++i) {
      out += (i ? std::string(1, delimiter) : "") + columns[i];
    }
    out += "\n";
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) out += (i ? std::string(1, delimiter) : "") + row[i];
      out += "\n";
    }
    return out;
  }
  if (name == "json") out += "[\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    json object = json::object();
    for (size_t i = 0; i < columns.size(); ++i) object[columns[i]] = rows[r][i];
    out += object.dump();
    if (name == "json" && r + 1 < rows.size()) out += ",";
    out += "\n";
  }
  if (name == "json") out += "]\n";
  return out;
}

TEST_F(ApiTest, ImportsEachKindInEachFormatLandValidRowsAndListTheRest) {
  struct Case {
    const char* kind;
    std::vector<std::string> columns;
    // Two valid rows then one bad row, for encoding number `f`.
    std::function<std::vector<std::vector<std::string>>(int f)> rows;
    const char* bad_field;
  };
  const std::vector<Case> cases = {
      {"products",
       {"id", "title", "gtin"},
       [](int f) {
         const std::string k = "K" + std::to_string(f);
         return std::vector<std::vector<std::string>>{
             {k + "-1", "Crème n°1", ""},
             {k + "-2", "Thé", Gtin13("37600000001" + std::to_string(f))},
             {k + "-3", "Mauvais", "123"}};
       },
       "gtin"},
      {"stores",
       {"id", "name", "lat", "lon", "price_zone"},
       [](int f) {
         const std::string k = "ST" + std::to_string(f);
         return std::vector<std::vector<std::string>>{{k + "-1", "Un", "45.1", "4.8", "ZF"},
                                                      {k + "-2", "Deux", "45.2", "4.9", "ZF"},
                                                      {k + "-3", "Trois", "95", "4.9", "ZF"}};
       },
       "lat"},
      {"prices",
       {"product_id", "price", "effective_from"},
       [](int f) {
         auto day = [f](int r) {
           return "2026-01-" + std::to_string(10 + f * 3 + r) + "T00:00:00Z";
         };
         return std::vector<std::vector<std::string>>{
             {"K0-1", std::to_string(f * 10 + 1) + ".50", day(0)},
             {"K0-1", std::to_string(f * 10 + 2) + ".50", day(1)},
             {"K0-1", "-1", day(2)}};
       },
       "price"},
      {"stock",
       {"product_id", "store_id", "quantity"},
       [](int f) {
         const std::string k = "ST" + std::to_string(f);
         return std::vector<std::vector<std::string>>{
             {"K0-1", k + "-1", "3"}, {"K0-1", k + "-2", "-2"}, {"K0-2", k + "-1", "abc"}};
       },
       "quantity"},
  };
  for (const Case& c : cases) {
    for (int f = 0; f < 4; ++f) {
      const Encoding& encoding = kEncodings[f];
      SCOPED_TRACE(std::string(c.kind) + " as " + encoding.name);
      const std::string body = Encoded(encoding, c.columns, c.rows(f));
      Reply r = Send("POST", std::string("/api/v1/imports/") + c.kind, "editor", body,
                     encoding.content_type);
      ExpectJson(r, 200);
      json report = r.Json();
      EXPECT_EQ(report["kind"], c.kind);
      EXPECT_EQ(report["format"], encoding.format);
      EXPECT_EQ(report["committed"], true);
      EXPECT_EQ(report["rows_read"], 3);
      EXPECT_EQ(report["inserted"], 2) << r.body;
      EXPECT_EQ(report["rejected"], 1) << r.body;
      ASSERT_EQ(report["errors"].size(), 1u) << r.body;
      EXPECT_EQ(report["errors"][0]["field"], c.bad_field);
      EXPECT_EQ(report["errors"][0]["line"], encoding.first_line + 2);
    }
  }
  Reply counts = Get("/api/v1/stats");
  EXPECT_EQ(counts.Json()["products"], 8);
  EXPECT_EQ(counts.Json()["stores"], 8);
  EXPECT_EQ(counts.Json()["price_entries"], 8);
  EXPECT_EQ(counts.Json()["stock_levels"], 8);
  EXPECT_EQ(Get("/api/v1/products/K2-1").Json()["title"], "Crème n°1");
  EXPECT_EQ(Get("/api/v1/stock?product=K0-1&store=ST3-2").Json()["items"][0]["quantity"], -2);
  EXPECT_EQ(Get("/api/v1/prices?product=K0-1").Json()["items"][0]["amount_minor"], 3250);
}

// CSRF: a browser sends the session cookie with a form or fetch another site starts; its
// Sec-Fetch-Site and Origin headers give such a request away, and a session write is refused.
TEST_F(ApiTest, SessionWritesStartedByAnotherSiteAreRefused) {
  Reply login = Send("POST", "/api/v1/session", "",
                     json({{"user", "editor@example.com"}, {"password", kPassword}}).dump());
  auto cookie = SetCookieValue(login);
  ASSERT_TRUE(cookie.has_value()) << login.body;
  const std::string cookie_header = "Cookie: " + std::string(kSessionCookie) + "=" + *cookie;
  const std::string self = "http://127.0.0.1:" + std::to_string(port());
  auto put = [&](const std::string& id, std::vector<std::string> headers) {
    headers.push_back(cookie_header);
    return Send("PUT", "/api/v1/products/" + id, "", json({{"title", "CSRF"}}).dump(),
                "application/json", headers);
  };

  for (const auto& headers : std::vector<std::vector<std::string>>{
           {"Sec-Fetch-Site: cross-site"},
           {"Sec-Fetch-Site: same-site"},
           {"Sec-Fetch-Site: none"},
           {"Origin: http://evil.example"},
           {"Origin: http://127.0.0.1:1"},
           {"Origin: null"},
           {"Sec-Fetch-Site: same-origin", "Origin: http://evil.example"},
       }) {
    Reply refused = put("CSRF1", headers);
    json problem = ExpectProblem(refused, 403);
    EXPECT_NE(problem["detail"].get<std::string>().find("another"), std::string::npos)
        << problem.dump();
  }
  EXPECT_EQ(Get("/api/v1/products/CSRF1").status, 404) << "nothing was written";
  // Reads are never refused; neither are writes from the UI's own pages or without the
  // headers (older browsers and scripts), nor bearer-token writes whatever they send.
  EXPECT_EQ(Get("/api/v1/me", "", {cookie_header, "Sec-Fetch-Site: cross-site"}).status, 200);
  EXPECT_EQ(put("CSRF2", {"Sec-Fetch-Site: same-origin", "Origin: " + self}).status, 201);
  EXPECT_EQ(put("CSRF3", {}).status, 201);
  EXPECT_EQ(Send("PUT", "/api/v1/products/CSRF4", "editor", json({{"title", "Token"}}).dump(),
                 "application/json", {"Sec-Fetch-Site: cross-site", "Origin: http://evil.example"})
                .status,
            201);
}

// The web UI at /: index.html revalidated (ETag, 304), hashed assets cached for a year, the
// gzip twin when accepted, the strict CSP and nosniff on every answer, and no file outside
// the build's list.
TEST_F(ApiTest, WebUiIsServedWithItsCachingAndSecurityHeaders) {
  Reply index = Get("/", "");
  ASSERT_EQ(index.status, 200) << index.body;
  EXPECT_EQ(index.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.Header("Cache-Control"), "no-cache");
  EXPECT_EQ(index.Header("Content-Security-Policy"), std::string(kWebContentSecurityPolicy));
  EXPECT_EQ(index.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(index.body, "<!doctype html><title>Vitrine</title>");
  const std::string etag = index.Header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(Get("/", "", {"If-None-Match: " + etag}).status, 304);
  EXPECT_EQ(Get("/", "", {"If-None-Match: \"other\""}).status, 200);

  const std::string assets = "/assets/" + std::string(kWebAssetsVersion);
  Reply main = Get(assets + "/main.js", "");
  ASSERT_EQ(main.status, 200) << main.body;
  EXPECT_EQ(main.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(main.Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(main.Header("Content-Security-Policy"), std::string(kWebContentSecurityPolicy));
  EXPECT_EQ(main.body, "import './i18n/fr.js';");
  Reply fr = Get(assets + "/i18n/fr.js", "");
  EXPECT_EQ(fr.status, 200);
  EXPECT_EQ(fr.body, "export default {};");

  for (const std::string& path : std::vector<std::string>{
           assets + "/nope.js", "/assets/ffffffffffffffff/main.js", assets + "/..%2Findex.html",
           assets + "/i18n/..%2F..%2F..%2Findex.html", assets + "/i18n/en.js"}) {
    Reply missing = Get(path, "");
    EXPECT_EQ(missing.status, 404) << path;
    EXPECT_EQ(missing.Header("X-Content-Type-Options"), "nosniff") << path;
  }
}

TEST_F(ApiTest, SessionLoginMeAndLogout) {
  Reply login = Send("POST", "/api/v1/session", "",
                     json({{"user", "editor@example.com"}, {"password", kPassword}}).dump());
  ExpectJson(login, 200);
  EXPECT_EQ(login.Json()["user"]["id"], "editor@example.com");
  EXPECT_EQ(login.Json()["user"]["role"], "editor");
  EXPECT_FALSE(login.Json()["user"].contains("password_hash"));
  std::string set_cookie;
  auto cookie = SetCookieValue(login, &set_cookie);
  ASSERT_TRUE(cookie.has_value()) << login.body;
  EXPECT_FALSE(cookie->empty());
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Path=/"), std::string::npos) << set_cookie;
  const std::string cookie_header = "Cookie: " + std::string(kSessionCookie) + "=" + *cookie;

  Reply me = Get("/api/v1/me", "", {cookie_header});
  ExpectJson(me, 200);
  EXPECT_EQ(me.Json()["subject"], "user:editor@example.com");
  EXPECT_EQ(me.Json()["kind"], "user");
  EXPECT_EQ(me.Json()["role"], "editor");
  // The session carries the role: an editor may write.
  EXPECT_EQ(Send("PUT", "/api/v1/products/SESS", "", json({{"title", "Via session"}}).dump(),
                 "application/json", {cookie_header})
                .status,
            201);

  Reply logout = Send("DELETE", "/api/v1/session", "", std::nullopt, "", {cookie_header});
  EXPECT_EQ(logout.status, 204);
  std::string cleared;
  auto cleared_value = SetCookieValue(logout, &cleared);
  ASSERT_TRUE(cleared_value.has_value());
  EXPECT_TRUE(cleared_value->empty());
  EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos) << cleared;
  Reply after = Get("/api/v1/me", "", {cookie_header});
  ExpectProblem(after, 401);
  EXPECT_FALSE(after.Header("WWW-Authenticate").empty());

  // Wrong password and unknown user look the same.
  Reply wrong =
      Send("POST", "/api/v1/session", "",
           json({{"user", "editor@example.com"}, {"password", "not the password"}}).dump());
  json wrong_problem = ExpectProblem(wrong, 401);
  Reply unknown = Send("POST", "/api/v1/session", "",
                       json({{"user", "nobody@example.com"}, {"password", kPassword}}).dump());
  json unknown_problem = ExpectProblem(unknown, 401);
  EXPECT_EQ(wrong_problem["detail"], unknown_problem["detail"]);
  EXPECT_FALSE(SetCookieValue(wrong).has_value());

  // A session expires with the clock.
  Reply again = Send("POST", "/api/v1/session", "",
                     json({{"user", "viewer@example.com"}, {"password", kPassword}}).dump());
  auto second = SetCookieValue(again);
  ASSERT_TRUE(second.has_value());
  const std::string second_header = "Cookie: " + std::string(kSessionCookie) + "=" + *second;
  EXPECT_EQ(Get("/api/v1/me", "", {second_header}).status, 200);
  h_.clock().Advance(std::chrono::hours(13));
  ExpectProblem(Get("/api/v1/me", "", {second_header}), 401);
}

TEST_F(ApiTest, MeWithTokens) {
  Reply me = Get("/api/v1/me", "approver");
  ExpectJson(me, 200);
  EXPECT_EQ(me.Json()["subject"], "token:" + h_.TokenId("approver"));
  EXPECT_EQ(me.Json()["kind"], "token");
  EXPECT_EQ(me.Json()["role"], "approver");
  EXPECT_TRUE(me.Json()["channel"].is_null());
  Reply platform = Get("/api/v1/me", "platform");
  ExpectJson(platform, 200);
  EXPECT_EQ(platform.Json()["role"], "platform");
  EXPECT_EQ(platform.Json()["channel"], "google");
  Reply bogus = client_.Fetch(port(), "GET", "/api/v1/me", {"Authorization: Bearer vit_bogus"});
  ExpectProblem(bogus, 401);
  EXPECT_FALSE(bogus.Header("WWW-Authenticate").empty());
}

TEST_F(ApiTest, TokensListCreateUseAndRevoke) {
  Reply created =
      Send("POST", "/api/v1/tokens", "admin",
           json({{"name", "Meta pull"}, {"role", "platform"}, {"channel", "meta"}}).dump());
  ExpectJson(created, 201);
  json token = created.Json();
  ASSERT_TRUE(token["token"].is_string()) << created.body;
  const std::string secret = token["token"];
  const std::string id = token["id"];
  EXPECT_TRUE(id.starts_with("tok_"));
  EXPECT_EQ(token["role"], "platform");
  EXPECT_EQ(token["channel"], "meta");
  EXPECT_FALSE(token.contains("secret_hash"));

  // Usable at once.
  Reply me = client_.Fetch(port(), "GET", "/api/v1/me", {"Authorization: Bearer " + secret});
  ExpectJson(me, 200);
  EXPECT_EQ(me.Json()["subject"], "token:" + id);
  EXPECT_EQ(me.Json()["channel"], "meta");

  // Listed, never with its secret.
  Reply list = Get("/api/v1/tokens", "admin");
  ExpectJson(list, 200);
  EXPECT_EQ(list.body.find(secret), std::string::npos);
  std::vector<std::string> ids = Ids(list.Json()["items"]);
  EXPECT_TRUE(Contains(ids, id));
  EXPECT_TRUE(Contains(ids, h_.TokenId("viewer")));
  EXPECT_EQ(ids.size(), 6u);
  const json listed = list.Json();
  for (const auto& item : listed["items"]) {
    EXPECT_FALSE(item.contains("token"));
    EXPECT_FALSE(item.contains("secret_hash"));
  }

  // A bad request names the field.
  json bad = ExpectProblem(
      Send("POST", "/api/v1/tokens", "admin", json({{"name", "x"}, {"role", "platform"}}).dump()),
      400);
  EXPECT_TRUE(Contains(ErrorFields(bad), "channel")) << bad.dump();

  EXPECT_EQ(Delete("/api/v1/tokens/" + id, "admin").status, 204);
  Reply refused = client_.Fetch(port(), "GET", "/api/v1/me", {"Authorization: Bearer " + secret});
  ExpectProblem(refused, 401);
  ExpectProblem(Delete("/api/v1/tokens/" + id, "admin"), 404);
  bool listed_revoked = false;
  const json after_revoke = Get("/api/v1/tokens", "admin").Json();
  for (const auto& item : after_revoke["items"]) {
    if (item["id"] == id) listed_revoked = item["revoked_at"].is_string();
  }
  EXPECT_TRUE(listed_revoked);
}

TEST_F(ApiTest, UsersListCreateAndConflict) {
  const json alice = {{"id", "alice@example.com"},
                      {"display_name", "Alice Martin"},
                      {"role", "approver"},
                      {"password", "a long enough password"}};
  Reply created = Send("POST", "/api/v1/users", "admin", alice.dump());
  ExpectJson(created, 201);
  EXPECT_EQ(created.Json()["id"], "alice@example.com");
  EXPECT_EQ(created.Json()["role"], "approver");
  EXPECT_FALSE(created.Json().contains("password_hash"));
  EXPECT_FALSE(created.Json().contains("password"));

  json conflict = ExpectProblem(Send("POST", "/api/v1/users", "admin", alice.dump()), 409);
  EXPECT_NE(conflict["detail"].get<std::string>().find("alice@example.com"), std::string::npos);

  Reply list = Get("/api/v1/users", "admin");
  ExpectJson(list, 200);
  EXPECT_EQ(
      Ids(list.Json()["items"]),
      (std::vector<std::string>{"admin@example.com", "alice@example.com", "approver@example.com",
                                "editor@example.com", "viewer@example.com"}));
  EXPECT_EQ(list.body.find("$scrypt$"), std::string::npos);

  // The new user can log in with the password given.
  Reply login =
      Send("POST", "/api/v1/session", "",
           json({{"user", "alice@example.com"}, {"password", "a long enough password"}}).dump());
  EXPECT_EQ(login.status, 200) << login.body;

  json short_password =
      ExpectProblem(Send("POST", "/api/v1/users", "admin",
                         json({{"id", "bob"}, {"role", "viewer"}, {"password", "short"}}).dump()),
                    400);
  EXPECT_TRUE(Contains(ErrorFields(short_password), "password"));
}

TEST_F(ApiTest, AuditRecordsEveryWriteWithFiltersAndPaging) {
  ASSERT_EQ(Put("/api/v1/products/AUD", {{"title", "Avant"}}).status, 201);
  h_.clock().Advance(60s);
  ASSERT_EQ(Put("/api/v1/products/AUD", {{"title", "Après"}}).status, 200);
  ASSERT_EQ(Delete("/api/v1/products/AUD").status, 204);
  ASSERT_EQ(Put("/api/v1/stores/AUD-S",
                {{"name", "Store"}, {"lat", 45.0}, {"lon", 5.0}, {"price_zone", "Z"}})
                .status,
            201);
  ASSERT_EQ(
      Send("POST", "/api/v1/imports/products", "editor", "id,title\nIMP1,Importé\n", "text/csv")
          .status,
      200);

  Reply product = Get("/api/v1/audit?entity=product&id=AUD", "approver");
  ExpectJson(product, 200);
  json entries = product.Json()["items"];
  ASSERT_EQ(entries.size(), 3u) << product.body;
  EXPECT_EQ(entries[0]["action"], "delete");
  EXPECT_EQ(entries[0]["before"]["title"], "Après");
  EXPECT_TRUE(entries[0]["after"].is_null());
  EXPECT_EQ(entries[1]["action"], "update");
  EXPECT_EQ(entries[1]["before"]["title"], "Avant");
  EXPECT_EQ(entries[1]["after"]["title"], "Après");
  EXPECT_EQ(entries[2]["action"], "create");
  EXPECT_TRUE(entries[2]["before"].is_null());
  EXPECT_EQ(entries[2]["after"]["title"], "Avant");
  EXPECT_EQ(entries[2]["at"], "2026-06-01T08:00:00Z");
  EXPECT_EQ(entries[1]["at"], "2026-06-01T08:01:00Z");
  for (const auto& e : entries) {
    EXPECT_EQ(e["actor"], "token:" + h_.TokenId("editor"));
    EXPECT_EQ(e["entity"], "product");
    EXPECT_EQ(e["entity_id"], "AUD");
    EXPECT_FALSE(e["request_id"].get<std::string>().empty());
  }
  EXPECT_GT(entries[0]["seq"].get<int64_t>(), entries[1]["seq"].get<int64_t>());

  // The request id of a write ties it to its audit entry.
  Reply tagged =
      Send("PUT", "/api/v1/stores/AUD-S", "editor",
           json({{"name", "Renamed"}, {"lat", 45.0}, {"lon", 5.0}, {"price_zone", "Z"}}).dump(),
           "application/json", {"X-Request-Id: audit-test-42"});
  ASSERT_EQ(tagged.status, 200);
  json store = Get("/api/v1/audit?entity=store", "approver").Json()["items"];
  ASSERT_EQ(store.size(), 2u);
  EXPECT_EQ(store[0]["request_id"], "audit-test-42");
  EXPECT_EQ(store[0]["before"]["name"], "Store");
  EXPECT_EQ(store[0]["after"]["name"], "Renamed");
  json imports = Get("/api/v1/audit?entity=products", "approver").Json()["items"];
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_EQ(imports[0]["action"], "import");
  EXPECT_EQ(imports[0]["after"]["inserted"], 1);

  // Paging: newest first, every entry once.
  Reply full = Get("/api/v1/audit?limit=1000", "approver");
  json all = full.Json()["items"];
  // 5 tokens and 4 users of the harness, then the 6 writes above.
  ASSERT_EQ(all.size(), 15u) << full.body;
  int pages = 0;
  json paged = CollectPages("/api/v1/audit?limit=4", "approver", &pages);
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(paged.size(), all.size());
  for (size_t i = 0; i < paged.size(); ++i) {
    EXPECT_EQ(paged[i]["seq"], all[i]["seq"]);
    if (i > 0) {
      EXPECT_LT(paged[i]["seq"].get<int64_t>(), paged[i - 1]["seq"].get<int64_t>());
    }
  }
  json tokens =
      Get("/api/v1/audit?entity=token&id=" + h_.TokenId("admin"), "approver").Json()["items"];
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0]["actor"], "cli");
  EXPECT_EQ(tokens[0]["after"].dump().find(h_.TokenSecret("admin")), std::string::npos);
}

TEST_F(ApiTest, StatsCountTheCatalogue) {
  SeedSmallCatalog();
  ASSERT_EQ(Put("/api/v1/prices", {{"product_id", "P1"}, {"price", "1.00"}}).status, 200);
  ASSERT_EQ(
      Put("/api/v1/stock", {{"product_id", "P1"}, {"store_id", "LYON"}, {"quantity", 1}}).status,
      200);
  Reply stats = Get("/api/v1/stats");
  ExpectJson(stats, 200);
  json s = stats.Json();
  EXPECT_EQ(s["products"], 2);
  EXPECT_EQ(s["stores"], 3);
  EXPECT_EQ(s["price_zones"], 2);
  EXPECT_EQ(s["price_entries"], 1);
  EXPECT_EQ(s["stock_levels"], 1);
  EXPECT_EQ(s["stores_by_zone"], json({{"Z-IDF", 2}, {"Z-SUD", 1}}));
}

TEST_F(ApiTest, OpsRoutesAndTheServedOpenApiDocument) {
  Reply doc = Get("/api/v1/openapi.json", "");
  ExpectJson(doc, 200);
  json openapi = doc.Json();
  ASSERT_TRUE(openapi.is_object());
  EXPECT_TRUE(openapi.value("openapi", "").starts_with("3.1.")) << openapi.value("openapi", "");
  EXPECT_TRUE(openapi["paths"].is_object());
  // The server serves the document it was built with: the one in docs/.
  std::ifstream file(std::string(VITRINE_SOURCE_DIR) + "/docs/openapi.json");
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(openapi, json::parse(text.str(), nullptr, false));

  Reply health = Get("/healthz", "");
  EXPECT_EQ(health.status, 200);
  Reply ready = Get("/readyz", "");
  EXPECT_EQ(ready.status, 200);
  Get("/api/v1/products");  // counted in the metrics below
  Reply metrics = Get("/metrics", "");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_TRUE(metrics.Header("Content-Type").starts_with("text/plain"))
      << metrics.Header("Content-Type");
  EXPECT_NE(metrics.body.find("# TYPE vitrine_http_requests_total counter"), std::string::npos);
  EXPECT_NE(metrics.body.find("route=\"/api/v1/products\""), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("vitrine_http_requests_in_flight"), std::string::npos);
}

// ---- 2. the role matrix --------------------------------------------------------------------

TEST_F(ApiTest, RoleMatrixOverEveryRoute) {
  const std::vector<HttpServer::RouteInfo> routes = server_->routes();
  ASSERT_GE(routes.size(), 28u);  // 3 built-in and 25 API routes at least
  const std::vector<std::pair<std::string, Role>> callers = {
      {"viewer", Role::kViewer}, {"editor", Role::kEditor},     {"approver", Role::kApprover},
      {"admin", Role::kAdmin},   {"platform", Role::kPlatform},
  };
  int checked = 0;
  for (const auto& route : routes) {
    SCOPED_TRACE(route.method + " " + route.pattern);
    const std::string path = FillPattern(route.pattern);
    const bool has_body = route.method == "POST" || route.method == "PUT";
    auto call = [&](const std::string& who) {
      return has_body ? Send(route.method, path, who, std::string("{}"))
                      : Send(route.method, path, who, std::nullopt, "");
    };

    Reply anonymous = call("");
    ASSERT_EQ(anonymous.code, CURLE_OK);
    if (route.required_role == Role::kPublic) {
      EXPECT_NE(anonymous.status, 401) << anonymous.body;
      EXPECT_NE(anonymous.status, 403) << anonymous.body;
      EXPECT_LT(anonymous.status, 500) << anonymous.body;
    } else {
      ExpectProblem(anonymous, 401);
      EXPECT_TRUE(anonymous.Header("WWW-Authenticate").starts_with("Bearer"))
          << anonymous.Header("WWW-Authenticate");
    }

    for (const auto& [who, role] : callers) {
      SCOPED_TRACE(who);
      Reply r = call(who);
      ASSERT_EQ(r.code, CURLE_OK);
      bool allowed;
      if (route.required_role == Role::kPublic) {
        allowed = true;
      } else if (role == Role::kPlatform) {
        allowed = route.platform_allowed;
      } else {
        allowed = StaffRank(role) >= StaffRank(route.required_role);
      }
      if (allowed) {
        EXPECT_NE(r.status, 401) << r.body;
        EXPECT_NE(r.status, 403) << r.body;
        EXPECT_LT(r.status, 500) << r.body;
      } else {
        json problem = ExpectProblem(r, 403);
        EXPECT_NE(problem.value("detail", "").find(RoleName(route.required_role)),
                  std::string::npos)
            << r.body;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(routes.size() * callers.size()));
  // The matrix left the accounts alone: every harness token still works.
  for (const auto& [who, role] : callers) EXPECT_EQ(Get("/api/v1/me", who).status, 200) << who;
}

// ---- 3. docs/openapi.json against the route table -----------------------------------------

TEST_F(ApiTest, OpenApiDocumentsEveryRouteWithItsRole) {
  std::ifstream file(std::string(VITRINE_SOURCE_DIR) + "/docs/openapi.json");
  ASSERT_TRUE(file.good());
  const json doc = json::parse(file, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "docs/openapi.json is not valid JSON";
  ASSERT_TRUE(doc["paths"].is_object());

  static const std::set<std::string> kMethods = {"get",   "put",     "post", "delete",
                                                 "patch", "options", "head", "trace"};
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : server_->routes()) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    served.insert({method, route.pattern});
    SCOPED_TRACE(route.method + " " + route.pattern);
    ASSERT_TRUE(doc["paths"].contains(route.pattern)) << "path missing from docs/openapi.json";
    const json& path_item = doc["paths"][route.pattern];
    ASSERT_TRUE(path_item.contains(method)) << "operation missing from docs/openapi.json";
    const json& operation = path_item[method];
    EXPECT_EQ(operation.value("x-vitrine-role", ""), RoleName(route.required_role));
    EXPECT_EQ(operation.value("x-vitrine-platform", false), route.platform_allowed);
    EXPECT_TRUE(operation.contains("operationId"));
    EXPECT_TRUE(operation.contains("responses"));
    if (route.required_role == Role::kPublic) {
      EXPECT_EQ(operation.value("security", json::array({nullptr})), json::array())
          << "a public operation must declare `security: []`";
    }
  }
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.count(method)) continue;
      EXPECT_TRUE(served.count({method, path}))
          << method << " " << path << " is documented but no route serves it";
    }
  }
}

// Every route's declared query parameters are exactly those docs/openapi.json documents for
// its path and method: the operation's and the path item's `in: query` parameters ($ref
// resolved), and the query API keys of its security schemes (feed URLs' `token`).
TEST_F(ApiTest, OpenApiDocumentsEveryRoutesQueryParameters) {
  std::ifstream file(std::string(VITRINE_SOURCE_DIR) + "/docs/openapi.json");
  const json doc = json::parse(file, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  auto resolve = [&](const json& parameter) -> const json& {
    if (!parameter.contains("$ref")) return parameter;
    const std::string ref = parameter["$ref"];
    const std::string prefix = "#/components/parameters/";
    EXPECT_TRUE(ref.starts_with(prefix)) << ref;
    return doc["components"]["parameters"][ref.substr(prefix.size())];
  };
  std::set<std::string> query_schemes;  // security schemes sent in the query string
  for (const auto& [name, scheme] : doc["components"]["securitySchemes"].items()) {
    if (scheme.value("in", "") == "query") query_schemes.insert(name);
  }
  int compared = 0;
  for (const auto& route : server_->routes()) {
    SCOPED_TRACE(route.method + " " + route.pattern);
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    ASSERT_TRUE(doc["paths"].contains(route.pattern));
    const json& item = doc["paths"][route.pattern];
    ASSERT_TRUE(item.contains(method));
    const json& operation = item[method];
    std::set<std::string> documented;
    for (const json* list : {&item, &operation}) {
      for (const json& p : list->value("parameters", json::array())) {
        const json& parameter = resolve(p);
        if (parameter.value("in", "") == "query") documented.insert(parameter["name"]);
      }
    }
    const json security = operation.value("security", doc.value("security", json::array()));
    for (const json& requirement : security) {
      for (const auto& [name, scopes] : requirement.items()) {
        if (query_schemes.count(name)) {
          documented.insert(doc["components"]["securitySchemes"][name]["name"]);
        }
      }
    }
    const std::set<std::string> declared(route.query_params.begin(), route.query_params.end());
    EXPECT_EQ(declared.size(), route.query_params.size()) << "a parameter declared twice";
    EXPECT_EQ(declared, documented);
    ++compared;
  }
  EXPECT_GE(compared, 28);
}

// ---- 4. errors as problem+json -------------------------------------------------------------

TEST_F(ApiTest, BodyOverTheLimitIs413StatingTheLimit) {
  ServerOptions options = ApiHarness::TestOptions();
  options.max_body_bytes = 2048;
  HttpServer& small = h_.StartServer(options);
  const std::string body = json({{"title", std::string(4000, 'a')}}).dump();
  Reply r = client_.Fetch(
      small.port(), "PUT", "/api/v1/products/BIG",
      {"Authorization: Bearer " + h_.TokenSecret("editor"), "Content-Type: application/json"},
      body);
  json problem = ExpectProblem(r, 413);
  EXPECT_NE(problem.value("detail", "").find("2048"), std::string::npos) << r.body;
  // Nothing was written, and a body within the limit goes through.
  EXPECT_EQ(Get("/api/v1/products/BIG").status, 404);
  Reply fits = client_.Fetch(
      small.port(), "PUT", "/api/v1/products/BIG",
      {"Authorization: Bearer " + h_.TokenSecret("editor"), "Content-Type: application/json"},
      json({{"title", "small"}}).dump());
  EXPECT_EQ(fits.status, 201) << fits.body;
}

// A quantity over Quantity's limit is a 400 naming net_quantity, and nothing lands; it once
// landed, and formatting the product for its answer overflowed int64.
TEST_F(ApiTest, HugeNetQuantityIs400AndLandsNothing) {
  Reply r = Put("/api/v1/products/TANK",
                {{"title", "Citerne"}, {"net_quantity", "00176204222,425l x 80"}});
  json problem = ExpectProblem(r, 400);
  EXPECT_TRUE(Contains(ErrorFields(problem), "net_quantity")) << r.body;
  EXPECT_NE(r.body.find("limit"), std::string::npos) << r.body;
  ExpectProblem(Get("/api/v1/products/TANK"), 404);
}

// A number beyond a double is a 400 like any invalid JSON; it was a 500 (nlohmann throws
// out_of_range for it, not parse_error). Found by the request fuzz target.
TEST_F(ApiTest, NumberTooLargeInABodyIs400) {
  for (const std::string path : {"/api/v1/products/BIG", "/api/v1/stock"}) {
    json problem = ExpectProblem(Send("PUT", path, "editor", "{\"title\": 1e309}"), 400);
    EXPECT_NE(problem.value("detail", "").find("1e309"), std::string::npos) << problem.dump();
    EXPECT_TRUE(Contains(ErrorFields(problem), "body")) << problem.dump();
  }
}

TEST_F(ApiTest, InvalidJsonIs400WithTheParserPosition) {
  const std::string body = "{\"title\": \"Café\", \"brand\": }";
  size_t byte = 0;
  try {
    json parsed = json::parse(body);
    ADD_FAILURE() << "parsed: " << parsed.dump();
  } catch (const json::parse_error& e) {
    byte = e.byte;
  }
  ASSERT_GT(byte, 0u);
  for (const std::string path : {"/api/v1/products/BAD", "/api/v1/stock"}) {
    Reply r = Send("PUT", path, "editor", body);
    json problem = ExpectProblem(r, 400);
    EXPECT_NE(problem.value("detail", "").find("byte " + std::to_string(byte)), std::string::npos)
        << r.body;
    EXPECT_TRUE(Contains(ErrorFields(problem), "body")) << r.body;
  }
  json login = ExpectProblem(Send("POST", "/api/v1/session", "", "{\"user\": "), 400);
  EXPECT_NE(login.value("detail", "").find("byte "), std::string::npos);
  ExpectProblem(Send("PUT", "/api/v1/products/BAD", "editor", ""), 400);
}

TEST_F(ApiTest, UnknownFieldsAre400NamingThem) {
  Reply product = Put("/api/v1/products/UNK", {{"title", "Ok"}, {"colour", "red"}, {"size", 3}});
  json problem = ExpectProblem(product, 400);
  std::vector<std::string> fields = ErrorFields(problem);
  EXPECT_TRUE(Contains(fields, "colour")) << product.body;
  EXPECT_TRUE(Contains(fields, "size")) << product.body;
  EXPECT_FALSE(Contains(fields, "title"));
  EXPECT_EQ(Get("/api/v1/products/UNK").status, 404);

  json stock = ExpectProblem(
      Put("/api/v1/stock", json::array({{{"product_id", "P"}, {"store_id", "S"}, {"qty", 1}}})),
      400);
  EXPECT_TRUE(Contains(ErrorFields(stock), "qty"));
  json token =
      ExpectProblem(Send("POST", "/api/v1/tokens", "admin",
                         json({{"name", "n"}, {"role", "viewer"}, {"expires", "never"}}).dump()),
                    400);
  EXPECT_EQ(ErrorFields(token), std::vector<std::string>{"expires"});
  json login =
      ExpectProblem(Send("POST", "/api/v1/session", "",
                         json({{"user", "a"}, {"password", "b"}, {"remember", true}}).dump()),
                    400);
  EXPECT_EQ(ErrorFields(login), std::vector<std::string>{"remember"});
}

TEST_F(ApiTest, WrongContentTypeIs415) {
  Reply r = Send("PUT", "/api/v1/products/CT", "editor", json({{"title", "x"}}).dump(), "text/csv");
  json problem = ExpectProblem(r, 415);
  EXPECT_NE(r.Header("Accept").find("application/json"), std::string::npos);
  ExpectProblem(
      Send("POST", "/api/v1/imports/products", "editor", "<products/>", "application/xml"), 415);
  ExpectProblem(Send("POST", "/api/v1/users", "admin", "id=x", "application/x-www-form-urlencoded"),
                415);
  EXPECT_EQ(Get("/api/v1/products/CT").status, 404);
}

TEST_F(ApiTest, WrongMethodIs405WithAllow) {
  Reply r = Send("PATCH", "/api/v1/products/P1", "editor", json({{"title", "x"}}).dump());
  ExpectProblem(r, 405);
  EXPECT_EQ(r.Header("Allow"), "DELETE, GET, HEAD, PUT");
  Reply stats = Send("POST", "/api/v1/stats", "viewer", std::string("{}"));
  ExpectProblem(stats, 405);
  EXPECT_EQ(stats.Header("Allow"), "GET, HEAD");
  Reply session = Send("GET", "/api/v1/session", "viewer", std::nullopt, "");
  ExpectProblem(session, 405);
  EXPECT_EQ(session.Header("Allow"), "DELETE, POST");
  ExpectProblem(Get("/api/v1/nothing-here"), 404);
}

TEST_F(ApiTest, BadParametersAre400NamingTheField) {
  ASSERT_EQ(Put("/api/v1/products/P1", {{"title", "Café"}}).status, 201);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/products?limit=0", "limit"},
      {"/api/v1/products?limit=abc", "limit"},
      {"/api/v1/products?limit=1001", "limit"},
      {"/api/v1/products?cursor=zz", "cursor"},
      {"/api/v1/products?cursor=" + std::string("73746f7265733a41"), "cursor"},  // "stores:A"
      {"/api/v1/products?q=" + std::string(201, 'a'), "q"},
      {"/api/v1/stores?near=91,0", "near"},
      {"/api/v1/stores?near=45.7", "near"},
      {"/api/v1/stores?near=abc,def", "near"},
      {"/api/v1/stores?near=45.7,4.8&radius_km=-1", "radius_km"},
      {"/api/v1/stores?near=45.7,4.8&radius_km=nan", "radius_km"},
      {"/api/v1/stores?radius_km=5", "radius_km"},
      {"/api/v1/stores?limit=0", "limit"},
      {"/api/v1/stores?cursor=zz", "cursor"},
      {"/api/v1/prices?at=garbage", "at"},
      {"/api/v1/prices?level=regional", "level"},
      {"/api/v1/prices?level=", "level"},
      {"/api/v1/prices?level_id=Z1", "level_id"},
      {"/api/v1/prices?limit=abc", "limit"},
      {"/api/v1/stock?limit=0", "limit"},
      {"/api/v1/stock?cursor=zz", "cursor"},
      {"/api/v1/audit?cursor=zz", "cursor"},
      {"/api/v1/audit?limit=0", "limit"},
      {"/api/v1/products/" + std::string(51, 'a'), "id"},
      {"/api/v1/products/P1/price-history?store=" + Encode("../S1"), "store"},
  };
  for (const auto& [path, field] : cases) {
    SCOPED_TRACE(path);
    Reply r = Get(path, "approver");
    json problem = ExpectProblem(r, 400);
    EXPECT_TRUE(Contains(ErrorFields(problem), field)) << r.body;
    EXPECT_NE(problem.value("detail", "").find(field), std::string::npos) << r.body;
  }
  json strict = ExpectProblem(
      Send("POST", "/api/v1/imports/products?strict=yes", "editor", "id,title\nA,B\n", "text/csv"),
      400);
  EXPECT_TRUE(Contains(ErrorFields(strict), "strict"));
}

TEST_F(ApiTest, UnknownQueryParametersAre400NamingThem) {
  ASSERT_EQ(Put("/api/v1/products/P1", {{"title", "Café"}}).status, 201);
  // A filter a route does not have is refused, not ignored: the caller would believe it
  // filtered.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"/api/v1/campaigns?q=vins", {"q"}},
      {"/api/v1/campaigns?from=2026-12-01&to=2026-12-31&status=approved", {"from", "to"}},
      {"/api/v1/products?q=caf&brnad=Kusmi", {"brnad"}},
      {"/api/v1/products/P1?fields=title", {"fields"}},
      {"/api/v1/me?verbose", {"verbose"}},
      {"/api/v1/offers/changes?cursor=abc", {"cursor"}},
      // A URL token is for feed and creative URLs only.
      {"/api/v1/products?token=abc", {"token"}},
  };
  for (const auto& [path, fields] : cases) {
    SCOPED_TRACE(path);
    Reply r = Get(path, "admin");
    json problem = ExpectProblem(r, 400);
    EXPECT_EQ(ErrorFields(problem), fields) << r.body;
    for (const std::string& field : fields) {
      EXPECT_NE(problem.value("detail", "").find("\"" + field + "\""), std::string::npos) << r.body;
    }
  }
  // The detail says what the route takes.
  json none = ExpectProblem(Get("/api/v1/products/P1?x=1"), 400);
  EXPECT_NE(none.value("detail", "").find("it takes none"), std::string::npos) << none.dump();
  json some = ExpectProblem(Get("/api/v1/campaigns?q=vins"), 400);
  EXPECT_NE(some.value("detail", "").find("status, cursor, limit"), std::string::npos)
      << some.dump();
  // Credentials are checked first: an anonymous caller learns nothing about the route.
  ExpectProblem(Get("/api/v1/campaigns?q=vins", ""), 401);
  // Declared parameters, repeated or empty, are fine.
  EXPECT_EQ(Get("/api/v1/campaigns?status=approved&limit=5").status, 200);
  EXPECT_EQ(Get("/api/v1/products?q=&limit=5&limit=6").status, 200);
}

TEST_F(ApiTest, HostileStringsAreDataOr400NeverA500) {
  const std::string sql = "x'; DROP TABLE products;--";
  ASSERT_EQ(Put("/api/v1/products/SAFE", {{"title", "Témoin"}}).status, 201);

  // As a search, a filter and a zone: plain data.
  for (const std::string& path :
       {"/api/v1/products?q=" + Encode(sql), "/api/v1/products?brand=" + Encode(sql),
        "/api/v1/products?category=" + Encode(sql), "/api/v1/products?gtin=" + Encode(sql),
        "/api/v1/audit?entity=" + Encode(sql) + "&id=" + Encode(sql)}) {
    Reply r = Get(path, "approver");
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_TRUE(r.Json()["items"].empty()) << path;
  }
  // As a title: stored verbatim and read back.
  Reply stored = Put("/api/v1/products/INJ", {{"title", sql}, {"brand", "Robert'); --"}});
  ExpectJson(stored, 201);
  Reply back = Get("/api/v1/products/INJ");
  EXPECT_EQ(back.Json()["title"], sql);
  EXPECT_EQ(back.Json()["brand"], "Robert'); --");
  Reply found = Get("/api/v1/products?q=" + Encode("DROP TABLE"));
  EXPECT_EQ(Ids(found.Json()["items"]), std::vector<std::string>{"INJ"});
  EXPECT_EQ(Get("/api/v1/products").Json()["items"].size(), 2u);

  // In ids and as ids: 400 or not found, never a 500.
  const std::vector<std::string> paths = {
      "/api/v1/products/" + Encode(sql),
      "/api/v1/products/..%2F..%2Fetc%2Fpasswd",
      "/api/v1/products/../stores",
      "/api/v1/products/..",
      "/api/v1/products/%2e%2e",
      "/api/v1/stores/" + Encode("../../v.db"),
      "/api/v1/products/" + std::string(51, 'x'),
      "/api/v1/products/" + std::string(5000, 'x'),
      "/api/v1/products/" + Encode(sql) + "/price-history",
      "/api/v1/products/%00",
      "/api/v1/stock?product=" + Encode(sql),
      "/api/v1/prices?product=" + Encode(sql),
      "/api/v1/stores?zone=" + Encode(sql),
  };
  for (const std::string& path : paths) {
    Reply r = Get(path, "admin");
    EXPECT_TRUE(r.status == 400 || r.status == 404) << path << ": " << r.status << " " << r.body;
    ExpectProblem(r, static_cast<int>(r.status));
  }
  for (const std::string& path :
       {"/api/v1/products/" + Encode(sql), std::string("/api/v1/products/..%2F..%2Fv.db"),
        "/api/v1/stores/" + Encode(sql), "/api/v1/products/" + std::string(51, 'x'),
        std::string("/api/v1/products/../stores/x")}) {
    Reply r = Delete(path, "admin");
    EXPECT_TRUE(r.status == 400 || r.status == 404) << path << ": " << r.status << " " << r.body;
    ExpectProblem(r, static_cast<int>(r.status));
  }
  for (const std::string& id : {Encode(sql), std::string("..%2Fescape"), std::string(51, 'y')}) {
    Reply r = Put("/api/v1/products/" + id, {{"title", "x"}});
    json problem = ExpectProblem(r, 400);
    EXPECT_TRUE(Contains(ErrorFields(problem), "id")) << r.body;
  }
  Reply revoke = Delete("/api/v1/tokens/" + Encode(sql), "admin");
  EXPECT_TRUE(revoke.status == 400 || revoke.status == 404) << revoke.body;
  Reply login = Send("POST", "/api/v1/session", "",
                     json({{"user", sql}, {"password", "' OR '1'='1"}}).dump());
  ExpectProblem(login, 401);

  // The table is still there, with what it held.
  EXPECT_EQ(Get("/api/v1/products/SAFE").status, 200);
  EXPECT_EQ(Get("/api/v1/stats").Json()["products"], 2);
}

TEST_F(ApiTest, TokenOverItsRateLimitGets429WithRetryAfter) {
  auto limiter = std::make_shared<TokenBucketRateLimiter>(
      std::map<Role, TokenBucketRateLimiter::Limit>{{Role::kViewer, {0.5, 2}}}, h_.clock());
  HttpServer& limited = h_.StartServer(ApiHarness::TestOptions(), limiter);
  auto call = [&](const std::string& who) {
    return client_.Fetch(limited.port(), "GET", "/api/v1/stats", h_.AuthFor(who));
  };
  EXPECT_EQ(call("viewer").status, 200);
  EXPECT_EQ(call("viewer").status, 200);
  Reply refused = call("viewer");
  json problem = ExpectProblem(refused, 429);
  const std::string retry_after = refused.Header("Retry-After");
  ASSERT_FALSE(retry_after.empty());
  const int wait = std::stoi(retry_after);
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 2);
  // Other principals and unlimited roles are not held up.
  EXPECT_EQ(call("editor").status, 200);
  // Still refused until the clock moves; then allowed again.
  EXPECT_EQ(call("viewer").status, 429);
  h_.clock().Advance(std::chrono::seconds(wait));
  EXPECT_EQ(call("viewer").status, 200);
  // Public routes without credentials are never limited here.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(client_.Fetch(limited.port(), "GET", "/healthz").status, 200);
  }
}

// ---- 5. shutdown and restart ---------------------------------------------------------------

// A CatalogRepository that forwards to another and holds the first PutStock call until
// released, so a test can stop the server while an import is certainly in its handler.
class GatedCatalog final : public CatalogRepository {
 public:
  explicit GatedCatalog(CatalogRepository& inner) : inner_(inner) {}

  std::future<void> Entered() { return entered_.get_future(); }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  Status Transaction(const std::function<Status()>& body) override {
    return inner_.Transaction(body);
  }
  Result<std::vector<WriteOutcome>> PutProducts(std::span<const Product> products,
                                                Instant now) override {
    return inner_.PutProducts(products, now);
  }
  Result<std::optional<Product>> GetProduct(std::string_view id) override {
    return inner_.GetProduct(id);
  }
  Result<bool> DeleteProduct(std::string_view id) override { return inner_.DeleteProduct(id); }
  Result<Page<Product>> ListProducts(const ProductQuery& query) override {
    return inner_.ListProducts(query);
  }
  Result<std::vector<std::string>> ListProductIds() override { return inner_.ListProductIds(); }
  Result<std::vector<WriteOutcome>> PutStores(std::span<const Store> stores, Instant now) override {
    return inner_.PutStores(stores, now);
  }
  Result<std::optional<Store>> GetStore(std::string_view id) override {
    return inner_.GetStore(id);
  }
  Result<bool> DeleteStore(std::string_view id) override { return inner_.DeleteStore(id); }
  Result<Page<Store>> ListStores(const StoreQuery& query) override {
    return inner_.ListStores(query);
  }
  Result<std::vector<Store>> ListAllStores() override { return inner_.ListAllStores(); }
  Result<std::vector<PriceZone>> ListPriceZones() override { return inner_.ListPriceZones(); }
  Result<std::vector<WriteOutcome>> PutPrices(std::span<const Price> prices) override {
    return inner_.PutPrices(prices);
  }
  Result<std::vector<Price>> ListPriceHistory(std::string_view product_id) override {
    return inner_.ListPriceHistory(product_id);
  }
  Result<Page<Price>> ListPrices(const PriceQuery& query) override {
    return inner_.ListPrices(query);
  }
  Result<std::vector<WriteOutcome>> PutStock(std::span<const StockLevel> levels) override {
    if (!entered_once_.exchange(true)) {
      entered_.set_value();
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return released_; });
    }
    return inner_.PutStock(levels);
  }
  Result<std::optional<StockLevel>> GetStock(std::string_view product_id,
                                             std::string_view store_id) override {
    return inner_.GetStock(product_id, store_id);
  }
  Result<std::vector<std::optional<StockLevel>>> GetStockLevels(
      std::span<const std::pair<std::string, std::string>> keys) override {
    return inner_.GetStockLevels(keys);
  }
  Result<Page<StockLevel>> ListStock(const StockQuery& query) override {
    return inner_.ListStock(query);
  }
  Result<CatalogCounts> Counts() override { return inner_.Counts(); }

 private:
  CatalogRepository& inner_;
  std::promise<void> entered_;
  std::atomic<bool> entered_once_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;  // guarded by mu_
};

TEST_F(ApiTest, StopLetsAnInFlightImportFinishAndLand) {
  constexpr int kProducts = 1000;
  constexpr int kStores = 200;
  auto pid = [](int i) {
    std::string n = std::to_string(i);
    return "P" + std::string(4 - n.size(), '0') + n;
  };
  auto sid = [](int i) {
    std::string n = std::to_string(i);
    return "S" + std::string(3 - n.size(), '0') + n;
  };
  std::string products = "id;title\n";
  for (int i = 0; i < kProducts; ++i) products += pid(i) + ";Produit " + std::to_string(i) + "\n";
  std::string stores = "id;name;lat;lon;price_zone\n";
  for (int i = 0; i < kStores; ++i) stores += sid(i) + ";Magasin;45,5;4,8;Z1\n";
  ASSERT_EQ(Send("POST", "/api/v1/imports/products", "editor", products, "text/csv").status, 200);
  ASSERT_EQ(Send("POST", "/api/v1/imports/stores", "editor", stores, "text/csv").status, 200);
  std::string stock = "product_id;store_id;quantity\n";
  stock.reserve(static_cast<size_t>(kProducts) * kStores * 16);
  for (int p = 0; p < kProducts; ++p) {
    for (int s = 0; s < kStores; ++s)
      stock += pid(p) + ";" + sid(s) + ";" + std::to_string(s % 9) + "\n";
  }

  GatedCatalog gated(h_.db());
  ServerOptions options = ApiHarness::TestOptions();
  options.threads = 4;
  options.drain_timeout = std::chrono::minutes(10);
  HttpServer& server = h_.StartServer(options, nullptr, &gated);
  const int gated_port = server.port();
  const std::vector<std::string> headers = {"Authorization: Bearer " + h_.TokenSecret("editor"),
                                            "Content-Type: text/csv"};
  auto pending = std::async(std::launch::async, [&] {
    ApiClient client;
    return client.Fetch(gated_port, "POST", "/api/v1/imports/stock", headers, stock, 600);
  });
  std::future<void> entered = gated.Entered();
  ASSERT_EQ(entered.wait_for(120s), std::future_status::ready) << "the import never started";

  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server.Stop();
    stopped = true;
  });
  // Stop is draining: a new request is refused (503) or cannot connect. A probe that lands
  // on the worker busy with the import times out and is retried.
  bool draining = false;
  ApiClient probe;
  for (int i = 0; i < 60 && !draining; ++i) {
    Reply r = probe.Fetch(gated_port, "GET", "/healthz", {}, std::nullopt, 2);
    draining = r.status == 503 || r.code == CURLE_COULDNT_CONNECT;
    if (!draining) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(draining) << "the server never began to drain";
  EXPECT_FALSE(stopped.load()) << "Stop returned with the import still in its handler";
  gated.Release();

  Reply r = pending.get();
  stopper.join();
  EXPECT_TRUE(stopped.load());
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  ExpectJson(r, 200);
  EXPECT_EQ(r.Json()["committed"], true);
  EXPECT_EQ(r.Json()["inserted"], kProducts * kStores) << r.body.substr(0, 500);
  EXPECT_EQ(r.Json()["rejected"], 0);
  EXPECT_EQ(server.port(), 0);

  auto counts = h_.db().Counts();
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->stock_levels, kProducts * kStores);
  // The other server still answers, from the same database.
  EXPECT_EQ(Get("/api/v1/stats").Json()["stock_levels"], kProducts * kStores);
  auto level = h_.db().GetStock(pid(kProducts - 1), sid(kStores - 1));
  ASSERT_TRUE(level.ok() && level->has_value());
  EXPECT_EQ((*level)->quantity, (kStores - 1) % 9);
}

TEST_F(ApiTest, RestartOverTheSameFileKeepsEverything) {
  ASSERT_EQ(Put("/api/v1/products/KEEP", {{"title", "Gardé après redémarrage"}}).status, 201);
  Reply token = Send("POST", "/api/v1/tokens", "admin",
                     json({{"name", "survives"}, {"role", "editor"}}).dump());
  ASSERT_EQ(token.status, 201);
  const std::string api_secret = token.Json()["token"];
  Reply login = Send("POST", "/api/v1/session", "",
                     json({{"user", "approver@example.com"}, {"password", kPassword}}).dump());
  auto cookie = SetCookieValue(login);
  ASSERT_TRUE(cookie.has_value());
  const size_t audit_before = Get("/api/v1/audit?limit=1000", "approver").Json()["items"].size();
  ASSERT_GT(audit_before, 0u);

  h_.StopServers();
  h_.CloseDatabase();
  h_.OpenDatabase();
  server_ = &h_.StartServer();

  Reply product = Get("/api/v1/products/KEEP");
  ExpectJson(product, 200);
  EXPECT_EQ(product.Json()["title"], "Gardé après redémarrage");
  // The harness token, the token made through the API and the session all still work.
  EXPECT_EQ(Get("/api/v1/me", "viewer").status, 200);
  Reply by_token =
      client_.Fetch(port(), "GET", "/api/v1/me", {"Authorization: Bearer " + api_secret});
  ExpectJson(by_token, 200);
  EXPECT_EQ(by_token.Json()["role"], "editor");
  Reply by_session = Get("/api/v1/me", "", {"Cookie: vitrine_session=" + *cookie});
  ExpectJson(by_session, 200);
  EXPECT_EQ(by_session.Json()["subject"], "user:approver@example.com");
  json audit = Get("/api/v1/audit?limit=1000", "approver").Json()["items"];
  EXPECT_EQ(audit.size(), audit_before);
  json keep = Get("/api/v1/audit?entity=product&id=KEEP", "approver").Json()["items"];
  ASSERT_EQ(keep.size(), 1u);
  EXPECT_EQ(keep[0]["after"]["title"], "Gardé après redémarrage");
  // And it still writes.
  EXPECT_EQ(Put("/api/v1/products/KEEP", {{"title", "Modifié"}}).status, 200);
}

// ---- 5. campaigns, promotions and published offers ("Offers") ----------------------------

class OffersApiTest : public ApiTest {
 protected:
  // Stores PARIS and VERSAILLES (zone Z-IDF), LYON (zone Z-SUD); products P1 and P3
  // (Lavazza coffee) and P2 (Kusmi tea) with net quantities, national prices since January.
  void SeedOffersCatalog() {
    ASSERT_EQ(
        Put("/api/v1/stores/PARIS",
            {{"name", "Paris Rivoli"}, {"lat", 48.8566}, {"lon", 2.3522}, {"price_zone", "Z-IDF"}})
            .status,
        201);
    ASSERT_EQ(Put("/api/v1/stores/VERSAILLES", {{"name", "Versailles Chantiers"},
                                                {"lat", 48.8049},
                                                {"lon", 2.1204},
                                                {"price_zone", "Z-IDF"}})
                  .status,
              201);
    ASSERT_EQ(Put("/api/v1/stores/LYON", {{"name", "Lyon Part-Dieu"},
                                          {"lat", 45.7640},
                                          {"lon", 4.8357},
                                          {"price_zone", "Z-SUD"}})
                  .status,
              201);
    const std::vector<std::tuple<std::string, std::string, std::string, std::string>> products = {
        {"P1", "Lavazza", "Épicerie > Café", "250 g"},
        {"P2", "Kusmi", "Épicerie > Thé", "100 g"},
        {"P3", "Lavazza", "Épicerie > Café", "500 g"}};
    int n = 0;
    for (const auto& [id, brand, category, quantity] : products) {
      ASSERT_EQ(
          Put("/api/v1/products/" + id, {{"title", id + " " + brand},
                                         {"brand", brand},
                                         {"category", category},
                                         {"net_quantity", quantity},
                                         {"gtin", Gtin13("376000000" + std::to_string(++n) + "00")},
                                         {"image_url", "https://img.example.com/" + id}})
              .status,
          201);
    }
    ASSERT_EQ(Put("/api/v1/prices", json::array({
                                        {{"product_id", "P1"},
                                         {"price", "4.00"},
                                         {"effective_from", "2026-01-01T00:00:00Z"}},
                                        {{"product_id", "P2"},
                                         {"price", "6.00"},
                                         {"effective_from", "2026-01-01T00:00:00Z"}},
                                        {{"product_id", "P3"},
                                         {"price", "7.00"},
                                         {"effective_from", "2026-01-01T00:00:00Z"}},
                                    }))
                  .status,
              200);
  }

  static json CampaignBody(const std::string& name, json channels = {"google", "meta"}) {
    return {{"name", name},
            {"start", "2026-06-10T00:00"},
            {"end", "2026-06-20T00:00"},
            {"channels", std::move(channels)},
            {"scope", {{"kind", "all"}}}};
  }

  // Creates a campaign and returns its id ("" on failure, with a test failure).
  std::string CreateCampaign(const json& body) {
    Reply r = Send("POST", "/api/v1/campaigns", "editor", body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.Json().value("id", "") : "";
  }
  std::string CreatePromotion(const std::string& campaign, const json& body) {
    Reply r = Send("POST", "/api/v1/campaigns/" + campaign + "/promotions", "editor", body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.Json().value("id", "") : "";
  }
  Reply Move(const std::string& campaign, const std::string& who, json body) {
    return Send("POST", "/api/v1/campaigns/" + campaign + "/transitions", who, body.dump());
  }
  // Submits (editor) and approves (approver) a campaign.
  void Approve(const std::string& campaign) {
    Reply submitted = Move(campaign, "editor", {{"to", "submitted"}});
    ASSERT_EQ(submitted.status, 200) << submitted.body;
    Reply approved = Move(campaign, "approver", {{"to", "approved"}});
    ASSERT_EQ(approved.status, 200) << approved.body;
    ASSERT_EQ(approved.Json()["status"], "approved");
  }
  json Offers(const std::string& query, const std::string& who = "viewer") {
    Reply r = Get("/api/v1/offers?limit=1000" + query, who);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    json page = r.Json();
    return page.is_object() ? page["items"] : json::array();
  }
  json Changes(int64_t since, const std::string& who = "viewer") {
    Reply r = Get("/api/v1/offers/changes?limit=1000&since=" + std::to_string(since), who);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  }

  // Campaign "A" on google+meta: 30 % off P1, 3 for 2 on the Kusmi brand (P2), in every
  // store. Campaign "B" on the leaflet: P3 at 5.00 in PARIS and LYON. Both approved: 8 offers.
  void SeedPublishedCampaigns() {
    SeedOffersCatalog();
    campaign_a_ = CreateCampaign(CampaignBody("Semaine du café"));
    percent_ =
        CreatePromotion(campaign_a_, {{"selector", {{"kind", "products"}, {"product_ids", {"P1"}}}},
                                      {"mechanic", {{"type", "percent_off"}, {"percent", 30}}}});
    multibuy_ = CreatePromotion(campaign_a_,
                                {{"selector", {{"kind", "brand"}, {"brand", "Kusmi"}}},
                                 {"mechanic", {{"type", "multibuy"}, {"buy", 3}, {"pay", 2}}}});
    campaign_b_ = CreateCampaign(CampaignBody("Prospectus", {"leaflet"}));
    fixed_ =
        CreatePromotion(campaign_b_, {{"selector", {{"kind", "products"}, {"product_ids", {"P3"}}}},
                                      {"mechanic", {{"type", "fixed_price"}, {"price", "5.00"}}},
                                      {"scope", {{"kind", "stores"}, {"ids", {"PARIS", "LYON"}}}}});
    Approve(campaign_a_);
    Approve(campaign_b_);
  }

  std::string campaign_a_, campaign_b_, percent_, multibuy_, fixed_;
};

TEST_F(OffersApiTest, BadCampaignAndPromotionInputIs400NamingTheField) {
  SeedOffersCatalog();
  json ends_early = CampaignBody("x");
  ends_early["end"] = "2026-06-01T00:00";
  json problem = ExpectProblem(Send("POST", "/api/v1/campaigns", "editor", ends_early.dump()), 400);
  EXPECT_TRUE(Contains(ErrorFields(problem), "end")) << problem.dump();
  json unknown_channel = CampaignBody("x", {"google", "telex"});
  problem = ExpectProblem(Send("POST", "/api/v1/campaigns", "editor", unknown_channel.dump()), 400);
  EXPECT_TRUE(Contains(ErrorFields(problem), "channels")) << problem.dump();
  json offset = CampaignBody("x");
  offset["start"] = "2026-06-10T00:00:00Z";  // local times only
  problem = ExpectProblem(Send("POST", "/api/v1/campaigns", "editor", offset.dump()), 400);
  EXPECT_TRUE(Contains(ErrorFields(problem), "start")) << problem.dump();

  Reply created = Send("POST", "/api/v1/campaigns", "editor", CampaignBody("Été").dump());
  ExpectJson(created, 201);
  EXPECT_EQ(created.Header("ETag"), "\"1\"");
  const json campaign = created.Json();
  EXPECT_EQ(campaign["status"], "draft");
  EXPECT_EQ(campaign["start"], "2026-06-10T00:00:00");
  EXPECT_EQ(campaign["end"], "2026-06-20T00:00:00");
  EXPECT_EQ(campaign["channels"], json({"google", "meta"}));
  EXPECT_EQ(campaign["scope"]["kind"], "all");
  const std::string id = campaign["id"];
  const std::string promotions = "/api/v1/campaigns/" + id + "/promotions";

  const json p1 = {{"kind", "products"}, {"product_ids", {"P1"}}};
  const std::vector<std::pair<json, std::string>> bad = {
      {{{"selector", p1}, {"mechanic", {{"type", "percent_off"}, {"percent", 0}}}},
       "mechanic.percent"},
      {{{"selector", p1}, {"mechanic", {{"type", "percent_off"}, {"percent", 100}}}},
       "mechanic.percent"},
      {{{"selector", p1}, {"mechanic", {{"type", "multibuy"}, {"buy", 3}, {"pay", 3}}}},
       "mechanic.pay"},
      {{{"selector", p1}, {"mechanic", {{"type", "fixed_price"}, {"price", "0"}}}},
       "mechanic.price"},
      {{{"selector", p1}, {"mechanic", {{"type", "amount_off"}, {"amount", -1}}}},
       "mechanic.amount"},
      {{{"mechanic", {{"type", "percent_off"}, {"percent", 10}}}}, "selector"},
      {{{"selector", p1}, {"mechanic", {{"type", "teleport"}}}}, "mechanic.type"},
  };
  for (const auto& [body, field] : bad) {
    SCOPED_TRACE(body.dump());
    json p = ExpectProblem(Send("POST", promotions, "editor", body.dump()), 400);
    EXPECT_TRUE(Contains(ErrorFields(p), field)) << p.dump();
  }
  EXPECT_EQ(Get(promotions).Json()["items"].size(), 0u);

  // Every mechanic is accepted in its JSON form.
  const std::vector<json> mechanics = {
      {{"type", "percent_off"}, {"percent", 20}},
      {{"type", "amount_off"}, {"amount", "0,50"}},
      {{"type", "nth_item_percent_off"}, {"n", 2}, {"percent", 50}},
      {{"type", "bundle_price"}, {"quantity", 2}, {"price", 10}},
      {{"type", "loyalty_credit"}, {"percent", 10}},
  };
  for (const json& m : mechanics) {
    Reply r = Send("POST", promotions, "editor", json({{"selector", p1}, {"mechanic", m}}).dump());
    ExpectJson(r, 201);
    EXPECT_EQ(r.Json()["mechanic"]["type"], m["type"]);
  }
  Reply bundle = Get(promotions);
  ExpectJson(bundle, 200);
  ASSERT_EQ(bundle.Json()["items"].size(), mechanics.size());
  int amounts = 0;
  const json listed = bundle.Json();
  for (const auto& p : listed["items"]) {
    if (p["mechanic"]["type"] != "amount_off") continue;
    ++amounts;
    EXPECT_EQ(p["mechanic"]["amount"], "0.50 EUR");
    EXPECT_EQ(p["campaign_id"], id);
  }
  EXPECT_EQ(amounts, 1);

  // A selector that selects nothing is accepted, then blocks in the checks.
  const std::string nothing =
      CreatePromotion(id, {{"selector", {{"kind", "brand"}, {"brand", "Nobody"}}},
                           {"mechanic", {{"type", "percent_off"}, {"percent", 10}}}});
  Reply checks = Get("/api/v1/campaigns/" + id + "/checks");
  ExpectJson(checks, 200);
  const json report = checks.Json();
  EXPECT_EQ(report["approvable"], false);
  EXPECT_GE(report["blocking"].get<int>(), 1);
  bool found = false;
  for (const auto& f : report["findings"]) {
    if (f["code"] == "selector_matches_nothing") {
      found = true;
      EXPECT_EQ(f["severity"], "blocking");
      EXPECT_EQ(f["promotion_id"], nothing) << f.dump();
    }
  }
  EXPECT_TRUE(found) << report.dump();
}

TEST_F(OffersApiTest, TransitionsByRoleWithBlockingChecksAndAnAuditedOverride) {
  SeedOffersCatalog();
  const std::string good = CreateCampaign(CampaignBody("Bon"));
  CreatePromotion(good, {{"selector", {{"kind", "products"}, {"product_ids", {"P1"}}}},
                         {"mechanic", {{"type", "percent_off"}, {"percent", 30}}}});
  // Outside the graph: draft → approved.
  json problem = ExpectProblem(Move(good, "approver", {{"to", "approved"}}), 409);
  EXPECT_TRUE(problem["allowed"].is_array()) << problem.dump();
  EXPECT_TRUE(Contains(problem["allowed"].get<std::vector<std::string>>(), "submitted"));

  Reply submitted = Move(good, "editor", {{"to", "submitted"}, {"comment", "prêt"}});
  ExpectJson(submitted, 200);
  EXPECT_EQ(submitted.Json()["status"], "submitted");
  EXPECT_TRUE(Offers("&campaign=" + good).empty());

  problem = ExpectProblem(Move(good, "editor", {{"to", "approved"}}), 403);
  const auto allowed = problem["allowed"].get<std::vector<std::string>>();
  EXPECT_TRUE(Contains(allowed, "draft")) << problem.dump();
  EXPECT_FALSE(Contains(allowed, "approved")) << problem.dump();
  EXPECT_EQ(Get("/api/v1/campaigns/" + good).Json()["status"], "submitted");

  Reply approved = Move(good, "approver", {{"to", "approved"}});
  ExpectJson(approved, 200);
  EXPECT_EQ(approved.Json()["status"], "approved");
  EXPECT_EQ(approved.Json()["effective_status"], "approved");  // scheduled: starts 10 June
  EXPECT_EQ(Offers("&campaign=" + good).size(), 3u);           // P1 in three stores

  // Blocking findings: refused to the approver, with the report; an admin may override.
  const std::string blocked = CreateCampaign(CampaignBody("Bloquée"));
  CreatePromotion(blocked, {{"selector", {{"kind", "brand"}, {"brand", "Nobody"}}},
                            {"mechanic", {{"type", "percent_off"}, {"percent", 10}}}});
  ASSERT_EQ(Move(blocked, "editor", {{"to", "submitted"}}).status, 200);
  problem = ExpectProblem(Move(blocked, "approver", {{"to", "approved"}}), 409);
  ASSERT_TRUE(problem.contains("checks")) << problem.dump();
  EXPECT_GE(problem["checks"]["blocking"].get<int>(), 1);
  EXPECT_EQ(problem["checks"]["approvable"], false);
  // An approver's override_reason is not an override.
  ExpectProblem(Move(blocked, "approver", {{"to", "approved"}, {"override_reason", "je prends"}}),
                409);
  EXPECT_EQ(Get("/api/v1/campaigns/" + blocked).Json()["status"], "submitted");
  Reply overridden =
      Move(blocked, "admin", {{"to", "approved"}, {"override_reason", "validé par le juridique"}});
  ExpectJson(overridden, 200);
  EXPECT_EQ(overridden.Json()["status"], "approved");

  json audit = Get("/api/v1/audit?entity=campaign&id=" + blocked, "approver").Json()["items"];
  bool audited = false;
  for (const auto& entry : audit) {
    if (entry["action"] == "transition" && entry["after"].value("to", "") == "approved") {
      audited = true;
      EXPECT_EQ(entry["after"]["override_reason"], "validé par le juridique") << entry.dump();
      EXPECT_GE(entry["after"]["blocking_findings"].get<int>(), 1) << entry.dump();
    }
  }
  EXPECT_TRUE(audited) << audit.dump();
}

TEST_F(OffersApiTest, FindingsSpeakTheLanguageAskedAndNamePromotions) {
  SeedOffersCatalog();
  const std::string id = CreateCampaign(CampaignBody("Langues"));
  const std::string promotions = "/api/v1/campaigns/" + id + "/promotions";
  // A promotion's name: returned, validated, cleared with null.
  Reply named = Send("POST", promotions, "editor",
                     json({{"name", "Personne \u221210\u00A0%"},
                           {"selector", {{"kind", "brand"}, {"brand", "Nobody"}}},
                           {"mechanic", {{"type", "percent_off"}, {"percent", 10}}}})
                         .dump());
  ExpectJson(named, 201);
  const std::string promotion = named.Json()["id"];
  EXPECT_EQ(named.Json()["name"], "Personne \u221210\u00A0%");
  json problem = ExpectProblem(Send("PATCH", "/api/v1/promotions/" + promotion, "editor",
                                    json({{"name", std::string(81, 'x')}}).dump()),
                               400);
  EXPECT_NE(problem.dump().find("\"name\""), std::string::npos) << problem.dump();
  ExpectProblem(
      Send("PATCH", "/api/v1/promotions/" + promotion, "editor", json({{"name", 3}}).dump()), 400);
  Reply unnamed =
      Send("PATCH", "/api/v1/promotions/" + promotion, "editor", json({{"name", nullptr}}).dump());
  ExpectJson(unnamed, 200);
  EXPECT_TRUE(unnamed.Json()["name"].is_null());
  ExpectJson(Send("PATCH", "/api/v1/promotions/" + promotion, "editor",
                  json({{"name", "Personne \u221210\u00A0%"}}).dump()),
             200);

  const std::string checks = "/api/v1/campaigns/" + id + "/checks";
  auto finding = [](const json& report) {
    for (const auto& f : report["findings"]) {
      if (f["code"] == "selector_matches_nothing") return f;
    }
    return json();
  };
  // French unless English is preferred.
  for (const std::vector<std::string>& headers : {std::vector<std::string>{},
                                                  {"Accept-Language: de-DE, fr;q=0.8, en;q=0.5"},
                                                  {"Accept-Language: es"}}) {
    Reply fr = Get(checks, "viewer", headers);
    ExpectJson(fr, 200);
    EXPECT_EQ(fr.Header("Content-Language"), "fr");
    EXPECT_NE(fr.Header("Vary").find("Accept-Language"), std::string::npos);
    EXPECT_EQ(fr.Json()["language"], "fr");
    const json f = finding(fr.Json());
    EXPECT_EQ(f["message"],
              "\u00AB\u00A0Personne \u221210\u00A0%\u00A0\u00BB\u00A0: la sélection ne correspond "
              "à aucun produit")
        << f.dump();
    EXPECT_EQ(f["promotion_id"], promotion);
    EXPECT_EQ(f["code"], "selector_matches_nothing");
    EXPECT_EQ(f["severity"], "blocking");
  }
  Reply en = Get(checks, "viewer", {"Accept-Language: en-GB,en;q=0.9,fr;q=0.5"});
  ExpectJson(en, 200);
  EXPECT_EQ(en.Header("Content-Language"), "en");
  EXPECT_EQ(en.Json()["language"], "en");
  EXPECT_EQ(finding(en.Json())["message"],
            "\u201CPersonne \u221210\u00A0%\u201D: selector matches no product");

  // The refused approval carries the report in the language asked too.
  ASSERT_EQ(Move(id, "editor", {{"to", "submitted"}}).status, 200);
  Reply refused =
      Send("POST", "/api/v1/campaigns/" + id + "/transitions", "approver",
           json({{"to", "approved"}}).dump(), "application/json", {"Accept-Language: en"});
  problem = ExpectProblem(refused, 409);
  EXPECT_EQ(refused.Header("Content-Language"), "en");
  EXPECT_EQ(problem["checks"]["language"], "en");
  EXPECT_EQ(finding(problem["checks"])["message"],
            "\u201CPersonne \u221210\u00A0%\u201D: selector matches no product");
  problem = ExpectProblem(Move(id, "approver", {{"to", "approved"}}), 409);
  EXPECT_EQ(problem["checks"]["language"], "fr");
}

TEST_F(OffersApiTest, StaleIfMatchIs412AndArchivingWithdrawsTheOffers) {
  SeedOffersCatalog();
  const std::string id = CreateCampaign(CampaignBody("Versions"));
  const std::string promotion =
      CreatePromotion(id, {{"selector", {{"kind", "products"}, {"product_ids", {"P1", "P2"}}}},
                           {"mechanic", {{"type", "percent_off"}, {"percent", 20}}}});
  const std::string path = "/api/v1/campaigns/" + id;
  Reply read = Get(path);
  ExpectJson(read, 200);
  EXPECT_EQ(read.Header("ETag"), "\"1\"");
  EXPECT_EQ(read.Json()["promotions"].size(), 1u);
  Reply renamed = Send("PATCH", path, "editor", json({{"name", "Versions 2"}}).dump(),
                       "application/json", {"If-Match: \"1\""});
  ExpectJson(renamed, 200);
  EXPECT_EQ(renamed.Header("ETag"), "\"2\"");
  EXPECT_EQ(renamed.Json()["name"], "Versions 2");
  ExpectProblem(Send("PATCH", path, "editor", json({{"name", "Perdu"}}).dump(), "application/json",
                     {"If-Match: \"1\""}),
                412);
  EXPECT_EQ(Get(path).Json()["name"], "Versions 2");
  json bad = ExpectProblem(Send("PATCH", path, "editor", json({{"name", "x"}}).dump(),
                                "application/json", {"If-Match: nonsense"}),
                           400);
  EXPECT_TRUE(Contains(ErrorFields(bad), "If-Match")) << bad.dump();
  const std::string promotion_path = "/api/v1/promotions/" + promotion;
  EXPECT_EQ(Get(promotion_path).Header("ETag"), "\"1\"");
  ExpectProblem(Send("PATCH", promotion_path, "editor", json({{"priority", 2}}).dump(),
                     "application/json", {"If-Match: \"7\""}),
                412);

  Approve(id);
  const json published = Offers("&campaign=" + id);
  ASSERT_EQ(published.size(), 6u);  // P1 and P2 in three stores
  const int64_t since = Changes(0)["next_since"].get<int64_t>();
  EXPECT_GT(since, 0);

  // An edit of the approved campaign goes to a pending revision: nothing is withdrawn.
  Reply edited = Send("PATCH", path, "editor", json({{"name", "Versions 3"}}).dump());
  ExpectJson(edited, 200);
  EXPECT_EQ(edited.Json()["status"], "approved");
  EXPECT_EQ(edited.Json()["name"], "Versions 2");
  EXPECT_EQ(edited.Json()["pending_revision"]["name"], "Versions 3");
  EXPECT_EQ(Offers("&campaign=" + id).size(), 6u);
  EXPECT_TRUE(Changes(since)["changes"].empty());
  // Discarded, the live version is as it was.
  EXPECT_EQ(Delete(path + "/revision").status, 204);
  EXPECT_TRUE(Get(path).Json()["pending_revision"].is_null());
  ExpectProblem(Get(path + "/revision"), 404);

  // Archiving withdraws every offer, and a platform of the campaign's channel is told.
  ASSERT_EQ(Move(id, "approver", {{"to", "archived"}}).status, 200);
  EXPECT_TRUE(Offers("&campaign=" + id).empty());
  const json feed = Changes(since);
  std::set<std::pair<std::string, std::string>> withdrawn;
  for (const auto& c : feed["changes"]) {
    EXPECT_EQ(c["op"], "delete") << c.dump();
    EXPECT_FALSE(c.contains("offer")) << c.dump();
    EXPECT_GT(c["seq"].get<int64_t>(), since);
    withdrawn.insert({c["offer_id"].get<std::string>(), c["store_id"].get<std::string>()});
  }
  std::set<std::pair<std::string, std::string>> expected;
  for (const auto& o : published)
    expected.insert({o["offer_id"].get<std::string>(), o["store_id"].get<std::string>()});
  EXPECT_EQ(withdrawn, expected);
  EXPECT_GT(feed["next_since"].get<int64_t>(), since);
  std::set<std::pair<std::string, std::string>> google_withdrawn;
  const json google_feed = Changes(since, "platform");
  for (const auto& c : google_feed["changes"]) {
    if (c["op"] == "delete")
      google_withdrawn.insert({c["offer_id"].get<std::string>(), c["store_id"].get<std::string>()});
  }
  EXPECT_EQ(google_withdrawn, expected);

  // Archived: neither the campaign nor its promotions can be edited.
  ExpectProblem(Send("PATCH", path, "editor", json({{"name", "Archivée"}}).dump()), 409);
  ExpectProblem(Send("PATCH", promotion_path, "editor", json({{"priority", 2}}).dump()), 409);
  ExpectProblem(Delete(promotion_path), 409);
  EXPECT_EQ(Get(promotion_path).Json()["priority"], 0);
}

// The offers' (offer_id, store_id) keys and their mechanic's percent.
std::map<std::pair<std::string, std::string>, int> OfferDiscounts(const json& offers) {
  std::map<std::pair<std::string, std::string>, int> keys;
  for (const auto& o : offers) {
    keys[{o["offer_id"].get<std::string>(), o["store_id"].get<std::string>()}] =
        o["mechanic"]["parameters"].value("percent", -1);
  }
  return keys;
}

TEST_F(OffersApiTest, EditingALiveCampaignKeepsItPublishedUntilItsRevisionIsApproved) {
  SeedOffersCatalog();
  const std::string id = CreateCampaign(CampaignBody("En ligne"));
  const std::string promotion =
      CreatePromotion(id, {{"selector", {{"kind", "products"}, {"product_ids", {"P1", "P2"}}}},
                           {"mechanic", {{"type", "percent_off"}, {"percent", 20}}}});
  Approve(id);
  const std::string path = "/api/v1/campaigns/" + id;
  const auto live_offers = OfferDiscounts(Offers("&campaign=" + id));
  ASSERT_EQ(live_offers.size(), 6u);  // P1 and P2 in three stores
  const int64_t since = Changes(0)["next_since"].get<int64_t>();
  const int live_version = Get(path).Json()["version"].get<int>();

  // The edit says where it went and that the live version stays published.
  Reply edited = Send(
      "PATCH", path, "editor",
      json({{"name", "En ligne (nouveau thème)"}, {"theme", {{"templates", {{"square", "bold"}}}}}})
          .dump(),
      "application/json", {"If-Match: \"" + std::to_string(live_version) + "\""});
  ExpectJson(edited, 200);
  json view = edited.Json();
  EXPECT_EQ(view["status"], "approved");
  EXPECT_EQ(view["name"], "En ligne");
  ASSERT_TRUE(view["pending_revision"].is_object()) << view.dump();
  EXPECT_EQ(view["pending_revision"]["name"], "En ligne (nouveau thème)");
  EXPECT_EQ(view["pending_revision"]["status"], "draft");
  EXPECT_NE(view["notice"].get<std::string>().find("stays published"), std::string::npos);
  EXPECT_EQ(edited.Header("ETag"), "\"" + std::to_string(live_version + 1) + "\"");
  // Promotions: one edited, one added (its own id, read back), all in the revision.
  Reply repriced = Send("PATCH", "/api/v1/promotions/" + promotion, "editor",
                        json({{"mechanic", {{"type", "percent_off"}, {"percent", 25}}}}).dump());
  ExpectJson(repriced, 200);
  EXPECT_EQ(repriced.Json()["in_pending_revision"], true);
  EXPECT_NE(repriced.Json()["notice"].get<std::string>().find("stays published"),
            std::string::npos);
  const std::string added =
      CreatePromotion(id, {{"selector", {{"kind", "products"}, {"product_ids", {"P3"}}}},
                           {"mechanic", {{"type", "percent_off"}, {"percent", 10}}}});
  ASSERT_FALSE(added.empty());
  Reply added_read = Get("/api/v1/promotions/" + added);
  ExpectJson(added_read, 200);
  EXPECT_EQ(added_read.Json()["in_pending_revision"], true);
  EXPECT_EQ(Get("/api/v1/promotions/" + promotion).Json()["mechanic"]["percent"], 20);  // live

  // Nothing published moved: same offers, same discounts, no change in the feed.
  EXPECT_EQ(OfferDiscounts(Offers("&campaign=" + id)), live_offers);
  EXPECT_TRUE(Changes(since)["changes"].empty());
  Reply read = Get(path, "editor");
  ExpectJson(read, 200);
  EXPECT_EQ(read.Json()["promotions"].size(), 1u);
  EXPECT_EQ(read.Json()["pending_revision"]["promotions"].size(), 2u);
  EXPECT_NE(read.Json()["notice"].get<std::string>().find("stays published"), std::string::npos);
  EXPECT_TRUE(
      Get("/api/v1/campaigns?status=approved").Json()["items"][0]["pending_revision"].is_object());
  Reply checks = Get(path + "/revision/checks");
  ExpectJson(checks, 200);
  EXPECT_EQ(checks.Json()["promotions"], 2);
  ExpectJson(Get(path + "/revision"), 200);
  // The live campaign takes no transition meanwhile.
  ExpectProblem(Move(id, "approver", {{"to", "archived"}}), 409);

  // Submitted, rejected with a comment the editor reads, submitted again, approved.
  auto move_revision = [&](const std::string& who, json body) {
    return Send("POST", path + "/revision/transitions", who, body.dump());
  };
  ExpectJson(move_revision("editor", {{"to", "submitted"}}), 200);
  ExpectProblem(move_revision("editor", {{"to", "approved"}}), 403);
  ExpectJson(move_revision("approver", {{"to", "rejected"}, {"comment", "le thème bold, non"}}),
             200);
  const json rejected = Get(path, "editor").Json()["pending_revision"];
  EXPECT_EQ(rejected["status"], "rejected");
  EXPECT_EQ(rejected["last_review"]["comment"], "le thème bold, non");
  EXPECT_EQ(rejected["last_review"]["decision"], "rejected");
  EXPECT_EQ(OfferDiscounts(Offers("&campaign=" + id)), live_offers);
  ExpectJson(move_revision("editor", {{"to", "draft"}}), 200);
  ExpectJson(move_revision("editor", {{"to", "submitted"}}), 200);
  Reply approved = move_revision("approver", {{"to", "approved"}, {"comment", "ok"}});
  ExpectJson(approved, 200);
  EXPECT_EQ(approved.Json()["name"], "En ligne (nouveau thème)");
  EXPECT_EQ(approved.Json()["status"], "approved");
  EXPECT_TRUE(approved.Json()["pending_revision"].is_null());
  EXPECT_EQ(approved.Json()["last_review"]["revision"], true);
  ExpectProblem(Get(path + "/revision"), 404);

  // Now published, with the same offer ids for the promotion that stayed.
  const auto now_live = OfferDiscounts(Offers("&campaign=" + id));
  EXPECT_EQ(now_live.size(), 9u);
  for (const auto& [key, discount] : live_offers) {
    ASSERT_TRUE(now_live.contains(key)) << key.first;
    EXPECT_EQ(now_live.at(key), 25) << key.first;
  }
  EXPECT_FALSE(Changes(since)["changes"].empty());
}

TEST_F(OffersApiTest, SelfApprovalIsRefusedAndAnAdminOverrideIsAuditedAndShown) {
  SeedOffersCatalog();
  // One approver token writes, submits and tries to approve its own campaign.
  Reply created = Send("POST", "/api/v1/campaigns", "approver", CampaignBody("À moi").dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  const std::string path = "/api/v1/campaigns/" + id;
  ASSERT_EQ(Send("POST", path + "/promotions", "approver",
                 json({{"selector", {{"kind", "products"}, {"product_ids", {"P1"}}}},
                       {"mechanic", {{"type", "percent_off"}, {"percent", 20}}}})
                     .dump())
                .status,
            201);
  ASSERT_EQ(Move(id, "approver", {{"to", "submitted"}}).status, 200);
  json problem = ExpectProblem(Move(id, "approver", {{"to", "approved"}}), 403);
  EXPECT_NE(problem["detail"].get<std::string>().find("four eyes"), std::string::npos);
  EXPECT_TRUE(Contains(problem["authors"].get<std::vector<std::string>>(),
                       "token:" + h_.TokenId("approver")))
      << problem.dump();
  EXPECT_EQ(Get(path).Json()["status"], "submitted");
  EXPECT_TRUE(Offers("&campaign=" + id).empty());

  // An admin who edited it is an author too: only with a reason.
  ASSERT_EQ(Send("PATCH", path, "admin", json({{"description", "relu"}}).dump()).status, 200);
  ExpectProblem(Move(id, "admin", {{"to", "approved"}}), 403);
  Reply overridden =
      Move(id, "admin", {{"to", "approved"}, {"override_reason", "juriste absente, urgence"}});
  ExpectJson(overridden, 200);
  EXPECT_EQ(overridden.Json()["status"], "approved");
  const json review = Get(path, "viewer").Json()["last_review"];
  EXPECT_EQ(review["decision"], "approved");
  EXPECT_EQ(review["override_reason"], "juriste absente, urgence");
  EXPECT_EQ(review["reviewer"], "token:" + h_.TokenId("admin"));
  EXPECT_EQ(Offers("&campaign=" + id).size(), 3u);
  bool audited = false;
  const json audit = Get("/api/v1/audit?entity=campaign&id=" + id, "approver").Json()["items"];
  for (const auto& entry : audit) {
    if (entry["action"] == "transition" && entry["after"].value("to", "") == "approved") {
      audited = entry["after"].value("override_reason", "") == "juriste absente, urgence";
    }
  }
  EXPECT_TRUE(audited) << audit.dump();
}

TEST_F(OffersApiTest, TheEditorReadsTheRejectionCommentOnTheCampaign) {
  SeedOffersCatalog();
  const std::string id = CreateCampaign(CampaignBody("Test conformité"));
  CreatePromotion(id, {{"selector", {{"kind", "products"}, {"product_ids", {"P1"}}}},
                       {"mechanic", {{"type", "percent_off"}, {"percent", 20}}}});
  ASSERT_EQ(Move(id, "editor", {{"to", "submitted"}}).status, 200);
  ASSERT_EQ(
      Move(id, "approver", {{"to", "rejected"}, {"comment", "Nutella : -50 % impossible"}}).status,
      200);
  // The audit log stays the approver's; the comment is on the campaign.
  ExpectProblem(Get("/api/v1/audit?entity=campaign&id=" + id, "editor"), 403);
  Reply read = Get("/api/v1/campaigns/" + id, "editor");
  ExpectJson(read, 200);
  const json review = read.Json()["last_review"];
  ASSERT_TRUE(review.is_object()) << read.body;
  EXPECT_EQ(review["decision"], "rejected");
  EXPECT_EQ(review["comment"], "Nutella : -50 % impossible");
  EXPECT_EQ(review["reviewer"], "token:" + h_.TokenId("approver"));
  EXPECT_EQ(review["revision"], false);
  EXPECT_EQ(Get("/api/v1/campaigns?status=rejected", "editor")
                .Json()["items"][0]["last_review"]["comment"],
            "Nutella : -50 % impossible");
}

TEST_F(OffersApiTest, OffersListFiltersPagingOneOfferAndItsExplanation) {
  SeedPublishedCampaigns();
  auto count = [](const json& items, const char* key, const std::string& value) {
    return std::count_if(items.begin(), items.end(),
                         [&](const json& o) { return o[key] == value; });
  };
  const json all = Offers("");
  ASSERT_EQ(all.size(), 8u) << all.dump();
  EXPECT_EQ(count(all, "campaign_id", campaign_a_), 6);
  EXPECT_EQ(count(all, "campaign_id", campaign_b_), 2);

  const json lyon = Offers("&store=LYON");
  EXPECT_EQ(lyon.size(), 3u);
  EXPECT_EQ(count(lyon, "store_id", "LYON"), 3);
  EXPECT_EQ(Offers("&store=VERSAILLES").size(), 2u);
  const json leaflet = Offers("&channel=leaflet");
  EXPECT_EQ(leaflet.size(), 2u);
  EXPECT_EQ(count(leaflet, "campaign_id", campaign_b_), 2);
  EXPECT_EQ(Offers("&channel=google").size(), 6u);
  EXPECT_EQ(Offers("&campaign=" + campaign_a_).size(), 6u);
  const json tea = Offers("&category=" + Encode("Épicerie > Thé"));
  EXPECT_EQ(tea.size(), 3u);
  EXPECT_EQ(count(tea, "product_id", "P2"), 3);
  EXPECT_EQ(Offers("&store=LYON&campaign=" + campaign_b_).size(), 1u);
  // product: one product's offers, in every store or in the one asked for.
  const json p1_offers = Offers("&product=P1");
  EXPECT_EQ(p1_offers.size(), 3u);
  EXPECT_EQ(count(p1_offers, "product_id", "P1"), 3);
  EXPECT_EQ(Offers("&product=P1&store=LYON").size(), 1u);
  EXPECT_EQ(Offers("&product=P3").size(), 2u);
  EXPECT_EQ(Offers("&product=P9").size(), 0u);
  json bad_product = ExpectProblem(Get("/api/v1/offers?product=" + Encode("../P1")), 400);
  EXPECT_TRUE(Contains(ErrorFields(bad_product), "product")) << bad_product.dump();

  // near: the stores within the radius, nearest first, each offer with its distance.
  const json near = Offers("&near=48.8566,2.3522&radius_km=30");
  ASSERT_EQ(near.size(), 5u) << near.dump();
  EXPECT_EQ(near[0]["store_id"], "PARIS");
  EXPECT_EQ(near[0]["distance_km"], 0.0);
  EXPECT_EQ(near[4]["store_id"], "VERSAILLES");
  EXPECT_GT(near[4]["distance_km"].get<double>(), 10.0);
  EXPECT_EQ(count(near, "store_id", "LYON"), 0);
  EXPECT_EQ(Offers("&near=45.76,4.84&radius_km=5").size(), 3u);
  ExpectProblem(Get("/api/v1/offers?near=48.8566,2.3522&radius_km=0"), 400);
  json problem = ExpectProblem(Get("/api/v1/offers?radius_km=5"), 400);
  EXPECT_TRUE(Contains(ErrorFields(problem), "radius_km")) << problem.dump();
  problem = ExpectProblem(Get("/api/v1/offers?near=91,0"), 400);
  EXPECT_TRUE(Contains(ErrorFields(problem), "near")) << problem.dump();

  // at: valid offers at that instant only.
  EXPECT_EQ(Offers("&at=2026-06-15T12:00:00Z").size(), 8u);
  EXPECT_EQ(Offers("&at=2026-07-15T12:00:00Z").size(), 0u);
  EXPECT_EQ(Offers("&at=2026-06-05T12:00:00Z").size(), 0u);
  problem = ExpectProblem(Get("/api/v1/offers?at=tomorrow"), 400);
  EXPECT_TRUE(Contains(ErrorFields(problem), "at")) << problem.dump();

  // Paging, plain and near: every offer once.
  int pages = 0;
  json paged = CollectPages("/api/v1/offers?limit=3", "viewer", &pages);
  EXPECT_EQ(pages, 3);
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& o : paged)
    keys.insert({o["offer_id"].get<std::string>(), o["store_id"].get<std::string>()});
  EXPECT_EQ(paged.size(), 8u);
  EXPECT_EQ(keys.size(), 8u);
  json near_paged =
      CollectPages("/api/v1/offers?near=48.8566,2.3522&radius_km=30&limit=2", "viewer", &pages);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(near_paged, near);
  // A near cursor crafted without its "|" (or with junk before it) is a 400, never a crash.
  for (const std::string plain : {"offers-near:0", "offers-near:1x|"}) {
    std::string crafted;
    for (unsigned char c : plain) {
      static constexpr char kHex[] = "0123456789abcdef";
      crafted += kHex[c >> 4];
      crafted += kHex[c & 15];
    }
    problem = ExpectProblem(
        Get("/api/v1/offers?near=48.8566,2.3522&radius_km=30&cursor=" + crafted), 400);
    EXPECT_TRUE(Contains(ErrorFields(problem), "cursor")) << plain << ": " << problem.dump();
  }

  // One offer, its prices, and its explanation.
  const std::string p1 = percent_ + "~P1";
  Reply one = Get("/api/v1/offers/" + p1 + "?store=PARIS");
  ExpectJson(one, 200);
  const json offer = one.Json();
  EXPECT_EQ(offer["offer_id"], p1);
  EXPECT_EQ(offer["store_id"], "PARIS");
  EXPECT_EQ(offer["campaign_id"], campaign_a_);
  EXPECT_EQ(offer["prices"]["regular"], "4.00 EUR");
  EXPECT_EQ(offer["prices"]["shelf"], "2.80 EUR");
  EXPECT_EQ(offer["mechanic"]["type"], "percent_off");
  EXPECT_EQ(offer["validity"]["start_local"], "2026-06-10T00:00:00+02:00");
  problem = ExpectProblem(Get("/api/v1/offers/" + p1), 400);
  EXPECT_TRUE(Contains(ErrorFields(problem), "store")) << problem.dump();
  problem = ExpectProblem(Get("/api/v1/offers/" + percent_ + "?store=PARIS"), 400);
  EXPECT_TRUE(Contains(ErrorFields(problem), "offer_id")) << problem.dump();
  ExpectProblem(Get("/api/v1/offers/" + fixed_ + "~P3?store=VERSAILLES"), 404);

  Reply explain = Get("/api/v1/offers/" + p1 + "/explain?store=PARIS");
  ExpectJson(explain, 200);
  const json why = explain.Json();
  EXPECT_EQ(why["offer_id"], p1);
  EXPECT_EQ(why["store_id"], "PARIS");
  EXPECT_EQ(why["product_id"], "P1");
  ASSERT_TRUE(why["candidates"].is_array());
  EXPECT_FALSE(why["candidates"].empty());
  EXPECT_EQ(why["published"]["offer_id"], p1);
  ExpectProblem(Get("/api/v1/offers/NOPE~P1/explain?store=PARIS"), 404);

  // A platform token (channel google) sees google offers only.
  const json platform = Offers("", "platform");
  EXPECT_EQ(platform.size(), 6u);
  EXPECT_EQ(count(platform, "campaign_id", campaign_a_), 6);
  EXPECT_EQ(Offers("&channel=google", "platform").size(), 6u);
  problem = ExpectProblem(Get("/api/v1/offers?channel=leaflet", "platform"), 403);
  EXPECT_NE(problem["detail"].get<std::string>().find("google"), std::string::npos);
  ExpectProblem(Get("/api/v1/offers/changes?channel=meta", "platform"), 403);
  EXPECT_EQ(Get("/api/v1/offers/" + p1 + "?store=PARIS", "platform").status, 200);
  ExpectProblem(Get("/api/v1/offers/" + fixed_ + "~P3?store=PARIS", "platform"), 404);
  EXPECT_EQ(Get("/api/v1/offers/" + fixed_ + "~P3?store=PARIS", "viewer").status, 200);
  ExpectProblem(Get("/api/v1/offers/" + p1 + "/explain?store=PARIS", "platform"), 403);

  // The change feed: everything since 0, read on with next_since; google only for platforms.
  const json feed = Changes(0);
  std::set<std::pair<std::string, std::string>> upserts;
  int64_t last = 0;
  for (const auto& c : feed["changes"]) {
    EXPECT_GT(c["seq"].get<int64_t>(), last);
    last = c["seq"].get<int64_t>();
    if (c["op"] == "upsert")
      upserts.insert({c["offer_id"].get<std::string>(), c["store_id"].get<std::string>()});
  }
  EXPECT_EQ(upserts, keys);
  EXPECT_EQ(feed["next_since"], last);
  EXPECT_TRUE(Changes(last)["changes"].empty());
  EXPECT_EQ(Changes(last)["next_since"], last);
  const json google_feed = Changes(0, "platform");
  ASSERT_FALSE(google_feed["changes"].empty());
  for (const auto& c : google_feed["changes"]) {
    ASSERT_TRUE(c.contains("offer")) << c.dump();
    EXPECT_TRUE(Contains(c["offer"]["channels"].get<std::vector<std::string>>(), "google"))
        << c.dump();
  }
  problem = ExpectProblem(Get("/api/v1/offers/changes?since=-1"), 400);
  EXPECT_TRUE(Contains(ErrorFields(problem), "since")) << problem.dump();
}

// The first element of `items` whose `key` is `value`; null when none.
json FindItem(const json& items, const std::string& key, const std::string& value) {
  for (const auto& item : items) {
    if (item.value(key, "") == value) return item;
  }
  return nullptr;
}

TEST_F(OffersApiTest, AnOffersPageReadAgainAfterAWriteIsTheNewOne) {
  // GET /offers keeps the pages it served, valid while the offers' seq stays put: every
  // write that changes an offer, through this server or not, must show on the next read.
  SeedPublishedCampaigns();
  const std::string path = "/api/v1/offers?store=PARIS&limit=100";
  const std::string p1 = percent_ + "~P1";
  Reply first = Get(path);
  ExpectJson(first, 200);
  EXPECT_EQ(first.Header("Vary"), "Accept-Encoding");
  Reply again = Get(path);  // now kept
  EXPECT_EQ(again.body, first.body);
  // The kept bytes are those the route always sent: nlohmann's dump() of the page.
  EXPECT_EQ(first.body, first.Json().dump());
  ASSERT_EQ(first.Json()["items"].size(), 3u) << first.body;  // P1, P2 (A) and P3 (B)

  // Stock, through the server.
  ASSERT_EQ(
      Put("/api/v1/stock", {{"product_id", "P1"}, {"store_id", "PARIS"}, {"quantity", 3}}).status,
      200);
  EXPECT_EQ(FindItem(Get(path).Json()["items"], "offer_id", p1)["stock"]["quantity"], 3);
  // Stock, through an import.
  ASSERT_EQ(Send("POST", "/api/v1/imports/stock", "editor",
                 "product_id,store_id,quantity\nP1,PARIS,7\n", "text/csv")
                .status,
            200);
  EXPECT_EQ(FindItem(Get(path).Json()["items"], "offer_id", p1)["stock"]["quantity"], 7);
  // A price.
  ASSERT_EQ(Put("/api/v1/prices", json::array({{{"product_id", "P1"},
                                                {"price", "5.00"},
                                                {"effective_from", "2026-05-01T00:00:00Z"}}}))
                .status,
            200);
  EXPECT_EQ(FindItem(Get(path).Json()["items"], "offer_id", p1)["prices"]["regular"], "5.00 EUR");
  // The product (its category is in the offer).
  ASSERT_EQ(Put("/api/v1/products/P1", {{"title", "P1 Lavazza"},
                                        {"brand", "Lavazza"},
                                        {"category", "Épicerie > Café moulu"},
                                        {"net_quantity", "250 g"},
                                        {"gtin", Gtin13("376000000100")},
                                        {"image_url", "https://img.example.com/P1"}})
                .status,
            200);
  EXPECT_EQ(FindItem(Get(path).Json()["items"], "offer_id", p1)["category"],
            "Épicerie > Café moulu");
  // A campaign transition: archiving B withdraws its offer of P3.
  ASSERT_NE(FindItem(Get(path).Json()["items"], "product_id", "P3"), nullptr);
  ASSERT_EQ(Move(campaign_b_, "approver", {{"to", "archived"}}).status, 200);
  Reply archived = Get(path);
  EXPECT_EQ(FindItem(archived.Json()["items"], "product_id", "P3"), nullptr) << archived.body;
  EXPECT_EQ(archived.Json()["items"].size(), 2u);

  // A write the server is not told about (another process on the same database).
  auto offer = h_.db().GetOffer(p1, "PARIS");
  ASSERT_TRUE(offer.ok() && offer->has_value());
  PublishedOffer changed = **offer;
  changed.headline = "Écrit par un autre processus";
  changed.content_hash.clear();
  OfferRepository::Scope scope;
  scope.promotion_ids = {percent_};
  scope.product_ids = {"P1"};
  scope.store_ids = {"PARIS"};
  ASSERT_TRUE(h_.db().ReplaceOffers(scope, std::vector<PublishedOffer>{changed}).ok());
  EXPECT_EQ(FindItem(Get(path).Json()["items"], "offer_id", p1)["texts"]["headline"],
            "Écrit par un autre processus");
}

TEST_F(OffersApiTest, OffersFilterByAvailability) {
  SeedPublishedCampaigns();
  // No stock yet: every offer is out of stock. Stock for two of PARIS's three offers.
  ASSERT_EQ(Send("POST", "/api/v1/imports/stock", "editor",
                 "product_id,store_id,quantity\nP1,PARIS,2\nP2,PARIS,40\n", "text/csv")
                .status,
            200);
  auto ids = [](const json& items) {
    std::set<std::string> out;
    for (const json& o : items) out.insert(o["product_id"].get<std::string>());
    return out;
  };
  EXPECT_EQ(ids(Offers("&store=PARIS&availability=out_of_stock")), std::set<std::string>{"P3"});
  EXPECT_EQ(ids(Offers("&store=PARIS&availability=limited")), std::set<std::string>{"P1"});
  EXPECT_EQ(ids(Offers("&store=PARIS&availability=limited_availability")),
            std::set<std::string>{"P1"});
  EXPECT_EQ(ids(Offers("&store=PARIS&availability=out_of_stock,limited")),
            (std::set<std::string>{"P1", "P3"}));
  EXPECT_EQ(ids(Offers("&store=PARIS&availability=" + Encode("out_of_stock|limited"))),
            (std::set<std::string>{"P1", "P3"}));
  EXPECT_EQ(ids(Offers("&store=PARIS&availability=in_stock")), std::set<std::string>{"P2"});
  EXPECT_EQ(Offers("&availability=out_of_stock").size(), 6u);
  // With near= too.
  EXPECT_EQ(ids(Offers("&near=48.8566,2.3522&radius_km=1&availability=limited")),
            std::set<std::string>{"P1"});
  for (const std::string bad : {"", "sold_out", "limited,", "out_of_stock,,in_stock"}) {
    json problem = ExpectProblem(Get("/api/v1/offers?availability=" + bad), 400);
    EXPECT_TRUE(Contains(ErrorFields(problem), "availability")) << bad << ": " << problem.dump();
  }
}

TEST_F(OffersApiTest, DashboardCountsTheOffersAndFollowsAStockImport) {
  SeedPublishedCampaigns();
  ASSERT_EQ(Send("POST", "/api/v1/imports/stock", "editor",
                 "product_id,store_id,quantity\nP1,PARIS,2\nP2,PARIS,40\nP1,LYON,30\n"
                 "P2,LYON,30\nP3,LYON,1\nP1,VERSAILLES,30\nP2,VERSAILLES,30\n",
                 "text/csv")
                .status,
            200);
  Reply first = Get("/api/v1/dashboard");
  ExpectJson(first, 200);
  const json d = first.Json();
  EXPECT_EQ(d["as_of"], "2026-06-01T08:00:00Z");
  EXPECT_EQ(d["offers"]["published"], 8);
  EXPECT_EQ(d["offers"]["by_channel"], json::parse(R"([{"channel": "google", "offers": 6},
      {"channel": "leaflet", "offers": 2}, {"channel": "meta", "offers": 6}])"));
  EXPECT_EQ(d["offers"]["by_campaign"],
            json::array({{{"campaign_id", campaign_a_}, {"name", "Semaine du café"}, {"offers", 6}},
                         {{"campaign_id", campaign_b_}, {"name", "Prospectus"}, {"offers", 2}}}));
  EXPECT_EQ(d["offers"]["by_zone"], json::parse(R"([{"price_zone": "Z-IDF", "offers": 5},
      {"price_zone": "Z-SUD", "offers": 3}])"));
  // PARIS: P3 out of stock, P1 limited (2 < 5); LYON: P3 limited.
  EXPECT_EQ(d["availability"]["out_of_stock"], 1);
  EXPECT_EQ(d["availability"]["limited"], 2);
  EXPECT_EQ(d["availability"]["stores_affected"], 2);
  EXPECT_EQ(d["availability"]["stores"], json::parse(R"([
      {"store_id": "PARIS", "name": "Paris Rivoli", "out_of_stock": 1, "limited": 1},
      {"store_id": "LYON", "name": "Lyon Part-Dieu", "out_of_stock": 0, "limited": 1}])"));
  EXPECT_EQ(d["campaigns"]["awaiting_approval"], 0);
  ASSERT_EQ(d["campaigns"]["findings"].size(), 2u) << d["campaigns"].dump();
  EXPECT_EQ(d["campaigns"]["findings"][0]["campaign_id"], campaign_a_);
  EXPECT_EQ(d["campaigns"]["findings"][0]["status"], "approved");
  const json checks_a = Get("/api/v1/campaigns/" + campaign_a_ + "/checks").Json();
  EXPECT_EQ(d["campaigns"]["findings"][0]["blocking"], checks_a["blocking"]);
  EXPECT_EQ(d["campaigns"]["findings"][0]["warnings"], checks_a["warnings"]);
  EXPECT_EQ(d["changes"]["last_seq"], Changes(0)["next_since"]);
  ASSERT_EQ(d["changes"]["per_minute"].size(), 60u);
  EXPECT_EQ(d["changes"]["per_minute"][59]["minute"], "2026-06-01T08:00:00Z");
  EXPECT_EQ(d["changes"]["per_minute"][0]["minute"], "2026-06-01T07:01:00Z");
  // Every offer was written in this minute: 8 inserted, then 7 stock updates.
  EXPECT_EQ(d["changes"]["per_minute"][59]["changes"], 15);
  EXPECT_EQ(d["offers"]["changed_last_hour"], 15);
  EXPECT_EQ(d["assembly"]["last_run_at"], "2026-06-01T08:00:00Z");
  EXPECT_EQ(d["assembly"]["offers_written"], 7);
  ASSERT_TRUE(d["feeds"].is_array());

  // Nothing changed: 304 without a body, for the ETag as sent and among others.
  const std::string etag = first.Header("ETag");
  ASSERT_FALSE(etag.empty());
  Reply same = Get("/api/v1/dashboard", "viewer", {"If-None-Match: " + etag});
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.body, "");
  EXPECT_EQ(same.Header("ETag"), etag);
  EXPECT_EQ(Get("/api/v1/dashboard", "viewer", {"If-None-Match: \"x\", W/" + etag}).status, 304);

  // A stock import that empties LYON's P1: the figures follow, under a new ETag.
  ASSERT_EQ(Send("POST", "/api/v1/imports/stock", "editor",
                 "product_id,store_id,quantity\nP1,LYON,0\n", "text/csv")
                .status,
            200);
  Reply moved = Get("/api/v1/dashboard", "viewer", {"If-None-Match: " + etag});
  ExpectJson(moved, 200);
  EXPECT_NE(moved.Header("ETag"), etag);
  const json m = moved.Json();
  EXPECT_EQ(m["offers"]["published"], 8);
  EXPECT_EQ(m["availability"]["out_of_stock"], 2);
  // Ties go by store id.
  EXPECT_EQ(m["availability"]["stores"], json::parse(R"([
      {"store_id": "LYON", "name": "Lyon Part-Dieu", "out_of_stock": 1, "limited": 1},
      {"store_id": "PARIS", "name": "Paris Rivoli", "out_of_stock": 1, "limited": 1}])"));
  EXPECT_EQ(m["assembly"]["offers_written"], 1);
  EXPECT_EQ(m["offers"]["changed_last_hour"], 16);
  // The list behind a store's figures is one click away.
  EXPECT_EQ(Offers("&store=LYON&availability=out_of_stock,limited").size(), 2u);

  // The last-hour windows slide with the clock: a new minute is a new ETag, and after an
  // hour the writes have left the window.
  const std::string moved_etag = moved.Header("ETag");
  h_.clock().Advance(std::chrono::minutes(1));
  Reply later = Get("/api/v1/dashboard", "viewer", {"If-None-Match: " + moved_etag});
  ExpectJson(later, 200);
  EXPECT_EQ(later.Json()["changes"]["per_minute"][58]["changes"], 16);
  h_.clock().Advance(std::chrono::hours(1));
  const json hour_later = Get("/api/v1/dashboard").Json();
  EXPECT_EQ(hour_later["offers"]["changed_last_hour"], 0);
  EXPECT_EQ(hour_later["offers"]["published"], 8);

  // Archiving B withdraws its two offers from the counts.
  ASSERT_EQ(Move(campaign_b_, "approver", {{"to", "archived"}}).status, 200);
  const json archived = Get("/api/v1/dashboard").Json();
  EXPECT_EQ(archived["offers"]["published"], 6);
  EXPECT_EQ(archived["offers"]["by_channel"], json::parse(R"([{"channel": "google", "offers": 6},
      {"channel": "meta", "offers": 6}])"));
  EXPECT_EQ(archived["campaigns"]["findings"].size(), 1u);
}

TEST_F(OffersApiTest, AnOffersPageIsKeptPerChannelScopeAndQuery) {
  SeedPublishedCampaigns();
  // The viewer's page holds the leaflet offer; the google platform's, read just after, not.
  const std::string path = "/api/v1/offers?store=PARIS&limit=100";
  EXPECT_EQ(Get(path, "viewer").Json()["items"].size(), 3u);
  EXPECT_EQ(Get(path, "platform").Json()["items"].size(), 2u);
  EXPECT_EQ(Get(path, "viewer").Json()["items"].size(), 3u);
  EXPECT_EQ(Get(path + "&channel=leaflet").Json()["items"].size(), 1u);
  EXPECT_EQ(Get(path + "&campaign=" + campaign_b_).Json()["items"].size(), 1u);
  EXPECT_EQ(Get(path + "&category=" + Encode("Épicerie > Thé")).Json()["items"].size(), 1u);
  EXPECT_EQ(Get(path + "&product=P3").Json()["items"].size(), 1u);
  EXPECT_EQ(Get(path + "&at=2026-06-15T12:00:00Z").Json()["items"].size(), 3u);
  EXPECT_EQ(Get(path + "&at=2026-07-15T12:00:00Z").Json()["items"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/offers?store=PARIS&limit=1").Json()["items"].size(), 1u);
  int pages = 0;
  EXPECT_EQ(CollectPages("/api/v1/offers?store=PARIS&limit=2", "viewer", &pages).size(), 3u);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(Get(path, "viewer").Json()["items"].size(), 3u);
}

TEST_F(OffersApiTest, AnOffersPageIsGzippedWhenTheClientAcceptsIt) {
  SeedPublishedCampaigns();
  const std::string path = "/api/v1/offers?limit=100";
  Reply identity = Get(path);
  ExpectJson(identity, 200);
  EXPECT_EQ(identity.Header("Content-Encoding"), "");
  for (int i = 0; i < 2; ++i) {  // made, then kept
    Reply gzip = Get(path, "viewer", {"Accept-Encoding: gzip, deflate"});
    EXPECT_EQ(gzip.status, 200);
    EXPECT_EQ(gzip.Header("Content-Type"), "application/json");
    EXPECT_EQ(gzip.Header("Content-Encoding"), "gzip");
    EXPECT_EQ(gzip.Header("Vary"), "Accept-Encoding");
    EXPECT_EQ(Gunzip(gzip.body), identity.body);
  }
  Reply refused = Get(path, "viewer", {"Accept-Encoding: gzip;q=0"});
  EXPECT_EQ(refused.Header("Content-Encoding"), "");
  EXPECT_EQ(refused.body, identity.body);
  // A write: the gzip follows the new page.
  ASSERT_EQ(
      Put("/api/v1/stock", {{"product_id", "P2"}, {"store_id", "LYON"}, {"quantity", 11}}).status,
      200);
  Reply after = Get(path);
  EXPECT_NE(after.body, identity.body);
  EXPECT_EQ(Gunzip(Get(path, "viewer", {"Accept-Encoding: gzip"}).body), after.body);
}

TEST_F(OffersApiTest, AStockWriteBumpsThatOfferAloneInTheChangeFeed) {
  SeedPublishedCampaigns();
  std::map<std::pair<std::string, std::string>, int64_t> seq_before;
  for (const auto& o : Offers(""))
    seq_before[{o["offer_id"].get<std::string>(), o["store_id"].get<std::string>()}] =
        o["seq"].get<int64_t>();
  ASSERT_EQ(seq_before.size(), 8u);
  const int64_t since = Changes(0)["next_since"].get<int64_t>();

  ASSERT_EQ(
      Put("/api/v1/stock", {{"product_id", "P1"}, {"store_id", "PARIS"}, {"quantity", 3}}).status,
      200);
  const json feed = Changes(since);
  ASSERT_EQ(feed["changes"].size(), 1u) << feed.dump();
  const json change = feed["changes"][0];
  EXPECT_EQ(change["offer_id"], percent_ + "~P1");
  EXPECT_EQ(change["store_id"], "PARIS");
  EXPECT_EQ(change["op"], "upsert");
  EXPECT_GT(change["seq"].get<int64_t>(), since);
  EXPECT_EQ(change["offer"]["stock"]["quantity"], 3);
  EXPECT_EQ(change["offer"]["stock"]["availability"], "limited_availability");
  EXPECT_EQ(feed["next_since"], change["seq"]);

  for (const auto& o : Offers("")) {
    const std::pair<std::string, std::string> key{o["offer_id"].get<std::string>(),
                                                  o["store_id"].get<std::string>()};
    SCOPED_TRACE(key.first + " in " + key.second);
    if (key == std::pair<std::string, std::string>{percent_ + "~P1", "PARIS"}) {
      EXPECT_EQ(o["seq"], change["seq"]);
    } else {
      EXPECT_EQ(o["seq"].get<int64_t>(), seq_before.at(key));
    }
  }
  // A stock level of a product without an offer there changes nothing.
  ASSERT_EQ(
      Put("/api/v1/stock", {{"product_id", "P3"}, {"store_id", "VERSAILLES"}, {"quantity", 9}})
          .status,
      200);
  EXPECT_TRUE(Changes(change["seq"].get<int64_t>())["changes"].empty());
}

TEST_F(ApiTest, ADraftCampaignIsCheckedWithoutBeingSaved) {
  SeedSmallCatalog();
  const json body = {{"name", "Brouillon"},
                     {"start", "2026-12-02T00:00"},
                     {"end", "2026-12-09T00:00"},
                     {"channels", {"google"}},
                     {"promotions",
                      {{{"selector", {{"kind", "products"}, {"product_ids", {"P1"}}}},
                        {"mechanic", {{"type", "percent_off"}, {"percent", 10}}}},
                       {{"selector", {{"kind", "brand"}, {"brand", "Personne"}}},
                        {"mechanic", {{"type", "percent_off"}, {"percent", 10}}}}}}};
  Reply en = Send("POST", "/api/v1/campaigns/checks", "viewer", body.dump(), "application/json",
                  {"Accept-Language: en"});
  ExpectJson(en, 200);
  EXPECT_EQ(en.Header("Content-Language"), "en");
  const json report = en.Json();
  EXPECT_EQ(report["promotions"], 2);
  EXPECT_EQ(report["approvable"], false);
  bool named = false;
  for (const auto& f : report["findings"]) {
    if (f["code"] == "selector_matches_nothing") named = f["promotion_id"] == "draft-2";
  }
  EXPECT_TRUE(named) << report.dump();
  // Nothing was saved.
  EXPECT_TRUE(Get("/api/v1/campaigns").Json()["items"].empty());

  // Bad promotions are 400s naming their place in the list.
  json bad = body;
  bad["promotions"][1].erase("mechanic");
  const json problem =
      ExpectProblem(Send("POST", "/api/v1/campaigns/checks", "viewer", bad.dump()), 400);
  EXPECT_NE(problem.dump().find("promotions[1].mechanic"), std::string::npos) << problem.dump();
  bad = body;
  bad["promotions"] = "P1";
  ExpectProblem(Send("POST", "/api/v1/campaigns/checks", "viewer", bad.dump()), 400);
  // The literal route does not hide a campaign's own checks.
  ExpectProblem(Get("/api/v1/campaigns/C99999999/checks"), 404);
}

TEST_F(ApiTest, AProductSelectionIsCountedWithASample) {
  SeedSmallCatalog();
  Reply brand = Send("POST", "/api/v1/products/selection", "viewer",
                     json({{"kind", "brand"}, {"brand", "lavazza"}}).dump());
  ExpectJson(brand, 200);
  EXPECT_EQ(brand.Json()["count"], 1);
  ASSERT_EQ(brand.Json()["products"].size(), 1u);
  EXPECT_EQ(brand.Json()["products"][0]["id"], "P1");
  EXPECT_EQ(brand.Json()["products"][0]["title"], "Café moulu");

  Reply listed = Send("POST", "/api/v1/products/selection", "viewer",
                      json({{"kind", "products"}, {"product_ids", {"P2", "P1", "NOPE"}}}).dump());
  ExpectJson(listed, 200);
  EXPECT_EQ(listed.Json()["count"], 2);
  EXPECT_EQ(listed.Json()["products"][0]["id"], "P1");

  const json unknown_kind = ExpectProblem(
      Send("POST", "/api/v1/products/selection", "viewer", json({{"kind", "shelf"}}).dump()), 400);
  EXPECT_NE(unknown_kind.dump().find("\"kind\""), std::string::npos) << unknown_kind.dump();
  ExpectProblem(Send("POST", "/api/v1/products/selection", "viewer",
                     json({{"kind", "brand"}, {"brand", " "}}).dump()),
                400);
  // A product may still be called "selection".
  ExpectProblem(Get("/api/v1/products/selection"), 404);
}

}  // namespace
}  // namespace vitrine::testing
