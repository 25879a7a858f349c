#include "offers/mechanics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vitrine {
namespace {

using ::testing::HasSubstr;

Money E(int64_t cents) { return Money::Euros(cents); }

struct MulDivCase {
  int64_t amount;
  int64_t num;
  int64_t den;
  int64_t want;
};

TEST(MulDivRoundHalfUpTest, RoundsHalfUpToTheCent) {
  const MulDivCase cases[] = {
      {1, 1, 2, 1},       // 0,005 € → 0,01 €: the tie goes up
      {1, 1, 3, 0},       // 0,0033 € → 0,00 €
      {1, 2, 3, 1},       // 0,0067 € → 0,01 €
      {5, 1, 2, 3},       // 0,025 € → 0,03 €
      {249, 7, 10, 174},  // 1,743 € → 1,74 €
      {349, 7, 10, 244},  // 2,443 € → 2,44 €
      {249, 1, 1, 249},   // exact
      {-5, 1, 2, -2},     // ties go towards +∞ for negatives too
      {3, 1, -2, -1},     // a negative denominator flips the sign: -1,5 → -1
      {0, 7, 10, 0},      // zero stays zero
      {INT64_C(9000000000000000000), 3, 4, INT64_C(6750000000000000000)},  // no overflow
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.amount) + "·" + std::to_string(c.num) + "/" +
                 std::to_string(c.den));
    const Money got = MulDivRoundHalfUp(E(c.amount), c.num, c.den);
    EXPECT_EQ(got.minor_units(), c.want);
    EXPECT_EQ(got.currency(), Currency::Euro());
  }
}

struct UnitPriceCase {
  int64_t price;
  const char* net_quantity;
  int64_t want;  // cents per kg, l or piece
};

TEST(UnitPriceTest, PerKilogramLitreOrPiece) {
  const UnitPriceCase cases[] = {
      {249, "400 g", 623},      // 6,225 → 6,23 €/kg (the design's example)
      {199, "250 g", 796},      // 7,96 €/kg (FORMATS.md's unit price line)
      {449, "1,5 kg", 299},     // 2,9933 → 2,99 €/kg
      {1, "1 kg", 1},           // one cent per kg
      {599, "75 cl", 799},      // 7,9867 → 7,99 €/l
      {129, "1,5 l", 86},       // 0,86 €/l
      {149, "500 ml", 298},     // 2,98 €/l
      {396, "6 x 33 cl", 200},  // packs count in full: 1,98 l → 2,00 €/l
      {299, "12 pièces", 25},   // 0,2492 → 0,25 €/pièce
      {1, "3 pièces", 0},       // 0,0033 → 0,00 €/pièce
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.net_quantity);
    auto q = Quantity::Parse(c.net_quantity);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_EQ(UnitPrice(E(c.price), *q), E(c.want));
  }
}

TEST(UnitPriceTest, AgainstAnExplicitBase) {
  // 2,49 € for 400 g is 0,6225 € per 100 g: 0,62 €.
  EXPECT_EQ(UnitPrice(E(249), *Quantity::Parse("400 g"), *Quantity::Parse("100 g")), E(62));
  // 75 cl quoted per 75 cl is the price itself.
  EXPECT_EQ(UnitPrice(E(599), *Quantity::Parse("75 cl"), *Quantity::Parse("75 cl")), E(599));
}

struct PriceCase {
  const char* name;
  Mechanic mechanic;
  int64_t regular;
  int64_t shelf;
  int64_t immediate_unit;
  int64_t credit;
  int64_t effective;
  int units;
};

TEST(ComputePriceTest, EveryMechanicWithRoundingEdges) {
  const PriceCase cases[] = {
      // percent_off: p·(1−r)
      {"-30% on 3,49 (FORMATS)", PercentOff{30}, 349, 244, 244, 0, 244, 1},
      {"-30% on 2,49", PercentOff{30}, 249, 174, 174, 0, 174, 1},
      {"-50% on 0,03: 0,015 up", PercentOff{50}, 3, 2, 2, 0, 2, 1},
      {"-10% on 0,15: 0,135 up", PercentOff{10}, 15, 14, 14, 0, 14, 1},
      {"-99% on 1,00", PercentOff{99}, 100, 1, 1, 0, 1, 1},
      // amount_off: p − a
      {"-1,00 on 3,49", AmountOff{E(100)}, 349, 249, 249, 0, 249, 1},
      {"-0,01 on 0,02", AmountOff{E(1)}, 2, 1, 1, 0, 1, 1},
      // fixed_price
      {"fixed 2,99 on 3,49", FixedPrice{E(299)}, 349, 299, 299, 0, 299, 1},
      {"fixed 0,01 on 0,02", FixedPrice{E(1)}, 2, 1, 1, 0, 1, 1},
      // nth_item_percent_off: shelf p, unit p·(1 − r/n)
      {"2nd at -50% on 3,49 (FORMATS)", NthItemPercentOff{2, 50}, 349, 349, 262, 0, 262, 2},
      {"2nd at -50% on 2,49: 1,8675 up", NthItemPercentOff{2, 50}, 249, 249, 187, 0, 187, 2},
      {"3rd at -50% on 1,00: 0,8333", NthItemPercentOff{3, 50}, 100, 100, 83, 0, 83, 3},
      {"2nd free on 2,49: 1,245 down", NthItemPercentOff{2, 100}, 249, 249, 125, 0, 125, 2},
      {"2nd at -50% on 0,03: 0,0225", NthItemPercentOff{2, 50}, 3, 3, 2, 0, 2, 2},
      // multibuy: shelf p, unit p·pay/buy
      {"3 for 2 on 3,49 (FORMATS)", Multibuy{3, 2}, 349, 349, 233, 0, 233, 3},
      {"3 for 2 on 0,99: exact 0,66", Multibuy{3, 2}, 99, 99, 66, 0, 66, 3},
      {"3 for 2 on 0,02: 0,0133", Multibuy{3, 2}, 2, 2, 1, 0, 1, 3},
      {"5 for 4 on 1,00", Multibuy{5, 4}, 100, 100, 80, 0, 80, 5},
      // bundle_price: shelf and unit price/quantity
      {"3 for 5,00 on 2,49 (FORMATS)", BundlePrice{3, E(500)}, 249, 167, 167, 0, 167, 3},
      {"2 for 0,03 on 0,03: 0,015 up", BundlePrice{2, E(3)}, 3, 2, 2, 0, 2, 2},
      {"4 for 10,00 on 3,00", BundlePrice{4, E(1000)}, 300, 250, 250, 0, 250, 4},
      // loyalty_credit: shelf p, credit p·r, net p − credit
      {"30% on card on 3,49 (FORMATS)", LoyaltyCredit{30}, 349, 349, 349, 105, 244, 1},
      {"10% on card on 1,05: 0,105 up", LoyaltyCredit{10}, 105, 105, 105, 11, 94, 1},
      {"50% on card on 0,01: 0,005 up", LoyaltyCredit{50}, 1, 1, 1, 1, 0, 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto price = ComputePrice(c.mechanic, E(c.regular));
    ASSERT_TRUE(price.ok()) << price.status().ToString();
    EXPECT_EQ(price->regular_unit_price, E(c.regular));
    EXPECT_EQ(price->shelf_price, E(c.shelf));
    EXPECT_EQ(price->immediate_unit_price, E(c.immediate_unit));
    EXPECT_EQ(price->loyalty_credit, E(c.credit));
    EXPECT_EQ(price->effective_unit_price, E(c.effective));
    EXPECT_EQ(price->total_advantage, E(c.regular - c.effective));
    EXPECT_DOUBLE_EQ(price->advantage_fraction,
                     static_cast<double>(c.regular - c.effective) / c.regular);
    EXPECT_EQ(price->units_for_full_advantage, c.units);
    EXPECT_GE(price->steps.size(), 2u);
  }
}

struct RefusedCase {
  const char* name;
  Mechanic mechanic;
  int64_t regular;
  const char* why;  // a part of the message
};

TEST(ComputePriceTest, RefusesPromotionsThatDoNotLowerThePrice) {
  const RefusedCase cases[] = {
      {"-50% of 0,01 rounds back to 0,01", PercentOff{50}, 1, "rounds to no reduction"},
      {"-10% of 0,05 rounds back to 0,05", PercentOff{10}, 5, "rounds to no reduction"},
      {"-99% of 0,01 rounds to zero", PercentOff{99}, 1, "rounds to zero"},
      {"amount equal to p", AmountOff{E(249)}, 249, "not below the regular price"},
      {"amount above p", AmountOff{E(300)}, 249, "not below the regular price"},
      {"fixed price equal to p", FixedPrice{E(249)}, 249, "not below the regular price"},
      {"fixed price above p", FixedPrice{E(299)}, 249, "not below the regular price"},
      {"2nd at -50% of 0,01", NthItemPercentOff{2, 50}, 1, "rounds to no reduction"},
      {"3 for 2 on 0,01", Multibuy{3, 2}, 1, "rounds to no reduction"},
      {"bundle at 3·p", BundlePrice{3, E(300)}, 100, "is not below 3"},
      {"bundle above 3·p", BundlePrice{3, E(500)}, 100, "is not below 3"},
      {"bundle 2 for 0,03 on 0,02", BundlePrice{2, E(3)}, 2, "rounds to no reduction"},
      {"1% credit on 0,01", LoyaltyCredit{1}, 1, "rounds to no credit"},
      {"percent 0", PercentOff{0}, 249, "mechanic.percent"},
      {"percent 100", PercentOff{100}, 249, "mechanic.percent"},
      {"negative amount", AmountOff{E(-10)}, 249, "mechanic.amount"},
      {"multibuy pay = buy", Multibuy{3, 3}, 249, "mechanic.pay"},
      {"regular price zero", PercentOff{10}, 0, "regular unit price must be positive"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto price = ComputePrice(c.mechanic, E(c.regular));
    ASSERT_FALSE(price.ok());
    EXPECT_EQ(price.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(price.status().message(), HasSubstr(c.why));
  }
}

TEST(ComputePriceTest, RefusesAnAmountInAnotherCurrency) {
  auto usd = Currency::Parse("USD");
  ASSERT_TRUE(usd.ok());
  auto price = ComputePrice(AmountOff{Money(50, *usd)}, E(249));
  ASSERT_FALSE(price.ok());
  EXPECT_THAT(price.status().message(), HasSubstr("currency"));
}

struct StackCase {
  const char* name;
  Mechanic immediate;
  int loyalty_percent;
  int64_t regular;
  int64_t immediate_unit;
  int64_t credit;
  int64_t effective;
};

TEST(ComputePriceTest, LoyaltyCreditStacksOnTheReducedPrice) {
  const StackCase cases[] = {
      // 2,50 → 2,00, then 10 % of 2,00 (not of 2,50) credited.
      {"-20% then 10%", PercentOff{20}, 10, 250, 200, 20, 180},
      // 3 for 2 on 3,49: 2,33 a unit, 10 % of it 0,233 → 0,23.
      {"3 for 2 then 10%", Multibuy{3, 2}, 10, 349, 233, 23, 210},
      // 3 for 5 €: 1,67 a unit, 30 % → 0,501 → 0,50.
      {"bundle then 30%", BundlePrice{3, E(500)}, 30, 249, 167, 50, 117},
      // 2nd at -50% on 2,49: 1,87, 10 % → 0,187 → 0,19.
      {"2nd at -50% then 10%", NthItemPercentOff{2, 50}, 10, 249, 187, 19, 168},
      // -1,00 on 1,05 leaves 0,05; 10 % → 0,005 → 0,01: the half-up edge.
      {"amount then 10% at 0,005", AmountOff{E(100)}, 10, 105, 5, 1, 4},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto price =
        ComputePrice(c.immediate, E(c.regular), Mechanic{LoyaltyCredit{c.loyalty_percent}});
    ASSERT_TRUE(price.ok()) << price.status().ToString();
    EXPECT_EQ(price->immediate_unit_price, E(c.immediate_unit));
    EXPECT_EQ(price->loyalty_credit, E(c.credit));
    EXPECT_EQ(price->effective_unit_price, E(c.effective));
    EXPECT_EQ(price->total_advantage, E(c.regular - c.effective));
  }
}

TEST(ComputePriceTest, TwoImmediateMechanicsNeverStack) {
  auto two = ComputePrice(PercentOff{20}, E(250), Mechanic{AmountOff{E(10)}});
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(two.status().message(), HasSubstr("never stack"));

  auto credit_on_credit = ComputePrice(LoyaltyCredit{10}, E(250), Mechanic{LoyaltyCredit{10}});
  ASSERT_FALSE(credit_on_credit.ok());
  EXPECT_THAT(credit_on_credit.status().message(), HasSubstr("loyalty credit"));

  auto bad_stack = ComputePrice(PercentOff{20}, E(250), Mechanic{LoyaltyCredit{0}});
  ASSERT_FALSE(bad_stack.ok());
  EXPECT_THAT(bad_stack.status().message(), HasSubstr("loyalty.percent"));
}

TEST(ComputePriceTest, StepsExplainEachRounding) {
  auto price = ComputePrice(PercentOff{30}, E(249));
  ASSERT_TRUE(price.ok());
  ASSERT_EQ(price->steps.size(), 3u);
  EXPECT_EQ(price->steps[0], "regular price 2,49\u00A0€");
  EXPECT_EQ(price->steps[1], "−30\u00A0% → 1,74\u00A0€ (1,743\u00A0€ rounded half up)");
  EXPECT_EQ(price->steps[2],
            "effective unit price 1,74\u00A0€: advantage 0,75\u00A0€ (30,12\u00A0% of the regular "
            "price)");

  // An exact division says nothing about rounding.
  auto exact = ComputePrice(Multibuy{3, 2}, E(99));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->steps[2], "effective unit price 0,99\u00A0€ × 2 / 3 → 0,66\u00A0€");

  auto bundle = ComputePrice(BundlePrice{3, E(500)}, E(249), Mechanic{LoyaltyCredit{30}});
  ASSERT_TRUE(bundle.ok());
  EXPECT_EQ(bundle->steps[1],
            "3 for 5,00\u00A0€: unit price 5,00\u00A0€ / 3 → 1,67\u00A0€ (1,6666…\u00A0€ rounded "
            "half up)");
  EXPECT_EQ(bundle->steps[2],
            "30\u00A0% credited on the loyalty card on 1,67\u00A0€ → 0,50\u00A0€ (0,501\u00A0€ "
            "rounded half up)");
}

TEST(ExactFrenchAmountTest, ShowsWhatWasRounded) {
  EXPECT_EQ(ExactFrenchAmount(E(249), 7, 10), "1,743\u00A0€");
  EXPECT_EQ(ExactFrenchAmount(E(349), 3, 4), "2,6175\u00A0€");
  EXPECT_EQ(ExactFrenchAmount(E(500), 1, 3), "1,6666…\u00A0€");
  EXPECT_EQ(ExactFrenchAmount(E(200), 1, 1), "2,00\u00A0€");
  EXPECT_EQ(ExactFrenchAmount(E(1), 1, 2), "0,005\u00A0€");
}

struct ValidateCase {
  const char* name;
  Mechanic mechanic;
  std::vector<std::string> fields;
};

TEST(MechanicValidateTest, ParametersOutOfRange) {
  const ValidateCase cases[] = {
      {"percent_off 1", PercentOff{1}, {}},
      {"percent_off 99", PercentOff{99}, {}},
      {"percent_off 0", PercentOff{0}, {"mechanic.percent"}},
      {"percent_off 100", PercentOff{100}, {"mechanic.percent"}},
      {"amount_off 0", AmountOff{E(0)}, {"mechanic.amount"}},
      {"fixed_price 0", FixedPrice{E(0)}, {"mechanic.price"}},
      {"nth n 1", NthItemPercentOff{1, 50}, {"mechanic.n"}},
      {"nth 2nd free", NthItemPercentOff{2, 100}, {}},
      {"nth percent 101", NthItemPercentOff{2, 101}, {"mechanic.percent"}},
      {"multibuy buy 1", Multibuy{1, 0}, {"mechanic.buy", "mechanic.pay"}},
      {"multibuy pay > buy", Multibuy{2, 3}, {"mechanic.pay"}},
      {"multibuy 2 for 1", Multibuy{2, 1}, {}},
      {"bundle quantity 1", BundlePrice{1, E(100)}, {"mechanic.quantity"}},
      {"bundle price 0", BundlePrice{3, E(0)}, {"mechanic.price"}},
      {"loyalty 0", LoyaltyCredit{0}, {"mechanic.percent"}},
      {"loyalty 100", LoyaltyCredit{100}, {"mechanic.percent"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> fields;
    for (const FieldError& e : Validate(c.mechanic)) fields.push_back(e.field);
    EXPECT_EQ(fields, c.fields);
  }
}

TEST(MechanicKindTest, NamesRoundTripAndImmediacy) {
  const Mechanic all[] = {PercentOff{10},      AmountOff{E(1)}, FixedPrice{E(1)},
                          NthItemPercentOff{}, Multibuy{},      BundlePrice{2, E(1)},
                          LoyaltyCredit{10}};
  const char* names[] = {"percent_off", "amount_off",   "fixed_price",   "nth_item_percent_off",
                         "multibuy",    "bundle_price", "loyalty_credit"};
  for (size_t i = 0; i < std::size(all); ++i) {
    EXPECT_EQ(MechanicKindName(KindOf(all[i])), names[i]);
    EXPECT_EQ(ParseMechanicKind(names[i]), KindOf(all[i]));
    EXPECT_EQ(IsImmediate(all[i]), i != 6) << names[i];
  }
  EXPECT_FALSE(ParseMechanicKind("bogo").has_value());
}

}  // namespace
}  // namespace vitrine
