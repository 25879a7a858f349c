#include "catalog/feed_pulls.h"

namespace vitrine {

Status CheckFeedPull(const FeedPull& pull) {
  if (pull.feed.empty()) return Status::InvalidArgument("a feed pull needs its feed");
  if (pull.platform.empty()) return Status::InvalidArgument("a feed pull needs its platform");
  return Status::Ok();
}

Status FeedPullLog::RecordPulls(std::span<const FeedPull> pulls) {
  for (const FeedPull& pull : pulls) VITRINE_RETURN_IF_ERROR(RecordPull(pull).status());
  return Status::Ok();
}

BufferedFeedPullLog::BufferedFeedPullLog(FeedPullLog* log, std::chrono::milliseconds interval)
    : log_(log), interval_(interval) {
  writer_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
      lock.unlock();
      (void)Flush();  // a failure keeps the pulls for the next write
      lock.lock();
    }
  });
}

BufferedFeedPullLog::~BufferedFeedPullLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  (void)Flush();
}

Result<int64_t> BufferedFeedPullLog::RecordPull(const FeedPull& pull) {
  VITRINE_RETURN_IF_ERROR(CheckFeedPull(pull));
  std::lock_guard lock(mu_);
  if (pending_.size() >= kMaxPending) {
    pending_.pop_front();
    ++dropped_;
  }
  pending_.push_back(pull);
  return int64_t{0};
}

Status BufferedFeedPullLog::Flush() {
  std::lock_guard write(write_mu_);
  std::vector<FeedPull> batch;
  {
    std::lock_guard lock(mu_);
    batch.assign(std::make_move_iterator(pending_.begin()),
                 std::make_move_iterator(pending_.end()));
    pending_.clear();
  }
  if (batch.empty()) return Status::Ok();
  Status written = log_->RecordPulls(batch);
  if (!written.ok()) {
    // Put back before anything queued meanwhile, keeping the order and the bound.
    std::lock_guard lock(mu_);
    pending_.insert(pending_.begin(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
    while (pending_.size() > kMaxPending) {
      pending_.pop_front();
      ++dropped_;
    }
  }
  return written;
}

Result<std::vector<FeedPull>> BufferedFeedPullLog::ListPulls(const FeedPullQuery& query) {
  VITRINE_RETURN_IF_ERROR(Flush());
  return log_->ListPulls(query);
}

Result<std::vector<FeedPull>> BufferedFeedPullLog::LatestPulls() {
  VITRINE_RETURN_IF_ERROR(Flush());
  return log_->LatestPulls();
}

int64_t BufferedFeedPullLog::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

Status CheckFeedPullQuery(const FeedPullQuery& query) {
  if (query.limit < 1 || query.limit > 1000) {
    return Status::InvalidArgument("limit must be between 1 and 1000");
  }
  if (query.before_seq < 0) return Status::InvalidArgument("before_seq must not be negative");
  return Status::Ok();
}

}  // namespace vitrine
