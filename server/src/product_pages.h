// ProductPages: the JSON body of GET /api/v1/products/{id}, kept for the products read most.
//
// A product is read far more often than it changes, and its page is the hub's hottest read:
// serving the kept body skips the database read and the JSON encoding, which were most of
// the route's own cost. A write through this server forgets the product at once; a body is
// kept at most `ttl`, so a product changed by another process (a CLI import) shows up
// within that time, as StoreDirectory does for stores. Holds at most `capacity` bodies and
// starts afresh when full. Thread-safe. Private to server/.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vitrine::api {

class ProductPages {
 public:
  explicit ProductPages(std::chrono::milliseconds ttl = std::chrono::seconds(2),
                        size_t capacity = 20000)
      : ttl_(ttl), capacity_(capacity) {}

  // The kept body of product `id`, when fresh.
  std::shared_ptr<const std::string> Find(std::string_view id) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    auto it = pages_.find(std::string(id));
    if (it == pages_.end() || now >= it->second.loaded_at + ttl_) return nullptr;
    return it->second.body;
  }

  // Keeps `body` for `id`, unless a write forgot the products after `generation` was read
  // (the body may predate that write).
  void Keep(std::string_view id, std::string body, uint64_t generation) {
    std::lock_guard lock(mu_);
    if (generation != generation_) return;
    if (pages_.size() >= capacity_) pages_.clear();
    pages_[std::string(id)] = {std::make_shared<const std::string>(std::move(body)),
                               std::chrono::steady_clock::now()};
  }

  // Read before loading a body to Keep.
  uint64_t Generation() {
    std::lock_guard lock(mu_);
    return generation_;
  }

  // After a write: `id`, or every product when empty.
  void Forget(std::string_view id = {}) {
    std::lock_guard lock(mu_);
    ++generation_;
    if (id.empty()) {
      pages_.clear();
    } else {
      pages_.erase(std::string(id));
    }
  }

 private:
  struct Page {
    std::shared_ptr<const std::string> body;
    std::chrono::steady_clock::time_point loaded_at;
  };
  const std::chrono::milliseconds ttl_;
  const size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Page> pages_;  // guarded by mu_
  uint64_t generation_ = 0;                      // guarded by mu_
};

}  // namespace vitrine::api
