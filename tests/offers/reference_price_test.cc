#include "offers/reference_price.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "catalog/store.h"

namespace vitrine {
namespace {

using ::testing::HasSubstr;

Instant At(const char* text) { return *ParseInstant(text); }
Money E(int64_t cents) { return Money::Euros(cents); }

AppliedPrice Span(const char* from, const char* until, int64_t cents) {
  return AppliedPrice{At(from), until ? At(until) : Instant::max(), E(cents),
                      PriceLevel::kNational};
}

Product Chocolate() {
  Product p;
  p.id = "SKU-CHOC";
  p.title = "Tablette chocolat noir 200 g";
  return p;
}

const Instant kStart = *ParseInstant("2026-12-02T00:00:00Z");  // window from 2026-11-02

TEST(ReferencePriceTest, LowestPriceInThe30DaysBefore) {
  const std::vector<AppliedPrice> timeline = {
      Span("2026-09-01T00:00:00Z", "2026-11-05T00:00:00Z", 349),
      Span("2026-11-05T00:00:00Z", "2026-11-10T00:00:00Z", 299),
      Span("2026-11-10T00:00:00Z", nullptr, 349),
  };
  auto ref = ComputeReferencePrice(timeline, Chocolate(), kStart);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_FALSE(ref->exempt);
  EXPECT_EQ(ref->amount, E(299));
  EXPECT_EQ(ref->applied_from, At("2026-11-05T00:00:00Z"));
  EXPECT_EQ(ref->window.begin, At("2026-11-02T00:00:00Z"));
  EXPECT_EQ(ref->window.end, kStart);
  EXPECT_FALSE(ref->short_history);
}

TEST(ReferencePriceTest, PricesOutsideTheWindowDoNotCount) {
  const std::vector<AppliedPrice> timeline = {
      Span("2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z", 349),
      // Ends exactly where the window begins: applied 31 days before, not within 30.
      Span("2026-10-01T00:00:00Z", "2026-11-02T00:00:00Z", 199),
      Span("2026-11-02T00:00:00Z", "2026-12-02T00:00:00Z", 349),
      // Starts with the reduction: not "before" it.
      Span("2026-12-02T00:00:00Z", nullptr, 149),
  };
  auto ref = ComputeReferencePrice(timeline, Chocolate(), kStart);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->amount, E(349));
}

TEST(ReferencePriceTest, ASpanStraddlingTheWindowStartCounts) {
  const std::vector<AppliedPrice> timeline = {
      Span("2026-10-01T00:00:00Z", "2026-11-02T00:00:01Z", 199),
      Span("2026-11-02T00:00:01Z", nullptr, 349),
  };
  auto ref = ComputeReferencePrice(timeline, Chocolate(), kStart);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->amount, E(199));
}

TEST(ReferencePriceTest, APriceRiseInsideTheWindowKeepsTheLowerPrice) {
  // 2,99 € until 20 November, then 3,49 €: "-30 %" from 3,49 € (2,44 €) is only -18 % from
  // the reference 2,99 €, and the law judges it against the reference.
  const std::vector<AppliedPrice> timeline = {
      Span("2026-09-01T00:00:00Z", "2026-11-20T00:00:00Z", 299),
      Span("2026-11-20T00:00:00Z", nullptr, 349),
  };
  auto ref = ComputeReferencePrice(timeline, Chocolate(), kStart);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->amount, E(299));

  auto price = ComputePrice(PercentOff{30}, E(349));
  ASSERT_TRUE(price.ok());
  const Status claim = CheckAnnouncedReduction(*ref, PercentOff{30}, *price);
  EXPECT_EQ(claim.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(claim.message(), HasSubstr("announced -30%"));
  EXPECT_THAT(claim.message(), HasSubstr("at most -18%"));
  EXPECT_THAT(claim.message(), HasSubstr("2,99"));
  EXPECT_TRUE(CheckAnnouncedPercent(*ref, 18, price->shelf_price).ok());
  EXPECT_FALSE(CheckAnnouncedPercent(*ref, 19, price->shelf_price).ok());
}

TEST(ReferencePriceTest, SuccessiveReductionsKeepThePriceBeforeTheFirst) {
  // A 2,79 € week in late October; the first promotion of the chain starts on 25 November,
  // this one on 2 December. Anchored on 2 December the window would miss 2,79 €.
  const std::vector<AppliedPrice> timeline = {
      Span("2026-09-01T00:00:00Z", "2026-10-28T00:00:00Z", 349),
      Span("2026-10-28T00:00:00Z", "2026-11-01T00:00:00Z", 279),
      Span("2026-11-01T00:00:00Z", nullptr, 349),
  };
  auto alone = ComputeReferencePrice(timeline, Chocolate(), kStart);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->amount, E(349));

  auto chained = ComputeReferencePrice(timeline, Chocolate(), kStart, At("2026-11-25T00:00:00Z"));
  ASSERT_TRUE(chained.ok());
  EXPECT_EQ(chained->amount, E(279));
  EXPECT_EQ(chained->chain_start, At("2026-11-25T00:00:00Z"));
  EXPECT_EQ(chained->window.begin, At("2026-10-26T00:00:00Z"));

  auto backwards = ComputeReferencePrice(timeline, Chocolate(), kStart, At("2026-12-03T00:00:00Z"));
  ASSERT_FALSE(backwards.ok());
  EXPECT_EQ(backwards.status().code(), StatusCode::kInvalidArgument);
}

TEST(ReferencePriceTest, PerishablesAreExempt) {
  Product salad = Chocolate();
  salad.id = "SKU-SALADE";
  salad.perishable = true;
  auto ref = ComputeReferencePrice({}, salad, kStart);  // no history needed
  ASSERT_TRUE(ref.ok());
  EXPECT_TRUE(ref->exempt);
  EXPECT_FALSE(ref->amount.has_value());
  auto price = ComputePrice(PercentOff{50}, E(199));
  ASSERT_TRUE(price.ok());
  EXPECT_TRUE(CheckAnnouncedReduction(*ref, PercentOff{50}, *price).ok());
  EXPECT_TRUE(CheckAnnouncedPercent(*ref, 90, E(199)).ok());
}

TEST(ReferencePriceTest, ShortHistoryIsFlagged) {
  const std::vector<AppliedPrice> timeline = {Span("2026-11-20T00:00:00Z", nullptr, 349)};
  auto ref = ComputeReferencePrice(timeline, Chocolate(), kStart);
  ASSERT_TRUE(ref.ok());
  EXPECT_TRUE(ref->short_history);
  EXPECT_EQ(ref->amount, E(349));

  // Exactly 30 days of history is enough.
  const std::vector<AppliedPrice> full = {Span("2026-11-02T00:00:00Z", nullptr, 349)};
  auto enough = ComputeReferencePrice(full, Chocolate(), kStart);
  ASSERT_TRUE(enough.ok());
  EXPECT_FALSE(enough->short_history);
}

TEST(ReferencePriceTest, NoPriceBeforeTheReduction) {
  const std::vector<AppliedPrice> timeline = {Span("2026-12-05T00:00:00Z", nullptr, 349)};
  auto ref = ComputeReferencePrice(timeline, Chocolate(), kStart);
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(ref.status().message(), HasSubstr("SKU-CHOC"));
}

TEST(ReferencePriceTest, FromTheCatalogTimelineOfOneStore) {
  Store lyon;
  lyon.id = "S001";
  lyon.price_zone = "SUD-EST";
  const std::vector<Price> history = {
      {"SKU-CHOC", PriceLevel::kNational, "", E(349), At("2026-09-01T00:00:00Z")},
      {"SKU-CHOC", PriceLevel::kZone, "SUD-EST", E(319), At("2026-11-10T00:00:00Z")},
      {"SKU-CHOC", PriceLevel::kZone, "SUD-EST", E(339), At("2026-11-15T00:00:00Z")},
      {"SKU-CHOC", PriceLevel::kZone, "IDF", E(199), At("2026-11-12T00:00:00Z")},  // elsewhere
  };
  const auto timeline = AppliedPriceTimeline(history, lyon);
  auto ref = ComputeReferencePrice(timeline, Chocolate(), kStart);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->amount, E(319));
  EXPECT_EQ(ref->applied_from, At("2026-11-10T00:00:00Z"));
}

TEST(AnnouncedPercentTest, SupportedPercentAgainstTheReference) {
  struct Case {
    int64_t reference;
    int64_t price;
    int want;
  };
  const Case cases[] = {
      {349, 244, 30},                 // FORMATS.md's -30%: 2,443 rounds to 2,44
      {299, 244, 18},                 // the same shelf price against a lower reference
      {347, 243, 30},                 // 2,429 rounds to 2,43: the rounded -30% is still -30%
      {347, 244, 29},                 // one cent more is not
      {100, 66, 34},  {100, 100, 0},  // no reduction
      {100, 120, 0},                  // a price rise
      {100, 0, 100},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(SupportedPercent(E(c.reference), E(c.price)), c.want)
        << c.price << " against " << c.reference;
  }
  EXPECT_NEAR(ReductionFraction(E(349), E(244)), 0.30086, 1e-5);
  EXPECT_NEAR(ReductionFraction(E(299), E(244)), 0.18395, 1e-5);
}

TEST(AnnouncedPercentTest, ThePercentOffMechanicOnTheReferenceAlwaysPasses) {
  // Whatever the rounding, "-x %" priced on the reference price is supported by it.
  ReferencePrice ref;
  for (int64_t reference : {1, 7, 99, 249, 347, 349, 1999}) {
    ref.amount = E(reference);
    for (int percent = 1; percent <= 99; ++percent) {
      auto price = ComputePrice(PercentOff{percent}, E(reference));
      if (!price.ok()) continue;  // rounds to nothing on a few-cent price
      EXPECT_TRUE(CheckAnnouncedReduction(ref, PercentOff{percent}, *price).ok())
          << percent << "% of " << reference;
    }
  }
}

TEST(AnnouncedReductionTest, AmountAndFixedPriceClaims) {
  ReferencePrice ref;
  ref.chain_start = kStart;
  ref.amount = E(329);  // regular 3,49 €, lowest in 30 days 3,29 €
  auto minus_one = ComputePrice(AmountOff{E(100)}, E(349));  // 2,49 €: 0,80 € below 3,29 €
  ASSERT_TRUE(minus_one.ok());
  const Status amount = CheckAnnouncedReduction(ref, AmountOff{E(100)}, *minus_one);
  EXPECT_EQ(amount.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(amount.message(), HasSubstr("0,80"));
  auto minus_eighty = ComputePrice(AmountOff{E(80)}, E(329));
  ASSERT_TRUE(minus_eighty.ok());
  EXPECT_TRUE(CheckAnnouncedReduction(ref, AmountOff{E(80)}, *minus_eighty).ok());

  auto fixed_at_ref = ComputePrice(FixedPrice{E(329)}, E(349));
  ASSERT_TRUE(fixed_at_ref.ok());
  EXPECT_EQ(CheckAnnouncedReduction(ref, FixedPrice{E(329)}, *fixed_at_ref).code(),
            StatusCode::kInvalidArgument);
  auto fixed_below = ComputePrice(FixedPrice{E(299)}, E(349));
  ASSERT_TRUE(fixed_below.ok());
  EXPECT_TRUE(CheckAnnouncedReduction(ref, FixedPrice{E(299)}, *fixed_below).ok());

  // Quantity offers and credits announce no reduction against a former price.
  ref.amount = E(100);
  auto multibuy = ComputePrice(Multibuy{3, 2}, E(349));
  ASSERT_TRUE(multibuy.ok());
  EXPECT_TRUE(CheckAnnouncedReduction(ref, Multibuy{3, 2}, *multibuy).ok());

  // Without an amount and not exempt there is nothing to check against.
  ReferencePrice empty;
  EXPECT_EQ(CheckAnnouncedPercent(empty, 10, E(100)).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vitrine
