// Google Merchant promotions feed (FORMATS.md §1.3): one item per promotion that has live
// offers on the google channel and a structured value Google understands, so that every
// g:promotion_id of the products feed is defined here (IsGooglePromotion decides for both).
#include <variant>

#include "feed_internal.h"

namespace vitrine::feeds_internal {
namespace {

struct PromotionSeen {
  std::string campaign_id;
  std::string badge;  // the first offer's, e.g. "-30%"
};

// The structured value of a promotion; false when Google has none for its mechanic.
bool AppendValue(const Mechanic& mechanic, std::string& out) {
  if (auto* m = std::get_if<PercentOff>(&mechanic)) {
    RawElement(out, "g:coupon_value_type", "percent_off");
    RawElement(out, "g:percent_off", std::to_string(m->percent));
    return true;
  }
  if (auto* m = std::get_if<AmountOff>(&mechanic)) {
    RawElement(out, "g:coupon_value_type", "money_off");
    RawElement(out, "g:money_off_amount", m->amount.ToFeedString());
    return true;
  }
  // "2ème à -50%": buy n − 1, the next one at −r.
  if (auto* m = std::get_if<NthItemPercentOff>(&mechanic)) {
    RawElement(out, "g:coupon_value_type", "buy_m_get_n_percent_off");
    RawElement(out, "g:minimum_purchase_quantity", std::to_string(m->n - 1));
    RawElement(out, "g:get_this_quantity_discounted", "1");
    RawElement(out, "g:percent_off", std::to_string(m->percent));
    return true;
  }
  // "3 pour 2": buy `pay`, get `buy − pay` free.
  if (auto* m = std::get_if<Multibuy>(&mechanic)) {
    RawElement(out, "g:coupon_value_type", "buy_m_get_n_percent_off");
    RawElement(out, "g:minimum_purchase_quantity", std::to_string(m->pay));
    RawElement(out, "g:get_this_quantity_discounted", std::to_string(m->buy - m->pay));
    RawElement(out, "g:percent_off", "100");
    return true;
  }
  return false;
}

}  // namespace

Status WriteGooglePromotions(FeedContext& ctx, FeedSink& sink) {
  CampaignCache campaigns(*ctx.sources.campaigns);
  std::map<std::string, PromotionSeen> promotions;
  Status status = ctx.sources.offers->ScanOffers(ctx.scan, [&](const PublishedOffer& o) -> Status {
    auto campaign = campaigns.Get(o.campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (!*campaign || !IsGooglePromotion(o.mechanic, **campaign, o.promotion_id)) {
      return Status::Ok();
    }
    promotions.try_emplace(o.promotion_id, PromotionSeen{o.campaign_id, o.badge});
    return Status::Ok();
  });
  if (!status.ok()) return status;

  std::string& out = sink.buffer();
  OpenRss(out, ctx.settings, "Promotions");
  std::string listed_campaign;
  std::map<std::string, Promotion> by_id;
  for (const auto& [promotion_id, seen] : promotions) {
    if (!by_id.count(promotion_id)) {
      auto list = ctx.sources.campaigns->ListPromotions(seen.campaign_id);
      if (!list.ok()) return list.status();
      for (Promotion& p : *list) by_id.emplace(p.id, std::move(p));
    }
    auto promotion = by_id.find(promotion_id);
    auto campaign = campaigns.Get(seen.campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (promotion == by_id.end() || !*campaign) {
      ctx.Skip("unknown_promotion");
      continue;
    }
    const Campaign& c = **campaign;
    std::string value;
    if (!AppendValue(promotion->second.mechanic, value)) {
      ctx.Skip("no_structured_value");
      continue;
    }
    out += "<item>\n";
    RawElement(out, "g:promotion_id", promotion_id);
    RawElement(out, "g:product_applicability", "specific_products");
    RawElement(out, "g:offer_type", "no_code");
    const std::string badge = promotion->second.badge_override.value_or(seen.badge);
    Element(out, "g:long_title", FeedText(badge + " : " + c.name, 60));
    // The campaign runs on each store's wall clock; the head office's zone dates it here.
    Element(out, "g:promotion_effective_dates",
            PromotionEffectiveDates(ValidityIn(c, TimeZone::Paris()), TimeZone::Paris()));
    RawElement(out, "g:redemption_channel", "in_store");
    RawElement(out, "g:promotion_destination", "Local_inventory_ads");
    RawElement(out, "g:promotion_destination", "Free_listings");
    Element(out, "g:target_country", FeedText(ctx.settings.country, 2));
    out += value;
    out += "</item>\n";
    ctx.Wrote();
    sink.Commit();
  }
  CloseRss(out);
  return Status::Ok();
}

}  // namespace vitrine::feeds_internal
