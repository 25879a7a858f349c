#include "pg_connection.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace vitrine::store_internal {

namespace {

constexpr Oid kTextOid = 25;
constexpr Oid kInt8Oid = 20;
constexpr Oid kFloat8Oid = 701;

std::string Trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// ROLLBACK and ROLLBACK TO: they must run whatever failed before them.
bool IsRollback(std::string_view sql) { return sql.starts_with("ROLLBACK"); }

}  // namespace

std::string TranslateForPostgres(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // Quoted text or identifier, copied as it is ('' and "" escape the quote).
      const size_t end = sql.find(c, i + 1);
      const size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
      continue;
    }
    if (c == '?') {
      size_t j = i + 1;
      int number = 0;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9')
        number = number * 10 + (sql[j++] - '0');
      if (j == i + 1) number = next;
      next = std::max(next, number + 1);
      out += '$';
      out += std::to_string(number);
      i = j - 1;
      continue;
    }
    if ((c == 'i' || c == 'I') && sql.substr(i, 6).size() == 6 &&
        strncasecmp(sql.data() + i, "instr(", 6) == 0 &&
        (i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_'))) {
      // instr(haystack, needle) is strpos(haystack, needle): same arguments, same answer.
      out += "strpos(";
      i += 5;
      continue;
    }
    out += c;
  }
  return out;
}

std::string RedactConninfo(std::string_view url) {
  // postgresql://user:password@host/... -> postgresql://user:***@host/...
  const size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    const size_t at = url.find('@', scheme + 3);
    const size_t colon = url.find(':', scheme + 3);
    if (at != std::string_view::npos && colon != std::string_view::npos && colon < at) {
      return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
    }
  }
  // key=value form: password=... -> password=***
  std::string out(url);
  const size_t key = out.find("password=");
  if (key != std::string::npos) {
    const size_t end = out.find(' ', key);
    out.replace(key + 9, (end == std::string::npos ? out.size() : end) - key - 9, "***");
  }
  return out;
}

// A statement of one connection: its parameters, then the rows of its last execution.
class PgStatement final : public StatementImpl {
 public:
  PgStatement(PgConnection* conn, std::string sql)
      : conn_(conn), sql_(std::move(sql)), translated_(TranslateForPostgres(sql_)) {}
  ~PgStatement() override { PQclear(result_); }

  void BindText(int index, std::string_view text, bool /*copy*/) override {
    Slot& slot = At(index);
    slot.value.assign(text.data(), text.size());
    slot.type = kTextOid;
    slot.null = false;
  }
  void BindInt(int index, int64_t value) override {
    Slot& slot = At(index);
    slot.value = std::to_string(value);
    slot.type = kInt8Oid;
    slot.null = false;
  }
  void BindDouble(int index, double value) override {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    Slot& slot = At(index);
    slot.value = text;
    slot.type = kFloat8Oid;
    slot.null = false;
  }
  void BindNull(int index) override {
    Slot& slot = At(index);
    slot.value.clear();
    slot.null = true;
    // An untyped NULL lets the server infer the type from where it goes.
    slot.type = 0;
  }

  Result<bool> Step() override {
    if (!executed_) {
      VITRINE_RETURN_IF_ERROR(Execute());
      executed_ = true;
      row_ = -1;
    }
    if (result_ == nullptr) return false;
    ++row_;
    return row_ < PQntuples(result_);
  }

  Status RunDeferred() override {
    std::string types;
    std::vector<Oid> oids;
    std::vector<const char*> values;
    Parameters(types, oids, values);
    return conn_->Defer(translated_, types, static_cast<int>(slots_.size()), oids.data(),
                        values.data());
  }

  void Reset() override {
    PQclear(result_);
    result_ = nullptr;
    executed_ = false;
    row_ = -1;
    for (Slot& slot : slots_) slot = Slot{};
  }

  bool IsNull(int column) const override {
    return !OnRow() || PQgetisnull(result_, row_, column) != 0;
  }
  int64_t Int(int column) const override {
    if (!OnRow()) return 0;
    const char* text = PQgetvalue(result_, row_, column);
    if (text[0] == 't' && text[1] == '\0') return 1;  // a boolean expression
    if (text[0] == 'f' && text[1] == '\0') return 0;
    int64_t value = 0;
    std::from_chars(text, text + std::strlen(text), value);
    return value;
  }
  double Double(int column) const override {
    return OnRow() ? std::strtod(PQgetvalue(result_, row_, column), nullptr) : 0;
  }
  std::string Text(int column) const override {
    if (!OnRow()) return std::string();
    return std::string(PQgetvalue(result_, row_, column),
                       static_cast<size_t>(PQgetlength(result_, row_, column)));
  }

 private:
  struct Slot {
    std::string value;
    Oid type = 0;
    bool null = true;
  };

  // Reading a column off a row is only meaningful after Step() said there is one.
  bool OnRow() const { return result_ != nullptr && row_ >= 0 && row_ < PQntuples(result_); }

  Slot& At(int index) {
    if (static_cast<size_t>(index) > slots_.size()) slots_.resize(static_cast<size_t>(index));
    return slots_[static_cast<size_t>(index) - 1];
  }

  // The bound parameters as libpq takes them, and their types as one letter each.
  void Parameters(std::string& types, std::vector<Oid>& oids,
                  std::vector<const char*>& values) const {
    oids.resize(slots_.size());
    values.resize(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) {
      oids[i] = slots_[i].type;
      values[i] = slots_[i].null ? nullptr : slots_[i].value.c_str();
      types += slots_[i].type == kTextOid     ? 't'
               : slots_[i].type == kInt8Oid   ? 'i'
               : slots_[i].type == kFloat8Oid ? 'd'
                                              : 'n';
    }
  }

  Status Execute() {
    // The failure of a statement sent earlier is this one's, unless this one rolls back.
    if (Status sent = conn_->FlushDeferred(); !sent.ok() && !IsRollback(sql_)) return sent;
    const int n = static_cast<int>(slots_.size());
    std::string types;
    std::vector<Oid> oids;
    std::vector<const char*> values;
    Parameters(types, oids, values);
    Result<std::string> name = conn_->PreparedName(translated_, types, n, oids.data());
    if (!name.ok()) return name.status();
    PQclear(result_);
    const bool outside_transaction = PQtransactionStatus(conn_->raw()) == PQTRANS_IDLE;
    result_ = PQexecPrepared(conn_->raw(), name->c_str(), n, values.data(), nullptr, nullptr, 0);
    if (PQstatus(conn_->raw()) == CONNECTION_BAD && outside_transaction) {
      // The server restarted since this connection's last statement: a statement of no
      // transaction is tried once more on a new connection (a transaction's is not: the
      // ones before it are gone).
      Result<bool> reconnected = conn_->EnsureConnected();
      if (reconnected.ok()) {
        name = conn_->PreparedName(translated_, types, n, oids.data());
        if (!name.ok()) return name.status();
        PQclear(result_);
        result_ =
            PQexecPrepared(conn_->raw(), name->c_str(), n, values.data(), nullptr, nullptr, 0);
      }
    }
    const ExecStatusType status = PQresultStatus(result_);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      Status error = conn_->ResultError(result_, sql_);
      PQclear(result_);
      result_ = nullptr;
      return error;
    }
    conn_->RecordChanges(result_);
    return Status::Ok();
  }

  PgConnection* const conn_;
  const std::string sql_;
  const std::string translated_;
  std::vector<Slot> slots_;
  PGresult* result_ = nullptr;
  bool executed_ = false;
  int row_ = -1;
};

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
  if (parsed == nullptr) {
    Status status = Status::InvalidArgument("database URL " + RedactConninfo(conninfo) + ": " +
                                            Trimmed(error != nullptr ? error : "not understood"));
    PQfreemem(error);
    return status;
  }
  PQconninfoFree(parsed);
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    Status status = Status::Unavailable("connect to PostgreSQL at " + RedactConninfo(conninfo) +
                                        ": " + Trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return status;
  }
  // NOTICEs ("relation already exists, skipping") are not errors: keep them off stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  auto connection = std::unique_ptr<PgConnection>(new PgConnection(conn));
  // Text compares and sorts by bytes, as std::string and SQLite do, whatever the database's
  // locale; times are integers, so the session's time zone does not matter.
  // A feed's scan sorts every live offer of its channel: 64 MB keeps that sort in memory
  // for a national chain (PostgreSQL's default of 4 MB spills it to temporary files).
  VITRINE_RETURN_IF_ERROR(connection->Exec("SET client_encoding = 'UTF8'; SET work_mem = '64MB'"));
  return connection;
}

PgConnection::~PgConnection() {
  statements_.clear();
  PQfinish(conn_);
}

Result<bool> PgConnection::EnsureConnected() {
  if (PQstatus(conn_) == CONNECTION_OK) return false;
  PQreset(conn_);
  prepared_.clear();  // the new session knows none of them
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Status::Unavailable("reconnect to PostgreSQL: " + Trimmed(PQerrorMessage(conn_)));
  }
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  return true;
}

Status PgConnection::Exec(const char* sql) {
  if (Status sent = FlushDeferred(); !sent.ok() && !IsRollback(sql)) return sent;
  Result<bool> reconnected = EnsureConnected();
  if (!reconnected.ok()) return reconnected.status();
  const bool outside_transaction = PQtransactionStatus(conn_) == PQTRANS_IDLE;
  PGresult* result = PQexec(conn_, sql);
  if (PQstatus(conn_) == CONNECTION_BAD && outside_transaction && EnsureConnected().ok()) {
    PQclear(result);  // tried once more on a new connection, as in PgStatement::Execute
    result = PQexec(conn_, sql);
  }
  const ExecStatusType status = PQresultStatus(result);
  Status out = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? Status::Ok()
                                                                       : ResultError(result, sql);
  PQclear(result);
  return out;
}

Result<Statement> PgConnection::Prepare(const std::string& sql) {
  Result<bool> reconnected = EnsureConnected();
  if (!reconnected.ok()) return reconnected.status();
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::make_unique<PgStatement>(this, sql)).first;
  }
  return Statement(it->second.get());
}

Result<std::string> PgConnection::PreparedName(const std::string& sql, const std::string& types,
                                               int params, const Oid* oids) {
  std::string key = sql;
  key += '\x1f';
  key += types;
  auto it = prepared_.find(key);
  if (it != prepared_.end()) return it->second;
  std::string name = "v" + std::to_string(prepared_.size() + 1);
  PGresult* result = PQprepare(conn_, name.c_str(), sql.c_str(), params, oids);
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  Status error = ok ? Status::Ok() : ResultError(result, "prepare " + sql);
  PQclear(result);
  if (!ok) return error;
  prepared_.emplace(std::move(key), name);
  return name;
}

void PgConnection::RecordChanges(const PGresult* result) {
  const char* tuples = PQcmdTuples(const_cast<PGresult*>(result));
  changes_ = tuples != nullptr && *tuples != '\0' ? std::strtoll(tuples, nullptr, 10) : 0;
  last_constraint_ = SqlConstraint::kNone;
}

Status PgConnection::ResultError(const PGresult* result, std::string_view context) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  std::string message = std::string(context) + ": " +
                        Trimmed(result != nullptr ? PQresultErrorMessage(result) : nullptr);
  if (result == nullptr || message.size() == context.size() + 2) {
    message += Trimmed(PQerrorMessage(conn_));
  }
  last_constraint_ = SqlConstraint::kNone;
  if (sqlstate.rfind("23", 0) == 0) {
    const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    const std::string name = constraint != nullptr ? constraint : "";
    if (sqlstate == "23505") {
      last_constraint_ =
          name.ends_with("_pkey") ? SqlConstraint::kPrimaryKey : SqlConstraint::kUnique;
    } else if (sqlstate == "23503") {
      last_constraint_ = SqlConstraint::kForeignKey;
    } else {
      last_constraint_ = SqlConstraint::kOther;
    }
    return Status::FailedPrecondition(std::move(message));
  }
  // Serialization failures, deadlocks, lock timeouts, a server going away or shutting down:
  // the statement may succeed when tried again.
  if (PQstatus(conn_) != CONNECTION_OK || sqlstate == "40001" || sqlstate == "40P01" ||
      sqlstate == "55P03" || sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P", 0) == 0) {
    return Status::Unavailable(std::move(message));
  }
  return Status::IoError(std::move(message));
}

Status PgConnection::Defer(const std::string& sql, const std::string& types, int params,
                           const Oid* oids, const char* const* values) {
  // Statements are prepared outside pipeline mode (once per connection and shape).
  std::string key = sql;
  key += '\x1f';
  key += types;
  if (pipelined_ && !prepared_.contains(key)) VITRINE_RETURN_IF_ERROR(FlushDeferred());
  Result<std::string> name = PreparedName(sql, types, params, oids);
  if (!name.ok()) return name.status();
  if (!pipelined_) {
    if (PQenterPipelineMode(conn_) != 1) return ResultError(nullptr, "pipeline " + sql);
    pipelined_ = true;
  }
  if (PQsendQueryPrepared(conn_, name->c_str(), params, values, nullptr, nullptr, 0) != 1) {
    Status error = ResultError(nullptr, sql);
    (void)FlushDeferred();
    return error;
  }
  deferred_.push_back(&sql);
  // A few hundred small results stay well inside the sockets' buffers.
  if (deferred_.size() >= 256) return FlushDeferred();
  return Status::Ok();
}

Status PgConnection::FlushDeferred() {
  if (!pipelined_) return Status::Ok();
  pipelined_ = false;
  size_t next = 0;  // the statement whose results come next
  Status first = Status::Ok();
  SqlConstraint broken = SqlConstraint::kNone;
  if (PQpipelineSync(conn_) != 1) first = ResultError(nullptr, "pipeline sync");
  // Each statement's results end with a null; the sync point ends the queue.
  while (first.ok() || PQstatus(conn_) == CONNECTION_OK) {
    PGresult* result = PQgetResult(conn_);
    if (result == nullptr) {
      if (PQstatus(conn_) != CONNECTION_OK) break;
      ++next;
      continue;
    }
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_PIPELINE_SYNC) {
      PQclear(result);
      break;
    }
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
        status != PGRES_PIPELINE_ABORTED && first.ok()) {
      first = ResultError(result, next < deferred_.size() ? *deferred_[next] : "pipeline");
      broken = last_constraint_;
    }
    PQclear(result);
  }
  PQexitPipelineMode(conn_);
  deferred_.clear();
  last_constraint_ = broken;
  if (first.ok() && PQstatus(conn_) != CONNECTION_OK) {
    first = ResultError(nullptr, "pipeline");
  }
  return first;
}

Status PgConnection::RecoverFromFailedStatement() {
  (void)FlushDeferred();
  if (PQtransactionStatus(conn_) != PQTRANS_INERROR) return Status::Ok();
  return Exec("ROLLBACK TO put");
}

}  // namespace vitrine::store_internal
