#include "common/gtin.h"

#include <gtest/gtest.h>

namespace vitrine {
namespace {

TEST(GtinTest, AcceptsEveryLengthWithItsCheckDigit) {
  for (const char* good : {"96385074", "036000291452", "3017620422003", "4006381333931",
                           "10614141000415", " 3017620422003 "}) {
    auto gtin = Gtin::Parse(good);
    EXPECT_TRUE(gtin.ok()) << good << ": " << gtin.status().ToString();
  }
}

TEST(GtinTest, RejectsWrongCheckDigitAndSaysWhichWasExpected) {
  auto gtin = Gtin::Parse("3017620422004");
  ASSERT_FALSE(gtin.ok());
  EXPECT_NE(gtin.status().message().find("expected 3"), std::string::npos)
      << gtin.status().message();
}

TEST(GtinTest, RejectsImpossibleLengthsAndNonDigits) {
  for (const char* bad :
       {"", "123", "1234567", "123456789", "30176204220031", "301762042200A", "301762042200312"}) {
    EXPECT_FALSE(Gtin::Parse(bad).ok()) << bad;
  }
}

TEST(GtinTest, CheckDigitMatchesGs1Examples) {
  EXPECT_EQ(Gtin::CheckDigit("301762042200"), 3);
  EXPECT_EQ(Gtin::CheckDigit("1061414100041"), 5);
  EXPECT_EQ(Gtin::CheckDigit("9638507"), 4);
}

TEST(GtinTest, ClassifiesRestrictedCirculation) {
  EXPECT_EQ(Gtin::Parse("3017620422003")->circulation(), GtinCirculation::kGlobal);
  // French weighed goods: GS1 prefix 2x on a GTIN-13.
  const std::string in_store = "210123400000" + std::to_string(Gtin::CheckDigit("210123400000"));
  EXPECT_EQ(Gtin::Parse(in_store)->circulation(), GtinCirculation::kInStore);
  // UPC-A number system 2 and 4 become prefixes 02 and 04.
  const std::string upc2 = "21234500000" + std::to_string(Gtin::CheckDigit("21234500000"));
  EXPECT_EQ(Gtin::Parse(upc2)->circulation(), GtinCirculation::kInStore);
  const std::string upc4 = "41234500000" + std::to_string(Gtin::CheckDigit("41234500000"));
  EXPECT_EQ(Gtin::Parse(upc4)->circulation(), GtinCirculation::kInStore);
  const std::string coupon = "981234500000" + std::to_string(Gtin::CheckDigit("981234500000"));
  EXPECT_EQ(Gtin::Parse(coupon)->circulation(), GtinCirculation::kCoupon);
  EXPECT_TRUE(Gtin::Parse(coupon)->IsRestricted());
  // A Lidl in-store GTIN-8 from the Open Food Facts sample.
  EXPECT_EQ(Gtin::Parse("20859688")->circulation(), GtinCirculation::kInStore);
  EXPECT_FALSE(Gtin::Parse("96385074")->IsRestricted());
}

TEST(GtinTest, PadsToGtin14) {
  EXPECT_EQ(Gtin::Parse("96385074")->ToGtin14(), "00000096385074");
  EXPECT_EQ(Gtin::Parse("3017620422003")->ToGtin14(), "03017620422003");
}

}  // namespace
}  // namespace vitrine
