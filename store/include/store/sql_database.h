// SqlDatabase: every repository of the hub and the change log over one SQL engine, written
// once for SQLite (SqliteDatabase, the embedded default) and PostgreSQL (PostgresDatabase,
// several hub nodes), so an audit entry and the write it records land in one transaction,
// and so do a campaign change and the offers it republishes, and a delivery and the
// planner's progress.
//
// One writer connection, guarded by a mutex, runs every write in a write transaction: on
// SQLite `BEGIN IMMEDIATE`; on PostgreSQL a transaction that first takes the hub's writer
// lock (an advisory lock held until COMMIT), so writes from every node are serialised as
// on one SQLite file and the offers' change `seq` follows commit order. Reads borrow a
// connection from a small pool, so they see the last committed state and never wait on a
// write in progress. Statements are prepared once per connection and reused. Safe for
// concurrent use from any number of threads. Inside Transaction(), the calling thread reads
// and writes through the writer connection, so it sees its own uncommitted writes; a failed
// Put* inside a transaction is rolled back to a savepoint, leaving the rest intact.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/change_log.h"
#include "catalog/repository.h"
#include "offers/repository.h"
#include "store/unified_database.h"

namespace vitrine {

namespace store_internal {
class SqlConnection;
class ReaderPool;
}  // namespace store_internal

class SqlDatabase : public UnifiedDatabase {
 public:
  ~SqlDatabase() override;
  SqlDatabase(const SqlDatabase&) = delete;
  SqlDatabase& operator=(const SqlDatabase&) = delete;

  Status Transaction(const std::function<Status()>& body) override;
  Status ReadSnapshot(const std::function<Status()>& body) override;

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
  Result<std::vector<std::optional<StockLevel>>> GetStockLevels(
      std::span<const std::pair<std::string, std::string>> keys) override;
  Result<Page<StockLevel>> ListStock(const StockQuery& query) override;

  Result<CatalogCounts> Counts() override;

  // AccountRepository (sqlite_accounts.cc).
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

  // AuditLog (sqlite_accounts.cc).
  Result<int64_t> Append(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;

  // FeedPullLog (sqlite_feed_pulls.cc).
  Result<int64_t> RecordPull(const FeedPull& pull) override;
  Status RecordPulls(std::span<const FeedPull> pulls) override;
  Result<std::vector<FeedPull>> ListPulls(const FeedPullQuery& query) override;
  Result<std::vector<FeedPull>> LatestPulls() override;

  // OutboundRepository (sqlite_outbound.cc).
  Result<Destination> CreateDestination(Destination destination, Instant now) override;
  Result<std::optional<Destination>> GetDestination(std::string_view id) override;
  Result<std::vector<Destination>> ListDestinations() override;
  Result<Destination> UpdateDestination(const Destination& destination, int expected_version,
                                        Instant now) override;
  Result<bool> DeleteDestination(std::string_view id) override;
  Status SetDestinationProgress(std::string_view id, const DestinationProgress& progress) override;
  Status SetDestinationHealth(std::string_view id, const DestinationHealth& health) override;
  Result<int64_t> EnqueueDelivery(const Delivery& delivery, bool supersede) override;
  Result<std::vector<Delivery>> ClaimDueDeliveries(Instant now, int limit, std::string_view owner,
                                                   Instant lease_until) override;
  Status CompleteDelivery(int64_t delivery_id, std::string_view owner,
                          const DeliveryOutcome& outcome) override;
  Result<std::optional<Delivery>> GetDelivery(int64_t id) override;
  Result<std::vector<Delivery>> ListDeliveries(const DeliveryQuery& query) override;
  Result<std::vector<DeliveryAttempt>> ListDeliveryAttempts(int64_t delivery_id) override;
  Result<Delivery> ReplayDelivery(int64_t id, Instant now) override;
  Result<int64_t> CountOwedDeliveries() override;
  Result<Source> CreateSource(Source source, Instant now) override;
  Result<std::optional<Source>> GetSource(std::string_view id) override;
  Result<std::vector<Source>> ListSources() override;
  Result<Source> UpdateSource(const Source& source, int expected_version, Instant now) override;
  Result<bool> DeleteSource(std::string_view id) override;
  Status SetSourceState(std::string_view id, const SourceState& state) override;
  Result<int64_t> RecordSourceRun(const SourceRun& run) override;
  Result<std::vector<SourceRun>> ListSourceRuns(std::string_view source_id, int64_t before_id,
                                                int limit) override;

  // CampaignRepository (sqlite_offers.cc).
  Result<Campaign> CreateCampaign(Campaign campaign, Instant now) override;
  Result<std::optional<Campaign>> GetCampaign(std::string_view id) override;
  Result<Campaign> UpdateCampaign(const Campaign& campaign, int expected_version,
                                  Instant now) override;
  Result<bool> DeleteCampaign(std::string_view id) override;
  Result<Page<Campaign>> ListCampaigns(const CampaignQuery& query) override;
  Result<Promotion> CreatePromotion(Promotion promotion) override;
  Result<std::optional<Promotion>> GetPromotion(std::string_view id) override;
  Result<Promotion> UpdatePromotion(const Promotion& promotion, int expected_version) override;
  Result<bool> DeletePromotion(std::string_view id) override;
  Result<std::vector<Promotion>> ListPromotions(std::string_view campaign_id) override;
  Result<std::string> NewPromotionId() override;
  Result<std::optional<CampaignRevision>> GetRevision(std::string_view campaign_id) override;
  Status PutRevision(const CampaignRevision& revision,
                     std::optional<int> expected_version) override;
  Result<bool> DeleteRevision(std::string_view campaign_id) override;
  Result<std::optional<std::string>> FindRevisionOfPromotion(
      std::string_view promotion_id) override;

  // OfferRepository (sqlite_offers.cc). A tombstoned offer published again counts as
  // inserted, with a new seq and its version + 1.
  Result<OfferWriteCounts> ReplaceOfferBatch(const Scope& scope, const OfferBatch& batch) override;
  Result<OfferWriteCounts> UpdateOfferStock(std::span<const OfferStockUpdate> updates) override;
  Result<std::optional<PublishedOffer>> GetOffer(std::string_view offer_id,
                                                 std::string_view store_id) override;
  Result<Page<PublishedOffer>> ListOffers(const OfferQuery& query) override;
  Result<std::vector<OfferChange>> ListChanges(int64_t since, int limit,
                                               std::string_view channel) override;
  Result<int64_t> LastSeq() override;
  Status RecordAssemblyRun(const AssemblyRun& run) override;
  Result<std::optional<Instant>> LastPublishedAt() override;
  Result<OfferFigures> ReadOfferFigures(Instant since) override;
  Result<int64_t> AssemblyRunCount() override;
  Status ScanOffers(const OfferScan& scan,
                    const std::function<Status(const PublishedOffer&)>& visit) override;
  Status ScanInventory(const OfferScan& scan,
                       const std::function<Status(const OfferInventoryRow&)>& visit) override;

  // ChangeLog (sqlite_change_log.cc).
  Result<int64_t> AppendChange(ChangeKind kind, std::span<const std::string> keys) override;
  Result<std::vector<ChangeEntry>> ListChangesSince(int64_t after, int limit) override;
  Result<int64_t> LastChangeId() override;
  Result<int64_t> AppliedChangeId(std::string_view consumer) override;
  Status SetAppliedChangeId(std::string_view consumer, int64_t id) override;
  Result<bool> TryLease(std::string_view name, std::string_view holder, Instant now,
                        std::chrono::seconds ttl) override;
  Status ReleaseLease(std::string_view name, std::string_view holder) override;
  Result<std::string> LeaseHolder(std::string_view name, Instant now) override;

 protected:
  using Connection = store_internal::SqlConnection;
  // Opens one more reader connection.
  using ReaderOpener = std::function<Result<std::unique_ptr<Connection>>()>;

  SqlDatabase(std::unique_ptr<Connection> writer, ReaderOpener open_reader, int max_readers);

  // Runs `write` on the writer connection in a transaction of its own, or inside a savepoint
  // when this thread is in Transaction().
  Status Write(const std::function<Status(Connection&)>& write);
  // Runs `read` on the writer when this thread is in Transaction(), on the snapshot's reader
  // when it is in ReadSnapshot(), else on a pooled reader.
  Status Read(const std::function<Status(Connection&)>& read);

 private:
  bool InTransactionOnThisThread() const {
    return writer_owner_.load() == std::this_thread::get_id();
  }
  // BEGIN a write transaction on the writer (see the class comment).
  Status BeginWrite();

  const std::unique_ptr<store_internal::ReaderPool> readers_;  // thread-safe on its own

  std::mutex writer_mu_;
  std::atomic<std::thread::id> writer_owner_{};  // the thread in Transaction(), if any
  const std::unique_ptr<Connection> writer_;     // guarded by writer_mu_
  // Offer variants added since unused ones were last deleted; guarded by writer_mu_.
  int64_t variants_added_since_prune_ = 0;
};

}  // namespace vitrine
