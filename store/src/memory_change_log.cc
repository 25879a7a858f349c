// MemoryDatabase's change log, its consumers' positions and its leases.
#include <algorithm>

#include "change_keys.h"
#include "store/memory_database.h"

namespace vitrine {

std::string MemoryDatabase::url() const { return "memory:"; }

std::string MemoryDatabase::local_base() const { return "vitrine-memory"; }

void MemoryDatabase::LogChange(ChangeKind kind, std::vector<std::string> keys) {
  if (keys.empty() && kind != ChangeKind::kAll) return;
  state_.changes.push_back({++state_.last_change_id, kind, std::move(keys)});
}

Result<int64_t> MemoryDatabase::AppendChange(ChangeKind kind, std::span<const std::string> keys) {
  Lock lock(*this);
  if (keys.empty() && kind != ChangeKind::kAll) return int64_t{0};
  LogChange(kind, kind == ChangeKind::kAll ? std::vector<std::string>()
                                           : store_internal::NormalizedKeys(keys));
  return state_.last_change_id;
}

Result<std::vector<ChangeEntry>> MemoryDatabase::ListChangesSince(int64_t after, int limit) {
  if (limit < 1 || limit > 10000) {
    return Status::InvalidArgument("limit must be between 1 and 10000");
  }
  Lock lock(*this);
  std::vector<ChangeEntry> entries;
  auto it = std::upper_bound(state_.changes.begin(), state_.changes.end(), after,
                             [](int64_t id, const ChangeEntry& e) { return id < e.id; });
  for (; it != state_.changes.end() && static_cast<int>(entries.size()) < limit; ++it) {
    entries.push_back(*it);
  }
  return entries;
}

Result<int64_t> MemoryDatabase::LastChangeId() {
  Lock lock(*this);
  return state_.changes.empty() ? int64_t{0} : state_.changes.back().id;
}

Result<int64_t> MemoryDatabase::AppliedChangeId(std::string_view consumer) {
  Lock lock(*this);
  auto it = state_.applied_change_ids.find(consumer);
  return it == state_.applied_change_ids.end() ? int64_t{0} : it->second;
}

Status MemoryDatabase::SetAppliedChangeId(std::string_view consumer, int64_t id) {
  Lock lock(*this);
  state_.applied_change_ids[std::string(consumer)] = id;
  return Status::Ok();
}

Result<bool> MemoryDatabase::TryLease(std::string_view name, std::string_view holder, Instant now,
                                      std::chrono::seconds ttl) {
  Lock lock(*this);
  auto it = state_.leases.find(name);
  if (it != state_.leases.end() && it->second.first != holder && it->second.second > now) {
    return false;
  }
  state_.leases[std::string(name)] = {std::string(holder), now + ttl};
  return true;
}

Status MemoryDatabase::ReleaseLease(std::string_view name, std::string_view holder) {
  Lock lock(*this);
  auto it = state_.leases.find(name);
  if (it != state_.leases.end() && it->second.first == holder) state_.leases.erase(it);
  return Status::Ok();
}

Result<std::string> MemoryDatabase::LeaseHolder(std::string_view name, Instant now) {
  Lock lock(*this);
  auto it = state_.leases.find(name);
  if (it == state_.leases.end() || it->second.second <= now) return std::string();
  return it->second.first;
}

}  // namespace vitrine
