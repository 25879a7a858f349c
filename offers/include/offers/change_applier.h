// ChangeApplier: brings the published offers up to date with the change log
// (catalog/change_log.h), whoever wrote the changes.
//
// ApplyPending reads the entries after the position recorded under kAssemblyConsumer, in
// batches; each batch is coalesced (a product changed by three imports is re-assembled
// once) and applied with the cheapest assembler call that covers it:
//   - kAll: AssembleAll, which covers everything else of the batch;
//   - kCampaign: AssembleCampaign (which withdraws what a deleted campaign still had);
//   - kStores: OnStoresChanged, for stores changed or deleted;
//   - kProducts: OnProductsChanged, for product data or prices changed, or products deleted;
//   - kStock: OnStockLevelsChanged, for the (product, store) pairs not already re-assembled
//     above: it reads the levels of now, of promoted products only.
// Then it records the batch's last id, so the batch is never applied again. A process that
// dies between the offers' write and that record applies the batch again when it restarts,
// which writes nothing new: assembly compares content hashes, so an offer is only rewritten
// (and gets a new seq) when it really changed.
//
// Entries written while a batch is applied (a change arriving during a full assembly) are
// after the batch's last id, so the next call applies them.
//
// Not thread-safe, like the Assembler it drives: one call at a time, and one applier per
// database at a time (the caller holds the change log's lease when processes share it).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "catalog/change_log.h"
#include "catalog/repository.h"
#include "common/status.h"
#include "offers/assembly.h"

namespace vitrine {

// The consumer name under which assembly records its position in the change log.
inline constexpr char kAssemblyConsumer[] = "assembly";
// The lease a process holds while it applies the change log.
inline constexpr char kAssemblyLease[] = "assembly";

struct ApplyReport {
  int64_t from_id = 0;       // the position before the call
  int64_t to_id = 0;         // the position after it (== from_id when nothing was pending)
  int64_t entries = 0;       // entries applied
  bool everything = false;   // a kAll entry made it assemble everything
  int64_t campaigns = 0;     // distinct campaigns re-assembled
  int64_t stores = 0;        // distinct stores re-assembled
  int64_t products = 0;      // distinct products re-assembled
  int64_t stock_levels = 0;  // changed stock levels handed to the stock path
  AssemblyReport assembly;   // the sums of the assembler's reports
};

nlohmann::json ToJson(const ApplyReport& report);

class ChangeApplier {
 public:
  // `log` and `assembler` must outlive this; the assembler's repositories are the log's
  // backend.
  ChangeApplier(ChangeLog& log, Assembler& assembler);

  // Applies every entry committed after the recorded position. On error, the entries of the
  // failed batch stay pending (the next call tries them again) and the error is returned.
  Result<ApplyReport> ApplyPending();

  // Entries per batch read from the log. Default 1,000.
  void set_batch_entries(int entries) { batch_entries_ = entries; }

 private:
  ChangeLog& log_;
  Assembler& assembler_;
  int batch_entries_ = 1000;
};

}  // namespace vitrine
