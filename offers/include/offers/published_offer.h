// PublishedOffer: one promotion for one product in one store, as the world sees it.
//
// Assembly builds it from the promotion and its campaign, the product, the store's regular
// price, its stock and the price history (ARCHITECTURE.md §2). Feeds, the offers API and
// creatives are all made from it. Plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/stock.h"
#include "common/money.h"
#include "common/time.h"

namespace vitrine {

struct PublishedOffer {
  // promotion id + "~" + product id ('~' appears in neither), then "~" + the local start
  // ("20261211", "20261211T0600") for each later stretch of time the promotion holds apart
  // from its first one in the store: see OfferIdParts.
  std::string offer_id;
  std::string store_id;
  std::string campaign_id;
  std::string promotion_id;
  std::string product_id;
  std::string category;               // the product's, for filtering
  std::vector<std::string> channels;  // the campaign's, sorted
  Interval validity;                  // in UTC, from the store's local dates
  std::string timezone;               // the store's IANA zone, for local display

  Money regular_price;                   // the store's regular unit price at the start
  Money shelf_price;                     // what the shelf label shows
  Money effective_unit_price;            // what one unit costs with the mechanic fully used
  std::optional<Money> unit_price;       // per unit_pricing_base, from effective_unit_price
  std::string unit_pricing_base;         // "1 kg", "1 l", "1 pièce"; empty without net quantity
  std::optional<Money> reference_price;  // lowest price of the 30 days before; empty if exempt
  std::optional<int> discount_percent;   // announced reduction against reference_price

  std::string mechanic;  // "percent_off", ...
  nlohmann::json mechanic_parameters = nlohmann::json::object();
  std::optional<Money> loyalty_credit;  // a stacked loyalty credit, per unit
  std::string badge;
  std::string headline;
  std::string legal;

  int64_t stock_quantity = 0;
  Availability availability = Availability::kOutOfStock;

  // Set by the repository, which computes content_hash when it is empty; a writer of many
  // offers (assembly) may compute it itself, off the writing thread, and must then keep it
  // equal to ContentHash(offer).
  std::string content_hash;  // over every field above: equal hash, nothing to publish
  int64_t version = 0;       // 1 on first publication, +1 on each change
  int64_t seq = 0;           // position in the change feed
};

// An offer id's parts. A promotion publishes one offer per product and store for each
// stretch of its validity over which what it offers there is the same (a stacked loyalty
// credit starts, another promotion wins for a week in the middle): the first stretch has
// the id "PROMOTION~PRODUCT", each later one that id + "~" + `segment`, its local start.
struct OfferIdParts {
  std::string_view promotion_id;
  std::string_view product_id;
  std::string_view segment;  // empty for the first stretch
};
// Splits an offer id; nullopt when it is not PROMOTION~PRODUCT[~SEGMENT] with non-empty
// parts.
std::optional<OfferIdParts> ParseOfferId(std::string_view offer_id);
// The id of the stretch of `promotion_id` on `product_id` starting at `local_start`;
// `first` stretches have no segment.
std::string SegmentOfferId(std::string_view promotion_id, std::string_view product_id, bool first,
                           LocalTime local_start);

// Whether `offer_id` is `first_offer_id` ("PROMOTION~PRODUCT") or one of its later
// stretches.
bool IsStretchOf(std::string_view offer_id, std::string_view first_offer_id);

// A stable hash of the content fields (everything above content_hash), hex.
std::string ContentHash(const PublishedOffer& offer);
// The same, given offer.mechanic_parameters.dump(): a writer of many offers of one promotion
// serialises the parameters once instead of once per offer.
std::string ContentHash(const PublishedOffer& offer, std::string_view mechanic_parameters_json);

// ContentHash in two steps, so that offers differing only by their store are hashed once:
// VariantHash covers every content field but store_id, stock_quantity and availability, and
// ContentHash(o) == StoreContentHash(VariantHash(o, parameters), o.store_id,
// o.stock_quantity, o.availability).
std::string VariantHash(const PublishedOffer& offer, std::string_view mechanic_parameters_json);
std::string StoreContentHash(std::string_view variant_hash, std::string_view store_id,
                             int64_t stock_quantity, Availability availability);

// (store_id, offer_id): the order repositories write offers in (one store's offers after
// the next keeps their per-store index writes local). Assembly hands offers over sorted so.
bool StoreOrderLess(const PublishedOffer& a, const PublishedOffer& b);

// The public JSON of an offer (the offers API and the change feed), with the validity in
// the store's local time and UTC offset.
nlohmann::json ToJson(const PublishedOffer& offer);

}  // namespace vitrine
