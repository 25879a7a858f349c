// `vitrine destinations` and `vitrine sources`: what an operator looks at and acts on from a
// shell (the delivery log, a replay, a source run now). Creating them, with their secrets, is
// the API's: its answer is the one place a webhook secret is shown.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "app/outbound.h"
#include "app/product_images.h"
#include "commands.h"

namespace vitrine {
namespace {

int Fail(const char* verb, const Status& status) {
  std::fprintf(stderr, "vitrine %s: %s\n", verb, status.message().c_str());
  return status.code() == StatusCode::kNotFound || status.code() == StatusCode::kInvalidArgument
             ? kExitBadInput
             : kExitStore;
}

Status AuditCli(Database& db, std::string action, std::string entity, std::string id) {
  AuditEntry entry;
  entry.at = SystemClock::Instance().Now();
  entry.actor = "cli";
  entry.action = std::move(action);
  entry.entity = std::move(entity);
  entry.entity_id = std::move(id);
  return db.audit().Append(entry).status();
}

bool ArgsAre(const CommandLine& command_line, const char* verb, size_t n) {
  if (command_line.positional().size() == n) return true;
  std::fprintf(stderr, "vitrine %s %s: wrong number of arguments (see --help)\n", verb,
               command_line.positional().empty() ? "" : command_line.positional()[0].c_str());
  return false;
}

}  // namespace

int RunDestinations(const CommandLine& command_line) {
  const auto& args = command_line.positional();
  const std::string action = args.empty() ? "" : args[0];
  const size_t want = action == "list" ? 1 : action == "replay" ? 3 : 2;
  if (action != "list" && action != "deliveries" && action != "replay" && action != "remove") {
    std::fprintf(
        stderr, "vitrine destinations: expected list, deliveries, replay or remove (see --help)\n");
    return kExitUsage;
  }
  if (!ArgsAre(command_line, "destinations", want)) return kExitUsage;
  auto db = OpenDatabaseOrReport(command_line);
  if (!db) return kExitStore;
  OutboundRepository& outbound = db->outbound();
  const Instant now = SystemClock::Instance().Now();

  if (action == "list") {
    auto list = outbound.ListDestinations();
    if (!list.ok()) return Fail("destinations", list.status());
    for (const Destination& d : *list) {
      std::printf("%s  %-9s  %-8s  %s%s\n", d.id.c_str(),
                  std::string(DestinationKindName(d.kind)).c_str(),
                  d.enabled ? "enabled" : "DISABLED", d.url.c_str(),
                  d.enabled ? "" : ("  (" + d.disabled_reason + ")").c_str());
    }
    return kExitOk;
  }
  if (action == "deliveries") {
    DeliveryQuery query;
    query.destination_id = args[1];
    if (auto state = command_line.Value("state")) {
      query.state = ParseDeliveryState(*state);
      if (!query.state) {
        std::fprintf(stderr,
                     "vitrine destinations: --state must be pending, inflight, "
                     "delivered, failed or cancelled\n");
        return kExitUsage;
      }
    }
    auto limit = command_line.IntOr("limit", 20, 1, 1000);
    if (!limit.ok()) return Fail("destinations", limit.status());
    query.limit = static_cast<int>(*limit);
    auto list = outbound.ListDeliveries(query);
    if (!list.ok()) return Fail("destinations", list.status());
    for (const Delivery& d : *list) {
      std::printf("%lld  %s  %-22s %-9s  %d attempt(s)", static_cast<long long>(d.id),
                  d.message_id.c_str(), d.event_type.c_str(),
                  std::string(DeliveryStateName(d.state)).c_str(), d.attempts);
      if (d.state == DeliveryState::kPending)
        std::printf("  next %s", FormatUtc(d.next_at).c_str());
      if (!d.last_error.empty()) std::printf("  last: %s", d.last_error.c_str());
      std::printf("\n");
    }
    return kExitOk;
  }
  if (action == "replay") {
    int64_t id = 0;
    try {
      id = std::stoll(args[2]);
    } catch (const std::exception&) {
      std::fprintf(stderr, "vitrine destinations replay: DELIVERY must be a number\n");
      return kExitUsage;
    }
    auto delivery = outbound.GetDelivery(id);
    if (!delivery.ok()) return Fail("destinations", delivery.status());
    if (!*delivery || (*delivery)->destination_id != args[1]) {
      return Fail("destinations", Status::NotFound("no delivery " + args[2] + " of " + args[1]));
    }
    auto replayed = outbound.ReplayDelivery(id, now);
    if (!replayed.ok()) return Fail("destinations", replayed.status());
    if (Status st = AuditCli(*db, "replay", "delivery", args[2]); !st.ok()) {
      return Fail("destinations", st);
    }
    std::printf("delivery %s (%s) is due again; the running server sends it\n", args[2].c_str(),
                replayed->message_id.c_str());
    return kExitOk;
  }
  auto removed = outbound.DeleteDestination(args[1]);
  if (!removed.ok()) return Fail("destinations", removed.status());
  if (!*removed) return Fail("destinations", Status::NotFound("no destination " + args[1]));
  if (Status st = AuditCli(*db, "delete", "destination", args[1]); !st.ok()) {
    return Fail("destinations", st);
  }
  std::printf("removed %s; what it still had queued is cancelled\n", args[1].c_str());
  return kExitOk;
}

int RunSources(const CommandLine& command_line) {
  const auto& args = command_line.positional();
  const std::string action = args.empty() ? "" : args[0];
  if (action != "list" && action != "run" && action != "runs") {
    std::fprintf(stderr, "vitrine sources: expected list, run or runs (see --help)\n");
    return kExitUsage;
  }
  if (!ArgsAre(command_line, "sources", action == "list" ? 1 : 2)) return kExitUsage;
  auto db = OpenDatabaseOrReport(command_line);
  if (!db) return kExitStore;
  OutboundRepository& outbound = db->outbound();

  if (action == "list") {
    auto list = outbound.ListSources();
    if (!list.ok()) return Fail("sources", list.status());
    for (const Source& s : *list) {
      std::printf("%s  %-8s %-6s  every %llds  %s%s\n", s.id.c_str(), s.kind.c_str(),
                  s.format.c_str(), static_cast<long long>(s.interval_seconds), s.url.c_str(),
                  s.enabled ? "" : "  (disabled)");
    }
    return kExitOk;
  }
  auto print_run = [](const SourceRun& r) {
    std::printf("%lld  %s  %-8s %-12s %lld bytes%s%s\n", static_cast<long long>(r.id),
                FormatUtc(r.started_at).c_str(), r.trigger.c_str(), r.outcome.c_str(),
                static_cast<long long>(r.bytes), r.error.empty() ? "" : "  ", r.error.c_str());
  };
  if (action == "runs") {
    auto limit = command_line.IntOr("limit", 20, 1, 1000);
    if (!limit.ok()) return Fail("sources", limit.status());
    auto runs = outbound.ListSourceRuns(args[1], 0, static_cast<int>(*limit));
    if (!runs.ok()) return Fail("sources", runs.status());
    for (const SourceRun& r : *runs) print_run(r);
    return kExitOk;
  }
  OutboundConfig config;
  config.key_file = command_line.ValueOr("secrets-key", db->local_base() + ".key");
  config.work_dir = db->local_base() + "-outbound";
  config.allow_loopback = ProductImageFetchOptions().allow_loopback;
  auto setup = Outbound::Open(*db, config);
  if (!setup.ok()) return Fail("sources", setup.status());
  auto run = (*setup)->sources().Run(args[1], "manual");
  if (!run.ok()) return Fail("sources", run.status());
  print_run(*run);
  if (!run->report.empty()) {
    std::printf("%s\n", nlohmann::json::parse(run->report).dump(2).c_str());
  }
  if (run->outcome == "imported") {
    const int published =
        PublishPendingChanges(*db, SystemClock::Instance(), "vitrine sources run", stdout);
    if (published != kExitOk) return published;
  }
  return run->outcome == "imported" || run->outcome == "not_modified" ? kExitOk : kExitBadInput;
}

}  // namespace vitrine
