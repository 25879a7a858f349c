#include "app/delivery_worker.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "app/change_follower.h"

namespace vitrine {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kOutboundLease[] = "outbound";
constexpr seconds kOutboundLeaseTtl{10};
constexpr seconds kMaxRetryAfter = hours(24);

// An empty error is a success unless an HTTP status says otherwise: an SFTP upload has no
// status at all (http_status stays 0), and the transports set `error` on every failure.
bool Succeeded(const TransportResult& r) {
  return r.error.empty() && (r.http_status == 0 || (r.http_status >= 200 && r.http_status < 300));
}

std::string Describe(const TransportResult& r) {
  if (!r.error.empty()) return r.error;
  return "the receiver answered " + std::to_string(r.http_status);
}

}  // namespace

std::vector<seconds> StandardRetrySchedule() {
  return {seconds(5), minutes(5), minutes(30), hours(2), hours(5),
          hours(10),  hours(14),  hours(20),   hours(24)};
}

DeliveryWorker::DeliveryWorker(Database& db, DeliveryPlanner* planner, DeliveryTransport transport,
                               DeliveryWorkerOptions options)
    : db_(db),
      planner_(planner),
      transport_(std::move(transport)),
      options_(std::move(options)),
      holder_(options_.holder.empty() ? ProcessHolderName() : options_.holder),
      random_(options_.seed != 0 ? options_.seed : std::random_device{}()) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() {
  std::lock_guard lock(mu_);
  if (dispatcher_.joinable()) return;
  stopping_ = false;
  for (int i = 0; i < std::max(options_.workers, 1); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
  dispatcher_ = std::thread([this] { Loop(); });
}

void DeliveryWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  work_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  // Deliveries claimed but not started stay in flight until their lease expires, then are
  // claimed again: nothing is lost by stopping.
  std::lock_guard lock(mu_);
  busy_ -= static_cast<int>(queue_.size());
  queue_.clear();
  (void)db_.changes().ReleaseLease(kOutboundLease, holder_);
}

void DeliveryWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

DeliveryWorker::Counts DeliveryWorker::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

Instant DeliveryWorker::Now() const {
  return (options_.clock ? *options_.clock : SystemClock::Instance()).Now();
}

void DeliveryWorker::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

Result<std::vector<Delivery>> DeliveryWorker::PlanAndClaim(int limit) {
  const Instant now = Now();
  Result<bool> leader = db_.changes().TryLease(kOutboundLease, holder_, now, kOutboundLeaseTtl);
  if (!leader.ok()) return leader.status();
  if (*leader && planner_) {
    Result<int> planned = planner_->PlanAll();
    if (!planned.ok()) {
      Log(nlohmann::json{{"type", "delivery_planning"}, {"error", planned.status().ToString()}}
              .dump());
    }
  }
  if (limit <= 0) return std::vector<Delivery>();
  return db_.outbound().ClaimDueDeliveries(now, limit, holder_, now + options_.lease);
}

Result<int> DeliveryWorker::RunOnce() {
  Result<std::vector<Delivery>> claimed = PlanAndClaim(std::max(options_.workers, 1));
  if (!claimed.ok()) return claimed.status();
  for (const Delivery& d : *claimed) Deliver(d);
  return static_cast<int>(claimed->size());
}

void DeliveryWorker::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const int idle = std::max(options_.workers, 1) - busy_;
    lock.unlock();
    Result<std::vector<Delivery>> claimed = PlanAndClaim(idle);
    lock.lock();
    if (!claimed.ok()) {
      Log(nlohmann::json{{"type", "delivery_claim"}, {"error", claimed.status().ToString()}}
              .dump());
    } else if (!claimed->empty()) {
      busy_ += static_cast<int>(claimed->size());
      for (Delivery& d : *claimed) queue_.push_back(std::move(d));
      work_.notify_all();
      // More may be due (a destination's next delivery once this one is done): look again
      // when a worker frees, without waiting for the poll.
    }
    wake_.wait_for(lock, options_.poll, [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

void DeliveryWorker::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Delivery d = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Deliver(d);
    lock.lock();
    --busy_;
    woken_ = true;
    wake_.notify_all();
  }
}

seconds DeliveryWorker::RetryDelay(int attempts, const TransportResult& result) {
  const seconds step = options_.retry_schedule[static_cast<size_t>(attempts - 1)];
  double cut;
  {
    std::lock_guard lock(mu_);
    cut = std::uniform_real_distribution<double>(0.0, options_.jitter)(random_);
  }
  seconds delay(static_cast<int64_t>(static_cast<double>(step.count()) * (1.0 - cut)));
  if (result.retry_after) delay = std::max(delay, std::min(*result.retry_after, kMaxRetryAfter));
  return delay;
}

void DeliveryWorker::Deliver(const Delivery& d) {
  OutboundRepository& outbound = db_.outbound();
  Result<std::optional<Destination>> found = outbound.GetDestination(d.destination_id);
  if (!found.ok() || !*found) return;  // deleted: its deliveries were cancelled with it
  const Destination& destination = **found;

  const Instant started = Now();
  const auto clock_start = std::chrono::steady_clock::now();
  const TransportResult result = transport_(destination, d);
  const auto elapsed = std::chrono::steady_clock::now() - clock_start;
  const Instant now = Now();

  DeliveryOutcome outcome;
  outcome.attempt.delivery_id = d.id;
  outcome.attempt.attempt = d.attempts;
  outcome.attempt.started_at = started;
  outcome.attempt.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  outcome.attempt.http_status = result.http_status;
  outcome.attempt.response_excerpt = result.response_excerpt;

  DestinationHealth health{destination.enabled, destination.disabled_reason,
                           destination.failing_since, destination.last_delivered_at};
  const bool ok = Succeeded(result);
  if (ok) {
    outcome.next_state = DeliveryState::kDelivered;
    health.failing_since.reset();
    health.last_delivered_at = now;
  } else {
    outcome.attempt.error = Describe(result);
    const bool exhausted = d.attempts > static_cast<int>(options_.retry_schedule.size());
    if (result.permanent || result.gone || exhausted) {
      outcome.next_state = DeliveryState::kFailed;
    } else {
      outcome.next_state = DeliveryState::kPending;
      outcome.next_at = now + RetryDelay(d.attempts, result);
    }
    if (!health.failing_since) health.failing_since = started;
    if (result.gone) {
      health.enabled = false;
      health.disabled_reason = "the receiver answered 410 Gone on " + FormatUtc(now);
    } else if (now - *health.failing_since >= seconds(destination.disable_after_seconds)) {
      health.enabled = false;
      health.disabled_reason = "failing without a success since " +
                               FormatUtc(*health.failing_since) + "; last: " + Describe(result);
    }
  }
  const bool health_changed = health.enabled != destination.enabled ||
                              health.failing_since != destination.failing_since || ok;
  const Status written = db_.Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(outbound.CompleteDelivery(d.id, holder_, outcome));
    if (!health_changed) return Status::Ok();
    return outbound.SetDestinationHealth(destination.id, health);
  });
  {
    std::lock_guard lock(mu_);
    if (ok) {
      ++counts_.delivered;
    } else {
      ++counts_.failed_attempts;
    }
  }
  if (!written.ok()) {
    // Most often the lease ran out and another process claimed it: its attempt counts.
    Log(nlohmann::json{
        {"type", "delivery_record"}, {"delivery", d.id}, {"error", written.ToString()}}
            .dump());
    return;
  }
  if (!ok) {
    nlohmann::json line = {{"type", "delivery_failed"},
                           {"destination", destination.id},
                           {"delivery", d.id},
                           {"message_id", d.message_id},
                           {"attempt", d.attempts},
                           {"status", result.http_status},
                           {"error", outcome.attempt.error},
                           {"next", DeliveryStateName(outcome.next_state)}};
    if (outcome.next_state == DeliveryState::kPending) line["next_at"] = FormatUtc(outcome.next_at);
    Log(line.dump());
    if (!health.enabled && destination.enabled) {
      Log(nlohmann::json{{"type", "destination_disabled"},
                         {"destination", destination.id},
                         {"reason", health.disabled_reason}}
              .dump());
    }
  }
}

}  // namespace vitrine
