// FeedSnapshots: the feed files the server sends with sendfile (ARCHITECTURE.md §5, "feeds
// are files"), regenerated when the offers behind them change.
//
// A snapshot is one complete feed file and its gzip twin, written under a temporary name,
// fsynced and renamed into place under a name of its own generation, so a reader always
// gets a whole file: the one it opened stays intact however often the feed is regenerated.
// A replaced generation's files are kept for `retired_grace` more, for requests that took
// its path just before the swap and have not opened it yet. Its strong ETag is the CRC-32 and size
// of the content, so an unchanged regeneration keeps the ETag (and Last-Modified) clients already
// hold.
//
// The full feeds and the store=/campaign= variants are made on first request; MarkStale()
// (offers re-assembled, catalogue changed) makes a background thread regenerate every
// snapshot once no change has come for `debounce`, and a snapshot older than `max_age` is
// regenerated too, since offers leave a feed when they end. Thread-safe. Also counts the
// pulls per platform and feed, for /metrics and /api/v1/stats.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>

#include "common/status.h"
#include "common/time.h"
#include "feeds/feed.h"

namespace vitrine {

struct FeedKey {
  FeedFormat format = FeedFormat::kGoogleProducts;
  std::string store_id;     // empty: every store
  std::string campaign_id;  // empty: every campaign
  std::string channel;      // offers CSV only: one platform's channel; empty: every channel
  friend auto operator<=>(const FeedKey&, const FeedKey&) = default;
};

// The name a feed (or one of its store=/campaign= variants) has in the pull log, the feed
// list and a push destination: its URL under /feeds/, "google/products.xml?store=S001".
std::string FeedName(const FeedKey& key);
// The inverse: InvalidArgument naming what is wrong (an unknown feed, an unknown or empty
// parameter, a channel, which only the offers CSV's token-scoped pulls have).
Result<FeedKey> ParseFeedName(std::string_view name);

struct FeedSnapshot {
  std::string path;       // the feed, complete
  std::string gzip_path;  // the same bytes, gzip-compressed
  std::string etag;       // strong: "\"<crc32>-<size>\""
  std::string gzip_etag;  // the gzip representation's: "\"<crc32>-<size>-gz\""
  int64_t bytes = 0;
  Instant modified{};  // when this content was first generated: Last-Modified
  FeedStats stats;
  // Set on the copies Get() and Current() return: when the snapshot was last (re)generated,
  // even with unchanged content, and whether a change since is waiting for regeneration.
  Instant generated_at{};
  bool stale = false;
};

struct FeedSnapshotOptions {
  // Where the snapshot files live; created if missing. Files left there by an earlier run
  // are removed at construction. Required.
  std::filesystem::path dir;
  // Regenerate once no MarkStale() has come for this long. Default 2 s.
  std::chrono::milliseconds debounce{2000};
  // Regenerate a snapshot older than this even without a change. Default 1 hour.
  std::chrono::seconds max_age{3600};
  // store=/campaign= variants kept; the least recently pulled beyond it are dropped.
  // Default 256.
  size_t max_variants = 256;
  // How long the files of a replaced snapshot stay. Default 60 s.
  std::chrono::seconds retired_grace{60};
  // zlib level of the gzip twins, 1-9. Default 6.
  int gzip_level = 6;
  FeedSettings settings;
  // The feeds' "now" and Last-Modified. nullptr (default): the system clock.
  const Clock* clock = nullptr;
  // The latest campaign start or end at or before `now` in any store's zone (the change
  // follower knows them): with the offers' last publication, the leaflet's generated_at
  // (FeedRequest::as_of). Unset: the publication alone.
  std::function<Result<std::optional<Instant>>(Instant now)> last_boundary;
};

class FeedSnapshots {
 public:
  // `sources` must outlive this object.
  FeedSnapshots(FeedSources sources, FeedSnapshotOptions options);
  // Stops the background thread; the files stay until the next construction.
  ~FeedSnapshots();
  FeedSnapshots(const FeedSnapshots&) = delete;
  FeedSnapshots& operator=(const FeedSnapshots&) = delete;

  // Starts the background thread: it first generates the seven full feeds (so the first
  // pulls find them ready; a Get() meanwhile waits for the generation under way rather than
  // starting another), then regenerates stale snapshots. Without it, Get() generates on
  // first request and RegenerateStale() can be called by hand.
  void Start();
  void Stop();

  // The current snapshot of `key`, generating it first when there is none (concurrent
  // callers for one key wait for the same generation). A stale snapshot is returned as it
  // is: its replacement comes from the background thread. NotFound for an unknown store or
  // campaign; IoError when the files cannot be written.
  Result<FeedSnapshot> Get(const FeedKey& key);

  // The current snapshot of `key` without generating one: nullopt when none was made yet.
  std::optional<FeedSnapshot> Current(const FeedKey& key) const;

  // The offers or the catalogue behind the feeds changed.
  void MarkStale();
  // Regenerates, now and on this thread, every snapshot that is stale or older than
  // max_age. Returns the first error (the old snapshot is kept).
  Status RegenerateStale();

  // Pull accounting. `platform` is the token's channel, or "backoffice".
  void CountPull(const std::string& platform, FeedFormat format);
  // (platform, feed name) → pulls since start.
  std::map<std::pair<std::string, std::string>, int64_t> Pulls() const;

 private:
  struct Entry {
    std::shared_ptr<const FeedSnapshot> current;
    // Replaced snapshots whose files stay until retired_grace has passed, oldest first.
    std::deque<
        std::pair<std::chrono::steady_clock::time_point, std::shared_ptr<const FeedSnapshot>>>
        retired;
    bool generating = false;
    bool stale = false;
    Instant generated_at{};  // of `current`
    std::chrono::steady_clock::time_point last_pull{};
    int64_t generation = 0;
  };

  Instant Now() const;
  // FeedRequest::as_of for a generation at `now`.
  Result<Instant> ContentInstant(Instant now) const;
  std::string FileBase(const FeedKey& key) const;
  // Writes one generation of `key` and returns it (no lock held).
  Result<std::shared_ptr<const FeedSnapshot>> Generate(const FeedKey& key, int64_t generation,
                                                       const FeedSnapshot* before);
  // Installs `snapshot` as the current one of an entry (mu_ held), retiring the one it
  // replaces, and removes the files of snapshots retired for longer than retired_grace.
  void Install(Entry& entry, std::shared_ptr<const FeedSnapshot> snapshot);
  void EvictVariants();  // mu_ held
  void Loop();

  // Constant after construction.
  const FeedSources sources_;
  const FeedSnapshotOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // generation finished, stale marked, or stopping
  std::map<FeedKey, Entry> entries_;
  std::chrono::steady_clock::time_point first_mark_{};  // of the pending changes
  std::chrono::steady_clock::time_point last_mark_{};
  bool stale_pending_ = false;
  bool stopping_ = false;
  std::thread thread_;
  std::map<std::pair<std::string, std::string>, int64_t> pulls_;
};

}  // namespace vitrine
