// StoreDirectory: every store of the chain, kept in memory for geographic queries.
//
// A chain has at most a few thousand stores; reading and decoding them all on every
// `near=` request was most of its cost, and so was then encoding each store found as JSON.
// A snapshot therefore holds the stores and the public JSON of each, made once per load.
// The list is reloaded when a write through this server invalidates it, and at most `ttl`
// after it was loaded, so stores changed by another process (a CLI import) show up within
// that time; a reload encodes again only the stores that changed. Thread-safe. Private to
// server/.
#pragma once

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/repository.h"

namespace vitrine::api {

// One load of the store list. Immutable once made.
struct StoreSnapshot {
  // A store's public JSON with a distance, as the `near=` lists return it:
  // `before_distance` + the distance_km value + `after_distance` is, byte for byte, what
  // nlohmann's dump() writes for ToJson(store) with "distance_km" added.
  struct Json {
    std::string before_distance;
    std::string after_distance;
  };
  std::vector<Store> stores;
  std::vector<Json> json;  // json[i] is that of stores[i]

  // Makes the snapshot of `stores`, reusing the JSON of the stores of `previous` (may be
  // null) that did not change.
  static std::shared_ptr<const StoreSnapshot> Of(std::vector<Store> stores,
                                                 const StoreSnapshot* previous) {
    auto snapshot = std::make_shared<StoreSnapshot>();
    snapshot->json.reserve(stores.size());
    std::unordered_map<std::string_view, size_t> before;
    if (previous) {
      for (size_t i = 0; i < previous->stores.size(); ++i) before[previous->stores[i].id] = i;
    }
    for (const Store& store : stores) {
      auto it = before.find(store.id);
      if (it != before.end()) {
        const Store& old = previous->stores[it->second];
        if (old.SameContentAs(store) && old.updated_at == store.updated_at) {
          snapshot->json.push_back(previous->json[it->second]);
          continue;
        }
      }
      snapshot->json.push_back(JsonOf(store));
    }
    snapshot->stores = std::move(stores);
    return snapshot;
  }

  // The distance_km value as it appears in the JSON: kilometres rounded to the metre.
  static std::string DistanceText(double distance_km) {
    return nlohmann::json(std::round(distance_km * 1000) / 1000).dump();
  }

 private:
  static Json JsonOf(const Store& store) {
    nlohmann::json item = ToJson(store);
    item["distance_km"] = 0.0;
    const std::string text = item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // Inside a JSON string a quote is always escaped, so the key cannot be matched there.
    constexpr std::string_view kKey = "\"distance_km\":";
    constexpr std::string_view kPlaceholder = "0.0";
    const size_t at = text.find(kKey);
    assert(at != std::string::npos &&
           text.compare(at + kKey.size(), kPlaceholder.size(), kPlaceholder) == 0);
    const size_t value = at + kKey.size();
    return {text.substr(0, value), text.substr(value + kPlaceholder.size())};
  }
};

// The stores around a point, nearest first; `all` keeps the stores pointed to alive.
struct NearbyStores {
  struct Hit {
    double distance_km = 0;
    const Store* store = nullptr;
    const StoreSnapshot::Json* json = nullptr;  // the store's JSON, in `all`
  };
  std::shared_ptr<const StoreSnapshot> all;
  std::vector<Hit> hits;
};

class StoreDirectory {
 public:
  explicit StoreDirectory(CatalogRepository& catalog,
                          std::chrono::milliseconds ttl = std::chrono::seconds(2))
      : catalog_(catalog), ttl_(ttl) {}

  Result<std::shared_ptr<const StoreSnapshot>> All() {
    const auto now = std::chrono::steady_clock::now();
    std::shared_ptr<const StoreSnapshot> previous;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stores_ && now < loaded_at_ + ttl_) return stores_;
      previous = last_;
    }
    auto loaded = catalog_.ListAllStores();
    if (!loaded.ok()) return loaded.status();
    auto stores = StoreSnapshot::Of(std::move(loaded).value(), previous.get());
    std::lock_guard<std::mutex> lock(mu_);
    stores_ = stores;
    last_ = stores;
    loaded_at_ = now;
    return stores;
  }

  // The stores `keep` accepts within `radius_km` of (lat, lon), by distance then id. A
  // latitude/longitude box drops most stores before the great-circle distance, whose
  // trigonometry was a quarter of a near= request.
  Result<NearbyStores> Near(double lat, double lon, double radius_km,
                            const std::function<bool(const Store&)>& keep) {
    auto all = All();
    if (!all.ok()) return all.status();
    NearbyStores nearby{std::move(all).value(), {}};
    constexpr double kKmPerDegree = 111.195;  // on the sphere of DistanceKm
    constexpr double kMargin = 1.01;          // the box is a filter; DistanceKm decides
    const double max_dlat = radius_km / kKmPerDegree * kMargin;
    const double widest_lat = std::abs(lat) + max_dlat;  // where a degree of longitude is least
    const double max_dlon =
        widest_lat >= 89.9
            ? 360.0
            : radius_km / (kKmPerDegree * std::cos(widest_lat * M_PI / 180.0)) * kMargin;
    const std::vector<Store>& stores = nearby.all->stores;
    for (size_t i = 0; i < stores.size(); ++i) {
      const Store& store = stores[i];
      if (std::abs(store.lat - lat) > max_dlat) continue;
      double dlon = std::abs(store.lon - lon);
      if (std::min(dlon, 360.0 - dlon) > max_dlon) continue;
      if (keep && !keep(store)) continue;
      const double d = DistanceKm(lat, lon, store.lat, store.lon);
      if (d <= radius_km) nearby.hits.push_back({d, &store, &nearby.all->json[i]});
    }
    std::sort(nearby.hits.begin(), nearby.hits.end(), [](const auto& a, const auto& b) {
      return a.distance_km != b.distance_km ? a.distance_km < b.distance_km
                                            : a.store->id < b.store->id;
    });
    return nearby;
  }

  void Invalidate() {
    std::lock_guard<std::mutex> lock(mu_);
    stores_.reset();
  }

 private:
  CatalogRepository& catalog_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::shared_ptr<const StoreSnapshot> stores_;      // guarded by mu_; null when invalidated
  std::shared_ptr<const StoreSnapshot> last_;        // guarded by mu_; the JSON to reuse
  std::chrono::steady_clock::time_point loaded_at_;  // guarded by mu_
};

}  // namespace vitrine::api
