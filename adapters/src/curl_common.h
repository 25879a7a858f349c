// What every outbound libcurl handle of adapters/ shares (SafeFetcher, HttpSender,
// SftpClient), so that the guard cannot be forgotten by one of them: URL checks with libcurl's
// own parser, the address guard in CURLOPT_OPENSOCKETFUNCTION, no proxy from the environment,
// no .netrc, NOSIGNAL, and the allowed protocols. Internal to adapters/.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vitrine::adapters_internal {

void InitCurlOnce();

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;
void Append(Slist& list, const std::string& line);

// Parses `url` with libcurl's parser (what is checked is what libcurl connects to) and
// returns it normalised. Refuses control characters, a scheme not in `schemes`, credentials
// in the URL (a secret in a field that is shown and logged) and an empty host. The address
// is not judged here: a name resolves only at connect time, where the guard sees it.
Result<std::string> CheckUrl(std::string_view url, std::initializer_list<std::string_view> schemes);

// `url` for messages and logs, without the user or password it may carry.
std::string RedactedUrl(std::string_view url);

// The address guard's state for one transfer: the switch, and what it refused.
struct GuardState {
  bool allow_loopback = false;
  std::vector<std::string> refused;  // "127.0.0.1 (loopback)", one per refused connect
  // "127.0.0.1 (loopback), ::1 (loopback)", each once (happy eyeballs may try one twice).
  std::string RefusedList() const;
  // PermissionDenied naming the refused addresses; only meaningful when `refused` is set.
  Status Refusal() const;
};

// Sets the options every guarded handle shares: `protocols` (e.g. "http,https") for the
// request and any redirect, no proxy (libcurl honours http_proxy by default, and the guard
// would then vet the proxy, not the target: notes H8), no .netrc, NOSIGNAL (timeouts must
// not use SIGALRM in threads), the connect and total timeouts, the low-speed floor (0 turns
// it off), the error buffer, and the guard in OPENSOCKETFUNCTION, which runs before socket()
// for every address tried, on every hop and for SFTP too.
void ApplyGuardedDefaults(CURL* h, const char* protocols, GuardState* guard,
                          char (&error)[CURL_ERROR_SIZE], std::chrono::milliseconds connect_timeout,
                          std::chrono::milliseconds total_timeout,
                          int64_t low_speed_bytes_per_second,
                          std::chrono::seconds low_speed_window);

// The error buffer's text, or libcurl's generic text for `rc` when the buffer is empty.
std::string ErrorDetail(CURLcode rc, const char (&error)[CURL_ERROR_SIZE]);

bool HasLineBreak(std::string_view value);

}  // namespace vitrine::adapters_internal
