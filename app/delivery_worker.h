// DeliveryWorker: the thread of `vitrine serve` that empties the outbox.
//
// Every `poll` (or at once after Wake()) the process that holds the "outbound" lease runs the
// DeliveryPlanner; then any process claims the deliveries due (one per destination at a time,
// oldest first, under a lease on each) up to the number of idle workers and hands each to a
// pool of `workers` threads, so a receiver that hangs holds one worker until its transport's
// timeout while the others go on. Each attempt is recorded with its outcome:
//   - success: delivered; the destination's failing streak ends;
//   - failure: retried after the next step of `retry_schedule` (the Standard Webhooks one by
//     default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, ten attempts over about
//     three days), each step shortened at random by up to `jitter` so that receivers coming
//     back are not hit by every sender at once, or later when the receiver's Retry-After
//     asks (capped at 24 h); failed for good when the steps run out or the failure is
//     permanent;
//   - a destination failing without a success for its `disable_after_seconds`, or answered
//     410 Gone, is disabled with the reason; its deliveries wait for it to be re-enabled.
// A process that dies mid-attempt leaves the delivery in flight until its lease expires; it
// is then claimed again and sent with the same message id (at least once).
//
// Thread-safe. The database must outlive it; the destructor stops and joins the threads
// (attempts under way finish first).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "app/delivery_planner.h"
#include "catalog/outbound.h"
#include "common/time.h"
#include "store/database.h"

namespace vitrine {

// What one attempt came to.
struct TransportResult {
  int http_status = 0;  // 0 when nothing answered, or not HTTP (an SFTP upload)
  // Empty on success, and only then: with no HTTP status, an empty error is a success.
  std::string error;
  // Not worth retrying (a refused credential, a pinned host key that differs, a push
  // answered 400, 401, 403, 404 or 413).
  bool permanent = false;
  bool gone = false;  // 410 Gone: the receiver asks to be forgotten; disables the destination
  std::string response_excerpt;
  std::optional<std::chrono::seconds> retry_after;
};

// Sends `delivery` to `destination` once. Called from the worker threads, concurrently for
// different destinations.
using DeliveryTransport =
    std::function<TransportResult(const Destination& destination, const Delivery& delivery)>;

// The Standard Webhooks retry schedule: the delay after attempt 1, 2, … 9.
std::vector<std::chrono::seconds> StandardRetrySchedule();

struct DeliveryWorkerOptions {
  const Clock* clock = nullptr;  // nullptr: the system clock
  int workers = 16;
  std::chrono::milliseconds poll{200};
  // How long a claimed delivery is this process's: longer than the longest attempt (a feed
  // push may take 5 minutes). A delivery stranded by a process that died is sent again by
  // another (or the restarted one) once this has passed.
  std::chrono::seconds lease{360};
  // Who this process is in the lease table and the claims. Default: "host:pid:random".
  std::string holder;
  std::vector<std::chrono::seconds> retry_schedule = StandardRetrySchedule();
  double jitter = 0.2;  // each delay is shortened by a random fraction in [0, jitter]
  uint64_t seed = 0;    // 0: random
  // One JSON line per failed attempt, disabled destination, or error. Optional.
  std::function<void(const std::string&)> log;
};

class DeliveryWorker {
 public:
  // `planner` may be null (nothing planned: tests of delivery alone).
  DeliveryWorker(Database& db, DeliveryPlanner* planner, DeliveryTransport transport,
                 DeliveryWorkerOptions options);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void Start();
  void Stop();
  // Plan and claim now rather than at the next poll (a write, a destination created).
  void Wake();

  // One round on the calling thread, without Start(): plans (when the lease is had), claims
  // what is due, delivers it on the calling thread, and returns how many attempts were made.
  Result<int> RunOnce();

  // Attempts made and their outcomes since construction (/metrics).
  struct Counts {
    int64_t delivered = 0;
    int64_t failed_attempts = 0;
  };
  Counts counts() const;

 private:
  void Loop();
  void WorkerLoop();
  // Claims up to `limit` due deliveries; plans first when this process holds the lease.
  Result<std::vector<Delivery>> PlanAndClaim(int limit);
  void Deliver(const Delivery& delivery);
  std::chrono::seconds RetryDelay(int attempts, const TransportResult& result);
  Instant Now() const;
  void Log(const std::string& line) const;

  Database& db_;
  DeliveryPlanner* const planner_;
  const DeliveryTransport transport_;
  const DeliveryWorkerOptions options_;
  std::string holder_;

  mutable std::mutex mu_;
  std::condition_variable wake_;  // the dispatcher: a wake, a stop, a worker freed
  std::condition_variable work_;  // the workers: a delivery queued, a stop
  std::deque<Delivery> queue_;    // guarded by mu_
  int busy_ = 0;                  // queued or being delivered; guarded by mu_
  bool woken_ = false;            // guarded by mu_
  bool stopping_ = false;         // guarded by mu_
  Counts counts_;                 // guarded by mu_
  std::mt19937_64 random_;        // guarded by mu_
  std::thread dispatcher_;
  std::vector<std::thread> workers_;
};

}  // namespace vitrine
