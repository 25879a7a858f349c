// What a commit survives: a power cut at every write, truncate and sync of one campaign
// approval and of one import (PowerCutVfs), and an I/O error while writing.
//
// Each case runs the write in a forked child whose SQLite goes through PowerCutVfs; the child
// reports on a pipe each write acknowledged to it (the approval returned, an import batch
// landed). The parent then opens the file as a restarted server would (the -shm index is
// gone with the power), and requires integrity_check ok, no foreign key violation, and every
// acknowledged write present.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "catalog/import.h"
#include "offers/workflow.h"
#include "power_cut_vfs.h"
#include "store/sqlite_database.h"
#include "temp_dir.h"

namespace vitrine {
namespace {

using testing::InstallPowerCutVfs;
using testing::kPowerCutExit;
using testing::PowerCutPlan;
using testing::TempDir;

const Actor kEditor{"user:editor@example.com", Role::kEditor, ""};
const Actor kApprover{"user:approver@example.com", Role::kApprover, ""};

Instant At(const char* text) { return *ParseInstant(text); }

// One store, 60 products with a price, so that stock rows and a promotion have their targets.
void SeedCatalog(SqliteDatabase& db) {
  Store s;
  s.id = "S1";
  s.name = "Magasin S1";
  s.banner = "Market";
  s.city = "Lyon";
  s.postal_code = "69001";
  s.price_zone = "Z1";
  s.timezone = "Europe/Paris";
  ASSERT_TRUE(db.PutStores(std::vector<Store>{s}, At("2026-09-01T00:00:00Z")).ok());
  std::vector<Product> products;
  std::vector<Price> prices;
  for (int i = 0; i < 60; ++i) {
    Product p;
    p.id = "P" + std::to_string(i);
    p.title = "Café moulu " + std::to_string(i);
    p.brand = "Maison";
    p.category = "Épicerie > Café";
    p.image_url = "https://img.example/" + p.id + ".jpg";
    if (i == 1) {  // the product of the campaign's promotion: complete, so nothing blocks it
      p.gtin = *Gtin::Parse("3017620422003");
      p.net_quantity = *Quantity::Parse("250 g");
    }
    products.push_back(p);
    prices.push_back(
        {p.id, PriceLevel::kNational, "", Money::Euros(349), At("2026-09-01T00:00:00Z")});
  }
  ASSERT_TRUE(db.PutProducts(products, At("2026-09-01T00:00:00Z")).ok());
  ASSERT_TRUE(db.PutPrices(prices).ok());
}

struct Integrity {
  std::string integrity;  // "ok" when sound
  int foreign_key_errors = 0;
};

// Opens `path` as after a restart (no -shm) and checks it.
Integrity Check(const std::string& path) {
  std::filesystem::remove(path + "-shm");
  Integrity result;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    result.integrity = std::string("open: ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return result;
  }
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::string> lines;
  sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    lines.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  // SQLite 3.40 reports "NULL value in T.C" for a NOT NULL column of a WITHOUT ROWID table
  // that follows a NULL in a nullable one (prices.amount_minor after zone_id) although no row
  // holds a NULL there; such a line counts only when the column really holds one.
  constexpr std::string_view kNull = "NULL value in ";
  for (const std::string& line : lines) {
    if (line.starts_with(kNull) && line.find('.') != std::string::npos) {
      const std::string column = line.substr(kNull.size());
      const std::string table = column.substr(0, column.find('.'));
      const std::string sql = "SELECT count(*) FROM \"" + table + "\" WHERE \"" +
                              column.substr(column.find('.') + 1) + "\" IS NULL";
      int64_t nulls = 1;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
          sqlite3_step(stmt) == SQLITE_ROW) {
        nulls = sqlite3_column_int64(stmt, 0);
      }
      sqlite3_finalize(stmt);
      if (nulls == 0) continue;
    }
    result.integrity += result.integrity.empty() ? line : "; " + line;
  }
  if (result.integrity.empty()) result.integrity = "ok";
  sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW) ++result.foreign_key_errors;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

// The child's side: what it acknowledged, and how it ended.
struct ChildRun {
  int acks = 0;             // 'A' bytes written to the pipe
  int64_t operations = -1;  // the child's count of operations, when it finished
  int exit_code = -1;
};

// Forks; the child installs PowerCutVfs with `plan`, runs `write` (which calls `ack` after
// each acknowledged write) and exits 0, reporting its operation count.
template <typename WriteFn>
ChildRun RunInChild(PowerCutPlan plan, WriteFn write) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    InstallPowerCutVfs(plan);
    auto ack = [&] { (void)!::write(fds[1], "A", 1); };
    const int code = write(ack);
    const std::string count = "#" + std::to_string(testing::PowerCutOperations());
    (void)!::write(fds[1], count.data(), count.size());
    _exit(code);
  }
  close(fds[1]);
  ChildRun run;
  std::string received;
  char buffer[256];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) received.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  for (char c : received) run.acks += c == 'A';
  if (const size_t hash = received.find('#'); hash != std::string::npos) {
    run.operations = std::stoll(received.substr(hash + 1));
  }
  return run;
}

// The figures of one sweep of the cut over every operation of a write.
struct Sweep {
  int64_t operations = 0;  // of the uninterrupted run: the cut points swept
  int cuts = 0;
  int corrupt = 0;
  int foreign_key = 0;
  int acked_lost = 0;
};

class PowerLossTest : public ::testing::Test {
 protected:
  // Copies the seeded database to a fresh file for one run.
  std::string Fresh() {
    const std::string path = dir_.File("run.db");
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    std::filesystem::copy_file(seed_, path);
    return path;
  }

  // Sweeps the cut over every operation of `write` on a copy of the seed; `acked_present`
  // says whether the reopened file holds the `acks` acknowledged writes.
  template <typename WriteFn, typename PresentFn>
  Sweep SweepCuts(WriteFn write, PresentFn acked_present) {
    Sweep sweep;
    Fresh();
    const ChildRun whole =
        RunInChild({}, [&](auto ack) { return write(dir_.File("run.db"), ack); });
    EXPECT_EQ(whole.exit_code, 0);
    EXPECT_GT(whole.acks, 0);
    sweep.operations = whole.operations;
    for (int64_t k = 1; k <= whole.operations; ++k) {
      const std::string path = Fresh();
      const ChildRun run = RunInChild({.cut_at = k}, [&](auto ack) { return write(path, ack); });
      EXPECT_EQ(run.exit_code, kPowerCutExit) << "cut at " << k;
      ++sweep.cuts;
      const Integrity integrity = Check(path);
      sweep.corrupt += integrity.integrity != "ok";
      EXPECT_EQ(integrity.integrity, "ok") << "cut at operation " << k;
      sweep.foreign_key += integrity.foreign_key_errors > 0;
      if (!acked_present(path, run.acks)) {
        ++sweep.acked_lost;
        ADD_FAILURE() << "cut at operation " << k << ": an acknowledged write is gone";
      }
    }
    return sweep;
  }

  TempDir dir_;
  std::string seed_ = dir_.File("seed.db");
  std::string campaign_id_;
};

class ApprovalPowerLossTest : public PowerLossTest {
 protected:
  void SetUp() override {
    ManualClock clock(At("2026-11-20T08:00:00Z"));
    auto db = SqliteDatabase::Open(seed_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    SeedCatalog(**db);
    const StockLevel level{"P1", "S1", 20, At("2026-09-01T00:00:00Z")};
    ASSERT_TRUE((*db)->PutStock(std::vector<StockLevel>{level}).ok());
    CampaignWorkflow workflow(**db, **db, **db, **db, **db, clock);
    Campaign c;
    c.name = "Noël";
    c.start_local = LocalTime{std::chrono::local_days{std::chrono::year{2026} / 12 / 2}};
    c.end_local = LocalTime{std::chrono::local_days{std::chrono::year{2026} / 12 / 9}};
    c.channels = {"google"};
    auto created = workflow.CreateCampaign(kEditor, c);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    campaign_id_ = created->campaign.id;
    Promotion p;
    p.campaign_id = campaign_id_;
    p.selector.product_ids = {"P1"};
    p.mechanic = PercentOff{20};
    ASSERT_TRUE(workflow.CreatePromotion(kEditor, p).ok());
    ASSERT_TRUE(
        workflow.Transition(kEditor, campaign_id_, {CampaignStatus::kSubmitted, "", "", {}}).ok());
  }

  // The approval, as `vitrine serve` takes it; the database closes after the acknowledgement
  // (its checkpoint is swept too).
  Sweep SweepApproval() {
    auto approve = [&](const std::string& path, auto ack) {
      ManualClock clock(At("2026-11-20T09:00:00Z"));
      auto db = SqliteDatabase::Open(path);
      if (!db.ok()) return 10;
      CampaignWorkflow workflow(**db, **db, **db, **db, **db, clock);
      auto step =
          workflow.Transition(kApprover, campaign_id_, {CampaignStatus::kApproved, "", "", {}});
      if (!step.ok()) {
        std::cerr << "approval refused: " << step.status().ToString() << "\n";
        return 11;
      }
      ack();
      db->reset();
      return 0;
    };
    auto approved = [&](const std::string& path, int acks) {
      if (acks == 0) return true;
      auto db = SqliteDatabase::Open(path);
      if (!db.ok()) return false;
      auto c = (*db)->GetCampaign(campaign_id_);
      return c.ok() && c->has_value() && (*c)->status == CampaignStatus::kApproved;
    };
    return SweepCuts(approve, approved);
  }
};

TEST_F(ApprovalPowerLossTest, AnAcknowledgedApprovalSurvivesAPowerCutAtEveryWrite) {
  const Sweep sweep = SweepApproval();
  std::cout << "approval: " << sweep.cuts << " cut points, " << sweep.corrupt << " corrupt, "
            << sweep.foreign_key << " foreign-key failures, " << sweep.acked_lost
            << " acknowledged approvals lost\n";
  EXPECT_GT(sweep.cuts, 3);
  EXPECT_EQ(sweep.corrupt, 0);
  EXPECT_EQ(sweep.foreign_key, 0);
  EXPECT_EQ(sweep.acked_lost, 0);
}

class ImportPowerLossTest : public PowerLossTest {
 protected:
  static constexpr int kBatch = 20;
  static constexpr int kRows = 60;

  void SetUp() override {
    auto db = SqliteDatabase::Open(seed_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    SeedCatalog(**db);
    std::ofstream stock(dir_.File("stock.csv"));
    stock << "product_id,store_id,quantity\n";
    for (int i = 0; i < kRows; ++i) stock << 'P' << i << ",S1," << i + 1 << '\n';
  }

  // `vitrine import stock` in batches of kBatch: each batch that landed is acknowledged (the
  // progress callback runs after its commit).
  Sweep SweepImport() {
    auto import = [&](const std::string& path, auto ack) {
      auto db = SqliteDatabase::Open(path);
      if (!db.ok()) return 10;
      ImportOptions options;
      options.batch_size = kBatch;
      int batches = 0;
      options.progress = [&](uint64_t, uint64_t) {
        if (batches++ < kRows / kBatch) ack();
      };
      auto report = ImportFile(**db, ImportKind::kStock, dir_.File("stock.csv"), options);
      if (!report.ok() || !report->committed) {
        std::cerr << "import failed: "
                  << (report.ok() ? "not committed" : report.status().ToString()) << "\n";
        return 11;
      }
      db->reset();
      return 0;
    };
    // Every row of an acknowledged batch is there, and no batch landed in part.
    auto landed = [&](const std::string& path, int acks) {
      auto db = SqliteDatabase::Open(path);
      if (!db.ok()) return false;
      int rows = 0;
      for (int i = 0; i < kRows; ++i) {
        auto level = (*db)->GetStock("P" + std::to_string(i), "S1");
        if (!level.ok()) return false;
        if (level->has_value()) {
          ++rows;
          if ((*level)->quantity != i + 1) return false;
        } else if (i < acks * kBatch) {
          return false;
        }
      }
      return rows % kBatch == 0;
    };
    return SweepCuts(import, landed);
  }
};

TEST_F(ImportPowerLossTest, EveryAcknowledgedImportBatchSurvivesAPowerCutAtEveryWrite) {
  const Sweep sweep = SweepImport();
  std::cout << "import of 3 batches: " << sweep.cuts << " cut points, " << sweep.corrupt
            << " corrupt, " << sweep.foreign_key << " foreign-key failures, " << sweep.acked_lost
            << " runs losing an acknowledged batch\n";
  EXPECT_GT(sweep.cuts, 3);
  EXPECT_EQ(sweep.corrupt, 0);
  EXPECT_EQ(sweep.foreign_key, 0);
  EXPECT_EQ(sweep.acked_lost, 0);
}

// The disk refusing one write or sync (EIO) at each operation of an import: the import stops
// with a message that says so and names the file, and the file stays sound with every batch
// acknowledged before.
TEST_F(ImportPowerLossTest, AnIoErrorWhileImportingSaysSoAndLeavesTheFileSound) {
  const std::string message_file = dir_.File("message.txt");
  auto attempt = [&](const std::string& path, auto ack) {
    auto db = SqliteDatabase::Open(path);
    Status status = db.status();
    if (db.ok()) {
      ImportOptions options;
      options.batch_size = kBatch;
      int batches = 0;
      options.progress = [&](uint64_t, uint64_t) {
        if (batches++ < kRows / kBatch) ack();
      };
      status = ImportFile(**db, ImportKind::kStock, dir_.File("stock.csv"), options).status();
    }
    std::ofstream(message_file) << status.message();
    return status.ok() ? 0 : 1;
  };
  Fresh();
  const ChildRun whole =
      RunInChild({}, [&](auto ack) { return attempt(dir_.File("run.db"), ack); });
  ASSERT_EQ(whole.exit_code, 0);
  int failed = 0;
  for (int64_t k = 1; k <= whole.operations; ++k) {
    const std::string path = Fresh();
    std::filesystem::remove(message_file);
    const ChildRun run = RunInChild({.fail_at = k}, [&](auto ack) { return attempt(path, ack); });
    std::string message;
    std::getline(std::ifstream(message_file), message);
    if (run.exit_code == 0) continue;  // an operation whose failure SQLite retries or ignores
    ++failed;
    EXPECT_NE(message.find("I/O error "), std::string::npos) << "fail at " << k << ": " << message;
    EXPECT_NE(message.find(" the database file " + path), std::string::npos)
        << "fail at " << k << ": " << message;
    EXPECT_EQ(message.find("malformed"), std::string::npos) << message;
    const Integrity integrity = Check(path);
    EXPECT_EQ(integrity.integrity, "ok") << "fail at " << k;
    EXPECT_EQ(integrity.foreign_key_errors, 0) << "fail at " << k;
    auto db = SqliteDatabase::Open(path);
    ASSERT_TRUE(db.ok());
    for (int i = 0; i < run.acks * kBatch; ++i) {
      auto level = (*db)->GetStock("P" + std::to_string(i), "S1");
      EXPECT_TRUE(level.ok() && level->has_value()) << "fail at " << k << ": row " << i;
    }
  }
  std::cout << "import with one failed write or sync: " << failed << " of " << whole.operations
            << " operations failed the import\n";
  EXPECT_GT(failed, 3);
}

}  // namespace
}  // namespace vitrine
