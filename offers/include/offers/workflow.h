// CampaignWorkflow: every rule of the campaign workflow (ARCHITECTURE.md §2), whoever drives
// it (an HTTP route, the demo, a CLI verb): creating and editing campaigns and their
// promotions, moving a campaign through the graph of Transition(), gating approval on its
// compliance checks, and deleting.
//
// Each mutating step is one transaction of the catalogue's backend holding the write, its
// audit entries and, when published offers may change, one kCampaign change-log entry naming
// the campaign: either all of them land or none does. Steps that may change what is
// published are every transition, every promotion write and an edit of an approved campaign;
// creating a campaign, editing one that is not approved and deleting one (never an approved
// one) append no change-log entry. The offers follow the change log; a caller that wants
// them up to date waits for it after the step (WorkflowStep::change_appended says when).
//
// A CampaignWorkflow holds no mutable state: it is safe for concurrent use from several
// threads when its repositories are (those of store/ are). The repositories, audit log,
// change log and clock must be of one backend (so that Transaction() joins them) and
// outlive it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/change_log.h"
#include "catalog/field_error.h"
#include "catalog/repository.h"
#include "common/status.h"
#include "common/time.h"
#include "offers/campaign.h"
#include "offers/campaign_checks.h"
#include "offers/compliance.h"
#include "offers/repository.h"

namespace vitrine {

// Who takes a step: what its audit entries record and what its role allows.
struct Actor {
  std::string name;           // "user:alice@example.com", "token:tok_1a2b...", "cli", "demo"
  Role role = Role::kPublic;  // the role Transition() checks; kPublic may take no step
  std::string request_id;     // ties the audit entries to an access log line; "" outside one
};

// Why a step was refused. Nothing was written when a step returns one.
struct WorkflowError {
  enum class Kind {
    kInvalid,    // bad input: `fields` names each bad field, else `status` says what (an id)
    kNotFound,   // the campaign or promotion does not exist
    kStale,      // the expected version is not the stored one: read again, then retry
    kConflict,   // the campaign's state refuses the step: archived, approved (delete), a step
                 // outside the graph (`allowed`), or blocking findings (`blocking`)
    kForbidden,  // the actor's role may not take this step of the graph (`allowed`)
    kBackend,    // a repository failed (`status` is its IoError, Unavailable...)
  };
  Kind kind = Kind::kBackend;
  // Never OK. InvalidArgument, NotFound, FailedPrecondition (stale and conflicts),
  // PermissionDenied, or the repository's; the message is meant for a person.
  Status status;
  std::vector<FieldError> fields;  // kInvalid: one per bad field, in Validate()'s order
  // kConflict on an approval refused for blocking findings: the report it was refused on.
  std::optional<CampaignChecks> blocking;
  // kConflict or kForbidden on a refused transition: the targets the actor may reach from
  // the campaign's status, in enum order (AllowedTransitions()).
  std::vector<CampaignStatus> allowed;
};

// A value of T, or the WorkflowError that explains why the step was refused.
template <typename T>
class [[nodiscard]] WorkflowResult {
 public:
  WorkflowResult(T value) : v_(std::move(value)) {}              // NOLINT: implicit by design
  WorkflowResult(WorkflowError error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  // Requires !ok().
  const WorkflowError& error() const { return std::get<WorkflowError>(v_); }
  // OK when ok(), else the error's status.
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : error().status;
  }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, WorkflowError> v_;
};

// What a campaign step left behind.
struct CampaignStep {
  Campaign campaign;  // as stored after the step; as it was before a delete
  // A kCampaign change-log entry was appended with the write: the published offers may
  // change once the change log is applied.
  bool change_appended = false;
  // An approval: the compliance report it was granted on.
  std::optional<CampaignChecks> checks;
};

// What a promotion step left behind.
struct PromotionStep {
  Promotion promotion;           // as stored after the step; as it was before a delete
  Campaign campaign;             // the promotion's campaign after the step
  bool change_appended = false;  // always true: see CampaignStep
  // The campaign was approved, hence published, and went back to submitted: its offers are
  // withdrawn once the change log is applied.
  bool sent_back_to_submitted = false;
};

// The words that go with a transition, kept in its audit entry.
struct TransitionRequest {
  CampaignStatus to = CampaignStatus::kSubmitted;
  std::string comment;
  // An admin's reason to approve despite blocking findings; ignored without blocking
  // findings (but audited), and no override for any other role.
  std::string override_reason;
  // The version the caller read; empty: the stored one.
  std::optional<int> expected_version;
};

class CampaignWorkflow {
 public:
  // Keeps references to every argument but `rules` and `limits`.
  CampaignWorkflow(CatalogRepository& catalog, CampaignRepository& campaigns,
                   OfferRepository& offers, AuditLog& audit, ChangeLog& changes, const Clock& clock,
                   ComplianceRules rules = {}, CheckLimits limits = {});
  CampaignWorkflow(const CampaignWorkflow&) = delete;
  CampaignWorkflow& operator=(const CampaignWorkflow&) = delete;

  // Creates `campaign` as a draft (its id, version and status are the repository's and the
  // workflow's), audited "create". kInvalid with the fields that Validate() refuses.
  WorkflowResult<CampaignStep> CreateCampaign(const Actor& actor, Campaign campaign);

  // Replaces the fields of campaign `edited.id` with those of `edited` (status, version and
  // timestamps are the stored ones), audited "update", when its stored version is
  // `expected_version` (empty: whatever it is). An approved campaign goes back to submitted,
  // which withdraws its offers (change appended). Refusals, in this order: kInvalid (bad id
  // or fields), kNotFound, kConflict (archived: restore it to draft first), kStale.
  WorkflowResult<CampaignStep> EditCampaign(const Actor& actor, Campaign edited,
                                            std::optional<int> expected_version = std::nullopt);

  // Moves campaign `campaign_id` to `request.to`, audited "transition" with from, to,
  // comment, override_reason (when given) and, for an approval, blocking_findings. An
  // approval is checked first (Checks()): blocking findings refuse it (kConflict with
  // `blocking`) unless the actor is an admin who gives an override_reason. Refusals, in this
  // order: kInvalid (bad id), kNotFound, kConflict (outside the graph, with `allowed`),
  // kForbidden (the role may not, with `allowed`), kConflict (blocking findings), kStale
  // (the campaign changed since it was read or checked).
  WorkflowResult<CampaignStep> Transition(const Actor& actor, std::string_view campaign_id,
                                          const TransitionRequest& request);

  // Deletes campaign `campaign_id` and its promotions, audited "delete". An approved
  // campaign is published: kConflict, archive it first. Also kInvalid, kNotFound.
  WorkflowResult<CampaignStep> DeleteCampaign(const Actor& actor, std::string_view campaign_id);

  // Adds `promotion` to campaign `promotion.campaign_id`, audited "create". Refusals, in this
  // order: kInvalid (bad campaign id), kNotFound (no campaign), kConflict (the campaign is
  // archived), kInvalid (the fields Validate() refuses). An approved campaign goes back to
  // submitted, audited "transition" with the comment "edited after approval".
  WorkflowResult<PromotionStep> CreatePromotion(const Actor& actor, Promotion promotion);

  // Replaces promotion `edited.id` (its campaign and version are the stored ones) when its
  // stored version is `expected_version` (empty: whatever it is), audited "update". Refusals,
  // in this order: kInvalid (bad id), kNotFound, kConflict (archived campaign), kInvalid
  // (fields), kStale. An approved campaign goes back to submitted as in CreatePromotion().
  WorkflowResult<PromotionStep> EditPromotion(const Actor& actor, Promotion edited,
                                              std::optional<int> expected_version = std::nullopt);

  // Deletes promotion `promotion_id` and tombstones its published offers in the same
  // transaction, audited "delete". Refusals: kInvalid, kNotFound, kConflict (archived
  // campaign). An approved campaign goes back to submitted as in CreatePromotion().
  WorkflowResult<PromotionStep> DeletePromotion(const Actor& actor, std::string_view promotion_id);

  // The compliance report of `campaign` now, the stage being approval (CheckCampaign()).
  // Errors are the repositories'.
  Result<CampaignChecks> Checks(const Campaign& campaign) const;

 private:
  // Appends the audit entry of one step, inside the step's transaction.
  Status Audit(const Actor& actor, std::string action, std::string entity, std::string id,
               nlohmann::json before, nlohmann::json after);
  // Inside the step's transaction: the campaign's published offers may change.
  Status AppendCampaignChange(const std::string& campaign_id);
  // Inside the step's transaction: an approved campaign whose promotions changed goes back to
  // submitted, audited. Sets *sent_back when it did.
  Status SendBackToSubmitted(const Actor& actor, Campaign* campaign, bool* sent_back);

  // Constant after construction.
  CatalogRepository& catalog_;
  CampaignRepository& campaigns_;
  OfferRepository& offers_;
  AuditLog& audit_;
  ChangeLog& changes_;
  const Clock& clock_;
  const ComplianceRules rules_;
  const CheckLimits limits_;
};

}  // namespace vitrine
