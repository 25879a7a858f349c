// Google Merchant Center products feed (FORMATS.md §1.1): one item per promoted product.
#include "feed_internal.h"

namespace vitrine::feeds_internal {
namespace {

// Google's unit_pricing_base_measure accepts 1, 10, 100, 2, 4 or 8 of a unit, or 75cl,
// 750ml, 50kg and 1000kg.
bool IsGoogleBaseMeasure(std::string_view m) {
  if (m == "75cl" || m == "750ml" || m == "50kg" || m == "1000kg") return true;
  for (std::string_view n : {"100", "10", "1", "2", "4", "8"}) {
    if (m.starts_with(n) && m.size() > n.size() &&
        std::isalpha(static_cast<unsigned char>(m[n.size()]))) {
      return true;
    }
  }
  return false;
}

}  // namespace

Status WriteGoogleProducts(FeedContext& ctx, FeedSink& sink) {
  return WritePromotedProducts(
      ctx, sink, 50, 150,
      [&](const Product& product, const ProductOffer& offer, const std::string& title,
          ZoneCache& zones, std::string& out) {
        const Product* p = &product;
        out += "<item>\n";
        Element(out, "g:id", p->id);
        Element(out, "g:title", title);
        const std::string description = FeedText(p->description, 5000);
        Element(out, "g:description", description.empty() ? title : description);
        Element(out, "g:link", CleanFeedText(ProductLink(ctx.settings, p->id)));
        Element(out, "g:image_link", CleanFeedText(p->image_url));
        RawElement(out, "g:availability",
                   GoogleAvailability(offer.available_somewhere ? Availability::kInStock
                                                                : Availability::kOutOfStock));
        RawElement(out, "g:price", offer.regular_price.ToFeedString());
        if (offer.sale_holds_everywhere &&
            offer.shelf_price.minor_units() < offer.regular_price.minor_units()) {
          RawElement(out, "g:sale_price", offer.shelf_price.ToFeedString());
          RawElement(out, "g:sale_price_effective_date",
                     GoogleEffectiveDate(offer.validity, zones.For(offer.timezone)));
        }
        const std::optional<std::string> gtin = PlatformGtin(*p);
        const std::string brand = FeedText(p->brand, 70);
        const std::string mpn = Mpn(*p);
        if (gtin) RawElement(out, "g:gtin", *gtin);
        if (!brand.empty()) Element(out, "g:brand", brand);
        if (!gtin && !mpn.empty()) Element(out, "g:mpn", mpn);
        // Without a GTIN, Google wants brand and MPN, or to be told there is no identifier.
        if (!gtin && (brand.empty() || mpn.empty())) RawElement(out, "g:identifier_exists", "no");
        RawElement(out, "g:condition", "new");
        if (const std::string c = FeedText(p->google_category, 750); !c.empty()) {
          Element(out, "g:google_product_category", c);
        }
        if (const std::string c = FeedText(p->category, 750); !c.empty()) {
          Element(out, "g:product_type", c);
        }
        if (p->net_quantity) {
          const Quantity base =
              p->unit_pricing_base ? *p->unit_pricing_base : p->net_quantity->UnitPricingBase();
          std::string base_text = base.ToFeedString();
          if (!IsGoogleBaseMeasure(base_text)) {
            base_text = p->net_quantity->UnitPricingBase().ToFeedString();
          }
          if (IsGoogleBaseMeasure(base_text)) {
            RawElement(out, "g:unit_pricing_measure", p->net_quantity->ToFeedString());
            RawElement(out, "g:unit_pricing_base_measure", base_text);
          }
        }
        int promotions = 0;
        for (const std::string& id : offer.google_promotion_ids) {
          if (++promotions > 10) break;  // Google reads at most ten
          RawElement(out, "g:promotion_id", id);
        }
        out += "</item>\n";
        return true;
      });
}

}  // namespace vitrine::feeds_internal
