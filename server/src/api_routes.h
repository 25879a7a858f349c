// Registration of each group of API routes. Private to server/; see server/api.h.
#pragma once

#include <memory>

#include "server/api.h"
#include "store_directory.h"

namespace vitrine::api {

Status AddCatalogRoutes(HttpServer& server, const ApiServices& services,
                        std::shared_ptr<StoreDirectory> stores);
Status AddAccountRoutes(HttpServer& server, const ApiServices& services);
Status AddOversightRoutes(HttpServer& server, const ApiServices& services,
                          std::shared_ptr<StoreDirectory> stores);
Status AddCampaignRoutes(HttpServer& server, const ApiServices& services);
Status AddOfferRoutes(HttpServer& server, const ApiServices& services,
                      std::shared_ptr<StoreDirectory> stores);
// GET /api/v1/dashboard; services.campaigns and services.offers must be set.
Status AddDashboardRoutes(HttpServer& server, const ApiServices& services,
                          std::shared_ptr<StoreDirectory> stores);
// The feed routes; services.feeds must be set.
Status AddFeedRoutes(HttpServer& server, const ApiServices& services);
// The name a feed (or one of its store=/campaign= variants) has in the pull log and the feed
// list: its URL under /feeds/, "google/products.xml?store=S001".
std::string FeedName(const FeedKey& key);
// The feed list of GET /api/v1/feeds (and the dashboard): every format's current full
// snapshot, never generating one, with the newest pull of each platform from `latest`.
nlohmann::json FeedsJson(const FeedSnapshots& feeds, const std::vector<FeedPull>& latest);
// The format, template, creative and campaign render routes; services.creatives must be set.
Status AddCreativeRoutes(HttpServer& server, const ApiServices& services);

}  // namespace vitrine::api
