// The routes of Vitrine's HTTP API v1 (ARCHITECTURE.md §3): catalogue, imports, session,
// tokens and users, audit and stats, and the OpenAPI document.
//
// Handlers speak to the domain only through the repository interfaces given here; the
// wiring (app/) chooses the backends. Every write is audited in the same transaction as
// the write itself. AddApiRoutes must be called before HttpServer::Start.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/repository.h"
#include "common/time.h"
#include "feeds/snapshots.h"
#include "offers/repository.h"
#include "render/creative_studio.h"
#include "server/credentials.h"
#include "server/http_server.h"

namespace vitrine {

struct ApiServices {
  // All four must be set and outlive the server. Audit entries are appended inside the
  // catalogue's Transaction(), so `audit` and `accounts` should be the same backend as
  // `catalog` for writes and their audit entries to land together.
  CatalogRepository* catalog = nullptr;
  AccountRepository* accounts = nullptr;
  AuditLog* audit = nullptr;
  const Clock* clock = nullptr;
  // Campaigns and published offers; with them the campaign, promotion and offer routes
  // are served. Same backend as `catalog` so that writes and audit entries land together.
  CampaignRepository* campaigns = nullptr;
  OfferRepository* offers = nullptr;
  // What the offers module does for the routes, wired by app/ (so the server stays free of
  // the assembler's construction). Each must be set when `campaigns` is.
  // Re-assembles the offers of one campaign (after a transition or an edit).
  std::function<Status(const std::string& campaign_id)> assemble_campaign;
  // The catalogue changed: re-assemble the offers of these products (empty: everything,
  // after a bulk import). May run in the background.
  std::function<void(const std::vector<std::string>& product_ids)> catalog_changed;
  // Only these stock levels changed: the cheapest re-assembly (quantities, availability).
  std::function<void(const std::vector<StockLevel>& levels)> stock_changed;
  // The decision and every price step behind one offer in one store.
  std::function<Result<nlohmann::json>(const std::string& offer_id, const std::string& store_id)>
      explain_offer;
  // The compliance report of a campaign: {"findings": [...], "blocking": n, ...}.
  std::function<Result<nlohmann::json>(const Campaign& campaign)> check_campaign;
  // The feed snapshots; with them the feed routes (/feeds/...) are served and their pulls
  // appear in /metrics and /api/v1/stats. Optional; must outlive the server.
  FeedSnapshots* feeds = nullptr;
  // Creatives: with a studio the format, template, creative (/creatives/...) and campaign
  // render routes are served; they need `offers` and `campaigns` too. Optional; must
  // outlive the server.
  CreativeStudio* creatives = nullptr;
  // The template of a creative URL without ?template=. Default "classic".
  std::string default_template = "classic";
  // Called after a token is revoked or a session ends, so an authenticator that caches
  // credentials forgets them at once. Optional.
  std::function<void()> credentials_changed;
  // How long a web session lasts after login. Default 12 hours: one working day.
  std::chrono::seconds session_lifetime = std::chrono::hours(12);
  // Cost of the password hashes made by POST /api/v1/users.
  ScryptParams password_hashing;
};

// InvalidArgument when a service is missing; AlreadyExists when a route is taken.
Status AddApiRoutes(HttpServer& server, const ApiServices& services);

// The OpenAPI 3.1 document (docs/openapi.json), embedded in the binary at build time.
std::string_view OpenApiDocument();

}  // namespace vitrine
