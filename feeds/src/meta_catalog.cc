// Meta catalog feed (FORMATS.md §2): one item per promoted product, RSS with the g:
// namespace, availability spelled with spaces, one element per line.
#include "common/text.h"
#include "feed_internal.h"

namespace vitrine::feeds_internal {
namespace {

// Appends `part` as a sentence: "A. B." without doubling a final full stop.
void AddSentence(std::string_view part, std::string& out) {
  if (part.empty()) return;
  if (!out.empty()) out += ' ';
  out += part;
  if (part.back() != '.' && part.back() != '!' && part.back() != '?') out += '.';
}

// A description made of what is known of the product and its offer, for an item whose own
// is missing or only repeats the title (Meta flags both): brand, net quantity, shelf, unit
// price, then the offer's headline (or its price) and legal text, which for an alcoholic
// drink ends with the Loi Évin health warning, so the mention reaches the ad.
std::string ComposedDescription(const Product& p, const ProductOffer& offer) {
  std::string out;
  if (const std::string brand = FeedText(p.brand, 100); !brand.empty()) {
    AddSentence("Marque : " + brand, out);
  }
  if (p.net_quantity) AddSentence("Contenance : " + p.net_quantity->ToDisplayString(), out);
  if (const std::string category = FeedText(p.category, 750); !category.empty()) {
    AddSentence("Rayon : " + category, out);
  }
  if (offer.unit_price && !offer.unit_pricing_base.empty()) {
    AddSentence("Prix pour " + CleanFeedText(offer.unit_pricing_base) + " : " +
                    offer.unit_price->ToFrenchDisplay(),
                out);
  }
  if (const std::string headline = CleanFeedText(offer.headline); !headline.empty()) {
    AddSentence(headline, out);
  } else {
    AddSentence("Prix : " + offer.shelf_price.ToFrenchDisplay(), out);
  }
  AddSentence(CleanFeedText(offer.legal), out);
  return FeedText(out, 9999);
}

// Whether a description only says the title again (case and spacing aside).
bool RepeatsTitle(const std::string& description, const Product& p, const std::string& title) {
  const std::string d = ToLowerAscii(description);
  return d == ToLowerAscii(title) || d == ToLowerAscii(FeedText(p.title, 9999));
}

}  // namespace

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
        // Meta flags a description that is missing or the title again.
        std::string description = FeedText(p->description, 9999);
        if (description.empty() || RepeatsTitle(description, *p, title)) {
          description = ComposedDescription(*p, offer);
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
