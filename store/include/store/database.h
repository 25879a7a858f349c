// Database: one handle on a backend (SQLite file, in-memory, later PostgreSQL) that holds
// every repository of the hub and the change log, so that a write, its audit entry and its
// change-log entry land in one transaction.
//
// The repositories returned are owned by the Database and live as long as it does. Safe for
// concurrent use from any number of threads; calls made on a thread inside Transaction() join
// that transaction.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/change_log.h"
#include "catalog/feed_pulls.h"
#include "catalog/outbound.h"
#include "catalog/repository.h"
#include "common/status.h"
#include "offers/repository.h"

namespace vitrine {

class Database {
 public:
  virtual ~Database() = default;

  virtual CatalogRepository& catalog() = 0;
  virtual AccountRepository& accounts() = 0;
  virtual AuditLog& audit() = 0;
  virtual CampaignRepository& campaigns() = 0;
  virtual OfferRepository& offers() = 0;
  virtual ChangeLog& changes() = 0;
  virtual FeedPullLog& feed_pulls() = 0;
  virtual OutboundRepository& outbound() = 0;

  // Runs `body`; every repository call it makes on this thread joins one transaction that
  // commits when `body` returns OK and rolls back otherwise (the body's Status is returned).
  virtual Status Transaction(const std::function<Status()>& body) = 0;

  // The URL the database was opened with ("sqlite:vitrine.db", "memory:", a PostgreSQL URL
  // with its password masked).
  virtual std::string url() const = 0;
  // What this node names the files it keeps beside the database and can rebuild from it
  // (feed snapshots "vitrine.db-feeds", creative templates "vitrine.db.templates"): the
  // SQLite file's path; for a server database, a name in the working directory.
  virtual std::string local_base() const = 0;
};

// A parsed `--db` URL. "sqlite:PATH", "sqlite://PATH" or a bare PATH name a SQLite file;
// "memory:" an in-memory database (tests, dry runs) that is gone when closed;
// "postgresql://..." (or "postgres://...") a PostgreSQL database shared by several nodes.
struct DatabaseUrl {
  enum class Scheme { kSqlite, kMemory, kPostgres };
  Scheme scheme = Scheme::kSqlite;
  std::string path;  // the SQLite file; the whole URL for PostgreSQL; empty for memory:
};

// InvalidArgument for an unknown scheme or an empty path.
Result<DatabaseUrl> ParseDatabaseUrl(const std::string& url);

// `url` with its password (if any) masked, for messages and logs.
std::string DisplayDatabaseUrl(const std::string& url);

struct DatabaseOptions {
  // Apply pending schema migrations when opening. When false, a database whose schema is
  // behind the binary's is refused with FailedPrecondition asking to run `vitrine migrate`.
  bool migrate = true;
};

// Opens the database named by `url`: "sqlite:PATH" (or "sqlite://PATH", or a bare path),
// created when missing, or "postgresql://..." (Unavailable when the server cannot be
// reached). InvalidArgument for an unknown scheme or an empty path;
// FailedPrecondition for a schema newer than the binary, or behind it without `migrate`;
// IoError when the file cannot be opened.
Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url,
                                               DatabaseOptions options = {});

// Brings the schema of the database at `url` up to date (created when missing); returns how
// many migrations were applied. FailedPrecondition when it is newer than the binary.
Result<int> MigrateDatabase(const std::string& url);

}  // namespace vitrine
