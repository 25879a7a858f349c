#include "assembly_worker.h"

namespace vitrine {

AssemblyWorker::AssemblyWorker(Assembler& assembler, std::function<void(const std::string&)> log)
    : assembler_(assembler), log_(std::move(log)), thread_([this] { Loop(); }) {}

AssemblyWorker::~AssemblyWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void AssemblyWorker::ProductsChanged(const std::vector<std::string>& product_ids) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (product_ids.empty()) {
      pending_all_ = true;
      pending_.clear();
    } else if (!pending_all_) {
      pending_.insert(product_ids.begin(), product_ids.end());
    }
  }
  wake_.notify_one();
}

void AssemblyWorker::StockChanged(const std::vector<StockLevel>& levels) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_stock_.insert(pending_stock_.end(), levels.begin(), levels.end());
  }
  wake_.notify_one();
}

Status AssemblyWorker::Run(const std::function<Status(Assembler&)>& work) {
  std::lock_guard<std::mutex> lock(assembler_mu_);
  return work(assembler_);
}

void AssemblyWorker::Loop() {
  for (;;) {
    bool all = false;
    std::vector<std::string> products;
    std::vector<StockLevel> stock;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] {
        return stopping_ || pending_all_ || !pending_.empty() || !pending_stock_.empty();
      });
      if (!pending_all_ && pending_.empty() && pending_stock_.empty()) return;  // stopping
      all = pending_all_;
      products.assign(pending_.begin(), pending_.end());
      stock.swap(pending_stock_);
      pending_all_ = false;
      pending_.clear();
    }
    if (!stock.empty() && !all) {
      Result<AssemblyReport> patched = Status::Internal("not run");
      {
        std::lock_guard<std::mutex> lock(assembler_mu_);
        patched = assembler_.OnStockChanged(stock);
      }
      nlohmann::json line = {{"type", "assembly"},
                             {"trigger", "stock"},
                             {"levels", static_cast<int64_t>(stock.size())}};
      if (patched.ok()) {
        line["report"] = ToJson(*patched);
      } else {
        line["error"] = patched.status().ToString();
      }
      if (log_) log_(line.dump());
      if (products.empty()) continue;
    }
    Result<AssemblyReport> report = Status::Internal("not run");
    {
      std::lock_guard<std::mutex> lock(assembler_mu_);
      report = all ? assembler_.AssembleAll() : assembler_.OnProductsChanged(products);
    }
    nlohmann::json line = {{"type", "assembly"},
                           {"trigger", all ? "catalogue" : "products"},
                           {"products", all ? -1 : static_cast<int64_t>(products.size())}};
    if (report.ok()) {
      line["report"] = ToJson(*report);
    } else {
      line["error"] = report.status().ToString();
    }
    if (log_) log_(line.dump());
  }
}

}  // namespace vitrine
