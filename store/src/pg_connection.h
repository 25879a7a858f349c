// PgConnection: one libpq connection to PostgreSQL with its prepared statements, the
// PostgreSQL engine of SqlConnection.
//
// The repositories' SQL is written with SQLite's `?` and `?N` parameters; Prepare turns them
// into `$N` (outside quoted text) and SQLite's instr() into strpos(). A statement is prepared
// on the server once per connection and parameter types (text, bigint, double precision), on
// its first execution, and its rows are read whole: the repositories page their reads.
//
// A connection that broke (the server restarted, the network dropped) fails the statement
// under way with Unavailable and reconnects on the next Prepare, preparing its statements
// again as they are used. Not thread-safe.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "sql_connection.h"

namespace vitrine::store_internal {

class PgConnection final : public SqlConnection {
 public:
  // Connects with `conninfo` (a postgresql:// URL or "key=value" words). Unavailable when
  // the server cannot be reached; InvalidArgument when the string cannot be parsed.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& conninfo);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  PGconn* raw() const { return conn_; }

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  Status Exec(const char* sql) override;
  Result<Statement> Prepare(const std::string& sql) override;
  int64_t Changes() const override { return changes_; }
  SqlConstraint LastConstraint() const override { return last_constraint_; }
  Status RecoverFromFailedStatement() override;
  Status FlushDeferred() override;

  // Queues the prepared statement `sql` in pipeline mode (RunDeferred); sends the queue when
  // it is long, so neither side's socket buffer fills.
  Status Defer(const std::string& sql, const std::string& types, int params, const Oid* oids,
               const char* const* values);

  // Reconnects when the connection broke; true when it had to.
  Result<bool> EnsureConnected();

  // The Status for `result` (which may be null), recording which constraint it broke.
  Status ResultError(const PGresult* result, std::string_view context);
  // The server-side name of `sql` prepared for `types`, preparing it on first use.
  Result<std::string> PreparedName(const std::string& sql, const std::string& types, int params,
                                   const Oid* oids);
  void RecordChanges(const PGresult* result);

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}

  PGconn* conn_;
  std::unordered_map<std::string, std::unique_ptr<StatementImpl>> statements_;
  std::unordered_map<std::string, std::string> prepared_;  // sql + types -> server name
  bool pipelined_ = false;  // in pipeline mode, with deferred statements queued
  // The statements queued since the last flush (their PgStatements own the text).
  std::vector<const std::string*> deferred_;
  int64_t changes_ = 0;
  SqlConstraint last_constraint_ = SqlConstraint::kNone;
};

// `sql` with SQLite's `?`/`?N` parameters as `$N` and instr() as strpos().
std::string TranslateForPostgres(std::string_view sql);

// `url` with its password (if any) replaced by "***", for logs and messages.
std::string RedactConninfo(std::string_view url);

}  // namespace vitrine::store_internal
