// SqlDatabase's change log, its consumers' positions and its leases.
#include "sql_change_log.h"

#include <optional>

#include "change_keys.h"
#include "store/sql_database.h"

namespace vitrine {

namespace store_internal {

Result<int64_t> InsertChange(SqlConnection& conn, ChangeKind kind,
                             const std::vector<std::string>& keys) {
  if (keys.empty() && kind != ChangeKind::kAll) return int64_t{0};
  size_t size = 0;
  for (const std::string& key : keys) size += key.size() + 1;
  std::string joined;
  joined.reserve(size);
  for (const std::string& key : keys) {
    if (!joined.empty()) joined += '\n';
    joined += key;
  }
  Result<Statement> insert =
      conn.Prepare("INSERT INTO change_log(kind, keys) VALUES (?, ?) RETURNING id");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, static_cast<int64_t>(kind));
  insert->BindStatic(2, joined);
  Result<bool> row = insert->Step();
  if (!row.ok()) return row.status().WithContext("change log");
  const int64_t id = *row ? insert->Int(0) : 0;
  VITRINE_RETURN_IF_ERROR(insert->Run().WithContext("change log"));
  insert->Reset();
  VITRINE_RETURN_IF_ERROR(NotifyNodes(conn));
  return id;
}

Status NotifyNodes(SqlConnection& conn) {
  if (conn.dialect() != SqlDialect::kPostgres) return Status::Ok();
  return conn.Run("SELECT pg_notify('vitrine_changes', '')");
}

}  // namespace store_internal

namespace {

std::vector<std::string> SplitKeys(const std::string& joined) {
  std::vector<std::string> keys;
  size_t start = 0;
  while (start < joined.size()) {
    size_t end = joined.find('\n', start);
    if (end == std::string::npos) end = joined.size();
    keys.emplace_back(joined, start, end - start);
    start = end + 1;
  }
  return keys;
}

// The integer of the first row of `sql` (bound to `key` when given) into *out; 0 without a row.
Status ReadInteger(store_internal::SqlConnection& conn, const std::string& sql,
                   std::optional<std::string_view> key, int64_t* out) {
  Result<store_internal::Statement> s = conn.Prepare(sql);
  if (!s.ok()) return s.status();
  if (key) s->Bind(1, *key);
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  *out = *row ? s->Int(0) : 0;
  s->Reset();
  return Status::Ok();
}

// Entries applied by every consumer are kept this long (in entries) for inspection, then
// pruned, so the log does not grow without bound.
constexpr int64_t kKeptAppliedEntries = 10'000;

}  // namespace

Result<int64_t> SqlDatabase::AppendChange(ChangeKind kind, std::span<const std::string> keys) {
  Result<int64_t> id = int64_t{0};
  const std::vector<std::string> sorted =
      kind == ChangeKind::kAll ? std::vector<std::string>() : store_internal::NormalizedKeys(keys);
  if (sorted.empty() && kind != ChangeKind::kAll) return int64_t{0};
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    id = store_internal::InsertChange(conn, kind, sorted);
    return id.status();
  }));
  return id;
}

Result<std::vector<ChangeEntry>> SqlDatabase::ListChangesSince(int64_t after, int limit) {
  if (limit < 1 || limit > 10000) {
    return Status::InvalidArgument("limit must be between 1 and 10000");
  }
  std::vector<ChangeEntry> entries;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<store_internal::Statement> s =
        conn.Prepare("SELECT id, kind, keys FROM change_log WHERE id > ? ORDER BY id LIMIT ?");
    if (!s.ok()) return s.status();
    s->Bind(1, after);
    s->Bind(2, static_cast<int64_t>(limit));
    for (;;) {
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      const int64_t kind = s->Int(1);
      if (kind < 1 || kind > static_cast<int64_t>(ChangeKind::kAll)) {
        return Status::Internal("change log entry " + std::to_string(s->Int(0)) +
                                " has an unknown kind " + std::to_string(kind));
      }
      entries.push_back({s->Int(0), static_cast<ChangeKind>(kind), SplitKeys(s->Text(2))});
    }
  }));
  return entries;
}

Result<int64_t> SqlDatabase::LastChangeId() {
  int64_t id = 0;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    return ReadInteger(conn, "SELECT coalesce(max(id), 0) FROM change_log", std::nullopt, &id);
  }));
  return id;
}

Result<int64_t> SqlDatabase::AppliedChangeId(std::string_view consumer) {
  int64_t id = 0;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    return ReadInteger(conn, "SELECT applied_id FROM change_consumers WHERE name = ?", consumer,
                       &id);
  }));
  return id;
}

Status SqlDatabase::SetAppliedChangeId(std::string_view consumer, int64_t id) {
  return Write([&](Connection& conn) -> Status {
    Result<store_internal::Statement> s = conn.Prepare(
        "INSERT INTO change_consumers(name, applied_id) VALUES (?, ?) "
        "ON CONFLICT(name) DO UPDATE SET applied_id = excluded.applied_id");
    if (!s.ok()) return s.status();
    s->Bind(1, consumer);
    s->Bind(2, id);
    VITRINE_RETURN_IF_ERROR(s->Run());
    s->Reset();
    Result<store_internal::Statement> prune = conn.Prepare(
        "DELETE FROM change_log WHERE id <= (SELECT min(applied_id) FROM change_consumers) - ?");
    if (!prune.ok()) return prune.status();
    prune->Bind(1, kKeptAppliedEntries);
    Status pruned = prune->Run();
    prune->Reset();
    return pruned;
  });
}

Result<bool> SqlDatabase::TryLease(std::string_view name, std::string_view holder, Instant now,
                                   std::chrono::seconds ttl) {
  bool held = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<store_internal::Statement> take = conn.Prepare(
        "INSERT INTO leases(name, holder, expires_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, "
        "expires_at = excluded.expires_at "
        "WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4");
    if (!take.ok()) return take.status();
    take->Bind(1, name);
    take->Bind(2, holder);
    take->Bind(3, ToUnixSeconds(now + ttl));
    take->Bind(4, ToUnixSeconds(now));
    VITRINE_RETURN_IF_ERROR(take->Run());
    take->Reset();
    held = conn.Changes() > 0;
    return Status::Ok();
  }));
  return held;
}

Status SqlDatabase::ReleaseLease(std::string_view name, std::string_view holder) {
  return Write([&](Connection& conn) -> Status {
    Result<store_internal::Statement> s =
        conn.Prepare("DELETE FROM leases WHERE name = ? AND holder = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, name);
    s->Bind(2, holder);
    Status run = s->Run();
    s->Reset();
    return run;
  });
}

Result<std::string> SqlDatabase::LeaseHolder(std::string_view name, Instant now) {
  std::string holder;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<store_internal::Statement> s =
        conn.Prepare("SELECT holder FROM leases WHERE name = ? AND expires_at > ?");
    if (!s.ok()) return s.status();
    s->Bind(1, name);
    s->Bind(2, ToUnixSeconds(now));
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (*row) holder = s->Text(0);
    s->Reset();
    return Status::Ok();
  }));
  return holder;
}

}  // namespace vitrine
