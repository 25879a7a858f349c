#include "offer_rules.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "query_keys.h"

namespace vitrine::store_internal {

std::string FormatEntityId(std::string_view prefix, int64_t number) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%08lld", static_cast<long long>(number));
  return std::string(prefix) + digits;
}

Status StaleVersion(std::string_view what, int expected_version, int stored_version) {
  return Status::FailedPrecondition("version " + std::to_string(expected_version) +
                                    " is stale; the " + std::string(what) + " is at version " +
                                    std::to_string(stored_version));
}

Status CheckRevisionPromotions(const CampaignRevision& revision) {
  std::set<std::string_view> ids;
  for (const Promotion& p : revision.promotions) {
    if (p.id.empty()) return Status::InvalidArgument("a revision's promotion has no id");
    if (!ids.insert(p.id).second) {
      return Status::InvalidArgument("promotion \"" + p.id + "\" is twice in the revision");
    }
    if (p.campaign_id != revision.campaign.id) {
      return Status::InvalidArgument("promotion \"" + p.id + "\" names campaign \"" +
                                     p.campaign_id + "\", not the revision's \"" +
                                     revision.campaign.id + "\"");
    }
  }
  return Status::Ok();
}

Status CheckRevisionVersion(std::string_view campaign_id, std::optional<int> expected,
                            std::optional<int> stored) {
  if (expected == stored) return Status::Ok();
  if (!stored) {
    return Status::FailedPrecondition("campaign \"" + std::string(campaign_id) +
                                      "\" has no pending revision at version " +
                                      std::to_string(*expected));
  }
  if (!expected) {
    return Status::FailedPrecondition("campaign \"" + std::string(campaign_id) +
                                      "\" already has a pending revision, at version " +
                                      std::to_string(*stored));
  }
  return StaleVersion("revision", *expected, *stored);
}

Status CheckCampaignQuery(const CampaignQuery& query) {
  VITRINE_RETURN_IF_ERROR(CheckLimit(query.limit));
  if (query.status &&
      (*query.status == CampaignStatus::kLive || *query.status == CampaignStatus::kEnded)) {
    return Status::InvalidArgument("campaigns are not stored as \"" +
                                   std::string(CampaignStatusName(*query.status)) +
                                   "\": filter on approved and compare the dates");
  }
  return Status::Ok();
}

std::string OfferKey(const PublishedOffer& offer) { return offer.offer_id + "|" + offer.store_id; }

Result<OfferCursor> ParseOfferCursor(std::string_view after) {
  const size_t bar = after.find('|');
  if (bar == std::string_view::npos || bar == 0 || bar + 1 == after.size()) {
    return Status::InvalidArgument("malformed offer cursor \"" + std::string(after) +
                                   "\": expected offer_id|store_id");
  }
  return OfferCursor{std::string(after.substr(0, bar)), std::string(after.substr(bar + 1))};
}

namespace {

bool SameCurrency(const PublishedOffer& o) {
  const Currency c = o.regular_price.currency();
  auto same = [&](const Money& m) { return m.currency() == c; };
  auto same_opt = [&](const std::optional<Money>& m) { return !m || same(*m); };
  return same(o.shelf_price) && same(o.effective_unit_price) && same_opt(o.unit_price) &&
         same_opt(o.reference_price) && same_opt(o.loyalty_credit);
}

}  // namespace

Result<std::vector<uint32_t>> CheckReplaceOffers(const OfferRepository::Scope& scope,
                                                 const OfferBatch& batch) {
  if (scope.promotion_ids.empty()) {
    return Status::InvalidArgument("ReplaceOffers: the scope names no promotion");
  }
  for (const OfferBatch::Variant& v : batch.variants) {
    if (!SameCurrency(v.content)) {
      return Status::InvalidArgument("ReplaceOffers: the prices of offer \"" + v.content.offer_id +
                                     "\" are not all in one currency");
    }
  }
  const auto offer_id = [&](const OfferBatch::StoreOffer& o) -> const std::string& {
    return batch.variants[o.variant].content.offer_id;
  };
  std::vector<uint32_t> order(batch.offers.size());
  for (uint32_t i = 0; i < order.size(); ++i) {
    if (batch.offers[i].variant >= batch.variants.size()) {
      return Status::InvalidArgument("ReplaceOffers: an offer names a variant the batch lacks");
    }
    order[i] = i;
  }
  auto less = [&](uint32_t a, uint32_t b) {
    const OfferBatch::StoreOffer& x = batch.offers[a];
    const OfferBatch::StoreOffer& y = batch.offers[b];
    if (const int c = x.store_id.compare(y.store_id); c != 0) return c < 0;
    return offer_id(x) < offer_id(y);
  };
  // Assembly hands its offers over already in this order.
  if (!std::is_sorted(order.begin(), order.end(), less))
    std::sort(order.begin(), order.end(), less);
  for (size_t i = 1; i < order.size(); ++i) {
    const OfferBatch::StoreOffer& o = batch.offers[order[i]];
    const OfferBatch::StoreOffer& before = batch.offers[order[i - 1]];
    if (before.store_id == o.store_id && offer_id(before) == offer_id(o)) {
      return Status::InvalidArgument("ReplaceOffers: offer \"" + offer_id(o) + "\" of store \"" +
                                     o.store_id + "\" is given twice");
    }
  }
  return order;
}

std::string VariantHashOf(const OfferBatch::Variant& variant) {
  if (!variant.hash.empty()) return variant.hash;
  return VariantHash(variant.content, variant.content.mechanic_parameters.dump());
}

bool InReplaceScope(const OfferRepository::Scope& scope, std::string_view promotion_id,
                    std::string_view product_id, std::string_view store_id) {
  auto has = [](const std::vector<std::string>& ids, std::string_view id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  return has(scope.promotion_ids, promotion_id) &&
         (scope.product_ids.empty() || has(scope.product_ids, product_id)) &&
         (scope.store_ids.empty() || has(scope.store_ids, store_id));
}

bool InOfferCategory(std::string_view category, std::string_view wanted) {
  return category == wanted ||
         (category.size() > wanted.size() + 3 && category.starts_with(wanted) &&
          category.substr(wanted.size(), 3) == " > ");
}

bool OnChannel(const std::vector<std::string>& channels, std::string_view channel) {
  return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

std::string ChannelsText(const std::vector<std::string>& channels) {
  std::string text = ",";
  for (const std::string& c : channels) {
    text += c;
    text += ',';
  }
  return text;
}

std::vector<std::string> ParseChannelsText(std::string_view text) {
  std::vector<std::string> channels;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > start) channels.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return channels;
}

Status CheckOfferQuery(const OfferQuery& query) {
  VITRINE_RETURN_IF_ERROR(CheckLimit(query.limit));
  if (!query.after.empty()) return ParseOfferCursor(query.after).status();
  return Status::Ok();
}

bool MatchesOfferQuery(const PublishedOffer& offer, const OfferQuery& query) {
  if (!query.store_id.empty() && offer.store_id != query.store_id) return false;
  if (!query.channel.empty() && !OnChannel(offer.channels, query.channel)) return false;
  if (!query.campaign_id.empty() && offer.campaign_id != query.campaign_id) return false;
  if (!query.product_id.empty() && offer.product_id != query.product_id) return false;
  if (!query.category.empty() && !InOfferCategory(offer.category, query.category)) return false;
  if (query.at && !offer.validity.Contains(*query.at)) return false;
  if (!query.availability.empty() && std::find(query.availability.begin(), query.availability.end(),
                                               offer.availability) == query.availability.end()) {
    return false;
  }
  return true;
}

std::optional<Availability> ParseAvailability(std::string_view name) {
  for (Availability a :
       {Availability::kOutOfStock, Availability::kLimited, Availability::kInStock}) {
    if (AvailabilityName(a) == name) return a;
  }
  return std::nullopt;
}

}  // namespace vitrine::store_internal
