// Opening the catalogue named by a `--db` URL: `sqlite:PATH` (default `sqlite:vitrine.db`)
// or a bare path. The PostgreSQL backend of ARCHITECTURE.md §6 will add its scheme here.
#pragma once

#include <memory>
#include <string>

#include "catalog/repository.h"
#include "common/status.h"

namespace vitrine {

struct DatabaseUrl {
  std::string sqlite_path;
};

// InvalidArgument for an unknown scheme or an empty path.
Result<DatabaseUrl> ParseDatabaseUrl(const std::string& url);

// Opens (creating when needed) and, when `migrate`, brings the schema up to date.
Result<std::unique_ptr<CatalogRepository>> OpenCatalog(const DatabaseUrl& url, bool migrate);

}  // namespace vitrine
