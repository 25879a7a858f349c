// The feed-pull log: every download of a feed by a platform (or the back office), kept in
// the database so that "when did Google last pull, and did it get the latest version?" has
// an answer that survives restarts.
//
// A pull is one small append; the newest pull of each (feed, platform) is kept beside the
// log so the feed list reads it without walking the log. Entries are never changed.
// Implementations are safe to call from several threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace vitrine {

struct FeedPull {
  int64_t seq = 0;  // assigned by RecordPull, increasing
  Instant at{};
  // The feed as its URL names it under /feeds/: "google/products.xml"; a store or campaign
  // variant carries its query: "google/products.xml?store=S001".
  std::string feed;
  std::string platform;  // the platform token's channel ("google"), or "backoffice"
  std::string actor;     // who pulled: "token:tok_1a2b...", "user:alice@example.com"
  int status = 200;      // 200 (the file sent) or 304 (the client's copy was current)
  int64_t bytes = 0;     // body bytes sent; 0 for a 304
  std::string etag;      // the ETag of the content served (plain representation)
  // The content served was the newest the hub had: no regeneration was pending for it.
  bool saw_latest = true;
};

struct FeedPullQuery {
  std::string feed;        // empty: all
  std::string platform;    // empty: all
  int64_t before_seq = 0;  // newest first; 0: from the newest; else only seq < before_seq
  int limit = 100;         // 1..1000
};

class FeedPullLog {
 public:
  virtual ~FeedPullLog() = default;
  // Appends `pull` (its seq is ignored) and makes it the newest of its (feed, platform).
  // Returns the seq it was given. InvalidArgument for an empty feed or platform.
  virtual Result<int64_t> RecordPull(const FeedPull& pull) = 0;
  // Appends `pulls` in order, all or none (what BufferedFeedPullLog writes). The default
  // records them one by one.
  virtual Status RecordPulls(std::span<const FeedPull> pulls);
  // Newest first. InvalidArgument for a limit outside 1..1000 or a negative before_seq.
  virtual Result<std::vector<FeedPull>> ListPulls(const FeedPullQuery& query) = 0;
  // The newest pull of every (feed, platform), ordered by feed then platform.
  virtual Result<std::vector<FeedPull>> LatestPulls() = 0;
};

// A FeedPullLog that keeps pulls in memory and appends them to `log` in one write every
// `interval`, so that serving a feed does not wait for the database's writer (a pull per
// download made the writer the bottleneck of feed serving). Reads write what is pending
// first, so this process reads its own pulls; other processes see them within `interval`.
// Pulls not yet written are lost if the process dies (at most `interval` of them): the log
// says who pulled, it is not a record anything else depends on. The destructor writes what
// is pending. A failed write is retried at the next one; past kMaxPending pulls waiting, the
// oldest are dropped and counted. Thread-safe.
class BufferedFeedPullLog final : public FeedPullLog {
 public:
  static constexpr size_t kMaxPending = 100000;

  // `log` must outlive this object.
  BufferedFeedPullLog(FeedPullLog* log, std::chrono::milliseconds interval);
  ~BufferedFeedPullLog() override;

  // Checks `pull` and queues it; returns 0 (the seq is given when it is written).
  Result<int64_t> RecordPull(const FeedPull& pull) override;
  Result<std::vector<FeedPull>> ListPulls(const FeedPullQuery& query) override;
  Result<std::vector<FeedPull>> LatestPulls() override;
  // Writes what is pending now.
  Status Flush();
  // Pulls dropped because the log could not be written for too long.
  int64_t dropped() const;

 private:
  FeedPullLog* const log_;
  const std::chrono::milliseconds interval_;
  std::mutex write_mu_;  // one Flush at a time, so pulls are written in order
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<FeedPull> pending_;  // guarded by mu_
  int64_t dropped_ = 0;           // guarded by mu_
  bool stopping_ = false;         // guarded by mu_
  std::thread writer_;
};

// The checks both backends apply.
Status CheckFeedPull(const FeedPull& pull);
Status CheckFeedPullQuery(const FeedPullQuery& query);

}  // namespace vitrine
