// WalCheckpointer: copies the write-ahead log back into the database file on a thread of its
// own, so the writer never stops to do it.
//
// SQLite's default (wal_autocheckpoint) runs the checkpoint inside the COMMIT that crosses
// 1,000 pages, on the writer's thread: during a full assembly that was an eighth of the
// writer's time. Attached to the writer connection, this replaces it: a commit that leaves
// `background_pages` or more in the log wakes the thread, which runs a PASSIVE checkpoint on
// its own connection (never blocking readers or the writer). Should the log still reach
// `inline_pages` (the thread falling behind), the commit checkpoints inline as before, so
// the log stays bounded. The log restarts from its beginning only when a write begins after
// a checkpoint completed, which a writer that never pauses (a full assembly: about 100,000
// pages in ten commits) does not allow; the inline bound is therefore far above one bulk
// write, so that no commit waits for a checkpoint's fsyncs, and the writer's
// journal_size_limit gives the file back once the log restarts. Private to store/.
// Thread-safe.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace vitrine::store_internal {

class SqliteConnection;

class WalCheckpointer {
 public:
  // Opens the checkpointing connection on `path` and attaches to `writer`, which must
  // outlive this object.
  static Result<std::unique_ptr<WalCheckpointer>> Attach(const std::string& path, sqlite3* writer,
                                                         int background_pages = 1000,
                                                         int inline_pages = 262144);
  // Detaches from the writer and stops the thread; a checkpoint under way completes.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  WalCheckpointer(std::unique_ptr<SqliteConnection> conn, sqlite3* writer, int background_pages,
                  int inline_pages);
  static int OnCommit(void* self, sqlite3* db, const char* schema, int pages);
  void Run();

  // Constant after construction.
  const std::unique_ptr<SqliteConnection> conn_;  // used by the thread only
  sqlite3* const writer_;
  const int background_pages_;
  const int inline_pages_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool requested_ = false;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::thread thread_;
};

}  // namespace vitrine::store_internal
