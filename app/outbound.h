// Outbound: what `vitrine serve` runs to deliver to destinations and pull sources, wired to
// the adapters (the guarded HTTP sender and fetcher, SFTP, Standard Webhooks signatures,
// sealed credentials).
//
//   - webhooks: the delivery's payload POSTed with webhook-id (its message id),
//     webhook-timestamp (this attempt's) and webhook-signature, signed with the
//     destination's secret; 15 s per attempt; no redirect followed.
//   - http_push: the feed's current snapshot PUT or POSTed, streamed from its file, with
//     basic auth when the destination has a user; a 400, 401, 403, 404 or 413 is permanent.
//   - sftp_push: the snapshot uploaded under a temporary name and renamed over the file,
//     the server authenticated by its pinned host key.
//   - sources: GET with the stored validators (http, https), or a stat then a download when
//     (mtime, size) changed (sftp), capped at `max_source_bytes`.
// Credentials are unsealed for the attempt only; a private key is written to a file of mode
// 0600 in the work folder for the connection and removed after.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "adapters/secret_box.h"
#include "app/delivery_planner.h"
#include "app/delivery_worker.h"
#include "app/source_runner.h"
#include "feeds/snapshots.h"
#include "server/api.h"
#include "store/database.h"

namespace vitrine {

struct OutboundConfig {
  // The key that seals stored credentials; created (mode 0600) when missing. Keep it with
  // the database's backups: without it, stored secrets cannot be read.
  std::filesystem::path key_file;
  // Source downloads and connection key files; created when missing.
  std::filesystem::path work_dir;
  std::string hub_url = "http://localhost:8080";
  // Lets loopback (only loopback) through the address guard: tests and benchmarks, whose
  // receivers listen on 127.0.0.1. Read from VITRINE_FETCH_ALLOW_LOOPBACK=1 by serve.
  bool allow_loopback = false;
  int workers = 16;
  std::chrono::milliseconds poll{200};
  std::chrono::seconds lease{360};  // DeliveryWorkerOptions::lease
  int64_t max_source_bytes = int64_t{2} << 30;
  const Clock* clock = nullptr;    // nullptr: the system clock
  FeedSnapshots* feeds = nullptr;  // pushes and feed events need it
  std::function<void(const std::string&)> log;
  std::function<void()> imported;  // a source landed rows
};

// Checks a URL a destination or a source is given: http, https or sftp; no credentials in it;
// a host; not a literal address of the hub's own network (names are judged again at every
// connection, since DNS answers change). InvalidArgument saying why.
Status CheckOutboundUrl(std::string_view url, bool allow_loopback);

// The transport of deliveries and the fetch of sources over the adapters.
DeliveryTransport MakeDeliveryTransport(const SecretBox& secrets, const OutboundConfig& config);
SourceFetch MakeSourceFetch(const SecretBox& secrets, const OutboundConfig& config);

class Outbound {
 public:
  // InvalidArgument or IoError when the key file cannot be read or created.
  static Result<std::unique_ptr<Outbound>> Open(Database& db, OutboundConfig config);
  ~Outbound();

  // Sets ApiServices' outbound repository and hooks.
  void Wire(ApiServices& services);
  void Start();
  void Stop();
  // Something worth delivering happened (offers changed, a feed was regenerated).
  void Wake() { worker_->Wake(); }

  DeliveryWorker& worker() { return *worker_; }
  SourceRunner& sources() { return *sources_; }

 private:
  Outbound(Database& db, OutboundConfig config, SecretBox secrets);

  Database& db_;
  const OutboundConfig config_;
  const SecretBox secrets_;
  std::unique_ptr<DeliveryPlanner> planner_;
  std::unique_ptr<DeliveryWorker> worker_;
  std::unique_ptr<SourceRunner> sources_;
};

}  // namespace vitrine
