// StoreDirectory: every store of the chain, kept in memory for geographic queries.
//
// A chain has at most a few thousand stores; reading and decoding them all on every
// `near=` request was most of its cost. The list is reloaded when a write through this
// server invalidates it, and at most `ttl` after it was loaded, so stores changed by another
// process (a CLI import) show up within that time. Thread-safe. Private to server/.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "catalog/repository.h"

namespace vitrine::api {

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
