// The format table, WriteFeed and the helpers the writers share.
#include "feeds/feed.h"

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <utility>
#include <vector>

#include "feed_internal.h"

namespace vitrine {

const std::vector<FeedFormatInfo>& AllFeedFormats() {
  static const std::vector<FeedFormatInfo> kFormats = {
      {FeedFormat::kGoogleProducts, "google-products", "/feeds/google/products.xml",
       "google-products.xml", "application/xml; charset=utf-8", "google"},
      {FeedFormat::kGoogleLocalInventory, "google-local-inventory",
       "/feeds/google/local-inventory.xml", "google-local-inventory.xml",
       "application/xml; charset=utf-8", "google"},
      {FeedFormat::kGooglePromotions, "google-promotions", "/feeds/google/promotions.xml",
       "google-promotions.xml", "application/xml; charset=utf-8", "google"},
      {FeedFormat::kMetaCatalog, "meta-catalog", "/feeds/meta/catalog.xml", "meta-catalog.xml",
       "application/xml; charset=utf-8", "meta"},
      {FeedFormat::kLeafletJson, "leaflet-json", "/feeds/leaflet.json", "leaflet.json",
       "application/json", "leaflet"},
      {FeedFormat::kLeafletXml, "leaflet-xml", "/feeds/leaflet.xml", "leaflet.xml",
       "application/xml; charset=utf-8", "leaflet"},
      {FeedFormat::kOffersCsv, "offers-csv", "/feeds/offers.csv", "offers.csv",
       "text/csv; charset=utf-8", ""},
  };
  return kFormats;
}

const FeedFormatInfo& InfoOf(FeedFormat format) {
  return AllFeedFormats()[static_cast<size_t>(format)];
}

std::optional<FeedFormat> ParseFeedFormat(std::string_view name) {
  for (const FeedFormatInfo& info : AllFeedFormats()) {
    if (name == info.name || name == info.url_path || name == info.file_name) return info.format;
  }
  return std::nullopt;
}

Result<FeedStats> WriteFeed(const FeedRequest& request, const FeedSources& sources,
                            const FeedSettings& settings, FeedSink& sink,
                            const FeedProgress& progress) {
  if (!sources.catalog || !sources.campaigns || !sources.offers) {
    return Status::InvalidArgument("a feed needs the catalogue, campaigns and offers");
  }
  if (!request.store_id.empty()) {
    auto store = sources.catalog->GetStore(request.store_id);
    if (!store.ok()) return store.status();
    if (!*store) return Status::NotFound("no store \"" + request.store_id + "\"");
  }
  if (!request.campaign_id.empty()) {
    auto campaign = sources.campaigns->GetCampaign(request.campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (!*campaign) return Status::NotFound("no campaign \"" + request.campaign_id + "\"");
  }
  feeds_internal::FeedContext ctx{request, sources, settings, progress, {}, {}};
  ctx.scan.store_id = request.store_id;
  ctx.scan.campaign_id = request.campaign_id;
  ctx.scan.channel = request.format == FeedFormat::kOffersCsv
                         ? request.channel
                         : std::string(InfoOf(request.format).channel);
  ctx.scan.ending_after = request.now;
  auto seq = sources.offers->LastSeq();
  if (!seq.ok()) return seq.status();
  ctx.stats.last_seq = *seq;

  using namespace feeds_internal;
  Status status;
  switch (request.format) {
    case FeedFormat::kGoogleProducts:
      status = WriteGoogleProducts(ctx, sink);
      break;
    case FeedFormat::kGoogleLocalInventory:
      status = WriteGoogleLocalInventory(ctx, sink);
      break;
    case FeedFormat::kGooglePromotions:
      status = WriteGooglePromotions(ctx, sink);
      break;
    case FeedFormat::kMetaCatalog:
      status = WriteMetaCatalog(ctx, sink);
      break;
    case FeedFormat::kLeafletJson:
      status = WriteLeafletJson(ctx, sink);
      break;
    case FeedFormat::kLeafletXml:
      status = WriteLeafletXml(ctx, sink);
      break;
    case FeedFormat::kOffersCsv:
      status = WriteOffersCsv(ctx, sink);
      break;
  }
  if (!status.ok()) return status;
  if (progress) progress(ctx.stats.items);
  return ctx.stats;
}

namespace feeds_internal {

Result<const Product*> ProductCache::Get(std::string_view id) {
  auto it = products_.find(std::string(id));
  if (it != products_.end()) return it->second.get();
  auto product = catalog_.GetProduct(id);
  if (!product.ok()) return product.status();
  std::unique_ptr<Product> p;
  if (*product) p = std::make_unique<Product>(std::move(**product));
  const Product* raw = p.get();
  products_.emplace(std::string(id), std::move(p));
  return raw;
}

Result<const Campaign*> CampaignCache::Get(std::string_view id) {
  auto it = campaigns_by_id_.find(std::string(id));
  if (it != campaigns_by_id_.end()) return it->second.get();
  auto campaign = campaigns_.GetCampaign(id);
  if (!campaign.ok()) return campaign.status();
  std::unique_ptr<Campaign> c;
  if (*campaign) c = std::make_unique<Campaign>(std::move(**campaign));
  const Campaign* raw = c.get();
  campaigns_by_id_.emplace(std::string(id), std::move(c));
  return raw;
}

const TimeZone& ZoneCache::For(std::string_view name) {
  auto it = zones_.find(std::string(name));
  if (it != zones_.end()) return it->second;
  auto zone = TimeZone::Locate(name);
  return zones_.emplace(std::string(name), zone.ok() ? *zone : TimeZone::Paris()).first->second;
}

namespace {
// The last minute (or second) of a half-open interval, as people write an end date.
Instant LastMinute(const Interval& v) { return v.end - std::chrono::minutes(1); }
Instant LastSecond(const Interval& v) { return v.end - std::chrono::seconds(1); }

// "+0100" → "+01:00" at the end of "2026-12-02T00:00+0100".
std::string WithColonOffset(std::string text) {
  if (text.size() >= 5) text.insert(text.size() - 2, ":");
  return text;
}
}  // namespace

std::string GoogleEffectiveDate(const Interval& v, const TimeZone& zone) {
  return zone.FormatMinutesWithOffset(v.begin) + "/" + zone.FormatMinutesWithOffset(LastMinute(v));
}

std::string MetaEffectiveDate(const Interval& v, const TimeZone& zone) {
  return WithColonOffset(zone.FormatMinutesWithOffset(v.begin)) + "/" +
         WithColonOffset(zone.FormatMinutesWithOffset(LastMinute(v)));
}

std::string PromotionEffectiveDates(const Interval& v, const TimeZone& zone) {
  return zone.FormatRfc3339(v.begin) + "/" + zone.FormatRfc3339(LastSecond(v));
}

std::optional<std::string> PlatformGtin(const Product& product) {
  if (!product.gtin || product.gtin->IsRestricted()) return std::nullopt;
  return product.gtin->digits();
}

std::string Mpn(const Product& product) {
  auto it = product.attributes.find("mpn");
  if (it == product.attributes.end() || !it->is_string()) return "";
  return FeedText(it->get<std::string>(), 70);
}

namespace {
std::string PercentEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}
}  // namespace

std::string ProductLink(const FeedSettings& settings, std::string_view product_id) {
  std::string link = settings.product_link_template;
  const size_t at = link.find("{id}");
  if (at != std::string::npos) link.replace(at, 4, PercentEncode(product_id));
  return link;
}

std::string CreativeUrl(const FeedSettings& settings, std::string_view offer_id,
                        std::string_view store_id, std::string_view format) {
  return settings.hub_url + "/creatives/" + PercentEncode(offer_id) + "/" + std::string(format) +
         ".png?store=" + PercentEncode(store_id);
}

std::string_view GoogleAvailability(Availability a) {
  return a == Availability::kOutOfStock ? "out_of_stock" : "in_stock";
}

std::string_view MetaAvailability(Availability a) {
  return a == Availability::kOutOfStock ? "out of stock" : "in stock";
}

void Element(std::string& out, std::string_view name, std::string_view clean_text) {
  out += '<';
  out += name;
  out += '>';
  AppendXmlEscaped(clean_text, &out);
  out += "</";
  out += name;
  out += ">\n";
}

void RawElement(std::string& out, std::string_view name, std::string_view text) {
  out += '<';
  out += name;
  out += '>';
  out += text;
  out += "</";
  out += name;
  out += ">\n";
}

void OpenRss(std::string& out, const FeedSettings& settings, std::string_view description) {
  out +=
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">\n<channel>\n";
  Element(out, "title", FeedText(settings.title, 150));
  Element(out, "link", CleanFeedText(settings.site_url));
  Element(out, "description", CleanFeedText(description));
}

void CloseRss(std::string& out) { out += "</channel>\n</rss>\n"; }

namespace {

// What a store's offer must share with the representative one for the representative's sale
// price to be true there: both prices, and the validity on the store's own wall clock (a
// campaign runs from local midnight in every time zone, so a Martinique store's instants
// differ from a Paris one's for the same dates).
struct SaleTerms {
  Money regular;
  Money shelf;
  int64_t local_begin = 0;  // seconds, wall clock read as UTC
  int64_t local_end = 0;

  friend bool operator==(const SaleTerms&, const SaleTerms&) = default;
};

// Which stores have a product on which terms: a handful of terms per product (one per price
// group and successive validity), one bit per store each.
struct StoresByTerms {
  std::vector<std::pair<SaleTerms, std::vector<bool>>> terms;

  void Add(const SaleTerms& t, size_t store_index, size_t store_count) {
    for (auto& [known, stores] : terms) {
      if (known == t) {
        stores[store_index] = true;
        return;
      }
    }
    terms.emplace_back(t, std::vector<bool>(store_count, false));
    terms.back().second[store_index] = true;
  }
  const std::vector<bool>* Find(const SaleTerms& t) const {
    for (const auto& [known, stores] : terms) {
      if (known == t) return &stores;
    }
    return nullptr;
  }
};

// The wall-clock validity of offers, remembered for the last (zone, validity) met: offers
// come in runs that share it.
class LocalValidity {
 public:
  std::pair<int64_t, int64_t> Of(const PublishedOffer& o, ZoneCache& zones) {
    if (!valid_ || o.timezone != zone_name_ || o.validity.begin != validity_.begin ||
        o.validity.end != validity_.end) {
      const TimeZone& zone = zones.For(o.timezone);
      zone_name_ = o.timezone;
      validity_ = o.validity;
      local_ = {ToUnixSeconds(o.validity.begin) + zone.OffsetAt(o.validity.begin).count(),
                ToUnixSeconds(o.validity.end) + zone.OffsetAt(o.validity.end).count()};
      valid_ = true;
    }
    return local_;
  }

 private:
  bool valid_ = false;
  std::string zone_name_;
  Interval validity_{};
  std::pair<int64_t, int64_t> local_{};
};

}  // namespace

Result<std::map<std::string, ProductOffer>> CollectProductOffers(FeedContext& ctx,
                                                                 CampaignCache& campaigns) {
  std::map<std::string, ProductOffer> by_product;
  const Instant now = ctx.request.now;
  // A feed narrowed to one store shows that store's prices: nothing to compare across stores.
  const bool national = ctx.request.store_id.empty();
  std::vector<Store> stores;
  std::unordered_map<std::string, size_t> store_index;
  if (national) {
    auto all = ctx.sources.catalog->ListAllStores();
    if (!all.ok()) return all.status();
    stores = std::move(*all);
    for (size_t i = 0; i < stores.size(); ++i) store_index.emplace(stores[i].id, i);
  }
  std::unordered_map<std::string, StoresByTerms> terms_by_product;
  ZoneCache zones;
  LocalValidity local_validity;
  Status status = ctx.sources.offers->ScanOffers(ctx.scan, [&](const PublishedOffer& o) -> Status {
    ProductOffer& p = by_product[o.product_id];
    const bool live = o.validity.Contains(now);
    const bool better =
        p.offer_id.empty() ||
        std::tuple(!live, o.shelf_price.minor_units(), o.validity.begin, o.offer_id, o.store_id) <
            std::tuple(!p.live, p.shelf_price.minor_units(), p.validity.begin, p.offer_id,
                       p.store_id);
    if (better) {
      p.offer_id = o.offer_id;
      p.store_id = o.store_id;
      p.timezone = o.timezone;
      p.validity = o.validity;
      p.regular_price = o.regular_price;
      p.shelf_price = o.shelf_price;
      p.headline = o.headline;
      p.legal = o.legal;
      p.unit_price = o.unit_price;
      p.unit_pricing_base = o.unit_pricing_base;
      p.live = live;
    }
    if (o.availability != Availability::kOutOfStock) p.available_somewhere = true;
    if (national) {
      // A store deleted since assembly no longer sells anything: its offers prove nothing.
      if (auto it = store_index.find(o.store_id); it != store_index.end()) {
        const auto [begin, end] = local_validity.Of(o, zones);
        terms_by_product[o.product_id].Add({o.regular_price, o.shelf_price, begin, end}, it->second,
                                           stores.size());
      }
    }
    auto campaign = campaigns.Get(o.campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (*campaign && IsGooglePromotion(o.mechanic, **campaign, o.promotion_id)) {
      p.google_promotion_ids.insert(o.promotion_id);
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;

  for (auto& [product_id, p] : by_product) {
    if (!national) {
      p.sale_holds_everywhere = true;
      continue;
    }
    if (p.shelf_price.minor_units() >= p.regular_price.minor_units()) continue;  // no sale
    const TimeZone& zone = zones.For(p.timezone);
    const SaleTerms wanted{
        p.regular_price, p.shelf_price,
        ToUnixSeconds(p.validity.begin) + zone.OffsetAt(p.validity.begin).count(),
        ToUnixSeconds(p.validity.end) + zone.OffsetAt(p.validity.end).count()};
    const std::vector<bool>* holding = terms_by_product[product_id].Find(wanted);
    const size_t held =
        holding ? static_cast<size_t>(std::count(holding->begin(), holding->end(), true)) : 0;
    if (held == stores.size()) {
      p.sale_holds_everywhere = true;
      continue;
    }
    // Some stores lack these terms: the sale price is national only if none of them sells
    // the product at all.
    auto history = ctx.sources.catalog->ListPriceHistory(product_id);
    if (!history.ok()) return history.status();
    const Instant at = std::max(now, p.validity.begin);
    p.sale_holds_everywhere = true;
    for (size_t i = 0; i < stores.size(); ++i) {
      if (holding && (*holding)[i]) continue;
      if (PriceAt(*history, stores[i], at)) {
        p.sale_holds_everywhere = false;
        break;
      }
    }
  }
  return by_product;
}

Status WritePromotedProducts(FeedContext& ctx, FeedSink& sink, size_t id_limit, size_t title_limit,
                             const ProductItemWriter& write_item) {
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
    if (p->id.size() > id_limit) {
      ctx.Skip("id_too_long");
      continue;
    }
    const std::string title = FeedText(p->title, title_limit);
    if (title.empty()) {
      ctx.Skip("missing_title");
      continue;
    }
    if (p->image_url.empty()) {
      ctx.Skip("missing_image");
      continue;
    }
    if (!write_item(*p, offer, title, zones, out)) continue;
    ctx.Wrote();
    sink.Commit();
  }
  CloseRss(out);
  return Status::Ok();
}

}  // namespace feeds_internal
}  // namespace vitrine
