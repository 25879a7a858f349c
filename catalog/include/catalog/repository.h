// CatalogRepository: where products, stores, price zones, prices and stock are kept.
//
// Implementations live in store/ (SQLite, in-memory); domain code and the server see only
// this interface. Every method is safe to call from several threads at once. A Put* call is
// one transaction: it lands all of its items or none. Calls made inside Transaction() on
// the same thread join that transaction instead, so a caller can land several batches
// atomically (strict imports). Errors: IoError/Unavailable from the backend,
// InvalidArgument for a malformed query or cursor; "not found" is an empty optional, not
// an error. Writers validate before calling: the repository enforces keys and references
// (a price or stock row for an unknown product or store is FailedPrecondition).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/price.h"
#include "catalog/product.h"
#include "catalog/stock.h"
#include "catalog/store.h"
#include "common/status.h"
#include "common/time.h"

namespace vitrine {

// What a write did to one item.
enum class WriteOutcome : uint8_t {
  kInserted,   // a new key (or, for prices, a new history entry)
  kUpdated,    // an existing key now holds different content
  kUnchanged,  // the same content was already there; nothing was written
};

// A page of a keyset-paged list. `next_after` is the key to pass as `after` for the next
// page; empty when this page is the last.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_after;
};

struct ProductQuery {
  // Every word must start a word of the title, brand or description, or equal the id or
  // GTIN; case- and accent-insensitive ("creme" finds "Crème"). Empty: no text filter.
  std::string text;
  std::string category;  // the category or any category below it ("Épicerie" ⊃ "Épicerie > Thé")
  std::string brand;     // exact, case-insensitive
  std::string gtin;      // exact digits
  std::string after;     // exclusive lower bound on id (keyset paging); empty from the start
  int limit = 100;       // 1..1000
};

struct StoreQuery {
  std::string zone;   // exact price zone id; empty: all
  std::string after;  // exclusive lower bound on id
  int limit = 100;    // 1..1000
};

// Price and stock pages are ordered by their key tuple, (product_id, level, level_id) with
// levels in PriceLevel order and (product_id, store_id), each id compared as bytes; not by
// the string of the cursor: "P1|..." comes before "P1x|..." although '|' sorts after 'x'.
// `after` names a tuple, and the page starts at the first key greater than it.
struct PriceQuery {
  std::string product_id;  // empty: all products
  std::optional<PriceLevel> level;
  std::string level_id;  // with level: a zone or store id
  // Required: the entries in force at this instant. The caller passes its clock's now (the
  // repository never reads a clock); the default, the epoch, is InvalidArgument so that a
  // forgotten `at` fails loudly instead of listing nothing.
  Instant at{};
  std::string after;  // exclusive lower bound on the tuple "product_id|level|level_id" names
  int limit = 100;
};

struct StockQuery {
  std::string product_id;  // empty: all
  std::string store_id;    // empty: all
  std::string after;       // exclusive lower bound on the tuple "product_id|store_id" names
  int limit = 100;
};

struct CatalogCounts {
  int64_t products = 0;
  int64_t stores = 0;
  int64_t price_zones = 0;
  int64_t price_entries = 0;  // history entries, all levels
  int64_t stock_levels = 0;
};

class CatalogRepository {
 public:
  virtual ~CatalogRepository() = default;

  // Runs `body`; Put* calls it makes on this thread join one transaction that commits when
  // `body` returns OK and rolls back otherwise (the body's Status is returned).
  virtual Status Transaction(const std::function<Status()>& body) = 0;
  // Runs `body`; the reads it makes on this thread, from any repository of this backend, see
  // one state of the data and share one connection (a creative reads its offer, product and
  // campaign at the cost of one). Backends whose every read is already consistent run
  // `body` as is.
  virtual Status ReadSnapshot(const std::function<Status()>& body) { return body(); }

  // Products. Put sets updated_at to `now` on inserted and updated items only.
  virtual Result<std::vector<WriteOutcome>> PutProducts(std::span<const Product> products,
                                                        Instant now) = 0;
  virtual Result<std::optional<Product>> GetProduct(std::string_view id) = 0;
  // Deletes the product with its prices and stock. False when there was none.
  virtual Result<bool> DeleteProduct(std::string_view id) = 0;
  virtual Result<Page<Product>> ListProducts(const ProductQuery& query) = 0;
  // Every product id, sorted: importers check references against it.
  virtual Result<std::vector<std::string>> ListProductIds() = 0;

  // Stores. A store naming an unknown price zone creates the zone.
  virtual Result<std::vector<WriteOutcome>> PutStores(std::span<const Store> stores,
                                                      Instant now) = 0;
  virtual Result<std::optional<Store>> GetStore(std::string_view id) = 0;
  // Deletes the store with its store-level prices and stock. False when there was none.
  virtual Result<bool> DeleteStore(std::string_view id) = 0;
  virtual Result<Page<Store>> ListStores(const StoreQuery& query) = 0;
  // Every store (chains have a few thousand at most): geographic search works on it.
  virtual Result<std::vector<Store>> ListAllStores() = 0;
  virtual Result<std::vector<PriceZone>> ListPriceZones() = 0;

  // Prices. An entry equal in amount to the one in force at its effective_from for the
  // same (product, level, level_id) is kUnchanged and not stored; an entry at exactly the
  // effective_from of an existing one replaces its amount (kUpdated); otherwise a new
  // history entry is added (kInserted). The product, and the zone or store, must exist.
  virtual Result<std::vector<WriteOutcome>> PutPrices(std::span<const Price> prices) = 0;
  // Every entry of one product at every level, oldest first.
  virtual Result<std::vector<Price>> ListPriceHistory(std::string_view product_id) = 0;
  // For each (product, level, level_id) the entry in force at query.at, keyset-paged.
  virtual Result<Page<Price>> ListPrices(const PriceQuery& query) = 0;

  // Stock. A level measured before the stored one for the same key is stale: kUnchanged.
  // The same quantity is kUnchanged too (the measurement time is not bumped).
  virtual Result<std::vector<WriteOutcome>> PutStock(std::span<const StockLevel> levels) = 0;
  virtual Result<std::optional<StockLevel>> GetStock(std::string_view product_id,
                                                     std::string_view store_id) = 0;
  // The stored levels of (product id, store id) `keys`, in their order; empty where none. A
  // few statements for many keys, where GetStock would be a round trip each.
  virtual Result<std::vector<std::optional<StockLevel>>> GetStockLevels(
      std::span<const std::pair<std::string, std::string>> keys) = 0;
  virtual Result<Page<StockLevel>> ListStock(const StockQuery& query) = 0;

  virtual Result<CatalogCounts> Counts() = 0;
};

}  // namespace vitrine
