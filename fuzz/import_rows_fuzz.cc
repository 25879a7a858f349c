// Catalog import of products, stores, prices or stock from CSV, a JSON array or NDJSON over
// the in-memory backend. The first byte chooses the kind, the format (auto or forced) and
// strict mode; the rest is the file. The catalogue holds products P1, P2 and stores S1, S2,
// so prices and stock rows can refer to something.
// Oracle: Import never fails on bad rows (only a broken stream or repository fails it);
// every row error names a line within the input; in default mode every row read either
// landed or was rejected; strict mode lands all or nothing.
#include <cstdint>
#include <sstream>
#include <string>

#include "catalog/import.h"
#include "fuzz_check.h"
#include "store/memory_database.h"

namespace {

const vitrine::Instant kNow = vitrine::FromUnixSeconds(1795510800);  // 2026-11-24T07:00Z

vitrine::ImportReport Land(vitrine::MemoryDatabase& db, vitrine::ImportKind kind,
                           const std::string& text, const vitrine::ImportOptions& options) {
  std::istringstream in(text);
  auto report = vitrine::Import(db, kind, in, options);
  FUZZ_CHECK(report.ok(), "%s", report.status().ToString().c_str());
  return std::move(report).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  static constexpr vitrine::ImportKind kKinds[] = {
      vitrine::ImportKind::kProducts, vitrine::ImportKind::kStores, vitrine::ImportKind::kPrices,
      vitrine::ImportKind::kStock};
  static constexpr vitrine::ImportFormat kFormats[] = {
      vitrine::ImportFormat::kAuto, vitrine::ImportFormat::kCsv, vitrine::ImportFormat::kJson,
      vitrine::ImportFormat::kNdjson};
  const vitrine::ImportKind kind = kKinds[data[0] & 3];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

  static const vitrine::ManualClock clock(kNow);
  vitrine::ImportOptions options;
  options.clock = &clock;
  options.batch_size = 1 + (data[0] >> 5);  // 1..8: several batches per input
  vitrine::MemoryDatabase db;
  Land(db, vitrine::ImportKind::kProducts, "id,title\nP1,Lait\nP2,Beurre\n", options);
  Land(db, vitrine::ImportKind::kStores,
       "id,name,lat,lon,price_zone\nS1,Paris,48.85,2.36,Z1\nS2,Lyon,45.76,4.85,Z2\n", options);
  const auto before = db.Counts();
  FUZZ_CHECK(before.ok(), "%s", before.status().ToString().c_str());

  options.format = kFormats[(data[0] >> 2) & 3];
  options.strict = (data[0] & 16) != 0;
  const vitrine::ImportReport report = Land(db, kind, text, options);

  int64_t lines = 1;
  for (char c : text) lines += c == '\n';
  for (const vitrine::RowError& e : report.errors) {
    FUZZ_CHECK(e.line >= 1 && e.line <= lines, "error on line %lld of %lld: %s",
               static_cast<long long>(e.line), static_cast<long long>(lines), e.reason.c_str());
    FUZZ_CHECK(!e.reason.empty(), "an error without a reason on line %lld",
               static_cast<long long>(e.line));
  }
  const int64_t landed = report.inserted + report.updated + report.unchanged;
  FUZZ_CHECK(report.rejected <= report.rows_read, "%lld rejected of %lld read",
             static_cast<long long>(report.rejected), static_cast<long long>(report.rows_read));
  FUZZ_CHECK(report.rejected == 0 || !report.errors.empty() || report.errors_not_listed > 0,
             "rows rejected without an error");
  if (!report.committed) {
    FUZZ_CHECK(landed == 0, "%lld rows counted as landed but nothing committed",
               static_cast<long long>(landed));
  } else if (options.strict) {
    FUZZ_CHECK(report.rejected == 0 && landed == report.rows_read,
               "strict: %lld read, %lld landed, %lld rejected",
               static_cast<long long>(report.rows_read), static_cast<long long>(landed),
               static_cast<long long>(report.rejected));
  } else {
    FUZZ_CHECK(landed + report.rejected == report.rows_read,
               "%lld read, %lld landed, %lld rejected", static_cast<long long>(report.rows_read),
               static_cast<long long>(landed), static_cast<long long>(report.rejected));
  }
  const auto after = db.Counts();
  FUZZ_CHECK(after.ok(), "%s", after.status().ToString().c_str());
  if (!report.committed && kind == vitrine::ImportKind::kProducts) {
    FUZZ_CHECK(after->products == before->products, "products changed without a commit");
  }
  // The report serialises as the API sends it.
  FUZZ_CHECK(
      !report.ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).empty(),
      "empty report");
  return 0;
}
