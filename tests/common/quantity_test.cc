#include "common/quantity.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace vitrine
