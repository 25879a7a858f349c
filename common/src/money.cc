#include "common/money.h"

#include <cctype>
#include <cstdlib>
#include <limits>
#include <optional>

namespace vitrine {
namespace {

struct CurrencyInfo {
  std::string_view code;
  int minor_digits;
  std::string_view symbol;
};

// The currencies a European chain meets, with their minor units (ISO 4217). XPF is used
// in the French overseas collectivities of the Pacific.
constexpr CurrencyInfo kCurrencies[] = {
    {"EUR", 2, "€"},   {"USD", 2, "$"},  {"GBP", 2, "£"},  {"CHF", 2, "CHF"}, {"JPY", 0, "¥"},
    {"XPF", 0, "XPF"}, {"PLN", 2, "zł"}, {"SEK", 2, "kr"}, {"DKK", 2, "kr"},  {"CZK", 2, "Kč"},
};

const CurrencyInfo* Find(std::string_view code) {
  for (const auto& c : kCurrencies)
    if (c.code == code) return &c;
  return nullptr;
}

// Trims ASCII blanks and the no-break spaces (U+00A0, U+202F) French formatting puts
// around a currency sign.
std::string_view Trim(std::string_view s) {
  for (bool changed = true; changed;) {
    changed = false;
    for (std::string_view blank : {" ", "\t", "\u00A0", "\u202F"}) {
      if (s.starts_with(blank)) s.remove_prefix(blank.size()), changed = true;
      if (s.ends_with(blank)) s.remove_suffix(blank.size()), changed = true;
    }
  }
  return s;
}

// Strips a currency mention from either end of `text`; returns the currency it named.
std::optional<Currency> StripCurrency(std::string_view& text) {
  text = Trim(text);
  for (const auto& c : kCurrencies) {
    for (std::string_view mark : {c.code, c.symbol}) {
      if (mark.size() > text.size() || mark.empty()) continue;
      if (text.substr(text.size() - mark.size()) == mark) {
        text = Trim(text.substr(0, text.size() - mark.size()));
        return *Currency::Parse(c.code);
      }
      if (text.substr(0, mark.size()) == mark) {
        text = Trim(text.substr(mark.size()));
        return *Currency::Parse(c.code);
      }
    }
  }
  // An unknown trailing three-letter code ("2.49 NOK") is still a currency.
  if (text.size() > 4 && text[text.size() - 4] == ' ') {
    auto parsed = Currency::Parse(text.substr(text.size() - 3));
    if (parsed.ok()) {
      text = Trim(text.substr(0, text.size() - 4));
      return *parsed;
    }
  }
  return std::nullopt;
}

std::string GroupThousands(int64_t units, std::string_view separator) {
  std::string digits = std::to_string(units);
  std::string out;
  int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += separator;
    out += digits[i];
  }
  return out;
}

int64_t Pow10(int n) {
  int64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

}  // namespace

Result<Currency> Currency::Parse(std::string_view code) {
  if (code.size() != 3 || !std::isalpha(static_cast<unsigned char>(code[0])) ||
      !std::isalpha(static_cast<unsigned char>(code[1])) ||
      !std::isalpha(static_cast<unsigned char>(code[2]))) {
    return Status::InvalidArgument("currency must be a three-letter ISO 4217 code, got \"" +
                                   std::string(code) + "\"");
  }
  Currency c;
  for (int i = 0; i < 3; ++i) c.code_[i] = static_cast<char>(std::toupper(code[i]));
  return c;
}

int Currency::minor_digits() const {
  const CurrencyInfo* info = Find(std::string_view(code_, 3));
  return info ? info->minor_digits : 2;
}

std::string_view Currency::symbol() const {
  const CurrencyInfo* info = Find(std::string_view(code_, 3));
  return info ? info->symbol : std::string_view(code_, 3);
}

Result<Money> Money::Parse(std::string_view text, Currency fallback) {
  std::string_view rest = text;
  Currency currency = StripCurrency(rest).value_or(fallback);
  auto invalid = [&](std::string why) {
    return Status::InvalidArgument("invalid price \"" + std::string(text) + "\": " + why);
  };
  if (rest.empty()) return invalid("no amount");

  bool negative = false;
  if (rest.front() == '-' || rest.front() == '+') {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  // One kind of separator appearing once is the decimal mark ("2,49", "2.490"); when both
  // appear, the last is ("1.234,56", "1,234.56"); one kind repeated only groups thousands.
  const size_t last = rest.find_last_of(".,");
  size_t decimal = std::string_view::npos;
  if (last != std::string_view::npos) {
    const char mark = rest[last];
    const char other = mark == '.' ? ',' : '.';
    const bool repeated = rest.find(mark) != last;
    if (rest.find(other) != std::string_view::npos || !repeated) decimal = last;
  }
  std::string_view whole = decimal == std::string_view::npos ? rest : rest.substr(0, decimal);
  std::string_view fraction =
      decimal == std::string_view::npos ? std::string_view() : rest.substr(decimal + 1);

  const int digits = currency.minor_digits();
  // ERPs often export "2.4900": trailing zeros past the minor unit carry no information.
  while (static_cast<int>(fraction.size()) > digits && fraction.back() == '0') {
    fraction.remove_suffix(1);
  }
  if (static_cast<int>(fraction.size()) > digits) {
    return invalid("more than " + std::to_string(digits) + " decimals for " + currency.code());
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 1000;
  int64_t units = 0;
  int whole_digits = 0;
  for (size_t i = 0; i < whole.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(whole[i]);
    if (std::isdigit(ch)) {
      units = units * 10 + (ch - '0');
      ++whole_digits;
      if (units > kMax) return invalid("amount too large");
    } else if (ch == ' ' || ch == '.' || ch == ',' || ch == '\'') {
      continue;  // thousands separators
    } else if (ch == 0xC2 && i + 1 < whole.size() &&
               static_cast<unsigned char>(whole[i + 1]) == 0xA0) {
      ++i;  // U+00A0
    } else if (ch == 0xE2 && i + 2 < whole.size() &&
               static_cast<unsigned char>(whole[i + 1]) == 0x80 &&
               static_cast<unsigned char>(whole[i + 2]) == 0xAF) {
      i += 2;  // U+202F
    } else {
      return invalid("not a number");
    }
  }
  if (whole_digits == 0 && fraction.empty()) return invalid("no digits");
  int64_t minor = 0;
  for (char ch : fraction) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) return invalid("not a number");
    minor = minor * 10 + (ch - '0');
  }
  minor *= Pow10(digits - static_cast<int>(fraction.size()));
  int64_t total = units * Pow10(digits) + minor;
  return Money(negative ? -total : total, currency);
}

std::string Money::ToFeedString() const {
  const int digits = currency_.minor_digits();
  const int64_t scale = Pow10(digits);
  uint64_t magnitude = minor_ < 0 ? -static_cast<uint64_t>(minor_) : minor_;
  std::string out = minor_ < 0 ? "-" : "";
  out += std::to_string(magnitude / scale);
  if (digits > 0) {
    std::string frac = std::to_string(magnitude % scale);
    out += '.';
    out += std::string(digits - frac.size(), '0') + frac;
  }
  out += ' ';
  out += currency_.code();
  return out;
}

std::string Money::ToFrenchDisplay() const {
  const int digits = currency_.minor_digits();
  const int64_t scale = Pow10(digits);
  uint64_t magnitude = minor_ < 0 ? -static_cast<uint64_t>(minor_) : minor_;
  std::string out = minor_ < 0 ? "-" : "";
  out += GroupThousands(static_cast<int64_t>(magnitude / scale), "\u202F");
  if (digits > 0) {
    std::string frac = std::to_string(magnitude % scale);
    out += ',';
    out += std::string(digits - frac.size(), '0') + frac;
  }
  out += "\u00A0";
  out += currency_.symbol();
  return out;
}

}  // namespace vitrine
