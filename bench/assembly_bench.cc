// vitrine-assembly-bench: the full assembly of the national-chain scenario, and the latency
// of a burst of stock changes through the incremental path.
//
//   build/release/bench/vitrine-scenario --out bench/out/scenario
//   build/assembly-rel/bench/vitrine-assembly-bench [--scenario bench/out/scenario]
//       [--threads 2] [--products-per-write 50] [--stock-updates 10000] [--keep] [--catalog FILE]
//       [--out FILE]
//
// Imports the scenario's CSV files into a SqliteDatabase in a fresh temporary directory,
// creates one approved campaign with a percent_off promotion on the products listed in
// promoted.csv in every store, times Assembler::AssembleAll (2,000 products × 1,000 stores
// = 2,000,000 offers by default), then writes stock updates for promoted products with
// PutStock and times them until OnStockChanged has made them visible in ListChanges.
// Prints a table of figures; the database is deleted unless --keep. With --catalog, the
// imported catalogue is kept in FILE and reused by later runs (the imports take longer than
// the assembly being measured). With --out, the database with its offers is copied to FILE
// (bench/http serves it).
//
// Beside it, the SQLite floor: the same offer rows copied by SQLite alone into a table with
// the same indexes, in transactions of the same size, with no computing and no binding.
#include <sqlite3.h>
#include <sys/resource.h>
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
#include "offers/change_applier.h"
#include "store/sqlite_database.h"

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

// CPU time so far, user + system, in seconds: of every thread (RUSAGE_SELF), or of the
// calling thread (RUSAGE_THREAD), which does every repository call and so bounds assembly.
double CpuSeconds(int who = RUSAGE_SELF) {
  rusage usage{};
  getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

int Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "vitrine-assembly-bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

struct Args {
  std::filesystem::path scenario = "bench/out/scenario";
  int threads = 2;
  int products_per_write = vitrine::AssemblyOptions{}.products_per_write;
  int stock_updates = 10000;
  bool keep = false;
  std::filesystem::path catalog;  // a copy of the imported catalogue, reused when present
  std::filesystem::path out;      // where the database with its offers is copied
};

// The rows of `table`, read on a connection of its own; -1 when it cannot be read.
int64_t CountRows(const std::filesystem::path& db_path, const std::string& table) {
  sqlite3* db = nullptr;
  sqlite3_stmt* count = nullptr;
  int64_t rows = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &count, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(count) == SQLITE_ROW) {
    rows = sqlite3_column_int64(count, 0);
  }
  sqlite3_finalize(count);
  sqlite3_close(db);
  return rows;
}

// Copies offer_records into a fresh table with the same indexes, `per_transaction` rows per
// transaction, on a connection of its own: what writing the offers costs SQLite alone.
Result<double> SqliteFloorSeconds(const std::filesystem::path& db_path, int64_t per_transaction) {
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return Status::IoError("open " + db_path.string());
  }
  auto exec = [&](const std::string& sql) -> Status {
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK) return Status::Ok();
    return Status::Internal(std::string(sqlite3_errmsg(db)) + " in " + sql);
  };
  Status status = exec(
      "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384;"
      "CREATE TABLE floor_copy AS SELECT * FROM offer_records WHERE 0;"
      "CREATE UNIQUE INDEX floor_by_key ON floor_copy(offer_id, store_id);"
      "CREATE INDEX floor_by_store ON floor_copy(store_id, offer_id) WHERE deleted = 0;");
  int64_t last = 0;
  if (status.ok()) {
    sqlite3_stmt* max = nullptr;
    sqlite3_prepare_v2(db, "SELECT max(seq) FROM offer_records", -1, &max, nullptr);
    if (sqlite3_step(max) == SQLITE_ROW) last = sqlite3_column_int64(max, 0);
    sqlite3_finalize(max);
  }
  const auto started = std::chrono::steady_clock::now();
  for (int64_t from = 0; status.ok() && from < last; from += per_transaction) {
    status = exec("BEGIN; INSERT INTO floor_copy SELECT * FROM offer_records WHERE seq > " +
                  std::to_string(from) + " AND seq <= " + std::to_string(from + per_transaction) +
                  " ORDER BY store_id, offer_id; COMMIT;");
  }
  const double seconds = Seconds(std::chrono::steady_clock::now() - started).count();
  if (status.ok()) status = exec("DROP TABLE floor_copy");
  sqlite3_close(db);
  if (!status.ok()) return status;
  return seconds;
}

int Run(const Args& args) {
  char pattern[] = "/tmp/vitrine-assembly-bench-XXXXXX";
  if (!mkdtemp(pattern)) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path dir = pattern;
  const std::filesystem::path db_path = dir / "bench.db";
  const bool reuse = !args.catalog.empty() && std::filesystem::exists(args.catalog);
  if (reuse) std::filesystem::copy_file(args.catalog, db_path);
  SqliteOptions sqlite_options;
  auto opened = SqliteDatabase::Open(db_path.string(), sqlite_options);
  if (!opened.ok()) return Fail("open database", opened.status());
  ManualClock clock(kScenarioNow);

  std::printf("%-34s %14s\n", "step", "value");
  ImportOptions import_options;
  import_options.clock = &clock;
  for (auto [kind, file] :
       {std::pair{ImportKind::kStores, "stores.csv"},
        std::pair{ImportKind::kProducts, "products.csv"},
        std::pair{ImportKind::kPrices, "prices.csv"}, std::pair{ImportKind::kStock, "stock.csv"}}) {
    if (reuse) break;
    const auto started = std::chrono::steady_clock::now();
    auto report = ImportFile(**opened, kind, args.scenario / file, import_options);
    if (!report.ok()) return Fail(std::string("import ") + file, report.status());
    if (report->rejected > 0) {
      std::fprintf(stderr, "import %s: %lld rows rejected\n", file,
                   static_cast<long long>(report->rejected));
    }
    std::printf("%-34s %12.2f s  (%lld rows)\n", (std::string("import ") + file).c_str(),
                Seconds(std::chrono::steady_clock::now() - started).count(),
                static_cast<long long>(report->rows_read));
  }
  if (!reuse && !args.catalog.empty()) {
    opened->reset();  // closed, so the file holds everything (no WAL left beside it)
    std::filesystem::copy_file(db_path, args.catalog);
    opened = SqliteDatabase::Open(db_path.string(), sqlite_options);
    if (!opened.ok()) return Fail("reopen database", opened.status());
  }
  SqliteDatabase& db = **opened;

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
  options.products_per_write = args.products_per_write;
  Assembler assembler(db, db, db, options);
  // Everything written so far (the imports, the campaign) is covered by the full assembly:
  // recorded as applied, so a server started on this database has nothing to catch up.
  auto covered = db.LastChangeId();
  if (!covered.ok()) return Fail("change log", covered.status());
  const double rss_before = PeakRssMiB();
  const auto started = std::chrono::steady_clock::now();
  const double cpu_before = CpuSeconds();
  const double writer_cpu_before = CpuSeconds(RUSAGE_THREAD);
  auto report = assembler.AssembleAll();
  const double assembly_seconds = Seconds(std::chrono::steady_clock::now() - started).count();
  const double assembly_cpu = CpuSeconds() - cpu_before;
  const double writer_cpu = CpuSeconds(RUSAGE_THREAD) - writer_cpu_before;
  if (!report.ok()) return Fail("assemble", report.status());
  if (Status st = db.SetAppliedChangeId(kAssemblyConsumer, *covered); !st.ok()) {
    return Fail("change log", st);
  }
  const int64_t offers = report->inserted + report->updated + report->unchanged;
  std::printf("%-34s %12.2f s  (CPU %.2f s in all, %.2f s on the writing thread)\n",
              "full assembly (AssembleAll)", assembly_seconds, assembly_cpu, writer_cpu);
  std::printf("%-34s %14lld\n", "  offers written", static_cast<long long>(offers));
  std::printf("%-34s %14lld\n", "  offers considered",
              static_cast<long long>(report->offers_considered));
  std::printf("%-34s %14lld\n", "  skipped", static_cast<long long>(report->skipped));
  for (const auto& [reason, n] : report->skipped_by_reason) {
    std::printf("    %-30s %14lld\n", reason.c_str(), static_cast<long long>(n));
  }
  std::printf("%-34s %12.0f /s\n", "  offers per second", offers / assembly_seconds);
  std::printf("%-34s %14lld\n", "  contents stored (offer_variants)",
              static_cast<long long>(CountRows(db_path, "offer_variants")));
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
  const double assembled_seconds = Seconds(std::chrono::steady_clock::now() - burst).count();
  int64_t visible = 0;
  for (int64_t since = *last_seq;;) {
    auto changes = db.ListChanges(since, 1000, "");
    if (!changes.ok()) return Fail("list changes", changes.status());
    if (changes->empty()) break;
    visible += static_cast<int64_t>(changes->size());
    since = changes->back().seq;
  }
  const double latency = Seconds(std::chrono::steady_clock::now() - burst).count();
  std::printf("%-34s %12.2f s  (PutStock %.2f s, OnStockChanged %.2f s, ListChanges %.2f s)\n",
              "stock burst → ListChanges", latency, put_seconds, assembled_seconds - put_seconds,
              latency - assembled_seconds);
  std::printf("%-34s %14d\n", "  stock levels written", args.stock_updates);
  std::printf("%-34s %14lld\n", "  offers updated", static_cast<long long>(stock_report->updated));
  std::printf("%-34s %14lld\n", "  changes visible", static_cast<long long>(visible));

  // As many rows a transaction as assembly writes: its promoted products in every store.
  const int64_t per_transaction =
      static_cast<int64_t>(args.products_per_write) * static_cast<int64_t>(stores->size());
  auto floor = SqliteFloorSeconds(db_path, per_transaction);
  if (!floor.ok()) return Fail("SQLite floor", floor.status());
  std::printf("%-34s %12.2f s  (%.1f x; same rows and indexes, %lld rows a transaction)\n",
              "baseline: SQLite copies the rows", *floor, assembly_seconds / *floor,
              static_cast<long long>(per_transaction));

  if (!args.out.empty()) {
    opened->reset();  // closed, so the file holds everything
    std::error_code ignored;
    std::filesystem::remove(args.out, ignored);
    std::filesystem::copy_file(db_path, args.out);
    std::printf("database with its offers copied to %s\n", args.out.c_str());
  }
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
    } else if (arg == "--products-per-write" && i + 1 < argc) {
      args.products_per_write = std::atoi(argv[++i]);
    } else if (arg == "--stock-updates" && i + 1 < argc) {
      args.stock_updates = std::atoi(argv[++i]);
    } else if (arg == "--catalog" && i + 1 < argc) {
      args.catalog = argv[++i];
    } else if (arg == "--out" && i + 1 < argc) {
      args.out = argv[++i];
    } else if (arg == "--keep") {
      args.keep = true;
    } else {
      std::fprintf(
          stderr,
          "usage: vitrine-assembly-bench [--scenario DIR] [--threads N] "
          "[--products-per-write N] [--stock-updates N] [--keep] [--catalog FILE] [--out FILE]\n");
      return arg == "--help" ? 0 : 2;
    }
  }
  return vitrine::Run(args);
}
