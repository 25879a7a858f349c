// MemoryDatabase as OutboundRepository. Destinations, deliveries, attempts, sources and runs
// live in State under the one mutex, so Transaction() covers them and its rollback restores
// them with the rest.
#include <algorithm>
#include <set>

#include "offer_rules.h"
#include "outbound_rules.h"
#include "store/memory_database.h"

namespace vitrine {

using store_internal::IsOwed;

namespace {

Status MissingDestination(std::string_view id) {
  return Status::NotFound("destination \"" + std::string(id) + "\" does not exist");
}

Status MissingSource(std::string_view id) {
  return Status::NotFound("source \"" + std::string(id) + "\" does not exist");
}

Status MissingDelivery(int64_t id) {
  return Status::NotFound("delivery " + std::to_string(id) + " does not exist");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Destinations

Result<Destination> MemoryDatabase::CreateDestination(Destination destination, Instant now) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckDestination(destination));
  Lock lock(*this);
  if (state_.destinations.contains(destination.id)) {
    return Status::AlreadyExists("destination \"" + destination.id + "\" already exists");
  }
  destination.created_at = now;
  destination.updated_at = now;
  destination.version = 1;
  state_.destinations.emplace(destination.id, destination);
  return destination;
}

Result<std::optional<Destination>> MemoryDatabase::GetDestination(std::string_view id) {
  Lock lock(*this);
  auto it = state_.destinations.find(id);
  if (it == state_.destinations.end()) return std::optional<Destination>();
  return std::optional<Destination>(it->second);
}

Result<std::vector<Destination>> MemoryDatabase::ListDestinations() {
  Lock lock(*this);
  std::vector<Destination> destinations;
  destinations.reserve(state_.destinations.size());
  for (const auto& [id, destination] : state_.destinations) destinations.push_back(destination);
  return destinations;
}

Result<Destination> MemoryDatabase::UpdateDestination(const Destination& destination,
                                                      int expected_version, Instant now) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckDestination(destination));
  Lock lock(*this);
  auto it = state_.destinations.find(destination.id);
  if (it == state_.destinations.end()) return MissingDestination(destination.id);
  Destination& stored = it->second;
  if (stored.version != expected_version) {
    return store_internal::StaleVersion("destination", expected_version, stored.version);
  }
  store_internal::ApplyDestinationConfig(destination, stored);
  stored.version += 1;
  stored.updated_at = now;
  return stored;
}

Result<bool> MemoryDatabase::DeleteDestination(std::string_view id) {
  Lock lock(*this);
  auto it = state_.destinations.find(id);
  if (it == state_.destinations.end()) return false;
  state_.destinations.erase(it);
  // The rows stay, cancelled, so the delivery log still shows what was never sent.
  for (auto& [delivery_id, stored] : state_.deliveries) {
    Delivery& d = stored.delivery;
    if (d.destination_id != id || !IsOwed(d.state)) continue;
    d.state = DeliveryState::kCancelled;
    d.lease_owner.clear();
    d.lease_until = Instant{};
  }
  return true;
}

Status MemoryDatabase::SetDestinationProgress(std::string_view id,
                                              const DestinationProgress& progress) {
  Lock lock(*this);
  auto it = state_.destinations.find(id);
  if (it == state_.destinations.end()) return MissingDestination(id);
  store_internal::ApplyDestinationProgress(progress, it->second);
  return Status::Ok();
}

Status MemoryDatabase::SetDestinationHealth(std::string_view id, const DestinationHealth& health) {
  Lock lock(*this);
  auto it = state_.destinations.find(id);
  if (it == state_.destinations.end()) return MissingDestination(id);
  store_internal::ApplyDestinationHealth(health, it->second);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Deliveries

Result<int64_t> MemoryDatabase::EnqueueDelivery(const Delivery& delivery, bool supersede) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckEnqueue(delivery));
  Lock lock(*this);
  if (!state_.destinations.contains(delivery.destination_id)) {
    return MissingDestination(delivery.destination_id);
  }
  if (state_.delivery_ids_by_message.contains(delivery.message_id)) {
    return Status::AlreadyExists("message \"" + delivery.message_id + "\" is already queued");
  }
  if (supersede) {
    for (auto& [id, stored] : state_.deliveries) {
      Delivery& d = stored.delivery;
      if (d.destination_id == delivery.destination_id && d.event_type == delivery.event_type &&
          d.state == DeliveryState::kPending) {
        d.state = DeliveryState::kCancelled;
      }
    }
  }
  StoredDelivery stored;
  stored.delivery = delivery;
  Delivery& d = stored.delivery;
  d.id = ++state_.last_delivery_id;
  d.state = DeliveryState::kPending;
  d.attempts = 0;
  d.lease_until = Instant{};
  d.lease_owner.clear();
  d.last_status = 0;
  d.last_error.clear();
  d.delivered_at.reset();
  state_.delivery_ids_by_message.emplace(d.message_id, d.id);
  state_.deliveries.emplace(d.id, std::move(stored));
  return state_.last_delivery_id;
}

Result<std::vector<Delivery>> MemoryDatabase::ClaimDueDeliveries(Instant now, int limit,
                                                                 std::string_view owner,
                                                                 Instant lease_until) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckClaim(limit, owner));
  Lock lock(*this);
  // Per destination: its oldest owed delivery, and whether one is in flight under a live
  // lease (a replayed older delivery may be owed behind a newer one in flight).
  std::map<std::string_view, StoredDelivery*> oldest;
  std::set<std::string_view> busy;
  for (auto& [id, stored] : state_.deliveries) {
    const Delivery& d = stored.delivery;
    if (!IsOwed(d.state)) continue;
    oldest.try_emplace(d.destination_id, &stored);
    if (d.state == DeliveryState::kInflight && d.lease_until > now) busy.insert(d.destination_id);
  }
  std::vector<StoredDelivery*> due;
  for (const auto& [destination_id, stored] : oldest) {
    const Delivery& d = stored->delivery;
    auto destination = state_.destinations.find(destination_id);
    if (destination == state_.destinations.end() || !destination->second.enabled) continue;
    if (busy.contains(destination_id)) continue;
    const bool is_due =
        d.state == DeliveryState::kPending ? d.next_at <= now : d.lease_until <= now;
    if (is_due) due.push_back(stored);
  }
  std::sort(due.begin(), due.end(), [](const StoredDelivery* a, const StoredDelivery* b) {
    return a->delivery.id < b->delivery.id;
  });
  if (due.size() > static_cast<size_t>(limit)) due.resize(static_cast<size_t>(limit));
  std::vector<Delivery> claimed;
  claimed.reserve(due.size());
  for (StoredDelivery* stored : due) {
    Delivery& d = stored->delivery;
    d.state = DeliveryState::kInflight;
    d.lease_owner = std::string(owner);
    d.lease_until = lease_until;
    d.attempts += 1;
    claimed.push_back(d);
  }
  return claimed;
}

Status MemoryDatabase::CompleteDelivery(int64_t delivery_id, std::string_view owner,
                                        const DeliveryOutcome& outcome) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckOutcome(outcome));
  Lock lock(*this);
  auto it = state_.deliveries.find(delivery_id);
  if (it == state_.deliveries.end()) return MissingDelivery(delivery_id);
  StoredDelivery& stored = it->second;
  VITRINE_RETURN_IF_ERROR(store_internal::CheckLeaseHolder(stored.delivery, owner));
  state_.delivery_attempts[delivery_id].push_back(
      store_internal::RecordedAttempt(stored.delivery, stored.replay, outcome.attempt));
  stored.replay = false;
  store_internal::ApplyOutcome(outcome, stored.delivery);
  return Status::Ok();
}

Result<std::optional<Delivery>> MemoryDatabase::GetDelivery(int64_t id) {
  Lock lock(*this);
  auto it = state_.deliveries.find(id);
  if (it == state_.deliveries.end()) return std::optional<Delivery>();
  return std::optional<Delivery>(it->second.delivery);
}

Result<std::vector<Delivery>> MemoryDatabase::ListDeliveries(const DeliveryQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckDeliveryQuery(query));
  Lock lock(*this);
  std::vector<Delivery> deliveries;
  auto end = query.before_id > 0 ? state_.deliveries.lower_bound(query.before_id)
                                 : state_.deliveries.end();
  for (auto it = std::make_reverse_iterator(end);
       it != state_.deliveries.rend() && static_cast<int>(deliveries.size()) < query.limit; ++it) {
    const Delivery& d = it->second.delivery;
    if (d.destination_id != query.destination_id) continue;
    if (query.state && d.state != *query.state) continue;
    deliveries.push_back(d);
  }
  return deliveries;
}

Result<std::vector<DeliveryAttempt>> MemoryDatabase::ListDeliveryAttempts(int64_t delivery_id) {
  Lock lock(*this);
  auto it = state_.delivery_attempts.find(delivery_id);
  if (it == state_.delivery_attempts.end()) return std::vector<DeliveryAttempt>();
  return it->second;
}

Result<Delivery> MemoryDatabase::ReplayDelivery(int64_t id, Instant now) {
  Lock lock(*this);
  auto it = state_.deliveries.find(id);
  if (it == state_.deliveries.end()) return MissingDelivery(id);
  StoredDelivery& stored = it->second;
  VITRINE_RETURN_IF_ERROR(store_internal::CheckReplayable(stored.delivery));
  if (!state_.destinations.contains(stored.delivery.destination_id)) {
    return store_internal::ReplayWithoutDestination(stored.delivery);
  }
  stored.delivery.state = DeliveryState::kPending;
  stored.delivery.next_at = now;
  stored.replay = true;
  return stored.delivery;
}

Result<int64_t> MemoryDatabase::CountOwedDeliveries() {
  Lock lock(*this);
  int64_t owed = 0;
  for (const auto& [id, stored] : state_.deliveries) owed += IsOwed(stored.delivery.state) ? 1 : 0;
  return owed;
}

// ---------------------------------------------------------------------------------------------
// Sources

Result<Source> MemoryDatabase::CreateSource(Source source, Instant now) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckSource(source));
  Lock lock(*this);
  if (state_.sources.contains(source.id)) {
    return Status::AlreadyExists("source \"" + source.id + "\" already exists");
  }
  source.created_at = now;
  source.updated_at = now;
  source.version = 1;
  state_.sources.emplace(source.id, source);
  return source;
}

Result<std::optional<Source>> MemoryDatabase::GetSource(std::string_view id) {
  Lock lock(*this);
  auto it = state_.sources.find(id);
  if (it == state_.sources.end()) return std::optional<Source>();
  return std::optional<Source>(it->second);
}

Result<std::vector<Source>> MemoryDatabase::ListSources() {
  Lock lock(*this);
  std::vector<Source> sources;
  sources.reserve(state_.sources.size());
  for (const auto& [id, source] : state_.sources) sources.push_back(source);
  return sources;
}

Result<Source> MemoryDatabase::UpdateSource(const Source& source, int expected_version,
                                            Instant now) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckSource(source));
  Lock lock(*this);
  auto it = state_.sources.find(source.id);
  if (it == state_.sources.end()) return MissingSource(source.id);
  Source& stored = it->second;
  if (stored.version != expected_version) {
    return store_internal::StaleVersion("source", expected_version, stored.version);
  }
  store_internal::ApplySourceConfig(source, stored);
  stored.version += 1;
  stored.updated_at = now;
  return stored;
}

Result<bool> MemoryDatabase::DeleteSource(std::string_view id) {
  Lock lock(*this);
  auto it = state_.sources.find(id);
  if (it == state_.sources.end()) return false;
  state_.sources.erase(it);
  std::erase_if(state_.source_runs,
                [&](const auto& entry) { return entry.second.source_id == id; });
  return true;
}

Status MemoryDatabase::SetSourceState(std::string_view id, const SourceState& state) {
  Lock lock(*this);
  auto it = state_.sources.find(id);
  if (it == state_.sources.end()) return MissingSource(id);
  store_internal::ApplySourceState(state, it->second);
  return Status::Ok();
}

Result<int64_t> MemoryDatabase::RecordSourceRun(const SourceRun& run) {
  Lock lock(*this);
  if (!state_.sources.contains(run.source_id)) return MissingSource(run.source_id);
  SourceRun stored = run;
  stored.id = ++state_.last_source_run_id;
  state_.source_runs.emplace(stored.id, std::move(stored));
  return state_.last_source_run_id;
}

Result<std::vector<SourceRun>> MemoryDatabase::ListSourceRuns(std::string_view source_id,
                                                              int64_t before_id, int limit) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckIdPage(before_id, limit));
  Lock lock(*this);
  std::vector<SourceRun> runs;
  auto end = before_id > 0 ? state_.source_runs.lower_bound(before_id) : state_.source_runs.end();
  for (auto it = std::make_reverse_iterator(end);
       it != state_.source_runs.rend() && static_cast<int>(runs.size()) < limit; ++it) {
    if (it->second.source_id == source_id) runs.push_back(it->second);
  }
  return runs;
}

}  // namespace vitrine
