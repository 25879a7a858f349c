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
      // Four eyes: whom the approver was found among.
      if (!error.authors.empty()) (*response.problem)["authors"] = error.authors;
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
    for (const Campaign& c : page->items) {
      auto revision = s_.campaigns->GetRevision(c.id);
      if (!revision.ok()) return StoreFailure(revision.status());
      nlohmann::json view = View(c);
      view["pending_revision"] = *revision ? RevisionSummary(**revision) : nlohmann::json();
      items.push_back(std::move(view));
    }
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
    auto revision = s_.campaigns->GetRevision(campaign->id);
    if (!revision.ok()) return StoreFailure(revision.status());
    auto promotions = s_.campaigns->ListPromotions(campaign->id);
    if (!promotions.ok()) return StoreFailure(promotions.status());
    return LiveWithRevision(*campaign, *promotions, *revision);
  }

  HttpResponse Patch(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    const auto if_match = IfMatchVersion(request, &problem);
    if (problem) return *problem;
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    // An approved campaign is edited through its pending revision.
    auto current = workflow_.EditableCampaign(request.PathParam("id"));
    if (!current.ok()) return Refused(current.error(), "campaign");
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

  HttpResponse GetRevision(const HttpRequest& request) const {
    auto revision = LoadRevision(request.PathParam("id"));
    if (!revision.ok()) return Failure(revision.status());
    return WithETag(HttpResponse::Json(200, RevisionView(*revision)), revision->campaign.version);
  }

  HttpResponse DiscardRevision(const HttpRequest& request) const {
    auto step = workflow_.DiscardRevision(WorkflowActor(request), request.PathParam("id"));
    if (!step.ok()) return Refused(step.error(), "revision");
    return NoContent();
  }

  HttpResponse PostRevisionTransition(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    const auto if_match = IfMatchVersion(request, &problem);
    if (problem) return *problem;
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    if (auto rejected = RejectUnknownFields(*body, {"to", "comment", "override_reason"})) {
      return *rejected;
    }
    const auto to = ParseCampaignStatus(body->value("to", std::string()));
    if (!to) return BadParameter("to", "must be submitted, approved, rejected or draft");
    TransitionRequest transition;
    transition.to = *to;
    transition.comment = body->value("comment", std::string());
    transition.override_reason = body->value("override_reason", std::string());
    transition.expected_version = if_match;
    auto step =
        workflow_.TransitionRevision(WorkflowActor(request), request.PathParam("id"), transition);
    if (!step.ok()) return Refused(step.error(), "revision", /*transition=*/true);
    return Answer(*step);
  }

  HttpResponse RevisionChecks(const HttpRequest& request) const {
    auto revision = LoadRevision(request.PathParam("id"));
    if (!revision.ok()) return Failure(revision.status());
    auto report = workflow_.RevisionChecks(*revision);
    if (!report.ok()) return StoreFailure(report.status());
    return HttpResponse::Json(200, report->ToJson());
  }

  HttpResponse Checks(const HttpRequest& request) const {
    auto campaign = Load(request.PathParam("id"));
    if (!campaign.ok()) return Failure(campaign.status());
    auto report = workflow_.Checks(*campaign);
    if (!report.ok()) return StoreFailure(report.status());
    const Locale locale = FindingsLocale(request);
    return InLanguage(HttpResponse::Json(200, report->ToJson(locale)), locale);
  }

  // POST /api/v1/campaigns/checks: the report of a campaign and promotions not stored.
  HttpResponse DraftChecks(const HttpRequest& request) const {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    if (!body->is_object()) return Invalid("campaign", {{"body", "must be a JSON object"}});
    nlohmann::json campaign_json = *body;
    campaign_json.erase("promotions");
    Campaign campaign;
    std::vector<FieldError> errors;
    ReadCampaign(campaign_json, &campaign, &errors);
    std::vector<Promotion> promotions;
    if (auto list = body->find("promotions"); list != body->end()) {
      if (!list->is_array()) {
        errors.push_back({"promotions", "must be an array of promotions"});
      } else {
        for (size_t i = 0; i < list->size(); ++i) {
          const std::string at = "promotions[" + std::to_string(i) + "].";
          std::vector<FieldError> promotion_errors;
          Promotion& promotion = promotions.emplace_back();
          ReadPromotion((*list)[i], &promotion, &promotion_errors);
          if ((*list)[i].is_object()) {
            if (!(*list)[i].contains("selector"))
              promotion_errors.push_back({"selector", "is required"});
            if (!(*list)[i].contains("mechanic"))
              promotion_errors.push_back({"mechanic", "is required"});
          }
          for (FieldError& e : promotion_errors) errors.push_back({at + e.field, e.message});
        }
      }
    }
    if (!errors.empty()) return Invalid("campaign", errors);
    auto report = workflow_.DraftChecks(std::move(campaign), std::move(promotions));
    if (!report.ok()) return StoreFailure(report.status());
    const Locale locale = FindingsLocale(request);
    return InLanguage(HttpResponse::Json(200, report->ToJson(locale)), locale);
  }

  // POST /api/v1/products/selection: how many products a promotion's selector picks.
  HttpResponse Selection(const HttpRequest& request) const {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    Promotion promotion;
    std::vector<FieldError> errors;
    ReadPromotion(nlohmann::json{{"selector", *body}}, &promotion, &errors);
    if (!errors.empty()) {
      // The body is the selector itself: its fields are named without "selector.".
      for (FieldError& e : errors) {
        if (e.field.starts_with("selector."))
          e.field.erase(0, std::string_view("selector.").size());
        if (e.field == "selector") e.field = "body";
      }
      return Invalid("selector", errors);
    }
    auto selection = workflow_.SelectProducts(promotion.selector, kSelectionSample);
    if (!selection.ok()) {
      if (selection.status().code() == StatusCode::kInvalidArgument) {
        return Invalid("selector", {{"body", selection.status().message()}});
      }
      return StoreFailure(selection.status());
    }
    nlohmann::json products = nlohmann::json::array();
    for (const Product& p : selection->sample) {
      products.push_back({{"id", p.id},
                          {"title", p.title},
                          {"brand", p.brand},
                          {"category", p.category},
                          {"image_url", p.image_url}});
    }
    return HttpResponse::Json(200,
                              {{"count", selection->count}, {"products", std::move(products)}});
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
    return PromotionAnswer(201, *step);
  }

  HttpResponse GetPromotion(const HttpRequest& request) const {
    auto promotion = LoadPromotion(request.PathParam("id"));
    if (promotion.ok()) {
      return WithETag(HttpResponse::Json(200, ToJson(*promotion)), promotion->version);
    }
    if (promotion.status().code() != StatusCode::kNotFound) return Failure(promotion.status());
    // Added by a pending revision: not published yet, but its author reads it back.
    auto editable = workflow_.EditablePromotion(request.PathParam("id"));
    if (!editable.ok()) return Refused(editable.error(), "promotion");
    nlohmann::json view = ToJson(*editable);
    view["in_pending_revision"] = true;
    return WithETag(HttpResponse::Json(200, view), editable->version);
  }

  HttpResponse PatchPromotion(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    const auto if_match = IfMatchVersion(request, &problem);
    if (problem) return *problem;
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    // A promotion of an approved campaign is edited through the campaign's pending revision.
    auto current = workflow_.EditablePromotion(request.PathParam("id"));
    if (!current.ok()) return Refused(current.error(), "promotion");
    Promotion promotion = *current;
    std::vector<FieldError> errors;
    ReadPromotion(*body, &promotion, &errors);
    if (!errors.empty()) return Invalid("promotion", errors);
    auto step = workflow_.EditPromotion(WorkflowActor(request), std::move(promotion),
                                        if_match.value_or(current->version));
    if (!step.ok()) return Refused(step.error(), "promotion");
    return PromotionAnswer(200, *step);
  }

  HttpResponse DeletePromotion(const HttpRequest& request) const {
    auto step = workflow_.DeletePromotion(WorkflowActor(request), request.PathParam("id"));
    if (!step.ok()) return Refused(step.error(), "promotion");
    // Deleted from the pending revision only: say so, the offers stay until its approval.
    if (step->revision) return PromotionAnswer(200, *step);
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
    auto promotions = s_.campaigns->ListPromotions(step.campaign.id);
    if (!promotions.ok()) return StoreFailure(promotions.status());
    return LiveWithRevision(step.campaign, *promotions, step.revision);
  }

  // The live campaign and its promotions (what is published) and, when one is pending, its
  // revision with the notice that says so. The ETag is the version an edit names: the
  // revision's while one is pending.
  HttpResponse LiveWithRevision(const Campaign& live, const std::vector<Promotion>& promotions,
                                const std::optional<CampaignRevision>& revision) const {
    nlohmann::json view = View(live);
    view["promotions"] = nlohmann::json::array();
    for (const Promotion& p : promotions) view["promotions"].push_back(ToJson(p));
    view["pending_revision"] = revision ? RevisionView(*revision) : nlohmann::json();
    if (revision) view["notice"] = Notice(*revision);
    return WithETag(HttpResponse::Json(200, view),
                    revision ? revision->campaign.version : live.version);
  }

  // A promotion step; one that went to a pending revision says so.
  HttpResponse PromotionAnswer(int status, const PromotionStep& step) const {
    nlohmann::json view = ToJson(step.promotion);
    if (step.revision) {
      view["in_pending_revision"] = true;
      view["pending_revision"] = RevisionSummary(*step.revision);
      view["notice"] = Notice(*step.revision);
    }
    return WithETag(HttpResponse::Json(status, view), step.promotion.version);
  }

  static std::string Notice(const CampaignRevision& revision) {
    const std::string& id = revision.campaign.id;
    return "Campaign " + id +
           " is approved and stays published as it is: these edits are in its pending "
           "revision (" +
           std::string(CampaignStatusName(revision.campaign.status)) + ", version " +
           std::to_string(revision.campaign.version) +
           "), published only once approved (POST /api/v1/campaigns/" + id +
           "/revision/transitions), or dropped with DELETE /api/v1/campaigns/" + id + "/revision.";
  }

  static nlohmann::json RevisionView(const CampaignRevision& revision) {
    nlohmann::json view = ToJson(revision);
    view["notice"] = Notice(revision);
    return view;
  }

  // What a listing shows of a pending revision.
  static nlohmann::json RevisionSummary(const CampaignRevision& revision) {
    const nlohmann::json full = ToJson(revision.campaign);
    nlohmann::json summary = nlohmann::json::object();
    for (const char* key : {"status", "version", "created_at", "updated_at", "created_by",
                            "edited_by", "last_review"}) {
      summary[key] = full[key];
    }
    return summary;
  }

  Result<CampaignRevision> LoadRevision(std::string_view id) const {
    if (!field_rules::IsValidId(id)) return Status::InvalidArgument("id is not a campaign id");
    auto campaign = s_.campaigns->GetCampaign(id);
    if (!campaign.ok()) return campaign.status();
    if (!campaign->has_value()) return Status::NotFound("no campaign \"" + std::string(id) + "\"");
    auto revision = s_.campaigns->GetRevision(id);
    if (!revision.ok()) return revision.status();
    if (!revision->has_value()) {
      return Status::NotFound("campaign \"" + std::string(id) + "\" has no pending revision");
    }
    return **revision;
  }

  static constexpr int kSelectionSample = 20;

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
       "/api/v1/campaigns/{id}/revision",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CampaignRoutes::GetRevision)},
      {"DELETE",
       "/api/v1/campaigns/{id}/revision",
       Role::kEditor,
       false,
       {},
       "",
       bind(&CampaignRoutes::DiscardRevision)},
      {"POST", "/api/v1/campaigns/{id}/revision/transitions", Role::kEditor, false, json_body, "",
       bind(&CampaignRoutes::PostRevisionTransition)},
      {"GET",
       "/api/v1/campaigns/{id}/revision/checks",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CampaignRoutes::RevisionChecks)},
      {"POST", "/api/v1/campaigns/checks", Role::kViewer, false, json_body, "",
       bind(&CampaignRoutes::DraftChecks)},
      {"POST", "/api/v1/products/selection", Role::kViewer, false, json_body, "",
       bind(&CampaignRoutes::Selection)},
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
