#include "common/money.h"

#include <gtest/gtest.h>

namespace vitrine {
namespace {

struct ParseCase {
  const char* text;
  int64_t minor;
  const char* currency;
};

class MoneyParseTest : public testing::TestWithParam<ParseCase> {};

TEST_P(MoneyParseTest, ParsesRetailNotations) {
  const ParseCase& c = GetParam();
  auto money = Money::Parse(c.text);
  ASSERT_TRUE(money.ok()) << c.text << ": " << money.status().ToString();
  EXPECT_EQ(money->minor_units(), c.minor) << c.text;
  EXPECT_EQ(money->currency().code(), c.currency) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Notations, MoneyParseTest,
    testing::Values(ParseCase{"2,49", 249, "EUR"}, ParseCase{"2.49", 249, "EUR"},
                    ParseCase{"2.49 EUR", 249, "EUR"}, ParseCase{"2,49 €", 249, "EUR"},
                    ParseCase{"€2.49", 249, "EUR"}, ParseCase{"2,5", 250, "EUR"},
                    ParseCase{"3", 300, "EUR"}, ParseCase{"0,99", 99, "EUR"},
                    ParseCase{"1 234,50", 123450, "EUR"}, ParseCase{"1.234,50", 123450, "EUR"},
                    ParseCase{"1,234.50", 123450, "EUR"},
                    ParseCase{"1\u202F234,50\u00A0€", 123450, "EUR"},
                    ParseCase{"2.4900", 249, "EUR"}, ParseCase{"12.00 usd", 1200, "USD"},
                    ParseCase{"500 XPF", 500, "XPF"}, ParseCase{"-1,00", -100, "EUR"},
                    ParseCase{"1.000.000", 100000000, "EUR"}));

TEST(MoneyTest, RejectsWhatIsNotAPrice) {
  for (const char* bad : {"", "abc", "2,495", "2.4.9,1x", "€", "EUR", "1,2,3.456", "12 34 5a",
                          "99999999999999999999"}) {
    auto money = Money::Parse(bad);
    EXPECT_FALSE(money.ok()) << "\"" << bad << "\" parsed as " << money->minor_units();
    if (!money.ok()) {
      EXPECT_EQ(money.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(MoneyTest, ErrorNamesTheInput) {
  auto money = Money::Parse("douze");
  ASSERT_FALSE(money.ok());
  EXPECT_NE(money.status().message().find("douze"), std::string::npos);
}

TEST(MoneyTest, FormatsForFeeds) {
  EXPECT_EQ(Money::Euros(249).ToFeedString(), "2.49 EUR");
  EXPECT_EQ(Money::Euros(5).ToFeedString(), "0.05 EUR");
  EXPECT_EQ(Money::Euros(123450).ToFeedString(), "1234.50 EUR");
  EXPECT_EQ(Money::Euros(-100).ToFeedString(), "-1.00 EUR");
  EXPECT_EQ(Money(500, *Currency::Parse("XPF")).ToFeedString(), "500 XPF");
}

TEST(MoneyTest, FormatsForFrenchDisplay) {
  EXPECT_EQ(Money::Euros(249).ToFrenchDisplay(), "2,49\u00A0€");
  EXPECT_EQ(Money::Euros(123450).ToFrenchDisplay(), "1\u202F234,50\u00A0€");
  EXPECT_EQ(Money::Euros(100000000).ToFrenchDisplay(), "1\u202F000\u202F000,00\u00A0€");
}

TEST(MoneyTest, RoundTripsThroughFeedString) {
  for (int64_t cents : {1, 9, 10, 99, 100, 249, 1999, 123456789}) {
    auto back = Money::Parse(Money::Euros(cents).ToFeedString());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->minor_units(), cents);
  }
}

TEST(CurrencyTest, ParsesCodes) {
  EXPECT_EQ(Currency::Parse("eur")->code(), "EUR");
  EXPECT_EQ(Currency::Parse("JPY")->minor_digits(), 0);
  EXPECT_FALSE(Currency::Parse("EURO").ok());
  EXPECT_FALSE(Currency::Parse("E1R").ok());
}

}  // namespace
}  // namespace vitrine
