// ImageCache: products' pictures fetched from their image_url through the SafeFetcher (so a
// URL can never reach the hub's own network) and kept on disk under one folder, with what a
// refresh needs: the validators for a conditional GET, when it was checked, and why the last
// attempt failed. Rendering reads the cache only and never waits on the network; fetching is
// the caller's job (`vitrine images fetch`, the server's refresher).
//
// Only PNG, JPEG and WebP bodies are kept (the renderer's decoders); anything else — an HTML
// error page served with 200, a GIF — is a failure with its reason. A failed refresh keeps
// the image already cached, if any. Files are replaced atomically (write, then rename), so
// readers and several refreshing threads or processes never see half an image.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "adapters/fetcher.h"
#include "common/status.h"
#include "common/time.h"

namespace vitrine {

struct ImageCacheOptions {
  // A cached image older than this is revalidated (a conditional GET) by Refresh.
  std::chrono::seconds refresh_after{std::chrono::hours(24)};
  // A URL whose last attempt failed is tried again after this.
  std::chrono::seconds retry_failed_after{std::chrono::hours(1)};
};

enum class ImageRefreshOutcome {
  kFetched,      // a new or changed image was stored
  kNotModified,  // the server said 304, or sent the same bytes: the cached image stands
  kFresh,        // checked recently enough: nothing asked
  kFailed,       // see `reason`; a previously cached image stays
  kSkipped,      // failed recently: not asked again before retry_failed_after
};
std::string_view ImageRefreshOutcomeName(ImageRefreshOutcome outcome);

struct ImageRefresh {
  ImageRefreshOutcome outcome = ImageRefreshOutcome::kFailed;
  std::string reason;  // why it failed (kFailed, kSkipped); empty otherwise
  int64_t bytes = 0;   // size of the image now cached; 0 when none
};

class ImageCache {
 public:
  // `fetcher` and `clock` must outlive the cache. The folder is created when missing.
  static Result<std::unique_ptr<ImageCache>> Open(std::filesystem::path dir,
                                                  const SafeFetcher& fetcher, const Clock& clock,
                                                  ImageCacheOptions options = {});

  // Brings the image of `url` up to date: fetched when not cached, revalidated when older
  // than refresh_after, left alone otherwise. `force` asks the server whatever the age.
  // Returns an error only when the cache folder cannot be written; what the network or the
  // server did is the outcome.
  Result<ImageRefresh> Refresh(std::string_view url, bool force = false);

  // A token that changes when the cached image changes (its file's inode, size and time: one stat,
  // cheap enough per request). NotFound, saying why (never fetched, or the last failure),
  // when no image is cached for `url`.
  Result<std::string> Version(std::string_view url) const;
  // The cached image's bytes; NotFound as Version.
  Result<std::string> Read(std::string_view url) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  ImageCache(std::filesystem::path dir, const SafeFetcher& fetcher, const Clock& clock,
             ImageCacheOptions options);
  struct Entry;
  std::filesystem::path PathOf(std::string_view url, std::string_view extension) const;
  Result<Entry> LoadEntry(std::string_view url) const;
  Status SaveEntry(const Entry& entry) const;
  Status Missing(std::string_view url) const;

  const std::filesystem::path dir_;
  const SafeFetcher& fetcher_;
  const Clock& clock_;
  const ImageCacheOptions options_;
};

}  // namespace vitrine
