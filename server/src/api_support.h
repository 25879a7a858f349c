// Helpers shared by the API route files: paging, cursors, problems from field errors,
// auditing and running JSON bodies through the importer. Private to server/.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/audit.h"
#include "catalog/import.h"
#include "offers/workflow.h"
#include "server/api.h"
#include "server/http_message.h"
#include "server/metrics.h"

namespace vitrine::api {

// Reads `limit` (default 100, 1..1000). A bad value is a 400 problem in `*problem`.
std::optional<int> ParseLimit(const HttpRequest& request, std::optional<HttpResponse>* problem);

// Cursors are opaque to clients: the hex of "<kind>:<key>", so a client cannot mistake one
// for an id nor hand-craft one for another list.
std::string EncodeCursor(std::string_view kind, std::string_view key);
// The key, or nullopt (→ 400) when `cursor` is not a cursor of `kind`.
std::optional<std::string> DecodeCursor(std::string_view kind, std::string_view cursor);
// Reads the `cursor` query parameter; "" when absent. A bad cursor sets `*problem`.
std::string CursorKey(const HttpRequest& request, std::string_view kind,
                      std::optional<HttpResponse>* problem);

// {"items": [...], "next_cursor": "..." | null}
nlohmann::json PageJson(nlohmann::json items, std::string_view kind, const std::string& next);
// The same page as text, byte for byte what HttpResponse::Json(200, PageJson(...)) sends,
// from items already serialised (each one as nlohmann's dump() writes it, joined by ',').
std::string PageJsonText(std::string_view joined_items, std::string_view kind,
                         const std::string& next);

// Whether Accept-Encoding admits gzip: "gzip", "x-gzip" or "*" with a q other than 0.
bool AcceptsGzip(const HttpRequest& request);
// `bytes` compressed in the gzip format (RFC 1952), at zlib's default level.
Result<std::string> GzipBytes(std::string_view bytes);

// If-None-Match holds `etag` (weak comparison, as RFC 9110 asks for this header) or "*".
bool NoneMatchHits(const HttpRequest& request, std::string_view etag);
// A 400 problem naming one parameter.
HttpResponse BadParameter(std::string field, std::string message);

// A path id that cannot be an entity's id (too long, "../", SQL) is a 400, never a lookup.
std::optional<HttpResponse> CheckPathId(const HttpRequest& request, std::string_view name);
// The version a write names: If-Match: "3" (or W/"3"); nullopt without the header. A
// malformed one sets `*bad`.
std::optional<int> IfMatchVersion(const HttpRequest& request, std::optional<HttpResponse>* bad);
// `response` with ETag: "<version>".
HttpResponse WithETag(HttpResponse response, int version);

// Whether `offer_id` is PROMOTION~PRODUCT[~SEGMENT] with valid ids (ParseOfferId), within
// 101 characters.
bool IsOfferId(std::string_view offer_id);

// "user:alice", "token:tok_..." or "anonymous".
std::string Actor(const HttpRequest& request);

// Who takes a campaign workflow step for `request`: Actor(request), the principal's role
// (kPublic without one) and the request id.
vitrine::Actor WorkflowActor(const HttpRequest& request);

// An audit entry for `request` (actor, request id, time from `clock`).
AuditEntry AuditFor(const HttpRequest& request, const Clock& clock, std::string action,
                    std::string entity, std::string entity_id, nlohmann::json before,
                    nlohmann::json after);

// 404: no `entity` "id".
HttpResponse EntityNotFound(std::string_view entity, std::string_view id);

// DELETE of `entity` {id}: reads it with `load` (the JSON of its audit entry's "before";
// null when missing), removes it and appends the audit entry in one catalogue transaction.
// 204, 404, or the store's failure.
HttpResponse DeleteAudited(const HttpRequest& request, const ApiServices& services,
                           const char* entity,
                           const std::function<Result<nlohmann::json>(const std::string&)>& load,
                           const std::function<Result<bool>(const std::string&)>& remove);

// Logs a failed Status from a backend into the response: 500/503 problem without internals,
// and counts it in vitrine_store_errors_total of the registry set below.
HttpResponse StoreFailure(const Status& status);
// The registry StoreFailure counts in: the server's (one per process serves the API).
void CountStoreErrorsIn(Metrics* metrics);

// Rows of `kind` from a JSON array, landed all-or-nothing through the importer inside the
// catalogue transaction, with one audit entry. Unknown fields, row errors → 400/422
// problem; success → the report. `line` in errors is the 1-based index in the array.
struct JsonLanding {
  std::optional<HttpResponse> problem;  // set when nothing landed
  ImportReport report;
};
JsonLanding LandJsonRows(const ApiServices& services, const HttpRequest& request, ImportKind kind,
                         const nlohmann::json& rows, std::string audit_action,
                         std::string audit_entity, std::string audit_entity_id,
                         const nlohmann::json& audit_before,
                         const std::function<nlohmann::json()>& audit_after);

// A route handler calling `method` on the shared `routes` object of a route file.
template <typename Routes>
RouteHandler Handler(std::shared_ptr<Routes> routes,
                     HttpResponse (Routes::*method)(const HttpRequest&) const) {
  return [routes = std::move(routes), method](const HttpRequest& request) {
    return ((*routes).*method)(request);
  };
}

// Adds every route of `table`; the first failure stops and is returned.
Status AddRoutes(HttpServer& server, std::vector<Route> table);

// The fields of `object` that are not import columns of `kind`; a 400 naming them.
std::optional<HttpResponse> RejectUnknownColumns(const nlohmann::json& object, ImportKind kind);

// Problem+json errors[] from an import report's row errors.
std::vector<FieldProblem> ProblemsFrom(const ImportReport& report);

}  // namespace vitrine::api
