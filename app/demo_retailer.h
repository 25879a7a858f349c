// Demo retailer: writes a complete, realistic retailer as import files, for `vitrine demo`.
//
// Products are the real Open Food Facts sample (GTIN, title, ingredients, image URL) shipped
// in data/; everything the sample lacks (brand, category, Google category, net quantity,
// prices, stock) is derived from a stable hash of the GTIN and the seed, and stores come
// from the largest French cities in data/fr-cities.csv. The output is CSV in the project's
// import formats, so the demo goes through the same importer and validation as any
// retailer's files, plus an optional packshot PNG per product so creatives render offline.
//
// Deterministic: the same options (seed, `now`, counts) give the same bytes in every file.
// Rows the sample cannot supply cleanly (a bad GTIN, an empty title, a duplicate GTIN, a
// malformed CSV record) are skipped and counted, so every written row imports cleanly.
// Stateless and thread-safe; it uses up to two threads to draw packshots.
#pragma once

#include <cstdint>
#include <filesystem>

#include "common/status.h"
#include "common/time.h"

namespace vitrine {

struct DemoOptions {
  // Folder holding off-products-sample.csv and fr-cities.csv (the project's data/).
  std::filesystem::path data_dir;
  // Folder the files are written to; created if missing. Existing files are overwritten.
  std::filesystem::path out_dir;
  // The demo's present: price histories end here and stock is measured a few hours before.
  // Required (the epoch is refused), so that output never depends on the machine's clock.
  Instant now{};
  // Seeds every derived value; another seed gives another, equally plausible retailer.
  uint64_t seed = 20261124;
  // Number of stores, one per city, from the largest cities with every region represented.
  // 1 to the number of cities in fr-cities.csv (390). Default 50.
  int stores = 50;
  // Length of the price history in days: every product has a national price effective from
  // local midnight `history_days` days before `now`. 1 to 3650. Default 90, enough for the
  // 30-day reference price rule.
  int history_days = 90;
  // Draw a packshot PNG per product into out_dir/images/. Default true.
  bool packshots = true;
  // Keep only the first N usable products of the sample; 0 (default) keeps all of them.
  int max_products = 0;
};

struct DemoFiles {
  std::filesystem::path products_csv;  // id,gtin,title,brand,...,attributes
  std::filesystem::path stores_csv;    // id,name,banner,address,...,services
  std::filesystem::path prices_csv;    // product_id,level,level_id,price,currency,effective_from
  std::filesystem::path stock_csv;     // product_id,store_id,quantity,measured_at
  std::filesystem::path images_dir;    // out_dir/images (empty when packshots is false)
  int products = 0;                    // product rows written
  int stores = 0;                      // store rows written
  int price_rows = 0;                  // price rows written (national, zone and store levels)
  int stock_rows = 0;                  // stock rows written: products × stores
  int packshots = 0;                   // PNG files drawn
  int skipped_rows = 0;  // sample rows left out: bad GTIN, empty title, duplicate, malformed
};

// Writes the demo retailer into options.out_dir. Returns InvalidArgument for options out
// of range, NotFound when a data file is missing, IoError when a file cannot be written.
// Files already written stay in place when a later step fails.
Result<DemoFiles> WriteDemoRetailer(const DemoOptions& options);

}  // namespace vitrine
