// CreativeContent: everything one creative shows, gathered before drawing: the published
// offer, the product's printed facts and its packshot reference. BindFields turns it into
// the values of the template bindings (templates/template.h, Bindings()).
//
// Plain data and pure functions; thread-safe.
#pragma once

#include <map>
#include <string>

#include "offers/published_offer.h"
#include "templates/brand_kit.h"

namespace vitrine {

struct CreativeContent {
  PublishedOffer offer;
  std::string product_title;
  std::string product_brand;
  std::string product_quantity;  // "500 g", as printed; may be empty
  std::string packshot;          // an ImageSource reference; empty: the placeholder is drawn
};

// The value of every binding for `content` (French texts, as FORMATS.md §4 spells them).
// Conditional bindings (offer.reference_price, offer.discount...) are empty when their
// condition does not hold, which is what a layer's `when` tests.
std::map<std::string, std::string, std::less<>> BindFields(const CreativeContent& content,
                                                           const BrandKit& kit);

}  // namespace vitrine
