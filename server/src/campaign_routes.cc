// Campaign, promotion, transition and compliance-check routes.
#include <charconv>

#include "api_routes.h"
#include "api_support.h"
#include "catalog/field_error.h"
#include "offers/campaign_json.h"
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

class CampaignRoutes {
 public:
  explicit CampaignRoutes(const ApiServices& services) : s_(services) {}

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
    if (errors.empty()) errors = Validate(campaign);
    if (!errors.empty()) return Invalid("campaign", errors);
    Result<Campaign> created = Status::Internal("not created");
    const Status status = s_.catalog->Transaction([&]() -> Status {
      created = s_.campaigns->CreateCampaign(campaign, s_.clock->Now());
      if (!created.ok()) return created.status();
      return AuditWrite(request, "create", "campaign", created->id, nlohmann::json(),
                        ToJson(*created));
    });
    if (!status.ok()) return StoreFailure(status);
    return WithETag(HttpResponse::Json(201, View(*created)), created->version);
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
    if (errors.empty()) errors = Validate(campaign);
    if (!errors.empty()) return Invalid("campaign", errors);
    if (current->status == CampaignStatus::kArchived) {
      return HttpResponse::Problem(409, "Conflict",
                                   "an archived campaign cannot be edited; "
                                   "restore it to draft first");
    }
    // A change to an approved campaign needs approving again (ARCHITECTURE.md §2).
    const bool was_approved = current->status == CampaignStatus::kApproved;
    if (was_approved) campaign.status = CampaignStatus::kSubmitted;
    return Update(request, *current, campaign, if_match.value_or(current->version), "update",
                  was_approved);
  }

  HttpResponse Delete(const HttpRequest& request) const {
    auto current = Load(request.PathParam("id"));
    if (!current.ok()) return Failure(current.status());
    if (current->status == CampaignStatus::kApproved) {
      return HttpResponse::Problem(409, "Conflict",
                                   "an approved campaign is published: archive it instead");
    }
    const Status status = s_.catalog->Transaction([&]() -> Status {
      auto removed = s_.campaigns->DeleteCampaign(current->id);
      if (!removed.ok()) return removed.status();
      return AuditWrite(request, "delete", "campaign", current->id, ToJson(*current),
                        nlohmann::json());
    });
    if (!status.ok()) return StoreFailure(status);
    HttpResponse response;
    response.status = 204;
    return response;
  }

  HttpResponse PostTransition(const HttpRequest& request) const {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return HttpResponse::FromStatus(body.status());
    if (auto rejected = RejectUnknownFields(*body, {"to", "comment", "override_reason"})) {
      return *rejected;
    }
    const auto to_name = body->value("to", std::string());
    const auto to = ParseCampaignStatus(to_name);
    if (!to) return BadParameter("to", "must be submitted, approved, rejected, draft or archived");
    const std::string comment = body->value("comment", std::string());
    const std::string override_reason = body->value("override_reason", std::string());
    auto current = Load(request.PathParam("id"));
    if (!current.ok()) return Failure(current.status());
    auto next = Transition(current->status, *to, request.principal->role);
    if (!next.ok()) {
      nlohmann::json allowed = nlohmann::json::array();
      for (CampaignStatus s : AllowedTransitions(current->status, request.principal->role)) {
        allowed.push_back(CampaignStatusName(s));
      }
      HttpResponse response = next.status().code() == StatusCode::kPermissionDenied
                                  ? HttpResponse::Problem(403, "Forbidden", next.status().message())
                                  : HttpResponse::Problem(409, "Conflict", next.status().message());
      (*response.problem)["allowed"] = allowed;
      return response;
    }
    nlohmann::json checks;
    if (*next == CampaignStatus::kApproved) {
      auto report = s_.check_campaign(*current);
      if (!report.ok()) return StoreFailure(report.status());
      checks = *report;
      if (checks.value("blocking", 0) > 0) {
        const bool admin_override =
            request.principal->role == Role::kAdmin && !override_reason.empty();
        if (!admin_override) {
          HttpResponse response = HttpResponse::Problem(
              409, "Blocking findings",
              std::to_string(checks.value("blocking", 0)) +
                  " blocking compliance findings; fix them, or an admin may approve with an "
                  "override_reason");
          (*response.problem)["checks"] = checks;
          return response;
        }
      }
    }
    Campaign campaign = *current;
    campaign.status = *next;
    nlohmann::json audit = {{"from", CampaignStatusName(current->status)},
                            {"to", CampaignStatusName(*next)},
                            {"comment", comment}};
    if (!override_reason.empty()) audit["override_reason"] = override_reason;
    if (!checks.is_null()) audit["blocking_findings"] = checks.value("blocking", 0);
    return Update(request, *current, campaign, current->version, "transition", true, audit);
  }

  HttpResponse Checks(const HttpRequest& request) const {
    auto campaign = Load(request.PathParam("id"));
    if (!campaign.ok()) return Failure(campaign.status());
    auto report = s_.check_campaign(*campaign);
    if (!report.ok()) return StoreFailure(report.status());
    return HttpResponse::Json(200, *report);
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
    auto campaign = Load(request.PathParam("id"));
    if (!campaign.ok()) return Failure(campaign.status());
    if (campaign->status == CampaignStatus::kArchived) {
      return HttpResponse::Problem(409, "Conflict", "the campaign is archived");
    }
    Promotion promotion;
    promotion.campaign_id = campaign->id;
    std::vector<FieldError> errors;
    ReadPromotion(*body, &promotion, &errors);
    if (!body->contains("selector")) errors.push_back({"selector", "is required"});
    if (!body->contains("mechanic")) errors.push_back({"mechanic", "is required"});
    if (errors.empty()) errors = Validate(promotion);
    if (!errors.empty()) return Invalid("promotion", errors);
    Result<Promotion> created = Status::Internal("not created");
    const Status status = s_.catalog->Transaction([&]() -> Status {
      created = s_.campaigns->CreatePromotion(promotion);
      if (!created.ok()) return created.status();
      VITRINE_RETURN_IF_ERROR(AuditWrite(request, "create", "promotion", created->id,
                                         nlohmann::json(), ToJson(*created)));
      VITRINE_RETURN_IF_ERROR(SendBackToSubmitted(request, *campaign));
      return LogCampaignChange(campaign->id);
    });
    if (!status.ok()) return StoreFailure(status);
    ReassembleIfPublished(*campaign);
    return WithETag(HttpResponse::Json(201, ToJson(*created)), created->version);
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
    auto campaign = Load(current->campaign_id);
    if (!campaign.ok()) return Failure(campaign.status());
    if (campaign->status == CampaignStatus::kArchived) {
      return HttpResponse::Problem(409, "Conflict", "the campaign is archived");
    }
    Promotion promotion = *current;
    std::vector<FieldError> errors;
    ReadPromotion(*body, &promotion, &errors);
    if (errors.empty()) errors = Validate(promotion);
    if (!errors.empty()) return Invalid("promotion", errors);
    Result<Promotion> updated = Status::Internal("not updated");
    const Status status = s_.catalog->Transaction([&]() -> Status {
      updated = s_.campaigns->UpdatePromotion(promotion, if_match.value_or(current->version));
      if (!updated.ok()) return updated.status();
      VITRINE_RETURN_IF_ERROR(AuditWrite(request, "update", "promotion", current->id,
                                         ToJson(*current), ToJson(*updated)));
      VITRINE_RETURN_IF_ERROR(SendBackToSubmitted(request, *campaign));
      return LogCampaignChange(campaign->id);
    });
    if (status.code() == StatusCode::kFailedPrecondition) return Stale(status);
    if (!status.ok()) return Failure(status);
    ReassembleIfPublished(*campaign);
    return WithETag(HttpResponse::Json(200, ToJson(*updated)), updated->version);
  }

  HttpResponse DeletePromotion(const HttpRequest& request) const {
    auto current = LoadPromotion(request.PathParam("id"));
    if (!current.ok()) return Failure(current.status());
    auto campaign = Load(current->campaign_id);
    if (!campaign.ok()) return Failure(campaign.status());
    if (campaign->status == CampaignStatus::kArchived) {
      return HttpResponse::Problem(409, "Conflict", "the campaign is archived");
    }
    const Status status = s_.catalog->Transaction([&]() -> Status {
      // Its published offers go with it: tombstones tell the platforms.
      auto withdrawn = s_.offers->ReplaceOffers({{current->id}, {}, {}}, {});
      if (!withdrawn.ok()) return withdrawn.status();
      auto removed = s_.campaigns->DeletePromotion(current->id);
      if (!removed.ok()) return removed.status();
      VITRINE_RETURN_IF_ERROR(AuditWrite(request, "delete", "promotion", current->id,
                                         ToJson(*current), nlohmann::json()));
      VITRINE_RETURN_IF_ERROR(SendBackToSubmitted(request, *campaign));
      return LogCampaignChange(campaign->id);
    });
    if (!status.ok()) return StoreFailure(status);
    ReassembleIfPublished(*campaign);
    HttpResponse response;
    response.status = 204;
    return response;
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

  Status AuditWrite(const HttpRequest& request, const char* action, const char* entity,
                    const std::string& id, nlohmann::json before, nlohmann::json after) const {
    auto seq = s_.audit->Append(
        AuditFor(request, *s_.clock, action, entity, id, std::move(before), std::move(after)));
    return seq.ok() ? Status::Ok() : seq.status();
  }

  // Editing a promotion of an approved campaign changes what was approved.
  Status SendBackToSubmitted(const HttpRequest& request, const Campaign& campaign) const {
    if (campaign.status != CampaignStatus::kApproved) return Status::Ok();
    Campaign back = campaign;
    back.status = CampaignStatus::kSubmitted;
    auto updated = s_.campaigns->UpdateCampaign(back, campaign.version, s_.clock->Now());
    if (!updated.ok()) return updated.status();
    return AuditWrite(request, "transition", "campaign", campaign.id,
                      {{"status", CampaignStatusName(campaign.status)}},
                      {{"status", "submitted"}, {"comment", "edited after approval"}});
  }

  void ReassembleIfPublished(const Campaign& campaign) const {
    if (campaign.status == CampaignStatus::kApproved) (void)s_.await_offers();
  }

  // In the write's transaction: the offers of this campaign may change.
  Status LogCampaignChange(const std::string& campaign_id) const {
    const std::string ids[] = {campaign_id};
    return s_.changes->AppendChange(ChangeKind::kCampaign, ids).status();
  }

  HttpResponse Update(const HttpRequest& request, const Campaign& before, const Campaign& after,
                      int expected_version, const char* action, bool reassemble,
                      nlohmann::json audit_after = nullptr) const {
    Result<Campaign> updated = Status::Internal("not updated");
    const Status status = s_.catalog->Transaction([&]() -> Status {
      updated = s_.campaigns->UpdateCampaign(after, expected_version, s_.clock->Now());
      if (!updated.ok()) return updated.status();
      VITRINE_RETURN_IF_ERROR(AuditWrite(request, action, "campaign", before.id, ToJson(before),
                                         audit_after.is_null() ? ToJson(*updated) : audit_after));
      return reassemble ? LogCampaignChange(before.id) : Status::Ok();
    });
    if (status.code() == StatusCode::kFailedPrecondition) return Stale(status);
    if (!status.ok()) return Failure(status);
    if (reassemble) {
      // Publishes an approval, withdraws offers of anything else (tombstones).
      if (Status st = s_.await_offers(); !st.ok()) return StoreFailure(st);
    }
    return WithETag(HttpResponse::Json(200, View(*updated)), updated->version);
  }

  const ApiServices& s_;
};

}  // namespace

Status AddCampaignRoutes(HttpServer& server, const ApiServices& services) {
  auto routes = std::make_shared<CampaignRoutes>(services);
  auto bind = [routes](auto method) { return Handler(routes, method); };
  const std::vector<std::string> json_body = {"application/json"};
  std::vector<Route> table = {
      {"GET", "/api/v1/campaigns", Role::kViewer, false, {}, "", bind(&CampaignRoutes::List)},
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
