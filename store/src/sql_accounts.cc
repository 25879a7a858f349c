// SqlDatabase as AccountRepository and AuditLog: the tables of schema version 2, written
// through the same writer connection as the catalogue so that they join Transaction().

#include "account_rules.h"
#include "sql_connection.h"
#include "store/sql_database.h"

namespace vitrine {
namespace {

using store_internal::SqlConnection;
using store_internal::Statement;

constexpr char kUserColumns[] = "id, display_name, role, password_hash, disabled, created_at";

constexpr char kTokenColumns[] =
    "id, name, role, channel, secret_hash, created_by, created_at, revoked_at, last_used_at";

constexpr char kAuditColumns[] =
    "seq, at, actor, action, entity, entity_id, before_json, after_json, request_id";

Result<Role> ReadRole(const Statement& s, int column, std::string_view owner) {
  Result<Role> role = ParseRole(s.Text(column));
  if (!role.ok()) {
    return Status::Internal(role.status().message() + " for " + std::string(owner) +
                            " in the database");
  }
  return role;
}

std::optional<Instant> ReadOptionalInstant(const Statement& s, int column) {
  if (s.IsNull(column)) return std::nullopt;
  return FromUnixSeconds(s.Int(column));
}

void BindOptionalInstant(Statement& s, int index, const std::optional<Instant>& t) {
  if (t) {
    s.Bind(index, ToUnixSeconds(*t));
  } else {
    s.BindNull(index);
  }
}

// Reads the kUserColumns of the current row.
Result<User> ReadUser(const Statement& s) {
  User u;
  u.id = s.Text(0);
  u.display_name = s.Text(1);
  Result<Role> role = ReadRole(s, 2, "user \"" + u.id + "\"");
  if (!role.ok()) return role.status();
  u.role = *role;
  u.password_hash = s.Text(3);
  u.disabled = s.Int(4) != 0;
  u.created_at = FromUnixSeconds(s.Int(5));
  return u;
}

// Reads the kTokenColumns of the current row.
Result<ApiToken> ReadToken(const Statement& s) {
  ApiToken t;
  t.id = s.Text(0);
  t.name = s.Text(1);
  Result<Role> role = ReadRole(s, 2, "token \"" + t.id + "\"");
  if (!role.ok()) return role.status();
  t.role = *role;
  t.channel = s.Text(3);
  t.secret_hash = s.Text(4);
  t.created_by = s.Text(5);
  t.created_at = FromUnixSeconds(s.Int(6));
  t.revoked_at = ReadOptionalInstant(s, 7);
  t.last_used_at = ReadOptionalInstant(s, 8);
  return t;
}

// Reads the kAuditColumns of the current row. A NULL JSON column is a JSON null.
AuditEntry ReadAuditEntry(const Statement& s) {
  AuditEntry e;
  e.seq = s.Int(0);
  e.at = FromUnixSeconds(s.Int(1));
  e.actor = s.Text(2);
  e.action = s.Text(3);
  e.entity = s.Text(4);
  e.entity_id = s.Text(5);
  // parse() throws on text this code did not write; the caller's guard reports it.
  if (!s.IsNull(6)) e.before = nlohmann::json::parse(s.Text(6));
  if (!s.IsNull(7)) e.after = nlohmann::json::parse(s.Text(7));
  e.request_id = s.Text(8);
  return e;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Users

Status SqlDatabase::PutUser(const User& user) {
  return Write([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(
        "INSERT INTO users(id, display_name, role, password_hash, disabled, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "display_name = excluded.display_name, role = excluded.role, "
        "password_hash = excluded.password_hash, disabled = excluded.disabled, "
        "created_at = excluded.created_at");
    if (!s.ok()) return s.status();
    s->BindStatic(1, user.id);
    s->BindStatic(2, user.display_name);
    s->BindStatic(3, RoleName(user.role));
    s->BindStatic(4, user.password_hash);
    s->Bind(5, static_cast<int64_t>(user.disabled ? 1 : 0));
    s->Bind(6, ToUnixSeconds(user.created_at));
    return s->Run().WithContext("user \"" + user.id + "\"");
  });
}

Result<std::optional<User>> SqlDatabase::GetUser(std::string_view id) {
  std::optional<User> user;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    static const std::string kSql =
        std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?";
    return LookUp<User>(conn, kSql, id, ReadUser, user);
  }));
  return user;
}

Result<std::vector<User>> SqlDatabase::ListUsers() {
  std::vector<User> users;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    static const std::string kSql =
        std::string("SELECT ") + kUserColumns + " FROM users ORDER BY id";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    return CollectAll<User>(*s, ReadUser, users);
  }));
  return users;
}

// ---------------------------------------------------------------------------------------------
// API tokens

Status SqlDatabase::CreateToken(const ApiToken& token) {
  return Write([&](Connection& conn) -> Status {
    static const std::string kSql = std::string("INSERT INTO api_tokens(") + kTokenColumns +
                                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->BindStatic(1, token.id);
    s->BindStatic(2, token.name);
    s->BindStatic(3, RoleName(token.role));
    s->BindStatic(4, token.channel);
    s->BindStatic(5, token.secret_hash);
    s->BindStatic(6, token.created_by);
    s->Bind(7, ToUnixSeconds(token.created_at));
    BindOptionalInstant(*s, 8, token.revoked_at);
    BindOptionalInstant(*s, 9, token.last_used_at);
    Status run = s->Run();
    if (run.ok()) return run;
    // The primary key and the unique index on secret_hash tell which key was taken.
    switch (conn.LastConstraint()) {
      case store_internal::SqlConstraint::kPrimaryKey:
        return Status::AlreadyExists("token \"" + token.id + "\" already exists");
      case store_internal::SqlConstraint::kUnique:
        return Status::AlreadyExists("another token has the secret hash of token \"" + token.id +
                                     "\"");
      default:
        return run.WithContext("token \"" + token.id + "\"");
    }
  });
}

Result<std::optional<ApiToken>> SqlDatabase::FindTokenBySecretHash(std::string_view hash) {
  std::optional<ApiToken> token;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    static const std::string kSql =
        std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE secret_hash = ?";
    return LookUp<ApiToken>(conn, kSql, hash, ReadToken, token);
  }));
  return token;
}

Result<std::optional<ApiToken>> SqlDatabase::GetToken(std::string_view id) {
  std::optional<ApiToken> token;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    static const std::string kSql =
        std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE id = ?";
    return LookUp<ApiToken>(conn, kSql, id, ReadToken, token);
  }));
  return token;
}

Result<std::vector<ApiToken>> SqlDatabase::ListTokens() {
  std::vector<ApiToken> tokens;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    static const std::string kSql =
        std::string("SELECT ") + kTokenColumns + " FROM api_tokens ORDER BY id";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    return CollectAll<ApiToken>(*s, ReadToken, tokens);
  }));
  return tokens;
}

Result<bool> SqlDatabase::RevokeToken(std::string_view id, Instant at) {
  bool revoked = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<Statement> s =
        conn.Prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
    if (!s.ok()) return s.status();
    s->Bind(1, ToUnixSeconds(at));
    s->Bind(2, id);
    VITRINE_RETURN_IF_ERROR(s->Run());
    revoked = conn.Changes() > 0;
    return Status::Ok();
  }));
  return revoked;
}

Status SqlDatabase::TouchToken(std::string_view id, Instant at) {
  // Most calls fall within the throttle interval: a pooled read settles them without taking
  // the writer lock that every other write of the hub waits on.
  bool found = false;
  std::optional<Instant> last_used_at;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare("SELECT last_used_at FROM api_tokens WHERE id = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, id);
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    found = *row;
    if (found) last_used_at = ReadOptionalInstant(*s, 0);
    return Status::Ok();
  }));
  if (!found) return Status::NotFound("token \"" + std::string(id) + "\" does not exist");
  if (!store_internal::TouchIsDue(last_used_at, at)) return Status::Ok();
  return Write([&](Connection& conn) -> Status {
    // The condition repeats TouchIsDue: another request may have touched the token since
    // the read, and last_used_at must not go back.
    Result<Statement> s = conn.Prepare(
        "UPDATE api_tokens SET last_used_at = ? WHERE id = ? "
        "AND (last_used_at IS NULL OR last_used_at <= ?)");
    if (!s.ok()) return s.status();
    s->Bind(1, ToUnixSeconds(at));
    s->Bind(2, id);
    s->Bind(3, ToUnixSeconds(at - store_internal::kTokenTouchInterval));
    return s->Run();
  });
}

// ---------------------------------------------------------------------------------------------
// Sessions

Status SqlDatabase::CreateSession(const Session& session) {
  return Write([&](Connection& conn) -> Status {
    // Logins are rare next to reads, so they are where expired sessions are swept away
    // (sessions_by_expiry makes it a range delete). This also clears an expired session
    // with the same id hash.
    Result<Statement> purge = conn.Prepare("DELETE FROM sessions WHERE expires_at <= ?");
    if (!purge.ok()) return purge.status();
    purge->Bind(1, ToUnixSeconds(session.created_at));
    VITRINE_RETURN_IF_ERROR(purge->Run());

    Result<Statement> s = conn.Prepare(
        "INSERT INTO sessions(id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)");
    if (!s.ok()) return s.status();
    s->BindStatic(1, session.id_hash);
    s->BindStatic(2, session.user_id);
    s->Bind(3, ToUnixSeconds(session.created_at));
    s->Bind(4, ToUnixSeconds(session.expires_at));
    Status run = s->Run();
    if (!run.ok() && conn.LastConstraint() == store_internal::SqlConstraint::kPrimaryKey) {
      return Status::AlreadyExists("a session with this id hash already exists");
    }
    return run;
  });
}

Result<std::optional<Session>> SqlDatabase::FindSession(std::string_view id_hash, Instant now) {
  std::optional<Session> session;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(
        "SELECT id_hash, user_id, created_at, expires_at FROM sessions "
        "WHERE id_hash = ? AND expires_at > ?");
    if (!s.ok()) return s.status();
    s->Bind(1, id_hash);
    s->Bind(2, ToUnixSeconds(now));
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (*row) {
      session =
          Session{s->Text(0), s->Text(1), FromUnixSeconds(s->Int(2)), FromUnixSeconds(s->Int(3))};
    }
    return Status::Ok();
  }));
  return session;
}

Status SqlDatabase::DeleteSession(std::string_view id_hash) {
  return Write([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare("DELETE FROM sessions WHERE id_hash = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, id_hash);
    return s->Run();
  });
}

// ---------------------------------------------------------------------------------------------
// Audit log

Result<int64_t> SqlDatabase::Append(const AuditEntry& entry) {
  Result<std::optional<std::string>> before = store_internal::AuditJsonText(entry.before);
  if (!before.ok()) return before.status();
  Result<std::optional<std::string>> after = store_internal::AuditJsonText(entry.after);
  if (!after.ok()) return after.status();
  int64_t seq = 0;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(
        "INSERT INTO audit_log(at, actor, action, entity, entity_id, before_json, after_json, "
        "request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq");
    if (!s.ok()) return s.status();
    s->Bind(1, ToUnixSeconds(entry.at));
    s->BindStatic(2, entry.actor);
    s->BindStatic(3, entry.action);
    s->BindStatic(4, entry.entity);
    s->BindStatic(5, entry.entity_id);
    int index = 6;
    for (const std::optional<std::string>* text : {&*before, &*after}) {
      if (*text) {
        s->BindStatic(index, **text);
      } else {
        s->BindNull(index);
      }
      ++index;
    }
    s->BindStatic(8, entry.request_id);
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Internal("audit insert returned no seq");
    seq = s->Int(0);
    // The insert happened on the first step; finishing the statement releases it before the
    // savepoint or transaction around it ends.
    return s->Run();
  }));
  return seq;
}

Result<std::vector<AuditEntry>> SqlDatabase::ListAudit(const AuditQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckAuditQuery(query));
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE true";
  if (!query.entity.empty()) sql += " AND entity = ?";
  if (!query.entity_id.empty()) sql += " AND entity_id = ?";
  if (query.before_seq > 0) sql += " AND seq < ?";
  sql += " ORDER BY seq DESC LIMIT ?";
  std::vector<AuditEntry> entries;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    int index = 0;
    if (!query.entity.empty()) s->Bind(++index, std::string_view(query.entity));
    if (!query.entity_id.empty()) s->Bind(++index, std::string_view(query.entity_id));
    if (query.before_seq > 0) s->Bind(++index, query.before_seq);
    s->Bind(++index, static_cast<int64_t>(query.limit));
    return CollectAll<AuditEntry>(
        *s, [](const Statement& st) -> Result<AuditEntry> { return ReadAuditEntry(st); }, entries);
  }));
  return entries;
}

}  // namespace vitrine
