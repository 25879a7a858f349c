#include "sqlite_connection.h"

#include <cstring>

namespace vitrine::store_internal {

namespace {

// What the operating system refused, for an SQLITE_IOERR_* code: "writing", "syncing"...
std::string_view IoOperation(int code) {
  switch (code) {
    case SQLITE_IOERR_READ:
    case SQLITE_IOERR_SHORT_READ:
      return "reading";
    case SQLITE_IOERR_WRITE:
      return "writing";
    case SQLITE_IOERR_FSYNC:
    case SQLITE_IOERR_DIR_FSYNC:
      return "syncing";
    case SQLITE_IOERR_TRUNCATE:
      return "truncating";
    case SQLITE_IOERR_FSTAT:
      return "reading the size of";
    case SQLITE_IOERR_SHMOPEN:
    case SQLITE_IOERR_SHMSIZE:
    case SQLITE_IOERR_SHMMAP:
      return "mapping the shared-memory index of";
    default:
      return "accessing";
  }
}

// " /path/to.db", or "" before the file is open.
std::string FileName(sqlite3* db) {
  const char* name = sqlite3_db_filename(db, "main");
  return name != nullptr && *name != '\0' ? std::string(" ") + name : std::string();
}

}  // namespace

Status SqliteError(sqlite3* db, std::string_view context) {
  const int code = sqlite3_extended_errcode(db);
  std::string message = std::string(context) + ": " + sqlite3_errmsg(db);
  if ((code & 0xFF) == SQLITE_IOERR) {
    // "disk I/O error" alone hides which file and what the disk said: name both.
    const int os_error = sqlite3_system_errno(db);
    message = std::string(context) + ": I/O error " + std::string(IoOperation(code)) +
              " the database file" + FileName(db) + " (or its -wal log)" +
              (os_error != 0 ? std::string(": ") + std::strerror(os_error) : std::string());
  } else if ((code & 0xFF) == SQLITE_CORRUPT || (code & 0xFF) == SQLITE_NOTADB) {
    // A page read back short (an I/O error the disk did not report as one) looks the same to
    // SQLite as a damaged file; say which file, and how to tell the two apart.
    message += " (the database file" + FileName(db) +
               "; a read that failed with an I/O error shows the same: run sqlite3" + FileName(db) +
               " 'PRAGMA integrity_check' to tell)";
  }
  switch (code & 0xFF) {
    case SQLITE_CONSTRAINT:
      return Status::FailedPrecondition(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(std::move(message));
    default:
      return Status::IoError(std::move(message));
  }
}

// A statement prepared on one connection, reset after each use.
class SqliteStatement final : public StatementImpl {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void BindText(int index, std::string_view text, bool copy) override {
    // A null pointer would bind SQL NULL; an empty string must stay an empty string.
    sqlite3_bind_text(stmt_, index, text.empty() ? "" : text.data(), static_cast<int>(text.size()),
                      copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
  }
  void BindInt(int index, int64_t value) override { sqlite3_bind_int64(stmt_, index, value); }
  void BindDouble(int index, double value) override { sqlite3_bind_double(stmt_, index, value); }
  void BindNull(int index) override { sqlite3_bind_null(stmt_, index); }

  Result<bool> Step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(sqlite3_db_handle(stmt_), sqlite3_sql(stmt_));
  }
  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double Double(int column) const override { return sqlite3_column_double(stmt_, column); }
  std::string Text(int column) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (text == nullptr) return std::string();
    return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  sqlite3_stmt* const stmt_;
};

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path, int flags,
                                                                 int busy_timeout_ms) {
  // Before SQLite initialises (the first open): by default it counts its memory use under
  // one process-wide mutex on every allocation, which nothing here reads. Too late (MISUSE)
  // when the process used SQLite before, which only costs the speed.
  [[maybe_unused]] static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time, so SQLite's own lock is waste.
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = db ? SqliteError(db, "open " + path)
                       : Status::IoError("open " + path + ": " + sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<SqliteConnection>(new SqliteConnection(db));
}

SqliteConnection::~SqliteConnection() {
  statements_.clear();  // finalized before the handle closes
  sqlite3_close_v2(db_);
}

Status SqliteConnection::Exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    Status status = SqliteError(db_, sql);
    sqlite3_free(error);
    return status;
  }
  return Status::Ok();
}

Result<Statement> SqliteConnection::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return Statement(it->second.get());
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    return SqliteError(db_, "prepare " + sql);
  }
  auto [added, _] = statements_.emplace(sql, std::make_unique<SqliteStatement>(stmt));
  return Statement(added->second.get());
}

int64_t SqliteConnection::Changes() const { return sqlite3_changes64(db_); }

SqlConstraint SqliteConnection::LastConstraint() const {
  switch (sqlite3_extended_errcode(db_)) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return SqlConstraint::kPrimaryKey;
    case SQLITE_CONSTRAINT_UNIQUE:
      return SqlConstraint::kUnique;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return SqlConstraint::kForeignKey;
    default:
      return (sqlite3_extended_errcode(db_) & 0xFF) == SQLITE_CONSTRAINT ? SqlConstraint::kOther
                                                                         : SqlConstraint::kNone;
  }
}

}  // namespace vitrine::store_internal
