// BufferedFeedPullLog: pulls queued in memory reach the log in order, in one write, when it
// is read, when it is flushed and when it is destroyed; a log that cannot be written keeps
// them for the next write, within a bound.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "catalog/feed_pulls.h"

namespace vitrine {
namespace {

// A log in memory that counts its writes and can be told to fail.
class RecordingLog : public FeedPullLog {
 public:
  Result<int64_t> RecordPull(const FeedPull& pull) override {
    VITRINE_RETURN_IF_ERROR(RecordPulls({&pull, 1}));
    return static_cast<int64_t>(pulls.size());
  }
  Status RecordPulls(std::span<const FeedPull> batch) override {
    std::lock_guard lock(mu);
    if (failing) return Status::IoError("disk full");
    ++writes;
    pulls.insert(pulls.end(), batch.begin(), batch.end());
    return Status::Ok();
  }
  Result<std::vector<FeedPull>> ListPulls(const FeedPullQuery&) override { return pulls; }
  Result<std::vector<FeedPull>> LatestPulls() override { return pulls; }

  int Writes() {
    std::lock_guard lock(mu);
    return writes;
  }

  std::mutex mu;  // the writer thread writes while a test waits
  std::vector<FeedPull> pulls;
  int writes = 0;
  bool failing = false;
};

FeedPull Pull(const std::string& feed) {
  FeedPull pull;
  pull.feed = feed;
  pull.platform = "google";
  pull.actor = "token:tok_1";
  return pull;
}

// An interval no test waits for: every write here is asked for.
constexpr std::chrono::hours kNever{1};

TEST(BufferedFeedPullLog, WritesQueuedPullsInOrderInOneWriteWhenRead) {
  RecordingLog log;
  BufferedFeedPullLog buffered(&log, kNever);
  for (const char* feed : {"google/products.xml", "meta/catalog.xml", "leaflet.json"}) {
    ASSERT_TRUE(buffered.RecordPull(Pull(feed)).ok());
  }
  EXPECT_TRUE(log.pulls.empty());
  auto listed = buffered.ListPulls({});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].feed, "google/products.xml");
  EXPECT_EQ((*listed)[2].feed, "leaflet.json");
  EXPECT_EQ(log.writes, 1);
  EXPECT_EQ(buffered.LatestPulls()->size(), 3u);
  EXPECT_EQ(log.writes, 1) << "nothing pending: no write";
}

TEST(BufferedFeedPullLog, RefusesAPullWithoutFeedAtOnce) {
  RecordingLog log;
  BufferedFeedPullLog buffered(&log, kNever);
  FeedPull nameless = Pull("");
  EXPECT_EQ(buffered.RecordPull(nameless).status().code(), StatusCode::kInvalidArgument);
}

TEST(BufferedFeedPullLog, WritesWhatIsPendingWhenDestroyed) {
  RecordingLog log;
  {
    BufferedFeedPullLog buffered(&log, kNever);
    ASSERT_TRUE(buffered.RecordPull(Pull("google/products.xml")).ok());
  }
  ASSERT_EQ(log.pulls.size(), 1u);
}

TEST(BufferedFeedPullLog, KeepsPullsAcrossAFailedWriteWithinItsBound) {
  RecordingLog log;
  BufferedFeedPullLog buffered(&log, kNever);
  log.failing = true;
  ASSERT_TRUE(buffered.RecordPull(Pull("a.xml")).ok());
  EXPECT_EQ(buffered.Flush().code(), StatusCode::kIoError);
  ASSERT_TRUE(buffered.RecordPull(Pull("b.xml")).ok());
  log.failing = false;
  ASSERT_TRUE(buffered.Flush().ok());
  ASSERT_EQ(log.pulls.size(), 2u);
  EXPECT_EQ(log.pulls[0].feed, "a.xml");
  EXPECT_EQ(log.pulls[1].feed, "b.xml");

  log.failing = true;
  for (size_t i = 0; i < BufferedFeedPullLog::kMaxPending + 5; ++i) {
    ASSERT_TRUE(buffered.RecordPull(Pull("c" + std::to_string(i) + ".xml")).ok());
  }
  EXPECT_EQ(buffered.dropped(), 5);
  log.failing = false;
  ASSERT_TRUE(buffered.Flush().ok());
  EXPECT_EQ(log.pulls.size(), 2 + BufferedFeedPullLog::kMaxPending);
  EXPECT_EQ(log.pulls[2].feed, "c5.xml") << "the oldest were dropped";
}

TEST(BufferedFeedPullLog, WritesOnItsOwnEveryInterval) {
  RecordingLog log;
  BufferedFeedPullLog buffered(&log, std::chrono::milliseconds(10));
  ASSERT_TRUE(buffered.RecordPull(Pull("google/products.xml")).ok());
  // Waits (bounded) for the writer thread, without reading through `buffered`.
  for (int i = 0; i < 500 && log.Writes() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(log.Writes(), 1);
}

}  // namespace
}  // namespace vitrine
