#include "offers/assembly.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <utility>

#include "offers/campaign_json.h"
#include "store/memory_database.h"

namespace vitrine {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace std::chrono_literals;

Instant At(const char* text) { return *ParseInstant(text); }
Money E(int64_t cents) { return Money::Euros(cents); }
LocalTime Local(std::chrono::year_month_day day) { return LocalTime(std::chrono::local_days(day)); }

const Instant kNow = *ParseInstant("2026-11-24T00:00:00Z");
const Instant kHistoryStart = *ParseInstant("2026-09-01T00:00:00Z");

Store MakeStore(std::string id, std::string zone, std::string banner,
                std::string timezone = "Europe/Paris") {
  Store store;
  store.id = std::move(id);
  store.name = "Vitrine " + store.id;
  store.banner = std::move(banner);
  store.price_zone = std::move(zone);
  store.timezone = std::move(timezone);
  store.city = "Lyon";
  return store;
}

Product MakeProduct(std::string id, std::string category, std::string brand,
                    const char* net_quantity, bool perishable = false) {
  Product product;
  product.id = std::move(id);
  product.title = "Article " + product.id;
  product.category = std::move(category);
  product.brand = std::move(brand);
  product.net_quantity = *Quantity::Parse(net_quantity);
  product.perishable = perishable;
  return product;
}

ProductSelector ProductList(std::vector<std::string> ids) {
  ProductSelector selector;
  selector.product_ids = std::move(ids);
  return selector;
}

// A chain of four stores in two zones, one of them in Martinique, and five products:
//   P1 chocolate 100 g: national 2,00 €, zone Z2 2,20 €, store S1 1,90 €
//   P2 dark chocolate 200 g: national 3,00 €
//   P3 water 1,5 l: national 1,00 €, raised to 1,20 € on 22 November (10 days before 2 Dec)
//   P4 yoghurts 4 x 125 g, perishable: 2,50 €, raised to 3,00 € on 22 November
//   P5 without any price
class AssemblyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<Store> stores = {
        MakeStore("S1", "Z1", "Hyper"), MakeStore("S2", "Z1", "Market"),
        MakeStore("S3", "Z2", "City"), MakeStore("S4", "Z2", "Hyper", "America/Martinique")};
    ASSERT_TRUE(db_.PutStores(stores, kNow).ok());
    const std::vector<Product> products = {
        MakeProduct("P1", "Épicerie > Chocolat", "Lindt", "100 g"),
        MakeProduct("P2", "Épicerie > Chocolat > Noir", "Lindt", "200 g"),
        MakeProduct("P3", "Boissons > Eaux", "Evian", "1,5 l"),
        MakeProduct("P4", "Frais > Yaourts", "Danone", "4 x 125 g", /*perishable=*/true),
        MakeProduct("P5", "Épicerie > Thé", "Lipton", "20 pièces")};
    ASSERT_TRUE(db_.PutProducts(products, kNow).ok());
    const std::vector<Price> prices = {
        {"P1", PriceLevel::kNational, "", E(200), kHistoryStart},
        {"P1", PriceLevel::kZone, "Z2", E(220), kHistoryStart},
        {"P1", PriceLevel::kStore, "S1", E(190), kHistoryStart},
        {"P2", PriceLevel::kNational, "", E(300), kHistoryStart},
        {"P3", PriceLevel::kNational, "", E(100), kHistoryStart},
        {"P3", PriceLevel::kNational, "", E(120), At("2026-11-22T00:00:00+01:00")},
        {"P4", PriceLevel::kNational, "", E(250), kHistoryStart},
        {"P4", PriceLevel::kNational, "", E(300), At("2026-11-22T00:00:00+01:00")},
    };
    ASSERT_TRUE(db_.PutPrices(prices).ok());
    const std::vector<StockLevel> stock = {{"P1", "S1", 40, kNow},
                                           {"P1", "S2", 12, kNow},
                                           {"P1", "S3", 2, kNow},
                                           {"P2", "S1", 7, kNow},
                                           {"P3", "S1", 100, kNow}};
    ASSERT_TRUE(db_.PutStock(stock).ok());
  }

  // An approved campaign, 2 to 8 December 2026 in every store's local time.
  Campaign AddCampaign(StoreScope scope = {}, CampaignStatus status = CampaignStatus::kApproved) {
    Campaign campaign;
    campaign.name = "Noël";
    campaign.start_local = Local(std::chrono::year(2026) / 12 / 2);
    campaign.end_local = Local(std::chrono::year(2026) / 12 / 9);
    campaign.channels = {"meta", "google"};
    campaign.scope = std::move(scope);
    campaign.status = status;
    auto created = db_.CreateCampaign(campaign, kNow);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return *created;
  }

  // An approved campaign from `first` to `last` December 2026 (both included).
  Campaign AddDecemberCampaign(unsigned first, unsigned last) {
    Campaign campaign;
    campaign.name = "Décembre " + std::to_string(first) + "-" + std::to_string(last);
    campaign.start_local = Local(std::chrono::year(2026) / 12 / first);
    campaign.end_local = Local(std::chrono::year(2026) / 12 / (last + 1));
    campaign.channels = {"leaflet", "meta", "google"};
    campaign.status = CampaignStatus::kApproved;
    auto created = db_.CreateCampaign(campaign, kNow);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return *created;
  }

  Promotion AddPromotion(const Campaign& campaign, ProductSelector selector, Mechanic mechanic,
                         int priority = 0, bool exclusive = false,
                         std::optional<StoreScope> scope = std::nullopt) {
    Promotion promotion;
    promotion.campaign_id = campaign.id;
    promotion.selector = std::move(selector);
    promotion.mechanic = std::move(mechanic);
    promotion.priority = priority;
    promotion.exclusive = exclusive;
    promotion.scope = std::move(scope);
    auto created = db_.CreatePromotion(promotion);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return *created;
  }

  void SetStatus(Campaign* campaign, CampaignStatus status) {
    campaign->status = status;
    auto updated = db_.UpdateCampaign(*campaign, campaign->version, kNow);
    ASSERT_TRUE(updated.ok()) << updated.status().ToString();
    *campaign = *updated;
  }

  AssemblyOptions Options() {
    AssemblyOptions options;
    options.clock = &clock_;
    options.products_per_write = 2;  // several chunks even in this small chain
    return options;
  }

  AssemblyReport AssembleAll() {
    Assembler assembler(db_, db_, db_, Options());
    auto report = assembler.AssembleAll();
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : AssemblyReport{};
  }

  std::optional<PublishedOffer> Offer(const Promotion& promotion, const std::string& product,
                                      const std::string& store) {
    auto offer = db_.GetOffer(promotion.id + "~" + product, store);
    EXPECT_TRUE(offer.ok());
    return offer.ok() ? *offer : std::nullopt;
  }

  // Every live offer as "offer_id@store" → seq.
  std::map<std::string, int64_t> LiveSeqs() {
    std::map<std::string, int64_t> seqs;
    OfferQuery query;
    query.limit = 1000;
    while (true) {
      auto page = db_.ListOffers(query);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) break;
      for (const PublishedOffer& offer : page->items) {
        seqs[offer.offer_id + "@" + offer.store_id] = offer.seq;
      }
      if (page->next_after.empty()) break;
      query.after = page->next_after;
    }
    return seqs;
  }

  std::vector<std::string> StoresWithOffer(const Promotion& promotion, const std::string& product) {
    std::vector<std::string> stores;
    for (const char* store : {"S1", "S2", "S3", "S4"}) {
      if (Offer(promotion, product, store)) stores.push_back(store);
    }
    return stores;
  }

  MemoryDatabase db_;
  ManualClock clock_{kNow};
};

TEST_F(AssemblyTest, OnlyApprovedCampaignsHaveOffers) {
  for (CampaignStatus status : {CampaignStatus::kDraft, CampaignStatus::kSubmitted,
                                CampaignStatus::kRejected, CampaignStatus::kArchived}) {
    Campaign campaign = AddCampaign({}, status);
    AddPromotion(campaign, ProductList({"P1"}), PercentOff{20});
  }
  Campaign approved = AddCampaign();
  Promotion promotion = AddPromotion(approved, ProductList({"P1"}), PercentOff{20});
  AssemblyReport report = AssembleAll();
  EXPECT_EQ(report.campaigns, 1);
  EXPECT_EQ(report.inserted, 4);
  EXPECT_EQ(LiveSeqs().size(), 4u);
  EXPECT_THAT(StoresWithOffer(promotion, "P1"), ::testing::ElementsAre("S1", "S2", "S3", "S4"));
}

TEST_F(AssemblyTest, CampaignEndedMoreThanAWeekAgoHasNone) {
  Campaign campaign = AddCampaign();
  Promotion promotion = AddPromotion(campaign, ProductList({"P1"}), PercentOff{20});
  clock_.Set(At("2026-12-12T00:00:00Z"));  // ended 3 days ago: still kept
  AssembleAll();
  EXPECT_TRUE(Offer(promotion, "P1", "S1"));
  clock_.Set(At("2026-12-20T00:00:00Z"));
  AssemblyReport report = AssembleAll();
  EXPECT_EQ(report.campaigns, 0);
  EXPECT_EQ(report.deleted, 4);
  EXPECT_TRUE(LiveSeqs().empty());
}

TEST_F(AssemblyTest, SelectorsPickByListCategoryAndBrand) {
  Campaign campaign = AddCampaign(StoreScope{StoreScope::Kind::kStores, {"S2"}});
  ProductSelector category;
  category.kind = ProductSelector::Kind::kCategory;
  category.category = "Épicerie > Chocolat";
  ProductSelector brand;
  brand.kind = ProductSelector::Kind::kBrand;
  brand.brand = "evian";
  Promotion by_category = AddPromotion(campaign, category, PercentOff{10});
  Promotion by_brand = AddPromotion(campaign, brand, Multibuy{3, 2});
  Promotion by_list = AddPromotion(campaign, ProductList({"P4"}), PercentOff{20});
  AssembleAll();
  EXPECT_TRUE(Offer(by_category, "P1", "S2"));
  EXPECT_TRUE(Offer(by_category, "P2", "S2"));  // below the category
  EXPECT_FALSE(Offer(by_category, "P5", "S2"));
  EXPECT_TRUE(Offer(by_brand, "P3", "S2"));
  EXPECT_FALSE(Offer(by_brand, "P1", "S2"));
  EXPECT_TRUE(Offer(by_list, "P4", "S2"));
  EXPECT_EQ(LiveSeqs().size(), 4u);
}

TEST_F(AssemblyTest, StoreScopeByZoneBannerListAndPromotionNarrowing) {
  Promotion by_zone = AddPromotion(AddCampaign(StoreScope{StoreScope::Kind::kZones, {"Z1"}}),
                                   ProductList({"P1"}), PercentOff{10});
  Promotion by_banner = AddPromotion(AddCampaign(StoreScope{StoreScope::Kind::kBanners, {"hyper"}}),
                                     ProductList({"P2"}), PercentOff{10});
  Promotion by_list = AddPromotion(AddCampaign(StoreScope{StoreScope::Kind::kStores, {"S3"}}),
                                   ProductList({"P3"}), Multibuy{3, 2});
  Promotion narrowed = AddPromotion(AddCampaign(StoreScope{StoreScope::Kind::kBanners, {"Hyper"}}),
                                    ProductList({"P4"}), PercentOff{10}, 0, false,
                                    StoreScope{StoreScope::Kind::kZones, {"Z2"}});
  AssembleAll();
  EXPECT_THAT(StoresWithOffer(by_zone, "P1"), ::testing::ElementsAre("S1", "S2"));
  EXPECT_THAT(StoresWithOffer(by_banner, "P2"), ::testing::ElementsAre("S1", "S4"));
  EXPECT_THAT(StoresWithOffer(by_list, "P3"), ::testing::ElementsAre("S3"));
  EXPECT_THAT(StoresWithOffer(narrowed, "P4"), ::testing::ElementsAre("S4"));
}

TEST_F(AssemblyTest, RegularPriceIsTheMostSpecificLevel) {
  Promotion promotion = AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{10});
  AssembleAll();
  EXPECT_EQ(Offer(promotion, "P1", "S1")->regular_price, E(190));  // store level
  EXPECT_EQ(Offer(promotion, "P1", "S2")->regular_price, E(200));  // national
  EXPECT_EQ(Offer(promotion, "P1", "S3")->regular_price, E(220));  // zone Z2
  EXPECT_EQ(Offer(promotion, "P1", "S4")->regular_price, E(220));
  EXPECT_EQ(Offer(promotion, "P1", "S3")->shelf_price, E(198));
}

TEST_F(AssemblyTest, EveryMechanicEndToEnd) {
  struct Expected {
    Mechanic mechanic;
    std::string name;
    int64_t shelf;
    int64_t effective;
    std::optional<int64_t> loyalty_credit;
    std::optional<int> discount;
  };
  const std::vector<Expected> cases = {
      {PercentOff{30}, "percent_off", 210, 210, std::nullopt, 30},
      {AmountOff{E(50)}, "amount_off", 250, 250, std::nullopt, 16},
      {FixedPrice{E(199)}, "fixed_price", 199, 199, std::nullopt, 33},
      {NthItemPercentOff{2, 50}, "nth_item_percent_off", 300, 225, std::nullopt, std::nullopt},
      {Multibuy{3, 2}, "multibuy", 300, 200, std::nullopt, std::nullopt},
      {BundlePrice{3, E(500)}, "bundle_price", 167, 167, std::nullopt, std::nullopt},
      {LoyaltyCredit{30}, "loyalty_credit", 300, 210, 90, std::nullopt},
  };
  for (const Expected& expected : cases) {
    SCOPED_TRACE(expected.name);
    Campaign campaign = AddCampaign(StoreScope{StoreScope::Kind::kStores, {"S1"}});
    Promotion promotion = AddPromotion(campaign, ProductList({"P2"}), expected.mechanic);
    AssembleAll();
    auto offer = Offer(promotion, "P2", "S1");
    ASSERT_TRUE(offer);
    EXPECT_EQ(offer->mechanic, expected.name);
    EXPECT_EQ(offer->regular_price, E(300));
    EXPECT_EQ(offer->shelf_price, E(expected.shelf));
    EXPECT_EQ(offer->effective_unit_price, E(expected.effective));
    EXPECT_EQ(offer->unit_price, E(expected.effective * 5));  // 200 g: per kg
    EXPECT_EQ(offer->unit_pricing_base, "1 kg");
    EXPECT_EQ(offer->reference_price, E(300));
    EXPECT_EQ(offer->discount_percent, expected.discount);
    EXPECT_EQ(offer->loyalty_credit.has_value(), expected.loyalty_credit.has_value());
    if (expected.loyalty_credit) {
      EXPECT_EQ(offer->loyalty_credit, E(*expected.loyalty_credit));
    }
    EXPECT_THAT(offer->badge, Not(IsEmpty()));
    EXPECT_THAT(offer->headline, Not(IsEmpty()));
    EXPECT_EQ(offer->channels, (std::vector<std::string>{"google", "meta"}));
    EXPECT_EQ(offer->stock_quantity, 7);
    EXPECT_EQ(offer->availability, Availability::kInStock);
    EXPECT_EQ(offer->mechanic_parameters, [&] {
      nlohmann::json json = ToJson(expected.mechanic);
      json.erase("type");
      return json;
    }());
    // Archived, it makes room for the next mechanic and keeps no offer.
    SetStatus(&campaign, CampaignStatus::kArchived);
    Assembler assembler(db_, db_, db_, Options());
    auto report = assembler.AssembleCampaign(campaign.id);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->deleted, 1);
    EXPECT_FALSE(Offer(promotion, "P2", "S1"));
  }
}

TEST_F(AssemblyTest, ReferencePriceIsTheLowestOfThe30DaysBefore) {
  Campaign campaign = AddCampaign(StoreScope{StoreScope::Kind::kStores, {"S1"}});
  Promotion fixed = AddPromotion(campaign, ProductList({"P3"}), FixedPrice{E(90)});
  AssembleAll();
  auto offer = Offer(fixed, "P3", "S1");
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->regular_price, E(120));    // raised 10 days before the start
  EXPECT_EQ(offer->reference_price, E(100));  // the lower price before the raise
  EXPECT_EQ(offer->discount_percent, 10);     // against the reference, not the 1,20 €
  EXPECT_THAT(offer->headline, HasSubstr("1,00"));
  EXPECT_THAT(offer->legal, HasSubstr("1,00"));
  EXPECT_EQ(offer->unit_pricing_base, "1 l");
  EXPECT_EQ(offer->unit_price, E(60));
}

TEST_F(AssemblyTest, AReductionTheReferenceDoesNotSupportIsNotPublished) {
  Campaign campaign = AddCampaign(StoreScope{StoreScope::Kind::kStores, {"S1"}});
  // -30% on 1,20 € is 0,84 €: only 16 % below the 1,00 € reference.
  Promotion promotion = AddPromotion(campaign, ProductList({"P3"}), PercentOff{30});
  AssemblyReport report = AssembleAll();
  EXPECT_FALSE(Offer(promotion, "P3", "S1"));
  EXPECT_EQ(report.skipped, 1);
  EXPECT_EQ(report.skipped_by_reason["reduction_not_supported"], 1);
}

TEST_F(AssemblyTest, PerishablesAreExemptFromTheReferencePrice) {
  Campaign campaign = AddCampaign(StoreScope{StoreScope::Kind::kStores, {"S1"}});
  Promotion promotion = AddPromotion(campaign, ProductList({"P4"}), PercentOff{30});
  AssembleAll();
  auto offer = Offer(promotion, "P4", "S1");
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->regular_price, E(300));
  EXPECT_FALSE(offer->reference_price);
  EXPECT_EQ(offer->discount_percent, 30);
  EXPECT_EQ(offer->shelf_price, E(210));
  EXPECT_EQ(offer->stock_quantity, 0);  // no stock row: out of stock
  EXPECT_EQ(offer->availability, Availability::kOutOfStock);
}

TEST_F(AssemblyTest, NoPriceInStoreIsSkippedAndCounted) {
  Promotion promotion = AddPromotion(AddCampaign(), ProductList({"P5"}), PercentOff{10});
  AssemblyReport report = AssembleAll();
  EXPECT_TRUE(StoresWithOffer(promotion, "P5").empty());
  EXPECT_EQ(report.offers_considered, 4);
  EXPECT_EQ(report.skipped_by_reason["no_price_in_store"], 4);
}

TEST_F(AssemblyTest, MechanicRefusedForThisPriceIsSkipped) {
  // 2,00 € off is more than P1 costs anywhere but in Z2 (2,20 €).
  Promotion promotion = AddPromotion(AddCampaign(), ProductList({"P1"}), AmountOff{E(205)});
  AssemblyReport report = AssembleAll();
  EXPECT_THAT(StoresWithOffer(promotion, "P1"), ::testing::ElementsAre("S3", "S4"));
  EXPECT_EQ(report.skipped_by_reason["mechanic_refused"], 2);
}

TEST_F(AssemblyTest, OverlapHighestPriorityWinsAndTheLoserIsTombstoned) {
  Promotion low = AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{30}, 1);
  AssembleAll();
  EXPECT_EQ(StoresWithOffer(low, "P1").size(), 4u);
  Promotion high = AddPromotion(AddCampaign(StoreScope{StoreScope::Kind::kZones, {"Z1"}}),
                                ProductList({"P1"}), PercentOff{10}, 5);
  AssemblyReport report = AssembleAll();
  EXPECT_THAT(StoresWithOffer(high, "P1"), ::testing::ElementsAre("S1", "S2"));
  EXPECT_THAT(StoresWithOffer(low, "P1"), ::testing::ElementsAre("S3", "S4"));
  EXPECT_EQ(report.deleted, 2);
  EXPECT_EQ(report.overlap_losses, 2);
}

TEST_F(AssemblyTest, OverlapExclusiveWinsATieOnPriority) {
  Promotion better = AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{30}, 2);
  Promotion exclusive =
      AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{10}, 2, /*exclusive=*/true);
  AssembleAll();
  EXPECT_EQ(StoresWithOffer(exclusive, "P1").size(), 4u);
  EXPECT_TRUE(StoresWithOffer(better, "P1").empty());
}

TEST_F(AssemblyTest, OverlapBestPriceWinsOtherwise) {
  Promotion small = AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{10});
  Promotion big = AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{30});
  AssembleAll();
  EXPECT_EQ(StoresWithOffer(big, "P1").size(), 4u);
  EXPECT_TRUE(StoresWithOffer(small, "P1").empty());
}

TEST_F(AssemblyTest, ALoyaltyCreditStacksOnTheImmediateWinner) {
  Promotion immediate = AddPromotion(AddCampaign(), ProductList({"P2"}), PercentOff{20});
  Promotion loyalty = AddPromotion(AddCampaign(), ProductList({"P2"}), LoyaltyCredit{10});
  AssemblyReport report = AssembleAll();
  auto offer = Offer(immediate, "P2", "S2");
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->shelf_price, E(240));
  EXPECT_EQ(offer->loyalty_credit, E(24));  // on the reduced price
  EXPECT_EQ(offer->effective_unit_price, E(216));
  EXPECT_THAT(offer->badge, HasSubstr("+"));
  EXPECT_THAT(offer->headline, HasSubstr("crédités"));
  EXPECT_EQ(offer->mechanic_parameters["stacked_loyalty_credit"]["promotion_id"], loyalty.id);
  EXPECT_TRUE(StoresWithOffer(loyalty, "P2").empty());
  EXPECT_EQ(report.loyalty_stacked, 4);
}

// A loyalty credit starting in the middle of an immediate promotion stacks on it only from
// its own start, and is an offer of its own after the immediate promotion ends: each offer
// says exactly what holds during its validity.
TEST_F(AssemblyTest, ALoyaltyCreditStacksOnlyWhileBothHold) {
  Promotion fixed =
      AddPromotion(AddDecemberCampaign(7, 13), ProductList({"P2"}), FixedPrice{E(249)});
  Promotion loyalty =
      AddPromotion(AddDecemberCampaign(11, 25), ProductList({"P2"}), LoyaltyCredit{10});
  AssembleAll();

  auto alone = Offer(fixed, "P2", "S1");
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->validity.begin, At("2026-12-07T00:00:00+01:00"));
  EXPECT_EQ(alone->validity.end, At("2026-12-11T00:00:00+01:00"));
  EXPECT_FALSE(alone->loyalty_credit);
  EXPECT_THAT(alone->badge, Not(HasSubstr("carte")));
  EXPECT_FALSE(alone->mechanic_parameters.contains("stacked_loyalty_credit"));

  auto stacked = db_.GetOffer(fixed.id + "~P2~20261211", "S1");
  ASSERT_TRUE(stacked.ok() && *stacked);
  EXPECT_EQ((*stacked)->validity.begin, At("2026-12-11T00:00:00+01:00"));
  EXPECT_EQ((*stacked)->validity.end, At("2026-12-14T00:00:00+01:00"));
  EXPECT_EQ((*stacked)->product_id, "P2");
  EXPECT_EQ((*stacked)->promotion_id, fixed.id);
  EXPECT_EQ((*stacked)->loyalty_credit, E(25));
  EXPECT_EQ((*stacked)->mechanic_parameters["stacked_loyalty_credit"]["promotion_id"], loyalty.id);

  // The credit alone once the fixed price has ended, until its own end.
  auto credit = Offer(loyalty, "P2", "S1");
  ASSERT_TRUE(credit);
  EXPECT_EQ(credit->validity.begin, At("2026-12-14T00:00:00+01:00"));
  EXPECT_EQ(credit->validity.end, At("2026-12-26T00:00:00+01:00"));
  EXPECT_EQ(credit->shelf_price, E(300));
}

// A promotion loses only while another wins: a week of a higher-priority promotion in the
// middle of a month-long one leaves the month-long one published before and after it.
TEST_F(AssemblyTest, APromotionLosesOnlyWhileAnotherWins) {
  Promotion month = AddPromotion(AddDecemberCampaign(1, 31), ProductList({"P2"}), PercentOff{10});
  AssembleAll();
  Promotion week =
      AddPromotion(AddDecemberCampaign(10, 15), ProductList({"P2"}), PercentOff{20}, 5);
  AssembleAll();

  auto before = Offer(month, "P2", "S2");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->validity.begin, At("2026-12-01T00:00:00+01:00"));
  EXPECT_EQ(before->validity.end, At("2026-12-10T00:00:00+01:00"));
  auto during = Offer(week, "P2", "S2");
  ASSERT_TRUE(during);
  EXPECT_EQ(during->validity.begin, At("2026-12-10T00:00:00+01:00"));
  EXPECT_EQ(during->validity.end, At("2026-12-16T00:00:00+01:00"));
  auto after = db_.GetOffer(month.id + "~P2~20261216", "S2");
  ASSERT_TRUE(after.ok() && *after);
  EXPECT_EQ((*after)->validity.begin, At("2026-12-16T00:00:00+01:00"));
  EXPECT_EQ((*after)->validity.end, At("2027-01-01T00:00:00+01:00"));
  EXPECT_EQ((*after)->shelf_price, E(270));

  // Withdrawing the week gives the month back whole, under its plain id.
  Assembler assembler(db_, db_, db_, Options());
  std::vector<std::string> ids = {week.id};
  ASSERT_TRUE(assembler.RetractPromotions(ids).ok());
  ASSERT_TRUE(db_.DeletePromotion(week.id).ok());
  AssembleAll();
  auto whole = Offer(month, "P2", "S2");
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->validity.end, At("2027-01-01T00:00:00+01:00"));
  auto gone = db_.GetOffer(month.id + "~P2~20261216", "S2");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(*gone);
}

TEST_F(AssemblyTest, ExplainTellsEachStretch) {
  Promotion fixed =
      AddPromotion(AddDecemberCampaign(7, 13), ProductList({"P2"}), FixedPrice{E(249)});
  Promotion loyalty =
      AddPromotion(AddDecemberCampaign(11, 25), ProductList({"P2"}), LoyaltyCredit{10});
  AssembleAll();
  Assembler assembler(db_, db_, db_, Options());
  auto explained = assembler.Explain(fixed.id + "~P2~20261211", "S1");
  ASSERT_TRUE(explained.ok()) << explained.status().ToString();
  EXPECT_EQ((*explained)["outcome"], "published");
  EXPECT_EQ((*explained)["price"]["loyalty_credit"], "0.25 EUR");
  EXPECT_FALSE((*explained)["published"].is_null());
  const nlohmann::json& candidates = (*explained)["candidates"];
  ASSERT_EQ(candidates.size(), 2u);
  const nlohmann::json& credit =
      candidates[0]["promotion_id"] == loyalty.id ? candidates[0] : candidates[1];
  ASSERT_EQ(credit["segments"].size(), 2u);
  EXPECT_EQ(credit["segments"][0]["outcome"], "stacked");
  EXPECT_EQ(credit["segments"][0]["stacked_on"], fixed.id);
  EXPECT_EQ(credit["segments"][1]["outcome"], "published");
}

TEST_F(AssemblyTest, EachStoreGetsItsOwnUtcBounds) {
  Promotion promotion = AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{10});
  AssembleAll();
  auto paris = Offer(promotion, "P1", "S1");
  auto martinique = Offer(promotion, "P1", "S4");
  ASSERT_TRUE(paris && martinique);
  EXPECT_EQ(paris->validity.begin, At("2026-12-01T23:00:00Z"));
  EXPECT_EQ(paris->validity.end, At("2026-12-08T23:00:00Z"));
  EXPECT_EQ(paris->timezone, "Europe/Paris");
  EXPECT_EQ(martinique->validity.begin, At("2026-12-02T04:00:00Z"));
  EXPECT_EQ(martinique->validity.end, At("2026-12-09T04:00:00Z"));
  EXPECT_EQ(martinique->timezone, "America/Martinique");
}

TEST_F(AssemblyTest, AStockChangeReassemblesOnlyThatOffer) {
  Promotion promotion = AddPromotion(AddCampaign(), ProductList({"P1", "P2"}), PercentOff{10});
  AssembleAll();
  const auto before = LiveSeqs();
  ASSERT_EQ(before.size(), 8u);
  const std::vector<StockLevel> levels = {{"P1", "S2", 3, kNow + 1h}};
  ASSERT_TRUE(db_.PutStock(levels).ok());
  Assembler assembler(db_, db_, db_, Options());
  auto report = assembler.OnStockChanged(levels);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->updated, 1);
  const auto after = LiveSeqs();
  const std::string changed = promotion.id + "~P1@S2";
  for (const auto& [key, seq] : before) {
    if (key == changed) {
      EXPECT_GT(after.at(key), seq);
    } else {
      EXPECT_EQ(after.at(key), seq) << key;
    }
  }
  auto offer = Offer(promotion, "P1", "S2");
  EXPECT_EQ(offer->stock_quantity, 3);
  EXPECT_EQ(offer->availability, Availability::kLimited);
}

TEST_F(AssemblyTest, APriceChangeTouchesOnlyThatProductsOffers) {
  Promotion promotion = AddPromotion(AddCampaign(), ProductList({"P1", "P2"}), PercentOff{10});
  AssembleAll();
  const auto before = LiveSeqs();
  const std::vector<Price> cut = {
      {"P1", PriceLevel::kZone, "Z2", E(210), At("2026-11-25T00:00:00Z")}};
  ASSERT_TRUE(db_.PutPrices(cut).ok());
  Assembler assembler(db_, db_, db_, Options());
  const std::vector<std::string> changed = {"P1"};
  auto report = assembler.OnProductsChanged(changed);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->updated, 2);    // S3 and S4 are in Z2
  EXPECT_EQ(report->unchanged, 2);  // S1 and S2 are not
  const auto after = LiveSeqs();
  for (const auto& [key, seq] : before) {
    const bool moved = key == promotion.id + "~P1@S3" || key == promotion.id + "~P1@S4";
    if (moved) {
      EXPECT_GT(after.at(key), seq) << key;
    } else {
      EXPECT_EQ(after.at(key), seq) << key;
    }
  }
  EXPECT_EQ(Offer(promotion, "P1", "S3")->regular_price, E(210));
}

TEST_F(AssemblyTest, ArchivingACampaignTombstonesItsOffersAndRivalsComeBack) {
  Campaign strong = AddCampaign();
  Promotion winner = AddPromotion(strong, ProductList({"P1"}), PercentOff{30}, 5);
  Promotion rival = AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{10});
  AssembleAll();
  EXPECT_EQ(StoresWithOffer(winner, "P1").size(), 4u);
  EXPECT_TRUE(StoresWithOffer(rival, "P1").empty());
  SetStatus(&strong, CampaignStatus::kArchived);
  Assembler assembler(db_, db_, db_, Options());
  auto report = assembler.AssembleCampaign(strong.id);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->deleted, 4);
  EXPECT_EQ(report->inserted, 4);
  EXPECT_TRUE(StoresWithOffer(winner, "P1").empty());
  EXPECT_EQ(StoresWithOffer(rival, "P1").size(), 4u);
  auto changes = db_.ListChanges(0, 1000, "");
  ASSERT_TRUE(changes.ok());
  int tombstones = 0;
  for (const OfferChange& change : *changes) tombstones += change.deleted ? 1 : 0;
  EXPECT_EQ(tombstones, 4);
}

TEST_F(AssemblyTest, ReassemblingWithNothingChangedWritesNothing) {
  AddPromotion(AddCampaign(), ProductList({"P1", "P2", "P3"}), Multibuy{3, 2});
  AddPromotion(AddCampaign(), ProductList({"P2"}), LoyaltyCredit{10});
  AssemblyReport first = AssembleAll();
  EXPECT_EQ(first.inserted, 12);
  auto seq = db_.LastSeq();
  ASSERT_TRUE(seq.ok());
  AssemblyReport second = AssembleAll();
  EXPECT_EQ(second.inserted, 0);
  EXPECT_EQ(second.updated, 0);
  EXPECT_EQ(second.deleted, 0);
  EXPECT_EQ(second.unchanged, 12);
  EXPECT_EQ(*db_.LastSeq(), *seq);
}

TEST_F(AssemblyTest, AProductNoLongerSelectedLosesItsOffers) {
  ProductSelector brand;
  brand.kind = ProductSelector::Kind::kBrand;
  brand.brand = "Lindt";
  Promotion promotion = AddPromotion(AddCampaign(), brand, PercentOff{10});
  AssembleAll();
  EXPECT_EQ(StoresWithOffer(promotion, "P2").size(), 4u);
  Product p2 = *db_.GetProduct("P2").value();
  p2.brand = "Côte d'Or";
  ASSERT_TRUE(db_.PutProducts(std::vector<Product>{p2}, kNow).ok());
  AssemblyReport report = AssembleAll();
  EXPECT_EQ(report.deleted, 4);
  EXPECT_TRUE(StoresWithOffer(promotion, "P2").empty());
  EXPECT_EQ(StoresWithOffer(promotion, "P1").size(), 4u);
}

TEST_F(AssemblyTest, AStoreChangeReassemblesOnlyThatStore) {
  Promotion promotion = AddPromotion(AddCampaign(StoreScope{StoreScope::Kind::kZones, {"Z1"}}),
                                     ProductList({"P1", "P2"}), PercentOff{10});
  AssembleAll();
  EXPECT_EQ(LiveSeqs().size(), 4u);
  Store moved = MakeStore("S3", "Z1", "City");
  ASSERT_TRUE(db_.PutStores(std::vector<Store>{moved}, kNow).ok());
  Assembler assembler(db_, db_, db_, Options());
  const std::vector<std::string> stores = {"S3"};
  auto report = assembler.OnStoresChanged(stores);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->inserted, 2);
  EXPECT_EQ(report->unchanged, 0);
  EXPECT_EQ(Offer(promotion, "P1", "S3")->regular_price, E(200));  // now national
}

TEST_F(AssemblyTest, ExplainShowsTheCompetitionAndThePriceSteps) {
  Promotion winner = AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{10}, 5);
  Promotion loser = AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{30}, 1);
  AssembleAll();
  Assembler assembler(db_, db_, db_, Options());
  auto explained = assembler.Explain(loser.id + "~P1", "S1");
  ASSERT_TRUE(explained.ok()) << explained.status().ToString();
  const nlohmann::json& json = *explained;
  EXPECT_EQ(json["outcome"], "lost");
  EXPECT_EQ(json["decision"]["winner"], winner.id);
  ASSERT_EQ(json["decision"]["losers"].size(), 1u);
  EXPECT_THAT(json["decision"]["losers"][0]["reason"].get<std::string>(), HasSubstr("priority"));
  EXPECT_EQ(json["candidates"].size(), 2u);
  EXPECT_TRUE(json["published"].is_null());

  auto won = assembler.Explain(winner.id + "~P1", "S1");
  ASSERT_TRUE(won.ok());
  EXPECT_EQ((*won)["outcome"], "published");
  EXPECT_FALSE((*won)["price"]["steps"].empty());
  EXPECT_EQ((*won)["price"]["regular"], "1.90 EUR");
  EXPECT_EQ((*won)["reference_price"]["amount"], "1.90 EUR");
  EXPECT_EQ((*won)["reference_price"]["window"]["end"], "2026-12-01T23:00:00Z");
  EXPECT_EQ((*won)["reference_price"]["window"]["start"], "2026-11-01T23:00:00Z");
  EXPECT_EQ((*won)["stock"]["quantity"], 40);
  EXPECT_EQ((*won)["published"]["offer_id"], winner.id + "~P1");

  EXPECT_EQ(assembler.Explain("nonsense", "S1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(assembler.Explain(winner.id + "~P1", "S9").status().code(), StatusCode::kNotFound);
}

// A draft's preview lists, store by store, exactly the offers assembly publishes once it is
// approved (same ids, prices, texts, validity, stock and content hash) with the explanation
// Explain gives of them then, and writes nothing.
TEST_F(AssemblyTest, APreviewIsWhatApprovalPublishes) {
  Promotion rival = AddPromotion(AddCampaign(), ProductList({"P1"}), PercentOff{10}, 5);
  Campaign draft = AddCampaign({}, CampaignStatus::kDraft);
  AddPromotion(draft, ProductList({"P1", "P2"}), PercentOff{30}, 1);
  Promotion credit = AddPromotion(draft, ProductList({"P2", "P5"}), LoyaltyCredit{10});
  AssembleAll();
  const std::map<std::string, int64_t> before = LiveSeqs();

  Assembler assembler(db_, db_, db_, Options());
  auto promotions = db_.ListPromotions(draft.id);
  ASSERT_TRUE(promotions.ok());
  const CampaignRevision proposal{draft, *promotions};
  std::map<std::string, std::vector<PreviewOffer>> previews;
  for (const char* store : {"S1", "S2", "S3", "S4"}) {
    auto preview = assembler.Preview(proposal, store);
    ASSERT_TRUE(preview.ok()) << preview.status().ToString();
    previews[store] = std::move(preview).value();
  }
  EXPECT_EQ(LiveSeqs(), before);  // nothing written
  // P1 loses to the rival's priority; P2 gets 30 % with the card's credit stacked on it; P5
  // has no price.
  ASSERT_EQ(previews["S1"].size(), 1u);
  const PreviewOffer& p2 = previews["S1"][0];
  EXPECT_EQ(p2.offer.product_id, "P2");
  EXPECT_EQ(p2.offer.shelf_price, E(210));
  EXPECT_EQ(p2.offer.loyalty_credit, E(21));
  EXPECT_EQ(p2.explain["outcome"], "published");
  EXPECT_EQ(p2.explain["decision"]["loyalty"], credit.id);
  EXPECT_TRUE(p2.explain["published"].is_null());

  SetStatus(&draft, CampaignStatus::kApproved);
  AssembleAll();
  for (auto& [store, offers] : previews) {
    OfferQuery query;
    query.campaign_id = draft.id;
    query.store_id = store;
    auto published = db_.ListOffers(query);
    ASSERT_TRUE(published.ok());
    ASSERT_EQ(published->items.size(), offers.size()) << store;
    for (size_t i = 0; i < offers.size(); ++i) {
      PublishedOffer stored = published->items[i];
      EXPECT_EQ(offers[i].offer.content_hash, stored.content_hash) << stored.offer_id;
      stored.version = 0;
      stored.seq = 0;
      EXPECT_EQ(ToJson(offers[i].offer), ToJson(stored));
      auto explained = assembler.Explain(stored.offer_id, store);
      ASSERT_TRUE(explained.ok());
      nlohmann::json expected = *explained;
      expected["published"] = nullptr;
      EXPECT_EQ(offers[i].explain, expected);
    }
  }
  // The rival, now beaten nowhere else, is untouched by the preview's filter: only the
  // previewed campaign's offers are listed.
  EXPECT_TRUE(Offer(rival, "P1", "S1"));
}

// An approved campaign's pending revision is previewed in place of its live version; an
// unknown store is NotFound; a campaign ended beyond retention would publish nothing.
TEST_F(AssemblyTest, APreviewReplacesTheLiveVersion) {
  Campaign live = AddCampaign();
  Promotion promotion = AddPromotion(live, ProductList({"P2"}), PercentOff{10});
  AssembleAll();
  Assembler assembler(db_, db_, db_, Options());
  CampaignRevision revision{live, {promotion}};
  revision.promotions[0].mechanic = PercentOff{20};
  auto preview = assembler.Preview(revision, "S1");
  ASSERT_TRUE(preview.ok()) << preview.status().ToString();
  ASSERT_EQ(preview->size(), 1u);
  EXPECT_EQ((*preview)[0].offer.shelf_price, E(240));
  EXPECT_EQ((*preview)[0].explain["candidates"].size(), 1u);  // not beside the live version
  EXPECT_EQ((*preview)[0].explain["published"]["prices"]["shelf"], "2.70 EUR");

  const std::vector<std::string> only_p1 = {"P1"};
  auto none = assembler.Preview(revision, "S1", only_p1);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(assembler.Preview(revision, "S9").status().code(), StatusCode::kNotFound);
  clock_.Set(At("2026-12-20T00:00:00Z"));
  auto ended = assembler.Preview(revision, "S1");
  ASSERT_TRUE(ended.ok());
  EXPECT_TRUE(ended->empty());
}

}  // namespace
}  // namespace vitrine

namespace vitrine {
namespace {

// B4: the reference price line and the loyalty line ran together without a full stop.
TEST_F(AssemblyTest, AStackedOffersLegalLineSeparatesItsSentences) {
  Promotion immediate = AddPromotion(AddCampaign(), ProductList({"P2"}), PercentOff{20});
  AddPromotion(AddCampaign(), ProductList({"P2"}), LoyaltyCredit{10});
  AssembleAll();
  auto offer = Offer(immediate, "P2", "S2");
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->legal,
            "Prix de référence : 3,00\u00A0€. Montant crédité sur la carte de fidélité, à valoir "
            "sur un prochain achat");
}

// F3: a wine's offer carries the Loi Évin health warning in its legal line, after the
// mechanic's own sentence; a chocolate's does not.
TEST_F(AssemblyTest, AnAlcoholicDrinksLegalLineEndsWithTheHealthWarning) {
  Product wine = MakeProduct("W1", "Cave > Vins", "Château", "75 cl");
  ASSERT_TRUE(db_.PutProducts(std::vector<Product>{wine}, kNow).ok());
  ASSERT_TRUE(
      db_.PutPrices(std::vector<Price>{{"W1", PriceLevel::kNational, "", E(600), kHistoryStart}})
          .ok());
  Campaign campaign = AddCampaign();
  Promotion percent = AddPromotion(campaign, ProductList({"W1", "P2"}), PercentOff{20});
  Promotion multibuy = AddPromotion(AddCampaign(), ProductList({"W1"}), Multibuy{3, 2}, 5);
  AssembleAll();
  auto wine_offer = Offer(multibuy, "W1", "S1");
  ASSERT_TRUE(wine_offer);
  EXPECT_EQ(wine_offer->legal,
            "Pour 3 produits identiques achetés, 1 offert. L'abus d'alcool est dangereux pour la "
            "santé, à consommer avec modération.");
  auto chocolate = Offer(percent, "P2", "S1");
  ASSERT_TRUE(chocolate);
  EXPECT_EQ(chocolate->legal, "Prix de référence : 3,00\u00A0€");
}

}  // namespace
}  // namespace vitrine
