#include "api_support.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <iostream>
#include <sstream>

#include <zlib.h>

#include "catalog/field_error.h"
#include "common/text.h"
#include "offers/published_offer.h"

namespace vitrine::api {

Status AddRoutes(HttpServer& server, std::vector<Route> table) {
  for (Route& route : table) VITRINE_RETURN_IF_ERROR(server.AddRoute(std::move(route)));
  return Status::Ok();
}

std::optional<int> ParseLimit(const HttpRequest& request, std::optional<HttpResponse>* problem) {
  auto text = request.Query("limit");
  if (!text) return 100;
  int limit = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 1000) {
    *problem = BadParameter("limit", "must be a whole number from 1 to 1000");
    return std::nullopt;
  }
  return limit;
}

std::string EncodeCursor(std::string_view kind, std::string_view key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string plain = std::string(kind) + ":" + std::string(key);
  std::string out;
  out.reserve(plain.size() * 2);
  for (unsigned char c : plain) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::optional<std::string> DecodeCursor(std::string_view kind, std::string_view cursor) {
  if (cursor.size() % 2 != 0 || cursor.size() > 2048) return std::nullopt;
  std::string plain;
  for (size_t i = 0; i < cursor.size(); i += 2) {
    int value = 0;
    auto [end, ec] = std::from_chars(cursor.data() + i, cursor.data() + i + 2, value, 16);
    if (ec != std::errc() || end != cursor.data() + i + 2) return std::nullopt;
    plain += static_cast<char>(value);
  }
  const std::string prefix = std::string(kind) + ":";
  if (!plain.starts_with(prefix)) return std::nullopt;
  return plain.substr(prefix.size());
}

std::string CursorKey(const HttpRequest& request, std::string_view kind,
                      std::optional<HttpResponse>* problem) {
  auto cursor = request.Query("cursor");
  if (!cursor || cursor->empty()) return "";
  auto key = DecodeCursor(kind, *cursor);
  if (!key) {
    *problem = BadParameter("cursor",
                            "is not a cursor of this list; pass back next_cursor as "
                            "it was returned");
    return "";
  }
  return *key;
}

nlohmann::json PageJson(nlohmann::json items, std::string_view kind, const std::string& next) {
  return {
      {"items", std::move(items)},
      {"next_cursor", next.empty() ? nlohmann::json() : nlohmann::json(EncodeCursor(kind, next))}};
}

std::string PageJsonText(std::string_view joined_items, std::string_view kind,
                         const std::string& next) {
  std::string out;
  out.reserve(joined_items.size() + 64 + 2 * next.size());
  out += "{\"items\":[";
  out += joined_items;
  out += "],\"next_cursor\":";
  out += next.empty() ? std::string("null") : nlohmann::json(EncodeCursor(kind, next)).dump();
  out += '}';
  return out;
}

bool AcceptsGzip(const HttpRequest& request) {
  for (std::string_view header : request.headers.GetAll("Accept-Encoding")) {
    while (!header.empty()) {
      const size_t comma = header.find(',');
      std::string_view coding = header.substr(0, comma);
      header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
      const size_t semicolon = coding.find(';');
      std::string_view name = TrimAscii(coding.substr(0, semicolon));
      bool refused = false;
      if (semicolon != std::string_view::npos) {
        std::string params(TrimAscii(coding.substr(semicolon + 1)));
        params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
        refused = params == "q=0" || params == "q=0.0" || params == "q=0.00" || params == "q=0.000";
      }
      if (!refused &&
          (EqualsIgnoreCase(name, "gzip") || EqualsIgnoreCase(name, "x-gzip") || name == "*")) {
        return true;
      }
    }
  }
  return false;
}

Result<std::string> GzipBytes(std::string_view bytes) {
  z_stream z{};
  // 15 + 16: a 32 KiB window and the gzip wrapper instead of zlib's.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("zlib deflateInit2 failed");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (result != Z_STREAM_END) return Status::Internal("zlib deflate did not finish");
  return out;
}

bool IsOfferId(std::string_view offer_id) {
  const std::optional<OfferIdParts> parts = ParseOfferId(offer_id);
  return offer_id.size() <= 101 && parts && field_rules::IsValidId(parts->promotion_id) &&
         field_rules::IsValidId(parts->product_id) &&
         (parts->segment.empty() || field_rules::IsValidId(parts->segment));
}

HttpResponse BadParameter(std::string field, std::string message) {
  const std::string detail = field + " " + message;
  return HttpResponse::Problem(400, "Invalid parameter", detail,
                               {FieldProblem{std::move(field), std::nullopt, std::move(message)}});
}

std::string Actor(const HttpRequest& request) {
  return request.principal ? request.principal->subject : "anonymous";
}

vitrine::Actor WorkflowActor(const HttpRequest& request) {
  vitrine::Actor actor;
  actor.name = Actor(request);
  actor.role = request.principal ? request.principal->role : Role::kPublic;
  actor.request_id = request.request_id;
  return actor;
}

AuditEntry AuditFor(const HttpRequest& request, const Clock& clock, std::string action,
                    std::string entity, std::string entity_id, nlohmann::json before,
                    nlohmann::json after) {
  AuditEntry entry;
  entry.at = clock.Now();
  entry.actor = Actor(request);
  entry.action = std::move(action);
  entry.entity = std::move(entity);
  entry.entity_id = std::move(entity_id);
  entry.before = std::move(before);
  entry.after = std::move(after);
  entry.request_id = request.request_id;
  return entry;
}

namespace {
std::atomic<Metrics*> store_error_metrics{nullptr};
}  // namespace

void CountStoreErrorsIn(Metrics* metrics) { store_error_metrics.store(metrics); }

HttpResponse StoreFailure(const Status& status) {
  if (Metrics* metrics = store_error_metrics.load()) metrics->IncrementStoreErrors();
  // The facade logs 5xx answers with their request id; the message may name files or SQL.
  std::clog << nlohmann::json(
                   {{"level", "error"}, {"msg", "store failure"}, {"status", status.ToString()}})
                   .dump()
            << '\n';
  if (status.code() == StatusCode::kUnavailable) return HttpResponse::FromStatus(status);
  return HttpResponse::FromStatus(Status::Internal(status.message()));
}

std::vector<FieldProblem> ProblemsFrom(const ImportReport& report) {
  std::vector<FieldProblem> problems;
  for (const RowError& e : report.errors) {
    problems.push_back({e.field.empty() ? "record" : e.field, e.line, e.reason});
  }
  return problems;
}

std::optional<HttpResponse> RejectUnknownColumns(const nlohmann::json& object, ImportKind kind) {
  if (!object.is_object()) {
    return HttpResponse::Problem(400, "Invalid body", "expected a JSON object",
                                 {{"body", std::nullopt, "expected a JSON object"}});
  }
  const std::vector<ImportColumn> columns = ImportColumns(kind);
  std::vector<FieldProblem> unknown;
  std::string names;
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const ImportColumn& c : columns) known = known || c.name == key;
    if (!known) {
      unknown.push_back(
          {key, std::nullopt, "is not a field of " + std::string(ImportKindName(kind))});
      names += (names.empty() ? "" : ", ") + key;
    }
  }
  if (unknown.empty()) return std::nullopt;
  return HttpResponse::Problem(400, "Unknown fields", "unknown fields: " + names,
                               std::move(unknown));
}

JsonLanding LandJsonRows(const ApiServices& services, const HttpRequest& request, ImportKind kind,
                         const nlohmann::json& rows, std::string audit_action,
                         std::string audit_entity, std::string audit_entity_id,
                         const nlohmann::json& audit_before,
                         const std::function<nlohmann::json()>& audit_after) {
  JsonLanding landing;
  ImportOptions options;
  options.strict = true;
  options.format = ImportFormat::kJson;
  options.clock = services.clock;
  options.batch_size = 10000;
  // A body names its references: check those, not the whole catalogue.
  ReferenceHint hint;
  for (const auto& row : rows) {
    if (!row.is_object()) continue;
    for (const char* key : {"product_id"}) {
      if (auto it = row.find(key); it != row.end() && it->is_string()) {
        hint.product_ids.push_back(it->get<std::string>());
      }
    }
    for (const char* key : {"store_id", "level_id"}) {
      if (auto it = row.find(key); it != row.end() && it->is_string()) {
        hint.store_ids.push_back(it->get<std::string>());
      }
    }
  }
  options.reference_hint = std::move(hint);
  std::istringstream in(rows.dump());
  bool rejected = false;
  const Status status = services.catalog->Transaction([&]() -> Status {
    auto report = Import(*services.catalog, kind, in, options);
    if (!report.ok()) return report.status();
    landing.report = std::move(report).value();
    if (!landing.report.committed) {
      rejected = true;
      return Status::InvalidArgument("rows rejected");  // rolls back; nothing was written
    }
    nlohmann::json after = audit_after ? audit_after() : landing.report.ToJson();
    auto seq = services.audit->Append(AuditFor(request, *services.clock, std::move(audit_action),
                                               std::move(audit_entity), std::move(audit_entity_id),
                                               audit_before, std::move(after)));
    return seq.ok() ? Status::Ok() : seq.status();
  });
  if (rejected) {
    const bool single = rows.size() == 1;
    landing.problem = HttpResponse::Problem(
        single ? 400 : 422,
        single ? "Invalid " + std::string(ImportKindName(kind)) : "Rows rejected",
        std::to_string(landing.report.rejected) + " of " +
            std::to_string(landing.report.rows_read) + " rows rejected; nothing was written",
        ProblemsFrom(landing.report));
  } else if (!status.ok()) {
    landing.problem = StoreFailure(status);
  }
  return landing;
}

bool NoneMatchHits(const HttpRequest& request, std::string_view etag) {
  for (std::string_view header : request.headers.GetAll("If-None-Match")) {
    while (!header.empty()) {
      const size_t comma = header.find(',');
      std::string_view tag = TrimAscii(header.substr(0, comma));
      header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
      if (tag.starts_with("W/")) tag.remove_prefix(2);
      if (tag == "*" || tag == etag) return true;
    }
  }
  return false;
}

std::optional<HttpResponse> CheckPathId(const HttpRequest& request, std::string_view name) {
  if (field_rules::IsValidId(request.PathParam(name))) return std::nullopt;
  return BadParameter(std::string(name),
                      "must be 1-50 characters of A-Z, a-z, 0-9, '.', '_' or '-'");
}

std::optional<int> IfMatchVersion(const HttpRequest& request, std::optional<HttpResponse>* bad) {
  auto header = request.headers.Get("If-Match");
  if (!header) return std::nullopt;
  std::string_view v = *header;
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int version = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (ec != std::errc() || end != v.data() + v.size() || version < 1) {
    *bad = BadParameter("If-Match", "must be the entity's version as an ETag, e.g. \"3\"");
  }
  return version;
}

HttpResponse WithETag(HttpResponse response, int version) {
  response.headers.Set("ETag", "\"" + std::to_string(version) + "\"");
  return response;
}

HttpResponse EntityNotFound(std::string_view entity, std::string_view id) {
  return HttpResponse::Problem(404, "Not found",
                               "no " + std::string(entity) + " \"" + std::string(id) + "\"");
}

HttpResponse DeleteAudited(const HttpRequest& request, const ApiServices& services,
                           const char* entity,
                           const std::function<Result<nlohmann::json>(const std::string&)>& load,
                           const std::function<Result<bool>(const std::string&)>& remove) {
  if (auto bad = CheckPathId(request, "id")) return *bad;
  const std::string id(request.PathParam("id"));
  bool found = true;
  const Status status = services.catalog->Transaction([&]() -> Status {
    auto before = load(id);
    if (!before.ok()) return before.status();
    if (before->is_null()) {
      found = false;
      return Status::NotFound(id);
    }
    auto removed = remove(id);
    if (!removed.ok()) return removed.status();
    return services.audit
        ->Append(
            AuditFor(request, *services.clock, "delete", entity, id, *before, nlohmann::json()))
        .status();
  });
  if (!found) return EntityNotFound(entity, id);
  if (!status.ok()) return StoreFailure(status);
  HttpResponse response;
  response.status = 204;
  return response;
}

}  // namespace vitrine::api
