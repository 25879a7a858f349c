// The feed-pull log: every download of a feed by a platform (or the back office), kept in
// the database so that "when did Google last pull, and did it get the latest version?" has
// an answer that survives restarts.
//
// A pull is one small append; the newest pull of each (feed, platform) is kept beside the
// log so the feed list reads it without walking the log. Entries are never changed.
// Implementations are safe to call from several threads.
#pragma once

#include <cstdint>
#include <string>
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
  // Newest first. InvalidArgument for a limit outside 1..1000 or a negative before_seq.
  virtual Result<std::vector<FeedPull>> ListPulls(const FeedPullQuery& query) = 0;
  // The newest pull of every (feed, platform), ordered by feed then platform.
  virtual Result<std::vector<FeedPull>> LatestPulls() = 0;
};

// The checks both backends apply.
Status CheckFeedPull(const FeedPull& pull);
Status CheckFeedPullQuery(const FeedPullQuery& query);

}  // namespace vitrine
