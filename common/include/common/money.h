// Money: an amount in integer minor units of an ISO 4217 currency (cents for EUR).
//
// Arithmetic never uses floating point. Parsing accepts what retailers' spreadsheets and
// ERPs export ("2,49", "2.49", "2.49 EUR", "2,49 €", "1 234,50"); formatting produces the
// feed form ("2.49 EUR", what Google and Meta require) and the French display form
// ("2,49 €", with a no-break space before the sign). Values are immutable and thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

// A three-letter ISO 4217 code held inline, e.g. "EUR".
class Currency {
 public:
  constexpr Currency() : code_{'E', 'U', 'R'} {}
  // Accepts three ASCII letters (any case); returns InvalidArgument otherwise.
  static Result<Currency> Parse(std::string_view code);
  static constexpr Currency Euro() { return Currency(); }

  std::string code() const { return std::string(code_, 3); }
  // Number of decimals of the minor unit: 2 for EUR, 0 for JPY and XPF.
  int minor_digits() const;
  // The display sign where one is customary ("€", "$", "£"), else the code.
  std::string_view symbol() const;

  friend bool operator==(const Currency&, const Currency&) = default;

 private:
  char code_[3];
};

class Money {
 public:
  constexpr Money() = default;
  constexpr Money(int64_t minor_units, Currency currency)
      : minor_(minor_units), currency_(currency) {}
  static constexpr Money Euros(int64_t cents) { return Money(cents, Currency::Euro()); }

  // Parses a price. `fallback` is the currency used when the text names none. Rejects
  // empty text, more decimals than the currency has, non-numeric text and overflow.
  // Negative amounts are parsed ("-1,00"); callers that forbid them check sign().
  static Result<Money> Parse(std::string_view text, Currency fallback = Currency::Euro());

  int64_t minor_units() const { return minor_; }
  Currency currency() const { return currency_; }
  int sign() const { return (minor_ > 0) - (minor_ < 0); }

  // "2.49 EUR": dot, all minor digits, ISO code (Google Merchant Center, Meta).
  std::string ToFeedString() const;
  // "2,49 €" with U+00A0 before the sign and U+202F between thousands ("1 234,50 €").
  std::string ToFrenchDisplay() const;

  friend bool operator==(const Money&, const Money&) = default;

 private:
  int64_t minor_ = 0;
  Currency currency_;
};

}  // namespace vitrine
