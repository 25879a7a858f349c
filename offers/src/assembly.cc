#include "offers/assembly.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "catalog/price.h"
#include "offers/campaign_json.h"
#include "offers/reference_price.h"
#include "offers/regulated_mentions.h"
#include "price_groups.h"

namespace vitrine {
namespace {

using offers_internal::CheckReferenceInGroup;
using offers_internal::GroupPricing;
using offers_internal::GroupVerdict;
using offers_internal::OwnPriceStores;
using offers_internal::PriceGroupKey;
using offers_internal::PriceInGroup;
using offers_internal::ReferenceCheck;

constexpr std::string_view kNoPrice = "no_price_in_store";
constexpr std::string_view kMechanicRefused = "mechanic_refused";
constexpr std::string_view kNoReference = "no_reference_price";
constexpr std::string_view kReductionNotSupported = "reduction_not_supported";
constexpr std::string_view kCapExceeded = "promotion_cap_exceeded";
constexpr std::string_view kUnknownTimeZone = "unknown_time_zone";

constexpr int kPageLimit = 1000;
// Product ids per ReplaceOffers scope when the scope also covers products nobody selects.
// 5,000: a chunk of 200 promoted products spans about as many when 4 % of a catalogue is
// promoted, so the per-write product count, not this bound, sizes the writes.
constexpr size_t kMaxScopeProducts = 5000;
// Promotion ids per tombstoning call.
constexpr size_t kMaxTombstonePromotions = 500;

std::string OfferIdOf(std::string_view promotion_id, std::string_view product_id) {
  std::string id;
  id.reserve(promotion_id.size() + 1 + product_id.size());
  id.append(promotion_id).append("~").append(product_id);
  return id;
}

nlohmann::json ParametersOf(const Mechanic& mechanic) {
  nlohmann::json json = ToJson(mechanic);
  json.erase("type");
  return json;
}

nlohmann::json IntervalJson(const Interval& interval) {
  return {{"start", FormatUtc(interval.begin)}, {"end", FormatUtc(interval.end)}};
}

nlohmann::json PriceJson(const OfferPrice& price) {
  return {{"regular", price.regular_unit_price.ToFeedString()},
          {"shelf", price.shelf_price.ToFeedString()},
          {"immediate_unit", price.immediate_unit_price.ToFeedString()},
          {"loyalty_credit", price.loyalty_credit.ToFeedString()},
          {"effective_unit", price.effective_unit_price.ToFeedString()},
          {"total_advantage", price.total_advantage.ToFeedString()},
          {"units_for_full_advantage", price.units_for_full_advantage},
          {"steps", price.steps}};
}

nlohmann::json ReferenceJson(const ReferencePrice& reference) {
  return {{"amount",
           reference.amount ? nlohmann::json(reference.amount->ToFeedString()) : nlohmann::json()},
          {"exempt", reference.exempt},
          {"window", IntervalJson(reference.window)},
          {"applied_from",
           reference.exempt ? nlohmann::json() : nlohmann::json(FormatUtc(reference.applied_from))},
          {"chain_start", FormatUtc(reference.chain_start)},
          {"short_history", reference.short_history}};
}

// One approved campaign's promotion, with what every offer of it shares.
struct ActivePromotion {
  Promotion promotion;
  size_t campaign = 0;  // index into Plan::campaigns
  std::vector<std::string> channels;
  std::string mechanic_name;
  nlohmann::json parameters;
};

// A product to assemble, with the active promotions that select it.
struct SelectedProduct {
  Product product;
  std::vector<int> promotions;  // indices into Plan::promotions, increasing
};

// What the calling thread reads for one product before the workers compute it.
struct ProductInput {
  const SelectedProduct* selected = nullptr;
  std::vector<Price> history;
  std::vector<std::pair<std::string, int64_t>> stock;  // by store id, sorted
};

enum class Outcome { kPublished, kLost, kStacked, kSkipped };

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPublished:
      return "published";
    case Outcome::kLost:
      return "lost";
    case Outcome::kStacked:
      return "stacked";
    case Outcome::kSkipped:
      return "skipped";
  }
  return "skipped";
}

// A stretch of a candidate's validity with one outcome: published (with `partner` the
// loyalty candidate stacked on it, or -1), stacked (on immediate candidate `partner`) or
// lost (to `partner`, -1 when unknown).
struct Segment {
  Interval validity;
  Outcome outcome = Outcome::kLost;
  int partner = -1;
  std::string reason;  // lost or stacked: why, for a person
};

// How one promotion fared for one product in one group of stores.
struct CandidateOutcome {
  int promotion = 0;
  Interval validity{};
  std::optional<Money> regular;
  std::optional<OfferPrice> price;  // alone, without stacking
  std::optional<ReferencePrice> reference;
  Outcome outcome = Outcome::kSkipped;
  std::string reason_code;  // a skip reason code, empty otherwise
  std::string reason;       // for a person
  // Priced candidates: their validity cut where the outcome changes, in time order.
  std::vector<Segment> segments;
  int stacked_loyalty = -1;  // the first candidate index stacked on a published segment
  int stacked_on = -1;       // the first candidate index this loyalty credit is folded into
};

// The offers of one product shared by a group of stores: same price timeline, time zone
// and promotions in scope. Store fields (store_id, stock) are filled per store.
struct GroupResult {
  std::vector<CandidateOutcome> candidates;
  std::vector<PublishedOffer> offers;
  std::vector<OfferPrice> offer_prices;  // beside offers: the stacked price with its steps
  std::vector<int> offer_candidate;      // beside offers: index into candidates
  std::map<std::string, int64_t> skipped;
  int64_t losses = 0;
  int64_t stacked = 0;
};

// Counters one worker accumulates.
struct Tally {
  int64_t considered = 0;
  std::map<std::string, int64_t> skipped;
  int64_t losses = 0;
  int64_t stacked = 0;

  void Add(const Tally& other) {
    considered += other.considered;
    for (const auto& [reason, n] : other.skipped) skipped[reason] += n;
    losses += other.losses;
    stacked += other.stacked;
  }
};

void AddTally(const Tally& tally, AssemblyReport* report) {
  report->offers_considered += tally.considered;
  for (const auto& [reason, n] : tally.skipped) {
    report->skipped_by_reason[reason] += n;
    report->skipped += n;
  }
  report->overlap_losses += tally.losses;
  report->loyalty_stacked += tally.stacked;
}

void AddCounts(const OfferWriteCounts& counts, AssemblyReport* report) {
  report->inserted += counts.inserted;
  report->updated += counts.updated;
  report->unchanged += counts.unchanged;
  report->deleted += counts.deleted;
}

// The approved campaigns and their promotions, as of the start of a call.
struct Plan {
  std::vector<Campaign> campaigns;
  std::vector<ActivePromotion> promotions;
  std::vector<std::string> active_promotion_ids;    // sorted
  std::vector<std::string> inactive_promotion_ids;  // of the other campaigns, when asked
};

// Products to compute and the product ids the write scope covers (a superset: products
// that no promotion selects any more lose their offers).
struct Chunk {
  std::vector<std::string> scope_product_ids;
  std::vector<const SelectedProduct*> products;
};

// What the free functions below work with: an Assembler's members.
struct Deps {
  CatalogRepository& catalog;
  CampaignRepository& campaigns;
  OfferRepository& offers;
  const AssemblyOptions& options;
  const Clock& clock;
};

// Everything the workers read, built once per call. Read-only while they run.
struct AssemblyContext {
  const std::vector<Campaign>* campaigns = nullptr;
  const std::vector<ActivePromotion>* promotions = nullptr;
  const AssemblyOptions* options = nullptr;
  std::vector<Store> stores;
  std::vector<int> store_zone;  // price zone index per store
  std::vector<int> store_tz;    // index into time_zones; -1 when unknown
  std::vector<TimeZone> time_zones;
  std::vector<std::vector<char>> in_scope;      // [promotion][store]
  std::vector<std::vector<Interval>> validity;  // [promotion][time zone]
};

Result<AssemblyContext> BuildContext(const std::vector<Campaign>& campaigns,
                                     const std::vector<ActivePromotion>& promotions,
                                     const AssemblyOptions& options, std::vector<Store> stores) {
  AssemblyContext ctx;
  ctx.campaigns = &campaigns;
  ctx.promotions = &promotions;
  ctx.options = &options;
  ctx.stores = std::move(stores);
  // In id order, the order offers are written in (ComputeChunk).
  std::sort(ctx.stores.begin(), ctx.stores.end(),
            [](const Store& a, const Store& b) { return a.id < b.id; });
  std::map<std::string, int> zones;
  std::map<std::string, int> tz_by_name;
  for (const Store& store : ctx.stores) {
    ctx.store_zone.push_back(zones.emplace(store.price_zone, zones.size()).first->second);
    auto it = tz_by_name.find(store.timezone);
    if (it == tz_by_name.end()) {
      auto zone = TimeZone::Locate(store.timezone);
      int index = -1;
      if (zone.ok()) {
        index = static_cast<int>(ctx.time_zones.size());
        ctx.time_zones.push_back(*zone);
      }
      it = tz_by_name.emplace(store.timezone, index).first;
    }
    ctx.store_tz.push_back(it->second);
  }
  for (const ActivePromotion& active : promotions) {
    const Campaign& campaign = campaigns[active.campaign];
    std::vector<char> scope(ctx.stores.size());
    for (size_t s = 0; s < ctx.stores.size(); ++s) {
      scope[s] = InScope(campaign, active.promotion, ctx.stores[s]) ? 1 : 0;
    }
    ctx.in_scope.push_back(std::move(scope));
    std::vector<Interval> validity;
    for (const TimeZone& zone : ctx.time_zones) validity.push_back(ValidityIn(campaign, zone));
    ctx.validity.push_back(std::move(validity));
  }
  return ctx;
}

// The start of the chain of back-to-back reductions that `candidate` continues: the
// reference price of successive reductions is the one before the first.
Instant ChainStart(const std::vector<CandidateOutcome>& candidates, size_t candidate,
                   const std::vector<ActivePromotion>& promotions) {
  Instant start = candidates[candidate].validity.begin;
  for (bool moved = true; moved;) {
    moved = false;
    for (size_t j = 0; j < candidates.size(); ++j) {
      const CandidateOutcome& other = candidates[j];
      if (j == candidate || !other.price) continue;
      if (!IsImmediate(promotions[other.promotion].promotion.mechanic)) continue;
      if (other.validity.begin < start && other.validity.end >= start) {
        start = other.validity.begin;
        moved = true;
      }
    }
  }
  return start;
}

std::string UnitPricingBaseLabel(const Quantity& base) {
  std::string label = base.ToDisplayString();
  if (label == "1 pièces") label = "1 pièce";
  return label;
}

void Skip(CandidateOutcome* candidate, std::string_view code, std::string reason) {
  candidate->outcome = Outcome::kSkipped;
  candidate->reason_code = std::string(code);
  candidate->reason = std::move(reason);
}

// The shared part of a published offer of `c` (its store fields, id, validity and time
// zone are the caller's), priced at `price`: its own, or with `loyalty` stacked on it.
PublishedOffer BuildOffer(const AssemblyContext& ctx, const Product& product,
                          const ActivePromotion& active, const CandidateOutcome& c,
                          const OfferPrice& price, const ActivePromotion* loyalty) {
  const Campaign& campaign = (*ctx.campaigns)[active.campaign];
  const Mechanic& mechanic = active.promotion.mechanic;
  const bool announces = AnnouncesPriceCut(mechanic);
  std::optional<Money> reference_amount;
  if (c.reference && c.reference->amount) reference_amount = c.reference->amount;

  PublishedOffer offer;
  offer.campaign_id = campaign.id;
  offer.promotion_id = active.promotion.id;
  offer.product_id = product.id;
  offer.category = product.category;
  offer.channels = active.channels;
  offer.regular_price = *c.regular;
  offer.shelf_price = price.shelf_price;
  offer.effective_unit_price = price.effective_unit_price;
  if (product.net_quantity) {
    Quantity base = product.net_quantity->UnitPricingBase();
    if (product.unit_pricing_base &&
        product.unit_pricing_base->dimension() == product.net_quantity->dimension()) {
      base = *product.unit_pricing_base;
    }
    offer.unit_price = UnitPrice(price.effective_unit_price, *product.net_quantity, base);
    offer.unit_pricing_base = UnitPricingBaseLabel(base);
  }
  offer.reference_price = reference_amount;
  if (announces) {
    if (const auto* percent_off = std::get_if<PercentOff>(&mechanic)) {
      offer.discount_percent = percent_off->percent;
    } else {
      offer.discount_percent =
          SupportedPercent(reference_amount.value_or(*c.regular), price.shelf_price);
    }
  }
  offer.mechanic = active.mechanic_name;
  offer.mechanic_parameters = active.parameters;
  OfferTexts texts = ApplyOverrides(
      Texts(mechanic, price, ctx.options->locale, announces ? reference_amount : std::nullopt),
      active.promotion);
  if (loyalty) {
    offer.loyalty_credit = price.loyalty_credit;
    offer.mechanic_parameters["stacked_loyalty_credit"] = {{"promotion_id", loyalty->promotion.id},
                                                           {"parameters", loyalty->parameters}};
    const OfferTexts credit = ApplyOverrides(
        Texts(loyalty->promotion.mechanic, price, ctx.options->locale), loyalty->promotion);
    texts.badge += " + " + credit.badge;
    texts.headline += ", " + credit.headline;
    texts.legal = JoinLegal(texts.legal, credit.legal);
  } else if (KindOf(mechanic) == MechanicKind::kLoyaltyCredit) {
    offer.loyalty_credit = price.loyalty_credit;
  }
  offer.badge = std::move(texts.badge);
  offer.headline = std::move(texts.headline);
  const ComplianceRules* rules = ctx.options->compliance ? &*ctx.options->compliance : nullptr;
  offer.legal =
      JoinLegal(texts.legal, RegulatedMentionFor(product.category, ctx.options->locale, rules));
  return offer;
}

// Prices, checks and resolves the overlap of the promotions `subset` of one product over a
// group of stores sharing `timeline` and time zone `tz`, and builds the offers' shared part.
GroupResult ComputeGroup(const AssemblyContext& ctx, const Product& product,
                         const std::vector<int>& subset, const std::vector<AppliedPrice>& timeline,
                         int tz) {
  const std::vector<ActivePromotion>& promotions = *ctx.promotions;
  const ComplianceRules* rules = ctx.options->compliance ? &*ctx.options->compliance : nullptr;
  GroupResult group;
  group.candidates.resize(subset.size());
  for (size_t k = 0; k < subset.size(); ++k) {
    CandidateOutcome& c = group.candidates[k];
    c.promotion = subset[k];
    c.validity = ctx.validity[c.promotion][tz];
    const Promotion& promotion = promotions[c.promotion].promotion;
    GroupPricing pricing =
        PriceInGroup(timeline, c.validity.begin, promotion.mechanic, product, rules);
    c.regular = pricing.regular;
    switch (pricing.verdict) {
      case GroupVerdict::kNoRegularPrice:
        Skip(&c, kNoPrice, "no regular price in this store at " + FormatUtc(c.validity.begin));
        continue;
      case GroupVerdict::kMechanicRefused:
        Skip(&c, kMechanicRefused, std::move(pricing.message));
        continue;
      case GroupVerdict::kCapExceeded:
        Skip(&c, kCapExceeded, std::move(pricing.cap->message));
        continue;
      default:
        c.price = std::move(pricing.price);
    }
  }
  // Reference prices once every candidate is priced: a chain may run through any of them.
  for (size_t k = 0; k < subset.size(); ++k) {
    CandidateOutcome& c = group.candidates[k];
    if (!c.price) continue;
    const Mechanic& mechanic = promotions[c.promotion].promotion.mechanic;
    const Instant chain_start = ChainStart(group.candidates, k, promotions);
    ReferenceCheck check =
        CheckReferenceInGroup(timeline, product, mechanic, *c.price, c.validity.begin, chain_start);
    if (check.reference.ok()) c.reference = std::move(check.reference).value();
    if (check.verdict == GroupVerdict::kNoReferencePrice) {
      c.price.reset();
      Skip(&c, kNoReference, std::move(check.message));
    } else if (check.verdict == GroupVerdict::kReductionNotSupported) {
      c.price.reset();
      Skip(&c, kReductionNotSupported, std::move(check.message));
    }
  }
  for (const CandidateOutcome& c : group.candidates) {
    if (c.outcome == Outcome::kSkipped && !c.reason_code.empty()) ++group.skipped[c.reason_code];
  }

  // Overlaps work on time. The priced candidates' validities cut time into slices; in each
  // slice the candidates valid throughout it compete (ResolveOverlap), and each candidate's
  // outcome is merged over consecutive slices into segments. So a promotion loses only
  // while another wins, and a loyalty credit is folded into an immediate offer only while
  // both hold: the rest of the time each is published on its own.
  std::vector<size_t> priced;
  std::vector<Instant> bounds;
  for (size_t k = 0; k < group.candidates.size(); ++k) {
    if (!group.candidates[k].price) continue;
    priced.push_back(k);
    bounds.push_back(group.candidates[k].validity.begin);
    bounds.push_back(group.candidates[k].validity.end);
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  auto id_of = [&](size_t k) -> const std::string& {
    return promotions[group.candidates[k].promotion].promotion.id;
  };
  // The price of an immediate winner with a loyalty credit stacked on it, per pair.
  std::map<std::pair<size_t, size_t>, Result<OfferPrice>> stacks;
  auto stacked_price = [&](size_t immediate, size_t loyalty) -> const Result<OfferPrice>& {
    auto it = stacks.find({immediate, loyalty});
    if (it == stacks.end()) {
      const CandidateOutcome& c = group.candidates[immediate];
      it = stacks
               .emplace(
                   std::pair{immediate, loyalty},
                   ComputePrice(promotions[c.promotion].promotion.mechanic, *c.regular,
                                promotions[group.candidates[loyalty].promotion].promotion.mechanic))
               .first;
    }
    return it->second;
  };
  auto append = [&](size_t k, const Interval& slice, Outcome outcome, int partner,
                    std::string reason) {
    std::vector<Segment>& segments = group.candidates[k].segments;
    if (!segments.empty() && segments.back().validity.end == slice.begin &&
        segments.back().outcome == outcome && segments.back().partner == partner) {
      segments.back().validity.end = slice.end;
      return;
    }
    segments.push_back({slice, outcome, partner, std::move(reason)});
  };
  std::vector<size_t> members;
  std::vector<OverlapCandidate> competing;
  for (size_t b = 0; b + 1 < bounds.size(); ++b) {
    const Interval slice{bounds[b], bounds[b + 1]};
    members.clear();
    competing.clear();
    for (size_t k : priced) {
      const CandidateOutcome& c = group.candidates[k];
      if (c.validity.begin > slice.begin || c.validity.end < slice.end) continue;
      const ActivePromotion& active = promotions[c.promotion];
      members.push_back(k);
      competing.push_back({active.promotion.id, active.promotion.priority,
                           active.promotion.exclusive, active.promotion.mechanic, *c.price});
    }
    if (members.empty()) continue;
    const OverlapResolution resolution = ResolveOverlap(competing);
    const int immediate =
        resolution.immediate ? static_cast<int>(members[*resolution.immediate]) : -1;
    const int loyalty = resolution.loyalty ? static_cast<int>(members[*resolution.loyalty]) : -1;
    std::string stack_error;
    if (immediate >= 0 && loyalty >= 0) {
      const Result<OfferPrice>& stacked = stacked_price(immediate, loyalty);
      if (!stacked.ok()) {
        stack_error = "cannot stack on " + id_of(immediate) + ": " + stacked.status().message();
      }
    }
    for (size_t m = 0; m < members.size(); ++m) {
      const auto k = static_cast<int>(members[m]);
      if (k == immediate) {
        append(k, slice, Outcome::kPublished, stack_error.empty() ? loyalty : -1, "");
      } else if (k == loyalty && immediate < 0) {
        append(k, slice, Outcome::kPublished, -1, "");
      } else if (k == loyalty && stack_error.empty()) {
        append(k, slice, Outcome::kStacked, immediate, "stacked on " + id_of(immediate));
      } else if (k == loyalty) {
        append(k, slice, Outcome::kLost, immediate, stack_error);
      } else {
        // Lost to the winner of its kind, or to the exclusive one that dropped it.
        const bool is_immediate =
            IsImmediate(promotions[group.candidates[k].promotion].promotion.mechanic);
        int winner = is_immediate ? immediate : loyalty;
        if (winner < 0) winner = is_immediate ? loyalty : immediate;
        std::string reason = "another promotion wins this store";
        for (const OverlapLoss& loss : resolution.losers) {
          if (loss.promotion_id == competing[m].promotion_id) reason = loss.reason;
        }
        append(k, slice, Outcome::kLost, winner, std::move(reason));
      }
    }
  }
  // Each candidate's overall outcome, for the report and the explain route: published if
  // it is anywhere, else stacked if it is anywhere, else lost.
  for (size_t k : priced) {
    CandidateOutcome& c = group.candidates[k];
    const Segment* published = nullptr;
    const Segment* stacked = nullptr;
    const Segment* lost = nullptr;
    for (const Segment& segment : c.segments) {
      const Segment** first = segment.outcome == Outcome::kPublished ? &published
                              : segment.outcome == Outcome::kStacked ? &stacked
                                                                     : &lost;
      if (!*first) *first = &segment;
      if (segment.outcome == Outcome::kPublished && segment.partner >= 0 && c.stacked_loyalty < 0) {
        c.stacked_loyalty = segment.partner;
      }
    }
    if (stacked) {
      c.stacked_on = stacked->partner;
      ++group.stacked;
    }
    const Segment* shown = published ? published : stacked ? stacked : lost;
    c.outcome = shown->outcome;
    c.reason = shown->reason;
    if (c.outcome == Outcome::kLost) ++group.losses;
    if (c.segments.size() > 1) {
      // The whole story, for a person: "stacked on PR2 from 2026-12-10T23:00:00Z; ...".
      std::string story;
      for (const Segment& segment : c.segments) {
        if (!story.empty()) story += "; ";
        story += std::string(OutcomeName(segment.outcome)) + " from " +
                 FormatUtc(segment.validity.begin) + " to " + FormatUtc(segment.validity.end);
        if (!segment.reason.empty()) story += " (" + segment.reason + ")";
      }
      c.reason = std::move(story);
    }
  }

  // One offer per published segment, the first keeping the plain offer id.
  const TimeZone& zone = ctx.time_zones[tz];
  for (size_t k = 0; k < group.candidates.size(); ++k) {
    const CandidateOutcome& c = group.candidates[k];
    bool first = true;
    for (const Segment& segment : c.segments) {
      if (segment.outcome != Outcome::kPublished) continue;
      const ActivePromotion& active = promotions[c.promotion];
      const ActivePromotion* loyalty =
          segment.partner >= 0 ? &promotions[group.candidates[segment.partner].promotion] : nullptr;
      OfferPrice price = loyalty ? stacked_price(k, segment.partner).value() : *c.price;
      PublishedOffer offer = BuildOffer(ctx, product, active, c, price, loyalty);
      offer.offer_id = SegmentOfferId(active.promotion.id, product.id, first,
                                      zone.ToLocal(segment.validity.begin));
      offer.validity = segment.validity;
      offer.timezone = std::string(zone.name());
      first = false;
      group.offers.push_back(std::move(offer));
      group.offer_prices.push_back(std::move(price));
      group.offer_candidate.push_back(static_cast<int>(k));
    }
  }
  return group;
}

// A product's offers in every store of the context, with the per-store fields filled.
class ProductAssembly {
 public:
  ProductAssembly(const AssemblyContext& ctx, const ProductInput& input)
      : ctx_(ctx), input_(input), own_price_(input.history) {}

  // Appends the offers of store `s` to `out` and counts what happened in `tally`: each
  // group's offers become variants of `out` once, on the first store of the group, so every
  // call on one ProductAssembly must append to the same batch.
  // Returns the group the store fell in, or nullptr when no promotion covers it there.
  const GroupResult* AssembleStore(size_t s, OfferBatch* out, Tally* tally) {
    const Store& store = ctx_.stores[s];
    subset_.clear();
    for (int promotion : input_.selected->promotions) {
      if (ctx_.in_scope[promotion][s]) subset_.push_back(promotion);
    }
    if (subset_.empty()) return nullptr;
    tally->considered += static_cast<int64_t>(subset_.size());
    const int tz = ctx_.store_tz[s];
    if (tz < 0) {
      tally->skipped[std::string(kUnknownTimeZone)] += static_cast<int64_t>(subset_.size());
      return nullptr;
    }
    const int price_group =
        PriceGroupKey(own_price_.Contains(store.id), static_cast<int>(s), ctx_.store_zone[s]);
    key_.clear();
    auto put = [this](int value) { key_.append(reinterpret_cast<const char*>(&value), 4); };
    put(price_group);
    put(tz);
    for (int promotion : subset_) put(promotion);
    auto it = groups_.find(key_);
    if (it == groups_.end()) {
      auto timeline = timelines_.find(price_group);
      if (timeline == timelines_.end()) {
        timeline =
            timelines_.emplace(price_group, AppliedPriceTimeline(input_.history, store)).first;
      }
      it = groups_
               .emplace(key_, Group{ComputeGroup(ctx_, input_.selected->product, subset_,
                                                 timeline->second, tz)})
               .first;
    }
    Group& entry = it->second;
    const GroupResult& group = entry.result;
    if (!entry.first_variant) {
      entry.first_variant = static_cast<uint32_t>(out->variants.size());
      for (const PublishedOffer& offer : group.offers) {
        out->variants.push_back({offer, VariantHash(offer, offer.mechanic_parameters.dump())});
      }
    }
    for (const auto& [reason, n] : group.skipped) tally->skipped[reason] += n;
    tally->losses += group.losses;
    tally->stacked += group.stacked;
    const int64_t quantity = StockOf(store.id);
    const Availability availability =
        AvailabilityOf(quantity, ctx_.options->limited_stock_threshold);
    for (uint32_t k = 0; k < group.offers.size(); ++k) {
      const uint32_t variant = *entry.first_variant + k;
      out->offers.push_back(
          {variant, store.id, quantity, availability,
           StoreContentHash(out->variants[variant].hash, store.id, quantity, availability)});
    }
    return &group;
  }

  int64_t StockOf(const std::string& store_id) const {
    auto it =
        std::lower_bound(input_.stock.begin(), input_.stock.end(), store_id,
                         [](const auto& entry, const std::string& id) { return entry.first < id; });
    return it != input_.stock.end() && it->first == store_id ? it->second : 0;
  }

 private:
  const AssemblyContext& ctx_;
  const ProductInput& input_;
  const OwnPriceStores own_price_;
  std::unordered_map<int, std::vector<AppliedPrice>> timelines_;
  struct Group {
    GroupResult result;
    std::optional<uint32_t> first_variant;  // of its offers in the batch, once added
  };
  std::unordered_map<std::string, Group> groups_;
  std::vector<int> subset_;
  std::string key_;
};

// The offers of one chunk of products, computed on `threads` workers.
struct ChunkOutput {
  OfferBatch batch;
  Tally tally;
};

// Each worker takes a contiguous range of the stores (in id order) and assembles every
// product of the chunk store by store, so the offers come out in (store_id, offer_id)
// order once each store's few offers are sorted: the order the repository writes in,
// without sorting the whole chunk. A group's content is hashed once per worker, and each
// store offer only adds its store fields to that hash (StoreContentHash).
ChunkOutput ComputeChunk(const AssemblyContext& ctx, const std::vector<ProductInput>& inputs,
                         int threads) {
  const size_t workers = static_cast<size_t>(std::max(threads, 1));
  std::vector<OfferBatch> parts(workers);
  std::vector<Tally> tallies(workers);
  auto work = [&](size_t worker) {
    std::vector<ProductAssembly> products;
    products.reserve(inputs.size());
    for (const ProductInput& input : inputs) products.emplace_back(ctx, input);
    OfferBatch& out = parts[worker];
    const size_t stores = ctx.stores.size();
    for (size_t s = stores * worker / workers; s < stores * (worker + 1) / workers; ++s) {
      const size_t first = out.offers.size();
      for (ProductAssembly& product : products) product.AssembleStore(s, &out, &tallies[worker]);
      std::sort(out.offers.begin() + static_cast<ptrdiff_t>(first), out.offers.end(),
                [&out](const OfferBatch::StoreOffer& a, const OfferBatch::StoreOffer& b) {
                  return out.variants[a.variant].content.offer_id <
                         out.variants[b.variant].content.offer_id;
                });
    }
  };
  std::vector<std::thread> helpers;
  for (size_t w = 1; w < workers; ++w) helpers.emplace_back(work, w);
  work(0);
  for (std::thread& helper : helpers) helper.join();

  ChunkOutput output;
  output.batch = std::move(parts[0]);
  for (size_t w = 1; w < workers; ++w) {
    const auto base = static_cast<uint32_t>(output.batch.variants.size());
    std::move(parts[w].variants.begin(), parts[w].variants.end(),
              std::back_inserter(output.batch.variants));
    for (OfferBatch::StoreOffer& offer : parts[w].offers) {
      offer.variant += base;
      output.batch.offers.push_back(std::move(offer));
    }
  }
  for (const Tally& tally : tallies) output.tally.Add(tally);
  return output;
}

std::vector<std::string> SortedUnique(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Whether assembly publishes `campaign` at `now`: approved, and not ended beyond retention.
bool IsActive(const Campaign& campaign, Instant now, const AssemblyOptions& options) {
  // The latest zone on earth (UTC−12) reaches the local end 12 hours after UTC does.
  const Instant ended_everywhere =
      Instant(campaign.end_local.time_since_epoch()) + std::chrono::hours(12);
  return campaign.status == CampaignStatus::kApproved &&
         now < ended_everywhere + options.ended_retention;
}

// Adds an active campaign and its promotions to `plan`.
void AddActive(Campaign campaign, std::vector<Promotion> promotions, Plan* plan) {
  std::vector<std::string> channels(campaign.channels.begin(), campaign.channels.end());
  for (Promotion& promotion : promotions) {
    ActivePromotion active_promotion;
    active_promotion.campaign = plan->campaigns.size();
    active_promotion.channels = channels;
    active_promotion.mechanic_name = std::string(MechanicKindName(KindOf(promotion.mechanic)));
    active_promotion.parameters = ParametersOf(promotion.mechanic);
    plan->active_promotion_ids.push_back(promotion.id);
    active_promotion.promotion = std::move(promotion);
    plan->promotions.push_back(std::move(active_promotion));
  }
  plan->campaigns.push_back(std::move(campaign));
}

// The campaigns assembly publishes now. With a `proposal`, the plan is the one that would
// hold were it approved now: the proposal, as approved, in place of the stored campaign of
// its id (so a pending revision replaces its live version).
Result<Plan> LoadPlan(const Deps& deps, bool with_inactive,
                      const CampaignRevision* proposal = nullptr) {
  Plan plan;
  const Instant now = deps.clock.Now();
  // The proposal takes its place in id order, as the stored campaign will: candidates that
  // tie in an overlap are then met in the same order.
  bool proposed = proposal == nullptr;
  auto propose = [&] {
    proposed = true;
    Campaign approved = proposal->campaign;
    approved.status = CampaignStatus::kApproved;
    if (!IsActive(approved, now, deps.options)) return;
    std::vector<Promotion> promotions = proposal->promotions;
    std::sort(promotions.begin(), promotions.end(),
              [](const Promotion& a, const Promotion& b) { return a.id < b.id; });
    AddActive(std::move(approved), std::move(promotions), &plan);
  };
  CampaignQuery query;
  query.limit = kPageLimit;
  if (!with_inactive) query.status = CampaignStatus::kApproved;
  while (true) {
    auto page = deps.campaigns.ListCampaigns(query);
    if (!page.ok()) return std::move(page).take_status().WithContext("list campaigns");
    for (Campaign& campaign : page->items) {
      if (!proposed && campaign.id >= proposal->campaign.id) propose();
      if (proposal && campaign.id == proposal->campaign.id) continue;
      const bool active = IsActive(campaign, now, deps.options);
      if (!active && !with_inactive) continue;
      auto promotions = deps.campaigns.ListPromotions(campaign.id);
      if (!promotions.ok()) {
        return std::move(promotions).take_status().WithContext("list promotions of " + campaign.id);
      }
      if (!active) {
        for (Promotion& promotion : *promotions) {
          plan.inactive_promotion_ids.push_back(std::move(promotion.id));
        }
        continue;
      }
      AddActive(std::move(campaign), std::move(promotions).value(), &plan);
    }
    if (page->next_after.empty()) break;
    query.after = page->next_after;
  }
  if (!proposed) propose();
  plan.active_promotion_ids = SortedUnique(std::move(plan.active_promotion_ids));
  plan.inactive_promotion_ids = SortedUnique(std::move(plan.inactive_promotion_ids));
  return plan;
}

using Selection = std::map<std::string, SelectedProduct>;

// Adds `product` to the selection under every promotion of `plan` that selects it.
void SelectUnderAll(const std::vector<ActivePromotion>& promotions, Product product,
                    Selection* selection) {
  SelectedProduct selected;
  for (size_t i = 0; i < promotions.size(); ++i) {
    if (Selects(promotions[i].promotion.selector, product)) {
      selected.promotions.push_back(static_cast<int>(i));
    }
  }
  if (selected.promotions.empty()) return;
  std::string id = product.id;
  selected.product = std::move(product);
  (*selection)[std::move(id)] = std::move(selected);
}

// Products the promotions `which` select, each with every promotion of `promotions` that
// selects it. Product lists are read one by one, categories and brands through the
// repository's filters (then checked with Selects).
Result<Selection> SelectProducts(CatalogRepository& catalog,
                                 const std::vector<ActivePromotion>& promotions,
                                 const std::vector<const Promotion*>& which) {
  std::set<std::string> seen;
  Selection selection;
  auto consider = [&](Product product) {
    if (!seen.insert(product.id).second) return;
    SelectUnderAll(promotions, std::move(product), &selection);
  };
  for (const Promotion* promotion : which) {
    const ProductSelector& selector = promotion->selector;
    if (selector.kind == ProductSelector::Kind::kProducts) {
      for (const std::string& id : selector.product_ids) {
        if (seen.count(id)) continue;
        auto product = catalog.GetProduct(id);
        if (!product.ok()) return std::move(product).take_status().WithContext("read product");
        if (*product) consider(std::move(**product));
      }
      continue;
    }
    ProductQuery query;
    query.limit = kPageLimit;
    if (selector.kind == ProductSelector::Kind::kCategory) {
      query.category = selector.category;
    } else {
      query.brand = selector.brand;
    }
    while (true) {
      auto page = catalog.ListProducts(query);
      if (!page.ok()) return std::move(page).take_status().WithContext("list products");
      for (Product& product : page->items) {
        if (Selects(selector, product)) consider(std::move(product));
      }
      if (page->next_after.empty()) break;
      query.after = page->next_after;
    }
  }
  return selection;
}

// The named products, each with every promotion that selects it (deleted ones are left out).
Result<Selection> SelectAmong(CatalogRepository& catalog,
                              const std::vector<ActivePromotion>& promotions,
                              const std::vector<std::string>& product_ids) {
  Selection selection;
  if (promotions.empty()) return selection;
  for (const std::string& id : product_ids) {
    auto product = catalog.GetProduct(id);
    if (!product.ok()) return std::move(product).take_status().WithContext("read product");
    if (*product) SelectUnderAll(promotions, std::move(**product), &selection);
  }
  return selection;
}

// Chunks over explicit product ids: the scope is exactly the ids.
std::vector<Chunk> ChunksOf(const std::vector<std::string>& product_ids, const Selection& selection,
                            size_t per_write) {
  std::vector<Chunk> chunks;
  Chunk chunk;
  // Nothing is written before the first chunk is computed: chunks start at an eighth of
  // `per_write` and double, so the writer starts early and is then kept busy.
  size_t limit = std::max<size_t>(per_write / 8, 1);
  for (const std::string& id : product_ids) {
    chunk.scope_product_ids.push_back(id);
    if (auto it = selection.find(id); it != selection.end()) chunk.products.push_back(&it->second);
    if (chunk.products.size() >= limit || chunk.scope_product_ids.size() >= kMaxScopeProducts) {
      chunks.push_back(std::move(chunk));
      chunk = {};
      limit = std::min(limit * 2, per_write);
    }
  }
  if (!chunk.scope_product_ids.empty()) chunks.push_back(std::move(chunk));
  return chunks;
}

Status Tombstone(const Deps& deps, std::vector<std::string> promotion_ids, AssemblyReport* report) {
  for (size_t begin = 0; begin < promotion_ids.size(); begin += kMaxTombstonePromotions) {
    OfferRepository::Scope scope;
    const size_t end = std::min(promotion_ids.size(), begin + kMaxTombstonePromotions);
    scope.promotion_ids.assign(promotion_ids.begin() + static_cast<ptrdiff_t>(begin),
                               promotion_ids.begin() + static_cast<ptrdiff_t>(end));
    auto counts = deps.offers.ReplaceOffers(scope, {});
    if (!counts.ok()) return std::move(counts).take_status().WithContext("tombstone offers");
    AddCounts(*counts, report);
  }
  return Status::Ok();
}

Status RunChunks(const Deps& deps, const Plan& plan, std::vector<Chunk> chunks,
                 const std::vector<std::string>* store_filter, AssemblyReport* report) {
  if (chunks.empty()) return Status::Ok();
  auto all_stores = deps.catalog.ListAllStores();
  if (!all_stores.ok()) return std::move(all_stores).take_status().WithContext("list stores");
  std::vector<Store> stores;
  if (store_filter) {
    for (Store& store : *all_stores) {
      if (std::binary_search(store_filter->begin(), store_filter->end(), store.id)) {
        stores.push_back(std::move(store));
      }
    }
  } else {
    stores = std::move(all_stores).value();
  }
  auto ctx = BuildContext(plan.campaigns, plan.promotions, deps.options, std::move(stores));
  if (!ctx.ok()) return ctx.status();

  // The calling thread reads chunk k+1 and writes chunk k−1 while the workers compute k.
  auto load = [&](const Chunk& chunk) -> Result<std::unique_ptr<std::vector<ProductInput>>> {
    auto inputs = std::make_unique<std::vector<ProductInput>>();
    for (const SelectedProduct* selected : chunk.products) {
      ProductInput& input = inputs->emplace_back();
      input.selected = selected;
      const std::string& id = selected->product.id;
      auto history = deps.catalog.ListPriceHistory(id);
      if (!history.ok()) return std::move(history).take_status().WithContext("price history");
      input.history = std::move(history).value();
      if (store_filter) {
        for (const std::string& store_id : *store_filter) {
          auto level = deps.catalog.GetStock(id, store_id);
          if (!level.ok()) return std::move(level).take_status().WithContext("read stock");
          if (*level) input.stock.emplace_back(store_id, (*level)->quantity);
        }
      } else {
        StockQuery query;
        query.product_id = id;
        query.limit = kPageLimit;
        while (true) {
          auto page = deps.catalog.ListStock(query);
          if (!page.ok()) return std::move(page).take_status().WithContext("list stock");
          for (StockLevel& level : page->items) {
            input.stock.emplace_back(std::move(level.store_id), level.quantity);
          }
          if (page->next_after.empty()) break;
          query.after = page->next_after;
        }
      }
      std::sort(input.stock.begin(), input.stock.end());
    }
    return inputs;
  };
  auto write = [&](const Chunk& chunk, const ChunkOutput& output) -> Status {
    AddTally(output.tally, report);
    if (plan.active_promotion_ids.empty() && output.batch.offers.empty()) return Status::Ok();
    OfferRepository::Scope scope;
    scope.promotion_ids = plan.active_promotion_ids;
    scope.product_ids = chunk.scope_product_ids;
    if (store_filter) scope.store_ids = *store_filter;
    auto counts = deps.offers.ReplaceOfferBatch(scope, output.batch);
    if (!counts.ok()) return std::move(counts).take_status().WithContext("write offers");
    AddCounts(*counts, report);
    return Status::Ok();
  };

  struct InFlight {
    size_t chunk = 0;
    std::unique_ptr<std::vector<ProductInput>> inputs;
    std::future<ChunkOutput> output;
  };
  std::optional<InFlight> in_flight;
  std::future<void> freeing;  // the written chunk before, being freed; waited on when done
  Status status;
  for (size_t k = 0; k < chunks.size() && status.ok(); ++k) {
    auto inputs = load(chunks[k]);
    if (!inputs.ok()) {
      status = inputs.status();
      break;
    }
    InFlight next;
    next.chunk = k;
    next.inputs = std::move(inputs).value();
    next.output = std::async(std::launch::async, ComputeChunk, std::cref(*ctx),
                             std::cref(*next.inputs), deps.options.threads);
    if (in_flight) {
      ChunkOutput written = in_flight->output.get();
      status = write(chunks[in_flight->chunk], written);
      // Freeing fifty thousand offers is a tenth of the writing thread's time: another
      // thread does it while the next chunk is written.
      if (freeing.valid()) freeing.wait();
      freeing = std::async(std::launch::async, [done = std::move(written),
                                                inputs = std::move(in_flight->inputs)]() mutable {
        ChunkOutput offers = std::move(done);  // freed here, on this thread, not with the
        auto read = std::move(inputs);         // future's state on the writing thread
      });
    }
    in_flight = std::move(next);
  }
  if (in_flight) {
    ChunkOutput last = in_flight->output.get();  // always joined, even after an error
    if (status.ok()) status = write(chunks[in_flight->chunk], std::move(last));
  }
  return status;
}

// Times a finished call and records it as the offers' last assembly run (the dashboard's,
// and the change feed's rate per minute).
Result<AssemblyReport> Finish(const Deps& deps, Result<AssemblyReport> report,
                              std::chrono::steady_clock::time_point started) {
  if (!report.ok()) return report;
  report->elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  const AssemblyRun run{deps.clock.Now(), report->elapsed,
                        report->inserted + report->updated + report->deleted};
  VITRINE_RETURN_IF_ERROR(
      deps.offers.RecordAssemblyRun(run).WithContext("record the assembly run"));
  return report;
}

}  // namespace

nlohmann::json ToJson(const AssemblyReport& report) {
  return {{"campaigns", report.campaigns},
          {"promotions", report.promotions},
          {"offers_considered", report.offers_considered},
          {"inserted", report.inserted},
          {"updated", report.updated},
          {"unchanged", report.unchanged},
          {"deleted", report.deleted},
          {"skipped", report.skipped},
          {"skipped_by_reason", report.skipped_by_reason},
          {"overlap_losses", report.overlap_losses},
          {"loyalty_stacked", report.loyalty_stacked},
          {"elapsed_ms", report.elapsed.count()}};
}

Assembler::Assembler(CatalogRepository& catalog, CampaignRepository& campaigns,
                     OfferRepository& offers, AssemblyOptions options)
    : catalog_(catalog),
      campaigns_(campaigns),
      offers_(offers),
      options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : SystemClock::Instance()) {}

Result<AssemblyReport> Assembler::AssembleAll() {
  const auto started = std::chrono::steady_clock::now();
  const Deps deps{catalog_, campaigns_, offers_, options_, clock_};
  auto run = [&]() -> Result<AssemblyReport> {
    auto plan = LoadPlan(deps, /*with_inactive=*/true);
    if (!plan.ok()) return plan.status();
    AssemblyReport report;
    report.campaigns = static_cast<int64_t>(plan->campaigns.size());
    report.promotions = static_cast<int64_t>(plan->promotions.size());
    VITRINE_RETURN_IF_ERROR(Tombstone(deps, plan->inactive_promotion_ids, &report));
    if (plan->promotions.empty()) return report;
    std::vector<const Promotion*> all;
    for (const ActivePromotion& active : plan->promotions) all.push_back(&active.promotion);
    auto selection = SelectProducts(catalog_, plan->promotions, all);
    if (!selection.ok()) return selection.status();
    // Every catalogue product is in some write scope, so a product that a promotion no
    // longer selects loses its offers.
    auto ids = catalog_.ListProductIds();
    if (!ids.ok()) return std::move(ids).take_status().WithContext("list product ids");
    for (const auto& [id, selected] : *selection) ids->push_back(id);
    auto chunks = ChunksOf(SortedUnique(std::move(ids).value()), *selection,
                           static_cast<size_t>(std::max(options_.products_per_write, 1)));
    VITRINE_RETURN_IF_ERROR(RunChunks(deps, *plan, std::move(chunks), nullptr, &report));
    return report;
  };
  return Finish(deps, run(), started);
}

namespace {

// Visits every live offer of `campaign_id`, page by page.
Status ForEachOfferOfCampaign(OfferRepository& offers, std::string_view campaign_id,
                              const std::function<void(const PublishedOffer&)>& visit) {
  OfferQuery query;
  query.campaign_id = std::string(campaign_id);
  query.limit = kPageLimit;
  while (true) {
    auto page = offers.ListOffers(query);
    if (!page.ok()) return std::move(page).take_status().WithContext("list offers");
    for (const PublishedOffer& offer : page->items) visit(offer);
    if (page->next_after.empty()) return Status::Ok();
    query.after = page->next_after;
  }
}

}  // namespace

Result<AssemblyReport> Assembler::AssembleCampaign(std::string_view campaign_id) {
  auto exists = campaigns_.GetCampaign(campaign_id);
  if (!exists.ok()) return exists.status();
  if (!*exists) {
    std::vector<std::string> promotion_ids;
    std::vector<std::string> product_ids;
    VITRINE_RETURN_IF_ERROR(
        ForEachOfferOfCampaign(offers_, campaign_id, [&](const PublishedOffer& offer) {
          promotion_ids.push_back(offer.promotion_id);
          product_ids.push_back(offer.product_id);
        }));
    auto withdrawn = RetractPromotions(promotion_ids);
    if (!withdrawn.ok() || product_ids.empty()) return withdrawn;
    auto rivals = OnProductsChanged(SortedUnique(std::move(product_ids)));
    if (rivals.ok()) rivals->deleted += withdrawn->deleted;
    return rivals;
  }
  const auto started = std::chrono::steady_clock::now();
  const Deps deps{catalog_, campaigns_, offers_, options_, clock_};
  auto run = [&]() -> Result<AssemblyReport> {
    auto campaign = campaigns_.GetCampaign(campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (!*campaign) return Status::NotFound("campaign " + std::string(campaign_id));
    auto own = campaigns_.ListPromotions(campaign_id);
    if (!own.ok()) return own.status();
    auto plan = LoadPlan(deps, /*with_inactive=*/false);
    if (!plan.ok()) return plan.status();
    AssemblyReport report;
    const bool active = std::any_of(plan->campaigns.begin(), plan->campaigns.end(),
                                    [&](const Campaign& c) { return c.id == campaign_id; });
    report.campaigns = active ? 1 : 0;
    report.promotions = active ? static_cast<int64_t>(own->size()) : 0;

    // The products the campaign selects now, and those it has offers for.
    std::vector<const Promotion*> which;
    for (const Promotion& promotion : *own) which.push_back(&promotion);
    auto selected_now = SelectProducts(catalog_, plan->promotions, which);
    if (!selected_now.ok()) return selected_now.status();
    std::vector<std::string> product_ids;
    for (const auto& [id, selected] : *selected_now) product_ids.push_back(id);
    // A product no promotion of `plan` selects is not in selected_now: read the selectors of
    // the campaign itself against it (an inactive campaign's products must be recomputed
    // for the rivals it was beating).
    if (!active) {
      std::vector<ActivePromotion> as_active;
      for (const Promotion& promotion : *own) {
        ActivePromotion a;
        a.promotion = promotion;
        as_active.push_back(std::move(a));
      }
      auto formerly = SelectProducts(catalog_, as_active, which);
      if (!formerly.ok()) return formerly.status();
      for (const auto& [id, selected] : *formerly) product_ids.push_back(id);
    }
    VITRINE_RETURN_IF_ERROR(ForEachOfferOfCampaign(
        offers_, campaign_id,
        [&](const PublishedOffer& offer) { product_ids.push_back(offer.product_id); }));
    product_ids = SortedUnique(std::move(product_ids));
    auto selection = SelectAmong(catalog_, plan->promotions, product_ids);
    if (!selection.ok()) return selection.status();

    Plan scoped = std::move(plan).value();
    for (const Promotion& promotion : *own) scoped.active_promotion_ids.push_back(promotion.id);
    scoped.active_promotion_ids = SortedUnique(std::move(scoped.active_promotion_ids));
    auto chunks = ChunksOf(product_ids, *selection,
                           static_cast<size_t>(std::max(options_.products_per_write, 1)));
    VITRINE_RETURN_IF_ERROR(RunChunks(deps, scoped, std::move(chunks), nullptr, &report));
    if (!active) {
      std::vector<std::string> ids;
      for (const Promotion& promotion : *own) ids.push_back(promotion.id);
      VITRINE_RETURN_IF_ERROR(Tombstone(deps, std::move(ids), &report));
    }
    return report;
  };
  return Finish(deps, run(), started);
}

Result<AssemblyReport> Assembler::OnProductsChanged(std::span<const std::string> product_ids) {
  const auto started = std::chrono::steady_clock::now();
  const Deps deps{catalog_, campaigns_, offers_, options_, clock_};
  auto run = [&]() -> Result<AssemblyReport> {
    auto plan = LoadPlan(deps, /*with_inactive=*/false);
    if (!plan.ok()) return plan.status();
    AssemblyReport report;
    report.campaigns = static_cast<int64_t>(plan->campaigns.size());
    report.promotions = static_cast<int64_t>(plan->promotions.size());
    if (plan->promotions.empty()) return report;
    const std::vector<std::string> ids =
        SortedUnique(std::vector<std::string>(product_ids.begin(), product_ids.end()));
    auto selection = SelectAmong(catalog_, plan->promotions, ids);
    if (!selection.ok()) return selection.status();
    auto chunks =
        ChunksOf(ids, *selection, static_cast<size_t>(std::max(options_.products_per_write, 1)));
    VITRINE_RETURN_IF_ERROR(catalog_.Transaction(
        [&] { return RunChunks(deps, *plan, std::move(chunks), nullptr, &report); }));
    return report;
  };
  return Finish(deps, run(), started);
}

Result<AssemblyReport> Assembler::OnStoresChanged(std::span<const std::string> store_ids) {
  const auto started = std::chrono::steady_clock::now();
  const Deps deps{catalog_, campaigns_, offers_, options_, clock_};
  auto run = [&]() -> Result<AssemblyReport> {
    auto plan = LoadPlan(deps, /*with_inactive=*/false);
    if (!plan.ok()) return plan.status();
    AssemblyReport report;
    report.campaigns = static_cast<int64_t>(plan->campaigns.size());
    report.promotions = static_cast<int64_t>(plan->promotions.size());
    if (plan->promotions.empty() || store_ids.empty()) return report;
    std::vector<const Promotion*> all;
    for (const ActivePromotion& active : plan->promotions) all.push_back(&active.promotion);
    auto selection = SelectProducts(catalog_, plan->promotions, all);
    if (!selection.ok()) return selection.status();
    std::vector<std::string> product_ids;
    for (const auto& [id, selected] : *selection) product_ids.push_back(id);
    const std::vector<std::string> stores =
        SortedUnique(std::vector<std::string>(store_ids.begin(), store_ids.end()));
    auto chunks = ChunksOf(product_ids, *selection,
                           static_cast<size_t>(std::max(options_.products_per_write, 1)));
    VITRINE_RETURN_IF_ERROR(catalog_.Transaction(
        [&] { return RunChunks(deps, *plan, std::move(chunks), &stores, &report); }));
    return report;
  };
  return Finish(deps, run(), started);
}

namespace {

// The levels of (product id, store id) pairs, in their order (nullopt: none any more).
using StockLevelsOf = std::function<Result<std::vector<std::optional<StockLevel>>>(
    std::span<const std::pair<std::string, std::string>> keys)>;

// The stock path shared by OnStockChanged and OnStockLevelsChanged: `stores_by_product` names
// the (product, store) pairs whose stock changed; `levels_of` gives the selected pairs'
// levels, all at once. Only the products a promotion selects are read and patched.
Result<AssemblyReport> PatchStock(
    const Deps& deps, const std::map<std::string, std::vector<std::string>>& stores_by_product,
    const StockLevelsOf& levels_of) {
  auto plan = LoadPlan(deps, /*with_inactive=*/false);
  if (!plan.ok()) return plan.status();
  AssemblyReport report;
  report.campaigns = static_cast<int64_t>(plan->campaigns.size());
  report.promotions = static_cast<int64_t>(plan->promotions.size());
  if (plan->promotions.empty()) return report;
  std::vector<std::string> product_ids;
  for (const auto& [id, stores] : stores_by_product) product_ids.push_back(id);
  auto selection = SelectAmong(deps.catalog, plan->promotions, product_ids);
  if (!selection.ok()) return selection.status();

  // Each (promotion, product, store) offer these levels may touch; the repository patches
  // the live ones and leaves the others alone.
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& [product_id, selected] : *selection) {
    for (const std::string& store_id : stores_by_product.at(product_id)) {
      keys.emplace_back(product_id, store_id);
    }
  }
  auto levels = levels_of(keys);
  if (!levels.ok()) return levels.status();
  std::vector<OfferStockUpdate> updates;
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::optional<StockLevel>& level = (*levels)[i];
    if (!level) continue;
    const auto& [product_id, store_id] = keys[i];
    const Availability availability =
        AvailabilityOf(level->quantity, deps.options.limited_stock_threshold);
    for (int promotion : selection->at(product_id).promotions) {
      updates.push_back({OfferIdOf(plan->promotions[promotion].promotion.id, product_id), store_id,
                         level->quantity, availability});
    }
  }
  auto counts = deps.offers.UpdateOfferStock(updates);
  if (!counts.ok()) return std::move(counts).take_status().WithContext("write stock");
  report.offers_considered = counts->updated + counts->unchanged;
  AddCounts(*counts, &report);
  return report;
}

}  // namespace

Result<AssemblyReport> Assembler::OnStockChanged(std::span<const StockLevel> levels) {
  const auto started = std::chrono::steady_clock::now();
  const Deps deps{catalog_, campaigns_, offers_, options_, clock_};
  // The latest measurement of each (product, store).
  std::map<std::pair<std::string, std::string>, const StockLevel*> latest;
  std::map<std::string, std::vector<std::string>> stores_by_product;
  for (const StockLevel& level : levels) {
    const StockLevel*& slot = latest[{level.product_id, level.store_id}];
    if (!slot) stores_by_product[level.product_id].push_back(level.store_id);
    if (!slot || slot->measured_at <= level.measured_at) slot = &level;
  }
  return Finish(deps,
                PatchStock(deps, stores_by_product,
                           [&](std::span<const std::pair<std::string, std::string>> keys)
                               -> Result<std::vector<std::optional<StockLevel>>> {
                             std::vector<std::optional<StockLevel>> levels;
                             for (const auto& key : keys) levels.emplace_back(*latest.at(key));
                             return levels;
                           }),
                started);
}

Result<AssemblyReport> Assembler::OnStockLevelsChanged(std::span<const std::string> stock_keys) {
  const auto started = std::chrono::steady_clock::now();
  const Deps deps{catalog_, campaigns_, offers_, options_, clock_};
  std::map<std::string, std::vector<std::string>> stores_by_product;
  for (const std::string& key : stock_keys) {
    auto ids = SplitStockChangeKey(key);
    if (!ids) return Status::InvalidArgument("stock key \"" + key + "\" names no store");
    stores_by_product[std::string(ids->first)].emplace_back(ids->second);
  }
  return Finish(deps,
                PatchStock(deps, stores_by_product,
                           [&](std::span<const std::pair<std::string, std::string>> keys) {
                             return catalog_.GetStockLevels(keys);
                           }),
                started);
}

Result<AssemblyReport> Assembler::RetractPromotions(std::span<const std::string> promotion_ids) {
  const auto started = std::chrono::steady_clock::now();
  const Deps deps{catalog_, campaigns_, offers_, options_, clock_};
  auto run = [&]() -> Result<AssemblyReport> {
    AssemblyReport report;
    VITRINE_RETURN_IF_ERROR(Tombstone(
        deps, SortedUnique(std::vector<std::string>(promotion_ids.begin(), promotion_ids.end())),
        &report));
    return report;
  };
  return Finish(deps, run(), started);
}

namespace {

// The start of an explanation: the offer, the store, its stock and the stored offer.
nlohmann::json ExplainHead(std::string_view offer_id, const Store& store,
                           std::string_view product_id, std::string_view promotion_id,
                           int64_t quantity, const std::optional<PublishedOffer>& published,
                           const AssemblyOptions& options) {
  nlohmann::json out = {
      {"offer_id", offer_id},
      {"store_id", store.id},
      {"product_id", product_id},
      {"promotion_id", promotion_id},
      {"store",
       {{"price_zone", store.price_zone}, {"banner", store.banner}, {"timezone", store.timezone}}},
      {"candidates", nlohmann::json::array()},
      {"decision", nullptr},
      {"price", nullptr},
      {"reference_price", nullptr},
      {"published", published ? ToJson(*published) : nlohmann::json()}};
  out["stock"] = {{"quantity", quantity},
                  {"availability",
                   AvailabilityName(AvailabilityOf(quantity, options.limited_stock_threshold))}};
  return out;
}

// Fills `out` (ExplainHead) with every candidate of `group`, the decision, and the outcome,
// price and reference price of `promotion_id`'s offer `offer_id`.
void DescribeGroup(const Plan& plan, const GroupResult& group, std::string_view promotion_id,
                   std::string_view offer_id, nlohmann::json* out) {
  nlohmann::json losers = nlohmann::json::array();
  std::string winner;
  std::string loyalty;
  int explained = -1;
  for (size_t k = 0; k < group.candidates.size(); ++k) {
    const CandidateOutcome& c = group.candidates[k];
    const ActivePromotion& active_promotion = plan.promotions[c.promotion];
    const std::string& id = active_promotion.promotion.id;
    if (id == promotion_id) explained = static_cast<int>(k);
    nlohmann::json candidate = {
        {"promotion_id", id},
        {"campaign_id", active_promotion.promotion.campaign_id},
        {"mechanic", ToJson(active_promotion.promotion.mechanic)},
        {"priority", active_promotion.promotion.priority},
        {"exclusive", active_promotion.promotion.exclusive},
        {"validity", IntervalJson(c.validity)},
        {"regular_price", c.regular ? nlohmann::json(c.regular->ToFeedString()) : nlohmann::json()},
        {"outcome", OutcomeName(c.outcome)},
        {"reason", c.reason},
        {"steps", c.price ? nlohmann::json(c.price->steps) : nlohmann::json::array()}};
    if (!c.reason_code.empty()) candidate["reason_code"] = c.reason_code;
    nlohmann::json segments = nlohmann::json::array();
    for (const Segment& segment : c.segments) {
      nlohmann::json entry = {{"validity", IntervalJson(segment.validity)},
                              {"outcome", OutcomeName(segment.outcome)}};
      if (segment.partner >= 0) {
        entry[segment.outcome == Outcome::kPublished ? "stacked_loyalty"
              : segment.outcome == Outcome::kStacked ? "stacked_on"
                                                     : "lost_to"] =
            plan.promotions[group.candidates[segment.partner].promotion].promotion.id;
      }
      if (!segment.reason.empty()) entry["reason"] = segment.reason;
      segments.push_back(std::move(entry));
    }
    candidate["segments"] = std::move(segments);
    (*out)["candidates"].push_back(std::move(candidate));
    if (c.outcome == Outcome::kPublished) {
      if (IsImmediate(active_promotion.promotion.mechanic) || winner.empty()) winner = id;
      if (c.stacked_loyalty >= 0) {
        loyalty = plan.promotions[group.candidates[c.stacked_loyalty].promotion].promotion.id;
      }
    } else if (c.outcome == Outcome::kLost) {
      losers.push_back({{"promotion_id", id}, {"reason", c.reason}});
    }
  }
  (*out)["decision"] = {{"winner", winner.empty() ? nlohmann::json() : nlohmann::json(winner)},
                        {"loyalty", loyalty.empty() ? nlohmann::json() : nlohmann::json(loyalty)},
                        {"losers", std::move(losers)}};
  if (explained < 0) {
    (*out)["outcome"] = "not_published";
    (*out)["reason"] = "the store is outside the promotion's scope";
    return;
  }
  const CandidateOutcome& mine = group.candidates[static_cast<size_t>(explained)];
  // The offer's price is the one its published offer carries: its own, or its host's.
  const int host = mine.outcome == Outcome::kStacked ? mine.stacked_on : explained;
  (*out)["outcome"] = OutcomeName(mine.outcome);
  (*out)["reason"] = mine.reason;
  // This stretch's offer when it is one, else the first of the host's.
  for (size_t i = 0; i < group.offer_candidate.size(); ++i) {
    if (group.offer_candidate[i] != host) continue;
    if ((*out)["price"].is_null() || group.offers[i].offer_id == offer_id) {
      (*out)["price"] = PriceJson(group.offer_prices[i]);
    }
  }
  if ((*out)["price"].is_null() && mine.price) (*out)["price"] = PriceJson(*mine.price);
  if (mine.reference) (*out)["reference_price"] = ReferenceJson(*mine.reference);
}

}  // namespace

Result<nlohmann::json> Assembler::Explain(std::string_view offer_id, std::string_view store_id) {
  const std::optional<OfferIdParts> parts = ParseOfferId(offer_id);
  if (!parts) {
    return Status::InvalidArgument("offer id \"" + std::string(offer_id) +
                                   "\" is not promotion~product");
  }
  const std::string promotion_id(parts->promotion_id);
  const std::string product_id(parts->product_id);
  auto promotion = campaigns_.GetPromotion(promotion_id);
  if (!promotion.ok()) return promotion.status();
  if (!*promotion) return Status::NotFound("promotion " + promotion_id);
  auto product = catalog_.GetProduct(product_id);
  if (!product.ok()) return product.status();
  if (!*product) return Status::NotFound("product " + product_id);
  auto store = catalog_.GetStore(store_id);
  if (!store.ok()) return store.status();
  if (!*store) return Status::NotFound("store " + std::string(store_id));
  const Deps deps{catalog_, campaigns_, offers_, options_, clock_};
  auto plan = LoadPlan(deps, /*with_inactive=*/false);
  if (!plan.ok()) return plan.status();
  auto history = catalog_.ListPriceHistory(product_id);
  if (!history.ok()) return history.status();
  auto stock = catalog_.GetStock(product_id, store_id);
  if (!stock.ok()) return stock.status();
  auto published = offers_.GetOffer(offer_id, store_id);
  if (!published.ok()) return published.status();

  const int64_t quantity = *stock ? (**stock).quantity : 0;
  nlohmann::json out =
      ExplainHead(offer_id, **store, product_id, promotion_id, quantity, *published, options_);
  const bool active = std::binary_search(plan->active_promotion_ids.begin(),
                                         plan->active_promotion_ids.end(), promotion_id);
  if (!active) {
    auto campaign = campaigns_.GetCampaign((*promotion)->campaign_id);
    if (!campaign.ok()) return campaign.status();
    out["outcome"] = "not_published";
    out["reason"] = *campaign ? "campaign " + (*campaign)->id + " is " +
                                    std::string(CampaignStatusName((*campaign)->status)) +
                                    ": only approved campaigns are published, and only until " +
                                    "a week after they end"
                              : "the promotion's campaign does not exist";
    return out;
  }

  Selection selection;
  SelectUnderAll(plan->promotions, **product, &selection);
  auto ctx = BuildContext(plan->campaigns, plan->promotions, options_, {**store});
  if (!ctx.ok()) return ctx.status();
  auto selected = selection.find(product_id);
  if (selected == selection.end()) {
    out["outcome"] = "not_published";
    out["reason"] = "the promotion's selector does not pick this product";
    return out;
  }
  ProductInput input;
  input.selected = &selected->second;
  input.history = std::move(history).value();
  if (*stock) input.stock.emplace_back((*store)->id, quantity);
  ProductAssembly assembly(*ctx, input);
  OfferBatch offers;
  Tally tally;
  const GroupResult* group = assembly.AssembleStore(0, &offers, &tally);
  if (!group) {
    out["outcome"] = "not_published";
    out["reason"] = ctx->store_tz[0] < 0
                        ? "the store's time zone \"" + (*store)->timezone + "\" is unknown"
                        : "the store is outside the scope of every promotion on this product";
    return out;
  }
  DescribeGroup(*plan, *group, promotion_id, offer_id, &out);
  return out;
}

Result<std::vector<PreviewOffer>> Assembler::Preview(const CampaignRevision& proposal,
                                                     std::string_view store_id,
                                                     std::span<const std::string> product_ids) {
  auto store = catalog_.GetStore(store_id);
  if (!store.ok()) return store.status();
  if (!*store) return Status::NotFound("store " + std::string(store_id));
  const Deps deps{catalog_, campaigns_, offers_, options_, clock_};
  auto plan = LoadPlan(deps, /*with_inactive=*/false, &proposal);
  if (!plan.ok()) return plan.status();
  const std::string& campaign_id = proposal.campaign.id;
  std::vector<PreviewOffer> out;
  const bool active = std::any_of(plan->campaigns.begin(), plan->campaigns.end(),
                                  [&](const Campaign& c) { return c.id == campaign_id; });
  if (!active) return out;
  // The products the proposal selects (among `product_ids` when given), each with every
  // promotion of the plan that selects it: rivals included, as assembly computes them.
  std::vector<const Promotion*> which;
  for (const Promotion& promotion : proposal.promotions) which.push_back(&promotion);
  auto selection = product_ids.empty() ? SelectProducts(catalog_, plan->promotions, which)
                                       : SelectAmong(catalog_, plan->promotions,
                                                     SortedUnique(std::vector<std::string>(
                                                         product_ids.begin(), product_ids.end())));
  if (!selection.ok()) return selection.status();
  auto ctx = BuildContext(plan->campaigns, plan->promotions, options_, {**store});
  if (!ctx.ok()) return ctx.status();
  for (const auto& [product_id, selected] : *selection) {
    ProductInput input;
    input.selected = &selected;
    auto history = catalog_.ListPriceHistory(product_id);
    if (!history.ok()) return history.status();
    input.history = std::move(history).value();
    auto stock = catalog_.GetStock(product_id, store_id);
    if (!stock.ok()) return stock.status();
    const int64_t quantity = *stock ? (**stock).quantity : 0;
    if (*stock) input.stock.emplace_back((*store)->id, quantity);
    ProductAssembly assembly(*ctx, input);
    OfferBatch batch;
    Tally tally;
    const GroupResult* group = assembly.AssembleStore(0, &batch, &tally);
    if (!group) continue;
    for (size_t i = 0; i < batch.offers.size(); ++i) {
      PublishedOffer offer = batch.Expand(i);
      if (offer.campaign_id != campaign_id) continue;
      auto published = offers_.GetOffer(offer.offer_id, store_id);
      if (!published.ok()) return published.status();
      nlohmann::json explain = ExplainHead(offer.offer_id, **store, product_id, offer.promotion_id,
                                           quantity, *published, options_);
      DescribeGroup(*plan, *group, offer.promotion_id, offer.offer_id, &explain);
      out.push_back({std::move(offer), std::move(explain)});
    }
  }
  std::sort(out.begin(), out.end(), [](const PreviewOffer& a, const PreviewOffer& b) {
    return a.offer.offer_id < b.offer.offer_id;
  });
  return out;
}

}  // namespace vitrine
