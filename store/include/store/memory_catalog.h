// MemoryCatalog: a CatalogRepository, AccountRepository and AuditLog that keeps everything in
// ordered maps in memory.
//
// For tests and for domain modules that need a repository without a file. It follows every
// rule of the three interfaces, so the conformance suite runs against it and against SQLite.
// Safe for concurrent use: one mutex guards all state. A Transaction() holds that mutex for
// the whole body, so other threads wait until it commits or rolls back; calls the body makes
// on its own thread (including nested Transaction() calls) join it. Rollback restores a copy
// of the state taken when the outermost transaction began.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/repository.h"

namespace vitrine {

class MemoryCatalog final : public CatalogRepository, public AccountRepository, public AuditLog {
 public:
  MemoryCatalog() = default;
  MemoryCatalog(const MemoryCatalog&) = delete;
  MemoryCatalog& operator=(const MemoryCatalog&) = delete;

  Status Transaction(const std::function<Status()>& body) override;

  Result<std::vector<WriteOutcome>> PutProducts(std::span<const Product> products,
                                                Instant now) override;
  Result<std::optional<Product>> GetProduct(std::string_view id) override;
  Result<bool> DeleteProduct(std::string_view id) override;
  Result<Page<Product>> ListProducts(const ProductQuery& query) override;
  Result<std::vector<std::string>> ListProductIds() override;

  Result<std::vector<WriteOutcome>> PutStores(std::span<const Store> stores, Instant now) override;
  Result<std::optional<Store>> GetStore(std::string_view id) override;
  Result<bool> DeleteStore(std::string_view id) override;
  Result<Page<Store>> ListStores(const StoreQuery& query) override;
  Result<std::vector<Store>> ListAllStores() override;
  Result<std::vector<PriceZone>> ListPriceZones() override;

  Result<std::vector<WriteOutcome>> PutPrices(std::span<const Price> prices) override;
  Result<std::vector<Price>> ListPriceHistory(std::string_view product_id) override;
  Result<Page<Price>> ListPrices(const PriceQuery& query) override;

  Result<std::vector<WriteOutcome>> PutStock(std::span<const StockLevel> levels) override;
  Result<std::optional<StockLevel>> GetStock(std::string_view product_id,
                                             std::string_view store_id) override;
  Result<Page<StockLevel>> ListStock(const StockQuery& query) override;

  Result<CatalogCounts> Counts() override;

  // AccountRepository (memory_accounts.cc).
  Status PutUser(const User& user) override;
  Result<std::optional<User>> GetUser(std::string_view id) override;
  Result<std::vector<User>> ListUsers() override;
  Status CreateToken(const ApiToken& token) override;
  Result<std::optional<ApiToken>> FindTokenBySecretHash(std::string_view hash) override;
  Result<std::optional<ApiToken>> GetToken(std::string_view id) override;
  Result<std::vector<ApiToken>> ListTokens() override;
  Result<bool> RevokeToken(std::string_view id, Instant at) override;
  Status TouchToken(std::string_view id, Instant at) override;
  Status CreateSession(const Session& session) override;
  Result<std::optional<Session>> FindSession(std::string_view id_hash, Instant now) override;
  Status DeleteSession(std::string_view id_hash) override;

  // AuditLog (memory_accounts.cc).
  Result<int64_t> Append(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;

 private:
  // (product_id, level, level_id): one price history.
  using PriceSeries = std::tuple<std::string, PriceLevel, std::string>;
  using StockKey = std::pair<std::string, std::string>;  // (product_id, store_id)

  struct State {
    std::map<std::string, Product, std::less<>> products;
    std::map<std::string, Store, std::less<>> stores;
    std::map<std::string, PriceZone, std::less<>> zones;
    std::map<PriceSeries, std::map<Instant, Money>> prices;  // by effective_from
    std::map<StockKey, StockLevel> stock;

    std::map<std::string, User, std::less<>> users;
    std::map<std::string, ApiToken, std::less<>> tokens;
    std::map<std::string, std::string, std::less<>> token_ids_by_secret_hash;
    std::map<std::string, Session, std::less<>> sessions;  // by id_hash
    std::vector<AuditEntry> audit;                         // oldest first; seq = index + 1
  };

  // Locks mu_ unless this thread already holds it (inside Transaction()).
  class Lock {
   public:
    explicit Lock(MemoryCatalog& catalog);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    MemoryCatalog& catalog_;
    bool owns_;
  };

  Status CheckPriceReferences(std::span<const Price> prices) const;

  std::mutex mu_;
  std::atomic<std::thread::id> owner_{};  // the thread holding mu_, if any
  int transaction_depth_ = 0;             // guarded by mu_
  State state_;                           // guarded by mu_
};

}  // namespace vitrine
