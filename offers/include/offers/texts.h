// Offer texts: the badge, headline and legal line a creative or leaflet prints for a mechanic,
// in French (the default, spelled exactly as FORMATS.md §4) or English, plus the lines every
// offer carries (unit price, reference price, validity).
//
// French prices use a comma and a no-break space before the sign ("2,44 €"); English ones
// put the sign first ("€2.44"). Badges keep FORMATS.md's compact "-30%" and bind their
// numbers to the neighbouring word with no-break spaces ("3 pour 2" never ends a line on a
// lone "2"). All functions are pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/money.h"
#include "common/quantity.h"
#include "common/time.h"
#include "offers/campaign.h"
#include "offers/mechanics.h"

namespace vitrine {

enum class Locale { kFrench, kEnglish };

struct OfferTexts {
  std::string badge;  // "-30%", "2ème à -50%", "3 pour 2", "3 pour 5 €", "30% sur la carte"
  std::string
      headline;  // "2,44 € au lieu de 3,49 €", "soit 2,33 € l'unité", "soit 1,05 € crédités"
  std::string legal;  // the mechanic's conditions, or the reference price line; may be empty

  friend bool operator==(const OfferTexts&, const OfferTexts&) = default;
};

// Texts for `mechanic` priced as `price` (from ComputePrice on that mechanic). For the
// reductions that announce a price cut (percent_off, amount_off, fixed_price) the headline
// compares the shelf price with `reference_price` when given (else the regular price: a
// perishable product, exempt) and the legal line is the reference price line (else empty).
// Whether the badge's claim holds against the reference is CheckAnnouncedReduction's job.
// For a stacked offer call it once per mechanic with the same `price`.
OfferTexts Texts(const Mechanic& mechanic, const OfferPrice& price, Locale locale = Locale::kFrench,
                 std::optional<Money> reference_price = std::nullopt);

// Two legal sentences as one line: "Prix de référence : 4,69 €. Montant crédité…". A full
// stop and a space go between them unless `first` already ends with a sentence's closing
// punctuation (. ! ? …); either being empty gives the other alone.
std::string JoinLegal(std::string_view first, std::string_view second);

// Replaces the badge and legal line with the promotion's overrides where it has them.
OfferTexts ApplyOverrides(OfferTexts texts, const Promotion& promotion);

// "2,44 €" (French) or "€2.44" (English).
std::string DisplayPrice(Money amount, Locale locale = Locale::kFrench);
// "7,96 €/kg", "2,00 €/l", "0,25 €/pièce", "0,80 €/100 g"; English "€7.96/kg", "€0.25/piece".
std::string UnitPriceLabel(Money unit_price, const Quantity& base, Locale locale = Locale::kFrench);
// "Prix de référence : 3,49 €" / "Reference price: €3.49".
std::string ReferencePriceLine(Money reference_price, Locale locale = Locale::kFrench);
// "Offre valable du 02/12 au 08/12/2026 dans les magasins participants". `end_local` is
// exclusive (the campaign's end), so an end at 2026-12-09 00:00 prints the 8th.
std::string ValidityLine(LocalTime start_local, LocalTime end_local,
                         Locale locale = Locale::kFrench);

// The language a client asks for in an Accept-Language header ("en-GB,en;q=0.9,fr;q=0.5"):
// the French or English range with the highest q-value (a tie goes to the first listed);
// French when the header is absent, empty, or names neither (Vitrine's users are French
// retailers). "*" counts as French.
Locale LocaleFromAcceptLanguage(std::optional<std::string_view> header);
// "fr" or "en", for Content-Language.
std::string_view LocaleTag(Locale locale);

// A mechanic in a few words: "−30 %", "2ème à −60 %", "3 pour 2", "prix fixe 4,99 €",
// "20 % sur la carte"; English "−30%", "2nd at −60%", "3 for 2", "fixed price €4.99",
// "20% on the loyalty card".
std::string MechanicLabel(const Mechanic& mechanic, Locale locale = Locale::kFrench);
// What a promotion is called in messages for people: its name when it has one, else its
// mechanic and selector, "−30 % sur la marque Vieux Papes" / "−30% on brand Vieux Papes".
std::string PromotionLabel(const Promotion& promotion, Locale locale = Locale::kFrench);
// "07/12", or "07/12 06:30" when the wall-clock time is not midnight.
std::string DayMonthLabel(LocalTime local);

}  // namespace vitrine
