// Google local inventory feed (FORMATS.md §1.2): one item per product × store, the large
// feed (two million rows for a national chain). It reads only the columns it writes
// (OfferRepository::ScanInventory), formats each row by appending to the sink's buffer, and
// caches what repeats from row to row: the effective date of a validity in a zone and the
// price strings.
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "feed_internal.h"

namespace vitrine::feeds_internal {
namespace {

// Which product × store pairs were written, as bits: products are numbered as first met,
// stores by their index in the store list. The memory is products × stores bits (2,000 ×
// 1,000 is 250 KB), bounded by the catalogue whatever the number of offers.
class PairSet {
 public:
  explicit PairSet(size_t stores) : stores_(stores) {}
  // True when the pair was not there yet (and now is).
  bool Insert(std::string_view product_id, size_t store_index) {
    auto [it, added] = products_.try_emplace(std::string(product_id), products_.size());
    const size_t bit = it->second * stores_ + store_index;
    if (bit / 64 >= bits_.size()) bits_.resize((it->second + 1) * stores_ / 64 + 1, 0);
    const uint64_t mask = uint64_t{1} << (bit % 64);
    if (bits_[bit / 64] & mask) return false;
    bits_[bit / 64] |= mask;
    return true;
  }

 private:
  size_t stores_;
  std::unordered_map<std::string, size_t> products_;
  std::vector<uint64_t> bits_;
};

struct StoreInfo {
  size_t index = 0;
  bool pickup = false;  // click and collect or drive: pickup_method "buy", same day
  std::string code;     // escaped store code
};

// The last string made from one key, kept because consecutive rows mostly repeat it.
template <typename Key>
class LastFormatted {
 public:
  template <typename Make>
  const std::string& Get(const Key& key, Make make) {
    if (!valid_ || !(key == key_)) {
      key_ = key;
      text_ = make();
      valid_ = true;
    }
    return text_;
  }

 private:
  bool valid_ = false;
  Key key_{};
  std::string text_;
};

}  // namespace

Status WriteGoogleLocalInventory(FeedContext& ctx, FeedSink& sink) {
  auto stores = ctx.sources.catalog->ListAllStores();
  if (!stores.ok()) return stores.status();
  std::unordered_map<std::string, StoreInfo> store_info;
  for (const Store& s : *stores) {
    StoreInfo info;
    info.index = store_info.size();
    for (const std::string& service : s.services) {
      if (service == "click_and_collect" || service == "drive") info.pickup = true;
    }
    AppendXmlEscaped(CleanFeedText(s.id), &info.code);
    store_info.emplace(s.id, std::move(info));
  }
  PairSet written(store_info.size());
  ZoneCache zones;
  std::string last_zone_name;
  const TimeZone* zone = nullptr;
  LastFormatted<std::pair<int64_t, int64_t>> dates;
  LastFormatted<std::pair<int64_t, std::string>> regular, shelf;
  std::string product_id;
  std::string& out = sink.buffer();
  OpenRss(out, ctx.settings, "Local inventory of the promoted products");

  Status status =
      ctx.sources.offers->ScanInventory(ctx.scan, [&](const OfferInventoryRow& row) -> Status {
        auto store = store_info.find(std::string(row.store_id));
        if (store == store_info.end()) {
          ctx.Skip("unknown_store");
          return Status::Ok();
        }
        // Overlaps are resolved by assembly, so a pair repeats only for successive
        // promotions: the first one met stays until the next regeneration.
        if (!written.Insert(row.product_id, store->second.index)) {
          ctx.Skip("later_promotion");
          return Status::Ok();
        }
        if (row.product_id.size() > 50) {
          ctx.Skip("id_too_long");
          return Status::Ok();
        }
        product_id.clear();
        AppendXmlEscaped(row.product_id, &product_id);
        out += "<item>\n<g:id>";
        out += product_id;
        out += "</g:id>\n<g:store_code>";
        out += store->second.code;
        out += "</g:store_code>\n<g:availability>";
        out += AvailabilityName(row.availability);
        out += "</g:availability>\n<g:quantity>";
        out += std::to_string(std::max<int64_t>(0, row.stock_quantity));
        out += "</g:quantity>\n<g:price>";
        const Money regular_price = row.regular_price;
        out += regular.Get({regular_price.minor_units(), regular_price.currency().code()},
                           [&] { return regular_price.ToFeedString(); });
        out += "</g:price>\n";
        if (row.shelf_price.minor_units() < row.regular_price.minor_units()) {
          const Money shelf_price = row.shelf_price;
          out += "<g:sale_price>";
          out += shelf.Get({shelf_price.minor_units(), shelf_price.currency().code()},
                           [&] { return shelf_price.ToFeedString(); });
          out += "</g:sale_price>\n<g:sale_price_effective_date>";
          if (!zone || row.timezone != last_zone_name) {
            last_zone_name = row.timezone;
            zone = &zones.For(row.timezone);
            dates = {};  // another zone: another offset
          }
          out += dates.Get({ToUnixSeconds(row.validity.begin), ToUnixSeconds(row.validity.end)},
                           [&] { return GoogleEffectiveDate(row.validity, *zone); });
          out += "</g:sale_price_effective_date>\n";
        }
        if (store->second.pickup) {
          out += "<g:pickup_method>buy</g:pickup_method>\n<g:pickup_sla>same day</g:pickup_sla>\n";
        }
        out += "</item>\n";
        ctx.Wrote();
        sink.Commit();
        return Status::Ok();
      });
  if (!status.ok()) return status;
  CloseRss(out);
  return Status::Ok();
}

}  // namespace vitrine::feeds_internal
