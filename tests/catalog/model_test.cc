#include <gtest/gtest.h>

#include "catalog/product.h"
#include "catalog/stock.h"
#include "catalog/store.h"

namespace vitrine {
namespace {

Product Nutella() {
  Product p;
  p.id = "P3017620422003";
  p.gtin = *Gtin::Parse("3017620422003");
  p.title = "Pâte à tartiner aux noisettes";
  p.brand = "Nutella";
  p.net_quantity = *Quantity::Parse("400 g");
  p.image_url = "https://images.example/nutella.png";
  return p;
}

std::vector<std::string> Fields(const std::vector<FieldError>& errors) {
  std::vector<std::string> fields;
  for (const auto& e : errors) fields.push_back(e.field);
  return fields;
}

TEST(ProductTest, ValidProductHasNoErrors) { EXPECT_TRUE(Validate(Nutella()).empty()); }

TEST(ProductTest, EachBadFieldIsNamed) {
  Product p = Nutella();
  p.id = "../../etc/passwd";
  p.title = "";
  p.brand = std::string(71, 'b');
  p.description = "bad \x01 control";
  p.image_url = "javascript:alert(1)";
  p.attributes = nlohmann::json::array();
  EXPECT_EQ(Fields(Validate(p)), (std::vector<std::string>{"id", "title", "brand", "description",
                                                           "image_url", "attributes"}));
}

TEST(ProductTest, InvalidUtf8IsReported) {
  Product p = Nutella();
  p.title = "caf\xE9";
  const auto errors = Validate(p);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "is not valid UTF-8");
}

TEST(ProductTest, LimitsCountCharactersNotBytes) {
  Product p = Nutella();
  std::string title;
  for (int i = 0; i < 150; ++i) title += "é";  // 300 bytes, 150 characters
  p.title = title;
  EXPECT_TRUE(Validate(p).empty());
  p.title += "é";
  EXPECT_EQ(Fields(Validate(p)), std::vector<std::string>{"title"});
}

TEST(ProductTest, SameContentIgnoresUpdatedAt) {
  Product a = Nutella();
  Product b = Nutella();
  b.updated_at = FromUnixSeconds(1234);
  EXPECT_TRUE(a.SameContentAs(b));
  b.net_quantity = *Quantity::Parse("750 g");
  EXPECT_FALSE(a.SameContentAs(b));
}

TEST(ProductTest, JsonCarriesUnitPricing) {
  const nlohmann::json j = ToJson(Nutella());
  EXPECT_EQ(j["gtin"], "3017620422003");
  EXPECT_EQ(j["net_quantity"], "400 g");
  EXPECT_EQ(j["unit_pricing_measure"], "400g");
  EXPECT_EQ(j["unit_pricing_base_measure"], "1kg");
  EXPECT_EQ(j["gtin_restricted"], false);
}

TEST(StoreTest, ValidatesCoordinatesZoneAndTimeZone) {
  Store s;
  s.id = "S001";
  s.name = "Vitrine Lyon";
  s.lat = 45.75;
  s.lon = 4.85;
  s.price_zone = "SUD-EST";
  EXPECT_TRUE(Validate(s).empty());
  s.lat = 91;
  s.lon = -181;
  s.timezone = "Mars/Olympus";
  s.price_zone = "";
  s.country = "France";
  s.services = {"Click & Collect"};
  EXPECT_EQ(Fields(Validate(s)), (std::vector<std::string>{"country", "lat", "lon", "timezone",
                                                           "price_zone", "services"}));
}

TEST(StoreTest, DistanceParisLyon) {
  // Paris (Notre-Dame) to Lyon (Bellecour) is about 392 km as the crow flies.
  EXPECT_NEAR(DistanceKm(48.853, 2.3499, 45.7578, 4.8320), 392, 3);
  EXPECT_DOUBLE_EQ(DistanceKm(45, 4, 45, 4), 0);
}

TEST(StockTest, AvailabilityThresholds) {
  EXPECT_EQ(AvailabilityOf(-3), Availability::kOutOfStock);
  EXPECT_EQ(AvailabilityOf(0), Availability::kOutOfStock);
  EXPECT_EQ(AvailabilityOf(4), Availability::kLimited);
  EXPECT_EQ(AvailabilityOf(5), Availability::kInStock);
  EXPECT_EQ(AvailabilityOf(9, 10), Availability::kLimited);
  EXPECT_EQ(AvailabilityName(Availability::kLimited), "limited_availability");
}

}  // namespace
}  // namespace vitrine
