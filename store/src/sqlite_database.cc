// SqliteDatabase: opening the file, its pragmas, its migrations and its checkpointer.
#include "store/sqlite_database.h"

#include "sqlite_connection.h"
#include "sqlite_migrations.h"
#include "store/migrations.h"
#include "wal_checkpointer.h"

namespace vitrine {

using store_internal::SqlConnection;
using store_internal::SqliteConnection;

SqliteDatabase::SqliteDatabase(std::string path, std::unique_ptr<Connection> writer,
                               ReaderOpener open_reader, int max_readers,
                               std::unique_ptr<store_internal::WalCheckpointer> checkpointer)
    : SqlDatabase(std::move(writer), std::move(open_reader), max_readers),
      path_(std::move(path)),
      checkpointer_(std::move(checkpointer)) {}

SqliteDatabase::~SqliteDatabase() = default;

std::string SqliteDatabase::url() const { return "sqlite:" + path_; }

std::string SqliteDatabase::local_base() const { return path_; }

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path,
                                                             SqliteOptions options) {
  if (options.reader_connections < 1) {
    return Status::InvalidArgument("SqliteOptions.reader_connections must be at least 1");
  }
  const int busy_ms = static_cast<int>(options.busy_timeout.count());
  Result<std::unique_ptr<SqliteConnection>> writer =
      SqliteConnection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, busy_ms);
  if (!writer.ok()) return writer.status();
  SqliteConnection& w = **writer;

  Result<std::string> mode = w.QueryText("PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.status().WithContext("open " + path);
  if (*mode != "wal") {
    return Status::IoError("open " + path + ": cannot switch to WAL mode (journal mode is \"" +
                           *mode + "\")");
  }
  // temp_store=MEMORY keeps statement journals in memory. With the default (a file), the
  // journal of a transaction spills to a temporary file once one statement outgrows 64 KiB
  // (a search-index flush does) and every later statement of the transaction then pays a
  // write system call per page it touches: 14 per product in a bulk import.
  // journal_size_limit: a bulk write leaves a log of hundreds of megabytes (see
  // WalCheckpointer); it is cut back to 64 MiB when the log restarts.
  // synchronous=FULL syncs the log at every commit; NORMAL only before a checkpoint, so a
  // power cut could take back commits already acknowledged (see Durability).
  const char* synchronous = options.durability == Durability::kPowerLoss ? "FULL" : "NORMAL";
  const std::string pragmas = std::string("PRAGMA synchronous=") + synchronous +
                              "; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
                              "PRAGMA journal_size_limit=67108864; PRAGMA cache_size=-" +
                              std::to_string(options.cache_kib);
  VITRINE_RETURN_IF_ERROR(w.Exec(pragmas.c_str()));

  Result<int> version = CurrentSchemaVersion(w.db());
  if (!version.ok()) return version.status().WithContext("open " + path);
  if (*version > LatestSchemaVersion()) {
    return Status::FailedPrecondition(
        "open " + path + ": the database schema is at version " + std::to_string(*version) +
        ", newer than this binary knows (" + std::to_string(LatestSchemaVersion()) +
        "); use a newer vitrine");
  }
  if (*version < LatestSchemaVersion()) {
    if (!options.migrate) {
      return Status::FailedPrecondition("open " + path + ": the database schema is at version " +
                                        std::to_string(*version) + ", behind this binary's " +
                                        std::to_string(LatestSchemaVersion()) +
                                        "; run `vitrine migrate`");
    }
    Result<int> applied = Migrate(w.db());
    if (!applied.ok()) return applied.status().WithContext("open " + path);
  }
  // Readers open read-write so they can map the WAL index; query_only keeps them readers.
  auto open_reader = [path, busy_ms,
                      cache_kib = options.cache_kib]() -> Result<std::unique_ptr<SqlConnection>> {
    Result<std::unique_ptr<SqliteConnection>> conn =
        SqliteConnection::Open(path, SQLITE_OPEN_READWRITE, busy_ms);
    if (!conn.ok()) return conn.status();
    const std::string pragmas =
        "PRAGMA query_only=ON; PRAGMA cache_size=-" + std::to_string(cache_kib);
    VITRINE_RETURN_IF_ERROR((*conn)->Exec(pragmas.c_str()));
    return std::unique_ptr<SqlConnection>(std::move(conn).value());
  };
  Result<std::unique_ptr<store_internal::WalCheckpointer>> checkpointer =
      store_internal::WalCheckpointer::Attach(path, w.db());
  if (!checkpointer.ok()) return checkpointer.status().WithContext("open " + path);
  return std::unique_ptr<SqliteDatabase>(
      new SqliteDatabase(path, std::move(writer).value(), std::move(open_reader),
                         options.reader_connections, std::move(checkpointer).value()));
}

Result<int> SqliteDatabase::SchemaVersion() {
  Result<int> version = 0;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    version = CurrentSchemaVersion(static_cast<SqliteConnection&>(conn).db());
    return version.status();
  }));
  return version;
}

}  // namespace vitrine
