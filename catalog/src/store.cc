#include "catalog/store.h"

#include <cmath>

#include "common/time.h"

namespace vitrine {

bool Store::SameContentAs(const Store& o) const {
  return id == o.id && name == o.name && banner == o.banner && address == o.address &&
         postal_code == o.postal_code && city == o.city && country == o.country && lat == o.lat &&
         lon == o.lon && timezone == o.timezone && price_zone == o.price_zone &&
         services == o.services;
}

std::vector<FieldError> Validate(const Store& s) {
  using namespace field_rules;
  std::vector<FieldError> errors;
  if (s.id.empty()) {
    errors.push_back({"id", "is required"});
  } else if (!IsValidId(s.id)) {
    errors.push_back({"id", "must be 1-50 characters of A-Z, a-z, 0-9, '.', '_' or '-'"});
  }
  CheckText(errors, "name", s.name, 100, true);
  CheckText(errors, "banner", s.banner, 50, false);
  CheckText(errors, "address", s.address, 200, false);
  CheckText(errors, "postal_code", s.postal_code, 12, false);
  CheckText(errors, "city", s.city, 100, false);
  if (s.country.size() != 2 || !std::isupper(static_cast<unsigned char>(s.country[0])) ||
      !std::isupper(static_cast<unsigned char>(s.country[1]))) {
    errors.push_back({"country", "must be an ISO 3166-1 alpha-2 code such as FR"});
  }
  if (!std::isfinite(s.lat) || s.lat < -90 || s.lat > 90) {
    errors.push_back({"lat", "must be a latitude between -90 and 90"});
  }
  if (!std::isfinite(s.lon) || s.lon < -180 || s.lon > 180) {
    errors.push_back({"lon", "must be a longitude between -180 and 180"});
  }
  if (!TimeZone::Locate(s.timezone).ok()) {
    errors.push_back({"timezone", "unknown time zone \"" + s.timezone + "\""});
  }
  if (s.price_zone.empty()) {
    errors.push_back({"price_zone", "is required"});
  } else if (!IsValidId(s.price_zone)) {
    errors.push_back({"price_zone", "must be 1-50 characters of A-Z, a-z, 0-9, '.', '_' or '-'"});
  }
  for (const std::string& service : s.services) {
    bool ok = !service.empty() && service.size() <= 40;
    for (char c : service)
      ok = ok && ((c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9'));
    if (!ok) {
      errors.push_back({"services", "\"" + service + "\" is not a service name (a-z, 0-9, _)"});
      break;
    }
  }
  return errors;
}

nlohmann::json ToJson(const Store& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"banner", s.banner},
          {"address", s.address},
          {"postal_code", s.postal_code},
          {"city", s.city},
          {"country", s.country},
          {"lat", s.lat},
          {"lon", s.lon},
          {"timezone", s.timezone},
          {"price_zone", s.price_zone},
          {"services", s.services},
          {"updated_at", FormatUtc(s.updated_at)}};
}

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusKm = 6371.0088;
  constexpr double kRad = M_PI / 180.0;
  const double dlat = (lat2 - lat1) * kRad;
  const double dlon = (lon2 - lon1) * kRad;
  const double a =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

}  // namespace vitrine
