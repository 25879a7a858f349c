#include "store/memory_database.h"

#include "change_keys.h"

#include <algorithm>
#include <exception>

#include "common/text.h"
#include "query_keys.h"
#include "text_folding.h"

namespace vitrine {
namespace {

using store_internal::CheckLimit;
using store_internal::FoldCase;
using store_internal::SearchTokens;

// One word of ProductQuery.text, folded once per query.
struct SearchWord {
  std::string lower;                // for the id (ASCII case-insensitive) and the GTIN
  std::string raw;                  // the word as typed
  std::vector<std::string> tokens;  // each must start a token of title, brand or description
};

bool MatchesWord(const Product& p, const std::vector<std::string>& doc_tokens,
                 const SearchWord& word) {
  if (ToLowerAscii(p.id) == word.lower) return true;
  if (p.gtin && p.gtin->digits() == word.raw) return true;
  if (word.tokens.empty()) return false;
  return std::all_of(word.tokens.begin(), word.tokens.end(), [&](const std::string& t) {
    return std::any_of(doc_tokens.begin(), doc_tokens.end(),
                       [&](const std::string& d) { return d.starts_with(t); });
  });
}

bool InCategory(const std::string& category, const std::string& wanted) {
  return category == wanted ||
         (category.size() > wanted.size() + 3 && category.starts_with(wanted) &&
          std::string_view(category).substr(wanted.size(), 3) == " > ");
}

}  // namespace

MemoryDatabase::Lock::Lock(MemoryDatabase& catalog)
    : catalog_(catalog), owns_(catalog.owner_.load() != std::this_thread::get_id()) {
  if (owns_) {
    catalog_.mu_.lock();
    catalog_.owner_.store(std::this_thread::get_id());
  }
}

MemoryDatabase::Lock::~Lock() {
  if (owns_) {
    catalog_.owner_.store(std::thread::id());
    catalog_.mu_.unlock();
  }
}

Status MemoryDatabase::Transaction(const std::function<Status()>& body) {
  Lock lock(*this);
  if (transaction_depth_ > 0) {
    // Nested on this thread: join the outer transaction, which decides commit or rollback.
    ++transaction_depth_;
    Status status;
    try {
      status = body();
    } catch (const std::exception& e) {
      status = Status::Internal(std::string("transaction body threw: ") + e.what());
    }
    --transaction_depth_;
    return status;
  }
  State snapshot = state_;
  transaction_depth_ = 1;
  Status status;
  try {
    status = body();
  } catch (const std::exception& e) {
    status = Status::Internal(std::string("transaction body threw: ") + e.what());
  } catch (...) {
    status = Status::Internal("transaction body threw a non-standard exception");
  }
  transaction_depth_ = 0;
  if (!status.ok()) state_ = std::move(snapshot);
  return status;
}

Result<std::vector<WriteOutcome>> MemoryDatabase::PutProducts(std::span<const Product> products,
                                                              Instant now) {
  Lock lock(*this);
  std::vector<WriteOutcome> outcomes;
  outcomes.reserve(products.size());
  for (const Product& p : products) {
    auto it = state_.products.find(p.id);
    if (it == state_.products.end()) {
      Product stored = p;
      stored.updated_at = now;
      state_.products.emplace(p.id, std::move(stored));
      outcomes.push_back(WriteOutcome::kInserted);
    } else if (it->second.SameContentAs(p)) {
      outcomes.push_back(WriteOutcome::kUnchanged);
    } else {
      it->second = p;
      it->second.updated_at = now;
      outcomes.push_back(WriteOutcome::kUpdated);
    }
  }
  LogChange(ChangeKind::kProducts,
            store_internal::ChangedKeys(products, std::span(outcomes),
                                        [](const Product& p) { return p.id; }));
  return outcomes;
}

Result<std::optional<Product>> MemoryDatabase::GetProduct(std::string_view id) {
  Lock lock(*this);
  auto it = state_.products.find(id);
  if (it == state_.products.end()) return std::optional<Product>();
  return std::optional<Product>(it->second);
}

Result<bool> MemoryDatabase::DeleteProduct(std::string_view id) {
  Lock lock(*this);
  auto it = state_.products.find(id);
  if (it == state_.products.end()) return false;
  const std::string key = it->first;
  state_.products.erase(it);
  for (auto p = state_.prices.lower_bound(PriceSeries{key, PriceLevel::kNational, ""});
       p != state_.prices.end() && std::get<0>(p->first) == key;) {
    p = state_.prices.erase(p);
  }
  for (auto s = state_.stock.lower_bound(StockKey{key, ""});
       s != state_.stock.end() && s->first.first == key;) {
    s = state_.stock.erase(s);
  }
  LogChange(ChangeKind::kProducts, {key});
  return true;
}

Result<Page<Product>> MemoryDatabase::ListProducts(const ProductQuery& query) {
  VITRINE_RETURN_IF_ERROR(CheckLimit(query.limit));
  std::vector<SearchWord> words;
  for (std::string_view w : store_internal::QueryWords(query.text)) {
    words.push_back({ToLowerAscii(w), std::string(w), SearchTokens(w)});
  }
  const std::string brand_key = FoldCase(query.brand);

  Lock lock(*this);
  Page<Product> page;
  auto it =
      query.after.empty() ? state_.products.begin() : state_.products.upper_bound(query.after);
  for (; it != state_.products.end(); ++it) {
    const Product& p = it->second;
    if (!query.category.empty() && !InCategory(p.category, query.category)) continue;
    if (!query.brand.empty() && FoldCase(p.brand) != brand_key) continue;
    if (!query.gtin.empty() && (!p.gtin || p.gtin->digits() != query.gtin)) continue;
    if (!words.empty()) {
      std::vector<std::string> doc = SearchTokens(p.title);
      for (std::string_view field : {std::string_view(p.brand), std::string_view(p.description)}) {
        std::vector<std::string> more = SearchTokens(field);
        doc.insert(doc.end(), more.begin(), more.end());
      }
      const bool all = std::all_of(words.begin(), words.end(),
                                   [&](const SearchWord& w) { return MatchesWord(p, doc, w); });
      if (!all) continue;
    }
    if (static_cast<int>(page.items.size()) == query.limit) {
      page.next_after = page.items.back().id;
      break;
    }
    page.items.push_back(p);
  }
  return page;
}

Result<std::vector<std::string>> MemoryDatabase::ListProductIds() {
  Lock lock(*this);
  std::vector<std::string> ids;
  ids.reserve(state_.products.size());
  for (const auto& [id, product] : state_.products) ids.push_back(id);
  return ids;
}

Result<std::vector<WriteOutcome>> MemoryDatabase::PutStores(std::span<const Store> stores,
                                                            Instant now) {
  Lock lock(*this);
  std::vector<WriteOutcome> outcomes;
  outcomes.reserve(stores.size());
  for (const Store& s : stores) {
    if (!s.price_zone.empty() && !state_.zones.contains(s.price_zone)) {
      state_.zones.emplace(s.price_zone, PriceZone{s.price_zone, s.price_zone});
    }
    auto it = state_.stores.find(s.id);
    if (it == state_.stores.end()) {
      Store stored = s;
      stored.updated_at = now;
      state_.stores.emplace(s.id, std::move(stored));
      outcomes.push_back(WriteOutcome::kInserted);
    } else if (it->second.SameContentAs(s)) {
      outcomes.push_back(WriteOutcome::kUnchanged);
    } else {
      it->second = s;
      it->second.updated_at = now;
      outcomes.push_back(WriteOutcome::kUpdated);
    }
  }
  LogChange(ChangeKind::kStores, store_internal::ChangedKeys(stores, std::span(outcomes),
                                                             [](const Store& s) { return s.id; }));
  return outcomes;
}

Result<std::optional<Store>> MemoryDatabase::GetStore(std::string_view id) {
  Lock lock(*this);
  auto it = state_.stores.find(id);
  if (it == state_.stores.end()) return std::optional<Store>();
  return std::optional<Store>(it->second);
}

Result<bool> MemoryDatabase::DeleteStore(std::string_view id) {
  Lock lock(*this);
  auto it = state_.stores.find(id);
  if (it == state_.stores.end()) return false;
  const std::string key = it->first;
  state_.stores.erase(it);
  std::erase_if(state_.prices, [&](const auto& entry) {
    return std::get<1>(entry.first) == PriceLevel::kStore && std::get<2>(entry.first) == key;
  });
  std::erase_if(state_.stock, [&](const auto& entry) { return entry.first.second == key; });
  LogChange(ChangeKind::kStores, {key});
  return true;
}

Result<Page<Store>> MemoryDatabase::ListStores(const StoreQuery& query) {
  VITRINE_RETURN_IF_ERROR(CheckLimit(query.limit));
  Lock lock(*this);
  Page<Store> page;
  auto it = query.after.empty() ? state_.stores.begin() : state_.stores.upper_bound(query.after);
  for (; it != state_.stores.end(); ++it) {
    if (!query.zone.empty() && it->second.price_zone != query.zone) continue;
    if (static_cast<int>(page.items.size()) == query.limit) {
      page.next_after = page.items.back().id;
      break;
    }
    page.items.push_back(it->second);
  }
  return page;
}

Result<std::vector<Store>> MemoryDatabase::ListAllStores() {
  Lock lock(*this);
  std::vector<Store> stores;
  stores.reserve(state_.stores.size());
  for (const auto& [id, store] : state_.stores) stores.push_back(store);
  return stores;
}

Result<std::vector<PriceZone>> MemoryDatabase::ListPriceZones() {
  Lock lock(*this);
  std::vector<PriceZone> zones;
  for (const auto& [id, zone] : state_.zones) zones.push_back(zone);
  return zones;
}

Status MemoryDatabase::CheckPriceReferences(std::span<const Price> prices) const {
  for (const Price& p : prices) {
    if (!state_.products.contains(p.product_id)) {
      return Status::FailedPrecondition("price for unknown product \"" + p.product_id + "\"");
    }
    if (p.level == PriceLevel::kZone && !state_.zones.contains(p.level_id)) {
      return Status::FailedPrecondition("price of product \"" + p.product_id +
                                        "\" for unknown price zone \"" + p.level_id + "\"");
    }
    if (p.level == PriceLevel::kStore && !state_.stores.contains(p.level_id)) {
      return Status::FailedPrecondition("price of product \"" + p.product_id +
                                        "\" for unknown store \"" + p.level_id + "\"");
    }
  }
  return Status::Ok();
}

Result<std::vector<WriteOutcome>> MemoryDatabase::PutPrices(std::span<const Price> prices) {
  Lock lock(*this);
  // Checked before any write so a failing call lands nothing, inside a transaction or not.
  VITRINE_RETURN_IF_ERROR(CheckPriceReferences(prices));
  std::vector<WriteOutcome> outcomes;
  outcomes.reserve(prices.size());
  for (const Price& p : prices) {
    auto& series = state_.prices[PriceSeries{p.product_id, p.level, p.level_id}];
    auto next = series.upper_bound(p.effective_from);
    if (next != series.begin()) {
      auto in_force = std::prev(next);
      if (in_force->second == p.amount) {
        outcomes.push_back(WriteOutcome::kUnchanged);
        continue;
      }
      if (in_force->first == p.effective_from) {
        in_force->second = p.amount;
        outcomes.push_back(WriteOutcome::kUpdated);
        continue;
      }
    }
    series.emplace(p.effective_from, p.amount);
    outcomes.push_back(WriteOutcome::kInserted);
  }
  LogChange(ChangeKind::kProducts,
            store_internal::ChangedKeys(prices, std::span(outcomes),
                                        [](const Price& p) { return p.product_id; }));
  return outcomes;
}

Result<std::vector<Price>> MemoryDatabase::ListPriceHistory(std::string_view product_id) {
  Lock lock(*this);
  std::vector<Price> history;
  const std::string key(product_id);
  for (auto it = state_.prices.lower_bound(PriceSeries{key, PriceLevel::kNational, ""});
       it != state_.prices.end() && std::get<0>(it->first) == key; ++it) {
    for (const auto& [from, amount] : it->second) {
      history.push_back({key, std::get<1>(it->first), std::get<2>(it->first), amount, from});
    }
  }
  // Oldest first; ties in the order of (level, level_id), as the SQLite backend sorts them.
  std::stable_sort(history.begin(), history.end(), [](const Price& a, const Price& b) {
    return a.effective_from < b.effective_from;
  });
  return history;
}

Result<Page<Price>> MemoryDatabase::ListPrices(const PriceQuery& query) {
  VITRINE_RETURN_IF_ERROR(CheckLimit(query.limit));
  std::optional<PriceSeries> after;
  if (!query.after.empty()) {
    Result<store_internal::PriceCursor> cursor = store_internal::ParsePriceCursor(query.after);
    if (!cursor.ok()) return cursor.status();
    after = PriceSeries{cursor->product_id, cursor->level, cursor->level_id};
  }
  VITRINE_RETURN_IF_ERROR(store_internal::CheckPriceInstant(query.at));
  const Instant at = query.at;

  Lock lock(*this);
  Page<Price> page;
  auto it = after ? state_.prices.upper_bound(*after) : state_.prices.begin();
  for (; it != state_.prices.end(); ++it) {
    const auto& [product_id, level, level_id] = it->first;
    if (!query.product_id.empty() && product_id != query.product_id) continue;
    if (query.level && level != *query.level) continue;
    if (!query.level_id.empty() && level_id != query.level_id) continue;
    auto next = it->second.upper_bound(at);
    if (next == it->second.begin()) continue;  // no entry in force yet
    if (static_cast<int>(page.items.size()) == query.limit) {
      page.next_after = store_internal::PriceKey(page.items.back());
      break;
    }
    const auto in_force = std::prev(next);
    page.items.push_back({product_id, level, level_id, in_force->second, in_force->first});
  }
  return page;
}

Result<std::vector<WriteOutcome>> MemoryDatabase::PutStock(std::span<const StockLevel> levels) {
  Lock lock(*this);
  for (const StockLevel& s : levels) {
    if (!state_.products.contains(s.product_id)) {
      return Status::FailedPrecondition("stock for unknown product \"" + s.product_id +
                                        "\" (store \"" + s.store_id + "\")");
    }
    if (!state_.stores.contains(s.store_id)) {
      return Status::FailedPrecondition("stock for unknown store \"" + s.store_id +
                                        "\" (product \"" + s.product_id + "\")");
    }
  }
  std::vector<WriteOutcome> outcomes;
  outcomes.reserve(levels.size());
  for (const StockLevel& s : levels) {
    auto [it, inserted] = state_.stock.try_emplace(StockKey{s.product_id, s.store_id}, s);
    if (inserted) {
      outcomes.push_back(WriteOutcome::kInserted);
    } else if (s.measured_at < it->second.measured_at || s.quantity == it->second.quantity) {
      outcomes.push_back(WriteOutcome::kUnchanged);
    } else {
      it->second = s;
      outcomes.push_back(WriteOutcome::kUpdated);
    }
  }
  LogChange(ChangeKind::kStock,
            store_internal::ChangedKeys(levels, std::span(outcomes), [](const StockLevel& s) {
              return StockChangeKey(s.product_id, s.store_id);
            }));
  return outcomes;
}

Result<std::optional<StockLevel>> MemoryDatabase::GetStock(std::string_view product_id,
                                                           std::string_view store_id) {
  Lock lock(*this);
  auto it = state_.stock.find(StockKey{std::string(product_id), std::string(store_id)});
  if (it == state_.stock.end()) return std::optional<StockLevel>();
  return std::optional<StockLevel>(it->second);
}

Result<std::vector<std::optional<StockLevel>>> MemoryDatabase::GetStockLevels(
    std::span<const std::pair<std::string, std::string>> keys) {
  Lock lock(*this);
  std::vector<std::optional<StockLevel>> levels;
  levels.reserve(keys.size());
  for (const auto& [product_id, store_id] : keys) {
    auto it = state_.stock.find(StockKey{product_id, store_id});
    levels.push_back(it == state_.stock.end() ? std::nullopt : std::optional(it->second));
  }
  return levels;
}

Result<Page<StockLevel>> MemoryDatabase::ListStock(const StockQuery& query) {
  VITRINE_RETURN_IF_ERROR(CheckLimit(query.limit));
  std::optional<StockKey> after;
  if (!query.after.empty()) {
    Result<store_internal::StockCursor> cursor = store_internal::ParseStockCursor(query.after);
    if (!cursor.ok()) return cursor.status();
    after = StockKey{cursor->product_id, cursor->store_id};
  }
  Lock lock(*this);
  Page<StockLevel> page;
  auto it = after ? state_.stock.upper_bound(*after) : state_.stock.begin();
  for (; it != state_.stock.end(); ++it) {
    if (!query.product_id.empty() && it->first.first != query.product_id) continue;
    if (!query.store_id.empty() && it->first.second != query.store_id) continue;
    if (static_cast<int>(page.items.size()) == query.limit) {
      page.next_after = store_internal::StockKey(page.items.back());
      break;
    }
    page.items.push_back(it->second);
  }
  return page;
}

Result<CatalogCounts> MemoryDatabase::Counts() {
  Lock lock(*this);
  CatalogCounts counts;
  counts.products = static_cast<int64_t>(state_.products.size());
  counts.stores = static_cast<int64_t>(state_.stores.size());
  counts.price_zones = static_cast<int64_t>(state_.zones.size());
  for (const auto& [key, series] : state_.prices) {
    counts.price_entries += static_cast<int64_t>(series.size());
  }
  counts.stock_levels = static_cast<int64_t>(state_.stock.size());
  return counts;
}

}  // namespace vitrine
