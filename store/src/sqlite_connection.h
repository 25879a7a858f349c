// SqliteConnection: one sqlite3 handle with its cache of prepared statements.
//
// Every statement is prepared once per connection (SQLITE_PREPARE_PERSISTENT) and reused;
// a Statement borrows one for a single execution and resets it when it goes out of scope.
// Not thread-safe: a connection is used by one thread at a time (the catalog's writer mutex
// or reader pool sees to it).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace vitrine::store_internal {

// The Status for the last error on `db`: FailedPrecondition for constraint violations,
// Unavailable for a busy or locked database, IoError otherwise.
Status SqliteError(sqlite3* db, std::string_view context);

class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based. Text is copied unless BindStatic says the caller keeps it alive
  // until the statement is reset (this object's destruction or Reset()).
  void Bind(int index, std::string_view text);
  void BindStatic(int index, std::string_view text);
  void Bind(int index, int64_t value);
  void Bind(int index, double value);
  void BindNull(int index);

  // Runs one step: true with a row to read, false when done.
  Result<bool> Step();
  // Steps to the end, ignoring rows.
  Status Run();
  // Makes the statement ready to run again with new bindings.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class SqliteConnection {
 public:
  // Opens `path` with `flags` (SQLITE_OPEN_*); the connection is in extended-result-code
  // mode and waits up to `busy_timeout_ms` on locks held by other connections.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, int flags,
                                                        int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sqlite3* db() const { return db_; }

  // Runs one or more statements that return no rows (pragmas, DDL, BEGIN/COMMIT).
  Status Exec(const char* sql);
  // The cached statement for `sql`, prepared on first use.
  Result<Statement> Prepare(const std::string& sql);
  // The value of the first column of the first row of `sql`, as text ("" when no row).
  Result<std::string> QueryText(const std::string& sql);

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* const db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace vitrine::store_internal
