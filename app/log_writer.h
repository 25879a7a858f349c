// LogWriter: the server's log lines (one JSON object each) written to a file descriptor in
// batches, by a thread of its own.
//
// One write(2) per request line was a tenth of the system calls of a GET under load; the
// request thread now only appends to a buffer, and the writer thread flushes it when it holds
// `batch_bytes`, or `delay` after its first line, whichever comes first. Lines are written
// whole, in the order they were given. Destruction flushes what is left. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace vitrine {

class LogWriter {
 public:
  explicit LogWriter(int fd, size_t batch_bytes = 64 * 1024,
                     std::chrono::milliseconds delay = std::chrono::milliseconds(50));
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Queues `line` and a newline.
  void Write(std::string_view line);

 private:
  void Run();

  // Constant after construction.
  const int fd_;
  const size_t batch_bytes_;
  const std::chrono::milliseconds delay_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::string pending_;    // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace vitrine
