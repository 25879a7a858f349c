// ProgressBar: a one-line bar on standard error for long work (imports, builds), shown only
// when stderr is a terminal so logs and pipes stay clean. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vitrine {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();

  // Redraws at most ten times a second. `total_bytes` 0 means unknown (no percentage).
  void Update(uint64_t bytes_done, uint64_t total_bytes);
  // Clears the line.
  void Finish();

  bool enabled() const { return enabled_; }

 private:
  const std::string label_;
  const bool enabled_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace vitrine
