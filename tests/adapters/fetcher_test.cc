// SafeFetcher against misbehaving servers. Every server here is a LoopbackHttpServer on
// 127.0.0.1; the tests never name another address, so a refusal is proved by the server
// counting zero connections, not by reaching anything else.
#include "adapters/fetcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "loopback_http_server.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::HttpExchange;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::LoopbackHttpServer;
using ::testing::Not;

constexpr int64_t kCap = 64 * 1024;

// Short limits so that the whole suite stays within seconds.
FetchOptions LoopbackOptions() {
  FetchOptions options;
  options.allow_loopback = true;
  options.connect_timeout = 2s;
  options.total_timeout = 5s;
  options.max_body_bytes = kCap;
  return options;
}

void Hello(const HttpRequest&, HttpExchange& ex) {
  ex.Send(HttpResponse(200, "hello", {{"Content-Type", "text/plain; charset=utf-8"}}));
}

std::string Gzip(std::string_view text) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // gzip
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(SafeFetcher, FetchesFromLoopbackWhenTestsAllowIt) {
  LoopbackHttpServer server(Hello);
  Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(server.Url("/hello"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r->final_url, server.Url("/hello"));
  EXPECT_FALSE(r->not_modified);
}

// The guard refuses at connect time: the server never even sees a TCP connection.
TEST(SafeFetcher, RefusesLoopbackByDefault) {
  LoopbackHttpServer server(Hello);
  Result<FetchedResponse> r = SafeFetcher().Get(server.Url("/hello"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().message(), HasSubstr("127.0.0.1 (loopback)"));
  EXPECT_EQ(server.connections(), 0);
}

// Names and the other spellings of loopback resolve to the same refused address, which is
// why the guard judges the socket address and not the URL text.
TEST(SafeFetcher, RefusesEverySpellingOfLoopbackByDefault) {
  LoopbackHttpServer server(Hello);
  const std::string port = std::to_string(server.port());
  for (const char* host :
       {"localhost", "2130706433", "0x7f000001", "127.1", "[::ffff:127.0.0.1]", "[::1]"}) {
    Result<FetchedResponse> r =
        SafeFetcher().Get(std::string("http://") + host + ":" + port + "/hello");
    ASSERT_FALSE(r.ok()) << host;
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr("loopback")) << host;
  }
  EXPECT_EQ(server.connections(), 0);
}

TEST(SafeFetcher, RefusesCredentialsInTheUrlBeforeConnecting) {
  LoopbackHttpServer server(Hello);
  const std::string port = std::to_string(server.port());
  for (const std::string& url :
       std::vector<std::string>{"http://user:secret@127.0.0.1:" + port + "/hello",
                                "http://user@127.0.0.1:" + port + "/hello",
                                "http://:secret@127.0.0.1:" + port + "/hello"}) {
    Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("credentials")) << url;
    EXPECT_THAT(r.status().message(), Not(HasSubstr("secret"))) << "the message is logged";
  }
  EXPECT_EQ(server.connections(), 0);
}

TEST(SafeFetcher, RefusesSchemesOtherThanHttpAndHttps) {
  LoopbackHttpServer server(Hello);
  const std::string port = std::to_string(server.port());
  for (const std::string& url : std::vector<std::string>{
           "ftp://127.0.0.1:" + port + "/x", "file:///etc/passwd",
           "gopher://127.0.0.1:" + port + "/x", "dict://127.0.0.1:" + port + "/x"}) {
    Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("only http and https")) << url;
  }
  for (const char* url : {"not a url", "127.0.0.1/x", "http://"}) {
    Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(url);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << url;
  }
  EXPECT_EQ(server.connections(), 0);
}

TEST(SafeFetcher, FollowsARedirectAndVetsTheNewConnection) {
  LoopbackHttpServer server([](const HttpRequest& req, HttpExchange& ex) {
    if (req.target == "/old") {
      ex.Send(HttpResponse(301, "", {{"Location", "/new"}, {"ETag", "\"redirect\""}}));
    } else {
      ex.Send(HttpResponse(200, "moved here", {{"ETag", "\"final\""}}));
    }
  });
  Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(server.Url("/old"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "moved here");
  EXPECT_EQ(r->final_url, server.Url("/new"));
  EXPECT_EQ(r->etag, "\"final\"");  // the last hop's, not the redirect's
  // The server closes after each response, so the second hop opened a second connection,
  // which went through the guard again.
  EXPECT_EQ(server.connections(), 2);
}

TEST(SafeFetcher, RefusesARedirectToAFileUrl) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange& ex) {
    ex.Send(HttpResponse(302, "", {{"Location", "file:///etc/passwd"}}));
  });
  Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(server.Url("/to-file"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("redirect to a scheme that is not allowed"));
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(SafeFetcher, CapsARedirectLoop) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange& ex) {
    ex.Send(HttpResponse(302, "", {{"Location", "/loop"}}));
  });
  FetchOptions options = LoopbackOptions();
  options.max_redirects = 3;
  Result<FetchedResponse> r = SafeFetcher(options).Get(server.Url("/loop"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("too many redirects: more than 3"));
  EXPECT_EQ(server.requests().size(), 4u);  // the first request and 3 redirects
}

// A declared length above the cap is refused on the headers, before any body byte.
TEST(SafeFetcher, RefusesAHugeContentLengthUpFront) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange& ex) {
    ex.Send("HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n");
    ex.Pause(10s);  // holds the connection; the destructor cuts the wait short
  });
  Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(server.Url("/huge"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("Content-Length above the cap of 65536 bytes"));
}

// No declared length: the write callback counts and stops at the cap.
TEST(SafeFetcher, StopsAnEndlessBodyAtTheCap) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange& ex) {
    ex.Send("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n");
    const std::string chunk(16 * 1024, 'x');
    while (ex.Send(chunk)) {
    }
  });
  Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(server.Url("/forever"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("more than 65536 bytes"));
}

// The cap counts decoded bytes: 1 MiB of zeros arrives as about 1 KiB of gzip.
TEST(SafeFetcher, StopsAGzipBombAtTheCap) {
  const std::string bomb = Gzip(std::string(1 << 20, '\0'));
  ASSERT_LT(static_cast<int64_t>(bomb.size()), kCap);
  LoopbackHttpServer server([&bomb](const HttpRequest&, HttpExchange& ex) {
    ex.Send(HttpResponse(200, bomb, {{"Content-Encoding", "gzip"}}));
  });
  Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(server.Url("/bomb"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("more than 65536 bytes"));
}

TEST(SafeFetcher, DecodesGzip) {
  const std::string text = "sku;price\n4006381333931;1.49\n4006381333948;2.99\n";
  LoopbackHttpServer server([&text](const HttpRequest& req, HttpExchange& ex) {
    if (req.Header("accept-encoding").find("gzip") == std::string::npos) {
      ex.Send(HttpResponse(406, "gzip expected"));
      return;
    }
    ex.Send(HttpResponse(200, Gzip(text), {{"Content-Encoding", "gzip"}}));
  });
  Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(server.Url("/prices.csv"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, text);
}

void DripForever(const HttpRequest&, HttpExchange& ex) {
  ex.Send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
  while (ex.Pause(1s) && ex.Send("x")) {
  }
}

// Elapsed-time bounds are loose: they only show the fetch did not wait for the drip to end.
TEST(SafeFetcher, DropsASlowDripBelowTheLowSpeedLimit) {
  LoopbackHttpServer server(DripForever);
  FetchOptions options = LoopbackOptions();
  options.low_speed_bytes_per_second = 100;
  options.low_speed_window = 1s;
  options.total_timeout = 20s;
  const auto start = std::chrono::steady_clock::now();
  Result<FetchedResponse> r = SafeFetcher(options).Get(server.Url("/drip"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("too slow"));
  EXPECT_LT(elapsed, 10s);
}

TEST(SafeFetcher, StopsAtTheTotalTimeout) {
  LoopbackHttpServer server(DripForever);
  FetchOptions options = LoopbackOptions();
  options.low_speed_bytes_per_second = 0;  // only the total timeout is left
  options.total_timeout = 1500ms;
  const auto start = std::chrono::steady_clock::now();
  Result<FetchedResponse> r = SafeFetcher(options).Get(server.Url("/drip"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("timeout"));
  EXPECT_LT(elapsed, 10s);
}

TEST(SafeFetcher, ReportsAConnectionClosedMidBody) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange& ex) {
    ex.Send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(100, 'x'));
  });
  Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(server.Url("/cut"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("closed mid-body"));
}

TEST(SafeFetcher, RevalidatesWithEtagAndLastModified) {
  const std::string etag = "\"v7\"";
  const std::string modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  LoopbackHttpServer server([&](const HttpRequest& req, HttpExchange& ex) {
    if (req.Header("if-none-match") == etag) {
      ex.Send(HttpResponse(304, "", {{"ETag", etag}}));
    } else {
      ex.Send(HttpResponse(200, "packshot", {{"ETag", etag}, {"Last-Modified", modified}}));
    }
  });
  const SafeFetcher fetcher(LoopbackOptions());
  Result<FetchedResponse> first = fetcher.Get(server.Url("/img.png"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->etag, etag);
  EXPECT_EQ(first->last_modified, modified);

  Result<FetchedResponse> second =
      fetcher.Get(server.Url("/img.png"), {first->etag, first->last_modified});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->status, 304);
  EXPECT_TRUE(second->not_modified);
  EXPECT_EQ(second->body, "");
  const std::vector<HttpRequest> seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].Header("if-none-match"), "");
  EXPECT_EQ(seen[1].Header("if-none-match"), etag);
  EXPECT_EQ(seen[1].Header("if-modified-since"), modified);
}

TEST(SafeFetcher, RefusesValidatorsThatWouldInjectHeaders) {
  LoopbackHttpServer server(Hello);
  Result<FetchedResponse> r =
      SafeFetcher(LoopbackOptions()).Get(server.Url("/x"), {"\"a\"\r\nX-Evil: 1", ""});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.connections(), 0);
}

// With a proxy from the environment the guard would judge the proxy, not the target
// (adapters notes H8), so the fetcher ignores http_proxy.
TEST(SafeFetcher, IgnoresAProxyFromTheEnvironment) {
  LoopbackHttpServer proxy(Hello);
  LoopbackHttpServer target(
      [](const HttpRequest&, HttpExchange& ex) { ex.Send(HttpResponse(200, "direct")); });
  setenv("http_proxy", proxy.Url("").c_str(), 1);
  Result<FetchedResponse> r = SafeFetcher(LoopbackOptions()).Get(target.Url("/x"));
  unsetenv("http_proxy");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "direct");
  EXPECT_EQ(proxy.connections(), 0);
}

}  // namespace
}  // namespace vitrine
