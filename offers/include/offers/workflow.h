// CampaignWorkflow: every rule of the campaign workflow (ARCHITECTURE.md §2), whoever drives
// it (an HTTP route, the demo, a CLI verb): creating and editing campaigns and their
// promotions, moving a campaign through the graph of Transition(), gating approval on its
// compliance checks, and deleting.
//
// Each mutating step is one transaction of the catalogue's backend holding the write, its
// audit entries and, when published offers may change, one kCampaign change-log entry naming
// the campaign: either all of them land or none does. Steps that may change what is
// published are every transition, every promotion write to a campaign that is not approved,
// and the approval of a revision; creating a campaign, editing one, editing an approved one
// (its pending revision) and deleting one (never an approved one) append no change-log entry.
//
// An approved campaign is published: an edit of it, or of its promotions, goes to its one
// pending revision (CampaignRevision) and the approved version stays published until the
// revision is approved (TransitionRevision), which replaces it in one step.
//
// Four eyes: nobody approves what they wrote. The authors of a campaign are its creator and
// whoever edited it since its last approval (Authors()); those of a revision are the
// campaign's creator and the revision's editors. An author's approval is refused (kForbidden)
// unless an admin gives an override_reason, which the audit entry and the campaign's
// last_review keep. The offers follow the change log; a caller that wants
// them up to date waits for it after the step (WorkflowStep::change_appended says when).
//
// A CampaignWorkflow holds no mutable state: it is safe for concurrent use from several
// threads when its repositories are (those of store/ are). The repositories, audit log,
// change log and clock must be of one backend (so that Transaction() joins them) and
// outlive it.
#pragma once

#include <optional>
#include <set>
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
  // kForbidden by the four-eyes rule: the authors the approver is one of.
  std::vector<std::string> authors;
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
  Campaign campaign;  // the live campaign as stored after the step; as it was before a delete
  // A kCampaign change-log entry was appended with the write: the published offers may
  // change once the change log is applied.
  bool change_appended = false;
  // An approval: the compliance report it was granted on.
  std::optional<CampaignChecks> checks;
  // The campaign's pending revision after the step: an edit of an approved campaign went to
  // it (`campaign` is then the live version, unchanged and still published), or a revision
  // step left it pending. Empty when there is none (an approved revision is none).
  std::optional<CampaignRevision> revision;
};

// What a promotion step left behind.
struct PromotionStep {
  // As stored after the step (the revision's copy when `revision` is set); as it was before a
  // delete.
  Promotion promotion;
  Campaign campaign;  // the promotion's live campaign after the step
  // A change-log entry was appended: see CampaignStep. False when the step went to a revision.
  bool change_appended = false;
  // The campaign is approved: the step went to its pending revision, as it is after the step,
  // and the published offers do not change.
  std::optional<CampaignRevision> revision;
};

// The words that go with a transition, kept in its audit entry.
struct TransitionRequest {
  CampaignStatus to = CampaignStatus::kSubmitted;
  std::string comment;
  // An admin's reason to approve despite blocking findings or their own authorship; ignored
  // when there is nothing to override (but audited), and no override for any other role.
  std::string override_reason;
  // The version the caller read (of the revision, for TransitionRevision); empty: the stored
  // one.
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

  // Replaces the fields of campaign `edited.id` with those of `edited` (status, version,
  // timestamps and authorship are the stored ones), audited "update", when its stored
  // version is `expected_version` (empty: whatever it is); the actor becomes one of its
  // authors. An approved campaign stays as it is, published: the fields go to its pending
  // revision, started from the live version when there is none (audited "revise"), and
  // `expected_version` is the revision's when there is one (EditableCampaign()). No change
  // is appended. Refusals, in this order: kInvalid (bad id or fields), kNotFound, kConflict
  // (archived: restore it to draft first), kStale.
  WorkflowResult<CampaignStep> EditCampaign(const Actor& actor, Campaign edited,
                                            std::optional<int> expected_version = std::nullopt);

  // Moves campaign `campaign_id` to `request.to`, audited "transition" with from, to,
  // comment, override_reason (when given) and, for an approval, blocking_findings. An
  // approval is checked first (Checks()): blocking findings refuse it (kConflict with
  // `blocking`) unless the actor is an admin who gives an override_reason. Refusals, in this
  // order: kInvalid (bad id), kNotFound, kConflict (outside the graph, with `allowed`),
  // kForbidden (the role may not, with `allowed`), kConflict (a revision is pending: approve,
  // reject or discard it first), kForbidden (four eyes: the approver is an author, with
  // `authors`), kConflict (blocking findings), kStale (the campaign changed since it was read
  // or checked). An approval or a rejection is the campaign's last_review; an approval
  // clears its edited_by.
  WorkflowResult<CampaignStep> Transition(const Actor& actor, std::string_view campaign_id,
                                          const TransitionRequest& request);

  // The campaign as an edit starts from: its pending revision's campaign when there is one,
  // else the stored campaign. kInvalid, kNotFound, kBackend.
  WorkflowResult<Campaign> EditableCampaign(std::string_view campaign_id);
  // The promotion as an edit starts from: its copy in the pending revision of its campaign
  // when there is one (kNotFound when the revision deleted it), else the stored promotion.
  WorkflowResult<Promotion> EditablePromotion(std::string_view promotion_id);

  // Moves the pending revision of approved campaign `campaign_id` through the graph of
  // Transition() (draft, submitted, approved, rejected; never archived: discard it), audited
  // "transition" with "revision": its version. An approval follows Transition()'s rules (four
  // eyes, blocking findings of the revision's content, admin override) and, in one
  // transaction, replaces the live campaign and its promotions with the revision's (a
  // promotion keeps its id, a deleted one's offers are tombstoned), each audited, deletes the
  // revision and appends the change: the offers follow. A rejection is the revision's
  // last_review; it stays pending, the live version published. Refusals: kInvalid, kNotFound
  // (no campaign, or no pending revision), then as Transition(), kStale naming the revision.
  WorkflowResult<CampaignStep> TransitionRevision(const Actor& actor, std::string_view campaign_id,
                                                  const TransitionRequest& request);
  // Drops the pending revision of campaign `campaign_id`, audited "discard"; the live
  // version stays as it is. kForbidden below the editor role; kInvalid, kNotFound.
  WorkflowResult<CampaignStep> DiscardRevision(const Actor& actor, std::string_view campaign_id);
  // The compliance report of the revision's content, as Checks() does for a campaign.
  Result<CampaignChecks> RevisionChecks(const CampaignRevision& revision) const;

  // Deletes campaign `campaign_id` and its promotions, audited "delete". An approved
  // campaign is published: kConflict, archive it first. Also kInvalid, kNotFound.
  WorkflowResult<CampaignStep> DeleteCampaign(const Actor& actor, std::string_view campaign_id);

  // Adds `promotion` to campaign `promotion.campaign_id`, audited "create". Refusals, in this
  // order: kInvalid (bad campaign id), kNotFound (no campaign), kConflict (the campaign is
  // archived), kInvalid (the fields Validate() refuses). The actor becomes an author of the
  // campaign. To an approved campaign, the promotion is added to its pending revision (as in
  // EditCampaign()), with an id of its own that it keeps once approved.
  WorkflowResult<PromotionStep> CreatePromotion(const Actor& actor, Promotion promotion);

  // Replaces promotion `edited.id` (its campaign and version are the stored ones) when its
  // stored version is `expected_version` (empty: whatever it is), audited "update". Refusals,
  // in this order: kInvalid (bad id), kNotFound, kConflict (archived campaign), kInvalid
  // (fields), kStale. For an approved campaign the revision's copy is edited (as in
  // CreatePromotion()), `expected_version` being the copy's (EditablePromotion()).
  WorkflowResult<PromotionStep> EditPromotion(const Actor& actor, Promotion edited,
                                              std::optional<int> expected_version = std::nullopt);

  // Deletes promotion `promotion_id` and tombstones its published offers in the same
  // transaction, audited "delete". Refusals: kInvalid, kNotFound, kConflict (archived
  // campaign). For an approved campaign the promotion leaves its pending revision only (as
  // in CreatePromotion()); its offers go when the revision is approved.
  WorkflowResult<PromotionStep> DeletePromotion(const Actor& actor, std::string_view promotion_id);

  // The compliance report of `campaign` now, the stage being approval (CheckCampaign()).
  // Errors are the repositories'.
  Result<CampaignChecks> Checks(const Campaign& campaign) const;

  // A dry run: the report Checks() would give for `campaign` with `promotions` were they
  // stored; nothing is written and nothing is read of a stored campaign. The campaign is
  // checked as a draft with the id kDraftCampaignId (no stored campaign has it), its
  // promotions with the ids "draft-1", "draft-2"... in the order given, so each finding
  // names the promotion it concerns. Errors are the repositories'.
  static constexpr char kDraftCampaignId[] = "draft";
  Result<CampaignChecks> DraftChecks(Campaign campaign, std::vector<Promotion> promotions) const;

  // The products `selector` picks, as a promotion's checks pick them (listed ids that exist;
  // the category's subtree; the brand): how many, and the first `sample` in id order.
  // InvalidArgument when the selector lists no product or names no category or brand.
  struct ProductSelection {
    int64_t count = 0;
    std::vector<Product> sample;
  };
  Result<ProductSelection> SelectProducts(const ProductSelector& selector, int sample = 20) const;

 private:
  // Appends the audit entry of one step, inside the step's transaction.
  Status Audit(const Actor& actor, std::string action, std::string entity, std::string id,
               nlohmann::json before, nlohmann::json after);
  // Inside the step's transaction: the campaign's published offers may change.
  Status AppendCampaignChange(const std::string& campaign_id);
  // Inside the step's transaction: `actor` becomes an author of non-approved `*campaign`,
  // stored when that changes it.
  Status AddAuthor(const Actor& actor, Campaign* campaign);
  // Inside the step's transaction: the pending revision of approved `live`, started from it
  // (audited "revise") when there is none.
  Result<CampaignRevision> OpenRevision(const Actor& actor, const Campaign& live);
  // Inside the step's transaction: stores `*revision` edited by `actor`, with a new version
  // and `expected_version` being the stored one (empty: the one it was read at).
  Status SaveRevision(const Actor& actor, CampaignRevision* revision,
                      std::optional<int> expected_version);
  // Inside the step's transaction: replaces approved `live` and its promotions with
  // `revision`'s, audited, and deletes the revision.
  Result<Campaign> ApplyRevision(const Actor& actor, const Campaign& live,
                                 const CampaignRevision& revision, const CampaignReview& review);
  // Inside the step's transaction: promotion `promotion_id` as an edit starts from, its live
  // `*campaign` and, when that is approved, its pending `*revision` (opened by `actor`) that
  // holds `*current`. Sets `*refused` when the step must be refused.
  Status FindPromotion(const Actor& actor, std::string_view promotion_id, Campaign* campaign,
                       std::optional<CampaignRevision>* revision, std::optional<Promotion>* current,
                       std::optional<WorkflowError>* refused);
  // The four-eyes rule for an approval by `actor` of what `authors` wrote; empty when allowed.
  std::optional<WorkflowError> FourEyes(const Actor& actor, const std::set<std::string>& authors,
                                        const TransitionRequest& request) const;

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
