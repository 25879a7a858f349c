// HttpServer: the HTTP facade of Vitrine, the only code that talks to Pistache.
//
// The wiring adds routes, plugs in an Authenticator, a RateLimiter and a readiness check,
// then calls Start. For every request the facade: assigns a request id (the client's
// X-Request-Id when well-formed, else a fresh one) and echoes it; routes it (404 problem
// for an unknown path, 405 with Allow for a known path and another method); authenticates
// and authorizes it (401 with WWW-Authenticate, 403); rate-limits it (429 with
// Retry-After); refuses a query parameter the route does not declare (400 naming it);
// checks its Content-Type (415) and size (413, 431, 411 for bodies without a
// Content-Length); runs the handler behind an exception barrier (500 problem, the
// exception's text goes to the log only); writes one JSON access-log line and counts the
// request in Metrics. Built-in public routes: GET /healthz, GET /readyz, GET /metrics.
//
// Thread-safety: configure (AddRoute, Set*) before Start, from one thread. Start, Stop and
// port may be called from any thread, but not concurrently with each other. Handlers run
// on the server's worker threads, several at once; a handler that blocks holds up the
// other connections of its worker thread, so slow work belongs in a job, not a handler.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "server/auth.h"
#include "server/http_message.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/route.h"

namespace vitrine {

// Receives one log line (a JSON object, no trailing newline). Called from worker threads,
// possibly at once: the sink must be thread-safe.
using LogSink = std::function<void(std::string_view line)>;

struct ServerOptions {
  // Address to listen on. "0.0.0.0" serves every interface; tests use "127.0.0.1".
  std::string address = "0.0.0.0";
  // TCP port; 0 picks a free one (read it back with HttpServer::port()).
  uint16_t port = 8080;
  // Worker threads running the event loops and the handlers.
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Largest request body accepted; a larger Content-Length gets 413 before the body is read.
  size_t max_body_bytes = 16 * 1024 * 1024;
  // Largest request line plus header fields; larger gets 431.
  size_t max_header_bytes = 64 * 1024;
  // Most header fields in one request; more gets 431 (Kestrel and hyper also stop at 100).
  size_t max_header_fields = 100;
  // A request line and headers must arrive within this time of the connection's start (or
  // of the previous response on a kept-alive connection), else the connection gets 408
  // and is closed: a slow client cannot hold a connection forever. Checked every 0.1 s.
  // Bytes that cannot be HTTP/1.x (a bare LF, binary such as a TLS hello, a method that is
  // not a token) get 400 at once instead.
  std::chrono::milliseconds header_timeout = std::chrono::seconds(10);
  // The whole request, body included, must arrive within this time (same origin as
  // header_timeout, so keep it larger).
  std::chrono::milliseconds body_timeout = std::chrono::seconds(60);
  // An idle kept-alive connection is closed after this time.
  std::chrono::milliseconds keepalive_timeout = std::chrono::seconds(60);
  // A client that takes no byte of its response for this long is dropped (like nginx's
  // send_timeout): a slow reader holds a connection, never a worker or a core.
  std::chrono::milliseconds send_timeout = std::chrono::seconds(30);
  // The kernel's send buffer of a connection whose response outgrew it (SO_SNDBUF, which
  // Linux doubles). Beyond it a response waits in memory shared by every client of the same
  // body, plus at most one 32 KiB chunk per connection.
  size_t send_buffer_bytes = 256 * 1024;
  // Most connections held at once; 0 derives it from RLIMIT_NOFILE (raised to its hard
  // limit at Start): half of what is left once the descriptors already open and a reserve
  // of 32 are counted (a connection sending a large file holds two), so accept(2) never
  // meets EMFILE. Past it a new connection
  // closes the one idle longest (kept alive, or silent since it connected); when none is
  // idle, the new one gets 503 with Retry-After: 1 and is closed.
  size_t max_connections = 0;
  // Files sent (feeds, creatives) are read whole into shared memory, and the most recent stay
  // cached up to this many bytes; a file over a quarter of it is instead held open by its
  // response and read 256 KiB at a time (closed when the response ends, however it ends).
  size_t file_cache_bytes = 256 * 1024 * 1024;
  // Stop waits this long for in-flight requests before closing connections anyway.
  std::chrono::milliseconds drain_timeout = std::chrono::seconds(30);
  // Access log and error lines. Empty: one line each to std::clog.
  LogSink log_sink;
};

class HttpServer {
 public:
  HttpServer();
  // Stops the server if it is running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds a route (see Router::Add for the errors). FailedPrecondition once started.
  // The built-in routes are taken: adding GET /healthz fails with AlreadyExists.
  Status AddRoute(Route route);
  // Without an authenticator every request is anonymous, so only public routes answer.
  void SetAuthenticator(std::shared_ptr<Authenticator> authenticator);
  // Without a rate limiter nothing is limited.
  void SetRateLimiter(std::shared_ptr<RateLimiter> limiter);
  // GET /readyz answers 200 when `check` returns OK, else 503 with the status message.
  // Without a check /readyz answers 200. `check` is called from worker threads.
  void SetReadinessCheck(std::function<Status()> check);

  // Binds and starts serving on worker threads, then returns. InvalidArgument for bad
  // options; Unavailable when the address cannot be bound; FailedPrecondition on a second
  // call (a server starts once; build a new one to serve again).
  // Blocks SIGTERM and SIGINT in the worker threads it creates (WaitForShutdownSignal
  // needs them blocked everywhere), ignores SIGPIPE process-wide, and raises the soft
  // RLIMIT_NOFILE to the hard one (see max_connections).
  Status Start(const ServerOptions& options);
  // The bound port after a successful Start; 0 before.
  int port() const;
  // Stops accepting work (requests arriving meanwhile get 503 and Connection: close),
  // waits up to drain_timeout for in-flight requests to finish and their responses to be
  // written, then closes every connection and the listening socket. Idempotent. Never call
  // it from a handler: it waits for the handler to return.
  void Stop();

  // What a route declares, for tools that walk the route table (the role matrix test, the
  // OpenAPI coverage test). Built-in routes included, in the order added.
  struct RouteInfo {
    std::string method;
    std::string pattern;
    Role required_role;
    bool platform_allowed;
    std::vector<std::string> query_params;  // Route::query_params
  };
  std::vector<RouteInfo> routes() const;

  // The registry behind GET /metrics; other modules may bump vitrine_store_errors_total.
  Metrics& metrics();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Blocks SIGTERM and SIGINT in the calling thread; threads it creates afterwards inherit
// the mask. Call it first thing in main, before any thread exists.
Status BlockShutdownSignals();

// Blocks SIGTERM and SIGINT in the calling thread, then waits for one of them with
// sigwait. Every other thread must have them blocked too (see BlockShutdownSignals), or
// the default action (terminate) may run in that thread instead. Writes the signal number
// to `*signal_number` when given.
Status WaitForShutdownSignal(int* signal_number = nullptr);

}  // namespace vitrine
