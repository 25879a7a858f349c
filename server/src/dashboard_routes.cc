// GET /api/v1/dashboard: the figures the web UI's home page polls every few seconds.
//
// Nothing here visits the published offers: their counts come from the aggregate the offer
// writes keep (OfferRepository::ReadOfferFigures), the feeds from what GET /api/v1/feeds
// shows, the change rate from the recorded assembly runs. The ETag is made of what the
// answer depends on — the offers' seq, the assembly runs, the change log (campaigns and
// catalogue), the feed list and the current minute (the last-hour windows slide with it) —
// all read before the body, so a matching If-None-Match is a 304 without the body's work.
#include <algorithm>
#include <map>
#include <mutex>

#include "api_routes.h"
#include "api_support.h"
#include "server/credentials.h"

namespace vitrine::api {
namespace {

constexpr int kWindowMinutes = 60;
constexpr size_t kMaxStores = 50;
// A campaign's findings are kept until the campaign changes; after catalogue changes (prices
// move reference prices and caps) they are recomputed at most this often, so a burst of
// imports does not re-run every campaign's checks on every poll.
constexpr auto kFindingsRefresh = std::chrono::seconds(60);

class DashboardRoutes {
 public:
  DashboardRoutes(const ApiServices& services, std::shared_ptr<StoreDirectory> stores)
      : s_(services), stores_(std::move(stores)) {}

  HttpResponse Get(const HttpRequest& request) const {
    const Instant now = s_.clock->Now();
    const int64_t minute = ToUnixSeconds(now) / 60;
    auto seq = s_.offers->LastSeq();
    if (!seq.ok()) return StoreFailure(seq.status());
    auto runs = s_.offers->AssemblyRunCount();
    if (!runs.ok()) return StoreFailure(runs.status());
    auto change_id = s_.changes->LastChangeId();
    if (!change_id.ok()) return StoreFailure(change_id.status());
    nlohmann::json feeds = nlohmann::json::array();
    if (s_.feeds && s_.feed_pulls) {
      auto latest = s_.feed_pulls->LatestPulls();
      if (!latest.ok()) return StoreFailure(latest.status());
      feeds = FeedsJson(*s_.feeds, *latest);
    }
    const std::string etag = "\"" + std::to_string(*seq) + "-" + std::to_string(*runs) + "-" +
                             std::to_string(*change_id) + "-" + std::to_string(minute) + "-" +
                             Sha256Hex(feeds.dump()).substr(0, 16) + "\"";
    if (NoneMatchHits(request, etag)) {
      HttpResponse not_modified = HttpResponse::Text(304, "");
      not_modified.headers.Set("ETag", etag);
      not_modified.headers.Set("Cache-Control", "no-cache");
      return not_modified;
    }

    const Instant window_start = FromUnixSeconds((minute - (kWindowMinutes - 1)) * 60);
    auto figures = s_.offers->ReadOfferFigures(window_start);
    if (!figures.ok()) return StoreFailure(figures.status());
    auto stores = stores_->All();
    if (!stores.ok()) return StoreFailure(stores.status());
    std::map<std::string_view, const Store*> store_of;
    for (const Store& store : (*stores)->stores) store_of.emplace(store.id, &store);
    std::vector<Campaign> campaigns;
    CampaignQuery query;
    query.limit = 1000;
    for (;;) {
      auto page = s_.campaigns->ListCampaigns(query);
      if (!page.ok()) return StoreFailure(page.status());
      for (Campaign& c : page->items) campaigns.push_back(std::move(c));
      if (page->next_after.empty()) break;
      query.after = page->next_after;
    }
    auto campaign_part = CampaignsJson(campaigns, now, *change_id);
    if (!campaign_part.ok()) return StoreFailure(campaign_part.status());

    nlohmann::json body = {
        {"as_of", FormatUtc(now)},
        {"offers", OffersJson(*figures, campaigns, store_of)},
        {"availability", AvailabilityJson(*figures, store_of)},
        {"feeds", std::move(feeds)},
        {"campaigns", std::move(campaign_part).value()},
        {"changes", ChangesJson(*figures, *seq, minute)},
        {"assembly",
         {{"last_run_at",
           figures->last_run ? nlohmann::json(FormatUtc(figures->last_run->at)) : nlohmann::json()},
          {"duration_ms", figures->last_run ? figures->last_run->duration.count() : 0},
          {"offers_written", figures->last_run ? figures->last_run->offers_written : 0}}}};
    HttpResponse response = HttpResponse::Json(200, body);
    response.headers.Set("ETag", etag);
    response.headers.Set("Cache-Control", "no-cache");
    return response;
  }

 private:
  struct KeptFindings {
    int version = 0;
    std::optional<int> revision_version;
    int64_t change_id = 0;
    std::chrono::steady_clock::time_point computed_at;
    int blocking = 0;
    int warnings = 0;
  };

  static nlohmann::json OffersJson(const OfferFigures& figures,
                                   const std::vector<Campaign>& campaigns,
                                   const std::map<std::string_view, const Store*>& store_of) {
    int64_t published = 0;
    std::map<std::string, int64_t> by_channel, by_campaign, by_zone;
    for (const OfferCount& c : figures.counts) {
      published += c.offers;
      for (const std::string& channel : c.channels) by_channel[channel] += c.offers;
      by_campaign[c.campaign_id] += c.offers;
      auto store = store_of.find(c.store_id);
      by_zone[store == store_of.end() ? std::string() : store->second->price_zone] += c.offers;
    }
    std::map<std::string_view, std::string_view> name_of;
    for (const Campaign& c : campaigns) name_of.emplace(c.id, c.name);
    nlohmann::json channels = nlohmann::json::array(), campaign_list = nlohmann::json::array(),
                   zones = nlohmann::json::array();
    for (const auto& [channel, offers] : by_channel) {
      channels.push_back({{"channel", channel}, {"offers", offers}});
    }
    for (const auto& [id, offers] : by_campaign) {
      auto name = name_of.find(id);
      campaign_list.push_back({{"campaign_id", id},
                               {"name", name == name_of.end() ? "" : std::string(name->second)},
                               {"offers", offers}});
    }
    for (const auto& [zone, offers] : by_zone) {
      zones.push_back({{"price_zone", zone}, {"offers", offers}});
    }
    int64_t last_hour = 0;
    for (const auto& [at, written] : figures.written_per_minute) last_hour += written;
    return {{"published", published},
            {"changed_last_hour", last_hour},
            {"by_channel", std::move(channels)},
            {"by_campaign", std::move(campaign_list)},
            {"by_zone", std::move(zones)}};
  }

  static nlohmann::json AvailabilityJson(const OfferFigures& figures,
                                         const std::map<std::string_view, const Store*>& store_of) {
    struct Short {
      int64_t out_of_stock = 0;
      int64_t limited = 0;
    };
    std::map<std::string_view, Short> by_store;
    Short total;
    for (const OfferCount& c : figures.counts) {
      if (c.availability == Availability::kInStock) continue;
      Short& s = by_store[c.store_id];
      (c.availability == Availability::kOutOfStock ? s.out_of_stock : s.limited) += c.offers;
      (c.availability == Availability::kOutOfStock ? total.out_of_stock : total.limited) +=
          c.offers;
    }
    std::vector<std::pair<std::string_view, Short>> worst(by_store.begin(), by_store.end());
    // The most out of stock first, then the most limited, then by store id (the map's order).
    std::stable_sort(worst.begin(), worst.end(), [](const auto& a, const auto& b) {
      if (a.second.out_of_stock != b.second.out_of_stock) {
        return a.second.out_of_stock > b.second.out_of_stock;
      }
      return a.second.limited > b.second.limited;
    });
    nlohmann::json stores = nlohmann::json::array();
    for (size_t i = 0; i < worst.size() && i < kMaxStores; ++i) {
      auto store = store_of.find(worst[i].first);
      stores.push_back({{"store_id", worst[i].first},
                        {"name", store == store_of.end() ? std::string() : store->second->name},
                        {"out_of_stock", worst[i].second.out_of_stock},
                        {"limited", worst[i].second.limited}});
    }
    return {{"out_of_stock", total.out_of_stock},
            {"limited", total.limited},
            {"stores_affected", static_cast<int64_t>(worst.size())},
            {"stores", std::move(stores)}};
  }

  static nlohmann::json ChangesJson(const OfferFigures& figures, int64_t last_seq, int64_t minute) {
    std::map<int64_t, int64_t> written;
    for (const auto& [at, count] : figures.written_per_minute) {
      written[ToUnixSeconds(at) / 60] += count;
    }
    nlohmann::json per_minute = nlohmann::json::array();
    for (int64_t m = minute - (kWindowMinutes - 1); m <= minute; ++m) {
      auto it = written.find(m);
      per_minute.push_back({{"minute", FormatUtc(FromUnixSeconds(m * 60))},
                            {"changes", it == written.end() ? 0 : it->second}});
    }
    return {{"last_seq", last_seq}, {"per_minute", std::move(per_minute)}};
  }

  // Campaigns awaiting approval (submitted, or an approved one's submitted revision) and
  // the findings of every campaign not archived nor ended.
  Result<nlohmann::json> CampaignsJson(const std::vector<Campaign>& campaigns, Instant now,
                                       int64_t change_id) const {
    int awaiting = 0;
    nlohmann::json findings = nlohmann::json::array();
    for (const Campaign& c : campaigns) {
      const CampaignStatus status = EffectiveStatus(c, now);
      if (status == CampaignStatus::kArchived || status == CampaignStatus::kEnded) continue;
      std::optional<int> revision_version;
      if (c.status == CampaignStatus::kApproved) {
        auto revision = s_.campaigns->GetRevision(c.id);
        if (!revision.ok()) return revision.status();
        if (*revision) {
          revision_version = (*revision)->campaign.version;
          if ((*revision)->campaign.status == CampaignStatus::kSubmitted) ++awaiting;
        }
      }
      if (c.status == CampaignStatus::kSubmitted) ++awaiting;
      auto kept = FindingsOf(c, revision_version, change_id);
      if (!kept.ok()) return kept.status();
      findings.push_back({{"campaign_id", c.id},
                          {"name", c.name},
                          {"status", CampaignStatusName(status)},
                          {"blocking", kept->blocking},
                          {"warnings", kept->warnings}});
    }
    return nlohmann::json{{"awaiting_approval", awaiting}, {"findings", std::move(findings)}};
  }

  // The campaign's counts of findings, from the last computation while it still holds.
  Result<KeptFindings> FindingsOf(const Campaign& campaign, std::optional<int> revision_version,
                                  int64_t change_id) const {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = findings_.find(campaign.id);
      if (it != findings_.end() && it->second.version == campaign.version &&
          it->second.revision_version == revision_version &&
          (it->second.change_id == change_id || now < it->second.computed_at + kFindingsRefresh)) {
        return it->second;
      }
    }
    auto checks = s_.workflow->Checks(campaign);
    if (!checks.ok()) return checks.status();
    KeptFindings kept{campaign.version, revision_version, change_id, now,
                      checks->blocking, checks->warnings};
    std::lock_guard<std::mutex> lock(mu_);
    findings_[campaign.id] = kept;
    return kept;
  }

  const ApiServices& s_;
  std::shared_ptr<StoreDirectory> stores_;
  mutable std::mutex mu_;
  mutable std::map<std::string, KeptFindings> findings_;  // by campaign id
};

}  // namespace

Status AddDashboardRoutes(HttpServer& server, const ApiServices& services,
                          std::shared_ptr<StoreDirectory> stores) {
  auto routes = std::make_shared<DashboardRoutes>(services, std::move(stores));
  std::vector<Route> table = {{"GET",
                               "/api/v1/dashboard",
                               Role::kViewer,
                               false,
                               {},
                               "",
                               Handler(routes, &DashboardRoutes::Get),
                               {}}};
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api
