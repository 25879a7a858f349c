#include "outbound_rules.h"

#include <chrono>
#include <string>

#include "query_keys.h"

namespace vitrine::store_internal {

Status CheckDestination(const Destination& destination) {
  if (destination.id.empty()) return Status::InvalidArgument("a destination needs its id");
  if (destination.url.empty()) return Status::InvalidArgument("a destination needs its url");
  return Status::Ok();
}

Status CheckSource(const Source& source) {
  if (source.id.empty()) return Status::InvalidArgument("a source needs its id");
  if (source.url.empty()) return Status::InvalidArgument("a source needs its url");
  return Status::Ok();
}

void ApplyDestinationConfig(const Destination& from, Destination& to) {
  to.kind = from.kind;
  to.name = from.name;
  to.url = from.url;
  to.events = from.events;
  to.channels = from.channels;
  to.campaign_ids = from.campaign_ids;
  to.store_ids = from.store_ids;
  to.batch_seconds = from.batch_seconds;
  to.feed = from.feed;
  to.method = from.method;
  to.schedule_seconds = from.schedule_seconds;
  to.username = from.username;
  to.secret_sealed = from.secret_sealed;
  to.credential_file = from.credential_file;
  to.host_key_sha256 = from.host_key_sha256;
  to.disable_after_seconds = from.disable_after_seconds;
}

void ApplySourceConfig(const Source& from, Source& to) {
  to.name = from.name;
  to.kind = from.kind;
  to.format = from.format;
  to.url = from.url;
  to.interval_seconds = from.interval_seconds;
  to.username = from.username;
  to.secret_sealed = from.secret_sealed;
  to.credential_file = from.credential_file;
  to.host_key_sha256 = from.host_key_sha256;
  to.enabled = from.enabled;
}

void ApplyDestinationProgress(const DestinationProgress& progress, Destination& to) {
  to.offer_seq = progress.offer_seq;
  to.audit_seq = progress.audit_seq;
  to.feed_etag = progress.feed_etag;
  to.next_batch_at = progress.next_batch_at;
}

void ApplyDestinationHealth(const DestinationHealth& health, Destination& to) {
  to.enabled = health.enabled;
  to.disabled_reason = health.disabled_reason;
  to.failing_since = health.failing_since;
  to.last_delivered_at = health.last_delivered_at;
}

void ApplySourceState(const SourceState& state, Source& to) {
  to.etag = state.etag;
  to.last_modified = state.last_modified;
  to.remote_mtime = state.remote_mtime;
  to.remote_size = state.remote_size;
  to.next_run_at = state.next_run_at;
}

Status CheckEnqueue(const Delivery& delivery) {
  if (delivery.destination_id.empty()) {
    return Status::InvalidArgument("a delivery needs its destination");
  }
  if (delivery.message_id.empty())
    return Status::InvalidArgument("a delivery needs its message id");
  return Status::Ok();
}

Status CheckClaim(int limit, std::string_view owner) {
  if (limit < 1) return Status::InvalidArgument("a claim needs a limit of at least 1");
  if (owner.empty()) return Status::InvalidArgument("a claim needs its owner");
  return Status::Ok();
}

Status CheckOutcome(const DeliveryOutcome& outcome) {
  switch (outcome.next_state) {
    case DeliveryState::kDelivered:
    case DeliveryState::kPending:
    case DeliveryState::kFailed:
      return Status::Ok();
    case DeliveryState::kInflight:
    case DeliveryState::kCancelled:
      break;
  }
  return Status::InvalidArgument("an attempt cannot leave its delivery " +
                                 std::string(DeliveryStateName(outcome.next_state)));
}

Status CheckDeliveryQuery(const DeliveryQuery& query) {
  if (query.destination_id.empty()) {
    return Status::InvalidArgument("a delivery query needs its destination");
  }
  return CheckIdPage(query.before_id, query.limit);
}

Status CheckIdPage(int64_t before_id, int limit) {
  VITRINE_RETURN_IF_ERROR(CheckLimit(limit));
  if (before_id < 0) return Status::InvalidArgument("before_id must not be negative");
  return Status::Ok();
}

DeliveryAttempt RecordedAttempt(const Delivery& delivery, bool replay,
                                const DeliveryAttempt& attempt) {
  DeliveryAttempt recorded = attempt;
  recorded.delivery_id = delivery.id;
  recorded.attempt = delivery.attempts;
  recorded.replay = replay;
  return recorded;
}

void ApplyOutcome(const DeliveryOutcome& outcome, Delivery& delivery) {
  delivery.state = outcome.next_state;
  delivery.last_status = outcome.attempt.http_status;
  delivery.last_error = outcome.attempt.error;
  delivery.lease_owner.clear();
  delivery.lease_until = Instant{};
  if (outcome.next_state == DeliveryState::kPending) delivery.next_at = outcome.next_at;
  if (outcome.next_state == DeliveryState::kDelivered) {
    delivery.delivered_at =
        outcome.attempt.started_at + std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::milliseconds(outcome.attempt.duration_ms));
  }
}

Status CheckLeaseHolder(const Delivery& delivery, std::string_view owner) {
  if (delivery.state != DeliveryState::kInflight || delivery.lease_owner != owner) {
    return Status::FailedPrecondition("delivery " + std::to_string(delivery.id) +
                                      " is not leased to \"" + std::string(owner) +
                                      "\": another process took it over, or it ended");
  }
  return Status::Ok();
}

Status CheckReplayable(const Delivery& delivery) {
  if (delivery.state == DeliveryState::kInflight || delivery.state == DeliveryState::kCancelled) {
    return Status::FailedPrecondition("delivery " + std::to_string(delivery.id) + " is " +
                                      std::string(DeliveryStateName(delivery.state)) +
                                      " and cannot be replayed");
  }
  return Status::Ok();
}

Status ReplayWithoutDestination(const Delivery& delivery) {
  return Status::FailedPrecondition("delivery " + std::to_string(delivery.id) +
                                    " cannot be replayed: its destination \"" +
                                    delivery.destination_id + "\" was deleted");
}

}  // namespace vitrine::store_internal
