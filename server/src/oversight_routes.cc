// Oversight routes: the audit log, dashboard figures and the OpenAPI document.
#include <charconv>
#include <map>

#include "api_routes.h"
#include "api_support.h"

namespace vitrine::api {
namespace {

class OversightRoutes {
 public:
  OversightRoutes(const ApiServices& services, std::shared_ptr<StoreDirectory> stores)
      : s_(services), stores_(std::move(stores)) {}

  HttpResponse ListAudit(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    AuditQuery query;
    query.entity = request.Query("entity").value_or("");
    query.entity_id = request.Query("id").value_or("");
    if (query.entity.size() > 50) return BadParameter("entity", "is longer than 50 bytes");
    if (query.entity_id.size() > 200) return BadParameter("id", "is longer than 200 bytes");
    const std::string before = CursorKey(request, "audit", &problem);
    if (!problem && !before.empty()) {
      auto [end, ec] =
          std::from_chars(before.data(), before.data() + before.size(), query.before_seq);
      if (ec != std::errc() || query.before_seq <= 0) {
        problem = BadParameter("cursor", "is not a cursor of this list");
      }
    }
    if (!problem) {
      if (auto limit = ParseLimit(request, &problem)) query.limit = *limit;
    }
    if (problem) return *problem;
    auto entries = s_.audit->ListAudit(query);
    if (!entries.ok()) return StoreFailure(entries.status());
    nlohmann::json items = nlohmann::json::array();
    for (const AuditEntry& e : *entries) items.push_back(ToJson(e));
    // A full page may have more behind it; the cursor is the oldest seq shown.
    const std::string next = static_cast<int>(entries->size()) == query.limit
                                 ? std::to_string(entries->back().seq)
                                 : std::string();
    return HttpResponse::Json(200, PageJson(std::move(items), "audit", next));
  }

  HttpResponse Stats(const HttpRequest&) const {
    auto counts = s_.catalog->Counts();
    if (!counts.ok()) return StoreFailure(counts.status());
    auto stores = stores_->All();
    if (!stores.ok()) return StoreFailure(stores.status());
    std::map<std::string, int> by_zone;
    for (const Store& st : (*stores)->stores) ++by_zone[st.price_zone];
    nlohmann::json stats = {
        {"products", counts->products},         {"stores", counts->stores},
        {"price_zones", counts->price_zones},   {"price_entries", counts->price_entries},
        {"stock_levels", counts->stock_levels}, {"stores_by_zone", by_zone}};
    if (s_.feeds) {
      // {"google": {"google-products": 12, ...}, "backoffice": {...}}
      nlohmann::json pulls = nlohmann::json::object();
      for (const auto& [key, count] : s_.feeds->Pulls()) pulls[key.first][key.second] = count;
      stats["feed_pulls"] = std::move(pulls);
    }
    return HttpResponse::Json(200, stats);
  }

  HttpResponse OpenApi(const HttpRequest&) const {
    return HttpResponse::Text(200, std::string(OpenApiDocument()), "application/json");
  }

 private:
  const ApiServices& s_;
  std::shared_ptr<StoreDirectory> stores_;
};

}  // namespace

Status AddOversightRoutes(HttpServer& server, const ApiServices& services,
                          std::shared_ptr<StoreDirectory> stores) {
  auto routes = std::make_shared<OversightRoutes>(services, std::move(stores));
  auto bind = [routes](auto method) { return Handler(routes, method); };
  std::vector<Route> table = {
      {"GET",
       "/api/v1/audit",
       Role::kApprover,
       false,
       {},
       "",
       bind(&OversightRoutes::ListAudit),
       {"entity", "id", "cursor", "limit"}},
      {"GET", "/api/v1/stats", Role::kViewer, false, {}, "", bind(&OversightRoutes::Stats)},
      {"GET",
       "/api/v1/openapi.json",
       Role::kPublic,
       false,
       {},
       "",
       bind(&OversightRoutes::OpenApi)},
  };
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api

namespace vitrine {

Status AddApiRoutes(HttpServer& server, const ApiServices& services) {
  if (!services.catalog || !services.accounts || !services.audit || !services.clock) {
    return Status::InvalidArgument("the API needs a catalogue, accounts, an audit log and a clock");
  }
  api::CountStoreErrorsIn(&server.metrics());
  auto stores = std::make_shared<api::StoreDirectory>(*services.catalog);
  VITRINE_RETURN_IF_ERROR(api::AddCatalogRoutes(server, services, stores));
  VITRINE_RETURN_IF_ERROR(api::AddAccountRoutes(server, services));
  VITRINE_RETURN_IF_ERROR(api::AddOversightRoutes(server, services, stores));
  if (services.campaigns || services.offers) {
    if (!services.campaigns || !services.offers || !services.changes || !services.workflow ||
        !services.changes_written || !services.await_offers || !services.explain_offer ||
        !services.preview_campaign) {
      return Status::InvalidArgument(
          "the campaign and offer routes need both repositories, the change log, the "
          "campaign workflow and the four offers hooks");
    }
    VITRINE_RETURN_IF_ERROR(api::AddCampaignRoutes(server, services));
    VITRINE_RETURN_IF_ERROR(api::AddOfferRoutes(server, services, stores));
    VITRINE_RETURN_IF_ERROR(api::AddDashboardRoutes(server, services, stores));
    VITRINE_RETURN_IF_ERROR(api::AddPreviewRoutes(server, services));
  }
  if (services.feeds) {
    if (!services.campaigns || !services.offers) {
      return Status::InvalidArgument("the feed routes need the campaign and offer repositories");
    }
    VITRINE_RETURN_IF_ERROR(api::AddFeedRoutes(server, services));
  }
  if (services.creatives) {
    if (!services.campaigns || !services.offers) {
      return Status::InvalidArgument(
          "the creative routes need the campaign and offer repositories");
    }
    VITRINE_RETURN_IF_ERROR(api::AddCreativeRoutes(server, services));
  }
  if (services.outbound) {
    if (!services.offers || !services.check_outbound_url || !services.seal_secret ||
        !services.new_webhook_secret || !services.outbound_written || !services.run_source) {
      return Status::InvalidArgument(
          "the destination and source routes need the offers and the five outbound hooks");
    }
    VITRINE_RETURN_IF_ERROR(api::AddOutboundRoutes(server, services));
  }
  return Status::Ok();
}

}  // namespace vitrine
