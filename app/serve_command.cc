// `vitrine serve`: the HTTP API over the SQLite catalogue.
#include <cstdio>
#include <iostream>
#include <mutex>

#include <unistd.h>

#include "assembly_worker.h"
#include "commands.h"
#include "feeds/snapshots.h"
#include "log_writer.h"
#include "offers/campaign_checks.h"
#include "render_command.h"
#include "server/account_authenticator.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/rate_limiter.h"

namespace vitrine {
namespace {

// "platform=20:40,admin=100" → limits per role; "off" → none.
Result<std::map<Role, TokenBucketRateLimiter::Limit>> ParseRateLimits(const std::string& spec) {
  std::map<Role, TokenBucketRateLimiter::Limit> limits;
  if (spec == "off") return limits;
  size_t start = 0;
  while (start < spec.size()) {
    const size_t comma = spec.find(',', start);
    const std::string item = spec.substr(start, comma - start);
    const size_t eq = item.find('=');
    auto role = ParseRole(item.substr(0, eq));
    if (eq == std::string::npos || !role.ok() || *role == Role::kPublic) {
      return Status::InvalidArgument("--rate-limit: \"" + item +
                                     "\" is not ROLE=PER_SECOND[:BURST]");
    }
    TokenBucketRateLimiter::Limit limit;
    try {
      const std::string rate = item.substr(eq + 1);
      const size_t colon = rate.find(':');
      limit.per_second = std::stod(rate.substr(0, colon));
      limit.burst =
          colon == std::string::npos ? 2 * limit.per_second : std::stod(rate.substr(colon + 1));
    } catch (const std::exception&) {
      return Status::InvalidArgument("--rate-limit: \"" + item + "\" has no number");
    }
    if (limit.per_second <= 0 || limit.burst < 1) {
      return Status::InvalidArgument("--rate-limit: rates must be > 0 and bursts >= 1");
    }
    limits[*role] = limit;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return limits;
}

}  // namespace

int RunServe(const CommandLine& command_line) {
  EnsureOpenCvPixelLimit();  // may re-exec: first, before any thread or file is opened
  // Before any thread exists, so every thread inherits the mask and the signal reaches
  // WaitForShutdownSignal below rather than killing a worker.
  if (Status st = BlockShutdownSignals(); !st.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", st.message().c_str());
    return kExitInternal;
  }
  ServerOptions options;
  options.address = command_line.ValueOr("address", "0.0.0.0");
  auto port = command_line.IntOr("port", 8080, 0, 65535);
  auto threads = command_line.IntOr("threads", options.threads, 1, 256);
  auto body_mb = command_line.IntOr("max-body-mb", 16, 1, 1024);
  auto limits = ParseRateLimits(command_line.ValueOr(
      "rate-limit", "platform=20:40,viewer=50:100,editor=50:100,approver=50:100,admin=100:200"));
  for (const Status* s : {&port.status(), &threads.status(), &body_mb.status(), &limits.status()}) {
    if (!s->ok()) {
      std::fprintf(stderr, "vitrine serve: %s\n", s->message().c_str());
      return kExitUsage;
    }
  }
  options.port = static_cast<uint16_t>(*port);
  options.threads = static_cast<int>(*threads);
  options.max_body_bytes = static_cast<size_t>(*body_mb) << 20;
  // Declared before everything that logs, so it is destroyed (and flushed) after them.
  auto log = std::make_shared<LogWriter>(STDERR_FILENO);
  options.log_sink = [log](std::string_view line) { log->Write(line); };

  auto db = OpenCatalogOrReport(command_line);
  if (!db) return kExitStore;
  const Clock& clock = SystemClock::Instance();

  // Published offers follow campaigns and the catalogue: the assembler runs on a worker
  // thread after catalogue writes, and inline after campaign transitions.
  AssemblyOptions assembly_options;
  assembly_options.clock = &clock;
  Assembler assembler(*db, *db, *db, assembly_options);
  // Feeds are files (ARCHITECTURE.md §5): snapshots beside the database, made stale by every
  // re-assembly and regenerated in the background once changes pause.
  FeedSnapshotOptions feed_options;
  feed_options.dir = command_line.ValueOr("feeds-dir", db->path() + "-feeds");
  feed_options.settings.hub_url = command_line.ValueOr(
      "public-url", "http://localhost:" + std::to_string(options.port == 0 ? 8080 : options.port));
  auto feeds =
      std::make_unique<FeedSnapshots>(FeedSources{db.get(), db.get(), db.get()}, feed_options);
  auto worker = std::make_unique<AssemblyWorker>(
      assembler, [sink = options.log_sink, f = feeds.get()](const std::string& line) {
        sink(line);
        f->MarkStale();  // one line per background run: offers may have changed
      });

  // Creatives: packshots from the demo's folder (or --images), the templates and the
  // content-addressed cache beside the database. Before the server: its routes use them.
  auto creatives = OpenCreativeSetup(command_line, db->path());
  if (!creatives.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", creatives.status().message().c_str());
    return kExitStore;
  }
  HttpServer server;
  ApiServices services;
  services.catalog = db.get();
  services.accounts = db.get();
  services.audit = db.get();
  services.clock = &clock;
  services.campaigns = db.get();
  services.offers = db.get();
  services.assemble_campaign = [w = worker.get(), f = feeds.get()](const std::string& id) {
    Status st = w->Run([&id](Assembler& a) { return a.AssembleCampaign(id).status(); });
    f->MarkStale();
    return st;
  };
  services.catalog_changed = [w = worker.get(),
                              f = feeds.get()](const std::vector<std::string>& products) {
    w->ProductsChanged(products);
    f->MarkStale();  // titles and images are in the feeds though not in the offers
  };
  services.feeds = feeds.get();
  services.creatives = creatives->studio.get();
  services.default_template = command_line.ValueOr("template", "classic");
  services.stock_changed = [w = worker.get()](const std::vector<StockLevel>& levels) {
    w->StockChanged(levels);
  };
  services.explain_offer = [w = worker.get()](
                               const std::string& offer_id,
                               const std::string& store_id) -> Result<nlohmann::json> {
    Result<nlohmann::json> explanation = Status::Internal("not explained");
    (void)w->Run([&](Assembler& a) {
      explanation = a.Explain(offer_id, store_id);
      return Status::Ok();
    });
    return explanation;
  };
  SqliteCatalog* backend = db.get();
  services.check_campaign = [backend, &clock](const Campaign& campaign) -> Result<nlohmann::json> {
    auto checks = CheckCampaign(*backend, *backend, campaign, ComplianceRules{}, clock.Now());
    if (!checks.ok()) return checks.status();
    return checks->ToJson();
  };
  auto authenticator = std::make_shared<AccountAuthenticator>(*db, clock);
  services.credentials_changed = [authenticator] { authenticator->ForgetCachedCredentials(); };
  if (Status st = AddApiRoutes(server, services); !st.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", st.message().c_str());
    return kExitInternal;
  }
  server.SetAuthenticator(authenticator);
  if (!limits->empty()) {
    server.SetRateLimiter(std::make_shared<TokenBucketRateLimiter>(*limits, clock));
  }
  SqliteCatalog* catalog = db.get();
  server.SetReadinessCheck([catalog]() -> Status {
    auto zones = catalog->ListPriceZones();
    return zones.ok() ? Status::Ok() : Status::Unavailable("the database cannot be read");
  });
  feeds->Start();
  if (Status st = server.Start(options); !st.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", st.message().c_str());
    return st.code() == StatusCode::kUnavailable ? kExitBadInput : kExitInternal;
  }
  const std::string host = options.address == "0.0.0.0" ? "localhost" : options.address;
  std::printf("Vitrine is serving http://%s:%d (database %s, %d threads). Ctrl-C stops it.\n",
              host.c_str(), server.port(), catalog->path().c_str(), options.threads);
  std::printf("  API description: http://%s:%d/api/v1/openapi.json\n", host.c_str(), server.port());
  std::fflush(stdout);

  int signal_number = 0;
  if (Status st = WaitForShutdownSignal(&signal_number); !st.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", st.message().c_str());
  }
  std::fprintf(stderr, "vitrine serve: signal %d, draining requests in flight\n", signal_number);
  server.Stop();
  worker.reset();  // finishes the queued re-assembly while the database is still open
  feeds.reset();   // stops regenerating before the database closes
  db.reset();      // checkpoints the WAL and closes the database
  std::fprintf(stderr, "vitrine serve: stopped cleanly\n");
  return kExitOk;
}

}  // namespace vitrine
