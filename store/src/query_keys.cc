#include "query_keys.h"

namespace vitrine::store_internal {

Status CheckLimit(int limit) {
  if (limit < 1 || limit > 1000) {
    return Status::InvalidArgument("limit must be between 1 and 1000, got " +
                                   std::to_string(limit));
  }
  return Status::Ok();
}

Status CheckPriceInstant(Instant at) {
  if (at == Instant{}) {
    return Status::InvalidArgument("PriceQuery.at is required: pass the clock's now");
  }
  return Status::Ok();
}

std::string PriceKey(const Price& price) {
  std::string key = price.product_id;
  key += '|';
  key += PriceLevelName(price.level);
  key += '|';
  key += price.level_id;
  return key;
}

Result<PriceCursor> ParsePriceCursor(std::string_view after) {
  // Ids never contain '|' (field_rules::IsValidId), so the first two bars are separators.
  const size_t first = after.find('|');
  const size_t second = first == std::string_view::npos ? first : after.find('|', first + 1);
  if (second == std::string_view::npos) {
    return Status::InvalidArgument("malformed price cursor \"" + std::string(after) +
                                   "\": expected product_id|level|level_id");
  }
  const std::string_view level_name = after.substr(first + 1, second - first - 1);
  const std::optional<PriceLevel> level = ParsePriceLevel(level_name);
  if (!level || level_name.empty()) {
    return Status::InvalidArgument("malformed price cursor \"" + std::string(after) +
                                   "\": unknown level \"" + std::string(level_name) + "\"");
  }
  return PriceCursor{std::string(after.substr(0, first)), *level,
                     std::string(after.substr(second + 1))};
}

std::string StockKey(const StockLevel& level) { return level.product_id + "|" + level.store_id; }

Result<StockCursor> ParseStockCursor(std::string_view after) {
  const size_t bar = after.find('|');
  if (bar == std::string_view::npos) {
    return Status::InvalidArgument("malformed stock cursor \"" + std::string(after) +
                                   "\": expected product_id|store_id");
  }
  return StockCursor{std::string(after.substr(0, bar)), std::string(after.substr(bar + 1))};
}

}  // namespace vitrine::store_internal
