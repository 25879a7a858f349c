#include "offers/change_applier.h"

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace vitrine {
namespace {

void Add(AssemblyReport& sum, const AssemblyReport& part) {
  sum.campaigns = std::max(sum.campaigns, part.campaigns);
  sum.promotions = std::max(sum.promotions, part.promotions);
  sum.offers_considered += part.offers_considered;
  sum.inserted += part.inserted;
  sum.updated += part.updated;
  sum.unchanged += part.unchanged;
  sum.deleted += part.deleted;
  sum.skipped += part.skipped;
  for (const auto& [reason, count] : part.skipped_by_reason) sum.skipped_by_reason[reason] += count;
  sum.overlap_losses += part.overlap_losses;
  sum.loyalty_stacked += part.loyalty_stacked;
  sum.elapsed += part.elapsed;
}

// One batch of entries, coalesced.
struct Pending {
  bool everything = false;
  std::set<std::string> campaigns;
  std::set<std::string> stores;
  std::set<std::string> products;
  std::set<std::string> stock;  // StockChangeKey
};

constexpr size_t kMaxProductsApart = 20'000;
constexpr size_t kMaxStoresApart = 200;

}  // namespace

nlohmann::json ToJson(const ApplyReport& report) {
  return {{"from_id", report.from_id},          {"to_id", report.to_id},
          {"entries", report.entries},          {"everything", report.everything},
          {"campaigns", report.campaigns},      {"stores", report.stores},
          {"products", report.products},        {"stock_levels", report.stock_levels},
          {"assembly", ToJson(report.assembly)}};
}

ChangeApplier::ChangeApplier(ChangeLog& log, Assembler& assembler)
    : log_(log), assembler_(assembler) {}

Result<ApplyReport> ChangeApplier::ApplyPending() {
  ApplyReport report;
  auto position = log_.AppliedChangeId(kAssemblyConsumer);
  if (!position.ok()) return position.status();
  report.from_id = report.to_id = *position;
  for (;;) {
    auto entries = log_.ListChangesSince(report.to_id, batch_entries_);
    if (!entries.ok()) return entries.status();
    if (entries->empty()) return report;

    Pending pending;
    for (const ChangeEntry& entry : *entries) {
      switch (entry.kind) {
        case ChangeKind::kAll:
          pending.everything = true;
          break;
        case ChangeKind::kCampaign:
          pending.campaigns.insert(entry.keys.begin(), entry.keys.end());
          break;
        case ChangeKind::kStores:
          pending.stores.insert(entry.keys.begin(), entry.keys.end());
          break;
        case ChangeKind::kProducts:
          pending.products.insert(entry.keys.begin(), entry.keys.end());
          break;
        case ChangeKind::kStock:
          pending.stock.insert(entry.keys.begin(), entry.keys.end());
          break;
      }
    }

    auto apply = [&](const Result<AssemblyReport>& done) -> Status {
      if (!done.ok()) return done.status();
      Add(report.assembly, *done);
      return Status::Ok();
    };
    // Past these, one full assembly (written in chunks) beats re-assembling the sets: a
    // whole catalogue imported, or most stores moved.
    if (pending.products.size() > kMaxProductsApart || pending.stores.size() > kMaxStoresApart) {
      pending.everything = true;
    }
    if (pending.everything) {
      report.everything = true;
      VITRINE_RETURN_IF_ERROR(apply(assembler_.AssembleAll()));
    } else {
      for (const std::string& id : pending.campaigns) {
        VITRINE_RETURN_IF_ERROR(apply(assembler_.AssembleCampaign(id)));
      }
      if (!pending.stores.empty()) {
        const std::vector<std::string> ids(pending.stores.begin(), pending.stores.end());
        VITRINE_RETURN_IF_ERROR(apply(assembler_.OnStoresChanged(ids)));
      }
      if (!pending.products.empty()) {
        const std::vector<std::string> ids(pending.products.begin(), pending.products.end());
        VITRINE_RETURN_IF_ERROR(apply(assembler_.OnProductsChanged(ids)));
      }
      std::vector<std::string> stock;
      for (const std::string& key : pending.stock) {
        auto ids = SplitStockChangeKey(key);
        if (!ids) return Status::Internal("stock change key \"" + key + "\" names no store");
        if (pending.products.contains(std::string(ids->first)) ||
            pending.stores.contains(std::string(ids->second))) {
          continue;  // re-assembled whole above, with the stock of now
        }
        stock.push_back(key);
      }
      if (!stock.empty()) VITRINE_RETURN_IF_ERROR(apply(assembler_.OnStockLevelsChanged(stock)));
      report.stock_levels += static_cast<int64_t>(stock.size());
    }
    report.campaigns += static_cast<int64_t>(pending.campaigns.size());
    report.stores += static_cast<int64_t>(pending.stores.size());
    report.products += static_cast<int64_t>(pending.products.size());
    report.entries += static_cast<int64_t>(entries->size());
    const int64_t last = entries->back().id;
    VITRINE_RETURN_IF_ERROR(log_.SetAppliedChangeId(kAssemblyConsumer, last));
    report.to_id = last;
  }
}

}  // namespace vitrine
