// MemoryDatabase: a CatalogRepository, AccountRepository, AuditLog, FeedPullLog,
// CampaignRepository, OfferRepository and OutboundRepository that keeps everything in ordered
// maps in memory.
//
// For tests and for domain modules that need a repository without a file. It follows every
// rule of its interfaces, so the conformance suites run against it and against SQLite.
// Safe for concurrent use: one mutex guards all state. A Transaction() holds that mutex for
// the whole body, so other threads wait until it commits or rolls back; calls the body makes
// on its own thread (including nested Transaction() calls) join it. Rollback restores a copy
// of the state taken when the outermost transaction began.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/change_log.h"
#include "catalog/outbound.h"
#include "catalog/repository.h"
#include "offers/repository.h"
#include "store/unified_database.h"

namespace vitrine {

class MemoryDatabase final : public UnifiedDatabase {
 public:
  MemoryDatabase() = default;
  MemoryDatabase(const MemoryDatabase&) = delete;
  MemoryDatabase& operator=(const MemoryDatabase&) = delete;

  std::string url() const override;
  std::string local_base() const override;

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
  Result<std::vector<std::optional<StockLevel>>> GetStockLevels(
      std::span<const std::pair<std::string, std::string>> keys) override;
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

  // FeedPullLog (memory_accounts.cc).
  Result<int64_t> RecordPull(const FeedPull& pull) override;
  Result<std::vector<FeedPull>> ListPulls(const FeedPullQuery& query) override;
  Result<std::vector<FeedPull>> LatestPulls() override;

  // OutboundRepository (memory_outbound.cc).
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

  // CampaignRepository (memory_offers.cc).
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

  // OfferRepository (memory_offers.cc). A tombstoned offer published again counts as
  // inserted, with a new seq and its version + 1.
  Result<OfferWriteCounts> ReplaceOfferBatch(const Scope& scope, const OfferBatch& batch) override;
  Result<OfferWriteCounts> UpdateOfferStock(std::span<const OfferStockUpdate> updates) override;
  Result<std::optional<PublishedOffer>> GetOffer(std::string_view offer_id,
                                                 std::string_view store_id) override;
  Result<Page<PublishedOffer>> ListOffers(const OfferQuery& query) override;
  Result<std::vector<OfferChange>> ListChanges(int64_t since, int limit,
                                               std::string_view channel) override;
  Result<int64_t> LastSeq() override;
  // The counts are made from the offers at each call: this backend serves tests and demos.
  Status RecordAssemblyRun(const AssemblyRun& run) override;
  Result<std::optional<Instant>> LastPublishedAt() override;
  Result<OfferFigures> ReadOfferFigures(Instant since) override;
  Result<int64_t> AssemblyRunCount() override;
  Status ScanOffers(const OfferScan& scan,
                    const std::function<Status(const PublishedOffer&)>& visit) override;
  Status ScanInventory(const OfferScan& scan,
                       const std::function<Status(const OfferInventoryRow&)>& visit) override;

  // ChangeLog (memory_change_log.cc).
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
  // (product_id, level, level_id): one price history.
  using PriceSeries = std::tuple<std::string, PriceLevel, std::string>;
  using StockKey = std::pair<std::string, std::string>;  // (product_id, store_id)
  using OfferKey = std::pair<std::string, std::string>;  // (offer_id, store_id)

  // A published offer as kept: live, or a tombstone that still remembers its channels so
  // the change feed can filter it.
  struct StoredOffer {
    PublishedOffer offer;  // content_hash, version and seq set
    bool deleted = false;
  };

  // A delivery as kept: `replay` marks its next attempt as made after a replay.
  struct StoredDelivery {
    Delivery delivery;
    bool replay = false;
  };

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
    std::vector<FeedPull> pulls;                           // oldest first; seq = index + 1
    std::map<std::pair<std::string, std::string>, size_t> latest_pulls;  // index in pulls

    std::map<std::string, Campaign, std::less<>> campaigns;
    std::map<std::string, Promotion, std::less<>> promotions;
    std::map<std::string, CampaignRevision, std::less<>> revisions;  // by campaign id
    int64_t last_campaign_number = 0;  // ids are never reused, even after a delete
    int64_t last_promotion_number = 0;
    std::map<OfferKey, StoredOffer> offers;
    std::map<int64_t, OfferKey> offer_keys_by_seq;  // the change feed
    // Every stored offer (live or not) of a promotion, so ReplaceOffers reads only its scope.
    std::map<std::string, std::set<OfferKey>, std::less<>> offer_keys_by_promotion;
    int64_t last_offer_seq = 0;
    std::vector<AssemblyRun> assembly_runs;  // of the last day, oldest first
    std::optional<Instant> last_published_at;
    int64_t assembly_run_count = 0;

    std::vector<ChangeEntry> changes;  // the change log, oldest first
    int64_t last_change_id = 0;
    std::map<std::string, int64_t, std::less<>> applied_change_ids;              // by consumer
    std::map<std::string, std::pair<std::string, Instant>, std::less<>> leases;  // holder, until

    // Outbound. Deliveries and runs are kept by id (the outbox order), ids never reused;
    // attempts oldest first.
    std::map<std::string, Destination, std::less<>> destinations;
    std::map<int64_t, StoredDelivery> deliveries;
    std::map<std::string, int64_t, std::less<>> delivery_ids_by_message;
    std::map<int64_t, std::vector<DeliveryAttempt>> delivery_attempts;
    int64_t last_delivery_id = 0;
    std::map<std::string, Source, std::less<>> sources;
    std::map<int64_t, SourceRun> source_runs;
    int64_t last_source_run_id = 0;
  };

  // Locks mu_ unless this thread already holds it (inside Transaction()).
  class Lock {
   public:
    explicit Lock(MemoryDatabase& catalog);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    MemoryDatabase& catalog_;
    bool owns_;
  };

  Status CheckPriceReferences(std::span<const Price> prices) const;
  // Appends the change-log entry of a catalogue write; mu_ must be held.
  void LogChange(ChangeKind kind, std::vector<std::string> keys);

  std::mutex mu_;
  std::atomic<std::thread::id> owner_{};  // the thread holding mu_, if any
  int transaction_depth_ = 0;             // guarded by mu_
  State state_;                           // guarded by mu_
};

}  // namespace vitrine
