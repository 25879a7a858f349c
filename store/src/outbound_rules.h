// Rules of OutboundRepository that every backend applies in the same way: the argument
// checks, which fields are configuration (replaced by Update*) and which are kept, and how a
// completed attempt changes its delivery. Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "catalog/outbound.h"
#include "common/status.h"

namespace vitrine::store_internal {

// InvalidArgument for an empty id or url.
Status CheckDestination(const Destination& destination);
Status CheckSource(const Source& source);

// Copies the configuration fields of `from` into `to`, keeping `to`'s id, progress, health,
// times and version.
void ApplyDestinationConfig(const Destination& from, Destination& to);
// Copies the configuration fields of `from` (enabled among them: a source has no health set
// by a worker) into `to`, keeping its id, validators, next run, times and version.
void ApplySourceConfig(const Source& from, Source& to);

void ApplyDestinationProgress(const DestinationProgress& progress, Destination& to);
void ApplyDestinationHealth(const DestinationHealth& health, Destination& to);
void ApplySourceState(const SourceState& state, Source& to);

// InvalidArgument for an empty destination or message id.
Status CheckEnqueue(const Delivery& delivery);
// InvalidArgument for a limit below 1 or an empty owner (an empty owner would match a
// delivery whose lease was cleared).
Status CheckClaim(int limit, std::string_view owner);
// InvalidArgument for a next state other than delivered, pending or failed.
Status CheckOutcome(const DeliveryOutcome& outcome);
// InvalidArgument without a destination, for a negative before_id or a limit outside 1..1000.
Status CheckDeliveryQuery(const DeliveryQuery& query);
// The page of a newest-first list (ListSourceRuns): InvalidArgument for a negative before_id
// or a limit outside 1..1000.
Status CheckIdPage(int64_t before_id, int limit);

// Whether a delivery in `state` is owed (pending or in flight).
inline bool IsOwed(DeliveryState state) {
  return state == DeliveryState::kPending || state == DeliveryState::kInflight;
}

// The attempt as recorded for `delivery` (claimed, its attempts already counted): it is the
// delivery's attempt number `delivery.attempts`, a replay when `replay`.
DeliveryAttempt RecordedAttempt(const Delivery& delivery, bool replay,
                                const DeliveryAttempt& attempt);
// Moves the claimed `delivery` to the outcome's state: its last status and error are the
// attempt's, its lease is cleared, next_at is the outcome's when pending, and a success is
// delivered at the end of the attempt.
void ApplyOutcome(const DeliveryOutcome& outcome, Delivery& delivery);

// FailedPrecondition unless `delivery` is in flight and leased to `owner`.
Status CheckLeaseHolder(const Delivery& delivery, std::string_view owner);
// FailedPrecondition when `delivery` cannot be replayed: it is in flight or cancelled.
Status CheckReplayable(const Delivery& delivery);
// FailedPrecondition for a replay of a delivery whose destination was deleted: it would be
// owed for ever to no one.
Status ReplayWithoutDestination(const Delivery& delivery);

}  // namespace vitrine::store_internal
