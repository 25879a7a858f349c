// The leaflet feed in JSON (FORMATS.md §3, docs/feeds.md, docs/feeds/leaflet.schema.json):
// written one campaign header and one offer object at a time.
#include <nlohmann/json.hpp>

#include "leaflet_walk.h"

namespace vitrine::feeds_internal {
namespace {

using nlohmann::json;

json Text(std::string_view text) { return CleanFeedText(text); }
json OptionalText(std::string_view text) {
  std::string clean = CleanFeedText(text);
  return clean.empty() ? json() : json(std::move(clean));
}
json OptionalMoney(const std::optional<Money>& m) { return m ? json(m->ToFeedString()) : json(); }
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

class JsonEmitter final : public LeafletEmitter {
 public:
  void Begin(const FeedContext& ctx, std::string& out) override {
    json head = {{"format", "vitrine-leaflet"},
                 {"version", 1},
                 {"generated_at", FormatUtc(ctx.request.as_of.value_or(ctx.request.now))},
                 {"store", OptionalText(ctx.request.store_id)},
                 {"campaign", OptionalText(ctx.request.campaign_id)}};
    std::string text = Dump(head);
    text.pop_back();  // reopen the object to stream the campaigns into it
    out += text;
    out += ",\"campaigns\":[\n";
  }

  void BeginCampaign(const LeafletCampaign& c, std::string& out) override {
    if (campaigns_++ > 0) out += ",\n";
    json head = {{"id", Text(c.campaign->id)},
                 {"title", Text(c.campaign->name)},
                 {"description", Text(c.campaign->description)},
                 {"valid_from", c.valid_from},
                 {"valid_to", c.valid_to},
                 // Campaigns carry no separate display window yet: shown while valid.
                 {"display_from", c.valid_from},
                 {"display_to", c.valid_to}};
    std::string text = Dump(head);
    text.pop_back();
    out += text;
    out += ",\"offers\":[\n";
    offers_ = 0;
  }

  void Offer(const LeafletOffer& lo, const FeedSettings& settings, std::string& out) override {
    const PublishedOffer& o = *lo.offer;
    const Product& p = *lo.product;
    const std::optional<std::string> gtin = PlatformGtin(p);
    json creatives = json::object();
    for (const std::string& format : settings.creative_formats) {
      creatives[format] = CreativeUrl(settings, o.offer_id, lo.stores.front(), format);
    }
    json offer = {
        {"offer_id", Text(o.offer_id)},
        {"promotion_id", Text(o.promotion_id)},
        {"product_id", Text(o.product_id)},
        {"gtin", gtin ? json(*gtin) : json()},
        {"title", FeedText(p.title, 150)},
        {"brand", OptionalText(p.brand)},
        {"image_url", OptionalText(p.image_url)},
        {"stores", lo.stores},
        {"valid_from", lo.valid_from},
        {"valid_to", lo.valid_to},
        {"prices",
         {{"regular", o.regular_price.ToFeedString()},
          {"shelf", o.shelf_price.ToFeedString()},
          {"effective_unit", o.effective_unit_price.ToFeedString()},
          {"reference", OptionalMoney(o.reference_price)},
          {"discount_percent", o.discount_percent ? json(*o.discount_percent) : json()},
          {"unit_price", OptionalMoney(o.unit_price)},
          {"unit_pricing_base", OptionalText(o.unit_pricing_base)}}},
        {"mechanic",
         {{"type", o.mechanic}, {"parameters", o.mechanic_parameters}, {"badge", Text(o.badge)}}},
        {"headline", Text(o.headline)},
        {"loyalty", o.loyalty_credit.has_value() || o.mechanic == "loyalty_credit"},
        {"loyalty_credit", OptionalMoney(o.loyalty_credit)},
        {"legal", Text(o.legal)},
        {"creatives", std::move(creatives)}};
    if (lo.with_availability) {
      offer["availability"] = {{"status", AvailabilityName(o.availability)},
                               {"quantity", std::max<int64_t>(0, o.stock_quantity)}};
    }
    if (offers_++ > 0) out += ",\n";
    out += Dump(offer);
  }

  void EndCampaign(const std::set<std::string>& stores, std::string& out) override {
    json list = json::array();
    for (const std::string& s : stores) list.push_back(Text(s));
    out += "\n],\"stores\":";
    out += Dump(list);
    out += "}";
  }

  void End(std::string& out) override { out += "\n]}\n"; }

 private:
  int64_t campaigns_ = 0;
  int64_t offers_ = 0;
};

}  // namespace

Status WriteLeafletJson(FeedContext& ctx, FeedSink& sink) {
  JsonEmitter emitter;
  return WalkLeaflet(ctx, emitter, sink);
}

}  // namespace vitrine::feeds_internal
