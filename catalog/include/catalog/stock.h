// StockLevel: how many units of a product a store holds, as last measured.
// Plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/field_error.h"
#include "common/time.h"

namespace vitrine {

struct StockLevel {
  std::string product_id;
  std::string store_id;
  int64_t quantity = 0;  // may be negative: stores sell ahead of deliveries being booked
  Instant measured_at{};

  friend bool operator==(const StockLevel&, const StockLevel&) = default;
};

enum class Availability { kOutOfStock, kLimited, kInStock };

// out_of_stock at or below 0, limited below `limited_threshold`, else in stock.
Availability AvailabilityOf(int64_t quantity, int64_t limited_threshold = 5);
// Google's spelling: "out_of_stock", "limited_availability", "in_stock".
std::string_view AvailabilityName(Availability availability);

std::vector<FieldError> Validate(const StockLevel& stock);
nlohmann::json ToJson(const StockLevel& stock);

}  // namespace vitrine
