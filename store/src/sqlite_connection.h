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
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/repository.h"
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

  // Runs one or more statements that return no rows (pragmas, DDL).
  Status Exec(const char* sql);
  // Runs one statement that returns no rows, prepared once per connection: BEGIN, COMMIT
  // and savepoints, run on every write and read snapshot.
  Status Run(const std::string& sql);
  // The cached statement for `sql`, prepared on first use.
  Result<Statement> Prepare(const std::string& sql);
  // The value of the first column of the first row of `sql`, as text ("" when no row).
  Result<std::string> QueryText(const std::string& sql);

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* const db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// Shared by the repository files: a one-row lookup by key and a collect-all loop, so each
// read method states only its SQL and its row reader.

// Runs the one-row lookup `sql` with `key` bound to its only parameter into `out`.
template <typename T, typename ReadFn>
Status LookUp(SqliteConnection& conn, const std::string& sql, std::string_view key, ReadFn read,
              std::optional<T>& out) {
  Result<Statement> s = conn.Prepare(sql);
  if (!s.ok()) return s.status();
  s->Bind(1, key);
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Ok();
  Result<T> item = read(*s);
  if (!item.ok()) return item.status();
  out = std::move(item).value();
  return Status::Ok();
}

// Steps `s` to the end, appending every row that `read` makes of it to `out`.
template <typename T, typename ReadFn>
Status CollectAll(Statement& s, ReadFn read, std::vector<T>& out) {
  for (;;) {
    Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    Result<T> item = read(s);
    if (!item.ok()) return item.status();
    out.push_back(std::move(item).value());
  }
}

// Runs `sql` (a DELETE with one `?` for the key) and says whether it removed a row.
Result<bool> DeleteByKey(SqliteConnection& conn, const std::string& sql, std::string_view key);

// Collects up to `limit` items of a keyset page from `s`, which asks for limit + 1 rows so it
// knows whether another page follows.
template <typename T, typename ReadFn, typename KeyFn>
Status CollectPage(Statement& s, int limit, ReadFn read, KeyFn key, Page<T>& page) {
  for (;;) {
    Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_after = key(page.items.back());
      return Status::Ok();
    }
    Result<T> item = read(s);
    if (!item.ok()) return item.status();
    page.items.push_back(std::move(item).value());
  }
}

}  // namespace vitrine::store_internal
