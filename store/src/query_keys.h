// Keyset-paging keys and query checks shared by the catalog repositories, so every backend
// spells its cursors and rejects bad queries in the same way. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "catalog/price.h"
#include "catalog/stock.h"
#include "common/status.h"
#include "common/time.h"

namespace vitrine::store_internal {

// InvalidArgument unless 1 <= limit <= 1000.
Status CheckLimit(int limit);

// InvalidArgument for the default Instant: PriceQuery.at was not set.
Status CheckPriceInstant(Instant at);

// "product_id|level|level_id" with the level spelled by PriceLevelName.
std::string PriceKey(const Price& price);
struct PriceCursor {
  std::string product_id;
  PriceLevel level = PriceLevel::kNational;
  std::string level_id;
};
// Parses a PriceKey; InvalidArgument when `after` is not one.
Result<PriceCursor> ParsePriceCursor(std::string_view after);

// "product_id|store_id".
std::string StockKey(const StockLevel& level);
struct StockCursor {
  std::string product_id;
  std::string store_id;
};
Result<StockCursor> ParseStockCursor(std::string_view after);

}  // namespace vitrine::store_internal
