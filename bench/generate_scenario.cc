// vitrine-scenario: writes the benchmark retailer (bench/scenario.h) as CSV import files.
//
// Exit codes: 0 written, 1 a file could not be written, 2 bad command line.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "bench/scenario.h"

namespace {

constexpr const char* kUsage =
    "Usage: vitrine-scenario --out DIR [options]\n"
    "\n"
    "Writes a synthetic national chain as CSV import files into DIR: products.csv,\n"
    "stores.csv, prices.csv (national and zone prices, 90-day history), stock.csv and\n"
    "promoted.csv (the ids of the products a benchmark campaign promotes).\n"
    "The same options always give the same bytes.\n"
    "\n"
    "Options:\n"
    "  --out DIR          output folder, created if missing (required)\n"
    "  --products N       number of products (default 50000)\n"
    "  --stores S         number of stores (default 1000)\n"
    "  --zones Z          number of price zones (default 20)\n"
    "  --promoted P       number of promoted products (default 2000)\n"
    "  --stock-rows K     number of product x store stock rows (default 1000000)\n"
    "  --seed X           seed of every generated value (default 20261124)\n"
    "  --help             show this help\n";

template <typename T>
bool ParseNumber(std::string_view text, T* value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size();
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "vitrine-scenario: %s\nTry 'vitrine-scenario --help'.\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  vitrine::ScenarioOptions options;
  bool have_out = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) return UsageError("missing value after " + std::string(arg));
    const std::string_view value = argv[++i];
    bool ok = true;
    if (arg == "--out") {
      options.out_dir = std::string(value);
      have_out = !value.empty();
    } else if (arg == "--products") {
      ok = ParseNumber(value, &options.products);
    } else if (arg == "--stores") {
      ok = ParseNumber(value, &options.stores);
    } else if (arg == "--zones") {
      ok = ParseNumber(value, &options.zones);
    } else if (arg == "--promoted") {
      ok = ParseNumber(value, &options.promoted);
    } else if (arg == "--stock-rows") {
      ok = ParseNumber(value, &options.stock_rows);
    } else if (arg == "--seed") {
      ok = ParseNumber(value, &options.seed);
    } else {
      return UsageError("unknown option " + std::string(arg));
    }
    if (!ok) return UsageError("not a number for " + std::string(arg) + ": " + std::string(value));
  }
  if (!have_out) return UsageError("--out DIR is required");

  const auto start = std::chrono::steady_clock::now();
  vitrine::Result<vitrine::ScenarioFiles> files = vitrine::WriteScenario(options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!files.ok()) {
    std::fprintf(stderr, "vitrine-scenario: %s\n", files.status().ToString().c_str());
    return files.status().code() == vitrine::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::printf("%-40s %12s\n", "file", "rows");
  const auto line = [](const std::filesystem::path& path, int64_t rows) {
    std::printf("%-40s %12lld\n", path.string().c_str(), static_cast<long long>(rows));
  };
  line(files->products_csv, files->products);
  line(files->stores_csv, files->stores);
  line(files->prices_csv, files->price_rows);
  line(files->stock_csv, files->stock_rows);
  line(files->promoted_csv, files->promoted);
  std::printf("written in %.2f s (seed %llu)\n", seconds,
              static_cast<unsigned long long>(options.seed));
  return 0;
}
