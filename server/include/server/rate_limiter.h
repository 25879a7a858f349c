// Per-principal rate limiting for the HTTP facade.
//
// The facade asks the RateLimiter before running a handler for an authenticated request;
// a refusal becomes 429 with Retry-After. Anonymous requests (public routes without
// credentials) are not limited here: that belongs in the reverse proxy, which sees client
// addresses. Implementations must be safe to call from every server thread at once.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/time.h"
#include "server/http_message.h"

namespace vitrine {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes one request's worth of allowance for `principal`. nullopt: go ahead. Otherwise
  // the caller must wait that long (at least one second) before the next attempt.
  virtual std::optional<std::chrono::seconds> Acquire(const Principal& principal) = 0;
};

// A token bucket per (role, subject): `burst` requests at once, refilled at
// `per_second` requests a second. Roles without a limit are not limited. Time comes from
// the injected Clock (whole seconds, so refills happen on second boundaries); a clock that
// goes back is treated as standing still. Buckets idle long enough to be full again are
// dropped, so memory follows the active principals. Thread-safe.
class TokenBucketRateLimiter final : public RateLimiter {
 public:
  struct Limit {
    double per_second = 10;  // sustained rate; must be > 0
    double burst = 20;       // bucket size; must be >= 1
  };
  // `clock` must outlive the limiter.
  TokenBucketRateLimiter(std::map<Role, Limit> limits, const Clock& clock);

  std::optional<std::chrono::seconds> Acquire(const Principal& principal) override;

 private:
  struct Bucket {
    double tokens;
    Instant updated;
  };
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;  // guarded by mu
    size_t next_sweep_size = 1024;                    // guarded by mu
  };

  const std::map<Role, Limit> limits_;
  const Clock& clock_;
  Shard shards_[kShards];
};

}  // namespace vitrine
