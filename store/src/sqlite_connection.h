// SqliteConnection: one sqlite3 handle with its cache of prepared statements
// (SQLITE_PREPARE_PERSISTENT), the SQLite engine of SqlConnection.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "sql_connection.h"

namespace vitrine::store_internal {

// The Status for the last error on `db`: FailedPrecondition for constraint violations,
// Unavailable for a busy or locked database, IoError otherwise.
Status SqliteError(sqlite3* db, std::string_view context);

class SqliteConnection final : public SqlConnection {
 public:
  // Opens `path` with `flags` (SQLITE_OPEN_*); the connection is in extended-result-code
  // mode and waits up to `busy_timeout_ms` on locks held by other connections.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, int flags,
                                                        int busy_timeout_ms);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sqlite3* db() const { return db_; }

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  Status Exec(const char* sql) override;
  Result<Statement> Prepare(const std::string& sql) override;
  int64_t Changes() const override;
  SqlConstraint LastConstraint() const override;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* const db_;
  std::unordered_map<std::string, std::unique_ptr<StatementImpl>> statements_;
};

}  // namespace vitrine::store_internal
