// HttpSender against receivers that answer, fail, redirect, hang, drip, cut off or flood.
// Every receiver is a LoopbackHttpServer on 127.0.0.1; a refusal is proved by the server
// counting zero connections.
#include "adapters/sender.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "loopback_http_server.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::HttpExchange;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::LoopbackHttpServer;

HttpSender LoopbackSender() {
  SendOptions options;
  options.allow_loopback = true;
  return HttpSender(options);
}

OutboundRequest Post(const LoopbackHttpServer& server, std::string body = R"({"type":"ping"})") {
  OutboundRequest request;
  request.url = server.Url("/hook");
  request.body = std::move(body);
  request.connect_timeout = 2s;
  request.total_timeout = 5s;
  return request;
}

size_t ContentLength(const HttpRequest& r) { return std::stoul(r.Header("content-length")); }

TEST(HttpSender, PostsTheBodyAndHeadersTheReceiverChecks) {
  std::string received;
  LoopbackHttpServer server([&](const HttpRequest& r, HttpExchange& ex) {
    received = ex.ReadBody(ContentLength(r));
    ex.Send(HttpResponse(200, "ok\n"));
  });
  OutboundRequest request = Post(server);
  request.headers = {{"webhook-id", "msg_1"}, {"webhook-timestamp", "1614265330"}};
  request.basic_auth_user = "vitrine";
  request.basic_auth_password = "s3cret";
  Result<SendResult> r = LoopbackSender().Send(request);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->transport.ok()) << r->transport.ToString();
  EXPECT_TRUE(r->succeeded());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->response_excerpt, "ok\\n");
  EXPECT_FALSE(r->retry_after.has_value());
  EXPECT_EQ(received, R"({"type":"ping"})");
  ASSERT_EQ(server.requests().size(), 1u);
  const HttpRequest seen = server.requests()[0];
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/hook");
  EXPECT_EQ(seen.Header("content-type"), "application/json");
  EXPECT_EQ(seen.Header("webhook-id"), "msg_1");
  EXPECT_EQ(seen.Header("webhook-timestamp"), "1614265330");
  EXPECT_EQ(seen.Header("expect"), "");  // no 100-continue
  EXPECT_EQ(seen.headers.count("expect"), 0u);
  EXPECT_EQ(seen.Header("authorization"), "Basic dml0cmluZTpzM2NyZXQ=");  // vitrine:s3cret
}

TEST(HttpSender, PutsAFileStreamedFromDisk) {
  const std::string path = ::testing::TempDir() + "sender_feed_" + std::to_string(getpid());
  std::string content(3 << 20, '\0');  // 3 MiB, more than one read callback
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
  std::ofstream(path, std::ios::binary) << content;
  std::string received;
  LoopbackHttpServer server([&](const HttpRequest& r, HttpExchange& ex) {
    received = ex.ReadBody(ContentLength(r));
    ex.Send(HttpResponse(201, ""));
  });
  OutboundRequest request = Post(server);
  request.method = HttpMethod::kPut;
  request.body.clear();
  request.body_file = path;
  request.content_type = "application/xml";
  Result<SendResult> r = LoopbackSender().Send(request);
  std::filesystem::remove(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->succeeded()) << r->transport.ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(server.requests().at(0).method, "PUT");
  EXPECT_EQ(server.requests().at(0).Header("content-type"), "application/xml");
  EXPECT_EQ(received.size(), content.size());
  EXPECT_TRUE(received == content);
}

TEST(HttpSender, AMissingBodyFileIsAnIoErrorAndNothingIsSent) {
  LoopbackHttpServer server(
      [](const HttpRequest&, HttpExchange& ex) { ex.Send(HttpResponse(200, "")); });
  OutboundRequest request = Post(server);
  request.body_file = "/nonexistent/feed.xml";
  Result<SendResult> r = LoopbackSender().Send(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_EQ(server.connections(), 0);
}

TEST(HttpSender, A500IsAnAnsweredFailureWithItsExcerpt) {
  LoopbackHttpServer server(
      [](const HttpRequest&, HttpExchange& ex) { ex.Send(HttpResponse(500, "boom\x1b[31m\r\n")); });
  Result<SendResult> r = LoopbackSender().Send(Post(server));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->transport.ok());
  EXPECT_FALSE(r->succeeded());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->response_excerpt, "boom\\x1b[31m\\r\\n");
}

// Webhooks and pushes follow no redirect: the 3xx is the answer, and the redirect target
// (which could be an internal address) is never contacted.
TEST(HttpSender, ARedirectIsReturnedNotFollowed) {
  LoopbackHttpServer target(
      [](const HttpRequest&, HttpExchange& ex) { ex.Send(HttpResponse(200, "")); });
  LoopbackHttpServer server([&](const HttpRequest&, HttpExchange& ex) {
    ex.Send(HttpResponse(307, "", {{"Location", target.Url("/elsewhere")}}));
  });
  Result<SendResult> r = LoopbackSender().Send(Post(server));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->transport.ok());
  EXPECT_EQ(r->status, 307);
  EXPECT_FALSE(r->succeeded());
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(target.connections(), 0);
}

TEST(HttpSender, RetryAfterIsReported) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange& ex) {
    ex.Send(HttpResponse(429, "slow down", {{"Retry-After", "7"}}));
  });
  Result<SendResult> r = LoopbackSender().Send(Post(server));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  ASSERT_TRUE(r->retry_after.has_value());
  EXPECT_EQ(*r->retry_after, 7s);
}

TEST(HttpSender, AReceiverThatNeverAnswersTimesOut) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange& ex) { ex.Pause(30s); });
  OutboundRequest request = Post(server);
  request.total_timeout = 500ms;
  const auto start = std::chrono::steady_clock::now();
  Result<SendResult> r = LoopbackSender().Send(request);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->transport.code(), StatusCode::kUnavailable);
  EXPECT_THAT(r->transport.message(), HasSubstr("timeout after 500 ms"));
  EXPECT_EQ(r->status, 0);
  EXPECT_FALSE(r->succeeded());
  EXPECT_GE(r->duration, 400ms);
  EXPECT_LT(took, 3s);
}

// A receiver that sends its answer a byte at a time is cut off by the total timeout.
TEST(HttpSender, ADrippingReceiverIsCutOff) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange& ex) {
    ex.Send("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
    while (ex.Send("x") && ex.Pause(50ms)) {
    }
  });
  OutboundRequest request = Post(server);
  request.total_timeout = 700ms;
  const auto start = std::chrono::steady_clock::now();
  Result<SendResult> r = LoopbackSender().Send(request);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->transport.code(), StatusCode::kUnavailable);
  EXPECT_THAT(r->transport.message(), HasSubstr("timeout"));
  EXPECT_EQ(r->status, 200);  // the status line came; the exchange did not complete
  EXPECT_FALSE(r->succeeded());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(HttpSender, AReceiverClosingMidResponseIsATransportFailure) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange& ex) {
    ex.Send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
  });
  Result<SendResult> r = LoopbackSender().Send(Post(server));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->transport.code(), StatusCode::kUnavailable);
  EXPECT_THAT(r->transport.message(), HasSubstr("closed mid-response"));
  EXPECT_FALSE(r->succeeded());
}

// The receiver hangs up without reading an 8 MiB body: an error, not a hang.
TEST(HttpSender, AReceiverClosingWhileTheBodyIsSentIsATransportFailure) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange&) {});
  Result<SendResult> r = LoopbackSender().Send(Post(server, std::string(8 << 20, 'x')));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->transport.code(), StatusCode::kUnavailable) << r->transport.ToString();
  EXPECT_FALSE(r->succeeded());
}

// A declared 10 GiB answer, streamed for as long as the sender reads: the sender keeps the
// status and stops after max_response_bytes.
TEST(HttpSender, AHugeResponseIsNotRead) {
  LoopbackHttpServer server([](const HttpRequest&, HttpExchange& ex) {
    ex.Send("HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n");
    const std::string chunk(64 << 10, 'y');
    while (ex.Send(chunk)) {
    }
  });
  OutboundRequest request = Post(server);
  request.total_timeout = 10s;
  const auto start = std::chrono::steady_clock::now();
  Result<SendResult> r = LoopbackSender().Send(request);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->transport.ok()) << r->transport.ToString();
  EXPECT_TRUE(r->succeeded());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->response_truncated);
  EXPECT_EQ(r->response_excerpt, std::string(1024, 'y'));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(HttpSender, RefusesLoopbackByDefaultWithoutConnecting) {
  LoopbackHttpServer server(
      [](const HttpRequest&, HttpExchange& ex) { ex.Send(HttpResponse(200, "")); });
  Result<SendResult> r = HttpSender().Send(Post(server));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->transport.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(r->transport.message(), HasSubstr("127.0.0.1 (loopback)"));
  EXPECT_EQ(r->status, 0);
  EXPECT_EQ(server.connections(), 0);
}

TEST(HttpSender, RefusesBadRequestsBeforeConnecting) {
  LoopbackHttpServer server(
      [](const HttpRequest&, HttpExchange& ex) { ex.Send(HttpResponse(200, "")); });
  const HttpSender sender = LoopbackSender();
  OutboundRequest request = Post(server);
  request.url = "http://user:pw@127.0.0.1:" + std::to_string(server.port()) + "/";
  EXPECT_EQ(sender.Send(request).status().code(), StatusCode::kInvalidArgument);
  request.url = "ftp://127.0.0.1/";
  EXPECT_EQ(sender.Send(request).status().code(), StatusCode::kInvalidArgument);
  request = Post(server);
  request.headers = {{"X-Evil", "a\r\nHost: other"}};
  EXPECT_EQ(sender.Send(request).status().code(), StatusCode::kInvalidArgument);
  request.headers = {{"Bad Name", "v"}};
  EXPECT_EQ(sender.Send(request).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.connections(), 0);
}

TEST(EscapedExcerpt, EscapesAndCuts) {
  EXPECT_EQ(EscapedExcerpt("a\tb\\c\x01\xff", 100), "a\\tb\\\\c\\x01\\xff");
  EXPECT_EQ(EscapedExcerpt("abc\n", 4), "abc");  // never half an escape
}

}  // namespace
}  // namespace vitrine
