// CampaignChecks: the compliance report of one campaign, read before it is approved
// (GET /api/v1/campaigns/{id}/checks; approval is refused while a blocking finding stands).
//
// CheckCampaign reads the campaign's promotions, the products they select, the stores in
// scope with their prices and stock, and the other submitted or approved campaigns, and
// reports what stands in the way of publishing: invalid fields, selectors that select
// nothing, products missing data, prices that cannot be computed, the cumulated-advantage
// cap, announced reductions the 30-day reference price does not support, stock, and
// overlapping promotions with the one that wins. A promotion that another would beat in
// every store and at every time of its validity on a product is never published there: it
// gets an info finding saying so and no price or stock finding on that product. Findings
// carry a message in English and in French that names promotions and products by name,
// dates on the stores' wall clock and, where one exists, the fix; the ids they concern are
// in fields of their own. Prices are computed once per group of
// stores sharing a price timeline (the stores of one zone and time zone without store-level
// prices), never once per store. The function holds no state and is thread-safe when the
// repositories are.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "catalog/repository.h"
#include "common/status.h"
#include "common/time.h"
#include "offers/campaign.h"
#include "offers/compliance.h"
#include "offers/repository.h"

namespace vitrine {

// The finding codes CheckCampaign adds to those of compliance.h (promotion_cap_exceeded,
// missing_net_quantity, missing_gtin, in_store_gtin, missing_image), with their severity.
namespace check_codes {
// Campaign level.
inline constexpr char kCampaignInvalid[] = "campaign_invalid";              // blocking, per field
inline constexpr char kNoStoresInScope[] = "no_stores_in_scope";            // blocking
inline constexpr char kCampaignEnded[] = "campaign_ended";                  // blocking
inline constexpr char kNoPromotions[] = "no_promotions";                    // blocking
inline constexpr char kStoreUnknownTimeZone[] = "store_unknown_time_zone";  // blocking, per store
// Promotion level; messages start with the promotion's name (PromotionLabel).
inline constexpr char kPromotionInvalid[] = "promotion_invalid";     // blocking, per field
inline constexpr char kPromotionNoStores[] = "promotion_no_stores";  // blocking
inline constexpr char kSelectorMatchesNothing[] = "selector_matches_nothing";  // blocking
inline constexpr char kProductUnknown[] = "product_unknown";  // blocking, per listed id
// Per promotion and product; messages start with the promotion's name and the product's.
inline constexpr char kOutOfStockEverywhere[] = "out_of_stock_everywhere";   // warning
inline constexpr char kNoRegularPrice[] = "no_regular_price";                // blocking
inline constexpr char kPriceRefused[] = "price_refused";                     // blocking
inline constexpr char kNoReferencePrice[] = "no_reference_price";            // blocking
inline constexpr char kReductionNotSupported[] = "reduction_not_supported";  // blocking
inline constexpr char kReferenceShortHistory[] = "reference_short_history";  // warning
inline constexpr char kReferenceExempt[] = "reference_exempt";               // info
// Beaten in every store of its scope for the whole of its validity, by a promotion of the
// campaign or of an approved one: never published on the product, so its other findings
// there are left out (a submitted campaign's promotion does not count: it may never be
// approved).
inline constexpr char kPromotionNeverPublished[] = "promotion_never_published";  // info
// The reduction continues another campaign's, back to back: the reference price is the one
// before the first reduction of the chain.
inline constexpr char kReferenceChained[] = "reference_chained";  // info
// Another promotion covers the same product in a common store at a common time.
inline constexpr char kOverlap[] = "promotion_overlap";  // warning
// Products whose adverts will carry a mandatory mention (alcohol: the Loi Évin health
// warning), named in one finding after the per-product ones (CheckRegulatedMentions).
inline constexpr char kRegulatedMention[] = "regulated_mention";  // info
// A list was cut short; the message says how many findings were left out.
inline constexpr char kMoreFindings[] = "more_findings";  // the severity of what was left out
}  // namespace check_codes

struct CheckLimits {
  // Unknown listed product ids reported one by one, per promotion; then one summary.
  int unknown_products = 50;
  // Overlap findings reported, for the whole campaign; then one summary.
  int overlaps = 200;
  // Stores with an unknown time zone reported one by one; then one summary.
  int unknown_time_zones = 50;
};

struct CampaignChecks {
  // Campaign findings first, then each promotion's in promotion order, then per product in
  // product id order, then overlaps. A finding about several stores names one store only
  // when it concerns exactly one; its `stores` says how many, and its message ends with
  // that number (before the fix it suggests, if any).
  std::vector<Finding> findings;
  int blocking = 0, warnings = 0, infos = 0;  // findings by severity
  int promotions = 0;                         // of the campaign
  int products = 0;                           // distinct existing products selected
  int stores = 0;                             // in the campaign's scope

  // {"approvable": blocking == 0, "language": "fr" | "en", "blocking", "warnings", "infos",
  //  "promotions", "products", "stores", "findings": [{"severity", "code", "message" (in
  //  `locale`), "product_id", "store_id", "promotion_id", "other_promotion_id",
  //  "other_campaign_id", "stores" (each null when not set), "fix": null | {"promotion_id",
  //  "max_percent", "max_price", "min_price" ("7.97 EUR"), "make_exclusive"}}]}.
  nlohmann::json ToJson(Locale locale = Locale::kFrench) const;
};

// The report of `campaign` (as stored, or as about to be stored) at `now`, the stage being
// approval: the cap blocks. Reads `catalog` and `campaigns` only. Errors are the
// repositories' (IoError, Unavailable...); everything wrong with the campaign itself is a
// finding, never an error.
Result<CampaignChecks> CheckCampaign(CatalogRepository& catalog, CampaignRepository& campaigns,
                                     const Campaign& campaign, const ComplianceRules& rules,
                                     Instant now, const CheckLimits& limits = {});

}  // namespace vitrine
