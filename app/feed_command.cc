// `vitrine feed FORMAT [--store S] [--campaign C] [-o FILE]`: writes one feed from the
// database, the same bytes the server's snapshot of it holds.
#include <cstdio>
#include <filesystem>
#include <string>

#include "commands.h"
#include "feeds/feed.h"
#include "progress_bar.h"

namespace vitrine {

int RunFeed(const CommandLine& command_line) {
  // -o FILE is read from the positional words: the flag parser knows only --long flags.
  std::vector<std::string> words = command_line.positional();
  std::optional<std::string> output = command_line.Value("output");
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "-o") {
      if (i + 1 == words.size()) {
        std::fprintf(stderr, "vitrine feed: -o needs a file name\n");
        return kExitUsage;
      }
      output = words[i + 1];
      words.erase(words.begin() + static_cast<long>(i), words.begin() + static_cast<long>(i) + 2);
      break;
    }
  }
  if (words.size() != 1) {
    std::fprintf(stderr, "vitrine feed: expected one FORMAT (see vitrine feed --help)\n");
    return kExitUsage;
  }
  const std::optional<FeedFormat> format = ParseFeedFormat(words[0]);
  if (!format) {
    std::string names;
    for (const FeedFormatInfo& info : AllFeedFormats()) {
      names += (names.empty() ? "" : ", ") + std::string(info.name);
    }
    std::fprintf(stderr, "vitrine feed: unknown format \"%s\"; one of %s\n", words[0].c_str(),
                 names.c_str());
    return kExitUsage;
  }
  FeedRequest request;
  request.format = *format;
  request.store_id = command_line.ValueOr("store", "");
  request.campaign_id = command_line.ValueOr("campaign", "");
  request.channel = command_line.ValueOr("channel", "");
  request.now = SystemClock::Instance().Now();
  if (auto now = command_line.Value("now")) {
    auto parsed = ParseInstant(*now);
    if (!parsed.ok()) {
      std::fprintf(stderr, "vitrine feed: --now: %s\n", parsed.status().message().c_str());
      return kExitUsage;
    }
    request.now = *parsed;
  }
  FeedSettings settings;
  if (auto url = command_line.Value("public-url")) settings.hub_url = *url;
  if (auto link = command_line.Value("link-template")) settings.product_link_template = *link;

  auto db = OpenDatabaseOrReport(command_line);
  if (!db) return kExitStore;

  std::unique_ptr<FeedSink> sink;
  // A file is written under a temporary name and renamed over FILE once complete and synced,
  // so a failed or killed run leaves the previous feed whole for whoever serves it.
  const bool to_file = output && *output != "-";
  const std::string partial = to_file ? *output + ".tmp" : std::string();
  auto discard = [&] {
    std::error_code ec;
    if (to_file) std::filesystem::remove(partial, ec);
  };
  if (to_file) {
    auto file = FeedSink::ToFile(partial);
    if (!file.ok()) {
      std::fprintf(stderr, "vitrine feed: %s\n", file.status().message().c_str());
      return kExitBadInput;
    }
    sink = std::move(file).value();
  } else {
    sink = FeedSink::ToStream(stdout);
  }
  ProgressBar bar(std::string(InfoOf(*format).name));
  FeedSink* raw = sink.get();
  const FeedSources sources{&db->catalog(), &db->campaigns(), &db->offers()};
  auto stats = WriteFeed(request, sources, settings, *sink,
                         [&](int64_t) { bar.Update(static_cast<uint64_t>(raw->bytes()), 0); });
  bar.Finish();
  Status finished = sink->Finish(/*sync=*/to_file);
  if (to_file && (!stats.ok() || !finished.ok())) discard();
  if (to_file && stats.ok() && finished.ok()) {
    std::error_code ec;
    std::filesystem::rename(partial, *output, ec);
    if (ec) {
      discard();
      finished = Status::IoError("cannot rename " + partial + " to " + *output + ": " +
                                 ec.message() + "; " + *output + " is unchanged");
    }
  }
  if (!stats.ok()) {
    std::fprintf(stderr, "vitrine feed: %s\n", stats.status().message().c_str());
    switch (stats.status().code()) {
      case StatusCode::kNotFound:
      case StatusCode::kInvalidArgument:
        return kExitBadInput;
      default:
        return kExitStore;
    }
  }
  if (!finished.ok()) {
    std::fprintf(stderr, "vitrine feed: %s\n", finished.message().c_str());
    return kExitBadInput;
  }
  std::fprintf(stderr, "vitrine feed: %s: %lld items, %lld bytes",
               std::string(InfoOf(*format).name).c_str(), static_cast<long long>(stats->items),
               static_cast<long long>(raw->bytes()));
  if (stats->skipped > 0) {
    std::fprintf(stderr, ", %lld left out (", static_cast<long long>(stats->skipped));
    bool first = true;
    for (const auto& [reason, count] : stats->skipped_by_reason) {
      std::fprintf(stderr, "%s%s: %lld", first ? "" : ", ", reason.c_str(),
                   static_cast<long long>(count));
      first = false;
    }
    std::fprintf(stderr, ")");
  }
  std::fprintf(stderr, "\n");
  return kExitOk;
}

}  // namespace vitrine
