// The demo retailer's campaigns walked day by day in stores of every zone: each offer
// published for a day holds exactly what the promotions valid in that store on that day
// give, and no promotion valid there that day goes missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "../store/temp_dir.h"
#include "app/demo_campaigns.h"
#include "app/demo_retailer.h"
#include "catalog/import.h"
#include "offers/assembly.h"
#include "store/memory_database.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Friday 4 December 2026, 09:00 in Paris: the wine fair starts on Monday 7.
const Instant kNow = *ParseInstant("2026-12-04T08:00:00Z");

struct DemoWorld {
  MemoryDatabase db;
  std::vector<Store> stores;  // one per price zone
  std::vector<Campaign> campaigns;
  std::map<std::string, Promotion> promotions;  // by id
  std::map<std::string, const Campaign*> campaign_of;
};

class DemoDaysTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world_ = new DemoWorld;
    const testing::TempDir dir;  // the demo's import files, removed once imported
    DemoOptions options;
    options.data_dir = fs::path(VITRINE_SOURCE_DIR) / "data";
    options.out_dir = dir.path();
    options.now = kNow;
    options.packshots = false;
    options.stores = 25;
    auto files = WriteDemoRetailer(options);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    for (const auto& [kind, path] : {std::pair{ImportKind::kStores, files->stores_csv},
                                     {ImportKind::kProducts, files->products_csv},
                                     {ImportKind::kPrices, files->prices_csv},
                                     {ImportKind::kStock, files->stock_csv}}) {
      auto report = ImportFile(world_->db, kind, path, ImportOptions{});
      ASSERT_TRUE(report.ok()) << report.status().ToString();
      ASSERT_TRUE(report->committed) << path;
    }
    std::FILE* quiet = std::fopen("/dev/null", "w");
    const Status seeded = SeedDemoCampaigns(world_->db, kNow, quiet);
    std::fclose(quiet);
    ASSERT_TRUE(seeded.ok()) << seeded.ToString();
    const ManualClock clock(kNow);
    AssemblyOptions assembly;
    assembly.clock = &clock;
    Assembler assembler(world_->db, world_->db, world_->db, assembly);
    auto assembled = assembler.AssembleAll();
    ASSERT_TRUE(assembled.ok()) << assembled.status().ToString();

    auto stores = world_->db.ListAllStores();
    ASSERT_TRUE(stores.ok());
    std::set<std::string> zones;
    for (const Store& store : *stores) {
      if (zones.insert(store.price_zone).second) world_->stores.push_back(store);
    }
    auto campaigns = world_->db.ListCampaigns({});
    ASSERT_TRUE(campaigns.ok());
    world_->campaigns = campaigns->items;
    for (const Campaign& campaign : world_->campaigns) {
      auto promotions = world_->db.ListPromotions(campaign.id);
      ASSERT_TRUE(promotions.ok());
      for (const Promotion& promotion : *promotions) {
        world_->promotions[promotion.id] = promotion;
        world_->campaign_of[promotion.id] = &campaign;
      }
    }
  }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }

  // Every live offer of `store`, whatever its dates.
  static std::vector<PublishedOffer> OffersOf(const Store& store) {
    std::vector<PublishedOffer> offers;
    OfferQuery query;
    query.store_id = store.id;
    query.limit = 1000;
    while (true) {
      auto page = world_->db.ListOffers(query);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) break;
      offers.insert(offers.end(), page->items.begin(), page->items.end());
      if (page->next_after.empty()) break;
      query.after = page->next_after;
    }
    return offers;
  }

  // Whether `promotion` holds for `product` in `store` at `t`: its campaign approved and
  // running there then, the store in its scope, the product selected.
  static bool Holds(const Promotion& promotion, const Product& product, const Store& store,
                    Instant t) {
    const Campaign& campaign = *world_->campaign_of.at(promotion.id);
    auto zone = TimeZone::Locate(store.timezone);
    return campaign.status == CampaignStatus::kApproved && zone.ok() &&
           ValidityIn(campaign, *zone).Contains(t) && InScope(campaign, promotion, store) &&
           Selects(promotion.selector, product);
  }

  static DemoWorld* world_;
};

DemoWorld* DemoDaysTest::world_ = nullptr;

TEST_F(DemoDaysTest, EveryOfferIsRightForEveryStoreOnEveryDay) {
  ASSERT_GE(world_->stores.size(), 4u);
  std::set<std::string> approved;
  for (const Campaign& campaign : world_->campaigns) {
    if (campaign.status == CampaignStatus::kApproved) approved.insert(campaign.name);
  }
  ASSERT_THAT(approved, ::testing::IsSupersetOf({"Les immanquables de la semaine",
                                                 "Carte Vitrine : 10 % crédités", "Foire aux vins",
                                                 "Noël gourmand"}));
  int64_t checked = 0;
  int64_t stacked_days = 0;
  for (const Store& store : world_->stores) {
    SCOPED_TRACE(store.id + " (" + store.price_zone + ")");
    const TimeZone zone = *TimeZone::Locate(store.timezone);
    const std::vector<PublishedOffer> offers = OffersOf(store);
    std::map<std::string, Product> products;
    for (const PublishedOffer& offer : offers) {
      if (products.contains(offer.product_id)) continue;
      auto product = world_->db.GetProduct(offer.product_id);
      ASSERT_TRUE(product.ok() && *product);
      products[offer.product_id] = **product;
    }
    // Each day of December at noon in the store's time zone.
    const LocalTime first_noon =
        zone.ToLocal(kNow) - (zone.ToLocal(kNow).time_since_epoch() % std::chrono::days(1)) + 12h;
    for (int day = 0; day < 28; ++day) {
      const Instant noon = zone.FromLocal(first_noon + std::chrono::days(day));
      SCOPED_TRACE("at " + FormatUtc(noon));
      std::map<std::string, int> offers_now;  // per product
      for (const PublishedOffer& offer : offers) {
        if (!offer.validity.Contains(noon)) continue;
        const Product& product = products.at(offer.product_id);
        ++offers_now[offer.product_id];
        ++checked;
        // The promotion holds there and then, and the offer says no more than it.
        const Promotion& promotion = world_->promotions.at(offer.promotion_id);
        EXPECT_TRUE(Holds(promotion, product, store, noon)) << offer.offer_id;
        const Campaign& campaign = *world_->campaign_of.at(promotion.id);
        const Interval running = ValidityIn(campaign, zone);
        EXPECT_LE(running.begin, offer.validity.begin) << offer.offer_id;
        EXPECT_LE(offer.validity.end, running.end) << offer.offer_id;
        // A stacked loyalty credit holds too, for all of the offer's validity.
        const bool has_stacked = offer.mechanic_parameters.contains("stacked_loyalty_credit");
        if (has_stacked) {
          ++stacked_days;
          const std::string loyalty_id =
              offer.mechanic_parameters["stacked_loyalty_credit"]["promotion_id"];
          const Promotion& loyalty = world_->promotions.at(loyalty_id);
          EXPECT_TRUE(Holds(loyalty, product, store, offer.validity.begin)) << offer.offer_id;
          EXPECT_TRUE(Holds(loyalty, product, store, offer.validity.end - 1s)) << offer.offer_id;
          EXPECT_TRUE(offer.loyalty_credit) << offer.offer_id;
        }
        // And a loyalty credit that holds is shown when nothing exclusive forbids it.
        if (IsImmediate(promotion.mechanic) && !promotion.exclusive) {
          for (const auto& [id, other] : world_->promotions) {
            if (KindOf(other.mechanic) != MechanicKind::kLoyaltyCredit || other.exclusive) continue;
            if (!Holds(other, product, store, noon)) continue;
            EXPECT_TRUE(has_stacked) << offer.offer_id << " does not show " << id;
          }
        }
        if (!has_stacked && KindOf(promotion.mechanic) != MechanicKind::kLoyaltyCredit) {
          EXPECT_FALSE(offer.loyalty_credit) << offer.offer_id;
          EXPECT_THAT(offer.badge, ::testing::Not(::testing::HasSubstr("carte"))) << offer.offer_id;
        }
      }
      // One offer per product at a time, and no promotion that published here goes missing
      // on a day it holds.
      for (const auto& [product_id, n] : offers_now) {
        EXPECT_EQ(n, 1) << product_id;
      }
      for (const PublishedOffer& offer : offers) {
        const Promotion& promotion = world_->promotions.at(offer.promotion_id);
        if (!Holds(promotion, products.at(offer.product_id), store, noon)) continue;
        EXPECT_TRUE(offers_now.contains(offer.product_id))
            << offer.offer_id << " published at some time, but nothing on this day";
      }
    }
  }
  EXPECT_GT(checked, 1000);
  // The wine fair meets the loyalty card on its last days, in its two zones only.
  EXPECT_GT(stacked_days, 0);
}

}  // namespace
}  // namespace vitrine
