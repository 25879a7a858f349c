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
// The feed routes; services.feeds must be set.
Status AddFeedRoutes(HttpServer& server, const ApiServices& services);
// The format, template, creative and campaign render routes; services.creatives must be set.
Status AddCreativeRoutes(HttpServer& server, const ApiServices& services);

}  // namespace vitrine::api
