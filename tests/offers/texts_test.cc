#include "offers/texts.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vitrine {
namespace {

using namespace std::chrono_literals;

Money E(int64_t cents) { return Money::Euros(cents); }

OfferPrice PriceOf(const Mechanic& mechanic, int64_t regular) {
  auto price = ComputePrice(mechanic, E(regular));
  EXPECT_TRUE(price.ok()) << price.status().ToString();
  return *price;
}

struct TextCase {
  Mechanic mechanic;
  int64_t regular;
  const char* badge;
  const char* headline;
  const char* legal;
};

// FORMATS.md §4, with p = 3,49 € as its examples imply (2,44 = 3,49 − 30 %, etc.).
TEST(TextsTest, FrenchAsFormatsSpellsThem) {
  const TextCase cases[] = {
      {PercentOff{30}, 349, "-30%", "2,44\u00A0€ au lieu de 3,49\u00A0€", ""},
      {AmountOff{E(100)}, 349, "-1,00\u00A0€", "2,49\u00A0€ au lieu de 3,49\u00A0€", ""},
      {FixedPrice{E(299)}, 349, "Prix choc", "2,99\u00A0€ au lieu de 3,49\u00A0€", ""},
      {NthItemPercentOff{2, 50}, 349, "2ème à\u00A0-50%", "soit 2,62\u00A0€ l'unité",
       "Remise de 50\u00A0% sur le 2ème produit identique acheté"},
      {NthItemPercentOff{3, 100}, 300, "3ème offert", "soit 2,00\u00A0€ l'unité",
       "Le 3ème produit identique acheté est offert"},
      {Multibuy{3, 2}, 349, "3\u00A0pour\u00A02", "soit 2,33\u00A0€ l'unité",
       "Pour 3 produits identiques achetés, 1 offert"},
      {Multibuy{5, 3}, 100, "5\u00A0pour\u00A03", "soit 0,60\u00A0€ l'unité",
       "Pour 5 produits identiques achetés, 2 offerts"},
      {BundlePrice{3, E(500)}, 349, "3\u00A0pour\u00A05\u00A0€", "soit 1,67\u00A0€ l'unité",
       "Prix pour 3 produits identiques achetés ensemble"},
      {BundlePrice{2, E(550)}, 349, "2\u00A0pour\u00A05,50\u00A0€", "soit 2,75\u00A0€ l'unité",
       "Prix pour 2 produits identiques achetés ensemble"},
      {LoyaltyCredit{30}, 349, "30% sur la carte", "soit 1,05\u00A0€ crédités",
       "Montant crédité sur la carte de fidélité, à valoir sur un prochain achat"},
  };
  for (const auto& c : cases) {
    const OfferTexts texts = Texts(c.mechanic, PriceOf(c.mechanic, c.regular));
    SCOPED_TRACE(c.badge);
    EXPECT_EQ(texts.badge, c.badge);
    EXPECT_EQ(texts.headline, c.headline);
    EXPECT_EQ(texts.legal, c.legal);
  }
}

TEST(TextsTest, English) {
  const TextCase cases[] = {
      {PercentOff{30}, 349, "-30%", "€2.44 instead of €3.49", ""},
      {AmountOff{E(100)}, 349, "-€1.00", "€2.49 instead of €3.49", ""},
      {FixedPrice{E(299)}, 349, "Special price", "€2.99 instead of €3.49", ""},
      {NthItemPercentOff{2, 50}, 349, "2nd at -50%", "that's €2.62 each",
       "50% off the 2nd identical item bought"},
      {NthItemPercentOff{3, 100}, 300, "3rd free", "that's €2.00 each",
       "The 3rd identical item bought is free"},
      {Multibuy{3, 2}, 349, "3\u00A0for\u00A02", "that's €2.33 each",
       "Buy 3 identical items, get 1 free"},
      {BundlePrice{3, E(500)}, 349, "3\u00A0for\u00A0€5", "that's €1.67 each",
       "Price for 3 identical items bought together"},
      {LoyaltyCredit{30}, 349, "30% on your card", "that's €1.05 credited",
       "Credited to your loyalty card, to spend on a later purchase"},
  };
  for (const auto& c : cases) {
    const OfferTexts texts = Texts(c.mechanic, PriceOf(c.mechanic, c.regular), Locale::kEnglish);
    SCOPED_TRACE(c.badge);
    EXPECT_EQ(texts.badge, c.badge);
    EXPECT_EQ(texts.headline, c.headline);
    EXPECT_EQ(texts.legal, c.legal);
  }
}

// B8: "3 pour 2" wrapped as "3 pour" over a lone "2". A badge's numbers are bound to their
// words by no-break spaces, so a line break can only fall where a reader expects one.
TEST(TextsTest, BadgesBindTheirNumbersToTheirWords) {
  auto breaks = [](const std::string& badge) {
    std::vector<std::string> parts;
    size_t at = 0;
    for (size_t space = badge.find(' '); space != std::string::npos; space = badge.find(' ', at)) {
      parts.push_back(badge.substr(at, space - at));
      at = space + 1;
    }
    parts.push_back(badge.substr(at));
    return parts;
  };
  EXPECT_EQ(breaks(Texts(Multibuy{3, 2}, PriceOf(Multibuy{3, 2}, 349)).badge),
            std::vector<std::string>{"3\u00A0pour\u00A02"});
  EXPECT_EQ(breaks(Texts(BundlePrice{3, E(500)}, PriceOf(BundlePrice{3, E(500)}, 349)).badge),
            std::vector<std::string>{"3\u00A0pour\u00A05\u00A0€"});
  // "à" never ends a line (French typography): "2ème" / "à -50%".
  EXPECT_EQ(breaks(Texts(NthItemPercentOff{2, 50}, PriceOf(NthItemPercentOff{2, 50}, 349)).badge),
            (std::vector<std::string>{"2ème", "à\u00A0-50%"}));
  EXPECT_EQ(breaks(Texts(Multibuy{3, 2}, PriceOf(Multibuy{3, 2}, 349), Locale::kEnglish).badge),
            std::vector<std::string>{"3\u00A0for\u00A02"});
}

// B4: "Prix de référence : 4,69 € Montant crédité…" ran two sentences together.
TEST(TextsTest, JoinLegalSeparatesSentencesWithAFullStop) {
  EXPECT_EQ(JoinLegal("Prix de référence : 4,69\u00A0€", "Montant crédité sur la carte"),
            "Prix de référence : 4,69\u00A0€. Montant crédité sur la carte");
  EXPECT_EQ(JoinLegal("Offre limitée.", "Montant crédité"), "Offre limitée. Montant crédité");
  EXPECT_EQ(JoinLegal("Vraiment ?", "Oui"), "Vraiment ? Oui");
  EXPECT_EQ(JoinLegal("Et ainsi de suite\u2026", "Oui"), "Et ainsi de suite\u2026 Oui");
  EXPECT_EQ(JoinLegal("", "Montant crédité"), "Montant crédité");
  EXPECT_EQ(JoinLegal("Prix de référence : 3,49\u00A0€", ""), "Prix de référence : 3,49\u00A0€");
  EXPECT_EQ(JoinLegal("", ""), "");
}

TEST(TextsTest, OrdinalsInEnglish) {
  const std::pair<int, const char*> cases[] = {
      {4, "4th at -20%"},   {11, "11th at -20%"}, {12, "12th at -20%"},
      {13, "13th at -20%"}, {21, "21st at -20%"}, {22, "22nd at -20%"},
  };
  for (const auto& [n, badge] : cases) {
    const Mechanic m = NthItemPercentOff{n, 20};
    EXPECT_EQ(Texts(m, PriceOf(m, 1000), Locale::kEnglish).badge, badge);
  }
}

TEST(TextsTest, ReducedPriceIsComparedWithTheReferencePrice) {
  const Mechanic m = PercentOff{30};
  const OfferTexts fr = Texts(m, PriceOf(m, 349), Locale::kFrench, E(329));
  EXPECT_EQ(fr.headline, "2,44\u00A0€ au lieu de 3,29\u00A0€");
  EXPECT_EQ(fr.legal, "Prix de référence : 3,29\u00A0€");
  const OfferTexts en = Texts(m, PriceOf(m, 349), Locale::kEnglish, E(329));
  EXPECT_EQ(en.legal, "Reference price: €3.29");
  // A quantity offer announces no reduction: its legal line stays its conditions.
  const Mechanic multibuy = Multibuy{3, 2};
  EXPECT_EQ(Texts(multibuy, PriceOf(multibuy, 349), Locale::kFrench, E(329)).legal,
            "Pour 3 produits identiques achetés, 1 offert");
}

TEST(TextsTest, StackedOfferGetsOneTextPerMechanic) {
  const Mechanic immediate = PercentOff{20};
  const Mechanic loyalty = LoyaltyCredit{10};
  auto price = ComputePrice(immediate, E(250), loyalty);
  ASSERT_TRUE(price.ok());
  EXPECT_EQ(Texts(immediate, *price).headline, "2,00\u00A0€ au lieu de 2,50\u00A0€");
  EXPECT_EQ(Texts(loyalty, *price).headline, "soit 0,20\u00A0€ crédités");
}

TEST(TextsTest, PromotionOverridesReplaceBadgeAndLegal) {
  const Mechanic m = Multibuy{3, 2};
  Promotion promotion;
  promotion.badge_override = "Le 3ème offert";
  const OfferTexts texts = ApplyOverrides(Texts(m, PriceOf(m, 349)), promotion);
  EXPECT_EQ(texts.badge, "Le 3ème offert");
  EXPECT_EQ(texts.headline, "soit 2,33\u00A0€ l'unité");
  EXPECT_EQ(texts.legal, "Pour 3 produits identiques achetés, 1 offert");
  promotion.legal_override = "Dans la limite des stocks disponibles";
  EXPECT_EQ(ApplyOverrides(texts, promotion).legal, "Dans la limite des stocks disponibles");
}

TEST(TextsTest, UnitPriceLabels) {
  EXPECT_EQ(UnitPriceLabel(E(796), *Quantity::Parse("1 kg")), "7,96\u00A0€/kg");
  EXPECT_EQ(UnitPriceLabel(E(200), *Quantity::Parse("1 l")), "2,00\u00A0€/l");
  EXPECT_EQ(UnitPriceLabel(E(25), *Quantity::Parse("1 pièce")), "0,25\u00A0€/pièce");
  EXPECT_EQ(UnitPriceLabel(E(62), *Quantity::Parse("100 g")), "0,62\u00A0€/100 g");
  EXPECT_EQ(UnitPriceLabel(E(796), *Quantity::Parse("1 kg"), Locale::kEnglish), "€7.96/kg");
  EXPECT_EQ(UnitPriceLabel(E(25), *Quantity::Parse("1 pièce"), Locale::kEnglish), "€0.25/piece");
  // The base a product's own quantity implies.
  const Quantity pack = *Quantity::Parse("6 x 33 cl");
  EXPECT_EQ(UnitPriceLabel(UnitPrice(E(396), pack), pack.UnitPricingBase()), "2,00\u00A0€/l");
}

TEST(TextsTest, ValidityLine) {
  const LocalTime start = std::chrono::local_days{2026y / 12 / 2};
  const LocalTime end = std::chrono::local_days{2026y / 12 / 9};
  EXPECT_EQ(ValidityLine(start, end),
            "Offre valable du 02/12 au 08/12/2026 dans les magasins participants");
  EXPECT_EQ(ValidityLine(start, end, Locale::kEnglish),
            "Offer valid from 02/12 to 08/12/2026 in participating stores");
  // Across the new year both years are written.
  EXPECT_EQ(ValidityLine(std::chrono::local_days{2026y / 12 / 28},
                         std::chrono::local_days{2027y / 1 / 4}),
            "Offre valable du 28/12/2026 au 03/01/2027 dans les magasins participants");
  // An end inside a day keeps that day.
  EXPECT_EQ(ValidityLine(start, std::chrono::local_days{2026y / 12 / 8} + 20h),
            "Offre valable du 02/12 au 08/12/2026 dans les magasins participants");
}

TEST(TextsTest, DisplayPrice) {
  EXPECT_EQ(DisplayPrice(E(123450)), "1\u202F234,50\u00A0€");
  EXPECT_EQ(DisplayPrice(E(123450), Locale::kEnglish), "€1234.50");
  EXPECT_EQ(DisplayPrice(E(-100), Locale::kEnglish), "-€1.00");
}

TEST(FindingsLanguageTest, AcceptLanguagePrefersFrenchUnlessEnglishRanksHigher) {
  EXPECT_EQ(LocaleFromAcceptLanguage(std::nullopt), Locale::kFrench);
  EXPECT_EQ(LocaleFromAcceptLanguage(""), Locale::kFrench);
  EXPECT_EQ(LocaleFromAcceptLanguage("en"), Locale::kEnglish);
  EXPECT_EQ(LocaleFromAcceptLanguage("en-GB,en;q=0.9,fr;q=0.5"), Locale::kEnglish);
  EXPECT_EQ(LocaleFromAcceptLanguage("fr-FR, en;q=0.9"), Locale::kFrench);
  EXPECT_EQ(LocaleFromAcceptLanguage("de-DE, en;q=0.3, fr;q=0.8"), Locale::kFrench);
  EXPECT_EQ(LocaleFromAcceptLanguage("de, EN-us;q=0.5"), Locale::kEnglish);
  EXPECT_EQ(LocaleFromAcceptLanguage("es, de"), Locale::kFrench);
  EXPECT_EQ(LocaleFromAcceptLanguage("en;q=0"), Locale::kFrench);  // "not English"
  EXPECT_EQ(LocaleFromAcceptLanguage("en;q=garbage"), Locale::kFrench);
  EXPECT_EQ(LocaleFromAcceptLanguage("*, en;q=0.5"), Locale::kFrench);
  EXPECT_EQ(LocaleTag(Locale::kFrench), "fr");
  EXPECT_EQ(LocaleTag(Locale::kEnglish), "en");
}

TEST(PromotionLabelTest, ANameElseMechanicAndSelector) {
  Promotion p;
  p.selector.kind = ProductSelector::Kind::kBrand;
  p.selector.brand = " Vieux Papes ";
  p.mechanic = PercentOff{30};
  EXPECT_EQ(PromotionLabel(p, Locale::kFrench), "\u221230\u00A0% sur la marque Vieux Papes");
  EXPECT_EQ(PromotionLabel(p, Locale::kEnglish), "\u221230% on brand Vieux Papes");
  p.name = "Foire aux vins";
  EXPECT_EQ(PromotionLabel(p, Locale::kEnglish), "Foire aux vins");

  Promotion q;
  q.selector.kind = ProductSelector::Kind::kCategory;
  q.selector.category = "Boissons > Bières";
  q.mechanic = Multibuy{3, 2};
  EXPECT_EQ(PromotionLabel(q), "3 pour 2 sur le rayon Boissons > Bières");
  q.selector = {ProductSelector::Kind::kProducts, {"P1", "P2"}, "", ""};
  q.mechanic = NthItemPercentOff{2, 60};
  EXPECT_EQ(PromotionLabel(q), "2ème à \u221260\u00A0% sur 2 produits");
  EXPECT_EQ(PromotionLabel(q, Locale::kEnglish), "2nd at \u221260% on 2 products");

  EXPECT_EQ(MechanicLabel(FixedPrice{E(499)}), "prix fixe 4,99\u00A0€");
  EXPECT_EQ(MechanicLabel(FixedPrice{E(499)}, Locale::kEnglish), "fixed price €4.99");
  EXPECT_EQ(MechanicLabel(LoyaltyCredit{20}), "20\u00A0% sur la carte");
  EXPECT_EQ(MechanicLabel(NthItemPercentOff{2, 100}), "2ème offert");
  EXPECT_EQ(MechanicLabel(BundlePrice{3, E(500)}, Locale::kEnglish), "3 for €5.00");
}

TEST(PromotionLabelTest, DatesOnTheWallClock) {
  using std::chrono::local_days;
  EXPECT_EQ(DayMonthLabel(LocalTime{local_days{2026y / 12 / 7}}), "07/12");
  EXPECT_EQ(DayMonthLabel(LocalTime{local_days{2026y / 12 / 7}} + 6h + 30min), "07/12 06:30");
}

}  // namespace
}  // namespace vitrine
