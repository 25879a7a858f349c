// `vitrine serve`: the HTTP API over the SQLite catalogue.
#include <cstdio>
#include <iostream>
#include <mutex>

#include "commands.h"
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
  auto log_mutex = std::make_shared<std::mutex>();
  options.log_sink = [log_mutex](std::string_view line) {
    std::lock_guard<std::mutex> lock(*log_mutex);
    std::cerr << line << '\n';
  };

  auto db = OpenCatalogOrReport(command_line);
  if (!db) return kExitStore;
  const Clock& clock = SystemClock::Instance();

  HttpServer server;
  ApiServices services;
  services.catalog = db.get();
  services.accounts = db.get();
  services.audit = db.get();
  services.clock = &clock;
  if (Status st = AddApiRoutes(server, services); !st.ok()) {
    std::fprintf(stderr, "vitrine serve: %s\n", st.message().c_str());
    return kExitInternal;
  }
  server.SetAuthenticator(std::make_shared<AccountAuthenticator>(*db, clock));
  if (!limits->empty()) {
    server.SetRateLimiter(std::make_shared<TokenBucketRateLimiter>(*limits, clock));
  }
  SqliteCatalog* catalog = db.get();
  server.SetReadinessCheck([catalog]() -> Status {
    auto zones = catalog->ListPriceZones();
    return zones.ok() ? Status::Ok() : Status::Unavailable("the database cannot be read");
  });
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
  db.reset();  // checkpoints the WAL and closes the database
  std::fprintf(stderr, "vitrine serve: stopped cleanly\n");
  return kExitOk;
}

}  // namespace vitrine
