// Product: an article the retailer sells, keyed by its SKU. Plain data; thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/field_error.h"
#include "common/gtin.h"
#include "common/quantity.h"
#include "common/time.h"

namespace vitrine {

struct Product {
  std::string id;            // retailer SKU: the stable key, also Google's g:id
  std::optional<Gtin> gtin;  // check digit verified; restricted codes kept
  std::string title;
  std::string brand;
  std::string description;
  std::string category;         // retailer path, ">"-separated: "Épicerie > Chocolat"
  std::string google_category;  // Google product taxonomy id or path
  std::optional<Quantity> net_quantity;
  std::optional<Quantity> unit_pricing_base;  // when empty, net_quantity's natural base
  std::string image_url;                      // absolute http(s) URL, or empty
  bool perishable = false;                    // exempt from the 30-day reference price rule
  nlohmann::json attributes = nlohmann::json::object();  // free retailer data
  Instant updated_at{};  // set by the repository on every content change

  // Equal in everything a writer supplies (updated_at excluded): an import that brings the
  // same product again counts it as unchanged.
  bool SameContentAs(const Product& other) const;
};

// Checks every field. Returns one error per bad field (empty when the product is valid).
std::vector<FieldError> Validate(const Product& product);

nlohmann::json ToJson(const Product& product);

}  // namespace vitrine
