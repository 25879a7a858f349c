// MemoryDatabase as CampaignRepository and OfferRepository. Everything lives in State, under
// the same mutex as the catalogue, so Transaction() covers campaigns and offers too and its
// rollback restores them with the rest.
#include <algorithm>
#include <tuple>

#include "offer_rules.h"
#include "query_keys.h"
#include "store/memory_database.h"

namespace vitrine {

using store_internal::CheckLimit;
using store_internal::FormatEntityId;
using store_internal::StaleVersion;

// ---------------------------------------------------------------------------------------------
// Campaigns

Result<Campaign> MemoryDatabase::CreateCampaign(Campaign campaign, Instant now) {
  Lock lock(*this);
  campaign.id = FormatEntityId(store_internal::kCampaignIdPrefix, ++state_.last_campaign_number);
  campaign.version = 1;
  campaign.created_at = now;
  campaign.updated_at = now;
  state_.campaigns.emplace(campaign.id, campaign);
  return campaign;
}

Result<std::optional<Campaign>> MemoryDatabase::GetCampaign(std::string_view id) {
  Lock lock(*this);
  auto it = state_.campaigns.find(id);
  if (it == state_.campaigns.end()) return std::optional<Campaign>();
  return std::optional<Campaign>(it->second);
}

Result<Campaign> MemoryDatabase::UpdateCampaign(const Campaign& campaign, int expected_version,
                                                Instant now) {
  Lock lock(*this);
  auto it = state_.campaigns.find(campaign.id);
  if (it == state_.campaigns.end()) {
    return Status::NotFound("campaign \"" + campaign.id + "\" does not exist");
  }
  if (it->second.version != expected_version) {
    return StaleVersion("campaign", expected_version, it->second.version);
  }
  Campaign stored = campaign;
  stored.version = it->second.version + 1;
  stored.created_at = it->second.created_at;
  stored.updated_at = now;
  it->second = stored;
  return stored;
}

Result<bool> MemoryDatabase::DeleteCampaign(std::string_view id) {
  Lock lock(*this);
  auto it = state_.campaigns.find(id);
  if (it == state_.campaigns.end()) return false;
  std::erase_if(state_.promotions,
                [&](const auto& entry) { return entry.second.campaign_id == id; });
  if (auto revision = state_.revisions.find(id); revision != state_.revisions.end()) {
    state_.revisions.erase(revision);
  }
  state_.campaigns.erase(it);
  return true;
}

Result<Page<Campaign>> MemoryDatabase::ListCampaigns(const CampaignQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckCampaignQuery(query));
  Lock lock(*this);
  Page<Campaign> page;
  for (auto it = state_.campaigns.upper_bound(query.after); it != state_.campaigns.end(); ++it) {
    if (query.status && it->second.status != *query.status) continue;
    if (static_cast<int>(page.items.size()) == query.limit) {
      page.next_after = page.items.back().id;
      break;
    }
    page.items.push_back(it->second);
  }
  return page;
}

// ---------------------------------------------------------------------------------------------
// Promotions

Result<Promotion> MemoryDatabase::CreatePromotion(Promotion promotion) {
  Lock lock(*this);
  if (!state_.campaigns.contains(promotion.campaign_id)) {
    return Status::NotFound("campaign \"" + promotion.campaign_id + "\" does not exist");
  }
  if (promotion.id.empty()) {
    promotion.id =
        FormatEntityId(store_internal::kPromotionIdPrefix, ++state_.last_promotion_number);
  } else if (state_.promotions.contains(promotion.id)) {
    return Status::AlreadyExists("promotion \"" + promotion.id + "\" exists");
  }
  promotion.version = 1;
  state_.promotions.emplace(promotion.id, promotion);
  return promotion;
}

Result<std::optional<Promotion>> MemoryDatabase::GetPromotion(std::string_view id) {
  Lock lock(*this);
  auto it = state_.promotions.find(id);
  if (it == state_.promotions.end()) return std::optional<Promotion>();
  return std::optional<Promotion>(it->second);
}

Result<Promotion> MemoryDatabase::UpdatePromotion(const Promotion& promotion,
                                                  int expected_version) {
  Lock lock(*this);
  auto it = state_.promotions.find(promotion.id);
  if (it == state_.promotions.end()) {
    return Status::NotFound("promotion \"" + promotion.id + "\" does not exist");
  }
  if (it->second.version != expected_version) {
    return StaleVersion("promotion", expected_version, it->second.version);
  }
  if (!state_.campaigns.contains(promotion.campaign_id)) {
    return Status::NotFound("campaign \"" + promotion.campaign_id + "\" does not exist");
  }
  Promotion stored = promotion;
  stored.version = it->second.version + 1;
  it->second = stored;
  return stored;
}

Result<bool> MemoryDatabase::DeletePromotion(std::string_view id) {
  Lock lock(*this);
  return state_.promotions.erase(std::string(id)) > 0;
}

Result<std::vector<Promotion>> MemoryDatabase::ListPromotions(std::string_view campaign_id) {
  Lock lock(*this);
  std::vector<Promotion> promotions;
  for (const auto& [id, p] : state_.promotions) {
    if (p.campaign_id == campaign_id) promotions.push_back(p);
  }
  return promotions;
}

Result<std::string> MemoryDatabase::NewPromotionId() {
  Lock lock(*this);
  return FormatEntityId(store_internal::kPromotionIdPrefix, ++state_.last_promotion_number);
}

// ---------------------------------------------------------------------------------------------
// Revisions

Result<std::optional<CampaignRevision>> MemoryDatabase::GetRevision(std::string_view campaign_id) {
  Lock lock(*this);
  auto it = state_.revisions.find(campaign_id);
  if (it == state_.revisions.end()) return std::optional<CampaignRevision>();
  return std::optional<CampaignRevision>(it->second);
}

Status MemoryDatabase::PutRevision(const CampaignRevision& revision,
                                   std::optional<int> expected_version) {
  Lock lock(*this);
  const std::string& id = revision.campaign.id;
  if (!state_.campaigns.contains(id)) {
    return Status::NotFound("campaign \"" + id + "\" does not exist");
  }
  VITRINE_RETURN_IF_ERROR(store_internal::CheckRevisionPromotions(revision));
  for (const Promotion& p : revision.promotions) {
    if (auto live = state_.promotions.find(p.id);
        live != state_.promotions.end() && live->second.campaign_id != id) {
      return Status::InvalidArgument("promotion \"" + p.id + "\" is of campaign " +
                                     live->second.campaign_id);
    }
    for (const auto& [other_id, other] : state_.revisions) {
      if (other_id == id) continue;
      for (const Promotion& q : other.promotions) {
        if (q.id == p.id) {
          return Status::InvalidArgument("promotion \"" + p.id + "\" is in the revision of " +
                                         other_id);
        }
      }
    }
  }
  auto it = state_.revisions.find(id);
  const std::optional<int> stored =
      it == state_.revisions.end() ? std::nullopt : std::optional(it->second.campaign.version);
  VITRINE_RETURN_IF_ERROR(store_internal::CheckRevisionVersion(id, expected_version, stored));
  state_.revisions.insert_or_assign(id, revision);
  return Status::Ok();
}

Result<bool> MemoryDatabase::DeleteRevision(std::string_view campaign_id) {
  Lock lock(*this);
  auto it = state_.revisions.find(campaign_id);
  if (it == state_.revisions.end()) return false;
  state_.revisions.erase(it);
  return true;
}

Result<std::optional<std::string>> MemoryDatabase::FindRevisionOfPromotion(
    std::string_view promotion_id) {
  Lock lock(*this);
  for (const auto& [id, revision] : state_.revisions) {
    for (const Promotion& p : revision.promotions) {
      if (p.id == promotion_id) return std::optional<std::string>(id);
    }
  }
  return std::optional<std::string>();
}

// ---------------------------------------------------------------------------------------------
// Offers

Result<OfferWriteCounts> MemoryDatabase::ReplaceOfferBatch(const Scope& scope,
                                                           const OfferBatch& batch) {
  Result<std::vector<uint32_t>> order = store_internal::CheckReplaceOffers(scope, batch);
  if (!order.ok()) return order.status();
  std::vector<std::string> variant_hashes(batch.variants.size());
  auto variant_hash = [&](uint32_t v) -> const std::string& {
    std::string& hash = variant_hashes[v];
    if (hash.empty()) hash = store_internal::VariantHashOf(batch.variants[v]);
    return hash;
  };
  Lock lock(*this);
  OfferWriteCounts counts;
  // Built whole before anything changes, so the call stays all-or-nothing without a copy of
  // the state: nothing below can fail.
  std::set<OfferKey> given;
  for (const uint32_t index : *order) {
    const OfferBatch::StoreOffer& s = batch.offers[index];
    const PublishedOffer& o = batch.variants[s.variant].content;
    const std::string hash = s.content_hash.empty()
                                 ? StoreContentHash(variant_hash(s.variant), s.store_id,
                                                    s.stock_quantity, s.availability)
                                 : s.content_hash;
    OfferKey key{o.offer_id, s.store_id};
    auto it = state_.offers.find(key);
    const bool found = it != state_.offers.end();
    if (found && !it->second.deleted && it->second.offer.content_hash == hash) {
      ++counts.unchanged;
      given.insert(std::move(key));
      continue;
    }
    PublishedOffer stored = batch.Expand(index);
    stored.content_hash = hash;
    stored.version = found ? it->second.offer.version + 1 : 1;
    stored.seq = ++state_.last_offer_seq;
    if (found) {
      state_.offer_keys_by_seq.erase(it->second.offer.seq);
      if (it->second.offer.promotion_id != o.promotion_id) {
        state_.offer_keys_by_promotion[it->second.offer.promotion_id].erase(key);
      }
      ++(it->second.deleted ? counts.inserted : counts.updated);
      it->second = {std::move(stored), false};
    } else {
      ++counts.inserted;
      state_.offers.emplace(key, StoredOffer{std::move(stored), false});
    }
    state_.offer_keys_by_seq.emplace(state_.last_offer_seq, key);
    state_.offer_keys_by_promotion[o.promotion_id].insert(key);
    given.insert(std::move(key));
  }
  for (const std::string& promotion_id : scope.promotion_ids) {
    auto keys = state_.offer_keys_by_promotion.find(promotion_id);
    if (keys == state_.offer_keys_by_promotion.end()) continue;
    for (const OfferKey& key : keys->second) {
      StoredOffer& s = state_.offers.at(key);
      if (s.deleted || given.contains(key) ||
          !store_internal::InReplaceScope(scope, s.offer.promotion_id, s.offer.product_id,
                                          s.offer.store_id)) {
        continue;
      }
      state_.offer_keys_by_seq.erase(s.offer.seq);
      s.offer.seq = ++state_.last_offer_seq;
      s.deleted = true;
      state_.offer_keys_by_seq.emplace(s.offer.seq, key);
      ++counts.deleted;
    }
  }
  return counts;
}

Result<OfferWriteCounts> MemoryDatabase::UpdateOfferStock(
    std::span<const OfferStockUpdate> updates) {
  Lock lock(*this);
  OfferWriteCounts counts;
  for (const OfferStockUpdate& u : updates) {
    // The offer and its later stretches sort right after it.
    for (auto it = state_.offers.lower_bound(OfferKey{u.offer_id, ""});
         it != state_.offers.end() && it->first.first.starts_with(u.offer_id); ++it) {
      if (it->first.second != u.store_id || it->second.deleted ||
          !IsStretchOf(it->first.first, u.offer_id)) {
        continue;
      }
      PublishedOffer& o = it->second.offer;
      if (o.stock_quantity == u.stock_quantity && o.availability == u.availability) {
        ++counts.unchanged;
        continue;
      }
      o.stock_quantity = u.stock_quantity;
      o.availability = u.availability;
      o.content_hash = ContentHash(o);
      ++o.version;
      state_.offer_keys_by_seq.erase(o.seq);
      o.seq = ++state_.last_offer_seq;
      state_.offer_keys_by_seq.emplace(o.seq, it->first);
      ++counts.updated;
    }
  }
  return counts;
}

Result<std::optional<PublishedOffer>> MemoryDatabase::GetOffer(std::string_view offer_id,
                                                               std::string_view store_id) {
  Lock lock(*this);
  auto it = state_.offers.find(OfferKey{offer_id, store_id});
  if (it == state_.offers.end() || it->second.deleted) return std::optional<PublishedOffer>();
  return std::optional<PublishedOffer>(it->second.offer);
}

Result<Page<PublishedOffer>> MemoryDatabase::ListOffers(const OfferQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckOfferQuery(query));
  OfferKey after;
  if (!query.after.empty()) {
    Result<store_internal::OfferCursor> cursor = store_internal::ParseOfferCursor(query.after);
    if (!cursor.ok()) return cursor.status();
    after = {cursor->offer_id, cursor->store_id};
  }
  Lock lock(*this);
  Page<PublishedOffer> page;
  for (auto it = state_.offers.upper_bound(after); it != state_.offers.end(); ++it) {
    if (it->second.deleted || !store_internal::MatchesOfferQuery(it->second.offer, query)) {
      continue;
    }
    if (static_cast<int>(page.items.size()) == query.limit) {
      page.next_after = store_internal::OfferKey(page.items.back());
      break;
    }
    page.items.push_back(it->second.offer);
  }
  return page;
}

Result<std::vector<OfferChange>> MemoryDatabase::ListChanges(int64_t since, int limit,
                                                             std::string_view channel) {
  VITRINE_RETURN_IF_ERROR(CheckLimit(limit));
  Lock lock(*this);
  std::vector<OfferChange> changes;
  for (auto it = state_.offer_keys_by_seq.upper_bound(since);
       it != state_.offer_keys_by_seq.end() && static_cast<int>(changes.size()) < limit; ++it) {
    const StoredOffer& s = state_.offers.at(it->second);
    if (!channel.empty() && !store_internal::OnChannel(s.offer.channels, channel)) continue;
    OfferChange change{it->first, s.offer.offer_id, s.offer.store_id, s.deleted, std::nullopt};
    if (!s.deleted) change.offer = s.offer;
    changes.push_back(std::move(change));
  }
  return changes;
}

Result<int64_t> MemoryDatabase::LastSeq() {
  Lock lock(*this);
  return state_.last_offer_seq;
}

Status MemoryDatabase::RecordAssemblyRun(const AssemblyRun& run) {
  Lock lock(*this);
  std::vector<AssemblyRun>& runs = state_.assembly_runs;
  runs.push_back(run);
  std::erase_if(runs, [&](const AssemblyRun& r) { return r.at < run.at - std::chrono::hours(24); });
  ++state_.assembly_run_count;
  if (run.offers_written > 0) state_.last_published_at = run.at;
  return Status::Ok();
}

Result<std::optional<Instant>> MemoryDatabase::LastPublishedAt() {
  Lock lock(*this);
  return state_.last_published_at;
}

Result<int64_t> MemoryDatabase::AssemblyRunCount() {
  Lock lock(*this);
  return state_.assembly_run_count;
}

Result<OfferFigures> MemoryDatabase::ReadOfferFigures(Instant since) {
  Lock lock(*this);
  OfferFigures figures;
  std::map<std::tuple<std::string, std::string, std::vector<std::string>, Availability>, int64_t>
      counts;
  for (const auto& [key, stored] : state_.offers) {
    if (stored.deleted) continue;
    const PublishedOffer& o = stored.offer;
    ++counts[{o.store_id, o.campaign_id, o.channels, o.availability}];
  }
  for (const auto& [group, offers] : counts) {
    const auto& [store_id, campaign_id, channels, availability] = group;
    figures.counts.push_back({store_id, campaign_id, channels, availability, offers});
  }
  std::map<int64_t, int64_t> per_minute;
  for (const AssemblyRun& run : state_.assembly_runs) {
    if (run.at >= since && run.offers_written > 0) {
      per_minute[ToUnixSeconds(run.at) / 60] += run.offers_written;
    }
  }
  for (const auto& [minute, written] : per_minute) {
    figures.written_per_minute.emplace_back(FromUnixSeconds(minute * 60), written);
  }
  if (!state_.assembly_runs.empty()) figures.last_run = state_.assembly_runs.back();
  figures.runs = state_.assembly_run_count;
  return figures;
}

// ---------------------------------------------------------------------------------------------
// Streaming reads: the matching offers are copied under the lock and visited outside it, so
// `visit` may call back into the repository.

namespace {
bool MatchesOfferScan(const PublishedOffer& offer, const OfferScan& scan) {
  return (scan.store_id.empty() || offer.store_id == scan.store_id) &&
         (scan.channel.empty() || store_internal::OnChannel(offer.channels, scan.channel)) &&
         (scan.campaign_id.empty() || offer.campaign_id == scan.campaign_id) &&
         (!scan.ending_after || offer.validity.end > *scan.ending_after);
}
}  // namespace

Status MemoryDatabase::ScanOffers(const OfferScan& scan,
                                  const std::function<Status(const PublishedOffer&)>& visit) {
  std::vector<PublishedOffer> matching;
  {
    Lock lock(*this);
    if (scan.by_key) {
      for (const auto& [key, stored] : state_.offers) {
        if (!stored.deleted && MatchesOfferScan(stored.offer, scan)) {
          matching.push_back(stored.offer);
        }
      }
    } else {
      for (const auto& [seq, key] : state_.offer_keys_by_seq) {
        const StoredOffer& stored = state_.offers.at(key);
        if (!stored.deleted && stored.offer.seq == seq && MatchesOfferScan(stored.offer, scan)) {
          matching.push_back(stored.offer);
        }
      }
    }
  }
  for (const PublishedOffer& offer : matching) VITRINE_RETURN_IF_ERROR(visit(offer));
  return Status::Ok();
}

Status MemoryDatabase::ScanInventory(const OfferScan& scan,
                                     const std::function<Status(const OfferInventoryRow&)>& visit) {
  return ScanOffers(scan, [&](const PublishedOffer& o) {
    OfferInventoryRow row;
    row.product_id = o.product_id;
    row.store_id = o.store_id;
    row.timezone = o.timezone;
    row.validity = o.validity;
    row.regular_price = o.regular_price;
    row.shelf_price = o.shelf_price;
    row.stock_quantity = o.stock_quantity;
    row.availability = o.availability;
    return visit(row);
  });
}

}  // namespace vitrine
