#include "offers/repository.h"

namespace vitrine {

OfferBatch OfferBatch::Of(std::span<const PublishedOffer> offers) {
  OfferBatch batch;
  batch.variants.reserve(offers.size());
  batch.offers.reserve(offers.size());
  for (const PublishedOffer& offer : offers) {
    batch.offers.push_back({static_cast<uint32_t>(batch.variants.size()), offer.store_id,
                            offer.stock_quantity, offer.availability, offer.content_hash});
    batch.variants.push_back({offer, ""});
  }
  return batch;
}

PublishedOffer OfferBatch::Expand(size_t i) const {
  const StoreOffer& s = offers[i];
  PublishedOffer offer = variants[s.variant].content;
  offer.store_id = s.store_id;
  offer.stock_quantity = s.stock_quantity;
  offer.availability = s.availability;
  offer.content_hash = s.content_hash;
  return offer;
}

}  // namespace vitrine
