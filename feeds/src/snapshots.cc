#include "feeds/snapshots.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace vitrine {

std::string FeedName(const FeedKey& key) {
  std::string name(InfoOf(key.format).url_path.substr(std::string_view("/feeds/").size()));
  char separator = '?';
  for (const auto& [param, value] :
       {std::pair<const char*, const std::string*>{"store", &key.store_id},
        {"campaign", &key.campaign_id}}) {
    if (value->empty()) continue;
    name += separator;
    name += param;
    name += '=';
    name += *value;
    separator = '&';
  }
  return name;
}

Result<FeedKey> ParseFeedName(std::string_view name) {
  const size_t question = name.find('?');
  const std::string path = "/feeds/" + std::string(name.substr(0, question));
  const std::optional<FeedFormat> format = ParseFeedFormat(path);
  if (!format) return Status::InvalidArgument("no feed \"" + std::string(name) + "\"");
  FeedKey key;
  key.format = *format;
  std::string_view query = question == std::string_view::npos ? "" : name.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    const std::string_view param = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    std::string* slot = param == "store"      ? &key.store_id
                        : param == "campaign" ? &key.campaign_id
                                              : nullptr;
    if (!slot)
      return Status::InvalidArgument("a feed takes store= and campaign=, not \"" +
                                     std::string(param) + "\"");
    if (value.empty()) return Status::InvalidArgument(std::string(param) + "= needs a value");
    *slot = std::string(value);
  }
  return key;
}
namespace {

using SteadyClock = std::chrono::steady_clock;

// The stem of a format's file name: "google-products" of "google-products.xml".
std::string Stem(FeedFormat format) {
  std::string name(InfoOf(format).file_name);
  return name.substr(0, name.rfind('.'));
}
std::string Extension(FeedFormat format) {
  std::string name(InfoOf(format).file_name);
  return name.substr(name.rfind('.'));
}

// An id as a file name part: [A-Za-z0-9_-] kept, anything else as %XX.
std::string SafeId(std::string_view id) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '-' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(value));
  return text;
}

void RemoveQuietly(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

Status SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Status::IoError("cannot open " + dir.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IoError("cannot sync " + dir.string());
  return Status::Ok();
}

}  // namespace

FeedSnapshots::FeedSnapshots(FeedSources sources, FeedSnapshotOptions options)
    : sources_(sources), options_(std::move(options)) {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  // Files of an earlier run: only ours, recognised by a format's stem.
  for (const auto& file : std::filesystem::directory_iterator(options_.dir, ec)) {
    const std::string name = file.path().filename().string();
    for (const FeedFormatInfo& info : AllFeedFormats()) {
      if (name.starts_with(Stem(info.format) + ".")) RemoveQuietly(file.path().string());
    }
  }
}

FeedSnapshots::~FeedSnapshots() { Stop(); }

void FeedSnapshots::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void FeedSnapshots::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Instant FeedSnapshots::Now() const {
  return options_.clock ? options_.clock->Now() : SystemClock::Instance().Now();
}

Result<Instant> FeedSnapshots::ContentInstant(Instant now) const {
  // Read from the database, not this process's clock: every node regenerating after the
  // same changes then writes the same bytes (and ETag), whenever it regenerates.
  auto published = sources_.offers->LastPublishedAt();
  if (!published.ok()) return published.status();
  std::optional<Instant> at = *published;
  if (options_.last_boundary) {
    auto boundary = options_.last_boundary(now);
    if (!boundary.ok()) return boundary.status();
    if (*boundary && (!at || **boundary > *at)) at = *boundary;
  }
  // None yet (no offers were ever published), or a clock behind the one that published.
  return at && *at <= now ? *at : now;
}

std::string FeedSnapshots::FileBase(const FeedKey& key) const {
  std::string base = Stem(key.format);
  if (!key.store_id.empty()) base += ".store-" + SafeId(key.store_id);
  if (!key.campaign_id.empty()) base += ".campaign-" + SafeId(key.campaign_id);
  if (!key.channel.empty()) base += ".channel-" + SafeId(key.channel);
  return base;
}

Result<std::shared_ptr<const FeedSnapshot>> FeedSnapshots::Generate(const FeedKey& key,
                                                                    int64_t generation,
                                                                    const FeedSnapshot* before) {
  FeedRequest request{key.format, key.store_id, key.campaign_id, Now(), key.channel};
  auto as_of = ContentInstant(request.now);
  if (!as_of.ok()) return as_of.status();
  request.as_of = *as_of;
  const std::string final_path =
      (options_.dir / (FileBase(key) + "." + std::to_string(generation) + Extension(key.format)))
          .string();
  const std::string gzip_path = final_path + ".gz";
  const std::string tmp_path = final_path + ".tmp";
  const std::string tmp_gzip_path = gzip_path + ".tmp";
  auto cleanup = [&] {
    RemoveQuietly(tmp_path);
    RemoveQuietly(tmp_gzip_path);
  };
  auto sink = FeedSink::ToFile(tmp_path, tmp_gzip_path, options_.gzip_level);
  if (!sink.ok()) return sink.status();
  auto stats = WriteFeed(request, sources_, options_.settings, **sink);
  Status finished = (*sink)->Finish(/*sync=*/true);
  if (!stats.ok() || !finished.ok()) {
    cleanup();
    return stats.ok() ? finished : stats.status();
  }
  std::error_code ec;
  // The twin first: once the plain file is in place, its gzip is too.
  std::filesystem::rename(tmp_gzip_path, gzip_path, ec);
  if (!ec) std::filesystem::rename(tmp_path, final_path, ec);
  if (ec) {
    cleanup();
    return Status::IoError("cannot rename the feed into " + final_path + ": " + ec.message());
  }
  VITRINE_RETURN_IF_ERROR(SyncDirectory(options_.dir));
  auto snapshot = std::make_shared<FeedSnapshot>();
  snapshot->path = final_path;
  snapshot->gzip_path = gzip_path;
  snapshot->bytes = (*sink)->bytes();
  const std::string tag = Hex((*sink)->crc32()) + "-" + Hex(static_cast<uint64_t>(snapshot->bytes));
  snapshot->etag = "\"" + tag + "\"";
  snapshot->gzip_etag = "\"" + tag + "-gz\"";
  snapshot->modified = before && before->etag == snapshot->etag ? before->modified : request.now;
  snapshot->stats = *stats;
  return std::shared_ptr<const FeedSnapshot>(std::move(snapshot));
}

void FeedSnapshots::Install(Entry& entry, std::shared_ptr<const FeedSnapshot> snapshot) {
  const auto now = SteadyClock::now();
  while (!entry.retired.empty() && now - entry.retired.front().first >= options_.retired_grace) {
    RemoveQuietly(entry.retired.front().second->path);
    RemoveQuietly(entry.retired.front().second->gzip_path);
    entry.retired.pop_front();
  }
  if (entry.current) entry.retired.emplace_back(now, std::move(entry.current));
  entry.current = std::move(snapshot);
  entry.generated_at = Now();
}

void FeedSnapshots::EvictVariants() {
  std::vector<std::pair<SteadyClock::time_point, FeedKey>> variants;
  for (const auto& [key, entry] : entries_) {
    if ((!key.store_id.empty() || !key.campaign_id.empty() || !key.channel.empty()) &&
        !entry.generating) {
      variants.emplace_back(entry.last_pull, key);
    }
  }
  if (variants.size() <= options_.max_variants) return;
  std::sort(variants.begin(), variants.end());
  for (size_t i = 0; i + options_.max_variants < variants.size(); ++i) {
    Entry& entry = entries_.at(variants[i].second);
    std::vector<std::shared_ptr<const FeedSnapshot>> files = {entry.current};
    for (const auto& retired : entry.retired) files.push_back(retired.second);
    for (const auto& snapshot : files) {
      if (!snapshot) continue;
      RemoveQuietly(snapshot->path);
      RemoveQuietly(snapshot->gzip_path);
    }
    entries_.erase(variants[i].second);
  }
}

Result<FeedSnapshot> FeedSnapshots::Get(const FeedKey& key) {
  std::unique_lock lock(mu_);
  // Entries are looked up again after every wait: eviction may have removed one.
  for (;;) {
    Entry& entry = entries_[key];
    entry.last_pull = SteadyClock::now();
    if (entry.current) {
      FeedSnapshot snapshot = *entry.current;
      snapshot.generated_at = entry.generated_at;
      snapshot.stale = entry.stale;
      return snapshot;
    }
    if (!entry.generating) break;
    cv_.wait(lock);
  }
  int64_t generation = 0;
  {
    Entry& entry = entries_[key];
    entry.generating = true;
    generation = ++entry.generation;
  }
  lock.unlock();
  auto snapshot = Generate(key, generation, nullptr);
  lock.lock();
  Entry& entry = entries_[key];
  entry.generating = false;
  cv_.notify_all();
  if (!snapshot.ok()) {
    if (!entry.current) entries_.erase(key);
    return snapshot.status();
  }
  Install(entry, *snapshot);
  FeedSnapshot result = *entry.current;
  result.generated_at = entry.generated_at;
  result.stale = entry.stale;
  EvictVariants();
  return result;
}

std::optional<FeedSnapshot> FeedSnapshots::Current(const FeedKey& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || !it->second.current) return std::nullopt;
  FeedSnapshot snapshot = *it->second.current;
  snapshot.generated_at = it->second.generated_at;
  snapshot.stale = it->second.stale;
  return snapshot;
}

void FeedSnapshots::MarkStale() {
  {
    std::lock_guard lock(mu_);
    for (auto& [key, entry] : entries_) entry.stale = true;
    if (!stale_pending_) first_mark_ = SteadyClock::now();
    stale_pending_ = true;
    last_mark_ = SteadyClock::now();
  }
  cv_.notify_all();
}

Status FeedSnapshots::RegenerateStale() {
  struct Job {
    FeedKey key;
    int64_t generation;
    std::shared_ptr<const FeedSnapshot> before;
  };
  std::vector<Job> jobs;
  {
    std::lock_guard lock(mu_);
    const Instant now = Now();
    for (auto& [key, entry] : entries_) {
      if (!entry.current || entry.generating) continue;
      if (!entry.stale && now - entry.generated_at < options_.max_age) continue;
      entry.generating = true;
      entry.stale = false;
      jobs.push_back({key, ++entry.generation, entry.current});
    }
  }
  Status first;
  for (const Job& job : jobs) {
    auto snapshot = Generate(job.key, job.generation, job.before.get());
    std::lock_guard lock(mu_);
    auto it = entries_.find(job.key);
    if (it == entries_.end()) continue;
    it->second.generating = false;
    if (snapshot.ok()) {
      Install(it->second, *snapshot);
    } else {
      it->second.stale = true;  // try again next time; the old snapshot stays served
      if (first.ok()) first = snapshot.status();
    }
    cv_.notify_all();
  }
  return first;
}

void FeedSnapshots::Loop() {
  for (const FeedFormatInfo& info : AllFeedFormats()) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    (void)Get(FeedKey{info.format, "", "", ""});  // a failure is retried on first request
  }
  std::unique_lock lock(mu_);
  const auto check_period =
      std::min<SteadyClock::duration>(options_.max_age, std::chrono::seconds(30));
  while (!stopping_) {
    if (stale_pending_) {
      // Debounced: wait for a quiet spell, but never longer than ten of them in a row.
      const auto due =
          std::min(last_mark_ + options_.debounce, first_mark_ + 10 * options_.debounce);
      if (SteadyClock::now() < due) {
        cv_.wait_until(lock, due);
        continue;
      }
      stale_pending_ = false;
    } else {
      cv_.wait_for(lock, check_period);
      if (stopping_ || stale_pending_) continue;
    }
    lock.unlock();
    (void)RegenerateStale();  // a failed snapshot stays stale and is tried again
    lock.lock();
  }
}

void FeedSnapshots::CountPull(const std::string& platform, FeedFormat format) {
  std::lock_guard lock(mu_);
  ++pulls_[{platform, std::string(InfoOf(format).name)}];
}

std::map<std::pair<std::string, std::string>, int64_t> FeedSnapshots::Pulls() const {
  std::lock_guard lock(mu_);
  return pulls_;
}

}  // namespace vitrine
