#include "adapters/image_cache.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace vitrine {

namespace fs = std::filesystem;

std::string_view ImageRefreshOutcomeName(ImageRefreshOutcome outcome) {
  switch (outcome) {
    case ImageRefreshOutcome::kFetched:
      return "fetched";
    case ImageRefreshOutcome::kNotModified:
      return "not_modified";
    case ImageRefreshOutcome::kFresh:
      return "fresh";
    case ImageRefreshOutcome::kFailed:
      return "failed";
    case ImageRefreshOutcome::kSkipped:
      return "skipped";
  }
  return "failed";
}

namespace {

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

// The formats the renderer decodes, by their first bytes (the Content-Type is the server's
// word, often wrong for images).
std::string_view ImageKind(std::string_view body) {
  if (body.starts_with("\x89PNG\r\n\x1a\n")) return "png";
  if (body.starts_with("\xFF\xD8\xFF")) return "jpeg";
  if (body.size() >= 12 && body.starts_with("RIFF") && body.substr(8, 4) == "WEBP") return "webp";
  return "";
}

Status WriteAtomically(const fs::path& path, std::string_view bytes) {
  static std::atomic<uint64_t> counter{0};
  const fs::path tmp = path.string() + ".tmp." + std::to_string(getpid()) + "." +
                       std::to_string(counter.fetch_add(1));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return Status::IoError("cannot write " + tmp.string());
    }
  }
  std::error_code error;
  fs::rename(tmp, path, error);
  if (error) {
    fs::remove(tmp, error);
    return Status::IoError("cannot replace " + path.string() + ": " + error.message());
  }
  return Status::Ok();
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  return std::move(bytes).str();
}

}  // namespace

// What the cache knows of one URL, kept beside its image as JSON.
struct ImageCache::Entry {
  std::string url;
  std::string version;  // digest of the image's bytes; empty when none is cached
  int64_t bytes = 0;
  std::string etag;
  std::string last_modified;
  int64_t checked_at = 0;  // Unix seconds of the last answer that confirmed the image
  int64_t failed_at = 0;   // Unix seconds of the last failure; 0 after a success
  std::string error;       // the last failure's reason; empty after a success
};

ImageCache::ImageCache(fs::path dir, const SafeFetcher& fetcher, const Clock& clock,
                       ImageCacheOptions options)
    : dir_(std::move(dir)), fetcher_(fetcher), clock_(clock), options_(options) {}

Result<std::unique_ptr<ImageCache>> ImageCache::Open(fs::path dir, const SafeFetcher& fetcher,
                                                     const Clock& clock,
                                                     ImageCacheOptions options) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return Status::IoError("cannot create " + dir.string() + ": " + error.message());
  return std::unique_ptr<ImageCache>(new ImageCache(std::move(dir), fetcher, clock, options));
}

fs::path ImageCache::PathOf(std::string_view url, std::string_view extension) const {
  return dir_ / (Sha256Hex(url).substr(0, 32) + std::string(extension));
}

Result<ImageCache::Entry> ImageCache::LoadEntry(std::string_view url) const {
  Entry entry;
  entry.url = std::string(url);
  auto text = ReadFile(PathOf(url, ".json"));
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return entry;
    return text.status();
  }
  try {
    const nlohmann::json j = nlohmann::json::parse(*text);
    if (j.value("url", "") != url) return entry;  // a digest collision: start afresh
    entry.version = j.value("version", "");
    entry.bytes = j.value("bytes", int64_t{0});
    entry.etag = j.value("etag", "");
    entry.last_modified = j.value("last_modified", "");
    entry.checked_at = j.value("checked_at", int64_t{0});
    entry.failed_at = j.value("failed_at", int64_t{0});
    entry.error = j.value("error", "");
  } catch (const nlohmann::json::exception&) {
    return entry;  // a damaged record is forgotten: the next refresh fetches again
  }
  return entry;
}

Status ImageCache::SaveEntry(const Entry& entry) const {
  const nlohmann::json j = {{"url", entry.url},
                            {"version", entry.version},
                            {"bytes", entry.bytes},
                            {"etag", entry.etag},
                            {"last_modified", entry.last_modified},
                            {"checked_at", entry.checked_at},
                            {"failed_at", entry.failed_at},
                            {"error", entry.error}};
  return WriteAtomically(PathOf(entry.url, ".json"), j.dump());
}

Result<ImageRefresh> ImageCache::Refresh(std::string_view url, bool force) {
  auto loaded = LoadEntry(url);
  if (!loaded.ok()) return loaded.status();
  Entry entry = std::move(loaded).value();
  const int64_t now = ToUnixSeconds(clock_.Now());
  ImageRefresh result;
  result.bytes = entry.bytes;
  if (!force) {
    if (!entry.version.empty() && entry.failed_at == 0 &&
        now - entry.checked_at < options_.refresh_after.count()) {
      result.outcome = ImageRefreshOutcome::kFresh;
      return result;
    }
    if (entry.failed_at != 0 && now - entry.failed_at < options_.retry_failed_after.count()) {
      result.outcome = ImageRefreshOutcome::kSkipped;
      result.reason = entry.error;
      return result;
    }
  }
  auto fail = [&](std::string reason) -> Result<ImageRefresh> {
    entry.failed_at = now;
    entry.error = std::move(reason);
    VITRINE_RETURN_IF_ERROR(SaveEntry(entry));
    result.outcome = ImageRefreshOutcome::kFailed;
    result.reason = entry.error;
    return result;
  };

  CacheValidators validators;
  if (!entry.version.empty()) validators = {entry.etag, entry.last_modified};
  auto response = fetcher_.Get(url, validators);
  if (!response.ok()) return fail(response.status().message());
  if (response->not_modified && !entry.version.empty()) {
    entry.checked_at = now;
    entry.failed_at = 0;
    entry.error.clear();
    VITRINE_RETURN_IF_ERROR(SaveEntry(entry));
    result.outcome = ImageRefreshOutcome::kNotModified;
    return result;
  }
  if (response->status != 200) {
    return fail("the server answered HTTP " + std::to_string(response->status));
  }
  if (ImageKind(response->body).empty()) {
    return fail("not a PNG, JPEG or WebP image (" + std::to_string(response->body.size()) +
                " bytes" + (response->content_type.empty() ? "" : ", " + response->content_type) +
                ")");
  }
  const std::string version = Sha256Hex(response->body).substr(0, 16);
  const bool same = version == entry.version;
  if (!same) VITRINE_RETURN_IF_ERROR(WriteAtomically(PathOf(url, ".img"), response->body));
  entry.version = version;
  entry.bytes = static_cast<int64_t>(response->body.size());
  entry.etag = response->etag;
  entry.last_modified = response->last_modified;
  entry.checked_at = now;
  entry.failed_at = 0;
  entry.error.clear();
  VITRINE_RETURN_IF_ERROR(SaveEntry(entry));
  result.outcome = same ? ImageRefreshOutcome::kNotModified : ImageRefreshOutcome::kFetched;
  result.bytes = entry.bytes;
  return result;
}

// Why no image is cached for `url`, from its record (read only on this path).
Status ImageCache::Missing(std::string_view url) const {
  auto entry = LoadEntry(url);
  if (!entry.ok()) return entry.status();
  return Status::NotFound("image " + std::string(url) + " is not cached: " +
                          (entry->error.empty() ? "not fetched yet" : entry->error));
}

// The image file is the truth: Refresh replaces it by a rename, so its inode, size and time
// say which image it is, and a creative asking for the version per request costs one stat.
Result<std::string> ImageCache::Version(std::string_view url) const {
  struct stat file;
  if (stat(PathOf(url, ".img").c_str(), &file) != 0) return Missing(url);
  // Each replacement is a new file: a new inode, and a new time.
  return std::to_string(file.st_ino) + "-" + std::to_string(file.st_size) + "-" +
         std::to_string(file.st_mtim.tv_sec) + "." + std::to_string(file.st_mtim.tv_nsec);
}

Result<std::string> ImageCache::Read(std::string_view url) const {
  auto bytes = ReadFile(PathOf(url, ".img"));
  if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) return Missing(url);
  return bytes;
}

}  // namespace vitrine
