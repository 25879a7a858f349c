// Opening the catalogue named by a `--db` URL: `sqlite:PATH` (default `sqlite:vitrine.db`)
// or a bare path. The PostgreSQL backend of ARCHITECTURE.md §6 will add its scheme here.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "store/sqlite_catalog.h"

namespace vitrine {

struct DatabaseUrl {
  std::string sqlite_path;
};

// InvalidArgument for an unknown scheme or an empty path.
Result<DatabaseUrl> ParseDatabaseUrl(const std::string& url);

// Opens (creating when needed) and, when `migrate`, brings the schema up to date. The
// SQLite backend is the catalogue, the accounts and the audit log at once, so that a write
// and its audit entry share a transaction.
Result<std::unique_ptr<SqliteCatalog>> OpenCatalog(const DatabaseUrl& url, bool migrate);

}  // namespace vitrine
