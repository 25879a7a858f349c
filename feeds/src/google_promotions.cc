// Google Merchant promotions feed (FORMATS.md §1.3): one item per promotion that has live
// offers on the google channel and a structured value Google understands, so that every
// g:promotion_id of the products feed is defined here (IsGooglePromotion decides for both).
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "feed_internal.h"

namespace vitrine::feeds_internal {
namespace {

struct PromotionSeen {
  std::string campaign_id;
  std::string badge;         // the first offer's, e.g. "-30%"
  std::vector<bool> stores;  // by index in the store list: the stores with an offer of it
};

// Google's store applicability of a promotion: all_stores when every store of the chain has
// an offer of it, else specific_stores with the shorter of the two lists Google accepts,
// the stores included or the stores excluded (never both). Google documents no maximum
// number of codes; the shorter list keeps an item small whatever the scope. `has` holds at
// least one store. Returns whether the promotion holds in every store.
bool AppendStoreApplicability(const std::vector<bool>& has, const std::vector<Store>& stores,
                              std::string& out) {
  const size_t holding = static_cast<size_t>(std::count(has.begin(), has.end(), true));
  if (holding == stores.size()) {
    RawElement(out, "g:store_applicability", "all_stores");
    return true;
  }
  RawElement(out, "g:store_applicability", "specific_stores");
  const bool include = holding <= stores.size() - holding;
  for (size_t i = 0; i < stores.size(); ++i) {
    if (has[i] != include) continue;
    Element(out, include ? "g:store_codes_inclusion" : "g:store_codes_exclusion",
            CleanFeedText(stores[i].id));
  }
  return false;
}

// Whether Google's promotions feed has a structured value for the mechanic type T: the one
// list of the mechanics Google supports, read by AppendValue and IsGooglePromotion alike.
template <typename T>
constexpr bool kGoogleHasValue =
    std::is_same_v<T, PercentOff> || std::is_same_v<T, AmountOff> ||
    std::is_same_v<T, NthItemPercentOff> || std::is_same_v<T, Multibuy>;

bool GoogleHasValue(MechanicKind kind) {
  // KindOf is the variant's index, so the table is indexed by kind.
  static constexpr auto kByKind = []<size_t... I>(std::index_sequence<I...>) {
    return std::array<bool, sizeof...(I)>{
        kGoogleHasValue<std::variant_alternative_t<I, Mechanic>>...};
  }
  (std::make_index_sequence<std::variant_size_v<Mechanic>>());
  return kByKind[static_cast<size_t>(kind)];
}

// The structured value of a promotion; false when Google has none for its mechanic.
bool AppendValue(const Mechanic& mechanic, std::string& out) {
  return std::visit(
      [&out](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (!kGoogleHasValue<T>) {
          return false;
        } else {
          if constexpr (std::is_same_v<T, PercentOff>) {
            RawElement(out, "g:coupon_value_type", "percent_off");
            RawElement(out, "g:percent_off", std::to_string(m.percent));
          } else if constexpr (std::is_same_v<T, AmountOff>) {
            RawElement(out, "g:coupon_value_type", "money_off");
            RawElement(out, "g:money_off_amount", m.amount.ToFeedString());
          } else if constexpr (std::is_same_v<T, NthItemPercentOff>) {
            // "2ème à -50%": buy n − 1, the next one at −r.
            RawElement(out, "g:coupon_value_type", "buy_m_get_n_percent_off");
            RawElement(out, "g:minimum_purchase_quantity", std::to_string(m.n - 1));
            RawElement(out, "g:get_this_quantity_discounted", "1");
            RawElement(out, "g:percent_off", std::to_string(m.percent));
          } else {
            static_assert(std::is_same_v<T, Multibuy>,
                          "kGoogleHasValue lists a mechanic "
                          "AppendValue cannot write");
            // "3 pour 2": buy `pay`, get `buy − pay` free.
            RawElement(out, "g:coupon_value_type", "buy_m_get_n_percent_off");
            RawElement(out, "g:minimum_purchase_quantity", std::to_string(m.pay));
            RawElement(out, "g:get_this_quantity_discounted", std::to_string(m.buy - m.pay));
            RawElement(out, "g:percent_off", "100");
          }
          return true;
        }
      },
      mechanic);
}

}  // namespace

bool IsGooglePromotion(std::string_view mechanic_kind, const Campaign& campaign,
                       std::string_view promotion_id) {
  const std::optional<MechanicKind> kind = ParseMechanicKind(mechanic_kind);
  if (!kind || !GoogleHasValue(*kind)) return false;
  if (campaign.end_local - campaign.start_local > std::chrono::days(183)) return false;
  if (promotion_id.empty() || promotion_id.size() > 50) return false;
  return std::all_of(promotion_id.begin(), promotion_id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

Status WriteGooglePromotions(FeedContext& ctx, FeedSink& sink) {
  auto stores = ctx.sources.catalog->ListAllStores();
  if (!stores.ok()) return stores.status();
  std::unordered_map<std::string, size_t> store_index;
  for (size_t i = 0; i < stores->size(); ++i) store_index.emplace((*stores)[i].id, i);
  CampaignCache campaigns(*ctx.sources.campaigns);
  std::map<std::string, PromotionSeen> promotions;
  Status status = ctx.sources.offers->ScanOffers(ctx.scan, [&](const PublishedOffer& o) -> Status {
    auto campaign = campaigns.Get(o.campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (!*campaign || !IsGooglePromotion(o.mechanic, **campaign, o.promotion_id)) {
      return Status::Ok();
    }
    auto seen = promotions.find(o.promotion_id);
    if (seen == promotions.end()) {
      seen = promotions
                 .emplace(o.promotion_id, PromotionSeen{o.campaign_id, o.badge,
                                                        std::vector<bool>(stores->size(), false)})
                 .first;
    }
    // A store deleted since assembly is no longer one Google can show the promotion in.
    if (auto it = store_index.find(o.store_id); it != store_index.end()) {
      seen->second.stores[it->second] = true;
    }
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
    if (std::find(seen.stores.begin(), seen.stores.end(), true) == seen.stores.end()) {
      ctx.Skip("no_known_store");  // its stores were deleted since assembly
      continue;
    }
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
    const bool every_store = AppendStoreApplicability(seen.stores, *stores, out);
    RawElement(out, "g:promotion_destination", "Local_inventory_ads");
    // Google honours a store restriction on local inventory ads only: a promotion limited to
    // some stores stays off the free listings, which would show it everywhere.
    if (every_store) RawElement(out, "g:promotion_destination", "Free_listings");
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
