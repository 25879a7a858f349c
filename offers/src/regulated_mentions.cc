#include "offers/regulated_mentions.h"

#include <vector>

#include "offers/campaign_checks.h"

namespace vitrine {

std::string RegulatedMention(RegulatedCategory regulation, Locale locale) {
  switch (regulation) {
    case RegulatedCategory::kNone:
      return "";
    case RegulatedCategory::kAlcohol:
      return locale == Locale::kFrench
                 ? "L'abus d'alcool est dangereux pour la santé, à consommer avec modération."
                 : "Alcohol abuse is dangerous for your health. Drink responsibly.";
  }
  return "";
}

std::string ShortRegulatedMention(RegulatedCategory regulation, Locale locale) {
  switch (regulation) {
    case RegulatedCategory::kNone:
      return "";
    case RegulatedCategory::kAlcohol:
      return locale == Locale::kFrench ? "L'abus d'alcool est dangereux pour la santé."
                                       : "Alcohol abuse is dangerous for your health.";
  }
  return "";
}

std::string RegulatedMentionFor(std::string_view category, Locale locale,
                                const ComplianceRules* rules) {
  static const ComplianceRules kDefaults;
  return RegulatedMention(RegulationFor(rules != nullptr ? *rules : kDefaults, category), locale);
}

std::optional<Finding> CheckRegulatedMentions(
    const ComplianceRules& rules, const std::map<std::string, Product, std::less<>>& products) {
  constexpr size_t kNamed = 5;
  std::map<RegulatedCategory, std::vector<const Product*>> by_regulation;
  for (const auto& [id, product] : products) {
    const RegulatedCategory regulation = RegulationFor(rules, product.category);
    if (regulation != RegulatedCategory::kNone) by_regulation[regulation].push_back(&product);
  }
  if (by_regulation.empty()) return std::nullopt;
  std::string message;
  std::string message_fr;
  for (const auto& [regulation, regulated] : by_regulation) {
    if (!message.empty()) message += "; ";
    if (!message_fr.empty()) message_fr += " ; ";
    std::string names;
    for (size_t i = 0; i < regulated.size() && i < kNamed; ++i) {
      if (i > 0) names += ", ";
      names += regulated[i]->title.empty() ? regulated[i]->id : regulated[i]->title;
    }
    std::string names_fr = names;
    if (regulated.size() > kNamed) {
      names += " and " + std::to_string(regulated.size() - kNamed) + " more";
      names_fr += " et " + std::to_string(regulated.size() - kNamed) + " autres";
    }
    message += std::to_string(regulated.size()) +
               (regulated.size() == 1 ? " product is" : " products are") +
               " subject to a mandatory mention, added to their legal line and every creative: \"" +
               RegulatedMention(regulation) + "\" (" + names + ")";
    message_fr +=
        std::to_string(regulated.size()) +
        (regulated.size() == 1 ? " produit est soumis" : " produits sont soumis") +
        " à une mention obligatoire, ajoutée à leur ligne légale et à chaque visuel : « " +
        RegulatedMention(regulation) + " » (" + names_fr + ")";
  }
  Finding finding;
  finding.severity = Severity::kInfo;
  finding.code = check_codes::kRegulatedMention;
  finding.message = std::move(message);
  finding.message_fr = std::move(message_fr);
  // One product: the finding is about it, as a per-product finding would be.
  if (by_regulation.size() == 1 && by_regulation.begin()->second.size() == 1) {
    finding.product_id = by_regulation.begin()->second.front()->id;
  }
  return finding;
}

}  // namespace vitrine
