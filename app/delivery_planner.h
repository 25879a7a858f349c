// DeliveryPlanner: turns what happened into the outbox's deliveries, one destination at a
// time, each in one transaction with the destination's progress.
//
// Everything a destination is owed is derived from durable records, read past the
// destination's own cursors: offer changes from the change feed (after `offer_seq`),
// campaign transitions from the audit log (after `audit_seq`), feed versions from the feed
// snapshots (against `feed_etag`). The delivery and the advanced cursor are written in one
// transaction, so a process that dies before the commit plans the same delivery again after
// restart and one that dies after finds it in the outbox: nothing is lost, nothing is
// planned twice.
//
//   - webhook, "offer.changed": at most one delivery every `batch_seconds`, carrying the
//     changes since the previous one that pass the channel, campaign and store filters (a
//     tombstone passes unless a single-channel filter excludes it; it no longer says which
//     campaign it had). At most kMaxChangesPerMessage changes are listed; a larger batch says
//     how many it had and where to read them (the change feed from `seq_from`).
//   - webhook, "campaign.transitioned": one per transition (submitted, approved, rejected…)
//     of a campaign passing the campaign filter.
//   - webhook, "feed.regenerated": one when one of the full feeds of the destination's
//     channels has new content.
//   - pushes: one when the feed's content changed since the last one enqueued (older pending
//     pushes of the destination are superseded: only the newest version matters), and one
//     every `schedule_seconds` when set.
// Disabled destinations are not planned for (their cursors wait; re-enabling resumes).
// Not thread-safe: one planner per process, run by the process holding the outbound lease.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/outbound.h"
#include "common/status.h"
#include "common/time.h"
#include "store/database.h"

namespace vitrine {

// A feed's current content, as the feed snapshots know it.
struct FeedVersion {
  std::string etag;
  Instant modified{};
};

struct DeliveryPlannerOptions {
  const Clock* clock = nullptr;  // nullptr: the system clock
  // The current version of a feed (FeedName: "google/products.xml?store=S001"), generating
  // it when needed; NotFound for a store or campaign that no longer exists. Without it,
  // pushes and feed events are not planned.
  std::function<Result<FeedVersion>(const std::string& feed)> feed_version;
  // The hub's base URL, for the links in payloads. Default "http://localhost:8080".
  std::string hub_url = "http://localhost:8080";
};

class DeliveryPlanner {
 public:
  static constexpr int kMaxChangesPerMessage = 1000;

  // `db` must outlive the planner.
  DeliveryPlanner(Database& db, DeliveryPlannerOptions options);

  // Plans for every enabled destination; returns how many deliveries were enqueued. A
  // destination that fails to plan is skipped (its cursor does not move) and the first
  // error is returned after the others were planned.
  Result<int> PlanAll();

 private:
  Result<int> PlanOne(const Destination& destination, Instant now);
  Status PlanOfferChanges(const Destination& destination, Instant now, DestinationProgress& next,
                          std::optional<Delivery>& delivery);
  Status PlanCampaignTransitions(const Destination& destination, Instant now,
                                 DestinationProgress& next, std::vector<Delivery>& deliveries);
  Status PlanFeedEvents(const Destination& destination, Instant now, DestinationProgress& next,
                        std::vector<Delivery>& deliveries);
  Status PlanPush(const Destination& destination, Instant now, DestinationProgress& next,
                  std::optional<Delivery>& delivery);
  Delivery NewDelivery(const Destination& destination, std::string event_type, Instant now) const;

  Database& db_;
  const DeliveryPlannerOptions options_;
  // The change feed's pages read during one PlanAll, by (since, channel): destinations whose
  // cursors are equal (every webhook after a burst) share them rather than each reading and
  // decoding the same offers again. At most kMaxKeptPages; emptied when PlanAll returns.
  static constexpr size_t kMaxKeptPages = 32;
  std::map<std::pair<int64_t, std::string>, std::vector<OfferChange>> change_pages_;
};

// Whether `destination` subscribes to `event_type` (an empty list subscribes to all).
bool WantsEvent(const Destination& destination, std::string_view event_type);

}  // namespace vitrine
