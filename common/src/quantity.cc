#include "common/quantity.h"

#include <cctype>
#include <cmath>
#include <limits>

namespace vitrine {
namespace {

// Formatting works in 128 bits: thousandths of a base unit times 1,000 fit whatever a
// Quantity holds (the GCC/Clang extension the offers module also uses for prices).
__extension__ typedef __int128 Int128;

int64_t Saturated(Int128 v) {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

struct UnitName {
  std::string_view name;
  Unit unit;
};

// Longest names first where one is a prefix of another ("ml" before "m" never arises,
// but "mg" vs "g" and "cl" vs "l" are matched on the whole token).
constexpr UnitName kUnitNames[] = {
    {"mg", Unit::kMilligram},  {"g", Unit::kGram},         {"gr", Unit::kGram},
    {"grs", Unit::kGram},      {"gramme", Unit::kGram},    {"grammes", Unit::kGram},
    {"gram", Unit::kGram},     {"grams", Unit::kGram},     {"kg", Unit::kKilogram},
    {"kilo", Unit::kKilogram}, {"kilos", Unit::kKilogram}, {"kgs", Unit::kKilogram},
    {"ml", Unit::kMillilitre}, {"cl", Unit::kCentilitre},  {"l", Unit::kLitre},
    {"lt", Unit::kLitre},      {"ltr", Unit::kLitre},      {"litre", Unit::kLitre},
    {"litres", Unit::kLitre},  {"liter", Unit::kLitre},    {"liters", Unit::kLitre},
    {"ct", Unit::kPiece},      {"pc", Unit::kPiece},       {"pcs", Unit::kPiece},
    {"piece", Unit::kPiece},   {"pieces", Unit::kPiece},   {"pièce", Unit::kPiece},
    {"pièces", Unit::kPiece},  {"u", Unit::kPiece},        {"unite", Unit::kPiece},
    {"unites", Unit::kPiece},  {"unité", Unit::kPiece},    {"unités", Unit::kPiece},
    {"x", Unit::kPiece},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Reads a decimal number ("1,5", "33", "0.75") as thousandths; advances `s` past it.
bool ReadMilli(std::string_view& s, int64_t& milli) {
  int64_t whole = 0;
  size_t i = 0;
  bool any = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    whole = whole * 10 + (s[i] - '0');
    if (whole > 1'000'000'000) return false;
    ++i;
    any = true;
  }
  int64_t frac = 0;
  int frac_digits = 0;
  if (i < s.size() && (s[i] == ',' || s[i] == '.') && i + 1 < s.size() &&
      std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (frac_digits < 3) {
        frac = frac * 10 + (s[i] - '0');
        ++frac_digits;
      } else if (s[i] != '0') {
        return false;  // finer than a thousandth: not a retail quantity
      }
      ++i;
      any = true;
    }
  }
  if (!any) return false;
  while (frac_digits < 3) {
    frac *= 10;
    ++frac_digits;
  }
  milli = whole * 1000 + frac;
  s.remove_prefix(i);
  return true;
}

bool ReadUnit(std::string_view& s, Unit& unit) {
  s = Trim(s);
  size_t n = 0;
  while (n < s.size() && (std::isalpha(static_cast<unsigned char>(s[n])) ||
                          static_cast<unsigned char>(s[n]) >= 0x80)) {
    ++n;
  }
  std::string token = Lower(s.substr(0, n));
  if (!token.empty() && token.back() == '.') token.pop_back();
  for (const auto& u : kUnitNames) {
    if (u.name == token && u.name != "x") {
      unit = u.unit;
      s.remove_prefix(n);
      return true;
    }
  }
  return false;
}

// Consumes a pack separator: "x", "X", "×" (U+00D7), "*".
bool ReadTimes(std::string_view& s) {
  s = Trim(s);
  if (!s.empty() && (s[0] == 'x' || s[0] == 'X' || s[0] == '*')) {
    s.remove_prefix(1);
    return true;
  }
  if (s.substr(0, 2) == "\xC3\x97") {
    s.remove_prefix(2);
    return true;
  }
  return false;
}

std::string Decimal(Int128 v) {
  if (v == 0) return "0";
  std::string digits;
  for (; v > 0; v /= 10) digits.insert(digits.begin(), static_cast<char>('0' + v % 10));
  return digits;
}

// `milli` thousandths as "12.5" (decimal_mark '.') or "-0,25" (','): no trailing zeros.
std::string FormatMilli(Int128 milli, char decimal_mark) {
  const bool negative = milli < 0;
  const Int128 magnitude = negative ? -milli : milli;
  std::string out = (negative ? "-" : "") + Decimal(magnitude / 1000);
  const int frac = static_cast<int>(magnitude % 1000);
  if (frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 3 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    out += decimal_mark;
    out += f;
  }
  return out;
}

}  // namespace

Dimension DimensionOf(Unit unit) {
  switch (unit) {
    case Unit::kMilligram:
    case Unit::kGram:
    case Unit::kKilogram:
      return Dimension::kMass;
    case Unit::kMillilitre:
    case Unit::kCentilitre:
    case Unit::kLitre:
      return Dimension::kVolume;
    case Unit::kPiece:
      return Dimension::kCount;
  }
  return Dimension::kCount;
}

int64_t MilliBasePerUnit(Unit unit) {
  switch (unit) {
    case Unit::kMilligram:
      return 1;
    case Unit::kGram:
      return 1000;
    case Unit::kKilogram:
      return 1000000;
    case Unit::kMillilitre:
      return 1000;
    case Unit::kCentilitre:
      return 10000;
    case Unit::kLitre:
      return 1000000;
    case Unit::kPiece:
      return 1000;
  }
  return 1;
}

std::string_view UnitSymbol(Unit unit) {
  switch (unit) {
    case Unit::kMilligram:
      return "mg";
    case Unit::kGram:
      return "g";
    case Unit::kKilogram:
      return "kg";
    case Unit::kMillilitre:
      return "ml";
    case Unit::kCentilitre:
      return "cl";
    case Unit::kLitre:
      return "l";
    case Unit::kPiece:
      return "ct";
  }
  return "";
}

Quantity Quantity::Of(int64_t value_milli, Unit unit, int pack_count) {
  Quantity q;
  q.unit_ = unit;
  q.pack_count_ = pack_count;
  q.per_item_milli_base_ = Saturated(Int128(value_milli) * MilliBasePerUnit(unit) / 1000);
  return q;
}

int64_t Quantity::total_milli_base() const {
  return Saturated(Int128(per_item_milli_base_) * pack_count_);
}

Result<Quantity> Quantity::Parse(std::string_view text) {
  auto invalid = [&](std::string why) {
    return Status::InvalidArgument("invalid quantity \"" + std::string(text) + "\": " + why);
  };
  std::string_view s = Trim(text);
  if (s.empty()) return invalid("empty");

  int64_t first = 0;
  if (!ReadMilli(s, first)) return invalid("expected a number");
  std::string_view after_first = s;
  int pack = 1;
  int64_t per_item = first;
  Unit unit;
  if (ReadTimes(s)) {
    // "6 x 33 cl": the first number counts packs.
    if (first % 1000 != 0 || first == 0) return invalid("pack count must be a whole number");
    pack = static_cast<int>(first / 1000);
    s = Trim(s);
    if (!ReadMilli(s, per_item)) return invalid("expected a number after the pack count");
    if (!ReadUnit(s, unit)) return invalid("expected a unit (g, kg, ml, cl, l, pièces)");
  } else {
    s = after_first;
    if (!ReadUnit(s, unit)) return invalid("expected a unit (g, kg, ml, cl, l, pièces)");
    // "33 cl x 6" is also written.
    std::string_view rest = s;
    if (ReadTimes(rest)) {
      rest = Trim(rest);
      int64_t count = 0;
      if (!ReadMilli(rest, count) || count % 1000 != 0 || count == 0) {
        return invalid("pack count must be a whole number");
      }
      pack = static_cast<int>(count / 1000);
      s = rest;
    }
  }
  if (!Trim(s).empty()) return invalid("unexpected \"" + std::string(Trim(s)) + "\"");
  if (per_item <= 0) return invalid("must be positive");
  if (pack > kMaxPackCount) {
    return invalid("pack count over the limit of " + std::to_string(kMaxPackCount));
  }
  // ReadMilli caps a number at 10^12 thousandths and a unit is at most 10^6 thousandths of
  // the base unit, so these products fit in 64 bits.
  if (per_item * MilliBasePerUnit(unit) % 1000 != 0) {
    return invalid("finer than a milligram, a microlitre or a thousandth of a piece");
  }
  const int64_t per_item_milli_base = per_item * MilliBasePerUnit(unit) / 1000;
  const int64_t limit = kMaxQuantityBaseUnits * 1000;
  const std::string limit_text = "the limit of " + std::to_string(kMaxQuantityBaseUnits) + " " +
                                 (DimensionOf(unit) == Dimension::kMass     ? "g (1 t)"
                                  : DimensionOf(unit) == Dimension::kVolume ? "ml (1000 l)"
                                                                            : "pieces");
  if (per_item_milli_base > limit) return invalid("over " + limit_text);
  if (per_item_milli_base * pack > limit) return invalid("total over " + limit_text);
  return Quantity::Of(per_item, unit, pack);
}

double Quantity::In(Unit unit) const {
  return static_cast<double>(total_milli_base()) / static_cast<double>(MilliBasePerUnit(unit));
}

std::string Quantity::ToDisplayString() const {
  const int64_t per_unit = MilliBasePerUnit(unit_);
  std::string sym = unit_ == Unit::kPiece ? "pièces" : std::string(UnitSymbol(unit_));
  std::string one = FormatMilli(Int128(per_item_milli_base_) * 1000 / per_unit, ',') + " " + sym;
  if (pack_count_ == 1) return one;
  return std::to_string(pack_count_) + " x " + one;
}

std::string Quantity::ToFeedString() const {
  const int64_t per_unit = MilliBasePerUnit(unit_);
  return FormatMilli(Int128(per_item_milli_base_) * pack_count_ * 1000 / per_unit, '.') +
         std::string(UnitSymbol(unit_));
}

Quantity Quantity::UnitPricingBase() const {
  switch (dimension()) {
    case Dimension::kMass:
      return Quantity::Of(1000, Unit::kKilogram);
    case Dimension::kVolume:
      return Quantity::Of(1000, Unit::kLitre);
    case Dimension::kCount:
      return Quantity::Of(1000, Unit::kPiece);
  }
  return Quantity::Of(1000, Unit::kPiece);
}

}  // namespace vitrine
