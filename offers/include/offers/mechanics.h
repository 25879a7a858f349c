// Mechanics: the seven ways a promotion lowers what a customer pays, and the price arithmetic
// behind each (ARCHITECTURE.md §2, "Mechanics").
//
// A Mechanic is a value (std::variant of one struct per mechanic). ComputePrice turns a
// mechanic and a regular unit price p into the prices an offer shows, in integer minor
// units, each division rounded half up to the cent by MulDivRoundHalfUp and nowhere else,
// and records every step as a sentence for the explain route. Two immediate mechanics never
// stack; a loyalty credit may stack on an immediate one and is then computed on the reduced
// price. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "catalog/field_error.h"
#include "common/money.h"
#include "common/quantity.h"
#include "common/status.h"

namespace vitrine {

// "-30%": shelf price p·(1−r).
struct PercentOff {
  int percent = 0;  // 1-99
  friend bool operator==(const PercentOff&, const PercentOff&) = default;
};
// "-1,00 €": shelf price p − a.
struct AmountOff {
  Money amount;  // > 0 and below p
  friend bool operator==(const AmountOff&, const AmountOff&) = default;
};
// "Prix choc": shelf price `price`.
struct FixedPrice {
  Money price;  // > 0 and below p
  friend bool operator==(const FixedPrice&, const FixedPrice&) = default;
};
// "2ème à -50%": the n-th identical item at −r; shelf p, effective unit price p·(1 − r/n).
struct NthItemPercentOff {
  int n = 2;        // >= 2
  int percent = 0;  // 1-100 (100: "2ème offert")
  friend bool operator==(const NthItemPercentOff&, const NthItemPercentOff&) = default;
};
// "3 pour 2" (lot virtuel): buy `buy`, pay `pay`; shelf p, effective unit price p·pay/buy.
struct Multibuy {
  int buy = 3;  // >= 2
  int pay = 2;  // 1 <= pay < buy
  friend bool operator==(const Multibuy&, const Multibuy&) = default;
};
// "3 pour 5 €": `quantity` items for `price`; shelf and effective unit price price/quantity.
struct BundlePrice {
  int quantity = 2;  // >= 2
  Money price;       // > 0 and below quantity·p
  friend bool operator==(const BundlePrice&, const BundlePrice&) = default;
};
// "30% sur la carte": shelf p; r·p credited on the loyalty card, so p·(1−r) net.
struct LoyaltyCredit {
  int percent = 0;  // 1-99
  friend bool operator==(const LoyaltyCredit&, const LoyaltyCredit&) = default;
};

using Mechanic = std::variant<PercentOff, AmountOff, FixedPrice, NthItemPercentOff, Multibuy,
                              BundlePrice, LoyaltyCredit>;

enum class MechanicKind {
  kPercentOff,
  kAmountOff,
  kFixedPrice,
  kNthItemPercentOff,
  kMultibuy,
  kBundlePrice,
  kLoyaltyCredit,
};

MechanicKind KindOf(const Mechanic& mechanic);
// The contract's spelling: "percent_off", "amount_off", "fixed_price", "nth_item_percent_off",
// "multibuy", "bundle_price", "loyalty_credit".
std::string_view MechanicKindName(MechanicKind kind);
std::optional<MechanicKind> ParseMechanicKind(std::string_view name);
// True for every mechanic but loyalty_credit: the customer pays less at the till.
bool IsImmediate(const Mechanic& mechanic);
// True for the mechanics whose badge or headline announces a price reduction: percent_off
// ("-30 %"), amount_off ("-1,00 €") and fixed_price ("x instead of y"). The law requires such
// a reduction to be announced against the reference price (Directive 98/6/EC art. 6a, Code
// de la consommation L112-1-1; reference_price.h), so these are the mechanics whose claim
// CheckAnnouncedReduction checks and whose texts show that price. The others announce a
// quantity offer or a loyalty credit. The one definition of the rule: approval, assembly,
// texts and feeds all ask here.
bool AnnouncesPriceCut(MechanicKind kind);
bool AnnouncesPriceCut(const Mechanic& mechanic);

// Checks the parameters that do not depend on the product's price (percent 1-99, pay < buy,
// buy >= 2, n >= 2, amounts > 0...). Field names are prefixed with `field_prefix`
// ("mechanic.percent"). Empty when valid.
std::vector<FieldError> Validate(const Mechanic& mechanic,
                                 std::string_view field_prefix = "mechanic");

// amount·num/den rounded half up to the minor unit (ties go towards +∞: 0,005 € → 0,01 €),
// computed in 128 bits so no intermediate overflows. `den` must not be 0; a negative `den`
// flips both signs. The one rounding rule of the module: every price division goes here.
Money MulDivRoundHalfUp(Money amount, int64_t num, int64_t den);

// The price of one unit pricing base (1 kg, 1 l, 1 piece: net_quantity.UnitPricingBase())
// for an article of `net_quantity` sold at `price`: 2,49 € for 400 g → 6,23 €/kg. Packs count
// in full (6 x 33 cl is 1,98 l). `net_quantity` must be positive (Quantity::Parse ensures it).
Money UnitPrice(Money price, const Quantity& net_quantity);
// The same against an explicit base of the same dimension (a product's unit_pricing_base,
// e.g. 100 g): 2,49 € for 400 g → 0,62 € per 100 g.
Money UnitPrice(Money price, const Quantity& net_quantity, const Quantity& base);

// The prices of an offer for one unit, and how they were obtained.
struct OfferPrice {
  Money regular_unit_price;  // p
  Money shelf_price;         // the unit price the label shows (table "shelf price shown")
  // What one unit costs at the till when the immediate mechanic is fully used (p for a
  // loyalty credit alone). The "soit 2,33 € l'unité" of the headline.
  Money immediate_unit_price;
  Money loyalty_credit;  // credited on the card per unit; zero without a loyalty credit
  // What one unit costs in the end: immediate_unit_price − loyalty_credit.
  Money effective_unit_price;
  Money total_advantage;             // p − effective_unit_price, immediate and credit together
  double advantage_fraction = 0.0;   // total_advantage / p, for display (0.3009 = 30,09 %)
  int units_for_full_advantage = 1;  // n, buy or quantity: how many to buy to get it all
  std::vector<std::string> steps;    // sentences for the explain route, in order
};

// Prices `mechanic` on a product whose regular unit price is `regular_unit_price`, with an
// optional loyalty credit stacked on it. InvalidArgument when: p is not positive; currencies
// differ; parameters are out of range (see Validate); the promotion does not end below p
// (an amount_off >= p, a fixed or bundle price not below the regular one, a reduction that
// rounds to nothing); a shelf price would round to zero; `stacked_loyalty` is not a
// loyalty_credit (two immediate mechanics never stack) or is stacked on a loyalty credit.
Result<OfferPrice> ComputePrice(const Mechanic& mechanic, Money regular_unit_price,
                                const std::optional<Mechanic>& stacked_loyalty = std::nullopt);

// The French display of amount·num/den in the major unit, exactly when it has at most four
// decimals ("1,743 €", "1,8675 €"), else cut after four with an ellipsis ("1,6666… €").
// Used by the explain steps to show what was rounded.
std::string ExactFrenchAmount(Money amount, int64_t num, int64_t den);

}  // namespace vitrine
