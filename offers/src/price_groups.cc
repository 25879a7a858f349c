#include "price_groups.h"

#include <algorithm>
#include <utility>

namespace vitrine::offers_internal {

OwnPriceStores::OwnPriceStores(std::span<const Price> history) {
  for (const Price& price : history) {
    if (price.level == PriceLevel::kStore) ids_.insert(price.level_id);
  }
}

std::optional<Money> RegularPriceAt(std::span<const AppliedPrice> timeline, Instant at) {
  auto it = std::upper_bound(timeline.begin(), timeline.end(), at,
                             [](Instant t, const AppliedPrice& span) { return t < span.from; });
  if (it == timeline.begin()) return std::nullopt;
  --it;
  if (at < it->until) return it->amount;
  return std::nullopt;
}

GroupPricing PriceInGroup(std::span<const AppliedPrice> timeline, Instant start,
                          const Mechanic& mechanic, const Product& product,
                          const ComplianceRules* rules) {
  GroupPricing out;
  out.regular = RegularPriceAt(timeline, start);
  if (!out.regular) {
    out.verdict = GroupVerdict::kNoRegularPrice;
    return out;
  }
  Result<OfferPrice> price = ComputePrice(mechanic, *out.regular);
  if (!price.ok()) {
    out.verdict = GroupVerdict::kMechanicRefused;
    out.message = price.status().message();
    return out;
  }
  out.price = std::move(price).value();
  if (rules) {
    out.cap = CheckAdvantageCap(*rules, product, *out.price, CheckStage::kApproval);
    if (out.cap) out.verdict = GroupVerdict::kCapExceeded;
  }
  return out;
}

ReferenceCheck CheckReferenceInGroup(std::span<const AppliedPrice> timeline, const Product& product,
                                     const Mechanic& mechanic, const OfferPrice& price,
                                     Instant start, Instant chain_start) {
  ReferenceCheck out{GroupVerdict::kPriced,
                     ComputeReferencePrice(timeline, product, start, chain_start), ""};
  if (!AnnouncesPriceCut(mechanic)) return out;
  if (!out.reference.ok()) {
    out.verdict = GroupVerdict::kNoReferencePrice;
    out.message = out.reference.status().message();
    return out;
  }
  const Status claim = CheckAnnouncedReduction(*out.reference, mechanic, price);
  if (!claim.ok()) {
    out.verdict = GroupVerdict::kReductionNotSupported;
    out.message = claim.message();
  }
  return out;
}

}  // namespace vitrine::offers_internal
