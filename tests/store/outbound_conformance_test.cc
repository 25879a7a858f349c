// One suite for every OutboundRepository backend: each rule of catalog/outbound.h is checked
// against the in-memory and the SQLite implementations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "backends.h"
#include "catalog/outbound.h"
#include "store/database.h"
#include "temp_dir.h"

namespace vitrine {
namespace {

using ::testing::ElementsAre;
using vitrine::testing::Backend;

Instant T(int64_t seconds) { return FromUnixSeconds(1'800'000'000 + seconds); }

Destination Webhook(std::string id) {
  Destination d;
  d.id = std::move(id);
  d.kind = DestinationKind::kWebhook;
  d.name = "Leaflet webhook " + d.id;
  d.url = "https://hooks.example.com/" + d.id;
  d.events = {"offer.changed", "feed.regenerated"};
  return d;
}

Delivery Message(std::string destination_id, std::string message_id,
                 std::string event_type = "offer.changed", int64_t next_at = 0) {
  Delivery d;
  d.destination_id = std::move(destination_id);
  d.message_id = std::move(message_id);
  d.event_type = std::move(event_type);
  d.payload = R"({"type":")" + d.event_type + R"("})";
  d.next_at = T(next_at);
  d.created_at = T(next_at);
  return d;
}

DeliveryOutcome Outcome(DeliveryState next_state, int http_status, int64_t started_at,
                        int64_t next_at = 0) {
  DeliveryOutcome o;
  o.next_state = next_state;
  o.next_at = T(next_at);
  o.attempt.started_at = T(started_at);
  o.attempt.duration_ms = 2500;
  o.attempt.http_status = http_status;
  if (next_state != DeliveryState::kDelivered)
    o.attempt.error = "HTTP " + std::to_string(http_status);
  o.attempt.response_excerpt = "body of " + std::to_string(http_status);
  return o;
}

Source PriceSource(std::string id) {
  Source s;
  s.id = std::move(id);
  s.name = "ERP nightly prices";
  s.kind = "prices";
  s.format = "csv";
  s.url = "sftp://erp.example.com:22/out/prices.csv";
  s.interval_seconds = 3600;
  return s;
}

SourceRun SourceRunAt(std::string source_id, int64_t at, std::string outcome = "imported") {
  SourceRun r;
  r.source_id = std::move(source_id);
  r.trigger = "schedule";
  r.started_at = T(at);
  r.finished_at = T(at + 3);
  r.outcome = std::move(outcome);
  r.http_status = 200;
  r.bytes = 4096;
  r.report = R"({"rows":12})";
  return r;
}

std::vector<int64_t> Ids(const std::vector<Delivery>& deliveries) {
  std::vector<int64_t> ids;
  for (const Delivery& d : deliveries) ids.push_back(d.id);
  return ids;
}

std::vector<int64_t> RunIds(const std::vector<SourceRun>& runs) {
  std::vector<int64_t> ids;
  for (const SourceRun& r : runs) ids.push_back(r.id);
  return ids;
}

class OutboundConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!GetParam().available()) GTEST_SKIP() << GetParam().name << " is not available here";
    db_ = GetParam().make(dir_.path());
    ASSERT_NE(db_, nullptr);
    out_ = &db_->outbound();
  }
  Destination Create(Destination d, int64_t at = 0) {
    auto created = out_->CreateDestination(std::move(d), T(at));
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? *created : Destination{};
  }
  int64_t Enqueue(const Delivery& d, bool supersede = false) {
    auto id = out_->EnqueueDelivery(d, supersede);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : -1;
  }
  std::vector<Delivery> Claim(int64_t now, std::string_view owner = "worker-a", int limit = 10,
                              int64_t lease = 30) {
    auto claimed = out_->ClaimDueDeliveries(T(now), limit, owner, T(now + lease));
    EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
    return claimed.ok() ? *claimed : std::vector<Delivery>{};
  }
  Delivery Get(int64_t id) {
    auto d = out_->GetDelivery(id);
    EXPECT_TRUE(d.ok() && d->has_value()) << "delivery " << id;
    return d.ok() && d->has_value() ? **d : Delivery{};
  }
  std::vector<Delivery> List(std::string destination_id,
                             std::optional<DeliveryState> state = std::nullopt,
                             int64_t before_id = 0, int limit = 100) {
    DeliveryQuery query;
    query.destination_id = std::move(destination_id);
    query.state = state;
    query.before_id = before_id;
    query.limit = limit;
    auto deliveries = out_->ListDeliveries(query);
    EXPECT_TRUE(deliveries.ok()) << deliveries.status().ToString();
    return deliveries.ok() ? *deliveries : std::vector<Delivery>{};
  }
  int64_t Owed() { return out_->CountOwedDeliveries().value(); }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  OutboundRepository* out_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Names

TEST(OutboundNamesTest, KindsAndStatesRoundTripByName) {
  for (DestinationKind kind :
       {DestinationKind::kWebhook, DestinationKind::kHttpPush, DestinationKind::kSftpPush}) {
    EXPECT_EQ(ParseDestinationKind(DestinationKindName(kind)), kind);
  }
  EXPECT_EQ(DestinationKindName(DestinationKind::kHttpPush), "http_push");
  EXPECT_EQ(DestinationKindName(DestinationKind::kSftpPush), "sftp_push");
  EXPECT_EQ(ParseDestinationKind("ftp"), std::nullopt);
  for (DeliveryState state :
       {DeliveryState::kPending, DeliveryState::kInflight, DeliveryState::kDelivered,
        DeliveryState::kFailed, DeliveryState::kCancelled}) {
    EXPECT_EQ(ParseDeliveryState(DeliveryStateName(state)), state);
  }
  EXPECT_EQ(DeliveryStateName(DeliveryState::kInflight), "inflight");
  EXPECT_EQ(DeliveryStateName(DeliveryState::kCancelled), "cancelled");
  EXPECT_EQ(ParseDeliveryState("Pending"), std::nullopt);
  EXPECT_EQ(ParseDeliveryState(""), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Destinations

TEST_P(OutboundConformanceTest, CreateRoundTripsEveryFieldAndStartsAtVersionOne) {
  Destination d;
  d.id = "dst_push";
  d.kind = DestinationKind::kSftpPush;
  d.name = "Bonial leaflet";
  d.url = "sftp://upload.example.com:2222/in/products.xml";
  d.events = {"feed.regenerated"};
  d.channels = {"google", "meta"};
  d.campaign_ids = {"C00000001"};
  d.store_ids = {"S001", "S002"};
  d.batch_seconds = 30;
  d.feed = "google/products.xml?store=S001";
  d.method = "PUT";
  d.schedule_seconds = 86400;
  d.username = "vitrine";
  d.secret_sealed = "sealed:abc";
  d.credential_file = "/etc/vitrine/key";
  d.host_key_sha256 = "SHA256:pin";
  d.disable_after_seconds = 3600;
  d.enabled = false;
  d.disabled_reason = "paused";
  d.failing_since = T(-50);
  d.offer_seq = 41;
  d.audit_seq = 7;
  d.feed_etag = "\"1-2\"";
  d.next_batch_at = T(5);
  d.last_delivered_at = T(-100);
  d.version = 9;  // ignored
  const Destination created = Create(d, 10);
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(created.created_at, T(10));
  EXPECT_EQ(created.updated_at, T(10));

  const Destination got = out_->GetDestination("dst_push").value().value();
  EXPECT_EQ(got.kind, DestinationKind::kSftpPush);
  EXPECT_EQ(got.name, d.name);
  EXPECT_EQ(got.url, d.url);
  EXPECT_THAT(got.events, ElementsAre("feed.regenerated"));
  EXPECT_THAT(got.channels, ElementsAre("google", "meta"));
  EXPECT_THAT(got.campaign_ids, ElementsAre("C00000001"));
  EXPECT_THAT(got.store_ids, ElementsAre("S001", "S002"));
  EXPECT_EQ(got.batch_seconds, 30);
  EXPECT_EQ(got.feed, d.feed);
  EXPECT_EQ(got.method, "PUT");
  EXPECT_EQ(got.schedule_seconds, 86400);
  EXPECT_EQ(got.username, "vitrine");
  EXPECT_EQ(got.secret_sealed, "sealed:abc");
  EXPECT_EQ(got.credential_file, "/etc/vitrine/key");
  EXPECT_EQ(got.host_key_sha256, "SHA256:pin");
  EXPECT_EQ(got.disable_after_seconds, 3600);
  EXPECT_FALSE(got.enabled);
  EXPECT_EQ(got.disabled_reason, "paused");
  EXPECT_EQ(got.failing_since, T(-50));
  EXPECT_EQ(got.offer_seq, 41);
  EXPECT_EQ(got.audit_seq, 7);
  EXPECT_EQ(got.feed_etag, "\"1-2\"");
  EXPECT_EQ(got.next_batch_at, T(5));
  EXPECT_EQ(got.last_delivered_at, T(-100));
  EXPECT_EQ(got.created_at, T(10));
  EXPECT_EQ(got.version, 1);

  // Empty lists and no failure round-trip as such.
  Create(Webhook("dst_plain"));
  const Destination plain = out_->GetDestination("dst_plain").value().value();
  EXPECT_TRUE(plain.channels.empty());
  EXPECT_EQ(plain.failing_since, std::nullopt);
  EXPECT_TRUE(plain.enabled);
}

TEST_P(OutboundConformanceTest, CreateRefusesATakenIdAndAnEmptyIdOrUrl) {
  Create(Webhook("dst_a"));
  EXPECT_EQ(out_->CreateDestination(Webhook("dst_a"), T(1)).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(out_->CreateDestination(Webhook(""), T(1)).status().code(),
            StatusCode::kInvalidArgument);
  Destination no_url = Webhook("dst_b");
  no_url.url.clear();
  EXPECT_EQ(out_->CreateDestination(no_url, T(1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out_->ListDestinations().value().size(), 1u);
}

TEST_P(OutboundConformanceTest, ListsDestinationsByIdAndGetsNothingForAnUnknownId) {
  Create(Webhook("dst_c"));
  Create(Webhook("dst_a"));
  Create(Webhook("dst_b"));
  std::vector<std::string> ids;
  const std::vector<Destination> listed = out_->ListDestinations().value();
  for (const Destination& d : listed) ids.push_back(d.id);
  EXPECT_THAT(ids, ElementsAre("dst_a", "dst_b", "dst_c"));
  EXPECT_EQ(out_->GetDestination("dst_zz").value(), std::nullopt);
}

TEST_P(OutboundConformanceTest, UpdateReplacesTheConfigurationAndKeepsProgressAndHealth) {
  Create(Webhook("dst_a"), 1);
  DestinationProgress progress;
  progress.offer_seq = 120;
  progress.audit_seq = 8;
  progress.feed_etag = "\"v3\"";
  progress.next_batch_at = T(40);
  ASSERT_TRUE(out_->SetDestinationProgress("dst_a", progress).ok());
  DestinationHealth health;
  health.enabled = false;
  health.disabled_reason = "failing for 5 days";
  health.failing_since = T(2);
  health.last_delivered_at = T(1);
  ASSERT_TRUE(out_->SetDestinationHealth("dst_a", health).ok());

  // The caller's copy has stale progress and health: they must not be written back.
  Destination edit = Webhook("dst_a");
  edit.name = "Renamed";
  edit.url = "https://new.example.com/hook";
  edit.channels = {"meta"};
  edit.batch_seconds = 60;
  edit.secret_sealed = "sealed:new";
  edit.offer_seq = 0;
  edit.audit_seq = 0;
  edit.enabled = true;
  edit.failing_since.reset();
  auto updated = out_->UpdateDestination(edit, 1, T(50));
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->updated_at, T(50));
  EXPECT_EQ(updated->created_at, T(1));

  const Destination got = out_->GetDestination("dst_a").value().value();
  EXPECT_EQ(got.name, "Renamed");
  EXPECT_EQ(got.url, "https://new.example.com/hook");
  EXPECT_THAT(got.channels, ElementsAre("meta"));
  EXPECT_EQ(got.batch_seconds, 60);
  EXPECT_EQ(got.secret_sealed, "sealed:new");
  EXPECT_EQ(got.version, 2);
  EXPECT_EQ(got.offer_seq, 120);
  EXPECT_EQ(got.audit_seq, 8);
  EXPECT_EQ(got.feed_etag, "\"v3\"");
  EXPECT_EQ(got.next_batch_at, T(40));
  EXPECT_FALSE(got.enabled);
  EXPECT_EQ(got.disabled_reason, "failing for 5 days");
  EXPECT_EQ(got.failing_since, T(2));
  EXPECT_EQ(got.last_delivered_at, T(1));
  EXPECT_EQ(updated->offer_seq, 120);
  EXPECT_FALSE(updated->enabled);
}

TEST_P(OutboundConformanceTest, UpdateChecksTheVersionAndThatTheDestinationExists) {
  Create(Webhook("dst_a"));
  Destination edit = Webhook("dst_a");
  edit.name = "first";
  ASSERT_TRUE(out_->UpdateDestination(edit, 1, T(1)).ok());
  edit.name = "stale";
  EXPECT_EQ(out_->UpdateDestination(edit, 1, T(2)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(out_->GetDestination("dst_a").value()->name, "first");
  EXPECT_EQ(out_->UpdateDestination(Webhook("dst_missing"), 1, T(2)).status().code(),
            StatusCode::kNotFound);
  edit.url.clear();
  EXPECT_EQ(out_->UpdateDestination(edit, 2, T(2)).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(OutboundConformanceTest, ProgressAndHealthAreWrittenWithoutBumpingTheVersion) {
  Create(Webhook("dst_a"));
  DestinationProgress progress;
  progress.offer_seq = 5;
  ASSERT_TRUE(out_->SetDestinationProgress("dst_a", progress).ok());
  DestinationHealth health;
  health.failing_since = T(3);
  ASSERT_TRUE(out_->SetDestinationHealth("dst_a", health).ok());
  const Destination got = out_->GetDestination("dst_a").value().value();
  EXPECT_EQ(got.version, 1);
  EXPECT_EQ(got.offer_seq, 5);
  EXPECT_EQ(got.failing_since, T(3));
  // Health back to good clears the failure.
  health.failing_since.reset();
  health.last_delivered_at = T(9);
  ASSERT_TRUE(out_->SetDestinationHealth("dst_a", health).ok());
  EXPECT_EQ(out_->GetDestination("dst_a").value()->failing_since, std::nullopt);
  EXPECT_EQ(out_->GetDestination("dst_a").value()->last_delivered_at, T(9));
  EXPECT_EQ(out_->SetDestinationProgress("dst_zz", progress).code(), StatusCode::kNotFound);
  EXPECT_EQ(out_->SetDestinationHealth("dst_zz", health).code(), StatusCode::kNotFound);
}

TEST_P(OutboundConformanceTest, DeleteCancelsQueuedAndInFlightDeliveriesAndKeepsTheRows) {
  Create(Webhook("dst_a"));
  Create(Webhook("dst_b"));
  const int64_t delivered = Enqueue(Message("dst_a", "msg_1"));
  ASSERT_THAT(Ids(Claim(0)), ElementsAre(delivered));
  ASSERT_TRUE(
      out_->CompleteDelivery(delivered, "worker-a", Outcome(DeliveryState::kDelivered, 200, 0))
          .ok());
  const int64_t inflight = Enqueue(Message("dst_a", "msg_2"));
  const int64_t pending = Enqueue(Message("dst_a", "msg_3"));
  const int64_t other = Enqueue(Message("dst_b", "msg_4"));
  ASSERT_THAT(Ids(Claim(1, "worker-a", 1)), ElementsAre(inflight));
  EXPECT_EQ(Owed(), 3);

  EXPECT_TRUE(out_->DeleteDestination("dst_a").value());
  EXPECT_EQ(out_->GetDestination("dst_a").value(), std::nullopt);
  EXPECT_EQ(Get(delivered).state, DeliveryState::kDelivered);
  EXPECT_EQ(Get(inflight).state, DeliveryState::kCancelled);
  EXPECT_EQ(Get(pending).state, DeliveryState::kCancelled);
  EXPECT_EQ(Get(other).state, DeliveryState::kPending);
  EXPECT_EQ(Owed(), 1);
  // The log still shows them, and the worker holding the cancelled one cannot complete it.
  EXPECT_THAT(Ids(List("dst_a")), ElementsAre(pending, inflight, delivered));
  EXPECT_EQ(out_->CompleteDelivery(inflight, "worker-a", Outcome(DeliveryState::kDelivered, 200, 2))
                .code(),
            StatusCode::kFailedPrecondition);
  EXPECT_THAT(Ids(Claim(100)), ElementsAre(other));
  EXPECT_FALSE(out_->DeleteDestination("dst_a").value());
}

// ---------------------------------------------------------------------------------------------
// Deliveries

TEST_P(OutboundConformanceTest, EnqueueAppendsAPendingDeliveryAndIgnoresStateAttemptsAndLease) {
  Create(Webhook("dst_a"));
  Delivery d = Message("dst_a", "msg_1", "campaign.transitioned", 7);
  d.seq_from = 10;
  d.seq_to = 20;
  d.state = DeliveryState::kDelivered;
  d.attempts = 4;
  d.lease_owner = "someone";
  d.lease_until = T(99);
  d.last_status = 500;
  d.id = 77;
  const int64_t first = Enqueue(d);
  const int64_t second = Enqueue(Message("dst_a", "msg_2"));
  EXPECT_GT(first, 0);
  EXPECT_GT(second, first);
  const Delivery got = Get(first);
  EXPECT_EQ(got.id, first);
  EXPECT_EQ(got.destination_id, "dst_a");
  EXPECT_EQ(got.message_id, "msg_1");
  EXPECT_EQ(got.event_type, "campaign.transitioned");
  EXPECT_EQ(got.payload, d.payload);
  EXPECT_EQ(got.seq_from, 10);
  EXPECT_EQ(got.seq_to, 20);
  EXPECT_EQ(got.state, DeliveryState::kPending);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_EQ(got.lease_owner, "");
  EXPECT_EQ(got.lease_until, Instant{});
  EXPECT_EQ(got.last_status, 0);
  EXPECT_EQ(got.next_at, T(7));
  EXPECT_EQ(got.created_at, T(7));
  EXPECT_EQ(got.delivered_at, std::nullopt);
  EXPECT_EQ(out_->GetDelivery(second + 100).value(), std::nullopt);
}

TEST_P(OutboundConformanceTest, EnqueueRefusesADuplicateMessageIdAndAnUnknownDestination) {
  Create(Webhook("dst_a"));
  Create(Webhook("dst_b"));
  Enqueue(Message("dst_a", "msg_1"));
  // The message id is unique across destinations, and even with supersede.
  EXPECT_EQ(out_->EnqueueDelivery(Message("dst_b", "msg_1"), false).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(out_->EnqueueDelivery(Message("dst_a", "msg_1"), true).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(out_->EnqueueDelivery(Message("dst_zz", "msg_2"), false).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(out_->EnqueueDelivery(Message("dst_a", ""), false).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Owed(), 1);
  // The refused supersede cancelled nothing.
  EXPECT_EQ(List("dst_a", DeliveryState::kPending).size(), 1u);
}

TEST_P(OutboundConformanceTest, SupersedeCancelsOnlyPendingDeliveriesOfTheSameEventType) {
  Create(Webhook("dst_a"));
  Create(Webhook("dst_b"));
  const int64_t inflight = Enqueue(Message("dst_a", "msg_1", "feed.push"));
  ASSERT_THAT(Ids(Claim(0)), ElementsAre(inflight));
  const int64_t old_push = Enqueue(Message("dst_a", "msg_2", "feed.push"));
  const int64_t offers = Enqueue(Message("dst_a", "msg_3", "offer.changed"));
  const int64_t other = Enqueue(Message("dst_b", "msg_4", "feed.push"));
  const int64_t newest = Enqueue(Message("dst_a", "msg_5", "feed.push"), /*supersede=*/true);
  EXPECT_EQ(Get(old_push).state, DeliveryState::kCancelled);
  EXPECT_EQ(Get(inflight).state, DeliveryState::kInflight);
  EXPECT_EQ(Get(offers).state, DeliveryState::kPending);
  EXPECT_EQ(Get(other).state, DeliveryState::kPending);
  EXPECT_EQ(Get(newest).state, DeliveryState::kPending);
  // Without supersede nothing is cancelled.
  const int64_t extra = Enqueue(Message("dst_a", "msg_6", "feed.push"));
  EXPECT_EQ(Get(newest).state, DeliveryState::kPending);
  EXPECT_EQ(Get(extra).state, DeliveryState::kPending);
  EXPECT_EQ(Owed(), 5);
}

TEST_P(OutboundConformanceTest, ClaimTakesTheOldestDeliveryOfEachDestinationInIdOrder) {
  Create(Webhook("dst_a"));
  Create(Webhook("dst_b"));
  Create(Webhook("dst_c"));
  const int64_t b1 = Enqueue(Message("dst_b", "msg_1"));
  const int64_t a1 = Enqueue(Message("dst_a", "msg_2"));
  const int64_t b2 = Enqueue(Message("dst_b", "msg_3"));
  const int64_t c1 = Enqueue(Message("dst_c", "msg_4"));
  Enqueue(Message("dst_a", "msg_5"));

  // The limit takes the lowest ids first.
  const std::vector<Delivery> first = Claim(1, "worker-a", 2, 30);
  EXPECT_THAT(Ids(first), ElementsAre(b1, a1));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].state, DeliveryState::kInflight);
  EXPECT_EQ(first[0].lease_owner, "worker-a");
  EXPECT_EQ(first[0].lease_until, T(31));
  EXPECT_EQ(first[0].attempts, 1);
  EXPECT_EQ(first[0].message_id, "msg_1");
  EXPECT_EQ(Get(b1).state, DeliveryState::kInflight);
  EXPECT_EQ(Get(b1).lease_owner, "worker-a");
  EXPECT_EQ(Get(b1).attempts, 1);

  // dst_a and dst_b have one in flight: only dst_c's is left, and b2 waits behind b1.
  EXPECT_THAT(Ids(Claim(2, "worker-b")), ElementsAre(c1));
  EXPECT_EQ(Get(b2).state, DeliveryState::kPending);
  EXPECT_THAT(Ids(Claim(3, "worker-b")), ElementsAre());
}

TEST_P(OutboundConformanceTest, ClaimWaitsForTheHeadToBeDueAndSkipsDisabledDestinations) {
  Create(Webhook("dst_a"));
  Create(Webhook("dst_b"));
  const int64_t later = Enqueue(Message("dst_a", "msg_1", "offer.changed", 100));
  const int64_t due = Enqueue(Message("dst_a", "msg_2", "offer.changed", 0));
  const int64_t disabled = Enqueue(Message("dst_b", "msg_3", "offer.changed", 0));
  DestinationHealth off;
  off.enabled = false;
  off.disabled_reason = "failing";
  ASSERT_TRUE(out_->SetDestinationHealth("dst_b", off).ok());

  // The oldest is not due yet, and the newer one must not overtake it.
  EXPECT_THAT(Ids(Claim(50)), ElementsAre());
  EXPECT_EQ(Get(due).state, DeliveryState::kPending);
  EXPECT_EQ(Get(disabled).state, DeliveryState::kPending);
  EXPECT_THAT(Ids(Claim(100)), ElementsAre(later));

  ASSERT_TRUE(out_->SetDestinationHealth("dst_b", DestinationHealth{}).ok());
  EXPECT_THAT(Ids(Claim(101)), ElementsAre(disabled));
  EXPECT_EQ(out_->ClaimDueDeliveries(T(1), 0, "worker-a", T(2)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(out_->ClaimDueDeliveries(T(1), 1, "", T(2)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(OutboundConformanceTest, ALiveLeaseBlocksASecondClaim) {
  Create(Webhook("dst_a"));
  const int64_t first = Enqueue(Message("dst_a", "msg_1"));
  Enqueue(Message("dst_a", "msg_2"));
  ASSERT_THAT(Ids(Claim(0, "worker-a", 10, 30)), ElementsAre(first));
  EXPECT_THAT(Ids(Claim(1, "worker-b")), ElementsAre());
  EXPECT_THAT(Ids(Claim(29, "worker-b")), ElementsAre());
  EXPECT_EQ(Get(first).lease_owner, "worker-a");
  EXPECT_EQ(Get(first).attempts, 1);
}

TEST_P(OutboundConformanceTest, AnExpiredLeaseIsClaimedAgainAndTheFirstOwnerCanNoLongerComplete) {
  Create(Webhook("dst_a"));
  const int64_t id = Enqueue(Message("dst_a", "msg_1"));
  ASSERT_THAT(Ids(Claim(0, "worker-a", 10, 30)), ElementsAre(id));
  // The lease ends at T(30): claimable again from then, by another owner.
  const std::vector<Delivery> again = Claim(30, "worker-b", 10, 30);
  ASSERT_THAT(Ids(again), ElementsAre(id));
  EXPECT_EQ(again[0].lease_owner, "worker-b");
  EXPECT_EQ(again[0].lease_until, T(60));
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(again[0].message_id, "msg_1");

  EXPECT_EQ(
      out_->CompleteDelivery(id, "worker-a", Outcome(DeliveryState::kDelivered, 200, 1)).code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(Get(id).state, DeliveryState::kInflight);
  EXPECT_TRUE(out_->ListDeliveryAttempts(id).value().empty());
  ASSERT_TRUE(
      out_->CompleteDelivery(id, "worker-b", Outcome(DeliveryState::kDelivered, 204, 31)).ok());
  const std::vector<DeliveryAttempt> attempts = out_->ListDeliveryAttempts(id).value();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].attempt, 2);
  EXPECT_EQ(attempts[0].http_status, 204);
}

TEST_P(OutboundConformanceTest, CompleteRecordsTheAttemptAndMovesTheDelivery) {
  Create(Webhook("dst_a"));
  const int64_t id = Enqueue(Message("dst_a", "msg_1"));
  const int64_t next = Enqueue(Message("dst_a", "msg_2"));

  // A retry: pending again at the outcome's next_at, the lease cleared.
  ASSERT_THAT(Ids(Claim(0)), ElementsAre(id));
  ASSERT_TRUE(
      out_->CompleteDelivery(id, "worker-a", Outcome(DeliveryState::kPending, 503, 1, 60)).ok());
  Delivery d = Get(id);
  EXPECT_EQ(d.state, DeliveryState::kPending);
  EXPECT_EQ(d.next_at, T(60));
  EXPECT_EQ(d.last_status, 503);
  EXPECT_EQ(d.last_error, "HTTP 503");
  EXPECT_EQ(d.lease_owner, "");
  EXPECT_EQ(d.delivered_at, std::nullopt);
  // The destination's order holds: the next delivery waits for the retry.
  EXPECT_THAT(Ids(Claim(10)), ElementsAre());

  // A success at the retry.
  ASSERT_THAT(Ids(Claim(60)), ElementsAre(id));
  ASSERT_TRUE(
      out_->CompleteDelivery(id, "worker-a", Outcome(DeliveryState::kDelivered, 200, 61)).ok());
  d = Get(id);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(d.last_status, 200);
  EXPECT_EQ(d.last_error, "");
  EXPECT_EQ(d.lease_owner, "");
  EXPECT_EQ(d.lease_until, Instant{});
  // At the end of the attempt: started at 61, 2.5 s long.
  EXPECT_EQ(d.delivered_at, T(63));

  const std::vector<DeliveryAttempt> attempts = out_->ListDeliveryAttempts(id).value();
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].delivery_id, id);
  EXPECT_EQ(attempts[0].attempt, 1);
  EXPECT_EQ(attempts[0].started_at, T(1));
  EXPECT_EQ(attempts[0].duration_ms, 2500);
  EXPECT_EQ(attempts[0].http_status, 503);
  EXPECT_EQ(attempts[0].error, "HTTP 503");
  EXPECT_EQ(attempts[0].response_excerpt, "body of 503");
  EXPECT_FALSE(attempts[0].replay);
  EXPECT_EQ(attempts[1].attempt, 2);
  EXPECT_EQ(attempts[1].http_status, 200);

  // A permanent failure is final: the next one goes out.
  ASSERT_THAT(Ids(Claim(70)), ElementsAre(next));
  ASSERT_TRUE(
      out_->CompleteDelivery(next, "worker-a", Outcome(DeliveryState::kFailed, 410, 70)).ok());
  EXPECT_EQ(Get(next).state, DeliveryState::kFailed);
  EXPECT_THAT(Ids(Claim(1000)), ElementsAre());
  EXPECT_EQ(Owed(), 0);
}

TEST_P(OutboundConformanceTest, CompleteRefusesAnotherOwnerAnUnclaimedDeliveryAndBadOutcomes) {
  Create(Webhook("dst_a"));
  const int64_t id = Enqueue(Message("dst_a", "msg_1"));
  const DeliveryOutcome ok = Outcome(DeliveryState::kDelivered, 200, 1);
  EXPECT_EQ(out_->CompleteDelivery(id, "worker-a", ok).code(), StatusCode::kFailedPrecondition);
  ASSERT_THAT(Ids(Claim(0)), ElementsAre(id));
  EXPECT_EQ(out_->CompleteDelivery(id, "worker-b", ok).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      out_->CompleteDelivery(id, "worker-a", Outcome(DeliveryState::kCancelled, 200, 1)).code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(out_->CompleteDelivery(id + 1000, "worker-a", ok).code(), StatusCode::kNotFound);
  EXPECT_TRUE(out_->ListDeliveryAttempts(id).value().empty());
  ASSERT_TRUE(out_->CompleteDelivery(id, "worker-a", ok).ok());
  // Once completed, the lease is gone: a second completion is refused.
  EXPECT_EQ(out_->CompleteDelivery(id, "worker-a", ok).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(out_->ListDeliveryAttempts(id).value().size(), 1u);
}

TEST_P(OutboundConformanceTest, ReplayKeepsTheMessageIdAndMarksTheNextAttemptOnly) {
  Create(Webhook("dst_a"));
  const int64_t id = Enqueue(Message("dst_a", "msg_1"));
  ASSERT_THAT(Ids(Claim(0)), ElementsAre(id));
  ASSERT_TRUE(
      out_->CompleteDelivery(id, "worker-a", Outcome(DeliveryState::kDelivered, 200, 0)).ok());

  auto replayed = out_->ReplayDelivery(id, T(500));
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_EQ(replayed->id, id);
  EXPECT_EQ(replayed->message_id, "msg_1");
  EXPECT_EQ(replayed->state, DeliveryState::kPending);
  EXPECT_EQ(replayed->next_at, T(500));
  EXPECT_EQ(Get(id).state, DeliveryState::kPending);
  EXPECT_EQ(Owed(), 1);

  EXPECT_THAT(Ids(Claim(499)), ElementsAre());
  const std::vector<Delivery> claimed = Claim(500);
  ASSERT_THAT(Ids(claimed), ElementsAre(id));
  EXPECT_EQ(claimed[0].message_id, "msg_1");
  EXPECT_EQ(claimed[0].attempts, 2);
  ASSERT_TRUE(
      out_->CompleteDelivery(id, "worker-a", Outcome(DeliveryState::kPending, 500, 500, 600)).ok());
  // The retry after the replayed attempt is not a replay any more.
  ASSERT_THAT(Ids(Claim(600)), ElementsAre(id));
  ASSERT_TRUE(
      out_->CompleteDelivery(id, "worker-a", Outcome(DeliveryState::kDelivered, 200, 600)).ok());

  const std::vector<DeliveryAttempt> attempts = out_->ListDeliveryAttempts(id).value();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_FALSE(attempts[0].replay);
  EXPECT_TRUE(attempts[1].replay);
  EXPECT_FALSE(attempts[2].replay);
  EXPECT_EQ(attempts[1].attempt, 2);
  EXPECT_EQ(Get(id).message_id, "msg_1");
}

TEST_P(OutboundConformanceTest, ReplayRefusesInFlightCancelledMissingAndOrphanedDeliveries) {
  Create(Webhook("dst_a"));
  Create(Webhook("dst_b"));
  const int64_t inflight = Enqueue(Message("dst_a", "msg_1"));
  ASSERT_THAT(Ids(Claim(0)), ElementsAre(inflight));
  EXPECT_EQ(out_->ReplayDelivery(inflight, T(1)).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Get(inflight).state, DeliveryState::kInflight);

  const int64_t superseded = Enqueue(Message("dst_a", "msg_2", "feed.push"));
  Enqueue(Message("dst_a", "msg_3", "feed.push"), /*supersede=*/true);
  ASSERT_EQ(Get(superseded).state, DeliveryState::kCancelled);
  EXPECT_EQ(out_->ReplayDelivery(superseded, T(1)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(out_->ReplayDelivery(superseded + 1000, T(1)).status().code(), StatusCode::kNotFound);

  // A failed one can be replayed; a pending one is made due now.
  const int64_t failed = Enqueue(Message("dst_b", "msg_4"));
  ASSERT_THAT(Ids(Claim(0)), ElementsAre(failed));
  ASSERT_TRUE(
      out_->CompleteDelivery(failed, "worker-a", Outcome(DeliveryState::kFailed, 410, 0)).ok());
  EXPECT_TRUE(out_->ReplayDelivery(failed, T(5)).ok());
  const int64_t later = Enqueue(Message("dst_b", "msg_5", "offer.changed", 1000));
  EXPECT_EQ(out_->ReplayDelivery(later, T(6)).value().next_at, T(6));

  // A delivered one whose destination is gone would be owed to no one.
  ASSERT_THAT(Ids(Claim(10)), ElementsAre(failed));
  ASSERT_TRUE(
      out_->CompleteDelivery(failed, "worker-a", Outcome(DeliveryState::kDelivered, 200, 10)).ok());
  ASSERT_TRUE(out_->DeleteDestination("dst_b").value());
  EXPECT_EQ(out_->ReplayDelivery(failed, T(20)).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Get(failed).state, DeliveryState::kDelivered);
}

TEST_P(OutboundConformanceTest, AReplayedOlderDeliveryWaitsForTheOneInFlight) {
  Create(Webhook("dst_a"));
  const int64_t old_id = Enqueue(Message("dst_a", "msg_1"));
  ASSERT_THAT(Ids(Claim(0)), ElementsAre(old_id));
  ASSERT_TRUE(
      out_->CompleteDelivery(old_id, "worker-a", Outcome(DeliveryState::kDelivered, 200, 0)).ok());
  const int64_t new_id = Enqueue(Message("dst_a", "msg_2", "offer.changed", 1));
  ASSERT_THAT(Ids(Claim(1, "worker-a", 10, 30)), ElementsAre(new_id));
  ASSERT_TRUE(out_->ReplayDelivery(old_id, T(2)).ok());
  // At most one in flight per destination, even though the replayed one is older.
  EXPECT_THAT(Ids(Claim(3, "worker-b")), ElementsAre());
  ASSERT_TRUE(
      out_->CompleteDelivery(new_id, "worker-a", Outcome(DeliveryState::kDelivered, 200, 3)).ok());
  EXPECT_THAT(Ids(Claim(4, "worker-b")), ElementsAre(old_id));
}

TEST_P(OutboundConformanceTest, CountsPendingAndInFlightDeliveriesAsOwed) {
  EXPECT_EQ(Owed(), 0);
  Create(Webhook("dst_a"));
  Create(Webhook("dst_b"));
  const int64_t a1 = Enqueue(Message("dst_a", "msg_1"));
  Enqueue(Message("dst_a", "msg_2"));
  const int64_t b1 = Enqueue(Message("dst_b", "msg_3"));
  EXPECT_EQ(Owed(), 3);
  ASSERT_THAT(Ids(Claim(0)), ElementsAre(a1, b1));
  EXPECT_EQ(Owed(), 3);
  ASSERT_TRUE(
      out_->CompleteDelivery(a1, "worker-a", Outcome(DeliveryState::kDelivered, 200, 0)).ok());
  ASSERT_TRUE(out_->CompleteDelivery(b1, "worker-a", Outcome(DeliveryState::kFailed, 400, 0)).ok());
  EXPECT_EQ(Owed(), 1);
}

TEST_P(OutboundConformanceTest, ListsDeliveriesNewestFirstByPagesAndByState) {
  Create(Webhook("dst_a"));
  Create(Webhook("dst_b"));
  const int64_t a1 = Enqueue(Message("dst_a", "msg_1"));
  Enqueue(Message("dst_b", "msg_2"));
  const int64_t a2 = Enqueue(Message("dst_a", "msg_3"));
  const int64_t a3 = Enqueue(Message("dst_a", "msg_4"));
  ASSERT_THAT(Ids(Claim(0)), ElementsAre(a1, a2 - 1));

  EXPECT_THAT(Ids(List("dst_a")), ElementsAre(a3, a2, a1));
  EXPECT_THAT(Ids(List("dst_a", std::nullopt, 0, 2)), ElementsAre(a3, a2));
  EXPECT_THAT(Ids(List("dst_a", std::nullopt, a2, 2)), ElementsAre(a1));
  EXPECT_THAT(Ids(List("dst_a", DeliveryState::kPending)), ElementsAre(a3, a2));
  EXPECT_THAT(Ids(List("dst_a", DeliveryState::kInflight)), ElementsAre(a1));
  EXPECT_THAT(Ids(List("dst_a", DeliveryState::kDelivered)), ElementsAre());
  EXPECT_THAT(Ids(List("dst_zz")), ElementsAre());

  DeliveryQuery bad;
  bad.destination_id = "dst_a";
  bad.limit = 0;
  EXPECT_EQ(out_->ListDeliveries(bad).status().code(), StatusCode::kInvalidArgument);
  bad.limit = 1001;
  EXPECT_EQ(out_->ListDeliveries(bad).status().code(), StatusCode::kInvalidArgument);
  bad.limit = 1000;
  EXPECT_TRUE(out_->ListDeliveries(bad).ok());
  bad.destination_id.clear();
  EXPECT_EQ(out_->ListDeliveries(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(OutboundConformanceTest, ATransactionThatRollsBackLeavesNoDelivery) {
  Create(Webhook("dst_a"));
  DestinationProgress progress;
  progress.offer_seq = 50;
  Status rolled_back = db_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(out_->EnqueueDelivery(Message("dst_a", "msg_1"), false).status());
    VITRINE_RETURN_IF_ERROR(out_->SetDestinationProgress("dst_a", progress));
    // Inside, the transaction sees its own writes.
    if (out_->CountOwedDeliveries().value() != 1) return Status::Internal("enqueue not seen");
    return Status::Unavailable("the batch could not be planned");
  });
  EXPECT_EQ(rolled_back.code(), StatusCode::kUnavailable);
  EXPECT_EQ(Owed(), 0);
  EXPECT_THAT(Ids(List("dst_a")), ElementsAre());
  EXPECT_EQ(out_->GetDestination("dst_a").value()->offer_seq, 0);

  // The same plan committed lands whole, and the message id was never taken.
  Status committed = db_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(out_->EnqueueDelivery(Message("dst_a", "msg_1"), false).status());
    return out_->SetDestinationProgress("dst_a", progress);
  });
  ASSERT_TRUE(committed.ok()) << committed.ToString();
  EXPECT_EQ(Owed(), 1);
  EXPECT_EQ(out_->GetDestination("dst_a").value()->offer_seq, 50);
}

// ---------------------------------------------------------------------------------------------
// Sources

TEST_P(OutboundConformanceTest, SourcesRoundTripAndRefuseATakenIdOrAnEmptyIdOrUrl) {
  Source s = PriceSource("src_b");
  s.username = "erp";
  s.secret_sealed = "sealed:pw";
  s.credential_file = "/etc/vitrine/erp";
  s.host_key_sha256 = "SHA256:erp";
  s.enabled = false;
  s.etag = "\"e1\"";
  s.last_modified = "Tue, 01 Jun 2027 10:00:00 GMT";
  s.remote_mtime = 1'700'000'000;
  s.remote_size = 99;
  s.next_run_at = T(3600);
  s.version = 5;
  auto created = out_->CreateSource(s, T(1));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->version, 1);
  const Source got = out_->GetSource("src_b").value().value();
  EXPECT_EQ(got.name, s.name);
  EXPECT_EQ(got.kind, "prices");
  EXPECT_EQ(got.format, "csv");
  EXPECT_EQ(got.url, s.url);
  EXPECT_EQ(got.interval_seconds, 3600);
  EXPECT_EQ(got.username, "erp");
  EXPECT_EQ(got.secret_sealed, "sealed:pw");
  EXPECT_EQ(got.credential_file, "/etc/vitrine/erp");
  EXPECT_EQ(got.host_key_sha256, "SHA256:erp");
  EXPECT_FALSE(got.enabled);
  EXPECT_EQ(got.etag, "\"e1\"");
  EXPECT_EQ(got.last_modified, s.last_modified);
  EXPECT_EQ(got.remote_mtime, 1'700'000'000);
  EXPECT_EQ(got.remote_size, 99);
  EXPECT_EQ(got.next_run_at, T(3600));
  EXPECT_EQ(got.created_at, T(1));
  EXPECT_EQ(got.updated_at, T(1));
  EXPECT_EQ(got.version, 1);

  ASSERT_TRUE(out_->CreateSource(PriceSource("src_a"), T(2)).ok());
  EXPECT_EQ(out_->CreateSource(PriceSource("src_a"), T(3)).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(out_->CreateSource(PriceSource(""), T(3)).status().code(),
            StatusCode::kInvalidArgument);
  Source no_url = PriceSource("src_c");
  no_url.url.clear();
  EXPECT_EQ(out_->CreateSource(no_url, T(3)).status().code(), StatusCode::kInvalidArgument);
  std::vector<std::string> ids;
  const std::vector<Source> listed = out_->ListSources().value();
  for (const Source& src : listed) ids.push_back(src.id);
  EXPECT_THAT(ids, ElementsAre("src_a", "src_b"));
  EXPECT_EQ(out_->GetSource("src_zz").value(), std::nullopt);
}

TEST_P(OutboundConformanceTest, UpdateSourceReplacesTheConfigurationAndKeepsTheValidators) {
  ASSERT_TRUE(out_->CreateSource(PriceSource("src_a"), T(1)).ok());
  SourceState state;
  state.etag = "\"e7\"";
  state.last_modified = "Wed, 02 Jun 2027 10:00:00 GMT";
  state.remote_mtime = 123;
  state.remote_size = 456;
  state.next_run_at = T(7200);
  ASSERT_TRUE(out_->SetSourceState("src_a", state).ok());
  EXPECT_EQ(out_->GetSource("src_a").value()->version, 1);

  Source edit = PriceSource("src_a");
  edit.name = "ERP hourly prices";
  edit.url = "https://erp.example.com/prices.csv";
  edit.interval_seconds = 600;
  edit.enabled = false;
  auto updated = out_->UpdateSource(edit, 1, T(9));
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->version, 2);
  const Source got = out_->GetSource("src_a").value().value();
  EXPECT_EQ(got.name, "ERP hourly prices");
  EXPECT_EQ(got.url, "https://erp.example.com/prices.csv");
  EXPECT_EQ(got.interval_seconds, 600);
  EXPECT_FALSE(got.enabled);
  EXPECT_EQ(got.etag, "\"e7\"");
  EXPECT_EQ(got.last_modified, state.last_modified);
  EXPECT_EQ(got.remote_mtime, 123);
  EXPECT_EQ(got.remote_size, 456);
  EXPECT_EQ(got.next_run_at, T(7200));
  EXPECT_EQ(got.created_at, T(1));
  EXPECT_EQ(got.updated_at, T(9));
  EXPECT_EQ(got.version, 2);

  EXPECT_EQ(out_->UpdateSource(edit, 1, T(10)).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(out_->UpdateSource(PriceSource("src_zz"), 1, T(10)).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(out_->SetSourceState("src_zz", state).code(), StatusCode::kNotFound);
}

TEST_P(OutboundConformanceTest, SourceRunsListNewestFirstAndGoWithTheirSource) {
  ASSERT_TRUE(out_->CreateSource(PriceSource("src_a"), T(1)).ok());
  ASSERT_TRUE(out_->CreateSource(PriceSource("src_b"), T(1)).ok());
  SourceRun failed = SourceRunAt("src_a", 10, "failed");
  failed.trigger = "manual";
  failed.http_status = 0;
  failed.bytes = 0;
  failed.error = "connection refused";
  failed.report.clear();
  const int64_t r1 = out_->RecordSourceRun(failed).value();
  const int64_t other = out_->RecordSourceRun(SourceRunAt("src_b", 11)).value();
  const int64_t r2 = out_->RecordSourceRun(SourceRunAt("src_a", 20, "not_modified")).value();
  const int64_t r3 = out_->RecordSourceRun(SourceRunAt("src_a", 30)).value();
  EXPECT_LT(r1, other);
  EXPECT_LT(other, r2);
  EXPECT_LT(r2, r3);
  EXPECT_EQ(out_->RecordSourceRun(SourceRunAt("src_zz", 1)).status().code(), StatusCode::kNotFound);

  const std::vector<SourceRun> runs = out_->ListSourceRuns("src_a", 0, 100).value();
  EXPECT_THAT(RunIds(runs), ElementsAre(r3, r2, r1));
  const SourceRun& first = runs[2];
  EXPECT_EQ(first.source_id, "src_a");
  EXPECT_EQ(first.trigger, "manual");
  EXPECT_EQ(first.started_at, T(10));
  EXPECT_EQ(first.finished_at, T(13));
  EXPECT_EQ(first.outcome, "failed");
  EXPECT_EQ(first.http_status, 0);
  EXPECT_EQ(first.bytes, 0);
  EXPECT_EQ(first.error, "connection refused");
  EXPECT_EQ(first.report, "");
  EXPECT_EQ(runs[0].report, R"({"rows":12})");
  EXPECT_EQ(runs[0].bytes, 4096);
  EXPECT_THAT(RunIds(out_->ListSourceRuns("src_a", 0, 2).value()), ElementsAre(r3, r2));
  EXPECT_THAT(RunIds(out_->ListSourceRuns("src_a", r2, 2).value()), ElementsAre(r1));
  EXPECT_EQ(out_->ListSourceRuns("src_a", 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out_->ListSourceRuns("src_a", 0, 1001).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out_->ListSourceRuns("src_a", -1, 10).status().code(), StatusCode::kInvalidArgument);

  EXPECT_TRUE(out_->DeleteSource("src_a").value());
  EXPECT_FALSE(out_->DeleteSource("src_a").value());
  EXPECT_EQ(out_->GetSource("src_a").value(), std::nullopt);
  EXPECT_THAT(RunIds(out_->ListSourceRuns("src_a", 0, 100).value()), ElementsAre());
  EXPECT_THAT(RunIds(out_->ListSourceRuns("src_b", 0, 100).value()), ElementsAre(other));
  // A source created again under the same id starts with no runs.
  ASSERT_TRUE(out_->CreateSource(PriceSource("src_a"), T(40)).ok());
  EXPECT_THAT(RunIds(out_->ListSourceRuns("src_a", 0, 100).value()), ElementsAre());
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboundConformanceTest, vitrine::testing::AllBackends(),
                         vitrine::testing::BackendName);

}  // namespace
}  // namespace vitrine
