#include "curl_common.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <mutex>

#include "adapters/address_guard.h"

namespace vitrine::adapters_internal {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStringDeleter {
  void operator()(char* s) const { curl_free(s); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

CurlString UrlPart(CURLU* u, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(u, part, &value, 0) != CURLUE_OK) return nullptr;
  return CurlString(value);
}

// Runs before socket() and connect() for every address libcurl tries, on every hop, so the
// address judged is the address connected to (no gap for DNS rebinding). CURL_SOCKET_BAD
// makes libcurl try the host's next address, and fail with COULDNT_CONNECT when none is left.
curl_socket_t OpenVettedSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto* guard = static_cast<GuardState*>(clientp);
  const sockaddr* addr = &address->addr;
  const size_t needed = address->family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (purpose != CURLSOCKTYPE_IPCXN || address->addrlen < needed) {
    guard->refused.push_back("a socket that is not an outbound IP connection");
    return CURL_SOCKET_BAD;
  }
  const AddressClass cls = ClassifyAddress(addr);
  const bool allowed =
      cls == AddressClass::kPublic || (cls == AddressClass::kLoopback && guard->allow_loopback);
  if (!allowed) {
    guard->refused.push_back(AddressText(addr) + " (" + std::string(AddressClassName(cls)) + ")");
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

}  // namespace

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void Append(Slist& list, const std::string& line) {
  list.reset(curl_slist_append(list.release(), line.c_str()));
}

Result<std::string> CheckUrl(std::string_view url,
                             std::initializer_list<std::string_view> schemes) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("URL contains a control character");
    }
  }
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  const std::string text(url);
  // NON_SUPPORT_SCHEME so that ftp:// or gopher:// parse and get a clear refusal below.
  if (CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME);
      rc != CURLUE_OK) {
    return Status::InvalidArgument("not a valid URL: " + std::string(curl_url_strerror(rc)));
  }
  CurlString scheme = UrlPart(u.get(), CURLUPART_SCHEME);
  const std::string_view s = scheme ? scheme.get() : "";
  bool allowed = false;
  std::string names;
  for (std::string_view allowed_scheme : schemes) {
    allowed = allowed || s == allowed_scheme;
    names += (names.empty() ? "" : " and ") + std::string(allowed_scheme);
  }
  if (!allowed) {
    return Status::InvalidArgument("scheme \"" + std::string(s) + "\" is not allowed: only " +
                                   names);
  }
  if (UrlPart(u.get(), CURLUPART_USER) || UrlPart(u.get(), CURLUPART_PASSWORD)) {
    return Status::InvalidArgument("credentials in the URL (user:password@) are not allowed");
  }
  CurlString host = UrlPart(u.get(), CURLUPART_HOST);
  if (!host || *host.get() == '\0') return Status::InvalidArgument("URL has no host");
  CurlString normalised = UrlPart(u.get(), CURLUPART_URL);
  if (!normalised) return Status::InvalidArgument("URL cannot be normalised");
  return std::string(normalised.get());
}

std::string RedactedUrl(std::string_view url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  const std::string text(url);
  if (curl_url_set(u.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return text;
  }
  curl_url_set(u.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_PASSWORD, nullptr, 0);
  CurlString redacted = UrlPart(u.get(), CURLUPART_URL);
  return redacted ? std::string(redacted.get()) : text;
}

std::string GuardState::RefusedList() const {
  std::string out;
  for (const std::string& p : refused) {
    if (out.find(p) != std::string::npos) continue;
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

Status GuardState::Refusal() const {
  return Status::PermissionDenied("refused to connect to " + RefusedList() +
                                  ": only public addresses are allowed");
}

void ApplyGuardedDefaults(CURL* h, const char* protocols, GuardState* guard,
                          char (&error)[CURL_ERROR_SIZE], std::chrono::milliseconds connect_timeout,
                          std::chrono::milliseconds total_timeout,
                          int64_t low_speed_bytes_per_second,
                          std::chrono::seconds low_speed_window) {
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_IGNORED));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
  if (low_speed_bytes_per_second > 0) {
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(low_speed_bytes_per_second));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(low_speed_window.count()));
  }
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &OpenVettedSocket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, guard);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
}

std::string ErrorDetail(CURLcode rc, const char (&error)[CURL_ERROR_SIZE]) {
  return error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(rc));
}

bool HasLineBreak(std::string_view value) {
  return value.find_first_of("\r\n") != std::string_view::npos;
}

}  // namespace vitrine::adapters_internal
