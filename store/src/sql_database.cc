// What SqlDatabase does whatever the engine: the writer and its transactions, the reader
// pool and read snapshots.
#include "store/sql_database.h"

#include <condition_variable>
#include <exception>
#include <vector>

#include "sql_connection.h"

namespace vitrine {

namespace store_internal {

// Reader connections, opened on first demand and reused. Thread-safe.
class ReaderPool {
 public:
  ReaderPool(std::function<Result<std::unique_ptr<SqlConnection>>()> open, int max_open)
      : open_reader_(std::move(open)), max_open_(max_open) {}

  // A connection for this thread's exclusive use until Release(); waits while all are lent.
  Result<std::unique_ptr<SqlConnection>> Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_open_; });
    if (!idle_.empty()) {
      std::unique_ptr<SqlConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
    lock.unlock();
    Result<std::unique_ptr<SqlConnection>> conn = open_reader_();
    if (!conn.ok()) {
      lock.lock();
      --open_;
      cv_.notify_one();
    }
    return conn;
  }

  void Release(std::unique_ptr<SqlConnection> conn) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

 private:
  const std::function<Result<std::unique_ptr<SqlConnection>>()> open_reader_;
  const int max_open_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;  // guarded by mu_
  int open_ = 0;                                      // guarded by mu_
};

}  // namespace store_internal

namespace {

using store_internal::SqlDialect;

// Runs `fn`, turning an escaping exception into a Status: nothing throws across the
// repository boundary.
Status Guarded(const std::function<Status()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("catalog store: ") + e.what());
  } catch (...) {
    return Status::Internal("catalog store: unknown exception");
  }
}
// A PostgreSQL write transaction first takes the hub's writer lock (see SqlDatabase): an
// advisory lock held until COMMIT, whose key spells "vitrine" in ASCII.
constexpr char kPostgresBeginWrite[] =
    "BEGIN; SELECT pg_advisory_xact_lock(33329996108492389); SAVEPOINT put";
// A read snapshot sees one committed state across its statements, as SQLite's BEGIN does.
constexpr char kPostgresBeginRead[] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

}  // namespace

SqlDatabase::SqlDatabase(std::unique_ptr<Connection> writer, ReaderOpener open_reader,
                         int max_readers)
    : readers_(std::make_unique<store_internal::ReaderPool>(std::move(open_reader), max_readers)),
      writer_(std::move(writer)) {}

SqlDatabase::~SqlDatabase() = default;

Status SqlDatabase::BeginWrite() {
  if (writer_->dialect() == SqlDialect::kPostgres) return writer_->Exec(kPostgresBeginWrite);
  return writer_->Run("BEGIN IMMEDIATE");
}

Status SqlDatabase::Write(const std::function<Status(Connection&)>& write) {
  Connection& w = *writer_;
  if (InTransactionOnThisThread()) {
    // A savepoint keeps this call all-or-nothing inside the caller's transaction.
    VITRINE_RETURN_IF_ERROR(w.Run("SAVEPOINT put"));
    Status status = Guarded([&] { return write(w); });
    if (!status.ok()) (void)w.Run("ROLLBACK TO put");
    Status released = w.Run("RELEASE put");
    return status.ok() ? released : status;
  }
  std::lock_guard lock(writer_mu_);
  VITRINE_RETURN_IF_ERROR(BeginWrite());
  Status status = Guarded([&] { return write(w); });
  if (status.ok()) {
    status = w.Run("COMMIT");
    if (status.ok()) return status;
  }
  (void)w.Run("ROLLBACK");
  return status;
}

namespace {
// The reader of the ReadSnapshot() this thread is in, and whose database it reads.
struct ThreadSnapshot {
  const void* database = nullptr;
  store_internal::SqlConnection* reader = nullptr;
};
thread_local ThreadSnapshot this_thread_snapshot;
}  // namespace

Status SqlDatabase::ReadSnapshot(const std::function<Status()>& body) {
  if (InTransactionOnThisThread() || this_thread_snapshot.database == this) return Guarded(body);
  // Another database's snapshot on this thread is set aside for the body's length.
  const ThreadSnapshot outer = this_thread_snapshot;
  Result<std::unique_ptr<Connection>> conn = readers_->Acquire();
  if (!conn.ok()) return conn.status();
  Status status = (*conn)->dialect() == SqlDialect::kPostgres ? (*conn)->Exec(kPostgresBeginRead)
                                                              : (*conn)->Run("BEGIN");
  if (status.ok()) {
    this_thread_snapshot = {this, conn->get()};
    status = Guarded(body);
    this_thread_snapshot = outer;
    // A read transaction has nothing to keep: COMMIT only ends it.
    Status ended = (*conn)->Run("COMMIT");
    if (!ended.ok()) (void)(*conn)->Run("ROLLBACK");
  }
  readers_->Release(std::move(conn).value());
  return status;
}

Status SqlDatabase::Read(const std::function<Status(Connection&)>& read) {
  if (InTransactionOnThisThread()) return Guarded([&] { return read(*writer_); });
  if (this_thread_snapshot.database == this) {
    return Guarded([&] { return read(*this_thread_snapshot.reader); });
  }
  Result<std::unique_ptr<Connection>> conn = readers_->Acquire();
  if (!conn.ok()) return conn.status();
  Status status = Guarded([&] { return read(**conn); });
  readers_->Release(std::move(conn).value());
  return status;
}

Status SqlDatabase::Transaction(const std::function<Status()>& body) {
  if (InTransactionOnThisThread()) return Guarded(body);  // join the outer transaction
  std::lock_guard lock(writer_mu_);
  VITRINE_RETURN_IF_ERROR(BeginWrite());
  writer_owner_.store(std::this_thread::get_id());
  Status status = Guarded(body);
  writer_owner_.store(std::thread::id());
  if (status.ok()) {
    status = writer_->Run("COMMIT");
    if (status.ok()) return status;
  }
  (void)writer_->Run("ROLLBACK");
  return status;
}

}  // namespace vitrine
