#include "catalog/stock.h"

namespace vitrine {

Availability AvailabilityOf(int64_t quantity, int64_t limited_threshold) {
  if (quantity <= 0) return Availability::kOutOfStock;
  if (quantity < limited_threshold) return Availability::kLimited;
  return Availability::kInStock;
}

std::string_view AvailabilityName(Availability availability) {
  switch (availability) {
    case Availability::kOutOfStock:
      return "out_of_stock";
    case Availability::kLimited:
      return "limited_availability";
    case Availability::kInStock:
      return "in_stock";
  }
  return "out_of_stock";
}

std::vector<FieldError> Validate(const StockLevel& s) {
  using namespace field_rules;
  std::vector<FieldError> errors;
  if (!IsValidId(s.product_id)) errors.push_back({"product_id", "is not a valid product id"});
  if (!IsValidId(s.store_id)) errors.push_back({"store_id", "is not a valid store id"});
  // A count beyond a billion units in one store is a unit or typing error, not stock.
  if (s.quantity > 1'000'000'000 || s.quantity < -1'000'000'000) {
    errors.push_back({"quantity", "is out of range (±1,000,000,000)"});
  }
  return errors;
}

nlohmann::json ToJson(const StockLevel& s) {
  return {{"product_id", s.product_id},
          {"store_id", s.store_id},
          {"quantity", s.quantity},
          {"availability", AvailabilityName(AvailabilityOf(s.quantity))},
          {"measured_at", FormatUtc(s.measured_at)}};
}

}  // namespace vitrine
