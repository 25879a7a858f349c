// `vitrine serve`: the HTTP API over the database.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "app/change_follower.h"
#include "app/outbound.h"
#include "app/product_images.h"
#include "commands.h"
#include "feeds/snapshots.h"
#include "log_writer.h"
#include "offers/workflow.h"
#include "render_command.h"
#include "server/account_authenticator.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/rate_limiter.h"
#include "server/web.h"
#include "store/postgres_database.h"

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

  auto db = OpenDatabaseOrReport(command_line);
  if (!db) return kExitStore;
  const Clock& clock = SystemClock::Instance();

  // Published offers follow the change log, whoever writes (docs/architecture.md, Threads).
  ChangeFollowerOptions follower_options;
  follower_options.assembly.clock = &clock;
  follower_options.log = options.log_sink;
  auto follower = std::make_unique<ChangeFollower>(db->catalog(), db->campaigns(), db->offers(),
                                                   db->changes(), follower_options);

  // Feeds are files (ARCHITECTURE.md §5): snapshots beside the database, made stale when
  // the offers change and regenerated in the background once changes pause.
  FeedSnapshotOptions feed_options;
  feed_options.dir = command_line.ValueOr("feeds-dir", db->local_base() + "-feeds");
  feed_options.settings.hub_url = command_line.ValueOr(
      "public-url", "http://localhost:" + std::to_string(options.port == 0 ? 8080 : options.port));
  // Their content instant comes from the database and the campaigns' boundaries, so every
  // node writes the same bytes.
  feed_options.last_boundary = [f = follower.get()](Instant now) { return f->LastBoundary(now); };
  auto feeds = std::make_unique<FeedSnapshots>(
      FeedSources{&db->catalog(), &db->campaigns(), &db->offers()}, feed_options);
  follower->ObserveOffers([f = feeds.get()] { f->MarkStale(); });
  follower->ObserveEntries([f = feeds.get()](const std::vector<ChangeEntry>& entries) {
    for (const ChangeEntry& e : entries) {
      // Titles, images and store addresses are in the feeds though not in the offers.
      if (e.kind != ChangeKind::kStock) return f->MarkStale();
    }
  });
  // Deliveries to destinations and pulls of sources (docs/architecture.md, Threads): one
  // planner and pool of senders per process; the outbound lease makes one process plan.
  OutboundConfig outbound_config;
  outbound_config.key_file = command_line.ValueOr("secrets-key", db->local_base() + ".key");
  outbound_config.work_dir = db->local_base() + "-outbound";
  outbound_config.hub_url = feed_options.settings.hub_url;
  outbound_config.allow_loopback = ProductImageFetchOptions().allow_loopback;
  auto delivery_workers = command_line.IntOr("delivery-workers", 16, 1, 256);
  if (!delivery_workers.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", delivery_workers.status().message().c_str());
    return kExitUsage;
  }
  outbound_config.workers = static_cast<int>(*delivery_workers);
  auto lease = command_line.IntOr("delivery-lease-seconds", 360, 1, 86400);
  if (!lease.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", lease.status().message().c_str());
    return kExitUsage;
  }
  outbound_config.lease = std::chrono::seconds(*lease);
  outbound_config.feeds = feeds.get();
  outbound_config.log = options.log_sink;
  outbound_config.imported = [f = follower.get()] { f->Nudge(); };
  auto outbound = Outbound::Open(*db, outbound_config);
  if (!outbound.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", outbound.status().message().c_str());
    return kExitStore;
  }
  follower->ObserveOffers([o = outbound->get()] { o->Wake(); });

  // Explain recomputes from the repositories with an assembler of its own, so it never waits
  // behind a running assembly.
  AssemblyOptions explain_options;
  explain_options.clock = &clock;
  explain_options.threads = 1;
  Assembler explainer(db->catalog(), db->campaigns(), db->offers(), explain_options);
  std::mutex explainer_mu;

  // Creatives: packshots from the demo's folder (or --images), the templates and the
  // content-addressed cache beside the database. Before the server: its routes use them.
  auto creatives = OpenCreativeSetup(command_line, db->local_base());
  if (!creatives.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", creatives.status().message().c_str());
    return kExitStore;
  }
  // Pictures of products written while serving are fetched as they come.
  ProductImageRefresher image_refresher(db->catalog(), *creatives->image_cache);
  follower->ObserveEntries([r = &image_refresher](const std::vector<ChangeEntry>& entries) {
    for (const ChangeEntry& e : entries) {
      if (e.kind == ChangeKind::kProducts) r->Refresh(e.keys);
    }
  });
  CampaignWorkflow workflow(db->catalog(), db->campaigns(), db->offers(), db->audit(),
                            db->changes(), clock, ComplianceRules{});
  HttpServer server;
  ApiServices services;
  services.catalog = &db->catalog();
  services.accounts = &db->accounts();
  services.audit = &db->audit();
  services.clock = &clock;
  services.campaigns = &db->campaigns();
  services.offers = &db->offers();
  services.changes = &db->changes();
  services.workflow = &workflow;
  services.changes_written = [f = follower.get()] { f->Nudge(); };
  services.await_offers = [f = follower.get(), log = &db->changes()]() -> Status {
    auto last = log->LastChangeId();
    if (!last.ok()) return last.status();
    return f->WaitApplied(*last, std::chrono::seconds(30));
  };
  services.observe_changes = [f = follower.get()](ChangeFollower::EntriesObserver observer) {
    f->ObserveEntries(std::move(observer));
  };
  services.feeds = feeds.get();
  // Pulls are written once a second, not one write per download (BufferedFeedPullLog).
  auto feed_pulls =
      std::make_unique<BufferedFeedPullLog>(&db->feed_pulls(), std::chrono::seconds(1));
  services.feed_pulls = feed_pulls.get();
  services.creatives = creatives->studio.get();
  services.default_template = command_line.ValueOr("template", "classic");
  services.explain_offer = [&explainer, &explainer_mu](const std::string& offer_id,
                                                       const std::string& store_id) {
    std::lock_guard lock(explainer_mu);
    return explainer.Explain(offer_id, store_id);
  };
  // A preview computes with an assembler of its own per call (an Assembler holds no state
  // between calls), so previews run side by side and never wait behind one another.
  services.preview_campaign = [d = db.get(), explain_options](
                                  const CampaignRevision& proposal, const std::string& store_id,
                                  std::span<const std::string> product_ids) {
    Assembler previewer(d->catalog(), d->campaigns(), d->offers(), explain_options);
    return previewer.Preview(proposal, store_id, product_ids);
  };
  auto authenticator = std::make_shared<AccountAuthenticator>(db->accounts(), clock);
  (*outbound)->Wire(services);
  services.credentials_changed = [authenticator] { authenticator->ForgetCachedCredentials(); };
  if (Status st = AddApiRoutes(server, services); !st.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", st.message().c_str());
    return kExitInternal;
  }
  // The UI built beside this binary: BUILD/app/vitrine serves BUILD/web.
  std::error_code exe_error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", exe_error);
  const std::string web_dir = command_line.ValueOr(
      "web", exe_error ? "web" : (exe.parent_path().parent_path() / "web").string());
  if (Status st = AddWebRoutes(server, {web_dir}); !st.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", st.message().c_str());
    return kExitInternal;
  }
  server.SetAuthenticator(authenticator);
  if (!limits->empty()) {
    server.SetRateLimiter(std::make_shared<TokenBucketRateLimiter>(*limits, clock));
  }
  // Ready once the changes committed before the start are applied (by this process or by
  // the one holding the assembly lease), and the database answers.
  server.SetReadinessCheck([d = db.get(), f = follower.get()]() -> Status {
    if (!f->Ready()) return Status::Unavailable("catching up with the change log");
    auto zones = d->catalog().ListPriceZones();
    return zones.ok()
               ? Status::Ok()
               : Status::Unavailable("the database cannot be read: " + zones.status().message());
  });
  // On PostgreSQL, another node's commit wakes the follower at once (LISTEN/NOTIFY); the
  // poll above stays the fallback for notifications lost while the connection was down.
  std::unique_ptr<ChangeListener> listener;
  const std::string db_url = command_line.ValueOr("db", "sqlite:vitrine.db");
  if (auto parsed = ParseDatabaseUrl(db_url);
      parsed.ok() && parsed->scheme == DatabaseUrl::Scheme::kPostgres) {
    listener = std::make_unique<ChangeListener>(
        parsed->path, [f = follower.get()] { f->Nudge(); },
        [sink = options.log_sink](const std::string& message) {
          sink(nlohmann::json{{"event", "database"}, {"message", message}}.dump());
        });
  }
  follower->Start();
  feeds->Start();
  (*outbound)->Start();
  if (Status st = server.Start(options); !st.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", st.message().c_str());
    return st.code() == StatusCode::kUnavailable ? kExitBadInput : kExitInternal;
  }
  const std::string host = options.address == "0.0.0.0" ? "localhost" : options.address;
  std::printf("Vitrine is serving http://%s:%d (database %s, %d threads). Ctrl-C stops it.\n",
              host.c_str(), server.port(), db->url().c_str(), options.threads);
  std::printf("  API description: http://%s:%d/api/v1/openapi.json\n", host.c_str(), server.port());
  std::fflush(stdout);

  int signal_number = 0;
  if (Status st = WaitForShutdownSignal(&signal_number); !st.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", st.message().c_str());
  }
  std::fprintf(stderr, "vitrine serve: signal %d, draining requests in flight\n", signal_number);
  server.Stop();
  listener.reset();
  outbound->reset();  // attempts under way finish; claimed ones wait for their lease
  feeds->Stop();      // its thread asks the follower for campaign boundaries
  follower.reset();   // finishes the batch in progress while the database is still open
  feeds.reset();      // stops regenerating before the database closes
  db.reset();         // checkpoints the WAL and closes the database
  std::fprintf(stderr, "vitrine serve: stopped cleanly\n");
  return kExitOk;
}

}  // namespace vitrine
