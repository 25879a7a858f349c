#include "leaflet_walk.h"

#include <optional>

namespace vitrine::feeds_internal {
namespace {

// What must be equal for two stores to share one leaflet offer.
std::string PriceSignature(const PublishedOffer& o) {
  auto money = [](const std::optional<Money>& m) { return m ? m->ToFeedString() : "-"; };
  return o.regular_price.ToFeedString() + "|" + o.shelf_price.ToFeedString() + "|" +
         o.effective_unit_price.ToFeedString() + "|" + money(o.unit_price) + "|" +
         o.unit_pricing_base + "|" + money(o.reference_price) + "|" +
         (o.discount_percent ? std::to_string(*o.discount_percent) : "-") + "|" +
         money(o.loyalty_credit) + "|" + o.badge + "|" + o.headline + "|" + o.legal + "|" +
         o.mechanic + "|" + o.mechanic_parameters.dump();
}

struct Group {
  PublishedOffer first;
  std::vector<std::string> stores;
  LocalTime local_begin;
  LocalTime local_end;
};

}  // namespace

Status WalkLeaflet(FeedContext& ctx, LeafletEmitter& emitter, FeedSink& sink) {
  std::vector<std::string> campaign_ids;
  if (!ctx.request.campaign_id.empty()) {
    campaign_ids.push_back(ctx.request.campaign_id);
  } else {
    CampaignQuery query;
    query.status = CampaignStatus::kApproved;
    query.limit = 1000;
    for (;;) {
      auto page = ctx.sources.campaigns->ListCampaigns(query);
      if (!page.ok()) return page.status();
      for (const Campaign& c : page->items) campaign_ids.push_back(c.id);
      if (page->next_after.empty()) break;
      query.after = page->next_after;
    }
  }
  const TimeZone* zone = &TimeZone::Paris();
  ZoneCache zones;
  if (!ctx.request.store_id.empty()) {
    auto store = ctx.sources.catalog->GetStore(ctx.request.store_id);
    if (!store.ok()) return store.status();
    if (*store) zone = &zones.For((*store)->timezone);
  }
  ProductCache products(*ctx.sources.catalog);
  CampaignCache campaigns(*ctx.sources.campaigns);
  std::string& out = sink.buffer();
  emitter.Begin(ctx, out);
  for (const std::string& campaign_id : campaign_ids) {
    auto campaign = campaigns.Get(campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (!*campaign) continue;
    const Campaign& c = **campaign;
    LeafletCampaign header{&c, "", ""};
    const Interval validity = ValidityIn(c, *zone);
    header.valid_from = zone->FormatRfc3339(validity.begin);
    header.valid_to = zone->FormatRfc3339(validity.end);

    OfferScan scan = ctx.scan;
    scan.campaign_id = campaign_id;
    scan.by_key = true;
    bool opened = false;
    std::set<std::string> stores;
    std::string current_offer;
    std::vector<std::pair<std::string, Group>> groups;  // by signature, in order met
    auto flush = [&]() -> Status {
      for (auto& [signature, group] : groups) {
        auto product = products.Get(group.first.product_id);
        if (!product.ok()) return product.status();
        if (!*product) {
          ctx.Skip("unknown_product");
          continue;
        }
        LeafletOffer offer{&group.first,
                           *product,
                           std::move(group.stores),
                           zone->FormatRfc3339(zone->FromLocal(group.local_begin)),
                           zone->FormatRfc3339(zone->FromLocal(group.local_end)),
                           !ctx.request.store_id.empty()};
        emitter.Offer(offer, ctx.settings, out);
        ctx.Wrote();
        sink.Commit();
      }
      groups.clear();
      return Status::Ok();
    };
    Status status = ctx.sources.offers->ScanOffers(scan, [&](const PublishedOffer& o) -> Status {
      if (!opened) {
        emitter.BeginCampaign(header, out);
        opened = true;
      }
      if (o.offer_id != current_offer) {
        VITRINE_RETURN_IF_ERROR(flush());
        current_offer = o.offer_id;
      }
      stores.insert(o.store_id);
      // Stores share an entry over the same local times, whatever their time zone.
      const TimeZone& own = zones.For(o.timezone);
      const LocalTime local_begin = own.ToLocal(o.validity.begin);
      const LocalTime local_end = own.ToLocal(o.validity.end);
      const std::string signature = PriceSignature(o) + "|" +
                                    std::to_string(local_begin.time_since_epoch().count()) + "|" +
                                    std::to_string(local_end.time_since_epoch().count());
      for (auto& [s, group] : groups) {
        if (s == signature) {
          group.stores.push_back(o.store_id);
          return Status::Ok();
        }
      }
      groups.push_back({signature, Group{o, {o.store_id}, local_begin, local_end}});
      return Status::Ok();
    });
    if (!status.ok()) return status;
    VITRINE_RETURN_IF_ERROR(flush());
    if (opened) emitter.EndCampaign(stores, out);
  }
  emitter.End(out);
  return Status::Ok();
}

}  // namespace vitrine::feeds_internal
