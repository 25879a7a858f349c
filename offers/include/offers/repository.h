// Where campaigns, promotions and published offers are kept.
//
// CampaignRepository holds what marketing authors; OfferRepository holds what assembly
// publishes, with a monotonic change sequence (seq) so platforms can follow changes.
// Implementations live in store/ (SQLite, in-memory) and are safe to call from several
// threads; calls made inside CatalogRepository::Transaction() of the same backend join it.
// Optimistic concurrency: an update names the version it read; a stale version is
// FailedPrecondition and nothing is written.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/repository.h"
#include "offers/campaign.h"
#include "offers/published_offer.h"

namespace vitrine {

struct CampaignQuery {
  std::optional<CampaignStatus> status;  // a stored status; empty: all
  std::string after;                     // exclusive lower bound on id
  int limit = 100;                       // 1..1000
};

class CampaignRepository {
 public:
  virtual ~CampaignRepository() = default;

  // Assigns an id ("C" + 8 digits, increasing) and version 1; sets created_at/updated_at.
  virtual Result<Campaign> CreateCampaign(Campaign campaign, Instant now) = 0;
  virtual Result<std::optional<Campaign>> GetCampaign(std::string_view id) = 0;
  // Replaces the campaign when its stored version is `expected_version`; the result has
  // version + 1. NotFound, or FailedPrecondition when stale.
  virtual Result<Campaign> UpdateCampaign(const Campaign& campaign, int expected_version,
                                          Instant now) = 0;
  // Deletes the campaign and its promotions. False when there was none.
  virtual Result<bool> DeleteCampaign(std::string_view id) = 0;
  virtual Result<Page<Campaign>> ListCampaigns(const CampaignQuery& query) = 0;

  // Assigns an id ("PR" + 8 digits), unless `promotion.id` holds one from NewPromotionId(),
  // and version 1. NotFound when the campaign does not exist; AlreadyExists when the given id
  // is taken.
  virtual Result<Promotion> CreatePromotion(Promotion promotion) = 0;
  virtual Result<std::optional<Promotion>> GetPromotion(std::string_view id) = 0;
  virtual Result<Promotion> UpdatePromotion(const Promotion& promotion, int expected_version) = 0;
  virtual Result<bool> DeletePromotion(std::string_view id) = 0;
  // The campaign's promotions, by id.
  virtual Result<std::vector<Promotion>> ListPromotions(std::string_view campaign_id) = 0;
  // A promotion id never handed out before, for a promotion that exists only in a revision
  // until the revision is approved.
  virtual Result<std::string> NewPromotionId() = 0;

  // The pending revision of campaign `campaign_id` (CampaignRevision); empty when none. Never
  // seen by GetCampaign, ListCampaigns, GetPromotion nor ListPromotions, which keep answering
  // the live version.
  virtual Result<std::optional<CampaignRevision>> GetRevision(std::string_view campaign_id) = 0;
  // Stores `revision` as given (version and timestamps are the caller's) as the pending
  // revision of campaign `revision.campaign.id`, replacing the stored one when its version is
  // `expected_version`; with no expected version there must be none yet. NotFound when the
  // campaign does not exist; FailedPrecondition when stale; InvalidArgument when a promotion
  // of the revision names another campaign or a promotion id of another campaign's revision.
  virtual Status PutRevision(const CampaignRevision& revision,
                             std::optional<int> expected_version) = 0;
  // Deletes the campaign's pending revision. False when there was none. Deleting the
  // campaign deletes its revision too.
  virtual Result<bool> DeleteRevision(std::string_view campaign_id) = 0;
  // The campaign whose pending revision holds promotion `promotion_id`; empty when none.
  virtual Result<std::optional<std::string>> FindRevisionOfPromotion(
      std::string_view promotion_id) = 0;
};

struct OfferQuery {
  std::string store_id;       // empty: all stores
  std::string channel;        // offers published on this channel; empty: all
  std::string campaign_id;    // empty: all
  std::string product_id;     // one product's offers; empty: all
  std::string category;       // the product's category or below; empty: all
  std::optional<Instant> at;  // offers valid at this instant; empty: whatever their dates
  std::vector<Availability> availability;  // offers in any of these states; empty: all
  std::string after;                       // exclusive lower bound on "offer_id|store_id"
  int limit = 100;                         // 1..1000
};

// One entry of the change feed: the offer as it now is, or a tombstone.
struct OfferChange {
  int64_t seq = 0;
  std::string offer_id;
  std::string store_id;
  bool deleted = false;
  std::optional<PublishedOffer> offer;  // empty for a tombstone
};

// Which live offers a streaming read visits (OfferRepository::ScanOffers, ScanInventory).
struct OfferScan {
  std::string store_id;                 // empty: all stores
  std::string channel;                  // offers published on this channel; empty: all
  std::string campaign_id;              // empty: all
  std::optional<Instant> ending_after;  // only offers whose validity ends after this instant
  // Visit in (offer_id, store_id) order; when false, in the order cheapest for the backend
  // (SQLite: seq, one sequential read of the table).
  bool by_key = false;
};

// The columns of a live offer that the local inventory feed needs, read without the rest
// (no JSON parameters, no texts). The views are valid during the visit only.
struct OfferInventoryRow {
  std::string_view product_id;
  std::string_view store_id;
  std::string_view timezone;
  Interval validity;
  Money regular_price;
  Money shelf_price;
  int64_t stock_quantity = 0;
  Availability availability = Availability::kOutOfStock;
};

// Offers of one write that share their content but for the store: what assembly computes
// once per group of stores with one price timeline, and what the SQLite backend stores once
// (a full assembly of 2,000,000 store offers has about 40,000 variants).
struct OfferBatch {
  struct Variant {
    PublishedOffer content;  // store_id, stock_quantity, availability, content_hash unused
    std::string hash;        // VariantHash(content); empty: computed by the repository
  };
  struct StoreOffer {
    uint32_t variant = 0;  // index into variants
    std::string store_id;
    int64_t stock_quantity = 0;
    Availability availability = Availability::kOutOfStock;
    // StoreContentHash of the variant's hash and the fields above; empty: computed.
    std::string content_hash;
  };
  std::vector<Variant> variants;
  std::vector<StoreOffer> offers;  // any order; (store_id, offer_id) order writes fastest

  // One variant per offer.
  static OfferBatch Of(std::span<const PublishedOffer> offers);
  // The whole offer offers[i], content_hash included when it was given.
  PublishedOffer Expand(size_t i) const;
};

// A new stock level for the live offers of one promotion, product and store
// (OfferRepository::UpdateOfferStock): `offer_id` "PROMOTION~PRODUCT" and its later
// stretches (IsStretchOf).
struct OfferStockUpdate {
  std::string offer_id;
  std::string store_id;
  int64_t stock_quantity = 0;
  Availability availability = Availability::kOutOfStock;
};

struct OfferWriteCounts {
  int64_t inserted = 0;
  int64_t updated = 0;    // content changed: a new seq and version
  int64_t unchanged = 0;  // same content_hash: nothing written
  int64_t deleted = 0;    // tombstoned
};

// One assembly call (OfferRepository::RecordAssemblyRun): when it finished, how long it took
// and how many offers it wrote (inserted, updated or tombstoned: new seqs of the change feed).
struct AssemblyRun {
  Instant at{};
  std::chrono::milliseconds duration{0};
  int64_t offers_written = 0;
};

// Live offers of one store, campaign, channel list and availability: the aggregate the
// dashboard reads instead of the offers (OfferRepository::ReadOfferFigures).
struct OfferCount {
  std::string store_id;
  std::string campaign_id;
  std::vector<std::string> channels;  // the campaign's, sorted
  Availability availability = Availability::kInStock;
  int64_t offers = 0;  // > 0
};

// What the dashboard shows of the published offers, read without visiting them.
struct OfferFigures {
  std::vector<OfferCount> counts;  // every non-empty group, in no particular order
  // Offers written per minute (the minute's first instant) since the instant asked for,
  // minutes with none left out, oldest first.
  std::vector<std::pair<Instant, int64_t>> written_per_minute;
  std::optional<AssemblyRun> last_run;  // the newest recorded run; empty: none yet
  int64_t runs = 0;                     // runs recorded so far: moves with every record
};

class OfferRepository {
 public:
  virtual ~OfferRepository() = default;

  // In one transaction: upserts `offers` (a new seq for each inserted or changed one,
  // compared by content hash, taken from the StoreOffer when set, else computed) and tombstones
  // the live offers of `scope` that are not in `offers`. `scope` names what was re-assembled:
  // offers whose promotion is in scope.promotion_ids (all of a promotion's offers were recomputed),
  // or, when product_ids / store_ids are given, only those of these products / stores.
  struct Scope {
    std::vector<std::string> promotion_ids;
    std::vector<std::string> product_ids;  // empty: every product of those promotions
    std::vector<std::string> store_ids;    // empty: every store
  };
  virtual Result<OfferWriteCounts> ReplaceOfferBatch(const Scope& scope,
                                                     const OfferBatch& offers) = 0;
  // The same for offers given one by one.
  Result<OfferWriteCounts> ReplaceOffers(const Scope& scope,
                                         std::span<const PublishedOffer> offers) {
    return ReplaceOfferBatch(scope, OfferBatch::Of(offers));
  }
  // In one transaction: sets the stock of each live offer named, with a new seq, version and
  // content hash when the quantity or availability changed (the cheap path of a burst of
  // stock levels: nothing else of the offer is read or written); counted as updated, or as
  // unchanged. Offers that do not exist or are tombstoned are left alone and not counted.
  virtual Result<OfferWriteCounts> UpdateOfferStock(std::span<const OfferStockUpdate> updates) = 0;
  virtual Result<std::optional<PublishedOffer>> GetOffer(std::string_view offer_id,
                                                         std::string_view store_id) = 0;
  // Live offers (not tombstoned), keyset-paged by (offer_id, store_id).
  virtual Result<Page<PublishedOffer>> ListOffers(const OfferQuery& query) = 0;
  // Changes with seq > since, in seq order, at most `limit`; with `channel`, only offers
  // of that channel (tombstones of offers that were on it included).
  virtual Result<std::vector<OfferChange>> ListChanges(int64_t since, int limit,
                                                       std::string_view channel) = 0;
  // The highest seq given so far; 0 when none.
  virtual Result<int64_t> LastSeq() = 0;

  // Keeps `run` for the dashboard (the newest one, and its offers in the per-minute counts);
  // runs older than a day are forgotten. A run that wrote offers also becomes
  // LastPublishedAt().
  virtual Status RecordAssemblyRun(const AssemblyRun& run) = 0;
  // When the newest recorded run that wrote offers finished: the instant the published
  // offers last changed, the same for every process of the hub. Empty before any.
  virtual Result<std::optional<Instant>> LastPublishedAt() = 0;
  // The live offers counted by store, campaign, channels and availability (kept up to date
  // by every offer write, in its transaction: the cost does not grow with the offers), the
  // recorded runs' offers per minute since `since`, and the newest run.
  virtual Result<OfferFigures> ReadOfferFigures(Instant since) = 0;
  // How many runs were recorded so far: a cheap validator of ReadOfferFigures with LastSeq.
  virtual Result<int64_t> AssemblyRunCount() = 0;

  // Visits every live offer `scan` selects, one at a time, in one read: memory stays
  // constant whatever the number of offers (the in-memory backend copies the matching
  // offers first). The first non-OK Status `visit` returns stops the scan and is returned.
  // `visit` may read this repository but must not write to it.
  virtual Status ScanOffers(const OfferScan& scan,
                            const std::function<Status(const PublishedOffer&)>& visit) = 0;
  // The same scan reading only the OfferInventoryRow columns: the fast path of the local
  // inventory feed (millions of rows).
  virtual Status ScanInventory(const OfferScan& scan,
                               const std::function<Status(const OfferInventoryRow&)>& visit) = 0;
};

}  // namespace vitrine
