// Campaign, promotion, transition and compliance-check routes.
#include <charconv>

#include "api_routes.h"
#include "api_support.h"
#include "catalog/field_error.h"
#include "offers/campaign_json.h"
#include "offers/texts.h"
#include "offers/workflow.h"
#include "server/json_body.h"

namespace vitrine::api {
namespace {

HttpResponse Invalid(const std::string& what, const std::vector<FieldError>& errors) {
  std::vector<FieldProblem> problems;
  for (const FieldError& e : errors) problems.push_back({e.field, std::nullopt, e.message});
  std::string detail = problems.front().field + " " + problems.front().message;
  return HttpResponse::Problem(400, "Invalid " + what, std::move(detail), std::move(problems));
}

// The version a write names: If-Match: "3" (or W/"3"), else the one it read.
std::optional<int> IfMatchVersion(const HttpRequest& request, std::optional<HttpResponse>* bad) {
  auto header = request.headers.Get("If-Match");
  if (!header) return std::nullopt;
  std::string_view v = *header;
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int version = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (ec != std::errc() || end != v.data() + v.size() || version < 1) {
    *bad = BadParameter("If-Match", "must be the entity's version as an ETag, e.g. \"3\"");
  }
  return version;
}

HttpResponse WithETag(HttpResponse response, int version) {
  response.headers.Set("ETag", "\"" + std::to_string(version) + "\"");
  return response;
}

HttpResponse Stale(const Status& status) {
  return HttpResponse::Problem(412, "Precondition Failed", status.message());
}

// The language of compliance findings: Accept-Language, French unless English is preferred.
Locale FindingsLocale(const HttpRequest& request) {
  return LocaleFromAcceptLanguage(request.headers.Get("Accept-Language"));
}

// An answer whose words depend on Accept-Language says so to caches and clients.
HttpResponse InLanguage(HttpResponse response, Locale locale) {
  response.headers.Set("Content-Language", std::string(LocaleTag(locale)));
  response.headers.Set("Vary", "Accept-Language");
  return response;
}

// A refused workflow step as the problem clients know: 400 naming the fields, 404, 412 for a
// stale version, 409 for a state that refuses the step (with the compliance report, its
// findings in `locale`, when blocking findings refused an approval), 403 for a role; a
// transition's refusal lists the targets the caller may reach.
HttpResponse Refused(const WorkflowError& error, const std::string& what, bool transition = false,
                     Locale locale = Locale::kFrench) {
  using Kind = WorkflowError::Kind;
  switch (error.kind) {
    case Kind::kInvalid:
      if (!error.fields.empty()) return Invalid(what, error.fields);
      return HttpResponse::FromStatus(error.status);
    case Kind::kNotFound:
      return HttpResponse::FromStatus(error.status);
    case Kind::kStale:
      return Stale(error.status);
    case Kind::kConflict:
    case Kind::kForbidden: {
      if (error.blocking) {
        HttpResponse response =
            HttpResponse::Problem(409, "Blocking findings", error.status.message());
        (*response.problem)["checks"] = error.blocking->ToJson(locale);
        return InLanguage(std::move(response), locale);
      }
      HttpResponse response = error.kind == Kind::kForbidden
                                  ? HttpResponse::Problem(403, "Forbidden", error.status.message())
                                  : HttpResponse::Problem(409, "Conflict", error.status.message());
      if (transition) {
        nlohmann::json allowed = nlohmann::json::array();
        for (CampaignStatus s : error.allowed) allowed.push_back(CampaignStatusName(s));
        (*response.problem)["allowed"] = std::move(allowed);
      }
      return response;
    }
    case Kind::kBackend:
      break;
  }
  return StoreFailure(error.status);
}

HttpResponse NoContent() {
  HttpResponse response;
  response.status = 204;
  return response;
}

// The routes parse, call the campaign workflow (offers/workflow.h), which holds every rule,
// and answer; after a step that appended a change they wait for the offers to follow.
class CampaignRoutes {
 public:
  explicit CampaignRoutes(const ApiServices& services)
      : s_(services), workflow_(*services.workflow) {}

  HttpResponse List(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    CampaignQuery query;
    if (auto status = request.Query("status")) {
      auto parsed = ParseCampaignStatus(*status);
      if (!parsed) return BadParameter("status", "is not a campaign status");
      query.status = *parsed;
    }
    query.after = CursorKey(request, "campaigns", &problem);
    if (!problem) {
      if (auto limit = ParseLimit(request, &problem)) query.limit = *limit;
    }
    if (problem) return *problem;
    auto page = s_.campaigns->ListCampaigns(query);
    if (!page.ok()) return StoreFailure(page.status());
    nlohmann::json items = nlohmann::json::array();
    for (const Campaign& c : page->items) items.push_back(View(c));
    return HttpResponse::Json(200, PageJson(std::move(items), "campaigns", page->next_after));
  }

  HttpResponse Create(const HttpRequest& request) const {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    Campaign campaign;
    std::vector<FieldError> errors;
    ReadCampaign(*body, &campaign, &errors);
    if (!errors.empty()) return Invalid("campaign", errors);
    auto step = workflow_.CreateCampaign(WorkflowActor(request), std::move(campaign));
    if (!step.ok()) return Refused(step.error(), "campaign");
    return WithETag(HttpResponse::Json(201, View(step->campaign)), step->campaign.version);
  }

  HttpResponse Get(const HttpRequest& request) const {
    auto campaign = Load(request.PathParam("id"));
    if (!campaign.ok()) return Failure(campaign.status());
    nlohmann::json view = View(*campaign);
    auto promotions = s_.campaigns->ListPromotions(campaign->id);
    if (!promotions.ok()) return StoreFailure(promotions.status());
    view["promotions"] = nlohmann::json::array();
    for (const Promotion& p : *promotions) view["promotions"].push_back(ToJson(p));
    return WithETag(HttpResponse::Json(200, view), campaign->version);
  }

  HttpResponse Patch(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    const auto if_match = IfMatchVersion(request, &problem);
    if (problem) return *problem;
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    auto current = Load(request.PathParam("id"));
    if (!current.ok()) return Failure(current.status());
    Campaign campaign = *current;
    std::vector<FieldError> errors;
    ReadCampaign(*body, &campaign, &errors);
    if (!errors.empty()) return Invalid("campaign", errors);
    auto step = workflow_.EditCampaign(WorkflowActor(request), std::move(campaign),
                                       if_match.value_or(current->version));
    if (!step.ok()) return Refused(step.error(), "campaign");
    return Answer(*step);
  }

  HttpResponse Delete(const HttpRequest& request) const {
    auto step = workflow_.DeleteCampaign(WorkflowActor(request), request.PathParam("id"));
    if (!step.ok()) return Refused(step.error(), "campaign");
    if (s_.changes_written) s_.changes_written();  // whatever offers are left go
    return NoContent();
  }

  HttpResponse PostTransition(const HttpRequest& request) const {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    if (auto rejected = RejectUnknownFields(*body, {"to", "comment", "override_reason"})) {
      return *rejected;
    }
    const auto to = ParseCampaignStatus(body->value("to", std::string()));
    if (!to) return BadParameter("to", "must be submitted, approved, rejected, draft or archived");
    TransitionRequest transition;
    transition.to = *to;
    transition.comment = body->value("comment", std::string());
    transition.override_reason = body->value("override_reason", std::string());
    auto step = workflow_.Transition(WorkflowActor(request), request.PathParam("id"), transition);
    if (!step.ok()) {
      return Refused(step.error(), "campaign", /*transition=*/true, FindingsLocale(request));
    }
    return Answer(*step);
  }

  HttpResponse Checks(const HttpRequest& request) const {
    auto campaign = Load(request.PathParam("id"));
    if (!campaign.ok()) return Failure(campaign.status());
    auto report = workflow_.Checks(*campaign);
    if (!report.ok()) return StoreFailure(report.status());
    const Locale locale = FindingsLocale(request);
    return InLanguage(HttpResponse::Json(200, report->ToJson(locale)), locale);
  }

  HttpResponse ListPromotions(const HttpRequest& request) const {
    auto campaign = Load(request.PathParam("id"));
    if (!campaign.ok()) return Failure(campaign.status());
    auto promotions = s_.campaigns->ListPromotions(campaign->id);
    if (!promotions.ok()) return StoreFailure(promotions.status());
    nlohmann::json items = nlohmann::json::array();
    for (const Promotion& p : *promotions) items.push_back(ToJson(p));
    return HttpResponse::Json(200, {{"items", std::move(items)}, {"next_cursor", nullptr}});
  }

  HttpResponse CreatePromotion(const HttpRequest& request) const {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    // A missing campaign is a 404 whatever the body says.
    auto campaign = Load(request.PathParam("id"));
    if (!campaign.ok()) return Failure(campaign.status());
    Promotion promotion;
    promotion.campaign_id = campaign->id;
    std::vector<FieldError> errors;
    ReadPromotion(*body, &promotion, &errors);
    if (!body->contains("selector")) errors.push_back({"selector", "is required"});
    if (!body->contains("mechanic")) errors.push_back({"mechanic", "is required"});
    if (!errors.empty()) return Invalid("promotion", errors);
    auto step = workflow_.CreatePromotion(WorkflowActor(request), std::move(promotion));
    if (!step.ok()) return Refused(step.error(), "promotion");
    AwaitIfWithdrawn(*step);
    return WithETag(HttpResponse::Json(201, ToJson(step->promotion)), step->promotion.version);
  }

  HttpResponse GetPromotion(const HttpRequest& request) const {
    auto promotion = LoadPromotion(request.PathParam("id"));
    if (!promotion.ok()) return Failure(promotion.status());
    return WithETag(HttpResponse::Json(200, ToJson(*promotion)), promotion->version);
  }

  HttpResponse PatchPromotion(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    const auto if_match = IfMatchVersion(request, &problem);
    if (problem) return *problem;
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    auto current = LoadPromotion(request.PathParam("id"));
    if (!current.ok()) return Failure(current.status());
    Promotion promotion = *current;
    std::vector<FieldError> errors;
    ReadPromotion(*body, &promotion, &errors);
    if (!errors.empty()) return Invalid("promotion", errors);
    auto step = workflow_.EditPromotion(WorkflowActor(request), std::move(promotion),
                                        if_match.value_or(current->version));
    if (!step.ok()) return Refused(step.error(), "promotion");
    AwaitIfWithdrawn(*step);
    return WithETag(HttpResponse::Json(200, ToJson(step->promotion)), step->promotion.version);
  }

  HttpResponse DeletePromotion(const HttpRequest& request) const {
    auto step = workflow_.DeletePromotion(WorkflowActor(request), request.PathParam("id"));
    if (!step.ok()) return Refused(step.error(), "promotion");
    AwaitIfWithdrawn(*step);
    return NoContent();
  }

 private:
  nlohmann::json View(const Campaign& c) const {
    nlohmann::json view = ToJson(c);
    view["effective_status"] = CampaignStatusName(EffectiveStatus(c, s_.clock->Now()));
    return view;
  }

  Result<Campaign> Load(std::string_view id) const {
    if (!field_rules::IsValidId(id)) return Status::InvalidArgument("id is not a campaign id");
    auto campaign = s_.campaigns->GetCampaign(id);
    if (!campaign.ok()) return campaign.status();
    if (!campaign->has_value()) return Status::NotFound("no campaign \"" + std::string(id) + "\"");
    return **campaign;
  }

  Result<Promotion> LoadPromotion(std::string_view id) const {
    if (!field_rules::IsValidId(id)) return Status::InvalidArgument("id is not a promotion id");
    auto promotion = s_.campaigns->GetPromotion(id);
    if (!promotion.ok()) return promotion.status();
    if (!promotion->has_value()) {
      return Status::NotFound("no promotion \"" + std::string(id) + "\"");
    }
    return **promotion;
  }

  static HttpResponse Failure(const Status& status) {
    switch (status.code()) {
      case StatusCode::kInvalidArgument:
      case StatusCode::kNotFound:
        return HttpResponse::FromStatus(status);
      case StatusCode::kFailedPrecondition:
        return Stale(status);
      default:
        return StoreFailure(status);
    }
  }

  // The campaign after an edit or a transition; when the step appended a change, once the
  // offers follow it, so that the answer describes what is published.
  HttpResponse Answer(const CampaignStep& step) const {
    if (step.change_appended) {
      if (Status st = s_.await_offers(); !st.ok()) return StoreFailure(st);
    }
    return WithETag(HttpResponse::Json(200, View(step.campaign)), step.campaign.version);
  }

  // A promotion step that sent a published campaign back to submitted withdraws its offers:
  // wait for that, best effort (the offers follow the change log anyway).
  void AwaitIfWithdrawn(const PromotionStep& step) const {
    if (step.sent_back_to_submitted) (void)s_.await_offers();
  }

  const ApiServices& s_;
  CampaignWorkflow& workflow_;
};

}  // namespace

Status AddCampaignRoutes(HttpServer& server, const ApiServices& services) {
  auto routes = std::make_shared<CampaignRoutes>(services);
  auto bind = [routes](auto method) { return Handler(routes, method); };
  const std::vector<std::string> json_body = {"application/json"};
  std::vector<Route> table = {
      {"GET",
       "/api/v1/campaigns",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CampaignRoutes::List),
       {"status", "cursor", "limit"}},
      {"POST", "/api/v1/campaigns", Role::kEditor, false, json_body, "",
       bind(&CampaignRoutes::Create)},
      {"GET", "/api/v1/campaigns/{id}", Role::kViewer, false, {}, "", bind(&CampaignRoutes::Get)},
      {"PATCH", "/api/v1/campaigns/{id}", Role::kEditor, false, json_body, "",
       bind(&CampaignRoutes::Patch)},
      {"DELETE",
       "/api/v1/campaigns/{id}",
       Role::kEditor,
       false,
       {},
       "",
       bind(&CampaignRoutes::Delete)},
      {"POST", "/api/v1/campaigns/{id}/transitions", Role::kEditor, false, json_body, "",
       bind(&CampaignRoutes::PostTransition)},
      {"GET",
       "/api/v1/campaigns/{id}/checks",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CampaignRoutes::Checks)},
      {"GET",
       "/api/v1/campaigns/{id}/promotions",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CampaignRoutes::ListPromotions)},
      {"POST", "/api/v1/campaigns/{id}/promotions", Role::kEditor, false, json_body, "",
       bind(&CampaignRoutes::CreatePromotion)},
      {"GET",
       "/api/v1/promotions/{id}",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CampaignRoutes::GetPromotion)},
      {"PATCH", "/api/v1/promotions/{id}", Role::kEditor, false, json_body, "",
       bind(&CampaignRoutes::PatchPromotion)},
      {"DELETE",
       "/api/v1/promotions/{id}",
       Role::kEditor,
       false,
       {},
       "",
       bind(&CampaignRoutes::DeletePromotion)},
  };
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api
