// Feeds: the seven formats in which platforms pull Vitrine's published offers (FORMATS.md
// §1–3), each written streaming from the repositories into a FeedSink in constant memory.
//
// A feed holds the live offers of its channel (FeedFormatInfo::channel) whose validity has
// not ended at FeedRequest::now, optionally narrowed to one store or one campaign. Which
// items a platform's rules exclude (no image, an id too long...) is counted in FeedStats,
// never silently. WriteFeed is thread-safe as long as the repositories are; one call writes
// one sink.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/repository.h"
#include "common/status.h"
#include "common/time.h"
#include "feeds/feed_sink.h"
#include "offers/repository.h"

namespace vitrine {

enum class FeedFormat {
  kGoogleProducts,
  kGoogleLocalInventory,
  kGooglePromotions,
  kMetaCatalog,
  kLeafletJson,
  kLeafletXml,
  kOffersCsv,
};

struct FeedFormatInfo {
  FeedFormat format;
  std::string_view name;          // CLI and metrics: "google-products"
  std::string_view url_path;      // "/feeds/google/products.xml"
  std::string_view file_name;     // snapshot file: "google-products.xml"
  std::string_view content_type;  // "application/xml; charset=utf-8"
  // The campaign channel whose offers it holds: "google"; empty for the offers CSV, which
  // holds every channel's unless FeedRequest::channel narrows it.
  std::string_view channel;
};

// Every format, in enum order.
const std::vector<FeedFormatInfo>& AllFeedFormats();
const FeedFormatInfo& InfoOf(FeedFormat format);
// By name ("google-products", "local-inventory"... see AllFeedFormats) or URL path.
std::optional<FeedFormat> ParseFeedFormat(std::string_view name_or_path);

struct FeedSettings {
  std::string title = "Vitrine";                  // RSS <channel><title>
  std::string site_url = "https://shop.example";  // RSS <channel><link>, absolute
  // The product page: "{id}" is replaced by the URL-encoded product id. Default
  // "https://shop.example/p/{id}".
  std::string product_link_template = "https://shop.example/p/{id}";
  // Base of the hub's own URLs (creatives in the leaflet). Default "http://localhost:8080".
  std::string hub_url = "http://localhost:8080";
  // Creative formats listed per leaflet offer. Default the four social formats.
  std::vector<std::string> creative_formats = {"square", "portrait", "story", "landscape"};
  // Country of the Merchant promotions (g:target_country). Default "FR".
  std::string country = "FR";
};

struct FeedRequest {
  FeedFormat format = FeedFormat::kGoogleProducts;
  std::string store_id;     // empty: every store
  std::string campaign_id;  // empty: every campaign
  Instant now{};            // offers ended before this are left out
  // Offers CSV only: just this channel's offers (a platform's view). Empty: every channel.
  std::string channel;
  // The leaflet feeds' generated_at: when the content became current (the offers' last
  // publication or the campaign start or end passed since), so that every hub node writes
  // the same bytes. Empty: `now`.
  std::optional<Instant> as_of;
};

struct FeedSources {
  CatalogRepository* catalog = nullptr;
  CampaignRepository* campaigns = nullptr;
  OfferRepository* offers = nullptr;
};

struct FeedStats {
  int64_t items = 0;                                 // items (rows) written
  int64_t skipped = 0;                               // items a platform rule left out
  std::map<std::string, int64_t> skipped_by_reason;  // "missing_image": 3
  int64_t last_seq = 0;  // OfferRepository::LastSeq() read before the scan
};

// Called every few thousand items with the count so far (progress bars).
using FeedProgress = std::function<void(int64_t items)>;

// Writes the feed into `sink` (which the caller then Finish()es). NotFound when
// request.store_id or campaign_id names nothing; IoError/Unavailable from the repositories.
Result<FeedStats> WriteFeed(const FeedRequest& request, const FeedSources& sources,
                            const FeedSettings& settings, FeedSink& sink,
                            const FeedProgress& progress = {});

}  // namespace vitrine
