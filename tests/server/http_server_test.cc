// The facade over a real socket on 127.0.0.1: libcurl for ordinary clients, raw sockets
// where the test needs control of the bytes (slow clients, keep-alive, oversized bodies).
#include "server/http_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <regex>
#include <thread>

#include "server/json_body.h"

#include "loopback_socket.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;

// ---- clients -------------------------------------------------------------------------

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  long new_connections = 0;

  std::string Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (EqualsIgnoreCase(n, name)) return v;
    }
    return "";
  }
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

size_t CollectBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t CollectHeader(char* data, size_t size, size_t n, void* out) {
  std::string_view line(data, size * n);
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(out);
  if (line.substr(0, 5) == "HTTP/") headers->clear();  // a new response (after 100 Continue)
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.remove_suffix(1);
    headers->emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * n;
}

class Client {
 public:
  Client() : curl_(curl_easy_init()) {}
  ~Client() { curl_easy_cleanup(curl_); }

  Reply Fetch(int port, const std::string& method, const std::string& path,
              std::vector<std::string> headers = {}, std::optional<std::string> body = {}) {
    curl_easy_reset(curl_);  // keeps the connection cache
    Reply reply;
    std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, CollectBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, CollectHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply.headers);
    if (method == "HEAD") {
      curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
    } else if (method != "GET") {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    if (body) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    reply.code = curl_easy_perform(curl_);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &reply.new_connections);
    curl_slist_free_all(list);
    return reply;
  }

 private:
  CURL* curl_;
};

using testing::Connect;
using testing::SendAll;

// Reads one response (head and Content-Length body). Empty on timeout or end of stream.
std::string ReadResponse(int fd, std::chrono::milliseconds timeout = 5s) {
  std::string data;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t need = std::string::npos;
  while (data.size() < need) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return "";
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return need == std::string::npos ? "" : data;
    data.append(buf, static_cast<size_t>(n));
    size_t end = data.find("\r\n\r\n");
    if (need == std::string::npos && end != std::string::npos) {
      std::smatch m;
      std::string head = data.substr(0, end);
      static const std::regex kLength("Content-Length: (\\d+)", std::regex::icase);
      size_t length = std::regex_search(head, m, kLength) ? std::stoul(m[1]) : 0;
      need = end + 4 + length;
    }
  }
  return data;
}

// True when the server closes the connection within `timeout` (reading and discarding).
bool ClosedByServer(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
  }
  return false;
}

// ---- server under test -----------------------------------------------------------------

class LogCapture {
 public:
  LogSink Sink() {
    return [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    };
  }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  // The access-log line of a request, parsed; null when absent.
  nlohmann::json AccessLine(const std::string& request_id) {
    for (const auto& line : Lines()) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("type", "") == "access" &&
          j.value("request_id", "") == request_id) {
        return j;
      }
    }
    return nullptr;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// Tokens "viewer", "editor", "approver", "admin", "google" (platform); anything else is
// an invalid token. Also reads ?token= like feed URLs do.
class FakeAuthenticator final : public Authenticator {
 public:
  Result<std::optional<Principal>> Authenticate(const HttpRequest& request) override {
    std::string token;
    if (auto h = request.headers.Get("Authorization")) {
      if (h->substr(0, 7) != "Bearer ") return Status::Unauthenticated("malformed Authorization");
      token = std::string(h->substr(7));
    } else if (auto q = request.Query("token")) {
      token = std::string(*q);
    } else {
      return std::optional<Principal>();
    }
    if (token == "google")
      return std::optional<Principal>(Principal{"g", Role::kPlatform, "google"});
    auto role = ParseRole(token);
    if (!role.ok() || *role == Role::kPublic || *role == Role::kPlatform) {
      return Status::Unauthenticated("unknown or expired token");
    }
    return std::optional<Principal>(Principal{token + "-user", *role, std::nullopt});
  }
};

Route MakeRoute(std::string method, std::string pattern, RouteHandler handler,
                Role role = Role::kPublic) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.required_role = role;
  r.handler = std::move(handler);
  return r;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.address = "127.0.0.1";
    options_.port = 0;
    options_.threads = 2;
    options_.max_body_bytes = 1024;
    options_.log_sink = log_.Sink();
  }

  // Adds the routes most tests use, then starts.
  void Start() {
    Route things = MakeRoute("GET", "/things/{id}", [](const HttpRequest& r) {
      nlohmann::json q = nlohmann::json::object();
      for (const auto& [k, v] : r.query) q[k].push_back(v);
      return HttpResponse::Json(200, {{"id", r.PathParam("id")},
                                      {"route", r.route},
                                      {"path", r.path},
                                      {"query", q},
                                      {"principal", r.principal ? r.principal->subject : ""}});
    });
    things.query_params = {"tag", "empty", "q", "x"};
    Add(std::move(things));
    Route post = MakeRoute("POST", "/things", [](const HttpRequest& r) {
      auto body = ParseJsonBody(r);
      if (!body.ok()) return HttpResponse::FromStatus(body.status());
      if (auto problem = RejectUnknownFields(*body, {"name", "price"})) return *problem;
      return HttpResponse::Json(201, *body);
    });
    post.accepted_content_types = {"application/json"};
    Add(std::move(post));
    Add(MakeRoute("GET", "/boom", [](const HttpRequest&) -> HttpResponse {
      throw std::runtime_error("connection to /var/db/secret.db lost");
    }));
    Add(MakeRoute(
        "GET", "/campaigns",
        [](const HttpRequest&) { return HttpResponse::Json(200, nlohmann::json::array()); },
        Role::kViewer));
    Add(MakeRoute(
        "POST", "/campaigns",
        [](const HttpRequest& r) {
          return HttpResponse::Json(201, {{"by", r.principal->subject}});
        },
        Role::kEditor));
    Route feed = MakeRoute(
        "GET", "/feeds/offers.csv",
        [](const HttpRequest&) {
          return HttpResponse::Text(200, "id\n1\n", "text/csv; charset=utf-8");
        },
        Role::kViewer);
    feed.platform_allowed = true;
    feed.query_params = {"token"};
    Add(std::move(feed));
    Status started = server_.Start(options_);
    ASSERT_TRUE(started.ok()) << started.ToString();
    ASSERT_GT(server_.port(), 0);
  }

  void Add(Route route) {
    Status s = server_.AddRoute(std::move(route));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  Reply Get(const std::string& path, std::vector<std::string> headers = {}) {
    return client_.Fetch(server_.port(), "GET", path, std::move(headers));
  }

  static void ExpectProblem(const Reply& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
    auto p = r.Json();
    ASSERT_TRUE(p.is_object()) << r.body;
    EXPECT_EQ(p["status"], status);
    EXPECT_TRUE(p["title"].is_string());
    EXPECT_TRUE(p["detail"].is_string());
    EXPECT_EQ(p["type"], "about:blank");
    EXPECT_FALSE(r.Header("X-Request-Id").empty());
    EXPECT_EQ(p["instance"], r.Header("X-Request-Id"));
  }

  ServerOptions options_;
  LogCapture log_;
  HttpServer server_;
  Client client_;
};

TEST_F(HttpServerTest, RoutesWithPathAndQueryParameters) {
  Start();
  Reply r = Get("/things/a%20b?tag=x&tag=y+z&empty=&q=%C3%A9t%C3%A9");
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  auto j = r.Json();
  EXPECT_EQ(j["id"], "a b");
  EXPECT_EQ(j["route"], "/things/{id}");
  EXPECT_EQ(j["path"], "/things/a b");
  EXPECT_EQ(j["query"]["tag"], nlohmann::json({"x", "y z"}));
  EXPECT_EQ(j["query"]["empty"], nlohmann::json({""}));
  EXPECT_EQ(j["query"]["q"], nlohmann::json({"été"}));
}

TEST_F(HttpServerTest, AQueryParameterTheRouteDoesNotDeclareIsA400Problem) {
  std::atomic<int> calls{0};
  Route counted = MakeRoute("GET", "/counted", [&calls](const HttpRequest&) {
    ++calls;
    return HttpResponse::Json(200, nlohmann::json::object());
  });
  counted.query_params = {"limit"};
  Add(std::move(counted));
  Start();
  Reply r = Get("/counted?limit=1&Limit=2&sort=name&sort=id");
  ExpectProblem(r, 400);
  auto problem = r.Json();
  ASSERT_EQ(problem["errors"].size(), 2u) << r.body;  // each name once, in name order
  EXPECT_EQ(problem["errors"][0]["field"], "Limit");  // names are case-sensitive
  EXPECT_EQ(problem["errors"][1]["field"], "sort");
  EXPECT_EQ(problem["detail"],
            "GET /counted has no query parameter \"Limit\", \"sort\"; it takes limit.");
  EXPECT_EQ(calls.load(), 0);  // refused before the handler
  EXPECT_EQ(Get("/counted?limit=1&limit=2").status, 200);
  EXPECT_EQ(Get("/counted").status, 200);
  EXPECT_EQ(calls.load(), 2);
  // A route that declares none takes none.
  r = Get("/boom?x=1");
  ExpectProblem(r, 400);
  EXPECT_EQ(r.Json()["detail"], "GET /boom has no query parameter \"x\"; it takes none.");
}

TEST_F(HttpServerTest, UnknownPathIsA404Problem) {
  Start();
  ExpectProblem(Get("/nope"), 404);
  ExpectProblem(Get("/things/1/extra"), 404);
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllowForEveryMethod) {
  Start();
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    Reply r = client_.Fetch(server_.port(), method, "/things/1");
    ExpectProblem(r, 405);
    EXPECT_EQ(r.Header("Allow"), "GET, HEAD") << method;
  }
  Reply r = client_.Fetch(server_.port(), "GET", "/things");
  ExpectProblem(r, 405);
  EXPECT_EQ(r.Header("Allow"), "POST");
  // HEAD is answered by the GET route, without a body.
  r = client_.Fetch(server_.port(), "HEAD", "/things/1");
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpServerTest, OversizedBodyIs413StatingTheLimit) {
  Start();
  Reply r = client_.Fetch(server_.port(), "POST", "/things", {"Content-Type: application/json"},
                          std::string(2000, ' '));
  ExpectProblem(r, 413);
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("1024 bytes"), std::string::npos);

  // A client announcing a huge body is answered before it sends a byte of it.
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: 1000000000000\r\n\r\n"));
  std::string raw = ReadResponse(fd);
  EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 413") << raw;
  EXPECT_NE(raw.find("application/problem+json"), std::string::npos);
  EXPECT_NE(raw.find("Connection: Close"), std::string::npos) << raw;
  EXPECT_TRUE(ClosedByServer(fd, 5s));
  ::close(fd);

  // Expect: 100-continue (curl sends it for large uploads) gets the 413 instead of 100.
  r = client_.Fetch(server_.port(), "POST", "/things",
                    {"Content-Type: application/json", "Expect: 100-continue"},
                    std::string(5000, ' '));
  ExpectProblem(r, 413);
}

TEST_F(HttpServerTest, ExpectContinueWithinTheLimitGetsThrough) {
  Start();
  std::string body = R"({"name": ")" + std::string(900, 'x') + R"("})";
  Reply r = client_.Fetch(server_.port(), "POST", "/things",
                          {"Content-Type: application/json", "Expect: 100-continue"}, body);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["name"].get<std::string>().size(), 900u);
}

TEST_F(HttpServerTest, ChunkedBodiesAndHugeHeadersAreRefused) {
  Start();
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "POST /things HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "2\r\n{}\r\n0\r\n\r\n"));
  std::string raw = ReadResponse(fd);
  EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 411") << raw;
  ::close(fd);

  Reply r = Get("/things/1", {"X-Big: " + std::string(70 * 1024, 'a')});
  ExpectProblem(r, 431);
}

TEST_F(HttpServerTest, UndeclaredContentTypeIs415) {
  Start();
  Reply r = client_.Fetch(server_.port(), "POST", "/things", {"Content-Type: text/csv"}, "a,b");
  ExpectProblem(r, 415);
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("application/json"), std::string::npos);
  r = client_.Fetch(server_.port(), "POST", "/things",
                    {"Content-Type: application/json; charset=utf-8"}, R"({"name": "x"})");
  EXPECT_EQ(r.status, 201);
}

TEST_F(HttpServerTest, InvalidJsonIs400WithThePosition) {
  Start();
  Reply r = client_.Fetch(server_.port(), "POST", "/things", {"Content-Type: application/json"},
                          R"({"name": "x",, "price": 1})");
  ExpectProblem(r, 400);
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("at byte 14"), std::string::npos) << r.body;
}

TEST_F(HttpServerTest, UnknownFieldsAre400NamingThem) {
  Start();
  Reply r = client_.Fetch(server_.port(), "POST", "/things", {"Content-Type: application/json"},
                          R"({"name": "x", "colour": "red", "weight": 2})");
  ExpectProblem(r, 400);
  auto p = r.Json();
  ASSERT_EQ(p["errors"].size(), 2u);
  EXPECT_EQ(p["errors"][0]["field"], "colour");
  EXPECT_EQ(p["errors"][1]["field"], "weight");
  EXPECT_NE(p["detail"].get<std::string>().find("colour, weight"), std::string::npos);
}

TEST_F(HttpServerTest, ExceptionBarrierHidesTheMessageAndLogsIt) {
  Start();
  Reply r = Get("/boom");
  ExpectProblem(r, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;
  const std::string id = r.Header("X-Request-Id");
  bool logged = false;
  for (const auto& line : log_.Lines()) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.value("type", "") == "error" && j.value("request_id", "") == id &&
        j.value("message", "").find("secret.db") != std::string::npos) {
      logged = true;
    }
  }
  EXPECT_TRUE(logged);
  // The server is still fine.
  EXPECT_EQ(Get("/things/1").status, 200);
}

TEST_F(HttpServerTest, AuthenticationAndRoles) {
  server_.SetAuthenticator(std::make_shared<FakeAuthenticator>());
  Start();
  const int port = server_.port();
  Reply r = Get("/campaigns");
  ExpectProblem(r, 401);
  EXPECT_NE(r.Header("WWW-Authenticate").find("Bearer"), std::string::npos);
  r = Get("/campaigns", {"Authorization: Bearer nonsense"});
  ExpectProblem(r, 401);
  EXPECT_NE(r.Header("WWW-Authenticate").find("invalid_token"), std::string::npos);
  EXPECT_EQ(Get("/campaigns", {"Authorization: Bearer viewer"}).status, 200);

  ExpectProblem(client_.Fetch(port, "POST", "/campaigns", {"Authorization: Bearer viewer"}), 403);
  for (const char* token : {"editor", "approver", "admin"}) {
    r = client_.Fetch(port, "POST", "/campaigns", {std::string("Authorization: Bearer ") + token});
    EXPECT_EQ(r.status, 201) << token;
    EXPECT_EQ(r.Json()["by"], std::string(token) + "-user");
  }
  // A platform reads feeds (token in the URL, as platforms fetch) and nothing else.
  EXPECT_EQ(Get("/feeds/offers.csv?token=google").status, 200);
  ExpectProblem(Get("/campaigns", {"Authorization: Bearer google"}), 403);
  // Public routes ignore bad credentials but name good ones.
  EXPECT_EQ(Get("/things/1", {"Authorization: Bearer nonsense"}).status, 200);
  EXPECT_EQ(Get("/things/1", {"Authorization: Bearer admin"}).Json()["principal"], "admin-user");
}

TEST_F(HttpServerTest, RateLimitAnswers429WithRetryAfter) {
  ManualClock clock(FromUnixSeconds(1'800'000'000));
  server_.SetAuthenticator(std::make_shared<FakeAuthenticator>());
  server_.SetRateLimiter(std::make_shared<TokenBucketRateLimiter>(
      std::map<Role, TokenBucketRateLimiter::Limit>{{Role::kViewer, {.per_second = 1, .burst = 2}}},
      clock));
  Start();
  const std::vector<std::string> auth = {"Authorization: Bearer viewer"};
  EXPECT_EQ(Get("/campaigns", auth).status, 200);
  EXPECT_EQ(Get("/campaigns", auth).status, 200);
  Reply r = Get("/campaigns", auth);
  ExpectProblem(r, 429);
  EXPECT_EQ(r.Header("Retry-After"), "1");
  EXPECT_EQ(Get("/campaigns", {"Authorization: Bearer editor"}).status, 200);  // not limited
  clock.Advance(1s);
  EXPECT_EQ(Get("/campaigns", auth).status, 200);
}

TEST_F(HttpServerTest, EchoesOrAssignsTheRequestId) {
  Start();
  Reply r = Get("/things/1", {"X-Request-Id: client-42.a_b:c"});
  EXPECT_EQ(r.Header("X-Request-Id"), "client-42.a_b:c");
  r = Get("/things/1", {"X-Request-Id: bad id with spaces"});
  EXPECT_TRUE(std::regex_match(r.Header("X-Request-Id"), std::regex("[0-9a-f]{32}")))
      << r.Header("X-Request-Id");
  std::string first = Get("/things/1").Header("X-Request-Id");
  EXPECT_NE(first, Get("/things/1").Header("X-Request-Id"));
}

TEST_F(HttpServerTest, WritesOneJsonAccessLogLinePerRequest) {
  server_.SetAuthenticator(std::make_shared<FakeAuthenticator>());
  Start();
  Reply r = Get("/things/7?x=1", {"X-Request-Id: log-me", "Authorization: Bearer editor"});
  ASSERT_EQ(r.status, 200);
  nlohmann::json line = log_.AccessLine("log-me");
  ASSERT_TRUE(line.is_object());
  EXPECT_TRUE(line["ts"].is_string());
  EXPECT_EQ(line["method"], "GET");
  EXPECT_EQ(line["route"], "/things/{id}");
  EXPECT_EQ(line["path"], "/things/7");
  EXPECT_EQ(line["status"], 200);
  EXPECT_EQ(line["bytes"], r.body.size());
  EXPECT_TRUE(line["duration_ms"].is_number());
  EXPECT_EQ(line["remote"], "127.0.0.1");
  EXPECT_EQ(line["principal"], "editor-user");
  Get("/nope", {"X-Request-Id: log-404"});
  EXPECT_EQ(log_.AccessLine("log-404")["route"], "unmatched");
  for (const auto& l : log_.Lines()) {
    EXPECT_FALSE(nlohmann::json::parse(l, nullptr, false).is_discarded()) << l;
  }
}

TEST_F(HttpServerTest, MetricsCountRequests) {
  Start();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Get("/things/" + std::to_string(i)).status, 200);
  Get("/nope");
  server_.metrics().IncrementStoreErrors();
  Reply r = Get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  std::map<std::string, double> samples;
  std::istringstream in(r.body);
  std::string line;
  static const std::regex kSample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?) (\S+)$)");
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, kSample)) << line;
    samples[m[1]] = std::stod(m[3]);
  }
  EXPECT_EQ(
      samples["vitrine_http_requests_total{route=\"/things/{id}\",method=\"GET\",code=\"200\"}"],
      3);
  EXPECT_EQ(samples["vitrine_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"}"],
            1);
  EXPECT_EQ(samples["vitrine_http_request_duration_seconds_count{route=\"/things/{id}\"}"], 3);
  EXPECT_EQ(samples["vitrine_store_errors_total"], 1);
  EXPECT_EQ(samples["vitrine_http_requests_in_flight"], 1);  // the /metrics request itself
  EXPECT_GT(samples["process_resident_memory_bytes"], 0);
  EXPECT_GT(samples["process_open_fds"], 0);
}

TEST_F(HttpServerTest, HealthAndReadiness) {
  std::atomic<bool> ready{false};
  server_.SetReadinessCheck(
      [&] { return ready ? Status::Ok() : Status::Unavailable("database migrations pending"); });
  Start();
  Reply r = Get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["status"], "ok");
  r = Get("/readyz");
  ExpectProblem(r, 503);
  EXPECT_NE(r.body.find("migrations pending"), std::string::npos);
  ready = true;
  EXPECT_EQ(Get("/readyz").status, 200);
  EXPECT_EQ(
      server_
          .AddRoute(MakeRoute("GET", "/late",
                              [](const HttpRequest&) { return HttpResponse::Json(200, nullptr); }))
          .code(),
      StatusCode::kFailedPrecondition);
}

TEST_F(HttpServerTest, KeepsHttp11ConnectionsAlive) {
  Start();
  Reply first = Get("/things/1");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.new_connections, 1);
  EXPECT_EQ(first.Header("Connection"), "Keep-Alive");
  Reply second = Get("/things/2");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.new_connections, 0);  // curl reused the connection

  // Two requests on one raw socket, without any Connection header.
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(SendAll(fd, "GET /things/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string raw = ReadResponse(fd);
    EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 200") << raw;
    EXPECT_NE(raw.find("\"id\":\"" + std::to_string(i) + "\""), std::string::npos) << raw;
  }
  ::close(fd);

  // HTTP/1.0 without keep-alive: answered, then closed.
  fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /things/3 HTTP/1.0\r\n\r\n"));
  std::string raw = ReadResponse(fd);
  EXPECT_EQ(raw.substr(0, 12), "HTTP/1.0 200") << raw;
  EXPECT_NE(raw.find("Connection: Close"), std::string::npos) << raw;
  EXPECT_TRUE(ClosedByServer(fd, 5s));
  ::close(fd);
}

TEST_F(HttpServerTest, SlowClientDoesNotHoldUpOthersAndTimesOut) {
  options_.header_timeout = 1s;
  options_.threads = 1;  // the slow client and the normal one share the event loop
  Start();
  int slow = Connect(server_.port());
  ASSERT_GE(slow, 0);
  std::atomic<bool> stop{false};
  std::thread dribble([&] {
    const std::string head =
        "GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 'z') + "\r\n\r\n";
    for (char c : head) {
      if (stop || !SendAll(slow, std::string_view(&c, 1))) return;
      std::this_thread::sleep_for(200ms);
    }
  });
  std::this_thread::sleep_for(300ms);
  auto asked = std::chrono::steady_clock::now();
  Reply r = Get("/things/2");
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
  // The header timeout closes the slow connection (a 408, then the end of the stream).
  EXPECT_TRUE(ClosedByServer(slow, 10s));
  stop = true;
  dribble.join();
  ::close(slow);
}

TEST_F(HttpServerTest, StopDrainsInFlightRequestsThenRefusesConnections) {
  std::promise<void> entered;
  Add(MakeRoute("GET", "/slow", [&](const HttpRequest&) {
    entered.set_value();
    std::this_thread::sleep_for(1s);
    return HttpResponse::Json(200, {{"done", true}});
  }));
  Start();
  const int port = server_.port();
  auto pending = std::async(std::launch::async, [port] {
    Client c;
    return c.Fetch(port, "GET", "/slow");
  });
  ASSERT_EQ(entered.get_future().wait_for(10s), std::future_status::ready);
  server_.Stop();
  Reply r = pending.get();
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["done"], true);
  EXPECT_EQ(server_.port(), 0);
  EXPECT_EQ(Connect(port), -1);
}

TEST_F(HttpServerTest, ServesFiles) {
  auto dir = std::filesystem::temp_directory_path() /
             ("vitrine_server_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string feed = (dir / "leaflet.xml").string();
  std::string content =
      "<?xml version=\"1.0\"?><leaflet>" + std::string(100000, 'o') + "</leaflet>";
  std::ofstream(feed, std::ios::binary) << content;
  Add(MakeRoute("GET", "/feeds/leaflet.xml", [feed](const HttpRequest&) {
    HttpResponse r = HttpResponse::File(feed, "application/xml; charset=utf-8");
    r.headers.Set("ETag", "\"abc\"");
    return r;
  }));
  Add(MakeRoute("GET", "/feeds/missing.xml", [dir](const HttpRequest&) {
    return HttpResponse::File((dir / "missing.xml").string(), "application/xml");
  }));
  Start();
  Reply r = Get("/feeds/leaflet.xml");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "application/xml; charset=utf-8");
  EXPECT_EQ(r.Header("ETag"), "\"abc\"");
  EXPECT_FALSE(r.Header("X-Request-Id").empty());
  EXPECT_EQ(r.body, content);
  // The connection stays usable after a sendfile response.
  Reply again = Get("/things/1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.new_connections, 0);
  ExpectProblem(Get("/feeds/missing.xml"), 404);
  std::filesystem::remove_all(dir);
}

TEST(HttpServerStartTest, RejectsBadOptionsAndBusyPorts) {
  HttpServer a;
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 0;
  EXPECT_EQ(a.Start(options).code(), StatusCode::kInvalidArgument);
  HttpServer b;
  options.threads = 1;
  ASSERT_TRUE(b.Start(options).ok());
  HttpServer c;
  options.port = static_cast<uint16_t>(b.port());
  options.log_sink = [](std::string_view) {};
  // ReuseAddr does not let two listeners share a port that is in use.
  EXPECT_EQ(c.Start(options).code(), StatusCode::kUnavailable);
}

TEST(ShutdownSignalTest, WaitsForSigterm) {
  ASSERT_TRUE(BlockShutdownSignals().ok());
  // Directed at this thread, so no other thread can take it.
  ASSERT_EQ(pthread_kill(pthread_self(), SIGTERM), 0);
  int signal_number = 0;
  ASSERT_TRUE(WaitForShutdownSignal(&signal_number).ok());
  EXPECT_EQ(signal_number, SIGTERM);
}

}  // namespace
}  // namespace vitrine
