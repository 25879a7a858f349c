// The offers CSV feed: one row per live offer (promotion × product × store) of the csv
// channel, for spreadsheets and platforms without a format of their own (docs/feeds.md).
#include <iterator>

#include "common/csv_writer.h"
#include "feed_internal.h"

namespace vitrine::feeds_internal {
namespace {

constexpr const char* kColumns[] = {"offer_id",        "store_id",
                                    "campaign_id",     "promotion_id",
                                    "product_id",      "gtin",
                                    "title",           "brand",
                                    "category",        "valid_from",
                                    "valid_to",        "timezone",
                                    "currency",        "regular_price",
                                    "shelf_price",     "effective_unit_price",
                                    "unit_price",      "unit_pricing_base",
                                    "reference_price", "discount_percent",
                                    "mechanic",        "badge",
                                    "headline",        "legal",
                                    "loyalty_credit",  "stock_quantity",
                                    "availability"};

enum CellKind { kAsIs, kText };
struct Cell {
  std::string value;
  CellKind kind;
};

// "2.49" from "2.49 EUR": the currency has its own column.
std::string Amount(const Money& m) {
  std::string text = m.ToFeedString();
  return text.substr(0, text.find(' '));
}

}  // namespace

Status WriteOffersCsv(FeedContext& ctx, FeedSink& sink) {
  std::string& out = sink.buffer();
  bool first = true;
  for (const char* column : kColumns) {
    if (!first) out += ',';
    first = false;
    out += column;
  }
  out += '\n';
  ProductCache products(*ctx.sources.catalog);
  ZoneCache zones;
  return ctx.sources.offers->ScanOffers(ctx.scan, [&](const PublishedOffer& o) -> Status {
    auto product = products.Get(o.product_id);
    if (!product.ok()) return product.status();
    const Product* p = *product;
    const TimeZone& zone = zones.For(o.timezone);
    auto optional_money = [](const std::optional<Money>& m) {
      return m ? Amount(*m) : std::string();
    };
    // Text a merchandiser's spreadsheet would show; a title such as =HYPERLINK(...) must not
    // become a live formula there (CsvWriter::TextField). Ids, codes, numbers, prices and
    // dates are written as they are.
    const Cell cells[] = {{o.offer_id, kAsIs},
                          {o.store_id, kAsIs},
                          {o.campaign_id, kAsIs},
                          {o.promotion_id, kAsIs},
                          {o.product_id, kAsIs},
                          {p ? PlatformGtin(*p).value_or("") : "", kAsIs},
                          {p ? CleanFeedText(p->title) : "", kText},
                          {p ? CleanFeedText(p->brand) : "", kText},
                          {CleanFeedText(o.category), kText},
                          {zone.FormatRfc3339(o.validity.begin), kAsIs},
                          {zone.FormatRfc3339(o.validity.end), kAsIs},
                          {o.timezone, kAsIs},
                          {std::string(o.regular_price.currency().code()), kAsIs},
                          {Amount(o.regular_price), kAsIs},
                          {Amount(o.shelf_price), kAsIs},
                          {Amount(o.effective_unit_price), kAsIs},
                          {optional_money(o.unit_price), kAsIs},
                          {CleanFeedText(o.unit_pricing_base), kText},
                          {optional_money(o.reference_price), kAsIs},
                          {o.discount_percent ? std::to_string(*o.discount_percent) : "", kAsIs},
                          {o.mechanic, kText},
                          {CleanFeedText(o.badge), kText},
                          {CleanFeedText(o.headline), kText},
                          {CleanFeedText(o.legal), kText},
                          {optional_money(o.loyalty_credit), kAsIs},
                          {std::to_string(o.stock_quantity), kAsIs},
                          {std::string(AvailabilityName(o.availability)), kAsIs}};
    static_assert(std::size(cells) == std::size(kColumns));
    bool first_field = true;
    for (const Cell& cell : cells) {
      if (!first_field) out += ',';
      first_field = false;
      const std::string clean = CleanFeedText(cell.value);
      if (cell.kind == kText) {
        CsvWriter::AppendTextField(clean, &out);
      } else {
        CsvWriter::AppendField(clean, &out);
      }
    }
    out += '\n';
    ctx.Wrote();
    sink.Commit();
    return Status::Ok();
  });
}

}  // namespace vitrine::feeds_internal
