// Rules of CampaignRepository and OfferRepository that every backend applies in the same
// way: how ids and cursors are spelled, the stale-version message, which stored offers a
// ReplaceOffers scope covers and which offers an OfferQuery selects. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "offers/repository.h"

namespace vitrine::store_internal {

// "C00000001" for (kCampaignIdPrefix, 1).
inline constexpr std::string_view kCampaignIdPrefix = "C";
inline constexpr std::string_view kPromotionIdPrefix = "PR";
std::string FormatEntityId(std::string_view prefix, int64_t number);

// FailedPrecondition "version 3 is stale; the campaign is at version 4" (`what` names the
// entity: "campaign", "promotion").
Status StaleVersion(std::string_view what, int expected_version, int stored_version);

// InvalidArgument unless every promotion of `revision` has an id, given once, and names the
// revision's campaign.
Status CheckRevisionPromotions(const CampaignRevision& revision);
// FailedPrecondition when a PutRevision naming `expected` meets the `stored` revision version
// (empty: none) of campaign `campaign_id`.
Status CheckRevisionVersion(std::string_view campaign_id, std::optional<int> expected,
                            std::optional<int> stored);

// InvalidArgument for a status that is never stored (live, ended) or a bad limit.
Status CheckCampaignQuery(const CampaignQuery& query);

// "offer_id|store_id", the OfferQuery cursor.
std::string OfferKey(const PublishedOffer& offer);
struct OfferCursor {
  std::string offer_id;
  std::string store_id;
};
// Parses an OfferKey; InvalidArgument when `after` is not one. Ids never contain '|', so
// the first bar is the separator.
Result<OfferCursor> ParseOfferCursor(std::string_view after);

// Checks a ReplaceOfferBatch call before anything is written and returns the indexes of
// `batch.offers` sorted by (store_id, offer_id), the order backends write in (see KeyLess in
// sqlite_offers.cc for why). InvalidArgument when
// the scope names no promotion, when an offer is given twice, or when an offer's prices are
// not all in one currency (the stores keep one currency per offer).
Result<std::vector<uint32_t>> CheckReplaceOffers(const OfferRepository::Scope& scope,
                                                 const OfferBatch& batch);

// The hash a batch's variant was given, else its VariantHash.
std::string VariantHashOf(const OfferBatch::Variant& variant);

// Whether the stored offer (promotion, product, store) is one that `scope` re-assembled.
bool InReplaceScope(const OfferRepository::Scope& scope, std::string_view promotion_id,
                    std::string_view product_id, std::string_view store_id);

// True when `category` is `wanted` or lies below it ("wanted > ..."), compared byte-wise as
// stored: the same rule as the catalogue's category filter.
bool InOfferCategory(std::string_view category, std::string_view wanted);

// True when `channels` (sorted or not) holds `channel`.
bool OnChannel(const std::vector<std::string>& channels, std::string_view channel);

// ",google,meta,": the stored form of an offer's channels, so one channel is found with a
// plain substring test (",google,") that cannot match a longer name.
std::string ChannelsText(const std::vector<std::string>& channels);
std::vector<std::string> ParseChannelsText(std::string_view text);

// InvalidArgument for a bad limit or cursor; used by both ListOffers.
Status CheckOfferQuery(const OfferQuery& query);

// True when the live offer passes every filter of `query` except the cursor and limit.
bool MatchesOfferQuery(const PublishedOffer& offer, const OfferQuery& query);

// "in_stock"... back to the enum; empty for a name AvailabilityName never gives.
std::optional<Availability> ParseAvailability(std::string_view name);

}  // namespace vitrine::store_internal
