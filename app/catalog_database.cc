#include "catalog_database.h"

namespace vitrine {

Result<DatabaseUrl> ParseDatabaseUrl(const std::string& url) {
  std::string path = url;
  if (url.starts_with("sqlite:")) {
    path = url.substr(7);
    if (path.starts_with("//")) path = path.substr(2);  // sqlite://path as well
  } else if (url.find("://") != std::string::npos) {
    return Status::InvalidArgument("unsupported database URL \"" + url +
                                   "\"; use sqlite:PATH (e.g. sqlite:vitrine.db)");
  }
  if (path.empty()) return Status::InvalidArgument("the database URL names no file");
  return DatabaseUrl{path};
}

Result<std::unique_ptr<SqliteCatalog>> OpenCatalog(const DatabaseUrl& url, bool migrate) {
  SqliteOptions options;
  options.migrate = migrate;
  auto db = SqliteCatalog::Open(url.sqlite_path, options);
  if (!db.ok()) return db.status().WithContext("opening " + url.sqlite_path);
  return std::move(db).value();
}

}  // namespace vitrine
