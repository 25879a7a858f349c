#include "catalog/price.h"

#include <gtest/gtest.h>

#include "catalog/store.h"

namespace vitrine {
namespace {

Instant At(const char* text) { return *ParseInstant(text); }

Price Entry(PriceLevel level, std::string level_id, int64_t cents, const char* from) {
  return Price{"P1", level, std::move(level_id), Money::Euros(cents), At(from)};
}

Store LyonStore() {
  Store s;
  s.id = "S001";
  s.name = "Vitrine Lyon";
  s.price_zone = "SUD-EST";
  return s;
}

TEST(PriceTimelineTest, MostSpecificLevelWins) {
  const std::vector<Price> history = {
      Entry(PriceLevel::kNational, "", 249, "2026-09-01T00:00:00Z"),
      Entry(PriceLevel::kZone, "SUD-EST", 259, "2026-10-01T00:00:00Z"),
      Entry(PriceLevel::kStore, "S001", 239, "2026-11-01T00:00:00Z"),
      Entry(PriceLevel::kNational, "", 199, "2026-11-10T00:00:00Z"),
      Entry(PriceLevel::kZone, "IDF", 999, "2026-09-15T00:00:00Z"),  // another zone
      Entry(PriceLevel::kStore, "S002", 1, "2026-09-15T00:00:00Z"),  // another store
  };
  const auto timeline = AppliedPriceTimeline(history, LyonStore());
  ASSERT_EQ(timeline.size(), 3u);
  EXPECT_EQ(timeline[0].amount, Money::Euros(249));
  EXPECT_EQ(timeline[0].level, PriceLevel::kNational);
  EXPECT_EQ(timeline[0].until, At("2026-10-01T00:00:00Z"));
  EXPECT_EQ(timeline[1].amount, Money::Euros(259));
  EXPECT_EQ(timeline[1].level, PriceLevel::kZone);
  // The national cut of 2026-11-10 does not reach a store that has its own price.
  EXPECT_EQ(timeline[2].amount, Money::Euros(239));
  EXPECT_EQ(timeline[2].from, At("2026-11-01T00:00:00Z"));
  EXPECT_EQ(timeline[2].until, Instant::max());
}

TEST(PriceTimelineTest, PriceAtFindsTheEntryInForce) {
  const std::vector<Price> history = {
      Entry(PriceLevel::kNational, "", 300, "2026-09-01T00:00:00Z"),
      Entry(PriceLevel::kNational, "", 280, "2026-09-20T00:00:00Z"),
  };
  EXPECT_FALSE(PriceAt(history, LyonStore(), At("2026-08-31T23:59:59Z")).has_value());
  EXPECT_EQ(PriceAt(history, LyonStore(), At("2026-09-19T00:00:00Z"))->amount, Money::Euros(300));
  EXPECT_EQ(PriceAt(history, LyonStore(), At("2026-09-20T00:00:00Z"))->amount, Money::Euros(280));
}

TEST(PriceTimelineTest, MergesRepeatedAmounts) {
  const std::vector<Price> history = {
      Entry(PriceLevel::kNational, "", 300, "2026-09-01T00:00:00Z"),
      Entry(PriceLevel::kNational, "", 300, "2026-09-10T00:00:00Z"),
  };
  EXPECT_EQ(AppliedPriceTimeline(history, LyonStore()).size(), 1u);
}

TEST(PriceValidationTest, ReportsEachBadField) {
  Price p = Entry(PriceLevel::kZone, "", -5, "2026-09-01T00:00:00Z");
  p.product_id = "../etc";
  const auto errors = Validate(p);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "product_id");
  EXPECT_EQ(errors[1].field, "level_id");
  EXPECT_EQ(errors[2].field, "price");
  EXPECT_TRUE(Validate(Entry(PriceLevel::kNational, "", 1, "2026-09-01T00:00:00Z")).empty());
}

TEST(PriceLevelTest, NamesRoundTrip) {
  for (PriceLevel level : {PriceLevel::kNational, PriceLevel::kZone, PriceLevel::kStore}) {
    EXPECT_EQ(ParsePriceLevel(PriceLevelName(level)), level);
  }
  EXPECT_FALSE(ParsePriceLevel("regional").has_value());
}

}  // namespace
}  // namespace vitrine
