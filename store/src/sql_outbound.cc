// SqlDatabase as OutboundRepository: the tables of schema version 14. Every write runs in
// Write() (its own transaction, or a savepoint of the caller's), so a claim, a completion or
// a delete with its cancellations is all or nothing; reads go through Read().
#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "offer_rules.h"
#include "outbound_rules.h"
#include "sql_connection.h"
#include "store/sql_database.h"

namespace vitrine {
namespace {

using store_internal::IsOwed;
using store_internal::SqlConnection;
using store_internal::Statement;

Status MissingDestination(std::string_view id) {
  return Status::NotFound("destination \"" + std::string(id) + "\" does not exist");
}

Status MissingSource(std::string_view id) {
  return Status::NotFound("source \"" + std::string(id) + "\" does not exist");
}

Status MissingDelivery(int64_t id) {
  return Status::NotFound("delivery " + std::to_string(id) + " does not exist");
}

Result<bool> Exists(SqlConnection& conn, const std::string& sql, std::string_view key) {
  Result<Statement> s = conn.Prepare(sql);
  if (!s.ok()) return s.status();
  s->Bind(1, key);
  return s->Step();
}

std::string ListText(const std::vector<std::string>& items) {
  return nlohmann::json(items).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

std::vector<std::string> ParseListText(const std::string& text) {
  return nlohmann::json::parse(text).get<std::vector<std::string>>();
}

void BindOptionalInstant(Statement& s, int index, const std::optional<Instant>& at) {
  if (at) {
    s.Bind(index, ToUnixSeconds(*at));
  } else {
    s.BindNull(index);
  }
}

std::optional<Instant> OptionalInstant(const Statement& s, int column) {
  if (s.IsNull(column)) return std::nullopt;
  return FromUnixSeconds(s.Int(column));
}

// ---------------------------------------------------------------------------------------------
// Destination rows

constexpr char kDestinationColumns[] =
    "id, kind, name, url, events, channels, campaign_ids, store_ids, batch_seconds, feed, "
    "method, schedule_seconds, username, secret_sealed, credential_file, host_key_sha256, "
    "disable_after_seconds, enabled, disabled_reason, failing_since, offer_seq, audit_seq, "
    "feed_etag, next_batch_at, last_delivered_at, created_at, updated_at, version";
constexpr char kDestinationValues[] =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, "
    "?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28";

// Binds every column of `d` to ?1..?28, in kDestinationColumns' order.
void BindDestination(Statement& s, const Destination& d) {
  s.Bind(1, std::string_view(d.id));
  s.Bind(2, DestinationKindName(d.kind));
  s.Bind(3, std::string_view(d.name));
  s.Bind(4, std::string_view(d.url));
  s.Bind(5, ListText(d.events));
  s.Bind(6, ListText(d.channels));
  s.Bind(7, ListText(d.campaign_ids));
  s.Bind(8, ListText(d.store_ids));
  s.Bind(9, static_cast<int64_t>(d.batch_seconds));
  s.Bind(10, std::string_view(d.feed));
  s.Bind(11, std::string_view(d.method));
  s.Bind(12, d.schedule_seconds);
  s.Bind(13, std::string_view(d.username));
  s.Bind(14, std::string_view(d.secret_sealed));
  s.Bind(15, std::string_view(d.credential_file));
  s.Bind(16, std::string_view(d.host_key_sha256));
  s.Bind(17, d.disable_after_seconds);
  s.Bind(18, static_cast<int64_t>(d.enabled ? 1 : 0));
  s.Bind(19, std::string_view(d.disabled_reason));
  BindOptionalInstant(s, 20, d.failing_since);
  s.Bind(21, d.offer_seq);
  s.Bind(22, d.audit_seq);
  s.Bind(23, std::string_view(d.feed_etag));
  s.Bind(24, ToUnixSeconds(d.next_batch_at));
  s.Bind(25, ToUnixSeconds(d.last_delivered_at));
  s.Bind(26, ToUnixSeconds(d.created_at));
  s.Bind(27, ToUnixSeconds(d.updated_at));
  s.Bind(28, static_cast<int64_t>(d.version));
}

Result<Destination> DestinationFromRow(const Statement& s) {
  Destination d;
  d.id = s.Text(0);
  std::optional<DestinationKind> kind = ParseDestinationKind(s.Text(1));
  if (!kind) return Status::Internal("destination \"" + d.id + "\" has an unknown kind");
  d.kind = *kind;
  d.name = s.Text(2);
  d.url = s.Text(3);
  d.events = ParseListText(s.Text(4));
  d.channels = ParseListText(s.Text(5));
  d.campaign_ids = ParseListText(s.Text(6));
  d.store_ids = ParseListText(s.Text(7));
  d.batch_seconds = static_cast<int>(s.Int(8));
  d.feed = s.Text(9);
  d.method = s.Text(10);
  d.schedule_seconds = s.Int(11);
  d.username = s.Text(12);
  d.secret_sealed = s.Text(13);
  d.credential_file = s.Text(14);
  d.host_key_sha256 = s.Text(15);
  d.disable_after_seconds = s.Int(16);
  d.enabled = s.Int(17) != 0;
  d.disabled_reason = s.Text(18);
  d.failing_since = OptionalInstant(s, 19);
  d.offer_seq = s.Int(20);
  d.audit_seq = s.Int(21);
  d.feed_etag = s.Text(22);
  d.next_batch_at = FromUnixSeconds(s.Int(23));
  d.last_delivered_at = FromUnixSeconds(s.Int(24));
  d.created_at = FromUnixSeconds(s.Int(25));
  d.updated_at = FromUnixSeconds(s.Int(26));
  d.version = static_cast<int>(s.Int(27));
  return d;
}

Status LookUpDestination(SqlConnection& conn, std::string_view id,
                         std::optional<Destination>& out) {
  static const std::string kSql =
      std::string("SELECT ") + kDestinationColumns + " FROM destinations WHERE id = ?";
  return store_internal::LookUp<Destination>(conn, kSql, id, DestinationFromRow, out);
}

// Runs the one-row UPDATE `sql` (RETURNING a row), its parameters bound by `bind`; NotFound
// naming the destination when it changed nothing.
template <typename BindFn>
Status UpdateOne(SqlConnection& conn, const std::string& sql, BindFn bind,
                 const std::function<Status()>& missing) {
  Result<Statement> s = conn.Prepare(sql);
  if (!s.ok()) return s.status();
  bind(*s);
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) return missing();
  return s->Run();
}

// ---------------------------------------------------------------------------------------------
// Delivery rows

constexpr char kDeliveryColumns[] =
    "id, destination_id, message_id, event_type, payload, seq_from, seq_to, state, attempts, "
    "next_at, lease_until, lease_owner, last_status, last_error, created_at, delivered_at, "
    "replay";

struct DeliveryRow {
  Delivery delivery;
  bool replay = false;
};

Result<DeliveryRow> DeliveryRowFromRow(const Statement& s) {
  DeliveryRow row;
  Delivery& d = row.delivery;
  d.id = s.Int(0);
  d.destination_id = s.Text(1);
  d.message_id = s.Text(2);
  d.event_type = s.Text(3);
  d.payload = s.Text(4);
  d.seq_from = s.Int(5);
  d.seq_to = s.Int(6);
  std::optional<DeliveryState> state = ParseDeliveryState(s.Text(7));
  if (!state) return Status::Internal("delivery " + std::to_string(d.id) + " has no known state");
  d.state = *state;
  d.attempts = static_cast<int>(s.Int(8));
  d.next_at = FromUnixSeconds(s.Int(9));
  d.lease_until = FromUnixSeconds(s.Int(10));
  d.lease_owner = s.Text(11);
  d.last_status = static_cast<int>(s.Int(12));
  d.last_error = s.Text(13);
  d.created_at = FromUnixSeconds(s.Int(14));
  d.delivered_at = OptionalInstant(s, 15);
  row.replay = s.Int(16) != 0;
  return row;
}

Result<Delivery> DeliveryFromRow(const Statement& s) {
  Result<DeliveryRow> row = DeliveryRowFromRow(s);
  if (!row.ok()) return row.status();
  return std::move(row->delivery);
}

Status LookUpDelivery(SqlConnection& conn, int64_t id, std::optional<DeliveryRow>& out) {
  static const std::string kSql =
      std::string("SELECT ") + kDeliveryColumns + " FROM deliveries WHERE id = ?";
  Result<Statement> s = conn.Prepare(kSql);
  if (!s.ok()) return s.status();
  s->Bind(1, id);
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Ok();
  Result<DeliveryRow> read = DeliveryRowFromRow(*s);
  if (!read.ok()) return read.status();
  out = std::move(read).value();
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Source rows

constexpr char kSourceColumns[] =
    "id, name, kind, format, url, interval_seconds, username, secret_sealed, credential_file, "
    "host_key_sha256, enabled, etag, last_modified, remote_mtime, remote_size, next_run_at, "
    "created_at, updated_at, version";
constexpr char kSourceValues[] =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19";

// Binds every column of `src` to ?1..?19, in kSourceColumns' order.
void BindSource(Statement& s, const Source& src) {
  s.Bind(1, std::string_view(src.id));
  s.Bind(2, std::string_view(src.name));
  s.Bind(3, std::string_view(src.kind));
  s.Bind(4, std::string_view(src.format));
  s.Bind(5, std::string_view(src.url));
  s.Bind(6, src.interval_seconds);
  s.Bind(7, std::string_view(src.username));
  s.Bind(8, std::string_view(src.secret_sealed));
  s.Bind(9, std::string_view(src.credential_file));
  s.Bind(10, std::string_view(src.host_key_sha256));
  s.Bind(11, static_cast<int64_t>(src.enabled ? 1 : 0));
  s.Bind(12, std::string_view(src.etag));
  s.Bind(13, std::string_view(src.last_modified));
  s.Bind(14, src.remote_mtime);
  s.Bind(15, src.remote_size);
  s.Bind(16, ToUnixSeconds(src.next_run_at));
  s.Bind(17, ToUnixSeconds(src.created_at));
  s.Bind(18, ToUnixSeconds(src.updated_at));
  s.Bind(19, static_cast<int64_t>(src.version));
}

Result<Source> SourceFromRow(const Statement& s) {
  Source src;
  src.id = s.Text(0);
  src.name = s.Text(1);
  src.kind = s.Text(2);
  src.format = s.Text(3);
  src.url = s.Text(4);
  src.interval_seconds = s.Int(5);
  src.username = s.Text(6);
  src.secret_sealed = s.Text(7);
  src.credential_file = s.Text(8);
  src.host_key_sha256 = s.Text(9);
  src.enabled = s.Int(10) != 0;
  src.etag = s.Text(11);
  src.last_modified = s.Text(12);
  src.remote_mtime = s.Int(13);
  src.remote_size = s.Int(14);
  src.next_run_at = FromUnixSeconds(s.Int(15));
  src.created_at = FromUnixSeconds(s.Int(16));
  src.updated_at = FromUnixSeconds(s.Int(17));
  src.version = static_cast<int>(s.Int(18));
  return src;
}

Status LookUpSource(SqlConnection& conn, std::string_view id, std::optional<Source>& out) {
  static const std::string kSql =
      std::string("SELECT ") + kSourceColumns + " FROM sources WHERE id = ?";
  return store_internal::LookUp<Source>(conn, kSql, id, SourceFromRow, out);
}

constexpr char kRunColumns[] =
    "id, source_id, trigger, started_at, finished_at, outcome, http_status, bytes, error, "
    "report";

Result<SourceRun> RunFromRow(const Statement& s) {
  SourceRun run;
  run.id = s.Int(0);
  run.source_id = s.Text(1);
  run.trigger = s.Text(2);
  run.started_at = FromUnixSeconds(s.Int(3));
  run.finished_at = FromUnixSeconds(s.Int(4));
  run.outcome = s.Text(5);
  run.http_status = static_cast<int>(s.Int(6));
  run.bytes = s.Int(7);
  run.error = s.Text(8);
  run.report = s.Text(9);
  return run;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Destinations

Result<Destination> SqlDatabase::CreateDestination(Destination destination, Instant now) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckDestination(destination));
  destination.created_at = now;
  destination.updated_at = now;
  destination.version = 1;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<bool> taken = Exists(conn, "SELECT 1 FROM destinations WHERE id = ?", destination.id);
    if (!taken.ok()) return taken.status();
    if (*taken) {
      return Status::AlreadyExists("destination \"" + destination.id + "\" already exists");
    }
    static const std::string kSql = std::string("INSERT INTO destinations(") + kDestinationColumns +
                                    ") VALUES (" + kDestinationValues + ")";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    BindDestination(*s, destination);
    return s->Run();
  }));
  return destination;
}

Result<std::optional<Destination>> SqlDatabase::GetDestination(std::string_view id) {
  std::optional<Destination> destination;
  VITRINE_RETURN_IF_ERROR(
      Read([&](Connection& conn) { return LookUpDestination(conn, id, destination); }));
  return destination;
}

Result<std::vector<Destination>> SqlDatabase::ListDestinations() {
  std::vector<Destination> destinations;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    static const std::string kSql =
        std::string("SELECT ") + kDestinationColumns + " FROM destinations ORDER BY id";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    return store_internal::CollectAll<Destination>(*s, DestinationFromRow, destinations);
  }));
  return destinations;
}

Result<Destination> SqlDatabase::UpdateDestination(const Destination& destination,
                                                   int expected_version, Instant now) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckDestination(destination));
  Destination stored;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    std::optional<Destination> current;
    VITRINE_RETURN_IF_ERROR(LookUpDestination(conn, destination.id, current));
    if (!current) return MissingDestination(destination.id);
    if (current->version != expected_version) {
      return store_internal::StaleVersion("destination", expected_version, current->version);
    }
    // The whole row is written back: the configuration from `destination`, the rest (progress,
    // health) as stored, so both backends share one list of configuration fields.
    stored = std::move(*current);
    store_internal::ApplyDestinationConfig(destination, stored);
    stored.version += 1;
    stored.updated_at = now;
    static const std::string kSql = std::string("UPDATE destinations SET (") + kDestinationColumns +
                                    ") = (" + kDestinationValues + ") WHERE id = ?1";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    BindDestination(*s, stored);
    return s->Run();
  }));
  return stored;
}

Result<bool> SqlDatabase::DeleteDestination(std::string_view id) {
  Result<bool> deleted = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    deleted = store_internal::DeleteByKey(conn, "DELETE FROM destinations WHERE id = ?", id);
    if (!deleted.ok() || !*deleted) return deleted.status();
    // The rows stay, cancelled, so the delivery log still shows what was never sent.
    Result<Statement> s = conn.Prepare(
        "UPDATE deliveries SET state = 'cancelled', lease_owner = '', lease_until = 0 "
        "WHERE destination_id = ? AND state IN ('pending', 'inflight')");
    if (!s.ok()) return s.status();
    s->Bind(1, id);
    return s->Run();
  }));
  return deleted;
}

Status SqlDatabase::SetDestinationProgress(std::string_view id,
                                           const DestinationProgress& progress) {
  return Write([&](Connection& conn) {
    return UpdateOne(
        conn,
        "UPDATE destinations SET offer_seq = ?2, audit_seq = ?3, feed_etag = ?4, "
        "next_batch_at = ?5 WHERE id = ?1 RETURNING 1",
        [&](Statement& s) {
          s.Bind(1, id);
          s.Bind(2, progress.offer_seq);
          s.Bind(3, progress.audit_seq);
          s.Bind(4, std::string_view(progress.feed_etag));
          s.Bind(5, ToUnixSeconds(progress.next_batch_at));
        },
        [&] { return MissingDestination(id); });
  });
}

Status SqlDatabase::SetDestinationHealth(std::string_view id, const DestinationHealth& health) {
  return Write([&](Connection& conn) {
    return UpdateOne(
        conn,
        "UPDATE destinations SET enabled = ?2, disabled_reason = ?3, failing_since = ?4, "
        "last_delivered_at = ?5 WHERE id = ?1 RETURNING 1",
        [&](Statement& s) {
          s.Bind(1, id);
          s.Bind(2, static_cast<int64_t>(health.enabled ? 1 : 0));
          s.Bind(3, std::string_view(health.disabled_reason));
          BindOptionalInstant(s, 4, health.failing_since);
          s.Bind(5, ToUnixSeconds(health.last_delivered_at));
        },
        [&] { return MissingDestination(id); });
  });
}

// ---------------------------------------------------------------------------------------------
// Deliveries

Result<int64_t> SqlDatabase::EnqueueDelivery(const Delivery& delivery, bool supersede) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckEnqueue(delivery));
  int64_t id = 0;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<bool> destination =
        Exists(conn, "SELECT 1 FROM destinations WHERE id = ?", delivery.destination_id);
    if (!destination.ok()) return destination.status();
    if (!*destination) return MissingDestination(delivery.destination_id);
    Result<bool> taken =
        Exists(conn, "SELECT 1 FROM deliveries WHERE message_id = ?", delivery.message_id);
    if (!taken.ok()) return taken.status();
    if (*taken) {
      return Status::AlreadyExists("message \"" + delivery.message_id + "\" is already queued");
    }
    if (supersede) {
      Result<Statement> s = conn.Prepare(
          "UPDATE deliveries SET state = 'cancelled' "
          "WHERE destination_id = ? AND event_type = ? AND state = 'pending'");
      if (!s.ok()) return s.status();
      s->Bind(1, std::string_view(delivery.destination_id));
      s->Bind(2, std::string_view(delivery.event_type));
      VITRINE_RETURN_IF_ERROR(s->Run());
    }
    Result<Statement> s = conn.Prepare(
        "INSERT INTO deliveries(destination_id, message_id, event_type, payload, seq_from, "
        "seq_to, state, attempts, next_at, lease_until, lease_owner, last_status, last_error, "
        "created_at, delivered_at, replay) "
        "VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, 0, '', 0, '', ?, NULL, 0) RETURNING id");
    if (!s.ok()) return s.status();
    s->BindStatic(1, delivery.destination_id);
    s->BindStatic(2, delivery.message_id);
    s->BindStatic(3, delivery.event_type);
    s->BindStatic(4, delivery.payload);
    s->Bind(5, delivery.seq_from);
    s->Bind(6, delivery.seq_to);
    s->Bind(7, ToUnixSeconds(delivery.next_at));
    s->Bind(8, ToUnixSeconds(delivery.created_at));
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Internal("delivery insert returned no id");
    id = s->Int(0);
    return s->Run();
  }));
  return id;
}

Result<std::vector<Delivery>> SqlDatabase::ClaimDueDeliveries(Instant now, int limit,
                                                              std::string_view owner,
                                                              Instant lease_until) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckClaim(limit, owner));
  std::vector<Delivery> claimed;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    // A due delivery is claimed when it is its destination's oldest owed one and no delivery
    // of that destination is in flight under a live lease (a replayed older delivery may be
    // owed behind a newer one in flight). The repeated `state IN (...)` lets the planner use
    // the partial index deliveries_owed.
    static const std::string kSql =
        std::string(
            "UPDATE deliveries SET state = 'inflight', lease_owner = ?1, lease_until = ?2, "
            "attempts = attempts + 1 "
            "WHERE id IN ("
            " SELECT d.id FROM deliveries d JOIN destinations t ON t.id = d.destination_id"
            " WHERE t.enabled = 1"
            "  AND ((d.state = 'pending' AND d.next_at <= ?3)"
            "       OR (d.state = 'inflight' AND d.lease_until <= ?3))"
            "  AND d.id = (SELECT min(x.id) FROM deliveries x"
            "              WHERE x.destination_id = d.destination_id"
            "                AND x.state IN ('pending', 'inflight'))"
            "  AND NOT EXISTS (SELECT 1 FROM deliveries y"
            "                  WHERE y.destination_id = d.destination_id"
            "                    AND y.state IN ('pending', 'inflight')"
            "                    AND y.state = 'inflight' AND y.lease_until > ?3)"
            " ORDER BY d.id LIMIT ?4) "
            "RETURNING ") +
        kDeliveryColumns;
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->Bind(1, owner);
    s->Bind(2, ToUnixSeconds(lease_until));
    s->Bind(3, ToUnixSeconds(now));
    s->Bind(4, static_cast<int64_t>(limit));
    return store_internal::CollectAll<Delivery>(*s, DeliveryFromRow, claimed);
  }));
  // RETURNING gives rows in no promised order.
  std::sort(claimed.begin(), claimed.end(),
            [](const Delivery& a, const Delivery& b) { return a.id < b.id; });
  return claimed;
}

Status SqlDatabase::CompleteDelivery(int64_t delivery_id, std::string_view owner,
                                     const DeliveryOutcome& outcome) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckOutcome(outcome));
  return Write([&](Connection& conn) -> Status {
    std::optional<DeliveryRow> row;
    VITRINE_RETURN_IF_ERROR(LookUpDelivery(conn, delivery_id, row));
    if (!row) return MissingDelivery(delivery_id);
    VITRINE_RETURN_IF_ERROR(store_internal::CheckLeaseHolder(row->delivery, owner));
    const DeliveryAttempt attempt =
        store_internal::RecordedAttempt(row->delivery, row->replay, outcome.attempt);
    {
      Result<Statement> s = conn.Prepare(
          "INSERT INTO delivery_attempts(delivery_id, attempt, started_at, duration_ms, "
          "http_status, error, response_excerpt, replay) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      if (!s.ok()) return s.status();
      s->Bind(1, attempt.delivery_id);
      s->Bind(2, static_cast<int64_t>(attempt.attempt));
      s->Bind(3, ToUnixSeconds(attempt.started_at));
      s->Bind(4, attempt.duration_ms);
      s->Bind(5, static_cast<int64_t>(attempt.http_status));
      s->BindStatic(6, attempt.error);
      s->BindStatic(7, attempt.response_excerpt);
      s->Bind(8, static_cast<int64_t>(attempt.replay ? 1 : 0));
      VITRINE_RETURN_IF_ERROR(s->Run());
    }
    Delivery& d = row->delivery;
    store_internal::ApplyOutcome(outcome, d);
    Result<Statement> s = conn.Prepare(
        "UPDATE deliveries SET state = ?2, next_at = ?3, lease_until = ?4, lease_owner = ?5, "
        "last_status = ?6, last_error = ?7, delivered_at = ?8, replay = 0 WHERE id = ?1");
    if (!s.ok()) return s.status();
    s->Bind(1, d.id);
    s->Bind(2, DeliveryStateName(d.state));
    s->Bind(3, ToUnixSeconds(d.next_at));
    s->Bind(4, ToUnixSeconds(d.lease_until));
    s->BindStatic(5, d.lease_owner);
    s->Bind(6, static_cast<int64_t>(d.last_status));
    s->BindStatic(7, d.last_error);
    BindOptionalInstant(*s, 8, d.delivered_at);
    return s->Run();
  });
}

Result<std::optional<Delivery>> SqlDatabase::GetDelivery(int64_t id) {
  std::optional<DeliveryRow> row;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) { return LookUpDelivery(conn, id, row); }));
  if (!row) return std::optional<Delivery>();
  return std::optional<Delivery>(std::move(row->delivery));
}

Result<std::vector<Delivery>> SqlDatabase::ListDeliveries(const DeliveryQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckDeliveryQuery(query));
  std::string sql =
      std::string("SELECT ") + kDeliveryColumns + " FROM deliveries WHERE destination_id = ?";
  if (query.state) sql += " AND state = ?";
  if (query.before_id > 0) sql += " AND id < ?";
  sql += " ORDER BY id DESC LIMIT ?";
  std::vector<Delivery> deliveries;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    int index = 0;
    s->Bind(++index, std::string_view(query.destination_id));
    if (query.state) s->Bind(++index, DeliveryStateName(*query.state));
    if (query.before_id > 0) s->Bind(++index, query.before_id);
    s->Bind(++index, static_cast<int64_t>(query.limit));
    return store_internal::CollectAll<Delivery>(*s, DeliveryFromRow, deliveries);
  }));
  return deliveries;
}

Result<std::vector<DeliveryAttempt>> SqlDatabase::ListDeliveryAttempts(int64_t delivery_id) {
  std::vector<DeliveryAttempt> attempts;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(
        "SELECT delivery_id, attempt, started_at, duration_ms, http_status, error, "
        "response_excerpt, replay FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt");
    if (!s.ok()) return s.status();
    s->Bind(1, delivery_id);
    return store_internal::CollectAll<DeliveryAttempt>(
        *s,
        [](const Statement& st) -> Result<DeliveryAttempt> {
          DeliveryAttempt a;
          a.delivery_id = st.Int(0);
          a.attempt = static_cast<int>(st.Int(1));
          a.started_at = FromUnixSeconds(st.Int(2));
          a.duration_ms = st.Int(3);
          a.http_status = static_cast<int>(st.Int(4));
          a.error = st.Text(5);
          a.response_excerpt = st.Text(6);
          a.replay = st.Int(7) != 0;
          return a;
        },
        attempts);
  }));
  return attempts;
}

Result<Delivery> SqlDatabase::ReplayDelivery(int64_t id, Instant now) {
  Delivery replayed;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    std::optional<DeliveryRow> row;
    VITRINE_RETURN_IF_ERROR(LookUpDelivery(conn, id, row));
    if (!row) return MissingDelivery(id);
    VITRINE_RETURN_IF_ERROR(store_internal::CheckReplayable(row->delivery));
    Result<bool> destination =
        Exists(conn, "SELECT 1 FROM destinations WHERE id = ?", row->delivery.destination_id);
    if (!destination.ok()) return destination.status();
    if (!*destination) return store_internal::ReplayWithoutDestination(row->delivery);
    replayed = std::move(row->delivery);
    replayed.state = DeliveryState::kPending;
    replayed.next_at = now;
    Result<Statement> s = conn.Prepare(
        "UPDATE deliveries SET state = 'pending', next_at = ?, replay = 1 WHERE id = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, ToUnixSeconds(now));
    s->Bind(2, id);
    return s->Run();
  }));
  return replayed;
}

Result<int64_t> SqlDatabase::CountOwedDeliveries() {
  int64_t owed = 0;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s =
        conn.Prepare("SELECT count(*) FROM deliveries WHERE state IN ('pending', 'inflight')");
    if (!s.ok()) return s.status();
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    owed = *row ? s->Int(0) : 0;
    return Status::Ok();
  }));
  return owed;
}

// ---------------------------------------------------------------------------------------------
// Sources

Result<Source> SqlDatabase::CreateSource(Source source, Instant now) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckSource(source));
  source.created_at = now;
  source.updated_at = now;
  source.version = 1;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<bool> taken = Exists(conn, "SELECT 1 FROM sources WHERE id = ?", source.id);
    if (!taken.ok()) return taken.status();
    if (*taken) return Status::AlreadyExists("source \"" + source.id + "\" already exists");
    static const std::string kSql =
        std::string("INSERT INTO sources(") + kSourceColumns + ") VALUES (" + kSourceValues + ")";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    BindSource(*s, source);
    return s->Run();
  }));
  return source;
}

Result<std::optional<Source>> SqlDatabase::GetSource(std::string_view id) {
  std::optional<Source> source;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) { return LookUpSource(conn, id, source); }));
  return source;
}

Result<std::vector<Source>> SqlDatabase::ListSources() {
  std::vector<Source> sources;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    static const std::string kSql =
        std::string("SELECT ") + kSourceColumns + " FROM sources ORDER BY id";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    return store_internal::CollectAll<Source>(*s, SourceFromRow, sources);
  }));
  return sources;
}

Result<Source> SqlDatabase::UpdateSource(const Source& source, int expected_version, Instant now) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckSource(source));
  Source stored;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    std::optional<Source> current;
    VITRINE_RETURN_IF_ERROR(LookUpSource(conn, source.id, current));
    if (!current) return MissingSource(source.id);
    if (current->version != expected_version) {
      return store_internal::StaleVersion("source", expected_version, current->version);
    }
    stored = std::move(*current);
    store_internal::ApplySourceConfig(source, stored);
    stored.version += 1;
    stored.updated_at = now;
    static const std::string kSql = std::string("UPDATE sources SET (") + kSourceColumns + ") = (" +
                                    kSourceValues + ") WHERE id = ?1";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    BindSource(*s, stored);
    return s->Run();
  }));
  return stored;
}

Result<bool> SqlDatabase::DeleteSource(std::string_view id) {
  Result<bool> deleted = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    // Its runs go with it through ON DELETE CASCADE.
    deleted = store_internal::DeleteByKey(conn, "DELETE FROM sources WHERE id = ?", id);
    return deleted.status();
  }));
  return deleted;
}

Status SqlDatabase::SetSourceState(std::string_view id, const SourceState& state) {
  return Write([&](Connection& conn) {
    return UpdateOne(
        conn,
        "UPDATE sources SET etag = ?2, last_modified = ?3, remote_mtime = ?4, remote_size = ?5, "
        "next_run_at = ?6 WHERE id = ?1 RETURNING 1",
        [&](Statement& s) {
          s.Bind(1, id);
          s.Bind(2, std::string_view(state.etag));
          s.Bind(3, std::string_view(state.last_modified));
          s.Bind(4, state.remote_mtime);
          s.Bind(5, state.remote_size);
          s.Bind(6, ToUnixSeconds(state.next_run_at));
        },
        [&] { return MissingSource(id); });
  });
}

Result<int64_t> SqlDatabase::RecordSourceRun(const SourceRun& run) {
  int64_t id = 0;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<bool> source = Exists(conn, "SELECT 1 FROM sources WHERE id = ?", run.source_id);
    if (!source.ok()) return source.status();
    if (!*source) return MissingSource(run.source_id);
    Result<Statement> s = conn.Prepare(
        "INSERT INTO source_runs(source_id, trigger, started_at, finished_at, outcome, "
        "http_status, bytes, error, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!s.ok()) return s.status();
    s->BindStatic(1, run.source_id);
    s->BindStatic(2, run.trigger);
    s->Bind(3, ToUnixSeconds(run.started_at));
    s->Bind(4, ToUnixSeconds(run.finished_at));
    s->BindStatic(5, run.outcome);
    s->Bind(6, static_cast<int64_t>(run.http_status));
    s->Bind(7, run.bytes);
    s->BindStatic(8, run.error);
    s->BindStatic(9, run.report);
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Internal("source run insert returned no id");
    id = s->Int(0);
    return s->Run();
  }));
  return id;
}

Result<std::vector<SourceRun>> SqlDatabase::ListSourceRuns(std::string_view source_id,
                                                           int64_t before_id, int limit) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckIdPage(before_id, limit));
  std::string sql = std::string("SELECT ") + kRunColumns + " FROM source_runs WHERE source_id = ?";
  if (before_id > 0) sql += " AND id < ?";
  sql += " ORDER BY id DESC LIMIT ?";
  std::vector<SourceRun> runs;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    int index = 0;
    s->Bind(++index, source_id);
    if (before_id > 0) s->Bind(++index, before_id);
    s->Bind(++index, static_cast<int64_t>(limit));
    return store_internal::CollectAll<SourceRun>(*s, RunFromRow, runs);
  }));
  return runs;
}

}  // namespace vitrine
