// Import: lands products, stores, prices or stock from CSV, a JSON array or NDJSON into a
// CatalogRepository, and says what happened to every row.
//
// Row problems (a bad barcode, a price for an unknown product, a wrong column count, invalid
// UTF-8, the same key twice in one file...) never fail the call: each is reported in the
// ImportReport on the line its record starts on, and the other rows still land (default
// mode) or nothing lands (strict mode). Valid rows are written in batches of
// `batch_size` (the first of at most 1,000 rows, so that writing starts early), one
// repository transaction each, so a process killed mid-import leaves
// every batch either fully landed or absent; strict mode runs the whole import in one
// transaction. Columns, formats and the report are documented in docs/imports.md.
//
// Import reads and maps the input on a worker thread while the calling thread writes the
// previous batch, so every repository call (and the progress callback) happens on the
// calling thread. Import is safe to call concurrently on different streams.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/repository.h"
#include "common/money.h"
#include "common/status.h"
#include "common/time.h"

namespace vitrine {

enum class ImportKind { kProducts, kStores, kPrices, kStock };
enum class ImportFormat { kAuto, kCsv, kJson, kNdjson };

// "products", "stores", "prices", "stock".
std::string_view ImportKindName(ImportKind kind);
std::optional<ImportKind> ParseImportKind(std::string_view name);
// "auto", "csv", "json", "ndjson".
std::string_view ImportFormatName(ImportFormat format);
std::optional<ImportFormat> ParseImportFormat(std::string_view name);

// The documented columns (CSV headers, JSON keys) of a kind, in documentation order.
struct ImportColumn {
  std::string_view name;
  bool required;
};
std::vector<ImportColumn> ImportColumns(ImportKind kind);

// The ids an input refers to, when the caller already knows them (a small API body).
struct ReferenceHint {
  std::vector<std::string> product_ids;
  std::vector<std::string> store_ids;
};

struct ImportOptions {
  // All or nothing: when any row is rejected, nothing lands. Default false: valid rows land.
  bool strict = false;
  // Valid rows per repository write (one transaction each in default mode); the first
  // write takes at most 1,000 of them. Default 5000; must be at least 1.
  size_t batch_size = 5000;
  // kAuto (default): the first byte that is not white space decides: `[` JSON array, `{`
  // NDJSON, anything else CSV.
  ImportFormat format = ImportFormat::kAuto;
  // CSV delimiter; 0 (default) detects `,`, `;` or tab from the header line.
  char csv_delimiter = 0;
  // Currency of prices whose text and `currency` column name none. Default EUR.
  Currency default_currency = Currency::Euro();
  // Where "now" comes from: products' and stores' updated_at, and the default
  // effective_from of prices and measured_at of stock. nullptr (default): the system clock.
  const Clock* clock = nullptr;
  // Zone of dates and times written without an offset ("2026-11-24 08:00"). nullptr
  // (default): Europe/Paris.
  const TimeZone* time_zone = nullptr;
  // Extra input names for documented columns, case-insensitive: {"ingredients",
  // "description"} reads an "ingredients" column as the description. Default none.
  std::map<std::string, std::string> column_aliases;
  // Called on the calling thread after every batch and once at the end with the bytes read
  // so far and the input size (0 when unknown). Default none.
  std::function<void(uint64_t bytes_read, uint64_t total_bytes)> progress;
  // When set, prices and stock are checked against these ids with point lookups instead of
  // loading every product id of the catalogue: a three-row write then costs three reads,
  // not a scan of 50,000 ids. An id the input uses but the hint lacks counts as unknown.
  // Default none (load everything, right for files).
  std::optional<ReferenceHint> reference_hint;
  // At most this many RowErrors are listed (all are counted). Default 10,000.
  size_t max_listed_errors = 10000;
};

// One problem with one record. `line` is the physical line (1-based) the record starts on;
// `field` is the documented column name, or empty when the record as a whole is at fault.
struct RowError {
  int64_t line = 0;
  std::string field;
  std::string reason;
  std::string id;  // the record's key where it could be read: "SKU1", "P1|S1" for stock

  friend bool operator==(const RowError&, const RowError&) = default;
};

struct ImportReport {
  ImportKind kind = ImportKind::kProducts;
  ImportFormat format = ImportFormat::kAuto;  // the format actually read
  bool strict = false;
  // Records read (the CSV header excluded), whatever became of them.
  int64_t rows_read = 0;
  // What landed. All zero when committed is false.
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  // Records refused (a record with several bad fields counts once).
  int64_t rejected = 0;
  std::vector<RowError> errors;       // one per bad field, in input order
  int64_t errors_not_listed = 0;      // beyond ImportOptions::max_listed_errors
  std::vector<std::string> warnings;  // unknown columns, which are ignored
  // True when the valid rows landed. False in strict mode with any error, and when the
  // input as a whole was unusable (empty, no usable header): then nothing landed.
  bool committed = false;

  // {"kind": "products", "format": "csv", "strict": false, "committed": true,
  //  "rows_read": 3, "inserted": 1, "updated": 1, "unchanged": 0, "rejected": 1,
  //  "errors": [{"line": 3, "field": "gtin", "reason": "...", "id": "SKU2"}],
  //  "errors_not_listed": 0, "warnings": []}
  nlohmann::json ToJson() const;
};

// Reads `in` to its end and lands its rows. Returns the report, or a failed Status only
// when the repository or the stream itself fails (IoError, Unavailable...; its message
// says how many rows had landed before, in default mode) or `options` are invalid
// (InvalidArgument). An empty input is not a failure: its report holds one error on line 1
// and committed is false.
Result<ImportReport> Import(CatalogRepository& repository, ImportKind kind, std::istream& in,
                            const ImportOptions& options);

// Import over a file, which also gives progress its total size. NotFound when the file
// does not exist, IoError when it cannot be read.
Result<ImportReport> ImportFile(CatalogRepository& repository, ImportKind kind,
                                const std::filesystem::path& path, const ImportOptions& options);

}  // namespace vitrine
