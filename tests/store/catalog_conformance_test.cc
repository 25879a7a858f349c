// One suite for every CatalogRepository backend: each documented rule of
// catalog/repository.h is checked against the in-memory and the SQLite implementations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends.h"
#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/change_log.h"
#include "catalog/repository.h"
#include "store/memory_database.h"
#include "store/sqlite_database.h"
#include "temp_dir.h"

namespace vitrine {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

Instant T(int64_t seconds) { return FromUnixSeconds(1'700'000'000 + seconds); }

Product MakeProduct(std::string id, std::string title, std::string brand = "Marque",
                    std::string category = "Épicerie") {
  Product p;
  p.id = std::move(id);
  p.title = std::move(title);
  p.brand = std::move(brand);
  p.category = std::move(category);
  return p;
}

Store MakeStore(std::string id, std::string zone) {
  Store s;
  s.id = std::move(id);
  s.name = "Magasin " + s.id;
  s.price_zone = std::move(zone);
  return s;
}

Price NationalPrice(std::string product, int64_t cents, Instant from) {
  return {std::move(product), PriceLevel::kNational, "", Money::Euros(cents), from};
}

// "product_id|level|level_id", as the price cursor spells it.
std::string PriceKeyOf(const Price& p) {
  return p.product_id + "|" + std::string(PriceLevelName(p.level)) + "|" + p.level_id;
}

using vitrine::testing::Backend;

class CatalogConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!GetParam().available()) GTEST_SKIP() << GetParam().name << " is not available here";
    db_ = GetParam().make(dir_.path());
    ASSERT_NE(db_, nullptr);
    repo_ = &db_->catalog();
    accounts_ = &db_->accounts();
    audit_ = &db_->audit();
    changes_ = &db_->changes();
  }
  void TearDown() override { db_.reset(); }

  std::vector<WriteOutcome> PutProducts(std::vector<Product> products, Instant now = T(0)) {
    auto r = repo_->PutProducts(products, now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<WriteOutcome>{};
  }
  std::vector<WriteOutcome> PutStores(std::vector<Store> stores, Instant now = T(0)) {
    auto r = repo_->PutStores(stores, now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<WriteOutcome>{};
  }
  std::vector<WriteOutcome> PutPrices(std::vector<Price> prices) {
    auto r = repo_->PutPrices(prices);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<WriteOutcome>{};
  }
  std::vector<WriteOutcome> PutStock(std::vector<StockLevel> levels) {
    auto r = repo_->PutStock(levels);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<WriteOutcome>{};
  }
  std::vector<std::string> SearchIds(ProductQuery query) {
    std::vector<std::string> ids;
    for (;;) {
      auto page = repo_->ListProducts(query);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return ids;
      for (const Product& p : page->items) ids.push_back(p.id);
      if (page->next_after.empty()) return ids;
      query.after = page->next_after;
    }
  }
  std::vector<std::string> Search(std::string text) {
    ProductQuery q;
    q.text = std::move(text);
    return SearchIds(q);
  }
  CatalogCounts Counts() {
    auto c = repo_->Counts();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : CatalogCounts{};
  }

  // Appends and returns the seq, failing the test on an error.
  int64_t Append(const AuditEntry& entry) {
    auto seq = audit_->Append(entry);
    EXPECT_TRUE(seq.ok()) << seq.status().ToString();
    return seq.ok() ? *seq : -1;
  }
  // The seqs ListAudit returns for `query`, in its order.
  std::vector<int64_t> AuditSeqs(const AuditQuery& query) {
    auto entries = audit_->ListAudit(query);
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    std::vector<int64_t> seqs;
    if (entries.ok()) {
      for (const AuditEntry& e : *entries) seqs.push_back(e.seq);
    }
    return seqs;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  CatalogRepository* repo_ = nullptr;
  ChangeLog* changes_ = nullptr;
  AccountRepository* accounts_ = nullptr;  // repo_ seen as its other interfaces
  AuditLog* audit_ = nullptr;
};

// ----- products --------------------------------------------------------------------------------

TEST_P(CatalogConformanceTest, PutProductsReportsOutcomesAndSetsUpdatedAtOnlyOnChange) {
  EXPECT_THAT(PutProducts({MakeProduct("P1", "Chocolat noir")}, T(10)),
              ElementsAre(WriteOutcome::kInserted));
  EXPECT_THAT(PutProducts({MakeProduct("P1", "Chocolat noir")}, T(20)),
              ElementsAre(WriteOutcome::kUnchanged));
  auto got = repo_->GetProduct("P1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->updated_at, T(10));

  EXPECT_THAT(PutProducts({MakeProduct("P1", "Chocolat au lait")}, T(30)),
              ElementsAre(WriteOutcome::kUpdated));
  got = repo_->GetProduct("P1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->updated_at, T(30));
  EXPECT_EQ((*got)->title, "Chocolat au lait");
}

// Many products in one call (SQLite writes them in multi-row statements), with an id that
// comes back in the same call: each outcome is the one of writing them one by one.
TEST_P(CatalogConformanceTest, OneCallOfManyProductsReportsEachAsIfWrittenInTurn) {
  std::vector<Product> products;
  for (int i = 0; i < 600; ++i) {
    products.push_back(MakeProduct("P" + std::to_string(1000 + i), "Biscuit " + std::to_string(i)));
  }
  products.push_back(MakeProduct("P1007", "Biscuit 7"));            // the same again
  products.push_back(MakeProduct("P1003", "Madeleine au citron"));  // changed in this call
  products.push_back(MakeProduct("P1003", "Madeleine au citron"));
  const std::vector<WriteOutcome> outcomes = PutProducts(products, T(10));
  ASSERT_EQ(outcomes.size(), 603u);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.begin() + 600, WriteOutcome::kInserted), 600);
  EXPECT_THAT(
      std::vector(outcomes.begin() + 600, outcomes.end()),
      ElementsAre(WriteOutcome::kUnchanged, WriteOutcome::kUpdated, WriteOutcome::kUnchanged));
  EXPECT_EQ(Counts().products, 600);
  EXPECT_EQ(repo_->GetProduct("P1003")->value().title, "Madeleine au citron");
  EXPECT_THAT(Search("madeleine"), ElementsAre("P1003"));
  EXPECT_THAT(Search("biscuit 599"), ElementsAre("P1599"));
  EXPECT_THAT(Search("biscuit 3"), Not(Contains("P1003")));
}

TEST_P(CatalogConformanceTest, ProductRoundTripsEveryField) {
  Product p = MakeProduct("SKU-1", "Bière blonde", "Brasserie", "Boissons > Bières");
  p.gtin = Gtin::Parse("3017620422003").value();
  p.description = "Une bière\nde garde";
  p.google_category = "499676";
  p.net_quantity = Quantity::Parse("6 x 33 cl").value();
  p.unit_pricing_base = Quantity::Parse("1 l").value();
  p.image_url = "https://img.example/biere.png";
  p.perishable = true;
  p.attributes = {{"alcool", 5.5}, {"tags", {"bio", "local"}}, {"nested", {{"a", nullptr}}}};
  EXPECT_THAT(PutProducts({p}, T(5)), ElementsAre(WriteOutcome::kInserted));

  auto got = repo_->GetProduct("SKU-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_TRUE((*got)->SameContentAs(p));
  EXPECT_EQ((*got)->net_quantity->total_milli_base(), 1'980'000);
  EXPECT_EQ((*got)->net_quantity->unit(), Unit::kCentilitre);
  EXPECT_EQ((*got)->attributes, p.attributes);
  // The same product brought again is unchanged, so nothing got lost in storage.
  EXPECT_THAT(PutProducts({p}, T(6)), ElementsAre(WriteOutcome::kUnchanged));
}

TEST_P(CatalogConformanceTest, QuantitiesRoundTripExactlyInEveryUnit) {
  const std::vector<std::string> texts = {"500 g",  "250 mg",    "1,5 kg",    "75cl",     "1.5 l",
                                          "330 ml", "12 pièces", "4 x 125 g", "6 x 1,5 l"};
  std::vector<Product> products;
  for (size_t i = 0; i < texts.size(); ++i) {
    Product p = MakeProduct("Q" + std::to_string(i), "Produit " + texts[i]);
    Result<Quantity> q = Quantity::Parse(texts[i]);
    ASSERT_TRUE(q.ok()) << texts[i] << ": " << q.status().ToString();
    p.net_quantity = *q;
    products.push_back(p);
  }
  PutProducts(products);
  for (const Product& p : products) {
    auto got = repo_->GetProduct(p.id);
    ASSERT_TRUE(got.ok() && got->has_value()) << p.id;
    ASSERT_TRUE((*got)->net_quantity.has_value()) << p.id;
    EXPECT_EQ(*(*got)->net_quantity, *p.net_quantity) << p.title;
    EXPECT_FALSE((*got)->unit_pricing_base.has_value());
  }
}

TEST_P(CatalogConformanceTest, SameKeyTwiceInOneBatchInsertsThenUpdates) {
  EXPECT_THAT(PutProducts({MakeProduct("P1", "A"), MakeProduct("P1", "B")}),
              ElementsAre(WriteOutcome::kInserted, WriteOutcome::kUpdated));
  EXPECT_EQ(repo_->GetProduct("P1")->value().title, "B");
}

// Ids above, below and between those already stored, out of order and differing only in case
// (ids compare byte by byte: "p2" sorts after "P9"): each outcome is still the one of writing
// the products one by one, whichever order a file lists them in.
TEST_P(CatalogConformanceTest, OutcomesDoNotDependOnTheOrderOfIds) {
  PutProducts({MakeProduct("P2", "Deux"), MakeProduct("P5", "Cinq")}, T(1));
  EXPECT_THAT(
      PutProducts({MakeProduct("P7", "Sept"), MakeProduct("P5", "Cinq"), MakeProduct("P3", "Trois"),
                   MakeProduct("P9", "Neuf"), MakeProduct("P7", "Sept bis"),
                   MakeProduct("p2", "Deux minuscule"), MakeProduct("P2", "Deux bis"),
                   MakeProduct("P9", "Neuf"), MakeProduct("p2", "Deux minuscule")},
                  T(2)),
      ElementsAre(WriteOutcome::kInserted, WriteOutcome::kUnchanged, WriteOutcome::kInserted,
                  WriteOutcome::kInserted, WriteOutcome::kUpdated, WriteOutcome::kInserted,
                  WriteOutcome::kUpdated, WriteOutcome::kUnchanged, WriteOutcome::kUnchanged));
  EXPECT_EQ(Counts().products, 6);
  EXPECT_EQ(repo_->GetProduct("P7")->value().title, "Sept bis");
  EXPECT_EQ(repo_->GetProduct("p2")->value().title, "Deux minuscule");
  EXPECT_THAT(Search("sept"), ElementsAre("P7"));
  EXPECT_THAT(Search("minuscule"), ElementsAre("p2"));
  EXPECT_THAT(Search("deux bis"), ElementsAre("P2"));
}

TEST_P(CatalogConformanceTest, MissingProductIsAnEmptyOptional) {
  auto got = repo_->GetProduct("nope");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  auto deleted = repo_->DeleteProduct("nope");
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(*deleted);
}

TEST_P(CatalogConformanceTest, ListProductIdsIsSorted) {
  PutProducts({MakeProduct("b", "B"), MakeProduct("a", "A"), MakeProduct("B", "B2"),
               MakeProduct("a-1", "A1")});
  auto ids = repo_->ListProductIds();
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ElementsAre("B", "a", "a-1", "b"));
}

TEST_P(CatalogConformanceTest, ListProductsPagesThroughEverything) {
  std::vector<Product> products;
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "P%03d", i);
    products.push_back(MakeProduct(id, "Produit"));
    expected.push_back(id);
  }
  std::reverse(products.begin(), products.end());  // insertion order must not matter
  PutProducts(products);

  ProductQuery q;
  q.limit = 7;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = repo_->ListProducts(q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ++pages;
    EXPECT_LE(page->items.size(), 7u);
    for (const Product& p : page->items) seen.push_back(p.id);
    if (page->next_after.empty()) break;
    EXPECT_EQ(page->next_after, page->items.back().id);
    q.after = page->next_after;
  }
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(seen, expected);

  // A page that ends exactly at the last item says it is the last.
  q = ProductQuery();
  q.limit = 25;
  auto all = repo_->ListProducts(q);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 25u);
  EXPECT_EQ(all->next_after, "");

  q.after = "P010";
  q.limit = 2;
  auto after = repo_->ListProducts(q);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->items.size(), 2u);
  EXPECT_EQ(after->items[0].id, "P011");
}

TEST_P(CatalogConformanceTest, ListLimitsOutsideOneToThousandAreInvalid) {
  for (int limit : {0, -1, 1001}) {
    ProductQuery pq;
    pq.limit = limit;
    EXPECT_EQ(repo_->ListProducts(pq).status().code(), StatusCode::kInvalidArgument) << limit;
    StoreQuery sq;
    sq.limit = limit;
    EXPECT_EQ(repo_->ListStores(sq).status().code(), StatusCode::kInvalidArgument);
    PriceQuery prq;
    prq.at = T(0);
    prq.limit = limit;
    EXPECT_EQ(repo_->ListPrices(prq).status().code(), StatusCode::kInvalidArgument);
    StockQuery stq;
    stq.limit = limit;
    EXPECT_EQ(repo_->ListStock(stq).status().code(), StatusCode::kInvalidArgument);
  }
  ProductQuery ok;
  ok.limit = 1000;
  EXPECT_TRUE(repo_->ListProducts(ok).ok());
}

TEST_P(CatalogConformanceTest, TextSearchIgnoresCaseAndAccentsAndMatchesWordPrefixes) {
  Product creme = MakeProduct("P1", "Crème brûlée", "Bonne Maman");
  Product choco = MakeProduct("P2", "Chocolat noir 70%", "Lindt");
  choco.description = "Un cacao intense d'Équateur";
  choco.gtin = Gtin::Parse("4006381333931").value();
  Product lait = MakeProduct("P3", "Chocolat au lait", "Milka");
  PutProducts({creme, choco, lait});

  EXPECT_THAT(Search("creme"), ElementsAre("P1"));
  EXPECT_THAT(Search("CRÈME"), ElementsAre("P1"));
  EXPECT_THAT(Search("brulee"), ElementsAre("P1"));
  EXPECT_THAT(Search("choc"), ElementsAre("P2", "P3"));
  EXPECT_THAT(Search("chocolat lindt"), ElementsAre("P2"));  // every word, any field
  EXPECT_THAT(Search("  Chocolat   LAIT "), ElementsAre("P3"));
  EXPECT_THAT(Search("equateur"), ElementsAre("P2"));  // description
  EXPECT_THAT(Search("bonne mam"), ElementsAre("P1"));
  EXPECT_THAT(Search("colat"), IsEmpty());  // not the start of a word
  EXPECT_THAT(Search("chocolat vanille"), IsEmpty());
  EXPECT_THAT(Search("p3"), ElementsAre("P3"));             // the id, whole
  EXPECT_THAT(Search("4006381333931"), ElementsAre("P2"));  // the GTIN, whole
  EXPECT_THAT(Search("400638"), IsEmpty());
  EXPECT_THAT(Search(""), ElementsAre("P1", "P2", "P3"));
}

TEST_P(CatalogConformanceTest, TextSearchCombinesWithPagingAndFilters) {
  std::vector<Product> products;
  for (int i = 0; i < 12; ++i) {
    products.push_back(MakeProduct("T" + std::to_string(10 + i), i % 2 ? "Thé vert" : "Café",
                                   i % 3 ? "Kusmi" : "Lipton", "Épicerie > Thé"));
  }
  PutProducts(products);
  ProductQuery q;
  q.text = "the";
  q.limit = 2;
  EXPECT_THAT(SearchIds(q), ElementsAre("T11", "T13", "T15", "T17", "T19", "T21"));
  q.brand = "kusmi";
  EXPECT_THAT(SearchIds(q), ElementsAre("T11", "T15", "T17", "T21"));
}

TEST_P(CatalogConformanceTest, CategoryFilterTakesTheSubtree) {
  PutProducts({MakeProduct("A", "a", "m", "Épicerie"), MakeProduct("B", "b", "m", "Épicerie > Thé"),
               MakeProduct("C", "c", "m", "Épicerie > Thé > Vert"),
               MakeProduct("D", "d", "m", "Épicerie salée"),
               MakeProduct("E", "e", "m", "Épiceries"), MakeProduct("F", "f", "m", "Boissons"),
               MakeProduct("G", "g", "m", "épicerie")});
  ProductQuery q;
  q.category = "Épicerie";
  EXPECT_THAT(SearchIds(q), ElementsAre("A", "B", "C"));
  q.category = "Épicerie > Thé";
  EXPECT_THAT(SearchIds(q), ElementsAre("B", "C"));
  q.category = "Épicerie > T";
  EXPECT_THAT(SearchIds(q), IsEmpty());
}

TEST_P(CatalogConformanceTest, BrandFilterIsExactButCaseInsensitive) {
  PutProducts({MakeProduct("A", "a", "Côte d'Or"), MakeProduct("B", "b", "Cote d'Or"),
               MakeProduct("C", "c", "Côte d'Or Extra")});
  ProductQuery q;
  q.brand = "CÔTE D'OR";
  EXPECT_THAT(SearchIds(q), ElementsAre("A"));
  q.brand = "côte d'or";
  EXPECT_THAT(SearchIds(q), ElementsAre("A"));
  q.brand = "cote d'or";
  EXPECT_THAT(SearchIds(q), ElementsAre("B"));
  q.brand = "Côte";
  EXPECT_THAT(SearchIds(q), IsEmpty());
}

TEST_P(CatalogConformanceTest, GtinFilterIsExact) {
  Product a = MakeProduct("A", "a");
  a.gtin = Gtin::Parse("4006381333931").value();
  Product b = MakeProduct("B", "b");
  b.gtin = Gtin::Parse("3017620422003").value();
  PutProducts({a, b, MakeProduct("C", "c")});
  ProductQuery q;
  q.gtin = "3017620422003";
  EXPECT_THAT(SearchIds(q), ElementsAre("B"));
  q.gtin = "301762042200";
  EXPECT_THAT(SearchIds(q), IsEmpty());
}

TEST_P(CatalogConformanceTest, OddCharactersAreStoredAsPlainData) {
  Product p =
      MakeProduct("it's_100%", "x'; DROP TABLE products;--", "\"Quoted\" & <b>", "A_% > \"B\"");
  p.description = "50% off_ \\ backslash";
  Product other = MakeProduct("AB", "autre", "m", "AB");
  PutProducts({p, other});

  auto got = repo_->GetProduct("it's_100%");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_TRUE((*got)->SameContentAs(p));
  auto ids = repo_->ListProductIds();
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ElementsAre("AB", "it's_100%"));
  EXPECT_THAT(Search("drop table"), ElementsAre("it's_100%"));
  EXPECT_THAT(Search("it's_100%"), ElementsAre("it's_100%"));
  EXPECT_THAT(Search("\"quoted\""), ElementsAre("it's_100%"));
  EXPECT_THAT(Search("%"), IsEmpty());  // not a wildcard
  EXPECT_THAT(Search("*"), IsEmpty());
  EXPECT_THAT(Search("\""), IsEmpty());

  ProductQuery q;
  q.category = "A_%";  // LIKE wildcards must not match "AB"
  EXPECT_THAT(SearchIds(q), ElementsAre("it's_100%"));
  q = ProductQuery();
  q.brand = "%";
  EXPECT_THAT(SearchIds(q), IsEmpty());
  EXPECT_EQ(Counts().products, 2);

  Store s = MakeStore("st'ore%", "zone'_1");
  s.name = "Robert'); DROP TABLE stores;--";
  PutStores({s});
  auto store = repo_->GetStore("st'ore%");
  ASSERT_TRUE(store.ok() && store->has_value());
  EXPECT_TRUE((*store)->SameContentAs(s));
  EXPECT_THAT(PutStock({{"it's_100%", "st'ore%", 3, T(1)}}), ElementsAre(WriteOutcome::kInserted));
  EXPECT_EQ(repo_->GetStock("it's_100%", "st'ore%")->value().quantity, 3);
}

TEST_P(CatalogConformanceTest, DeleteProductCascadesToPricesAndStock) {
  PutProducts({MakeProduct("P1", "a"), MakeProduct("P2", "b")});
  PutStores({MakeStore("S1", "Z1")});
  PutPrices({NationalPrice("P1", 100, T(0)),
             NationalPrice("P2", 200, T(0)),
             {"P1", PriceLevel::kStore, "S1", Money::Euros(90), T(0)}});
  PutStock({{"P1", "S1", 5, T(0)}, {"P2", "S1", 6, T(0)}});

  auto deleted = repo_->DeleteProduct("P1");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(repo_->GetProduct("P1")->has_value());
  EXPECT_THAT(*repo_->ListPriceHistory("P1"), IsEmpty());
  EXPECT_FALSE(repo_->GetStock("P1", "S1")->has_value());
  EXPECT_TRUE(repo_->GetStock("P2", "S1")->has_value());
  const CatalogCounts c = Counts();
  EXPECT_EQ(c.products, 1);
  EXPECT_EQ(c.price_entries, 1);
  EXPECT_EQ(c.stock_levels, 1);
  EXPECT_FALSE(*repo_->DeleteProduct("P1"));
}

TEST_P(CatalogConformanceTest, DeleteStoreCascadesToItsPricesAndStockOnly) {
  PutProducts({MakeProduct("P1", "a")});
  PutStores({MakeStore("S1", "Z1"), MakeStore("S2", "Z1")});
  PutPrices({NationalPrice("P1", 100, T(0)),
             {"P1", PriceLevel::kZone, "Z1", Money::Euros(95), T(0)},
             {"P1", PriceLevel::kStore, "S1", Money::Euros(90), T(0)},
             {"P1", PriceLevel::kStore, "S2", Money::Euros(91), T(0)}});
  PutStock({{"P1", "S1", 5, T(0)}, {"P1", "S2", 6, T(0)}});

  ASSERT_TRUE(*repo_->DeleteStore("S1"));
  EXPECT_FALSE(repo_->GetStore("S1")->has_value());
  auto history = repo_->ListPriceHistory("P1");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 3u);
  for (const Price& p : *history) EXPECT_NE(p.level_id, "S1");
  EXPECT_FALSE(repo_->GetStock("P1", "S1")->has_value());
  EXPECT_TRUE(repo_->GetStock("P1", "S2")->has_value());
  EXPECT_EQ(Counts().stores, 1);
  EXPECT_EQ(Counts().price_zones, 1);  // zones stay
  EXPECT_FALSE(*repo_->DeleteStore("S1"));
}

// ----- stores -----------------------------------------------------------------------------------

TEST_P(CatalogConformanceTest, PutStoresCreatesZonesAndReportsOutcomes) {
  Store s1 = MakeStore("S1", "Z-Nord");
  s1.services = {"click_and_collect", "drive"};
  s1.lat = 48.856613;
  s1.lon = 2.352222;
  s1.timezone = "America/Martinique";
  EXPECT_THAT(PutStores({s1, MakeStore("S2", "Z-Sud")}, T(1)),
              ElementsAre(WriteOutcome::kInserted, WriteOutcome::kInserted));
  EXPECT_THAT(PutStores({s1}, T(2)), ElementsAre(WriteOutcome::kUnchanged));
  auto got = repo_->GetStore("S1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_TRUE((*got)->SameContentAs(s1));
  EXPECT_EQ((*got)->lat, 48.856613);
  EXPECT_EQ((*got)->updated_at, T(1));
  s1.services.pop_back();
  EXPECT_THAT(PutStores({s1}, T(3)), ElementsAre(WriteOutcome::kUpdated));
  EXPECT_EQ(repo_->GetStore("S1")->value().updated_at, T(3));
  EXPECT_THAT(repo_->GetStore("S1")->value().services, ElementsAre("click_and_collect"));

  auto zones = repo_->ListPriceZones();
  ASSERT_TRUE(zones.ok());
  EXPECT_THAT(*zones, ElementsAre(PriceZone{"Z-Nord", "Z-Nord"}, PriceZone{"Z-Sud", "Z-Sud"}));
  // A store moving to a known zone does not duplicate it.
  PutStores({MakeStore("S3", "Z-Nord")});
  EXPECT_EQ(Counts().price_zones, 2);
}

TEST_P(CatalogConformanceTest, ListStoresPagesAndFiltersByZone) {
  std::vector<Store> stores;
  for (int i = 0; i < 9; ++i)
    stores.push_back(MakeStore("S" + std::to_string(i), i % 3 ? "A" : "B"));
  PutStores(stores);
  StoreQuery q;
  q.limit = 4;
  std::vector<std::string> seen;
  for (;;) {
    auto page = repo_->ListStores(q);
    ASSERT_TRUE(page.ok());
    for (const Store& s : page->items) seen.push_back(s.id);
    if (page->next_after.empty()) break;
    q.after = page->next_after;
  }
  EXPECT_THAT(seen, ElementsAre("S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"));
  q = StoreQuery();
  q.zone = "B";
  auto b = repo_->ListStores(q);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->items.size(), 3u);
  EXPECT_EQ(b->items[2].id, "S6");
  EXPECT_EQ(b->next_after, "");

  auto all = repo_->ListAllStores();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 9u);
  EXPECT_EQ(all->front().id, "S0");
}

// ----- transactions -----------------------------------------------------------------------------

TEST_P(CatalogConformanceTest, TransactionCommitsEverythingItsBodyWrote) {
  Status s = repo_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(repo_->PutProducts(std::vector{MakeProduct("P1", "a")}, T(0)).status());
    VITRINE_RETURN_IF_ERROR(repo_->PutStores(std::vector{MakeStore("S1", "Z")}, T(0)).status());
    // The body sees its own writes, as a strict import checking references does.
    auto ids = repo_->ListProductIds();
    if (!ids.ok() || ids->size() != 1) return Status::Internal("own write not visible");
    return repo_->PutStock(std::vector<StockLevel>{{"P1", "S1", 4, T(0)}}).status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Counts().products, 1);
  EXPECT_EQ(Counts().stock_levels, 1);
}

TEST_P(CatalogConformanceTest, TransactionRollsBackWhenTheBodyFails) {
  PutProducts({MakeProduct("P0", "before")});
  Status s = repo_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(repo_->PutProducts(std::vector{MakeProduct("P1", "a")}, T(0)).status());
    VITRINE_RETURN_IF_ERROR(
        repo_->PutProducts(std::vector{MakeProduct("P0", "changed")}, T(0)).status());
    return Status::InvalidArgument("row 7 is bad");
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "row 7 is bad");
  EXPECT_FALSE(repo_->GetProduct("P1")->has_value());
  EXPECT_EQ(repo_->GetProduct("P0")->value().title, "before");
  EXPECT_EQ(Counts().products, 1);
}

TEST_P(CatalogConformanceTest, NestedTransactionsJoinTheOuterOne) {
  Status s = repo_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(repo_->PutProducts(std::vector{MakeProduct("P1", "a")}, T(0)).status());
    Status inner = repo_->Transaction([&]() -> Status {
      return repo_->PutProducts(std::vector{MakeProduct("P2", "b")}, T(0)).status();
    });
    VITRINE_RETURN_IF_ERROR(inner);
    if (!repo_->GetProduct("P2")->has_value()) return Status::Internal("inner write not visible");
    return Status::FailedPrecondition("abort after the inner commit");
  });
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  // The inner "commit" was part of the outer transaction, so it rolled back too.
  EXPECT_EQ(Counts().products, 0);

  s = repo_->Transaction([&]() -> Status {
    return repo_->Transaction([&]() -> Status {
      return repo_->PutProducts(std::vector{MakeProduct("P3", "c")}, T(0)).status();
    });
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(repo_->GetProduct("P3")->has_value());
}

TEST_P(CatalogConformanceTest, TransactionTurnsAnExceptionIntoAStatusAndRollsBack) {
  Status s = repo_->Transaction([&]() -> Status {
    (void)repo_->PutProducts(std::vector{MakeProduct("P1", "a")}, T(0));
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("boom"));
  EXPECT_EQ(Counts().products, 0);
}

// ----- references -------------------------------------------------------------------------------

TEST_P(CatalogConformanceTest, PriceForAnUnknownReferenceFailsTheWholeCall) {
  PutProducts({MakeProduct("P1", "a")});
  PutStores({MakeStore("S1", "Z1")});
  struct Case {
    Price bad;
    std::string named;
  };
  const std::vector<Case> cases = {
      {NationalPrice("ghost", 100, T(0)), "ghost"},
      {{"P1", PriceLevel::kZone, "Z-ghost", Money::Euros(100), T(0)}, "Z-ghost"},
      {{"P1", PriceLevel::kStore, "S-ghost", Money::Euros(100), T(0)}, "S-ghost"},
  };
  for (const Case& c : cases) {
    std::vector<Price> batch = {NationalPrice("P1", 100, T(0)), c.bad,
                                NationalPrice("P1", 120, T(50))};
    auto r = repo_->PutPrices(batch);
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << c.named;
    EXPECT_THAT(r.status().message(), HasSubstr(c.named));
    EXPECT_THAT(*repo_->ListPriceHistory("P1"), IsEmpty()) << c.named;
  }
  EXPECT_EQ(Counts().price_entries, 0);
}

TEST_P(CatalogConformanceTest, StockForAnUnknownReferenceFailsTheWholeCall) {
  PutProducts({MakeProduct("P1", "a")});
  PutStores({MakeStore("S1", "Z1")});
  auto r = repo_->PutStock(std::vector<StockLevel>{
      {"P1", "S1", 5, T(0)}, {"P1", "S-ghost", 1, T(0)}, {"P-ghost", "S1", 1, T(0)}});
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("S-ghost"));
  EXPECT_FALSE(repo_->GetStock("P1", "S1")->has_value());

  r = repo_->PutStock(std::vector<StockLevel>{{"P1", "S1", 5, T(0)}, {"P-ghost", "S1", 1, T(0)}});
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("P-ghost"));
  EXPECT_EQ(Counts().stock_levels, 0);
}

TEST_P(CatalogConformanceTest, FailedPutInsideATransactionLandsNoneOfItsItems) {
  PutProducts({MakeProduct("P1", "a")});
  PutStores({MakeStore("S1", "Z1")});
  Status s = repo_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(repo_->PutProducts(std::vector{MakeProduct("P2", "b")}, T(0)).status());
    auto bad =
        repo_->PutStock(std::vector<StockLevel>{{"P1", "S1", 5, T(0)}, {"P1", "S-ghost", 1, T(0)}});
    if (bad.ok()) return Status::Internal("expected a reference failure");
    return Status::Ok();  // the caller chose to carry on
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(repo_->GetProduct("P2")->has_value());
  EXPECT_FALSE(repo_->GetStock("P1", "S1")->has_value());
}

// ----- prices -----------------------------------------------------------------------------------

TEST_P(CatalogConformanceTest, PriceWritesFollowTheHistoryRules) {
  PutProducts({MakeProduct("P1", "a")});
  EXPECT_THAT(PutPrices({NationalPrice("P1", 250, T(100))}), ElementsAre(WriteOutcome::kInserted));
  // Same amount as the one in force at that time: nothing stored.
  EXPECT_THAT(PutPrices({NationalPrice("P1", 250, T(200))}), ElementsAre(WriteOutcome::kUnchanged));
  EXPECT_THAT(PutPrices({NationalPrice("P1", 250, T(100))}), ElementsAre(WriteOutcome::kUnchanged));
  // Same instant, other amount: replaced.
  EXPECT_THAT(PutPrices({NationalPrice("P1", 260, T(100))}), ElementsAre(WriteOutcome::kUpdated));
  // A change later, and one earlier than every entry: new entries.
  EXPECT_THAT(PutPrices({NationalPrice("P1", 199, T(300)), NationalPrice("P1", 240, T(50))}),
              ElementsAre(WriteOutcome::kInserted, WriteOutcome::kInserted));
  // Another currency is another amount.
  EXPECT_THAT(PutPrices({{"P1", PriceLevel::kNational, "",
                          Money(199, Currency::Parse("XPF").value()), T(400)}}),
              ElementsAre(WriteOutcome::kInserted));

  auto history = repo_->ListPriceHistory("P1");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[0], NationalPrice("P1", 240, T(50)));
  EXPECT_EQ((*history)[1], NationalPrice("P1", 260, T(100)));
  EXPECT_EQ((*history)[2], NationalPrice("P1", 199, T(300)));
  EXPECT_EQ((*history)[3].amount.currency().code(), "XPF");
  EXPECT_EQ(Counts().price_entries, 4);
}

// Within one call, a price is compared with the history as the call's earlier prices left
// it, over more prices than a backend reads ahead at once.
TEST_P(CatalogConformanceTest, PricesOfOneCallSeeTheCallsEarlierPrices) {
  PutProducts({MakeProduct("P1", "a")});
  EXPECT_THAT(
      PutPrices({NationalPrice("P1", 100, T(100)), NationalPrice("P1", 100, T(200)),
                 NationalPrice("P1", 120, T(300)), NationalPrice("P1", 90, T(100)),
                 NationalPrice("P1", 90, T(150))}),
      ElementsAre(WriteOutcome::kInserted, WriteOutcome::kUnchanged, WriteOutcome::kInserted,
                  WriteOutcome::kUpdated, WriteOutcome::kUnchanged));
  auto history = repo_->ListPriceHistory("P1");
  ASSERT_TRUE(history.ok());
  EXPECT_THAT(*history,
              ElementsAre(NationalPrice("P1", 90, T(100)), NationalPrice("P1", 120, T(300))));

  // A year of daily prices alternating between two amounts, then the same again.
  std::vector<Price> year;
  for (int day = 0; day < 365; ++day) {
    year.push_back(NationalPrice("P1", day % 2 == 0 ? 500 : 450, T(1000 + day * 86400)));
  }
  std::vector<WriteOutcome> outcomes = PutPrices(year);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), WriteOutcome::kInserted), 365);
  outcomes = PutPrices(year);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), WriteOutcome::kUnchanged), 365);
  EXPECT_EQ(Counts().price_entries, 367);
}

TEST_P(CatalogConformanceTest, PriceHistoryIsOldestFirstAcrossLevels) {
  PutProducts({MakeProduct("P1", "a"), MakeProduct("P2", "b")});
  PutStores({MakeStore("S1", "Z1")});
  PutPrices({{"P1", PriceLevel::kStore, "S1", Money::Euros(90), T(30)},
             NationalPrice("P1", 100, T(10)),
             NationalPrice("P2", 5, T(0)),
             {"P1", PriceLevel::kZone, "Z1", Money::Euros(95), T(20)},
             NationalPrice("P1", 110, T(40))});
  auto history = repo_->ListPriceHistory("P1");
  ASSERT_TRUE(history.ok());
  std::vector<int64_t> cents;
  for (const Price& p : *history) cents.push_back(p.amount.minor_units());
  EXPECT_THAT(cents, ElementsAre(100, 95, 90, 110));
  EXPECT_EQ((*history)[2].level, PriceLevel::kStore);
  EXPECT_EQ((*history)[2].level_id, "S1");
}

TEST_P(CatalogConformanceTest, ListPricesGivesTheEntryInForceAtAnInstant) {
  PutProducts({MakeProduct("P1", "a"), MakeProduct("P2", "b")});
  PutStores({MakeStore("S1", "Z1")});
  PutPrices({NationalPrice("P1", 100, T(10)),
             NationalPrice("P1", 120, T(20)),
             {"P1", PriceLevel::kZone, "Z1", Money::Euros(95), T(15)},
             {"P1", PriceLevel::kStore, "S1", Money::Euros(90), T(30)},
             NationalPrice("P2", 300, T(25))});
  auto at = [&](int64_t t) {
    PriceQuery q;
    q.at = T(t);
    auto page = repo_->ListPrices(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> out;
    for (const Price& p : page->items) {
      out.push_back(PriceKeyOf(p) + "=" + std::to_string(p.amount.minor_units()));
    }
    return out;
  };
  EXPECT_THAT(at(5), IsEmpty());
  EXPECT_THAT(at(10), ElementsAre("P1|national|=100"));
  EXPECT_THAT(at(19), ElementsAre("P1|national|=100", "P1|zone|Z1=95"));
  EXPECT_THAT(at(20), ElementsAre("P1|national|=120", "P1|zone|Z1=95"));
  EXPECT_THAT(at(31), ElementsAre("P1|national|=120", "P1|zone|Z1=95", "P1|store|S1=90",
                                  "P2|national|=300"));
  // Long after every entry, the latest ones are in force.
  EXPECT_THAT(at(1'000'000), ElementsAre("P1|national|=120", "P1|zone|Z1=95", "P1|store|S1=90",
                                         "P2|national|=300"));
  // No instant is a caller's mistake, not "the prices of 1970".
  auto missing = repo_->ListPrices(PriceQuery());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("PriceQuery.at"));
}

TEST_P(CatalogConformanceTest, ListPricesFiltersAndPages) {
  PutProducts({MakeProduct("P1", "a"), MakeProduct("P1x", "b"), MakeProduct("P2", "c")});
  PutStores({MakeStore("S1", "Z1"), MakeStore("S2", "Z1")});
  std::vector<Price> prices;
  for (const char* product : {"P1", "P1x", "P2"}) {
    prices.push_back(NationalPrice(product, 100, T(0)));
    prices.push_back({product, PriceLevel::kZone, "Z1", Money::Euros(99), T(0)});
    prices.push_back({product, PriceLevel::kStore, "S1", Money::Euros(98), T(0)});
    prices.push_back({product, PriceLevel::kStore, "S2", Money::Euros(97), T(0)});
  }
  PutPrices(prices);

  PriceQuery q;
  q.at = T(1);
  q.limit = 5;
  std::vector<std::string> keys;
  int pages = 0;
  for (;;) {
    auto page = repo_->ListPrices(q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ++pages;
    for (const Price& p : page->items) keys.push_back(PriceKeyOf(p));
    if (page->next_after.empty()) break;
    q.after = page->next_after;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(keys, ElementsAre("P1|national|", "P1|zone|Z1", "P1|store|S1", "P1|store|S2",
                                "P1x|national|", "P1x|zone|Z1", "P1x|store|S1", "P1x|store|S2",
                                "P2|national|", "P2|zone|Z1", "P2|store|S1", "P2|store|S2"));

  q = PriceQuery();
  q.at = T(1);
  q.product_id = "P1";
  EXPECT_EQ(repo_->ListPrices(q)->items.size(), 4u);
  q.level = PriceLevel::kStore;
  EXPECT_EQ(repo_->ListPrices(q)->items.size(), 2u);
  q.level_id = "S2";
  auto one = repo_->ListPrices(q);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->items.size(), 1u);
  EXPECT_EQ(one->items[0].amount, Money::Euros(97));

  q = PriceQuery();
  q.at = T(1);
  q.after = "no-bars";
  EXPECT_EQ(repo_->ListPrices(q).status().code(), StatusCode::kInvalidArgument);
  q.after = "P1|galaxy|";
  EXPECT_EQ(repo_->ListPrices(q).status().code(), StatusCode::kInvalidArgument);
}

// ----- stock ------------------------------------------------------------------------------------

TEST_P(CatalogConformanceTest, StockWritesIgnoreStaleAndIdenticalLevels) {
  PutProducts({MakeProduct("P1", "a")});
  PutStores({MakeStore("S1", "Z1")});
  EXPECT_THAT(PutStock({{"P1", "S1", 10, T(100)}}), ElementsAre(WriteOutcome::kInserted));
  EXPECT_THAT(PutStock({{"P1", "S1", 7, T(200)}}), ElementsAre(WriteOutcome::kUpdated));
  // Measured before the stored level: stale.
  EXPECT_THAT(PutStock({{"P1", "S1", 3, T(150)}}), ElementsAre(WriteOutcome::kUnchanged));
  // Same quantity later: unchanged, and the measurement time stays.
  EXPECT_THAT(PutStock({{"P1", "S1", 7, T(300)}}), ElementsAre(WriteOutcome::kUnchanged));
  auto got = repo_->GetStock("P1", "S1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, (StockLevel{"P1", "S1", 7, T(200)}));
  // Same instant, another quantity: a correction.
  EXPECT_THAT(PutStock({{"P1", "S1", -2, T(200)}}), ElementsAre(WriteOutcome::kUpdated));
  EXPECT_EQ(repo_->GetStock("P1", "S1")->value().quantity, -2);
  EXPECT_FALSE(repo_->GetStock("P1", "S2")->has_value());
  EXPECT_EQ(Counts().stock_levels, 1);
}

// SQLite applies one call's levels in key order; the outcomes and the result are those of
// applying them in the order given.
TEST_P(CatalogConformanceTest, OneStockCallActsInTheOrderGiven) {
  PutProducts({MakeProduct("P1", "a"), MakeProduct("P2", "b")});
  PutStores({MakeStore("S1", "Z1"), MakeStore("S2", "Z1")});
  EXPECT_THAT(
      PutStock({{"P2", "S1", 5, T(100)},
                {"P1", "S2", 3, T(100)},
                {"P2", "S1", 5, T(200)},  // same quantity: unchanged
                {"P2", "S1", 8, T(50)},   // stale: unchanged
                {"P1", "S1", 1, T(100)},
                {"P2", "S1", 9, T(300)}}),  // updated
      ElementsAre(WriteOutcome::kInserted, WriteOutcome::kInserted, WriteOutcome::kUnchanged,
                  WriteOutcome::kUnchanged, WriteOutcome::kInserted, WriteOutcome::kUpdated));
  EXPECT_EQ(repo_->GetStock("P2", "S1")->value(), (StockLevel{"P2", "S1", 9, T(300)}));
  EXPECT_EQ(repo_->GetStock("P1", "S2")->value(), (StockLevel{"P1", "S2", 3, T(100)}));
  EXPECT_EQ(Counts().stock_levels, 3);
}

// Many keys at once (more than a backend reads in one statement), in the order asked,
// missing ones and repeats included.
TEST_P(CatalogConformanceTest, StockLevelsOfManyKeysComeInTheOrderAsked) {
  std::vector<Product> products;
  for (int i = 0; i < 150; ++i) products.push_back(MakeProduct("P" + std::to_string(i), "p"));
  PutProducts(products);
  PutStores({MakeStore("S1", "Z1"), MakeStore("S2", "Z1")});
  std::vector<StockLevel> levels;
  for (int i = 0; i < 150; ++i) levels.push_back({"P" + std::to_string(i), "S1", i, T(100 + i)});
  PutStock(levels);
  std::vector<std::pair<std::string, std::string>> keys;
  for (int i = 149; i >= 0; --i) {
    keys.emplace_back("P" + std::to_string(i), "S1");
    keys.emplace_back("P" + std::to_string(i), "S2");  // none
  }
  keys.emplace_back("P7", "S1");  // again
  keys.emplace_back("NOPE", "S1");
  auto got = repo_->GetStockLevels(keys);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), keys.size());
  for (int i = 0; i < 150; ++i) {
    const int product = 149 - i;
    ASSERT_TRUE((*got)[2 * i].has_value()) << keys[2 * i].first;
    EXPECT_EQ(*(*got)[2 * i],
              (StockLevel{"P" + std::to_string(product), "S1", product, T(100 + product)}));
    EXPECT_FALSE((*got)[2 * i + 1].has_value());
  }
  EXPECT_EQ((*got)[300], (StockLevel{"P7", "S1", 7, T(107)}));
  EXPECT_FALSE((*got)[301].has_value());
  EXPECT_THAT(*repo_->GetStockLevels({}), IsEmpty());
}

TEST_P(CatalogConformanceTest, ListStockFiltersAndPages) {
  PutProducts({MakeProduct("A", "a"), MakeProduct("AB", "b"), MakeProduct("B", "c")});
  PutStores({MakeStore("S1", "Z"), MakeStore("S2", "Z"), MakeStore("S3", "Z")});
  std::vector<StockLevel> levels;
  for (const char* p : {"A", "AB", "B"}) {
    for (const char* s : {"S1", "S2", "S3"}) levels.push_back({p, s, 1, T(0)});
  }
  PutStock(levels);
  StockQuery q;
  q.limit = 4;
  std::vector<std::string> keys;
  for (;;) {
    auto page = repo_->ListStock(q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const StockLevel& l : page->items) keys.push_back(l.product_id + "|" + l.store_id);
    if (page->next_after.empty()) break;
    q.after = page->next_after;
  }
  EXPECT_THAT(
      keys, ElementsAre("A|S1", "A|S2", "A|S3", "AB|S1", "AB|S2", "AB|S3", "B|S1", "B|S2", "B|S3"));
  q = StockQuery();
  q.store_id = "S2";
  auto by_store = repo_->ListStock(q);
  ASSERT_TRUE(by_store.ok());
  EXPECT_EQ(by_store->items.size(), 3u);
  q.product_id = "AB";
  EXPECT_EQ(repo_->ListStock(q)->items.size(), 1u);
  q = StockQuery();
  q.after = "no-bar";
  EXPECT_EQ(repo_->ListStock(q).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(CatalogConformanceTest, CountsCountEveryKind) {
  EXPECT_EQ(Counts().products, 0);
  PutProducts({MakeProduct("P1", "a"), MakeProduct("P2", "b")});
  PutStores({MakeStore("S1", "Z1"), MakeStore("S2", "Z2"), MakeStore("S3", "Z2")});
  PutPrices(
      {NationalPrice("P1", 1, T(0)), NationalPrice("P1", 2, T(1)), NationalPrice("P2", 1, T(0))});
  PutStock({{"P1", "S1", 1, T(0)}, {"P2", "S3", 1, T(0)}});
  const CatalogCounts c = Counts();
  EXPECT_EQ(c.products, 2);
  EXPECT_EQ(c.stores, 3);
  EXPECT_EQ(c.price_zones, 2);
  EXPECT_EQ(c.price_entries, 3);
  EXPECT_EQ(c.stock_levels, 2);
}

// ----- accounts ---------------------------------------------------------------------------------

User MakeUser(std::string id, Role role, std::string display_name = "Alice Martin") {
  User u;
  u.id = std::move(id);
  u.display_name = std::move(display_name);
  u.role = role;
  u.password_hash = "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA";
  u.created_at = T(1);
  return u;
}

ApiToken MakeToken(std::string id, std::string secret_hash) {
  ApiToken t;
  t.id = std::move(id);
  t.name = "Google Merchant pull";
  t.role = Role::kPlatform;
  t.channel = "google";
  t.secret_hash = std::move(secret_hash);
  t.created_by = "admin@example.com";
  t.created_at = T(2);
  return t;
}

void ExpectSameUser(const User& got, const User& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.display_name, want.display_name);
  EXPECT_EQ(got.role, want.role);
  EXPECT_EQ(got.password_hash, want.password_hash);
  EXPECT_EQ(got.disabled, want.disabled);
  EXPECT_EQ(got.created_at, want.created_at);
}

void ExpectSameToken(const ApiToken& got, const ApiToken& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.role, want.role);
  EXPECT_EQ(got.channel, want.channel);
  EXPECT_EQ(got.secret_hash, want.secret_hash);
  EXPECT_EQ(got.created_by, want.created_by);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.revoked_at, want.revoked_at);
  EXPECT_EQ(got.last_used_at, want.last_used_at);
}

TEST_P(CatalogConformanceTest, UsersArePutGotListedByIdAndReplaced) {
  const User bob = MakeUser("bob@example.com", Role::kEditor, "Bob Dupré");
  User alice = MakeUser("alice@example.com", Role::kAdmin);
  ASSERT_TRUE(accounts_->PutUser(bob).ok());
  ASSERT_TRUE(accounts_->PutUser(alice).ok());

  auto got = accounts_->GetUser("bob@example.com");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  ExpectSameUser(**got, bob);
  auto missing = accounts_->GetUser("carol@example.com");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto users = accounts_->ListUsers();
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].id, "alice@example.com");
  EXPECT_EQ((*users)[1].id, "bob@example.com");

  // Put with a taken id replaces every field.
  alice.role = Role::kViewer;
  alice.disabled = true;
  alice.display_name = "Alice M.";
  alice.password_hash = "$scrypt$new";
  ASSERT_TRUE(accounts_->PutUser(alice).ok());
  got = accounts_->GetUser("alice@example.com");
  ASSERT_TRUE(got.ok() && got->has_value());
  ExpectSameUser(**got, alice);
  EXPECT_EQ(accounts_->ListUsers()->size(), 2u);
}

TEST_P(CatalogConformanceTest, EveryRoleRoundTrips) {
  for (Role role : {Role::kPlatform, Role::kViewer, Role::kEditor, Role::kApprover, Role::kAdmin}) {
    const std::string id = std::string(RoleName(role)) + "@example.com";
    ASSERT_TRUE(accounts_->PutUser(MakeUser(id, role)).ok());
    auto got = accounts_->GetUser(id);
    ASSERT_TRUE(got.ok() && got->has_value()) << id;
    EXPECT_EQ((*got)->role, role) << id;
  }
}

TEST_P(CatalogConformanceTest, TokensRoundTripAndAreFoundBySecretHash) {
  ApiToken google = MakeToken("tok_00000000000b", "hash-b");
  ApiToken cli = MakeToken("tok_00000000000a", "hash-a");
  cli.role = Role::kAdmin;
  cli.channel = "";
  cli.created_by = "cli";
  cli.last_used_at = T(3);
  ASSERT_TRUE(accounts_->CreateToken(google).ok());
  ASSERT_TRUE(accounts_->CreateToken(cli).ok());

  auto found = accounts_->FindTokenBySecretHash("hash-b");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  ExpectSameToken(**found, google);
  auto by_id = accounts_->GetToken("tok_00000000000a");
  ASSERT_TRUE(by_id.ok() && by_id->has_value());
  ExpectSameToken(**by_id, cli);

  EXPECT_FALSE(accounts_->FindTokenBySecretHash("hash-z")->has_value());
  EXPECT_FALSE(accounts_->GetToken("tok_ffffffffffff")->has_value());

  auto all = accounts_->ListTokens();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "tok_00000000000a");
  EXPECT_EQ((*all)[1].id, "tok_00000000000b");
}

TEST_P(CatalogConformanceTest, CreateTokenRefusesATakenIdOrSecretHash) {
  ASSERT_TRUE(accounts_->CreateToken(MakeToken("tok_1", "hash-1")).ok());

  ApiToken same_id = MakeToken("tok_1", "hash-2");
  same_id.name = "impostor";
  Status s = accounts_->CreateToken(same_id);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("tok_1"));
  EXPECT_EQ(accounts_->GetToken("tok_1")->value().name, "Google Merchant pull");
  EXPECT_FALSE(accounts_->FindTokenBySecretHash("hash-2")->has_value());

  s = accounts_->CreateToken(MakeToken("tok_2", "hash-1"));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_FALSE(accounts_->GetToken("tok_2")->has_value());
  EXPECT_EQ(accounts_->ListTokens()->size(), 1u);
}

TEST_P(CatalogConformanceTest, RevokeTokenSucceedsOnceAndTheTokenStaysFindable) {
  ASSERT_TRUE(accounts_->CreateToken(MakeToken("tok_1", "hash-1")).ok());
  auto first = accounts_->RevokeToken("tok_1", T(50));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  auto again = accounts_->RevokeToken("tok_1", T(60));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto unknown = accounts_->RevokeToken("tok_ghost", T(60));
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(*unknown);

  // Found with revoked_at set, at the first revocation's time: the caller refuses it.
  auto found = accounts_->FindTokenBySecretHash("hash-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->revoked_at, std::optional<Instant>(T(50)));
  EXPECT_EQ(accounts_->GetToken("tok_1")->value().revoked_at, std::optional<Instant>(T(50)));
}

TEST_P(CatalogConformanceTest, TouchTokenRecordsUsesAtMostOnceAMinute) {
  ASSERT_TRUE(accounts_->CreateToken(MakeToken("tok_1", "hash-1")).ok());
  ASSERT_TRUE(accounts_->CreateToken(MakeToken("tok_2", "hash-2")).ok());
  auto last_used = [&]() { return accounts_->GetToken("tok_1")->value().last_used_at; };
  EXPECT_EQ(last_used(), std::nullopt);

  ASSERT_TRUE(accounts_->TouchToken("tok_1", T(100)).ok());
  EXPECT_EQ(last_used(), std::optional<Instant>(T(100)));
  // Within the minute: not written.
  ASSERT_TRUE(accounts_->TouchToken("tok_1", T(159)).ok());
  EXPECT_EQ(last_used(), std::optional<Instant>(T(100)));
  // A minute later: written.
  ASSERT_TRUE(accounts_->TouchToken("tok_1", T(160)).ok());
  EXPECT_EQ(last_used(), std::optional<Instant>(T(160)));
  // Never back in time, even by more than a minute.
  ASSERT_TRUE(accounts_->TouchToken("tok_1", T(10)).ok());
  EXPECT_EQ(last_used(), std::optional<Instant>(T(160)));
  // Only the named token.
  EXPECT_EQ(accounts_->GetToken("tok_2")->value().last_used_at, std::nullopt);

  EXPECT_EQ(accounts_->TouchToken("tok_ghost", T(200)).code(), StatusCode::kNotFound);
}

TEST_P(CatalogConformanceTest, SessionsAreFoundUntilTheyExpireOrAreDeleted) {
  const Session session{"sess-hash-1", "alice@example.com", T(0), T(100)};
  ASSERT_TRUE(accounts_->CreateSession(session).ok());

  auto found = accounts_->FindSession("sess-hash-1", T(99));
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id_hash, "sess-hash-1");
  EXPECT_EQ((*found)->user_id, "alice@example.com");
  EXPECT_EQ((*found)->created_at, T(0));
  EXPECT_EQ((*found)->expires_at, T(100));
  // Expired from expires_at on.
  EXPECT_FALSE(accounts_->FindSession("sess-hash-1", T(100))->has_value());
  EXPECT_FALSE(accounts_->FindSession("sess-hash-1", T(5000))->has_value());
  EXPECT_FALSE(accounts_->FindSession("sess-other", T(0))->has_value());

  Status dup = accounts_->CreateSession({"sess-hash-1", "bob@example.com", T(1), T(200)});
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists) << dup.ToString();
  EXPECT_EQ(accounts_->FindSession("sess-hash-1", T(2))->value().user_id, "alice@example.com");

  ASSERT_TRUE(accounts_->DeleteSession("sess-hash-1").ok());
  EXPECT_FALSE(accounts_->FindSession("sess-hash-1", T(2))->has_value());
  EXPECT_TRUE(accounts_->DeleteSession("sess-hash-1").ok());  // logging out twice
}

TEST_P(CatalogConformanceTest, CreateSessionSweepsAwaySessionsExpiredByThen) {
  ASSERT_TRUE(accounts_->CreateSession({"old", "alice@example.com", T(0), T(50)}).ok());
  ASSERT_TRUE(accounts_->CreateSession({"live", "bob@example.com", T(0), T(500)}).ok());
  ASSERT_TRUE(accounts_->FindSession("old", T(10))->has_value());

  ASSERT_TRUE(accounts_->CreateSession({"new", "carol@example.com", T(60), T(600)}).ok());
  // Asked about a time before it expired, "old" is still not there: it was deleted.
  EXPECT_FALSE(accounts_->FindSession("old", T(10))->has_value());
  EXPECT_TRUE(accounts_->FindSession("live", T(10))->has_value());
  EXPECT_TRUE(accounts_->FindSession("new", T(60))->has_value());
  // An expired session's id hash may be reused.
  EXPECT_TRUE(accounts_->CreateSession({"live", "dave@example.com", T(500), T(900)}).ok());
  EXPECT_EQ(accounts_->FindSession("live", T(500))->value().user_id, "dave@example.com");
}

// ----- audit log --------------------------------------------------------------------------------

AuditEntry MakeEntry(std::string entity, std::string entity_id, std::string action = "update") {
  AuditEntry e;
  e.at = T(10);
  e.actor = "user:alice@example.com";
  e.action = std::move(action);
  e.entity = std::move(entity);
  e.entity_id = std::move(entity_id);
  e.request_id = "req-1";
  return e;
}

TEST_P(CatalogConformanceTest, AppendAssignsIncreasingSeqsAndIgnoresTheGivenOne) {
  AuditEntry e = MakeEntry("product", "P1", "create");
  e.seq = 999;
  const int64_t first = Append(e);
  e.seq = 0;
  const int64_t second = Append(e);
  const int64_t third = Append(MakeEntry("store", "S1"));
  EXPECT_GT(first, 0);
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_NE(first, 999);
  EXPECT_THAT(AuditSeqs(AuditQuery()), ElementsAre(third, second, first));
}

TEST_P(CatalogConformanceTest, ListAuditIsNewestFirstWithFiltersPagingAndLimit) {
  std::vector<int64_t> p1;  // seqs of product P1's entries, oldest first
  std::vector<int64_t> all;
  for (int i = 0; i < 5; ++i) {
    all.push_back(Append(MakeEntry("product", "P1")));
    p1.push_back(all.back());
    all.push_back(Append(MakeEntry("product", "P2")));
    all.push_back(Append(MakeEntry("store", "P1")));  // same id, another entity
  }
  std::vector<int64_t> newest_first(all.rbegin(), all.rend());
  EXPECT_EQ(AuditSeqs(AuditQuery()), newest_first);

  AuditQuery q;
  q.entity = "product";
  q.entity_id = "P1";
  EXPECT_THAT(AuditSeqs(q), ElementsAre(p1[4], p1[3], p1[2], p1[1], p1[0]));
  q.entity_id = "";
  EXPECT_EQ(AuditSeqs(q).size(), 10u);
  q.entity = "";
  q.entity_id = "P1";
  EXPECT_EQ(AuditSeqs(q).size(), 10u);  // product P1 and store P1

  // Paging P1's product history two at a time with before_seq.
  q = AuditQuery();
  q.entity = "product";
  q.entity_id = "P1";
  q.limit = 2;
  std::vector<std::vector<int64_t>> pages;
  for (;;) {
    std::vector<int64_t> page = AuditSeqs(q);
    if (page.empty()) break;
    pages.push_back(page);
    ASSERT_LE(pages.size(), 5u) << "paging does not end";
    q.before_seq = page.back();
  }
  EXPECT_THAT(
      pages, ElementsAre(ElementsAre(p1[4], p1[3]), ElementsAre(p1[2], p1[1]), ElementsAre(p1[0])));

  q = AuditQuery();
  q.before_seq = all[1];
  EXPECT_THAT(AuditSeqs(q), ElementsAre(all[0]));
  q.before_seq = all[0];
  EXPECT_THAT(AuditSeqs(q), IsEmpty());

  for (int limit : {0, -1, 1001}) {
    AuditQuery bad;
    bad.limit = limit;
    EXPECT_EQ(audit_->ListAudit(bad).status().code(), StatusCode::kInvalidArgument) << limit;
  }
  AuditQuery negative;
  negative.before_seq = -1;
  EXPECT_EQ(audit_->ListAudit(negative).status().code(), StatusCode::kInvalidArgument);
  AuditQuery max;
  max.limit = 1000;
  EXPECT_EQ(AuditSeqs(max).size(), all.size());
}

TEST_P(CatalogConformanceTest, AuditEntriesRoundTripEveryFieldAndAnyJson) {
  AuditEntry created = MakeEntry("product", "Crème-1", "create");
  created.at = T(42);
  created.actor = "token:tok_1a2b3c4d5e6f";
  created.request_id = "01J9Z8K7";
  created.before = nullptr;
  created.after = {
      {"title", "Crème brûlée « maison » ☕🍫"},
      {"price", 3.5},
      {"quantity", -12},
      {"big", 9007199254740993},
      {"tags", {"bio", "local", nullptr, true}},
      {"nested", {{"empty", nlohmann::json::object()}, {"list", nlohmann::json::array()}}},
      {"quote", "say \"hi\"\\n\n\t"}};
  AuditEntry deleted = MakeEntry("product", "Crème-1", "delete");
  deleted.before = created.after;
  deleted.after = nullptr;
  AuditEntry scalars = MakeEntry("import", "products", "import");
  scalars.before = "plain string";
  scalars.after = 0;

  const int64_t seq = Append(created);
  Append(deleted);
  Append(scalars);
  auto entries = audit_->ListAudit(AuditQuery());
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 3u);

  const AuditEntry& got = (*entries)[2];
  EXPECT_EQ(got.seq, seq);
  EXPECT_EQ(got.at, T(42));
  EXPECT_EQ(got.actor, created.actor);
  EXPECT_EQ(got.action, "create");
  EXPECT_EQ(got.entity, "product");
  EXPECT_EQ(got.entity_id, "Crème-1");
  EXPECT_EQ(got.request_id, "01J9Z8K7");
  EXPECT_TRUE(got.before.is_null());
  EXPECT_EQ(got.after, created.after);
  EXPECT_EQ(got.after["title"].get<std::string>(), "Crème brûlée « maison » ☕🍫");
  EXPECT_EQ(got.after["big"].get<int64_t>(), 9007199254740993);

  EXPECT_EQ((*entries)[1].before, created.after);
  EXPECT_TRUE((*entries)[1].after.is_null());
  EXPECT_EQ((*entries)[0].before, nlohmann::json("plain string"));
  EXPECT_EQ((*entries)[0].after, nlohmann::json(0));

  AuditQuery by_accented_id;
  by_accented_id.entity = "product";
  by_accented_id.entity_id = "Crème-1";
  EXPECT_EQ(AuditSeqs(by_accented_id).size(), 2u);
}

TEST_P(CatalogConformanceTest, AppendRefusesJsonThatIsNotUtf8) {
  AuditEntry e = MakeEntry("product", "P1");
  e.after = {{"title", std::string("caf\xe9")}};  // Latin-1, not UTF-8
  auto r = audit_->Append(e);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_THAT(AuditSeqs(AuditQuery()), IsEmpty());
}

// ----- audit and accounts inside catalogue transactions -------------------------------------

TEST_P(CatalogConformanceTest, AuditEntryAndProductOfAFailedTransactionBothRollBack) {
  Status s = repo_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(repo_->PutProducts(std::vector{MakeProduct("P1", "a")}, T(0)).status());
    AuditEntry e = MakeEntry("product", "P1", "create");
    e.after = {{"id", "P1"}};
    VITRINE_RETURN_IF_ERROR(audit_->Append(e).status());
    VITRINE_RETURN_IF_ERROR(accounts_->PutUser(MakeUser("alice@example.com", Role::kEditor)));
    VITRINE_RETURN_IF_ERROR(accounts_->CreateToken(MakeToken("tok_1", "hash-1")));
    // The body sees its own entry before deciding to fail.
    auto own = audit_->ListAudit(AuditQuery());
    if (!own.ok() || own->size() != 1) return Status::Internal("own audit entry not visible");
    return Status::FailedPrecondition("approval missing");
  });
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_FALSE(repo_->GetProduct("P1")->has_value());
  EXPECT_THAT(AuditSeqs(AuditQuery()), IsEmpty());
  EXPECT_FALSE(accounts_->GetUser("alice@example.com")->has_value());
  EXPECT_FALSE(accounts_->GetToken("tok_1")->has_value());
}

TEST_P(CatalogConformanceTest, AuditEntryAndProductOfASuccessfulTransactionBothLand) {
  int64_t seq = 0;
  Status s = repo_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(repo_->PutProducts(std::vector{MakeProduct("P1", "a")}, T(0)).status());
    AuditEntry e = MakeEntry("product", "P1", "create");
    e.after = {{"id", "P1"}, {"title", "a"}};
    Result<int64_t> appended = audit_->Append(e);
    VITRINE_RETURN_IF_ERROR(appended.status());
    seq = *appended;
    return accounts_->TouchToken("tok_ghost", T(0)).code() == StatusCode::kNotFound
               ? Status::Ok()
               : Status::Internal("touching an unknown token must be NotFound");
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(repo_->GetProduct("P1")->has_value());
  auto entries = audit_->ListAudit(AuditQuery());
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].seq, seq);
  EXPECT_EQ((*entries)[0].after["title"], "a");
}

TEST_P(CatalogConformanceTest, AFailedAccountWriteInsideATransactionLeavesTheRestIntact) {
  ASSERT_TRUE(accounts_->CreateToken(MakeToken("tok_1", "hash-1")).ok());
  Status s = repo_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(repo_->PutProducts(std::vector{MakeProduct("P1", "a")}, T(0)).status());
    if (accounts_->CreateToken(MakeToken("tok_1", "hash-2")).code() != StatusCode::kAlreadyExists) {
      return Status::Internal("expected AlreadyExists");
    }
    return audit_->Append(MakeEntry("product", "P1", "create")).status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(repo_->GetProduct("P1")->has_value());
  EXPECT_EQ(AuditSeqs(AuditQuery()).size(), 1u);
  EXPECT_FALSE(accounts_->FindTokenBySecretHash("hash-2")->has_value());
}

// ---- The change log: every write records what it changed, in its own transaction.

std::vector<std::pair<ChangeKind, std::vector<std::string>>> Entries(ChangeLog& log,
                                                                     int64_t after = 0) {
  auto entries = log.ListChangesSince(after, 1000);
  EXPECT_TRUE(entries.ok()) << entries.status().ToString();
  std::vector<std::pair<ChangeKind, std::vector<std::string>>> out;
  if (entries.ok()) {
    for (const ChangeEntry& e : *entries) out.emplace_back(e.kind, e.keys);
  }
  return out;
}

using Entry = std::pair<ChangeKind, std::vector<std::string>>;

TEST_P(CatalogConformanceTest, EveryCatalogueWriteRecordsTheKeysItChangedAndOnlyThose) {
  PutStores({MakeStore("S1", "Z1"), MakeStore("S2", "Z1")});
  PutProducts({MakeProduct("P2", "Thé"), MakeProduct("P1", "Chocolat")});
  ASSERT_TRUE(repo_->PutPrices(std::vector<Price>{NationalPrice("P1", 200, T(0))}).ok());
  ASSERT_TRUE(
      repo_->PutStock(std::vector<StockLevel>{{"P1", "S2", 3, T(5)}, {"P1", "S1", 4, T(5)}}).ok());
  const int64_t before_unchanged = *changes_->LastChangeId();
  // The same content again changes nothing, so it records nothing.
  PutProducts({MakeProduct("P1", "Chocolat")});
  ASSERT_TRUE(repo_->PutStock(std::vector<StockLevel>{{"P1", "S1", 4, T(9)}}).ok());
  EXPECT_EQ(*changes_->LastChangeId(), before_unchanged);
  PutProducts({MakeProduct("P1", "Chocolat noir"), MakeProduct("P2", "Thé")});
  ASSERT_TRUE(*repo_->DeleteStore("S2"));
  ASSERT_TRUE(*repo_->DeleteProduct("P2"));
  EXPECT_FALSE(*repo_->DeleteProduct("P2"));  // nothing deleted: nothing recorded

  EXPECT_EQ(Entries(*changes_), (std::vector<Entry>{{ChangeKind::kStores, {"S1", "S2"}},
                                                    {ChangeKind::kProducts, {"P1", "P2"}},
                                                    {ChangeKind::kProducts, {"P1"}},
                                                    {ChangeKind::kStock, {"P1|S1", "P1|S2"}},
                                                    {ChangeKind::kProducts, {"P1"}},
                                                    {ChangeKind::kStores, {"S2"}},
                                                    {ChangeKind::kProducts, {"P2"}}}));
}

TEST_P(CatalogConformanceTest, ChangeIdsIncreaseAndListingPagesFromAnId) {
  const std::string a[] = {"C2", "C1", "C2"};
  auto first = changes_->AppendChange(ChangeKind::kCampaign, a);
  ASSERT_TRUE(first.ok());
  EXPECT_GT(*first, 0);
  EXPECT_EQ(*changes_->AppendChange(ChangeKind::kCampaign, {}), 0);  // nothing to say
  auto all = changes_->AppendChange(ChangeKind::kAll, {});
  ASSERT_TRUE(all.ok());
  EXPECT_GT(*all, *first);
  EXPECT_EQ(*changes_->LastChangeId(), *all);
  EXPECT_EQ(Entries(*changes_),
            (std::vector<Entry>{{ChangeKind::kCampaign, {"C1", "C2"}}, {ChangeKind::kAll, {}}}));
  EXPECT_EQ(Entries(*changes_, *first), (std::vector<Entry>{{ChangeKind::kAll, {}}}));
  EXPECT_TRUE(Entries(*changes_, *all).empty());
  EXPECT_EQ(changes_->ListChangesSince(0, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(CatalogConformanceTest, AFailedTransactionRecordsNoChange) {
  const Status s = db_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(
        repo_->PutProducts(std::vector<Product>{MakeProduct("P1", "Thé")}, T(0)).status());
    return Status::Internal("the caller gives up");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(*changes_->LastChangeId(), 0);
  // A refused write inside a transaction that commits records nothing either.
  const Status ok = db_->Transaction([&]() -> Status {
    EXPECT_FALSE(
        repo_->PutStock(std::vector<StockLevel>{{"P9", "S9", 1, T(0)}}).ok());  // unknown keys
    return repo_->PutProducts(std::vector<Product>{MakeProduct("P1", "Thé")}, T(0)).status();
  });
  ASSERT_TRUE(ok.ok()) << ok.ToString();
  EXPECT_EQ(Entries(*changes_), (std::vector<Entry>{{ChangeKind::kProducts, {"P1"}}}));
}

TEST_P(CatalogConformanceTest, ConsumersRememberTheirPosition) {
  EXPECT_EQ(*changes_->AppliedChangeId("assembly"), 0);
  ASSERT_TRUE(changes_->SetAppliedChangeId("assembly", 42).ok());
  ASSERT_TRUE(changes_->SetAppliedChangeId("webhooks", 7).ok());
  EXPECT_EQ(*changes_->AppliedChangeId("assembly"), 42);
  EXPECT_EQ(*changes_->AppliedChangeId("webhooks"), 7);
}

TEST_P(CatalogConformanceTest, ALeaseHasOneHolderUntilItExpiresOrIsReleased) {
  const auto ttl = std::chrono::seconds(5);
  EXPECT_TRUE(*changes_->TryLease("assembly", "node-a", T(0), ttl));
  EXPECT_FALSE(*changes_->TryLease("assembly", "node-b", T(1), ttl));
  EXPECT_TRUE(*changes_->TryLease("assembly", "node-a", T(4), ttl));  // renewed until T(9)
  EXPECT_FALSE(*changes_->TryLease("assembly", "node-b", T(8), ttl));
  EXPECT_EQ(*changes_->LeaseHolder("assembly", T(8)), "node-a");
  EXPECT_EQ(*changes_->LeaseHolder("assembly", T(9)), "");  // expired: node-a died
  EXPECT_TRUE(*changes_->TryLease("assembly", "node-b", T(9), ttl));
  EXPECT_TRUE(*changes_->TryLease("other", "node-a", T(9), ttl));  // leases are independent
  ASSERT_TRUE(changes_->ReleaseLease("assembly", "node-a").ok());  // not its holder: no effect
  EXPECT_EQ(*changes_->LeaseHolder("assembly", T(10)), "node-b");
  ASSERT_TRUE(changes_->ReleaseLease("assembly", "node-b").ok());
  EXPECT_TRUE(*changes_->TryLease("assembly", "node-a", T(10), ttl));
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogConformanceTest, vitrine::testing::AllBackends(),
                         vitrine::testing::BackendName);

}  // namespace
}  // namespace vitrine
