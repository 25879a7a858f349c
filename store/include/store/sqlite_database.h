// SqliteDatabase: the SqlDatabase kept in one SQLite database file (the embedded default).
//
// The database runs in WAL mode with foreign keys on, and by default with synchronous=FULL:
// a commit that returned has reached the disk, so it survives a power cut as well as a crash
// of the process (see SqliteOptions::durability). The write-ahead log is checkpointed on a
// thread of its own. Safe for concurrent use from any number of threads.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "store/sql_database.h"

namespace vitrine {

namespace store_internal {
class WalCheckpointer;
}  // namespace store_internal

// What a commit that returned survives.
enum class Durability {
  // synchronous=FULL: a power cut or an operating-system crash as well as a crash of the
  // process. Each commit waits for one fsync of the write-ahead log.
  kPowerLoss,
  // synchronous=NORMAL: a crash of the process only. After a power cut the file is intact
  // but the commits since the last checkpoint may be gone, acknowledged or not.
  kProcessCrash,
};

struct SqliteOptions {
  // Apply pending schema migrations when opening. When false, a database whose schema is
  // behind the binary's is refused with FailedPrecondition asking to run `vitrine migrate`.
  bool migrate = true;
  // Reader connections opened on demand and kept for reuse, at most this many at once; a
  // reader beyond that waits for one to be returned. At least 1.
  int reader_connections = 4;
  // How long a statement waits for a lock held by another process before Unavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // Page cache of each connection, in KiB (SQLite's default is 2 MiB).
  int cache_kib = 16 * 1024;
  // Every write commits at this level: campaigns, approvals, accounts and sessions, and also
  // the import batches and assembly writes, for which the fsync per commit costs little
  // (one per batch of thousands of rows; measured by vitrine-durability-bench).
  Durability durability = Durability::kPowerLoss;
};

class SqliteDatabase final : public SqlDatabase {
 public:
  // Opens (creating if missing) the database at `path`, a file name. FailedPrecondition when
  // the schema is newer than this binary knows, or behind it and `options.migrate` is false;
  // IoError when the file cannot be opened or is not a database.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path,
                                                      SqliteOptions options = {});
  ~SqliteDatabase() override;

  const std::string& path() const { return path_; }
  // The schema version recorded in the database (LatestSchemaVersion() once open).
  Result<int> SchemaVersion();

  std::string url() const override;
  std::string local_base() const override;

 private:
  SqliteDatabase(std::string path, std::unique_ptr<Connection> writer, ReaderOpener open_reader,
                 int max_readers, std::unique_ptr<store_internal::WalCheckpointer> checkpointer);

  const std::string path_;
  // Checkpoints the writer's log on its own thread; destroyed before the writer.
  const std::unique_ptr<store_internal::WalCheckpointer> checkpointer_;
};

}  // namespace vitrine
