#include "offers/compliance.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "offers/campaign.h"

namespace vitrine {
namespace {

std::string Fr(Money m) { return m.ToFrenchDisplay(); }

// "44,14 %" in French, "44.14%" in English.
std::string PercentOf(double fraction, Locale locale) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", fraction * 100.0);
  std::string s = buf;
  if (locale == Locale::kEnglish) return s + "%";
  std::replace(s.begin(), s.end(), '.', ',');
  return s + "\u00A0%";
}

int64_t CapBasisPoints(double cap) { return std::llround(cap * 10000.0); }

// The largest advantage within the cap, rounded down: rounded half up it could breach it
// (34 % of 3,49 € is 1,1866 €, and 1,19 € off is over).
Money CapAllowance(Money regular, int64_t cap_bp) {
  return Money(regular.minor_units() * cap_bp / 10000, regular.currency());
}

size_t Depth(std::string_view category) {
  return static_cast<size_t>(std::count(category.begin(), category.end(), '>')) + 1;
}

// Strict weak order: the first ranks best.
bool RanksBefore(const OverlapCandidate& a, const OverlapCandidate& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.exclusive != b.exclusive) return a.exclusive;
  const int64_t pa = a.price.effective_unit_price.minor_units();
  const int64_t pb = b.price.effective_unit_price.minor_units();
  if (pa != pb) return pa < pb;
  return a.promotion_id < b.promotion_id;
}

// Why `loser` ranks after `winner`.
std::string WhyBehind(const OverlapCandidate& loser, const OverlapCandidate& winner) {
  const std::string& w = winner.promotion_id;
  if (loser.priority != winner.priority) {
    return "priority " + std::to_string(loser.priority) + " is below " + w + "'s " +
           std::to_string(winner.priority);
  }
  if (loser.exclusive != winner.exclusive) {
    return "same priority " + std::to_string(loser.priority) + " and " + w + " is exclusive";
  }
  const Money lp = loser.price.effective_unit_price;
  const Money wp = winner.price.effective_unit_price;
  if (lp != wp) {
    return "same priority and exclusivity, and its effective unit price " + Fr(lp) + " is above " +
           w + "'s " + Fr(wp);
  }
  return "tied with " + w + " on priority, exclusivity and price; " + w +
         " comes first by promotion id";
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kBlocking:
      return "blocking";
  }
  return "info";
}

double CapFor(const ComplianceRules& rules, std::string_view category) {
  double cap = rules.default_cap;
  size_t best_depth = 0;
  for (const auto& [prefix, prefix_cap] : rules.cap_by_category) {
    if (!InCategorySubtree(category, prefix)) continue;
    const size_t depth = Depth(prefix);
    if (depth > best_depth) {
      best_depth = depth;
      cap = prefix_cap;
    }
  }
  return cap;
}

RegulatedCategory RegulationFor(const ComplianceRules& rules, std::string_view category) {
  RegulatedCategory found = RegulatedCategory::kNone;
  size_t best_depth = 0;
  for (const auto& [prefix, regulation] : rules.regulated_by_category) {
    if (!InCategorySubtree(category, prefix)) continue;
    const size_t depth = Depth(prefix);
    if (depth > best_depth) {
      best_depth = depth;
      found = regulation;
    }
  }
  return found;
}

Money CapMinimumPrice(const ComplianceRules& rules, const Product& product, Money regular) {
  const int64_t cap_bp = CapBasisPoints(CapFor(rules, product.category));
  return Money(regular.minor_units() - CapAllowance(regular, cap_bp).minor_units(),
               regular.currency());
}

std::optional<Finding> CheckAdvantageCap(const ComplianceRules& rules, const Product& product,
                                         const OfferPrice& price, CheckStage stage,
                                         std::optional<std::string> store_id) {
  const double cap = CapFor(rules, product.category);
  if (cap >= 1.0) return std::nullopt;
  // Integers only: advantage / p ≤ cap_bp / 10000, cross-multiplied (no overflow below
  // 10^14 minor units, far above any shelf price).
  const int64_t cap_bp = CapBasisPoints(cap);
  const int64_t lhs = price.total_advantage.minor_units() * 10000;
  const int64_t rhs = cap_bp * price.regular_unit_price.minor_units();
  if (lhs <= rhs) return std::nullopt;
  const Money allowed = CapAllowance(price.regular_unit_price, cap_bp);
  const Money lowest = CapMinimumPrice(rules, product, price.regular_unit_price);
  const double cap_fraction = static_cast<double>(cap_bp) / 10000.0;
  auto say = [&](Locale l) {
    const std::string advantage = DisplayPrice(price.total_advantage, l);
    const std::string share = PercentOf(price.advantage_fraction, l);
    const std::string regular = DisplayPrice(price.regular_unit_price, l);
    const std::string capped = PercentOf(cap_fraction, l);
    if (l == Locale::kFrench) {
      return "l'avantage cumulé " + advantage + " (" + share + " de " + regular +
             ") dépasse le plafond de " + capped + " (au plus " + DisplayPrice(allowed, l) +
             ", soit un prix net d'au moins " + DisplayPrice(lowest, l) + " l'unité)";
    }
    return "the cumulated advantage " + advantage + " (" + share + " of " + regular +
           ") exceeds the " + capped + " cap (at most " + DisplayPrice(allowed, l) +
           ", a net price of at least " + DisplayPrice(lowest, l) + " a unit)";
  };
  Finding f;
  f.severity = stage == CheckStage::kApproval ? Severity::kBlocking : Severity::kWarning;
  f.code = "promotion_cap_exceeded";
  f.message = say(Locale::kEnglish);
  f.message_fr = say(Locale::kFrench);
  f.product_id = product.id;
  f.store_id = std::move(store_id);
  f.fix = FindingFix{};
  f.fix->min_price = lowest;
  return f;
}

std::vector<Finding> CheckProductData(const Product& product) {
  std::vector<Finding> findings;
  auto add = [&](Severity severity, const char* code, std::string en, std::string fr) {
    Finding f;
    f.severity = severity;
    f.code = code;
    f.message = std::move(en);
    f.message_fr = std::move(fr);
    f.product_id = product.id;
    findings.push_back(std::move(f));
  };
  if (!product.net_quantity) {
    add(Severity::kBlocking, "missing_net_quantity",
        "no net quantity, so no price per kg, litre or piece can be shown",
        "pas de quantité nette : aucun prix au kg, au litre ou à la pièce ne peut être affiché");
  }
  if (!product.gtin) {
    add(Severity::kWarning, "missing_gtin", "no GTIN: Google and Meta match products on it",
        "pas de GTIN : Google et Meta identifient les produits par ce code");
  } else if (product.gtin->IsRestricted()) {
    add(Severity::kInfo, "in_store_gtin",
        "GTIN " + product.gtin->digits() + " is an in-store or coupon code: it is not sent",
        "le GTIN " + product.gtin->digits() +
            " est un code interne au magasin ou de bon de réduction : il n'est pas envoyé");
  }
  if (product.image_url.empty()) {
    add(Severity::kWarning, "missing_image", "no image: creatives show no packshot",
        "pas d'image : les visuels n'affichent pas de photo du produit");
  }
  return findings;
}

OverlapResolution ResolveOverlap(std::span<const OverlapCandidate> candidates) {
  std::vector<size_t> order(candidates.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return RanksBefore(candidates[a], candidates[b]); });

  OverlapResolution result;
  for (size_t i : order) {
    auto& slot = IsImmediate(candidates[i].mechanic) ? result.immediate : result.loyalty;
    if (!slot) slot = i;
  }
  std::vector<std::string> reasons(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    const auto& winner = IsImmediate(candidates[i].mechanic) ? result.immediate : result.loyalty;
    if (*winner != i) reasons[i] = WhyBehind(candidates[i], candidates[*winner]);
  }
  if (result.immediate && result.loyalty) {
    const OverlapCandidate& im = candidates[*result.immediate];
    const OverlapCandidate& lo = candidates[*result.loyalty];
    if (im.exclusive || lo.exclusive) {
      const bool immediate_first = RanksBefore(im, lo);
      const OverlapCandidate& kept = immediate_first ? im : lo;
      const OverlapCandidate& dropped = immediate_first ? lo : im;
      const OverlapCandidate& exclusive = im.exclusive ? im : lo;
      const size_t dropped_index = immediate_first ? *result.loyalty : *result.immediate;
      reasons[dropped_index] = exclusive.promotion_id +
                               " is exclusive, so it does not combine, and " + kept.promotion_id +
                               " ranks before " + dropped.promotion_id;
      (immediate_first ? result.loyalty : result.immediate).reset();
    }
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!reasons[i].empty()) result.losers.push_back({candidates[i].promotion_id, reasons[i]});
  }
  return result;
}

}  // namespace vitrine
