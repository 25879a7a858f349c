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
// /api/v1/destinations and /api/v1/sources; services.outbound and its hooks must be set.
Status AddOutboundRoutes(HttpServer& server, const ApiServices& services);
// The feed routes; services.feeds must be set.
Status AddFeedRoutes(HttpServer& server, const ApiServices& services);
// The feed list of GET /api/v1/feeds (and the dashboard): every format's current full
// snapshot, never generating one, with the newest pull of each platform from `latest`.
nlohmann::json FeedsJson(const FeedSnapshots& feeds, const std::vector<FeedPull>& latest);
// The format, template, creative and campaign render routes; services.creatives must be set.
Status AddCreativeRoutes(HttpServer& server, const ApiServices& services);
// The product facts and packshot a creative of `offer` prints (`product`: the offer's).
CreativeContent CreativeContentFor(const PublishedOffer& offer,
                                   const std::optional<Product>& product);
// Template errors as problem errors[], each naming its JSON path ("body" for a syntax error,
// with its line).
std::vector<FieldProblem> TemplateProblems(const std::vector<TemplateError>& errors);
// The template of a PUT (or preview) body for template `id`: parsed and validated, or a 400
// in `*problem` naming the line of a syntax error or the path of each error.
std::optional<CreativeTemplate> TemplateFromBody(const HttpRequest& request, const std::string& id,
                                                 std::optional<HttpResponse>* problem);
// The 422 of a template whose text cannot fit (Renderer::Check), each layer by path.
HttpResponse TemplateCheckFailed(const std::vector<TemplateError>& check);
// A creative that could not be drawn: 422 when the offer's own data cannot make it (a corrupt
// packshot, text that does not fit, over the byte limit), else the status's problem.
HttpResponse CreativeFailure(const Status& status);
// One `Warning: 199 - "..."` header per sentence.
void AddWarningHeaders(const std::vector<std::string>& warnings, HttpResponse* response);
// The previews of what is not published yet: a campaign's offers; with services.creatives,
// its creatives and a template being edited.
Status AddPreviewRoutes(HttpServer& server, const ApiServices& services);

}  // namespace vitrine::api
