// Webhook signatures as Standard Webhooks 1.0 defines them (adapters notes §1.1), so that any
// receiver using a Standard Webhooks or Svix library can verify what Vitrine sends.
//
// The signed content is "{msg_id}.{timestamp}.{body}", the MAC is HMAC-SHA256 keyed with the
// base64-decoded part of the "whsec_" secret, and the header value is "v1,<base64 MAC>".
// The message id is stable across retries; the timestamp (Unix seconds) is that of the
// attempt. Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

// A new endpoint secret: "whsec_" + base64 of 32 bytes from OpenSSL's CSPRNG (the spec asks
// for at least 24). Stops the process if the CSPRNG fails: a guessable secret is worse.
std::string NewWebhookSecret();

// The webhook-signature value for one attempt, "v1,<base64>". InvalidArgument when `secret`
// is not "whsec_" + base64 of 24 to 64 bytes, or `msg_id` is empty or contains a '.', which
// would make the signed content ambiguous.
Result<std::string> SignWebhook(std::string_view secret, std::string_view msg_id, int64_t timestamp,
                                std::string_view body);

// Checks a received webhook. `signature_header` is the space-separated list of the
// webhook-signature header ("v1,abc= v1,def="); one matching v1 entry is enough, so both
// secrets sign during a rotation. Compares in constant time. Unauthenticated when no entry
// matches or the timestamp is further than `tolerance` from `now` (either way: a replay, or
// a sender with a wrong clock); InvalidArgument for a malformed secret.
Status VerifyWebhook(std::string_view secret, std::string_view msg_id, int64_t timestamp,
                     std::string_view body, std::string_view signature_header, int64_t now,
                     std::chrono::seconds tolerance = std::chrono::minutes(5));

}  // namespace vitrine
