// Price groups: how approval (CheckCampaign) and assembly (Assembler) price a promotion on a
// product over a group of stores, so that the two can not disagree on which offers are
// lawful (ARCHITECTURE.md §2, "Law that the data must respect").
//
// A group is the stores that read the same applied price timeline of a product: a store with
// a store-level price of the product has a timeline of its own, the others share their price
// zone's (AppliedPriceTimeline). On a group's timeline, PriceInGroup finds the regular price
// at the promotion's start, prices the mechanic on it and checks the advantage cap; then
// CheckReferenceInGroup computes the reference price and checks the reduction the mechanic
// announces against it. Each caller words and counts the verdicts its own way (findings,
// skip reasons). Private to vitrine_offers. Pure functions; OwnPriceStores is immutable after
// construction, so thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/price.h"
#include "catalog/product.h"
#include "common/money.h"
#include "common/status.h"
#include "common/time.h"
#include "offers/compliance.h"
#include "offers/mechanics.h"
#include "offers/reference_price.h"

namespace vitrine::offers_internal {

// The stores with a store-level price of one product (from its price history): each of them
// reads a timeline of its own rather than its price zone's.
class OwnPriceStores {
 public:
  explicit OwnPriceStores(std::span<const Price> history);

  bool Contains(std::string_view store_id) const { return ids_.find(store_id) != ids_.end(); }
  const std::set<std::string, std::less<>>& ids() const { return ids_; }

 private:
  std::set<std::string, std::less<>> ids_;
};

// The key of the group whose timeline a store reads, for a caller that numbers stores and
// price zones: the zone's index, or a key of the store's own (-1 − store_index) when it has a
// store-level price.
inline int PriceGroupKey(bool own_price, int store_index, int zone_index) {
  return own_price ? -1 - store_index : zone_index;
}

// The regular price in force at `at` on a timeline sorted by `from` without overlaps (as
// AppliedPriceTimeline returns it); nullopt when none is.
std::optional<Money> RegularPriceAt(std::span<const AppliedPrice> timeline, Instant at);

// What a promotion comes to on a group of stores, as far as prices and the law go.
enum class GroupVerdict {
  kPriced,                 // nothing in its prices stops the offer
  kNoRegularPrice,         // no regular price at the promotion's start
  kMechanicRefused,        // ComputePrice refuses the mechanic on that regular price
  kCapExceeded,            // the advantage is above the product's category cap
  kNoReferencePrice,       // announces a price cut, with no reference price to announce it on
  kReductionNotSupported,  // announces a price cut the reference price does not support
};

struct GroupPricing {
  GroupVerdict verdict = GroupVerdict::kPriced;  // kPriced, kNoRegularPrice,
                                                 // kMechanicRefused or kCapExceeded
  std::optional<Money> regular;                  // at the start; empty: kNoRegularPrice
  // The mechanic priced alone on `regular`; empty when kNoRegularPrice or kMechanicRefused.
  // Kept with kCapExceeded, whose finding is `cap`.
  std::optional<OfferPrice> price;
  std::optional<Finding> cap;
  std::string message;  // ComputePrice's refusal with kMechanicRefused, else empty
};

// The regular price of `timeline` at `start`, `mechanic` priced on it and, when `rules` is
// given, the advantage cap checked at the approval stage (blocking).
GroupPricing PriceInGroup(std::span<const AppliedPrice> timeline, Instant start,
                          const Mechanic& mechanic, const Product& product,
                          const ComplianceRules* rules);

struct ReferenceCheck {
  GroupVerdict verdict = GroupVerdict::kPriced;  // kPriced, kNoReferencePrice or
                                                 // kReductionNotSupported
  // ComputeReferencePrice's answer, whatever the mechanic: its error matters only to one
  // that announces a price cut (kNoReferencePrice).
  Result<ReferencePrice> reference;
  std::string message;  // why, unless kPriced
};

// The reference price of a reduction starting at `start` on `timeline`, in a chain of
// successive reductions that starts at `chain_start` (ComputeReferencePrice), and, when
// `mechanic` announces a price cut (AnnouncesPriceCut), the check of that claim
// (CheckAnnouncedReduction) with `price`, PriceInGroup's price. A perishable product is
// exempt and always passes.
ReferenceCheck CheckReferenceInGroup(std::span<const AppliedPrice> timeline, const Product& product,
                                     const Mechanic& mechanic, const OfferPrice& price,
                                     Instant start, Instant chain_start);

}  // namespace vitrine::offers_internal
