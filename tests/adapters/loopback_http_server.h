// A tiny HTTP/1.1 server for the adapters tests: it listens on 127.0.0.1 and a port the kernel
// picks, runs one thread per connection and answers one request per connection with whatever
// the test's handler writes, well-formed or not (drips, lies about lengths, closes early).
// It never connects anywhere. Counters and the received requests are thread-safe to read.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace vitrine::testing {

struct HttpRequest {
  std::string method;
  std::string target;                          // "/path?query"
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string Header(const std::string& lower_name) const;
};

class LoopbackHttpServer;

// The connection of one request, handed to the handler.
class HttpExchange {
 public:
  HttpExchange(int fd, const LoopbackHttpServer& server, std::string received = {})
      : fd_(fd), server_(server), received_(std::move(received)) {}
  // Writes all of `bytes`; false once the client has gone or the server is stopping.
  bool Send(std::string_view bytes);
  // Reads the request body of `length` bytes (its Content-Length), fewer if the client stops
  // sending or the server stops. The server reads no body unless the handler asks.
  std::string ReadBody(size_t length);
  // Waits `d`, or less if the server stops; false when it stops.
  bool Pause(std::chrono::milliseconds d);

 private:
  int fd_;
  const LoopbackHttpServer& server_;
  std::string received_;  // bytes read past the request head
};

using HttpHandler = std::function<void(const HttpRequest&, HttpExchange&)>;

class LoopbackHttpServer {
 public:
  explicit LoopbackHttpServer(HttpHandler handler);
  ~LoopbackHttpServer();  // stops, wakes paused handlers, joins every thread
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port><path>"
  std::string Url(std::string_view path) const;
  int connections() const { return connections_.load(); }
  std::vector<HttpRequest> requests() const;

 private:
  friend class HttpExchange;
  void AcceptLoop();
  void Serve(int fd);
  bool stopping() const { return stopping_.load(); }

  const HttpHandler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;

  mutable std::mutex mu_;
  mutable std::condition_variable stop_cv_;
  std::vector<std::thread> workers_;   // guarded by mu_
  std::vector<HttpRequest> requests_;  // guarded by mu_
};

// A complete response with Content-Length and "Connection: close".
std::string HttpResponse(int status, std::string_view body,
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace vitrine::testing
