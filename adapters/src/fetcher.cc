#include "adapters/fetcher.h"

#include <curl/curl.h>

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

// What the callbacks of one transfer learn, read back after curl_easy_perform.
struct Transfer {
  const FetchOptions* options = nullptr;
  std::string body;
  bool body_too_large = false;
  GuardState guard;
};

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

Status TransferError(CURLcode rc, const Transfer& transfer, const FetchOptions& options,
                     const std::string& detail) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      if (!transfer.guard.refused.empty()) return transfer.guard.Refusal();
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

SafeFetcher::SafeFetcher(FetchOptions options) : options_(std::move(options)) {
  adapters_internal::InitCurlOnce();
}

Result<FetchedResponse> SafeFetcher::Get(std::string_view url,
                                         const CacheValidators& validators) const {
  Result<std::string> checked = CheckUrl(url, {"http", "https"});
  if (!checked.ok()) return checked.status().WithContext("fetch " + RedactedUrl(url));
  const std::string& target = *checked;
  if (HasLineBreak(validators.etag) || HasLineBreak(validators.last_modified)) {
    return Status::InvalidArgument("fetch " + target + ": cache validator contains a line break");
  }

  EasyHandle easy(curl_easy_init());
  if (!easy) return Status::Internal("curl_easy_init failed");
  CURL* h = easy.get();
  Transfer transfer;
  transfer.options = &options_;
  transfer.guard.allow_loopback = options_.allow_loopback;
  char error[CURL_ERROR_SIZE] = {};

  Slist headers;
  if (!validators.etag.empty()) Append(headers, "If-None-Match: " + validators.etag);
  if (!validators.last_modified.empty()) {
    Append(headers, "If-Modified-Since: " + validators.last_modified);
  }

  curl_easy_setopt(h, CURLOPT_URL, target.c_str());
  ApplyGuardedDefaults(h, "http,https", &transfer.guard, error, options_.connect_timeout,
                       options_.total_timeout, options_.low_speed_bytes_per_second,
                       options_.low_speed_window);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
  // Only the early exit on a declared length; CollectBody enforces the cap.
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_body_bytes));
  if (options_.accept_compressed) curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &CollectBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);

  const CURLcode rc = curl_easy_perform(h);
  char* effective = nullptr;
  curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
  const std::string final_url = effective ? effective : target;
  if (rc != CURLE_OK) {
    const std::string detail = ErrorDetail(rc, error);
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
