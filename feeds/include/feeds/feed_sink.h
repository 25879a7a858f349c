// FeedSink: where a feed writer's bytes go, through one large buffer.
//
// A sink writes a file it creates (with, optionally, a gzip twin compressed in the same
// pass, so a snapshot never needs a second read) or a stream it borrows (stdout). It keeps
// the CRC-32 and size of the plain bytes: with them a snapshot has a strong ETag without
// reading the file again. Writers append to buffer() and call Commit() after each item; the
// sink flushes when the buffer passes its threshold. The first error is remembered, later
// writes are dropped and Finish() returns it. Not thread-safe: one writer per sink.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

class FeedSink {
 public:
  // Creates (or truncates) `path` and, when given, `gzip_path` (zlib level `gzip_level`,
  // 1 fastest to 9 smallest). IoError naming the file when one cannot be created.
  static Result<std::unique_ptr<FeedSink>> ToFile(
      const std::filesystem::path& path,
      const std::optional<std::filesystem::path>& gzip_path = std::nullopt, int gzip_level = 6);
  // Writes to `stream`, which the caller keeps open and closes.
  static std::unique_ptr<FeedSink> ToStream(std::FILE* stream);

  ~FeedSink();
  FeedSink(const FeedSink&) = delete;
  FeedSink& operator=(const FeedSink&) = delete;

  // The pending bytes: append to it, then Commit().
  std::string& buffer() { return buffer_; }
  void Append(std::string_view bytes) { buffer_.append(bytes); }
  // Flushes when the buffer holds more than the threshold (1 MiB).
  void Commit() {
    if (buffer_.size() >= kFlushBytes) Flush();
  }

  // Flushes everything; with `sync`, fsyncs the files (a snapshot about to be renamed into
  // place). Closes what the sink created. Returns the first error (IoError).
  Status Finish(bool sync);

  int64_t bytes() const { return bytes_ + static_cast<int64_t>(buffer_.size()); }
  // CRC-32 of the plain bytes flushed so far (all of them after Finish()).
  uint32_t crc32() const { return crc_; }

 private:
  static constexpr size_t kFlushBytes = size_t{1} << 20;
  struct Gzip;

  FeedSink() = default;
  void Flush();

  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  std::string path_;
  std::unique_ptr<Gzip> gzip_;
  std::string buffer_;
  int64_t bytes_ = 0;
  uint32_t crc_ = 0;
  Status status_;
};

}  // namespace vitrine
