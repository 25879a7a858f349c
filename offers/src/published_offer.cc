#include "offers/published_offer.h"

#include <chrono>
#include <cstdio>

namespace vitrine {
namespace {

// FNV-1a, 64 bits: stable across runs and builds (std::hash is not), and cheap enough to
// run over two million offers on every assembly.
class Fnv1a {
 public:
  void Add(std::string_view text) {
    for (unsigned char c : text) {
      hash_ ^= c;
      hash_ *= 0x100000001b3ULL;
    }
    hash_ ^= 0xff;  // field separator, so ("ab","c") and ("a","bc") differ
    hash_ *= 0x100000001b3ULL;
  }
  void Add(int64_t value) { Add(std::string_view(reinterpret_cast<const char*>(&value), 8)); }
  void Add(const Money& money) {
    Add(money.minor_units());
    Add(money.currency().code());
  }
  void Add(const std::optional<Money>& money) {
    Add(money.has_value() ? int64_t{1} : int64_t{0});
    if (money) Add(*money);
  }
  std::string Hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
    return buf;
  }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

nlohmann::json MoneyJson(const std::optional<Money>& money) {
  return money ? nlohmann::json(money->ToFeedString()) : nlohmann::json();
}

}  // namespace

std::optional<OfferIdParts> ParseOfferId(std::string_view offer_id) {
  const size_t first = offer_id.find('~');
  if (first == std::string_view::npos || first == 0) return std::nullopt;
  OfferIdParts parts;
  parts.promotion_id = offer_id.substr(0, first);
  std::string_view rest = offer_id.substr(first + 1);
  const size_t second = rest.find('~');
  parts.product_id = rest.substr(0, second);
  if (second != std::string_view::npos) {
    parts.segment = rest.substr(second + 1);
    if (parts.segment.empty() || parts.segment.find('~') != std::string_view::npos) {
      return std::nullopt;
    }
  }
  if (parts.product_id.empty()) return std::nullopt;
  return parts;
}

bool IsStretchOf(std::string_view offer_id, std::string_view first_offer_id) {
  return offer_id.starts_with(first_offer_id) &&
         (offer_id.size() == first_offer_id.size() || offer_id[first_offer_id.size()] == '~');
}

std::string SegmentOfferId(std::string_view promotion_id, std::string_view product_id, bool first,
                           LocalTime local_start) {
  std::string id;
  id.append(promotion_id).append("~").append(product_id);
  if (first) return id;
  const auto day = std::chrono::floor<std::chrono::days>(local_start);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{local_start - day};
  char text[32];
  std::snprintf(text, sizeof text, "~%04d%02u%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  id += text;
  if (time.hours().count() != 0 || time.minutes().count() != 0) {
    std::snprintf(text, sizeof text, "T%02d%02d", static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()));
    id += text;
  }
  return id;
}

bool StoreOrderLess(const PublishedOffer& a, const PublishedOffer& b) {
  if (const int c = a.store_id.compare(b.store_id); c != 0) return c < 0;
  return a.offer_id < b.offer_id;
}

std::string ContentHash(const PublishedOffer& o) {
  return ContentHash(o, o.mechanic_parameters.dump());
}

std::string ContentHash(const PublishedOffer& o, std::string_view mechanic_parameters_json) {
  return StoreContentHash(VariantHash(o, mechanic_parameters_json), o.store_id, o.stock_quantity,
                          o.availability);
}

std::string VariantHash(const PublishedOffer& o, std::string_view mechanic_parameters_json) {
  Fnv1a h;
  for (std::string_view s :
       {std::string_view(o.offer_id), std::string_view(o.campaign_id),
        std::string_view(o.promotion_id), std::string_view(o.product_id),
        std::string_view(o.category), std::string_view(o.timezone),
        std::string_view(o.unit_pricing_base), std::string_view(o.mechanic),
        std::string_view(o.badge), std::string_view(o.headline), std::string_view(o.legal)}) {
    h.Add(s);
  }
  for (const std::string& channel : o.channels) h.Add(channel);
  h.Add(ToUnixSeconds(o.validity.begin));
  h.Add(ToUnixSeconds(o.validity.end));
  h.Add(o.regular_price);
  h.Add(o.shelf_price);
  h.Add(o.effective_unit_price);
  h.Add(o.unit_price);
  h.Add(o.reference_price);
  h.Add(o.loyalty_credit);
  h.Add(static_cast<int64_t>(o.discount_percent.value_or(-1)));
  h.Add(mechanic_parameters_json);
  return h.Hex();
}

std::string StoreContentHash(std::string_view variant_hash, std::string_view store_id,
                             int64_t stock_quantity, Availability availability) {
  Fnv1a h;
  h.Add(variant_hash);
  h.Add(store_id);
  h.Add(stock_quantity);
  h.Add(static_cast<int64_t>(availability));
  return h.Hex();
}

nlohmann::json ToJson(const PublishedOffer& o) {
  nlohmann::json validity = {{"start", FormatUtc(o.validity.begin)},
                             {"end", FormatUtc(o.validity.end)}};
  if (auto zone = TimeZone::Locate(o.timezone); zone.ok()) {
    validity["start_local"] = zone->FormatRfc3339(o.validity.begin);
    validity["end_local"] = zone->FormatRfc3339(o.validity.end);
  }
  validity["timezone"] = o.timezone;
  return {{"offer_id", o.offer_id},
          {"store_id", o.store_id},
          {"campaign_id", o.campaign_id},
          {"promotion_id", o.promotion_id},
          {"product_id", o.product_id},
          {"category", o.category},
          {"channels", o.channels},
          {"validity", std::move(validity)},
          {"prices",
           {{"regular", o.regular_price.ToFeedString()},
            {"shelf", o.shelf_price.ToFeedString()},
            {"effective_unit", o.effective_unit_price.ToFeedString()},
            {"unit_price", MoneyJson(o.unit_price)},
            {"unit_pricing_base",
             o.unit_pricing_base.empty() ? nlohmann::json() : nlohmann::json(o.unit_pricing_base)},
            {"reference", MoneyJson(o.reference_price)},
            {"discount_percent",
             o.discount_percent ? nlohmann::json(*o.discount_percent) : nlohmann::json()},
            {"loyalty_credit", MoneyJson(o.loyalty_credit)}}},
          {"mechanic", {{"type", o.mechanic}, {"parameters", o.mechanic_parameters}}},
          {"texts", {{"badge", o.badge}, {"headline", o.headline}, {"legal", o.legal}}},
          {"stock",
           {{"quantity", o.stock_quantity}, {"availability", AvailabilityName(o.availability)}}},
          {"version", o.version},
          {"seq", o.seq}};
}

}  // namespace vitrine
