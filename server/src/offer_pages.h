// OfferPages: the JSON bodies of GET /api/v1/offers pages, kept by query.
//
// A page of a store's offers is read far more often than offers change, and building it
// (the database read and the JSON of a hundred offers) cost milliseconds. A body is the
// answer to one OfferQuery, which holds everything the page depends on (the caller's
// channel scope included), at one point of the offers' change sequence: every write to an
// offer, by this process or another one on the same database, takes a new seq
// (OfferRepository::LastSeq), so a body read at seq N is exactly what a new read gives
// while LastSeq() is still N. A list without `at` does not depend on the time (validity
// filters only apply with `at`), so no clock enters the validity. The kept pages all belong
// to one seq: a newer one forgets them. At most `capacity_bytes` of bodies are kept, the
// least recently used are dropped first. The gzip of a body is made the first time a
// client accepts it, and kept beside it. Thread-safe. Private to server/.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "offers/repository.h"

namespace vitrine::api {

class OfferPages {
 public:
  struct Page {
    std::string body;
    std::string gzip;  // empty until a client accepted gzip
  };

  explicit OfferPages(size_t capacity_bytes = size_t{64} << 20) : capacity_(capacity_bytes) {}

  // The key of the page that answers `query`: every field, length-prefixed.
  static std::string KeyOf(const OfferQuery& query) {
    std::string key;
    for (std::string_view field :
         {std::string_view(query.store_id), std::string_view(query.channel),
          std::string_view(query.campaign_id), std::string_view(query.product_id),
          std::string_view(query.category), std::string_view(query.after)}) {
      key += std::to_string(field.size());
      key += ':';
      key += field;
    }
    key += query.at ? "@" + std::to_string(ToUnixSeconds(*query.at)) : std::string("-");
    for (Availability a : query.availability) key += std::to_string(static_cast<int>(a));
    key += '!';
    key += '/';
    key += std::to_string(query.limit);
    return key;
  }

  // The kept page of `key` read at `seq` (LastSeq(), read by the caller just before).
  std::shared_ptr<const Page> Find(const std::string& key, int64_t seq) {
    std::lock_guard lock(mu_);
    if (seq != seq_) {
      Clear();
      seq_ = seq;
      return nullptr;
    }
    auto it = pages_.find(key);
    if (it == pages_.end()) return nullptr;
    recent_.splice(recent_.begin(), recent_, it->second.recent);
    return it->second.page;
  }

  // Keeps `page` for `key`, read at `seq`: LastSeq() read before the offers were, so the page
  // is at least as new as `seq`. Dropped when the kept pages are of another seq by now.
  void Keep(const std::string& key, int64_t seq, std::shared_ptr<const Page> page) {
    const size_t bytes = Size(key, *page);
    if (bytes > capacity_) return;
    std::lock_guard lock(mu_);
    if (seq != seq_) return;
    if (auto it = pages_.find(key); it != pages_.end()) {
      bytes_ -= Size(key, *it->second.page);
      it->second.page = std::move(page);
      recent_.splice(recent_.begin(), recent_, it->second.recent);
    } else {
      recent_.push_front(key);
      pages_.emplace(key, Entry{std::move(page), recent_.begin()});
    }
    bytes_ += bytes;
    while (bytes_ > capacity_) {
      auto last = pages_.find(recent_.back());
      bytes_ -= Size(last->first, *last->second.page);
      pages_.erase(last);
      recent_.pop_back();
    }
  }

  size_t bytes() {
    std::lock_guard lock(mu_);
    return bytes_;
  }

 private:
  struct Entry {
    std::shared_ptr<const Page> page;
    std::list<std::string>::iterator recent;  // its place in recent_
  };

  static size_t Size(const std::string& key, const Page& page) {
    return key.size() + page.body.size() + page.gzip.size();
  }
  void Clear() {
    pages_.clear();
    recent_.clear();
    bytes_ = 0;
  }

  const size_t capacity_;
  std::mutex mu_;
  int64_t seq_ = -1;                              // guarded by mu_; that of every kept page
  std::unordered_map<std::string, Entry> pages_;  // guarded by mu_
  std::list<std::string> recent_;                 // guarded by mu_; most recent first
  size_t bytes_ = 0;                              // guarded by mu_
};

}  // namespace vitrine::api
