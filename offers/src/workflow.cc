#include "offers/workflow.h"

#include <algorithm>
#include <set>

#include "common/text.h"
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

// Approval is gated by the compliance checks: `checks` with blocking findings refuses it
// unless an admin overrides with a reason. `what` names what is approved ("", " in the
// revision").
std::optional<WorkflowError> BlockingFindings(const Actor& actor, const TransitionRequest& request,
                                              CampaignChecks& checks, std::string_view what) {
  const bool admin_override = actor.role == Role::kAdmin && !request.override_reason.empty();
  if (checks.blocking == 0 || admin_override) return std::nullopt;
  WorkflowError error = Refusal(
      Kind::kConflict,
      Status::FailedPrecondition(std::to_string(checks.blocking) + " blocking compliance findings" +
                                 std::string(what) +
                                 "; fix them, or an admin may approve with an override_reason"));
  error.blocking = std::move(checks);
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

WorkflowError RevisionPending(const CampaignRevision& revision) {
  return Refusal(
      Kind::kConflict,
      Status::FailedPrecondition("campaign " + revision.campaign.id + " has a pending revision (" +
                                 std::string(CampaignStatusName(revision.campaign.status)) +
                                 ", version " + std::to_string(revision.campaign.version) +
                                 "); approve, reject or discard it first"));
}

WorkflowError NoRevision(std::string_view campaign_id) {
  return Refusal(Kind::kNotFound, Status::NotFound("campaign \"" + std::string(campaign_id) +
                                                   "\" has no pending revision"));
}

// The promotion's index in `revision`, or -1.
int IndexIn(const CampaignRevision& revision, std::string_view promotion_id) {
  for (size_t i = 0; i < revision.promotions.size(); ++i) {
    if (revision.promotions[i].id == promotion_id) return static_cast<int>(i);
  }
  return -1;
}

// The campaign repository as the checks of a revision read it: the revision's promotions
// stand for the campaign's, everything else is the repository's.
class RevisionContent final : public CampaignRepository {
 public:
  RevisionContent(CampaignRepository& inner, const CampaignRevision& revision)
      : inner_(inner), revision_(revision) {}

  Result<Campaign> CreateCampaign(Campaign campaign, Instant now) override {
    return inner_.CreateCampaign(std::move(campaign), now);
  }
  Result<std::optional<Campaign>> GetCampaign(std::string_view id) override {
    if (id == revision_.campaign.id) return std::optional<Campaign>(revision_.campaign);
    return inner_.GetCampaign(id);
  }
  Result<Campaign> UpdateCampaign(const Campaign& campaign, int expected_version,
                                  Instant now) override {
    return inner_.UpdateCampaign(campaign, expected_version, now);
  }
  Result<bool> DeleteCampaign(std::string_view id) override { return inner_.DeleteCampaign(id); }
  Result<Page<Campaign>> ListCampaigns(const CampaignQuery& query) override {
    return inner_.ListCampaigns(query);
  }
  Result<Promotion> CreatePromotion(Promotion promotion) override {
    return inner_.CreatePromotion(std::move(promotion));
  }
  Result<std::optional<Promotion>> GetPromotion(std::string_view id) override {
    if (const int i = IndexIn(revision_, id); i >= 0) {
      return std::optional<Promotion>(revision_.promotions[i]);
    }
    return inner_.GetPromotion(id);
  }
  Result<Promotion> UpdatePromotion(const Promotion& promotion, int expected_version) override {
    return inner_.UpdatePromotion(promotion, expected_version);
  }
  Result<bool> DeletePromotion(std::string_view id) override { return inner_.DeletePromotion(id); }
  Result<std::vector<Promotion>> ListPromotions(std::string_view campaign_id) override {
    if (campaign_id == revision_.campaign.id) return revision_.promotions;
    return inner_.ListPromotions(campaign_id);
  }
  Result<std::string> NewPromotionId() override { return inner_.NewPromotionId(); }
  Result<std::optional<CampaignRevision>> GetRevision(std::string_view campaign_id) override {
    return inner_.GetRevision(campaign_id);
  }
  Status PutRevision(const CampaignRevision& revision,
                     std::optional<int> expected_version) override {
    return inner_.PutRevision(revision, expected_version);
  }
  Result<bool> DeleteRevision(std::string_view campaign_id) override {
    return inner_.DeleteRevision(campaign_id);
  }
  Result<std::optional<std::string>> FindRevisionOfPromotion(
      std::string_view promotion_id) override {
    return inner_.FindRevisionOfPromotion(promotion_id);
  }

 private:
  CampaignRepository& inner_;
  const CampaignRevision& revision_;
};

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
  campaign.created_by = actor.name;
  campaign.edited_by.clear();
  campaign.last_review.reset();
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
    edited.created_by = current.created_by;
    edited.edited_by = current.edited_by;
    edited.last_review = current.last_review;
    if (std::vector<FieldError> errors = Validate(edited); !errors.empty()) {
      return Refuse(&refused, InvalidFields(std::move(errors)));
    }
    if (current.status == CampaignStatus::kArchived) {
      return Refuse(&refused, Refusal(Kind::kConflict, Status::FailedPrecondition(
                                                           "an archived campaign cannot be "
                                                           "edited; restore it to draft first")));
    }
    step.campaign = current;
    if (current.status == CampaignStatus::kApproved) {
      // Published: the edit goes to the pending revision, the live version stays.
      auto revision = OpenRevision(actor, current);
      if (!revision.ok()) return revision.status();
      const nlohmann::json before = ToJson(revision->campaign);
      Campaign& content = revision->campaign;
      content.name = edited.name;
      content.description = edited.description;
      content.start_local = edited.start_local;
      content.end_local = edited.end_local;
      content.channels = edited.channels;
      content.scope = edited.scope;
      content.theme = edited.theme;
      VITRINE_RETURN_IF_ERROR(SaveRevision(actor, &*revision, expected_version));
      nlohmann::json after = ToJson(revision->campaign);
      after["revision"] = true;
      VITRINE_RETURN_IF_ERROR(Audit(actor, "update", "campaign", current.id, before, after));
      step.revision = *std::move(revision);
      return Status::Ok();
    }
    if (actor.name != edited.created_by) edited.edited_by.insert(actor.name);
    auto updated =
        campaigns_.UpdateCampaign(edited, expected_version.value_or(current.version), clock_.Now());
    if (!updated.ok()) return updated.status();
    step.campaign = *std::move(updated);
    return Audit(actor, "update", "campaign", current.id, ToJson(current), ToJson(step.campaign));
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
  auto pending = campaigns_.GetRevision(current.id);
  if (!pending.ok()) return FromStatus(pending.status());
  if (pending->has_value()) return RevisionPending(**pending);
  if (*next == CampaignStatus::kApproved) {
    if (auto refused = FourEyes(actor, Authors(current), request)) return *std::move(refused);
  }
  CampaignStep step;
  if (*next == CampaignStatus::kApproved) {
    auto checks = Checks(current);
    if (!checks.ok()) return FromStatus(checks.status());
    if (auto refused = BlockingFindings(actor, request, *checks, "")) return *std::move(refused);
    step.checks = *std::move(checks);
  }
  std::optional<WorkflowError> refused;
  nlohmann::json audit_after = {{"from", CampaignStatusName(current.status)},
                                {"to", CampaignStatusName(*next)},
                                {"comment", request.comment}};
  if (!request.override_reason.empty()) audit_after["override_reason"] = request.override_reason;
  if (step.checks) audit_after["blocking_findings"] = step.checks->blocking;
  const Status status = catalog_.Transaction([&]() -> Status {
    Campaign after = current;
    after.status = *next;
    if (*next == CampaignStatus::kApproved || *next == CampaignStatus::kRejected) {
      after.last_review = CampaignReview{
          *next,
          request.comment,
          actor.name,
          clock_.Now(),
          actor.role == Role::kAdmin && *next == CampaignStatus::kApproved ? request.override_reason
                                                                           : std::string(),
          false};
    }
    // The next approval is four-eyed against whoever edits from now on.
    if (*next == CampaignStatus::kApproved) after.edited_by.clear();
    // An edit may have opened a revision since the read.
    auto opened = campaigns_.GetRevision(current.id);
    if (!opened.ok()) return opened.status();
    if (opened->has_value()) return Refuse(&refused, RevisionPending(**opened));
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
  return Outcome(std::move(refused), status, std::move(step));
}

WorkflowResult<Campaign> CampaignWorkflow::EditableCampaign(std::string_view campaign_id) {
  if (!field_rules::IsValidId(campaign_id)) {
    return Refusal(Kind::kInvalid, Status::InvalidArgument("id is not a campaign id"));
  }
  auto revision = campaigns_.GetRevision(campaign_id);
  if (!revision.ok()) return FromStatus(revision.status());
  if (revision->has_value()) return (*revision)->campaign;
  auto stored = campaigns_.GetCampaign(campaign_id);
  if (!stored.ok()) return FromStatus(stored.status());
  if (!stored->has_value()) return NoCampaign(campaign_id);
  return **stored;
}

WorkflowResult<Promotion> CampaignWorkflow::EditablePromotion(std::string_view promotion_id) {
  if (!field_rules::IsValidId(promotion_id)) {
    return Refusal(Kind::kInvalid, Status::InvalidArgument("id is not a promotion id"));
  }
  auto live = campaigns_.GetPromotion(promotion_id);
  if (!live.ok()) return FromStatus(live.status());
  std::string campaign_id;
  if (live->has_value()) {
    campaign_id = (*live)->campaign_id;
  } else {
    auto owner = campaigns_.FindRevisionOfPromotion(promotion_id);
    if (!owner.ok()) return FromStatus(owner.status());
    if (!owner->has_value()) return NoPromotion(promotion_id);
    campaign_id = **owner;
  }
  auto revision = campaigns_.GetRevision(campaign_id);
  if (!revision.ok()) return FromStatus(revision.status());
  if (revision->has_value()) {
    const int i = IndexIn(**revision, promotion_id);
    if (i >= 0) return (*revision)->promotions[i];
    return Refusal(Kind::kNotFound,
                   Status::NotFound("promotion \"" + std::string(promotion_id) +
                                    "\" is deleted in the pending revision of " + campaign_id));
  }
  if (!live->has_value()) return NoPromotion(promotion_id);
  return **live;
}

WorkflowResult<CampaignStep> CampaignWorkflow::TransitionRevision(
    const Actor& actor, std::string_view campaign_id, const TransitionRequest& request) {
  if (!field_rules::IsValidId(campaign_id)) {
    return Refusal(Kind::kInvalid, Status::InvalidArgument("id is not a campaign id"));
  }
  // Read outside the transaction, as Transition() does: the write names the version checked.
  auto stored = campaigns_.GetCampaign(campaign_id);
  if (!stored.ok()) return FromStatus(stored.status());
  if (!stored->has_value()) return NoCampaign(campaign_id);
  const Campaign live = **stored;
  auto pending = campaigns_.GetRevision(campaign_id);
  if (!pending.ok()) return FromStatus(pending.status());
  if (!pending->has_value()) return NoRevision(campaign_id);
  const CampaignRevision revision = **pending;
  const CampaignStatus from = revision.campaign.status;
  if (request.to == CampaignStatus::kArchived) {
    WorkflowError error = Refusal(
        Kind::kConflict, Status::FailedPrecondition("a revision is not archived: discard it"));
    error.allowed = AllowedTransitions(from, actor.role);
    std::erase(error.allowed, CampaignStatus::kArchived);
    return error;
  }
  auto next = vitrine::Transition(from, request.to, actor.role);
  if (!next.ok()) {
    const bool forbidden = next.status().code() == StatusCode::kPermissionDenied;
    WorkflowError error = Refusal(forbidden ? Kind::kForbidden : Kind::kConflict, next.status());
    error.allowed = AllowedTransitions(from, actor.role);
    std::erase(error.allowed, CampaignStatus::kArchived);
    return error;
  }
  if (request.expected_version && *request.expected_version != revision.campaign.version) {
    return Refusal(Kind::kStale, Status::FailedPrecondition(
                                     "version " + std::to_string(*request.expected_version) +
                                     " is stale; the revision is at version " +
                                     std::to_string(revision.campaign.version)));
  }
  CampaignStep step;
  if (*next == CampaignStatus::kApproved) {
    std::set<std::string> authors = Authors(revision.campaign);
    if (!live.created_by.empty()) authors.insert(live.created_by);
    if (auto refused = FourEyes(actor, authors, request)) return *std::move(refused);
    auto checks = RevisionChecks(revision);
    if (!checks.ok()) return FromStatus(checks.status());
    if (auto refused = BlockingFindings(actor, request, *checks, " in the revision")) {
      return *std::move(refused);
    }
    step.checks = *std::move(checks);
  }
  const bool reviewed = *next == CampaignStatus::kApproved || *next == CampaignStatus::kRejected;
  const CampaignReview review{*next,
                              request.comment,
                              actor.name,
                              clock_.Now(),
                              actor.role == Role::kAdmin && *next == CampaignStatus::kApproved
                                  ? request.override_reason
                                  : std::string(),
                              true};
  nlohmann::json audit_after = {{"revision", revision.campaign.version},
                                {"from", CampaignStatusName(from)},
                                {"to", CampaignStatusName(*next)},
                                {"comment", request.comment}};
  if (!request.override_reason.empty()) audit_after["override_reason"] = request.override_reason;
  if (step.checks) audit_after["blocking_findings"] = step.checks->blocking;
  const Status status = catalog_.Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(
        Audit(actor, "transition", "campaign", live.id,
              {{"revision", revision.campaign.version}, {"status", CampaignStatusName(from)}},
              audit_after));
    if (*next == CampaignStatus::kApproved) {
      // The version checked must be the one approved.
      auto current = campaigns_.GetRevision(live.id);
      if (!current.ok()) return current.status();
      if (!current->has_value() || (*current)->campaign.version != revision.campaign.version) {
        return Status::FailedPrecondition(
            "the revision changed since it was checked; read it "
            "again");
      }
      auto applied = ApplyRevision(actor, live, revision, review);
      if (!applied.ok()) return applied.status();
      step.campaign = *std::move(applied);
      step.change_appended = true;
      return AppendCampaignChange(live.id);
    }
    CampaignRevision moved = revision;
    moved.campaign.status = *next;
    if (reviewed) moved.campaign.last_review = review;
    moved.campaign.version = revision.campaign.version + 1;
    moved.campaign.updated_at = clock_.Now();
    VITRINE_RETURN_IF_ERROR(campaigns_.PutRevision(moved, revision.campaign.version));
    step.campaign = live;
    step.revision = std::move(moved);
    return Status::Ok();
  });
  return Outcome(std::nullopt, status, std::move(step));
}

WorkflowResult<CampaignStep> CampaignWorkflow::DiscardRevision(const Actor& actor,
                                                               std::string_view campaign_id) {
  if (!field_rules::IsValidId(campaign_id)) {
    return Refusal(Kind::kInvalid, Status::InvalidArgument("id is not a campaign id"));
  }
  if (actor.role < Role::kEditor) {
    return Refusal(Kind::kForbidden,
                   Status::PermissionDenied("discarding a revision needs the editor role"));
  }
  std::optional<WorkflowError> refused;
  CampaignStep step;
  const Status status = catalog_.Transaction([&]() -> Status {
    auto stored = campaigns_.GetCampaign(campaign_id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Refuse(&refused, NoCampaign(campaign_id));
    step.campaign = **stored;
    auto revision = campaigns_.GetRevision(campaign_id);
    if (!revision.ok()) return revision.status();
    if (!revision->has_value()) return Refuse(&refused, NoRevision(campaign_id));
    auto dropped = campaigns_.DeleteRevision(campaign_id);
    if (!dropped.ok()) return dropped.status();
    return Audit(actor, "discard", "campaign", step.campaign.id, ToJson(**revision),
                 nlohmann::json());
  });
  return Outcome(std::move(refused), status, std::move(step));
}

Result<CampaignChecks> CampaignWorkflow::RevisionChecks(const CampaignRevision& revision) const {
  RevisionContent content(campaigns_, revision);
  return CheckCampaign(catalog_, content, revision.campaign, rules_, clock_.Now(), limits_);
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
    if (step.campaign.status == CampaignStatus::kApproved) {
      auto revision = OpenRevision(actor, step.campaign);
      if (!revision.ok()) return revision.status();
      auto id = campaigns_.NewPromotionId();
      if (!id.ok()) return id.status();
      promotion.id = *std::move(id);
      revision->promotions.push_back(promotion);
      std::sort(revision->promotions.begin(), revision->promotions.end(),
                [](const Promotion& a, const Promotion& b) { return a.id < b.id; });
      VITRINE_RETURN_IF_ERROR(SaveRevision(actor, &*revision, std::nullopt));
      step.promotion = promotion;
      step.revision = *std::move(revision);
      nlohmann::json after = ToJson(step.promotion);
      after["revision"] = true;
      return Audit(actor, "create", "promotion", step.promotion.id, nlohmann::json(), after);
    }
    auto created = campaigns_.CreatePromotion(promotion);
    if (!created.ok()) return created.status();
    step.promotion = *std::move(created);
    VITRINE_RETURN_IF_ERROR(Audit(actor, "create", "promotion", step.promotion.id, nlohmann::json(),
                                  ToJson(step.promotion)));
    VITRINE_RETURN_IF_ERROR(AddAuthor(actor, &step.campaign));
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
    std::optional<CampaignRevision> revision;
    std::optional<Promotion> current;
    VITRINE_RETURN_IF_ERROR(
        FindPromotion(actor, edited.id, &step.campaign, &revision, &current, &refused));
    if (refused) return refused->status;
    // A promotion stays in its campaign.
    edited.campaign_id = current->campaign_id;
    edited.version = current->version;
    if (std::vector<FieldError> errors = Validate(edited); !errors.empty()) {
      return Refuse(&refused, InvalidFields(std::move(errors)));
    }
    if (revision) {
      if (expected_version && *expected_version != current->version) {
        return Refuse(&refused,
                      Refusal(Kind::kStale,
                              Status::FailedPrecondition(
                                  "version " + std::to_string(*expected_version) +
                                  " is stale; the promotion is at "
                                  "version " +
                                  std::to_string(current->version) + " in the pending revision")));
      }
      edited.version = current->version + 1;
      revision->promotions[IndexIn(*revision, edited.id)] = edited;
      VITRINE_RETURN_IF_ERROR(SaveRevision(actor, &*revision, std::nullopt));
      step.promotion = edited;
      step.revision = *std::move(revision);
      nlohmann::json after = ToJson(step.promotion);
      after["revision"] = true;
      return Audit(actor, "update", "promotion", edited.id, ToJson(*current), after);
    }
    auto updated = campaigns_.UpdatePromotion(edited, expected_version.value_or(current->version));
    if (!updated.ok()) return updated.status();
    step.promotion = *std::move(updated);
    VITRINE_RETURN_IF_ERROR(
        Audit(actor, "update", "promotion", current->id, ToJson(*current), ToJson(step.promotion)));
    VITRINE_RETURN_IF_ERROR(AddAuthor(actor, &step.campaign));
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
    std::optional<CampaignRevision> revision;
    std::optional<Promotion> current;
    VITRINE_RETURN_IF_ERROR(
        FindPromotion(actor, promotion_id, &step.campaign, &revision, &current, &refused));
    if (refused) return refused->status;
    step.promotion = *current;
    if (revision) {
      // Its offers stay published until the revision is approved.
      revision->promotions.erase(revision->promotions.begin() + IndexIn(*revision, promotion_id));
      VITRINE_RETURN_IF_ERROR(SaveRevision(actor, &*revision, std::nullopt));
      step.revision = *std::move(revision);
      nlohmann::json before = ToJson(step.promotion);
      before["revision"] = true;
      return Audit(actor, "delete", "promotion", step.promotion.id, before, nlohmann::json());
    }
    // Its published offers go with it: tombstones tell the platforms.
    auto withdrawn = offers_.ReplaceOffers({{step.promotion.id}, {}, {}}, {});
    if (!withdrawn.ok()) return withdrawn.status();
    auto removed = campaigns_.DeletePromotion(step.promotion.id);
    if (!removed.ok()) return removed.status();
    VITRINE_RETURN_IF_ERROR(Audit(actor, "delete", "promotion", step.promotion.id,
                                  ToJson(step.promotion), nlohmann::json()));
    VITRINE_RETURN_IF_ERROR(AddAuthor(actor, &step.campaign));
    step.change_appended = true;
    return AppendCampaignChange(step.campaign.id);
  });
  return Outcome(std::move(refused), status, std::move(step));
}

Result<CampaignChecks> CampaignWorkflow::Checks(const Campaign& campaign) const {
  return CheckCampaign(catalog_, campaigns_, campaign, rules_, clock_.Now(), limits_);
}

Result<CampaignChecks> CampaignWorkflow::DraftChecks(Campaign campaign,
                                                     std::vector<Promotion> promotions) const {
  CampaignRevision draft;
  campaign.id = kDraftCampaignId;
  campaign.status = CampaignStatus::kDraft;
  campaign.version = 1;
  draft.campaign = std::move(campaign);
  for (size_t i = 0; i < promotions.size(); ++i) {
    promotions[i].id = "draft-" + std::to_string(i + 1);
    promotions[i].campaign_id = kDraftCampaignId;
    promotions[i].version = 1;
  }
  draft.promotions = std::move(promotions);
  // The revision's view of the repository: its promotions stand for the campaign's.
  return RevisionChecks(draft);
}

Result<CampaignWorkflow::ProductSelection> CampaignWorkflow::SelectProducts(
    const ProductSelector& selector, int sample) const {
  ProductSelection selection;
  auto keep = [&](Product product) {
    ++selection.count;
    if (static_cast<int>(selection.sample.size()) < sample) {
      selection.sample.push_back(std::move(product));
    }
  };
  if (selector.kind == ProductSelector::Kind::kProducts) {
    if (selector.product_ids.empty())
      return Status::InvalidArgument("the selector lists no product");
    // Sorted and unique: the sample is in id order, a repeated id counts once.
    std::set<std::string> ids(selector.product_ids.begin(), selector.product_ids.end());
    for (const std::string& id : ids) {
      Result<std::optional<Product>> product = catalog_.GetProduct(id);
      if (!product.ok()) return product.status().WithContext("get product " + id);
      if (product->has_value()) keep(std::move(**product));
    }
    return selection;
  }
  ProductQuery query;
  if (selector.kind == ProductSelector::Kind::kCategory) {
    query.category = std::string(TrimAscii(selector.category));
    if (query.category.empty()) return Status::InvalidArgument("the selector names no category");
  } else {
    query.brand = std::string(TrimAscii(selector.brand));
    if (query.brand.empty()) return Status::InvalidArgument("the selector names no brand");
  }
  query.limit = 1000;
  while (true) {
    Result<Page<Product>> page = catalog_.ListProducts(query);
    if (!page.ok()) return page.status().WithContext("list products");
    for (Product& product : page->items) {
      // The checks' rule, which the repository's filter may only approximate.
      if (Selects(selector, product)) keep(std::move(product));
    }
    if (page->next_after.empty()) break;
    query.after = page->next_after;
  }
  return selection;
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

Status CampaignWorkflow::AddAuthor(const Actor& actor, Campaign* campaign) {
  if (actor.name == campaign->created_by || campaign->edited_by.contains(actor.name)) {
    return Status::Ok();
  }
  Campaign authored = *campaign;
  authored.edited_by.insert(actor.name);
  auto updated = campaigns_.UpdateCampaign(authored, campaign->version, clock_.Now());
  if (!updated.ok()) return updated.status();
  *campaign = *std::move(updated);
  return Status::Ok();
}

Result<CampaignRevision> CampaignWorkflow::OpenRevision(const Actor& actor, const Campaign& live) {
  auto pending = campaigns_.GetRevision(live.id);
  if (!pending.ok()) return pending.status();
  if (pending->has_value()) return **pending;
  CampaignRevision revision;
  revision.campaign = live;
  revision.campaign.status = CampaignStatus::kDraft;
  revision.campaign.created_at = clock_.Now();
  revision.campaign.updated_at = clock_.Now();
  revision.campaign.created_by = actor.name;
  revision.campaign.edited_by.clear();
  revision.campaign.last_review.reset();
  auto promotions = campaigns_.ListPromotions(live.id);
  if (!promotions.ok()) return promotions.status();
  revision.promotions = *std::move(promotions);
  // Numbered on from the live version, so that one number names what an edit starts from.
  revision.campaign.version = live.version;
  VITRINE_RETURN_IF_ERROR(Audit(actor, "revise", "campaign", live.id, nlohmann::json(),
                                {{"from_version", live.version}}));
  return revision;
}

Status CampaignWorkflow::SaveRevision(const Actor& actor, CampaignRevision* revision,
                                      std::optional<int> expected_version) {
  auto stored = campaigns_.GetRevision(revision->campaign.id);
  if (!stored.ok()) return stored.status();
  const std::optional<int> stored_version =
      stored->has_value() ? std::optional((*stored)->campaign.version) : std::nullopt;
  // A new revision names the live version it started from.
  const int read_version = revision->campaign.version;
  if (expected_version && *expected_version != read_version) {
    return Status::FailedPrecondition("version " + std::to_string(*expected_version) +
                                      " is stale; the campaign's pending revision is at version " +
                                      std::to_string(read_version));
  }
  if (actor.name != revision->campaign.created_by) {
    revision->campaign.edited_by.insert(actor.name);
  }
  revision->campaign.version = read_version + 1;
  revision->campaign.updated_at = clock_.Now();
  return campaigns_.PutRevision(*revision, stored_version);
}

Result<Campaign> CampaignWorkflow::ApplyRevision(const Actor& actor, const Campaign& live,
                                                 const CampaignRevision& revision,
                                                 const CampaignReview& review) {
  auto live_promotions = campaigns_.ListPromotions(live.id);
  if (!live_promotions.ok()) return live_promotions.status();
  std::vector<std::string> withdrawn;
  for (const Promotion& old : *live_promotions) {
    const int i = IndexIn(revision, old.id);
    if (i < 0) {
      withdrawn.push_back(old.id);
      auto removed = campaigns_.DeletePromotion(old.id);
      if (!removed.ok()) return removed.status();
      VITRINE_RETURN_IF_ERROR(
          Audit(actor, "delete", "promotion", old.id, ToJson(old), nlohmann::json()));
      continue;
    }
    Promotion next = revision.promotions[i];
    next.version = old.version;
    if (ToJson(next) == ToJson(old)) continue;
    auto updated = campaigns_.UpdatePromotion(next, old.version);
    if (!updated.ok()) return updated.status();
    VITRINE_RETURN_IF_ERROR(
        Audit(actor, "update", "promotion", old.id, ToJson(old), ToJson(*updated)));
  }
  for (const Promotion& p : revision.promotions) {
    if (std::any_of(live_promotions->begin(), live_promotions->end(),
                    [&](const Promotion& old) { return old.id == p.id; })) {
      continue;
    }
    auto created = campaigns_.CreatePromotion(p);
    if (!created.ok()) return created.status();
    VITRINE_RETURN_IF_ERROR(
        Audit(actor, "create", "promotion", p.id, nlohmann::json(), ToJson(*created)));
  }
  // The deleted promotions' offers go with them: assembly no longer knows them.
  if (!withdrawn.empty()) {
    auto tombstoned = offers_.ReplaceOffers({withdrawn, {}, {}}, {});
    if (!tombstoned.ok()) return tombstoned.status();
  }
  Campaign next = revision.campaign;
  next.status = CampaignStatus::kApproved;
  next.created_at = live.created_at;
  next.created_by = live.created_by;
  next.edited_by.clear();
  next.last_review = review;
  auto updated = campaigns_.UpdateCampaign(next, live.version, clock_.Now());
  if (!updated.ok()) return updated.status();
  VITRINE_RETURN_IF_ERROR(
      Audit(actor, "update", "campaign", live.id, ToJson(live), ToJson(*updated)));
  auto dropped = campaigns_.DeleteRevision(live.id);
  if (!dropped.ok()) return dropped.status();
  return updated;
}

std::optional<WorkflowError> CampaignWorkflow::FourEyes(const Actor& actor,
                                                        const std::set<std::string>& authors,
                                                        const TransitionRequest& request) const {
  if (!authors.contains(actor.name)) return std::nullopt;
  if (actor.role == Role::kAdmin && !request.override_reason.empty()) return std::nullopt;
  std::string names;
  for (const std::string& a : authors) names += (names.empty() ? "" : ", ") + a;
  WorkflowError error =
      Refusal(Kind::kForbidden,
              Status::PermissionDenied(
                  "four eyes: " + actor.name +
                  " is an author of this content (authors since the last approval: " + names +
                  "); another approver must approve it, or an admin with an "
                  "override_reason"));
  error.authors.assign(authors.begin(), authors.end());
  return error;
}

Status CampaignWorkflow::FindPromotion(const Actor& actor, std::string_view promotion_id,
                                       Campaign* campaign,
                                       std::optional<CampaignRevision>* revision,
                                       std::optional<Promotion>* current,
                                       std::optional<WorkflowError>* refused) {
  auto live = campaigns_.GetPromotion(promotion_id);
  if (!live.ok()) return live.status();
  std::string campaign_id;
  if (live->has_value()) {
    campaign_id = (*live)->campaign_id;
  } else {
    auto owner = campaigns_.FindRevisionOfPromotion(promotion_id);
    if (!owner.ok()) return owner.status();
    if (!owner->has_value()) return Refuse(refused, NoPromotion(promotion_id));
    campaign_id = **owner;
  }
  auto stored = campaigns_.GetCampaign(campaign_id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return Refuse(refused, NoCampaign(campaign_id));
  *campaign = **stored;
  if (campaign->status == CampaignStatus::kArchived) return Refuse(refused, CampaignArchived());
  if (campaign->status != CampaignStatus::kApproved) {
    if (!live->has_value()) return Refuse(refused, NoPromotion(promotion_id));
    *current = **live;
    return Status::Ok();
  }
  auto opened = OpenRevision(actor, *campaign);
  if (!opened.ok()) return opened.status();
  const int i = IndexIn(*opened, promotion_id);
  if (i < 0) {
    return Refuse(refused, Refusal(Kind::kNotFound,
                                   Status::NotFound("promotion \"" + std::string(promotion_id) +
                                                    "\" is deleted in the pending revision of " +
                                                    campaign->id)));
  }
  *current = opened->promotions[i];
  *revision = *std::move(opened);
  return Status::Ok();
}

}  // namespace vitrine
