// ReferencePrice: the legal "prix de référence" of an announced reduction, and the check that
// a "-x %" claim is true against it (ARCHITECTURE.md §2, "Law that the data must respect").
//
// The reference price is the lowest price applied to the product in the store over the 30
// days before the reduction starts (Directive 98/6/EC art. 6a; Code de la consommation
// L112-1-1). Successive reductions keep the reference of the first one, so the window is
// anchored on the start of the first promotion of a chain. Perishable products are exempt.
// An announced percentage is computed against the reference price (EU Court, C-330/23).
// Pure functions over a store's applied price timeline (catalog/price.h); thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <span>

#include "catalog/price.h"
#include "catalog/product.h"
#include "common/money.h"
#include "common/status.h"
#include "common/time.h"
#include "offers/mechanics.h"

namespace vitrine {

// Thirty days of 24 hours. A reduction starting at a store's local midnight keeps a window
// that starts at a local midnight too, give or take the hour of a DST change inside it.
inline constexpr std::chrono::seconds kReferenceWindow = std::chrono::days(30);

struct ReferencePrice {
  // A perishable product needs no reference price: `amount` is empty and every claim passes.
  bool exempt = false;
  // The lowest regular price applied in `window`; empty only when exempt.
  std::optional<Money> amount;
  Instant applied_from{};  // the start of the first span at that lowest price
  Instant chain_start{};   // the start of the first reduction of the chain
  Interval window{};       // [chain_start − 30 days, chain_start)
  // The store's price history starts inside the window: the lowest price is the lowest of
  // fewer than 30 days. Still usable, but worth telling the merchandiser.
  bool short_history = false;
};

// The reference price of a reduction starting at `promotion_start` in a store whose applied
// price timeline is `timeline` (AppliedPriceTimeline for that store and product).
// `chain_start` is the start of the first of consecutive reductions on this product, when
// this one continues a chain; it defaults to `promotion_start`. InvalidArgument when
// chain_start is after promotion_start; FailedPrecondition when no price applied in the
// window of a non-perishable product (nothing to announce a reduction against).
Result<ReferencePrice> ComputeReferencePrice(std::span<const AppliedPrice> timeline,
                                             const Product& product, Instant promotion_start,
                                             std::optional<Instant> chain_start = std::nullopt);

// (reference − price) / reference: the real reduction, 0.3009 for 2,44 € against 3,49 €.
double ReductionFraction(Money reference, Money price);

// The largest whole percentage x that may be announced for `price` against `reference`:
// the largest x with price ≤ reference·(1 − x) rounded half up to the cent, i.e. the claim
// "-x %" applied to the reference price would give at most `price`. 0 when price ≥ reference.
// 2,44 € against 3,49 € → 30; against 2,99 € → 18.
int SupportedPercent(Money reference, Money price);

// OK when announcing "-announced_percent %" for `promo_price` is supported by `reference`
// (announced ≤ SupportedPercent), or when the product is exempt. InvalidArgument otherwise,
// with the percentage the reference does support; FailedPrecondition without an amount.
Status CheckAnnouncedPercent(const ReferencePrice& reference, int announced_percent,
                             Money promo_price);

// The claim each mechanic announces, checked against the reference price:
//   percent_off  the badge "-x%" (CheckAnnouncedPercent on the shelf price);
//   amount_off   the badge "-a €": the shelf price must be at least a below the reference;
//   fixed_price  "x instead of y": the shelf price must be below the reference.
// The other mechanics announce a quantity offer or a credit, not a price reduction, and
// pass. `price` is ComputePrice's result for `mechanic`.
Status CheckAnnouncedReduction(const ReferencePrice& reference, const Mechanic& mechanic,
                               const OfferPrice& price);

}  // namespace vitrine
