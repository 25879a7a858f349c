#include "adapters/sender.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "curl_common.h"

namespace vitrine {
namespace {

using adapters_internal::Append;
using adapters_internal::ApplyGuardedDefaults;
using adapters_internal::CheckUrl;
using adapters_internal::EasyHandle;
using adapters_internal::ErrorDetail;
using adapters_internal::GuardState;
using adapters_internal::HasLineBreak;
using adapters_internal::RedactedUrl;
using adapters_internal::Slist;

constexpr size_t kExcerptBytes = 1024;

struct FileCloser {
  void operator()(FILE* f) const { fclose(f); }
};

// The request body, from memory or streamed from a file.
struct BodySource {
  std::string_view memory;
  FILE* file = nullptr;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* userdata) {
  auto* source = static_cast<BodySource*>(userdata);
  const size_t room = size * count;
  if (source->file) {
    const size_t n = fread(buffer, 1, room, source->file);
    // A short read before the promised length makes libcurl fail the upload, which is right
    // for a file that shrank or could not be read.
    return ferror(source->file) ? CURL_READFUNC_ABORT : n;
  }
  const size_t n = std::min(room, source->memory.size());
  memcpy(buffer, source->memory.data(), n);
  source->memory.remove_prefix(n);
  return n;
}

struct Response {
  int64_t max_bytes = 0;
  int64_t read = 0;
  std::string head;  // the first kExcerptBytes bytes
  bool stopped = false;
};

// Keeps the start of the response and stops reading after max_bytes: the status is all the
// caller needs, and a receiver sending gigabytes must not hold the sender.
size_t ReadResponse(char* data, size_t size, size_t count, void* userdata) {
  auto* response = static_cast<Response*>(userdata);
  const size_t n = size * count;
  if (response->head.size() < kExcerptBytes) {
    response->head.append(data, std::min(n, kExcerptBytes - response->head.size()));
  }
  response->read += static_cast<int64_t>(n);
  if (response->read > response->max_bytes) {
    response->stopped = true;
    return 0;  // CURLE_WRITE_ERROR, recognised below as our own stop
  }
  return n;
}

Status TransportError(CURLcode rc, const GuardState& guard, const OutboundRequest& request,
                      const std::string& detail) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      if (!guard.refused.empty()) return guard.Refusal();
      return Status::Unavailable("cannot connect (connection refused or unreachable): " + detail);
    case CURLE_OPERATION_TIMEDOUT:
      if (detail.find("too slow") != std::string::npos) {
        return Status::Unavailable("timeout: receiver too slow, less than " +
                                   std::to_string(request.low_speed_bytes_per_second) +
                                   " bytes/s for " +
                                   std::to_string(request.low_speed_window.count()) + " s");
      }
      return Status::Unavailable("timeout after " + std::to_string(request.total_timeout.count()) +
                                 " ms: " + detail);
    case CURLE_PARTIAL_FILE:
      return Status::Unavailable("connection closed mid-response: " + detail);
    case CURLE_GOT_NOTHING:
      return Status::Unavailable("connection closed without a response: " + detail);
    case CURLE_SEND_ERROR:
      return Status::Unavailable("connection reset while sending the body: " + detail);
    case CURLE_RECV_ERROR:
      return Status::Unavailable("connection reset while reading the response: " + detail);
    case CURLE_COULDNT_RESOLVE_HOST:
      return Status::Unavailable("cannot resolve host: " + detail);
    case CURLE_READ_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
      return Status::IoError("reading the body file failed: " + detail);
    default:
      return Status::Unavailable(std::string(curl_easy_strerror(rc)) + ": " + detail);
  }
}

bool ValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c <= ' ' || c == ':' || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string EscapedExcerpt(std::string_view bytes, size_t max_bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    std::string piece;
    switch (c) {
      case '\n':
        piece = "\\n";
        break;
      case '\r':
        piece = "\\r";
        break;
      case '\t':
        piece = "\\t";
        break;
      case '\\':
        piece = "\\\\";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          piece = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
        } else {
          piece = std::string(1, static_cast<char>(c));
        }
    }
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
  }
  return out;
}

HttpSender::HttpSender(SendOptions options) : options_(std::move(options)) {
  adapters_internal::InitCurlOnce();
}

Result<SendResult> HttpSender::Send(const OutboundRequest& request) const {
  Result<std::string> checked = CheckUrl(request.url, {"http", "https"});
  if (!checked.ok()) return checked.status().WithContext("send " + RedactedUrl(request.url));
  const std::string& target = *checked;
  const std::string where = "send " + target;
  for (const auto& [name, value] : request.headers) {
    if (!ValidHeaderName(name) || HasLineBreak(value)) {
      return Status::InvalidArgument(where + ": header \"" + EscapedExcerpt(name, 64) +
                                     "\" has an invalid name or a line break in its value");
    }
  }
  if (HasLineBreak(request.content_type)) {
    return Status::InvalidArgument(where + ": Content-Type contains a line break");
  }

  BodySource source{request.body, nullptr};
  std::unique_ptr<FILE, FileCloser> file;
  curl_off_t body_size = static_cast<curl_off_t>(request.body.size());
  if (!request.body_file.empty()) {
    file.reset(fopen(request.body_file.c_str(), "rbe"));
    struct stat st {};
    if (!file || fstat(fileno(file.get()), &st) != 0 || !S_ISREG(st.st_mode)) {
      return Status::IoError(where + ": cannot read body file " + request.body_file + ": " +
                             (file ? "not a regular file" : strerror(errno)));
    }
    source.file = file.get();
    body_size = static_cast<curl_off_t>(st.st_size);
  }

  EasyHandle easy(curl_easy_init());
  if (!easy) return Status::Internal("curl_easy_init failed");
  CURL* h = easy.get();
  GuardState guard;
  guard.allow_loopback = options_.allow_loopback;
  Response response;
  response.max_bytes = options_.max_response_bytes;
  char error[CURL_ERROR_SIZE] = {};

  Slist headers;
  for (const auto& [name, value] : request.headers) Append(headers, name + ": " + value);
  Append(headers, "Content-Type: " + request.content_type);
  Append(headers, "Expect:");  // no 100-continue round trip (notes H11)

  curl_easy_setopt(h, CURLOPT_URL, target.c_str());
  ApplyGuardedDefaults(h, "http,https", &guard, error, request.connect_timeout,
                       request.total_timeout, request.low_speed_bytes_per_second,
                       request.low_speed_window);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadBody);
  curl_easy_setopt(h, CURLOPT_READDATA, &source);
  if (request.method == HttpMethod::kPut) {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, body_size);
  } else {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size);
  }
  if (!request.basic_auth_user.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(h, CURLOPT_USERNAME, request.basic_auth_user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, request.basic_auth_password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &ReadResponse);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);

  const auto start = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(h);
  SendResult result;
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &result.status);
  curl_off_t retry_after = 0;
  if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0) {
    result.retry_after = std::chrono::seconds(retry_after);
  }
  result.response_excerpt = EscapedExcerpt(response.head, kExcerptBytes);
  result.response_truncated = response.stopped ||
                              response.read > static_cast<int64_t>(response.head.size()) ||
                              result.response_excerpt.size() < response.head.size();
  // Our own stop after max_response_bytes is not a failure: the status was complete.
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && response.stopped)) {
    result.transport =
        TransportError(rc, guard, request, ErrorDetail(rc, error)).WithContext(where);
  }
  return result;
}

}  // namespace vitrine
