// Schema migrations of the SQLite catalog database.
//
// The schema evolves by an ordered, forward-only list of migrations compiled into the
// binary; each is applied once, in its own version order, and recorded in the table
// schema_migrations(version, name, applied_at). A database whose recorded version is newer
// than the binary's latest is refused, so an old binary never writes a schema it does not
// know. The functions are safe to call from several threads and processes: migrations run
// in one IMMEDIATE transaction, so concurrent migrators serialise and the loser finds
// nothing left to apply.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

struct SchemaMigration {
  int version;            // 1, 2, 3... with no gaps
  std::string_view name;  // short description, recorded with the version
  std::string_view sql;   // one or more statements
};

// Every migration, in version order.
std::span<const SchemaMigration> CatalogMigrations();

// The version the binary's schema ends at.
int LatestSchemaVersion();

// The version recorded in the database at `path`: 0 for a new, empty or missing file.
// IoError when the file cannot be read as a database.
Result<int> CurrentSchemaVersion(const std::string& path);

// Brings the database at `path` (created if missing) to LatestSchemaVersion(). Returns how
// many migrations were applied (0 when up to date). FailedPrecondition when the database's
// version is newer than the binary's.
Result<int> Migrate(const std::string& path);

}  // namespace vitrine
