// The change follower of `vitrine serve` over one database opened twice, as two processes
// (or two hub nodes) would (a SQLite file; PostgreSQL; and the in-memory backend, shared): writes
// of the other handle reach the offers, a late start catches up, one handle applies while the other
// follows, a dead applier's work is taken over and finished, and the change feed never lets a
// reader skip an offer.
#include "app/change_follower.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <thread>

#include "../store/backends.h"
#include "../store/temp_dir.h"
#include "store/database.h"
#include "store/memory_database.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;

const Instant kNow = *ParseInstant("2026-11-24T00:00:00Z");
const Instant kHistoryStart = *ParseInstant("2026-09-01T00:00:00Z");

Store MakeStore(std::string id) {
  Store store;
  store.id = std::move(id);
  store.name = "Vitrine " + store.id;
  store.price_zone = "Z1";
  store.city = "Lyon";
  return store;
}

Product MakeProduct(std::string id) {
  Product product;
  product.id = std::move(id);
  product.title = "Article " + product.id;
  product.category = "Épicerie";
  product.brand = "Marque";
  product.net_quantity = *Quantity::Parse("100 g");
  return product;
}

// Two stores, two products at 2,00 € since September, stock 10 everywhere, and one approved
// campaign of 10 % off both products from 2 to 9 December: four published offers.
// Run on a SQLite file opened once per "process", and on one in-memory database shared by
// every "process" (threads of one process: the change log and its lease work the same).
class ChangeFollowerTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::shared_ptr<Database> Open() {
    if (GetParam() == "Memory") {
      if (!memory_) memory_ = std::make_shared<MemoryDatabase>();
      return memory_;
    }
    if (GetParam() == "Postgres") {
      if (postgres_url_.empty()) {
        postgres_url_ = testing::FreshPostgresSchema(testing::TestPostgresUrl());
      }
      auto db = OpenDatabase(postgres_url_);
      EXPECT_TRUE(db.ok()) << db.status().ToString();
      return db.ok() ? std::shared_ptr<Database>(std::move(db).value()) : nullptr;
    }
    auto db = OpenDatabase("sqlite:" + path_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::shared_ptr<Database>(std::move(db).value()) : nullptr;
  }

  void SetUp() override {
    if (GetParam() == "Postgres" && testing::TestPostgresUrl().empty()) {
      GTEST_SKIP() << "no PostgreSQL cluster (run through ctest)";
    }
    path_ = dir_.File("vitrine.db");
    writer_ = Open();
    ASSERT_NE(writer_, nullptr);
    CatalogRepository& c = writer_->catalog();
    ASSERT_TRUE(c.PutStores(std::vector<Store>{MakeStore("S1"), MakeStore("S2")}, kNow).ok());
    ASSERT_TRUE(
        c.PutProducts(std::vector<Product>{MakeProduct("P1"), MakeProduct("P2")}, kNow).ok());
    std::vector<Price> prices;
    std::vector<StockLevel> stock;
    for (const char* p : {"P1", "P2"}) {
      prices.push_back({p, PriceLevel::kNational, "", Money::Euros(200), kHistoryStart});
      for (const char* s : {"S1", "S2"}) stock.push_back({p, s, 10, kNow});
    }
    ASSERT_TRUE(c.PutPrices(prices).ok());
    ASSERT_TRUE(c.PutStock(stock).ok());
    Campaign campaign;
    campaign.name = "Semaine";
    campaign.start_local = LocalTime(std::chrono::local_days(2026y / 12 / 2));
    campaign.end_local = LocalTime(std::chrono::local_days(2026y / 12 / 9));
    campaign.channels = {"google"};
    campaign.status = CampaignStatus::kApproved;
    auto created = writer_->campaigns().CreateCampaign(campaign, kNow);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    Promotion promotion;
    promotion.campaign_id = created->id;
    promotion.selector.product_ids = {"P1", "P2"};
    promotion.mechanic = PercentOff{10};
    auto added = writer_->campaigns().CreatePromotion(promotion);
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    promotion_id_ = added->id;
    const std::string ids[] = {created->id};
    ASSERT_TRUE(writer_->changes().AppendChange(ChangeKind::kCampaign, ids).ok());
  }

  // A follower on a handle of its own, as a `vitrine serve` process has.
  std::unique_ptr<ChangeFollower> Follower(Database& db, const std::string& holder) {
    ChangeFollowerOptions options;
    options.holder = holder;
    options.poll = 20ms;
    options.assembly.clock = &clock_;
    options.assembly.threads = 1;
    options.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      log_.push_back(line);
    };
    return std::make_unique<ChangeFollower>(db.catalog(), db.campaigns(), db.offers(), db.changes(),
                                            options);
  }

  int64_t Quantity(Database& db, const std::string& product, const std::string& store) {
    auto offer = db.offers().GetOffer(promotion_id_ + "~" + product, store);
    EXPECT_TRUE(offer.ok());
    return offer.ok() && offer->has_value() ? (*offer)->stock_quantity : -1;
  }

  bool Logged(const std::string& text) {
    std::lock_guard lock(log_mu_);
    for (const std::string& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  testing::TempDir dir_;
  std::string path_;
  ManualClock clock_{kNow};
  std::shared_ptr<Database> memory_;
  std::string postgres_url_;          // one fresh schema per test, opened by every "process"
  std::shared_ptr<Database> writer_;  // the other process: `vitrine import`, another node
  std::string promotion_id_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_P(ChangeFollowerTest, AWriteOfAnotherProcessReachesTheOffersOfARunningFollower) {
  auto server = Open();
  auto follower = Follower(*server, "serve-1");
  follower->Start();
  ASSERT_TRUE(follower->WaitApplied(*writer_->changes().LastChangeId(), 30s).ok());
  EXPECT_EQ(Quantity(*server, "P1", "S1"), 10);
  const int64_t seq = *server->offers().LastSeq();

  ASSERT_TRUE(
      writer_->catalog().PutStock(std::vector<StockLevel>{{"P1", "S1", 777, kNow + 1s}}).ok());
  // No nudge: the follower finds the other handle's write by reading the log.
  const int64_t written = *writer_->changes().LastChangeId();
  ASSERT_TRUE(follower->WaitApplied(written, 30s).ok());
  EXPECT_EQ(Quantity(*server, "P1", "S1"), 777);
  auto changes = server->offers().ListChanges(seq, 100, "");
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].offer_id, promotion_id_ + "~P1");
  EXPECT_EQ((*changes)[0].store_id, "S1");
}

TEST_P(ChangeFollowerTest, AFollowerStartedAfterWritesItDidNotSeeCatchesUpBeforeItIsReady) {
  auto server = Open();
  auto follower = Follower(*server, "serve-1");
  EXPECT_FALSE(follower->Ready());
  follower->Start();
  for (int i = 0; i < 3000 && !follower->Ready(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(follower->Ready());
  EXPECT_EQ(*server->changes().AppliedChangeId(kAssemblyConsumer),
            *server->changes().LastChangeId());
  EXPECT_EQ(Quantity(*server, "P2", "S2"), 10);
}

TEST_P(ChangeFollowerTest, OfTwoProcessesOnOneFileOneAppliesAndTheOtherTakesOverWhenItDies) {
  auto first_db = Open();
  auto second_db = Open();
  auto first = Follower(*first_db, "serve-1");
  auto second = Follower(*second_db, "serve-2");
  auto applied = first->RunOnce();
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_TRUE(applied->has_value());
  EXPECT_EQ((*applied)->assembly.inserted, 4);
  auto followed = second->RunOnce();
  ASSERT_TRUE(followed.ok());
  EXPECT_FALSE(followed->has_value());  // serve-1 holds the lease: serve-2 leaves it alone
  EXPECT_TRUE(Logged(R"("role":"applier")"));
  EXPECT_TRUE(Logged(R"("role":"follower")"));

  // serve-1 dies without releasing the lease; its writes stop, the lease expires.
  ASSERT_TRUE(
      writer_->catalog().PutStock(std::vector<StockLevel>{{"P2", "S1", 3, kNow + 1s}}).ok());
  EXPECT_FALSE(second->RunOnce()->has_value());  // not yet expired
  clock_.Advance(6s);
  auto taken = second->RunOnce();
  ASSERT_TRUE(taken.ok());
  ASSERT_TRUE(taken->has_value());
  EXPECT_EQ((*taken)->stock_levels, 1);
  EXPECT_EQ(Quantity(*second_db, "P2", "S1"), 3);
  EXPECT_EQ(*second_db->changes().LeaseHolder(kAssemblyLease, clock_.Now()), "serve-2");
}

TEST_P(ChangeFollowerTest, WorkLeftByAKilledProcessIsFinishedOnceAndNeverTwice) {
  auto server = Open();
  ASSERT_TRUE(Follower(*server, "serve-1")->RunOnce().ok());
  // Killed between the catalogue write and its assembly: the write is in the log only.
  ASSERT_TRUE(
      writer_->catalog().PutStock(std::vector<StockLevel>{{"P1", "S2", 0, kNow + 1s}}).ok());
  const int64_t before = *server->changes().AppliedChangeId(kAssemblyConsumer);
  auto restarted = Follower(*server, "serve-2");
  clock_.Advance(6s);  // serve-1's lease has expired
  ASSERT_TRUE(restarted->RunOnce().ok());
  EXPECT_EQ(Quantity(*server, "P1", "S2"), 0);
  const int64_t seq = *server->offers().LastSeq();

  // Killed after the offers were written but before the position was recorded: the batch is
  // applied again, and writes nothing, so no platform sees the change twice.
  ASSERT_TRUE(server->changes().SetAppliedChangeId(kAssemblyConsumer, before).ok());
  auto again = restarted->RunOnce();
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->entries, 1);
  EXPECT_EQ((*again)->assembly.updated + (*again)->assembly.inserted, 0);
  EXPECT_EQ(*server->offers().LastSeq(), seq);
}

// A `vitrine import` killed while it held the lease: the next process on the same host sees
// its pid gone and publishes at once, instead of leaving the work to a dead holder until the
// lease expires.
TEST_P(ChangeFollowerTest, ALeaseOfADeadProcessOfThisHostIsTakenAtOnce) {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  ASSERT_GT(pid, 0);
  waitpid(pid, nullptr, 0);
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  const std::string dead = std::string(host) + ":" + std::to_string(pid) + ":0badc0de";
  ASSERT_TRUE(*writer_->changes().TryLease(kAssemblyLease, dead, kNow, std::chrono::hours(1)));

  auto server = Open();
  auto applied = Follower(*server, ProcessHolderName())->RunOnce();
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_TRUE(applied->has_value()) << "left to the dead holder";
  EXPECT_EQ((*applied)->assembly.inserted, 4);
  EXPECT_TRUE(Logged("assembly_lease_taken_over"));

  // A live holder (this very process under another name) keeps its lease.
  const std::string alive = std::string(host) + ":" + std::to_string(getpid()) + ":00000000";
  ASSERT_TRUE(
      writer_->changes()
          .ReleaseLease(kAssemblyLease, *server->changes().LeaseHolder(kAssemblyLease, kNow))
          .ok());
  ASSERT_TRUE(*writer_->changes().TryLease(kAssemblyLease, alive, kNow, std::chrono::hours(1)));
  auto followed = Follower(*Open(), "serve-3")->RunOnce();
  ASSERT_TRUE(followed.ok());
  EXPECT_FALSE(followed->has_value());
}

TEST_P(ChangeFollowerTest, AnEntryForAProductDeletedMeanwhileWithdrawsItsOffers) {
  auto server = Open();
  auto follower = Follower(*server, "serve-1");
  ASSERT_TRUE(follower->RunOnce().ok());
  ASSERT_TRUE(
      writer_->catalog().PutStock(std::vector<StockLevel>{{"P2", "S1", 1, kNow + 1s}}).ok());
  ASSERT_TRUE(*writer_->catalog().DeleteProduct("P2"));  // before the stock entry is applied
  auto applied = follower->RunOnce();
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ((*applied)->assembly.deleted, 2);
  EXPECT_EQ(Quantity(*server, "P2", "S1"), -1);
  EXPECT_EQ(Quantity(*server, "P1", "S1"), 10);
}

// A log that lets another process write between the applier's read of the log and its
// assembly: the change that arrives while a batch is applied.
class InterleavingLog final : public ChangeLog {
 public:
  InterleavingLog(ChangeLog& log, std::function<void()> between)
      : log_(log), between_(std::move(between)) {}
  Result<int64_t> AppendChange(ChangeKind kind, std::span<const std::string> keys) override {
    return log_.AppendChange(kind, keys);
  }
  Result<std::vector<ChangeEntry>> ListChangesSince(int64_t after, int limit) override {
    auto entries = log_.ListChangesSince(after, limit);
    if (between_) std::exchange(between_, nullptr)();
    return entries;
  }
  Result<int64_t> LastChangeId() override { return log_.LastChangeId(); }
  Result<int64_t> AppliedChangeId(std::string_view c) override { return log_.AppliedChangeId(c); }
  Status SetAppliedChangeId(std::string_view c, int64_t id) override {
    return log_.SetAppliedChangeId(c, id);
  }
  Result<bool> TryLease(std::string_view n, std::string_view h, Instant now,
                        std::chrono::seconds ttl) override {
    return log_.TryLease(n, h, now, ttl);
  }
  Status ReleaseLease(std::string_view n, std::string_view h) override {
    return log_.ReleaseLease(n, h);
  }
  Result<std::string> LeaseHolder(std::string_view n, Instant now) override {
    return log_.LeaseHolder(n, now);
  }

 private:
  ChangeLog& log_;
  std::function<void()> between_;
};

TEST_P(ChangeFollowerTest, TimeIsAChangeFeedsHearOfStartsAndEndsAndOffersLeaveAfterRetention) {
  auto server = Open();
  auto follower = Follower(*server, "serve-1");
  std::atomic<int> heard{0};
  follower->ObserveOffers([&] { ++heard; });
  follower->Start();
  ASSERT_TRUE(follower->WaitApplied(*server->changes().LastChangeId(), 30s).ok());
  auto wait_for = [&](const std::function<bool()>& done) {
    for (int i = 0; i < 3000 && !done(); ++i) std::this_thread::sleep_for(10ms);
    return done();
  };
  // The first rounds heard of the offers published at start; then nothing happens.
  ASSERT_TRUE(wait_for([&] { return heard.load() >= 1; }));
  std::this_thread::sleep_for(100ms);
  const int before = heard.load();

  auto last_boundary = follower->LastBoundary(clock_.Now());
  ASSERT_TRUE(last_boundary.ok()) << last_boundary.status().ToString();
  EXPECT_FALSE(last_boundary->has_value());

  // 2 December 00:00 in Paris: the campaign starts, the feeds are told.
  clock_.Set(*ParseInstant("2026-12-01T23:00:01Z"));
  EXPECT_TRUE(wait_for([&] { return heard.load() > before; }));
  EXPECT_TRUE(Logged("campaign_boundary"));
  // The feeds' content instant (FeedSnapshotOptions::last_boundary) is the start itself,
  // whenever a node regenerates after it.
  EXPECT_EQ(*follower->LastBoundary(clock_.Now()), *ParseInstant("2026-12-01T23:00:00Z"));
  EXPECT_EQ(*follower->LastBoundary(*ParseInstant("2026-12-05T10:00:00Z")),
            *ParseInstant("2026-12-01T23:00:00Z"));
  EXPECT_EQ(Quantity(*server, "P1", "S1"), 10);  // still published while it runs

  // Seven days after it ended everywhere, its offers are withdrawn through the change log.
  clock_.Set(*ParseInstant("2026-12-16T12:00:01Z"));
  EXPECT_TRUE(wait_for([&] { return Quantity(*server, "P1", "S1") == -1; }));
  auto changes = server->offers().ListChanges(0, 1000, "");
  ASSERT_TRUE(changes.ok());
  int tombstones = 0;
  for (const OfferChange& c : *changes) tombstones += c.deleted ? 1 : 0;
  EXPECT_EQ(tombstones, 4);
}

TEST_P(ChangeFollowerTest, ACampaignDeletedBeforeItsChangeWasAppliedLeavesNoOfferBehind) {
  auto server = Open();
  auto follower = Follower(*server, "serve-1");
  ASSERT_TRUE(follower->RunOnce().ok());
  ASSERT_EQ(Quantity(*server, "P1", "S1"), 10);
  // Another process deletes the campaign (its archiving not applied yet) and says so.
  auto promotion = writer_->campaigns().GetPromotion(promotion_id_);
  ASSERT_TRUE(promotion.ok() && promotion->has_value());
  const std::string campaign_id = (*promotion)->campaign_id;
  ASSERT_TRUE(*writer_->campaigns().DeleteCampaign(campaign_id));
  const std::string ids[] = {campaign_id};
  ASSERT_TRUE(writer_->changes().AppendChange(ChangeKind::kCampaign, ids).ok());
  auto applied = follower->RunOnce();
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ((*applied)->assembly.deleted, 4);
  EXPECT_EQ(Quantity(*server, "P1", "S1"), -1);
}

TEST_P(ChangeFollowerTest, AChangeArrivingWhileABatchIsAppliedIsAppliedNext) {
  auto server = Open();
  AssemblyOptions options;
  options.clock = &clock_;
  Assembler assembler(server->catalog(), server->campaigns(), server->offers(), options);
  InterleavingLog log(server->changes(), [&] {
    ASSERT_TRUE(
        writer_->catalog().PutStock(std::vector<StockLevel>{{"P1", "S1", 5, kNow + 1s}}).ok());
  });
  ChangeApplier applier(log, assembler);
  auto first = applier.ApplyPending();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // The first batch did not contain the stock entry; the loop read it afterwards.
  EXPECT_EQ(first->to_id, *server->changes().LastChangeId());
  EXPECT_EQ(Quantity(*server, "P1", "S1"), 5);
}

TEST_P(ChangeFollowerTest, TheChangeFeedNeverLetsAReaderSkipAnOfferCommittedBehindIt) {
  auto server = Open();
  auto other = Open();
  ASSERT_TRUE(Follower(*server, "serve-1")->RunOnce().ok());
  // Where the platform starts reading: before any write, or fast writers could all land
  // before it and leave it nothing to read.
  int64_t since = *server->offers().LastSeq();
  // Two writers (two handles: two processes) patch offers' stock while a platform follows
  // the change feed; every write must show up in what the platform read.
  std::vector<std::thread> writers;
  const std::pair<Database*, const char*> writers_and_stores[] = {{server.get(), "S1"},
                                                                  {other.get(), "S2"}};
  for (const auto& [db, which] : writers_and_stores) {
    writers.emplace_back([db, which, this] {
      for (int q = 1; q <= 60; ++q) {
        const OfferStockUpdate update{promotion_id_ + "~P1", which, q, Availability::kInStock};
        EXPECT_TRUE(db->offers().UpdateOfferStock(std::span(&update, 1)).ok());
      }
    });
  }
  std::map<std::string, int64_t> seen;  // store → last quantity read
  auto follow = [&] {
    auto page = server->offers().ListChanges(since, 1000, "");
    ASSERT_TRUE(page.ok());
    for (const OfferChange& c : *page) {
      EXPECT_GT(c.seq, since);
      since = c.seq;
      if (c.offer) seen[c.store_id] = c.offer->stock_quantity;
    }
  };
  for (int i = 0; i < 200; ++i) follow();
  for (auto& t : writers) t.join();
  follow();
  // Had a write committed with a seq below one already read, the reader would have stepped
  // past it and kept an older quantity.
  EXPECT_EQ(seen["S1"], 60);
  EXPECT_EQ(seen["S2"], 60);
}

INSTANTIATE_TEST_SUITE_P(Backends, ChangeFollowerTest,
                         ::testing::Values("Sqlite", "Postgres", "Memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace vitrine
