#include "common/quantity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace vitrine {
namespace {

struct QuantityCase {
  const char* text;
  Dimension dimension;
  int64_t total_milli_base;
  int pack;
  const char* feed;
};

class QuantityParseTest : public testing::TestWithParam<QuantityCase> {};

TEST_P(QuantityParseTest, ParsesPackagingNotations) {
  const QuantityCase& c = GetParam();
  auto q = Quantity::Parse(c.text);
  ASSERT_TRUE(q.ok()) << c.text << ": " << q.status().ToString();
  EXPECT_EQ(q->dimension(), c.dimension) << c.text;
  EXPECT_EQ(q->total_milli_base(), c.total_milli_base) << c.text;
  EXPECT_EQ(q->pack_count(), c.pack) << c.text;
  EXPECT_EQ(q->ToFeedString(), c.feed) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Notations, QuantityParseTest,
    testing::Values(QuantityCase{"500 g", Dimension::kMass, 500'000, 1, "500g"},
                    QuantityCase{"500g", Dimension::kMass, 500'000, 1, "500g"},
                    QuantityCase{"1kg", Dimension::kMass, 1'000'000, 1, "1kg"},
                    QuantityCase{"1,5 L", Dimension::kVolume, 1'500'000, 1, "1.5l"},
                    QuantityCase{"1.5l", Dimension::kVolume, 1'500'000, 1, "1.5l"},
                    QuantityCase{"75cl", Dimension::kVolume, 750'000, 1, "75cl"},
                    QuantityCase{"6 x 33 cl", Dimension::kVolume, 1'980'000, 6, "198cl"},
                    QuantityCase{"6x33cl", Dimension::kVolume, 1'980'000, 6, "198cl"},
                    QuantityCase{"4 \u00D7 125 g", Dimension::kMass, 500'000, 4, "500g"},
                    QuantityCase{"33 cl x 6", Dimension::kVolume, 1'980'000, 6, "198cl"},
                    QuantityCase{"250 mg", Dimension::kMass, 250, 1, "250mg"},
                    QuantityCase{"12 pièces", Dimension::kCount, 12'000, 1, "12ct"},
                    QuantityCase{"1 Litre", Dimension::kVolume, 1'000'000, 1, "1l"}));

TEST(QuantityTest, SixCansMakeOnePointNineEightLitres) {
  auto q = Quantity::Parse("6 x 33 cl");
  ASSERT_TRUE(q.ok());
  EXPECT_DOUBLE_EQ(q->In(Unit::kLitre), 1.98);
  EXPECT_EQ(q->ToDisplayString(), "6 x 33 cl");
}

TEST(QuantityTest, UnitPricingBaseFollowsTheDimension) {
  EXPECT_EQ(Quantity::Parse("500 g")->UnitPricingBase().ToFeedString(), "1kg");
  EXPECT_EQ(Quantity::Parse("75cl")->UnitPricingBase().ToFeedString(), "1l");
  EXPECT_EQ(Quantity::Parse("12 pièces")->UnitPricingBase().ToFeedString(), "1ct");
}

TEST(QuantityTest, DisplaysInFrench) {
  EXPECT_EQ(Quantity::Parse("1.5l")->ToDisplayString(), "1,5 l");
  EXPECT_EQ(Quantity::Parse("500g")->ToDisplayString(), "500 g");
}

TEST(QuantityTest, RejectsNonsense) {
  for (const char* bad : {"", "g", "500", "500 furlongs", "1,5 x 33 cl", "0 g", "6 x", "x 33cl",
                          "1.0001 kg", "500 g de sucre"}) {
    auto q = Quantity::Parse(bad);
    EXPECT_FALSE(q.ok()) << "\"" << bad << "\" parsed";
  }
}

// A hostile import row once parsed as 176 million litres x 80, whose feed string then
// overflowed int64 (undefined behaviour, then std::length_error ending the process).
TEST(QuantityTest, RefusesAmountsOverTheLimitAndNamesIt) {
  for (const char* huge :
       {"00176204222,425l x 80", "00176204222,425l x 80\f", "1000001 g", "1001 kg", "1000,001 l",
        "1000001 pièces", "2 x 600 kg", "600 kg x 2", "10001 x 1 g"}) {
    auto q = Quantity::Parse(huge);
    ASSERT_FALSE(q.ok()) << "\"" << huge << "\" parsed as " << q->ToFeedString();
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(q.status().message(), ::testing::HasSubstr("limit")) << huge;
  }
  EXPECT_THAT(Quantity::Parse("1001 kg").status().message(), ::testing::HasSubstr("1000000"));
  EXPECT_THAT(Quantity::Parse("10001 x 1 g").status().message(), ::testing::HasSubstr("10000"));
}

TEST(QuantityTest, AcceptsAmountsUpToTheLimit) {
  EXPECT_EQ(Quantity::Parse("1000 kg")->ToFeedString(), "1000kg");
  EXPECT_EQ(Quantity::Parse("1000000 g")->ToFeedString(), "1000000g");
  EXPECT_EQ(Quantity::Parse("1000 l")->ToFeedString(), "1000l");
  EXPECT_EQ(Quantity::Parse("10000 x 100 g")->ToFeedString(), "1000000g");
  EXPECT_EQ(Quantity::Parse("1000000 mg")->ToFeedString(), "1000000mg");
}

// A milligram is the finest mass a quantity holds: "1,5 mg" cannot be stored exactly, and
// "0,5 mg" would have been stored as zero, a quantity no unit price can divide by.
TEST(QuantityTest, RefusesFractionsOfAMilligram) {
  for (const char* fine : {"0,5 mg", "1,5 mg", "6 x 0,001 mg"}) {
    EXPECT_FALSE(Quantity::Parse(fine).ok()) << fine;
  }
  EXPECT_EQ(Quantity::Parse("0,5 g")->ToFeedString(), "0.5g");
}

// Formatting is checked arithmetic: a quantity built in code beyond what Parse accepts
// still formats, without overflow, whatever it holds.
TEST(QuantityTest, FormattingNeverOverflows) {
  const int64_t huge = std::numeric_limits<int64_t>::max();
  for (Unit unit : {Unit::kMilligram, Unit::kGram, Unit::kKilogram, Unit::kMillilitre,
                    Unit::kCentilitre, Unit::kLitre, Unit::kPiece}) {
    for (int packs : {1, 80, kMaxPackCount}) {
      const Quantity q = Quantity::Of(huge, unit, packs);
      EXPECT_GT(q.total_milli_base(), 0);
      EXPECT_FALSE(q.ToFeedString().empty());
      EXPECT_FALSE(q.ToDisplayString().empty());
      const Quantity negative = Quantity::Of(-huge, unit, packs);
      EXPECT_EQ(negative.ToFeedString().front(), '-');
    }
  }
  EXPECT_EQ(Quantity::Of(-1500, Unit::kLitre).ToFeedString(), "-1.5l");
  EXPECT_EQ(Quantity::Of(-250, Unit::kGram).ToDisplayString(), "-0,25 g");
}

}  // namespace
}  // namespace vitrine
