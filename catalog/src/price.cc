#include "catalog/price.h"

#include <algorithm>
#include <array>

#include "catalog/store.h"

namespace vitrine {

std::string_view PriceLevelName(PriceLevel level) {
  switch (level) {
    case PriceLevel::kNational:
      return "national";
    case PriceLevel::kZone:
      return "zone";
    case PriceLevel::kStore:
      return "store";
  }
  return "national";
}

std::optional<PriceLevel> ParsePriceLevel(std::string_view name) {
  if (name == "national" || name.empty()) return PriceLevel::kNational;
  if (name == "zone") return PriceLevel::kZone;
  if (name == "store") return PriceLevel::kStore;
  return std::nullopt;
}

std::vector<FieldError> Validate(const Price& p) {
  using namespace field_rules;
  std::vector<FieldError> errors;
  if (!IsValidId(p.product_id)) errors.push_back({"product_id", "is not a valid product id"});
  if (p.level == PriceLevel::kNational) {
    if (!p.level_id.empty()) errors.push_back({"level_id", "must be empty for a national price"});
  } else if (!IsValidId(p.level_id)) {
    errors.push_back({"level_id", p.level == PriceLevel::kZone ? "must name a price zone"
                                                               : "must name a store"});
  }
  if (p.amount.sign() <= 0) errors.push_back({"price", "must be greater than zero"});
  return errors;
}

nlohmann::json ToJson(const Price& p) {
  return {{"product_id", p.product_id},
          {"level", PriceLevelName(p.level)},
          {"level_id", p.level_id},
          {"price", p.amount.ToFeedString()},
          {"amount_minor", p.amount.minor_units()},
          {"currency", p.amount.currency().code()},
          {"effective_from", FormatUtc(p.effective_from)}};
}

std::vector<AppliedPrice> AppliedPriceTimeline(std::span<const Price> history, const Store& store) {
  // One sorted history per level, holding only the entries that reach this store.
  std::array<std::vector<const Price*>, 3> levels;
  for (const Price& p : history) {
    const bool applies = (p.level == PriceLevel::kNational) ||
                         (p.level == PriceLevel::kZone && p.level_id == store.price_zone) ||
                         (p.level == PriceLevel::kStore && p.level_id == store.id);
    if (applies) levels[static_cast<int>(p.level)].push_back(&p);
  }
  std::vector<Instant> breaks;
  for (auto& level : levels) {
    std::stable_sort(level.begin(), level.end(), [](const Price* a, const Price* b) {
      return a->effective_from < b->effective_from;
    });
    for (const Price* p : level) breaks.push_back(p->effective_from);
  }
  std::sort(breaks.begin(), breaks.end());
  breaks.erase(std::unique(breaks.begin(), breaks.end()), breaks.end());

  std::vector<AppliedPrice> timeline;
  for (size_t i = 0; i < breaks.size(); ++i) {
    const Instant at = breaks[i];
    const Instant until = i + 1 < breaks.size() ? breaks[i + 1] : Instant::max();
    for (int l = 2; l >= 0; --l) {  // most specific first
      const auto& level = levels[l];
      auto it = std::upper_bound(level.begin(), level.end(), at,
                                 [](Instant t, const Price* p) { return t < p->effective_from; });
      if (it == level.begin()) continue;
      const Price& in_force = **std::prev(it);
      if (!timeline.empty() && timeline.back().amount == in_force.amount &&
          timeline.back().level == in_force.level) {
        timeline.back().until = until;
      } else {
        timeline.push_back({at, until, in_force.amount, in_force.level});
      }
      break;
    }
  }
  return timeline;
}

std::optional<AppliedPrice> PriceAt(std::span<const Price> history, const Store& store,
                                    Instant at) {
  for (const AppliedPrice& span : AppliedPriceTimeline(history, store)) {
    if (span.from <= at && at < span.until) return span;
  }
  return std::nullopt;
}

}  // namespace vitrine
