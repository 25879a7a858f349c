#include "app/change_follower.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <random>

#include "offers/campaign.h"

namespace vitrine {

std::string ProcessHolderName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", random());
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + suffix;
}

ChangeFollower::ChangeFollower(CatalogRepository& catalog, CampaignRepository& campaigns,
                               OfferRepository& offers, ChangeLog& log,
                               ChangeFollowerOptions options)
    : catalog_(catalog),
      campaigns_(campaigns),
      offers_(offers),
      log_(log),
      options_([&] {
        if (options.holder.empty()) options.holder = ProcessHolderName();
        return std::move(options);
      }()),
      clock_(options_.assembly.clock ? *options_.assembly.clock : SystemClock::Instance()),
      assembler_(catalog, campaigns, offers, options_.assembly),
      applier_(log, assembler_) {}

ChangeFollower::~ChangeFollower() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  bool applying;
  {
    std::lock_guard lock(mu_);
    applying = applying_;
  }
  if (applying) (void)log_.ReleaseLease(kAssemblyLease, options_.holder);
}

void ChangeFollower::ObserveEntries(EntriesObserver observer) {
  entry_observers_.push_back(std::move(observer));
}

void ChangeFollower::ObserveOffers(OffersObserver observer) {
  offer_observers_.push_back(std::move(observer));
}

void ChangeFollower::Start() {
  auto last = log_.LastChangeId();
  {
    std::lock_guard lock(mu_);
    ready_at_ = last.ok() ? *last : 0;
  }
  // Entries before this are this process's past: the caches it fills start from now.
  observed_id_ = last.ok() ? *last : 0;
  thread_ = std::thread([this] { Loop(); });
}

void ChangeFollower::Nudge() {
  {
    std::lock_guard lock(mu_);
    nudged_ = true;
  }
  cv_.notify_all();
}

Status ChangeFollower::WaitApplied(int64_t change_id, std::chrono::milliseconds timeout) {
  Nudge();
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return applied_id_ >= change_id || stopping_; })) {
    return Status::Unavailable("change " + std::to_string(change_id) +
                               " is not applied yet; the offers will follow");
  }
  return Status::Ok();
}

bool ChangeFollower::Ready() const {
  std::lock_guard lock(mu_);
  return ready_at_ >= 0 && applied_id_ >= ready_at_;
}

bool ChangeFollower::Applying() const {
  std::lock_guard lock(mu_);
  return applying_;
}

void ChangeFollower::Log(const nlohmann::json& line) const {
  if (options_.log) options_.log(line.dump());
}

Result<std::optional<ApplyReport>> ChangeFollower::RunOnce() {
  std::optional<ApplyReport> applied;
  Status status = Round(/*watch_time=*/false, &applied);
  if (!status.ok()) return status;
  if (!Applying()) return std::optional<ApplyReport>();
  return applied;
}

void ChangeFollower::Loop() {
  for (;;) {
    std::optional<ApplyReport> applied;
    Status status = Round(/*watch_time=*/true, &applied);
    if (!status.ok()) {
      Log({{"type", "change_log"}, {"error", status.ToString()}});
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.poll, [this] { return stopping_ || nudged_; });
    if (stopping_) return;
    nudged_ = false;
  }
}

Status ChangeFollower::ObserveNewEntries() {
  if (entry_observers_.empty()) return Status::Ok();
  for (;;) {
    auto entries = log_.ListChangesSince(observed_id_, 1000);
    if (!entries.ok()) return entries.status();
    if (entries->empty()) return Status::Ok();
    for (const EntriesObserver& observe : entry_observers_) observe(*entries);
    observed_id_ = entries->back().id;
  }
}

Status ChangeFollower::LoadBoundaries(Instant now) {
  boundaries_.clear();
  retention_ends_.clear();
  auto stores = catalog_.ListAllStores();
  if (!stores.ok()) return stores.status();
  std::set<std::string> zone_names;
  for (const Store& store : *stores) zone_names.insert(store.timezone);
  std::vector<TimeZone> zones;
  for (const std::string& name : zone_names) {
    if (auto zone = TimeZone::Locate(name); zone.ok()) zones.push_back(*zone);
  }
  CampaignQuery query;
  query.status = CampaignStatus::kApproved;
  query.limit = 1000;
  for (;;) {
    auto page = campaigns_.ListCampaigns(query);
    if (!page.ok()) return page.status();
    for (const Campaign& campaign : page->items) {
      for (const TimeZone& zone : zones) {
        const Interval validity = ValidityIn(campaign, zone);
        boundaries_.insert(validity.begin);
        boundaries_.insert(validity.end);
      }
      // As the assembler reads it: the latest zone on earth (UTC−12), plus retention.
      const Instant gone = Instant(campaign.end_local.time_since_epoch()) + std::chrono::hours(12) +
                           options_.assembly.ended_retention;
      boundaries_.insert(gone);
      retention_ends_.emplace(gone, campaign.id);
    }
    if (page->next_after.empty()) break;
    query.after = page->next_after;
  }
  boundaries_loaded_at_ = now;
  return Status::Ok();
}

Result<std::optional<Instant>> ChangeFollower::LastBoundary(Instant now) {
  std::lock_guard lock(boundaries_mu_);
  // Before the first round (feeds generated at start): load them rather than answer none.
  if (!boundaries_loaded_at_) VITRINE_RETURN_IF_ERROR(LoadBoundaries(now));
  auto after = boundaries_.upper_bound(now);
  if (after == boundaries_.begin()) return std::optional<Instant>();
  return std::optional<Instant>(*std::prev(after));
}

Status ChangeFollower::CheckBoundaries() {
  const Instant now = clock_.Now();
  std::vector<std::string> gone;
  {
    std::lock_guard lock(boundaries_mu_);
    if (!boundaries_loaded_at_ || now - *boundaries_loaded_at_ >= options_.boundaries_refresh) {
      VITRINE_RETURN_IF_ERROR(LoadBoundaries(now));
    }
    // Crossed since the last round: (time_checked_at_, now]. The first round only sets the
    // mark: the offers and feeds it starts from were made knowing the time.
    const Instant since = time_checked_at_.value_or(now);
    time_checked_at_ = now;
    if (boundaries_.upper_bound(since) == boundaries_.upper_bound(now)) return Status::Ok();
    for (auto it = retention_ends_.upper_bound(since); it != retention_ends_.upper_bound(now);
         ++it) {
      gone.push_back(it->second);
    }
  }
  Log({{"type", "campaign_boundary"}, {"at", FormatUtc(now)}});
  for (const OffersObserver& observe : offer_observers_) observe();
  if (!Applying()) return Status::Ok();
  // Offers of a campaign out of retention are withdrawn: a change like any other, logged so
  // every process sees it.
  return log_.AppendChange(ChangeKind::kCampaign, gone).status();
}

namespace {

// Whether `holder` (a ProcessHolderName) names a process of this host that no longer runs:
// its lease is then left over from a crash, and waiting for it to expire would leave the
// offers unpublished meanwhile. A name of another form or host, or a live pid, is not.
bool HolderDiedHere(const std::string& holder) {
  const size_t host_end = holder.find(':');
  const size_t pid_end = host_end == std::string::npos ? host_end : holder.find(':', host_end + 1);
  if (pid_end == std::string::npos) return false;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || holder.compare(0, host_end, host) != 0) {
    return false;
  }
  const std::string pid_text = holder.substr(host_end + 1, pid_end - host_end - 1);
  if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
  return pid > 0 && pid != getpid() && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

Result<bool> ChangeFollower::HoldLease() {
  const Instant now = clock_.Now();
  if (lease_renew_at_ && now < *lease_renew_at_) return true;
  if (!lease_renew_at_) {
    // Not ours: a read tells whether it is free, without taking the write lock.
    auto holder = log_.LeaseHolder(kAssemblyLease, now);
    if (!holder.ok()) return holder.status();
    if (!holder->empty() && *holder != options_.holder) {
      if (!HolderDiedHere(*holder)) return false;
      VITRINE_RETURN_IF_ERROR(log_.ReleaseLease(kAssemblyLease, *holder));
      Log({{"type", "assembly_lease_taken_over"}, {"dead_holder", *holder}});
    }
  }
  auto held = log_.TryLease(kAssemblyLease, options_.holder, now, options_.lease_ttl);
  if (!held.ok()) return held.status();
  lease_renew_at_.reset();
  if (*held) lease_renew_at_ = now + options_.lease_ttl / 2;
  return *held;
}

Status ChangeFollower::Round(bool watch_time, std::optional<ApplyReport>* applied) {
  std::lock_guard round(round_mu_);
  VITRINE_RETURN_IF_ERROR(ObserveNewEntries());

  auto held = HoldLease();
  if (!held.ok()) return held.status();
  if (role_ != *held) {
    role_ = *held;
    nlohmann::json line = {{"type", "assembly_role"},
                           {"role", *held ? "applier" : "follower"},
                           {"holder", options_.holder}};
    if (!*held) {
      auto holder = log_.LeaseHolder(kAssemblyLease, clock_.Now());
      if (holder.ok()) line["applier"] = *holder;
    }
    Log(line);
  }
  {
    std::lock_guard lock(mu_);
    applying_ = *held;
  }
  if (*held) {
    auto report = applier_.ApplyPending();
    if (!report.ok()) return report.status();
    if (report->entries > 0) {
      Log({{"type", "assembly"}, {"trigger", "change_log"}, {"report", ToJson(*report)}});
    }
    *applied = *report;
  }
  auto position = log_.AppliedChangeId(kAssemblyConsumer);
  if (!position.ok()) return position.status();
  {
    std::lock_guard lock(mu_);
    applied_id_ = *position;
  }
  cv_.notify_all();

  auto seq = offers_.LastSeq();
  if (!seq.ok()) return seq.status();
  // The publication instant too: the applier records it just after the offers it wrote,
  // and the feeds carry it (FeedRequest::as_of), so a feed regenerated in between is made
  // again.
  auto published = offers_.LastPublishedAt();
  if (!published.ok()) return published.status();
  if (*seq != offers_seq_ || *published != published_at_) {
    // The first round too: snapshots made before this process started may predate them.
    offers_seq_ = *seq;
    published_at_ = *published;
    for (const OffersObserver& observe : offer_observers_) observe();
  }
  return watch_time ? CheckBoundaries() : Status::Ok();
}

}  // namespace vitrine
