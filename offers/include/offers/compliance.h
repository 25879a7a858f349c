// Compliance: the checks a campaign must pass before it is published, as findings a
// merchandiser can act on, and the rule that decides which promotion wins when several
// cover one product in one store at one time.
//
// The French promotion cap (Egalim): the cumulated advantage of the promotions on a product,
// immediate and loyalty credit together, may not exceed 34 % of its price; a warning while
// authoring, a block at approval. The cap is configurable per category prefix, and so are the
// regulated categories whose adverts must carry a mention by law (alcoholic drinks: the Loi
// Évin health warning, regulated_mentions.h). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/product.h"
#include "common/money.h"
#include "offers/mechanics.h"
#include "offers/texts.h"

namespace vitrine {

enum class Severity { kInfo, kWarning, kBlocking };
// "info", "warning", "blocking".
std::string_view SeverityName(Severity severity);

// What would clear a finding, for a person and for a client that offers it as an action.
struct FindingFix {
  std::string promotion_id;        // the promotion to change
  std::optional<int> max_percent;  // the highest percentage its mechanic may have
  // reduction_not_supported: the highest promotion price that supports the announced
  // reduction against the reference price.
  std::optional<Money> max_price;
  // promotion_cap_exceeded: the lowest price per unit (net of any credit) within the cap.
  std::optional<Money> min_price;
  // Stacking: the promotion to make exclusive so that no loyalty credit combines with it.
  std::optional<std::string> make_exclusive;

  friend bool operator==(const FindingFix&, const FindingFix&) = default;
};

struct Finding {
  Severity severity = Severity::kInfo;
  std::string code;     // stable, for filters and tests: "promotion_cap_exceeded"
  std::string message;  // a sentence for a person, in English
  std::string product_id;
  std::optional<std::string> store_id;  // set when the finding is about one store's price
  std::string message_fr;               // the same sentence in French; empty: only `message`
  // The ids a finding is about, for machines; the messages name things by name.
  std::string promotion_id;        // the checked campaign's promotion, when it is about one
  std::string other_promotion_id;  // the other promotion of an overlap, stack or chain
  std::string other_campaign_id;   // its campaign, when not the checked one
  int stores = 0;                  // stores concerned; 0 when not about stores
  std::optional<FindingFix> fix;

  // The message in `locale`: the French one when there is one, else the English one.
  const std::string& MessageIn(Locale locale) const {
    return locale == Locale::kFrench && !message_fr.empty() ? message_fr : message;
  }

  friend bool operator==(const Finding&, const Finding&) = default;
};

// Why an advert for a product needs a mandatory mention; kNone: it does not.
enum class RegulatedCategory { kNone, kAlcohol };

struct ComplianceRules {
  // The cap on the cumulated advantage, as a fraction of the regular price: 0.34 (Egalim).
  double default_cap = 0.34;
  // Caps by retailer category prefix, matched on whole ">"-separated segments; the longest
  // matching prefix wins. A cap of 1.0 or more lifts it (non-food categories). Default: none.
  std::map<std::string, double> cap_by_category;
  // Regulated categories by retailer category prefix, matched as the caps are (whole
  // segments, the longest prefix wins), so a kNone under a regulated prefix exempts a
  // subcategory. Default: the alcoholic drinks of the demo retailer's taxonomy ("Cave >
  // Vins", "Boissons > Bières") and their usual French neighbours, alcohol-free ones exempt.
  std::map<std::string, RegulatedCategory> regulated_by_category = {
      {"Cave", RegulatedCategory::kAlcohol},
      {"Cave > Sans alcool", RegulatedCategory::kNone},
      {"Boissons > Alcools", RegulatedCategory::kAlcohol},
      {"Boissons > Apéritifs", RegulatedCategory::kAlcohol},
      {"Boissons > Bières", RegulatedCategory::kAlcohol},
      {"Boissons > Bières > Sans alcool", RegulatedCategory::kNone},
      {"Boissons > Cidres", RegulatedCategory::kAlcohol},
      {"Boissons > Spiritueux", RegulatedCategory::kAlcohol},
      {"Boissons > Vins", RegulatedCategory::kAlcohol}};
};

// The cap that applies to a product of `category`.
double CapFor(const ComplianceRules& rules, std::string_view category);
// Whether adverts for a product of `category` must carry a mention, and which kind.
RegulatedCategory RegulationFor(const ComplianceRules& rules, std::string_view category);

// Authoring only warns; approval blocks (ARCHITECTURE.md §2).
enum class CheckStage { kAuthoring, kApproval };

// A "promotion_cap_exceeded" finding when price.total_advantage is above the cap times the
// regular price (exactly at the cap passes; compared in integers, the cap taken to the
// basis point), else nullopt. Warning at authoring, blocking at approval. Its messages (in
// English and French) give the cap's headroom; its fix holds min_price, the lowest price
// per unit within the cap (CapMinimumPrice).
std::optional<Finding> CheckAdvantageCap(const ComplianceRules& rules, const Product& product,
                                         const OfferPrice& price, CheckStage stage,
                                         std::optional<std::string> store_id = std::nullopt);

// The lowest effective unit price within the cap of `product`'s category for a product whose
// regular unit price is `regular`: regular minus the cap's share of it, rounded half up.
Money CapMinimumPrice(const ComplianceRules& rules, const Product& product, Money regular);

// What a product lacks to be published well, in this order:
//   missing_net_quantity  blocking: no unit price, which every priced advert must show
//   missing_gtin          warning: Google and Meta match products on it
//   in_store_gtin         info: a restricted GTIN is kept but never sent to a platform
//   missing_image         warning: creatives fall back to a text-only layout
std::vector<Finding> CheckProductData(const Product& product);

// One promotion covering the product in the store at the time, priced alone on the
// regular price (ComputePrice without stacking).
struct OverlapCandidate {
  std::string promotion_id;
  int priority = 0;
  bool exclusive = false;
  Mechanic mechanic;
  OfferPrice price;
};

struct OverlapLoss {
  std::string promotion_id;
  std::string reason;  // for the explain route: "priority 3 is below P1's 5"

  friend bool operator==(const OverlapLoss&, const OverlapLoss&) = default;
};

struct OverlapResolution {
  std::optional<size_t> immediate;  // index of the winning immediate mechanic
  std::optional<size_t> loyalty;    // index of the winning loyalty credit, stacked on it
  std::vector<OverlapLoss> losers;  // every other candidate, in candidate order
};

// One immediate mechanic wins: highest priority, then an exclusive one, then the best price
// for the customer (lowest effective unit price), then the smallest promotion id, so the
// result never depends on the order of `candidates`. Loyalty credits compete among
// themselves by the same rule and the winner stacks on the immediate winner, unless either
// is exclusive: then only the higher-ranked of the two is kept.
OverlapResolution ResolveOverlap(std::span<const OverlapCandidate> candidates);

}  // namespace vitrine
