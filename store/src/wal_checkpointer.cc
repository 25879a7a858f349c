#include "wal_checkpointer.h"

#include "sqlite_connection.h"

namespace vitrine::store_internal {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Attach(const std::string& path,
                                                                 sqlite3* writer,
                                                                 int background_pages,
                                                                 int inline_pages) {
  Result<std::unique_ptr<SqliteConnection>> conn =
      SqliteConnection::Open(path, SQLITE_OPEN_READWRITE, /*busy_timeout_ms=*/0);
  if (!conn.ok()) return conn.status().WithContext("open the checkpoint connection");
  // A connection that has not read the database yet has not opened its log either, and its
  // checkpoints do nothing (they report a log of -1 frames): read once.
  Result<std::string> mode = (*conn)->QueryText("PRAGMA journal_mode");
  if (!mode.ok()) return mode.status().WithContext("open the checkpoint connection");
  return std::unique_ptr<WalCheckpointer>(
      new WalCheckpointer(std::move(conn).value(), writer, background_pages, inline_pages));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<SqliteConnection> conn, sqlite3* writer,
                                 int background_pages, int inline_pages)
    : conn_(std::move(conn)),
      writer_(writer),
      background_pages_(background_pages),
      inline_pages_(inline_pages) {
  // Replaces the connection's autocheckpoint hook (both are sqlite3_wal_hook).
  sqlite3_wal_hook(writer_, &WalCheckpointer::OnCommit, this);
  thread_ = std::thread([this] { Run(); });
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  sqlite3_wal_autocheckpoint(writer_, 1000);  // the writer may outlive us briefly
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char* schema, int pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (pages >= checkpointer->inline_pages_) {
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (pages >= checkpointer->background_pages_) {
    {
      std::lock_guard lock(checkpointer->mu_);
      checkpointer->requested_ = true;
    }
    checkpointer->wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    lock.unlock();
    // PASSIVE copies what no reader still needs and never waits; what it leaves is taken by
    // the next request. Errors (SQLITE_BUSY from a concurrent checkpoint) are harmless.
    sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace vitrine::store_internal
