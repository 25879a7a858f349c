// What PostgreSQL adds to the conformance suites: several nodes (here, several handles) on
// one database, the change seq in commit order across them, a server that drops its
// connections, the change notifications, and the database URLs and schemas it refuses.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "backends.h"
#include "store/postgres_database.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = testing::TestPostgresUrl();
    if (base_.empty()) GTEST_SKIP() << "no PostgreSQL cluster (run through ctest)";
    url_ = testing::FreshPostgresSchema(base_);
  }

  std::unique_ptr<PostgresDatabase> Node() {
    auto db = PostgresDatabase::Open(url_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // Runs `sql` on a connection of its own (as an operator would with psql).
  void Admin(const std::string& sql) {
    PGconn* conn = PQconnectdb(url_.c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn);
    PQclear(r);
    PQfinish(conn);
  }

  // What a server restart does to the nodes: every other connection of this test is cut
  // (only this test's: other test binaries share the cluster at the same time).
  void DropAllConnections() {
    Admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = current_setting('application_name') "
        "AND pid <> pg_backend_pid()");
  }

  std::string base_;
  std::string url_;
};

PublishedOffer Offer(const std::string& promotion, const std::string& store) {
  PublishedOffer o;
  o.offer_id = promotion + "~P1";
  o.store_id = store;
  o.campaign_id = "C00000001";
  o.promotion_id = promotion;
  o.product_id = "P1";
  o.category = "Épicerie";
  o.channels = {"google"};
  o.validity = {FromUnixSeconds(1'800'000'000), FromUnixSeconds(1'800'600'000)};
  o.timezone = "Europe/Paris";
  o.regular_price = Money::Euros(299);
  o.shelf_price = Money::Euros(199);
  o.effective_unit_price = Money::Euros(199);
  o.mechanic = "percent_off";
  o.stock_quantity = 5;
  o.availability = Availability::kInStock;
  return o;
}

Status Publish(PostgresDatabase& node, const std::string& promotion,
               const std::vector<std::string>& stores) {
  std::vector<PublishedOffer> offers;
  for (const std::string& s : stores) offers.push_back(Offer(promotion, s));
  return node.ReplaceOffers({{promotion}, {}, {}}, offers).status();
}

TEST_F(PostgresTest, SeqFollowsCommitOrderAcrossNodes) {
  // The classic hole: node A takes seqs 1-2 in a transaction still open, node B commits seqs
  // 3-4, a platform reads since=0 and moves its cursor to 4, then A commits: with seqs handed
  // out at insert time, the platform would never see A's offers. The writer lock makes B
  // wait for A's commit, so B's seqs come after A's and no reader sees them before A's.
  auto a = Node();
  auto b = Node();
  ASSERT_TRUE(a && b);
  std::promise<void> a_wrote;
  std::promise<void> a_may_commit;
  std::thread writer_a([&] {
    Status st = a->Transaction([&]() -> Status {
      VITRINE_RETURN_IF_ERROR(Publish(*a, "PRA", {"S1", "S2"}));
      a_wrote.set_value();
      a_may_commit.get_future().wait();
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
  });
  a_wrote.get_future().wait();
  auto b_done = std::async(std::launch::async, [&] { return Publish(*b, "PRB", {"S1", "S2"}); });
  EXPECT_EQ(b_done.wait_for(300ms), std::future_status::timeout) << "B did not wait for A";
  auto seen = b->ListChanges(0, 100, "");
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->empty()) << "a reader saw seq " << seen->front().seq << " before A committed";
  a_may_commit.set_value();
  writer_a.join();
  ASSERT_TRUE(b_done.get().ok());

  auto changes = b->ListChanges(0, 100, "");
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 4u);
  for (size_t i = 0; i < changes->size(); ++i) {
    EXPECT_EQ((*changes)[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ((*changes)[i].offer_id, i < 2 ? "PRA~P1" : "PRB~P1");
  }
}

TEST_F(PostgresTest, TwoNodesApprovingOneCampaignAtOnceOneWinsTheOtherIsStale) {
  auto a = Node();
  auto b = Node();
  ASSERT_TRUE(a && b);
  Campaign c;
  c.name = "Foire aux vins";
  c.start_local = LocalTime(std::chrono::seconds(1'800'000'000));
  c.end_local = LocalTime(std::chrono::seconds(1'800'600'000));
  c.channels = {"google"};
  c.status = CampaignStatus::kSubmitted;
  auto created = a->CreateCampaign(c, FromUnixSeconds(1'800'000'000));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  Campaign approved = *created;
  approved.status = CampaignStatus::kApproved;
  auto on_a = std::async(std::launch::async, [&] {
    return a->UpdateCampaign(approved, created->version, FromUnixSeconds(1'800'000'100));
  });
  auto on_b = std::async(std::launch::async, [&] {
    return b->UpdateCampaign(approved, created->version, FromUnixSeconds(1'800'000'100));
  });
  auto ra = on_a.get();
  auto rb = on_b.get();
  EXPECT_NE(ra.ok(), rb.ok()) << "exactly one update must win";
  const Status& lost = ra.ok() ? rb.status() : ra.status();
  EXPECT_EQ(lost.code(), StatusCode::kFailedPrecondition) << lost.ToString();
}

TEST_F(PostgresTest, NodesCarryOnAfterTheServerDropsTheirConnections) {
  auto node = Node();
  ASSERT_TRUE(node);
  ASSERT_TRUE(Publish(*node, "PR1", {"S1"}).ok());
  DropAllConnections();
  // A read outside a transaction is tried again on a new connection.
  auto seq = node->LastSeq();
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(*seq, 1);
  DropAllConnections();
  // So is the BEGIN of a write.
  Status st = Publish(*node, "PR2", {"S1"});
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(*node->LastSeq(), 2);
}

TEST_F(PostgresTest, AnotherNodesCommitIsNotifiedAndAReconnectionCatchesUp) {
  auto writer = Node();
  ASSERT_TRUE(writer);
  std::atomic<int> calls{0};
  ChangeListener listener(
      url_, [&] { ++calls; }, nullptr);
  auto wait_for = [&](int at_least) {
    for (int i = 0; i < 100 && calls.load() < at_least; ++i) std::this_thread::sleep_for(50ms);
    return calls.load() >= at_least;
  };
  ASSERT_TRUE(wait_for(1)) << "the first connection catches up once";
  const int before = calls.load();
  ASSERT_TRUE(Publish(*writer, "PR1", {"S1"}).ok());
  EXPECT_TRUE(wait_for(before + 1)) << "the commit was not notified";
  EXPECT_TRUE(listener.connected());

  const int before_drop = calls.load();
  DropAllConnections();
  // A notification sent while it is away is lost: the reconnection calls once to catch up.
  EXPECT_TRUE(wait_for(before_drop + 1)) << "no catch-up after the connection dropped";
  for (int i = 0; i < 40 && !listener.connected(); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(listener.connected());
}

TEST_F(PostgresTest, ANewerSchemaIsRefusedNamingItsVersion) {
  ASSERT_TRUE(Node());
  Admin("INSERT INTO schema_migrations(version, applied_at) VALUES (999, 0)");
  auto db = PostgresDatabase::Open(url_);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(db.status().message().find("version 999, newer than this binary"), std::string::npos)
      << db.status().ToString();
}

TEST_F(PostgresTest, ASchemaBehindIsMigratedOrRefusedWithoutMigrate) {
  auto refused = PostgresDatabase::Open(url_, {.migrate = false});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("run `vitrine migrate`"), std::string::npos);
  auto applied = MigratePostgres(url_);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, PostgresSchemaVersion());
  EXPECT_EQ(*MigratePostgres(url_), 0);
  auto db = PostgresDatabase::Open(url_, {.migrate = false});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(*(*db)->SchemaVersion(), PostgresSchemaVersion());
}

TEST_F(PostgresTest, AWrongUrlSaysWhatIsWrongAndHidesThePassword) {
  // A database that does not exist on the test cluster: the server answers, and refuses.
  const std::string host = base_.substr(base_.find("host="));
  auto missing = OpenDatabase("postgresql://vitrine:s3cret@/no_such_database?" + host);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(missing.status().message().find("no_such_database"), std::string::npos)
      << missing.status().ToString();
  EXPECT_EQ(missing.status().message().find("s3cret"), std::string::npos)
      << missing.status().ToString();
  auto garbled = OpenDatabase("postgresql://[::1");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.status().code(), StatusCode::kInvalidArgument) << garbled.status().ToString();
}

}  // namespace
}  // namespace vitrine
