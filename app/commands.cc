#include "commands.h"

#include <cstdio>

#include "catalog_database.h"
#include "store/migrations.h"

namespace vitrine {

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"migrate",
       "bring the database schema up to date",
       R"(Usage: vitrine migrate [--db sqlite:PATH]

Applies the schema migrations this binary knows and the database lacks, in order, each in
its own transaction, and records them. Running it again does nothing. A database written by
a newer Vitrine is refused.

Options:
  --db URL   the database (default sqlite:vitrine.db)
)",
       {{"db"}, {}},
       RunMigrate},
      {"import",
       "import products, stores, prices or stock from CSV, JSON or NDJSON",
       R"(Usage: vitrine import KIND FILE [--strict] [--json] [OPTIONS]

KIND is products, stores, prices or stock; FILE is a path, or - for standard input.
The format is detected (a JSON array, NDJSON, or CSV with ',' ';' or tab) unless --format
says it. Columns are documented in docs/imports.md.

Every rejected row is reported with its line, field and reason; by default the valid rows
land, in batches that are each one transaction. With --strict nothing lands when any row is
rejected.

Options:
  --db URL            the database (default sqlite:vitrine.db)
  --strict            all or nothing
  --json              print the report as JSON on standard output
  --format F          auto (default), csv, json or ndjson
  --delimiter C       CSV delimiter: ',', ';' or 'tab' (default: detected)
  --map FROM=TO       read column FROM as the documented column TO (repeatable by commas:
                      --map ingredients=description,code=gtin)
  --batch-size N      valid rows per transaction (default 200000 for stock, 10000 for
                      the other kinds)
  --currency CODE     currency of prices that name none (default EUR)

Exit codes: 0 all rows landed, 1 some rows rejected (the others landed), 3 nothing landed
(unreadable or empty input, or --strict with rejected rows), 4 database error.
)",
       {{"db", "format", "delimiter", "map", "batch-size", "currency"}, {"strict", "json"}},
       RunImport},
      {"demo",
       "seed the demo retailer: real products, ~50 stores, 90 days of prices, stock",
       R"(Usage: vitrine demo [--db sqlite:PATH] [OPTIONS]

Builds a demo retailer from the Open Food Facts sample and the French cities list shipped in
data/: products with derived brands, categories, net quantities and prices, about 50 stores
in several price zones, 90 days of price history, stock in every store, and a packshot image
per product. The files are written as CSV and imported through the same importer as any
retailer's files, so the demo shows what an import reports.

Options:
  --db URL         the database (default sqlite:vitrine.db)
  --data DIR       folder with off-products-sample.csv and fr-cities.csv (default: data/)
  --out DIR        where the CSV files and images go (default: vitrine-data/ beside the db)
  --stores N       number of stores (default 50)
  --now ISO        the demo's present (default: now)
  --no-packshots   skip drawing product images
)",
       {{"db", "data", "out", "stores", "now"}, {"no-packshots"}},
       RunDemo},
      {"summary",
       "print what the database holds",
       R"(Usage: vitrine summary [--db sqlite:PATH] [--json]

Prints the counts of products, stores, price zones, price entries and stock levels, the
stores of each zone, and a few products with their current national price.
)",
       {{"db"}, {"json"}},
       RunSummary},
      {"serve",
       "serve the HTTP API",
       R"(Usage: vitrine serve [--db sqlite:PATH] [OPTIONS]

Serves the API of docs/openapi.json until SIGTERM or SIGINT, then stops accepting
connections, lets the requests in flight finish and closes the database cleanly. One JSON
access-log line per request goes to standard error.

Options:
  --db URL              the database (default sqlite:vitrine.db)
  --address A           address to listen on (default 0.0.0.0)
  --port N              TCP port (default 8080; 0 picks a free one and prints it)
  --threads N           worker threads (default: the number of cores)
  --max-body-mb N       largest request body, for imports (default 16)
  --rate-limit SPEC     per-principal limits: ROLE=PER_SECOND[:BURST],... or off
                        (default platform=20:40,viewer=50:100,editor=50:100,
                        approver=50:100,admin=100:200)
)",
       {{"db", "address", "port", "threads", "max-body-mb", "rate-limit"}, {}},
       RunServe},
      {"token",
       "create, list or revoke API tokens",
       R"(Usage: vitrine token create --role ROLE [--channel C] [--name NAME] [--db sqlite:PATH]
       vitrine token list [--db sqlite:PATH]
       vitrine token revoke ID [--db sqlite:PATH]

create prints the token once: only its SHA-256 is kept. ROLE is viewer, editor, approver,
admin or platform; a platform token needs --channel (google, meta, leaflet...).
)",
       {{"db", "role", "channel", "name"}, {"json"}},
       RunToken},
      {"user",
       "add a user of the web UI and API",
       R"(Usage: vitrine user add LOGIN --role ROLE [--name DISPLAY] [--password-stdin]
       [--db sqlite:PATH]

ROLE is viewer, editor, approver or admin. The password is read from standard input with
--password-stdin (at least 12 characters); otherwise a strong one is generated and printed
once.
)",
       {{"db", "role", "name"}, {"password-stdin"}},
       RunUser},
  };
  return commands;
}

std::unique_ptr<SqliteCatalog> OpenCatalogOrReport(const CommandLine& command_line, bool migrate) {
  auto url = ParseDatabaseUrl(command_line.ValueOr("db", "sqlite:vitrine.db"));
  if (!url.ok()) {
    std::fprintf(stderr, "vitrine: %s\n", url.status().message().c_str());
    return nullptr;
  }
  auto catalog = OpenCatalog(*url, migrate);
  if (!catalog.ok()) {
    std::fprintf(stderr, "vitrine: %s\n", catalog.status().message().c_str());
    return nullptr;
  }
  return std::move(catalog).value();
}

int RunMigrate(const CommandLine& command_line) {
  if (!command_line.positional().empty()) {
    std::fprintf(stderr, "vitrine migrate: takes no arguments\n");
    return kExitUsage;
  }
  auto url = ParseDatabaseUrl(command_line.ValueOr("db", "sqlite:vitrine.db"));
  if (!url.ok()) {
    std::fprintf(stderr, "vitrine migrate: %s\n", url.status().message().c_str());
    return kExitUsage;
  }
  auto applied = Migrate(url->sqlite_path);
  if (!applied.ok()) {
    std::fprintf(stderr, "vitrine migrate: %s\n", applied.status().message().c_str());
    return kExitStore;
  }
  std::printf("%s: %d migration%s applied, schema at version %d\n", url->sqlite_path.c_str(),
              *applied, *applied == 1 ? "" : "s", LatestSchemaVersion());
  return kExitOk;
}

}  // namespace vitrine
