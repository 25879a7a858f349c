// `vitrine demo` and `vitrine summary`.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "app/demo_retailer.h"
#include "app/product_images.h"
#include "catalog/import.h"
#include "commands.h"
#include "demo_campaigns.h"
#include "import_output.h"
#include "server/account_admin.h"
#include "store/database.h"

#ifndef VITRINE_DEFAULT_DATA_DIR
#define VITRINE_DEFAULT_DATA_DIR "data"
#endif

namespace vitrine {
namespace {

std::filesystem::path DefaultOutDir(const CommandLine& command_line) {
  auto url = ParseDatabaseUrl(command_line.ValueOr("db", "sqlite:vitrine.db"));
  // Beside a SQLite file; in the working directory for a server database.
  std::filesystem::path db =
      url.ok() && url->scheme == DatabaseUrl::Scheme::kSqlite && !url->path.empty() ? url->path
                                                                                    : "vitrine.db";
  return db.parent_path() / "vitrine-data";
}

// The demo's admin login and token, printed and kept (readable by the owner only) so the
// Quick start can show them again on every start: only their hashes are in the database.
int CreateDemoAdmin(Database& db, const std::filesystem::path& credentials_path) {
  auto existing = db.accounts().GetUser("admin");
  if (!existing.ok()) {
    std::fprintf(stderr, "vitrine demo: %s\n", existing.status().message().c_str());
    return kExitStore;
  }
  if (existing->has_value()) return kExitOk;  // seeded before: keep its credentials
  AccountWriter writer{
      db.catalog(), db.accounts(), db.audit(), SystemClock::Instance(), "demo", ""};
  const std::string password = RandomHex(12);
  auto user = CreateUserAccount(writer, {"admin", "Demo administrator", Role::kAdmin, password});
  auto token = user.ok() ? IssueApiToken(writer, {"demo admin token", Role::kAdmin, ""})
                         : Result<IssuedToken>(user.status());
  if (!token.ok()) {
    std::fprintf(stderr, "vitrine demo: %s\n", token.status().message().c_str());
    return kExitStore;
  }
  const std::string text =
      "login:    admin\npassword: " + password + "\ntoken:    " + token->secret + "\n";
  {
    std::ofstream out(credentials_path, std::ios::trunc);
    out << text;
  }
  std::filesystem::permissions(
      credentials_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::printf("Demo administrator (also in %s):\n%s", credentials_path.c_str(), text.c_str());
  return kExitOk;
}

}  // namespace

// --fetch-images: the products' real pictures (their Open Food Facts image_url) fetched into
// the image cache through the guarded fetcher; a product whose picture came keeps it and
// loses its drawn packshot, the others keep the drawn one. Only asked for: the demo is
// offline otherwise.
int UseFetchedPictures(const CommandLine& command_line, Database& db) {
  std::printf("Fetching product pictures (--fetch-images) ...\n");
  std::fflush(stdout);
  SafeFetcher fetcher(ProductImageFetchOptions());
  auto cache = ImageCache::Open(
      command_line.ValueOr("image-cache-dir", DefaultImageCacheDir(db.local_base()).string()),
      fetcher, SystemClock::Instance());
  if (!cache.ok()) {
    std::fprintf(stderr, "vitrine demo: %s\n", cache.status().message().c_str());
    return kExitStore;
  }
  auto report = FetchProductImages(db.catalog(), **cache, 8, /*force=*/false);
  if (!report.ok()) {
    std::fprintf(stderr, "vitrine demo: %s\n", report.status().message().c_str());
    return kExitStore;
  }
  std::vector<Product> pictured;
  for (const std::string& id : report->cached) {
    auto product = db.catalog().GetProduct(id);
    if (!product.ok()) return kExitStore;
    if (!*product || !(*product)->attributes.contains("packshot")) continue;
    (*product)->attributes.erase("packshot");
    pictured.push_back(std::move(**product));
  }
  if (auto put = db.catalog().PutProducts(pictured, SystemClock::Instance().Now()); !put.ok()) {
    std::fprintf(stderr, "vitrine demo: %s\n", put.status().message().c_str());
    return kExitStore;
  }
  std::printf("  %zu of %lld products show their real picture; %zu keep a drawn packshot",
              pictured.size(), static_cast<long long>(report->products_with_image),
              report->failures.size());
  if (!report->failures.empty()) {
    std::printf(" (first failure: %s: %s)", report->failures.front().url.c_str(),
                report->failures.front().reason.c_str());
  }
  std::printf("\n");
  return kExitOk;
}

int RunDemo(const CommandLine& command_line) {
  if (!command_line.positional().empty()) {
    std::fprintf(stderr, "vitrine demo: takes no arguments (see vitrine demo --help)\n");
    return kExitUsage;
  }
  DemoOptions options;
  options.data_dir = command_line.ValueOr("data", VITRINE_DEFAULT_DATA_DIR);
  options.out_dir = command_line.Has("out") ? std::filesystem::path(*command_line.Value("out"))
                                            : DefaultOutDir(command_line) / "demo";
  options.packshots = !command_line.Has("no-packshots");
  auto stores = command_line.IntOr("stores", 50, 1, 390);
  if (!stores.ok()) {
    std::fprintf(stderr, "vitrine demo: %s\n", stores.status().message().c_str());
    return kExitUsage;
  }
  options.stores = static_cast<int>(*stores);
  options.now = SystemClock::Instance().Now();
  if (auto now = command_line.Value("now")) {
    auto parsed = ParseInstant(*now);
    if (!parsed.ok()) {
      std::fprintf(stderr, "vitrine demo: --now: %s\n", parsed.status().message().c_str());
      return kExitUsage;
    }
    options.now = *parsed;
  }

  auto catalog = OpenDatabaseOrReport(command_line);
  if (!catalog) return kExitStore;

  std::printf("Writing the demo retailer to %s ...\n", options.out_dir.c_str());
  std::fflush(stdout);
  auto files = WriteDemoRetailer(options);
  if (!files.ok()) {
    std::fprintf(stderr, "vitrine demo: %s\n", files.status().message().c_str());
    return files.status().code() == StatusCode::kNotFound ? kExitBadInput : kExitInternal;
  }
  std::printf(
      "  %d products (%d sample rows left out: bad barcode or no title), %d stores, "
      "%d price entries, %d stock levels, %d packshots\n",
      files->products, files->skipped_rows, files->stores, files->price_rows, files->stock_rows,
      files->packshots);

  // Stores and products first: prices and stock refer to them.
  const std::pair<ImportKind, std::filesystem::path> steps[] = {
      {ImportKind::kStores, files->stores_csv},
      {ImportKind::kProducts, files->products_csv},
      {ImportKind::kPrices, files->prices_csv},
      {ImportKind::kStock, files->stock_csv},
  };
  int worst = kExitOk;
  for (const auto& [kind, path] : steps) {
    ImportOptions import_options;
    import_options.batch_size = 10000;
    const int code =
        RunImportAndReport(catalog->catalog(), kind, path.string(), import_options, false);
    if (code > worst) worst = code;
  }
  if (worst != kExitOk) return worst;
  if (command_line.Has("fetch-images")) {
    if (int code = UseFetchedPictures(command_line, *catalog); code != kExitOk) return code;
  }
  std::printf("Campaigns:\n");
  if (Status st = SeedDemoCampaigns(*catalog, options.now, stdout); !st.ok()) {
    std::fprintf(stderr, "vitrine demo: campaigns: %s\n", st.message().c_str());
    return kExitStore;
  }
  // The demo wrote everything: one full assembly rather than one pass per kind of change.
  if (auto all = catalog->changes().AppendChange(ChangeKind::kAll, {}); !all.ok()) {
    std::fprintf(stderr, "vitrine demo: %s\n", all.status().message().c_str());
    return kExitStore;
  }
  ManualClock clock(options.now);
  if (int code = PublishPendingChanges(*catalog, clock, "vitrine demo", stdout); code != kExitOk) {
    return code;
  }
  return CreateDemoAdmin(*catalog, options.out_dir.parent_path() / "demo-credentials.txt");
}

int RunSummary(const CommandLine& command_line) {
  auto catalog = OpenDatabaseOrReport(command_line);
  if (!catalog) return kExitStore;
  auto counts = catalog->catalog().Counts();
  auto zones = catalog->catalog().ListPriceZones();
  auto stores = catalog->catalog().ListAllStores();
  ProductQuery query;
  query.limit = 5;
  auto products = catalog->catalog().ListProducts(query);
  for (const Status* s :
       {&counts.status(), &zones.status(), &stores.status(), &products.status()}) {
    if (!s->ok()) {
      std::fprintf(stderr, "vitrine summary: %s\n", s->message().c_str());
      return kExitStore;
    }
  }
  std::map<std::string, int> stores_by_zone;
  for (const Store& store : *stores) ++stores_by_zone[store.price_zone];
  const Instant now = SystemClock::Instance().Now();

  nlohmann::json sample = nlohmann::json::array();
  for (const Product& product : products->items) {
    nlohmann::json item = {{"id", product.id}, {"title", product.title}, {"brand", product.brand}};
    auto history = catalog->catalog().ListPriceHistory(product.id);
    if (history.ok() && !stores->empty()) {
      if (auto price = PriceAt(*history, stores->front(), now)) {
        item["price_in_" + stores->front().id] = price->amount.ToFrenchDisplay();
      }
    }
    sample.push_back(item);
  }
  const nlohmann::json summary = {
      {"products", counts->products},
      {"stores", counts->stores},
      {"price_zones", counts->price_zones},
      {"price_entries", counts->price_entries},
      {"stock_levels", counts->stock_levels},
      {"stores_by_zone", stores_by_zone},
      {"sample_products", sample},
  };
  if (command_line.Has("json")) {
    std::printf("%s\n", summary.dump(2).c_str());
    return kExitOk;
  }
  std::printf(
      "Catalogue: %lld products, %lld stores in %lld price zones, %lld price entries, "
      "%lld stock levels\n",
      static_cast<long long>(counts->products), static_cast<long long>(counts->stores),
      static_cast<long long>(counts->price_zones), static_cast<long long>(counts->price_entries),
      static_cast<long long>(counts->stock_levels));
  for (const auto& [zone, n] : stores_by_zone) {
    std::printf("  zone %-10s %d stores\n", zone.c_str(), n);
  }
  for (const auto& item : sample) {
    std::printf("  %s  %s (%s)", item["id"].get<std::string>().c_str(),
                item["title"].get<std::string>().c_str(), item["brand"].get<std::string>().c_str());
    for (const auto& [key, value] : item.items()) {
      if (key.starts_with("price_in_")) {
        std::printf("  %s in %s", value.get<std::string>().c_str(), key.substr(9).c_str());
      }
    }
    std::printf("\n");
  }
  return kExitOk;
}

}  // namespace vitrine
