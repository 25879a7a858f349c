// Published offers: list, one offer, its explanation, and the change feed.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "api_routes.h"
#include "api_support.h"
#include "catalog/field_error.h"
#include "offer_pages.h"

namespace vitrine::api {
namespace {

std::optional<double> ParseDouble(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// "out_of_stock,limited" (or "out_of_stock|limited"): the states an offer list keeps; the
// dashboard's "limited" and the offers' own "limited_availability" both name the middle one.
// Empty on a bad list.
std::optional<std::vector<Availability>> ParseAvailabilities(std::string_view text) {
  std::vector<Availability> states;
  while (true) {
    const size_t comma = text.find_first_of(",|");
    const std::string_view name = text.substr(0, comma);
    std::optional<Availability> state;
    if (name == "out_of_stock") state = Availability::kOutOfStock;
    if (name == "limited" || name == "limited_availability") state = Availability::kLimited;
    if (name == "in_stock") state = Availability::kInStock;
    if (!state) return std::nullopt;
    if (std::find(states.begin(), states.end(), *state) == states.end()) states.push_back(*state);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  std::sort(states.begin(), states.end());
  return states;
}

class OfferRoutes {
 public:
  OfferRoutes(const ApiServices& services, std::shared_ptr<StoreDirectory> stores)
      : s_(services), stores_(std::move(stores)), pages_(std::make_shared<OfferPages>()) {}

  HttpResponse List(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    OfferQuery query;
    query.store_id = request.Query("store").value_or("");
    query.campaign_id = request.Query("campaign").value_or("");
    query.product_id = request.Query("product").value_or("");
    query.category = request.Query("category").value_or("");
    if (query.category.size() > 200) return BadParameter("category", "is longer than 200 bytes");
    for (auto [name, value] :
         {std::pair{"store", &query.store_id}, std::pair{"campaign", &query.campaign_id},
          std::pair{"product", &query.product_id}}) {
      if (!value->empty() && !field_rules::IsValidId(*value)) {
        return BadParameter(name, "is not a valid id");
      }
    }
    if (auto channel = ChannelFor(request, &problem)) query.channel = *channel;
    if (problem) return *problem;
    if (auto at = request.Query("at")) {
      auto parsed = ParseInstant(*at);
      if (!parsed.ok()) return BadParameter("at", parsed.status().message());
      query.at = *parsed;
    }
    if (auto availability = request.Query("availability")) {
      auto states = ParseAvailabilities(*availability);
      if (!states) {
        return BadParameter("availability",
                            "is a comma-separated list of out_of_stock, limited (or "
                            "limited_availability) and in_stock");
      }
      query.availability = std::move(*states);
    }
    if (auto limit = ParseLimit(request, &problem)) query.limit = *limit;
    if (problem) return *problem;
    if (auto near = request.Query("near")) return ListNear(request, *near, query);
    if (request.Query("radius_km")) return BadParameter("radius_km", "needs near=lat,lon");
    query.after = CursorKey(request, "offers", &problem);
    if (problem) return *problem;
    // The seq first: a page read after it is at least as new (offer_pages.h).
    auto seq = s_.offers->LastSeq();
    if (!seq.ok()) return StoreFailure(seq.status());
    const std::string key = OfferPages::KeyOf(query);
    std::shared_ptr<const OfferPages::Page> kept = pages_->Find(key, *seq);
    if (!kept) {
      auto page = s_.offers->ListOffers(query);
      if (!page.ok())
        return page.status().code() == StatusCode::kInvalidArgument
                   ? HttpResponse::FromStatus(page.status())
                   : StoreFailure(page.status());
      nlohmann::json items = nlohmann::json::array();
      for (const PublishedOffer& o : page->items) items.push_back(ToJson(o));
      auto made = std::make_shared<OfferPages::Page>();
      made->body =
          HttpResponse::Json(200, PageJson(std::move(items), "offers", page->next_after)).body;
      kept = made;
      pages_->Keep(key, *seq, kept);
    }
    return PageResponse(request, key, *seq, std::move(kept));
  }

  HttpResponse Get(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    auto key = OfferKey(request, &problem);
    if (!key) return *problem;
    auto offer = s_.offers->GetOffer(key->first, key->second);
    if (!offer.ok()) return StoreFailure(offer.status());
    if (!offer->has_value() || !Visible(request, **offer)) {
      return HttpResponse::Problem(
          404, "Not found",
          "no published offer \"" + key->first + "\" in store \"" + key->second + "\"");
    }
    return HttpResponse::Json(200, ToJson(**offer));
  }

  HttpResponse Explain(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    auto key = OfferKey(request, &problem);
    if (!key) return *problem;
    auto explanation = s_.explain_offer(key->first, key->second);
    if (!explanation.ok()) {
      return explanation.status().code() == StatusCode::kNotFound ||
                     explanation.status().code() == StatusCode::kInvalidArgument
                 ? HttpResponse::FromStatus(explanation.status())
                 : StoreFailure(explanation.status());
    }
    return HttpResponse::Json(200, *explanation);
  }

  HttpResponse Changes(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    int64_t since = 0;
    if (auto text = request.Query("since")) {
      auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), since);
      if (ec != std::errc() || end != text->data() + text->size() || since < 0) {
        return BadParameter("since", "must be a seq (a whole number from 0)");
      }
    }
    const auto channel = ChannelFor(request, &problem);
    const auto limit = ParseLimit(request, &problem);
    if (problem) return *problem;
    auto changes = s_.offers->ListChanges(since, *limit, channel.value_or(""));
    if (!changes.ok()) return StoreFailure(changes.status());
    nlohmann::json items = nlohmann::json::array();
    int64_t next = since;
    for (const OfferChange& c : *changes) {
      nlohmann::json item = {{"seq", c.seq},
                             {"offer_id", c.offer_id},
                             {"store_id", c.store_id},
                             {"op", c.deleted ? "delete" : "upsert"}};
      if (c.offer) item["offer"] = ToJson(*c.offer);
      items.push_back(std::move(item));
      next = std::max(next, c.seq);
    }
    return HttpResponse::Json(200, {{"changes", std::move(items)}, {"next_since", next}});
  }

 private:
  // A kept page, gzipped when the client accepts it (the gzip is made once and kept too).
  HttpResponse PageResponse(const HttpRequest& request, const std::string& key, int64_t seq,
                            std::shared_ptr<const OfferPages::Page> page) const {
    HttpResponse response;
    if (AcceptsGzip(request) && page->gzip.empty()) {
      // zlib fails only without memory: the page then goes uncompressed.
      if (auto gzip = GzipBytes(page->body); gzip.ok()) {
        auto both = std::make_shared<OfferPages::Page>(*page);
        both->gzip = std::move(gzip).value();
        pages_->Keep(key, seq, both);
        page = std::move(both);
      }
    }
    if (AcceptsGzip(request) && !page->gzip.empty()) {
      response = HttpResponse::Text(200, page->gzip, "application/json");
      response.headers.Set("Content-Encoding", "gzip");
    } else {
      response = HttpResponse::Text(200, page->body, "application/json");
    }
    response.headers.Set("Vary", "Accept-Encoding");
    return response;
  }

  // A platform sees its own channel only, whatever it asks for.
  std::optional<std::string> ChannelFor(const HttpRequest& request,
                                        std::optional<HttpResponse>* problem) const {
    const auto asked = request.Query("channel");
    if (request.principal && request.principal->role == Role::kPlatform) {
      if (asked && *asked != request.principal->channel.value_or("")) {
        *problem =
            HttpResponse::Problem(403, "Forbidden",
                                  "this token reads the \"" +
                                      request.principal->channel.value_or("") + "\" channel only");
        return std::nullopt;
      }
      return request.principal->channel.value_or("");
    }
    if (asked && (asked->empty() || asked->size() > 40)) {
      *problem = BadParameter("channel", "is not a channel name");
      return std::nullopt;
    }
    return asked ? std::optional<std::string>(std::string(*asked)) : std::nullopt;
  }

  bool Visible(const HttpRequest& request, const PublishedOffer& offer) const {
    if (!request.principal || request.principal->role != Role::kPlatform) return true;
    const std::string channel = request.principal->channel.value_or("");
    return std::find(offer.channels.begin(), offer.channels.end(), channel) != offer.channels.end();
  }

  std::optional<std::pair<std::string, std::string>> OfferKey(
      const HttpRequest& request, std::optional<HttpResponse>* problem) const {
    const std::string offer_id(request.PathParam("offer_id"));
    if (!IsOfferId(offer_id)) {
      *problem = BadParameter(
          "offer_id",
          "is not an offer id (PROMOTION~PRODUCT, or PROMOTION~PRODUCT~START for a later stretch)");
      return std::nullopt;
    }
    auto store = request.Query("store");
    if (!store || !field_rules::IsValidId(*store)) {
      *problem = BadParameter("store", "is required: offers are published per store");
      return std::nullopt;
    }
    return std::pair{offer_id, std::string(*store)};
  }

  // Offers of the stores within radius_km, nearest stores first.
  HttpResponse ListNear(const HttpRequest& request, std::string_view near, OfferQuery query) const {
    const size_t comma = near.find(',');
    const auto lat =
        comma == std::string_view::npos ? std::nullopt : ParseDouble(near.substr(0, comma));
    const auto lon =
        comma == std::string_view::npos ? std::nullopt : ParseDouble(near.substr(comma + 1));
    if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
      return BadParameter("near", "must be lat,lon in decimal degrees, e.g. 45.76,4.84");
    }
    double radius = 10;
    if (auto text = request.Query("radius_km")) {
      auto parsed = ParseDouble(*text);
      if (!parsed || *parsed <= 0 || *parsed > 1000) {
        return BadParameter("radius_km", "must be a number of kilometres above 0, at most 1000");
      }
      radius = *parsed;
    }
    std::optional<HttpResponse> problem;
    // The cursor is "<store index>|<offer after>" into the distance-sorted store list.
    const std::string cursor = CursorKey(request, "offers-near", &problem);
    if (problem) return *problem;
    size_t store_index = 0;
    std::string after;
    if (!cursor.empty()) {
      const size_t bar = cursor.find('|');
      if (bar == std::string::npos) return BadParameter("cursor", "is not a cursor of this list");
      auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + bar, store_index);
      if (ec != std::errc() || end != cursor.data() + bar) {
        return BadParameter("cursor", "is not a cursor of this list");
      }
      after = cursor.substr(bar + 1);
    }
    const std::string only_store = query.store_id;
    auto nearby = stores_->Near(*lat, *lon, radius, [&](const Store& st) {
      return only_store.empty() || st.id == only_store;
    });
    if (!nearby.ok()) return StoreFailure(nearby.status());
    const auto& hits = nearby->hits;
    nlohmann::json items = nlohmann::json::array();
    const int limit = query.limit;
    std::string next;
    for (size_t i = store_index; i < hits.size(); ++i) {
      query.store_id = hits[i].store->id;
      query.after = i == store_index ? after : "";
      query.limit = limit - static_cast<int>(items.size());
      auto page = s_.offers->ListOffers(query);
      if (!page.ok()) return StoreFailure(page.status());
      for (const PublishedOffer& o : page->items) {
        nlohmann::json item = ToJson(o);
        item["distance_km"] = std::round(hits[i].distance_km * 1000) / 1000;
        items.push_back(std::move(item));
      }
      if (static_cast<int>(items.size()) >= limit) {
        if (!page->next_after.empty()) {
          next = std::to_string(i) + "|" + page->next_after;
        } else if (i + 1 < hits.size()) {
          next = std::to_string(i + 1) + "|";
        }
        break;
      }
    }
    return HttpResponse::Json(200, PageJson(std::move(items), "offers-near", next));
  }

  const ApiServices& s_;
  std::shared_ptr<StoreDirectory> stores_;
  std::shared_ptr<OfferPages> pages_;  // shared: handlers are const
};

}  // namespace

Status AddOfferRoutes(HttpServer& server, const ApiServices& services,
                      std::shared_ptr<StoreDirectory> stores) {
  auto routes = std::make_shared<OfferRoutes>(services, std::move(stores));
  auto bind = [routes](auto method) { return Handler(routes, method); };
  std::vector<Route> table = {
      {"GET",
       "/api/v1/offers",
       Role::kViewer,
       true,
       {},
       "",
       bind(&OfferRoutes::List),
       {"store", "campaign", "product", "category", "channel", "at", "availability", "near",
        "radius_km", "cursor", "limit"}},
      {"GET",
       "/api/v1/offers/changes",
       Role::kViewer,
       true,
       {},
       "",
       bind(&OfferRoutes::Changes),
       {"since", "channel", "limit"}},
      {"GET",
       "/api/v1/offers/{offer_id}",
       Role::kViewer,
       true,
       {},
       "",
       bind(&OfferRoutes::Get),
       {"store"}},
      {"GET",
       "/api/v1/offers/{offer_id}/explain",
       Role::kViewer,
       false,
       {},
       "",
       bind(&OfferRoutes::Explain),
       {"store"}},
  };
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api
