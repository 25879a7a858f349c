// `vitrine import` and the report printing shared with `vitrine demo`.
#include <cstdio>
#include <iostream>

#include "app/change_follower.h"
#include "catalog/import.h"
#include "commands.h"
#include "common/bulk_memory.h"
#include "import_output.h"
#include "progress_bar.h"

namespace vitrine {
namespace {

// "ingredients=description,code=gtin" → {"ingredients": "description", "code": "gtin"}.
Result<std::map<std::string, std::string>> ParseColumnMap(const std::string& text) {
  std::map<std::string, std::string> aliases;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string pair =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      return Status::InvalidArgument("--map wants FROM=TO pairs, got \"" + pair + "\"");
    }
    aliases[pair.substr(0, eq)] = pair.substr(eq + 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return aliases;
}

}  // namespace

int RunImport(const CommandLine& command_line) {
  const auto& args = command_line.positional();
  if (args.size() != 2) {
    std::fprintf(stderr, "vitrine import: expected KIND FILE (see vitrine import --help)\n");
    return kExitUsage;
  }
  const auto kind = ParseImportKind(args[0]);
  if (!kind) {
    std::fprintf(stderr,
                 "vitrine import: unknown kind \"%s\"; expected products, stores, prices or "
                 "stock\n",
                 args[0].c_str());
    return kExitUsage;
  }
  ImportOptions options;
  options.strict = command_line.Has("strict");
  const auto format = ParseImportFormat(command_line.ValueOr("format", "auto"));
  if (!format) {
    std::fprintf(stderr, "vitrine import: --format must be auto, csv, json or ndjson\n");
    return kExitUsage;
  }
  options.format = *format;
  if (auto delimiter = command_line.Value("delimiter")) {
    if (*delimiter == "tab" || *delimiter == "\\t") {
      options.csv_delimiter = '\t';
    } else if (*delimiter == "," || *delimiter == ";" || *delimiter == "|") {
      options.csv_delimiter = (*delimiter)[0];
    } else {
      std::fprintf(stderr, "vitrine import: --delimiter must be ',', ';', '|' or tab\n");
      return kExitUsage;
    }
  }
  // Stock rows are small and land all over the stock B-tree (keyed by product, while files
  // list a store's rows): each batch rewrites most pages of the table, so fewer, larger
  // batches write far less: a million rows took 16 s of CPU in batches of 5,000 and 4 s in
  // batches of 200,000 (150 MiB peak). Other files mostly follow their table's key order,
  // and their rows are larger.
  const int64_t default_batch = *kind == ImportKind::kStock ? 200'000 : 10'000;
  auto batch = command_line.IntOr("batch-size", default_batch, 1, 1'000'000);
  if (!batch.ok()) {
    std::fprintf(stderr, "vitrine import: %s\n", batch.status().message().c_str());
    return kExitUsage;
  }
  options.batch_size = static_cast<size_t>(*batch);
  if (auto currency = command_line.Value("currency")) {
    auto parsed = Currency::Parse(*currency);
    if (!parsed.ok()) {
      std::fprintf(stderr, "vitrine import: %s\n", parsed.status().message().c_str());
      return kExitUsage;
    }
    options.default_currency = *parsed;
  }
  if (auto map = command_line.Value("map")) {
    auto aliases = ParseColumnMap(*map);
    if (!aliases.ok()) {
      std::fprintf(stderr, "vitrine import: %s\n", aliases.status().message().c_str());
      return kExitUsage;
    }
    options.column_aliases = std::move(aliases).value();
  }

  // A file's rows are read and written by the next few hundred MiB of heap at most.
  PrepareHeapForBulkWork(64 << 20);
  auto db = OpenDatabaseOrReport(command_line);
  if (!db) return kExitStore;
  const bool json = command_line.Has("json");
  const std::string& file = args[1];
  const int code = RunImportAndReport(db->catalog(), *kind, file, options, json);
  if (code != kExitOk && code != kExitRowsRejected) return code;
  // What landed is in the change log: publish it now, unless a running server does.
  const int published =
      PublishPendingChanges(*db, SystemClock::Instance(), "vitrine import", json ? stderr : stdout);
  return published == kExitOk ? code : published;
}

int PublishPendingChanges(Database& db, const Clock& clock, const char* verb, std::FILE* out) {
  ChangeFollowerOptions options;
  options.assembly.clock = &clock;
  ChangeFollower follower(db.catalog(), db.campaigns(), db.offers(), db.changes(), options);
  auto applied = follower.RunOnce();
  if (!applied.ok()) {
    std::fprintf(stderr, "%s: publishing the offers: %s\n", verb,
                 applied.status().message().c_str());
    return kExitStore;
  }
  if (!applied->has_value()) {
    auto holder = db.changes().LeaseHolder(kAssemblyLease, clock.Now());
    std::fprintf(out, "  published offers: left to the running server %s, which applies them\n",
                 holder.ok() ? holder->c_str() : "");
    return kExitOk;
  }
  const ApplyReport& report = **applied;
  std::fprintf(
      out,
      "  published offers: %lld inserted, %lld updated, %lld unchanged, %lld withdrawn (%lld ms)\n",
      static_cast<long long>(report.assembly.inserted),
      static_cast<long long>(report.assembly.updated),
      static_cast<long long>(report.assembly.unchanged),
      static_cast<long long>(report.assembly.deleted),
      static_cast<long long>(report.assembly.elapsed.count()));
  return kExitOk;
}

int RunImportAndReport(CatalogRepository& catalog, ImportKind kind, const std::string& file,
                       ImportOptions options, bool json) {
  ProgressBar bar("importing " + std::string(ImportKindName(kind)));
  if (!json && bar.enabled()) {
    options.progress = [&bar](uint64_t done, uint64_t total) { bar.Update(done, total); };
  }
  Result<ImportReport> report = file == "-" ? Import(catalog, kind, std::cin, options)
                                            : ImportFile(catalog, kind, file, options);
  bar.Finish();
  if (!report.ok()) {
    std::fprintf(stderr, "vitrine import %s: %s\n", std::string(ImportKindName(kind)).c_str(),
                 report.status().message().c_str());
    const StatusCode code = report.status().code();
    return code == StatusCode::kNotFound || code == StatusCode::kInvalidArgument ? kExitBadInput
                                                                                 : kExitStore;
  }
  if (json) {
    std::printf("%s\n", report->ToJson().dump(2).c_str());
  } else {
    PrintImportReport(*report, file, stdout);
  }
  if (!report->committed) return kExitBadInput;
  return report->rejected > 0 ? kExitRowsRejected : kExitOk;
}

}  // namespace vitrine
