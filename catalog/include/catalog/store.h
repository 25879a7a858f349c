// Store and PriceZone: the retailer's shops and the zones its regular prices are set in.
// Plain data; thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog/field_error.h"
#include "common/time.h"

namespace vitrine {

struct Store {
  std::string id;  // store code, also Google's store_code
  std::string name;
  std::string banner;  // the chain's store format: "Hyper", "Market", "City"
  std::string address;
  std::string postal_code;
  std::string city;
  std::string country = "FR";  // ISO 3166-1 alpha-2
  double lat = 0;
  double lon = 0;
  std::string timezone = "Europe/Paris";  // IANA name
  std::string price_zone;                 // id of the PriceZone whose prices apply
  std::vector<std::string> services;      // "click_and_collect", "delivery", "drive"
  Instant updated_at{};

  bool SameContentAs(const Store& other) const;
};

// A zone is created the first time a store names it; its display name defaults to its id.
struct PriceZone {
  std::string id;
  std::string name;
  friend bool operator==(const PriceZone&, const PriceZone&) = default;
};

std::vector<FieldError> Validate(const Store& store);
nlohmann::json ToJson(const Store& store);

// Great-circle distance in kilometres (haversine, mean Earth radius).
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

}  // namespace vitrine
