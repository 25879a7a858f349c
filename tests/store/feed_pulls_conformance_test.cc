// One suite for every FeedPullLog backend: each rule of catalog/feed_pulls.h is checked
// against the in-memory and the SQLite implementations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "backends.h"
#include "catalog/feed_pulls.h"
#include "store/database.h"
#include "temp_dir.h"

namespace vitrine {
namespace {

using ::testing::ElementsAre;
using vitrine::testing::Backend;

Instant T(int64_t seconds) { return FromUnixSeconds(1'800'000'000 + seconds); }

FeedPull Pull(std::string feed, std::string platform, int64_t at, std::string etag = "\"1-2\"",
              int status = 200) {
  FeedPull p;
  p.at = T(at);
  p.feed = std::move(feed);
  p.platform = std::move(platform);
  p.actor = "token:tok_0123456789ab";
  p.status = status;
  p.bytes = status == 200 ? 1234 : 0;
  p.etag = std::move(etag);
  return p;
}

FeedPullQuery Query(std::string feed, std::string platform = "", int64_t before_seq = 0,
                    int limit = 100) {
  FeedPullQuery query;
  query.feed = std::move(feed);
  query.platform = std::move(platform);
  query.before_seq = before_seq;
  query.limit = limit;
  return query;
}

std::vector<int64_t> Seqs(const std::vector<FeedPull>& pulls) {
  std::vector<int64_t> seqs;
  for (const FeedPull& p : pulls) seqs.push_back(p.seq);
  return seqs;
}

class FeedPullsConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!GetParam().available()) GTEST_SKIP() << GetParam().name << " is not available here";
    db_ = GetParam().make(dir_.path());
    ASSERT_NE(db_, nullptr);
    log_ = &db_->feed_pulls();
  }
  int64_t Record(const FeedPull& pull) {
    auto seq = log_->RecordPull(pull);
    EXPECT_TRUE(seq.ok()) << seq.status().ToString();
    return seq.ok() ? *seq : -1;
  }
  std::vector<FeedPull> List(FeedPullQuery query) {
    auto pulls = log_->ListPulls(query);
    EXPECT_TRUE(pulls.ok()) << pulls.status().ToString();
    return pulls.ok() ? *pulls : std::vector<FeedPull>{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  FeedPullLog* log_ = nullptr;
};

TEST_P(FeedPullsConformanceTest, RecordAssignsIncreasingSeqsAndRoundTripsEveryField) {
  FeedPull first = Pull("google/products.xml", "google", 10, "\"abc-12\"", 304);
  first.saw_latest = false;
  first.actor = "user:alice@example.com";
  EXPECT_EQ(Record(first), 1);
  EXPECT_EQ(Record(Pull("meta/catalog.csv", "meta", 20)), 2);
  const std::vector<FeedPull> pulls = List({});
  ASSERT_EQ(pulls.size(), 2u);
  EXPECT_EQ(pulls[0].seq, 2);  // newest first
  const FeedPull& p = pulls[1];
  EXPECT_EQ(p.seq, 1);
  EXPECT_EQ(p.at, T(10));
  EXPECT_EQ(p.feed, "google/products.xml");
  EXPECT_EQ(p.platform, "google");
  EXPECT_EQ(p.actor, "user:alice@example.com");
  EXPECT_EQ(p.status, 304);
  EXPECT_EQ(p.bytes, 0);
  EXPECT_EQ(p.etag, "\"abc-12\"");
  EXPECT_FALSE(p.saw_latest);
  EXPECT_TRUE(pulls[0].saw_latest);
}

TEST_P(FeedPullsConformanceTest, ListFiltersOnFeedAndPlatformAndPagesBeforeASeq) {
  Record(Pull("google/products.xml", "google", 1));      // 1
  Record(Pull("google/products.xml", "backoffice", 2));  // 2
  Record(Pull("meta/catalog.csv", "meta", 3));           // 3
  Record(Pull("google/products.xml", "google", 4));      // 4
  EXPECT_THAT(Seqs(List(Query("google/products.xml"))), ElementsAre(4, 2, 1));
  EXPECT_THAT(Seqs(List(Query("", "google"))), ElementsAre(4, 1));
  EXPECT_THAT(Seqs(List(Query("google/products.xml", "backoffice"))), ElementsAre(2));
  EXPECT_THAT(Seqs(List(Query("", "", 4, 2))), ElementsAre(3, 2));
  EXPECT_THAT(Seqs(List(Query("google/products.xml", "", 2))), ElementsAre(1));
  EXPECT_THAT(Seqs(List(Query("", "nobody"))), ElementsAre());
}

TEST_P(FeedPullsConformanceTest, LatestKeepsTheNewestPullOfEachFeedAndPlatform) {
  EXPECT_THAT(Seqs(log_->LatestPulls().value()), ElementsAre());
  Record(Pull("google/products.xml", "google", 1, "\"old\""));  // 1
  Record(Pull("meta/catalog.csv", "meta", 2));                  // 2
  Record(Pull("google/products.xml", "backoffice", 3));         // 3
  Record(Pull("google/products.xml", "google", 4, "\"new\""));  // 4
  const std::vector<FeedPull> latest = log_->LatestPulls().value();
  // Ordered by feed, then platform.
  EXPECT_THAT(Seqs(latest), ElementsAre(3, 4, 2));
  EXPECT_EQ(latest[1].etag, "\"new\"");
  EXPECT_EQ(latest[1].at, T(4));
}

TEST_P(FeedPullsConformanceTest, RefusesAPullWithoutFeedOrPlatformAndBadQueries) {
  EXPECT_EQ(log_->RecordPull(Pull("", "google", 1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->RecordPull(Pull("google/products.xml", "", 1)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->ListPulls(Query("", "", 0, 0)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->ListPulls(Query("", "", 0, 1001)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->ListPulls(Query("", "", -1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(Seqs(List({})), ElementsAre());
}

INSTANTIATE_TEST_SUITE_P(Backends, FeedPullsConformanceTest, vitrine::testing::AllBackends(),
                         vitrine::testing::BackendName);

}  // namespace
}  // namespace vitrine
