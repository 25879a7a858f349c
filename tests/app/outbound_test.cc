// The outbound transport end to end, with the real adapters behind it: webhooks signed and
// POSTed over HTTP to a receiver on 127.0.0.1 (verified with VerifyWebhook, retried with the
// same webhook-id, redirects and broken answers counted as failures, 410 disabling), feed
// snapshots pushed by HTTP PUT with basic auth and by SFTP to Debian's sshd started on
// 127.0.0.1, sources fetched conditionally over HTTP (ETag, gzip, refused and truncated
// files) and SFTP ((mtime, size)), and the URL check of destinations and sources. Only
// 127.0.0.1 is ever contacted; the SFTP cases are skipped when /usr/sbin/sshd is absent.
// (delivery_test.cc covers the planner and the worker with a fake transport.)
#include "app/outbound.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../adapters/loopback_http_server.h"
#include "../adapters/sshd_fixture.h"
#include "../store/temp_dir.h"
#include "adapters/secret_box.h"
#include "adapters/webhook_signature.h"
#include "app/delivery_planner.h"
#include "app/delivery_worker.h"
#include "app/source_runner.h"
#include "feeds/snapshots.h"
#include "store/database.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;
using testing::HttpExchange;
using testing::HttpRequest;
using testing::LoopbackHttpServer;
using testing::SshdFixture;

const Instant kNow = *ParseInstant("2026-11-24T09:00:00Z");

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

std::string Gzip(std::string_view text) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return result == Z_STREAM_END ? out : "";
}

FeedKey GoogleProducts() {
  FeedKey key;
  key.format = FeedFormat::kGoogleProducts;
  return key;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// What a receiver got: the request head and its body (read to its Content-Length).
struct Received {
  HttpRequest request;
  std::string body;
};

// A loopback HTTP receiver that reads each request's body and answers with the next of its
// scripted replies (the last one repeats). A reply is a function of the request, so it can
// write anything, well-formed or not.
class Receiver {
 public:
  using Reply = std::function<void(const HttpRequest&, HttpExchange&)>;

  explicit Receiver(std::vector<Reply> replies)
      : replies_(std::move(replies)),
        server_([this](const HttpRequest& request, HttpExchange& exchange) {
          Handle(request, exchange);
        }) {}

  static Reply Status(int status, std::string body = "",
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    return [=](const HttpRequest&, HttpExchange& exchange) {
      exchange.Send(testing::HttpResponse(status, body, headers));
    };
  }

  std::string Url(std::string_view path) const { return server_.Url(path); }
  int connections() const { return server_.connections(); }
  std::vector<Received> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  void Handle(const HttpRequest& request, HttpExchange& exchange) {
    const std::string length = request.Header("content-length");
    Received r{request, length.empty() ? "" : exchange.ReadBody(std::stoul(length))};
    Reply reply;
    {
      std::lock_guard lock(mu_);
      received_.push_back(r);
      reply = replies_[std::min(next_, replies_.size() - 1)];
      ++next_;
    }
    reply(request, exchange);
  }

  const std::vector<Reply> replies_;
  mutable std::mutex mu_;
  std::vector<Received> received_;  // guarded by mu_
  size_t next_ = 0;                 // guarded by mu_
  LoopbackHttpServer server_;       // last: its threads stop before the rest goes
};

class OutboundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenDatabase("sqlite:" + dir_.File("vitrine.db"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    db_ = std::move(opened).value();
    auto box = LoadOrCreateKeyFile(dir_.File("secrets.key"));
    ASSERT_TRUE(box.ok()) << box.status().ToString();
    secrets_.emplace(std::move(*box));
    FeedSnapshotOptions feed_options;
    feed_options.dir = dir_.File("feeds");
    feed_options.clock = &clock_;
    feeds_ = std::make_unique<FeedSnapshots>(
        FeedSources{&db_->catalog(), &db_->campaigns(), &db_->offers()}, feed_options);
    config_.key_file = dir_.File("secrets.key");
    config_.work_dir = dir_.File("work");
    config_.allow_loopback = true;
    config_.clock = &clock_;
    config_.feeds = feeds_.get();
  }

  std::string Seal(std::string_view secret) {
    auto sealed = secrets_->Seal(secret);
    EXPECT_TRUE(sealed.ok()) << sealed.status().ToString();
    return sealed.ok() ? *sealed : "";
  }

  // A webhook destination with a fresh whsec_ secret, sealed as the API seals it.
  Destination Webhook(const std::string& id, const std::string& url) {
    Destination d;
    d.id = id;
    d.kind = DestinationKind::kWebhook;
    d.name = id;
    d.url = url;
    webhook_secret_ = NewWebhookSecret();
    d.secret_sealed = Seal(webhook_secret_);
    return d;
  }

  void Create(const Destination& d) {
    auto created = db_->outbound().CreateDestination(d, clock_.Now());
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }

  // Queues a delivery as the planner does; returns its id.
  int64_t Enqueue(const std::string& destination, const std::string& message_id,
                  const std::string& payload) {
    Delivery d;
    d.destination_id = destination;
    d.message_id = message_id;
    d.event_type = "ping";
    d.payload = payload;
    d.next_at = clock_.Now();
    d.created_at = clock_.Now();
    auto id = db_->outbound().EnqueueDelivery(d, false);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  Delivery GetDelivery(int64_t id) {
    auto d = db_->outbound().GetDelivery(id);
    EXPECT_TRUE(d.ok() && d->has_value());
    return d.ok() && d->has_value() ? **d : Delivery();
  }

  std::vector<DeliveryAttempt> Attempts(int64_t id) {
    auto list = db_->outbound().ListDeliveryAttempts(id);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? *list : std::vector<DeliveryAttempt>();
  }

  std::vector<Delivery> Deliveries(const std::string& destination) {
    DeliveryQuery query;
    query.destination_id = destination;
    auto list = db_->outbound().ListDeliveries(query);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? *list : std::vector<Delivery>();
  }

  Destination GetDestination(const std::string& id) {
    auto d = db_->outbound().GetDestination(id);
    EXPECT_TRUE(d.ok() && d->has_value());
    return d.ok() && d->has_value() ? **d : Destination();
  }

  // A worker over the real transport, with the planner that serve wires (pushes need it).
  std::unique_ptr<DeliveryWorker> Worker(bool with_planner = false) {
    if (with_planner) {
      DeliveryPlannerOptions planner_options;
      planner_options.clock = &clock_;
      planner_options.feed_version = [this](const std::string& name) -> Result<FeedVersion> {
        Result<FeedKey> key = ParseFeedName(name);
        if (!key.ok()) return key.status();
        Result<FeedSnapshot> snapshot = feeds_->Get(*key);
        if (!snapshot.ok()) return snapshot.status();
        return FeedVersion{snapshot->etag, snapshot->modified};
      };
      planner_ = std::make_unique<DeliveryPlanner>(*db_, planner_options);
    }
    DeliveryWorkerOptions options;
    options.clock = &clock_;
    options.holder = "node-a";
    options.seed = 42;
    options.workers = 2;
    options.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      log_.push_back(line);
    };
    return std::make_unique<DeliveryWorker>(*db_, with_planner ? planner_.get() : nullptr,
                                            MakeDeliveryTransport(*secrets_, config_), options);
  }

  std::vector<std::string> Log() {
    std::lock_guard lock(log_mu_);
    return log_;
  }

  SourceRunner Runner() {
    SourceRunnerOptions options;
    options.clock = &clock_;
    options.work_dir = config_.work_dir / "sources";
    options.holder = "node-a";
    return SourceRunner(*db_, MakeSourceFetch(*secrets_, config_), options);
  }

  Source MakeSource(const std::string& id, const std::string& kind, const std::string& url) {
    Source s;
    s.id = id;
    s.name = id;
    s.kind = kind;
    s.format = "csv";
    s.url = url;
    return s;
  }

  void CreateSource(const Source& s) {
    auto created = db_->outbound().CreateSource(s, clock_.Now());
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }

  Source GetSource(const std::string& id) {
    auto s = db_->outbound().GetSource(id);
    EXPECT_TRUE(s.ok() && s->has_value());
    return s.ok() && s->has_value() ? **s : Source();
  }

  std::vector<SourceRun> Runs(const std::string& id) {
    auto runs = db_->outbound().ListSourceRuns(id, 0, 100);
    EXPECT_TRUE(runs.ok()) << runs.status().ToString();
    return runs.ok() ? *runs : std::vector<SourceRun>();
  }

  CatalogCounts Counts() {
    auto counts = db_->catalog().Counts();
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    return counts.ok() ? *counts : CatalogCounts();
  }

  bool HasProduct(const std::string& id) {
    auto p = db_->catalog().GetProduct(id);
    return p.ok() && p->has_value();
  }

  // Verifies a received webhook as a receiver would, at the test clock's now.
  Status Verify(const Received& r) {
    const std::string timestamp = r.request.Header("webhook-timestamp");
    if (timestamp.empty()) return Status::InvalidArgument("no webhook-timestamp");
    return VerifyWebhook(webhook_secret_, r.request.Header("webhook-id"), std::stoll(timestamp),
                         r.body, r.request.Header("webhook-signature"),
                         ToUnixSeconds(clock_.Now()));
  }

  testing::TempDir dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Database> db_;
  std::optional<SecretBox> secrets_;
  std::unique_ptr<FeedSnapshots> feeds_;
  OutboundConfig config_;
  std::string webhook_secret_;
  std::unique_ptr<DeliveryPlanner> planner_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

// ---------------------------------------------------------------------------------------
// Webhooks

TEST_F(OutboundTest, AWebhookArrivesSignedWithItsMessageIdAndThePayloadAsBody) {
  Receiver receiver({Receiver::Status(204)});
  Create(Webhook("dst_hook", receiver.Url("/hook")));
  const std::string payload = R"({"type":"ping","data":{"n":1,"text":"caf\u00e9"}})";
  const int64_t id = Enqueue("dst_hook", "msg_0001", payload);

  auto worker = Worker();
  ASSERT_EQ(*worker->RunOnce(), 1);

  std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].request.method, "POST");
  EXPECT_EQ(got[0].request.target, "/hook");
  EXPECT_EQ(got[0].request.Header("webhook-id"), "msg_0001");
  EXPECT_EQ(got[0].request.Header("webhook-timestamp"), std::to_string(ToUnixSeconds(kNow)));
  EXPECT_EQ(got[0].request.Header("content-type"), "application/json");
  EXPECT_EQ(got[0].body, payload);
  Status verified = Verify(got[0]);
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  // Signed with that secret and no other: another secret does not verify.
  EXPECT_FALSE(VerifyWebhook(NewWebhookSecret(), "msg_0001", ToUnixSeconds(kNow), got[0].body,
                             got[0].request.Header("webhook-signature"), ToUnixSeconds(kNow))
                   .ok());

  const Delivery d = GetDelivery(id);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  ASSERT_EQ(Attempts(id).size(), 1u);
  EXPECT_EQ(Attempts(id)[0].http_status, 204);
  EXPECT_EQ(Attempts(id)[0].error, "");
  EXPECT_EQ(GetDestination("dst_hook").last_delivered_at, kNow);
}

TEST_F(OutboundTest, AnOfferChangePlannedByThePlannerArrivesVerifiable) {
  Receiver receiver({Receiver::Status(200, "ok")});
  Destination d = Webhook("dst_hook", receiver.Url("/hook"));
  d.events = {"offer.changed"};
  Create(d);
  PublishedOffer o;
  o.offer_id = "PR1~P1";
  o.store_id = "S1";
  o.campaign_id = "C1";
  o.promotion_id = "PR1";
  o.product_id = "P1";
  o.channels = {"google"};
  o.validity = {kNow, kNow + std::chrono::hours(24)};
  o.timezone = "Europe/Paris";
  o.regular_price = Money::Euros(299);
  o.shelf_price = Money::Euros(199);
  o.effective_unit_price = Money::Euros(199);
  o.mechanic = "percent_off";
  o.stock_quantity = 3;
  o.availability = Availability::kInStock;
  OfferRepository::Scope scope;
  scope.promotion_ids = {"PR1"};
  ASSERT_TRUE(db_->offers().ReplaceOffers(scope, std::vector<PublishedOffer>{o}).ok());

  auto worker = Worker(/*with_planner=*/true);
  ASSERT_EQ(*worker->RunOnce(), 1);

  std::vector<Delivery> queued = Deliveries("dst_hook");
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].state, DeliveryState::kDelivered);
  std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].request.Header("webhook-id"), queued[0].message_id);
  EXPECT_EQ(got[0].body, queued[0].payload);
  EXPECT_TRUE(Verify(got[0]).ok());
  const nlohmann::json body = nlohmann::json::parse(got[0].body);
  EXPECT_EQ(body["type"], "offer.changed");
  EXPECT_EQ(body["data"]["changes"][0]["offer_id"], "PR1~P1");
}

TEST_F(OutboundTest, A500IsLoggedAndRetriedWithTheSameIdAndAFreshTimestamp) {
  Receiver receiver({Receiver::Status(500, "database on fire"), Receiver::Status(200)});
  Create(Webhook("dst_hook", receiver.Url("/hook")));
  const int64_t id = Enqueue("dst_hook", "msg_retry", R"({"n":2})");
  auto worker = Worker();

  ASSERT_EQ(*worker->RunOnce(), 1);
  Delivery d = GetDelivery(id);
  EXPECT_EQ(d.state, DeliveryState::kPending);
  EXPECT_EQ(d.last_status, 500);
  EXPECT_GT(d.next_at, kNow);
  EXPECT_LE(d.next_at, kNow + 5s);  // the first step of the schedule, shortened by jitter
  std::vector<DeliveryAttempt> attempts = Attempts(id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].http_status, 500);
  EXPECT_EQ(attempts[0].response_excerpt, "database on fire");
  EXPECT_TRUE(Contains(attempts[0].error, "500")) << attempts[0].error;
  std::vector<std::string> log = Log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(Contains(log[0], "delivery_failed")) << log[0];

  // Not due yet: nothing is sent before the retry step has passed.
  ASSERT_EQ(*worker->RunOnce(), 0);
  EXPECT_EQ(receiver.received().size(), 1u);

  clock_.Advance(6s);
  ASSERT_EQ(*worker->RunOnce(), 1);
  std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].request.Header("webhook-id"), "msg_retry");
  EXPECT_EQ(got[1].request.Header("webhook-id"), "msg_retry");
  EXPECT_EQ(got[0].request.Header("webhook-timestamp"), std::to_string(ToUnixSeconds(kNow)));
  EXPECT_EQ(got[1].request.Header("webhook-timestamp"), std::to_string(ToUnixSeconds(kNow + 6s)));
  EXPECT_NE(got[0].request.Header("webhook-signature"), got[1].request.Header("webhook-signature"));
  EXPECT_TRUE(Verify(got[1]).ok());
  EXPECT_EQ(got[1].body, R"({"n":2})");

  d = GetDelivery(id);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.attempts, 2);
  attempts = Attempts(id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[1].attempt, 2);
  EXPECT_EQ(attempts[1].http_status, 200);
  EXPECT_EQ(attempts[1].error, "");
  EXPECT_FALSE(GetDestination("dst_hook").failing_since.has_value());
}

TEST_F(OutboundTest, ARedirectIsAFailureAndItsTargetIsNeverContacted) {
  Receiver target({Receiver::Status(200)});
  Receiver receiver({Receiver::Status(302, "", {{"Location", target.Url("/elsewhere")}})});
  Create(Webhook("dst_hook", receiver.Url("/hook")));
  const int64_t id = Enqueue("dst_hook", "msg_redirect", "{}");

  ASSERT_EQ(*Worker()->RunOnce(), 1);
  EXPECT_EQ(receiver.connections(), 1);
  EXPECT_EQ(target.connections(), 0);
  const Delivery d = GetDelivery(id);
  EXPECT_EQ(d.state, DeliveryState::kPending);  // retried, like any failure
  std::vector<DeliveryAttempt> attempts = Attempts(id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].http_status, 302);
  EXPECT_TRUE(Contains(attempts[0].error, "redirects are not followed")) << attempts[0].error;
}

// A receiver that never answers is cut at OutboundRequest::total_timeout, which
// MakeDeliveryTransport leaves at its 15 s default (the Standard Webhooks figure) and which no
// configuration reaches: not tested here, so the suite stays fast. HttpSender's own timeout
// is tested in tests/adapters/sender_test.cc.

TEST_F(OutboundTest, AReceiverClosingMidResponseIsAFailureWithAnError) {
  Receiver receiver({[](const HttpRequest&, HttpExchange& exchange) {
    exchange.Send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\npart");
  }});
  Create(Webhook("dst_hook", receiver.Url("/hook")));
  const int64_t id = Enqueue("dst_hook", "msg_cut", "{}");

  ASSERT_EQ(*Worker()->RunOnce(), 1);
  EXPECT_EQ(receiver.received().size(), 1u);
  const Delivery d = GetDelivery(id);
  EXPECT_EQ(d.state, DeliveryState::kPending);
  EXPECT_FALSE(d.last_error.empty());
  std::vector<DeliveryAttempt> attempts = Attempts(id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_FALSE(attempts[0].error.empty());
  EXPECT_TRUE(GetDestination("dst_hook").failing_since.has_value());
}

TEST_F(OutboundTest, A410DisablesTheDestination) {
  Receiver receiver({Receiver::Status(410, "unsubscribed")});
  Create(Webhook("dst_hook", receiver.Url("/hook")));
  const int64_t id = Enqueue("dst_hook", "msg_gone", "{}");
  const int64_t next = Enqueue("dst_hook", "msg_after", "{}");
  auto worker = Worker();

  ASSERT_EQ(*worker->RunOnce(), 1);
  EXPECT_EQ(GetDelivery(id).state, DeliveryState::kFailed);
  EXPECT_EQ(Attempts(id).at(0).http_status, 410);
  const Destination d = GetDestination("dst_hook");
  EXPECT_FALSE(d.enabled);
  EXPECT_TRUE(Contains(d.disabled_reason, "410")) << d.disabled_reason;
  bool logged = false;
  for (const std::string& line : Log()) logged |= Contains(line, "destination_disabled");
  EXPECT_TRUE(logged);

  // The next delivery waits for the destination to be re-enabled.
  clock_.Advance(1h);
  ASSERT_EQ(*worker->RunOnce(), 0);
  EXPECT_EQ(receiver.connections(), 1);
  EXPECT_EQ(GetDelivery(next).state, DeliveryState::kPending);
}

TEST_F(OutboundTest, TheAddressGuardRefusesLoopbackWhenNotAllowed) {
  Receiver receiver({Receiver::Status(200)});
  config_.allow_loopback = false;
  Create(Webhook("dst_hook", receiver.Url("/hook")));
  const int64_t id = Enqueue("dst_hook", "msg_guard", "{}");

  ASSERT_EQ(*Worker()->RunOnce(), 1);
  EXPECT_EQ(receiver.connections(), 0);
  const Delivery d = GetDelivery(id);
  EXPECT_NE(d.state, DeliveryState::kDelivered);
  std::vector<DeliveryAttempt> attempts = Attempts(id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].http_status, 0);
  EXPECT_TRUE(Contains(attempts[0].error, "127.0.0.1")) << attempts[0].error;
  std::vector<std::string> log = Log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(Contains(log[0], "delivery_failed")) << log[0];
}

TEST_F(OutboundTest, ADestinationDeletedWhileItsDeliveryIsQueuedSendsNothing) {
  Receiver receiver({Receiver::Status(200)});
  Create(Webhook("dst_hook", receiver.Url("/hook")));
  const int64_t id = Enqueue("dst_hook", "msg_orphan", "{}");
  ASSERT_TRUE(*db_->outbound().DeleteDestination("dst_hook"));

  ASSERT_EQ(*Worker()->RunOnce(), 0);
  EXPECT_EQ(receiver.connections(), 0);
  auto d = db_->outbound().GetDelivery(id);
  ASSERT_TRUE(d.ok());
  if (d->has_value()) {
    EXPECT_EQ((*d)->state, DeliveryState::kCancelled);
  }
}

// What serve runs: Outbound opened on the key file, wired into the API services (the same
// key seals and opens), its worker thread delivering a webhook sealed through the wiring.
TEST_F(OutboundTest, TheOutboundServiceDeliversOnItsOwnThreads) {
  Receiver receiver({Receiver::Status(200)});
  config_.poll = 20ms;
  config_.workers = 2;
  auto outbound = Outbound::Open(*db_, config_);
  ASSERT_TRUE(outbound.ok()) << outbound.status().ToString();
  ApiServices services;
  (*outbound)->Wire(services);
  EXPECT_TRUE(services.check_outbound_url(receiver.Url("/hook")).ok());
  webhook_secret_ = services.new_webhook_secret();
  Result<std::string> sealed = services.seal_secret(webhook_secret_);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(*secrets_->Open(*sealed), webhook_secret_);  // the key file's key
  Destination d;
  d.id = "dst_hook";
  d.url = receiver.Url("/hook");
  d.secret_sealed = *sealed;
  d.events = {"ping"};
  Create(d);
  const int64_t id = Enqueue("dst_hook", "msg_threaded", R"({"n":3})");

  (*outbound)->Start();
  services.outbound_written();
  for (int i = 0; i < 500 && GetDelivery(id).state != DeliveryState::kDelivered; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  (*outbound)->Stop();
  EXPECT_EQ(GetDelivery(id).state, DeliveryState::kDelivered);
  std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].request.Header("webhook-id"), "msg_threaded");
  EXPECT_TRUE(Verify(got[0]).ok());
  EXPECT_EQ((*outbound)->worker().counts().delivered, 1);
}

// ---------------------------------------------------------------------------------------
// Feed pushes

TEST_F(OutboundTest, AnHttpPushPutsTheSnapshotBytesWithBasicAuth) {
  Receiver receiver({Receiver::Status(201)});
  Destination d;
  d.id = "dst_push";
  d.kind = DestinationKind::kHttpPush;
  d.name = "push";
  d.url = receiver.Url("/upload/products.xml");
  d.feed = "google/products.xml";
  d.method = "PUT";
  d.username = "feeduser";
  d.secret_sealed = Seal("password:s3cret");
  Create(d);

  auto worker = Worker(/*with_planner=*/true);
  ASSERT_EQ(*worker->RunOnce(), 1);

  Result<FeedSnapshot> snapshot = feeds_->Get(GoogleProducts());
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  const std::string bytes = ReadFile(snapshot->path);
  ASSERT_FALSE(bytes.empty());
  std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].request.method, "PUT");
  EXPECT_EQ(got[0].request.target, "/upload/products.xml");
  EXPECT_EQ(got[0].request.Header("authorization"), "Basic ZmVlZHVzZXI6czNjcmV0");
  EXPECT_EQ(got[0].request.Header("x-vitrine-feed"), "google/products.xml");
  EXPECT_EQ(got[0].request.Header("x-vitrine-feed-etag"), snapshot->etag);
  EXPECT_EQ(got[0].body, bytes);

  std::vector<Delivery> deliveries = Deliveries("dst_push");
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].event_type, "feed.push");
  EXPECT_EQ(deliveries[0].state, DeliveryState::kDelivered);

  // Unchanged feed: nothing more is pushed.
  clock_.Advance(1h);
  EXPECT_EQ(*worker->RunOnce(), 0);
  EXPECT_EQ(receiver.connections(), 1);
}

TEST_F(OutboundTest, AnHttpPushRefusedWith401FailsForGood) {
  Receiver receiver({Receiver::Status(401, "who are you")});
  Destination d;
  d.id = "dst_push";
  d.kind = DestinationKind::kHttpPush;
  d.url = receiver.Url("/upload");
  d.feed = "google/products.xml";
  d.method = "POST";
  Create(d);

  ASSERT_EQ(*Worker(/*with_planner=*/true)->RunOnce(), 1);
  std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].request.method, "POST");
  EXPECT_EQ(got[0].request.Header("authorization"), "");  // no user: no basic auth
  std::vector<Delivery> deliveries = Deliveries("dst_push");
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].state, DeliveryState::kFailed);
  EXPECT_EQ(deliveries[0].attempts, 1);
}

class OutboundSftpTest : public OutboundTest {
 protected:
  void SetUp() override {
    if (std::string why = SshdFixture::WhyUnavailable(); !why.empty()) GTEST_SKIP() << why;
    OutboundTest::SetUp();
    sshd_ = std::make_unique<SshdFixture>();
  }

  std::string SftpUrl(const std::string& name) const {
    return "sftp://127.0.0.1:" + std::to_string(sshd_->port()) + sshd_->root() + "/" + name;
  }

  std::string SealedKey() { return Seal("key:" + ReadFile(sshd_->client_key())); }

  Destination SftpPush(const std::string& id, const std::string& name) {
    Destination d;
    d.id = id;
    d.kind = DestinationKind::kSftpPush;
    d.name = id;
    d.url = SftpUrl(name);
    d.feed = "google/products.xml";
    d.username = sshd_->user();
    d.secret_sealed = SealedKey();
    d.host_key_sha256 = sshd_->host_key_fingerprint();
    return d;
  }

  bool WorkDirHoldsAKey() const {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(config_.work_dir, ec)) {
      if (entry.path().filename().string().starts_with("key-")) return true;
    }
    return false;
  }

  std::unique_ptr<SshdFixture> sshd_;
};

TEST_F(OutboundSftpTest, AnSftpPushLandsTheSnapshotAtTheRemotePath) {
  Create(SftpPush("dst_sftp", "out/products.xml"));
  ASSERT_EQ(*Worker(/*with_planner=*/true)->RunOnce(), 1);

  std::vector<Delivery> deliveries = Deliveries("dst_sftp");
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].state, DeliveryState::kDelivered) << deliveries[0].last_error << "\n"
                                                            << sshd_->log();
  Result<FeedSnapshot> snapshot = feeds_->Get(GoogleProducts());
  ASSERT_TRUE(snapshot.ok());
  const std::string bytes = ReadFile(snapshot->path);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(ReadFile(sshd_->root() + "/out/products.xml"), bytes);
  EXPECT_FALSE(std::filesystem::exists(sshd_->root() + "/out/products.xml.tmp"));
  EXPECT_FALSE(WorkDirHoldsAKey());  // the key file lived for the connection only
}

// A URL's path is percent-encoded (CheckOutboundUrl refuses a raw space): %20 names a space.
TEST_F(OutboundSftpTest, AnSftpPushDecodesThePercentEncodedPath) {
  Create(SftpPush("dst_sftp", "offer%20feeds/products%2Bstock.xml"));
  ASSERT_TRUE(CheckOutboundUrl(SftpUrl("offer%20feeds/products%2Bstock.xml"), true).ok());
  ASSERT_EQ(*Worker(/*with_planner=*/true)->RunOnce(), 1);

  std::vector<Delivery> deliveries = Deliveries("dst_sftp");
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].state, DeliveryState::kDelivered) << deliveries[0].last_error;
  Result<FeedSnapshot> snapshot = feeds_->Get(GoogleProducts());
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(ReadFile(sshd_->root() + "/offer feeds/products+stock.xml"), ReadFile(snapshot->path));
  EXPECT_FALSE(std::filesystem::exists(sshd_->root() + "/offer%20feeds"));
}

TEST_F(OutboundSftpTest, AWrongHostKeyPinFailsForGoodAfterOneAttempt) {
  Destination d = SftpPush("dst_sftp", "products.xml");
  d.host_key_sha256 = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";  // sha256("")
  Create(d);
  ASSERT_EQ(*Worker(/*with_planner=*/true)->RunOnce(), 1);

  std::vector<Delivery> deliveries = Deliveries("dst_sftp");
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].state, DeliveryState::kFailed);
  EXPECT_EQ(deliveries[0].attempts, 1);
  EXPECT_TRUE(Contains(deliveries[0].last_error, "HOST KEY MISMATCH")) << deliveries[0].last_error;
  EXPECT_FALSE(std::filesystem::exists(sshd_->root() + "/products.xml"));
  EXPECT_FALSE(WorkDirHoldsAKey());
}

// ---------------------------------------------------------------------------------------
// Sources

constexpr char kProductsCsv[] = "id,title\nP1,Lait demi-écrémé\nP2,Beurre doux\n";

TEST_F(OutboundTest, AnHttpSourceImportsThenIsNotModifiedOnItsETag) {
  Receiver server({[](const HttpRequest& request, HttpExchange& exchange) {
    if (request.Header("if-none-match") == "\"v1\"") {
      exchange.Send("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n");
      return;
    }
    exchange.Send(testing::HttpResponse(200, kProductsCsv,
                                        {{"ETag", "\"v1\""}, {"Content-Type", "text/csv"}}));
  }});
  CreateSource(MakeSource("src_products", "products", server.Url("/export/products.csv")));
  SourceRunner runner = Runner();

  Result<SourceRun> first = runner.Run("src_products", "manual");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->outcome, "imported") << first->error;
  EXPECT_EQ(first->http_status, 200);
  EXPECT_EQ(first->bytes, static_cast<int64_t>(std::string_view(kProductsCsv).size()));
  EXPECT_TRUE(HasProduct("P1"));
  EXPECT_TRUE(HasProduct("P2"));
  EXPECT_EQ(Counts().products, 2);
  const nlohmann::json report = nlohmann::json::parse(first->report, nullptr, false);
  ASSERT_TRUE(report.is_object()) << first->report;
  EXPECT_EQ(report["inserted"], 2);
  EXPECT_EQ(report["committed"], true);
  std::vector<SourceRun> runs = Runs("src_products");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].outcome, "imported");
  EXPECT_EQ(runs[0].report, first->report);
  EXPECT_EQ(GetSource("src_products").etag, "\"v1\"");
  EXPECT_EQ(server.received().at(0).request.Header("if-none-match"), "");

  Result<SourceRun> second = runner.Run("src_products", "manual");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->outcome, "not_modified") << second->error;
  EXPECT_EQ(second->http_status, 304);
  EXPECT_EQ(second->report, "");
  ASSERT_EQ(server.received().size(), 2u);
  EXPECT_EQ(server.received()[1].request.Header("if-none-match"), "\"v1\"");
  EXPECT_EQ(Counts().products, 2);
  runs = Runs("src_products");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].outcome, "not_modified");  // newest first
  // The import was audited as the source's.
  AuditQuery recent;
  recent.limit = 10;
  auto audit = db_->audit().ListAudit(recent);
  ASSERT_TRUE(audit.ok());
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->front().actor, "source:src_products");
}

TEST_F(OutboundTest, AGzipEncodedSourceIsDecodedAndImported) {
  const std::string gzipped = Gzip(kProductsCsv);
  ASSERT_FALSE(gzipped.empty());
  Receiver server({Receiver::Status(200, gzipped, {{"Content-Encoding", "gzip"}})});
  CreateSource(MakeSource("src_gz", "products", server.Url("/products.csv")));

  Result<SourceRun> run = Runner().Run("src_gz", "manual");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->outcome, "imported") << run->error;
  EXPECT_TRUE(Contains(server.received().at(0).request.Header("accept-encoding"), "gzip"));
  EXPECT_EQ(run->bytes, static_cast<int64_t>(std::string_view(kProductsCsv).size()));
  EXPECT_TRUE(HasProduct("P1"));
  EXPECT_TRUE(HasProduct("P2"));
}

TEST_F(OutboundTest, AFileThatIsNotItsKindIsRefusedAndFetchedAgainNextTime) {
  Receiver server({Receiver::Status(200, kProductsCsv, {{"ETag", "\"p1\""}})});
  CreateSource(MakeSource("src_stores", "stores", server.Url("/stores.csv")));
  SourceRunner runner = Runner();

  Result<SourceRun> run = runner.Run("src_stores", "manual");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->outcome, "refused");
  EXPECT_TRUE(Contains(run->error, "line 1")) << run->error;
  EXPECT_TRUE(Contains(run->error, "\"name\"")) << run->error;  // a required stores column
  EXPECT_EQ(Counts().stores, 0);
  EXPECT_EQ(Counts().products, 0);
  EXPECT_EQ(GetSource("src_stores").etag, "");
  EXPECT_EQ(Runs("src_stores").at(0).outcome, "refused");

  run = runner.Run("src_stores", "manual");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->outcome, "refused");  // fetched in full again, not not_modified
  ASSERT_EQ(server.received().size(), 2u);
  EXPECT_EQ(server.received()[1].request.Header("if-none-match"), "");
}

TEST_F(OutboundTest, GarbageIsRefusedAndLandsNothing) {
  Receiver server({Receiver::Status(200, std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16))});
  CreateSource(MakeSource("src_garbage", "products", server.Url("/products.csv")));

  Result<SourceRun> run = Runner().Run("src_garbage", "manual");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->outcome, "refused") << run->error;
  EXPECT_TRUE(Contains(run->error, "line ")) << run->error;
  EXPECT_EQ(Counts().products, 0);
}

TEST_F(OutboundTest, AServerClosingMidTransferFailsTheRunAndLandsNothing) {
  Receiver server({[](const HttpRequest&, HttpExchange& exchange) {
    exchange.Send(
        "HTTP/1.1 200 OK\r\nContent-Length: 4000\r\nETag: \"cut\"\r\nConnection: close\r\n\r\n"
        "id,title\nP1,Lait\nP2,Beu");
  }});
  CreateSource(MakeSource("src_cut", "products", server.Url("/products.csv")));

  Result<SourceRun> run = Runner().Run("src_cut", "manual");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->outcome, "failed");
  EXPECT_FALSE(run->error.empty());
  EXPECT_EQ(Counts().products, 0);
  EXPECT_EQ(GetSource("src_cut").etag, "");
  EXPECT_EQ(Runs("src_cut").at(0).outcome, "failed");
}

TEST_F(OutboundTest, AnHttpErrorStatusFailsTheRun) {
  Receiver server({Receiver::Status(404, "no such export")});
  CreateSource(MakeSource("src_404", "products", server.Url("/products.csv")));
  Result<SourceRun> run = Runner().Run("src_404", "manual");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->outcome, "failed");
  EXPECT_TRUE(Contains(run->error, "404")) << run->error;
  EXPECT_EQ(Counts().products, 0);
}

TEST_F(OutboundSftpTest, AnSftpSourceImportsThenIsNotModifiedWhileMtimeAndSizeHold) {
  const std::string remote = sshd_->root() + "/products.csv";
  WriteFile(remote, kProductsCsv);
  Source s = MakeSource("src_sftp", "products", SftpUrl("products.csv"));
  s.username = sshd_->user();
  s.secret_sealed = SealedKey();
  s.host_key_sha256 = sshd_->host_key_fingerprint();
  CreateSource(s);
  SourceRunner runner = Runner();

  Result<SourceRun> first = runner.Run("src_sftp", "manual");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->outcome, "imported") << first->error << "\n" << sshd_->log();
  EXPECT_EQ(first->bytes, static_cast<int64_t>(std::string_view(kProductsCsv).size()));
  EXPECT_TRUE(HasProduct("P1"));
  const Source stored = GetSource("src_sftp");
  EXPECT_EQ(stored.remote_size, static_cast<int64_t>(std::string_view(kProductsCsv).size()));
  EXPECT_GT(stored.remote_mtime, 0);

  Result<SourceRun> second = runner.Run("src_sftp", "manual");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->outcome, "not_modified") << second->error;
  EXPECT_EQ(Counts().products, 2);

  // A new file (another size) is fetched and imported again.
  WriteFile(remote, std::string(kProductsCsv) + "P3,Oeufs\n");
  Result<SourceRun> third = runner.Run("src_sftp", "manual");
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->outcome, "imported") << third->error;
  EXPECT_TRUE(HasProduct("P3"));
  EXPECT_FALSE(WorkDirHoldsAKey());
}

// ---------------------------------------------------------------------------------------
// CheckOutboundUrl

TEST(CheckOutboundUrlTest, RefusesCredentialsAndOtherSchemes) {
  Status s = CheckOutboundUrl("http://u:p@127.0.0.1/feed.csv", true);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(s.message(), "credentials")) << s.ToString();
  s = CheckOutboundUrl("ftp://example.com/feed.csv", false);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(s.message(), "ftp://")) << s.ToString();
  EXPECT_FALSE(CheckOutboundUrl("file:///etc/passwd", true).ok());
  EXPECT_FALSE(CheckOutboundUrl("gopher://127.0.0.1:70/", true).ok());
  EXPECT_FALSE(CheckOutboundUrl("127.0.0.1/feed.csv", true).ok());
  EXPECT_FALSE(CheckOutboundUrl("http:///feed.csv", true).ok());
  EXPECT_FALSE(CheckOutboundUrl("http://example.com/a b", false).ok());
  EXPECT_TRUE(CheckOutboundUrl("https://example.com/hook", false).ok());
  EXPECT_TRUE(CheckOutboundUrl("sftp://sftp.example.com:2222/in/feed.xml", false).ok());
}

TEST(CheckOutboundUrlTest, LoopbackOnlyWhenAllowedAndNeverTheMetadataAddress) {
  Status s = CheckOutboundUrl("http://127.0.0.1:8080/hook", false);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(s.message(), "127.0.0.1")) << s.ToString();
  EXPECT_TRUE(CheckOutboundUrl("http://127.0.0.1:8080/hook", true).ok());
  EXPECT_TRUE(CheckOutboundUrl("http://[::1]:8080/hook", true).ok());
  EXPECT_FALSE(CheckOutboundUrl("http://[::1]:8080/hook", false).ok());
  for (bool loopback : {false, true}) {
    EXPECT_FALSE(CheckOutboundUrl("http://169.254.169.254/latest/meta-data/", loopback).ok());
    EXPECT_FALSE(CheckOutboundUrl("http://10.0.0.1/hook", loopback).ok());
    EXPECT_FALSE(CheckOutboundUrl("http://0.0.0.0/hook", loopback).ok());
    EXPECT_FALSE(CheckOutboundUrl("sftp://192.168.1.10/in/feed.xml", loopback).ok());
  }
  // An IPv4-mapped IPv6 address is judged by its IPv4 address: loopback, refused unless
  // loopback is allowed; the metadata address, always refused.
  EXPECT_FALSE(CheckOutboundUrl("http://[::ffff:127.0.0.1]/hook", false).ok());
  EXPECT_FALSE(CheckOutboundUrl("http://[::ffff:7f00:1]:8080/hook", false).ok());
  EXPECT_TRUE(CheckOutboundUrl("http://[::ffff:127.0.0.1]/hook", true).ok());
  // Other spellings of a numeric IPv4 host, which libcurl (and inet_aton) read as addresses.
  for (const char* url : {"http://2130706433/hook", "http://127.1/hook", "http://0x7f.0.0.1/hook",
                          "http://0177.0.0.1/hook", "http://0xa9fea9fe/latest/meta-data/",
                          "http://169.254.43518/latest/meta-data/"}) {
    Status refused = CheckOutboundUrl(url, false);
    EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << url;
  }
  EXPECT_TRUE(Contains(CheckOutboundUrl("http://2130706433/hook", false).message(), "127.0.0.1"));
  EXPECT_FALSE(CheckOutboundUrl("http://0xa9fea9fe/latest/meta-data/", true).ok());
  // Names that merely start with digits are names, judged at connection.
  EXPECT_TRUE(CheckOutboundUrl("https://1e100.net/hook", false).ok());
  EXPECT_TRUE(CheckOutboundUrl("https://1password.example/hook", false).ok());
  EXPECT_TRUE(CheckOutboundUrl("http://127.1:8080/hook", true).ok());
  EXPECT_FALSE(CheckOutboundUrl("http://[::ffff:169.254.169.254]/hook", true).ok());
}

}  // namespace
}  // namespace vitrine
