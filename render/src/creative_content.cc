#include "render/creative_content.h"

#include <chrono>
#include <cstdio>

#include "common/quantity.h"
#include "offers/mechanics.h"
#include "offers/texts.h"

namespace vitrine {
namespace {

std::string DayMonth(LocalTime t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  char text[8];
  std::snprintf(text, sizeof text, "%02u/%02u", static_cast<unsigned>(ymd.day()),
                static_cast<unsigned>(ymd.month()));
  return text;
}

// A sentence ends with one full stop, whatever the text it came from ended with.
std::string Sentence(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '.')) text.pop_back();
  if (!text.empty()) text += '.';
  return text;
}

}  // namespace

std::map<std::string, std::string, std::less<>> BindFields(const CreativeContent& content,
                                                           const BrandKit& kit) {
  const PublishedOffer& o = content.offer;
  std::map<std::string, std::string, std::less<>> f;
  f["product.title"] = content.product_title;
  f["product.brand"] = content.product_brand;
  f["product.quantity"] = content.product_quantity;
  f["offer.badge"] = o.badge;
  f["offer.headline"] = o.headline;
  f["offer.legal"] = o.legal;
  f["offer.mechanic"] = o.mechanic;
  f["offer.shelf_price"] = DisplayPrice(o.shelf_price);
  f["offer.regular_price"] = DisplayPrice(o.regular_price);
  // A reference price is shown only beside the reduction it justifies (ARCHITECTURE.md §2):
  // printing it elsewhere would announce a reduction the offer does not make.
  const bool announced = o.discount_percent.has_value() && o.reference_price.has_value();
  f["offer.reference_price"] = announced ? DisplayPrice(*o.reference_price) : "";
  f["offer.reference_line"] = announced ? ReferencePriceLine(*o.reference_price) : "";
  f["offer.discount"] = announced ? "-" + std::to_string(*o.discount_percent) + "%" : "";
  const std::optional<MechanicKind> kind = ParseMechanicKind(o.mechanic);
  const bool price_cut = kind && AnnouncesPriceCut(*kind);
  f["offer.effective_line"] = price_cut ? "" : o.headline;
  std::string unit;
  if (o.unit_price && !o.unit_pricing_base.empty()) {
    auto base = Quantity::Parse(o.unit_pricing_base);
    if (base.ok()) unit = UnitPriceLabel(*o.unit_price, *base);
  }
  f["offer.unit_price"] = unit;
  std::string validity;
  std::string validity_short;
  if (!o.validity.empty()) {
    auto zone = TimeZone::Locate(o.timezone.empty() ? "Europe/Paris" : o.timezone);
    const TimeZone& tz = zone.ok() ? *zone : TimeZone::Paris();
    const LocalTime start = tz.ToLocal(o.validity.begin);
    const LocalTime end = tz.ToLocal(o.validity.end);
    validity = ValidityLine(start, end);
    validity_short = "Du " + DayMonth(start) + " au " + DayMonth(end - std::chrono::seconds(1));
  }
  f["offer.validity"] = validity;
  f["offer.validity_short"] = validity_short;
  std::string fine_print = Sentence(o.legal);
  const std::string validity_sentence = Sentence(validity);
  if (!fine_print.empty() && !validity_sentence.empty()) fine_print += ' ';
  fine_print += validity_sentence;
  f["offer.fine_print"] = fine_print;
  f["brand.name"] = kit.name;
  f["brand.tagline"] = kit.tagline;
  f["store.id"] = o.store_id;
  return f;
}

}  // namespace vitrine
