#include "offers/reference_price.h"

#include <string>

namespace vitrine {
namespace {

std::string Fr(Money m) { return m.ToFrenchDisplay(); }

std::string Describe(const ReferencePrice& r) {
  std::string out = "the reference price " + Fr(*r.amount) + " (lowest in the 30 days before " +
                    FormatUtc(r.chain_start) + ")";
  return out;
}

}  // namespace

Result<ReferencePrice> ComputeReferencePrice(std::span<const AppliedPrice> timeline,
                                             const Product& product, Instant promotion_start,
                                             std::optional<Instant> chain_start) {
  const Instant start = chain_start.value_or(promotion_start);
  if (start > promotion_start) {
    return Status::InvalidArgument("the chain of reductions starts (" + FormatUtc(start) +
                                   ") after this reduction (" + FormatUtc(promotion_start) + ")");
  }
  ReferencePrice ref;
  ref.chain_start = start;
  ref.window = Interval{start - kReferenceWindow, start};
  if (product.perishable) {
    ref.exempt = true;
    return ref;
  }
  bool any = false;
  Instant earliest = Instant::max();
  for (const AppliedPrice& span : timeline) {
    earliest = std::min(earliest, span.from);
    if (!ref.window.Overlaps(Interval{span.from, span.until})) continue;
    if (!any || span.amount.minor_units() < ref.amount->minor_units()) {
      ref.amount = span.amount;
      ref.applied_from = span.from;
      any = true;
    }
  }
  if (!any) {
    return Status::FailedPrecondition("product " + product.id +
                                      ": no price applied in the 30 days before " +
                                      FormatUtc(start) + ", so no reduction can be announced");
  }
  ref.short_history = earliest > ref.window.begin;
  return ref;
}

double ReductionFraction(Money reference, Money price) {
  if (reference.minor_units() <= 0) return 0.0;
  return static_cast<double>(reference.minor_units() - price.minor_units()) /
         static_cast<double>(reference.minor_units());
}

int SupportedPercent(Money reference, Money price) {
  // The claim "-x %" promises reference·(1 − x) with the module's one rounding rule; the
  // largest such x is found by walking down, 100 steps at most.
  for (int x = 100; x >= 1; --x) {
    if (price.minor_units() <= MulDivRoundHalfUp(reference, 100 - x, 100).minor_units()) return x;
  }
  return 0;
}

Status CheckAnnouncedPercent(const ReferencePrice& reference, int announced_percent,
                             Money promo_price) {
  if (reference.exempt) return Status::Ok();
  if (!reference.amount) return Status::FailedPrecondition("no reference price to check against");
  const int supported = SupportedPercent(*reference.amount, promo_price);
  if (announced_percent <= supported) return Status::Ok();
  return Status::InvalidArgument("announced -" + std::to_string(announced_percent) +
                                 "% is not supported by " + Describe(reference) + ": " +
                                 Fr(promo_price) + " is at most -" + std::to_string(supported) +
                                 "% from it");
}

Status CheckAnnouncedReduction(const ReferencePrice& reference, const Mechanic& mechanic,
                               const OfferPrice& price) {
  if (reference.exempt || !AnnouncesPriceCut(mechanic)) return Status::Ok();
  if (const auto* m = std::get_if<PercentOff>(&mechanic)) {
    return CheckAnnouncedPercent(reference, m->percent, price.shelf_price);
  }
  if (!reference.amount) return Status::FailedPrecondition("no reference price to check against");
  const int64_t below = reference.amount->minor_units() - price.shelf_price.minor_units();
  if (const auto* m = std::get_if<AmountOff>(&mechanic)) {
    if (below >= m->amount.minor_units()) return Status::Ok();
    return Status::InvalidArgument("announced -" + Fr(m->amount) + " is not supported by " +
                                   Describe(reference) + ": " + Fr(price.shelf_price) +
                                   " is only " + Fr(Money(below, price.shelf_price.currency())) +
                                   " below it");
  }
  if (below > 0) return Status::Ok();
  return Status::InvalidArgument("the promotion price " + Fr(price.shelf_price) + " is not below " +
                                 Describe(reference));
}

}  // namespace vitrine
