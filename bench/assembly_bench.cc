// vitrine-assembly-bench: the full assembly of the national-chain scenario, and the latency
// of a burst of stock changes through the incremental path.
//
//   build/release/bench/vitrine-scenario --out bench/out/scenario
//   build/assembly-rel/bench/vitrine-assembly-bench [--scenario bench/out/scenario]
//       [--threads 2] [--stock-updates 10000] [--keep]
//
// Imports the scenario's CSV files into a SqliteCatalog in a fresh temporary directory,
// creates one approved campaign with a percent_off promotion on the products listed in
// promoted.csv in every store, times Assembler::AssembleAll (2,000 products × 1,000 stores
// = 2,000,000 offers by default), then writes stock updates for promoted products with
// PutStock and times them until OnStockChanged has made them visible in ListChanges.
// Prints a table of figures; the database is deleted unless --keep.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "catalog/import.h"
#include "offers/assembly.h"
#include "store/sqlite_catalog.h"

namespace vitrine {
namespace {

using Seconds = std::chrono::duration<double>;

// The scenario's present (bench/scenario.h): 2026-11-24 00:00 Paris time.
const Instant kScenarioNow = FromUnixSeconds(1795474800);

// Peak resident set size so far, in MiB, from /proc/self/status.
double PeakRssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

int Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "vitrine-assembly-bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

struct Args {
  std::filesystem::path scenario = "bench/out/scenario";
  int threads = 2;
  int stock_updates = 10000;
  bool keep = false;
};

int Run(const Args& args) {
  char pattern[] = "/tmp/vitrine-assembly-bench-XXXXXX";
  if (!mkdtemp(pattern)) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path dir = pattern;
  auto opened = SqliteCatalog::Open((dir / "bench.db").string());
  if (!opened.ok()) return Fail("open database", opened.status());
  SqliteCatalog& db = **opened;
  ManualClock clock(kScenarioNow);

  std::printf("%-34s %14s\n", "step", "value");
  ImportOptions import_options;
  import_options.clock = &clock;
  for (auto [kind, file] :
       {std::pair{ImportKind::kStores, "stores.csv"},
        std::pair{ImportKind::kProducts, "products.csv"},
        std::pair{ImportKind::kPrices, "prices.csv"}, std::pair{ImportKind::kStock, "stock.csv"}}) {
    const auto started = std::chrono::steady_clock::now();
    auto report = ImportFile(db, kind, args.scenario / file, import_options);
    if (!report.ok()) return Fail(std::string("import ") + file, report.status());
    if (report->rejected > 0) {
      std::fprintf(stderr, "import %s: %lld rows rejected\n", file,
                   static_cast<long long>(report->rejected));
    }
    std::printf("%-34s %12.2f s  (%lld rows)\n", (std::string("import ") + file).c_str(),
                Seconds(std::chrono::steady_clock::now() - started).count(),
                static_cast<long long>(report->rows_read));
  }

  std::vector<std::string> promoted;
  {
    std::ifstream in(args.scenario / "promoted.csv");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) promoted.push_back(line);
    }
  }
  if (promoted.empty()) return Fail("read promoted.csv", Status::NotFound("no product listed"));

  Campaign campaign;
  campaign.name = "Bench: national week";
  campaign.start_local = LocalTime(std::chrono::local_days(std::chrono::year(2026) / 12 / 2));
  campaign.end_local = LocalTime(std::chrono::local_days(std::chrono::year(2026) / 12 / 9));
  campaign.channels = {"google", "meta", "leaflet"};
  campaign.status = CampaignStatus::kApproved;
  auto created = db.CreateCampaign(campaign, kScenarioNow);
  if (!created.ok()) return Fail("create campaign", created.status());
  Promotion promotion;
  promotion.campaign_id = created->id;
  promotion.selector.kind = ProductSelector::Kind::kProducts;
  promotion.selector.product_ids = promoted;
  promotion.mechanic = PercentOff{20};
  auto created_promotion = db.CreatePromotion(promotion);
  if (!created_promotion.ok()) return Fail("create promotion", created_promotion.status());

  AssemblyOptions options;
  options.clock = &clock;
  options.threads = args.threads;
  Assembler assembler(db, db, db, options);
  const double rss_before = PeakRssMiB();
  const auto started = std::chrono::steady_clock::now();
  auto report = assembler.AssembleAll();
  const double assembly_seconds = Seconds(std::chrono::steady_clock::now() - started).count();
  if (!report.ok()) return Fail("assemble", report.status());
  const int64_t offers = report->inserted + report->updated + report->unchanged;
  std::printf("%-34s %12.2f s\n", "full assembly (AssembleAll)", assembly_seconds);
  std::printf("%-34s %14lld\n", "  offers written", static_cast<long long>(offers));
  std::printf("%-34s %14lld\n", "  offers considered",
              static_cast<long long>(report->offers_considered));
  std::printf("%-34s %14lld\n", "  skipped", static_cast<long long>(report->skipped));
  for (const auto& [reason, n] : report->skipped_by_reason) {
    std::printf("    %-30s %14lld\n", reason.c_str(), static_cast<long long>(n));
  }
  std::printf("%-34s %12.0f /s\n", "  offers per second", offers / assembly_seconds);
  std::printf("%-34s %10.0f MiB  (%.0f MiB before assembly)\n", "  peak RSS (VmHWM)", PeakRssMiB(),
              rss_before);
  std::printf("%-34s %14s\n", "  target", "<= 10 s");

  // A burst of stock changes on promoted products in random stores.
  auto stores = db.ListAllStores();
  if (!stores.ok()) return Fail("list stores", stores.status());
  std::mt19937_64 random(20261124);
  std::vector<StockLevel> levels;
  for (int i = 0; i < args.stock_updates; ++i) {
    levels.push_back({promoted[random() % promoted.size()], (*stores)[random() % stores->size()].id,
                      100000 + i, kScenarioNow + std::chrono::hours(1)});
  }
  auto last_seq = db.LastSeq();
  if (!last_seq.ok()) return Fail("last seq", last_seq.status());
  const auto burst = std::chrono::steady_clock::now();
  auto put = db.PutStock(levels);
  if (!put.ok()) return Fail("put stock", put.status());
  const double put_seconds = Seconds(std::chrono::steady_clock::now() - burst).count();
  auto stock_report = assembler.OnStockChanged(levels);
  if (!stock_report.ok()) return Fail("stock change", stock_report.status());
  int64_t visible = 0;
  for (int64_t since = *last_seq;;) {
    auto changes = db.ListChanges(since, 1000, "");
    if (!changes.ok()) return Fail("list changes", changes.status());
    if (changes->empty()) break;
    visible += static_cast<int64_t>(changes->size());
    since = changes->back().seq;
  }
  const double latency = Seconds(std::chrono::steady_clock::now() - burst).count();
  std::printf("%-34s %12.2f s  (PutStock %.2f s)\n", "stock burst → ListChanges", latency,
              put_seconds);
  std::printf("%-34s %14d\n", "  stock levels written", args.stock_updates);
  std::printf("%-34s %14lld\n", "  offers updated", static_cast<long long>(stock_report->updated));
  std::printf("%-34s %14lld\n", "  changes visible", static_cast<long long>(visible));

  if (args.keep) {
    std::printf("database kept in %s\n", dir.c_str());
  } else {
    opened->reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  return 0;
}

}  // namespace
}  // namespace vitrine

int main(int argc, char** argv) {
  vitrine::Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--scenario" && i + 1 < argc) {
      args.scenario = argv[++i];
    } else if (arg == "--threads" && i + 1 < argc) {
      args.threads = std::atoi(argv[++i]);
    } else if (arg == "--stock-updates" && i + 1 < argc) {
      args.stock_updates = std::atoi(argv[++i]);
    } else if (arg == "--keep") {
      args.keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: vitrine-assembly-bench [--scenario DIR] [--threads N] "
                   "[--stock-updates N] [--keep]\n");
      return arg == "--help" ? 0 : 2;
    }
  }
  return vitrine::Run(args);
}
