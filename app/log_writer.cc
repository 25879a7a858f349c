#include "log_writer.h"

#include <unistd.h>

#include <cerrno>

namespace vitrine {

LogWriter::LogWriter(int fd, size_t batch_bytes, std::chrono::milliseconds delay)
    : fd_(fd), batch_bytes_(batch_bytes), delay_(delay), thread_([this] { Run(); }) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void LogWriter::Write(std::string_view line) {
  bool first;
  bool full;
  {
    std::lock_guard lock(mu_);
    first = pending_.empty();
    pending_.append(line).push_back('\n');
    full = pending_.size() >= batch_bytes_;
  }
  if (first || full) wake_.notify_one();
}

void LogWriter::Run() {
  std::string batch;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    // Give the batch time to fill, unless it is full already or we are stopping.
    wake_.wait_for(lock, delay_, [this] { return stopping_ || pending_.size() >= batch_bytes_; });
    batch.swap(pending_);
    const bool stop = stopping_;
    lock.unlock();
    for (size_t done = 0; done < batch.size();) {
      const ssize_t n = ::write(fd_, batch.data() + done, batch.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // nowhere left to report it: the lines are dropped
      done += static_cast<size_t>(n);
    }
    batch.clear();
    lock.lock();
    if (stop && pending_.empty()) return;
  }
}

}  // namespace vitrine
