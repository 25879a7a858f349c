// CreativeCache: rendered creatives on disk, addressed by their cache key
// (Renderer::CacheKey), bounded in bytes with least-recently-used eviction.
//
// A creative is written to a temporary file and renamed into place, so a reader sees a
// whole file or none; the server sends hits with sendfile(2). The index (size and recency of
// every file) is rebuilt from the folder at open, oldest modification first. An evicted file
// may still be in the middle of being sent: unlinking it keeps the open descriptor valid.
// Safe for concurrent use from multiple threads of one process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

class CreativeCache {
 public:
  // Opens (creating it when missing) the cache in `folder`, holding at most `max_bytes`.
  static Result<std::unique_ptr<CreativeCache>> Open(std::filesystem::path folder,
                                                     int64_t max_bytes);

  // The file holding `key` with extension `extension` ("png", "jpg"), marked as just used;
  // nullopt on a miss.
  std::optional<std::filesystem::path> Find(std::string_view key, std::string_view extension);
  // Stores `bytes` under `key`, evicting the least recently used files past the budget, and
  // returns its path. IoError when the file cannot be written.
  Result<std::filesystem::path> Insert(std::string_view key, std::string_view extension,
                                       std::string_view bytes);

  struct Stats {
    int64_t hits = 0;
    int64_t misses = 0;
    int64_t evictions = 0;
    int64_t files = 0;
    int64_t bytes = 0;
  };
  Stats stats() const;
  const std::filesystem::path& folder() const { return folder_; }

 private:
  CreativeCache(std::filesystem::path folder, int64_t max_bytes);
  std::filesystem::path PathFor(std::string_view name) const;
  void EvictLocked();

  const std::filesystem::path folder_;
  const int64_t max_bytes_;

  mutable std::mutex mu_;
  std::list<std::pair<std::string, int64_t>> order_;  // file name, size; most recent first
  std::map<std::string, std::list<std::pair<std::string, int64_t>>::iterator, std::less<>> index_;
  Stats stats_;
};

}  // namespace vitrine
