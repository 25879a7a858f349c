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
#include "offers/texts.h"
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

// A sentence for people, in English and in French.
struct Said {
  std::string en;
  std::string fr;

  Said& operator+=(const Said& more) {
    en += more.en;
    fr += more.fr;
    return *this;
  }
  friend Said operator+(Said a, const Said& b) { return a += b; }
};

Said Both(std::string text) { return {text, text}; }

// “Vieux Papes −30 %” / «&nbsp;Vieux Papes −30 %&nbsp;».
Said Quoted(const std::string& en, const std::string& fr) {
  return {"\u201C" + en + "\u201D", "\u00AB\u00A0" + fr + "\u00A0\u00BB"};
}

Said Amount(Money m) {
  return {DisplayPrice(m, Locale::kEnglish), DisplayPrice(m, Locale::kFrench)};
}

Said StoresText(int n) {
  return {n == 1 ? "1 store" : std::to_string(n) + " stores",
          n == 1 ? "1 magasin" : std::to_string(n) + " magasins"};
}

// The date of a store's wall clock: "07/12", or "07/12 06:30" off midnight.
Said Day(LocalTime t) { return Both(DayMonthLabel(t)); }
Said Day(Instant t, const TimeZone& tz) { return Day(tz.ToLocal(t)); }

// The last day of a validity whose end is exclusive: a campaign ending 14/12 00:00 ran
// through 13/12.
Said LastDay(LocalTime end) {
  const auto midnight = std::chrono::floor<std::chrono::days>(end);
  if (LocalTime(midnight) == end) return Day(end - std::chrono::days(1));
  return Day(end);
}

Finding Make(Severity severity, std::string code, Said said) {
  Finding f;
  f.severity = severity;
  f.code = std::move(code);
  f.message = std::move(said.en);
  f.message_fr = std::move(said.fr);
  return f;
}

// How far back a chain of successive reductions is followed: a quarter, far longer than any
// run of back-to-back promotions the law would still call one reduction.
constexpr std::chrono::days kChainLookback{92};

bool LocalOverlap(const Campaign& a, const Campaign& b) {
  return a.start_local < b.end_local && b.start_local < a.end_local;
}

// The same mechanic with another percentage, for the mechanics that have one.
std::optional<Mechanic> WithPercent(const Mechanic& mechanic, int percent) {
  if (std::holds_alternative<PercentOff>(mechanic)) return PercentOff{percent};
  if (const auto* m = std::get_if<NthItemPercentOff>(&mechanic)) {
    return NthItemPercentOff{m->n, percent};
  }
  if (std::holds_alternative<LoyaltyCredit>(mechanic)) return LoyaltyCredit{percent};
  return std::nullopt;
}

std::optional<int> PercentOf(const Mechanic& mechanic) {
  if (const auto* m = std::get_if<PercentOff>(&mechanic)) return m->percent;
  if (const auto* m = std::get_if<NthItemPercentOff>(&mechanic)) return m->percent;
  if (const auto* m = std::get_if<LoyaltyCredit>(&mechanic)) return m->percent;
  return std::nullopt;
}

// Findings about one (promotion, product) that several groups of stores may raise alike:
// one finding per distinct (code, message), with the number of stores it concerns. The
// count goes between the finding's statement and the fix it suggests.
class StoreFindings {
 public:
  void Add(Finding finding, Said fix, int stores, const std::string& first_store) {
    for (Entry& e : entries_) {
      if (e.finding.code == finding.code && e.finding.message == finding.message &&
          e.fix.en == fix.en) {
        e.stores += stores;
        return;
      }
    }
    entries_.push_back({std::move(finding), std::move(fix), stores, first_store});
  }

  void MoveTo(const std::string& product_id, std::vector<Finding>& out) {
    for (Entry& e : entries_) {
      Finding& f = e.finding;
      f.product_id = product_id;
      f.stores = e.stores;
      if (e.stores == 1) {
        f.store_id = e.first_store;
      } else {
        const Said count = StoresText(e.stores);
        f.message += " (in " + count.en + ")";
        f.message_fr += " (dans " + count.fr + ")";
      }
      if (!e.fix.en.empty()) {
        f.message += ". " + e.fix.en;
        f.message_fr += ". " + e.fix.fr;
      }
      out.push_back(std::move(f));
    }
    entries_.clear();
  }

 private:
  struct Entry {
    Finding finding;
    Said fix;
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

// Where a promotion of the checked campaign would be published on one product: in which
// stores, at some time of its validity, it is not beaten by a promotion that would be
// published there then.
struct Publication {
  std::vector<char> in_store;  // by store index
  int stores = 0;              // stores where it is published
  // When it is published nowhere: the promotion that beats it in its first store, and why.
  const PromotionInScope* winner = nullptr;
  Said why;
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
      const std::string n = std::to_string(overlaps_left_out_);
      overlap_findings_.push_back(Make(Severity::kWarning, codes::kMoreFindings,
                                       {n + " more overlap findings are not listed",
                                        n + " autres chevauchements ne sont pas listés"}));
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
  Finding& Add(Severity severity, std::string code, Said said, std::string product_id = "",
               std::optional<std::string> store_id = std::nullopt) {
    Finding f = Make(severity, std::move(code), std::move(said));
    f.product_id = std::move(product_id);
    f.store_id = std::move(store_id);
    out_.findings.push_back(std::move(f));
    return out_.findings.back();
  }

  // A finding about promotion `p` of the checked campaign (on `product` when given).
  Finding& Add(const PromotionInScope& p, Severity severity, std::string code, Said said,
               const Product* product = nullptr) {
    Finding& f = Add(severity, std::move(code), Subject(*p.promotion, product) + said,
                     product ? product->id : "");
    f.promotion_id = p.promotion->id;
    return f;
  }

  // The promotion as people call it, with its campaign when it is not the checked one.
  Said Name(const Promotion& promotion, const Campaign& campaign) const {
    Said name = Quoted(PromotionLabel(promotion, Locale::kEnglish),
                       PromotionLabel(promotion, Locale::kFrench));
    if (&campaign == &campaign_ || campaign.id == campaign_.id) return name;
    const bool approved = campaign.status == CampaignStatus::kApproved;
    return name + Said{" (campaign ", " (campagne "} + Quoted(campaign.name, campaign.name) +
           Said{approved ? ", approved)" : ", submitted)",
                approved ? ", approuvée)" : ", soumise)"};
  }
  Said Name(const PromotionInScope& p) const { return Name(*p.promotion, *p.campaign); }

  static Said ProductName(const Product& product) {
    const std::string& title = product.title.empty() ? product.id : product.title;
    return Quoted(title, title);
  }

  // "“Vieux Papes −30 %” on “Vieux Papes rouge 75 cl”: " / "« … » sur « … » : ".
  Said Subject(const Promotion& promotion, const Product* product) const {
    Said s = Name(promotion, campaign_);
    if (product) s += Said{" on ", " sur "} + ProductName(*product);
    return s + Said{": ", "\u00A0: "};
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
      // Field rules speak English; the French sentence names the field around them.
      Add(Severity::kBlocking, codes::kCampaignInvalid,
          {e.field + ": " + e.message, "champ " + e.field + "\u00A0: " + e.message});
    }
    int unknown_zones = 0;
    std::optional<Instant> last_end;
    for (const Store& store : stores_) {
      if (!InScope(campaign_.scope, store)) continue;
      ++out_.stores;
      const TimeZone* tz = ZoneOf(store);
      if (!tz) {
        if (unknown_zones++ < limits_.unknown_time_zones) {
          const Said name = Quoted(store.name, store.name);
          Add(Severity::kBlocking, codes::kStoreUnknownTimeZone,
              {"store " + store.id + " " + name.en + " names the unknown time zone \"" +
                   store.timezone + "\": the campaign's dates cannot be placed in it",
               "le magasin " + store.id + " " + name.fr + " indique le fuseau horaire inconnu \"" +
                   store.timezone +
                   "\"\u00A0: les dates de la campagne ne peuvent pas y être placées"},
              "", store.id)
              .stores = 1;
        }
        continue;
      }
      const Instant end = tz->FromLocal(campaign_.end_local);
      if (!last_end || end > *last_end) last_end = end;
    }
    if (unknown_zones > limits_.unknown_time_zones) {
      const std::string n = std::to_string(unknown_zones - limits_.unknown_time_zones);
      Add(Severity::kBlocking, codes::kMoreFindings,
          {n + " more stores with an unknown time zone are not listed",
           n + " autres magasins au fuseau horaire inconnu ne sont pas listés"});
    }
    if (out_.stores == 0) {
      Add(Severity::kBlocking, codes::kNoStoresInScope,
          {"no store is in the campaign's scope",
           "aucun magasin n'est dans le périmètre de la campagne"});
    }
    if (last_end && now_ >= *last_end) {
      const Said day = LastDay(campaign_.end_local);
      Add(Severity::kBlocking, codes::kCampaignEnded,
          {"the campaign ended on " + day.en + " in every store in scope",
           "la campagne s'est terminée le " + day.fr + " dans tous les magasins du périmètre"});
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
      Add(Severity::kBlocking, codes::kNoPromotions,
          {"the campaign has no promotion", "la campagne n'a aucune promotion"});
    }
    for (const Promotion& promotion : promotions_) {
      const std::vector<FieldError> errors = Validate(promotion);
      for (const FieldError& e : errors) {
        Add(Severity::kBlocking, codes::kPromotionInvalid,
            Subject(promotion, nullptr) +
                Said{e.field + ": " + e.message, "champ " + e.field + "\u00A0: " + e.message})
            .promotion_id = promotion.id;
      }
      if (!errors.empty()) continue;  // its other checks would repeat what is wrong here
      PromotionInScope placed = Place(promotion, campaign_);
      if (placed.stores.empty() && out_.stores > 0) {
        Add(placed, Severity::kBlocking, codes::kPromotionNoStores,
            {"no store of the campaign's scope is in the promotion's scope",
             "aucun magasin du périmètre de la campagne n'est dans celui de la promotion"});
      }
      VITRINE_RETURN_IF_ERROR(SelectProducts(placed));
      if (placed.product_ids.empty()) {
        Add(placed, Severity::kBlocking, codes::kSelectorMatchesNothing,
            {"selector matches no product", "la sélection ne correspond à aucun produit"});
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
          Finding& f = Add(placed, Severity::kBlocking, codes::kProductUnknown,
                           {"lists product " + id + ", which is not in the catalog",
                            "liste le produit " + id + ", absent du catalogue"});
          f.product_id = id;
        }
      }
      if (unknown > limits_.unknown_products) {
        const std::string n = std::to_string(unknown - limits_.unknown_products);
        Add(placed, Severity::kBlocking, codes::kMoreFindings,
            {n + " more unknown products are not listed",
             n + " autres produits inconnus ne sont pas listés"});
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

  // The first reduction of the chain of back-to-back reductions of other campaigns on
  // `product` in `store` that ends at or after `start`, when there is one (assembly's
  // ChainStart does the same over the promotions it assembles).
  struct Chain {
    Instant start;
    const PromotionInScope* first = nullptr;
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
          chain = Chain{begin, &link};
          moved = true;
        }
      }
    }
    return chain;
  }

  // What the checks of one product share: its price timelines by price group, the rivals'
  // lawful prices, and where each of the campaign's promotions would be published.
  struct ProductContext {
    const Product& product;
    const SplitHistory& split;
    const OwnPriceStores& own_price;
    std::map<std::string, std::vector<AppliedPrice>, std::less<>> timelines;
    std::map<std::pair<const PromotionInScope*, std::string>, std::optional<OfferPrice>> lawful;
    std::map<const PromotionInScope*, Publication> publications;
  };

  // The timeline `stores_[s]` reads: its own with store-level prices, else its zone's.
  const std::vector<AppliedPrice>& Timeline(ProductContext& ctx, int s) {
    const Store& store = stores_[s];
    const bool own = ctx.own_price.Contains(store.id);
    const std::string key = own ? "store:" + store.id : "zone:" + store.price_zone;
    auto it = ctx.timelines.find(key);
    if (it == ctx.timelines.end()) {
      it = ctx.timelines
               .emplace(key, AppliedPriceTimeline(
                                 ctx.split.For(store.price_zone, own ? &store.id : nullptr), store))
               .first;
    }
    return it->second;
  }

  Status CheckProduct(const Product& product) {
    const Said name = ProductName(product);
    for (Finding& f : CheckProductData(product)) {
      f.message = name.en + ": " + f.message;
      f.message_fr = name.fr + "\u00A0: " + f.message_fr;
      out_.findings.push_back(std::move(f));
    }

    Result<std::vector<Price>> history = catalog_.ListPriceHistory(product.id);
    if (!history.ok()) return history.status().WithContext("price history of " + product.id);
    const OwnPriceStores own_price(*history);
    const SplitHistory split(std::move(history).value());
    std::vector<char> in_stock, known;
    VITRINE_RETURN_IF_ERROR(LoadStock(product.id, in_stock, known));
    ProductContext ctx{product, split, own_price, {}, {}, {}};

    const std::vector<int>& mine = promotions_of_product_[product.id];
    const std::vector<const PromotionInScope*> rivals = Rivals(product);
    for (int index : mine) {
      const PromotionInScope& p = placed_[index];
      const Publication& publication = ctx.publications[&p] = Publish(ctx, p, rivals);
      if (publication.stores == 0 && !p.stores.empty()) {
        // Its price and stock findings would be about offers that never exist.
        ReportNeverPublished(product, p, publication);
        continue;
      }
      CheckStock(product, p, in_stock, known);
      CheckPrices(ctx, p, publication);
    }
    for (size_t a = 0; a < mine.size(); ++a) {
      for (size_t b = a + 1; b < mine.size(); ++b) {
        CheckOverlap(ctx, placed_[mine[a]], placed_[mine[b]]);
      }
      for (const PromotionInScope& other : others_) {
        if (Selects(other.promotion->selector, product)) {
          CheckOverlap(ctx, placed_[mine[a]], other);
        }
      }
    }
    return Status::Ok();
  }

  // The promotions that may beat one of the campaign's on `product`: the campaign's own and
  // those of approved campaigns. A submitted campaign may never be approved: a finding it
  // would silence still blocks.
  std::vector<const PromotionInScope*> Rivals(const Product& product) {
    std::vector<const PromotionInScope*> rivals;
    for (int index : promotions_of_product_[product.id]) rivals.push_back(&placed_[index]);
    for (const PromotionInScope& other : others_) {
      if (other.campaign->status == CampaignStatus::kApproved &&
          Selects(other.promotion->selector, product)) {
        rivals.push_back(&other);
      }
    }
    return rivals;
  }

  // A promotion priced alone on `regular`; one that cannot be priced competes at the regular
  // price (it offers nothing).
  static OverlapCandidate Candidate(const Promotion& promotion, Money regular) {
    OverlapCandidate c{promotion.id, promotion.priority, promotion.exclusive, promotion.mechanic,
                       OfferPrice{}};
    Result<OfferPrice> price = ComputePrice(c.mechanic, regular);
    if (price.ok()) {
      c.price = std::move(price).value();
    } else {
      c.price.regular_unit_price = c.price.shelf_price = c.price.immediate_unit_price = regular;
      c.price.effective_unit_price = regular;
    }
    return c;
  }

  // The price of rival `q` in store `s` when assembly would publish it there (priced, within
  // the cap, its announced reduction supported), else nullopt: an offer that is never
  // published beats nothing.
  const std::optional<OfferPrice>& LawfulPrice(ProductContext& ctx, const PromotionInScope& q,
                                               int s) {
    const Store& store = stores_[s];
    const bool own = ctx.own_price.Contains(store.id);
    auto key = std::make_pair(
        &q, (own ? "store:" + store.id : "zone:" + store.price_zone) + "|" + store.timezone);
    if (auto it = ctx.lawful.find(key); it != ctx.lawful.end()) return it->second;
    const std::vector<AppliedPrice>& timeline = Timeline(ctx, s);
    const Instant start = ZoneOf(store)->FromLocal(q.campaign->start_local);
    const Mechanic& mechanic = q.promotion->mechanic;
    std::optional<OfferPrice> lawful;
    GroupPricing pricing = PriceInGroup(timeline, start, mechanic, ctx.product, &rules_);
    if (pricing.verdict == GroupVerdict::kPriced) {
      const std::optional<Chain> chain = ChainBefore(ctx.product, store, start);
      const ReferenceCheck check = CheckReferenceInGroup(
          timeline, ctx.product, mechanic, *pricing.price, start, chain ? chain->start : start);
      if (check.verdict == GroupVerdict::kPriced) lawful = std::move(pricing.price);
    }
    return ctx.lawful.emplace(std::move(key), std::move(lawful)).first->second;
  }

  // Where `p` would be published: in each store of its scope, its validity is cut at every
  // start and end of a rival's, and it is published there when it wins (or stacks) in at
  // least one slice. A promotion alone on the product is published in every store.
  Publication Publish(ProductContext& ctx, const PromotionInScope& p,
                      const std::vector<const PromotionInScope*>& rivals) {
    Publication publication;
    publication.in_store.assign(stores_.size(), 0);
    for (int s : p.stores) {
      if (rivals.size() > 1 && !PublishedIn(ctx, p, s, rivals, publication)) continue;
      publication.in_store[s] = 1;
      ++publication.stores;
    }
    return publication;
  }

  bool PublishedIn(ProductContext& ctx, const PromotionInScope& p, int s,
                   const std::vector<const PromotionInScope*>& contenders,
                   Publication& publication) {
    const Store& store = stores_[s];
    const TimeZone& tz = *ZoneOf(store);
    const Interval mine{tz.FromLocal(p.campaign->start_local), tz.FromLocal(p.campaign->end_local)};
    const std::optional<Money> regular = RegularPriceAt(Timeline(ctx, s), mine.begin);
    if (!regular) return true;  // nothing to rank it by; its own finding says why
    struct Rival {
      const PromotionInScope* promotion;
      Interval validity;
      OverlapCandidate candidate;
    };
    std::vector<Rival> rivals;
    std::vector<Instant> cuts = {mine.begin, mine.end};
    for (const PromotionInScope* q : contenders) {
      if (q == &p || !q->in_scope[s]) continue;
      const Interval theirs{tz.FromLocal(q->campaign->start_local),
                            tz.FromLocal(q->campaign->end_local)};
      if (!theirs.Overlaps(mine)) continue;
      const std::optional<OfferPrice>& price = LawfulPrice(ctx, *q, s);
      if (!price) continue;
      const Promotion& promotion = *q->promotion;
      rivals.push_back(
          {q,
           theirs,
           {promotion.id, promotion.priority, promotion.exclusive, promotion.mechanic, *price}});
      if (theirs.begin > mine.begin) cuts.push_back(theirs.begin);
      if (theirs.end < mine.end) cuts.push_back(theirs.end);
    }
    if (rivals.empty()) return true;
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    const OverlapCandidate self = Candidate(*p.promotion, *regular);
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
      std::vector<OverlapCandidate> candidates = {self};
      std::vector<const PromotionInScope*> who = {&p};
      for (const Rival& r : rivals) {
        if (r.validity.begin <= cuts[i] && cuts[i] < r.validity.end) {
          candidates.push_back(r.candidate);
          who.push_back(r.promotion);
        }
      }
      const OverlapResolution resolution = ResolveOverlap(candidates);
      if (resolution.immediate == size_t{0} || resolution.loyalty == size_t{0}) return true;
      if (!publication.winner) {
        const auto [winner, why] = Beaten(candidates, who, resolution, 0);
        publication.winner = who[winner];
        publication.why = why;
      }
    }
    return false;
  }

  // Which candidate beats candidates[loser] in `resolution`, and why, in words.
  std::pair<size_t, Said> Beaten(const std::vector<OverlapCandidate>& candidates,
                                 const std::vector<const PromotionInScope*>& who,
                                 const OverlapResolution& resolution, size_t loser) const {
    const OverlapCandidate& l = candidates[loser];
    const bool immediate = IsImmediate(l.mechanic);
    const std::optional<size_t>& same_kind = immediate ? resolution.immediate : resolution.loyalty;
    if (same_kind && *same_kind != loser) {
      const size_t w = *same_kind;
      const OverlapCandidate& winner = candidates[w];
      const Said name = Name(*who[w]);
      if (l.priority != winner.priority) {
        const std::string lp = std::to_string(l.priority), wp = std::to_string(winner.priority);
        return {w, Said{"its priority " + lp + " is below " + name.en + "'s " + wp,
                        "sa priorité " + lp + " est inférieure à celle de " + name.fr + " (" + wp +
                            ")"}};
      }
      if (l.exclusive != winner.exclusive) {
        return {w, Said{"same priority, and ", "même priorité, et "} + name +
                       Said{" is exclusive", " est exclusive"}};
      }
      const Money lp = l.price.effective_unit_price, wp = winner.price.effective_unit_price;
      if (lp != wp) {
        return {w,
                Said{"same priority and exclusivity, and ", "même priorité et exclusivité, et "} +
                    name + Said{" is cheaper (", " est moins chère ("} + Amount(wp) +
                    Said{" against ", " contre "} + Amount(lp) + Said{")", ")"}};
      }
      return {w, Said{"tied with ", "à égalité avec "} + name +
                     Said{", which comes first by id", ", qui passe avant par son identifiant"}};
    }
    // Dropped because an exclusive promotion does not combine with a loyalty credit.
    const size_t w = immediate ? *resolution.loyalty : *resolution.immediate;
    const Said name = Name(*who[w]);
    if (candidates[w].exclusive) {
      return {w, name + Said{" is exclusive and ranks first: nothing combines with it",
                             " est exclusive et passe en premier\u00A0: rien ne s'y cumule"}};
    }
    return {w, Said{"it is exclusive, so it does not combine, and ",
                    "elle est exclusive, donc ne se cumule pas, et "} +
                   name + Said{" ranks before it", " passe avant elle"}};
  }

  void ReportNeverPublished(const Product& product, const PromotionInScope& p,
                            const Publication& publication) {
    const int n = static_cast<int>(p.stores.size());
    const Said stores = StoresText(n);
    Finding& f = Add(
        p, Severity::kInfo, codes::kPromotionNeverPublished,
        Said{"is never published: it loses in " + std::string(n == 1 ? "its " : "each of its ") +
                 stores.en + " for the whole of its validity (",
             "n'est jamais publiée\u00A0: elle perd dans " +
                 std::string(n == 1 ? "son " : "chacun de ses ") + stores.fr +
                 " pendant toute sa validité ("} +
            Name(*publication.winner) + Said{" wins: ", " l'emporte\u00A0: "} + publication.why +
            Said{"); its other findings on this product do not block",
                 ")\u00A0; ses autres constats sur ce produit ne bloquent pas"},
        &product);
    f.other_promotion_id = publication.winner->promotion->id;
    if (publication.winner->campaign != &campaign_) {
      f.other_campaign_id = publication.winner->campaign->id;
    }
    f.stores = n;
    if (n == 1) f.store_id = stores_[p.stores[0]].id;
  }
  void CheckStock(const Product& product, const PromotionInScope& p,
                  const std::vector<char>& in_stock, const std::vector<char>& known) {
    if (p.stores.empty()) return;
    int out_of_stock = 0;
    for (int s : p.stores) {
      if (in_stock[s]) return;
      out_of_stock += known[s];
    }
    const int n = static_cast<int>(p.stores.size());
    const int unknown = n - out_of_stock;
    const Said stores = StoresText(n);
    Said said{
        "not in stock in any of the " + stores.en + " in scope (",
        "en rupture dans " + std::string(n == 1 ? "le " : "les ") + stores.fr + " du périmètre ("};
    if (out_of_stock > 0) {
      said += Said{std::to_string(out_of_stock) + " out of stock",
                   std::to_string(out_of_stock) + " sans stock"};
    }
    if (out_of_stock > 0 && unknown > 0) said += Both(", ");
    if (unknown > 0) {
      said += Said{std::to_string(unknown) + " with no stock level",
                   std::to_string(unknown) + " sans niveau de stock connu"};
    }
    said += Both(")");
    Finding& f =
        Add(p, Severity::kWarning, codes::kOutOfStockEverywhere, std::move(said), &product);
    f.stores = n;
    if (n == 1) f.store_id = stores_[p.stores[0]].id;
  }

  // The highest percentage `varied` (the immediate mechanic, or the stacked loyalty credit
  // when `vary_loyalty`) may have for the offer to stay within the cap, the other kept as
  // it is; nullopt when its mechanic has no percentage or none passes.
  std::optional<int> HighestPercentWithinCap(const Product& product, Money regular,
                                             const Mechanic& immediate,
                                             const std::optional<Mechanic>& loyalty,
                                             bool vary_loyalty) const {
    const Mechanic& varied = vary_loyalty ? *loyalty : immediate;
    const std::optional<int> current = PercentOf(varied);
    if (!current) return std::nullopt;
    for (int x = *current - 1; x >= 1; --x) {
      const Mechanic m = *WithPercent(varied, x);
      Result<OfferPrice> price =
          vary_loyalty ? ComputePrice(immediate, regular, m) : ComputePrice(m, regular, loyalty);
      if (price.ok() && !CheckAdvantageCap(rules_, product, *price, CheckStage::kApproval)) {
        return x;
      }
    }
    return std::nullopt;
  }

  // A promotion alone over the cap: the cap's headroom, as the highest percentage or the
  // lowest price its mechanic may have.
  Said CapFix(const Product& product, const Mechanic& mechanic, Money regular, FindingFix& fix) {
    const Money lowest = *fix.min_price;
    if (const std::optional<int> x =
            HighestPercentWithinCap(product, regular, mechanic, std::nullopt, false)) {
      fix.max_percent = *x;
      const Mechanic within = *WithPercent(mechanic, *x);
      return {"To fix: " + MechanicLabel(within, Locale::kEnglish) + " at most",
              "Pour corriger\u00A0: " + MechanicLabel(within, Locale::kFrench) + " au plus"};
    }
    if (std::holds_alternative<FixedPrice>(mechanic)) {
      return Said{"To fix: a fixed price of ", "Pour corriger\u00A0: un prix fixe d'au moins "} +
             Amount(lowest) + Said{" at least", ""};
    }
    if (std::holds_alternative<AmountOff>(mechanic)) {
      const Money most(regular.minor_units() - lowest.minor_units(), regular.currency());
      return Said{"To fix: an amount off of ", "Pour corriger\u00A0: une remise de "} +
             Amount(most) + Said{" at most", " au plus"};
    }
    return {};
  }

  // The announced reduction is not supported by the reference price: what it announces,
  // what the reference allows, and the price that would pass.
  std::pair<Said, Said> ReductionNotSupported(const Mechanic& mechanic,
                                              const ReferencePrice& reference,
                                              const OfferPrice& price, const TimeZone& tz,
                                              FindingFix& fix) const {
    const Money ref = *reference.amount;
    const Money shelf = price.shelf_price;
    const Said window =
        Said{" (the lowest in the 30 days before ", " (le plus bas des 30 jours avant le "} +
        Day(reference.chain_start, tz) + Both(")");
    const Said against = Amount(ref) + window;
    const int64_t below = ref.minor_units() - shelf.minor_units();
    if (const auto* m = std::get_if<PercentOff>(&mechanic)) {
      const int supported = SupportedPercent(ref, shelf);
      const Money needed = MulDivRoundHalfUp(ref, 100 - m->percent, 100);
      fix.max_percent = supported;
      fix.max_price = needed;
      const Said announced_fr{MechanicLabel(mechanic, Locale::kEnglish),
                              MechanicLabel(mechanic, Locale::kFrench)};
      const Said allowed{MechanicLabel(PercentOff{supported}, Locale::kEnglish),
                         MechanicLabel(PercentOff{supported}, Locale::kFrench)};
      Said said = Said{"the announced ", "la réduction annoncée de "} + announced_fr +
                  Said{" is not supported by the reference price ",
                       " n'est pas justifiée par le prix de référence "} +
                  against + Said{": ", "\u00A0: "} + Amount(shelf);
      Said to_fix = Both("");
      if (supported > 0) {
        said += Said{" is at most ", " n'est qu'à "} + allowed + Said{" below it", " de ce prix"};
        to_fix = Said{"To fix: announce at most ", "Pour corriger\u00A0: annoncer au plus "} +
                 allowed + Said{" at ", " à "} + Amount(shelf) + Said{", or bring", ", ou ramener"};
      } else {
        said += Said{" is not below it", " ne lui est pas inférieur"};
        to_fix = Said{"To fix: bring", "Pour corriger\u00A0: ramener"};
      }
      to_fix += Said{" the promotion price to ", " le prix promotionnel à "} + Amount(needed) +
                Said{" or less to announce ", " au plus pour annoncer "} + announced_fr;
      return {said, to_fix};
    }
    if (const auto* m = std::get_if<AmountOff>(&mechanic)) {
      const Money needed(ref.minor_units() - m->amount.minor_units(), ref.currency());
      Said said = Said{"the announced ", "la remise annoncée de "} +
                  Said{MechanicLabel(mechanic, Locale::kEnglish),
                       MechanicLabel(mechanic, Locale::kFrench)} +
                  Said{" is not supported by the reference price ",
                       " n'est pas justifiée par le prix de référence "} +
                  against + Said{": ", "\u00A0: "} + Amount(shelf);
      if (below > 0) {
        said += Said{" is only ", " n'est que "} + Amount(Money(below, ref.currency())) +
                Said{" below it", " en dessous"};
      } else {
        said += Said{" is not below it", " ne lui est pas inférieur"};
      }
      if (needed.minor_units() <= 0) return {said, {}};
      fix.max_price = needed;
      return {said, Said{"To fix: bring the promotion price to ",
                         "Pour corriger\u00A0: ramener le prix promotionnel à "} +
                        Amount(needed) + Said{" or less", " au plus"}};
    }
    // A fixed price announces "x instead of the reference price".
    const Money needed(ref.minor_units() - 1, ref.currency());
    Said said =
        Said{"the promotion price ", "le prix promotionnel "} + Amount(shelf) +
        Said{" is not below the reference price ", " n'est pas inférieur au prix de référence "} +
        against;
    if (needed.minor_units() <= 0) return {said, {}};
    fix.max_price = needed;
    return {said, Said{"To fix: a fixed price of ", "Pour corriger\u00A0: un prix fixe de "} +
                      Amount(needed) + Said{" at most", " au plus"}};
  }

  // ComputePrice refused the mechanic on the regular price: in French for the refusals a
  // merchandiser meets (a price or amount not below the regular price), with the fix.
  std::pair<Said, Said> PriceRefused(const Mechanic& mechanic, Money regular,
                                     const std::string& reason, FindingFix& fix) const {
    Said said = Said{"cannot be priced on the regular price ",
                     "ne peut pas être calculée sur le prix habituel "} +
                Amount(regular);
    said.en += ": " + reason;
    const Money just_below(regular.minor_units() - 1, regular.currency());
    if (const auto* m = std::get_if<FixedPrice>(&mechanic);
        m && m->price.minor_units() >= regular.minor_units()) {
      said.fr += "\u00A0: le prix promotionnel " + DisplayPrice(m->price, Locale::kFrench) +
                 " n'est pas inférieur au prix habituel";
      if (just_below.minor_units() <= 0) return {said, {}};
      fix.max_price = just_below;
      return {said, Said{"To fix: a fixed price of ", "Pour corriger\u00A0: un prix fixe de "} +
                        Amount(just_below) + Said{" at most", " au plus"}};
    }
    if (const auto* m = std::get_if<AmountOff>(&mechanic);
        m && m->amount.minor_units() >= regular.minor_units()) {
      said.fr += "\u00A0: la remise " + DisplayPrice(m->amount, Locale::kFrench) +
                 " n'est pas inférieure au prix habituel";
      return {said, {}};
    }
    if (const auto* m = std::get_if<BundlePrice>(&mechanic);
        m && m->price.minor_units() >= regular.minor_units() * m->quantity) {
      said.fr += "\u00A0: le prix du lot " + DisplayPrice(m->price, Locale::kFrench) +
                 " n'est pas inférieur à " + std::to_string(m->quantity) + " fois le prix habituel";
      return {said, {}};
    }
    said.fr += " (" + reason + ")";
    return {said, {}};
  }

  void CheckPrices(ProductContext& ctx, const PromotionInScope& p, const Publication& publication) {
    const Product& product = ctx.product;
    const Promotion& promotion = *p.promotion;
    const Said subject = Subject(promotion, &product);
    const bool announces = AnnouncesPriceCut(promotion.mechanic);
    if (announces && product.perishable) {
      Add(p, Severity::kInfo, codes::kReferenceExempt,
          {"perishable, so exempt from the 30-day reference price",
           "produit périssable, donc exempté du prix de référence sur 30 jours"},
          &product);
    }
    // The stores where it is published, by group; a store with its own prices is a group
    // of its own.
    std::vector<int> own;
    std::vector<int> count(p.groups.size(), 0), representative(p.groups.size(), -1);
    if (publication.stores == static_cast<int>(p.stores.size())) {
      // Published everywhere, the usual case: the few stores with their own prices leave
      // their group, without a look at every store.
      for (const std::string& store_id : ctx.own_price.ids()) {
        auto it = index_of_store_.find(store_id);
        if (it == index_of_store_.end() || !p.in_scope[it->second]) continue;
        own.push_back(it->second);
        --count[p.group_of[it->second]];
      }
      for (size_t g = 0; g < p.groups.size(); ++g) {
        count[g] += static_cast<int>(p.groups[g].stores.size());
        for (int s : p.groups[g].stores) {
          if (!ctx.own_price.Contains(stores_[s].id)) {
            representative[g] = s;
            break;
          }
        }
      }
    } else {
      for (int s : p.stores) {
        if (!publication.in_store[s]) continue;
        if (ctx.own_price.Contains(stores_[s].id)) {
          own.push_back(s);
          continue;
        }
        const int g = p.group_of[s];
        if (count[g]++ == 0) representative[g] = s;
      }
    }
    auto finding = [&](Severity severity, const char* code, const Said& said) {
      Finding f = Make(severity, code, subject + said);
      f.promotion_id = promotion.id;
      return f;
    };
    StoreFindings found;
    int without_price = 0;
    std::string first_without_price;
    auto evaluate = [&](int rep, Instant start, int stores) {
      const Store& store = stores_[rep];
      const TimeZone& tz = *ZoneOf(store);
      const std::vector<AppliedPrice>& timeline = Timeline(ctx, rep);
      const GroupPricing pricing =
          PriceInGroup(timeline, start, promotion.mechanic, product, &rules_);
      if (pricing.verdict == GroupVerdict::kNoRegularPrice) {
        if (without_price == 0) first_without_price = store.id;
        without_price += stores;
        return;
      }
      if (pricing.verdict == GroupVerdict::kMechanicRefused) {
        FindingFix fix;
        fix.promotion_id = promotion.id;
        auto [said, to_fix] =
            PriceRefused(promotion.mechanic, *pricing.regular, pricing.message, fix);
        Finding f = finding(Severity::kBlocking, codes::kPriceRefused, said);
        if (fix.max_price) f.fix = fix;
        found.Add(std::move(f), to_fix, stores, store.id);
        return;
      }
      // Assembly skips an offer over the cap; approval goes on, to report its reference too.
      if (pricing.cap) {
        Finding f = *pricing.cap;
        f.message = subject.en + f.message;
        f.message_fr = subject.fr + f.message_fr;
        f.promotion_id = promotion.id;
        f.fix->promotion_id = promotion.id;
        const Said to_fix = CapFix(product, promotion.mechanic, *pricing.regular, *f.fix);
        found.Add(std::move(f), to_fix, stores, store.id);
      }
      if (!announces || product.perishable) return;
      const std::optional<Chain> chain = ChainBefore(product, store, start);
      const Instant chain_start = chain ? chain->start : start;
      const ReferenceCheck check = CheckReferenceInGroup(timeline, product, promotion.mechanic,
                                                         *pricing.price, start, chain_start);
      if (chain) {
        Finding f = finding(
            Severity::kInfo, codes::kReferenceChained,
            Said{"continues the reduction of ", "prolonge sans interruption la réduction "} +
                Name(*chain->first) +
                Said{" without a break: the reference price is the one before it, from ",
                     "\u00A0: le prix de référence est celui d'avant elle, du "} +
                Day(chain->start - kReferenceWindow, tz) + Said{" to ", " au "} +
                Day(chain->start, tz));
        f.other_promotion_id = chain->first->promotion->id;
        f.other_campaign_id = chain->first->campaign->id;
        found.Add(std::move(f), {}, stores, store.id);
      }
      if (check.verdict == GroupVerdict::kNoReferencePrice) {
        const Said day = Day(chain_start, tz);
        found.Add(finding(Severity::kBlocking, codes::kNoReferencePrice,
                          {"no price applied in the 30 days before " + day.en +
                               ", so no reduction can be announced",
                           "aucun prix appliqué dans les 30 jours avant le " + day.fr +
                               "\u00A0: aucune réduction ne peut être annoncée"}),
                  {}, stores, store.id);
        return;
      }
      const ReferencePrice& reference = *check.reference;  // found: announces, and not perishable
      if (check.verdict == GroupVerdict::kReductionNotSupported) {
        FindingFix fix;
        fix.promotion_id = promotion.id;
        auto [said, to_fix] =
            ReductionNotSupported(promotion.mechanic, reference, *pricing.price, tz, fix);
        Finding f = finding(Severity::kBlocking, codes::kReductionNotSupported, said);
        f.fix = fix;
        found.Add(std::move(f), to_fix, stores, store.id);
      }
      if (reference.short_history && !timeline.empty()) {
        found.Add(
            finding(Severity::kWarning, codes::kReferenceShortHistory,
                    Said{"the price history starts on ", "l'historique des prix commence le "} +
                        Day(timeline.front().from, tz) +
                        Said{", less than 30 days before the promotion: the reference price ",
                             ", moins de 30 jours avant la promotion\u00A0: le prix de "
                             "référence "} +
                        Amount(*reference.amount) +
                        Said{" is the lowest of a shorter period",
                             " est le plus bas d'une période plus courte"}),
            {}, stores, store.id);
      }
    };
    for (size_t g = 0; g < p.groups.size(); ++g) {
      if (count[g] > 0 && representative[g] >= 0) {
        evaluate(representative[g], p.groups[g].start, count[g]);
      }
    }
    for (int s : own) evaluate(s, p.groups[p.group_of[s]].start, 1);
    if (without_price > 0) {
      found.Add(finding(Severity::kBlocking, codes::kNoRegularPrice,
                        {"no regular price at the start of the campaign",
                         "pas de prix habituel au début de la campagne"}),
                {}, without_price, first_without_price);
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

  // True when `p` would be published in store `s` (always for another campaign's: its own
  // approval decided that).
  static bool PublishedIn(const ProductContext& ctx, const PromotionInScope& p, int s) {
    auto it = ctx.publications.find(&p);
    return it == ctx.publications.end() || it->second.in_store[s];
  }

  void CheckOverlap(ProductContext& ctx, const PromotionInScope& a, const PromotionInScope& b) {
    const auto [count, first] = CommonStores(a, b);
    if (count == 0) return;
    const Product& product = ctx.product;
    const Store& store = stores_[first];
    const LocalTime from = std::max(a.campaign->start_local, b.campaign->start_local);
    const Instant at = ZoneOf(store)->FromLocal(from);
    const std::optional<Money> regular = RegularPriceAt(Timeline(ctx, first), at);

    // Each priced alone on the regular price of the first common store.
    std::vector<OverlapCandidate> candidates;
    const std::vector<const PromotionInScope*> who = {&a, &b};
    for (const PromotionInScope* p : who) {
      candidates.push_back(regular ? Candidate(*p->promotion, *regular)
                                   : OverlapCandidate{p->promotion->id, p->promotion->priority,
                                                      p->promotion->exclusive,
                                                      p->promotion->mechanic, OfferPrice{}});
    }
    const OverlapResolution resolution = ResolveOverlap(candidates);

    const Said stores = StoresText(count);
    Said message = Name(a) + Said{" and ", " et "} + Name(b) +
                   Said{" both cover ", " couvrent toutes deux "} + ProductName(product) +
                   Said{" in " + stores.en + " from ", " dans " + stores.fr + " à partir du "} +
                   Day(from) + Said{": ", "\u00A0: "};
    std::optional<FindingFix> fix;
    const bool stack = resolution.immediate && resolution.loyalty;
    if (stack) {
      const PromotionInScope& immediate = *who[*resolution.immediate];
      const PromotionInScope& loyalty = *who[*resolution.loyalty];
      message += Said{"", "le crédit fidélité de "} + Name(loyalty) +
                 Said{"'s loyalty credit stacks on ", " s'ajoute à "} + Name(immediate);
      // The one to make exclusive is the campaign's own, the immediate one first.
      const PromotionInScope& own = immediate.campaign == &campaign_ ? immediate : loyalty;
      message += Said{". If the credit should not combine, make ",
                      ". Si le crédit ne doit pas s'y ajouter, rendre "} +
                 Name(own) + Said{" exclusive", " exclusive"};
      fix = FindingFix();
      fix->promotion_id = own.promotion->id;
      fix->make_exclusive = own.promotion->id;
      CheckStackedCap(ctx, immediate, loyalty, from, count);
    } else {
      const size_t winner = resolution.immediate ? *resolution.immediate : *resolution.loyalty;
      message += Name(*who[winner]) + Said{" wins", " l'emporte"};
      for (size_t loser = 0; loser < candidates.size(); ++loser) {
        if (loser == winner) continue;
        message += Said{"; ", "\u00A0; "} + Name(*who[loser]) + Said{" loses: ", " perd\u00A0: "} +
                   Beaten(candidates, who, resolution, loser).second;
      }
    }
    if (static_cast<int>(overlap_findings_.size()) >= limits_.overlaps) {
      ++overlaps_left_out_;
      return;
    }
    Finding f = Make(Severity::kWarning, codes::kOverlap, std::move(message));
    f.product_id = product.id;
    if (count == 1) f.store_id = store.id;
    f.promotion_id = a.promotion->id;
    f.other_promotion_id = b.promotion->id;
    if (b.campaign != &campaign_) f.other_campaign_id = b.campaign->id;
    f.stores = count;
    f.fix = std::move(fix);
    overlap_findings_.push_back(std::move(f));
  }

  // The cap applies to the cumulated advantage, so a credit stacked on an immediate
  // reduction is checked together with it, in each group of the common stores where both
  // would be published, on the group's regular price when they start to overlap.
  void CheckStackedCap(ProductContext& ctx, const PromotionInScope& immediate,
                       const PromotionInScope& loyalty, LocalTime from, int common) {
    if (common == 0) return;
    const Product& product = ctx.product;
    const bool own_loyalty = loyalty.campaign == &campaign_;
    const PromotionInScope& own = immediate.campaign == &campaign_ ? immediate : loyalty;
    const PromotionInScope& other = &own == &immediate ? loyalty : immediate;
    const Said subject = Name(immediate) + Said{" with ", " avec le crédit fidélité de "} +
                         Name(loyalty) +
                         Said{"'s loyalty credit stacked on it, on ", " cumulé, sur "} +
                         ProductName(product) + Said{": ", "\u00A0: "};
    std::map<std::string, std::pair<int, int>> groups;  // price group → (representative, stores)
    for (int s : immediate.stores) {
      if (!loyalty.in_scope[s] || !PublishedIn(ctx, immediate, s) ||
          !PublishedIn(ctx, loyalty, s)) {
        continue;
      }
      const Store& store = stores_[s];
      const std::string key =
          (ctx.own_price.Contains(store.id) ? "store:" + store.id : "zone:" + store.price_zone) +
          "|" + store.timezone;
      auto [it, inserted] = groups.emplace(key, std::make_pair(s, 0));
      ++it->second.second;
    }
    StoreFindings found;
    for (const auto& [key, group] : groups) {
      const auto [rep, stores] = group;
      const Store& store = stores_[rep];
      const std::optional<Money> regular =
          RegularPriceAt(Timeline(ctx, rep), ZoneOf(store)->FromLocal(from));
      if (!regular) continue;
      Result<OfferPrice> stacked =
          ComputePrice(immediate.promotion->mechanic, *regular, loyalty.promotion->mechanic);
      if (!stacked.ok()) continue;  // each was priced alone; a refusal is reported there
      auto cap = CheckAdvantageCap(rules_, product, *stacked, CheckStage::kApproval);
      if (!cap) continue;
      cap->message = subject.en + cap->message;
      cap->message_fr = subject.fr + cap->message_fr;
      cap->promotion_id = own.promotion->id;
      cap->other_promotion_id = other.promotion->id;
      if (other.campaign != &campaign_) cap->other_campaign_id = other.campaign->id;
      FindingFix& fix = *cap->fix;
      fix.promotion_id = own.promotion->id;
      fix.make_exclusive = own.promotion->id;
      const std::optional<int> x =
          HighestPercentWithinCap(product, *regular, immediate.promotion->mechanic,
                                  loyalty.promotion->mechanic, own_loyalty);
      Said to_fix{"To fix: ", "Pour corriger\u00A0: "};
      if (x) {
        fix.max_percent = *x;
        const Mechanic within = *WithPercent(own.promotion->mechanic, *x);
        to_fix +=
            Said{"bring ", "ramener "} + Name(own) + Said{" down to ", " à "} +
            Said{MechanicLabel(within, Locale::kEnglish), MechanicLabel(within, Locale::kFrench)} +
            Said{", or ", ", ou "};
      }
      to_fix += Said{"make ", "rendre "} + Name(own) +
                Said{own_loyalty ? " exclusive so that it combines with no reduction"
                                 : " exclusive so that no loyalty credit combines with it",
                     own_loyalty ? " exclusive pour qu'il ne se cumule avec aucune réduction"
                                 : " exclusive pour qu'aucun crédit fidélité ne s'y ajoute"};
      found.Add(std::move(*cap), to_fix, stores, store.id);
    }
    found.MoveTo(product.id, out_.findings);
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

nlohmann::json MoneyJson(const std::optional<Money>& m) {
  return m ? nlohmann::json(m->ToFeedString()) : nlohmann::json();
}

nlohmann::json IdJson(const std::string& id) {
  return id.empty() ? nlohmann::json() : nlohmann::json(id);
}

}  // namespace

nlohmann::json CampaignChecks::ToJson(Locale locale) const {
  nlohmann::json list = nlohmann::json::array();
  for (const Finding& f : findings) {
    nlohmann::json fix;
    if (f.fix) {
      fix = {{"promotion_id", IdJson(f.fix->promotion_id)},
             {"max_percent",
              f.fix->max_percent ? nlohmann::json(*f.fix->max_percent) : nlohmann::json()},
             {"max_price", MoneyJson(f.fix->max_price)},
             {"min_price", MoneyJson(f.fix->min_price)},
             {"make_exclusive",
              f.fix->make_exclusive ? nlohmann::json(*f.fix->make_exclusive) : nlohmann::json()}};
    }
    list.push_back({{"severity", SeverityName(f.severity)},
                    {"code", f.code},
                    {"message", f.MessageIn(locale)},
                    {"product_id", IdJson(f.product_id)},
                    {"store_id", f.store_id ? nlohmann::json(*f.store_id) : nlohmann::json()},
                    {"promotion_id", IdJson(f.promotion_id)},
                    {"other_promotion_id", IdJson(f.other_promotion_id)},
                    {"other_campaign_id", IdJson(f.other_campaign_id)},
                    {"stores", f.stores > 0 ? nlohmann::json(f.stores) : nlohmann::json()},
                    {"fix", std::move(fix)}});
  }
  return {{"approvable", blocking == 0},
          {"language", LocaleTag(locale)},
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
