// Destinations and sources over HTTP: a webhook's secret is shown once and never again,
// credentials go in and never come out, bad configurations are 400s naming the field, a
// stale If-Match is a 412, re-enabling clears the failing streak, the delivery log lists
// each attempt, a replay keeps the message id, deleting cancels what is queued, and a
// source's runs are kept.
#include <gtest/gtest.h>

#include "api_fixture.h"

namespace vitrine::testing {
namespace {

using nlohmann::json;

class OutboundRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    h_.CreateAccounts();
    server_ = &h_.StartServer();
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& who = "admin",
             const std::optional<json>& body = std::nullopt, std::vector<std::string> extra = {}) {
    std::vector<std::string> headers = h_.AuthFor(who);
    if (body) headers.push_back("Content-Type: application/json");
    headers.insert(headers.end(), extra.begin(), extra.end());
    return client_.Fetch(server_->port(), method, path, headers,
                         body ? std::optional<std::string>(body->dump()) : std::nullopt);
  }

  // The field the first error of a 400 names.
  static std::string FieldOf(const Reply& r) {
    json errors = r.Json().value("errors", json::array());
    return errors.empty() ? "" : errors[0].value("field", "");
  }

  ApiHarness h_;
  HttpServer* server_ = nullptr;
  ApiClient client_;
};

TEST_F(OutboundRoutesTest, AWebhooksSecretIsShownOnceAndCredentialsNeverComeBack) {
  Reply created = Call("POST", "/api/v1/destinations", "admin",
                       json{{"kind", "webhook"},
                            {"name", "Bonial"},
                            {"url", "https://bonial.example/hooks/vitrine"},
                            {"events", {"offer.changed"}},
                            {"filters", {{"stores", {"S001"}}}},
                            {"batch_seconds", 30}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json d = created.Json();
  EXPECT_TRUE(d["secret"].get<std::string>().starts_with("whsec_"));
  EXPECT_EQ(created.Header("ETag"), "\"1\"");
  EXPECT_EQ(created.Header("Location"), "/api/v1/destinations/" + d["id"].get<std::string>());
  EXPECT_EQ(d["filters"]["stores"], json({"S001"}));
  EXPECT_EQ(d["credentials"]["secret_stored"], true);

  const std::string path = "/api/v1/destinations/" + d["id"].get<std::string>();
  for (const Reply& r : {Call("GET", path, "approver"), Call("GET", "/api/v1/destinations")}) {
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body.find("whsec_"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("sealed:"), std::string::npos) << r.body;
  }
  // A rotation shows the new one, once.
  Reply rotated = Call("POST", path + "/secret");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_TRUE(rotated.Json()["secret"].get<std::string>().starts_with("whsec_"));

  // A push's password goes in sealed and is never returned; its audit entry holds none.
  Reply push = Call("POST", "/api/v1/destinations", "admin",
                    json{{"kind", "http_push"},
                         {"url", "https://upload.example/feeds/google.xml"},
                         {"feed", "google/products.xml?store=S001"},
                         {"username", "vitrine"},
                         {"password", "hunter2-very-secret"}});
  ASSERT_EQ(push.status, 201) << push.body;
  EXPECT_EQ(push.Json()["method"], "PUT");
  EXPECT_FALSE(push.Json().contains("secret"));
  Reply audit = Call("GET", "/api/v1/audit?entity=destination", "approver");
  ASSERT_EQ(audit.status, 200);
  for (const Reply& r : {push, Call("GET", "/api/v1/destinations"), audit}) {
    EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << r.body;
  }
}

TEST_F(OutboundRoutesTest, BadConfigurationsAre400sNamingTheField) {
  struct Case {
    json body;
    std::string field;
  };
  const Case cases[] = {
      {{{"kind", "carrier-pigeon"}, {"url", "https://a.example/"}}, "kind"},
      {{{"kind", "webhook"}}, "url"},
      {{{"kind", "webhook"}, {"url", "ftp://a.example/"}}, "url"},
      {{{"kind", "webhook"}, {"url", "sftp://a.example/x"}}, "url"},
      {{{"kind", "webhook"}, {"url", "https://a.example/"}, {"events", {"offer.eaten"}}}, "events"},
      {{{"kind", "webhook"}, {"url", "https://a.example/"}, {"password", "x"}}, "password"},
      {{{"kind", "webhook"}, {"url", "https://a.example/"}, {"batch_seconds", -1}},
       "batch_seconds"},
      {{{"kind", "http_push"}, {"url", "https://a.example/"}}, "feed"},
      {{{"kind", "http_push"}, {"url", "https://a.example/"}, {"feed", "google/nope.xml"}}, "feed"},
      {{{"kind", "http_push"},
        {"url", "https://a.example/"},
        {"feed", "offers.csv"},
        {"method", "DELETE"}},
       "method"},
      {{{"kind", "sftp_push"}, {"url", "sftp://a.example/x"}, {"feed", "offers.csv"}}, "username"},
      {{{"kind", "sftp_push"},
        {"url", "sftp://a.example/x"},
        {"feed", "offers.csv"},
        {"username", "u"},
        {"password", "p"}},
       "host_key_sha256"},
      {{{"kind", "webhook"}, {"url", "https://a.example/"}, {"colour", "red"}}, "colour"},
  };
  for (const Case& c : cases) {
    Reply r = Call("POST", "/api/v1/destinations", "admin", c.body);
    EXPECT_EQ(r.status, 400) << c.body.dump() << " → " << r.body;
    EXPECT_EQ(FieldOf(r), c.field) << c.body.dump() << " → " << r.body;
  }
  Reply sources =
      Call("POST", "/api/v1/sources", "admin",
           json{{"kind", "stock"}, {"url", "https://erp.example/s.csv"}, {"interval_seconds", 5}});
  EXPECT_EQ(sources.status, 400);
  EXPECT_EQ(FieldOf(sources), "interval_seconds");
  EXPECT_EQ(Call("GET", "/api/v1/destinations", "editor").status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/destinations", "approver",
                 json{{"kind", "webhook"}, {"url", "https://a.example/"}})
                .status,
            403);
}

TEST_F(OutboundRoutesTest, PatchNeedsTheCurrentVersionAndReEnablingClearsTheStreak) {
  Reply created = Call("POST", "/api/v1/destinations", "admin",
                       json{{"kind", "webhook"}, {"url", "https://a.example/hook"}});
  ASSERT_EQ(created.status, 201);
  const std::string id = created.Json()["id"];
  const std::string path = "/api/v1/destinations/" + id;
  // The worker disabled it after failing.
  DestinationHealth failing{false, "failing without a success since ...", h_.clock().Now(), {}};
  ASSERT_TRUE(h_.db().SetDestinationHealth(id, failing).ok());

  Reply stale = Call("PATCH", path, "admin", json{{"batch_seconds", 60}}, {"If-Match: \"7\""});
  EXPECT_EQ(stale.status, 412) << stale.body;
  Reply patched = Call("PATCH", path, "admin", json{{"enabled", true}, {"batch_seconds", 60}},
                       {"If-Match: \"1\""});
  ASSERT_EQ(patched.status, 200) << patched.body;
  const json d = patched.Json();
  EXPECT_EQ(d["enabled"], true);
  EXPECT_TRUE(d["disabled_reason"].is_null());
  EXPECT_TRUE(d["failing_since"].is_null());
  EXPECT_EQ(d["batch_seconds"], 60);
  EXPECT_EQ(d["version"], 2);
  EXPECT_EQ(Call("PATCH", path, "admin", json{{"kind", "http_push"}}).status, 400);
}

TEST_F(OutboundRoutesTest, TheDeliveryLogListsAttemptsAndAReplayKeepsTheMessageId) {
  Reply created = Call("POST", "/api/v1/destinations", "admin",
                       json{{"kind", "webhook"}, {"url", "https://a.example/hook"}});
  ASSERT_EQ(created.status, 201);
  const std::string id = created.Json()["id"];
  const std::string base = "/api/v1/destinations/" + id;
  Reply ping = Call("POST", base + "/ping");
  ASSERT_EQ(ping.status, 202) << ping.body;
  const int64_t delivery = ping.Json()["id"];
  const std::string message_id = ping.Json()["message_id"];
  EXPECT_EQ(ping.Json()["event_type"], "ping");
  EXPECT_EQ(ping.Json()["state"], "pending");

  // One attempt, as the worker records it: a 500 with its excerpt.
  const Instant now = h_.clock().Now();
  auto claimed = h_.db().ClaimDueDeliveries(now, 10, "node", now + std::chrono::seconds(60));
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  DeliveryOutcome outcome;
  outcome.attempt = {delivery, 1, now, 42, 500, "the receiver answered 500", "oops", false};
  outcome.next_state = DeliveryState::kFailed;
  ASSERT_TRUE(h_.db().CompleteDelivery(delivery, "node", outcome).ok());

  Reply log = Call("GET", base + "/deliveries?state=failed", "approver");
  ASSERT_EQ(log.status, 200) << log.body;
  const json items = log.Json()["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["last_status"], 500);
  ASSERT_EQ(items[0]["log"].size(), 1u);
  EXPECT_EQ(items[0]["log"][0]["duration_ms"], 42);
  EXPECT_EQ(items[0]["log"][0]["response_excerpt"], "oops");
  EXPECT_EQ(Call("GET", base + "/deliveries?state=delivered", "approver").Json()["items"].size(),
            0u);
  EXPECT_EQ(Call("GET", base + "/deliveries?state=lost", "approver").status, 400);

  Reply replay = Call("POST", base + "/deliveries/" + std::to_string(delivery) + "/replay");
  ASSERT_EQ(replay.status, 202) << replay.body;
  EXPECT_EQ(replay.Json()["message_id"], message_id);
  EXPECT_EQ(replay.Json()["state"], "pending");
  Reply one = Call("GET", base + "/deliveries/" + std::to_string(delivery), "approver");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.Json()["payload"]["type"], "ping");
  EXPECT_EQ(Call("GET", base + "/deliveries/999999", "approver").status, 404);
  EXPECT_EQ(Call("GET", base + "/deliveries/abc", "approver").status, 400);

  // Deleting the destination cancels what it still had queued; the replay cannot revive it.
  ASSERT_EQ(Call("DELETE", base).status, 204);
  auto after = h_.db().GetDelivery(delivery);
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->state, DeliveryState::kCancelled);
  EXPECT_EQ(Call("GET", base).status, 404);
}

TEST_F(OutboundRoutesTest, ASourcesRunsAreKept) {
  Reply created = Call("POST", "/api/v1/sources", "admin",
                       json{{"kind", "stock"},
                            {"url", "https://erp.example/exports/stock.csv"},
                            {"interval_seconds", 900}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  EXPECT_EQ(created.Json()["format"], "csv");
  const std::string base = "/api/v1/sources/" + id;
  Reply run = Call("POST", base + "/run");
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(run.Json()["outcome"], "not_modified");
  Reply runs = Call("GET", base + "/runs", "approver");
  ASSERT_EQ(runs.status, 200);
  ASSERT_EQ(runs.Json()["items"].size(), 1u);
  EXPECT_EQ(runs.Json()["items"][0]["trigger"], "manual");
  EXPECT_EQ(Call("PATCH", base, "admin", json{{"kind", "prices"}}).status, 400);
  Reply patched = Call("PATCH", base, "admin", json{{"enabled", false}});
  ASSERT_EQ(patched.status, 200);
  EXPECT_EQ(patched.Json()["enabled"], false);
  ASSERT_EQ(Call("DELETE", base).status, 204);
  EXPECT_EQ(Call("GET", base + "/runs", "approver").status, 404);
}

}  // namespace
}  // namespace vitrine::testing
