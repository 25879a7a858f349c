#include "server/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

#include "server/http_message.h"
#include "server/json_body.h"

namespace vitrine {
namespace {

// Parses exposition lines "name{labels} value" into a map; fails on a malformed line.
std::map<std::string, double> ParseExposition(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream in(text);
  std::string line;
  static const std::regex kSample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?) (\S+)$)");
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, kSample)) << line;
    if (m.size() == 4) samples[m[1]] = std::stod(m[3]);
  }
  return samples;
}

TEST(MetricsTest, RendersCountersHistogramsAndProcessGauges) {
  Metrics metrics;
  metrics.RecordRequest("/things/{id}", "GET", 200, std::chrono::milliseconds(3));
  metrics.RecordRequest("/things/{id}", "GET", 200, std::chrono::milliseconds(30));
  metrics.RecordRequest("/things/{id}", "GET", 404, std::chrono::seconds(20));
  metrics.RecordRequest("we\"ird\\", "POST", 500, std::chrono::milliseconds(1));
  metrics.RequestStarted();
  metrics.IncrementStoreErrors(2);
  std::string text = metrics.RenderPrometheus();
  auto s = ParseExposition(text);
  EXPECT_EQ(s["vitrine_http_requests_total{route=\"/things/{id}\",method=\"GET\",code=\"200\"}"],
            2);
  EXPECT_EQ(s["vitrine_http_requests_total{route=\"/things/{id}\",method=\"GET\",code=\"404\"}"],
            1);
  EXPECT_EQ(s["vitrine_http_requests_total{route=\"we\\\"ird\\\\\",method=\"POST\",code=\"500\"}"],
            1);
  EXPECT_EQ(s["vitrine_http_request_duration_seconds_bucket{route=\"/things/{id}\",le=\"0.005\"}"],
            1);
  EXPECT_EQ(s["vitrine_http_request_duration_seconds_bucket{route=\"/things/{id}\",le=\"0.05\"}"],
            2);
  EXPECT_EQ(s["vitrine_http_request_duration_seconds_bucket{route=\"/things/{id}\",le=\"10\"}"], 2);
  EXPECT_EQ(s["vitrine_http_request_duration_seconds_bucket{route=\"/things/{id}\",le=\"+Inf\"}"],
            3);
  EXPECT_EQ(s["vitrine_http_request_duration_seconds_count{route=\"/things/{id}\"}"], 3);
  EXPECT_NEAR(s["vitrine_http_request_duration_seconds_sum{route=\"/things/{id}\"}"], 20.033, 1e-6);
  EXPECT_EQ(s["vitrine_http_requests_in_flight"], 1);
  EXPECT_EQ(s["vitrine_store_errors_total"], 2);
  EXPECT_GT(s["process_resident_memory_bytes"], 0);
  EXPECT_GT(s["process_open_fds"], 2);  // stdin, stdout, stderr at least
  EXPECT_NE(text.find("# TYPE vitrine_http_request_duration_seconds histogram\n"),
            std::string::npos);
}

TEST(JsonBodyTest, ReportsTheParserPosition) {
  HttpRequest request;
  request.body = R"({"a": 1, "b": })";
  auto parsed = ParseJsonBody(request);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("at byte 15"), std::string::npos)
      << parsed.status().message();
  request.body = "";
  EXPECT_FALSE(ParseJsonBody(request).ok());
  request.body = R"({"a": 1})";
  ASSERT_TRUE(ParseJsonBody(request).ok());
}

TEST(JsonBodyTest, NamesUnknownFields) {
  nlohmann::json body = {{"name", "x"}, {"colour", "red"}, {"size", 3}};
  EXPECT_EQ(UnknownFields(body, {"name"}), (std::vector<std::string>{"colour", "size"}));
  auto problem = RejectUnknownFields(body, {"name"});
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->status, 400);
  EXPECT_EQ((*problem->problem)["errors"][0]["field"], "colour");
  EXPECT_EQ((*problem->problem)["errors"][1]["field"], "size");
  EXPECT_FALSE(RejectUnknownFields(body, {"name", "colour", "size"}));
  EXPECT_TRUE(RejectUnknownFields(nlohmann::json::array(), {"name"}));
}

TEST(HttpResponseTest, MapsStatusesToProblems) {
  EXPECT_EQ(HttpResponse::FromStatus(Status::NotFound("product 1")).status, 404);
  EXPECT_EQ(HttpResponse::FromStatus(Status::InvalidArgument("x")).status, 400);
  EXPECT_EQ(HttpResponse::FromStatus(Status::FailedPrecondition("x")).status, 409);
  EXPECT_EQ(HttpResponse::FromStatus(Status::Unavailable("x")).status, 503);
  auto internal = HttpResponse::FromStatus(Status::IoError("disk /var/secret full"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ((*internal.problem)["detail"].get<std::string>().find("secret"), std::string::npos);
  HeaderMap h;
  h.Add("X-A", "1");
  h.Add("x-a", "2");
  EXPECT_EQ(h.Get("X-a"), "1");
  EXPECT_EQ(h.GetAll("X-A").size(), 2u);
  h.Set("X-A", "3");
  EXPECT_EQ(h.GetAll("x-a"), (std::vector<std::string_view>{"3"}));
}

}  // namespace
}  // namespace vitrine
