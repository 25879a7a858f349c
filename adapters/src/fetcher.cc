#include "adapters/fetcher.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/address_guard.h"

namespace vitrine {
namespace {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
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

// Parses `url` with libcurl's own parser, so what is checked here is what libcurl fetches,
// and returns it normalised. The address is not judged here: a name resolves only at
// connect time, where the guard sees it.
Result<std::string> CheckUrl(std::string_view url) {
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
  if (s != "http" && s != "https") {
    return Status::InvalidArgument("scheme \"" + std::string(s) +
                                   "\" is not allowed: only http and https");
  }
  if (UrlPart(u.get(), CURLUPART_USER) || UrlPart(u.get(), CURLUPART_PASSWORD)) {
    // Credentials would be sent to whoever the URL points to, and are a secret in a field
    // that is shown and logged.
    return Status::InvalidArgument("credentials in the URL (user:password@) are not allowed");
  }
  CurlString host = UrlPart(u.get(), CURLUPART_HOST);
  if (!host || *host.get() == '\0') return Status::InvalidArgument("URL has no host");
  CurlString normalised = UrlPart(u.get(), CURLUPART_URL);
  if (!normalised) return Status::InvalidArgument("URL cannot be normalised");
  return std::string(normalised.get());
}

// `url` for messages and logs, without the password or user it may carry.
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

// What the callbacks of one transfer learn, read back after curl_easy_perform.
struct Transfer {
  const FetchOptions* options = nullptr;
  std::string body;
  bool body_too_large = false;
  std::vector<std::string> refused;  // "127.0.0.1 (loopback)", one per refused connect
};

// Runs before socket() and connect() for every address libcurl tries, on every hop, so the
// address judged is the address connected to (no gap for DNS rebinding). CURL_SOCKET_BAD
// makes libcurl try the host's next address, and fail with COULDNT_CONNECT when none is left.
curl_socket_t OpenVettedSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(clientp);
  const sockaddr* addr = &address->addr;
  const size_t needed = address->family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (purpose != CURLSOCKTYPE_IPCXN || address->addrlen < needed) {
    transfer->refused.push_back("a socket that is not an outbound IP connection");
    return CURL_SOCKET_BAD;
  }
  const AddressClass cls = ClassifyAddress(addr);
  const bool allowed = cls == AddressClass::kPublic ||
                       (cls == AddressClass::kLoopback && transfer->options->allow_loopback);
  if (!allowed) {
    transfer->refused.push_back(AddressText(addr) + " (" + std::string(AddressClassName(cls)) +
                                ")");
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t CollectBody(char* data, size_t size, size_t count, void* userdata) {
  auto* transfer = static_cast<Transfer*>(userdata);
  const size_t n = size * count;
  // Decoded bytes: MAXFILESIZE only sees a declared length, not a chunked or gzip body.
  if (static_cast<int64_t>(transfer->body.size() + n) > transfer->options->max_body_bytes) {
    transfer->body_too_large = true;
    return 0;  // anything but n aborts the transfer with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, n);
  return n;
}

std::string LastHeader(CURL* h, const char* name) {
  curl_header* header = nullptr;
  // Request -1 is the last hop, so a redirect's own ETag is never reported.
  if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK) return {};
  return header->value;
}

bool HasLineBreak(std::string_view value) {
  return value.find_first_of("\r\n") != std::string_view::npos;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (out.find(p) != std::string::npos) continue;  // happy eyeballs may try one twice
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

Status TransferError(CURLcode rc, const Transfer& transfer, const FetchOptions& options,
                     const std::string& detail) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      if (!transfer.refused.empty()) {
        return Status::PermissionDenied("refused to connect to " + Join(transfer.refused) +
                                        ": only public addresses are allowed");
      }
      return Status::Unavailable("cannot connect: " + detail);
    case CURLE_FILESIZE_EXCEEDED:
      return Status::ResourceExhausted("body too large: Content-Length above the cap of " +
                                       std::to_string(options.max_body_bytes) + " bytes");
    case CURLE_WRITE_ERROR:
      if (transfer.body_too_large) {
        return Status::ResourceExhausted("body too large: more than " +
                                         std::to_string(options.max_body_bytes) +
                                         " bytes (stopped reading)");
      }
      return Status::Internal("write callback failed: " + detail);
    case CURLE_TOO_MANY_REDIRECTS:
      return Status::ResourceExhausted("too many redirects: more than " +
                                       std::to_string(options.max_redirects));
    case CURLE_UNSUPPORTED_PROTOCOL:
      // The first URL was checked already, so this is a redirect.
      return Status::InvalidArgument(
          "redirect to a scheme that is not allowed (only http and "
          "https): " +
          detail);
    case CURLE_OPERATION_TIMEDOUT:
      if (detail.find("too slow") != std::string::npos) {
        return Status::Unavailable("timeout: server too slow, less than " +
                                   std::to_string(options.low_speed_bytes_per_second) +
                                   " bytes/s for " +
                                   std::to_string(options.low_speed_window.count()) + " s");
      }
      return Status::Unavailable("timeout: " + detail);
    case CURLE_PARTIAL_FILE:
      return Status::Unavailable("connection closed mid-body: " + detail);
    case CURLE_COULDNT_RESOLVE_HOST:
      return Status::Unavailable("cannot resolve host: " + detail);
    default:
      return Status::Unavailable(std::string(curl_easy_strerror(rc)) + ": " + detail);
  }
}

}  // namespace

SafeFetcher::SafeFetcher(FetchOptions options) : options_(std::move(options)) { InitCurlOnce(); }

Result<FetchedResponse> SafeFetcher::Get(std::string_view url,
                                         const CacheValidators& validators) const {
  Result<std::string> checked = CheckUrl(url);
  if (!checked.ok()) return checked.status().WithContext("fetch " + RedactedUrl(url));
  const std::string& target = *checked;
  if (HasLineBreak(validators.etag) || HasLineBreak(validators.last_modified)) {
    return Status::InvalidArgument("fetch " + target + ": cache validator contains a line break");
  }

  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) return Status::Internal("curl_easy_init failed");
  CURL* h = easy.get();
  Transfer transfer;
  transfer.options = &options_;
  char error[CURL_ERROR_SIZE] = {};

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&headers](const std::string& line) {
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  };
  if (!validators.etag.empty()) add_header("If-None-Match: " + validators.etag);
  if (!validators.last_modified.empty()) {
    add_header("If-Modified-Since: " + validators.last_modified);
  }

  curl_easy_setopt(h, CURLOPT_URL, target.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
  // libcurl honours http_proxy by default; the guard would then vet the proxy, not the
  // target (adapters notes H8).
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_IGNORED));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: timeouts must not use SIGALRM
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  if (options_.low_speed_bytes_per_second > 0) {
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT,
                     static_cast<long>(options_.low_speed_bytes_per_second));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(options_.low_speed_window.count()));
  }
  // Only the early exit on a declared length; CollectBody enforces the cap.
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_body_bytes));
  if (options_.accept_compressed) curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &OpenVettedSocket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &CollectBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);

  const CURLcode rc = curl_easy_perform(h);
  char* effective = nullptr;
  curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
  const std::string final_url = effective ? effective : target;
  if (rc != CURLE_OK) {
    const std::string detail = error[0] != '\0' ? error : curl_easy_strerror(rc);
    std::string where = "fetch " + target;
    if (final_url != target) where += " (redirected to " + final_url + ")";
    return TransferError(rc, transfer, options_, detail).WithContext(where);
  }

  FetchedResponse response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  response.not_modified = response.status == 304;
  response.body = std::move(transfer.body);
  char* content_type = nullptr;
  curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type) response.content_type = content_type;
  response.etag = LastHeader(h, "ETag");
  response.last_modified = LastHeader(h, "Last-Modified");
  response.final_url = final_url;
  return response;
}

}  // namespace vitrine
