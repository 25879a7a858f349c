// ChangeFollower: the thread of `vitrine serve` that makes every change in the database reach
// the published offers and the node's caches, whoever wrote it (this process's routes, a
// `vitrine import` from the command line, another `serve` on the same file).
//
// Every `poll` (or at once after Nudge()) it reads the change log's last id:
//   - new entries are handed to the observers (caches of this process: product pages,
//     stores, feed snapshots), in id order, exactly once per process;
//   - it takes or renews the assembly lease (ChangeLog::TryLease). The holder applies the
//     pending entries with a ChangeApplier; a process that does not hold it leaves them to
//     the holder and only follows the offers (their LastSeq). When several processes share
//     a database, one applies and the others follow, and a follower takes over within
//     `lease_ttl` when the applier dies. Each says which it is in the log when its role
//     changes.
//   - time is a change too: at every instant where an approved campaign starts, ends or
//     leaves its retention in one of the stores' time zones, the offers' observers hear of
//     it (feeds drop ended offers), and the applier re-assembles that campaign.
// Ready() is false until the entries committed before Start() are applied (by this process
// or the lease holder): /readyz waits for the catch-up.
//
// Thread-safe. The database must outlive it; the destructor finishes the batch in progress,
// releases the lease and joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "catalog/change_log.h"
#include "offers/assembly.h"
#include "offers/change_applier.h"
#include "offers/repository.h"

namespace vitrine {

struct ChangeFollowerOptions {
  // How often the change log is read when nothing nudges. Default 100 ms: another process's
  // write is applied well within a second.
  std::chrono::milliseconds poll{100};
  // The assembly lease lasts this long unless renewed; its holder renews it once half of it
  // has passed, and the others try to take it once they read it expired (a read, not a
  // write, every poll). Default 5 s: how long a dead applier's work waits for another
  // process.
  std::chrono::seconds lease_ttl{5};
  // Who this process is in the lease table and the log. Default: "host:pid:random".
  std::string holder;
  // How often campaign boundaries are recomputed. Default 1 minute.
  std::chrono::seconds boundaries_refresh{60};
  AssemblyOptions assembly;  // its clock is the follower's clock too (nullptr: system)
  // One JSON line per applied batch, role change or error. Optional; thread-safe sink.
  std::function<void(const std::string&)> log;
};

class ChangeFollower {
 public:
  // Observers of new change-log entries, called on the follower's thread in id order.
  using EntriesObserver = std::function<void(const std::vector<ChangeEntry>&)>;
  // Called on the follower's thread when published offers changed or time made them
  // change in the feeds (a campaign started or ended).
  using OffersObserver = std::function<void()>;

  ChangeFollower(CatalogRepository& catalog, CampaignRepository& campaigns, OfferRepository& offers,
                 ChangeLog& log, ChangeFollowerOptions options);
  ~ChangeFollower();
  ChangeFollower(const ChangeFollower&) = delete;
  ChangeFollower& operator=(const ChangeFollower&) = delete;

  // Before Start() only.
  void ObserveEntries(EntriesObserver observer);
  void ObserveOffers(OffersObserver observer);

  // Starts the thread; the first round catches up.
  void Start();
  // Reads the log now rather than at the next poll (after a write of this process).
  void Nudge();
  // Blocks until every entry up to `change_id` is applied (by whichever process applies),
  // or `timeout` passes. Unavailable on timeout.
  Status WaitApplied(int64_t change_id, std::chrono::milliseconds timeout);
  // True once the entries committed before Start() are applied.
  bool Ready() const;
  // Whether this process holds the assembly lease now.
  bool Applying() const;
  // The latest instant at or before `now` where an approved campaign started, ended or left
  // its retention in one of the stores' zones (what the feeds' content last changed with,
  // besides the offers' publication); empty when none. Any thread.
  Result<std::optional<Instant>> LastBoundary(Instant now);

  // Runs one round on the calling thread (tests, and `vitrine import` without a server):
  // applies what is pending when the lease can be taken. Returns the report, or nullopt
  // when another process holds the lease.
  Result<std::optional<ApplyReport>> RunOnce();

 private:
  void Loop();
  // One round: observe, hold or follow the lease, apply, follow the offers; with
  // `watch_time`, act on the campaign boundaries crossed since the last round.
  Status Round(bool watch_time, std::optional<ApplyReport>* applied);
  Status ObserveNewEntries();
  // Takes, renews or leaves the assembly lease; true when this process holds it.
  Result<bool> HoldLease();
  Status CheckBoundaries();
  Status LoadBoundaries(Instant now);  // with boundaries_mu_ held
  void Log(const nlohmann::json& line) const;

  // Constant after construction.
  CatalogRepository& catalog_;
  CampaignRepository& campaigns_;
  OfferRepository& offers_;
  ChangeLog& log_;
  const ChangeFollowerOptions options_;
  const Clock& clock_;
  std::vector<EntriesObserver> entry_observers_;  // set before Start()
  std::vector<OffersObserver> offer_observers_;   // set before Start()

  // Used on the follower's thread (or RunOnce's caller) only.
  std::mutex round_mu_;  // one round at a time
  Assembler assembler_;
  ChangeApplier applier_;
  int64_t observed_id_ = 0;                // entries handed to the observers
  int64_t offers_seq_ = -1;                // the offers' LastSeq last seen
  std::optional<Instant> published_at_;    // and their LastPublishedAt
  std::optional<bool> role_;               // applying or following, once known
  std::optional<Instant> lease_renew_at_;  // while held: when to renew it
  // Instants where an approved campaign starts or ends in a store's zone; and where one
  // leaves its retention, with its id. Loaded every boundaries_refresh.
  std::mutex boundaries_mu_;  // guards the three below; LastBoundary() reads from any thread
  std::set<Instant> boundaries_;
  std::multimap<Instant, std::string> retention_ends_;
  std::optional<Instant> boundaries_loaded_at_;
  std::optional<Instant> time_checked_at_;  // the last round that acted on boundaries

  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t applied_id_ = 0;  // guarded by mu_
  int64_t ready_at_ = -1;   // guarded by mu_; the last id at Start(); -1 before
  bool applying_ = false;   // guarded by mu_
  bool nudged_ = false;     // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::thread thread_;
};

// "hostname:pid:random": distinct for every process, readable in the lease table.
std::string ProcessHolderName();

}  // namespace vitrine
