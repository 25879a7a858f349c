#include "offers/compliance.h"
#include "offers/regulated_mentions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace vitrine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Money E(int64_t cents) { return Money::Euros(cents); }

Product Grocery(const char* category = "Épicerie > Café") {
  Product p;
  p.id = "SKU-CAFE";
  p.title = "Café moulu 250 g";
  p.category = category;
  return p;
}

OfferPrice Priced(const Mechanic& m, int64_t regular,
                  const std::optional<Mechanic>& loyalty = std::nullopt) {
  auto price = ComputePrice(m, E(regular), loyalty);
  EXPECT_TRUE(price.ok()) << price.status().ToString();
  return *price;
}

struct CapCase {
  const char* name;
  Mechanic mechanic;
  std::optional<Mechanic> loyalty;
  int64_t regular;
  bool exceeds;
};

TEST(AdvantageCapTest, ThirtyFourPercentExactlyPassesJustAboveDoesNot) {
  const ComplianceRules rules;
  const CapCase cases[] = {
      {"-34% on 1,00: exactly 34 %", PercentOff{34}, std::nullopt, 100, false},
      {"-35% on 1,00", PercentOff{35}, std::nullopt, 100, true},
      {"-0,34 on 1,00", AmountOff{E(34)}, std::nullopt, 100, false},
      {"-3,41 on 10,00: 34,1 %", AmountOff{E(341)}, std::nullopt, 1000, true},
      {"-3,40 on 10,00", AmountOff{E(340)}, std::nullopt, 1000, false},
      // 34 % of 3,49 is 1,1866 €; -34% rounds the shelf price to 2,30 €, an advantage of
      // 1,19 €: the rounding alone crosses the cap.
      {"-34% on 3,49 rounds above", PercentOff{34}, std::nullopt, 349, true},
      {"3 for 2: 33,3 %", Multibuy{3, 2}, std::nullopt, 300, false},
      {"2 for 1: 50 %", Multibuy{2, 1}, std::nullopt, 300, true},
      {"2nd at -68%: 34 % exactly", NthItemPercentOff{2, 68}, std::nullopt, 1000, false},
      {"2nd at -70%: 35 %", NthItemPercentOff{2, 70}, std::nullopt, 1000, true},
      // Immediate and loyalty credit add up.
      {"-25% then 12%: 34 % exactly", PercentOff{25}, LoyaltyCredit{12}, 1000, false},
      {"-20% then 20%: 36 %", PercentOff{20}, LoyaltyCredit{20}, 1000, true},
      {"-20% then 17%: 33,6 %", PercentOff{20}, LoyaltyCredit{17}, 1000, false},
      {"35% on the card", LoyaltyCredit{35}, std::nullopt, 1000, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const OfferPrice price = Priced(c.mechanic, c.regular, c.loyalty);
    const auto authoring = CheckAdvantageCap(rules, Grocery(), price, CheckStage::kAuthoring);
    const auto approval = CheckAdvantageCap(rules, Grocery(), price, CheckStage::kApproval, "S001");
    EXPECT_EQ(authoring.has_value(), c.exceeds);
    EXPECT_EQ(approval.has_value(), c.exceeds);
    if (c.exceeds && authoring && approval) {
      EXPECT_EQ(authoring->severity, Severity::kWarning);
      EXPECT_EQ(approval->severity, Severity::kBlocking);
      EXPECT_EQ(approval->code, "promotion_cap_exceeded");
      EXPECT_EQ(approval->product_id, "SKU-CAFE");
      EXPECT_EQ(approval->store_id, "S001");
      EXPECT_FALSE(authoring->store_id.has_value());
    }
  }
}

TEST(AdvantageCapTest, MessageNamesTheCapAndTheAllowedAdvantage) {
  const auto finding = CheckAdvantageCap(ComplianceRules{}, Grocery(), Priced(PercentOff{35}, 1000),
                                         CheckStage::kApproval);
  ASSERT_TRUE(finding.has_value());
  EXPECT_THAT(finding->message, HasSubstr("€3.50 (35.00% of €10.00)"));
  EXPECT_THAT(finding->message, HasSubstr("34.00% cap (at most €3.40, a net price of at least "
                                          "€6.60 a unit)"));
  EXPECT_THAT(finding->message_fr, HasSubstr("3,50\u00A0€ (35,00\u00A0% de 10,00\u00A0€)"));
  EXPECT_THAT(finding->message_fr, HasSubstr("plafond de 34,00\u00A0% (au plus 3,40\u00A0€, soit "
                                             "un prix net d'au moins 6,60\u00A0€ l'unité)"));
  ASSERT_TRUE(finding->fix.has_value());
  EXPECT_EQ(finding->fix->min_price, Money::Euros(660));
}

TEST(AdvantageCapTest, TheLowestPriceWithinTheCapIsRoundedSoItPasses) {
  // 34 % of 3,49 € is 1,1866 €: 1,19 € off would be over, so the lowest price is 2,31 €.
  EXPECT_EQ(CapMinimumPrice(ComplianceRules{}, Grocery(), Money::Euros(349)), Money::Euros(231));
  EXPECT_FALSE(CheckAdvantageCap(ComplianceRules{}, Grocery(),
                                 Priced(FixedPrice{Money::Euros(231)}, 349),
                                 CheckStage::kApproval));
  EXPECT_TRUE(CheckAdvantageCap(ComplianceRules{}, Grocery(),
                                Priced(FixedPrice{Money::Euros(230)}, 349), CheckStage::kApproval));
}

TEST(AdvantageCapTest, CapsByCategoryPrefix) {
  ComplianceRules rules;
  rules.cap_by_category = {{"Épicerie", 0.30}, {"Épicerie > Chocolat", 0.25}, {"Hygiène", 1.0}};
  EXPECT_DOUBLE_EQ(CapFor(rules, "Épicerie > Chocolat > Noir"), 0.25);  // the longest wins
  EXPECT_DOUBLE_EQ(CapFor(rules, "Épicerie > Café"), 0.30);
  EXPECT_DOUBLE_EQ(CapFor(rules, "Épicerie"), 0.30);
  EXPECT_DOUBLE_EQ(CapFor(rules, "Épicerie fine"), 0.34);  // whole segments only
  EXPECT_DOUBLE_EQ(CapFor(rules, "Boissons > Eaux"), 0.34);
  EXPECT_DOUBLE_EQ(CapFor(rules, ""), 0.34);

  const OfferPrice minus_30 = Priced(PercentOff{30}, 1000);
  EXPECT_FALSE(CheckAdvantageCap(rules, Grocery("Épicerie > Café"), minus_30, CheckStage::kApproval)
                   .has_value());
  EXPECT_TRUE(
      CheckAdvantageCap(rules, Grocery("Épicerie > Chocolat"), minus_30, CheckStage::kApproval)
          .has_value());
  // A cap of 1.0 lifts the rule: even -50 % passes on non-food.
  EXPECT_FALSE(CheckAdvantageCap(rules, Grocery("Hygiène > Savons"), Priced(PercentOff{50}, 1000),
                                 CheckStage::kApproval)
                   .has_value());
}

TEST(ProductDataTest, FindingsForWhatIsMissing) {
  Product complete = Grocery();
  complete.gtin = *Gtin::Parse("3017620422003");
  complete.net_quantity = *Quantity::Parse("250 g");
  complete.image_url = "https://img.example/cafe.jpg";
  EXPECT_THAT(CheckProductData(complete), IsEmpty());

  const Product bare = Grocery();
  std::vector<std::string> codes;
  std::vector<Severity> severities;
  for (const Finding& f : CheckProductData(bare)) {
    codes.push_back(f.code);
    severities.push_back(f.severity);
    EXPECT_EQ(f.product_id, "SKU-CAFE");
  }
  EXPECT_THAT(codes, ElementsAre("missing_net_quantity", "missing_gtin", "missing_image"));
  EXPECT_THAT(severities, ElementsAre(Severity::kBlocking, Severity::kWarning, Severity::kWarning));

  Product weighed = complete;
  const std::string body = "200000000000";
  weighed.gtin = *Gtin::Parse(body + std::to_string(Gtin::CheckDigit(body)));
  const auto findings = CheckProductData(weighed);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].code, "in_store_gtin");
  EXPECT_EQ(findings[0].severity, Severity::kInfo);
  EXPECT_EQ(SeverityName(findings[0].severity), "info");
}

OverlapCandidate Candidate(const char* id, int priority, bool exclusive, Mechanic m,
                           int64_t regular = 300) {
  return OverlapCandidate{id, priority, exclusive, m, Priced(m, regular)};
}

std::vector<std::string> LoserIds(const OverlapResolution& r) {
  std::vector<std::string> ids;
  for (const OverlapLoss& l : r.losers) ids.push_back(l.promotion_id);
  return ids;
}

TEST(ResolveOverlapTest, HighestPriorityWinsFirst) {
  const std::vector<OverlapCandidate> c = {
      Candidate("P-A", 1, true, PercentOff{50}),   // best price and exclusive, low priority
      Candidate("P-B", 5, false, PercentOff{10}),  // highest priority
  };
  const auto r = ResolveOverlap(c);
  EXPECT_EQ(r.immediate, 1u);
  EXPECT_FALSE(r.loyalty.has_value());
  ASSERT_EQ(r.losers.size(), 1u);
  EXPECT_EQ(r.losers[0].promotion_id, "P-A");
  EXPECT_EQ(r.losers[0].reason, "priority 1 is below P-B's 5");
}

TEST(ResolveOverlapTest, ThenAnExclusiveOne) {
  const std::vector<OverlapCandidate> c = {
      Candidate("P-A", 5, false, PercentOff{50}),
      Candidate("P-B", 5, true, PercentOff{10}),
  };
  const auto r = ResolveOverlap(c);
  EXPECT_EQ(r.immediate, 1u);
  ASSERT_EQ(r.losers.size(), 1u);
  EXPECT_EQ(r.losers[0].reason, "same priority 5 and P-B is exclusive");
}

TEST(ResolveOverlapTest, ThenTheBestPriceForTheCustomer) {
  const std::vector<OverlapCandidate> c = {
      Candidate("P-A", 5, false, PercentOff{30}),          // 2,10 €
      Candidate("P-B", 5, false, Multibuy{3, 2}),          // 2,00 € a unit
      Candidate("P-C", 5, false, BundlePrice{2, E(500)}),  // 2,50 €
  };
  const auto r = ResolveOverlap(c);
  EXPECT_EQ(r.immediate, 1u);
  EXPECT_THAT(LoserIds(r), ElementsAre("P-A", "P-C"));
  EXPECT_EQ(r.losers[0].reason,
            "same priority and exclusivity, and its effective unit price 2,10\u00A0€ is above "
            "P-B's 2,00\u00A0€");
}

TEST(ResolveOverlapTest, ThenThePromotionIdAndNeverTheInputOrder) {
  std::vector<OverlapCandidate> c = {
      Candidate("P-2", 5, false, PercentOff{30}),
      Candidate("P-1", 5, false, AmountOff{E(90)}),  // the same 2,10 €
      Candidate("P-3", 5, false, FixedPrice{E(210)}),
  };
  std::sort(c.begin(), c.end(),
            [](const auto& a, const auto& b) { return a.promotion_id < b.promotion_id; });
  do {
    const auto r = ResolveOverlap(c);
    ASSERT_TRUE(r.immediate.has_value());
    EXPECT_EQ(c[*r.immediate].promotion_id, "P-1");
    EXPECT_EQ(r.losers.size(), 2u);
    for (const OverlapLoss& l : r.losers) {
      EXPECT_THAT(l.reason, HasSubstr("P-1 comes first by promotion id"));
    }
  } while (std::next_permutation(c.begin(), c.end(), [](const auto& a, const auto& b) {
    return a.promotion_id < b.promotion_id;
  }));
}

TEST(ResolveOverlapTest, LoyaltyCreditStacksOnTheImmediateWinner) {
  const std::vector<OverlapCandidate> c = {
      Candidate("P-L1", 1, false, LoyaltyCredit{10}), Candidate("P-I", 3, false, PercentOff{20}),
      Candidate("P-L2", 1, false, LoyaltyCredit{20}),  // the better credit
  };
  const auto r = ResolveOverlap(c);
  EXPECT_EQ(r.immediate, 1u);
  EXPECT_EQ(r.loyalty, 2u);
  EXPECT_THAT(LoserIds(r), ElementsAre("P-L1"));
  // The caller then prices the pair, the credit on the reduced price.
  auto price = ComputePrice(c[*r.immediate].mechanic, E(300), c[*r.loyalty].mechanic);
  ASSERT_TRUE(price.ok());
  EXPECT_EQ(price->effective_unit_price, E(192));  // 2,40 − 0,48
}

TEST(ResolveOverlapTest, AnExclusiveWinnerDoesNotCombine) {
  const std::vector<OverlapCandidate> exclusive_immediate = {
      Candidate("P-I", 3, true, PercentOff{20}),
      Candidate("P-L", 1, false, LoyaltyCredit{10}),
  };
  auto r = ResolveOverlap(exclusive_immediate);
  EXPECT_EQ(r.immediate, 0u);
  EXPECT_FALSE(r.loyalty.has_value());
  ASSERT_EQ(r.losers.size(), 1u);
  EXPECT_EQ(r.losers[0].promotion_id, "P-L");
  EXPECT_THAT(r.losers[0].reason, HasSubstr("P-I is exclusive"));

  // An exclusive loyalty credit of higher priority keeps the card offer alone.
  const std::vector<OverlapCandidate> exclusive_credit = {
      Candidate("P-I", 1, false, PercentOff{20}),
      Candidate("P-L", 4, true, LoyaltyCredit{30}),
  };
  r = ResolveOverlap(exclusive_credit);
  EXPECT_FALSE(r.immediate.has_value());
  EXPECT_EQ(r.loyalty, 1u);
  EXPECT_THAT(LoserIds(r), ElementsAre("P-I"));
  EXPECT_THAT(r.losers[0].reason, HasSubstr("P-L ranks before P-I"));
}

TEST(ResolveOverlapTest, NothingToResolve) {
  const auto r = ResolveOverlap({});
  EXPECT_FALSE(r.immediate.has_value());
  EXPECT_FALSE(r.loyalty.has_value());
  EXPECT_THAT(r.losers, IsEmpty());
}

}  // namespace
}  // namespace vitrine

namespace vitrine {
namespace {

// F3: wine and beer adverts lacked the Loi Évin health warning.
TEST(RegulatedMentionTest, TheDemoRetailersWinesAndBeersCarryTheHealthWarning) {
  const ComplianceRules rules;
  EXPECT_EQ(RegulationFor(rules, "Cave > Vins"), RegulatedCategory::kAlcohol);
  EXPECT_EQ(RegulationFor(rules, "Cave > Vins > Bordeaux"), RegulatedCategory::kAlcohol);
  EXPECT_EQ(RegulationFor(rules, "Boissons > Bières"), RegulatedCategory::kAlcohol);
  EXPECT_EQ(RegulationFor(rules, "Boissons>Spiritueux > Whisky"), RegulatedCategory::kAlcohol);
  EXPECT_EQ(RegulationFor(rules, "Boissons > Sodas"), RegulatedCategory::kNone);
  EXPECT_EQ(RegulationFor(rules, "Boissons"), RegulatedCategory::kNone);
  EXPECT_EQ(RegulationFor(rules, "Caves"), RegulatedCategory::kNone);  // whole segments only
  // A longer prefix exempts its subtree.
  EXPECT_EQ(RegulationFor(rules, "Boissons > Bières > Sans alcool"), RegulatedCategory::kNone);

  EXPECT_EQ(RegulatedMentionFor("Cave > Vins"),
            "L'abus d'alcool est dangereux pour la santé, à consommer avec modération.");
  EXPECT_EQ(RegulatedMentionFor("Cave > Vins", Locale::kEnglish),
            "Alcohol abuse is dangerous for your health. Drink responsibly.");
  EXPECT_EQ(ShortRegulatedMention(RegulatedCategory::kAlcohol),
            "L'abus d'alcool est dangereux pour la santé.");
  EXPECT_EQ(RegulatedMentionFor("Épicerie > Café"), "");
}

TEST(RegulatedMentionTest, TheRegulatedCategoriesAreConfigurable) {
  ComplianceRules rules;
  rules.regulated_by_category["Épicerie > Vinaigres > Vin cuit"] = RegulatedCategory::kAlcohol;
  rules.regulated_by_category["Cave > Vins > Dégustation"] = RegulatedCategory::kNone;
  EXPECT_NE(RegulatedMentionFor("Épicerie > Vinaigres > Vin cuit", Locale::kFrench, &rules), "");
  EXPECT_EQ(RegulatedMentionFor("Cave > Vins > Dégustation", Locale::kFrench, &rules), "");
  EXPECT_EQ(RegulatedMentionFor("Épicerie > Vinaigres > Vin cuit"), "");  // the defaults
}

}  // namespace
}  // namespace vitrine
