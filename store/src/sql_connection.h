// SqlConnection: what the repositories of SqlDatabase need of one database connection,
// whichever engine is behind it (SQLite, PostgreSQL). The repositories write their SQL once,
// with `?` parameters, in the dialect both engines share; the few places where the engines
// differ ask dialect().
//
// Every statement is prepared once per connection and reused; a Statement borrows one for a
// single execution and resets it when it goes out of scope. Not thread-safe: a connection is
// used by one thread at a time (SqlDatabase's writer mutex or reader pool sees to it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/repository.h"
#include "common/status.h"

namespace vitrine::store_internal {

enum class SqlDialect { kSqlite, kPostgres };

// Which constraint the last failed statement broke, for the writes that turn one into a
// clearer Status (AlreadyExists for a taken key, the missing row for a foreign key).
enum class SqlConstraint { kNone, kPrimaryKey, kUnique, kForeignKey, kOther };

// One prepared statement of an engine; Statement is its handle.
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  // `copy` false: the caller keeps `text` alive until the statement is reset.
  virtual void BindText(int index, std::string_view text, bool copy) = 0;
  virtual void BindInt(int index, int64_t value) = 0;
  virtual void BindDouble(int index, double value) = 0;
  virtual void BindNull(int index) = 0;
  virtual Result<bool> Step() = 0;
  // Runs a statement whose rows and count are not read; it may be queued with others and
  // sent in one round trip (see Statement::RunDeferred). By default, at once.
  virtual Status RunDeferred();
  virtual void Reset() = 0;
  virtual bool IsNull(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  virtual double Double(int column) const = 0;
  virtual std::string Text(int column) const = 0;
};

class Statement {
 public:
  explicit Statement(StatementImpl* impl) : impl_(impl) {}
  Statement(Statement&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement() {
    if (impl_ != nullptr) impl_->Reset();
  }

  // Parameters are 1-based. Text is copied unless BindStatic says the caller keeps it alive
  // until the statement is reset (this object's destruction or Reset()).
  void Bind(int index, std::string_view text) { impl_->BindText(index, text, true); }
  void BindStatic(int index, std::string_view text) { impl_->BindText(index, text, false); }
  void Bind(int index, int64_t value) { impl_->BindInt(index, value); }
  void Bind(int index, double value) { impl_->BindDouble(index, value); }
  void BindNull(int index) { impl_->BindNull(index); }

  // Runs one step: true with a row to read, false when done.
  Result<bool> Step() { return impl_->Step(); }
  // Steps to the end, ignoring rows.
  Status Run();
  // Like Run(), but PostgreSQL may queue the statement and send it with the ones after it in
  // one round trip (pipeline mode). Its error then surfaces at the connection's next
  // statement that reads, at FlushDeferred() or at COMMIT; Changes() does not count it.
  Status RunDeferred() { return impl_->RunDeferred(); }
  // Makes the statement ready to run again with new bindings.
  void Reset() { impl_->Reset(); }

  bool IsNull(int column) const { return impl_->IsNull(column); }
  int64_t Int(int column) const { return impl_->Int(column); }
  double Double(int column) const { return impl_->Double(column); }
  std::string Text(int column) const { return impl_->Text(column); }

 private:
  StatementImpl* impl_;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  virtual SqlDialect dialect() const = 0;
  // Runs one or more statements that return no rows (pragmas, DDL).
  virtual Status Exec(const char* sql) = 0;
  // The cached statement for `sql`, prepared on first use.
  virtual Result<Statement> Prepare(const std::string& sql) = 0;
  // Rows inserted, updated or deleted by the last statement that finished.
  virtual int64_t Changes() const = 0;
  // The constraint the last failed statement broke.
  virtual SqlConstraint LastConstraint() const = 0;
  // After a statement failed inside a write: makes the connection usable for the rest of the
  // write. PostgreSQL refuses every statement of a transaction after a failed one until it
  // rolls back to the write's savepoint; SQLite undoes the failed statement alone.
  virtual Status RecoverFromFailedStatement() { return Status::Ok(); }
  // Sends the statements RunDeferred() queued and waits for them: the first failure among
  // them, with LastConstraint() saying which constraint it broke.
  virtual Status FlushDeferred() { return Status::Ok(); }

  // Runs one statement that returns no rows, prepared once per connection.
  Status Run(const std::string& sql);
  // The value of the first column of the first row of `sql`, as text ("" when no row).
  Result<std::string> QueryText(const std::string& sql);
};

// Shared by the repository files: a one-row lookup by key and a collect-all loop, so each
// read method states only its SQL and its row reader.

// Runs the one-row lookup `sql` with `key` bound to its only parameter into `out`.
template <typename T, typename ReadFn>
Status LookUp(SqlConnection& conn, const std::string& sql, std::string_view key, ReadFn read,
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
Result<bool> DeleteByKey(SqlConnection& conn, const std::string& sql, std::string_view key);

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
