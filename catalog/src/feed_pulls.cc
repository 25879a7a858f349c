#include "catalog/feed_pulls.h"

namespace vitrine {

Status CheckFeedPull(const FeedPull& pull) {
  if (pull.feed.empty()) return Status::InvalidArgument("a feed pull needs its feed");
  if (pull.platform.empty()) return Status::InvalidArgument("a feed pull needs its platform");
  return Status::Ok();
}

Status CheckFeedPullQuery(const FeedPullQuery& query) {
  if (query.limit < 1 || query.limit > 1000) {
    return Status::InvalidArgument("limit must be between 1 and 1000");
  }
  if (query.before_seq < 0) return Status::InvalidArgument("before_seq must not be negative");
  return Status::Ok();
}

}  // namespace vitrine
