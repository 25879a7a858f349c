// The routes of Vitrine's HTTP API v1 (ARCHITECTURE.md §3): catalogue, imports, session,
// tokens and users, audit and stats, and the OpenAPI document.
//
// Handlers speak to the domain only through the repository interfaces given here; the
// wiring (app/) chooses the backends. Every write is audited in the same transaction as
// the write itself. AddApiRoutes must be called before HttpServer::Start.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string_view>

#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/change_log.h"
#include "catalog/feed_pulls.h"
#include "catalog/outbound.h"
#include "catalog/repository.h"
#include "common/time.h"
#include "feeds/snapshots.h"
#include "offers/assembly.h"
#include "offers/repository.h"
#include "offers/workflow.h"
#include "render/creative_studio.h"
#include "server/credentials.h"
#include "server/http_server.h"

namespace vitrine {

struct ApiServices {
  // These four must be set and outlive the server. Audit entries are appended inside the
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
  // The change log of the same backend (catalogue writes record themselves in it). Must be
  // set when `campaigns` is.
  ChangeLog* changes = nullptr;
  // Every rule of the campaign workflow, over the same backend: the campaign and promotion
  // routes parse, call it and answer; it audits each step and records campaign changes in
  // the change log with the write, and gives the compliance report (checks). Must be set
  // when `campaigns` is; must outlive the server.
  CampaignWorkflow* workflow = nullptr;
  // What the offers module does for the routes, wired by app/ (so the server stays free of
  // the assembler's construction). Each must be set when `campaigns` is.
  // Called after every write a route makes: published offers follow the change log, and
  // this says "read it now" rather than at the next poll. Does not wait.
  std::function<void()> changes_written;
  // Returns once every change committed so far has reached the published offers, or
  // Unavailable after a bounded wait (the offers still follow). A campaign transition waits
  // so that its answer describes what is published.
  std::function<Status()> await_offers;
  // Registers an observer of every change-log entry, this process's and other processes'
  // (a `vitrine import`, another node), so the routes' caches forget what changed. Optional.
  std::function<void(std::function<void(const std::vector<ChangeEntry>&)>)> observe_changes;
  // The decision and every price step behind one offer in one store.
  std::function<Result<nlohmann::json>(const std::string& offer_id, const std::string& store_id)>
      explain_offer;
  // The offers a campaign (its pending revision, if any) would publish in a store if it were
  // approved now, each with its explanation, writing nothing (Assembler::Preview); with
  // `product_ids`, only those products' offers.
  std::function<Result<std::vector<PreviewOffer>>(const CampaignRevision& proposal,
                                                  const std::string& store_id,
                                                  std::span<const std::string> product_ids)>
      preview_campaign;
  // The feed snapshots; with them the feed routes (/feeds/...) are served and their pulls
  // appear in /metrics and /api/v1/stats. Optional; must outlive the server.
  FeedSnapshots* feeds = nullptr;
  // The persistent log of feed pulls; with it and `feeds`, every pull is recorded and
  // GET /api/v1/feeds and /api/v1/feeds/pulls are served. Optional; must outlive the server.
  FeedPullLog* feed_pulls = nullptr;
  // Creatives: with a studio the format, template, creative (/creatives/...) and campaign
  // render routes are served; they need `offers` and `campaigns` too. Optional; must
  // outlive the server.
  CreativeStudio* creatives = nullptr;
  // The template of a creative URL without ?template=. Default "classic".
  std::string default_template = "classic";
  // Destinations and sources (/api/v1/destinations, /api/v1/sources): served when `outbound`
  // is set, with every hook below. Same backend as `catalog` (writes are audited with it).
  OutboundRepository* outbound = nullptr;
  // Refuses a destination's or source's URL before it is stored: a scheme other than http,
  // https or sftp, credentials in it, a literal address of the hub's own network.
  // InvalidArgument saying why.
  std::function<Status(std::string_view url)> check_outbound_url;
  // Seals a credential (a webhook secret, a password, a private key) for storage.
  std::function<Result<std::string>(std::string_view secret)> seal_secret;
  // A new webhook signing secret: "whsec_" + base64.
  std::function<std::string()> new_webhook_secret;
  // Called after a destination, a source, a ping or a replay was written: work on it now.
  std::function<void()> outbound_written;
  // Fetches and imports a source now, returning its run (kept with its report).
  // FailedPrecondition when a run of it is already under way.
  std::function<Result<SourceRun>(const std::string& source_id)> run_source;
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
