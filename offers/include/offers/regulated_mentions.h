// Regulated mentions: the sentence the law makes every advert for a product of a regulated
// category carry, whatever the promotion says. One today: the health warning on alcoholic
// drinks (Loi Évin, Code de la santé publique art. L3323-4), which assembly appends to the
// offer's legal line, so it reaches the creatives' fine print, the leaflet's `legal` and the
// Meta description. Which categories are regulated is ComplianceRules'
// (offers/compliance.h). Pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/product.h"
#include "offers/compliance.h"
#include "offers/texts.h"

namespace vitrine {

// The mention in full: "L'abus d'alcool est dangereux pour la santé, à consommer avec
// modération." (English: "Alcohol abuse is dangerous for your health. Drink responsibly.").
// Empty for kNone.
std::string RegulatedMention(RegulatedCategory regulation, Locale locale = Locale::kFrench);

// The shortest form the law accepts, for a creative too small for the full one: "L'abus
// d'alcool est dangereux pour la santé." (L3323-4 requires that sentence; "à consommer avec
// modération" is customary). Empty for kNone.
std::string ShortRegulatedMention(RegulatedCategory regulation, Locale locale = Locale::kFrench);

// The mention an advert for a product of `category` must carry under `rules` (nullptr: the
// default ComplianceRules); empty when none.
std::string RegulatedMentionFor(std::string_view category, Locale locale = Locale::kFrench,
                                const ComplianceRules* rules = nullptr);

// For the campaign checks: one info finding "regulated_mention" naming (by title, the first
// five, then a count) the selected `products` whose adverts will carry a mention, and the
// mention; nullopt when none does. Creatives always show it (docs/templates.md), so it
// never blocks.
std::optional<Finding> CheckRegulatedMentions(
    const ComplianceRules& rules, const std::map<std::string, Product, std::less<>>& products);

}  // namespace vitrine
