// What the writers of feeds/ share: the scan every feed starts from, caches of the products,
// campaigns and time zones met on the way, the platforms' spellings of dates, GTINs and
// links, and small XML appenders. Private to feeds/.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "feeds/feed.h"
#include "feeds/feed_text.h"
#include "offers/campaign.h"

namespace vitrine::feeds_internal {

struct FeedContext {
  const FeedRequest& request;
  const FeedSources& sources;
  const FeedSettings& settings;
  const FeedProgress& progress;
  OfferScan scan;  // the feed's channel, store, campaign and `now`
  FeedStats stats;

  void Skip(const std::string& reason) {
    ++stats.skipped;
    ++stats.skipped_by_reason[reason];
  }
  // Counts one item and reports progress every 4096.
  void Wrote() {
    if ((++stats.items & 4095) == 0 && progress) progress(stats.items);
  }
};

// Products by id, read once each: the feeds meet a product in every store that promotes it.
class ProductCache {
 public:
  explicit ProductCache(CatalogRepository& catalog) : catalog_(catalog) {}
  // nullptr when the catalogue has no such product (deleted since assembly).
  Result<const Product*> Get(std::string_view id);

 private:
  CatalogRepository& catalog_;
  std::unordered_map<std::string, std::unique_ptr<Product>> products_;
};

class CampaignCache {
 public:
  explicit CampaignCache(CampaignRepository& campaigns) : campaigns_(campaigns) {}
  Result<const Campaign*> Get(std::string_view id);

 private:
  CampaignRepository& campaigns_;
  std::unordered_map<std::string, std::unique_ptr<Campaign>> campaigns_by_id_;
};

// IANA zones by name; an unknown name (never written by assembly) falls back to Paris.
class ZoneCache {
 public:
  const TimeZone& For(std::string_view name);

 private:
  std::unordered_map<std::string, TimeZone> zones_;
};

// Google: "2026-12-02T00:00+0100/2026-12-08T23:59+0100", the end being the last minute of
// the half-open interval; 45 characters, within the 51 allowed.
std::string GoogleEffectiveDate(const Interval& validity, const TimeZone& zone);
// Meta: "2026-12-02T00:00+01:00/2026-12-08T23:59+01:00".
std::string MetaEffectiveDate(const Interval& validity, const TimeZone& zone);
// Merchant promotions: "2026-12-02T00:00:00+01:00/2026-12-08T23:59:59+01:00".
std::string PromotionEffectiveDates(const Interval& validity, const TimeZone& zone);

// The GTIN a platform may receive: the product's when it is not restricted (in-store codes
// 2, 02, 04 and coupons 98, 99). The catalogue only keeps GTINs whose check digit holds.
std::optional<std::string> PlatformGtin(const Product& product);
// The manufacturer part number, from the product's free attributes ("mpn"), when present.
std::string Mpn(const Product& product);

// settings.product_link_template with "{id}" replaced by the percent-encoded id.
std::string ProductLink(const FeedSettings& settings, std::string_view product_id);

// The hub's creative URL of an offer in a store.
std::string CreativeUrl(const FeedSettings& settings, std::string_view offer_id,
                        std::string_view store_id, std::string_view format);

// Whether the Merchant promotions feed carries a promotion, so that the products feed names
// only promotions that feed has: its mechanic has a structured value there (percent_off,
// amount_off, nth_item_percent_off, multibuy: the list the promotions writer itself uses, in
// google_promotions.cc), its campaign lasts at most 183 days and its id is at most 50
// characters of [A-Za-z0-9_-].
bool IsGooglePromotion(std::string_view mechanic_kind, const Campaign& campaign,
                       std::string_view promotion_id);

// "in_stock" / "out_of_stock" for the national (products) view; Meta's spelling with spaces.
std::string_view GoogleAvailability(Availability availability);
std::string_view MetaAvailability(Availability availability);

// <name>escaped clean text</name> and a newline.
void Element(std::string& out, std::string_view name, std::string_view clean_text);
// <name>text</name> and a newline, `text` known to need no escaping (numbers, prices, ids
// checked against a pattern).
void RawElement(std::string& out, std::string_view name, std::string_view text);

// <?xml ...?><rss version="2.0" xmlns:g="..."><channel> with title, link, description.
void OpenRss(std::string& out, const FeedSettings& settings, std::string_view description);
void CloseRss(std::string& out);

// Per product, the offer the products feeds (Google, Meta) show: live at `now` before
// upcoming, then the lowest shelf price, then the earliest start, then by (offer, store);
// with the promotions covering it, whether any store has it, and whether its sale price may
// be shown as the national one.
struct ProductOffer {
  std::string offer_id;
  std::string store_id;
  std::string timezone;
  Interval validity;
  Money regular_price;
  Money shelf_price;
  std::string headline;
  std::string legal;
  std::optional<Money> unit_price;  // per unit_pricing_base ("1 kg"), when the offer has one
  std::string unit_pricing_base;
  bool live = false;
  bool available_somewhere = false;
  // The products feeds write the sale price only when this holds: every store that sells the
  // product (has a regular price for it when the sale takes effect, or now for a live one)
  // has an offer at the same regular and shelf prices over the same validity on its own wall
  // clock. A zone-limited campaign, or prices that differ by zone, leave it false: the item
  // then carries the regular price only, and the per-store sale prices reach Google through
  // the local inventory feed. Always true in a feed narrowed to one store.
  bool sale_holds_everywhere = false;
  std::set<std::string> google_promotion_ids;
};
// Scans ctx.scan once; memory grows with the number of promoted products times the stores
// (one bit each per distinct price and validity), not with offers. Reads the price history
// of a product only when some store lacks its representative offer's terms.
Result<std::map<std::string, ProductOffer>> CollectProductOffers(FeedContext& ctx,
                                                                 CampaignCache& campaigns);

// Writes the RSS document of a products feed (Google, Meta): one item per promoted product
// that is known, has an id of at most `id_limit` characters, a title (cut at `title_limit`)
// and an image; the others are skipped and counted. `write_item` appends the item for one
// product and returns false when the platform's own rules skip it (it counts the reason).
using ProductItemWriter =
    std::function<bool(const Product& product, const ProductOffer& offer, const std::string& title,
                       ZoneCache& zones, std::string& out)>;
Status WritePromotedProducts(FeedContext& ctx, FeedSink& sink, size_t id_limit, size_t title_limit,
                             const ProductItemWriter& write_item);

Status WriteGoogleProducts(FeedContext& ctx, FeedSink& sink);
Status WriteGoogleLocalInventory(FeedContext& ctx, FeedSink& sink);
Status WriteGooglePromotions(FeedContext& ctx, FeedSink& sink);
Status WriteMetaCatalog(FeedContext& ctx, FeedSink& sink);
Status WriteLeafletJson(FeedContext& ctx, FeedSink& sink);
Status WriteLeafletXml(FeedContext& ctx, FeedSink& sink);
Status WriteOffersCsv(FeedContext& ctx, FeedSink& sink);

}  // namespace vitrine::feeds_internal
