// AssemblyWorker: re-assembles published offers after catalogue writes, off the request
// path, coalescing bursts (a thousand stock writes in a second become a few assembler runs).
//
// Every assembler call of the process goes through Run(), so the assembler is never used by
// two threads at once. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "offers/assembly.h"

namespace vitrine {

class AssemblyWorker {
 public:
  // `log` receives one JSON line per run (thread-safe sink). `assembler` must outlive this.
  AssemblyWorker(Assembler& assembler, std::function<void(const std::string&)> log);
  // Finishes the queued work, then stops.
  ~AssemblyWorker();

  // Queues a re-assembly of these products' offers; empty means everything.
  void ProductsChanged(const std::vector<std::string>& product_ids);

  // Queues a patch of these offers' stock (quantity and availability only).
  void StockChanged(const std::vector<StockLevel>& levels);

  // Runs `work` on the calling thread, exclusive of the background runs.
  Status Run(const std::function<Status(Assembler&)>& work);

 private:
  void Loop();

  Assembler& assembler_;
  const std::function<void(const std::string&)> log_;
  std::mutex assembler_mu_;  // held while the assembler runs

  std::mutex mu_;
  std::condition_variable wake_;
  std::set<std::string> pending_;          // guarded by mu_
  std::vector<StockLevel> pending_stock_;  // guarded by mu_
  bool pending_all_ = false;               // guarded by mu_
  bool stopping_ = false;                  // guarded by mu_
  std::thread thread_;
};

}  // namespace vitrine
