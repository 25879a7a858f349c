// StoreDirectory: every store of the chain, kept in memory for geographic queries.
//
// A chain has at most a few thousand stores; reading and decoding them all on every
// `near=` request was most of its cost. The list is reloaded when a write through this
// server invalidates it, and at most `ttl` after it was loaded, so stores changed by another
// process (a CLI import) show up within that time. Thread-safe. Private to server/.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "catalog/repository.h"

namespace vitrine::api {

// The stores around a point, nearest first; `all` keeps the stores pointed to alive.
struct NearbyStores {
  struct Hit {
    double distance_km = 0;
    const Store* store = nullptr;
  };
  std::shared_ptr<const std::vector<Store>> all;
  std::vector<Hit> hits;
};

class StoreDirectory {
 public:
  explicit StoreDirectory(CatalogRepository& catalog,
                          std::chrono::milliseconds ttl = std::chrono::seconds(2))
      : catalog_(catalog), ttl_(ttl) {}

  Result<std::shared_ptr<const std::vector<Store>>> All() {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stores_ && now < loaded_at_ + ttl_) return stores_;
    }
    auto loaded = catalog_.ListAllStores();
    if (!loaded.ok()) return loaded.status();
    auto stores = std::make_shared<const std::vector<Store>>(std::move(loaded).value());
    std::lock_guard<std::mutex> lock(mu_);
    stores_ = stores;
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
    for (const Store& store : *nearby.all) {
      if (std::abs(store.lat - lat) > max_dlat) continue;
      double dlon = std::abs(store.lon - lon);
      if (std::min(dlon, 360.0 - dlon) > max_dlon) continue;
      if (keep && !keep(store)) continue;
      const double d = DistanceKm(lat, lon, store.lat, store.lon);
      if (d <= radius_km) nearby.hits.push_back({d, &store});
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
  std::shared_ptr<const std::vector<Store>> stores_;  // guarded by mu_
  std::chrono::steady_clock::time_point loaded_at_;   // guarded by mu_
};

}  // namespace vitrine::api
