// PostgresDatabase: the SqlDatabase kept in a PostgreSQL database, for several hub nodes
// sharing one database behind a load balancer (ARCHITECTURE.md §6).
//
// Writes from every node are serialised by the hub's writer lock (see SqlDatabase), so the
// offers' change `seq` is handed out in commit order: a platform that read past seq N on
// one node can never later meet an offer committed with a seq below N on another. Each
// write that logs a change also notifies the `vitrine_changes` channel at commit; the
// nodes' ChangeFollowers LISTEN to it (ChangeListener) and poll as a fallback, so a
// notification lost while a node was disconnected costs only the poll interval.
//
// Its schema has its own forward-only migrations (PostgresSchemaVersion()); a database of
// a newer schema is refused. Safe for concurrent use from any number of threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/sql_database.h"

namespace vitrine {

struct PostgresOptions {
  // Apply pending schema migrations when opening. When false, a database whose schema is
  // behind the binary's is refused with FailedPrecondition asking to run `vitrine migrate`.
  bool migrate = true;
  // Reader connections opened on demand and kept for reuse. At least 1.
  int reader_connections = 4;
};

// The schema version this binary writes to PostgreSQL.
int PostgresSchemaVersion();

class PostgresDatabase final : public SqlDatabase {
 public:
  // Connects to `url` (postgresql://user@host:port/db?..., or libpq's key=value words).
  // Unavailable when the server cannot be reached; InvalidArgument for a URL libpq cannot
  // parse; FailedPrecondition for a schema newer than this binary, or behind it without
  // `options.migrate`.
  static Result<std::unique_ptr<PostgresDatabase>> Open(const std::string& url,
                                                        PostgresOptions options = {});
  ~PostgresDatabase() override;

  // The schema version recorded in the database.
  Result<int> SchemaVersion();

  // The URL with its password masked.
  std::string url() const override;
  // "vitrine-<database name>" in the working directory: each node keeps its own feed
  // snapshots and creative cache there.
  std::string local_base() const override;

 private:
  PostgresDatabase(std::string url, std::string database_name, std::unique_ptr<Connection> writer,
                   ReaderOpener open_reader, int max_readers);

  const std::string url_;
  const std::string database_name_;
};

// Brings the schema of the PostgreSQL database at `url` up to date; returns how many
// migrations were applied. Several nodes may call it at once: one applies, the others wait
// and find nothing left to do.
Result<int> MigratePostgres(const std::string& url);

// Copies every table of the SQLite database at `sqlite_path` (which must be at this binary's
// schema version) into the PostgreSQL database at `url` (migrated first, and which must hold
// no products, stores, campaigns, offers or audit entries yet), with COPY, in one
// transaction: the hub's move from one node to several. Returns the rows copied per table.
Result<std::vector<std::pair<std::string, int64_t>>> CopySqliteToPostgres(
    const std::string& sqlite_path, const std::string& url);

// Waits for notifications of new changes on the `vitrine_changes` channel of `url`, on a
// connection of its own, and calls `on_change` for each (and once after every reconnection,
// since notifications sent while it was away are lost). Thread-safe; the destructor stops
// it.
class ChangeListener {
 public:
  // `log` receives one line when the connection is lost and when it is back.
  ChangeListener(std::string url, std::function<void()> on_change,
                 std::function<void(const std::string&)> log);
  ~ChangeListener();
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;

  // True while the listening connection is up.
  bool connected() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace vitrine
