// Previews of what is not published yet: the offers a campaign would publish in a store if
// it were approved now (a draft, a submitted campaign, an approved one's pending revision),
// their creatives, and a creative drawn with a template being edited.
//
// The offers come from assembly's own computation (Assembler::Preview through
// ApiServices::preview_campaign), so a preview shows the figures approval publishes. Nothing
// a preview draws goes to the creative cache: that cache is content-addressed and shared
// with the public /creatives/ URLs, which only serve published offers, so every edit of a
// draft would add creatives no shopper can fetch and push out published ones. A campaign's
// preview creative carries the cache key as its ETag instead (it names everything drawn),
// so a browser revalidates it for the price of one product's computation; an edited
// template has no version of its own yet, so its preview is never cached anywhere.
#include <algorithm>

#include "api_routes.h"
#include "api_support.h"
#include "catalog/field_error.h"
#include "templates/format.h"

namespace vitrine::api {
namespace {

using nlohmann::json;

constexpr std::string_view kOfferIdRule =
    "is not an offer id (PROMOTION~PRODUCT, or PROMOTION~PRODUCT~START for a later stretch)";

class PreviewRoutes {
 public:
  explicit PreviewRoutes(const ApiServices& services) : s_(services) {}

  // GET /api/v1/campaigns/{id}/preview?store=
  HttpResponse Offers(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    const auto store = StoreOf(request, &problem);
    const auto limit = ParseLimit(request, &problem);
    const std::string after = CursorKey(request, "campaign-preview", &problem);
    if (problem) return *problem;
    auto proposal = ProposalOf(std::string(request.PathParam("id")), &problem);
    if (!proposal) return *problem;
    auto offers = s_.preview_campaign(*proposal, *store, {});
    if (!offers.ok()) return Failure(offers.status());
    auto first = std::upper_bound(
        offers->begin(), offers->end(), after,
        [](const std::string& key, const PreviewOffer& o) { return key < o.offer.offer_id; });
    json items = json::array();
    std::string next;
    for (auto it = first; it != offers->end(); ++it) {
      if (static_cast<int>(items.size()) == *limit) {
        next = std::prev(it)->offer.offer_id;
        break;
      }
      items.push_back(ItemJson(*it));
    }
    json body = PageJson(std::move(items), "campaign-preview", next);
    body["campaign"] = ProposalJson(*proposal);
    body["store_id"] = *store;
    body["total"] = offers->size();
    return HttpResponse::Json(200, body);
  }

  // GET /api/v1/campaigns/{id}/preview/creatives/{offer_id}/{format}.png?store=
  HttpResponse Creative(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    const CreativeFormat* format = FormatOf(request.PathParam("format"), &problem);
    if (!format) return *problem;
    const std::string offer_id(request.PathParam("offer_id"));
    if (!IsOfferId(offer_id)) return BadParameter("offer_id", std::string(kOfferIdRule));
    const auto store = StoreOf(request, &problem);
    if (problem) return *problem;
    auto proposal = ProposalOf(std::string(request.PathParam("id")), &problem);
    if (!proposal) return *problem;
    auto offer = PreviewedOffer(*proposal, offer_id, *store, &problem);
    if (!offer) return *problem;
    auto content = ContentOf(*offer, &problem);
    if (!content) return *problem;
    // The theme as it will be approved: a revision's, when one is pending.
    std::vector<std::string> warnings;
    auto look = studio().ResolveLook(std::nullopt, &proposal->campaign.theme, *format,
                                     default_template(), &warnings);
    if (!look.ok()) return StoreFailure(look.status());
    auto prepared = studio().Prepare(*content, *look, *format, ImageEncoding::kPng);
    if (!prepared.ok()) return HttpResponse::FromStatus(prepared.status());
    const std::string& key = prepared->key;
    if (NoneMatchHits(request, "\"" + key + "\"")) {
      HttpResponse not_modified = HttpResponse::Text(304, "");
      not_modified.headers.Set("ETag", "\"" + key + "\"");
      not_modified.headers.Set("Cache-Control", "private, no-cache");
      return not_modified;
    }
    auto creative = studio().Render(*prepared);
    if (!creative.ok()) return CreativeFailure(creative.status());
    HttpResponse response =
        HttpResponse::Text(200, std::move(creative->bytes), creative->media_type);
    response.headers.Set("ETag", "\"" + key + "\"");
    response.headers.Set("Cache-Control", "private, no-cache");
    response.headers.Set("X-Creative-Template", look->template_id);
    for (std::string& w : creative->warnings) warnings.push_back(std::move(w));
    AddWarningHeaders(warnings, &response);
    return response;
  }

  // POST /api/v1/templates/{id}/preview?offer=&store=&format=[&campaign=]
  HttpResponse Template(const HttpRequest& request) const {
    const std::string id(request.PathParam("id"));
    std::optional<HttpResponse> problem;
    if (!request.Query("format")) return BadParameter("format", "is required: a format name");
    const CreativeFormat* format = FormatOf(*request.Query("format"), &problem);
    if (!format) return *problem;
    const std::string offer_id(request.Query("offer").value_or(""));
    if (!IsOfferId(offer_id)) return BadParameter("offer", std::string(kOfferIdRule));
    const auto store = StoreOf(request, &problem);
    if (problem) return *problem;
    // The same parse and validation as a PUT of the template, errors by JSON path.
    std::optional<CreativeTemplate> parsed = TemplateFromBody(request, id, &problem);
    if (!parsed) return *problem;
    auto layout = parsed->layouts.find(format->name);
    if (layout == parsed->layouts.end()) {
      return HttpResponse::Problem(
          404, "Not found",
          "the template has no layout for format \"" + std::string(format->name) + "\"");
    }
    // Only the asked layout is drawn and checked: text that cannot fit even at its minimum
    // size is a 422 naming its path, as a PUT would answer.
    CreativeTemplate edited = std::move(*parsed);
    edited.layouts = {{layout->first, layout->second}};

    // The offer: a published one, or one the campaign named by ?campaign= would publish.
    std::optional<PublishedOffer> offer;
    std::optional<Theme> theme;
    if (auto campaign_id = request.Query("campaign")) {
      if (!field_rules::IsValidId(*campaign_id)) return BadParameter("campaign", "is not an id");
      auto proposal = ProposalOf(std::string(*campaign_id), &problem);
      if (!proposal) return *problem;
      offer = PreviewedOffer(*proposal, offer_id, *store, &problem);
      theme = proposal->campaign.theme;
    } else {
      offer = PublishedOfferOf(offer_id, *store, &problem);
      if (offer) {
        auto campaign = s_.campaigns->GetCampaign(offer->campaign_id);
        if (!campaign.ok()) return StoreFailure(campaign.status());
        if (*campaign) theme = (*campaign)->theme;
      }
    }
    if (!offer) return *problem;
    auto content = ContentOf(*offer, &problem);
    if (!content) return *problem;
    std::vector<std::string> warnings;
    auto look =
        studio().ResolveLook(id, theme ? &*theme : nullptr, *format, default_template(), &warnings);
    if (!look.ok()) return StoreFailure(look.status());
    const BrandKit* kit = studio().FindKit(look->brand_kit_id);
    if (kit == nullptr) return StoreFailure(Status::Internal("no brand kit " + look->brand_kit_id));
    std::vector<TemplateError> check = studio().renderer().Check(edited, *kit);
    if (!check.empty()) return TemplateCheckFailed(check);
    auto creative =
        studio().renderer().Render(edited, *kit, *format, *content, ImageEncoding::kPng);
    if (!creative.ok()) return CreativeFailure(creative.status());
    HttpResponse response =
        HttpResponse::Text(200, std::move(creative->bytes), creative->media_type);
    response.headers.Set("Cache-Control", "no-store");
    for (std::string& w : creative->warnings) warnings.push_back(std::move(w));
    AddWarningHeaders(warnings, &response);
    return response;
  }

 private:
  CreativeStudio& studio() const { return *s_.creatives; }
  std::string default_template() const {
    return s_.default_template.empty() ? "classic" : s_.default_template;
  }

  static std::optional<std::string> StoreOf(const HttpRequest& request,
                                            std::optional<HttpResponse>* problem) {
    auto store = request.Query("store");
    if (!store || !field_rules::IsValidId(*store)) {
      if (!*problem)
        *problem = BadParameter("store", "is required: offers are published per store");
      return std::nullopt;
    }
    return std::string(*store);
  }

  static const CreativeFormat* FormatOf(std::string_view name,
                                        std::optional<HttpResponse>* problem) {
    const CreativeFormat* format = FindCreativeFormat(name);
    if (format == nullptr) {
      *problem = HttpResponse::Problem(
          404, "Not found",
          "no creative format \"" + std::string(name) + "\" (GET /api/v1/formats lists them)");
    }
    return format;
  }

  // What a preview of campaign `id` shows: its pending revision when it has one, else the
  // campaign itself with its promotions. 404 when there is no such campaign.
  std::optional<CampaignRevision> ProposalOf(const std::string& id,
                                             std::optional<HttpResponse>* problem) const {
    auto campaign = s_.campaigns->GetCampaign(id);
    if (!campaign.ok()) {
      *problem = StoreFailure(campaign.status());
      return std::nullopt;
    }
    if (!*campaign) {
      *problem = HttpResponse::Problem(404, "Not found", "no campaign \"" + id + "\"");
      return std::nullopt;
    }
    auto revision = s_.campaigns->GetRevision(id);
    if (!revision.ok()) {
      *problem = StoreFailure(revision.status());
      return std::nullopt;
    }
    if (*revision) return std::move(**revision);
    auto promotions = s_.campaigns->ListPromotions(id);
    if (!promotions.ok()) {
      *problem = StoreFailure(promotions.status());
      return std::nullopt;
    }
    return CampaignRevision{std::move(**campaign), std::move(*promotions)};
  }

  // The offer `offer_id` that `proposal` would publish in `store`; 404 when none.
  std::optional<PublishedOffer> PreviewedOffer(const CampaignRevision& proposal,
                                               const std::string& offer_id,
                                               const std::string& store,
                                               std::optional<HttpResponse>* problem) const {
    const std::string product_id(ParseOfferId(offer_id)->product_id);
    auto offers = s_.preview_campaign(proposal, store, std::span(&product_id, 1));
    if (!offers.ok()) {
      *problem = Failure(offers.status());
      return std::nullopt;
    }
    for (PreviewOffer& o : *offers) {
      if (o.offer.offer_id == offer_id) return std::move(o.offer);
    }
    *problem =
        HttpResponse::Problem(404, "Not found",
                              "campaign " + proposal.campaign.id + " would publish no offer \"" +
                                  offer_id + "\" in store \"" + store + "\"");
    return std::nullopt;
  }

  std::optional<PublishedOffer> PublishedOfferOf(const std::string& offer_id,
                                                 const std::string& store,
                                                 std::optional<HttpResponse>* problem) const {
    auto offer = s_.offers->GetOffer(offer_id, store);
    if (!offer.ok()) {
      *problem = StoreFailure(offer.status());
      return std::nullopt;
    }
    if (!*offer) {
      *problem = HttpResponse::Problem(
          404, "Not found",
          "no published offer \"" + offer_id + "\" in store \"" + store +
              "\" (add campaign= to preview an offer of a campaign not approved yet)");
    }
    return std::move(*offer);
  }

  std::optional<CreativeContent> ContentOf(const PublishedOffer& offer,
                                           std::optional<HttpResponse>* problem) const {
    auto product = s_.catalog->GetProduct(offer.product_id);
    if (!product.ok()) {
      *problem = StoreFailure(product.status());
      return std::nullopt;
    }
    return CreativeContentFor(offer, *product);
  }

  // An offer of the preview list: the offers API's item (not stored: version and seq 0) with
  // its explanation.
  static json ItemJson(const PreviewOffer& preview) {
    json item = ToJson(preview.offer);
    item["explain"] = preview.explain;
    return item;
  }

  static json ProposalJson(const CampaignRevision& proposal) {
    return {{"id", proposal.campaign.id},
            {"name", proposal.campaign.name},
            {"status", CampaignStatusName(proposal.campaign.status)},
            {"version", proposal.campaign.version}};
  }

  static HttpResponse Failure(const Status& status) {
    return status.code() == StatusCode::kNotFound ? HttpResponse::FromStatus(status)
                                                  : StoreFailure(status);
  }

  const ApiServices& s_;
};

}  // namespace

Status AddPreviewRoutes(HttpServer& server, const ApiServices& services) {
  auto routes = std::make_shared<PreviewRoutes>(services);
  auto bind = [routes](auto method) { return Handler(routes, method); };
  std::vector<Route> table = {
      {"GET",
       "/api/v1/campaigns/{id}/preview",
       Role::kViewer,
       false,
       {},
       "",
       bind(&PreviewRoutes::Offers),
       {"store", "cursor", "limit"}},
  };
  if (services.creatives) {
    table.push_back({"GET",
                     "/api/v1/campaigns/{id}/preview/creatives/{offer_id}/{format}.png",
                     Role::kViewer,
                     false,
                     {},
                     "",
                     bind(&PreviewRoutes::Creative),
                     {"store"}});
    table.push_back({"POST",
                     "/api/v1/templates/{id}/preview",
                     Role::kEditor,
                     false,
                     {"application/json"},
                     "",
                     bind(&PreviewRoutes::Template),
                     {"offer", "store", "format", "campaign"}});
  }
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api
