// The leaflet feeds' walk over campaigns and their offers, shared by the JSON and XML
// writers (FORMATS.md §3, docs/feeds.md). Private to feeds/.
//
// Campaigns in id order (approved ones, or the one asked for), each with the offers of the
// leaflet channel in (offer, store) order. Stores that show one offer at the same prices and
// texts are grouped into one leaflet offer with their store codes; a campaign's store list
// closes it. Memory: one offer's store groups and one campaign's store set at a time.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "feed_internal.h"

namespace vitrine::feeds_internal {

struct LeafletCampaign {
  const Campaign* campaign = nullptr;
  std::string valid_from;  // RFC 3339 with the offset of the store asked for, else Paris
  std::string valid_to;
};

struct LeafletOffer {
  const PublishedOffer* offer = nullptr;  // the first store's offer of the group
  const Product* product = nullptr;       // nullptr: the product was deleted since assembly
  std::vector<std::string> stores;        // sorted
  // The offer's own validity, which may be a stretch of the campaign's (a loyalty credit
  // stacked from part way): its local times with the offset of the campaign's header.
  std::string valid_from;
  std::string valid_to;
  bool with_availability = false;  // a store= feed: availability of that store
};

class LeafletEmitter {
 public:
  virtual ~LeafletEmitter() = default;
  virtual void Begin(const FeedContext& ctx, std::string& out) = 0;
  virtual void BeginCampaign(const LeafletCampaign& c, std::string& out) = 0;
  virtual void Offer(const LeafletOffer& o, const FeedSettings& settings, std::string& out) = 0;
  virtual void EndCampaign(const std::set<std::string>& stores, std::string& out) = 0;
  virtual void End(std::string& out) = 0;
};

Status WalkLeaflet(FeedContext& ctx, LeafletEmitter& emitter, FeedSink& sink);

}  // namespace vitrine::feeds_internal
