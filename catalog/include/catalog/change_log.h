// ChangeLog: the durable record of what changed in the catalogue and the campaigns, in
// commit order, so that published offers follow every write, whoever makes it (an HTTP
// route, `vitrine import`, the demo, another process on the same database).
//
// Writers append one entry per write call, naming the keys it changed (inserted, updated or
// deleted; never the unchanged ones), in the same transaction as the write: the catalogue
// backends do it inside every Put* and Delete*, the campaign workflow for campaign changes.
// Entry ids increase with commit order: a reader that has seen id N never later sees a new
// entry below N (the backends allocate ids inside the writing transaction, one writer at a
// time).
//
// Consumers remember the last id they applied under their own name (SetAppliedChangeId), so
// a process that stops or dies resumes where it left off. A lease names the one process that
// applies changes when several share the database; it expires unless renewed.
//
// Implementations live in store/ and are safe to call from several threads; calls made inside
// CatalogRepository::Transaction() of the same backend join it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace vitrine {

// What an entry's keys name.
enum class ChangeKind : uint8_t {
  kProducts = 1,  // product ids: product data, or its prices, changed or it was deleted
  kStores = 2,    // store ids: store data (zone, time zone...) changed or it was deleted
  kStock = 3,     // "product_id|store_id" of stock levels that changed
  kCampaign = 4,  // campaign ids: a campaign or its promotions changed or were deleted
  kAll = 5,       // no keys: anything may have changed (a schema migration, a restore)
};

// "products", "stores", "stock", "campaign", "all".
std::string_view ChangeKindName(ChangeKind kind);
std::optional<ChangeKind> ParseChangeKind(std::string_view name);

struct ChangeEntry {
  int64_t id = 0;  // > 0, increasing in commit order
  ChangeKind kind = ChangeKind::kProducts;
  std::vector<std::string> keys;  // sorted, distinct; empty for kAll
};

// The key of a stock entry: "product_id|store_id" (ids never hold '|').
std::string StockChangeKey(std::string_view product_id, std::string_view store_id);
// The product and store ids of a stock entry's key; nullopt when it has no '|'.
std::optional<std::pair<std::string_view, std::string_view>> SplitStockChangeKey(
    std::string_view key);

class ChangeLog {
 public:
  virtual ~ChangeLog() = default;

  // Appends one entry of `kind` naming `keys` (duplicates are dropped; nothing is appended
  // and 0 is returned when `keys` is empty, but for kAll). Joins the calling thread's
  // Transaction(). Returns the entry's id.
  virtual Result<int64_t> AppendChange(ChangeKind kind, std::span<const std::string> keys) = 0;
  // Entries with id > after, in id order, at most `limit` (1..10000).
  virtual Result<std::vector<ChangeEntry>> ListChangesSince(int64_t after, int limit) = 0;
  // The highest id appended and committed; 0 when none.
  virtual Result<int64_t> LastChangeId() = 0;

  // The last id `consumer` applied; 0 when it never did.
  virtual Result<int64_t> AppliedChangeId(std::string_view consumer) = 0;
  // Records that `consumer` applied every entry up to `id`. Joins Transaction().
  virtual Status SetAppliedChangeId(std::string_view consumer, int64_t id) = 0;

  // Takes or renews the lease `name` for `holder` until now + ttl, when it is free, expired
  // or already `holder`'s. True when `holder` holds it afterwards. The clock is the caller's,
  // so processes sharing a lease must share a clock (they share a machine or a database).
  virtual Result<bool> TryLease(std::string_view name, std::string_view holder, Instant now,
                                std::chrono::seconds ttl) = 0;
  // Releases the lease when `holder` holds it; does nothing otherwise.
  virtual Status ReleaseLease(std::string_view name, std::string_view holder) = 0;
  // Who holds the lease at `now`; empty when nobody does.
  virtual Result<std::string> LeaseHolder(std::string_view name, Instant now) = 0;
};

}  // namespace vitrine
