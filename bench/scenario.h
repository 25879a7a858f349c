// Benchmark scenario: a synthetic national chain written as import files, fast.
//
// The figures Vitrine promises (imports, assembly, feeds) are measured on a retailer the
// size of a national chain: 50,000 products, 1,000 stores in 20 price zones, 2,000 promoted
// products and a million stock rows by default. WriteScenario writes it in the same CSV
// formats as a retailer's own files (the column sets of app/demo_retailer.h), plus the list
// of products a benchmark campaign promotes. Every value comes from a seeded generator,
// so one seed always gives the same bytes; writing goes through large buffers so that a
// million stock rows take about a second.
//
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>

#include "common/status.h"
#include "common/time.h"

namespace vitrine {

struct ScenarioOptions {
  std::filesystem::path out_dir;  // created if missing; files in it are overwritten
  int products = 50000;           // product rows, 1 to 10,000,000
  int stores = 1000;              // store rows, 1 to 100,000
  int zones = 20;                 // price zones the stores are spread over, 1 to `stores`
  int promoted = 2000;            // products listed in promoted.csv, 0 to `products`
  int64_t stock_rows = 1000000;   // product × store rows, 0 to products × stores
  uint64_t seed = 20261124;       // seeds every generated value
  // The scenario's present: price histories end here. Fixed by default (2026-11-24 00:00
  // Paris time) so the output never depends on the machine's clock.
  Instant now = FromUnixSeconds(1795474800);
};

struct ScenarioFiles {
  std::filesystem::path products_csv;  // id,gtin,title,brand,...,attributes
  std::filesystem::path stores_csv;    // id,name,banner,...,price_zone,services
  std::filesystem::path prices_csv;    // national and zone prices with a 90-day history
  std::filesystem::path stock_csv;     // product_id,store_id,quantity,measured_at
  std::filesystem::path promoted_csv;  // product_id
  int64_t products = 0;
  int64_t stores = 0;
  int64_t price_rows = 0;
  int64_t stock_rows = 0;
  int64_t promoted = 0;
};

// Writes the scenario into options.out_dir. Returns InvalidArgument for options out of
// range and IoError when a file cannot be written.
Result<ScenarioFiles> WriteScenario(const ScenarioOptions& options);

}  // namespace vitrine
