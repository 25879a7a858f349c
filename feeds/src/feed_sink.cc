#include "feeds/feed_sink.h"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace vitrine {

// The gzip twin: a deflate stream in gzip framing written to its own file.
struct FeedSink::Gzip {
  z_stream z{};
  std::FILE* file = nullptr;
  std::string path;
  std::string out = std::string(size_t{1} << 18, '\0');
  bool open = false;

  ~Gzip() {
    if (open) deflateEnd(&z);
    if (file) std::fclose(file);
  }

  // Compresses `bytes` (flush: Z_NO_FLUSH or Z_FINISH) into the file.
  bool Write(std::string_view bytes, int flush) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    do {
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      const int rc = deflate(&z, flush);
      if (rc == Z_STREAM_ERROR) return false;
      const size_t have = out.size() - z.avail_out;
      if (have > 0 && std::fwrite(out.data(), 1, have, file) != have) return false;
      if (flush == Z_FINISH && rc == Z_STREAM_END) return true;
    } while (z.avail_out == 0 || (flush == Z_FINISH));
    return true;
  }
};

namespace {
Status FileError(const std::string& what, const std::string& path) {
  return Status::IoError(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

Result<std::unique_ptr<FeedSink>> FeedSink::ToFile(
    const std::filesystem::path& path, const std::optional<std::filesystem::path>& gzip_path,
    int gzip_level) {
  std::unique_ptr<FeedSink> sink(new FeedSink());
  sink->path_ = path.string();
  sink->file_ = std::fopen(sink->path_.c_str(), "wb");
  if (!sink->file_) return FileError("cannot create", sink->path_);
  sink->owns_file_ = true;
  if (gzip_path) {
    auto gz = std::make_unique<Gzip>();
    gz->path = gzip_path->string();
    gz->file = std::fopen(gz->path.c_str(), "wb");
    if (!gz->file) return FileError("cannot create", gz->path);
    // windowBits 15 + 16: gzip framing, which Content-Encoding: gzip means.
    if (deflateInit2(&gz->z, gzip_level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return Status::Internal("zlib deflateInit2 failed");
    }
    gz->open = true;
    sink->gzip_ = std::move(gz);
  }
  sink->buffer_.reserve(kFlushBytes + (kFlushBytes >> 2));
  return sink;
}

std::unique_ptr<FeedSink> FeedSink::ToStream(std::FILE* stream) {
  std::unique_ptr<FeedSink> sink(new FeedSink());
  sink->file_ = stream;
  sink->path_ = "the output stream";
  sink->buffer_.reserve(kFlushBytes + (kFlushBytes >> 2));
  return sink;
}

FeedSink::~FeedSink() {
  if (owns_file_ && file_) std::fclose(file_);
}

void FeedSink::Flush() {
  if (buffer_.empty()) return;
  if (status_.ok()) {
    crc_ = static_cast<uint32_t>(
        ::crc32(crc_, reinterpret_cast<const Bytef*>(buffer_.data()), buffer_.size()));
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      status_ = FileError("cannot write", path_);
    } else if (gzip_ && !gzip_->Write(buffer_, Z_NO_FLUSH)) {
      status_ = FileError("cannot write", gzip_->path);
    }
  }
  bytes_ += static_cast<int64_t>(buffer_.size());
  buffer_.clear();
}

Status FeedSink::Finish(bool sync) {
  Flush();
  auto finish_file = [&](std::FILE*& file, const std::string& path, bool close) {
    if (!file) return;
    if (status_.ok() && std::fflush(file) != 0) status_ = FileError("cannot write", path);
    if (status_.ok() && sync && ::fsync(::fileno(file)) != 0) {
      status_ = FileError("cannot sync", path);
    }
    if (close) {
      if (std::fclose(file) != 0 && status_.ok()) status_ = FileError("cannot close", path);
      file = nullptr;
    }
  };
  if (gzip_) {
    if (status_.ok() && !gzip_->Write({}, Z_FINISH))
      status_ = FileError("cannot write", gzip_->path);
    finish_file(gzip_->file, gzip_->path, true);
  }
  finish_file(file_, path_, owns_file_);
  if (owns_file_) owns_file_ = false;
  return status_;
}

}  // namespace vitrine
