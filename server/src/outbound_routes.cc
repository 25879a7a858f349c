// Outbound routes: destinations the hub delivers to (webhooks, feed pushes), their delivery
// log and replays, and sources it pulls imports from. Credentials go in and never come out:
// a webhook's secret is shown once, in the answer that created (or rotated) it.
#include <charconv>
#include <set>

#include "api_routes.h"
#include "api_support.h"
#include "catalog/field_error.h"
#include "server/credentials.h"
#include "server/json_body.h"

namespace vitrine::api {
namespace {

const std::set<std::string, std::less<>> kWebhookEvents = {"offer.changed", "campaign.transitioned",
                                                           "feed.regenerated"};
const std::set<std::string, std::less<>> kSourceKinds = {"products", "stores", "prices", "stock"};
const std::set<std::string, std::less<>> kSourceFormats = {"csv", "json", "ndjson"};
constexpr int64_t kMaxSeconds = 366LL * 24 * 3600;

HttpResponse Invalid(std::string field, std::string message) {
  std::string detail = field + " " + message;
  return HttpResponse::Problem(400, "Invalid request", std::move(detail),
                               {FieldProblem{std::move(field), std::nullopt, std::move(message)}});
}

nlohmann::json OptionalTime(const std::optional<Instant>& t) {
  return t ? nlohmann::json(FormatUtc(*t)) : nlohmann::json();
}
nlohmann::json TimeOrNull(Instant t) {
  return t == Instant{} ? nlohmann::json() : nlohmann::json(FormatUtc(t));
}

nlohmann::json CredentialsJson(const std::string& username, const std::string& sealed,
                               const std::string& file, const std::string& pin) {
  return {{"username", username.empty() ? nlohmann::json() : nlohmann::json(username)},
          {"secret_stored", !sealed.empty()},
          {"credential_file", file.empty() ? nlohmann::json() : nlohmann::json(file)},
          {"host_key_sha256", pin.empty() ? nlohmann::json() : nlohmann::json(pin)}};
}

nlohmann::json DestinationJson(const Destination& d) {
  nlohmann::json j = {
      {"id", d.id},
      {"kind", DestinationKindName(d.kind)},
      {"name", d.name},
      {"url", d.url},
      {"enabled", d.enabled},
      {"disabled_reason",
       d.disabled_reason.empty() ? nlohmann::json() : nlohmann::json(d.disabled_reason)},
      {"failing_since", OptionalTime(d.failing_since)},
      {"last_delivered_at", TimeOrNull(d.last_delivered_at)},
      {"disable_after_seconds", d.disable_after_seconds},
      {"credentials",
       CredentialsJson(d.username, d.secret_sealed, d.credential_file, d.host_key_sha256)},
      {"created_at", FormatUtc(d.created_at)},
      {"updated_at", FormatUtc(d.updated_at)},
      {"version", d.version}};
  if (d.kind == DestinationKind::kWebhook) {
    j["events"] = d.events;
    j["filters"] = {
        {"channels", d.channels}, {"campaigns", d.campaign_ids}, {"stores", d.store_ids}};
    j["batch_seconds"] = d.batch_seconds;
    j["offer_seq"] = d.offer_seq;
  } else {
    j["feed"] = d.feed;
    j["schedule_seconds"] = d.schedule_seconds;
    if (d.kind == DestinationKind::kHttpPush) j["method"] = d.method;
  }
  return j;
}

nlohmann::json AttemptJson(const DeliveryAttempt& a) {
  return {{"attempt", a.attempt},
          {"started_at", FormatUtc(a.started_at)},
          {"duration_ms", a.duration_ms},
          {"status", a.http_status == 0 ? nlohmann::json() : nlohmann::json(a.http_status)},
          {"error", a.error.empty() ? nlohmann::json() : nlohmann::json(a.error)},
          {"response_excerpt", a.response_excerpt},
          {"replay", a.replay}};
}

nlohmann::json DeliveryJson(const Delivery& d, const std::vector<DeliveryAttempt>& attempts) {
  nlohmann::json list = nlohmann::json::array();
  for (const DeliveryAttempt& a : attempts) list.push_back(AttemptJson(a));
  return {{"id", d.id},
          {"message_id", d.message_id},
          {"event_type", d.event_type},
          {"state", DeliveryStateName(d.state)},
          {"seq_from", d.seq_from},
          {"seq_to", d.seq_to},
          {"attempts", d.attempts},
          {"next_at", d.state == DeliveryState::kPending ? nlohmann::json(FormatUtc(d.next_at))
                                                         : nlohmann::json()},
          {"last_status", d.last_status == 0 ? nlohmann::json() : nlohmann::json(d.last_status)},
          {"last_error", d.last_error.empty() ? nlohmann::json() : nlohmann::json(d.last_error)},
          {"created_at", FormatUtc(d.created_at)},
          {"delivered_at", OptionalTime(d.delivered_at)},
          {"log", std::move(list)}};
}

nlohmann::json SourceJson(const Source& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"kind", s.kind},
          {"format", s.format},
          {"url", s.url},
          {"interval_seconds", s.interval_seconds},
          {"enabled", s.enabled},
          {"credentials",
           CredentialsJson(s.username, s.secret_sealed, s.credential_file, s.host_key_sha256)},
          {"validators",
           {{"etag", s.etag.empty() ? nlohmann::json() : nlohmann::json(s.etag)},
            {"last_modified",
             s.last_modified.empty() ? nlohmann::json() : nlohmann::json(s.last_modified)}}},
          {"next_run_at", s.interval_seconds > 0 ? TimeOrNull(s.next_run_at) : nlohmann::json()},
          {"created_at", FormatUtc(s.created_at)},
          {"updated_at", FormatUtc(s.updated_at)},
          {"version", s.version}};
}

nlohmann::json RunJson(const SourceRun& r) {
  nlohmann::json report = nlohmann::json::parse(r.report, nullptr, false);
  return {{"id", r.id},
          {"trigger", r.trigger},
          {"started_at", FormatUtc(r.started_at)},
          {"finished_at", FormatUtc(r.finished_at)},
          {"outcome", r.outcome},
          {"status", r.http_status == 0 ? nlohmann::json() : nlohmann::json(r.http_status)},
          {"bytes", r.bytes},
          {"error", r.error.empty() ? nlohmann::json() : nlohmann::json(r.error)},
          {"report", report.is_discarded() ? nlohmann::json() : report}};
}

// Reads a field of a known JSON type into `out`; a problem names it otherwise.
template <typename T>
std::optional<HttpResponse> Read(const nlohmann::json& body, const char* field, T& out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return Invalid(field, "must be a string");
    out = it->template get<std::string>();
    if (out.size() > 2000) return Invalid(field, "is longer than 2000 bytes");
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return Invalid(field, "must be true or false");
    out = it->template get<bool>();
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    if (!it->is_array()) return Invalid(field, "must be an array of strings");
    out.clear();
    for (const auto& v : *it) {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return Invalid(field, "must be an array of non-empty strings");
      }
      out.push_back(v.get<std::string>());
    }
    if (out.size() > 1000) return Invalid(field, "has more than 1000 entries");
  } else {
    if (!it->is_number_integer()) return Invalid(field, "must be an integer");
    const int64_t v = it->template get<int64_t>();
    if (v < 0 || v > kMaxSeconds)
      return Invalid(field, "must be between 0 and one year of seconds");
    out = static_cast<T>(v);
  }
  return std::nullopt;
}

class OutboundRoutes {
 public:
  explicit OutboundRoutes(const ApiServices& services) : s_(services) {}

  // --- destinations ---

  HttpResponse ListDestinations(const HttpRequest&) const {
    auto list = s_.outbound->ListDestinations();
    if (!list.ok()) return StoreFailure(list.status());
    nlohmann::json items = nlohmann::json::array();
    for (const Destination& d : *list) items.push_back(DestinationJson(d));
    return HttpResponse::Json(200, {{"items", std::move(items)}});
  }

  HttpResponse CreateDestination(const HttpRequest& request) const {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    Destination d;
    std::string kind;
    if (auto bad = Read(*body, "kind", kind)) return *bad;
    auto parsed = ParseDestinationKind(kind);
    if (!parsed) return Invalid("kind", "must be webhook, http_push or sftp_push");
    d.kind = *parsed;
    std::string secret;
    if (auto bad = ApplyDestination(*body, d, &secret, /*creating=*/true)) return *bad;
    const Instant now = s_.clock->Now();
    d.id = "dst_" + RandomHex(8);
    // A new webhook is owed what happens from now on, not the history.
    auto last_seq = s_.offers->LastSeq();
    if (!last_seq.ok()) return StoreFailure(last_seq.status());
    d.offer_seq = *last_seq;
    auto newest = s_.audit->ListAudit(AuditQuery{.limit = 1});
    if (!newest.ok()) return StoreFailure(newest.status());
    d.audit_seq = newest->empty() ? 0 : newest->front().seq;
    Result<Destination> created = Status::Internal("not created");
    const Status status = s_.catalog->Transaction([&]() -> Status {
      created = s_.outbound->CreateDestination(d, now);
      if (!created.ok()) return created.status();
      return s_.audit
          ->Append(AuditFor(request, *s_.clock, "create", "destination", d.id, nlohmann::json(),
                            DestinationJson(*created)))
          .status();
    });
    if (!status.ok()) return StoreFailure(status);
    s_.outbound_written();
    nlohmann::json out = DestinationJson(*created);
    if (!secret.empty()) out["secret"] = secret;  // shown this once
    HttpResponse response = WithETag(HttpResponse::Json(201, out), created->version);
    response.headers.Set("Location", "/api/v1/destinations/" + created->id);
    return response;
  }

  HttpResponse GetDestination(const HttpRequest& request) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    auto d = s_.outbound->GetDestination(request.PathParam("id"));
    if (!d.ok()) return StoreFailure(d.status());
    if (!*d) return EntityNotFound("destination", request.PathParam("id"));
    return WithETag(HttpResponse::Json(200, DestinationJson(**d)), (*d)->version);
  }

  HttpResponse PatchDestination(const HttpRequest& request) const {
    bool re_enable = false;
    bool disable = false;
    return PatchAudited<Destination>(
        request, "destination",
        [this](std::string_view id) { return s_.outbound->GetDestination(id); },
        [&](const nlohmann::json& body, Destination& d) -> std::optional<HttpResponse> {
          if (body.contains("kind") && body["kind"] != DestinationKindName(d.kind)) {
            return Invalid("kind", "cannot change: create another destination");
          }
          bool enable = false;
          if (auto bad = Read(body, "enabled", enable)) return bad;
          re_enable = body.contains("enabled") && enable && !d.enabled;
          disable = body.contains("enabled") && !enable && d.enabled;
          return ApplyDestination(body, d, nullptr, /*creating=*/false);
        },
        [&](const Destination& d, int version) -> Result<Destination> {
          auto updated = s_.outbound->UpdateDestination(d, version, s_.clock->Now());
          if (!updated.ok() || !(re_enable || disable)) return updated;
          // Health is the worker's, but a person may end a disabling or cause one.
          DestinationHealth health{re_enable, disable ? "disabled by " + Actor(request) : "",
                                   std::nullopt, updated->last_delivered_at};
          VITRINE_RETURN_IF_ERROR(s_.outbound->SetDestinationHealth(d.id, health));
          updated->enabled = health.enabled;
          updated->disabled_reason = health.disabled_reason;
          updated->failing_since.reset();
          return updated;
        },
        DestinationJson);
  }

  HttpResponse DeleteDestination(const HttpRequest& request) const {
    return DeleteAudited(
        request, s_, "destination",
        [this](const std::string& id) -> Result<nlohmann::json> {
          auto d = s_.outbound->GetDestination(id);
          if (!d.ok()) return d.status();
          return *d ? DestinationJson(**d) : nlohmann::json();
        },
        [this](const std::string& id) { return s_.outbound->DeleteDestination(id); });
  }

  // A new secret for a webhook, shown once; the old one stops signing at once.
  HttpResponse RotateSecret(const HttpRequest& request) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    auto found = s_.outbound->GetDestination(request.PathParam("id"));
    if (!found.ok()) return StoreFailure(found.status());
    if (!*found) return EntityNotFound("destination", request.PathParam("id"));
    Destination d = **found;
    if (d.kind != DestinationKind::kWebhook) {
      return HttpResponse::Problem(409, "Conflict", "only a webhook has a signing secret");
    }
    const std::string secret = s_.new_webhook_secret();
    auto sealed = s_.seal_secret(secret);
    if (!sealed.ok()) return StoreFailure(sealed.status());
    d.secret_sealed = *sealed;
    Result<Destination> updated = Status::Internal("not updated");
    const Status status = s_.catalog->Transaction([&]() -> Status {
      updated = s_.outbound->UpdateDestination(d, d.version, s_.clock->Now());
      if (!updated.ok()) return updated.status();
      return s_.audit
          ->Append(AuditFor(request, *s_.clock, "rotate_secret", "destination", d.id,
                            nlohmann::json(), nlohmann::json()))
          .status();
    });
    if (!status.ok()) return StoreFailure(status);
    nlohmann::json out = DestinationJson(*updated);
    out["secret"] = secret;
    return WithETag(HttpResponse::Json(200, out), updated->version);
  }

  // A signed "ping" queued now, to check a receiver end to end.
  HttpResponse Ping(const HttpRequest& request) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    auto found = s_.outbound->GetDestination(request.PathParam("id"));
    if (!found.ok()) return StoreFailure(found.status());
    if (!*found) return EntityNotFound("destination", request.PathParam("id"));
    const Instant now = s_.clock->Now();
    Delivery d;
    d.destination_id = (*found)->id;
    d.message_id = "msg_" + RandomHex(12);
    d.event_type = (*found)->kind == DestinationKind::kWebhook ? "ping" : "feed.push";
    d.payload = (*found)->kind == DestinationKind::kWebhook
                    ? nlohmann::json{{"type", "ping"},
                                     {"timestamp", FormatUtc(now)},
                                     {"data", {{"destination_id", (*found)->id}}}}
                          .dump()
                    : (*found)->feed_etag;
    d.next_at = now;
    d.created_at = now;
    auto id = s_.outbound->EnqueueDelivery(d, false);
    if (!id.ok()) return StoreFailure(id.status());
    s_.outbound_written();
    return DeliveryAnswer(202, *id);
  }

  HttpResponse ListDeliveries(const HttpRequest& request) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    std::optional<HttpResponse> problem;
    DeliveryQuery query;
    query.destination_id = std::string(request.PathParam("id"));
    if (auto state = request.Query("state")) {
      query.state = ParseDeliveryState(*state);
      if (!query.state) {
        return BadParameter("state", "must be pending, inflight, delivered, failed or cancelled");
      }
    }
    const std::string before = CursorKey(request, "deliveries", &problem);
    if (!problem && !before.empty()) {
      auto [end, ec] =
          std::from_chars(before.data(), before.data() + before.size(), query.before_id);
      if (ec != std::errc() || query.before_id <= 0) {
        problem = BadParameter("cursor", "is not a cursor of this list");
      }
    }
    if (!problem) {
      if (auto limit = ParseLimit(request, &problem)) query.limit = *limit;
    }
    if (problem) return *problem;
    auto destination = s_.outbound->GetDestination(query.destination_id);
    if (!destination.ok()) return StoreFailure(destination.status());
    if (!*destination) return EntityNotFound("destination", query.destination_id);
    auto deliveries = s_.outbound->ListDeliveries(query);
    if (!deliveries.ok()) return StoreFailure(deliveries.status());
    nlohmann::json items = nlohmann::json::array();
    for (const Delivery& d : *deliveries) {
      auto attempts = s_.outbound->ListDeliveryAttempts(d.id);
      if (!attempts.ok()) return StoreFailure(attempts.status());
      items.push_back(DeliveryJson(d, *attempts));
    }
    const std::string next = static_cast<int>(deliveries->size()) == query.limit
                                 ? std::to_string(deliveries->back().id)
                                 : std::string();
    return HttpResponse::Json(200, PageJson(std::move(items), "deliveries", next));
  }

  HttpResponse GetDelivery(const HttpRequest& request) const {
    auto delivery = FindDelivery(request);
    if (!delivery.ok()) return DeliveryProblem(delivery.status(), request);
    return DeliveryAnswer(200, delivery->id, /*with_payload=*/true);
  }

  HttpResponse Replay(const HttpRequest& request) const {
    auto delivery = FindDelivery(request);
    if (!delivery.ok()) return DeliveryProblem(delivery.status(), request);
    auto replayed = s_.outbound->ReplayDelivery(delivery->id, s_.clock->Now());
    if (replayed.status().code() == StatusCode::kFailedPrecondition) {
      return HttpResponse::Problem(409, "Conflict", replayed.status().message());
    }
    if (!replayed.ok()) return StoreFailure(replayed.status());
    (void)s_.audit->Append(AuditFor(request, *s_.clock, "replay", "delivery",
                                    std::to_string(delivery->id), nlohmann::json(),
                                    {{"message_id", delivery->message_id}}));
    s_.outbound_written();
    return DeliveryAnswer(202, delivery->id);
  }

  // --- sources ---

  HttpResponse ListSources(const HttpRequest&) const {
    auto list = s_.outbound->ListSources();
    if (!list.ok()) return StoreFailure(list.status());
    nlohmann::json items = nlohmann::json::array();
    for (const Source& src : *list) items.push_back(SourceJson(src));
    return HttpResponse::Json(200, {{"items", std::move(items)}});
  }

  HttpResponse CreateSource(const HttpRequest& request) const {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    Source src;
    if (auto bad = ApplySource(*body, src, /*creating=*/true)) return *bad;
    const Instant now = s_.clock->Now();
    src.id = "src_" + RandomHex(8);
    src.next_run_at = now;
    Result<Source> created = Status::Internal("not created");
    const Status status = s_.catalog->Transaction([&]() -> Status {
      created = s_.outbound->CreateSource(src, now);
      if (!created.ok()) return created.status();
      return s_.audit
          ->Append(AuditFor(request, *s_.clock, "create", "source", src.id, nlohmann::json(),
                            SourceJson(*created)))
          .status();
    });
    if (!status.ok()) return StoreFailure(status);
    s_.outbound_written();
    HttpResponse response = WithETag(HttpResponse::Json(201, SourceJson(*created)), 1);
    response.headers.Set("Location", "/api/v1/sources/" + created->id);
    return response;
  }

  HttpResponse GetSource(const HttpRequest& request) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    auto src = s_.outbound->GetSource(request.PathParam("id"));
    if (!src.ok()) return StoreFailure(src.status());
    if (!*src) return EntityNotFound("source", request.PathParam("id"));
    return WithETag(HttpResponse::Json(200, SourceJson(**src)), (*src)->version);
  }

  HttpResponse PatchSource(const HttpRequest& request) const {
    return PatchAudited<Source>(
        request, "source", [this](std::string_view id) { return s_.outbound->GetSource(id); },
        [this](const nlohmann::json& body, Source& src) {
          return ApplySource(body, src, /*creating=*/false);
        },
        [this](const Source& src, int version) {
          return s_.outbound->UpdateSource(src, version, s_.clock->Now());
        },
        SourceJson);
  }

  HttpResponse DeleteSource(const HttpRequest& request) const {
    return DeleteAudited(
        request, s_, "source",
        [this](const std::string& id) -> Result<nlohmann::json> {
          auto src = s_.outbound->GetSource(id);
          if (!src.ok()) return src.status();
          return *src ? SourceJson(**src) : nlohmann::json();
        },
        [this](const std::string& id) { return s_.outbound->DeleteSource(id); });
  }

  // Fetches and imports now, and answers with the run (kept in the source's runs).
  HttpResponse RunSource(const HttpRequest& request) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    const std::string id(request.PathParam("id"));
    auto src = s_.outbound->GetSource(id);
    if (!src.ok()) return StoreFailure(src.status());
    if (!*src) return EntityNotFound("source", id);
    auto run = s_.run_source(id);
    if (run.status().code() == StatusCode::kFailedPrecondition) {
      return HttpResponse::Problem(409, "Conflict", run.status().message());
    }
    if (!run.ok()) return StoreFailure(run.status());
    return HttpResponse::Json(200, RunJson(*run));
  }

  HttpResponse ListRuns(const HttpRequest& request) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    std::optional<HttpResponse> problem;
    int64_t before_id = 0;
    const std::string before = CursorKey(request, "runs", &problem);
    if (!problem && !before.empty()) {
      auto [end, ec] = std::from_chars(before.data(), before.data() + before.size(), before_id);
      if (ec != std::errc() || before_id <= 0) {
        problem = BadParameter("cursor", "is not a cursor of this list");
      }
    }
    int limit = 100;
    if (!problem) {
      if (auto l = ParseLimit(request, &problem)) limit = *l;
    }
    if (problem) return *problem;
    const std::string id(request.PathParam("id"));
    auto src = s_.outbound->GetSource(id);
    if (!src.ok()) return StoreFailure(src.status());
    if (!*src) return EntityNotFound("source", id);
    auto runs = s_.outbound->ListSourceRuns(id, before_id, limit);
    if (!runs.ok()) return StoreFailure(runs.status());
    nlohmann::json items = nlohmann::json::array();
    for (const SourceRun& r : *runs) items.push_back(RunJson(r));
    const std::string next =
        static_cast<int>(runs->size()) == limit ? std::to_string(runs->back().id) : std::string();
    return HttpResponse::Json(200, PageJson(std::move(items), "runs", next));
  }

 private:
  // PATCH of `entity` {id}: `apply` reads the body into the stored item, `update` writes it
  // at the version If-Match names (else the one read), with its audit entry, in one
  // transaction: 200 with the new ETag, 400, 404, or 412 for a stale version.
  template <typename T>
  HttpResponse PatchAudited(
      const HttpRequest& request, const char* entity,
      const std::function<Result<std::optional<T>>(std::string_view)>& get,
      const std::function<std::optional<HttpResponse>(const nlohmann::json&, T&)>& apply,
      const std::function<Result<T>(const T&, int)>& update,
      nlohmann::json (*to_json)(const T&)) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    std::optional<HttpResponse> bad_version;
    const std::optional<int> if_match = IfMatchVersion(request, &bad_version);
    if (bad_version) return *bad_version;
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    auto found = get(request.PathParam("id"));
    if (!found.ok()) return StoreFailure(found.status());
    if (!*found) return EntityNotFound(entity, request.PathParam("id"));
    T item = **found;
    const nlohmann::json before = to_json(item);
    if (auto bad = apply(*body, item)) return *bad;
    Result<T> updated = Status::Internal("not updated");
    const Status status = s_.catalog->Transaction([&]() -> Status {
      updated = update(item, if_match.value_or(item.version));
      if (!updated.ok()) return updated.status();
      return s_.audit
          ->Append(
              AuditFor(request, *s_.clock, "update", entity, item.id, before, to_json(*updated)))
          .status();
    });
    if (status.code() == StatusCode::kFailedPrecondition) {
      return HttpResponse::Problem(412, "Precondition Failed", status.message());
    }
    if (status.code() == StatusCode::kNotFound) return EntityNotFound(entity, item.id);
    if (!status.ok()) return StoreFailure(status);
    s_.outbound_written();
    return WithETag(HttpResponse::Json(200, to_json(*updated)), updated->version);
  }

  // Reads a destination's fields from `body` into `d`. When creating, a webhook's secret is
  // generated and returned in `*secret`.
  std::optional<HttpResponse> ApplyDestination(const nlohmann::json& body, Destination& d,
                                               std::string* secret, bool creating) const {
    if (auto bad = RejectUnknownFields(
            body, {"kind", "name", "url", "events", "filters", "batch_seconds", "feed", "method",
                   "schedule_seconds", "username", "password", "private_key", "credential_file",
                   "host_key_sha256", "disable_after_seconds", "enabled"})) {
      return bad;
    }
    for (auto [field, out] : {std::pair{"name", &d.name},
                              {"url", &d.url},
                              {"feed", &d.feed},
                              {"method", &d.method},
                              {"username", &d.username},
                              {"credential_file", &d.credential_file},
                              {"host_key_sha256", &d.host_key_sha256}}) {
      if (auto bad = Read(body, field, *out)) return bad;
    }
    if (auto bad = Read(body, "events", d.events)) return bad;
    if (auto bad = Read(body, "batch_seconds", d.batch_seconds)) return bad;
    if (auto bad = Read(body, "schedule_seconds", d.schedule_seconds)) return bad;
    if (auto bad = Read(body, "disable_after_seconds", d.disable_after_seconds)) return bad;
    if (auto it = body.find("filters"); it != body.end() && !it->is_null()) {
      if (auto bad = RejectUnknownFields(*it, {"channels", "campaigns", "stores"})) return bad;
      if (auto bad = Read(*it, "channels", d.channels)) return bad;
      if (auto bad = Read(*it, "campaigns", d.campaign_ids)) return bad;
      if (auto bad = Read(*it, "stores", d.store_ids)) return bad;
    }
    if (d.name.empty()) d.name = d.url;
    if (d.url.empty()) return Invalid("url", "is required");
    const bool sftp = d.kind == DestinationKind::kSftpPush;
    if (sftp != d.url.starts_with("sftp://")) {
      return Invalid("url", sftp ? "of an sftp_push must be sftp://host[:port]/path"
                                 : "must be http:// or https://");
    }
    if (Status url = s_.check_outbound_url(d.url); !url.ok()) return Invalid("url", url.message());
    if (d.disable_after_seconds < 60)
      return Invalid("disable_after_seconds", "must be at least 60");
    if (d.kind == DestinationKind::kWebhook) {
      for (const std::string& e : d.events) {
        if (!kWebhookEvents.contains(e)) {
          return Invalid("events", "holds \"" + e +
                                       "\": events are offer.changed, campaign.transitioned, "
                                       "feed.regenerated");
        }
      }
      if (d.batch_seconds > 3600) return Invalid("batch_seconds", "must be at most 3600");
      if (creating) {
        *secret = s_.new_webhook_secret();
        auto sealed = s_.seal_secret(*secret);
        if (!sealed.ok()) return HttpResponse::FromStatus(sealed.status());
        d.secret_sealed = *sealed;
      }
    } else {
      if (d.feed.empty())
        return Invalid("feed", "is required: e.g. google/products.xml?store=S001");
      if (auto key = ParseFeedName(d.feed); !key.ok())
        return Invalid("feed", key.status().message());
      if (d.kind == DestinationKind::kHttpPush) {
        if (d.method.empty()) d.method = "PUT";
        if (d.method != "PUT" && d.method != "POST")
          return Invalid("method", "must be PUT or POST");
      } else {
        d.method.clear();
      }
    }
    if (d.kind == DestinationKind::kWebhook) {
      // A webhook's only credential is its signing secret, which the hub makes.
      for (const char* field : {"username", "password", "private_key", "credential_file"}) {
        if (body.contains(field)) {
          return Invalid(field, "is for pushes: a webhook is authenticated by its signature");
        }
      }
      return std::nullopt;
    }
    return ApplyCredentials(body, d.username, d.secret_sealed, d.credential_file, d.host_key_sha256,
                            d.kind == DestinationKind::kSftpPush);
  }

  std::optional<HttpResponse> ApplySource(const nlohmann::json& body, Source& src,
                                          bool creating) const {
    if (auto bad = RejectUnknownFields(
            body, {"name", "kind", "format", "url", "interval_seconds", "enabled", "username",
                   "password", "private_key", "credential_file", "host_key_sha256"})) {
      return bad;
    }
    const std::string kind_before = src.kind;
    for (auto [field, out] : {std::pair{"name", &src.name},
                              {"kind", &src.kind},
                              {"format", &src.format},
                              {"url", &src.url},
                              {"username", &src.username},
                              {"credential_file", &src.credential_file},
                              {"host_key_sha256", &src.host_key_sha256}}) {
      if (auto bad = Read(body, field, *out)) return bad;
    }
    if (auto bad = Read(body, "interval_seconds", src.interval_seconds)) return bad;
    if (auto bad = Read(body, "enabled", src.enabled)) return bad;
    if (!creating && src.kind != kind_before) {
      return Invalid("kind", "cannot change: create another source");
    }
    if (!kSourceKinds.contains(src.kind)) {
      return Invalid("kind", "must be products, stores, prices or stock");
    }
    if (src.format.empty()) src.format = "csv";
    if (!kSourceFormats.contains(src.format))
      return Invalid("format", "must be csv, json or ndjson");
    if (src.url.empty()) return Invalid("url", "is required");
    if (Status url = s_.check_outbound_url(src.url); !url.ok()) {
      return Invalid("url", url.message());
    }
    if (src.interval_seconds != 0 && src.interval_seconds < 60) {
      return Invalid("interval_seconds", "must be 0 (by hand only) or at least 60");
    }
    if (src.name.empty()) src.name = src.kind + " from " + src.url;
    if (!src.url.starts_with("sftp://") &&
        (!src.username.empty() || body.contains("password") || body.contains("private_key"))) {
      return Invalid("username",
                     "is for sftp:// sources: an HTTP source is read with the token its URL holds");
    }
    return ApplyCredentials(body, src.username, src.secret_sealed, src.credential_file,
                            src.host_key_sha256, src.url.starts_with("sftp://"));
  }

  // A password or private key given in clear is sealed at once; a file is only named.
  std::optional<HttpResponse> ApplyCredentials(const nlohmann::json& body, std::string& username,
                                               std::string& sealed, std::string& file,
                                               const std::string& pin, bool sftp) const {
    std::string password;
    std::string key;
    if (auto bad = Read(body, "password", password)) return bad;
    if (auto bad = Read(body, "private_key", key)) return bad;
    if (!password.empty() && !key.empty()) {
      return Invalid("private_key", "give a password or a private key, not both");
    }
    if (!key.empty() && !sftp) return Invalid("private_key", "is for sftp:// URLs only");
    if (!key.empty() && key.find("PRIVATE KEY-----") == std::string::npos) {
      return Invalid("private_key", "must be a PEM or OpenSSH private key");
    }
    if (!password.empty() || !key.empty()) {
      auto s = s_.seal_secret(key.empty() ? "password:" + password : "key:" + key);
      if (!s.ok()) return HttpResponse::FromStatus(s.status());
      sealed = *s;
      file.clear();
    } else if (body.contains("credential_file") && !file.empty()) {
      if (!file.starts_with("/")) return Invalid("credential_file", "must be an absolute path");
      sealed.clear();
    }
    if (sftp && username.empty()) return Invalid("username", "is required for sftp://");
    if (sftp && pin.empty()) {
      return Invalid("host_key_sha256",
                     "is required for sftp://: the server's host key fingerprint, as "
                     "`ssh-keyscan HOST | ssh-keygen -lf -` prints it");
    }
    return std::nullopt;
  }

  Result<Delivery> FindDelivery(const HttpRequest& request) const {
    if (!field_rules::IsValidId(request.PathParam("id"))) return Status::InvalidArgument("id");
    int64_t id = 0;
    const std::string_view text = request.PathParam("delivery");
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
      return Status::InvalidArgument("delivery");
    }
    auto d = s_.outbound->GetDelivery(id);
    if (!d.ok()) return d.status();
    if (!*d || (*d)->destination_id != request.PathParam("id")) return Status::NotFound("delivery");
    return **d;
  }

  HttpResponse DeliveryProblem(const Status& status, const HttpRequest& request) const {
    if (status.code() == StatusCode::kInvalidArgument) {
      return BadParameter(status.message(), status.message() == "id"
                                                ? "must be a destination id"
                                                : "must be a delivery id, a positive integer");
    }
    if (status.code() == StatusCode::kNotFound) {
      return EntityNotFound("delivery", std::string(request.PathParam("delivery")) +
                                            "\" of destination \"" +
                                            std::string(request.PathParam("id")));
    }
    return StoreFailure(status);
  }

  HttpResponse DeliveryAnswer(int status, int64_t id, bool with_payload = false) const {
    auto d = s_.outbound->GetDelivery(id);
    if (!d.ok()) return StoreFailure(d.status());
    if (!*d) return EntityNotFound("delivery", std::to_string(id));
    auto attempts = s_.outbound->ListDeliveryAttempts(id);
    if (!attempts.ok()) return StoreFailure(attempts.status());
    nlohmann::json out = DeliveryJson(**d, *attempts);
    if (with_payload) {
      nlohmann::json payload = nlohmann::json::parse((*d)->payload, nullptr, false);
      out["payload"] = payload.is_discarded() ? nlohmann::json((*d)->payload) : payload;
    }
    return HttpResponse::Json(status, out);
  }

  const ApiServices& s_;
};

}  // namespace

Status AddOutboundRoutes(HttpServer& server, const ApiServices& services) {
  auto routes = std::make_shared<OutboundRoutes>(services);
  auto bind = [routes](auto method) { return Handler(routes, method); };
  const std::vector<std::string> json_body = {"application/json"};
  const std::vector<std::string> paging = {"cursor", "limit"};
  std::vector<Route> table = {
      {"GET",
       "/api/v1/destinations",
       Role::kApprover,
       false,
       {},
       "",
       bind(&OutboundRoutes::ListDestinations)},
      {"POST", "/api/v1/destinations", Role::kAdmin, false, json_body, "",
       bind(&OutboundRoutes::CreateDestination)},
      {"GET",
       "/api/v1/destinations/{id}",
       Role::kApprover,
       false,
       {},
       "",
       bind(&OutboundRoutes::GetDestination)},
      {"PATCH", "/api/v1/destinations/{id}", Role::kAdmin, false, json_body, "",
       bind(&OutboundRoutes::PatchDestination)},
      {"DELETE",
       "/api/v1/destinations/{id}",
       Role::kAdmin,
       false,
       {},
       "",
       bind(&OutboundRoutes::DeleteDestination)},
      {"POST",
       "/api/v1/destinations/{id}/secret",
       Role::kAdmin,
       false,
       {},
       "",
       bind(&OutboundRoutes::RotateSecret)},
      {"POST",
       "/api/v1/destinations/{id}/ping",
       Role::kAdmin,
       false,
       {},
       "",
       bind(&OutboundRoutes::Ping)},
      {"GET",
       "/api/v1/destinations/{id}/deliveries",
       Role::kApprover,
       false,
       {},
       "",
       bind(&OutboundRoutes::ListDeliveries),
       {"state", "cursor", "limit"}},
      {"GET",
       "/api/v1/destinations/{id}/deliveries/{delivery}",
       Role::kApprover,
       false,
       {},
       "",
       bind(&OutboundRoutes::GetDelivery)},
      {"POST",
       "/api/v1/destinations/{id}/deliveries/{delivery}/replay",
       Role::kAdmin,
       false,
       {},
       "",
       bind(&OutboundRoutes::Replay)},
      {"GET",
       "/api/v1/sources",
       Role::kApprover,
       false,
       {},
       "",
       bind(&OutboundRoutes::ListSources)},
      {"POST", "/api/v1/sources", Role::kAdmin, false, json_body, "",
       bind(&OutboundRoutes::CreateSource)},
      {"GET",
       "/api/v1/sources/{id}",
       Role::kApprover,
       false,
       {},
       "",
       bind(&OutboundRoutes::GetSource)},
      {"PATCH", "/api/v1/sources/{id}", Role::kAdmin, false, json_body, "",
       bind(&OutboundRoutes::PatchSource)},
      {"DELETE",
       "/api/v1/sources/{id}",
       Role::kAdmin,
       false,
       {},
       "",
       bind(&OutboundRoutes::DeleteSource)},
      {"POST",
       "/api/v1/sources/{id}/run",
       Role::kAdmin,
       false,
       {},
       "",
       bind(&OutboundRoutes::RunSource)},
      {"GET",
       "/api/v1/sources/{id}/runs",
       Role::kApprover,
       false,
       {},
       "",
       bind(&OutboundRoutes::ListRuns),
       paging},
  };
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api
