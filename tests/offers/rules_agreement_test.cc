// Approval and assembly must agree: for each (promotion, product, store), CheckCampaign reports
// a blocking price or reference-price finding exactly when the Assembler skips that offer for
// the matching reason, and the offer is published otherwise. Both sides price through
// offers/src/price_groups.h; this test catches a caller that groups stores, picks the start
// or reads a verdict differently from the other.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "offers/assembly.h"
#include "offers/campaign_checks.h"
#include "store/memory_database.h"

namespace vitrine {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

Instant At(const char* text) { return *ParseInstant(text); }
Money E(int64_t cents) { return Money::Euros(cents); }
LocalTime Local(std::chrono::year_month_day day) { return LocalTime(std::chrono::local_days(day)); }

const Instant kNow = At("2026-11-20T08:00:00Z");
const Instant kLongAgo = At("2026-09-01T00:00:00Z");
// Ten days before the campaign starts (2 December, Paris).
const Instant kRaised = At("2026-11-22T00:00:00+01:00");
// The campaign's start in Paris; in Martinique it starts five hours later.
const Instant kParisStart = At("2026-12-02T00:00:00+01:00");

const std::vector<std::string> kStores = {"S1", "S2", "S3", "S4", "S5"};

// The assembly skip reason that matches each blocking finding of approval about prices.
const std::map<std::string, std::string> kSkipReasonOf = {
    {check_codes::kNoRegularPrice, "no_price_in_store"},
    {check_codes::kPriceRefused, "mechanic_refused"},
    {check_codes::kNoReferencePrice, "no_reference_price"},
    {check_codes::kReductionNotSupported, "reduction_not_supported"},
    {"promotion_cap_exceeded", "promotion_cap_exceeded"},
};

// Five stores: S1, S2 in zone Z1; S3, S4 in zone Z2, S4 with store-level prices of its own;
// S5 in zone Z3, in Martinique. One promotion per product, so no two compete:
//   OK       3,49 € for months, -20 %: lawful everywhere
//   RAISED   1,00 € raised to 1,50 € ten days before, -0,30 €: 1,20 € is not 0,30 € below
//            the reference 1,00 €, everywhere
//   FRESH    the same raise on a perishable, -20 %: exempt from the reference, published
//   PARTIAL  a price in zone Z1 only, -10 %: no regular price in S3, S4 and S5
//   STORE    2,00 € national; S4 has its own 1,60 € raised to 2,40 € ten days before; fixed
//            price 1,80 €: lawful against 2,00 €, not against S4's reference 1,60 €
//   NEW      priced from the campaign's Paris start only, -10 %: no reference price in
//            Paris; in Martinique the start is later, so the price is in the window
//   CAP      3,49 €, -40 %: above the 34 % cap everywhere
class RulesAgreementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<Store> stores = {MakeStore("S1", "Z1"), MakeStore("S2", "Z1"),
                                       MakeStore("S3", "Z2"), MakeStore("S4", "Z2"),
                                       MakeStore("S5", "Z3", "America/Martinique")};
    ASSERT_TRUE(db_.PutStores(stores, kLongAgo).ok());
    std::vector<Product> products;
    for (const char* id : {"OK", "RAISED", "PARTIAL", "STORE", "NEW", "CAP"}) {
      products.push_back(MakeProduct(id, false));
    }
    products.push_back(MakeProduct("FRESH", true));
    ASSERT_TRUE(db_.PutProducts(products, kLongAgo).ok());
    const std::vector<Price> prices = {
        {"OK", PriceLevel::kNational, "", E(349), kLongAgo},
        {"RAISED", PriceLevel::kNational, "", E(100), kLongAgo},
        {"RAISED", PriceLevel::kNational, "", E(150), kRaised},
        {"FRESH", PriceLevel::kNational, "", E(100), kLongAgo},
        {"FRESH", PriceLevel::kNational, "", E(150), kRaised},
        {"PARTIAL", PriceLevel::kZone, "Z1", E(250), kLongAgo},
        {"STORE", PriceLevel::kNational, "", E(200), kLongAgo},
        {"STORE", PriceLevel::kStore, "S4", E(160), kLongAgo},
        {"STORE", PriceLevel::kStore, "S4", E(240), kRaised},
        {"NEW", PriceLevel::kNational, "", E(300), kParisStart},
        {"CAP", PriceLevel::kNational, "", E(349), kLongAgo},
    };
    ASSERT_TRUE(db_.PutPrices(prices).ok());

    Campaign campaign;
    campaign.name = "Noël";
    campaign.start_local = Local(std::chrono::year(2026) / 12 / 2);
    campaign.end_local = Local(std::chrono::year(2026) / 12 / 9);
    campaign.channels = {"meta", "google"};
    campaign.status = CampaignStatus::kApproved;
    auto created = db_.CreateCampaign(campaign, kNow);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    campaign_ = *created;
    AddPromotion("OK", PercentOff{20});
    AddPromotion("RAISED", AmountOff{E(30)});
    AddPromotion("FRESH", PercentOff{20});
    AddPromotion("PARTIAL", PercentOff{10});
    AddPromotion("STORE", FixedPrice{E(180)});
    AddPromotion("NEW", PercentOff{10});
    AddPromotion("CAP", PercentOff{40});
  }

  static Store MakeStore(std::string id, std::string zone, std::string timezone = "Europe/Paris") {
    Store store;
    store.id = std::move(id);
    store.name = "Magasin " + store.id;
    store.banner = "Market";
    store.city = "Lyon";
    store.postal_code = "69001";
    store.price_zone = std::move(zone);
    store.timezone = std::move(timezone);
    return store;
  }

  static Product MakeProduct(std::string id, bool perishable) {
    Product product;
    product.id = std::move(id);
    product.title = "Article " + product.id;
    product.brand = "Maison";
    product.category = "Épicerie > Café";
    product.net_quantity = *Quantity::Parse("250 g");
    product.perishable = perishable;
    return product;
  }

  void AddPromotion(const std::string& product, Mechanic mechanic) {
    Promotion promotion;
    promotion.campaign_id = campaign_.id;
    promotion.selector.product_ids = {product};
    promotion.mechanic = std::move(mechanic);
    auto created = db_.CreatePromotion(promotion);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    promotion_of_[product] = created->id;
  }

  // Approval's verdicts on `product`: the matching skip reason → the stores it concerns, by
  // id when the finding names one store, else as many "?" as it counts.
  std::map<std::string, std::multiset<std::string>> ApprovalVerdicts(const CampaignChecks& checks,
                                                                     const std::string& product) {
    std::map<std::string, std::multiset<std::string>> out;
    for (const Finding& f : checks.findings) {
      if (f.product_id != product || f.severity != Severity::kBlocking) continue;
      auto reason = kSkipReasonOf.find(f.code);
      if (reason == kSkipReasonOf.end()) continue;
      EXPECT_EQ(f.promotion_id, promotion_of_[product]) << f.message;
      if (f.store_id) {
        EXPECT_EQ(f.stores, 1) << f.message;
        out[reason->second].insert(*f.store_id);
        continue;
      }
      EXPECT_GT(f.stores, 1) << f.message;
      for (int i = 0; i < f.stores; ++i) out[reason->second].insert("?");
    }
    return out;
  }

  // Assembly's verdicts on `product` in every store: skip reason → stores, published ones
  // under "published".
  std::map<std::string, std::set<std::string>> AssemblyVerdicts(Assembler& assembler,
                                                                const std::string& product) {
    std::map<std::string, std::set<std::string>> out;
    const std::string& promotion = promotion_of_[product];
    for (const std::string& store : kStores) {
      auto explained = assembler.Explain(promotion + "~" + product, store);
      EXPECT_TRUE(explained.ok()) << explained.status().ToString();
      if (!explained.ok()) continue;
      bool found = false;
      for (const nlohmann::json& c : (*explained)["candidates"]) {
        if (c["promotion_id"] != promotion) continue;
        found = true;
        const std::string outcome = c["outcome"];
        EXPECT_TRUE(outcome == "published" || outcome == "skipped") << outcome;
        out[outcome == "published" ? "published" : c.value("reason_code", "?")].insert(store);
        // What Explain says is what was written.
        EXPECT_EQ(outcome == "published", !(*explained)["published"].is_null()) << store;
      }
      EXPECT_TRUE(found) << promotion << " in " << store;
    }
    return out;
  }

  // Checks that approval and assembly agree on `product`, and returns assembly's verdicts.
  std::map<std::string, std::set<std::string>> ExpectAgreement(const CampaignChecks& checks,
                                                               Assembler& assembler,
                                                               const std::string& product) {
    SCOPED_TRACE(product);
    const auto approval = ApprovalVerdicts(checks, product);
    auto assembly = AssemblyVerdicts(assembler, product);
    for (const auto& [reason, stores] : assembly) {
      if (reason == "published") continue;
      auto found = approval.find(reason);
      EXPECT_NE(found, approval.end()) << "assembly skips for " << reason << " in " << stores.size()
                                       << " stores; approval does not block";
      if (found == approval.end()) continue;
      EXPECT_EQ(found->second.size(), stores.size()) << reason;
      for (const std::string& store : found->second) {
        if (store != "?") {
          EXPECT_TRUE(stores.contains(store)) << reason << " in " << store;
        }
      }
    }
    for (const auto& [reason, stores] : approval) {
      EXPECT_TRUE(assembly.contains(reason))
          << "approval blocks for " << reason << " in " << stores.size()
          << " stores; assembly publishes there";
    }
    return assembly;
  }

  MemoryDatabase db_;
  ManualClock clock_{kNow};
  Campaign campaign_;
  std::map<std::string, std::string> promotion_of_;  // product id → promotion id
};

TEST_F(RulesAgreementTest, ApprovalBlocksExactlyWhatAssemblySkips) {
  const ComplianceRules rules;  // the 34 % cap, at approval and assembly alike
  auto checks = CheckCampaign(db_, db_, campaign_, rules, kNow);
  ASSERT_TRUE(checks.ok()) << checks.status().ToString();
  AssemblyOptions options;
  options.clock = &clock_;
  options.compliance = rules;
  Assembler assembler(db_, db_, db_, options);
  auto report = assembler.AssembleAll();
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  using Stores = std::set<std::string>;
  const Stores all(kStores.begin(), kStores.end());
  // Each case lands where it is meant to, so the agreement below is not vacuous.
  EXPECT_THAT(ExpectAgreement(*checks, assembler, "OK"), ElementsAre(Pair("published", all)));
  EXPECT_THAT(ExpectAgreement(*checks, assembler, "RAISED"),
              ElementsAre(Pair("reduction_not_supported", all)));
  EXPECT_THAT(ExpectAgreement(*checks, assembler, "FRESH"), ElementsAre(Pair("published", all)));
  EXPECT_THAT(ExpectAgreement(*checks, assembler, "PARTIAL"),
              UnorderedElementsAre(Pair("published", Stores{"S1", "S2"}),
                                   Pair("no_price_in_store", Stores{"S3", "S4", "S5"})));
  EXPECT_THAT(ExpectAgreement(*checks, assembler, "STORE"),
              UnorderedElementsAre(Pair("published", Stores{"S1", "S2", "S3", "S5"}),
                                   Pair("reduction_not_supported", Stores{"S4"})));
  EXPECT_THAT(ExpectAgreement(*checks, assembler, "NEW"),
              UnorderedElementsAre(Pair("published", Stores{"S5"}),
                                   Pair("no_reference_price", Stores{"S1", "S2", "S3", "S4"})));
  EXPECT_THAT(ExpectAgreement(*checks, assembler, "CAP"),
              ElementsAre(Pair("promotion_cap_exceeded", all)));
}

}  // namespace
}  // namespace vitrine
