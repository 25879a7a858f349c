#include "offers/workflow.h"

#include "offers/campaign_json.h"

namespace vitrine {
namespace {

using Kind = WorkflowError::Kind;

WorkflowError Refusal(Kind kind, Status status) {
  WorkflowError error;
  error.kind = kind;
  error.status = std::move(status);
  return error;
}

WorkflowError InvalidFields(std::vector<FieldError> fields) {
  WorkflowError error = Refusal(
      Kind::kInvalid, Status::InvalidArgument(fields.front().field + " " + fields.front().message));
  error.fields = std::move(fields);
  return error;
}

// A failed repository call, by its code: a stale version is FailedPrecondition (repository.h).
WorkflowError FromStatus(Status status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return Refusal(Kind::kInvalid, std::move(status));
    case StatusCode::kNotFound:
      return Refusal(Kind::kNotFound, std::move(status));
    case StatusCode::kFailedPrecondition:
      return Refusal(Kind::kStale, std::move(status));
    case StatusCode::kPermissionDenied:
      return Refusal(Kind::kForbidden, std::move(status));
    default:
      return Refusal(Kind::kBackend, std::move(status));
  }
}

// Records `error` as the step's refusal and returns its status, which rolls the step's
// transaction back.
Status Refuse(std::optional<WorkflowError>* refused, WorkflowError error) {
  Status status = error.status;
  *refused = std::move(error);
  return status;
}

WorkflowError NoCampaign(std::string_view id) {
  return Refusal(Kind::kNotFound, Status::NotFound("no campaign \"" + std::string(id) + "\""));
}

WorkflowError NoPromotion(std::string_view id) {
  return Refusal(Kind::kNotFound, Status::NotFound("no promotion \"" + std::string(id) + "\""));
}

WorkflowError CampaignArchived() {
  return Refusal(Kind::kConflict, Status::FailedPrecondition("the campaign is archived"));
}

// The outcome of a step's transaction: its refusal, else its failure, else `step`.
template <typename T>
WorkflowResult<T> Outcome(std::optional<WorkflowError> refused, Status status, T step) {
  if (refused) return std::move(*refused);
  if (!status.ok()) return FromStatus(std::move(status));
  return step;
}

}  // namespace

CampaignWorkflow::CampaignWorkflow(CatalogRepository& catalog, CampaignRepository& campaigns,
                                   OfferRepository& offers, AuditLog& audit, ChangeLog& changes,
                                   const Clock& clock, ComplianceRules rules, CheckLimits limits)
    : catalog_(catalog),
      campaigns_(campaigns),
      offers_(offers),
      audit_(audit),
      changes_(changes),
      clock_(clock),
      rules_(std::move(rules)),
      limits_(limits) {}

WorkflowResult<CampaignStep> CampaignWorkflow::CreateCampaign(const Actor& actor,
                                                              Campaign campaign) {
  campaign.status = CampaignStatus::kDraft;
  campaign.version = 1;
  if (std::vector<FieldError> errors = Validate(campaign); !errors.empty()) {
    return InvalidFields(std::move(errors));
  }
  CampaignStep step;
  const Status status = catalog_.Transaction([&]() -> Status {
    auto created = campaigns_.CreateCampaign(campaign, clock_.Now());
    if (!created.ok()) return created.status();
    step.campaign = *std::move(created);
    return Audit(actor, "create", "campaign", step.campaign.id, nlohmann::json(),
                 ToJson(step.campaign));
  });
  return Outcome(std::nullopt, status, std::move(step));
}

WorkflowResult<CampaignStep> CampaignWorkflow::EditCampaign(const Actor& actor, Campaign edited,
                                                            std::optional<int> expected_version) {
  if (!field_rules::IsValidId(edited.id)) {
    return Refusal(Kind::kInvalid, Status::InvalidArgument("id is not a campaign id"));
  }
  std::optional<WorkflowError> refused;
  CampaignStep step;
  const Status status = catalog_.Transaction([&]() -> Status {
    auto stored = campaigns_.GetCampaign(edited.id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Refuse(&refused, NoCampaign(edited.id));
    const Campaign& current = **stored;
    // The workflow's fields are not the editor's to set.
    edited.status = current.status;
    edited.version = current.version;
    edited.created_at = current.created_at;
    edited.updated_at = current.updated_at;
    if (std::vector<FieldError> errors = Validate(edited); !errors.empty()) {
      return Refuse(&refused, InvalidFields(std::move(errors)));
    }
    if (current.status == CampaignStatus::kArchived) {
      return Refuse(&refused, Refusal(Kind::kConflict, Status::FailedPrecondition(
                                                           "an archived campaign cannot be "
                                                           "edited; restore it to draft first")));
    }
    // A change to an approved campaign needs approving again (ARCHITECTURE.md §2).
    const bool was_approved = current.status == CampaignStatus::kApproved;
    if (was_approved) edited.status = CampaignStatus::kSubmitted;
    auto updated =
        campaigns_.UpdateCampaign(edited, expected_version.value_or(current.version), clock_.Now());
    if (!updated.ok()) return updated.status();
    step.campaign = *std::move(updated);
    VITRINE_RETURN_IF_ERROR(
        Audit(actor, "update", "campaign", current.id, ToJson(current), ToJson(step.campaign)));
    if (!was_approved) return Status::Ok();
    step.change_appended = true;
    return AppendCampaignChange(current.id);
  });
  return Outcome(std::move(refused), status, std::move(step));
}

WorkflowResult<CampaignStep> CampaignWorkflow::Transition(const Actor& actor,
                                                          std::string_view campaign_id,
                                                          const TransitionRequest& request) {
  if (!field_rules::IsValidId(campaign_id)) {
    return Refusal(Kind::kInvalid, Status::InvalidArgument("id is not a campaign id"));
  }
  // Read outside the transaction: the checks read the whole campaign and its catalogue, too
  // long to hold the writer. The write names the version read, so a change in between is
  // kStale rather than approving what was not checked.
  auto stored = campaigns_.GetCampaign(campaign_id);
  if (!stored.ok()) return FromStatus(stored.status());
  if (!stored->has_value()) return NoCampaign(campaign_id);
  const Campaign current = **stored;
  auto next = vitrine::Transition(current.status, request.to, actor.role);
  if (!next.ok()) {
    const bool forbidden = next.status().code() == StatusCode::kPermissionDenied;
    WorkflowError error = Refusal(forbidden ? Kind::kForbidden : Kind::kConflict, next.status());
    error.allowed = AllowedTransitions(current.status, actor.role);
    return error;
  }
  CampaignStep step;
  if (*next == CampaignStatus::kApproved) {
    auto checks = Checks(current);
    if (!checks.ok()) return FromStatus(checks.status());
    const bool admin_override = actor.role == Role::kAdmin && !request.override_reason.empty();
    if (checks->blocking > 0 && !admin_override) {
      WorkflowError error = Refusal(
          Kind::kConflict,
          Status::FailedPrecondition(std::to_string(checks->blocking) +
                                     " blocking compliance findings; fix them, or an admin may "
                                     "approve with an override_reason"));
      error.blocking = *std::move(checks);
      return error;
    }
    step.checks = *std::move(checks);
  }
  nlohmann::json audit_after = {{"from", CampaignStatusName(current.status)},
                                {"to", CampaignStatusName(*next)},
                                {"comment", request.comment}};
  if (!request.override_reason.empty()) audit_after["override_reason"] = request.override_reason;
  if (step.checks) audit_after["blocking_findings"] = step.checks->blocking;
  const Status status = catalog_.Transaction([&]() -> Status {
    Campaign after = current;
    after.status = *next;
    auto updated = campaigns_.UpdateCampaign(
        after, request.expected_version.value_or(current.version), clock_.Now());
    if (!updated.ok()) return updated.status();
    step.campaign = *std::move(updated);
    VITRINE_RETURN_IF_ERROR(
        Audit(actor, "transition", "campaign", current.id, ToJson(current), audit_after));
    // Publishes an approval; withdraws the offers of anything else.
    step.change_appended = true;
    return AppendCampaignChange(current.id);
  });
  return Outcome(std::nullopt, status, std::move(step));
}

WorkflowResult<CampaignStep> CampaignWorkflow::DeleteCampaign(const Actor& actor,
                                                              std::string_view campaign_id) {
  if (!field_rules::IsValidId(campaign_id)) {
    return Refusal(Kind::kInvalid, Status::InvalidArgument("id is not a campaign id"));
  }
  std::optional<WorkflowError> refused;
  CampaignStep step;
  const Status status = catalog_.Transaction([&]() -> Status {
    auto stored = campaigns_.GetCampaign(campaign_id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Refuse(&refused, NoCampaign(campaign_id));
    step.campaign = **stored;
    if (step.campaign.status == CampaignStatus::kApproved) {
      return Refuse(&refused,
                    Refusal(Kind::kConflict,
                            Status::FailedPrecondition("an approved campaign is published: archive "
                                                       "it instead")));
    }
    auto removed = campaigns_.DeleteCampaign(step.campaign.id);
    if (!removed.ok()) return removed.status();
    VITRINE_RETURN_IF_ERROR(Audit(actor, "delete", "campaign", step.campaign.id,
                                  ToJson(step.campaign), nlohmann::json()));
    // Archived before, its offers are withdrawn once that change is applied; should it not be
    // yet (another process applies), this entry withdraws whatever is left.
    step.change_appended = true;
    return AppendCampaignChange(step.campaign.id);
  });
  return Outcome(std::move(refused), status, std::move(step));
}

WorkflowResult<PromotionStep> CampaignWorkflow::CreatePromotion(const Actor& actor,
                                                                Promotion promotion) {
  if (!field_rules::IsValidId(promotion.campaign_id)) {
    return Refusal(Kind::kInvalid, Status::InvalidArgument("id is not a campaign id"));
  }
  promotion.id.clear();
  promotion.version = 1;
  std::optional<WorkflowError> refused;
  PromotionStep step;
  const Status status = catalog_.Transaction([&]() -> Status {
    auto stored = campaigns_.GetCampaign(promotion.campaign_id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Refuse(&refused, NoCampaign(promotion.campaign_id));
    step.campaign = **stored;
    if (step.campaign.status == CampaignStatus::kArchived) {
      return Refuse(&refused, CampaignArchived());
    }
    if (std::vector<FieldError> errors = Validate(promotion); !errors.empty()) {
      return Refuse(&refused, InvalidFields(std::move(errors)));
    }
    auto created = campaigns_.CreatePromotion(promotion);
    if (!created.ok()) return created.status();
    step.promotion = *std::move(created);
    VITRINE_RETURN_IF_ERROR(Audit(actor, "create", "promotion", step.promotion.id, nlohmann::json(),
                                  ToJson(step.promotion)));
    VITRINE_RETURN_IF_ERROR(
        SendBackToSubmitted(actor, &step.campaign, &step.sent_back_to_submitted));
    step.change_appended = true;
    return AppendCampaignChange(step.campaign.id);
  });
  return Outcome(std::move(refused), status, std::move(step));
}

WorkflowResult<PromotionStep> CampaignWorkflow::EditPromotion(const Actor& actor, Promotion edited,
                                                              std::optional<int> expected_version) {
  if (!field_rules::IsValidId(edited.id)) {
    return Refusal(Kind::kInvalid, Status::InvalidArgument("id is not a promotion id"));
  }
  std::optional<WorkflowError> refused;
  PromotionStep step;
  const Status status = catalog_.Transaction([&]() -> Status {
    auto stored = campaigns_.GetPromotion(edited.id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Refuse(&refused, NoPromotion(edited.id));
    const Promotion& current = **stored;
    auto campaign = campaigns_.GetCampaign(current.campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (!campaign->has_value()) return Refuse(&refused, NoCampaign(current.campaign_id));
    step.campaign = **campaign;
    if (step.campaign.status == CampaignStatus::kArchived) {
      return Refuse(&refused, CampaignArchived());
    }
    // A promotion stays in its campaign.
    edited.campaign_id = current.campaign_id;
    edited.version = current.version;
    if (std::vector<FieldError> errors = Validate(edited); !errors.empty()) {
      return Refuse(&refused, InvalidFields(std::move(errors)));
    }
    auto updated = campaigns_.UpdatePromotion(edited, expected_version.value_or(current.version));
    if (!updated.ok()) return updated.status();
    step.promotion = *std::move(updated);
    VITRINE_RETURN_IF_ERROR(
        Audit(actor, "update", "promotion", current.id, ToJson(current), ToJson(step.promotion)));
    VITRINE_RETURN_IF_ERROR(
        SendBackToSubmitted(actor, &step.campaign, &step.sent_back_to_submitted));
    step.change_appended = true;
    return AppendCampaignChange(step.campaign.id);
  });
  return Outcome(std::move(refused), status, std::move(step));
}

WorkflowResult<PromotionStep> CampaignWorkflow::DeletePromotion(const Actor& actor,
                                                                std::string_view promotion_id) {
  if (!field_rules::IsValidId(promotion_id)) {
    return Refusal(Kind::kInvalid, Status::InvalidArgument("id is not a promotion id"));
  }
  std::optional<WorkflowError> refused;
  PromotionStep step;
  const Status status = catalog_.Transaction([&]() -> Status {
    auto stored = campaigns_.GetPromotion(promotion_id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Refuse(&refused, NoPromotion(promotion_id));
    step.promotion = **stored;
    auto campaign = campaigns_.GetCampaign(step.promotion.campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (!campaign->has_value()) return Refuse(&refused, NoCampaign(step.promotion.campaign_id));
    step.campaign = **campaign;
    if (step.campaign.status == CampaignStatus::kArchived) {
      return Refuse(&refused, CampaignArchived());
    }
    // Its published offers go with it: tombstones tell the platforms.
    auto withdrawn = offers_.ReplaceOffers({{step.promotion.id}, {}, {}}, {});
    if (!withdrawn.ok()) return withdrawn.status();
    auto removed = campaigns_.DeletePromotion(step.promotion.id);
    if (!removed.ok()) return removed.status();
    VITRINE_RETURN_IF_ERROR(Audit(actor, "delete", "promotion", step.promotion.id,
                                  ToJson(step.promotion), nlohmann::json()));
    VITRINE_RETURN_IF_ERROR(
        SendBackToSubmitted(actor, &step.campaign, &step.sent_back_to_submitted));
    step.change_appended = true;
    return AppendCampaignChange(step.campaign.id);
  });
  return Outcome(std::move(refused), status, std::move(step));
}

Result<CampaignChecks> CampaignWorkflow::Checks(const Campaign& campaign) const {
  return CheckCampaign(catalog_, campaigns_, campaign, rules_, clock_.Now(), limits_);
}

Status CampaignWorkflow::Audit(const Actor& actor, std::string action, std::string entity,
                               std::string id, nlohmann::json before, nlohmann::json after) {
  AuditEntry entry;
  entry.at = clock_.Now();
  entry.actor = actor.name;
  entry.action = std::move(action);
  entry.entity = std::move(entity);
  entry.entity_id = std::move(id);
  entry.before = std::move(before);
  entry.after = std::move(after);
  entry.request_id = actor.request_id;
  return audit_.Append(entry).status();
}

Status CampaignWorkflow::AppendCampaignChange(const std::string& campaign_id) {
  const std::string ids[] = {campaign_id};
  return changes_.AppendChange(ChangeKind::kCampaign, ids).status();
}

Status CampaignWorkflow::SendBackToSubmitted(const Actor& actor, Campaign* campaign,
                                             bool* sent_back) {
  // Editing a promotion of an approved campaign changes what was approved.
  if (campaign->status != CampaignStatus::kApproved) return Status::Ok();
  Campaign back = *campaign;
  back.status = CampaignStatus::kSubmitted;
  auto updated = campaigns_.UpdateCampaign(back, campaign->version, clock_.Now());
  if (!updated.ok()) return updated.status();
  VITRINE_RETURN_IF_ERROR(Audit(actor, "transition", "campaign", campaign->id,
                                {{"status", CampaignStatusName(campaign->status)}},
                                {{"status", "submitted"}, {"comment", "edited after approval"}}));
  *campaign = *std::move(updated);
  *sent_back = true;
  return Status::Ok();
}

}  // namespace vitrine
