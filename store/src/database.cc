// The one place that maps a `--db` URL to a backend.
#include "store/database.h"

#include "pg_connection.h"

#include "store/memory_database.h"
#include "store/migrations.h"
#include "store/postgres_database.h"
#include "store/sqlite_database.h"

namespace vitrine {

Result<DatabaseUrl> ParseDatabaseUrl(const std::string& url) {
  if (url == "memory:") return DatabaseUrl{DatabaseUrl::Scheme::kMemory, ""};
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return DatabaseUrl{DatabaseUrl::Scheme::kPostgres, url};
  }
  std::string path = url;
  if (url.starts_with("sqlite:")) {
    path = url.substr(7);
    if (path.starts_with("//")) path = path.substr(2);  // sqlite://path as well
  } else if (url.find("://") != std::string::npos) {
    return Status::InvalidArgument(
        "unsupported database URL \"" + url +
        "\"; use sqlite:PATH (e.g. sqlite:vitrine.db) or postgresql://...");
  }
  if (path.empty()) return Status::InvalidArgument("the database URL names no file");
  return DatabaseUrl{DatabaseUrl::Scheme::kSqlite, path};
}

std::string DisplayDatabaseUrl(const std::string& url) {
  return store_internal::RedactConninfo(url);
}

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url, DatabaseOptions options) {
  Result<DatabaseUrl> parsed = ParseDatabaseUrl(url);
  if (!parsed.ok()) return parsed.status();
  if (parsed->scheme == DatabaseUrl::Scheme::kMemory) {
    return std::unique_ptr<Database>(std::make_unique<MemoryDatabase>());
  }
  if (parsed->scheme == DatabaseUrl::Scheme::kPostgres) {
    auto db = PostgresDatabase::Open(parsed->path, {.migrate = options.migrate});
    if (!db.ok()) return db.status();
    return std::unique_ptr<Database>(std::move(db).value());
  }
  SqliteOptions sqlite;
  sqlite.migrate = options.migrate;
  auto db = SqliteDatabase::Open(parsed->path, sqlite);
  if (!db.ok()) return db.status().WithContext("opening " + parsed->path);
  return std::unique_ptr<Database>(std::move(db).value());
}

Result<int> MigrateDatabase(const std::string& url) {
  Result<DatabaseUrl> parsed = ParseDatabaseUrl(url);
  if (!parsed.ok()) return parsed.status();
  if (parsed->scheme == DatabaseUrl::Scheme::kMemory) return 0;
  if (parsed->scheme == DatabaseUrl::Scheme::kPostgres) return MigratePostgres(parsed->path);
  return Migrate(parsed->path);
}

}  // namespace vitrine
