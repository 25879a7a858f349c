// The Pistache adapter of the HTTP facade: the one file that knows Pistache 0.0.5.
//
// Pistache 0.0.5 quirks handled here (see also ARCHITECTURE.md §5):
// - Http::Handler::onInput answers Connection: close to every request that does not send
//   a Connection header, so HTTP/1.1 clients lose keep-alive; a request too large for
//   maxRequestSize, or a parse error, gets a text/plain answer; an exception gets a 500
//   carrying its message. VitrineHandler therefore replaces onInput (a virtual of
//   Tcp::Handler): it frames requests itself with Pistache's parser and answers every
//   error as problem+json, with HTTP/1.1 keep-alive by default.
// - The parser reserves a client-declared Content-Length (or chunk size) before checking
//   any limit, so a request claiming 1 TB would allocate 1 TB. We read the head ourselves
//   first and answer 413 before the parser sees a body; chunked request bodies get 411,
//   since chunk sizes cannot be checked before the parser trusts them.
// - Response headers must be typed Header objects (raw ones are never written), hence
//   NamedHeader.
// - The header/body/keep-alive timeouts of Endpoint::Options are enforced by a timer of
//   the transport every 0.5 s; it answers an empty 408 (not problem+json: the transport
//   builds that response itself, with no hook) and closes the connection.
// - Rest::Router registers routes lazily and races with serving; we use our own Router.
// - Pending writes of a connection are dropped, their promises never settled, when the
//   connection goes away; Stop therefore counts pending writes per connection and
//   ignores connections that are gone.
// - Pipelining is not supported: the parser drops bytes that follow a complete request
//   in the same read.
#include "server/http_server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/mime.h>
#include <pistache/net.h>
#include <pistache/peer.h>
#include <pistache/stream.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <charconv>
#include <mutex>
#include <vector>

#include "common/text.h"
#include "dispatcher.h"

namespace vitrine {
namespace {

namespace P = Pistache;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kConnectionData = "vitrine.connection";

// A response header with a name chosen at run time.
class NamedHeader final : public P::Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
  uint64_t hash() const override { return P::Http::Header::detail::hash(name_.c_str()); }

 private:
  std::string name_;
  std::string value_;
};

// The request line and header fields, as read by us before Pistache's parser.
struct RequestHead {
  std::string method;
  std::string target;
  bool http11 = true;
  HeaderMap headers;
  bool keep_alive = true;
  std::optional<size_t> content_length;
  bool expect_continue = false;
};

// Framing state of one connection; lives in the peer's data, touched only by the
// connection's worker thread except `pending_writes`, which Stop reads.
struct ConnectionState {
  std::string head;  // bytes of the head read so far (the body is not copied here)
  bool head_done = false;
  bool continue_sent = false;
  bool closing = false;  // a final response was sent; discard further input
  RequestHead parsed;
  SteadyClock::time_point started;
  std::atomic<int> pending_writes{0};

  void NextRequest() {
    head.clear();
    head_done = false;
    continue_sent = false;
    parsed = RequestHead();
  }
};

// Every live connection's state, so Stop can wait for responses still being written.
struct ConnectionRegistry {
  std::mutex mu;
  std::vector<std::weak_ptr<ConnectionState>> connections;  // guarded by mu

  void Add(const std::shared_ptr<ConnectionState>& c) {
    std::lock_guard<std::mutex> lock(mu);
    if (connections.size() >= 64 && connections.size() % 64 == 0) {
      std::erase_if(connections, [](const auto& w) { return w.expired(); });
    }
    connections.push_back(c);
  }
  int PendingWrites() {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (const auto& w : connections) {
      if (auto c = w.lock()) n += c->pending_writes.load();
    }
    return n;
  }
};

bool IsPistacheMethod(std::string_view m) {
  for (std::string_view known :
       {"OPTIONS", "GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT"}) {
    if (m == known) return true;
  }
  return false;
}

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (EqualsIgnoreCase(TrimAscii(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// Parses "METHOD target HTTP/1.x" from the first line of `head`, if it is there.
bool ParseRequestLine(std::string_view head, RequestHead& out) {
  size_t eol = head.find("\r\n");
  if (eol == std::string_view::npos) return false;
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  out.method = std::string(line.substr(0, sp1));
  out.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
  out.http11 = version == "HTTP/1.1";
  return !out.method.empty() && !out.target.empty();
}

// Parses a complete head (ending with an empty line). On failure returns the problem.
std::optional<HttpResponse> ParseHead(std::string_view head, const ServerOptions& options,
                                      RequestHead& out) {
  if (!ParseRequestLine(head, out)) {
    return HttpResponse::Problem(400, "Bad Request", "Malformed request line.");
  }
  size_t pos = head.find("\r\n") + 2;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' ||
        line.front() == '\t') {
      return HttpResponse::Problem(400, "Bad Request",
                                   "Malformed header field: " + std::string(line.substr(0, 64)));
    }
    out.headers.Add(std::string(line.substr(0, colon)),
                    std::string(TrimAscii(line.substr(colon + 1))));
  }
  if (out.headers.Has("Transfer-Encoding")) {
    return HttpResponse::Problem(411, "Length Required",
                                 "Send the request body with a Content-Length; chunked request "
                                 "bodies are not accepted.");
  }
  for (std::string_view value : out.headers.GetAll("Content-Length")) {
    size_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() ||
        (out.content_length && *out.content_length != n)) {
      return HttpResponse::Problem(400, "Bad Request", "Invalid Content-Length.");
    }
    out.content_length = n;
  }
  if (out.content_length && *out.content_length > options.max_body_bytes) {
    return HttpResponse::Problem(413, "Content Too Large",
                                 "The request body is " + std::to_string(*out.content_length) +
                                     " bytes; the limit is " +
                                     std::to_string(options.max_body_bytes) + " bytes.");
  }
  if (!IsPistacheMethod(out.method)) {
    return HttpResponse::Problem(501, "Not Implemented",
                                 "Method " + out.method + " is not supported.");
  }
  auto connection = out.headers.Get("Connection");
  out.keep_alive = out.http11 ? !(connection && HasToken(*connection, "close"))
                              : (connection && HasToken(*connection, "keep-alive"));
  auto expect = out.headers.Get("Expect");
  out.expect_continue = expect && EqualsIgnoreCase(TrimAscii(*expect), "100-continue");
  return std::nullopt;
}

P::Http::Mime::MediaType MediaTypeFor(const std::string& content_type) {
  try {
    return P::Http::Mime::MediaType::fromString(content_type);
  } catch (const std::exception&) {
    return P::Http::Mime::MediaType::fromString("application/octet-stream");
  }
}

class VitrineHandler final : public P::Http::Handler {
 public:
  HTTP_PROTOTYPE(VitrineHandler)

  VitrineHandler(std::shared_ptr<Dispatcher> dispatcher,
                 std::shared_ptr<ConnectionRegistry> registry)
      : dispatcher_(std::move(dispatcher)), registry_(std::move(registry)) {}

  // Pistache calls onRequest only from Http::Handler::onInput, which this class replaces;
  // should a later Pistache call it anyway, answer rather than crash.
  void onRequest(const P::Http::Request& /*request*/, P::Http::ResponseWriter response) override {
    dispatcher_->LogError("", "Pistache called onRequest directly; the request was dropped");
    response.send(P::Http::Code::Internal_Server_Error);
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<P::Tcp::Peer>& peer) override {
    try {
      Input(buffer, len, peer);
    } catch (const std::exception& e) {
      // Framing failed in a way we did not foresee: the stream is unusable.
      dispatcher_->LogError("", std::string("connection dropped: ") + e.what());
      ::shutdown(peer->fd(), SHUT_RDWR);
    } catch (...) {
      dispatcher_->LogError("", "connection dropped: non-standard exception");
      ::shutdown(peer->fd(), SHUT_RDWR);
    }
  }

 private:
  std::shared_ptr<ConnectionState> StateOf(const std::shared_ptr<P::Tcp::Peer>& peer) {
    if (auto data = peer->tryGetData(kConnectionData)) {
      return std::static_pointer_cast<ConnectionState>(data);
    }
    auto state = std::make_shared<ConnectionState>();
    peer->putData(kConnectionData, state);
    registry_->Add(state);
    return state;
  }

  void Input(const char* buffer, size_t len, const std::shared_ptr<P::Tcp::Peer>& peer) {
    auto conn = StateOf(peer);
    if (conn->closing) return;
    const ServerOptions& options = dispatcher_->options();

    if (!conn->head_done) {
      if (conn->head.empty()) {
        conn->started = SteadyClock::now();
        // Pistache judges a connection that answered a request as idle (keep-alive
        // timeout only) until the next request is complete; mark it busy as soon as the
        // next one starts, so the header timeout also bounds slow heads on kept-alive
        // connections.
        peer->setIdle(false);
      }
      size_t scan_from = conn->head.size() >= 3 ? conn->head.size() - 3 : 0;
      conn->head.append(buffer, len);
      size_t end = conn->head.find("\r\n\r\n", scan_from);
      if (end == std::string::npos || end + 4 > options.max_header_bytes) {
        if (conn->head.size() > options.max_header_bytes) {
          ParseRequestLine(conn->head, conn->parsed);
          return RejectAndClose(
              peer, *conn,
              HttpResponse::Problem(431, "Request Header Fields Too Large",
                                    "The request line and headers exceed " +
                                        std::to_string(options.max_header_bytes) + " bytes."));
        }
      } else {
        conn->head.resize(end + 4);
        conn->head_done = true;
        if (auto problem = ParseHead(conn->head, options, conn->parsed)) {
          return RejectAndClose(peer, *conn, std::move(*problem));
        }
        if (dispatcher_->draining()) conn->parsed.keep_alive = false;
      }
    }

    auto parser = P::Http::Handler::getParser(peer);
    if (!parser->feed(buffer, len)) {
      // Only reachable when the head and body together outgrow maxRequestSize, which is
      // sized to max_header_bytes + max_body_bytes.
      return RejectAndClose(
          peer, *conn,
          HttpResponse::Problem(
              413, "Content Too Large",
              "The request exceeds " + std::to_string(options.max_body_bytes) + " bytes of body."));
    }
    P::Http::Private::State state;
    try {
      state = parser->parse();
    } catch (const P::Http::HttpError& e) {
      return RejectAndClose(
          peer, *conn,
          HttpResponse::Problem(e.code() >= 400 && e.code() < 600 ? e.code() : 400,
                                std::string(StatusReason(e.code())),
                                "The request could not be parsed: " + e.reason()));
    } catch (const std::exception& e) {
      return RejectAndClose(
          peer, *conn,
          HttpResponse::Problem(400, "Bad Request",
                                std::string("The request could not be parsed: ") + e.what()));
    }
    if (state != P::Http::Private::State::Done) {
      if (conn->head_done && conn->parsed.expect_continue && !conn->continue_sent) {
        conn->continue_sent = true;
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        transport()->asyncWrite(peer->fd(), P::RawBuffer(kContinue, kContinue.size()));
      }
      return;
    }
    if (!conn->head_done) {
      // The parser finished before our head scan did: only possible if they disagree on
      // where the head ends, so refuse rather than guess.
      return RejectAndClose(peer, *conn,
                            HttpResponse::Problem(400, "Bad Request", "Malformed request head."));
    }

    IncomingRequest in;
    in.method = std::move(conn->parsed.method);
    in.target = std::move(conn->parsed.target);
    in.headers = std::move(conn->parsed.headers);
    in.body = parser->request.body();
    in.remote_address = peer->address().host();
    const bool http11 = conn->parsed.http11;
    bool keep_alive = conn->parsed.keep_alive;
    const auto started = conn->started;
    parser->reset();
    conn->NextRequest();

    dispatcher_->Begin();
    struct EndGuard {
      Dispatcher* d;
      ~EndGuard() { d->End(); }
    } guard{dispatcher_.get()};
    std::string remote = in.remote_address;
    Exchange exchange = dispatcher_->Dispatch(std::move(in), started);
    if (dispatcher_->draining()) keep_alive = false;
    Send(peer, *conn, std::move(exchange), keep_alive, http11, remote);
  }

  void RejectAndClose(const std::shared_ptr<P::Tcp::Peer>& peer, ConnectionState& conn,
                      HttpResponse problem) {
    conn.closing = true;
    if (conn.head.empty() || conn.started == SteadyClock::time_point()) {
      conn.started = SteadyClock::now();
    }
    dispatcher_->Begin();
    struct EndGuard {
      Dispatcher* d;
      ~EndGuard() { d->End(); }
    } guard{dispatcher_.get()};
    Exchange exchange = dispatcher_->Reject(conn.parsed.method, conn.parsed.target,
                                            conn.parsed.headers, std::move(problem), conn.started);
    Send(peer, conn, std::move(exchange), /*keep_alive=*/false, conn.parsed.http11,
         peer->address().host());
  }

  void Send(const std::shared_ptr<P::Tcp::Peer>& peer, ConnectionState& conn, Exchange ex,
            bool keep_alive, bool http11, const std::string& remote) {
    HttpResponse& r = ex.response;
    size_t bytes = 0;
    if (r.file_path) {
      struct stat st {};
      if (::stat(r.file_path->c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        dispatcher_->LogError(ex.request_id, "file to send is not there: " + *r.file_path);
        r = HttpResponse::Problem(404, "Not Found", "The requested file is not available.");
        dispatcher_->Finalize(ex);
      } else {
        bytes = static_cast<size_t>(st.st_size);
      }
    }
    if (!r.file_path) bytes = ex.head ? 0 : r.body.size();

    const auto version = http11 ? P::Http::Version::Http11 : P::Http::Version::Http10;
    P::Http::ResponseWriter writer(version, transport(), this, peer);
    writer.headers().add<P::Http::Header::Connection>(
        keep_alive ? P::Http::ConnectionControl::KeepAlive : P::Http::ConnectionControl::Close);
    std::vector<std::pair<std::string, std::string>> merged;
    for (const auto& [name, value] : r.headers.fields()) {
      if (EqualsIgnoreCase(name, "Set-Cookie")) {
        writer.cookies().add(P::Http::Cookie::fromString(value));
        continue;
      }
      // The facade owns message framing.
      if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
          EqualsIgnoreCase(name, "Content-Type") || EqualsIgnoreCase(name, "Transfer-Encoding")) {
        continue;
      }
      auto same = std::find_if(merged.begin(), merged.end(),
                               [&](const auto& m) { return EqualsIgnoreCase(m.first, name); });
      if (same == merged.end()) {
        merged.emplace_back(name, value);
      } else {
        same->second += ", " + value;
      }
    }
    for (auto& [name, value] : merged) {
      writer.headers().add(std::make_shared<NamedHeader>(std::move(name), std::move(value)));
    }

    const int status = r.status;
    dispatcher_->Finish(ex, status, bytes, remote);
    if (!keep_alive) conn.closing = true;

    auto code = static_cast<P::Http::Code>(status);
    auto mime = MediaTypeFor(r.content_type);
    std::optional<P::Async::Promise<ssize_t>> sent;
    try {
      if (r.file_path && !ex.head) {
        sent.emplace(P::Http::serveFile(writer, *r.file_path, mime));
      } else {
        // For HEAD the body is dropped, so Content-Length says 0: Pistache writes the
        // length of what it sends and has no way to announce another.
        // (data, size), so that a large body is not copied once more before Pistache's buffer.
        sent.emplace(writer.send(code, r.body.data(), ex.head ? 0 : r.body.size(), mime));
      }
    } catch (const std::exception& e) {
      // serveFile throws when the file vanished between stat and open; headers may be
      // half-built in the writer, so the only safe answer is to close.
      dispatcher_->LogError(ex.request_id, std::string("sending the response failed: ") + e.what());
      ::shutdown(peer->fd(), SHUT_RDWR);
      return;
    }
    // serveFile bypasses the code that marks the connection idle; without it a kept-alive
    // connection would fall under the header timeout instead of the keep-alive one.
    peer->setIdle(true);
    auto state = StateOf(peer);
    state->pending_writes.fetch_add(1);
    std::weak_ptr<ConnectionState> weak = state;
    const int fd = peer->fd();
    sent->then(
        [weak, fd, keep_alive](ssize_t) {
          if (auto c = weak.lock()) {
            // Half-close after the last response: the client sees the end of the stream,
            // and Pistache closes the socket when the client closes its side.
            if (!keep_alive) ::shutdown(fd, SHUT_WR);
            c->pending_writes.fetch_sub(1);
          }
        },
        [weak, fd](std::exception_ptr) {
          if (auto c = weak.lock()) {
            ::shutdown(fd, SHUT_RDWR);
            c->pending_writes.fetch_sub(1);
          }
        });
  }

  std::shared_ptr<Dispatcher> dispatcher_;
  std::shared_ptr<ConnectionRegistry> registry_;
};

// Blocks SIGTERM and SIGINT in the calling thread for its lifetime, then restores the mask.
class ScopedSignalBlock {
 public:
  ScopedSignalBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &saved_);
  }
  ~ScopedSignalBlock() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

 private:
  sigset_t saved_;
};

}  // namespace

struct HttpServer::Impl {
  Metrics metrics;
  Router router;  // moved into the dispatcher by Start
  std::vector<HttpServer::RouteInfo> route_infos;
  Dispatcher::Hooks hooks;
  std::shared_ptr<Dispatcher> dispatcher;
  std::shared_ptr<ConnectionRegistry> registry;
  std::unique_ptr<P::Http::Endpoint> endpoint;
  std::atomic<int> port{0};
  bool started = false;
};

HttpServer::HttpServer() : impl_(std::make_shared<Impl>()) {
  Impl* impl = impl_.get();
  auto builtin = [&](std::string pattern, RouteHandler handler) {
    Route route;
    route.method = "GET";
    route.pattern = std::move(pattern);
    route.required_role = Role::kPublic;
    route.handler = std::move(handler);
    impl->route_infos.push_back({route.method, route.pattern, route.required_role, false, {}});
    Status added = impl->router.Add(std::move(route));
    assert(added.ok() && "built-in routes are well-formed and distinct");
    (void)added;
  };
  builtin("/healthz", [](const HttpRequest&) {
    return HttpResponse::Json(200, {{"status", "ok"}});
  });
  builtin("/readyz", [impl](const HttpRequest&) {
    Status ready = impl->hooks.readiness ? impl->hooks.readiness() : Status::Ok();
    if (ready.ok()) return HttpResponse::Json(200, {{"status", "ready"}});
    return HttpResponse::Problem(503, "Service Unavailable", "Not ready: " + ready.ToString());
  });
  builtin("/metrics", [impl](const HttpRequest&) {
    return HttpResponse::Text(200, impl->metrics.RenderPrometheus(),
                              "text/plain; version=0.0.4; charset=utf-8");
  });
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::AddRoute(Route route) {
  if (impl_->started) return Status::FailedPrecondition("routes must be added before Start");
  RouteInfo info{route.method, route.pattern, route.required_role, route.platform_allowed,
                 route.query_params};
  VITRINE_RETURN_IF_ERROR(impl_->router.Add(std::move(route)));
  impl_->route_infos.push_back(std::move(info));
  return Status::Ok();
}

std::vector<HttpServer::RouteInfo> HttpServer::routes() const { return impl_->route_infos; }

void HttpServer::SetAuthenticator(std::shared_ptr<Authenticator> authenticator) {
  impl_->hooks.authenticator = std::move(authenticator);
}

void HttpServer::SetRateLimiter(std::shared_ptr<RateLimiter> limiter) {
  impl_->hooks.rate_limiter = std::move(limiter);
}

void HttpServer::SetReadinessCheck(std::function<Status()> check) {
  impl_->hooks.readiness = std::move(check);
}

Metrics& HttpServer::metrics() { return impl_->metrics; }

int HttpServer::port() const { return impl_->port.load(); }

Status HttpServer::Start(const ServerOptions& options) {
  if (impl_->started) return Status::FailedPrecondition("the server was already started");
  if (options.threads < 1) return Status::InvalidArgument("threads must be at least 1");
  if (options.max_body_bytes == 0 || options.max_header_bytes < 256) {
    return Status::InvalidArgument("max_body_bytes must be > 0 and max_header_bytes >= 256");
  }
  if (options.header_timeout.count() <= 0 || options.body_timeout.count() <= 0 ||
      options.keepalive_timeout.count() <= 0) {
    return Status::InvalidArgument("timeouts must be positive");
  }
  impl_->started = true;
  // A peer that disconnects while sendfile(2) writes to it raises SIGPIPE, which sendfile
  // cannot suppress per call the way send(MSG_NOSIGNAL) does.
  ::signal(SIGPIPE, SIG_IGN);

  impl_->dispatcher =
      std::make_shared<Dispatcher>(options, std::move(impl_->router), impl_->hooks, impl_->metrics);
  impl_->registry = std::make_shared<ConnectionRegistry>();
  try {
    P::Address address(options.address, P::Port(options.port));
    auto endpoint = std::make_unique<P::Http::Endpoint>(address);
    auto opts = P::Http::Endpoint::options()
                    .threads(options.threads)
                    .threadsName("vitrine-http")
                    .flags(P::Tcp::Options::ReuseAddr | P::Tcp::Options::NoDelay)
                    // Our own head scan enforces both limits precisely; this is the backstop.
                    .maxRequestSize(options.max_body_bytes + options.max_header_bytes + 4)
                    .headerTimeout(options.header_timeout)
                    .bodyTimeout(options.body_timeout)
                    .keepaliveTimeout(options.keepalive_timeout);
    // Threads created meanwhile inherit the mask: SIGTERM/SIGINT must reach
    // WaitForShutdownSignal, not a worker.
    ScopedSignalBlock block;
    endpoint->init(opts);
    endpoint->setHandler(std::make_shared<VitrineHandler>(impl_->dispatcher, impl_->registry));
    endpoint->serveThreaded();
    impl_->port.store(static_cast<uint16_t>(endpoint->getPort()));
    impl_->endpoint = std::move(endpoint);
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot serve on " + options.address + ":" +
                               std::to_string(options.port) + ": " + e.what());
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!impl_->endpoint) return;
  Dispatcher& d = *impl_->dispatcher;
  d.StartDraining();
  const auto deadline = SteadyClock::now() + d.options().drain_timeout;
  while (SteadyClock::now() < deadline &&
         (d.active() > 0 || impl_->registry->PendingWrites() > 0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (d.active() > 0 || impl_->registry->PendingWrites() > 0) {
    d.LogError("", "stopping with requests still in flight after the drain timeout");
  }
  impl_->endpoint->shutdown();
  // Destroying the endpoint closes the listening socket and every connection.
  impl_->endpoint.reset();
  impl_->port.store(0);
}

}  // namespace vitrine
