// SafeFetcher: GETs a URL that came from outside (an image, an import source) without letting
// it reach internal hosts or exhaust Vitrine (adapters notes §4).
//
// Only http and https, no credentials in the URL, no proxy from the environment. Every
// address libcurl is about to connect to, on every redirect hop and after every DNS answer,
// goes through the address guard first, so a refused address never sees a packet. Time,
// redirects and body size are capped; the body cap counts decoded bytes, so a gzip bomb
// stops at the cap too. A SafeFetcher is immutable and safe to use from many threads; each
// Get uses its own connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

struct FetchOptions {
  // Redirects followed before giving up; each hop is vetted again.
  int max_redirects = 5;
  // Time to establish the TCP (and TLS) connection.
  std::chrono::milliseconds connect_timeout{5000};
  // Time for the whole transfer, redirects included.
  std::chrono::milliseconds total_timeout{15000};
  // A server sending fewer than `low_speed_bytes_per_second` for `low_speed_window` is
  // dropped, so a receiver that drips a byte at a time cannot hold a worker. 0 disables.
  int64_t low_speed_bytes_per_second = 1024;
  std::chrono::seconds low_speed_window{10};
  // Largest body accepted, counted after decoding. A larger declared Content-Length is
  // refused before the body is read.
  int64_t max_body_bytes = int64_t{10} << 20;
  // Ask for gzip/deflate/br/zstd. Images are already compressed: image fetching should turn
  // this off, which removes the decompression-bomb path entirely.
  bool accept_compressed = true;
  std::string user_agent = "Vitrine/0.1";
  // Lets loopback addresses (127/8, ::1, and their IPv4-in-IPv6 forms) through the guard,
  // and nothing else. For tests, whose servers listen on 127.0.0.1; never set in production.
  bool allow_loopback = false;
};

// Validators from a previous response, for a conditional GET. Empty fields are not sent.
struct CacheValidators {
  std::string etag;           // sent as If-None-Match
  std::string last_modified;  // sent as If-Modified-Since
};

// The final response, after redirects. Any HTTP status is a successful fetch; the caller
// decides what a 404 means.
struct FetchedResponse {
  long status = 0;            // HTTP status code of the last hop
  bool not_modified = false;  // 304: the validators still hold, `body` is empty
  std::string body;           // decoded
  std::string content_type;   // as sent, e.g. "image/png" or "text/csv; charset=utf-8"
  std::string etag;           // empty when not sent
  std::string last_modified;  // empty when not sent
  std::string final_url;      // the URL of the last hop
};

class SafeFetcher {
 public:
  explicit SafeFetcher(FetchOptions options = {});

  // GETs `url`. On failure the Status says why, in words an operator can act on:
  //   InvalidArgument     malformed URL, a scheme other than http/https (also on a redirect),
  //                       credentials in the URL
  //   PermissionDenied    every address of the host was refused by the guard (names them)
  //   ResourceExhausted   body above max_body_bytes, too many redirects
  //   Unavailable         timeout, too slow, connection refused or closed mid-body, DNS
  //                       failure, TLS error: the outside world, a retry may work
  Result<FetchedResponse> Get(std::string_view url, const CacheValidators& validators = {}) const;

  const FetchOptions& options() const { return options_; }

 private:
  const FetchOptions options_;
};

}  // namespace vitrine
