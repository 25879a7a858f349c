#include "catalog/product.h"

#include "common/text.h"

namespace vitrine {
namespace {

bool SameQuantity(const std::optional<Quantity>& a, const std::optional<Quantity>& b) {
  return a.has_value() == b.has_value() && (!a || *a == *b);
}

bool IsHttpUrl(std::string_view url) {
  return (url.starts_with("http://") || url.starts_with("https://")) && url.size() > 8 &&
         url.find_first_of(" \t\r\n\"<>") == std::string_view::npos;
}

}  // namespace

bool Product::SameContentAs(const Product& o) const {
  return id == o.id && gtin == o.gtin && title == o.title && brand == o.brand &&
         description == o.description && category == o.category &&
         google_category == o.google_category && SameQuantity(net_quantity, o.net_quantity) &&
         SameQuantity(unit_pricing_base, o.unit_pricing_base) && image_url == o.image_url &&
         perishable == o.perishable && attributes == o.attributes;
}

std::vector<FieldError> Validate(const Product& p) {
  using namespace field_rules;
  std::vector<FieldError> errors;
  if (p.id.empty()) {
    errors.push_back({"id", "is required"});
  } else if (!IsValidId(p.id)) {
    errors.push_back({"id", "must be 1-50 characters of A-Z, a-z, 0-9, '.', '_' or '-'"});
  }
  // Limits are the strictest of the platforms Vitrine feeds (Google Merchant Center).
  CheckText(errors, "title", p.title, 150, true);
  CheckText(errors, "brand", p.brand, 70, false);
  CheckText(errors, "description", p.description, 5000, false, true);
  CheckText(errors, "category", p.category, 750, false);
  CheckText(errors, "google_category", p.google_category, 750, false);
  if (!p.image_url.empty() && !IsHttpUrl(p.image_url)) {
    errors.push_back({"image_url", "must be an absolute http or https URL"});
  } else {
    CheckText(errors, "image_url", p.image_url, 2000, false);
  }
  if (p.net_quantity && p.unit_pricing_base &&
      p.net_quantity->dimension() != p.unit_pricing_base->dimension()) {
    errors.push_back({"unit_pricing_base", "is not in the same dimension as net_quantity"});
  }
  if (p.unit_pricing_base && !p.net_quantity) {
    errors.push_back({"unit_pricing_base", "needs a net_quantity"});
  }
  if (!p.attributes.is_object()) errors.push_back({"attributes", "must be a JSON object"});
  return errors;
}

nlohmann::json ToJson(const Product& p) {
  nlohmann::json j = {
      {"id", p.id},
      {"gtin", p.gtin ? nlohmann::json(p.gtin->digits()) : nlohmann::json(nullptr)},
      {"title", p.title},
      {"brand", p.brand},
      {"description", p.description},
      {"category", p.category},
      {"google_category", p.google_category},
      {"net_quantity",
       p.net_quantity ? nlohmann::json(p.net_quantity->ToDisplayString()) : nlohmann::json()},
      {"image_url", p.image_url},
      {"perishable", p.perishable},
      {"attributes", p.attributes},
      {"updated_at", FormatUtc(p.updated_at)},
  };
  if (p.net_quantity) {
    const Quantity base =
        p.unit_pricing_base ? *p.unit_pricing_base : p.net_quantity->UnitPricingBase();
    j["unit_pricing_base"] = base.ToDisplayString();
    j["unit_pricing_measure"] = p.net_quantity->ToFeedString();
    j["unit_pricing_base_measure"] = base.ToFeedString();
  } else {
    j["unit_pricing_base"] = nullptr;
  }
  if (p.gtin) j["gtin_restricted"] = p.gtin->IsRestricted();
  return j;
}

}  // namespace vitrine
