// HttpSender: one outbound HTTP request with a body (a webhook delivery, a feed push) to a
// URL that came from outside, behind the same guard as SafeFetcher (adapters notes §2.4, §6).
//
// Only http and https, no credentials in the URL (basic auth goes in its own fields), no
// proxy from the environment, and the address guard on every address connected to. No
// redirect is followed: a 3xx comes back as a status and the caller counts it as a failure
// (webhooks treat 3xx as failure; libcurl-security: never follow redirects on uploads). An
// empty `Expect:` is sent so a silent receiver costs no 100-continue wait (notes H11). At
// most `max_response_bytes` of the response are read, so a receiver answering 10 GB cannot
// hold the sender. A HttpSender is immutable and safe to use from many threads; each Send
// uses its own connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace vitrine {

enum class HttpMethod { kPost, kPut };

struct OutboundRequest {
  std::string url;
  HttpMethod method = HttpMethod::kPost;
  // Extra headers, e.g. the webhook-id/-timestamp/-signature triple. Names and values must
  // not contain line breaks; Content-Type, Content-Length and Expect are set by the sender.
  std::vector<std::pair<std::string, std::string>> headers;
  // The body: `body`, or when `body_file` is set the file's bytes, streamed (a feed file can
  // be larger than memory should hold). Content-Length is always sent.
  std::string body;
  std::string body_file;
  std::string content_type = "application/json";
  // Basic auth, sent with CURLOPT_USERNAME/PASSWORD, never in the URL. Unused when the user
  // is empty.
  std::string basic_auth_user;
  std::string basic_auth_password;
  std::chrono::milliseconds connect_timeout{5000};
  // The whole exchange, body upload included: 15 s for webhooks (Standard Webhooks, Svix);
  // a feed push sets more.
  std::chrono::milliseconds total_timeout{15000};
  // Fewer than this many bytes/s in either direction for `low_speed_window` drops the
  // connection. 0 disables.
  int64_t low_speed_bytes_per_second = 1024;
  std::chrono::seconds low_speed_window{10};
};

struct SendOptions {
  // Bytes of the response read before the sender stops listening; the status is known by
  // then. The excerpt keeps at most 1 KiB of them.
  int64_t max_response_bytes = int64_t{64} << 10;
  std::string user_agent = "Vitrine/0.1";
  // Lets loopback (and only loopback) through the guard. For tests; never in production.
  bool allow_loopback = false;
};

// What one attempt did, for the delivery log (notes §1.2): filled in whether or not the
// receiver answered.
struct SendResult {
  long status = 0;  // HTTP status, 0 when no response line arrived
  std::chrono::milliseconds duration{0};
  // The start of the response body, at most 1 KiB, with control characters and non-ASCII
  // bytes escaped (\n, \x1b), safe to store and show.
  std::string response_excerpt;
  bool response_truncated = false;  // more than max_response_bytes, or more than the excerpt
  // The receiver's Retry-After (seconds, or an HTTP date converted to seconds from now).
  std::optional<std::chrono::seconds> retry_after;
  // Non-OK when the exchange failed on the way (nothing or only part of it happened), naming
  // the cause: PermissionDenied for an address the guard refused (which, and its class);
  // Unavailable for a timeout, a refused or reset connection, a receiver that closed
  // mid-response, DNS or TLS failure. `status` may still be set when the failure came after
  // the status line.
  Status transport;

  // A 2xx with a complete exchange. 3xx, 4xx, 5xx and transport failures are not.
  bool succeeded() const { return transport.ok() && status >= 200 && status < 300; }
};

class HttpSender {
 public:
  explicit HttpSender(SendOptions options = {});

  // Sends `request`. The Result fails only when nothing could be attempted: InvalidArgument
  // for a malformed URL, another scheme, credentials in the URL, a header with a line break;
  // IoError for an unreadable `body_file`. Anything that happens on the wire is in the
  // SendResult.
  Result<SendResult> Send(const OutboundRequest& request) const;

  const SendOptions& options() const { return options_; }

 private:
  const SendOptions options_;
};

// `bytes` with control characters, backslash and non-ASCII bytes escaped, cut to at most
// `max_bytes` of output; the delivery log stores and shows this.
std::string EscapedExcerpt(std::string_view bytes, size_t max_bytes);

}  // namespace vitrine
