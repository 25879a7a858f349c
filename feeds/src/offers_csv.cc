// The offers CSV feed: one row per live offer (promotion × product × store) of the csv
// channel, for spreadsheets and platforms without a format of their own (docs/feeds.md).
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
    const std::string fields[] = {o.offer_id,
                                  o.store_id,
                                  o.campaign_id,
                                  o.promotion_id,
                                  o.product_id,
                                  p ? PlatformGtin(*p).value_or("") : "",
                                  p ? CleanFeedText(p->title) : "",
                                  p ? CleanFeedText(p->brand) : "",
                                  CleanFeedText(o.category),
                                  zone.FormatRfc3339(o.validity.begin),
                                  zone.FormatRfc3339(o.validity.end),
                                  o.timezone,
                                  o.regular_price.currency().code(),
                                  Amount(o.regular_price),
                                  Amount(o.shelf_price),
                                  Amount(o.effective_unit_price),
                                  optional_money(o.unit_price),
                                  CleanFeedText(o.unit_pricing_base),
                                  optional_money(o.reference_price),
                                  o.discount_percent ? std::to_string(*o.discount_percent) : "",
                                  o.mechanic,
                                  CleanFeedText(o.badge),
                                  CleanFeedText(o.headline),
                                  CleanFeedText(o.legal),
                                  optional_money(o.loyalty_credit),
                                  std::to_string(o.stock_quantity),
                                  std::string(AvailabilityName(o.availability))};
    bool first_field = true;
    for (const std::string& field : fields) {
      if (!first_field) out += ',';
      first_field = false;
      CsvWriter::AppendField(CleanFeedText(field), &out);
    }
    out += '\n';
    ctx.Wrote();
    sink.Commit();
    return Status::Ok();
  });
}

}  // namespace vitrine::feeds_internal
