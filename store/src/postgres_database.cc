// PostgresDatabase: connecting, the schema's migrations, and the change listener.
#include "store/postgres_database.h"

#include <poll.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/time.h"
#include "pg_connection.h"
#include "pg_schema.h"

namespace vitrine {

using store_internal::PgConnection;
using store_internal::RedactConninfo;
using store_internal::SqlConnection;

namespace {

// Migrations run under this advisory lock ("vitrinf" in ASCII), so nodes starting together
// apply each step once.
constexpr char kMigrationLock[] = "SELECT pg_advisory_xact_lock(33329996108492390)";

Result<int> CurrentVersion(PgConnection& conn) {
  Result<std::string> exists =
      conn.QueryText("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists.ok()) return exists.status();
  if (*exists != "t") return 0;
  Result<std::string> version =
      conn.QueryText("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!version.ok()) return version.status();
  return std::stoi(*version);
}

Status NewerSchema(const std::string& url, int version) {
  return Status::FailedPrecondition("PostgreSQL database " + url + ": the schema is at version " +
                                    std::to_string(version) + ", newer than this binary knows (" +
                                    std::to_string(PostgresSchemaVersion()) +
                                    "); use a newer vitrine");
}

Result<int> Migrate(PgConnection& conn, const std::string& url) {
  VITRINE_RETURN_IF_ERROR(conn.Exec("BEGIN"));
  auto fail = [&](Status status) -> Result<int> {
    (void)conn.Exec("ROLLBACK");
    return status.WithContext("migrate " + url);
  };
  if (Status s = conn.Exec(kMigrationLock); !s.ok()) return fail(s);
  if (Status s = conn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                           "version bigint PRIMARY KEY, applied_at bigint NOT NULL)");
      !s.ok()) {
    return fail(s);
  }
  Result<int> current = CurrentVersion(conn);
  if (!current.ok()) return fail(current.status());
  if (*current > PostgresSchemaVersion()) return fail(NewerSchema(url, *current));
  int applied = 0;
  const int64_t now = ToUnixSeconds(SystemClock::Instance().Now());
  for (const store_internal::PgMigration& m : store_internal::PgMigrations()) {
    if (m.version <= *current) continue;
    if (Status s = conn.Exec(m.sql); !s.ok()) {
      return fail(s.WithContext("migration " + std::to_string(m.version)));
    }
    const std::string record = "INSERT INTO schema_migrations(version, applied_at) VALUES (" +
                               std::to_string(m.version) + ", " + std::to_string(now) + ")";
    if (Status s = conn.Exec(record.c_str()); !s.ok()) return fail(s);
    ++applied;
  }
  if (Status s = conn.Exec("COMMIT"); !s.ok()) return fail(s);
  return applied;
}

// The database name libpq connected to.
std::string DatabaseName(PgConnection& conn) {
  const char* name = PQdb(conn.raw());
  return name != nullptr ? name : "postgres";
}

}  // namespace

int PostgresSchemaVersion() { return store_internal::PgMigrations().back().version; }

PostgresDatabase::PostgresDatabase(std::string url, std::string database_name,
                                   std::unique_ptr<Connection> writer, ReaderOpener open_reader,
                                   int max_readers)
    : SqlDatabase(std::move(writer), std::move(open_reader), max_readers),
      url_(std::move(url)),
      database_name_(std::move(database_name)) {}

PostgresDatabase::~PostgresDatabase() = default;

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Open(const std::string& url,
                                                                 PostgresOptions options) {
  if (options.reader_connections < 1) {
    return Status::InvalidArgument("PostgresOptions.reader_connections must be at least 1");
  }
  const std::string shown = RedactConninfo(url);
  Result<std::unique_ptr<PgConnection>> writer = PgConnection::Open(url);
  if (!writer.ok()) return writer.status();
  Result<int> version = CurrentVersion(**writer);
  if (!version.ok()) return version.status().WithContext("open " + shown);
  if (*version > PostgresSchemaVersion()) return NewerSchema(shown, *version);
  if (*version < PostgresSchemaVersion()) {
    if (!options.migrate) {
      return Status::FailedPrecondition(
          "PostgreSQL database " + shown + ": the schema is at version " +
          std::to_string(*version) + ", behind this binary's " +
          std::to_string(PostgresSchemaVersion()) + "; run `vitrine migrate`");
    }
    Result<int> applied = Migrate(**writer, shown);
    if (!applied.ok()) return applied.status();
  }
  const std::string name = DatabaseName(**writer);
  auto open_reader = [url]() -> Result<std::unique_ptr<SqlConnection>> {
    Result<std::unique_ptr<PgConnection>> conn = PgConnection::Open(url);
    if (!conn.ok()) return conn.status();
    return std::unique_ptr<SqlConnection>(std::move(conn).value());
  };
  return std::unique_ptr<PostgresDatabase>(new PostgresDatabase(
      url, name, std::move(writer).value(), std::move(open_reader), options.reader_connections));
}

Result<int> PostgresDatabase::SchemaVersion() {
  Result<int> version = 0;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    version = CurrentVersion(static_cast<PgConnection&>(conn));
    return version.status();
  }));
  return version;
}

std::string PostgresDatabase::url() const { return RedactConninfo(url_); }

std::string PostgresDatabase::local_base() const { return "vitrine-" + database_name_; }

Result<int> MigratePostgres(const std::string& url) {
  Result<std::unique_ptr<PgConnection>> conn = PgConnection::Open(url);
  if (!conn.ok()) return conn.status();
  return Migrate(**conn, RedactConninfo(url));
}

// ---------------------------------------------------------------------------------------------
// ChangeListener

struct ChangeListener::State {
  std::string url;
  std::function<void()> on_change;
  std::function<void(const std::string&)> log;
  std::atomic<bool> stop{false};
  std::atomic<bool> connected{false};
  std::thread thread;

  void Say(const std::string& line) {
    if (log) log(line);
  }

  // Connects and LISTENs; null when the server cannot be reached.
  PGconn* Connect() {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) == CONNECTION_OK) {
      PQsetNoticeProcessor(
          conn, [](void*, const char*) {}, nullptr);
      PGresult* listen = PQexec(conn, "LISTEN vitrine_changes");
      const bool ok = PQresultStatus(listen) == PGRES_COMMAND_OK;
      PQclear(listen);
      if (ok) return conn;
    }
    PQfinish(conn);
    return nullptr;
  }

  void Run() {
    PGconn* conn = nullptr;
    bool ever_connected = false;
    while (!stop.load()) {
      if (conn == nullptr) {
        conn = Connect();
        if (conn == nullptr) {
          if (connected.exchange(false) || !ever_connected) {
            Say("change listener: cannot reach PostgreSQL; polling until it is back");
            ever_connected = true;  // say it once per outage
          }
          for (int i = 0; i < 10 && !stop.load(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
          continue;
        }
        if (ever_connected) Say("change listener: listening to PostgreSQL again; catching up");
        ever_connected = true;
        connected.store(true);
        on_change();  // whatever was notified while away
      }
      pollfd fd{PQsocket(conn), POLLIN, 0};
      const int ready = poll(&fd, 1, 200);
      if (ready < 0) continue;
      if (ready > 0 && PQconsumeInput(conn) == 0) {
        PQfinish(conn);
        conn = nullptr;
        connected.store(false);
        Say("change listener: lost the PostgreSQL connection");
        continue;
      }
      bool notified = false;
      while (PGnotify* n = PQnotifies(conn)) {
        notified = true;
        PQfreemem(n);
      }
      if (notified) on_change();
      if (PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        conn = nullptr;
        connected.store(false);
        Say("change listener: lost the PostgreSQL connection");
      }
    }
    if (conn != nullptr) PQfinish(conn);
  }
};

ChangeListener::ChangeListener(std::string url, std::function<void()> on_change,
                               std::function<void(const std::string&)> log)
    : state_(std::make_shared<State>()) {
  state_->url = std::move(url);
  state_->on_change = std::move(on_change);
  state_->log = std::move(log);
  state_->thread = std::thread([state = state_] { state->Run(); });
}

ChangeListener::~ChangeListener() {
  state_->stop.store(true);
  state_->thread.join();
}

bool ChangeListener::connected() const { return state_->connected.load(); }

}  // namespace vitrine
