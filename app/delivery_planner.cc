#include "app/delivery_planner.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "feeds/feed.h"
#include "feeds/snapshots.h"
#include "server/credentials.h"

namespace vitrine {
namespace {

constexpr char kOfferChanged[] = "offer.changed";
constexpr char kCampaignTransitioned[] = "campaign.transitioned";
constexpr char kFeedRegenerated[] = "feed.regenerated";
constexpr char kFeedPush[] = "feed.push";

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// A change passes the filters when each non-empty filter admits it. A tombstone carries no
// offer: only its store is known, so it passes the channel and campaign filters (a receiver
// that never saw the offer ignores its deletion).
bool PassesFilters(const Destination& d, const OfferChange& change) {
  if (!d.store_ids.empty() && !Contains(d.store_ids, change.store_id)) return false;
  if (!change.offer) return true;
  const PublishedOffer& offer = *change.offer;
  if (!d.campaign_ids.empty() && !Contains(d.campaign_ids, offer.campaign_id)) return false;
  if (!d.channels.empty() &&
      std::none_of(offer.channels.begin(), offer.channels.end(),
                   [&](const std::string& c) { return Contains(d.channels, c); })) {
    return false;
  }
  return true;
}

nlohmann::json Envelope(std::string_view type, Instant now, nlohmann::json data) {
  return {{"type", type}, {"timestamp", FormatUtc(now)}, {"data", std::move(data)}};
}

// The feeds a destination's feed events watch: the full feeds of its channels (all seven
// without a channel filter).
std::vector<FeedKey> WatchedFeeds(const Destination& d) {
  std::vector<FeedKey> keys;
  for (const FeedFormatInfo& info : AllFeedFormats()) {
    if (!d.channels.empty() && !info.channel.empty() && !Contains(d.channels, info.channel)) {
      continue;
    }
    keys.push_back(FeedKey{.format = info.format});
  }
  return keys;
}

}  // namespace

bool WantsEvent(const Destination& destination, std::string_view event_type) {
  return destination.events.empty() || Contains(destination.events, event_type);
}

DeliveryPlanner::DeliveryPlanner(Database& db, DeliveryPlannerOptions options)
    : db_(db), options_(std::move(options)) {}

Result<int> DeliveryPlanner::PlanAll() {
  const Instant now = (options_.clock ? *options_.clock : SystemClock::Instance()).Now();
  Result<std::vector<Destination>> destinations = db_.outbound().ListDestinations();
  if (!destinations.ok()) return destinations.status();
  int planned = 0;
  Status first_error;
  change_pages_.clear();
  for (const Destination& d : *destinations) {
    if (!d.enabled) continue;
    Result<int> n = PlanOne(d, now);
    if (n.ok()) {
      planned += *n;
    } else if (first_error.ok()) {
      first_error = Status(n.status().code(), "destination " + d.id + ": " + n.status().message());
    }
  }
  change_pages_.clear();
  if (!first_error.ok()) return first_error;
  return planned;
}

Result<int> DeliveryPlanner::PlanOne(const Destination& d, Instant now) {
  DestinationProgress next{d.offer_seq, d.audit_seq, d.feed_etag, d.next_batch_at};
  std::vector<Delivery> deliveries;
  bool supersede = false;
  if (d.kind == DestinationKind::kWebhook) {
    if (WantsEvent(d, kOfferChanged)) {
      std::optional<Delivery> batch;
      VITRINE_RETURN_IF_ERROR(PlanOfferChanges(d, now, next, batch));
      if (batch) deliveries.push_back(std::move(*batch));
    }
    if (WantsEvent(d, kCampaignTransitioned)) {
      VITRINE_RETURN_IF_ERROR(PlanCampaignTransitions(d, now, next, deliveries));
    }
    if (WantsEvent(d, kFeedRegenerated)) {
      VITRINE_RETURN_IF_ERROR(PlanFeedEvents(d, now, next, deliveries));
    }
  } else {
    std::optional<Delivery> push;
    VITRINE_RETURN_IF_ERROR(PlanPush(d, now, next, push));
    if (push) deliveries.push_back(std::move(*push));
    supersede = true;
  }
  if (deliveries.empty() && next.offer_seq == d.offer_seq && next.audit_seq == d.audit_seq &&
      next.feed_etag == d.feed_etag && next.next_batch_at == d.next_batch_at) {
    return 0;
  }
  OutboundRepository& outbound = db_.outbound();
  VITRINE_RETURN_IF_ERROR(db_.Transaction([&]() -> Status {
    for (const Delivery& delivery : deliveries) {
      VITRINE_RETURN_IF_ERROR(outbound.EnqueueDelivery(delivery, supersede).status());
    }
    return outbound.SetDestinationProgress(d.id, next);
  }));
  return static_cast<int>(deliveries.size());
}

Delivery DeliveryPlanner::NewDelivery(const Destination& d, std::string event_type,
                                      Instant now) const {
  Delivery delivery;
  delivery.destination_id = d.id;
  delivery.message_id = "msg_" + RandomHex(12);
  delivery.event_type = std::move(event_type);
  delivery.next_at = now;
  delivery.created_at = now;
  return delivery;
}

Status DeliveryPlanner::PlanOfferChanges(const Destination& d, Instant now,
                                         DestinationProgress& next,
                                         std::optional<Delivery>& delivery) {
  if (now < d.next_batch_at) return Status::Ok();
  OfferRepository& offers = db_.offers();
  Result<int64_t> last = offers.LastSeq();
  if (!last.ok()) return last.status();
  if (*last <= d.offer_seq) return Status::Ok();
  // A single channel is filtered by the repository (tombstones of that channel's offers
  // included); several are filtered here.
  const std::string channel = d.channels.size() == 1 ? d.channels.front() : std::string();
  nlohmann::json listed = nlohmann::json::array();
  int64_t count = 0;
  int64_t first_seq = 0;
  int64_t seq = d.offer_seq;
  // Changes committed after `last` was read may follow on a page: they are left for the next
  // round (the cursor stops at `last`), not skipped.
  bool past_last = false;
  while (seq < *last && !past_last) {
    // A page another destination read in this round is reused. An offer changed again
    // since then is listed under its old seq too: a receiver may see it twice (at least
    // once), never miss it, since the cursor still reaches `last` through fresh pages.
    // Only the first pages of a round are kept: a destination far behind (re-enabled after
    // a full re-assembly) streams through its backlog without holding it in memory.
    std::vector<OfferChange> uncached;
    const std::vector<OfferChange>* page = nullptr;
    if (auto cached = change_pages_.find({seq, channel}); cached != change_pages_.end()) {
      page = &cached->second;
    } else {
      Result<std::vector<OfferChange>> read = offers.ListChanges(seq, 1000, channel);
      if (!read.ok()) return read.status();
      if (read->empty()) break;
      if (change_pages_.size() < kMaxKeptPages) {
        page = &change_pages_.emplace(std::pair{seq, channel}, std::move(*read)).first->second;
      } else {
        uncached = std::move(*read);
        page = &uncached;
      }
    }
    for (const OfferChange& change : *page) {
      if (change.seq > *last) {
        past_last = true;
        break;
      }
      seq = change.seq;
      if (!PassesFilters(d, change)) continue;
      if (first_seq == 0) first_seq = change.seq;
      ++count;
      if (listed.size() >= static_cast<size_t>(kMaxChangesPerMessage)) continue;
      nlohmann::json item = {{"seq", change.seq},
                             {"offer_id", change.offer_id},
                             {"store_id", change.store_id},
                             {"deleted", change.deleted}};
      if (change.offer) {
        // Thin: what a receiver needs to decide whether to fetch the offer.
        const PublishedOffer& o = *change.offer;
        item["campaign_id"] = o.campaign_id;
        item["product_id"] = o.product_id;
        item["shelf_price"] = o.shelf_price.ToFeedString();
        item["regular_price"] = o.regular_price.ToFeedString();
        item["stock_quantity"] = o.stock_quantity;
        item["availability"] = AvailabilityName(o.availability);
        item["version"] = o.version;
      }
      listed.push_back(std::move(item));
    }
  }
  next.offer_seq = std::max(seq, *last);
  if (count == 0) return Status::Ok();
  const std::string since = std::to_string(first_seq - 1);
  nlohmann::json data = {
      {"seq_from", first_seq},
      {"seq_to", next.offer_seq},
      {"count", count},
      {"complete", count == static_cast<int64_t>(listed.size())},
      {"changes_url", options_.hub_url + "/api/v1/offers/changes?since=" + since +
                          (channel.empty() ? "" : "&channel=" + channel)},
      {"changes", std::move(listed)}};
  delivery = NewDelivery(d, kOfferChanged, now);
  delivery->seq_from = first_seq;
  delivery->seq_to = next.offer_seq;
  delivery->payload = Envelope(kOfferChanged, now, std::move(data)).dump();
  next.next_batch_at = now + std::chrono::seconds(std::max(d.batch_seconds, 0));
  return Status::Ok();
}

Status DeliveryPlanner::PlanCampaignTransitions(const Destination& d, Instant now,
                                                DestinationProgress& next,
                                                std::vector<Delivery>& deliveries) {
  // The audit log reads newest first: collect back to the cursor, then plan oldest first.
  std::vector<AuditEntry> entries;
  int64_t before = 0;
  int64_t newest = d.audit_seq;
  bool reached = false;
  while (!reached) {
    Result<std::vector<AuditEntry>> page =
        db_.audit().ListAudit(AuditQuery{.entity = "campaign", .before_seq = before, .limit = 500});
    if (!page.ok()) return page.status();
    for (const AuditEntry& e : *page) {
      if (e.seq <= d.audit_seq) {
        reached = true;
        break;
      }
      newest = std::max(newest, e.seq);
      if (e.action == "transition") entries.push_back(e);
    }
    if (page->size() < 500) break;
    before = page->back().seq;
  }
  next.audit_seq = newest;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const AuditEntry& e = *it;
    if (!d.campaign_ids.empty() && !Contains(d.campaign_ids, e.entity_id)) continue;
    const auto status_of = [](const nlohmann::json& j) {
      return j.is_object() && j.contains("status") ? j["status"] : nlohmann::json();
    };
    nlohmann::json data = {{"campaign_id", e.entity_id}, {"from", status_of(e.before)},
                           {"to", status_of(e.after)},   {"actor", e.actor},
                           {"at", FormatUtc(e.at)},      {"audit_seq", e.seq}};
    Delivery delivery = NewDelivery(d, kCampaignTransitioned, now);
    delivery.seq_from = delivery.seq_to = e.seq;
    delivery.payload = Envelope(kCampaignTransitioned, now, std::move(data)).dump();
    deliveries.push_back(std::move(delivery));
  }
  return Status::Ok();
}

Status DeliveryPlanner::PlanFeedEvents(const Destination& d, Instant now, DestinationProgress& next,
                                       std::vector<Delivery>& deliveries) {
  if (!options_.feed_version) return Status::Ok();
  // feed_etag holds {"feed name": etag} of the versions already announced.
  nlohmann::json seen = nlohmann::json::parse(d.feed_etag, nullptr, false);
  if (!seen.is_object()) seen = nlohmann::json::object();
  const bool first = d.feed_etag.empty();
  for (const FeedKey& key : WatchedFeeds(d)) {
    const std::string name = FeedName(key);
    Result<FeedVersion> version = options_.feed_version(name);
    if (!version.ok()) return version.status();
    if (seen.value(name, "") == version->etag) continue;
    seen[name] = version->etag;
    if (first) continue;  // the versions current at creation are not news
    nlohmann::json data = {{"feed", name},
                           {"url", options_.hub_url + "/feeds/" + name},
                           {"etag", version->etag},
                           {"modified", FormatUtc(version->modified)}};
    Delivery delivery = NewDelivery(d, kFeedRegenerated, now);
    delivery.payload = Envelope(kFeedRegenerated, now, std::move(data)).dump();
    deliveries.push_back(std::move(delivery));
  }
  next.feed_etag = seen.dump();
  return Status::Ok();
}

Status DeliveryPlanner::PlanPush(const Destination& d, Instant now, DestinationProgress& next,
                                 std::optional<Delivery>& delivery) {
  if (!options_.feed_version) return Status::Ok();
  Result<FeedVersion> version = options_.feed_version(d.feed);
  if (!version.ok()) return version.status();
  const bool changed = version->etag != d.feed_etag;
  const bool scheduled = d.schedule_seconds > 0 && now >= d.next_batch_at;
  if (!changed && !scheduled) return Status::Ok();
  delivery = NewDelivery(d, kFeedPush, now);
  delivery->payload = version->etag;
  next.feed_etag = version->etag;
  if (d.schedule_seconds > 0) next.next_batch_at = now + std::chrono::seconds(d.schedule_seconds);
  return Status::Ok();
}

}  // namespace vitrine
