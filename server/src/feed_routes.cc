// Feeds: the seven formats of ARCHITECTURE.md §3 served from their snapshot files (the
// facade sends them from shared in-memory copies), a strong ETag, If-None-Match → 304 and
// the gzip twin when the client accepts it.
// Platform tokens pull only the feeds of their own channel; every pull is counted per
// platform and feed.
#include <algorithm>
#include <ctime>

#include "api_routes.h"
#include "api_support.h"
#include "catalog/field_error.h"
#include "common/text.h"

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

// If-None-Match holds `etag` (weak comparison, as RFC 9110 asks for this header) or "*".
bool NoneMatchHits(const HttpRequest& request, std::string_view etag) {
  for (std::string_view header : request.headers.GetAll("If-None-Match")) {
    while (!header.empty()) {
      const size_t comma = header.find(',');
      std::string_view tag = TrimAscii(header.substr(0, comma));
      header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
      if (tag.starts_with("W/")) tag.remove_prefix(2);
      if (tag == "*" || tag == etag) return true;
    }
  }
  return false;
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
    HttpResponse response;
    if (NoneMatchHits(request, etag)) {
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

 private:
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
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api
