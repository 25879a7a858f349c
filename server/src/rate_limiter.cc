#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace vitrine {

TokenBucketRateLimiter::TokenBucketRateLimiter(std::map<Role, Limit> limits, const Clock& clock)
    : limits_(std::move(limits)), clock_(clock) {}

std::optional<std::chrono::seconds> TokenBucketRateLimiter::Acquire(const Principal& principal) {
  auto limit_it = limits_.find(principal.role);
  if (limit_it == limits_.end()) return std::nullopt;
  const Limit& limit = limit_it->second;
  const double per_second = std::max(limit.per_second, 1e-9);
  const double burst = std::max(limit.burst, 1.0);

  std::string key(RoleName(principal.role));
  key.push_back('\0');  // cannot occur in a role name, so keys never collide
  key += principal.subject;
  Shard& shard = shards_[std::hash<std::string>{}(key) % kShards];
  const Instant now = clock_.Now();

  std::lock_guard<std::mutex> lock(shard.mu);
  // Drop buckets that have refilled completely: they hold no information any more.
  if (shard.buckets.size() >= shard.next_sweep_size) {
    std::erase_if(shard.buckets, [&](const auto& kv) {
      double idle = static_cast<double>(std::max<int64_t>(0, (now - kv.second.updated).count()));
      return kv.second.tokens + idle * per_second >= burst;
    });
    shard.next_sweep_size = std::max<size_t>(1024, shard.buckets.size() * 2);
  }
  auto [it, inserted] = shard.buckets.try_emplace(key, Bucket{burst, now});
  Bucket& b = it->second;
  if (!inserted && now > b.updated) {
    double elapsed = static_cast<double>((now - b.updated).count());
    b.tokens = std::min(burst, b.tokens + elapsed * per_second);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  double wait = std::ceil((1.0 - b.tokens) / per_second);
  return std::chrono::seconds(std::max<int64_t>(1, static_cast<int64_t>(wait)));
}

}  // namespace vitrine
