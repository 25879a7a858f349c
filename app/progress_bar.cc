#include "progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace vitrine {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(uint64_t bytes_done, uint64_t total_bytes) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double mib = bytes_done / 1048576.0;
  const double rate = seconds > 0 ? mib / seconds : 0;
  if (total_bytes > 0) {
    constexpr int kWidth = 30;
    const double fraction = std::min(1.0, static_cast<double>(bytes_done) / total_bytes);
    const int filled = static_cast<int>(fraction * kWidth);
    std::fprintf(stderr, "\r%s [%s%s] %3d%%  %.1f / %.1f MiB  %.1f MiB/s ", label_.c_str(),
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
                 static_cast<int>(fraction * 100), mib, total_bytes / 1048576.0, rate);
  } else {
    std::fprintf(stderr, "\r%s %.1f MiB  %.1f MiB/s ", label_.c_str(), mib, rate);
  }
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (!enabled_ || !drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace vitrine
