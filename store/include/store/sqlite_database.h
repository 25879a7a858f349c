// SqliteDatabase: the CatalogRepository kept in one SQLite database file (the embedded default),
// which is also the AccountRepository, the AuditLog, the CampaignRepository, the
// OfferRepository and the OutboundRepository, so an audit entry and the write it records land
// in one transaction, and so do a campaign change and the offers it republishes, and a
// delivery and the planner's progress.
//
// The database runs in WAL mode with foreign keys on, and by default with synchronous=FULL:
// a commit that returned has reached the disk, so it survives a power cut as well as a crash
// of the process (see SqliteOptions::durability). One writer
// connection, guarded by a mutex, runs every write in a `BEGIN IMMEDIATE` transaction; reads
// borrow a connection from a small pool, so they see the last committed state and never wait
// on a write in progress. Statements are prepared once per connection and reused. Safe for
// concurrent use from any number of threads. Inside Transaction(), the calling thread reads
// and writes through the writer connection, so it sees its own uncommitted writes; a failed
// Put* inside a transaction is rolled back to a savepoint, leaving the rest intact.
#pragma once

#include <atomic>
#include <chrono>
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
class SqliteConnection;
class ReaderPool;
class WalCheckpointer;
}  // namespace store_internal

// What a commit that returned survives.
enum class Durability {
  // synchronous=FULL: a power cut or an operating-system crash as well as a crash of the
  // process. Each commit waits for one fsync of the write-ahead log.
  kPowerLoss,
  // synchronous=NORMAL: a crash of the process only. After a power cut the file is intact
  // but the commits since the last checkpoint may be gone, acknowledged or not.
  kProcessCrash,
};

struct SqliteOptions {
  // Apply pending schema migrations when opening. When false, a database whose schema is
  // behind the binary's is refused with FailedPrecondition asking to run `vitrine migrate`.
  bool migrate = true;
  // Reader connections opened on demand and kept for reuse, at most this many at once; a
  // reader beyond that waits for one to be returned. At least 1.
  int reader_connections = 4;
  // How long a statement waits for a lock held by another process before Unavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // Page cache of each connection, in KiB (SQLite's default is 2 MiB).
  int cache_kib = 16 * 1024;
  // Every write commits at this level: campaigns, approvals, accounts and sessions, and also
  // the import batches and assembly writes, for which the fsync per commit costs little
  // (one per batch of thousands of rows; measured by vitrine-durability-bench).
  Durability durability = Durability::kPowerLoss;
};

class SqliteDatabase final : public UnifiedDatabase {
 public:
  // Opens (creating if missing) the database at `path`, a file name. FailedPrecondition when
  // the schema is newer than this binary knows, or behind it and `options.migrate` is false;
  // IoError when the file cannot be opened or is not a database.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path,
                                                      SqliteOptions options = {});
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  const std::string& path() const { return path_; }
  // The schema version recorded in the database (LatestSchemaVersion() once open).
  Result<int> SchemaVersion();

  std::string url() const override;
  std::string local_base() const override;

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

 private:
  using Connection = store_internal::SqliteConnection;

  SqliteDatabase(std::string path, std::unique_ptr<Connection> writer,
                 std::unique_ptr<store_internal::ReaderPool> readers,
                 std::unique_ptr<store_internal::WalCheckpointer> checkpointer);

  // Runs `write` on the writer connection in a transaction of its own, or inside a savepoint
  // when this thread is in Transaction().
  Status Write(const std::function<Status(Connection&)>& write);
  // Runs `read` on the writer when this thread is in Transaction(), on the snapshot's reader
  // when it is in ReadSnapshot(), else on a pooled reader.
  Status Read(const std::function<Status(Connection&)>& read);
  bool InTransactionOnThisThread() const {
    return writer_owner_.load() == std::this_thread::get_id();
  }

  // Constant after construction.
  const std::string path_;
  const std::unique_ptr<store_internal::ReaderPool> readers_;  // thread-safe on its own

  std::mutex writer_mu_;
  std::atomic<std::thread::id> writer_owner_{};  // the thread in Transaction(), if any
  const std::unique_ptr<Connection> writer_;     // guarded by writer_mu_
  // Offer variants added since unused ones were last deleted; guarded by writer_mu_.
  int64_t variants_added_since_prune_ = 0;
  // Checkpoints the writer's log on its own thread; destroyed before the writer.
  const std::unique_ptr<store_internal::WalCheckpointer> checkpointer_;
};

}  // namespace vitrine
