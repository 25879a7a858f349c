// Feeds: the seven formats of ARCHITECTURE.md §3 served from their snapshot files (the
// facade sends them from shared in-memory copies), a strong ETag, If-None-Match → 304 and
// the gzip twin when the client accepts it.
// Platform tokens pull only the feeds of their own channel; every pull is counted per
// platform and feed, and recorded in the feed-pull log when there is one. The feed list and
// the pull log (/api/v1/feeds, /api/v1/feeds/pulls) read the snapshots as they are: they
// never generate one.
#include <algorithm>
#include <charconv>
#include <ctime>
#include <filesystem>

#include "api_routes.h"
#include "api_support.h"
#include "catalog/field_error.h"
#include "common/text.h"
#include "feeds/sample.h"

namespace vitrine::api {
namespace {

// "Tue, 24 Nov 2026 09:00:00 GMT" (RFC 9110 IMF-fixdate).
std::string HttpDate(Instant t) {
  const std::time_t seconds = ToUnixSeconds(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

class FeedRoutes {
 public:
  explicit FeedRoutes(const ApiServices& services) : s_(services) {}

  HttpResponse Serve(const HttpRequest& request) const {
    const std::optional<FeedFormat> format = ParseFeedFormat(request.route);
    if (!format) return HttpResponse::Problem(404, "Not found", "no such feed");
    const FeedFormatInfo& info = InfoOf(*format);
    FeedKey key{*format, std::string(request.Query("store").value_or("")),
                std::string(request.Query("campaign").value_or("")), ""};
    if (!key.store_id.empty() && !field_rules::IsValidId(key.store_id)) {
      return BadParameter("store", "is not a valid store id");
    }
    if (!key.campaign_id.empty() && !field_rules::IsValidId(key.campaign_id)) {
      return BadParameter("campaign", "is not a valid campaign id");
    }
    std::string platform = "backoffice";
    if (request.principal && request.principal->role == Role::kPlatform) {
      platform = request.principal->channel.value_or("");
      // The offers CSV holds every channel: a platform gets its own channel's rows.
      if (*format == FeedFormat::kOffersCsv) key.channel = platform;
      // As for offers of other channels (offer_routes.cc), another channel's feed does not
      // exist for a platform: 404.
      if (*format != FeedFormat::kOffersCsv && platform != info.channel) {
        return HttpResponse::Problem(404, "Not found",
                                     "this token reads the \"" + platform + "\" channel only; " +
                                         std::string(info.url_path) + " is the \"" +
                                         std::string(info.channel) + "\" channel's feed");
      }
    }
    auto snapshot = s_.feeds->Get(key);
    if (!snapshot.ok()) {
      return snapshot.status().code() == StatusCode::kNotFound
                 ? HttpResponse::Problem(404, "Not found", snapshot.status().message())
                 : StoreFailure(snapshot.status());
    }
    s_.feeds->CountPull(platform, *format);

    const bool gzip = AcceptsGzip(request);
    const std::string& etag = gzip ? snapshot->gzip_etag : snapshot->etag;
    const bool not_modified = NoneMatchHits(request, etag);
    if (s_.feed_pulls) Record(request, key, platform, *snapshot, gzip, not_modified);
    HttpResponse response;
    if (not_modified) {
      response = HttpResponse::Text(304, "");
    } else {
      response = HttpResponse::File(gzip ? snapshot->gzip_path : snapshot->path,
                                    std::string(info.content_type));
      if (gzip) response.headers.Set("Content-Encoding", "gzip");
    }
    response.headers.Set("ETag", etag);
    response.headers.Set("Last-Modified", HttpDate(snapshot->modified));
    response.headers.Set("Vary", "Accept-Encoding");
    // Platforms poll: let caches keep the file but ask us (If-None-Match) every time.
    response.headers.Set("Cache-Control", "no-cache");
    return response;
  }

  // GET /api/v1/feeds: the seven feeds, their current snapshot and each platform's last pull.
  HttpResponse List(const HttpRequest&) const {
    auto latest = s_.feed_pulls->LatestPulls();
    if (!latest.ok()) return StoreFailure(latest.status());
    return HttpResponse::Json(200, {{"feeds", FeedsJson(*s_.feeds, *latest)}});
  }

  // GET /api/v1/feeds/{feed}/sample?limit=: the first items of the full feed's current
  // snapshot, field by field. Reads the snapshot as it is (never generates one) and is not
  // a pull: the log and the freshness figures are the platforms'.
  HttpResponse Sample(const HttpRequest& request) const {
    const std::string feed(request.PathParam("feed"));
    const std::optional<FeedFormat> format = ParseFeedFormat(feed);
    if (!format) {
      return HttpResponse::Problem(
          404, "Not found", "no feed \"" + feed + "\" (GET /api/v1/feeds lists them by name)");
    }
    int limit = 10;
    if (auto text = request.Query("limit")) {
      auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
      if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 100) {
        return BadParameter("limit", "must be a whole number from 1 to 100");
      }
    }
    const FeedKey key{*format, "", "", ""};
    // A newer snapshot may replace the file between Current() and the read: once more.
    for (int attempt = 0;; ++attempt) {
      const std::optional<FeedSnapshot> current = s_.feeds->Current(key);
      if (!current) {
        return HttpResponse::Problem(404, "Not found",
                                     "the feed has no snapshot yet: it is being generated");
      }
      auto items = ReadFeedSample(*format, current->path, limit);
      if (!items.ok() && items.status().code() == StatusCode::kNotFound && attempt == 0) continue;
      if (!items.ok()) return StoreFailure(items.status());
      nlohmann::json out = nlohmann::json::array();
      for (const FeedSampleItem& item : *items) {
        nlohmann::json fields = nlohmann::json::array();
        for (const FeedSampleField& f : item)
          fields.push_back({{"name", f.name}, {"value", f.value}});
        out.push_back({{"fields", std::move(fields)}});
      }
      return HttpResponse::Json(200, {{"feed", FeedName(key)},
                                      {"generated_at", FormatUtc(current->generated_at)},
                                      {"etag", current->etag},
                                      {"items_in_feed", current->stats.items},
                                      {"items", std::move(out)}});
    }
  }

  // GET /api/v1/feeds/pulls: the log, newest first.
  HttpResponse Pulls(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    FeedPullQuery query;
    query.feed = request.Query("feed").value_or("");
    query.platform = request.Query("platform").value_or("");
    if (query.feed.size() > 300) return BadParameter("feed", "is longer than 300 bytes");
    if (query.platform.size() > 100) return BadParameter("platform", "is longer than 100 bytes");
    const std::string before = CursorKey(request, "feed-pulls", &problem);
    if (!problem && !before.empty()) {
      auto [end, ec] =
          std::from_chars(before.data(), before.data() + before.size(), query.before_seq);
      if (ec != std::errc() || end != before.data() + before.size() || query.before_seq <= 0) {
        problem = BadParameter("cursor", "is not a cursor of this list");
      }
    }
    if (!problem) {
      if (auto limit = ParseLimit(request, &problem)) query.limit = *limit;
    }
    if (problem) return *problem;
    auto pulls = s_.feed_pulls->ListPulls(query);
    if (!pulls.ok()) return StoreFailure(pulls.status());
    nlohmann::json items = nlohmann::json::array();
    for (const FeedPull& p : *pulls) {
      items.push_back({{"at", FormatUtc(p.at)},
                       {"feed", p.feed},
                       {"platform", p.platform},
                       {"actor", p.actor},
                       {"status", p.status},
                       {"bytes", p.bytes},
                       {"etag", p.etag},
                       {"saw_latest", p.saw_latest}});
    }
    // A full page may have more behind it; the cursor is the oldest seq shown.
    const std::string next = static_cast<int>(pulls->size()) == query.limit
                                 ? std::to_string(pulls->back().seq)
                                 : std::string();
    return HttpResponse::Json(
        200, {{"pulls", std::move(items)},
              {"next_cursor", next.empty() ? nlohmann::json()
                                           : nlohmann::json(EncodeCursor("feed-pulls", next))}});
  }

 private:
  void Record(const HttpRequest& request, const FeedKey& key, const std::string& platform,
              const FeedSnapshot& snapshot, bool gzip, bool not_modified) const {
    FeedPull pull;
    pull.at = s_.clock->Now();
    pull.feed = FeedName(key);
    pull.platform = platform;
    pull.actor = Actor(request);
    pull.status = not_modified ? 304 : 200;
    if (!not_modified) {
      if (gzip) {
        std::error_code error;
        const auto size = std::filesystem::file_size(snapshot.gzip_path, error);
        pull.bytes = error ? 0 : static_cast<int64_t>(size);
      } else {
        pull.bytes = snapshot.bytes;
      }
    }
    pull.etag = snapshot.etag;
    pull.saw_latest = !snapshot.stale;
    // A platform gets its feed even when the log cannot be written: the failure shows in
    // vitrine_store_errors_total, not as a refused download.
    if (auto seq = s_.feed_pulls->RecordPull(pull); !seq.ok()) (void)StoreFailure(seq.status());
  }

  const ApiServices& s_;
};

// vitrine_feed_pulls_total{platform,feed}.
std::string RenderPulls(const FeedSnapshots& feeds) {
  std::string out =
      "# HELP vitrine_feed_pulls_total Feed downloads (200 and 304), by platform and feed.\n"
      "# TYPE vitrine_feed_pulls_total counter\n";
  for (const auto& [key, count] : feeds.Pulls()) {
    out += "vitrine_feed_pulls_total{platform=\"" + key.first + "\",feed=\"" + key.second + "\"} " +
           std::to_string(count) + "\n";
  }
  return out;
}

}  // namespace

nlohmann::json FeedsJson(const FeedSnapshots& feeds, const std::vector<FeedPull>& latest) {
  nlohmann::json out = nlohmann::json::array();
  for (const FeedFormatInfo& info : AllFeedFormats()) {
    const FeedKey full{info.format, "", "", ""};
    const std::string name = FeedName(full);
    const std::optional<FeedSnapshot> current = feeds.Current(full);
    nlohmann::json pulls = nlohmann::json::array();
    for (const FeedPull& p : latest) {
      if (p.feed != name) continue;
      // A platform's offers CSV holds its own channel's rows: its latest is that view's.
      std::optional<FeedSnapshot> seen = current;
      if (info.format == FeedFormat::kOffersCsv && p.platform != "backoffice") {
        seen = feeds.Current(FeedKey{info.format, "", "", p.platform});
      }
      pulls.push_back({{"platform", p.platform},
                       {"last_pull_at", FormatUtc(p.at)},
                       {"saw_latest", p.saw_latest && seen && seen->etag == p.etag}});
    }
    out.push_back(
        {{"feed", name},
         {"name", std::string(info.name)},
         {"path", std::string(info.url_path)},
         {"channel", info.channel.empty() ? nlohmann::json() : nlohmann::json(info.channel)},
         {"generated_at",
          current ? nlohmann::json(FormatUtc(current->generated_at)) : nlohmann::json()},
         {"items", current ? current->stats.items : 0},
         {"bytes", current ? current->bytes : 0},
         {"etag", current ? nlohmann::json(current->etag) : nlohmann::json()},
         {"pulls", std::move(pulls)}});
  }
  return out;
}

Status AddFeedRoutes(HttpServer& server, const ApiServices& services) {
  FeedSnapshots* feeds = services.feeds;
  server.metrics().AddCollector([feeds] { return RenderPulls(*feeds); });
  auto routes = std::make_shared<FeedRoutes>(services);
  std::vector<Route> table;
  for (const FeedFormatInfo& info : AllFeedFormats()) {
    table.push_back({"GET",
                     std::string(info.url_path),
                     Role::kViewer,
                     true,
                     {},
                     "",
                     Handler(routes, &FeedRoutes::Serve),
                     {"store", "campaign", "token"}});
  }
  if (services.feed_pulls) {
    table.push_back(
        {"GET", "/api/v1/feeds", Role::kViewer, false, {}, "", Handler(routes, &FeedRoutes::List)});
    table.push_back({"GET",
                     "/api/v1/feeds/pulls",
                     Role::kViewer,
                     false,
                     {},
                     "",
                     Handler(routes, &FeedRoutes::Pulls),
                     {"feed", "platform", "limit", "cursor"}});
  }
  table.push_back({"GET",
                   "/api/v1/feeds/{feed}/sample",
                   Role::kViewer,
                   false,
                   {},
                   "",
                   Handler(routes, &FeedRoutes::Sample),
                   {"limit"}});
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api
