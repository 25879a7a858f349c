// Offers for the render tests: one per mechanic, with the texts assembly would give them,
// the packshot in tests/render/data and a fixed validity week (2 to 8 December 2026).
#pragma once

#include <string>
#include <vector>

#include "render/creative_content.h"

namespace vitrine::testing {

inline std::string RenderDataDir() {
  return std::string(VITRINE_SOURCE_DIR) + "/tests/render/data";
}

inline CreativeContent SampleCreative(const std::string& mechanic = "percent_off") {
  CreativeContent c;
  c.product_title = "Chocolat noir 70 % cacao aux éclats de noisettes";
  c.product_brand = "Vitrine Sélection";
  c.product_quantity = "200 g";
  c.packshot = "packshot.png";
  PublishedOffer& o = c.offer;
  o.offer_id = "PROMO1~P20866341";
  o.store_id = "S001";
  o.campaign_id = "C1";
  o.product_id = "P20866341";
  o.timezone = "Europe/Paris";
  // 2026-12-02 00:00 to 2026-12-09 00:00, Paris time.
  o.validity = {FromUnixSeconds(1796166000), FromUnixSeconds(1796770800)};
  o.regular_price = Money::Euros(349);
  o.unit_pricing_base = "1 kg";
  o.mechanic = mechanic;
  if (mechanic == "percent_off") {
    o.shelf_price = Money::Euros(244);
    o.reference_price = Money::Euros(349);
    o.discount_percent = 30;
    o.badge = "-30%";
    o.headline = "2,44 € au lieu de 3,49 €";
    o.legal = "Prix de référence : 3,49 €";
  } else if (mechanic == "amount_off") {
    o.shelf_price = Money::Euros(249);
    o.reference_price = Money::Euros(349);
    o.discount_percent = 29;
    o.badge = "-1,00 €";
    o.headline = "2,49 € au lieu de 3,49 €";
    o.legal = "Prix de référence : 3,49 €";
  } else if (mechanic == "fixed_price") {
    o.shelf_price = Money::Euros(299);
    o.reference_price = Money::Euros(349);
    o.discount_percent = 14;
    o.badge = "Prix choc";
    o.headline = "2,99 € au lieu de 3,49 €";
    o.legal = "Prix de référence : 3,49 €";
  } else if (mechanic == "nth_item_percent_off") {
    o.shelf_price = Money::Euros(349);
    o.badge = "2ème à\u00A0-50%";
    o.headline = "soit 2,62 € l'unité";
    o.legal = "Remise immédiate en caisse sur le 2ème article acheté";
  } else if (mechanic == "multibuy") {
    o.shelf_price = Money::Euros(349);
    o.badge = "3\u00A0pour\u00A02";
    o.headline = "soit 2,33 € l'unité";
    o.legal = "Le 3ème article identique est offert";
  } else if (mechanic == "bundle_price") {
    o.shelf_price = Money::Euros(167);
    o.badge = "3\u00A0pour\u00A05\u00A0€";
    o.headline = "soit 1,67 € l'unité";
    o.legal = "Par lot de 3 articles identiques";
  } else if (mechanic == "loyalty_credit") {
    o.shelf_price = Money::Euros(349);
    o.badge = "30% sur la carte";
    o.headline = "soit 1,05 € crédités";
    o.legal = "Crédités sur la carte de fidélité";
  }
  o.effective_unit_price = o.shelf_price;
  o.unit_price = Money::Euros(o.shelf_price.minor_units() * 5);
  return c;
}

// A wine under a percent_off: its legal line ends with the Loi Évin health warning, as
// assembly writes it.
inline CreativeContent WineCreative() {
  CreativeContent c = SampleCreative("percent_off");
  c.product_title = "Côtes du Rhône rouge, Domaine de l'Exemple";
  c.product_brand = "Domaine de l'Exemple";
  c.product_quantity = "75 cl";
  c.offer.category = "Cave > Vins";
  c.offer.legal =
      "Prix de référence : 3,49 €. L'abus d'alcool est dangereux pour la santé, à consommer "
      "avec modération.";
  return c;
}

inline std::vector<std::string> AllMechanics() {
  return {"percent_off", "amount_off",   "fixed_price",   "nth_item_percent_off",
          "multibuy",    "bundle_price", "loyalty_credit"};
}

}  // namespace vitrine::testing
