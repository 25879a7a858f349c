#include "offers/campaign_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store/memory_database.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

Instant At(const char* text) {
  auto t = ParseInstant(text);
  EXPECT_TRUE(t.ok()) << text;
  return *t;
}

LocalTime Local(std::chrono::year_month_day day) { return LocalTime{std::chrono::local_days{day}}; }

const Instant kNow = At("2026-11-20T08:00:00Z");
const Instant kLongAgo = At("2026-09-01T00:00:00Z");

class CampaignChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddStore("S1", "Z1");
    AddStore("S2", "Z1");
    AddStore("S3", "Z2");
    AddProduct(Complete("CAFE"));
    AddPrice("CAFE", PriceLevel::kNational, "", 349, kLongAgo);
    AddStock("CAFE", "S1", 20);
  }

  void AddStore(const std::string& id, const std::string& zone,
                const std::string& timezone = "Europe/Paris") {
    Store s;
    s.id = id;
    s.name = "Magasin " + id;
    s.banner = "Market";
    s.city = "Lyon";
    s.postal_code = "69001";
    s.price_zone = zone;
    s.timezone = timezone;
    ASSERT_TRUE(db_.PutStores(std::vector<Store>{s}, kLongAgo).ok());
  }

  static Product Complete(const std::string& id, const std::string& category = "Épicerie > Café") {
    Product p;
    p.id = id;
    p.title = "Café moulu " + id;
    p.brand = "Maison";
    p.category = category;
    auto gtin = Gtin::Parse("3017620422003");
    EXPECT_TRUE(gtin.ok());
    p.gtin = *gtin;
    auto quantity = Quantity::Parse("250 g");
    EXPECT_TRUE(quantity.ok());
    p.net_quantity = *quantity;
    p.image_url = "https://img.example/" + id + ".jpg";
    return p;
  }

  void AddProduct(const Product& p) {
    ASSERT_TRUE(db_.PutProducts(std::vector<Product>{p}, kLongAgo).ok());
  }

  void AddPrice(const std::string& product, PriceLevel level, const std::string& level_id,
                int64_t cents, Instant from) {
    const Price price{product, level, level_id, Money::Euros(cents), from};
    auto put = db_.PutPrices(std::vector<Price>{price});
    ASSERT_TRUE(put.ok()) << put.status().ToString();
  }

  void AddStock(const std::string& product, const std::string& store, int64_t quantity) {
    const StockLevel level{product, store, quantity, kLongAgo};
    ASSERT_TRUE(db_.PutStock(std::vector<StockLevel>{level}).ok());
  }

  // 2 to 9 December 2026 in every store, or `scope`.
  Campaign CreateCampaign(CampaignStatus status = CampaignStatus::kDraft,
                          std::chrono::year_month_day start = 2026y / 12 / 2,
                          std::chrono::year_month_day end = 2026y / 12 / 9, StoreScope scope = {}) {
    Campaign c;
    c.name = "Noël";
    c.start_local = Local(start);
    c.end_local = Local(end);
    c.channels = {"google"};
    c.scope = std::move(scope);
    c.status = status;
    auto created = db_.CreateCampaign(c, kLongAgo);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return *created;
  }

  Promotion AddPromotion(const Campaign& campaign, Mechanic mechanic,
                         std::vector<std::string> products = {"CAFE"}, int priority = 0) {
    Promotion p;
    p.campaign_id = campaign.id;
    p.selector.product_ids = std::move(products);
    p.mechanic = mechanic;
    p.priority = priority;
    return AddPromotion(p);
  }

  Promotion AddPromotion(const Promotion& p) {
    auto created = db_.CreatePromotion(p);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return *created;
  }

  CampaignChecks Check(const Campaign& campaign, Instant now = kNow,
                       const ComplianceRules& rules = {}, const CheckLimits& limits = {}) {
    auto checks = CheckCampaign(db_, db_, campaign, rules, now, limits);
    EXPECT_TRUE(checks.ok()) << checks.status().ToString();
    return checks.ok() ? *checks : CampaignChecks{};
  }

  static std::vector<Finding> WithCode(const CampaignChecks& checks, std::string_view code) {
    std::vector<Finding> out;
    for (const Finding& f : checks.findings) {
      if (f.code == code) out.push_back(f);
    }
    return out;
  }

  static std::string Dump(const CampaignChecks& checks) { return checks.ToJson().dump(2); }

  MemoryDatabase db_;
};

TEST_F(CampaignChecksTest, ACleanCampaignHasNoFinding) {
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30});
  const CampaignChecks checks = Check(c);
  EXPECT_THAT(checks.findings, IsEmpty()) << Dump(checks);
  EXPECT_EQ(checks.blocking, 0);
  EXPECT_EQ(checks.promotions, 1);
  EXPECT_EQ(checks.products, 1);
  EXPECT_EQ(checks.stores, 3);

  const nlohmann::json json = checks.ToJson();
  EXPECT_EQ(json["approvable"], true);
  EXPECT_EQ(json["stores"], 3);
  EXPECT_TRUE(json["findings"].is_array());
}

TEST_F(CampaignChecksTest, CampaignLevelFindingsBlock) {
  Campaign c = CreateCampaign(CampaignStatus::kDraft, 2026y / 12 / 2, 2026y / 12 / 9,
                              StoreScope{StoreScope::Kind::kZones, {"NOWHERE"}});
  c.channels.clear();
  const CampaignChecks checks = Check(c);
  EXPECT_THAT(WithCode(checks, check_codes::kCampaignInvalid), SizeIs(1)) << Dump(checks);
  EXPECT_THAT(WithCode(checks, check_codes::kCampaignInvalid)[0].message, HasSubstr("channels"));
  EXPECT_THAT(WithCode(checks, check_codes::kNoStoresInScope), SizeIs(1));
  EXPECT_THAT(WithCode(checks, check_codes::kNoPromotions), SizeIs(1));
  EXPECT_EQ(checks.blocking, 3);
  EXPECT_EQ(checks.stores, 0);
  EXPECT_EQ(checks.ToJson()["approvable"], false);
}

TEST_F(CampaignChecksTest, AnEndedCampaignBlocks) {
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30});
  // Sunday 9 December 00:00 in Paris is 8 December 23:00 UTC.
  EXPECT_THAT(WithCode(Check(c, At("2026-12-08T22:59:59Z")), check_codes::kCampaignEnded),
              IsEmpty());
  const CampaignChecks ended = Check(c, At("2026-12-08T23:00:00Z"));
  ASSERT_THAT(WithCode(ended, check_codes::kCampaignEnded), SizeIs(1)) << Dump(ended);
  EXPECT_EQ(ended.blocking, 1);
}

TEST_F(CampaignChecksTest, AStoreWithAnUnknownTimeZoneBlocks) {
  AddStore("S9", "Z1", "Mars/Olympus");
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30});
  const CampaignChecks checks = Check(c);
  const auto found = WithCode(checks, check_codes::kStoreUnknownTimeZone);
  ASSERT_THAT(found, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(found[0].store_id, "S9");
  EXPECT_EQ(checks.blocking, 1);
}

TEST_F(CampaignChecksTest, AnInvalidPromotionBlocksAndIsNotCheckedFurther) {
  const Campaign c = CreateCampaign();
  const Promotion p = AddPromotion(c, PercentOff{0}, {"CAFE", "UNKNOWN"});
  const CampaignChecks checks = Check(c);
  const auto found = WithCode(checks, check_codes::kPromotionInvalid);
  ASSERT_THAT(found, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(found[0].promotion_id, p.id);
  EXPECT_THAT(found[0].message, HasSubstr("\u201D: mechanic.percent"));
  EXPECT_THAT(WithCode(checks, check_codes::kProductUnknown), IsEmpty());
  EXPECT_EQ(checks.products, 0);
}

TEST_F(CampaignChecksTest, APromotionScopeOutsideTheCampaignsBlocks) {
  const Campaign c = CreateCampaign(CampaignStatus::kDraft, 2026y / 12 / 2, 2026y / 12 / 9,
                                    StoreScope{StoreScope::Kind::kZones, {"Z1"}});
  Promotion p;
  p.campaign_id = c.id;
  p.selector.product_ids = {"CAFE"};
  p.mechanic = PercentOff{30};
  p.scope = StoreScope{StoreScope::Kind::kStores, {"S3"}};
  AddPromotion(p);
  const CampaignChecks checks = Check(c);
  EXPECT_THAT(WithCode(checks, check_codes::kPromotionNoStores), SizeIs(1)) << Dump(checks);
  EXPECT_EQ(checks.stores, 2);
}

TEST_F(CampaignChecksTest, ASelectorThatMatchesNothingBlocks) {
  const Campaign c = CreateCampaign();
  Promotion p;
  p.campaign_id = c.id;
  p.selector.kind = ProductSelector::Kind::kCategory;
  p.selector.category = "Boissons";
  p.mechanic = PercentOff{30};
  AddPromotion(p);
  const CampaignChecks checks = Check(c);
  const auto found = WithCode(checks, check_codes::kSelectorMatchesNothing);
  ASSERT_THAT(found, SizeIs(1)) << Dump(checks);
  EXPECT_THAT(found[0].message, HasSubstr("selector matches no product"));
  EXPECT_EQ(checks.blocking, 1);
}

TEST_F(CampaignChecksTest, CategoryAndBrandSelectorsPageThroughTheCatalog) {
  for (int i = 0; i < 1500; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "T%04d", i);
    Product p = Complete(id, "Épicerie > Thé");
    p.brand = i % 2 == 0 ? "Lipton" : "Kusmi";
    AddProduct(p);
  }
  AddPrice("T0000", PriceLevel::kNational, "", 500, kLongAgo);
  const Campaign c = CreateCampaign();
  Promotion by_category;
  by_category.campaign_id = c.id;
  by_category.selector.kind = ProductSelector::Kind::kCategory;
  by_category.selector.category = "Épicerie > Thé";
  by_category.mechanic = PercentOff{30};
  AddPromotion(by_category);
  const CampaignChecks checks = Check(c);
  EXPECT_EQ(checks.products, 1500);
  // Only T0000 has a price: every other tea has none in all three stores.
  EXPECT_THAT(WithCode(checks, check_codes::kNoRegularPrice), SizeIs(1499));

  const Campaign by_brand_campaign = CreateCampaign();
  Promotion by_brand = by_category;
  by_brand.campaign_id = by_brand_campaign.id;
  by_brand.selector = {};
  by_brand.selector.kind = ProductSelector::Kind::kBrand;
  by_brand.selector.brand = " lipton ";
  AddPromotion(by_brand);
  EXPECT_EQ(Check(by_brand_campaign).products, 750);
}

TEST_F(CampaignChecksTest, UnknownProductsAreListedUpToTheLimit) {
  std::vector<std::string> ids = {"CAFE"};
  for (int i = 0; i < 60; ++i) ids.push_back("GHOST" + std::to_string(i));
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, ids);
  const CampaignChecks checks = Check(c);
  const auto unknown = WithCode(checks, check_codes::kProductUnknown);
  ASSERT_THAT(unknown, SizeIs(50)) << Dump(checks);
  EXPECT_EQ(unknown[0].severity, Severity::kBlocking);
  EXPECT_FALSE(unknown[0].product_id.empty());
  const auto more = WithCode(checks, check_codes::kMoreFindings);
  ASSERT_THAT(more, SizeIs(1));
  EXPECT_THAT(more[0].message, HasSubstr("10 more unknown products"));
  EXPECT_EQ(more[0].severity, Severity::kBlocking);
  EXPECT_EQ(checks.blocking, 51);
  EXPECT_EQ(checks.products, 1);  // CAFE is still checked
  EXPECT_THAT(WithCode(checks, check_codes::kSelectorMatchesNothing), IsEmpty());
}

TEST_F(CampaignChecksTest, OnlyUnknownProductsMatchNothing) {
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, {"GHOST"});
  const CampaignChecks checks = Check(c);
  EXPECT_THAT(WithCode(checks, check_codes::kProductUnknown), SizeIs(1)) << Dump(checks);
  EXPECT_THAT(WithCode(checks, check_codes::kSelectorMatchesNothing), SizeIs(1));
}

TEST_F(CampaignChecksTest, MissingProductDataIsReportedOncePerProduct) {
  Product bare = Complete("BARE");
  bare.gtin.reset();
  bare.image_url.clear();
  bare.net_quantity.reset();
  AddProduct(bare);
  AddPrice("BARE", PriceLevel::kNational, "", 200, kLongAgo);
  AddStock("BARE", "S1", 10);
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, {"BARE"});
  AddPromotion(c, PercentOff{20}, {"BARE"});
  const CampaignChecks checks = Check(c);
  ASSERT_THAT(WithCode(checks, "missing_net_quantity"), SizeIs(1)) << Dump(checks);
  EXPECT_EQ(WithCode(checks, "missing_net_quantity")[0].severity, Severity::kBlocking);
  EXPECT_EQ(WithCode(checks, "missing_net_quantity")[0].product_id, "BARE");
  ASSERT_THAT(WithCode(checks, "missing_gtin"), SizeIs(1));
  EXPECT_EQ(WithCode(checks, "missing_gtin")[0].severity, Severity::kWarning);
  ASSERT_THAT(WithCode(checks, "missing_image"), SizeIs(1));
  EXPECT_EQ(WithCode(checks, "missing_image")[0].severity, Severity::kWarning);
  EXPECT_EQ(checks.blocking, 1);
}

TEST_F(CampaignChecksTest, AProductOutOfStockInEveryStoreWarns) {
  AddProduct(Complete("EMPTY"));
  AddPrice("EMPTY", PriceLevel::kNational, "", 300, kLongAgo);
  AddStock("EMPTY", "S2", 0);
  // A later product in stock must not be read as EMPTY's (the stock read seeks by key).
  AddProduct(Complete("EMPTYZ"));
  AddStock("EMPTYZ", "S1", 50);
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, {"CAFE", "EMPTY"});
  const CampaignChecks checks = Check(c);
  const auto found = WithCode(checks, check_codes::kOutOfStockEverywhere);
  ASSERT_THAT(found, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(found[0].product_id, "EMPTY");
  EXPECT_EQ(found[0].severity, Severity::kWarning);
  EXPECT_THAT(found[0].message, HasSubstr("1 out of stock, 2 with no stock level"));
  EXPECT_EQ(checks.blocking, 0);
  EXPECT_EQ(checks.warnings, 1);
}

TEST_F(CampaignChecksTest, StockOutsideThePromotionsScopeDoesNotCount) {
  const Campaign c = CreateCampaign();
  Promotion p;
  p.campaign_id = c.id;
  p.selector.product_ids = {"CAFE"};
  p.mechanic = PercentOff{30};
  p.scope = StoreScope{StoreScope::Kind::kZones, {"Z2"}};  // S3 only; CAFE is stocked in S1
  AddPromotion(p);
  const CampaignChecks checks = Check(c);
  const auto found = WithCode(checks, check_codes::kOutOfStockEverywhere);
  ASSERT_THAT(found, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(found[0].store_id, "S3");
}

TEST_F(CampaignChecksTest, StoresWithoutARegularPriceBlock) {
  AddProduct(Complete("ZONED"));
  AddPrice("ZONED", PriceLevel::kZone, "Z1", 300, kLongAgo);
  AddStock("ZONED", "S1", 10);
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, {"ZONED"});
  const CampaignChecks checks = Check(c);
  const auto found = WithCode(checks, check_codes::kNoRegularPrice);
  ASSERT_THAT(found, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(found[0].store_id, "S3");
  EXPECT_EQ(found[0].product_id, "ZONED");
  EXPECT_EQ(checks.blocking, 1);

  // A price that only starts after the campaign's start does not count either.
  AddPrice("ZONED", PriceLevel::kZone, "Z2", 300, At("2026-12-03T00:00:00Z"));
  EXPECT_THAT(WithCode(Check(c), check_codes::kNoRegularPrice), SizeIs(1));
}

TEST_F(CampaignChecksTest, PricesAreCheckedPerStoreGroupAndFindingsCountStores) {
  // A fixed price of 3,00 €: fine against 3,49 € (Z1 and Z2), refused in S2, whose own
  // price is 2,50 €.
  AddPrice("CAFE", PriceLevel::kStore, "S2", 250, kLongAgo);
  AddStore("S4", "Z1");
  const Campaign c = CreateCampaign();
  AddPromotion(c, FixedPrice{Money::Euros(300)});
  const CampaignChecks checks = Check(c);
  const auto refused = WithCode(checks, check_codes::kPriceRefused);
  ASSERT_THAT(refused, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(refused[0].store_id, "S2");
  EXPECT_EQ(refused[0].stores, 1);
  EXPECT_THAT(refused[0].message, HasSubstr("€2.50"));
  EXPECT_THAT(refused[0].message_fr,
              HasSubstr("le prix promotionnel 3,00\u00A0€ n'est pas inférieur au prix habituel"));
  ASSERT_TRUE(refused[0].fix.has_value());
  EXPECT_EQ(refused[0].fix->max_price, Money::Euros(249));
  EXPECT_EQ(checks.blocking, 1);

  // -40 % breaks the cap everywhere: one finding for the 4 stores.
  const Campaign deep = CreateCampaign();
  AddPromotion(deep, PercentOff{40});
  const CampaignChecks capped = Check(deep);
  const auto cap = WithCode(capped, "promotion_cap_exceeded");
  ASSERT_THAT(cap, SizeIs(2)) << Dump(capped);  // 3,49 € in S1, S3, S4; 2,50 € in S2
  EXPECT_THAT(cap[0].message, HasSubstr("(in 3 stores)"));
  EXPECT_EQ(cap[0].stores, 3);
  EXPECT_EQ(cap[0].store_id, std::nullopt);
  EXPECT_EQ(cap[1].store_id, "S2");
  EXPECT_EQ(cap[0].severity, Severity::kBlocking);
}

TEST_F(CampaignChecksTest, TheCapIsConfigurablePerCategory) {
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{40});
  EXPECT_THAT(WithCode(Check(c), "promotion_cap_exceeded"), SizeIs(1));
  ComplianceRules rules;
  rules.cap_by_category["Épicerie"] = 0.5;
  const CampaignChecks checks = Check(c, kNow, rules);
  EXPECT_THAT(WithCode(checks, "promotion_cap_exceeded"), IsEmpty()) << Dump(checks);
  EXPECT_EQ(checks.blocking, 0);
}

TEST_F(CampaignChecksTest, ASuccessiveReductionKeepsTheReferencePriceOfTheFirst) {
  // 2,99 € until 5 November, then 3,49 €. A first campaign from 1 to 8 December takes its
  // reference over 1–30 November: 2,99 €. A second one, from 8 December, continues it without
  // a break, so its reference is that one too, not 3,49 € (the lowest of 8 Nov – 7 Dec).
  AddProduct(Complete("CHAIN"));
  AddPrice("CHAIN", PriceLevel::kNational, "", 299, kLongAgo);
  AddPrice("CHAIN", PriceLevel::kNational, "", 349, At("2026-11-05T00:00:00Z"));
  AddStock("CHAIN", "S1", 10);
  const Campaign first = CreateCampaign(CampaignStatus::kApproved, 2026y / 12 / 1, 2026y / 12 / 8);
  AddPromotion(first, FixedPrice{Money::Euros(279)}, {"CHAIN"});
  const Campaign second = CreateCampaign(CampaignStatus::kDraft, 2026y / 12 / 8, 2026y / 12 / 15);
  AddPromotion(second, PercentOff{30}, {"CHAIN"});

  const CampaignChecks checks = Check(second);
  const auto chained = WithCode(checks, check_codes::kReferenceChained);
  ASSERT_THAT(chained, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(chained[0].severity, Severity::kInfo);
  // The window on the stores' wall clock: 1 November 00:00 to 1 December 00:00 in Paris.
  EXPECT_THAT(chained[0].message, HasSubstr("from 01/11 to 01/12"));
  EXPECT_THAT(chained[0].message_fr, HasSubstr("du 01/11 au 01/12"));
  EXPECT_EQ(chained[0].other_campaign_id, first.id);
  // -30 % of 3,49 € is 2,44 €: only -18 % against 2,99 €.
  const auto refused = WithCode(checks, check_codes::kReductionNotSupported);
  ASSERT_THAT(refused, SizeIs(1)) << Dump(checks);
  EXPECT_THAT(refused[0].message, HasSubstr("18"));

  // A gap of a day breaks the chain: the second campaign stands on its own window.
  const Campaign later = CreateCampaign(CampaignStatus::kDraft, 2026y / 12 / 9, 2026y / 12 / 16);
  AddPromotion(later, PercentOff{30}, {"CHAIN"});
  const CampaignChecks alone = Check(later);
  EXPECT_THAT(WithCode(alone, check_codes::kReferenceChained), IsEmpty()) << Dump(alone);
  EXPECT_THAT(WithCode(alone, check_codes::kReductionNotSupported), IsEmpty()) << Dump(alone);
}

TEST_F(CampaignChecksTest, AReductionTheReferencePriceDoesNotSupportBlocks) {
  // 2,99 € until 20 November, then 3,49 €: "-30 %" on 3,49 € is only -18 % from 2,99 €.
  AddProduct(Complete("RAISED"));
  AddPrice("RAISED", PriceLevel::kNational, "", 299, kLongAgo);
  AddPrice("RAISED", PriceLevel::kNational, "", 349, At("2026-11-20T00:00:00Z"));
  AddStock("RAISED", "S1", 10);
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, {"RAISED"});
  const CampaignChecks checks = Check(c);
  const auto found = WithCode(checks, check_codes::kReductionNotSupported);
  ASSERT_THAT(found, SizeIs(1)) << Dump(checks);
  EXPECT_THAT(found[0].message, HasSubstr("is at most \u221218% below it"));
  EXPECT_THAT(found[0].message, HasSubstr("(in 3 stores)"));
  EXPECT_EQ(checks.blocking, 1);

  // A multibuy announces no price cut: nothing to support.
  const Campaign multibuy = CreateCampaign();
  AddPromotion(multibuy, Multibuy{4, 3}, {"RAISED"});
  EXPECT_EQ(Check(multibuy).blocking, 0);
}

TEST_F(CampaignChecksTest, AShortHistoryWarnsAndNoHistoryBeforeTheStartBlocks) {
  AddProduct(Complete("RECENT"));
  AddPrice("RECENT", PriceLevel::kNational, "", 349, At("2026-11-20T00:00:00Z"));
  AddStock("RECENT", "S1", 10);
  AddProduct(Complete("BRANDNEW"));
  // Exactly the campaign's start in Paris: a regular price, but none in the 30 days before.
  AddPrice("BRANDNEW", PriceLevel::kNational, "", 349, At("2026-12-01T23:00:00Z"));
  AddStock("BRANDNEW", "S1", 10);
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, {"RECENT", "BRANDNEW"});
  const CampaignChecks checks = Check(c);
  const auto short_history = WithCode(checks, check_codes::kReferenceShortHistory);
  ASSERT_THAT(short_history, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(short_history[0].product_id, "RECENT");
  EXPECT_EQ(short_history[0].severity, Severity::kWarning);
  const auto none = WithCode(checks, check_codes::kNoReferencePrice);
  ASSERT_THAT(none, SizeIs(1));
  EXPECT_EQ(none[0].product_id, "BRANDNEW");
  EXPECT_EQ(checks.blocking, 1);
}

TEST_F(CampaignChecksTest, PerishablesAreExemptFromTheReferencePrice) {
  Product salad = Complete("SALADE", "Frais > Salades");
  salad.perishable = true;
  AddProduct(salad);
  AddPrice("SALADE", PriceLevel::kNational, "", 199, At("2026-12-01T23:00:00Z"));
  AddStock("SALADE", "S1", 10);
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, {"SALADE"});
  const CampaignChecks checks = Check(c);
  const auto exempt = WithCode(checks, check_codes::kReferenceExempt);
  ASSERT_THAT(exempt, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(exempt[0].severity, Severity::kInfo);
  EXPECT_EQ(checks.blocking, 0);
  EXPECT_EQ(checks.infos, 1);
}

TEST_F(CampaignChecksTest, OverlapsWithinTheCampaignNameTheWinner) {
  const Campaign c = CreateCampaign();
  const Promotion low = AddPromotion(c, PercentOff{30}, {"CAFE"}, 0);
  const Promotion high = AddPromotion(c, PercentOff{20}, {"CAFE"}, 5);
  const CampaignChecks checks = Check(c);
  const auto found = WithCode(checks, check_codes::kOverlap);
  ASSERT_THAT(found, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(found[0].severity, Severity::kWarning);
  EXPECT_EQ(found[0].product_id, "CAFE");
  EXPECT_EQ(found[0].promotion_id, low.id);
  EXPECT_EQ(found[0].other_promotion_id, high.id);
  EXPECT_EQ(found[0].stores, 3);
  EXPECT_THAT(found[0].message, HasSubstr("\u201C\u221220% on 1 product\u201D wins"));
  EXPECT_THAT(found[0].message,
              HasSubstr("\u201C\u221230% on 1 product\u201D loses: its priority 0 is below"));
  EXPECT_THAT(found[0].message, HasSubstr("in 3 stores"));
  EXPECT_EQ(checks.blocking, 0);
}

// B6: a brand −30 % and, on one of its products whose price was raised, a higher-priority
// exclusive fixed price. The −30 % is never published on that product, so its refused
// reduction there must not block approval; an info finding says why it loses.
class LosingPromotionTest : public CampaignChecksTest {
 protected:
  void SetUp() override {
    CampaignChecksTest::SetUp();
    // 2,99 € until 20 November, then 3,49 €: "−30 %" on 3,49 € is only −18 % from 2,99 €.
    AddProduct(Complete("RAISED"));
    AddPrice("RAISED", PriceLevel::kNational, "", 299, kLongAgo);
    AddPrice("RAISED", PriceLevel::kNational, "", 349, At("2026-11-20T00:00:00Z"));
    AddStock("RAISED", "S1", 10);
  }

  // The override: 2,69 €, below the 2,99 € reference and within the cap.
  Promotion Override(const Campaign& campaign, std::optional<StoreScope> scope = std::nullopt,
                     Money price = Money::Euros(269)) {
    Promotion p;
    p.campaign_id = campaign.id;
    p.selector.product_ids = {"RAISED"};
    p.mechanic = FixedPrice{price};
    p.priority = 10;
    p.exclusive = true;
    p.scope = std::move(scope);
    return AddPromotion(p);
  }
};

TEST_F(LosingPromotionTest, APromotionBeatenEverywhereAndAlwaysDoesNotBlock) {
  const Campaign c = CreateCampaign();
  const Promotion brand = AddPromotion(c, PercentOff{30}, {"CAFE", "RAISED"});
  const Promotion override_price = Override(c);
  const CampaignChecks checks = Check(c);
  EXPECT_THAT(WithCode(checks, check_codes::kReductionNotSupported), IsEmpty()) << Dump(checks);
  EXPECT_EQ(checks.blocking, 0) << Dump(checks);
  const auto never = WithCode(checks, check_codes::kPromotionNeverPublished);
  ASSERT_THAT(never, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(never[0].severity, Severity::kInfo);
  EXPECT_EQ(never[0].product_id, "RAISED");
  EXPECT_EQ(never[0].promotion_id, brand.id);
  EXPECT_EQ(never[0].other_promotion_id, override_price.id);
  EXPECT_EQ(never[0].stores, 3);
  EXPECT_THAT(never[0].message, HasSubstr("its priority 0 is below"));
  EXPECT_THAT(never[0].message_fr, HasSubstr("n'est jamais publiée"));
  // Still checked, and published, on the product it does win.
  EXPECT_THAT(WithCode(checks, check_codes::kOverlap), SizeIs(1));
}

TEST_F(LosingPromotionTest, APromotionThatWinsInSomeStoresStillBlocksThere) {
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, {"RAISED"});
  Override(c, StoreScope{StoreScope::Kind::kZones, {"Z1"}});  // S1 and S2; S3 keeps the −30 %
  const CampaignChecks checks = Check(c);
  const auto refused = WithCode(checks, check_codes::kReductionNotSupported);
  ASSERT_THAT(refused, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(refused[0].store_id, "S3");
  EXPECT_EQ(refused[0].stores, 1);
  EXPECT_EQ(checks.blocking, 1);
  EXPECT_THAT(WithCode(checks, check_codes::kPromotionNeverPublished), IsEmpty());
}

TEST_F(LosingPromotionTest, APromotionThatWinsPartOfTheTimeStillBlocks) {
  const Campaign c = CreateCampaign();  // 2 to 9 December
  AddPromotion(c, PercentOff{30}, {"RAISED"});
  // An approved override from 2 to 5 December: the −30 % runs alone from the 5th.
  Override(CreateCampaign(CampaignStatus::kApproved, 2026y / 12 / 2, 2026y / 12 / 5));
  const CampaignChecks checks = Check(c);
  EXPECT_THAT(WithCode(checks, check_codes::kReductionNotSupported), SizeIs(1)) << Dump(checks);
  EXPECT_EQ(checks.blocking, 1);

  // Over the whole week, the approved override beats it: it is never published.
  const Campaign covered = CreateCampaign();
  AddPromotion(covered, PercentOff{30}, {"RAISED"});
  Override(CreateCampaign(CampaignStatus::kApproved, 2026y / 12 / 1, 2026y / 12 / 10));
  const CampaignChecks later = Check(covered);
  EXPECT_THAT(WithCode(later, check_codes::kReductionNotSupported), IsEmpty()) << Dump(later);
  EXPECT_EQ(later.blocking, 0);
}

TEST_F(LosingPromotionTest, OnlyAWinnerThatWouldBePublishedSilencesTheLoser) {
  // A submitted campaign may never be approved.
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, {"RAISED"});
  Override(CreateCampaign(CampaignStatus::kSubmitted));
  EXPECT_THAT(WithCode(Check(c), check_codes::kReductionNotSupported), SizeIs(1));

  // An override that is itself refused (3,20 € is not below the 2,99 € reference) is never
  // published, so the −30 % would be: both block.
  const Campaign refused = CreateCampaign();
  AddPromotion(refused, PercentOff{30}, {"RAISED"});
  Override(refused, std::nullopt, Money::Euros(320));
  const CampaignChecks checks = Check(refused);
  EXPECT_THAT(WithCode(checks, check_codes::kReductionNotSupported), SizeIs(2)) << Dump(checks);
  EXPECT_THAT(WithCode(checks, check_codes::kPromotionNeverPublished), IsEmpty());
}

TEST_F(LosingPromotionTest, ALoyaltyCreditAnExclusiveWinnerDropsIsNotCappedWithIt) {
  // A 20 % credit would stack on the −30 % (44 %, over the cap), but the exclusive override
  // wins the product and takes no credit: neither the −30 % nor the credit is published.
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30}, {"RAISED"});
  AddPromotion(c, LoyaltyCredit{20}, {"RAISED"});
  Override(c);
  const CampaignChecks checks = Check(c);
  EXPECT_THAT(WithCode(checks, "promotion_cap_exceeded"), IsEmpty()) << Dump(checks);
  EXPECT_EQ(checks.blocking, 0) << Dump(checks);
  EXPECT_THAT(WithCode(checks, check_codes::kPromotionNeverPublished), SizeIs(2));
}

// Findings for people: names instead of ids, dates on the store's wall clock, French and
// English, and the fix.
TEST_F(LosingPromotionTest, FindingsNameThingsUseLocalDatesAndSuggestAFix) {
  const Campaign c = CreateCampaign();
  Promotion named;
  named.campaign_id = c.id;
  named.name = "Café \u221230\u00A0%";
  named.selector.product_ids = {"RAISED"};
  named.mechanic = PercentOff{30};
  AddPromotion(named);
  const CampaignChecks checks = Check(c);
  const auto found = WithCode(checks, check_codes::kReductionNotSupported);
  ASSERT_THAT(found, SizeIs(1)) << Dump(checks);
  const Finding& f = found[0];
  EXPECT_EQ(f.product_id, "RAISED");
  EXPECT_EQ(f.promotion_id, "PR00000001");
  // The campaign starts on 2 December 00:00 in Paris (1 December 23:00 UTC).
  EXPECT_THAT(f.message_fr,
              HasSubstr("\u00AB\u00A0Café \u221230\u00A0%\u00A0\u00BB sur \u00AB\u00A0Café moulu "
                        "RAISED\u00A0\u00BB\u00A0: la réduction annoncée de \u221230\u00A0% n'est "
                        "pas justifiée par le prix de référence 2,99\u00A0€ (le plus bas des 30 "
                        "jours avant le 02/12)\u00A0: 2,44\u00A0€ n'est qu'à \u221218\u00A0% de ce "
                        "prix (dans 3 magasins). Pour corriger\u00A0: annoncer au plus "
                        "\u221218\u00A0% à 2,44\u00A0€, ou ramener le prix promotionnel à "
                        "2,09\u00A0€ au plus pour annoncer \u221230\u00A0%"));
  EXPECT_THAT(f.message,
              HasSubstr("\u201CCafé \u221230\u00A0%\u201D on \u201CCafé moulu RAISED\u201D: the "
                        "announced \u221230% is not supported by the reference price €2.99 (the "
                        "lowest in the 30 days before 02/12): €2.44 is at most \u221218% below it "
                        "(in 3 stores). To fix: announce at most \u221218% at €2.44, or bring the "
                        "promotion price to €2.09 or less to announce \u221230%"));
  ASSERT_TRUE(f.fix.has_value());
  EXPECT_EQ(f.fix->promotion_id, "PR00000001");
  EXPECT_EQ(f.fix->max_percent, 18);
  EXPECT_EQ(f.fix->max_price, Money::Euros(209));
  EXPECT_EQ(f.MessageIn(Locale::kFrench), f.message_fr);
  EXPECT_EQ(f.MessageIn(Locale::kEnglish), f.message);

  // No UTC instant and no bare promotion id in any message, in either language.
  for (const Finding& any : checks.findings) {
    for (const std::string* text : {&any.message, &any.message_fr}) {
      EXPECT_EQ(text->find("Z)"), std::string::npos) << *text;
      EXPECT_EQ(text->find("T23:00"), std::string::npos) << *text;
      EXPECT_EQ(text->find("PR0000"), std::string::npos) << *text;
    }
  }

  // An unnamed promotion is described by its mechanic and selector.
  const Campaign unnamed = CreateCampaign();
  Promotion by_brand;
  by_brand.campaign_id = unnamed.id;
  by_brand.selector.kind = ProductSelector::Kind::kBrand;
  by_brand.selector.brand = "Maison";
  by_brand.mechanic = PercentOff{40};
  AddPromotion(by_brand);
  const auto cap = WithCode(Check(unnamed), "promotion_cap_exceeded");
  ASSERT_FALSE(cap.empty());
  EXPECT_THAT(cap[0].message_fr, HasSubstr("\u00AB\u00A0\u221240\u00A0% sur la marque "
                                           "Maison\u00A0\u00BB sur \u00AB\u00A0Café moulu"));
  EXPECT_THAT(cap[0].message, HasSubstr("\u201C\u221240% on brand Maison\u201D on"));
}

TEST_F(CampaignChecksTest, OverlapsWithOtherSubmittedOrApprovedCampaignsOnly) {
  const Campaign c = CreateCampaign();
  const Promotion mine = AddPromotion(c, PercentOff{30});

  const Campaign submitted =
      CreateCampaign(CampaignStatus::kSubmitted, 2026y / 12 / 8, 2026y / 12 / 15);
  const Promotion theirs = AddPromotion(submitted, PercentOff{20}, {"CAFE"}, 1);
  // Ignored: a draft, dates that only touch ours, another product, stores we do not cover.
  AddPromotion(CreateCampaign(CampaignStatus::kDraft), PercentOff{10});
  AddPromotion(CreateCampaign(CampaignStatus::kApproved, 2026y / 12 / 9, 2026y / 12 / 16),
               PercentOff{10});
  AddProduct(Complete("OTHER"));
  AddPromotion(CreateCampaign(CampaignStatus::kApproved), PercentOff{10}, {"OTHER"});
  AddStore("S5", "Z3");
  AddPromotion(CreateCampaign(CampaignStatus::kApproved, 2026y / 12 / 2, 2026y / 12 / 9,
                              StoreScope{StoreScope::Kind::kStores, {"S5"}}),
               PercentOff{10});
  const Campaign narrowed = CreateCampaign(CampaignStatus::kDraft, 2026y / 12 / 2, 2026y / 12 / 9,
                                           StoreScope{StoreScope::Kind::kZones, {"Z1", "Z2"}});
  const Promotion narrowed_mine = AddPromotion(narrowed, PercentOff{30});

  const CampaignChecks checks = Check(c);
  const auto found = WithCode(checks, check_codes::kOverlap);
  ASSERT_THAT(found, SizeIs(2)) << Dump(checks);
  EXPECT_EQ(found[0].promotion_id, mine.id);
  EXPECT_EQ(found[0].other_promotion_id, theirs.id);
  EXPECT_EQ(found[0].other_campaign_id, submitted.id);
  EXPECT_THAT(found[0].message, HasSubstr("(campaign \u201CNoël\u201D, submitted)"));
  EXPECT_THAT(found[0].message_fr, HasSubstr("(campagne \u00AB\u00A0Noël\u00A0\u00BB, soumise)"));
  EXPECT_THAT(found[0].message, HasSubstr("from 08/12"));
  EXPECT_THAT(found[0].message, HasSubstr("submitted) wins"));
  EXPECT_THAT(found[1].message, HasSubstr("in 1 store from"));  // the S5-only campaign
  EXPECT_EQ(found[1].store_id, "S5");

  // The S5-only campaign shares no store with one limited to zones Z1 and Z2.
  const CampaignChecks narrow = Check(narrowed);
  ASSERT_THAT(WithCode(narrow, check_codes::kOverlap), SizeIs(1)) << Dump(narrow);
  EXPECT_EQ(WithCode(narrow, check_codes::kOverlap)[0].promotion_id, narrowed_mine.id);
  EXPECT_EQ(WithCode(narrow, check_codes::kOverlap)[0].other_promotion_id, theirs.id);
}

TEST_F(CampaignChecksTest, AStackedLoyaltyCreditCountsTowardsTheCap) {
  const Campaign c = CreateCampaign();
  const Promotion immediate = AddPromotion(c, PercentOff{25});
  const Campaign loyalty_campaign = CreateCampaign(CampaignStatus::kApproved);
  const Promotion loyalty = AddPromotion(loyalty_campaign, LoyaltyCredit{20});
  const CampaignChecks checks = Check(c);
  const auto overlap = WithCode(checks, check_codes::kOverlap);
  ASSERT_THAT(overlap, SizeIs(1)) << Dump(checks);
  EXPECT_THAT(overlap[0].message,
              HasSubstr("approved)'s loyalty credit stacks on \u201C\u221225% on 1 product\u201D"));
  EXPECT_EQ(overlap[0].other_promotion_id, loyalty.id);
  ASSERT_TRUE(overlap[0].fix.has_value());
  EXPECT_EQ(overlap[0].fix->make_exclusive, immediate.id);
  // 25 % off, then 20 % of the rest on the card: 40 % in all.
  const auto cap = WithCode(checks, "promotion_cap_exceeded");
  ASSERT_THAT(cap, SizeIs(1));
  EXPECT_EQ(cap[0].severity, Severity::kBlocking);
  EXPECT_THAT(cap[0].message, HasSubstr("stacked"));
  // The count of the stores it concerns, not one store cited alone.
  EXPECT_EQ(cap[0].stores, 3);
  EXPECT_EQ(cap[0].store_id, std::nullopt);
  EXPECT_THAT(cap[0].message, HasSubstr("(in 3 stores)"));
  EXPECT_EQ(cap[0].promotion_id, immediate.id);
  EXPECT_EQ(cap[0].other_promotion_id, loyalty.id);
  EXPECT_EQ(cap[0].other_campaign_id, loyalty_campaign.id);
  // The fix: −17 % with the 20 % credit (1 − 0,83 × 0,8 = 33,6 %), or no credit at all.
  ASSERT_TRUE(cap[0].fix.has_value());
  EXPECT_EQ(cap[0].fix->promotion_id, immediate.id);
  EXPECT_EQ(cap[0].fix->max_percent, 17);
  EXPECT_EQ(cap[0].fix->make_exclusive, immediate.id);
  EXPECT_THAT(cap[0].message, HasSubstr("To fix: bring \u201C\u221225% on 1 product\u201D down to "
                                        "\u221217%, or make"));
  EXPECT_THAT(cap[0].message_fr, HasSubstr("rendre \u00AB\u00A0\u221225\u00A0% sur 1 produit"
                                           "\u00A0\u00BB exclusive"));
  EXPECT_EQ(checks.blocking, 1);
}

TEST_F(CampaignChecksTest, OverlapFindingsAreCapped) {
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{30});
  AddPromotion(c, PercentOff{20});
  AddPromotion(c, PercentOff{10});  // three pairs
  CheckLimits limits;
  limits.overlaps = 1;
  const CampaignChecks checks = Check(c, kNow, {}, limits);
  EXPECT_THAT(WithCode(checks, check_codes::kOverlap), SizeIs(1)) << Dump(checks);
  const auto more = WithCode(checks, check_codes::kMoreFindings);
  ASSERT_THAT(more, SizeIs(1));
  EXPECT_THAT(more[0].message, HasSubstr("2 more overlap findings"));
  EXPECT_EQ(checks.findings.back().code, check_codes::kMoreFindings);
  EXPECT_EQ(Check(c).warnings, 3);
}

TEST_F(CampaignChecksTest, ToJsonCarriesEveryFinding) {
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{40});
  const nlohmann::json json = Check(c).ToJson(Locale::kEnglish);
  EXPECT_EQ(json["language"], "en");
  EXPECT_EQ(json["approvable"], false);
  EXPECT_EQ(json["blocking"], 1);
  EXPECT_EQ(json["warnings"], 0);
  EXPECT_EQ(json["infos"], 0);
  EXPECT_EQ(json["promotions"], 1);
  EXPECT_EQ(json["products"], 1);
  ASSERT_EQ(json["findings"].size(), 1u);
  const nlohmann::json& f = json["findings"][0];
  EXPECT_EQ(f["severity"], "blocking");
  EXPECT_EQ(f["code"], "promotion_cap_exceeded");
  EXPECT_EQ(f["product_id"], "CAFE");
  EXPECT_TRUE(f["store_id"].is_null());
  EXPECT_THAT(f["message"].get<std::string>(), HasSubstr("(in 3 stores)"));
  EXPECT_EQ(f["stores"], 3);
  EXPECT_EQ(f["promotion_id"], "PR00000001");
  EXPECT_TRUE(f["other_promotion_id"].is_null());
  // 34 % of 3,49 € is 1,1866 €: −33 % (2,34 €) is the deepest reduction within the cap.
  EXPECT_EQ(f["fix"]["promotion_id"], "PR00000001");
  EXPECT_EQ(f["fix"]["max_percent"], 33);
  EXPECT_EQ(f["fix"]["min_price"], "2.31 EUR");
  EXPECT_TRUE(f["fix"]["max_price"].is_null());

  // French by default.
  const nlohmann::json fr = Check(c).ToJson();
  EXPECT_EQ(fr["language"], "fr");
  EXPECT_THAT(fr["findings"][0]["message"].get<std::string>(),
              HasSubstr("(dans 3 magasins). Pour corriger\u00A0: \u221233\u00A0% au plus"));
}

// A national campaign: 2,000 products by category over 1,000 stores in 10 price zones.
// Prices are computed once per zone, so every finding counts its stores.
TEST_F(CampaignChecksTest, ANationalCampaignIsCheckedPerZone) {
  std::vector<Store> stores;
  for (int i = 0; i < 1000; ++i) {
    Store s;
    s.id = "M" + std::to_string(1000 + i);
    s.name = "Magasin " + s.id;
    s.price_zone = "N" + std::to_string(i % 10);
    stores.push_back(s);
  }
  ASSERT_TRUE(db_.PutStores(stores, kLongAgo).ok());
  std::vector<Product> products;
  std::vector<Price> prices;
  std::vector<StockLevel> stock;
  for (int i = 0; i < 2000; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "B%05d", i);
    products.push_back(Complete(id, "Boissons > Eaux"));
    for (int z = 0; z < 10; ++z) {
      prices.push_back(
          {id, PriceLevel::kZone, "N" + std::to_string(z), Money::Euros(100 + z), kLongAgo});
    }
    stock.push_back({id, "M1000", 12, kLongAgo});
  }
  ASSERT_TRUE(db_.PutProducts(products, kLongAgo).ok());
  ASSERT_TRUE(db_.PutPrices(prices).ok());
  ASSERT_TRUE(db_.PutStock(stock).ok());
  // One store sells B00007 at its own price, which -50 % takes over the cap there alone...
  AddPrice("B00007", PriceLevel::kStore, "M1003", 90, kLongAgo);

  const Campaign c =
      CreateCampaign(CampaignStatus::kDraft, 2026y / 12 / 2, 2026y / 12 / 9,
                     StoreScope{StoreScope::Kind::kZones,
                                {"N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"}});
  Promotion p;
  p.campaign_id = c.id;
  p.selector.kind = ProductSelector::Kind::kCategory;
  p.selector.category = "Boissons";
  p.mechanic = AmountOff{Money::Euros(34)};  // 34 % of 1,00 € exactly; more on cheaper prices
  AddPromotion(p);
  const CampaignChecks checks = Check(c);
  EXPECT_EQ(checks.products, 2000);
  EXPECT_EQ(checks.stores, 1000);
  // ...and 0,34 € off 0,90 € is over the cap in that one store only; zone N0 (1,00 €) is
  // exactly at it.
  const auto cap = WithCode(checks, "promotion_cap_exceeded");
  ASSERT_THAT(cap, SizeIs(1)) << cap.size();
  EXPECT_EQ(cap[0].product_id, "B00007");
  EXPECT_EQ(cap[0].store_id, "M1003");
  EXPECT_EQ(checks.blocking, 1);
  EXPECT_EQ(checks.warnings, 0);
}

}  // namespace
}  // namespace vitrine

namespace vitrine {
namespace {

// F3: nothing told the merchandiser that wines and beers need the Loi Évin mention. One info
// finding names the products that will carry it; it never blocks, creatives always show it.
TEST_F(CampaignChecksTest, AlcoholicDrinksAreNamedAsCarryingTheHealthWarning) {
  const Campaign c = CreateCampaign();
  AddPromotion(c, PercentOff{20});
  EXPECT_THAT(WithCode(Check(c), "regulated_mention"), IsEmpty());

  Product wine = Complete("VIN", "Cave > Vins");
  wine.title = "Côtes du Rhône rouge 75 cl";
  AddProduct(wine);
  AddPrice("VIN", PriceLevel::kNational, "", 599, kLongAgo);
  AddStock("VIN", "S1", 20);
  const Campaign fair = CreateCampaign();
  AddPromotion(fair, PercentOff{20}, {"CAFE", "VIN"});
  const CampaignChecks checks = Check(fair);
  const std::vector<Finding> mention = WithCode(checks, "regulated_mention");
  ASSERT_THAT(mention, SizeIs(1)) << Dump(checks);
  EXPECT_EQ(mention[0].severity, Severity::kInfo);
  EXPECT_EQ(mention[0].product_id, "VIN");
  EXPECT_THAT(mention[0].message, HasSubstr("Côtes du Rhône rouge 75 cl"));
  EXPECT_THAT(mention[0].message, HasSubstr("L'abus d'alcool est dangereux pour la santé"));
  EXPECT_EQ(checks.blocking, 0) << Dump(checks);
}

}  // namespace
}  // namespace vitrine
