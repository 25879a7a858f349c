#include "app/demo_retailer.h"

#include <cairo.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/packshot.h"
#include "catalog/product.h"
#include "catalog/store.h"
#include "common/csv.h"
#include "common/gtin.h"
#include "common/money.h"
#include "common/quantity.h"
#include "common/time.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

// A CSV file read whole, with its fields addressed by header name.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  size_t Col(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
  }
  const std::string& At(size_t row, const std::string& name) const { return rows[row][Col(name)]; }
};

Table ReadTable(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  CsvOptions options;
  options.delimiter = ',';
  CsvReader reader(in, options);
  CsvRecord record;
  Table table;
  while (reader.Next(&record)) {
    EXPECT_TRUE(record.ok()) << path << ":" << record.line << ": " << record.error_message;
    std::vector<std::string> fields(record.fields.begin(), record.fields.end());
    if (table.header.empty()) {
      table.header = std::move(fields);
    } else {
      EXPECT_EQ(fields.size(), table.header.size()) << path << ":" << record.line;
      table.rows.push_back(std::move(fields));
    }
  }
  EXPECT_TRUE(reader.status().ok());
  return table;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// 2026-11-24T09:30:00Z: a fixed "now", so no test depends on the machine's clock.
const Instant kNow = FromUnixSeconds(1795512600);

class DemoRetailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "vitrine-demo-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  DemoOptions Options(const std::string& sub) const {
    DemoOptions o;
    o.data_dir = fs::path(VITRINE_SOURCE_DIR) / "data";
    o.out_dir = dir_ / sub;
    o.now = kNow;
    o.packshots = false;
    return o;
  }

  // A full run without packshots (about a second), into `sub`.
  DemoFiles Full(const std::string& sub) const {
    Result<DemoFiles> r = WriteDemoRetailer(Options(sub));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : DemoFiles{};
  }

  fs::path dir_;
};

TEST(StableTimeTest, FixedNowIsWhatTheTestsSayItIs) {
  EXPECT_EQ(FormatUtc(kNow), "2026-11-24T09:30:00Z");
}

TEST_F(DemoRetailerTest, TwoRunsWriteIdenticalBytes) {
  Result<DemoFiles> a = WriteDemoRetailer(Options("a"));
  Result<DemoFiles> b = WriteDemoRetailer(Options("b"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  for (const char* name : {"products.csv", "stores.csv", "prices.csv", "stock.csv"}) {
    const std::string left = Slurp(dir_ / "a" / name);
    EXPECT_FALSE(left.empty()) << name;
    EXPECT_TRUE(left == Slurp(dir_ / "b" / name)) << name << " differs between runs";
  }
}

TEST_F(DemoRetailerTest, AnotherSeedGivesAnotherRetailer) {
  DemoOptions other = Options("other");
  other.seed = 7;
  ASSERT_TRUE(WriteDemoRetailer(Options("base")).ok());
  ASSERT_TRUE(WriteDemoRetailer(other).ok());
  EXPECT_NE(Slurp(dir_ / "base" / "prices.csv"), Slurp(dir_ / "other" / "prices.csv"));
  // The products themselves (ids, titles) come from the sample and do not change.
  const Table a = ReadTable(dir_ / "base" / "products.csv");
  const Table b = ReadTable(dir_ / "other" / "products.csv");
  ASSERT_EQ(a.rows.size(), b.rows.size());
  EXPECT_EQ(a.At(0, "id"), b.At(0, "id"));
}

TEST_F(DemoRetailerTest, WritesTheImportColumnSetsAndCountsEveryRow) {
  const DemoFiles f = Full("full");
  const Table products = ReadTable(f.products_csv);
  const Table stores = ReadTable(f.stores_csv);
  const Table prices = ReadTable(f.prices_csv);
  const Table stock = ReadTable(f.stock_csv);
  EXPECT_THAT(
      products.header,
      ElementsAre("id", "gtin", "title", "brand", "description", "category", "google_category",
                  "net_quantity", "unit_pricing_base", "image_url", "perishable", "attributes"));
  EXPECT_THAT(stores.header,
              ElementsAre("id", "name", "banner", "address", "postal_code", "city", "country",
                          "lat", "lon", "timezone", "price_zone", "services"));
  EXPECT_THAT(prices.header, ElementsAre("product_id", "level", "level_id", "price", "currency",
                                         "effective_from"));
  EXPECT_THAT(stock.header, ElementsAre("product_id", "store_id", "quantity", "measured_at"));

  EXPECT_EQ(static_cast<int>(products.rows.size()), f.products);
  EXPECT_EQ(static_cast<int>(stores.rows.size()), f.stores);
  EXPECT_EQ(static_cast<int>(prices.rows.size()), f.price_rows);
  EXPECT_EQ(static_cast<int>(stock.rows.size()), f.stock_rows);
  // The sample has 2,825 records: each becomes a product or is counted as skipped, and a
  // few of them are bad on purpose.
  EXPECT_EQ(f.products + f.skipped_rows, 2825);
  EXPECT_GT(f.skipped_rows, 0);
  EXPECT_GT(f.products, 2500);
  EXPECT_EQ(f.stores, 50);
  EXPECT_EQ(f.stock_rows, f.products * f.stores);
  EXPECT_GT(f.price_rows, 2 * f.products);
  EXPECT_EQ(f.packshots, 0);
  EXPECT_TRUE(f.images_dir.empty());
}

TEST_F(DemoRetailerTest, EveryProductIsValidWithAVerifiedGtin) {
  const DemoFiles f = Full("full");
  const Table t = ReadTable(f.products_csv);
  std::set<std::string> ids, categories, brands;
  int perishable = 0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    Product p;
    p.id = t.At(i, "id");
    Result<Gtin> gtin = Gtin::Parse(t.At(i, "gtin"));
    ASSERT_TRUE(gtin.ok()) << p.id << ": " << gtin.status().ToString();
    EXPECT_EQ(p.id, "P" + gtin->digits());
    p.gtin = *gtin;
    p.title = t.At(i, "title");
    p.brand = t.At(i, "brand");
    p.description = t.At(i, "description");
    p.category = t.At(i, "category");
    p.google_category = t.At(i, "google_category");
    Result<Quantity> q = Quantity::Parse(t.At(i, "net_quantity"));
    ASSERT_TRUE(q.ok()) << p.id << ": " << t.At(i, "net_quantity");
    p.net_quantity = *q;
    Result<Quantity> base = Quantity::Parse(t.At(i, "unit_pricing_base"));
    ASSERT_TRUE(base.ok()) << p.id << ": " << t.At(i, "unit_pricing_base");
    p.unit_pricing_base = *base;
    p.image_url = t.At(i, "image_url");
    ASSERT_TRUE(t.At(i, "perishable") == "true" || t.At(i, "perishable") == "false");
    p.perishable = t.At(i, "perishable") == "true";
    p.attributes = nlohmann::json::parse(t.At(i, "attributes"));
    EXPECT_EQ(p.attributes, nlohmann::json::object()) << "no packshot was drawn";
    EXPECT_THAT(Validate(p), ::testing::IsEmpty()) << p.id;
    EXPECT_FALSE(p.brand.empty()) << p.id;
    EXPECT_NE(p.category.find(" > "), std::string::npos) << p.id;
    EXPECT_GT(std::stoi(p.google_category), 0) << p.id;
    EXPECT_TRUE(ids.insert(p.id).second) << "duplicate " << p.id;
    categories.insert(p.category);
    brands.insert(p.brand);
    perishable += p.perishable;
  }
  EXPECT_GE(categories.size(), 20u);
  EXPECT_GE(brands.size(), 40u);
  EXPECT_GT(perishable, 0);
  EXPECT_LT(perishable, static_cast<int>(t.rows.size()) / 2);
}

TEST_F(DemoRetailerTest, KnownTitlesGetTheirCategoryAndBrand) {
  const DemoFiles f = Full("full");
  const Table t = ReadTable(f.products_csv);
  std::map<std::string, size_t> by_gtin;
  for (size_t i = 0; i < t.rows.size(); ++i) by_gtin[t.At(i, "gtin")] = i;
  // Rows of the sample: "Jambon sec traditionnel", "chleb żytni", "Huile d'olive vierge
  // extra d'espagne".
  ASSERT_TRUE(by_gtin.count("20859954"));
  EXPECT_EQ(t.At(by_gtin["20859954"], "category"), "Boucherie-Charcuterie > Jambon et charcuterie");
  EXPECT_EQ(t.At(by_gtin["20859954"], "perishable"), "true");
  ASSERT_TRUE(by_gtin.count("20859688"));
  EXPECT_EQ(t.At(by_gtin["20859688"], "category"), "Boulangerie > Pains et viennoiseries");
  ASSERT_TRUE(by_gtin.count("20861193"));
  EXPECT_EQ(t.At(by_gtin["20861193"], "category"), "Épicerie salée > Huiles et vinaigres");
  EXPECT_EQ(t.At(by_gtin["20861193"], "google_category"), "2126");
}

TEST_F(DemoRetailerTest, AboutFiftyStoresInAtLeastFourZones) {
  const DemoFiles f = Full("full");
  const Table t = ReadTable(f.stores_csv);
  ASSERT_EQ(t.rows.size(), 50u);
  std::set<std::string> zones, ids, banners;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    Store s;
    s.id = t.At(i, "id");
    s.name = t.At(i, "name");
    s.banner = t.At(i, "banner");
    s.address = t.At(i, "address");
    s.postal_code = t.At(i, "postal_code");
    s.city = t.At(i, "city");
    s.country = t.At(i, "country");
    s.lat = std::stod(t.At(i, "lat"));
    s.lon = std::stod(t.At(i, "lon"));
    s.timezone = t.At(i, "timezone");
    s.price_zone = t.At(i, "price_zone");
    std::stringstream services(t.At(i, "services"));
    for (std::string service; std::getline(services, service, '|');) s.services.push_back(service);
    EXPECT_THAT(Validate(s), ::testing::IsEmpty()) << s.id;
    EXPECT_EQ(s.name, "Vitrine " + s.banner + " " + s.city);
    EXPECT_EQ(s.postal_code.size(), 5u);
    // Metropolitan France, Corsica included.
    EXPECT_GT(s.lat, 41.0);
    EXPECT_LT(s.lat, 51.5);
    EXPECT_GT(s.lon, -5.5);
    EXPECT_LT(s.lon, 10.0);
    EXPECT_FALSE(s.services.empty());
    EXPECT_TRUE(ids.insert(s.id).second);
    zones.insert(s.price_zone);
    banners.insert(s.banner);
  }
  EXPECT_EQ(t.At(0, "id"), "S001");
  EXPECT_EQ(t.At(0, "city"), "Paris");
  EXPECT_GE(zones.size(), 4u);
  EXPECT_EQ(banners, (std::set<std::string>{"City", "Hyper", "Market"}));
}

TEST_F(DemoRetailerTest, EveryProductHasANinetyDayNationalPriceHistory) {
  const DemoFiles f = Full("full");
  const Table products = ReadTable(f.products_csv);
  const Table stores = ReadTable(f.stores_csv);
  const Table prices = ReadTable(f.prices_csv);
  std::set<std::string> store_ids, zones;
  for (size_t i = 0; i < stores.rows.size(); ++i) {
    store_ids.insert(stores.At(i, "id"));
    zones.insert(stores.At(i, "price_zone"));
  }
  std::map<std::string, Instant> first_national;
  std::map<std::string, int> levels;
  for (size_t i = 0; i < prices.rows.size(); ++i) {
    const std::string& level = prices.At(i, "level");
    const std::string& level_id = prices.At(i, "level_id");
    Result<Money> price = Money::Parse(prices.At(i, "price"));
    ASSERT_TRUE(price.ok()) << prices.At(i, "price");
    EXPECT_GT(price->minor_units(), 0);
    EXPECT_EQ(prices.At(i, "currency"), "EUR");
    Result<Instant> from = ParseInstant(prices.At(i, "effective_from"));
    ASSERT_TRUE(from.ok()) << prices.At(i, "effective_from");
    EXPECT_LE(*from, kNow);
    // Local midnight, with its offset written out.
    EXPECT_NE(prices.At(i, "effective_from").find("T00:00:00+0"), std::string::npos);
    ++levels[level];
    if (level == "national") {
      EXPECT_TRUE(level_id.empty());
      auto [it, inserted] = first_national.emplace(prices.At(i, "product_id"), *from);
      if (!inserted && *from < it->second) it->second = *from;
    } else if (level == "zone") {
      EXPECT_TRUE(zones.count(level_id)) << level_id;
    } else {
      EXPECT_EQ(level, "store");
      EXPECT_TRUE(store_ids.count(level_id)) << level_id;
    }
  }
  ASSERT_EQ(first_national.size(), products.rows.size());
  for (const auto& [id, from] : first_national) {
    EXPECT_LE(from, kNow - std::chrono::days(90)) << id;
    EXPECT_GT(from, kNow - std::chrono::days(91)) << id;
  }
  EXPECT_GT(levels["zone"], 0);
  EXPECT_GT(levels["store"], 0);
  EXPECT_LT(levels["store"], 200);  // a handful, not a second price list
}

TEST_F(DemoRetailerTest, StockCoversEveryProductInEveryStoreWithSomeShortages) {
  const DemoFiles f = Full("full");
  const Table t = ReadTable(f.stock_csv);
  int out = 0, limited = 0;
  std::set<std::pair<std::string, std::string>> pairs;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const int q = std::stoi(t.At(i, "quantity"));
    EXPECT_GE(q, 0);
    out += q == 0;
    limited += q > 0 && q < 5;
    Result<Instant> at = ParseInstant(t.At(i, "measured_at"));
    ASSERT_TRUE(at.ok());
    EXPECT_LT(*at, kNow);
    EXPECT_GE(*at, kNow - std::chrono::hours(7));
    pairs.emplace(t.At(i, "product_id"), t.At(i, "store_id"));
  }
  EXPECT_EQ(pairs.size(), t.rows.size()) << "a product appears twice in one store";
  EXPECT_GT(out, 0);
  EXPECT_GT(limited, 0);
  EXPECT_LT(out + limited, static_cast<int>(t.rows.size()) / 4);
}

TEST_F(DemoRetailerTest, DrawsPackshotsThatTheProductsPointTo) {
  DemoOptions o = Options("shots");
  o.packshots = true;
  o.max_products = 6;
  o.stores = 3;
  Result<DemoFiles> r = WriteDemoRetailer(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->products, 6);
  EXPECT_EQ(r->packshots, 6);
  EXPECT_EQ(r->stock_rows, 18);
  EXPECT_EQ(r->images_dir, o.out_dir / "images");
  const Table t = ReadTable(r->products_csv);
  ASSERT_EQ(t.rows.size(), 6u);
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const nlohmann::json attributes = nlohmann::json::parse(t.At(i, "attributes"));
    const std::string expected = "images/" + t.At(i, "id") + ".png";
    ASSERT_EQ(attributes.value("packshot", ""), expected);
    const fs::path png = o.out_dir / expected;
    ASSERT_TRUE(fs::exists(png)) << png;
    cairo_surface_t* image = cairo_image_surface_create_from_png(png.c_str());
    ASSERT_EQ(cairo_surface_status(image), CAIRO_STATUS_SUCCESS) << png;
    EXPECT_EQ(cairo_image_surface_get_width(image), 600);
    EXPECT_EQ(cairo_image_surface_get_height(image), 600);
    // A white background: the top-left corner pixel.
    const unsigned char* data = cairo_image_surface_get_data(image);
    EXPECT_EQ(data[0], 0xFF);
    EXPECT_EQ(data[1], 0xFF);
    EXPECT_EQ(data[2], 0xFF);
    cairo_surface_destroy(image);
  }
}

TEST_F(DemoRetailerTest, PackshotsAreDeterministic) {
  PackshotSpec spec;
  spec.title = "Biscuits au chocolat noir, \"pur beurre\" — une recette de grand-mère";
  spec.brand = "Bonne Maman";
  spec.category = "Épicerie sucrée > Biscuits et gâteaux";
  spec.net_quantity = "200 g";
  spec.colour_seed = 12345;
  spec.size = 200;
  ASSERT_TRUE(DrawPackshot(spec, dir_ / "a.png").ok());
  ASSERT_TRUE(DrawPackshot(spec, dir_ / "b.png").ok());
  EXPECT_EQ(Slurp(dir_ / "a.png"), Slurp(dir_ / "b.png"));
  cairo_surface_t* image = cairo_image_surface_create_from_png((dir_ / "a.png").c_str());
  EXPECT_EQ(cairo_image_surface_get_width(image), 200);
  cairo_surface_destroy(image);
}

TEST_F(DemoRetailerTest, PackshotRejectsBadSizesAndUnwritablePaths) {
  PackshotSpec spec;
  spec.title = "Lait";
  spec.size = 10;
  EXPECT_EQ(DrawPackshot(spec, dir_ / "x.png").code(), StatusCode::kInvalidArgument);
  spec.size = 100;
  EXPECT_EQ(DrawPackshot(spec, dir_ / "no" / "such" / "x.png").code(), StatusCode::kIoError);
}

TEST(PackageShapeTest, FollowsTheCategory) {
  EXPECT_EQ(ShapeForCategory("Boissons > Bières"), PackageShape::kCan);
  EXPECT_EQ(ShapeForCategory("Cave > Vins"), PackageShape::kBottle);
  EXPECT_EQ(ShapeForCategory("Boissons > Eaux"), PackageShape::kBottle);
  EXPECT_EQ(ShapeForCategory("Crèmerie > Yaourts et desserts"), PackageShape::kJar);
  EXPECT_EQ(ShapeForCategory("Épicerie salée > Pâtes"), PackageShape::kBag);
  EXPECT_EQ(ShapeForCategory("Épicerie salée > Conserves de légumes"), PackageShape::kCan);
  // "gâteaux" holds "eau" but is no water.
  EXPECT_EQ(ShapeForCategory("Épicerie sucrée > Biscuits et gâteaux"), PackageShape::kBox);
  EXPECT_EQ(ShapeForCategory(""), PackageShape::kBox);
}

TEST_F(DemoRetailerTest, RefusesBadOptions) {
  DemoOptions o = Options("bad");
  o.now = Instant{};
  EXPECT_EQ(WriteDemoRetailer(o).status().code(), StatusCode::kInvalidArgument);
  o = Options("bad");
  o.stores = 0;
  EXPECT_EQ(WriteDemoRetailer(o).status().code(), StatusCode::kInvalidArgument);
  o = Options("bad");
  o.stores = 100000;
  EXPECT_EQ(WriteDemoRetailer(o).status().code(), StatusCode::kInvalidArgument);
  o = Options("bad");
  o.history_days = 0;
  EXPECT_EQ(WriteDemoRetailer(o).status().code(), StatusCode::kInvalidArgument);
  o = Options("bad");
  o.data_dir = dir_ / "nowhere";
  EXPECT_EQ(WriteDemoRetailer(o).status().code(), StatusCode::kNotFound);
}

TEST_F(DemoRetailerTest, ShortHistoriesAndFewStores) {
  DemoOptions o = Options("short");
  o.history_days = 1;
  o.stores = 5;
  o.max_products = 40;
  Result<DemoFiles> r = WriteDemoRetailer(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->products, 40);
  EXPECT_EQ(r->stores, 5);
  const Table stores = ReadTable(r->stores_csv);
  std::vector<std::string> cities;
  for (size_t i = 0; i < stores.rows.size(); ++i) cities.push_back(stores.At(i, "city"));
  // The largest city of each region first: Nice (4th largest) waits behind Nantes because
  // Marseille already stands for Provence-Alpes-Côte d'Azur.
  EXPECT_THAT(cities, ElementsAre("Paris", "Marseille", "Lyon", "Toulouse", "Nantes"));
}

}  // namespace
}  // namespace vitrine
