// The leaflet feed in XML (FORMATS.md §3, docs/feeds.md, docs/feeds/leaflet.rng): the same
// content as the JSON, element for field.
#include <nlohmann/json.hpp>

#include "leaflet_walk.h"

namespace vitrine::feeds_internal {
namespace {

void Attribute(std::string& out, std::string_view name, std::string_view clean) {
  out += ' ';
  out += name;
  out += "=\"";
  AppendXmlEscaped(clean, &out);
  out += '"';
}

void OptionalElement(std::string& out, std::string_view name, std::string_view text) {
  const std::string clean = CleanFeedText(text);
  if (!clean.empty()) Element(out, name, clean);
}

void OptionalMoney(std::string& out, std::string_view name, const std::optional<Money>& m) {
  if (m) RawElement(out, name, m->ToFeedString());
}

// A parameter's value: a scalar as written, an object or array as its JSON text.
std::string ParameterText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class XmlEmitter final : public LeafletEmitter {
 public:
  void Begin(const FeedContext& ctx, std::string& out) override {
    out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<leaflet version=\"1\"";
    Attribute(out, "generated_at", FormatUtc(ctx.request.as_of.value_or(ctx.request.now)));
    if (!ctx.request.store_id.empty()) {
      Attribute(out, "store", CleanFeedText(ctx.request.store_id));
    }
    if (!ctx.request.campaign_id.empty()) {
      Attribute(out, "campaign", CleanFeedText(ctx.request.campaign_id));
    }
    out += ">\n";
  }

  void BeginCampaign(const LeafletCampaign& c, std::string& out) override {
    out += "<campaign";
    Attribute(out, "id", CleanFeedText(c.campaign->id));
    out += ">\n";
    Element(out, "title", CleanFeedText(c.campaign->name));
    Element(out, "description", CleanFeedText(c.campaign->description));
    RawElement(out, "valid_from", c.valid_from);
    RawElement(out, "valid_to", c.valid_to);
    RawElement(out, "display_from", c.valid_from);
    RawElement(out, "display_to", c.valid_to);
    out += "<offers>\n";
  }

  void Offer(const LeafletOffer& lo, const FeedSettings& settings, std::string& out) override {
    const PublishedOffer& o = *lo.offer;
    const Product& p = *lo.product;
    out += "<offer";
    Attribute(out, "id", CleanFeedText(o.offer_id));
    Attribute(out, "promotion_id", CleanFeedText(o.promotion_id));
    Attribute(out, "product_id", CleanFeedText(o.product_id));
    out += ">\n";
    if (auto gtin = PlatformGtin(p)) RawElement(out, "gtin", *gtin);
    Element(out, "title", FeedText(p.title, 150));
    OptionalElement(out, "brand", p.brand);
    OptionalElement(out, "image_url", p.image_url);
    out += "<stores>\n";
    for (const std::string& s : lo.stores) Element(out, "store", CleanFeedText(s));
    out += "</stores>\n";
    RawElement(out, "valid_from", lo.valid_from);
    RawElement(out, "valid_to", lo.valid_to);
    out += "<prices>\n";
    RawElement(out, "regular", o.regular_price.ToFeedString());
    RawElement(out, "shelf", o.shelf_price.ToFeedString());
    RawElement(out, "effective_unit", o.effective_unit_price.ToFeedString());
    OptionalMoney(out, "reference", o.reference_price);
    if (o.discount_percent)
      RawElement(out, "discount_percent", std::to_string(*o.discount_percent));
    if (o.unit_price) {
      out += "<unit_price";
      Attribute(out, "base", CleanFeedText(o.unit_pricing_base));
      out += '>';
      out += o.unit_price->ToFeedString();
      out += "</unit_price>\n";
    }
    out += "</prices>\n<mechanic";
    Attribute(out, "type", CleanFeedText(o.mechanic));
    out += ">\n";
    Element(out, "badge", CleanFeedText(o.badge));
    if (o.mechanic_parameters.is_object()) {
      for (const auto& [name, value] : o.mechanic_parameters.items()) {
        out += "<parameter";
        Attribute(out, "name", CleanFeedText(name));
        out += '>';
        AppendXmlEscaped(CleanFeedText(ParameterText(value)), &out);
        out += "</parameter>\n";
      }
    }
    out += "</mechanic>\n";
    Element(out, "headline", CleanFeedText(o.headline));
    RawElement(out, "loyalty",
               o.loyalty_credit.has_value() || o.mechanic == "loyalty_credit" ? "true" : "false");
    OptionalMoney(out, "loyalty_credit", o.loyalty_credit);
    Element(out, "legal", CleanFeedText(o.legal));
    out += "<creatives>\n";
    for (const std::string& format : settings.creative_formats) {
      out += "<creative";
      Attribute(out, "format", CleanFeedText(format));
      out += '>';
      AppendXmlEscaped(CreativeUrl(settings, o.offer_id, lo.stores.front(), format), &out);
      out += "</creative>\n";
    }
    out += "</creatives>\n";
    if (lo.with_availability) {
      out += "<availability";
      Attribute(out, "status", AvailabilityName(o.availability));
      Attribute(out, "quantity", std::to_string(std::max<int64_t>(0, o.stock_quantity)));
      out += "/>\n";
    }
    out += "</offer>\n";
  }

  void EndCampaign(const std::set<std::string>& stores, std::string& out) override {
    out += "</offers>\n<stores>\n";
    for (const std::string& s : stores) Element(out, "store", CleanFeedText(s));
    out += "</stores>\n</campaign>\n";
  }

  void End(std::string& out) override { out += "</leaflet>\n"; }
};

}  // namespace

Status WriteLeafletXml(FeedContext& ctx, FeedSink& sink) {
  XmlEmitter emitter;
  return WalkLeaflet(ctx, emitter, sink);
}

}  // namespace vitrine::feeds_internal
