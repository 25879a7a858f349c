#include "commands.h"

#include <chrono>
#include <cstdio>

#include "store/database.h"
#include "store/migrations.h"
#include "store/postgres_database.h"

namespace vitrine {

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"migrate",
       "bring the database schema up to date",
       R"(Usage: vitrine migrate [--db URL]

Applies the schema migrations this binary knows and the database lacks, in order, and
records them. Running it again does nothing. A database written by a newer Vitrine is
refused. On PostgreSQL, nodes migrating at once wait for one another.

Options:
  --db URL   the database: sqlite:PATH (default sqlite:vitrine.db) or postgresql://...
)",
       {{"db"}, {}},
       RunMigrate},
      {"copy",
       "copy a SQLite database into an empty PostgreSQL database",
       R"(Usage: vitrine copy --to postgresql://... [--db sqlite:PATH]

Copies everything the SQLite database holds (catalogue, price history, campaigns, published
offers and their change seqs, accounts, audit log, destinations, sources, feed pulls) into
the PostgreSQL database named by --to, whose schema is created first and which must hold no
data yet. One transaction: on any error nothing lands. Stop the hub first; afterwards start
every node with --db set to the PostgreSQL URL.

Options:
  --db URL   the SQLite database to copy (default sqlite:vitrine.db)
  --to URL   the PostgreSQL database
)",
       {{"db", "to"}, {}},
       RunCopy},
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
  --fetch-images   fetch the products' real pictures (their image_url, on the network)
                   into the image cache; those fetched replace the drawn packshot, the
                   others keep it. Without it the demo never touches the network.
  --image-cache-dir DIR  where fetched pictures go (default DB.images)
)",
       {{"db", "data", "out", "stores", "now", "image-cache-dir"},
        {"no-packshots", "fetch-images"}},
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

Serves the API of docs/openapi.json, and the web UI at /, until SIGTERM or SIGINT, then stops accepting
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
  --feeds-dir DIR       where feed snapshots are written (default the database path
                        + "-feeds"); regenerated when offers change
  --public-url URL      the hub's public base URL, for creative links in feeds
                        (default http://localhost:PORT)
  --images DIR          where packshot paths are read from (default vitrine-data/demo
                        beside the database, where `vitrine demo` draws them)
  --image-cache-dir DIR products' image_url pictures, as `vitrine images fetch` keeps
                        them (default DB.images)
  --templates-dir DIR   templates stored by PUT /api/v1/templates (default DB.templates)
  --creative-cache-dir DIR  rendered creatives (default DB.creatives)
  --creative-cache-mb N     cache size, least recently used evicted (default 1024)
  --template ID         template of creative URLs without ?template= whose campaign's
                        theme names none for the format (default classic)
  --web DIR             the built web UI served at / (default the `web` folder of
                        the build tree this binary belongs to: BUILD/web)
  --secrets-key FILE    the key that seals stored webhook secrets and push and source
                        credentials (default DB.key, created with mode 0600; back it up
                        with the database)
  --delivery-workers N  deliveries sent at once, one per destination (default 16)
  --delivery-lease-seconds N  how long an attempt may take before the delivery is
                        another process's (or this one's after a restart) to send again,
                        with the same webhook-id (default 360: a push may take 5 minutes)

Webhooks, feed pushes and source pulls run in the background (/api/v1/destinations,
/api/v1/sources). They connect to public addresses only; VITRINE_FETCH_ALLOW_LOOPBACK=1
lets loopback through too, for tests and benchmarks.
)",
       {{"db", "address", "port", "threads", "max-body-mb", "rate-limit", "feeds-dir", "public-url",
         "images", "templates-dir", "creative-cache-dir", "creative-cache-mb", "image-cache-dir",
         "template", "web", "secrets-key", "delivery-workers", "delivery-lease-seconds"},
        {}},
       RunServe},
      {"feed",
       "write one feed (Google, Meta, leaflet, CSV)",
       R"(Usage: vitrine feed FORMAT [--store S] [--campaign C] [-o FILE] [--db sqlite:PATH]

Writes the feed FORMAT of the published offers that have not ended, to FILE or standard
output, streaming (constant memory); a progress bar shows on a terminal. The server serves
the same bytes at the URL in brackets. FORMAT is one of:
  google-products         Google Merchant Center products     (/feeds/google/products.xml)
  google-local-inventory  Google local inventory              (/feeds/google/local-inventory.xml)
  google-promotions       Google Merchant promotions          (/feeds/google/promotions.xml)
  meta-catalog            Meta catalog                        (/feeds/meta/catalog.xml)
  leaflet-json            leaflet feed, JSON                  (/feeds/leaflet.json)
  leaflet-xml             leaflet feed, XML                   (/feeds/leaflet.xml)
  offers-csv              one row per offer                   (/feeds/offers.csv)

Options:
  --store S             only this store's offers
  --campaign C          only this campaign's offers
  --channel C           offers-csv only: just this channel's offers (default every channel)
  -o FILE, --output FILE  write to FILE (default standard output)
  --now T               the instant offers must not have ended by (default now)
  --public-url URL      base of the hub's creative URLs (default http://localhost:8080)
  --link-template T     product page URL, {id} replaced (default https://shop.example/p/{id})

A summary (items written, items a platform rule left out) goes to standard error. Exit codes:
0 written, 2 usage, 3 unknown store or campaign or unwritable output, 4 database error.
)",
       {{"db", "store", "campaign", "channel", "output", "now", "public-url", "link-template"}, {}},
       RunFeed},
      {"render",
       "draw an offer's creative, or every creative of a campaign",
       R"(Usage: vitrine render OFFER FORMAT --store S [--template T] [-o FILE]
       vitrine render --campaign C [--formats F,F...] [--template T] -o DIR

Draws the published offer OFFER (PROMOTION~PRODUCT) of store S in FORMAT (square,
portrait, story, landscape, medium_rectangle, leaderboard, skyscraper, half_page,
mobile_banner, billboard) with template T (classic, bold, minimal or one stored with
PUT /api/v1/templates), else the template its campaign's theme names for FORMAT, else
classic, in the theme's brand kit, within the format's byte limit. FILE ending in .jpg gives a JPEG;
a PNG over the limit is written as the best JPEG that fits (the extension follows). The
default FILE is OFFER_FORMAT.png. A missing packshot draws a placeholder and a warning.

With --campaign, every published offer of campaign C in every format (or --formats) goes
to DIR as OFFER@STORE_FORMAT.png, on --jobs threads, with a progress bar on a terminal.
Templates are read from DB.templates, packshots from --images as for `vitrine serve`.

Options:
  --db URL          the database (default sqlite:vitrine.db)
  --store S         the store of OFFER
  --template T      the template (default the campaign's theme, else classic)
  -o, --out PATH    the file, or with --campaign the folder
  --campaign C      render a whole campaign
  --formats LIST    comma-separated formats for --campaign (default all ten)
  --jobs N          threads for --campaign (default: the number of cores)
  --images DIR      packshot folder (default vitrine-data/demo beside the database)
  --image-cache-dir DIR  products' image_url pictures (default DB.images)
  --templates-dir DIR  stored templates (default DB.templates)

Exit codes: 0 done, 1 some creatives of the campaign failed (the others were written),
2 usage, 3 the offer is unknown or its creative cannot be made, 4 database error.
)",
       {{"db", "store", "template", "out", "campaign", "formats", "jobs", "images", "templates-dir",
         "creative-cache-dir", "creative-cache-mb", "image-cache-dir"},
        {}},
       RunRender},
      {"images",
       "fetch the products' pictures into the image cache the creatives draw from",
       R"(Usage: vitrine images fetch [--db URL] [--force] [--workers N] [--json]

Fetches the image_url of every product into the image cache (DB.images, or
--image-cache-dir), where `vitrine serve` and `vitrine render` read the packshots of
products that have no drawn one. Only http and https, and never an address of the hub's own
network: a URL whose host is loopback, private, link-local (the cloud metadata address too)
or otherwise internal is refused before any connection, on every redirect as well. Sizes
(10 MiB), times and redirects are capped; only PNG, JPEG and WebP are kept. A cached image
is revalidated with its ETag or Last-Modified once a day; a failed URL is tried again after
an hour; --force asks every server now. Failures are listed with their reason, and a
product whose image could not be had is drawn without it, with that reason as warning.

Options:
  --db URL               the database (default sqlite:vitrine.db)
  --image-cache-dir DIR  the cache (default DB.images)
  --workers N            images fetched at once (default 8)
  --force                revalidate every image whatever its age
  --json                 the report as JSON

Exit codes: 0 every image is cached, 1 some could not be had (listed), 2 usage,
4 database or cache folder error.
)",
       {{"db", "image-cache-dir", "workers"}, {"force", "json"}},
       RunImages},
      {"destinations",
       "look at webhook and push destinations, their delivery log; replay, remove",
       R"(Usage: vitrine destinations list [--db sqlite:PATH]
       vitrine destinations deliveries ID [--state S] [--limit N]
       vitrine destinations replay ID DELIVERY
       vitrine destinations remove ID

Destinations are created with POST /api/v1/destinations (its answer shows a webhook's
secret, once). deliveries lists the newest first with their state and last error (S is
pending, inflight, delivered, failed or cancelled); replay makes one due again with its
message id, for the running server to send; remove deletes a destination and cancels what
it still had queued.
)",
       {{"db", "state", "limit"}, {}},
       RunDestinations},
      {"sources",
       "list sources, their runs, or run one now",
       R"(Usage: vitrine sources list [--db sqlite:PATH]
       vitrine sources runs ID [--limit N]
       vitrine sources run ID [--secrets-key FILE]

Sources are created with POST /api/v1/sources. run fetches the source now (conditionally:
an unchanged file is not imported again), imports it like `vitrine import`, keeps the run
with its report, and publishes what changed, unless a running server does.
)",
       {{"db", "limit", "secrets-key"}, {}},
       RunSources},
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

std::unique_ptr<Database> OpenDatabaseOrReport(const CommandLine& command_line, bool migrate) {
  DatabaseOptions options;
  options.migrate = migrate;
  auto db = OpenDatabase(command_line.ValueOr("db", "sqlite:vitrine.db"), options);
  if (!db.ok()) {
    std::fprintf(stderr, "vitrine: %s\n", db.status().message().c_str());
    return nullptr;
  }
  return std::move(db).value();
}

int RunMigrate(const CommandLine& command_line) {
  if (!command_line.positional().empty()) {
    std::fprintf(stderr, "vitrine migrate: takes no arguments\n");
    return kExitUsage;
  }
  const std::string url = command_line.ValueOr("db", "sqlite:vitrine.db");
  if (auto parsed = ParseDatabaseUrl(url); !parsed.ok()) {
    std::fprintf(stderr, "vitrine migrate: %s\n", parsed.status().message().c_str());
    return kExitUsage;
  }
  auto applied = MigrateDatabase(url);
  if (!applied.ok()) {
    std::fprintf(stderr, "vitrine migrate: %s\n", applied.status().message().c_str());
    return kExitStore;
  }
  const bool postgres = ParseDatabaseUrl(url)->scheme == DatabaseUrl::Scheme::kPostgres;
  std::printf("%s: %d migration%s applied, schema at version %d\n", DisplayDatabaseUrl(url).c_str(),
              *applied, *applied == 1 ? "" : "s",
              postgres ? PostgresSchemaVersion() : LatestSchemaVersion());
  return kExitOk;
}

int RunCopy(const CommandLine& command_line) {
  const std::string from = command_line.ValueOr("db", "sqlite:vitrine.db");
  const std::string to = command_line.ValueOr("to", "");
  auto source = ParseDatabaseUrl(from);
  auto target = ParseDatabaseUrl(to);
  if (!command_line.positional().empty() || !source.ok() ||
      source->scheme != DatabaseUrl::Scheme::kSqlite || !target.ok() ||
      target->scheme != DatabaseUrl::Scheme::kPostgres) {
    std::fprintf(stderr,
                 "vitrine copy: copies a SQLite database (--db sqlite:PATH) into PostgreSQL "
                 "(--to postgresql://...)\n");
    return kExitUsage;
  }
  const auto started = std::chrono::steady_clock::now();
  auto copied = CopySqliteToPostgres(source->path, to);
  if (!copied.ok()) {
    std::fprintf(stderr, "vitrine copy: %s\n", copied.status().message().c_str());
    return kExitStore;
  }
  int64_t total = 0;
  for (const auto& [table, rows] : *copied) {
    if (rows > 0) std::printf("  %-30s %10lld rows\n", table.c_str(), static_cast<long long>(rows));
    total += rows;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  std::printf("%s copied into %s: %lld rows in %lld ms\n", source->path.c_str(),
              DisplayDatabaseUrl(to).c_str(), static_cast<long long>(total),
              static_cast<long long>(ms));
  return kExitOk;
}

}  // namespace vitrine
