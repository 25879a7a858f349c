// Meta catalog feed (FORMATS.md §2): one item per promoted product, RSS with the g:
// namespace, availability spelled with spaces, one element per line.
#include "feed_internal.h"

namespace vitrine::feeds_internal {

Status WriteMetaCatalog(FeedContext& ctx, FeedSink& sink) {
  return WritePromotedProducts(
      ctx, sink, 100, 200,
      [&](const Product& product, const ProductOffer& offer, const std::string& title,
          ZoneCache& zones, std::string& out) {
        const Product* p = &product;
        const std::optional<std::string> gtin = PlatformGtin(*p);
        const std::string brand = FeedText(p->brand, 100);
        const std::string mpn = Mpn(*p);
        if (!gtin && brand.empty() && mpn.empty()) {
          ctx.Skip("missing_identifier");  // Meta needs one of brand, gtin, mpn
          return false;
        }
        // Meta wants a description that is not the title again: the promotion's own words
        // when the product has none.
        std::string description = FeedText(p->description, 9999);
        if (description.empty()) {
          description = FeedText(offer.headline + ". " + offer.legal, 9999);
        }
        out += "<item>\n";
        Element(out, "g:id", p->id);
        Element(out, "g:title", title);
        Element(out, "g:description", description);
        RawElement(out, "g:availability",
                   MetaAvailability(offer.available_somewhere ? Availability::kInStock
                                                              : Availability::kOutOfStock));
        RawElement(out, "g:condition", "new");
        RawElement(out, "g:price", offer.regular_price.ToFeedString());
        if (offer.sale_holds_everywhere &&
            offer.shelf_price.minor_units() < offer.regular_price.minor_units()) {
          RawElement(out, "g:sale_price", offer.shelf_price.ToFeedString());
          RawElement(out, "g:sale_price_effective_date",
                     MetaEffectiveDate(offer.validity, zones.For(offer.timezone)));
        }
        Element(out, "g:link", CleanFeedText(ProductLink(ctx.settings, p->id)));
        Element(out, "g:image_link", CleanFeedText(p->image_url));
        if (!brand.empty()) Element(out, "g:brand", brand);
        if (gtin) RawElement(out, "g:gtin", *gtin);
        if (!mpn.empty()) Element(out, "g:mpn", mpn);
        if (const std::string c = FeedText(p->google_category, 750); !c.empty()) {
          Element(out, "g:google_product_category", c);
        }
        if (const std::string c = FeedText(p->category, 750); !c.empty()) {
          Element(out, "g:product_type", c);
        }
        out += "</item>\n";
        return true;
      });
}

}  // namespace vitrine::feeds_internal
