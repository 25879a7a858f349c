// Dispatcher: the request pipeline of the HTTP facade, free of any Pistache type.
//
// The Pistache adapter (http_server.cc) frames requests off the wire and hands each one to
// Dispatch, which runs the whole policy of http_server.h (request id, routing, auth, rate
// limit, content type, exception barrier) and returns the response ready to send. Every
// method is thread-safe; configuration is constant after construction.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "server/http_server.h"

namespace vitrine {

// What the adapter read off the wire.
struct IncomingRequest {
  std::string method;
  std::string target;  // the request-target as sent: "/path?query"
  HeaderMap headers;
  std::string body;
  std::string remote_address;
};

// A response ready to send, with what the access log needs.
struct Exchange {
  HttpResponse response;  // problem already serialized into body; X-Request-Id set
  std::string request_id;
  std::string method;
  std::string path;
  std::string route_name;  // "unmatched" when no route matched
  std::optional<Principal> principal;
  std::chrono::steady_clock::time_point started;
  bool head = false;  // a HEAD request: send headers only
};

class Dispatcher {
 public:
  struct Hooks {
    std::shared_ptr<Authenticator> authenticator;
    std::shared_ptr<RateLimiter> rate_limiter;
    std::function<Status()> readiness;
  };
  Dispatcher(const ServerOptions& options, Router router, Hooks hooks, Metrics& metrics);

  // Runs the pipeline. Never throws.
  Exchange Dispatch(IncomingRequest request, std::chrono::steady_clock::time_point started);
  // A response decided before the request could be read in full (413, 431, 411, 400, 501,
  // 503): routed only to label logs and metrics.
  Exchange Reject(std::string_view method, std::string_view target, const HeaderMap& headers,
                  HttpResponse problem, std::chrono::steady_clock::time_point started);

  // Writes the access-log line and counts the request in the metrics; `bytes` is the body
  // size sent.
  void Finish(const Exchange& exchange, int status, size_t bytes, std::string_view remote);
  // Serializes a problem (with `instance`), sets X-Request-Id. For responses built after
  // Dispatch, such as a file that vanished before it could be sent.
  void Finalize(Exchange& exchange);
  // An error line in the log, tied to a request id when there is one.
  void LogError(std::string_view request_id, std::string_view message);

  const ServerOptions& options() const { return options_; }
  Metrics& metrics() { return metrics_; }

  // Set by Stop: requests get 503 and connections close.
  bool draining() const { return draining_.load(std::memory_order_acquire); }
  void StartDraining() { draining_.store(true, std::memory_order_release); }
  // Requests read in full whose response is not queued for writing yet.
  void Begin() {
    active_.fetch_add(1, std::memory_order_acq_rel);
    metrics_.RequestStarted();
  }
  void End() {
    metrics_.RequestFinished();
    active_.fetch_sub(1, std::memory_order_acq_rel);
  }
  int64_t active() const { return active_.load(std::memory_order_acquire); }

 private:
  HttpResponse Route(HttpRequest& request, const Router::Match& match, Exchange& exchange);
  void WriteLog(std::string_view line);

  const ServerOptions options_;
  const Router router_;
  const Hooks hooks_;
  Metrics& metrics_;

  std::atomic<bool> draining_{false};
  std::atomic<int64_t> active_{0};
  std::mutex log_mu_;  // serializes writes to std::clog when there is no sink
};

// The client's X-Request-Id when it is 1-128 characters of [A-Za-z0-9._:-], else a fresh
// random 32-hex-digit id.
std::string RequestIdFor(const HeaderMap& headers);

}  // namespace vitrine
