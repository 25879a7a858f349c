#include "offers/campaign_checks.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>

#include "catalog/price.h"
#include "catalog/stock.h"
#include "common/text.h"
#include "offers/mechanics.h"
#include "offers/reference_price.h"
#include "offers/regulated_mentions.h"
#include "price_groups.h"

namespace vitrine {
namespace {

namespace codes = check_codes;
using offers_internal::CheckReferenceInGroup;
using offers_internal::GroupPricing;
using offers_internal::GroupVerdict;
using offers_internal::OwnPriceStores;
using offers_internal::PriceInGroup;
using offers_internal::ReferenceCheck;
using offers_internal::RegularPriceAt;

constexpr int kPageLimit = 1000;

std::string Fr(Money m) { return m.ToFrenchDisplay(); }

// "2026-12-02 00:00", a wall-clock time.
std::string FormatLocal(LocalTime t) {
  std::string s = FormatUtc(Instant(t.time_since_epoch()));  // "2026-12-02T00:00:00Z"
  return s.substr(0, 10) + " " + s.substr(11, 5);
}

std::string StoresText(int n) { return n == 1 ? "1 store" : std::to_string(n) + " stores"; }

// How far back a chain of successive reductions is followed: a quarter, far longer than any
// run of back-to-back promotions the law would still call one reduction.
constexpr std::chrono::days kChainLookback{92};

bool LocalOverlap(const Campaign& a, const Campaign& b) {
  return a.start_local < b.end_local && b.start_local < a.end_local;
}

// Findings about one (promotion, product) that several groups of stores may raise alike:
// one finding per distinct (code, message), with the number of stores it concerns.
class StoreFindings {
 public:
  void Add(Severity severity, std::string code, std::string message, int stores,
           const std::string& first_store) {
    for (Entry& e : entries_) {
      if (e.finding.code == code && e.finding.message == message) {
        e.stores += stores;
        return;
      }
    }
    entries_.push_back({Finding{severity, std::move(code), std::move(message), "", std::nullopt},
                        stores, first_store});
  }

  void MoveTo(const std::string& product_id, std::vector<Finding>& out) {
    for (Entry& e : entries_) {
      e.finding.product_id = product_id;
      if (e.stores == 1) {
        e.finding.store_id = e.first_store;
      } else {
        e.finding.message += " (in " + StoresText(e.stores) + ")";
      }
      out.push_back(std::move(e.finding));
    }
    entries_.clear();
  }

 private:
  struct Entry {
    Finding finding;
    int stores;
    std::string first_store;
  };
  std::vector<Entry> entries_;
};

// A product's price history split by level, so the history that reaches a group of stores
// is assembled without walking every store's entries.
struct SplitHistory {
  std::vector<Price> national;
  std::map<std::string, std::vector<Price>, std::less<>> by_zone;
  std::map<std::string, std::vector<Price>, std::less<>> by_store;

  explicit SplitHistory(std::vector<Price> history) {
    for (Price& p : history) {
      switch (p.level) {
        case PriceLevel::kNational:
          national.push_back(std::move(p));
          break;
        case PriceLevel::kZone:
          by_zone[p.level_id].push_back(std::move(p));
          break;
        case PriceLevel::kStore:
          by_store[p.level_id].push_back(std::move(p));
          break;
      }
    }
  }

  // National and zone entries, plus `store_id`'s own when given.
  std::vector<Price> For(const std::string& zone, const std::string* store_id) const {
    std::vector<Price> out = national;
    if (auto it = by_zone.find(zone); it != by_zone.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
    if (store_id) {
      if (auto it = by_store.find(*store_id); it != by_store.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
      }
    }
    return out;
  }
};

// Stores of one price zone and time zone: without store-level prices they share a timeline.
struct StoreGroup {
  std::string zone;
  const TimeZone* tz = nullptr;
  Instant start{};
  std::vector<int> stores;  // indices into the store list
};

// A promotion of the checked campaign, or of another submitted or approved one.
struct PromotionInScope {
  const Promotion* promotion = nullptr;
  const Campaign* campaign = nullptr;
  std::vector<char> in_scope;  // by store index
  std::vector<int> stores;     // store indices in scope with a known time zone
  std::vector<StoreGroup> groups;
  std::vector<int> group_of;  // by store index; -1 out of scope
  std::vector<std::string> product_ids;
};

class Checker {
 public:
  Checker(CatalogRepository& catalog, CampaignRepository& campaigns, const Campaign& campaign,
          const ComplianceRules& rules, Instant now, const CheckLimits& limits)
      : catalog_(catalog),
        campaigns_(campaigns),
        campaign_(campaign),
        rules_(rules),
        now_(now),
        limits_(limits) {}

  Result<CampaignChecks> Run() {
    VITRINE_RETURN_IF_ERROR(LoadStores());
    CheckCampaignItself();
    VITRINE_RETURN_IF_ERROR(LoadPromotions());
    VITRINE_RETURN_IF_ERROR(LoadOtherPromotions());
    for (const auto& [id, product] : products_) VITRINE_RETURN_IF_ERROR(CheckProduct(product));
    if (auto mention = CheckRegulatedMentions(rules_, products_)) out_.findings.push_back(*mention);
    if (overlaps_left_out_ > 0) {
      overlap_findings_.push_back(
          {Severity::kWarning, codes::kMoreFindings,
           std::to_string(overlaps_left_out_) + " more overlap findings are not listed", "",
           std::nullopt});
    }
    for (Finding& f : overlap_findings_) out_.findings.push_back(std::move(f));
    for (const Finding& f : out_.findings) {
      switch (f.severity) {
        case Severity::kBlocking:
          ++out_.blocking;
          break;
        case Severity::kWarning:
          ++out_.warnings;
          break;
        case Severity::kInfo:
          ++out_.infos;
          break;
      }
    }
    out_.products = static_cast<int>(products_.size());
    return std::move(out_);
  }

 private:
  void Add(Severity severity, std::string code, std::string message, std::string product_id = "",
           std::optional<std::string> store_id = std::nullopt) {
    out_.findings.push_back({severity, std::move(code), std::move(message), std::move(product_id),
                             std::move(store_id)});
  }

  const TimeZone* ZoneOf(const Store& store) {
    auto it = zones_.find(store.timezone);
    if (it == zones_.end()) {
      Result<TimeZone> tz = TimeZone::Locate(store.timezone);
      it = zones_.emplace(store.timezone, tz.ok() ? std::optional<TimeZone>(*tz) : std::nullopt)
               .first;
    }
    return it->second ? &*it->second : nullptr;
  }

  Status LoadStores() {
    Result<std::vector<Store>> stores = catalog_.ListAllStores();
    if (!stores.ok()) return stores.status().WithContext("list stores");
    stores_ = std::move(stores).value();
    for (size_t i = 0; i < stores_.size(); ++i) {
      index_of_store_.emplace(stores_[i].id, static_cast<int>(i));
    }
    return Status::Ok();
  }

  void CheckCampaignItself() {
    for (const FieldError& e : Validate(campaign_)) {
      Add(Severity::kBlocking, codes::kCampaignInvalid, e.field + ": " + e.message);
    }
    int unknown_zones = 0;
    std::optional<Instant> last_end;
    for (const Store& store : stores_) {
      if (!InScope(campaign_.scope, store)) continue;
      ++out_.stores;
      const TimeZone* tz = ZoneOf(store);
      if (!tz) {
        if (unknown_zones++ < limits_.unknown_time_zones) {
          Add(Severity::kBlocking, codes::kStoreUnknownTimeZone,
              "store " + store.id + " names the unknown time zone \"" + store.timezone +
                  "\": the campaign's dates cannot be placed in it",
              "", store.id);
        }
        continue;
      }
      const Instant end = tz->FromLocal(campaign_.end_local);
      if (!last_end || end > *last_end) last_end = end;
    }
    if (unknown_zones > limits_.unknown_time_zones) {
      Add(Severity::kBlocking, codes::kMoreFindings,
          std::to_string(unknown_zones - limits_.unknown_time_zones) +
              " more stores with an unknown time zone are not listed");
    }
    if (out_.stores == 0) {
      Add(Severity::kBlocking, codes::kNoStoresInScope, "no store is in the campaign's scope");
    }
    if (last_end && now_ >= *last_end) {
      Add(Severity::kBlocking, codes::kCampaignEnded,
          "the campaign ended on " + FormatLocal(campaign_.end_local) + " in every store in scope");
    }
  }

  // Scope, store groups and (for the checked campaign) selected products of a promotion.
  PromotionInScope Place(const Promotion& promotion, const Campaign& campaign) {
    PromotionInScope p;
    p.promotion = &promotion;
    p.campaign = &campaign;
    p.in_scope.assign(stores_.size(), 0);
    p.group_of.assign(stores_.size(), -1);
    std::map<std::pair<std::string, std::string>, int> group_by_key;
    for (size_t i = 0; i < stores_.size(); ++i) {
      const Store& store = stores_[i];
      if (!InScope(campaign, promotion, store)) continue;
      const TimeZone* tz = ZoneOf(store);
      if (!tz) continue;
      p.in_scope[i] = 1;
      p.stores.push_back(static_cast<int>(i));
      auto [it, inserted] = group_by_key.emplace(std::make_pair(store.price_zone, store.timezone),
                                                 static_cast<int>(p.groups.size()));
      if (inserted) {
        p.groups.push_back({store.price_zone, tz, tz->FromLocal(campaign.start_local), {}});
      }
      p.groups[it->second].stores.push_back(static_cast<int>(i));
      p.group_of[i] = it->second;
    }
    return p;
  }

  Status LoadPromotions() {
    if (!campaign_.id.empty()) {
      Result<std::vector<Promotion>> list = campaigns_.ListPromotions(campaign_.id);
      if (!list.ok()) return list.status().WithContext("list promotions");
      promotions_ = std::move(list).value();
    }
    out_.promotions = static_cast<int>(promotions_.size());
    if (promotions_.empty()) {
      Add(Severity::kBlocking, codes::kNoPromotions, "the campaign has no promotion");
    }
    for (const Promotion& promotion : promotions_) {
      const std::string prefix = promotion.id + ": ";
      const std::vector<FieldError> errors = Validate(promotion);
      for (const FieldError& e : errors) {
        Add(Severity::kBlocking, codes::kPromotionInvalid, prefix + e.field + ": " + e.message);
      }
      if (!errors.empty()) continue;  // its other checks would repeat what is wrong here
      PromotionInScope placed = Place(promotion, campaign_);
      if (placed.stores.empty() && out_.stores > 0) {
        Add(Severity::kBlocking, codes::kPromotionNoStores,
            prefix + "no store of the campaign's scope is in the promotion's scope");
      }
      VITRINE_RETURN_IF_ERROR(SelectProducts(placed));
      if (placed.product_ids.empty()) {
        Add(Severity::kBlocking, codes::kSelectorMatchesNothing,
            prefix + "selector matches no product");
      }
      for (const std::string& id : placed.product_ids) {
        promotions_of_product_[id].push_back(static_cast<int>(placed_.size()));
      }
      placed_.push_back(std::move(placed));
    }
    return Status::Ok();
  }

  Status SelectProducts(PromotionInScope& placed) {
    const Promotion& promotion = *placed.promotion;
    const ProductSelector& selector = promotion.selector;
    if (selector.kind == ProductSelector::Kind::kProducts) {
      std::set<std::string> ids(selector.product_ids.begin(), selector.product_ids.end());
      int unknown = 0;
      for (const std::string& id : ids) {
        bool exists = products_.contains(id);
        if (!exists && !unknown_products_.contains(id)) {
          Result<std::optional<Product>> product = catalog_.GetProduct(id);
          if (!product.ok()) return product.status().WithContext("get product " + id);
          if (product->has_value()) {
            products_.emplace(id, std::move(**product));
            exists = true;
          } else {
            unknown_products_.insert(id);
          }
        }
        if (exists) {
          placed.product_ids.push_back(id);
        } else if (unknown++ < limits_.unknown_products) {
          Add(Severity::kBlocking, codes::kProductUnknown,
              promotion.id + ": lists product " + id + ", which is not in the catalog", id);
        }
      }
      if (unknown > limits_.unknown_products) {
        Add(Severity::kBlocking, codes::kMoreFindings,
            promotion.id + ": " + std::to_string(unknown - limits_.unknown_products) +
                " more unknown products are not listed");
      }
      return Status::Ok();
    }
    ProductQuery query;
    if (selector.kind == ProductSelector::Kind::kCategory) {
      query.category = selector.category;
    } else {
      query.brand = std::string(TrimAscii(selector.brand));
    }
    query.limit = kPageLimit;
    while (true) {
      Result<Page<Product>> page = catalog_.ListProducts(query);
      if (!page.ok()) return page.status().WithContext("list products of " + promotion.id);
      for (Product& product : page->items) {
        if (!Selects(selector, product)) continue;
        placed.product_ids.push_back(product.id);
        products_.try_emplace(product.id, std::move(product));
      }
      if (page->next_after.empty()) break;
      query.after = page->next_after;
    }
    return Status::Ok();
  }

  // The promotions of the other submitted or approved campaigns whose validity overlaps this
  // one's and which share a store with it.
  Status LoadOtherPromotions() {
    if (placed_.empty()) return Status::Ok();
    for (CampaignStatus status : {CampaignStatus::kSubmitted, CampaignStatus::kApproved}) {
      CampaignQuery query;
      query.status = status;
      query.limit = kPageLimit;
      while (true) {
        Result<Page<Campaign>> page = campaigns_.ListCampaigns(query);
        if (!page.ok()) return page.status().WithContext("list campaigns");
        for (Campaign& other : page->items) {
          if (other.id == campaign_.id) continue;
          // Earlier campaigns that run up to this one's start may begin a chain of successive
          // reductions (reference_price.h); a chain is followed back kChainLookback at most.
          const bool precedes = other.start_local < campaign_.start_local &&
                                other.end_local >= campaign_.start_local - kChainLookback;
          if (!LocalOverlap(other, campaign_) && !precedes) continue;
          other_campaigns_.push_back(std::make_unique<Campaign>(std::move(other)));
        }
        if (page->next_after.empty()) break;
        query.after = page->next_after;
      }
    }
    for (const auto& other : other_campaigns_) {
      Result<std::vector<Promotion>> list = campaigns_.ListPromotions(other->id);
      if (!list.ok()) return list.status().WithContext("list promotions of " + other->id);
      for (Promotion& promotion : *list) {
        other_promotions_storage_.push_back(std::make_unique<Promotion>(std::move(promotion)));
        PromotionInScope placed = Place(*other_promotions_storage_.back(), *other);
        if (placed.stores.empty()) continue;
        if (IsImmediate(placed.promotion->mechanic)) chain_links_.push_back(placed);
        if (LocalOverlap(*other, campaign_)) others_.push_back(std::move(placed));
      }
    }
    return Status::Ok();
  }

  // Stores (indices) holding the product in stock, and those with a stock level at all.
  Status LoadStock(const std::string& product_id, std::vector<char>& in_stock,
                   std::vector<char>& known) {
    in_stock.assign(stores_.size(), 0);
    known.assign(stores_.size(), 0);
    // Seek to the product's first row by key, without a product filter: every backend then
    // reads only this product's rows plus the rest of one page.
    StockQuery query;
    query.after = product_id + "|";
    query.limit = 100;
    while (true) {
      Result<Page<StockLevel>> page = catalog_.ListStock(query);
      if (!page.ok()) return page.status().WithContext("list stock of " + product_id);
      for (const StockLevel& level : page->items) {
        if (level.product_id != product_id) return Status::Ok();
        auto it = index_of_store_.find(level.store_id);
        if (it == index_of_store_.end()) continue;
        known[it->second] = 1;
        if (AvailabilityOf(level.quantity) != Availability::kOutOfStock) in_stock[it->second] = 1;
      }
      if (page->next_after.empty()) return Status::Ok();
      query.after = page->next_after;
      query.limit = kPageLimit;
    }
  }

  Status CheckProduct(const Product& product) {
    std::vector<Finding>& out = out_.findings;
    for (Finding& f : CheckProductData(product)) out.push_back(std::move(f));

    Result<std::vector<Price>> history = catalog_.ListPriceHistory(product.id);
    if (!history.ok()) return history.status().WithContext("price history of " + product.id);
    const OwnPriceStores own_price(*history);
    const SplitHistory split(std::move(history).value());
    std::vector<char> in_stock, known;
    VITRINE_RETURN_IF_ERROR(LoadStock(product.id, in_stock, known));

    const std::vector<int>& mine = promotions_of_product_[product.id];
    for (int index : mine) {
      const PromotionInScope& p = placed_[index];
      CheckStock(product, p, in_stock, known);
      CheckPrices(product, p, split, own_price);
    }
    for (size_t a = 0; a < mine.size(); ++a) {
      for (size_t b = a + 1; b < mine.size(); ++b) {
        CheckOverlap(product, split, placed_[mine[a]], placed_[mine[b]]);
      }
      for (const PromotionInScope& other : others_) {
        if (Selects(other.promotion->selector, product)) {
          CheckOverlap(product, split, placed_[mine[a]], other);
        }
      }
    }
    return Status::Ok();
  }

  // The first reduction of the chain of back-to-back reductions of other campaigns on
  // `product` in `store` that ends at or after `start`, when there is one (assembly's
  // ChainStart does the same over the promotions it assembles).
  struct Chain {
    Instant start;
    std::string first_promotion;
  };
  std::optional<Chain> ChainBefore(const Product& product, const Store& store, Instant start) {
    auto index = index_of_store_.find(store.id);
    const TimeZone* tz = ZoneOf(store);
    if (index == index_of_store_.end() || !tz) return std::nullopt;
    std::optional<Chain> chain;
    for (bool moved = true; moved;) {
      moved = false;
      for (const PromotionInScope& link : chain_links_) {
        if (!link.in_scope[index->second] || !Selects(link.promotion->selector, product)) continue;
        const Instant begin = tz->FromLocal(link.campaign->start_local);
        const Instant end = tz->FromLocal(link.campaign->end_local);
        const Instant current = chain ? chain->start : start;
        if (begin < current && end >= current) {
          chain = Chain{begin, link.promotion->id};
          moved = true;
        }
      }
    }
    return chain;
  }

  void CheckStock(const Product& product, const PromotionInScope& p,
                  const std::vector<char>& in_stock, const std::vector<char>& known) {
    if (p.stores.empty()) return;
    int out_of_stock = 0;
    for (int s : p.stores) {
      if (in_stock[s]) return;
      out_of_stock += known[s];
    }
    const int unknown = static_cast<int>(p.stores.size()) - out_of_stock;
    std::string message = p.promotion->id + ": not in stock in any of the " +
                          StoresText(static_cast<int>(p.stores.size())) + " in scope (";
    if (out_of_stock > 0) message += std::to_string(out_of_stock) + " out of stock";
    if (out_of_stock > 0 && unknown > 0) message += ", ";
    if (unknown > 0) message += std::to_string(unknown) + " with no stock level";
    message += ")";
    Add(Severity::kWarning, codes::kOutOfStockEverywhere, std::move(message), product.id,
        p.stores.size() == 1 ? std::optional<std::string>(stores_[p.stores[0]].id) : std::nullopt);
  }

  void CheckPrices(const Product& product, const PromotionInScope& p, const SplitHistory& split,
                   const OwnPriceStores& own_price) {
    const Promotion& promotion = *p.promotion;
    const std::string prefix = promotion.id + ": ";
    const bool announces = AnnouncesPriceCut(promotion.mechanic);
    if (announces && product.perishable && !p.stores.empty()) {
      Add(Severity::kInfo, codes::kReferenceExempt,
          prefix + "perishable, so exempt from the 30-day reference price", product.id);
    }
    // Stores of this promotion with their own price entries leave their group.
    std::vector<int> own;
    std::vector<int> leaving(p.groups.size(), 0);
    for (const std::string& store_id : own_price.ids()) {
      auto it = index_of_store_.find(store_id);
      if (it == index_of_store_.end() || !p.in_scope[it->second]) continue;
      own.push_back(it->second);
      ++leaving[p.group_of[it->second]];
    }
    StoreFindings found;
    int without_price = 0;
    std::string first_without_price;
    auto evaluate = [&](const std::vector<Price>& history, const Store& representative,
                        Instant start, int stores) {
      const std::vector<AppliedPrice> timeline = AppliedPriceTimeline(history, representative);
      const GroupPricing pricing =
          PriceInGroup(timeline, start, promotion.mechanic, product, &rules_);
      if (pricing.verdict == GroupVerdict::kNoRegularPrice) {
        if (without_price == 0) first_without_price = representative.id;
        without_price += stores;
        return;
      }
      if (pricing.verdict == GroupVerdict::kMechanicRefused) {
        found.Add(Severity::kBlocking, codes::kPriceRefused,
                  prefix + "cannot be priced on the regular price " + Fr(*pricing.regular) + ": " +
                      pricing.message,
                  stores, representative.id);
        return;
      }
      // Assembly skips an offer over the cap; approval goes on, to report its reference too.
      if (pricing.cap) {
        found.Add(pricing.cap->severity, pricing.cap->code, prefix + pricing.cap->message, stores,
                  representative.id);
      }
      if (!announces || product.perishable) return;
      const std::optional<Chain> chain = ChainBefore(product, representative, start);
      const ReferenceCheck check =
          CheckReferenceInGroup(timeline, product, promotion.mechanic, *pricing.price, start,
                                chain ? chain->start : start);
      if (chain) {
        found.Add(Severity::kInfo, codes::kReferenceChained,
                  prefix + "continues the reduction of " + chain->first_promotion +
                      " without a break: the reference price is the one before it, from " +
                      FormatUtc(chain->start - kReferenceWindow) + " to " + FormatUtc(chain->start),
                  stores, representative.id);
      }
      if (check.verdict == GroupVerdict::kNoReferencePrice) {
        found.Add(Severity::kBlocking, codes::kNoReferencePrice, prefix + check.message, stores,
                  representative.id);
        return;
      }
      if (check.verdict == GroupVerdict::kReductionNotSupported) {
        found.Add(Severity::kBlocking, codes::kReductionNotSupported, prefix + check.message,
                  stores, representative.id);
      }
      const ReferencePrice& reference = *check.reference;  // found: announces, and not perishable
      if (reference.short_history && !timeline.empty()) {
        found.Add(Severity::kWarning, codes::kReferenceShortHistory,
                  prefix + "the price history starts on " + FormatUtc(timeline.front().from) +
                      ", less than 30 days before the promotion: the reference price " +
                      Fr(*reference.amount) + " is the lowest of a shorter period",
                  stores, representative.id);
      }
    };
    for (size_t g = 0; g < p.groups.size(); ++g) {
      const StoreGroup& group = p.groups[g];
      const int stores = static_cast<int>(group.stores.size()) - leaving[g];
      if (stores <= 0) continue;
      const Store* representative = nullptr;
      for (int s : group.stores) {
        if (!own_price.Contains(stores_[s].id)) {
          representative = &stores_[s];
          break;
        }
      }
      evaluate(split.For(group.zone, nullptr), *representative, group.start, stores);
    }
    for (int s : own) {
      const Store& store = stores_[s];
      evaluate(split.For(store.price_zone, &store.id), store, p.groups[p.group_of[s]].start, 1);
    }
    if (without_price > 0) {
      found.Add(Severity::kBlocking, codes::kNoRegularPrice,
                prefix + "no regular price at the start of the campaign", without_price,
                first_without_price);
    }
    found.MoveTo(product.id, out_.findings);
  }

  // The stores two promotions share: how many, and the first (store list order).
  std::pair<int, int> CommonStores(const PromotionInScope& a, const PromotionInScope& b) {
    const auto key = std::make_pair(&a, &b);
    if (auto it = common_.find(key); it != common_.end()) return it->second;
    int count = 0, first = -1;
    for (int s : a.stores) {
      if (!b.in_scope[s]) continue;
      if (first < 0) first = s;
      ++count;
    }
    return common_[key] = {count, first};
  }

  void CheckOverlap(const Product& product, const SplitHistory& split, const PromotionInScope& a,
                    const PromotionInScope& b) {
    const auto [count, first] = CommonStores(a, b);
    if (count == 0) return;
    const Store& store = stores_[first];
    const LocalTime from = std::max(a.campaign->start_local, b.campaign->start_local);
    const Instant at = ZoneOf(store)->FromLocal(from);
    const std::vector<AppliedPrice> timeline =
        AppliedPriceTimeline(split.For(store.price_zone, &store.id), store);
    const std::optional<Money> regular = RegularPriceAt(timeline, at);

    // Each priced alone on the regular price of the first common store; one that cannot be
    // priced gives nothing, so it competes at the regular price.
    std::vector<OverlapCandidate> candidates;
    for (const PromotionInScope* p : {&a, &b}) {
      OverlapCandidate c{p->promotion->id, p->promotion->priority, p->promotion->exclusive,
                         p->promotion->mechanic, OfferPrice{}};
      if (regular) {
        Result<OfferPrice> price = ComputePrice(c.mechanic, *regular);
        if (price.ok()) {
          c.price = std::move(price).value();
        } else {
          c.price.regular_unit_price = c.price.shelf_price = c.price.immediate_unit_price =
              *regular;
          c.price.effective_unit_price = *regular;
        }
      }
      candidates.push_back(std::move(c));
    }
    const OverlapResolution resolution = ResolveOverlap(candidates);

    std::string message = a.promotion->id + " and " + b.promotion->id;
    if (b.campaign != &campaign_) {
      message += " (campaign " + b.campaign->id + " \"" + b.campaign->name + "\", " +
                 std::string(CampaignStatusName(b.campaign->status)) + ")";
    }
    message += " both cover it in " + StoresText(count) + " from " + FormatLocal(from) + ": ";
    const bool stack = resolution.immediate && resolution.loyalty;
    if (stack) {
      const OverlapCandidate& immediate = candidates[*resolution.immediate];
      const OverlapCandidate& loyalty = candidates[*resolution.loyalty];
      message += loyalty.promotion_id + "'s loyalty credit stacks on " + immediate.promotion_id;
      if (regular) CheckStackedCap(product, immediate, loyalty, *regular, store.id);
    } else {
      const size_t winner = resolution.immediate ? *resolution.immediate : *resolution.loyalty;
      message += candidates[winner].promotion_id + " wins";
      for (const OverlapLoss& loss : resolution.losers) {
        message += "; " + loss.promotion_id + " loses: " + loss.reason;
      }
    }
    if (static_cast<int>(overlap_findings_.size()) >= limits_.overlaps) {
      ++overlaps_left_out_;
      return;
    }
    overlap_findings_.push_back({Severity::kWarning, codes::kOverlap, std::move(message),
                                 product.id,
                                 count == 1 ? std::optional<std::string>(store.id) : std::nullopt});
  }

  // The cap applies to the cumulated advantage, so a credit stacked on an immediate
  // reduction is checked together with it.
  void CheckStackedCap(const Product& product, const OverlapCandidate& immediate,
                       const OverlapCandidate& loyalty, Money regular, const std::string& store) {
    Result<OfferPrice> stacked = ComputePrice(immediate.mechanic, regular, loyalty.mechanic);
    if (!stacked.ok()) return;  // each was priced alone above; a refusal is reported there
    auto cap = CheckAdvantageCap(rules_, product, *stacked, CheckStage::kApproval, store);
    if (!cap) return;
    cap->message = immediate.promotion_id + " with " + loyalty.promotion_id +
                   "'s loyalty credit stacked on it: " + cap->message;
    out_.findings.push_back(std::move(*cap));
  }

  CatalogRepository& catalog_;
  CampaignRepository& campaigns_;
  const Campaign& campaign_;
  const ComplianceRules& rules_;
  const Instant now_;
  const CheckLimits& limits_;

  CampaignChecks out_;
  std::vector<Store> stores_;
  std::unordered_map<std::string, int> index_of_store_;
  std::map<std::string, std::optional<TimeZone>, std::less<>> zones_;  // by IANA name
  std::vector<Promotion> promotions_;
  std::vector<PromotionInScope> placed_;  // the valid promotions of the campaign
  std::map<std::string, Product, std::less<>> products_;
  std::set<std::string, std::less<>> unknown_products_;
  std::map<std::string, std::vector<int>, std::less<>> promotions_of_product_;  // into placed_
  std::vector<std::unique_ptr<Campaign>> other_campaigns_;
  std::vector<std::unique_ptr<Promotion>> other_promotions_storage_;
  std::vector<PromotionInScope> others_;
  // Immediate reductions of other campaigns that overlap or precede this one: the links a
  // chain of successive reductions is made of.
  std::vector<PromotionInScope> chain_links_;
  std::map<std::pair<const PromotionInScope*, const PromotionInScope*>, std::pair<int, int>>
      common_;
  std::vector<Finding> overlap_findings_;
  int overlaps_left_out_ = 0;
};

}  // namespace

nlohmann::json CampaignChecks::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Finding& f : findings) {
    list.push_back({{"severity", SeverityName(f.severity)},
                    {"code", f.code},
                    {"message", f.message},
                    {"product_id",
                     f.product_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.product_id)},
                    {"store_id", f.store_id ? nlohmann::json(*f.store_id) : nlohmann::json()}});
  }
  return {{"approvable", blocking == 0},
          {"blocking", blocking},
          {"warnings", warnings},
          {"infos", infos},
          {"promotions", promotions},
          {"products", products},
          {"stores", stores},
          {"findings", std::move(list)}};
}

Result<CampaignChecks> CheckCampaign(CatalogRepository& catalog, CampaignRepository& campaigns,
                                     const Campaign& campaign, const ComplianceRules& rules,
                                     Instant now, const CheckLimits& limits) {
  return Checker(catalog, campaigns, campaign, rules, now, limits).Run();
}

}  // namespace vitrine
