// Price: one entry of a product's regular selling-price history, at one level.
//
// A price applies nationally, in a price zone or in one store; for a given store the most
// specific level that has a price wins. Entries are never overwritten by a later price: the
// history is the source of the legal 30-day reference price. Plain data; thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/field_error.h"
#include "common/money.h"
#include "common/time.h"

namespace vitrine {

struct Store;

enum class PriceLevel { kNational, kZone, kStore };

std::string_view PriceLevelName(PriceLevel level);  // "national", "zone", "store"
std::optional<PriceLevel> ParsePriceLevel(std::string_view name);

struct Price {
  std::string product_id;
  PriceLevel level = PriceLevel::kNational;
  std::string level_id;  // zone id or store id; empty for national
  Money amount;
  Instant effective_from{};  // the price applies from this instant until the next entry

  friend bool operator==(const Price&, const Price&) = default;
};

// Amount strictly positive, ids well-formed, level_id empty exactly for national prices.
std::vector<FieldError> Validate(const Price& price);
nlohmann::json ToJson(const Price& price);

// A price that applied to one store over [from, until): the result of merging the national,
// zone and store histories with the most specific level winning.
struct AppliedPrice {
  Instant from;
  Instant until;  // Instant::max() while still in force
  Money amount;
  PriceLevel level;
};

// The prices that applied to `store` over time, from `history` (any order, any product
// levels; entries of other zones and stores are ignored). Consecutive spans with the same
// amount and level are merged.
std::vector<AppliedPrice> AppliedPriceTimeline(std::span<const Price> history, const Store& store);

// The price in force for `store` at `at`, or nullopt when no level has one yet.
std::optional<AppliedPrice> PriceAt(std::span<const Price> history, const Store& store, Instant at);

}  // namespace vitrine
