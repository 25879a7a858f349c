// Credentials: password hashing with scrypt (OpenSSL), random secrets for API tokens and
// session cookies, and their one-way fingerprints. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

struct ScryptParams {
  // Cost parameters; the defaults (N=2^15, r=8, p=1: 32 MiB, ~0.1 s) follow OWASP's
  // recommendation for interactive logins. Tests lower N to stay fast.
  uint64_t n = 1u << 15;
  uint64_t r = 8;
  uint64_t p = 1;
};

// "$scrypt$ln=15,r=8,p=1$<salt base64>$<key base64>" with a fresh 16-byte salt.
Result<std::string> HashPassword(std::string_view password, const ScryptParams& params = {});

// True when `password` matches `encoded` (constant-time comparison). False for a malformed
// encoding as well.
bool VerifyPassword(std::string_view password, std::string_view encoded);

// 256 random bits from the OS, URL-safe: `prefix` + 64 hex digits.
std::string NewSecret(std::string_view prefix);

// Lower-case hex SHA-256: how token secrets and session ids are stored.
std::string Sha256Hex(std::string_view data);

// `n` random bytes as lower-case hex (2n digits).
std::string RandomHex(size_t n);

}  // namespace vitrine
