// Meta catalog feed (FORMATS.md §2): one item per promoted product, RSS with the g:
// namespace, availability spelled with spaces, one element per line.
#include "feed_internal.h"

namespace vitrine::feeds_internal {

Status WriteMetaCatalog(FeedContext& ctx, FeedSink& sink) {
  CampaignCache campaigns(*ctx.sources.campaigns);
  auto offers = CollectProductOffers(ctx, campaigns);
  if (!offers.ok()) return offers.status();
  ProductCache products(*ctx.sources.catalog);
  ZoneCache zones;
  std::string& out = sink.buffer();
  OpenRss(out, ctx.settings, "Promoted products");
  for (const auto& [product_id, offer] : *offers) {
    auto product = products.Get(product_id);
    if (!product.ok()) return product.status();
    const Product* p = *product;
    if (!p) {
      ctx.Skip("unknown_product");
      continue;
    }
    if (p->id.size() > 100) {
      ctx.Skip("id_too_long");
      continue;
    }
    const std::string title = FeedText(p->title, 200);
    if (title.empty()) {
      ctx.Skip("missing_title");
      continue;
    }
    if (p->image_url.empty()) {
      ctx.Skip("missing_image");
      continue;
    }
    const std::optional<std::string> gtin = PlatformGtin(*p);
    const std::string brand = FeedText(p->brand, 100);
    const std::string mpn = Mpn(*p);
    if (!gtin && brand.empty() && mpn.empty()) {
      ctx.Skip("missing_identifier");  // Meta needs one of brand, gtin, mpn
      continue;
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
    if (offer.shelf_price.minor_units() < offer.regular_price.minor_units()) {
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
    ctx.Wrote();
    sink.Commit();
  }
  CloseRss(out);
  return Status::Ok();
}

}  // namespace vitrine::feeds_internal
