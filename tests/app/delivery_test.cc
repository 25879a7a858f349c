// The outbox end to end over both backends: what the planner owes each destination (offer
// changes batched and filtered, campaign transitions, feed pushes superseded), and what the
// worker does with each attempt (delivered, retried on the schedule with jitter and
// Retry-After, failed for good, the destination disabled on 410 or after failing too long),
// a delivery stranded by a dead process sent again with its message id, and a receiver that
// hangs holding only its own worker.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "../store/backends.h"
#include "../store/temp_dir.h"
#include "app/delivery_planner.h"
#include "app/delivery_worker.h"
#include "store/database.h"
#include "store/memory_database.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;

const Instant kNow = *ParseInstant("2026-11-24T09:00:00Z");

PublishedOffer MakeOffer(std::string product, std::string store, std::string campaign = "C1",
                         std::vector<std::string> channels = {"google"}) {
  PublishedOffer o;
  o.offer_id = "PR1~" + product;
  o.store_id = std::move(store);
  o.campaign_id = std::move(campaign);
  o.promotion_id = "PR1";
  o.product_id = std::move(product);
  o.category = "Épicerie";
  o.channels = std::move(channels);
  o.validity = {kNow, kNow + std::chrono::hours(24 * 7)};
  o.timezone = "Europe/Paris";
  o.regular_price = Money::Euros(299);
  o.shelf_price = Money::Euros(199);
  o.effective_unit_price = Money::Euros(199);
  o.mechanic = "percent_off";
  o.stock_quantity = 12;
  o.availability = Availability::kInStock;
  return o;
}

// Records every attempt; answers what `answer` says for the destination.
class FakeTransport {
 public:
  std::function<TransportResult(const Destination&, const Delivery&)> answer =
      [](const Destination&, const Delivery&) {
        TransportResult r;
        r.http_status = 200;
        return r;
      };
  DeliveryTransport AsTransport() {
    return [this](const Destination& d, const Delivery& delivery) {
      {
        std::lock_guard lock(mu);
        sent.push_back(delivery);
      }
      return answer(d, delivery);
    };
  }
  std::vector<Delivery> Sent() {
    std::lock_guard lock(mu);
    return sent;
  }
  std::mutex mu;
  std::vector<Delivery> sent;
};

class DeliveryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "Memory") {
      db_ = std::make_unique<MemoryDatabase>();
    } else {
      if (GetParam() == "Postgres" && testing::TestPostgresUrl().empty()) {
        GTEST_SKIP() << "no PostgreSQL cluster (run through ctest)";
      }
      auto opened = OpenDatabase(GetParam() == "Postgres"
                                     ? testing::FreshPostgresSchema(testing::TestPostgresUrl())
                                     : "sqlite:" + dir_.File("vitrine.db"));
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      db_ = std::move(opened).value();
    }
  }

  Destination Webhook(std::string id) {
    Destination d;
    d.id = std::move(id);
    d.kind = DestinationKind::kWebhook;
    d.url = "https://receiver.example/hook";
    d.secret_sealed = "sealed";
    d.batch_seconds = 10;
    return d;
  }

  void Create(const Destination& d) {
    auto created = db_->outbound().CreateDestination(d, clock_.Now());
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }

  void Publish(std::vector<PublishedOffer> offers) {
    OfferRepository::Scope scope;
    scope.promotion_ids = {"PR1"};
    ASSERT_TRUE(db_->offers().ReplaceOffers(scope, offers).ok());
  }

  std::vector<Delivery> Deliveries(const std::string& destination) {
    DeliveryQuery query;
    query.destination_id = destination;
    auto list = db_->outbound().ListDeliveries(query);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? *list : std::vector<Delivery>();
  }

  Destination Get(const std::string& id) {
    auto d = db_->outbound().GetDestination(id);
    EXPECT_TRUE(d.ok() && d->has_value());
    return d.ok() && d->has_value() ? **d : Destination();
  }

  DeliveryPlanner Planner(std::function<Result<FeedVersion>(const std::string&)> feeds = {}) {
    DeliveryPlannerOptions options;
    options.clock = &clock_;
    options.feed_version = std::move(feeds);
    return DeliveryPlanner(*db_, options);
  }

  DeliveryWorkerOptions WorkerOptions(std::string holder = "node-a") {
    DeliveryWorkerOptions options;
    options.clock = &clock_;
    options.holder = std::move(holder);
    options.seed = 42;
    options.workers = 4;
    options.poll = 20ms;
    return options;
  }

  vitrine::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  ManualClock clock_{kNow};
};

TEST_P(DeliveryTest, OfferChangesAreBatchedPerDestinationWithTheirSeqRange) {
  Create(Webhook("dst_all"));
  Publish({MakeOffer("P1", "S1"), MakeOffer("P2", "S1"), MakeOffer("P1", "S2")});
  DeliveryPlanner planner = Planner();
  ASSERT_EQ(*planner.PlanAll(), 1);

  std::vector<Delivery> queued = Deliveries("dst_all");
  ASSERT_EQ(queued.size(), 1u);
  const Delivery& batch = queued[0];
  EXPECT_EQ(batch.event_type, "offer.changed");
  EXPECT_TRUE(batch.message_id.starts_with("msg_"));
  nlohmann::json payload = nlohmann::json::parse(batch.payload);
  EXPECT_EQ(payload["type"], "offer.changed");
  EXPECT_EQ(payload["data"]["count"], 3);
  EXPECT_EQ(payload["data"]["complete"], true);
  ASSERT_EQ(payload["data"]["changes"].size(), 3u);
  EXPECT_EQ(payload["data"]["seq_from"], payload["data"]["changes"][0]["seq"]);
  EXPECT_EQ(batch.seq_to, *db_->offers().LastSeq());
  EXPECT_EQ(Get("dst_all").offer_seq, batch.seq_to);

  // Nothing new: nothing planned. A change inside the batch window waits for it to pass.
  EXPECT_EQ(*planner.PlanAll(), 0);
  PublishedOffer cheaper = MakeOffer("P1", "S1");
  cheaper.shelf_price = Money::Euros(149);
  Publish({cheaper, MakeOffer("P2", "S1"), MakeOffer("P1", "S2")});
  EXPECT_EQ(*planner.PlanAll(), 0);
  clock_.Advance(10s);
  ASSERT_EQ(*planner.PlanAll(), 1);
  queued = Deliveries("dst_all");
  ASSERT_EQ(queued.size(), 2u);  // newest first
  payload = nlohmann::json::parse(queued[0].payload);
  ASSERT_EQ(payload["data"]["changes"].size(), 1u);
  EXPECT_EQ(payload["data"]["changes"][0]["shelf_price"], "1.49 EUR");
  EXPECT_EQ(payload["data"]["seq_from"], queued[1].seq_to + 1);
}

TEST_P(DeliveryTest, FiltersKeepOnlyTheirStoresCampaignsAndChannels) {
  Destination by_store = Webhook("dst_store");
  by_store.store_ids = {"S2"};
  Create(by_store);
  Destination by_campaign = Webhook("dst_campaign");
  by_campaign.campaign_ids = {"C9"};
  Create(by_campaign);
  Destination by_channel = Webhook("dst_meta");
  by_channel.channels = {"meta"};
  Create(by_channel);
  Publish({MakeOffer("P1", "S1"), MakeOffer("P2", "S2"),
           MakeOffer("P3", "S1", "C9", {"google", "meta"})});
  ASSERT_EQ(*Planner().PlanAll(), 3);

  auto offers_of = [&](const std::string& id) {
    std::set<std::string> seen;
    for (const Delivery& d : Deliveries(id)) {
      const nlohmann::json payload = nlohmann::json::parse(d.payload);
      for (const auto& c : payload["data"]["changes"]) {
        seen.insert(c["offer_id"].get<std::string>() + "@" + c["store_id"].get<std::string>());
      }
    }
    return seen;
  };
  EXPECT_EQ(offers_of("dst_store"), std::set<std::string>({"PR1~P2@S2"}));
  EXPECT_EQ(offers_of("dst_campaign"), std::set<std::string>({"PR1~P3@S1"}));
  EXPECT_EQ(offers_of("dst_meta"), std::set<std::string>({"PR1~P3@S1"}));
}

TEST_P(DeliveryTest, CampaignTransitionsAreOneMessageEachInOrder) {
  Destination d = Webhook("dst_campaigns");
  d.events = {"campaign.transitioned"};
  Create(d);
  for (auto [from, to] : {std::pair{"draft", "submitted"}, {"submitted", "approved"}}) {
    AuditEntry e;
    e.at = clock_.Now();
    e.actor = "user:marie";
    e.action = "transition";
    e.entity = "campaign";
    e.entity_id = "C1";
    e.before = {{"status", from}};
    e.after = {{"status", to}};
    ASSERT_TRUE(db_->audit().Append(e).ok());
  }
  AuditEntry edit;
  edit.action = "update";
  edit.entity = "campaign";
  edit.entity_id = "C1";
  ASSERT_TRUE(db_->audit().Append(edit).ok());
  Publish({MakeOffer("P1", "S1")});  // not subscribed: no offer message

  ASSERT_EQ(*Planner().PlanAll(), 2);
  std::vector<Delivery> queued = Deliveries("dst_campaigns");
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(queued[1].payload)["data"]["to"], "submitted");
  EXPECT_EQ(nlohmann::json::parse(queued[0].payload)["data"]["to"], "approved");
  EXPECT_EQ(*Planner().PlanAll(), 0);
}

TEST_P(DeliveryTest, APushIsQueuedWhenItsFeedChangesAndSupersedesTheOlderOne) {
  Destination d;
  d.id = "dst_push";
  d.kind = DestinationKind::kHttpPush;
  d.url = "https://upload.example/feed.xml";
  d.feed = "google/products.xml?store=S1";
  d.method = "PUT";
  Create(d);
  std::string etag = "\"1-10\"";
  std::vector<std::string> asked;
  auto feeds = [&](const std::string& name) -> Result<FeedVersion> {
    asked.push_back(name);
    return FeedVersion{etag, kNow};
  };
  DeliveryPlanner planner = Planner(feeds);
  ASSERT_EQ(*planner.PlanAll(), 1);
  EXPECT_EQ(asked.back(), "google/products.xml?store=S1");
  EXPECT_EQ(*planner.PlanAll(), 0);  // same version
  etag = "\"2-12\"";
  ASSERT_EQ(*planner.PlanAll(), 1);
  std::vector<Delivery> queued = Deliveries("dst_push");
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0].payload, "\"2-12\"");
  EXPECT_EQ(queued[0].state, DeliveryState::kPending);
  EXPECT_EQ(queued[1].state, DeliveryState::kCancelled);  // only the newest is worth pushing
}

TEST_P(DeliveryTest, ASuccessIsDeliveredAndEndsTheFailingStreak) {
  Create(Webhook("dst_ok"));
  Publish({MakeOffer("P1", "S1")});
  DeliveryPlanner planner = Planner();
  FakeTransport transport;
  DeliveryWorker worker(*db_, &planner, transport.AsTransport(), WorkerOptions());
  ASSERT_EQ(*worker.RunOnce(), 1);
  std::vector<Delivery> queued = Deliveries("dst_ok");
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].state, DeliveryState::kDelivered);
  EXPECT_EQ(queued[0].attempts, 1);
  auto attempts = db_->outbound().ListDeliveryAttempts(queued[0].id);
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].http_status, 200);
  EXPECT_EQ(Get("dst_ok").last_delivered_at, kNow);
  EXPECT_EQ(worker.counts().delivered, 1);
}

TEST_P(DeliveryTest, FailuresAreRetriedOnTheScheduleThenFailForGood) {
  Create(Webhook("dst_down"));
  Publish({MakeOffer("P1", "S1")});
  DeliveryPlanner planner = Planner();
  FakeTransport transport;
  transport.answer = [](const Destination&, const Delivery&) {
    TransportResult r;
    r.http_status = 503;
    r.error = "the receiver answered 503";
    r.response_excerpt = "maintenance";
    return r;
  };
  DeliveryWorkerOptions options = WorkerOptions();
  options.retry_schedule = {5s, 300s};
  DeliveryWorker worker(*db_, &planner, transport.AsTransport(), options);
  ASSERT_EQ(*worker.RunOnce(), 1);
  Delivery d = Deliveries("dst_down")[0];
  EXPECT_EQ(d.state, DeliveryState::kPending);
  // Jitter shortens the step by at most 20 %.
  EXPECT_GE(d.next_at, kNow + 4s);
  EXPECT_LE(d.next_at, kNow + 5s);
  EXPECT_EQ(d.last_status, 503);
  EXPECT_EQ(*worker.RunOnce(), 0);  // not due yet
  clock_.Advance(5s);
  ASSERT_EQ(*worker.RunOnce(), 1);
  d = Deliveries("dst_down")[0];
  EXPECT_GE(d.next_at, clock_.Now() + 240s);
  EXPECT_LE(d.next_at, clock_.Now() + 300s);
  clock_.Advance(300s);
  ASSERT_EQ(*worker.RunOnce(), 1);
  d = Deliveries("dst_down")[0];
  EXPECT_EQ(d.state, DeliveryState::kFailed);  // three attempts: the schedule ran out
  EXPECT_EQ(d.attempts, 3);
  auto attempts = db_->outbound().ListDeliveryAttempts(d.id);
  ASSERT_EQ(attempts->size(), 3u);
  EXPECT_EQ((*attempts)[2].response_excerpt, "maintenance");
  EXPECT_EQ(*Get("dst_down").failing_since, kNow);
  EXPECT_TRUE(Get("dst_down").enabled);  // five days have not passed
  // All sent with one message id: the receiver can tell a retry from a new message.
  for (const Delivery& sent : transport.Sent()) EXPECT_EQ(sent.message_id, d.message_id);

  // A replay makes it due again, same id, and its attempt says it was a replay.
  transport.answer = [](const Destination&, const Delivery&) {
    TransportResult r;
    r.http_status = 204;
    return r;
  };
  ASSERT_TRUE(db_->outbound().ReplayDelivery(d.id, clock_.Now()).ok());
  ASSERT_EQ(*worker.RunOnce(), 1);
  d = Deliveries("dst_down")[0];
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  attempts = db_->outbound().ListDeliveryAttempts(d.id);
  EXPECT_TRUE(attempts->back().replay);
  EXPECT_FALSE(Get("dst_down").failing_since.has_value());
}

TEST_P(DeliveryTest, RetryAfterIsHonouredAndPermanentFailuresAreNotRetried) {
  Create(Webhook("dst_busy"));
  Destination push = Webhook("dst_refused");
  Create(push);
  Publish({MakeOffer("P1", "S1")});
  DeliveryPlanner planner = Planner();
  FakeTransport transport;
  transport.answer = [](const Destination& d, const Delivery&) {
    TransportResult r;
    if (d.id == "dst_busy") {
      r.http_status = 429;
      r.error = "the receiver answered 429";
      r.retry_after = 3600s;
    } else {
      r.http_status = 401;
      r.error = "the receiver answered 401";
      r.permanent = true;
    }
    return r;
  };
  DeliveryWorker worker(*db_, &planner, transport.AsTransport(), WorkerOptions());
  ASSERT_EQ(*worker.RunOnce(), 2);
  EXPECT_EQ(Deliveries("dst_busy")[0].next_at, kNow + 3600s);
  EXPECT_EQ(Deliveries("dst_refused")[0].state, DeliveryState::kFailed);
}

TEST_P(DeliveryTest, GoneOrFailingTooLongDisablesTheDestinationWithTheReason) {
  Create(Webhook("dst_gone"));
  Destination patient = Webhook("dst_flaky");
  patient.disable_after_seconds = 600;
  Create(patient);
  Publish({MakeOffer("P1", "S1")});
  DeliveryPlanner planner = Planner();
  FakeTransport transport;
  transport.answer = [](const Destination& d, const Delivery&) {
    TransportResult r;
    r.http_status = d.id == "dst_gone" ? 410 : 500;
    r.gone = d.id == "dst_gone";
    r.error = "the receiver answered " + std::to_string(r.http_status);
    return r;
  };
  DeliveryWorkerOptions options = WorkerOptions();
  options.retry_schedule = {300s, 300s, 300s};
  DeliveryWorker worker(*db_, &planner, transport.AsTransport(), options);
  ASSERT_EQ(*worker.RunOnce(), 2);
  Destination gone = Get("dst_gone");
  EXPECT_FALSE(gone.enabled);
  EXPECT_NE(gone.disabled_reason.find("410"), std::string::npos) << gone.disabled_reason;
  EXPECT_TRUE(Get("dst_flaky").enabled);

  clock_.Advance(300s);
  ASSERT_EQ(*worker.RunOnce(), 1);
  EXPECT_TRUE(Get("dst_flaky").enabled);  // failing for 300 s of its 600
  clock_.Advance(300s);
  ASSERT_EQ(*worker.RunOnce(), 1);
  Destination flaky = Get("dst_flaky");
  EXPECT_FALSE(flaky.enabled);
  EXPECT_NE(flaky.disabled_reason.find("failing without a success since"), std::string::npos)
      << flaky.disabled_reason;
  // A disabled destination is neither planned for nor delivered to.
  clock_.Advance(3600s);
  Publish({MakeOffer("P1", "S1"), MakeOffer("P2", "S1")});
  EXPECT_EQ(*worker.RunOnce(), 0);
}

TEST_P(DeliveryTest, ADeliveryStrandedByADeadProcessIsSentAgainWithItsMessageId) {
  Create(Webhook("dst_crash"));
  Publish({MakeOffer("P1", "S1")});
  ASSERT_EQ(*Planner().PlanAll(), 1);
  // A process claims it and dies before recording anything.
  auto claimed =
      db_->outbound().ClaimDueDeliveries(clock_.Now(), 10, "dead-node", clock_.Now() + 150s);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  FakeTransport transport;
  DeliveryWorker survivor(*db_, nullptr, transport.AsTransport(), WorkerOptions("node-b"));
  EXPECT_EQ(*survivor.RunOnce(), 0);  // its lease still runs
  clock_.Advance(151s);
  ASSERT_EQ(*survivor.RunOnce(), 1);
  ASSERT_EQ(transport.Sent().size(), 1u);
  EXPECT_EQ(transport.Sent()[0].message_id, (*claimed)[0].message_id);
  EXPECT_EQ(Deliveries("dst_crash")[0].state, DeliveryState::kDelivered);
  // The dead process's late report changes nothing.
  DeliveryOutcome late;
  late.next_state = DeliveryState::kFailed;
  EXPECT_EQ(db_->outbound().CompleteDelivery((*claimed)[0].id, "dead-node", late).code(),
            StatusCode::kFailedPrecondition);
}

TEST_P(DeliveryTest, AReceiverThatHangsHoldsOnlyItsOwnWorker) {
  for (const char* id : {"dst_hang", "dst_a", "dst_b", "dst_c"}) Create(Webhook(id));
  DeliveryPlanner planner = Planner();
  FakeTransport transport;
  std::mutex mu;
  std::condition_variable released_cv;
  bool released = false;
  std::atomic<int> others{0};
  std::atomic<bool> hanging{false};
  transport.answer = [&](const Destination& d, const Delivery&) {
    if (d.id == "dst_hang") {
      hanging = true;
      std::unique_lock lock(mu);
      released_cv.wait(lock, [&] { return released; });
    } else {
      ++others;
    }
    TransportResult r;
    r.http_status = 200;
    return r;
  };
  DeliveryWorker worker(*db_, &planner, transport.AsTransport(), WorkerOptions());
  worker.Start();
  Publish({MakeOffer("P1", "S1")});
  worker.Wake();
  // The three others are delivered while the hanging one still holds its worker. (Their
  // answer comes before the worker records it: wait for the records.)
  auto delivered = [&](const char* id) {
    return Deliveries(id)[0].state == DeliveryState::kDelivered;
  };
  for (int i = 0;
       i < 500 && !(hanging && delivered("dst_a") && delivered("dst_b") && delivered("dst_c"));
       ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(hanging);
  EXPECT_EQ(others.load(), 3);
  EXPECT_TRUE(delivered("dst_a") && delivered("dst_b") && delivered("dst_c"));
  EXPECT_EQ(Deliveries("dst_hang")[0].state, DeliveryState::kInflight);
  {
    std::lock_guard lock(mu);
    released = true;
  }
  released_cv.notify_all();
  worker.Stop();
  EXPECT_EQ(Deliveries("dst_hang")[0].state, DeliveryState::kDelivered);
}

TEST_P(DeliveryTest, DeletingADestinationCancelsWhatIsQueuedForIt) {
  Create(Webhook("dst_gone_soon"));
  Publish({MakeOffer("P1", "S1")});
  ASSERT_EQ(*Planner().PlanAll(), 1);
  ASSERT_TRUE(*db_->outbound().DeleteDestination("dst_gone_soon"));
  FakeTransport transport;
  DeliveryWorker worker(*db_, nullptr, transport.AsTransport(), WorkerOptions());
  EXPECT_EQ(*worker.RunOnce(), 0);
  EXPECT_TRUE(transport.Sent().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, DeliveryTest, ::testing::Values("Memory", "Sqlite", "Postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace vitrine
