#include "render/creative_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace vitrine {

namespace fs = std::filesystem;

CreativeCache::CreativeCache(fs::path folder, int64_t max_bytes)
    : folder_(std::move(folder)), max_bytes_(max_bytes) {}

Result<std::unique_ptr<CreativeCache>> CreativeCache::Open(fs::path folder, int64_t max_bytes) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return Status::IoError("cannot create " + folder.string() + ": " + ec.message());
  std::unique_ptr<CreativeCache> cache(new CreativeCache(folder, max_bytes));
  struct Found {
    fs::file_time_type time;
    std::string name;
    int64_t size;
  };
  std::vector<Found> found;
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (name.find(".tmp") != std::string::npos) {
      fs::remove(it->path(), ec);  // left by a crash in the middle of a write
      continue;
    }
    found.push_back({it->last_write_time(ec), name, static_cast<int64_t>(it->file_size(ec))});
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.time > b.time; });
  std::lock_guard lock(cache->mu_);
  for (const Found& f : found) {
    cache->order_.emplace_back(f.name, f.size);
    cache->index_[f.name] = std::prev(cache->order_.end());
    cache->stats_.bytes += f.size;
    ++cache->stats_.files;
  }
  cache->EvictLocked();
  return cache;
}

fs::path CreativeCache::PathFor(std::string_view name) const {
  // 256 subfolders keep each folder small enough to list.
  return folder_ / std::string(name.substr(0, 2)) / std::string(name);
}

std::optional<fs::path> CreativeCache::Find(std::string_view key, std::string_view extension) {
  const std::string name = std::string(key) + "." + std::string(extension);
  std::lock_guard lock(mu_);
  auto it = index_.find(name);
  if (it == index_.end()) {
    ++stats_.misses;
    return std::nullopt;
  }
  ++stats_.hits;
  order_.splice(order_.begin(), order_, it->second);
  return PathFor(name);
}

Result<fs::path> CreativeCache::Insert(std::string_view key, std::string_view extension,
                                       std::string_view bytes) {
  if (key.size() < 2) return Status::InvalidArgument("cache key too short");
  const std::string name = std::string(key) + "." + std::string(extension);
  const fs::path path = PathFor(name);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Status::IoError("cannot create " + path.parent_path().string());
  static std::atomic<uint64_t> counter{0};
  const fs::path temporary =
      path.string() + "." + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::IoError("cannot create " + temporary.string() + ": " + std::strerror(errno));
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      return Status::IoError("cannot write " + temporary.string() + ": " + why);
    }
    written += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temporary.c_str());
    return Status::IoError("cannot rename into " + path.string() + ": " + why);
  }
  std::lock_guard lock(mu_);
  auto it = index_.find(name);
  if (it != index_.end()) {
    stats_.bytes -= it->second->second;
    --stats_.files;
    order_.erase(it->second);
    index_.erase(it);
  }
  order_.emplace_front(name, static_cast<int64_t>(bytes.size()));
  index_[name] = order_.begin();
  stats_.bytes += static_cast<int64_t>(bytes.size());
  ++stats_.files;
  EvictLocked();
  return path;
}

void CreativeCache::EvictLocked() {
  // The newest file always stays, even alone over the budget: it is about to be sent.
  while (stats_.bytes > max_bytes_ && order_.size() > 1) {
    const auto& [name, size] = order_.back();
    std::error_code ec;
    fs::remove(PathFor(name), ec);
    stats_.bytes -= size;
    --stats_.files;
    ++stats_.evictions;
    index_.erase(name);
    order_.pop_back();
  }
}

CreativeCache::Stats CreativeCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace vitrine
