// Assembler: turns approved campaigns, the catalogue's prices and stock and the price history
// into published offers, and keeps them current as the catalogue changes
// (ARCHITECTURE.md §2 "Published offer", §5 "Assembly is incremental").
//
// Which offers exist. One per (promotion, product, store) where:
//   - the campaign's stored status is approved (live and ended are only dates: offers of an
//     approved campaign are kept whatever its dates, so a scheduled campaign is published
//     ahead), unless it ended more than AssemblyOptions::ended_retention ago everywhere;
//     draft, submitted, rejected and archived campaigns have none, and assembling them
//     tombstones what they had;
//   - the promotion's selector picks the product (list, category subtree, brand);
//   - the store is in the campaign's scope and in the promotion's narrower one;
//   - the store has a regular price at the campaign's start in its time zone, the mechanic
//     accepts that price, an announced reduction holds against the 30-day reference price
//     (perishables exempt) and, with compliance rules, the advantage is within the cap;
//     otherwise the offer is skipped and the reason counted;
//   - it wins the overlap, on time: the validities of the promotions covering one product
//     in one store cut time into slices, and in each slice ResolveOverlap keeps one
//     immediate mechanic; a loser has no offer while it loses. The winning loyalty credit
//     stacks on it ("double détente") while both hold: it is folded into the immediate
//     winner's offer (loyalty_credit, effective price and texts) and has no offer of its
//     own then. A loyalty credit with no immediate rival is an offer.
//   So one promotion may publish several successive offers for a product in a store, one
//   per stretch of time over which it offers the same: "PR1~P1" for the first, then
//   "PR1~P1~20261211" (OfferIdParts), each with exactly that stretch as its validity.
//
// How. Every repository call is made on the calling thread; only the pure computation runs
// on a pool of AssemblyOptions::threads workers, one chunk of products ahead of the writes.
// A product's prices are read once (ListPriceHistory) and computed once per group of
// stores that share a price timeline (same zone, no store-level price), time zone and set
// of promotions in scope; stock is read per product (ListStock). Each group's offers are
// one variant each of an OfferBatch, and each store adds only its stock to them. Offers are
// written with OfferRepository::ReplaceOfferBatch one chunk of products at a time, the scope
// naming exactly what was recomputed, so an offer that should no longer exist is tombstoned
// and an unchanged one keeps its seq.
//
// Deleting. A deleted product or store is re-assembled through OnProductsChanged /
// OnStoresChanged with its id (no offer can exist for it any more); a campaign or promotion
// about to be deleted is first archived and assembled, or its promotions passed to
// RetractPromotions.
//
// An Assembler is not thread-safe: one call at a time. The repositories must outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/change_log.h"
#include "catalog/repository.h"
#include "catalog/stock.h"
#include "common/status.h"
#include "common/time.h"
#include "offers/compliance.h"
#include "offers/repository.h"
#include "offers/texts.h"

namespace vitrine {

struct AssemblyOptions {
  // Availability is limited_availability below this quantity. Default 5.
  int64_t limited_stock_threshold = 5;
  // Language of the badge, headline and legal texts. Default French.
  Locale locale = Locale::kFrench;
  // When set, an offer whose cumulated advantage exceeds the cap of its category is skipped
  // ("promotion_cap_exceeded"). Default none: approval already blocks such campaigns.
  // Its regulated categories (the default rules' when unset) decide which offers' legal line
  // ends with a mandatory mention (offers/regulated_mentions.h).
  std::optional<ComplianceRules> compliance;
  // Workers computing offers; repository calls stay on the calling thread. Default 2, ≥ 1.
  int threads = 2;
  // Where "now" comes from (campaign retention). nullptr (default): the system clock.
  const Clock* clock = nullptr;
  // An approved campaign keeps its offers this long after its end (read in the latest time
  // zone on earth, UTC−12), then has none. Default 7 days.
  std::chrono::seconds ended_retention = std::chrono::days(7);
  // Promoted products computed and written per ReplaceOfferBatch call. Default 200 (200,000
  // store offers of about 60 bytes for a chain of 1,000 stores): each write dirties every
  // store's pages of the per-store index once, so fewer, larger writes log fewer pages.
  // ≥ 1.
  int products_per_write = 200;
};

// What one assembly call did. offers_considered counts (promotion, product, store)
// triples; each one is skipped, lost all along (overlap_losses), or publishes one offer or
// more (inserted + updated + unchanged) and may be stacked for part of the time
// (loyalty_stacked).
struct AssemblyReport {
  int64_t campaigns = 0;          // approved campaigns assembled
  int64_t promotions = 0;         // their promotions
  int64_t offers_considered = 0;  // (promotion, product, store) triples selected and in scope
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t deleted = 0;  // tombstoned
  int64_t skipped = 0;  // the sum of skipped_by_reason
  // "no_price_in_store", "mechanic_refused", "no_reference_price",
  // "reduction_not_supported", "promotion_cap_exceeded", "unknown_time_zone".
  std::map<std::string, int64_t> skipped_by_reason;
  int64_t overlap_losses = 0;   // lost an overlap in a store all along: no offer there
  int64_t loyalty_stacked = 0;  // loyalty credits folded into an immediate winner's offer
  std::chrono::milliseconds elapsed{0};
};

nlohmann::json ToJson(const AssemblyReport& report);

// An offer a campaign would publish (Assembler::Preview), with its explanation.
struct PreviewOffer {
  PublishedOffer offer;    // content_hash set; version and seq 0: it is not stored
  nlohmann::json explain;  // as Assembler::Explain gives it once published
};

class Assembler {
 public:
  // The three repositories may be one object (MemoryDatabase, SqliteDatabase); when they are,
  // the writes of an incremental call land in one transaction.
  Assembler(CatalogRepository& catalog, CampaignRepository& campaigns, OfferRepository& offers,
            AssemblyOptions options = {});
  Assembler(const Assembler&) = delete;
  Assembler& operator=(const Assembler&) = delete;

  // Re-assembles every campaign: the offers of every catalogue product under every approved
  // campaign, and tombstones for the others' promotions. Running it again with nothing
  // changed writes nothing (all unchanged).
  Result<AssemblyReport> AssembleAll();

  // After a campaign or one of its promotions changed (authored, approved, archived...):
  // re-assembles the products its promotions select now or had offers for (read from
  // ListOffers), under every approved campaign, since the change may move an overlap.
  // A campaign that no longer exists (deleted before its change was applied) has whatever
  // offers it still had withdrawn, and their products re-assembled for the rivals they beat.
  Result<AssemblyReport> AssembleCampaign(std::string_view campaign_id);

  // Price, stock or product data of these products changed, or they were deleted:
  // re-assembles their offers in every store, and only theirs.
  Result<AssemblyReport> OnProductsChanged(std::span<const std::string> product_ids);

  // The cheapest path: these stock levels were written. Stock changes only the quantity and
  // availability of existing offers, so each (product, store) offer is read, patched and
  // written back; no price is recomputed. Levels without an offer are ignored.
  Result<AssemblyReport> OnStockChanged(std::span<const StockLevel> levels);

  // The same for the (product, store) pairs named by change-log stock keys
  // ("product_id|store_id"): reads the current level of only those whose product a promotion
  // selects, so a million-row stock file of a catalogue with 2,000 promoted products reads
  // 4 % of it. A level deleted since is skipped (its product or store went too).
  // InvalidArgument for a key without '|'.
  Result<AssemblyReport> OnStockLevelsChanged(std::span<const std::string> stock_keys);

  // Store data changed (zone, banner, time zone...) or the stores were deleted:
  // re-assembles every promoted product in these stores, and only there.
  Result<AssemblyReport> OnStoresChanged(std::span<const std::string> store_ids);

  // Tombstones every offer of these promotions (before they are deleted). Rival offers they
  // beat come back with the next AssembleAll or OnProductsChanged of their products.
  Result<AssemblyReport> RetractPromotions(std::span<const std::string> promotion_ids);

  // Why `offer_id` ("promotion~product") looks the way it does in `store_id`, recomputed
  // from the repositories now: {"offer_id", "store_id", "product_id", "store",
  // "candidates": [{"promotion_id", "campaign_id", "mechanic", "priority", "exclusive",
  // "validity", "regular_price", "outcome" (published | lost | stacked | skipped),
  // "reason", "steps"}], "decision": {"winner", "loyalty", "losers": [{"promotion_id",
  // "reason"}]}, "price": {"regular", "shelf", ..., "steps"}, "reference_price": {"amount",
  // "exempt", "window": {"start", "end"}, "applied_from", "chain_start", "short_history"},
  // "stock": {"quantity", "availability"}, "published": the stored offer or null}.
  // NotFound when the promotion, product or store does not exist; InvalidArgument for a
  // malformed offer id.
  Result<nlohmann::json> Explain(std::string_view offer_id, std::string_view store_id);

  // The offers `proposal` (a campaign and its promotions: a draft, a submitted or rejected
  // campaign, an approved one's pending revision) would publish in `store_id` if it were
  // approved now, in place of the stored campaign of its id, computed as assembly computes
  // them against every other approved campaign and the catalogue as they are; each with the
  // explanation Explain gives of it once published ("published": the offer stored under
  // that id now, or null). Sorted by offer id. Writes nothing. With `product_ids`, only
  // those products' offers. Empty when the campaign ended more than
  // AssemblyOptions::ended_retention ago. NotFound when the store does not exist.
  Result<std::vector<PreviewOffer>> Preview(const CampaignRevision& proposal,
                                            std::string_view store_id,
                                            std::span<const std::string> product_ids = {});

 private:
  CatalogRepository& catalog_;
  CampaignRepository& campaigns_;
  OfferRepository& offers_;
  const AssemblyOptions options_;
  const Clock& clock_;
};

}  // namespace vitrine
