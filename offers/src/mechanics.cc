#include "offers/mechanics.h"

#include <cassert>
#include <cstdio>
#include <type_traits>

namespace vitrine {
namespace {

// 128-bit intermediates: price × quantity ratios overflow 64 bits before the division.
__extension__ typedef __int128 Int128;

// Floor division, so that rounding half up is one formula for either sign.
Int128 FloorDiv(Int128 a, Int128 b) {
  Int128 q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string Fr(Money m) { return m.ToFrenchDisplay(); }

std::string Percent(int percent) { return std::to_string(percent) + "\u00A0%"; }

Money Minus(Money a, Money b) { return Money(a.minor_units() - b.minor_units(), a.currency()); }

bool IsExact(Money amount, int64_t num, int64_t den) {
  return static_cast<Int128>(amount.minor_units()) * num % den == 0;
}

// "<what> → 1,74 €", with "(1,743 € rounded half up)" when the division was not exact.
std::string RoundedStep(const std::string& what, Money result, Money amount, int64_t num,
                        int64_t den) {
  std::string step = what + " → " + Fr(result);
  if (!IsExact(amount, num, den)) {
    step += " (" + ExactFrenchAmount(amount, num, den) + " rounded half up)";
  }
  return step;
}

std::string FractionPercent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", fraction * 100.0);
  std::string s = buf;
  for (char& c : s) {
    if (c == '.') c = ',';
  }
  return s + "\u00A0%";
}

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

std::string Join(const std::vector<FieldError>& errors) {
  std::string out;
  for (const FieldError& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.field + ": " + e.message;
  }
  return out;
}

// The immediate part of a price: shelf and immediate unit price, with their steps.
struct ImmediatePart {
  Money shelf;
  Money unit;
  int units = 1;
};

Result<ImmediatePart> PriceImmediate(const Mechanic& mechanic, Money p,
                                     std::vector<std::string>& steps) {
  const int64_t pc = p.minor_units();
  return std::visit(
      [&](const auto& m) -> Result<ImmediatePart> {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, PercentOff>) {
          const Money shelf = MulDivRoundHalfUp(p, 100 - m.percent, 100);
          steps.push_back(RoundedStep("−" + Percent(m.percent), shelf, p, 100 - m.percent, 100));
          if (shelf.minor_units() >= pc) {
            return Invalid("−" + std::to_string(m.percent) + "% of " + Fr(p) +
                           " rounds to no reduction");
          }
          if (shelf.minor_units() <= 0) return Invalid("the shelf price rounds to zero");
          return ImmediatePart{shelf, shelf, 1};
        } else if constexpr (std::is_same_v<T, AmountOff>) {
          if (m.amount.minor_units() >= pc) {
            return Invalid("amount_off " + Fr(m.amount) + " is not below the regular price " +
                           Fr(p));
          }
          const Money shelf = Minus(p, m.amount);
          steps.push_back("−" + Fr(m.amount) + " → " + Fr(shelf));
          return ImmediatePart{shelf, shelf, 1};
        } else if constexpr (std::is_same_v<T, FixedPrice>) {
          if (m.price.minor_units() >= pc) {
            return Invalid("promotion price " + Fr(m.price) + " is not below the regular price " +
                           Fr(p));
          }
          steps.push_back("fixed promotion price " + Fr(m.price));
          return ImmediatePart{m.price, m.price, 1};
        } else if constexpr (std::is_same_v<T, NthItemPercentOff>) {
          // p·(1 − r/n) = p·(100n − percent) / (100n): one division, one rounding.
          const int64_t den = 100 * static_cast<int64_t>(m.n);
          const int64_t num = den - m.percent;
          const Money unit = MulDivRoundHalfUp(p, num, den);
          steps.push_back("item " + std::to_string(m.n) + " at −" + Percent(m.percent) +
                          ": the shelf price stays " + Fr(p));
          steps.push_back(RoundedStep("effective unit price " + Fr(p) + " × (1 − " +
                                          Percent(m.percent) + " / " + std::to_string(m.n) + ")",
                                      unit, p, num, den));
          if (unit.minor_units() >= pc) {
            return Invalid("item " + std::to_string(m.n) + " at −" + std::to_string(m.percent) +
                           "% of " + Fr(p) + " rounds to no reduction");
          }
          return ImmediatePart{p, unit, m.n};
        } else if constexpr (std::is_same_v<T, Multibuy>) {
          const Money unit = MulDivRoundHalfUp(p, m.pay, m.buy);
          steps.push_back(std::to_string(m.buy) + " for " + std::to_string(m.pay) +
                          ": the shelf price stays " + Fr(p));
          steps.push_back(RoundedStep("effective unit price " + Fr(p) + " × " +
                                          std::to_string(m.pay) + " / " + std::to_string(m.buy),
                                      unit, p, m.pay, m.buy));
          if (unit.minor_units() >= pc) {
            return Invalid(std::to_string(m.buy) + " for " + std::to_string(m.pay) + " on " +
                           Fr(p) + " rounds to no reduction");
          }
          return ImmediatePart{p, unit, m.buy};
        } else if constexpr (std::is_same_v<T, BundlePrice>) {
          if (static_cast<Int128>(m.price.minor_units()) >= static_cast<Int128>(pc) * m.quantity) {
            return Invalid("bundle price " + Fr(m.price) + " for " + std::to_string(m.quantity) +
                           " is not below " + std::to_string(m.quantity) + " × " + Fr(p));
          }
          const Money unit = MulDivRoundHalfUp(m.price, 1, m.quantity);
          steps.push_back(RoundedStep(std::to_string(m.quantity) + " for " + Fr(m.price) +
                                          ": unit price " + Fr(m.price) + " / " +
                                          std::to_string(m.quantity),
                                      unit, m.price, 1, m.quantity));
          if (unit.minor_units() >= pc) {
            return Invalid("bundle price " + Fr(m.price) + " for " + std::to_string(m.quantity) +
                           " rounds to no reduction on " + Fr(p));
          }
          return ImmediatePart{unit, unit, m.quantity};
        } else {
          static_assert(std::is_same_v<T, LoyaltyCredit>);
          return ImmediatePart{p, p, 1};
        }
      },
      mechanic);
}

}  // namespace

MechanicKind KindOf(const Mechanic& mechanic) {
  return static_cast<MechanicKind>(mechanic.index());
}

std::string_view MechanicKindName(MechanicKind kind) {
  switch (kind) {
    case MechanicKind::kPercentOff:
      return "percent_off";
    case MechanicKind::kAmountOff:
      return "amount_off";
    case MechanicKind::kFixedPrice:
      return "fixed_price";
    case MechanicKind::kNthItemPercentOff:
      return "nth_item_percent_off";
    case MechanicKind::kMultibuy:
      return "multibuy";
    case MechanicKind::kBundlePrice:
      return "bundle_price";
    case MechanicKind::kLoyaltyCredit:
      return "loyalty_credit";
  }
  return "unknown";
}

std::optional<MechanicKind> ParseMechanicKind(std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::variant_size_v<Mechanic>); ++i) {
    const auto kind = static_cast<MechanicKind>(i);
    if (MechanicKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

bool IsImmediate(const Mechanic& mechanic) {
  return !std::holds_alternative<LoyaltyCredit>(mechanic);
}

bool AnnouncesPriceCut(MechanicKind kind) {
  switch (kind) {
    case MechanicKind::kPercentOff:
    case MechanicKind::kAmountOff:
    case MechanicKind::kFixedPrice:
      return true;
    case MechanicKind::kNthItemPercentOff:
    case MechanicKind::kMultibuy:
    case MechanicKind::kBundlePrice:
    case MechanicKind::kLoyaltyCredit:
      return false;
  }
  return false;
}

bool AnnouncesPriceCut(const Mechanic& mechanic) { return AnnouncesPriceCut(KindOf(mechanic)); }

std::vector<FieldError> Validate(const Mechanic& mechanic, std::string_view field_prefix) {
  std::vector<FieldError> errors;
  const std::string prefix = std::string(field_prefix) + ".";
  auto percent_in = [&](int percent, int max) {
    if (percent < 1 || percent > max) {
      errors.push_back({prefix + "percent", "must be between 1 and " + std::to_string(max)});
    }
  };
  auto positive = [&](const char* field, Money m) {
    if (m.minor_units() <= 0) errors.push_back({prefix + field, "must be positive"});
  };
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, PercentOff> || std::is_same_v<T, LoyaltyCredit>) {
          percent_in(m.percent, 99);
        } else if constexpr (std::is_same_v<T, AmountOff>) {
          positive("amount", m.amount);
        } else if constexpr (std::is_same_v<T, FixedPrice>) {
          positive("price", m.price);
        } else if constexpr (std::is_same_v<T, NthItemPercentOff>) {
          if (m.n < 2) errors.push_back({prefix + "n", "must be at least 2"});
          // 100 % is "le 2ème offert", a common and lawful offer, so it is allowed here.
          percent_in(m.percent, 100);
        } else if constexpr (std::is_same_v<T, Multibuy>) {
          if (m.buy < 2) errors.push_back({prefix + "buy", "must be at least 2"});
          if (m.pay < 1) {
            errors.push_back({prefix + "pay", "must be at least 1"});
          } else if (m.pay >= m.buy) {
            errors.push_back({prefix + "pay", "must be below buy"});
          }
        } else {
          static_assert(std::is_same_v<T, BundlePrice>);
          if (m.quantity < 2) errors.push_back({prefix + "quantity", "must be at least 2"});
          positive("price", m.price);
        }
      },
      mechanic);
  return errors;
}

Money MulDivRoundHalfUp(Money amount, int64_t num, int64_t den) {
  assert(den != 0 && "MulDivRoundHalfUp by zero");
  Int128 n = static_cast<Int128>(amount.minor_units()) * num;
  Int128 d = den;
  if (d < 0) {
    n = -n;
    d = -d;
  }
  // floor(n/d + 1/2) = floor((2n + d) / 2d): ties go up.
  const Int128 q = FloorDiv(2 * n + d, 2 * d);
  return Money(static_cast<int64_t>(q), amount.currency());
}

Money UnitPrice(Money price, const Quantity& net_quantity) {
  return UnitPrice(price, net_quantity, net_quantity.UnitPricingBase());
}

Money UnitPrice(Money price, const Quantity& net_quantity, const Quantity& base) {
  assert(net_quantity.total_milli_base() > 0 && "a unit price needs a positive quantity");
  return MulDivRoundHalfUp(price, base.total_milli_base(), net_quantity.total_milli_base());
}

std::string ExactFrenchAmount(Money amount, int64_t num, int64_t den) {
  const int digits = amount.currency().minor_digits();
  constexpr int kExtra = 2;  // two digits past the minor unit: 1,743 and 1,8675 show whole
  Int128 n = static_cast<Int128>(amount.minor_units()) * num;
  Int128 d = den;
  if (d < 0) {
    n = -n;
    d = -d;
  }
  const bool negative = n < 0;
  if (negative) n = -n;
  Int128 scale = 1;
  for (int i = 0; i < kExtra; ++i) scale *= 10;
  const Int128 scaled = n * scale / d;
  const bool exact = n * scale % d == 0;
  Int128 major_scale = 1;
  for (int i = 0; i < digits + kExtra; ++i) major_scale *= 10;
  const Int128 major = scaled / major_scale;
  Int128 frac = scaled % major_scale;

  std::string frac_text;
  for (int i = 0; i < digits + kExtra; ++i) {
    frac_text.insert(frac_text.begin(), static_cast<char>('0' + static_cast<int>(frac % 10)));
    frac /= 10;
  }
  if (exact) {
    while (static_cast<int>(frac_text.size()) > digits && frac_text.back() == '0') {
      frac_text.pop_back();
    }
  }
  std::string major_text;
  Int128 m = major;
  do {
    major_text.insert(major_text.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m > 0);
  std::string out = negative ? "-" : "";
  out += major_text;
  if (!frac_text.empty()) out += "," + frac_text;
  if (!exact) out += "…";
  out += "\u00A0";
  out += amount.currency().symbol();
  return out;
}

Result<OfferPrice> ComputePrice(const Mechanic& mechanic, Money regular_unit_price,
                                const std::optional<Mechanic>& stacked_loyalty) {
  const Money p = regular_unit_price;
  if (p.minor_units() <= 0) return Invalid("the regular unit price must be positive");
  if (auto errors = Validate(mechanic); !errors.empty()) return Invalid(Join(errors));
  if (stacked_loyalty) {
    if (IsImmediate(*stacked_loyalty)) {
      return Invalid("two immediate mechanics never stack: only a loyalty_credit may be stacked");
    }
    if (!IsImmediate(mechanic)) return Invalid("a loyalty credit cannot stack on another one");
    if (auto errors = Validate(*stacked_loyalty, "loyalty"); !errors.empty()) {
      return Invalid(Join(errors));
    }
  }
  auto check_currency = [&](Money m) { return m.currency() == p.currency(); };
  const bool same_currency = std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, AmountOff>) return check_currency(m.amount);
        if constexpr (std::is_same_v<T, FixedPrice> || std::is_same_v<T, BundlePrice>) {
          return check_currency(m.price);
        }
        return true;
      },
      mechanic);
  if (!same_currency) {
    return Invalid("the mechanic's amount is not in the regular price's currency " +
                   p.currency().code());
  }

  OfferPrice out;
  out.regular_unit_price = p;
  out.steps.push_back("regular price " + Fr(p));
  auto immediate = PriceImmediate(mechanic, p, out.steps);
  if (!immediate.ok()) return std::move(immediate).take_status();
  out.shelf_price = immediate->shelf;
  out.immediate_unit_price = immediate->unit;
  out.units_for_full_advantage = immediate->units;
  out.loyalty_credit = Money(0, p.currency());

  const LoyaltyCredit* loyalty = std::get_if<LoyaltyCredit>(&mechanic);
  if (stacked_loyalty) loyalty = std::get_if<LoyaltyCredit>(&*stacked_loyalty);
  if (loyalty != nullptr) {
    // The credit is a share of what the customer actually pays for a unit, so on a stacked
    // offer it is computed on the reduced price ("double détente"), never on p.
    const Money base = out.immediate_unit_price;
    out.loyalty_credit = MulDivRoundHalfUp(base, loyalty->percent, 100);
    out.steps.push_back(
        RoundedStep(Percent(loyalty->percent) + " credited on the loyalty card on " + Fr(base),
                    out.loyalty_credit, base, loyalty->percent, 100));
    if (out.loyalty_credit.minor_units() <= 0) {
      return Invalid(std::to_string(loyalty->percent) + "% of " + Fr(base) +
                     " rounds to no credit");
    }
  }
  out.effective_unit_price = Minus(out.immediate_unit_price, out.loyalty_credit);
  out.total_advantage = Minus(p, out.effective_unit_price);
  out.advantage_fraction =
      static_cast<double>(out.total_advantage.minor_units()) / static_cast<double>(p.minor_units());
  out.steps.push_back("effective unit price " + Fr(out.effective_unit_price) + ": advantage " +
                      Fr(out.total_advantage) + " (" + FractionPercent(out.advantage_fraction) +
                      " of the regular price)");
  return out;
}

}  // namespace vitrine
