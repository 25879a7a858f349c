#include "offers/workflow.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/memory_database.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Kind = WorkflowError::Kind;

Instant At(const char* text) {
  auto t = ParseInstant(text);
  EXPECT_TRUE(t.ok()) << text;
  return *t;
}

LocalTime Local(std::chrono::year_month_day day) { return LocalTime{std::chrono::local_days{day}}; }

const Instant kLongAgo = At("2026-09-01T00:00:00Z");

const Actor kEditor{"user:editor@example.com", Role::kEditor, "req-editor"};
const Actor kApprover{"user:approver@example.com", Role::kApprover, "req-approver"};
const Actor kAdmin{"token:tok_admin", Role::kAdmin, "req-admin"};

// An audit log that refuses every entry: the step's write must not land without it.
class RefusingAuditLog final : public AuditLog {
 public:
  Result<int64_t> Append(const AuditEntry&) override { return Status::IoError("disk full"); }
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery&) override {
    return std::vector<AuditEntry>{};
  }
};

// The database's change log, but AppendChange fails: neither the write nor its audit entry
// may land without their change-log entry.
class RefusingChangeLog final : public ChangeLog {
 public:
  explicit RefusingChangeLog(ChangeLog& inner) : inner_(inner) {}
  Result<int64_t> AppendChange(ChangeKind, std::span<const std::string>) override {
    return Status::IoError("disk full");
  }
  Result<std::vector<ChangeEntry>> ListChangesSince(int64_t after, int limit) override {
    return inner_.ListChangesSince(after, limit);
  }
  Result<int64_t> LastChangeId() override { return inner_.LastChangeId(); }
  Result<int64_t> AppliedChangeId(std::string_view consumer) override {
    return inner_.AppliedChangeId(consumer);
  }
  Status SetAppliedChangeId(std::string_view consumer, int64_t id) override {
    return inner_.SetAppliedChangeId(consumer, id);
  }
  Result<bool> TryLease(std::string_view name, std::string_view holder, Instant now,
                        std::chrono::seconds ttl) override {
    return inner_.TryLease(name, holder, now, ttl);
  }
  Status ReleaseLease(std::string_view name, std::string_view holder) override {
    return inner_.ReleaseLease(name, holder);
  }
  Result<std::string> LeaseHolder(std::string_view name, Instant now) override {
    return inner_.LeaseHolder(name, now);
  }

 private:
  ChangeLog& inner_;
};

class CampaignWorkflowTest : public ::testing::Test {
 protected:
  CampaignWorkflowTest() : clock_(At("2026-11-20T08:00:00Z")) {}

  void SetUp() override {
    Store s;
    s.id = "S1";
    s.name = "Magasin S1";
    s.banner = "Market";
    s.city = "Lyon";
    s.postal_code = "69001";
    s.price_zone = "Z1";
    s.timezone = "Europe/Paris";
    ASSERT_TRUE(db_.PutStores(std::vector<Store>{s}, kLongAgo).ok());
    Product p;
    p.id = "CAFE";
    p.title = "Café moulu";
    p.brand = "Maison";
    p.category = "Épicerie > Café";
    auto gtin = Gtin::Parse("3017620422003");
    ASSERT_TRUE(gtin.ok());
    p.gtin = *gtin;
    auto quantity = Quantity::Parse("250 g");
    ASSERT_TRUE(quantity.ok());
    p.net_quantity = *quantity;
    p.image_url = "https://img.example/CAFE.jpg";
    ASSERT_TRUE(db_.PutProducts(std::vector<Product>{p}, kLongAgo).ok());
    const Price price{"CAFE", PriceLevel::kNational, "", Money::Euros(349), kLongAgo};
    ASSERT_TRUE(db_.PutPrices(std::vector<Price>{price}).ok());
    const StockLevel level{"CAFE", "S1", 20, kLongAgo};
    ASSERT_TRUE(db_.PutStock(std::vector<StockLevel>{level}).ok());
  }

  // A workflow over the database, or over `audit` / `changes` standing in for its own.
  CampaignWorkflow Workflow(AuditLog* audit = nullptr, ChangeLog* changes = nullptr) {
    return CampaignWorkflow(db_, db_, db_, audit ? *audit : db_, changes ? *changes : db_, clock_);
  }

  static Campaign Draft(const std::string& name = "Noël") {
    Campaign c;
    c.name = name;
    c.start_local = Local(2026y / 12 / 2);
    c.end_local = Local(2026y / 12 / 9);
    c.channels = {"google"};
    return c;
  }

  static Promotion PercentOffOn(const std::string& campaign_id, std::string product = "CAFE") {
    Promotion p;
    p.campaign_id = campaign_id;
    p.selector.product_ids = {std::move(product)};
    p.mechanic = PercentOff{20};
    return p;
  }

  // A promotion that selects nothing: a blocking finding.
  static Promotion SelectingNothing(const std::string& campaign_id) {
    Promotion p;
    p.campaign_id = campaign_id;
    p.selector.kind = ProductSelector::Kind::kBrand;
    p.selector.brand = "Nobody";
    p.mechanic = PercentOff{10};
    return p;
  }

  // A campaign with one promotion, moved to `status` through the workflow.
  Campaign CampaignIn(CampaignStatus status, bool blocked = false) {
    CampaignWorkflow workflow = Workflow();
    auto created = workflow.CreateCampaign(kEditor, Draft());
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    const std::string id = created->campaign.id;
    auto promotion =
        workflow.CreatePromotion(kEditor, blocked ? SelectingNothing(id) : PercentOffOn(id));
    EXPECT_TRUE(promotion.ok()) << promotion.status().ToString();
    Campaign c = promotion->campaign;
    auto move = [&](CampaignStatus to, const Actor& actor) {
      auto moved = workflow.Transition(actor, id, {to, "", blocked ? "test" : "", std::nullopt});
      EXPECT_TRUE(moved.ok()) << moved.status().ToString();
      if (moved.ok()) c = moved->campaign;
    };
    if (status == CampaignStatus::kDraft) return c;
    move(CampaignStatus::kSubmitted, kEditor);
    if (status == CampaignStatus::kSubmitted) return c;
    if (status == CampaignStatus::kArchived) {
      move(CampaignStatus::kArchived, kApprover);
      return c;
    }
    move(CampaignStatus::kApproved, blocked ? kAdmin : kApprover);
    return c;
  }

  std::vector<AuditEntry> AuditOf(const std::string& entity, const std::string& id) {
    AuditQuery query;
    query.entity = entity;
    query.entity_id = id;
    query.limit = 1000;
    auto entries = db_.ListAudit(query);
    EXPECT_TRUE(entries.ok());
    return entries.ok() ? *entries : std::vector<AuditEntry>{};
  }
  int64_t AuditCount() {
    AuditQuery query;
    query.limit = 1000;
    auto entries = db_.ListAudit(query);
    return entries.ok() ? static_cast<int64_t>(entries->size()) : -1;
  }

  int64_t LastChange() {
    auto last = db_.LastChangeId();
    EXPECT_TRUE(last.ok());
    return last.ok() ? *last : -1;
  }
  // The change-log entries appended after `since`.
  std::vector<ChangeEntry> ChangesSince(int64_t since) {
    auto entries = db_.ListChangesSince(since, 10000);
    EXPECT_TRUE(entries.ok());
    return entries.ok() ? *entries : std::vector<ChangeEntry>{};
  }
  void ExpectOneCampaignChange(int64_t since, const std::string& campaign_id) {
    const std::vector<ChangeEntry> entries = ChangesSince(since);
    ASSERT_THAT(entries, SizeIs(1));
    EXPECT_EQ(entries[0].kind, ChangeKind::kCampaign);
    EXPECT_THAT(entries[0].keys, ElementsAre(campaign_id));
  }

  Campaign Stored(const std::string& id) {
    auto c = db_.GetCampaign(id);
    EXPECT_TRUE(c.ok() && c->has_value()) << id;
    return c.ok() && c->has_value() ? **c : Campaign{};
  }

  ManualClock clock_;
  MemoryDatabase db_;
};

TEST_F(CampaignWorkflowTest, CreateMakesAnAuditedDraftWithoutAChange) {
  CampaignWorkflow workflow = Workflow();
  const int64_t since = LastChange();
  Campaign c = Draft();
  c.status = CampaignStatus::kApproved;  // not the author's to choose
  auto created = workflow.CreateCampaign(kEditor, c);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->campaign.status, CampaignStatus::kDraft);
  EXPECT_FALSE(created->change_appended);
  EXPECT_THAT(ChangesSince(since), IsEmpty());
  const auto audit = AuditOf("campaign", created->campaign.id);
  ASSERT_THAT(audit, SizeIs(1));
  EXPECT_EQ(audit[0].action, "create");
  EXPECT_EQ(audit[0].actor, "user:editor@example.com");
  EXPECT_EQ(audit[0].request_id, "req-editor");
  EXPECT_EQ(audit[0].at, clock_.Now());
  EXPECT_TRUE(audit[0].before.is_null());
  EXPECT_EQ(audit[0].after["name"], "Noël");

  Campaign bad = Draft();
  bad.channels.clear();
  auto refused = workflow.CreateCampaign(kEditor, bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, Kind::kInvalid);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  ASSERT_THAT(refused.error().fields, SizeIs(1));
  EXPECT_EQ(refused.error().fields[0].field, "channels");
}

TEST_F(CampaignWorkflowTest, EditingAnApprovedCampaignOpensOneRevisionAndKeepsTheLiveVersion) {
  const Campaign approved = CampaignIn(CampaignStatus::kApproved);
  ASSERT_EQ(approved.status, CampaignStatus::kApproved);
  CampaignWorkflow workflow = Workflow();
  const int64_t since = LastChange();
  const size_t audited = AuditOf("campaign", approved.id).size();
  Campaign edited = approved;
  edited.name = "Noël gourmand";
  auto step = workflow.EditCampaign(kEditor, edited, approved.version);
  ASSERT_TRUE(step.ok()) << step.status().ToString();
  // The live version is untouched and stays published: no change for the offers.
  EXPECT_EQ(step->campaign.status, CampaignStatus::kApproved);
  EXPECT_EQ(step->campaign.name, "Noël");
  EXPECT_EQ(step->campaign.version, approved.version);
  EXPECT_FALSE(step->change_appended);
  EXPECT_THAT(ChangesSince(since), IsEmpty());
  EXPECT_EQ(Stored(approved.id).status, CampaignStatus::kApproved);
  EXPECT_EQ(Stored(approved.id).name, "Noël");
  ASSERT_TRUE(step->revision.has_value());
  EXPECT_EQ(step->revision->campaign.name, "Noël gourmand");
  EXPECT_EQ(step->revision->campaign.status, CampaignStatus::kDraft);
  EXPECT_EQ(step->revision->campaign.version, approved.version + 1);
  EXPECT_EQ(step->revision->campaign.created_by, kEditor.name);
  ASSERT_THAT(step->revision->promotions, SizeIs(1));  // the live promotions, as they are

  const auto audit = AuditOf("campaign", approved.id);  // newest first
  ASSERT_EQ(audit.size(), audited + 2);
  EXPECT_EQ(audit[1].action, "revise");
  EXPECT_EQ(audit[0].action, "update");
  EXPECT_EQ(audit[0].after["name"], "Noël gourmand");
  EXPECT_EQ(audit[0].after["revision"], true);

  // A second edit goes to the same revision and names its version; the live one is stale.
  auto editable = workflow.EditableCampaign(approved.id);
  ASSERT_TRUE(editable.ok());
  EXPECT_EQ(editable->name, "Noël gourmand");
  Campaign again = *editable;
  again.description = "Chocolats et foie gras";
  EXPECT_EQ(workflow.EditCampaign(kEditor, again, approved.version).error().kind, Kind::kStale);
  auto second = workflow.EditCampaign(kEditor, again, editable->version);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->revision->campaign.version, approved.version + 2);
  EXPECT_EQ(second->revision->campaign.name, "Noël gourmand");
  EXPECT_EQ(second->revision->campaign.description, "Chocolats et foie gras");
  EXPECT_THAT(ChangesSince(since), IsEmpty());
  EXPECT_EQ(Stored(approved.id).name, "Noël");
}

TEST_F(CampaignWorkflowTest, EditingADraftAppendsNoChangeAndKeepsItsStatus) {
  const Campaign draft = CampaignIn(CampaignStatus::kDraft);
  CampaignWorkflow workflow = Workflow();
  const int64_t since = LastChange();
  Campaign edited = draft;
  edited.status = CampaignStatus::kApproved;  // only a transition moves a campaign
  edited.description = "Chocolats";
  auto step = workflow.EditCampaign(kEditor, edited);
  ASSERT_TRUE(step.ok()) << step.status().ToString();
  EXPECT_EQ(step->campaign.status, CampaignStatus::kDraft);
  EXPECT_FALSE(step->change_appended);
  EXPECT_THAT(ChangesSince(since), IsEmpty());
}

TEST_F(CampaignWorkflowTest, AStaleVersionIsRefusedAndWritesNothing) {
  const Campaign approved = CampaignIn(CampaignStatus::kApproved);
  CampaignWorkflow workflow = Workflow();
  const int64_t since = LastChange();
  const int64_t audited = AuditCount();
  Campaign edited = approved;
  edited.name = "Perdu";
  auto refused = workflow.EditCampaign(kEditor, edited, approved.version - 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, Kind::kStale);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(ChangesSince(since), IsEmpty());
  EXPECT_EQ(AuditCount(), audited);
  EXPECT_EQ(Stored(approved.id).name, "Noël");
  EXPECT_EQ(Stored(approved.id).status, CampaignStatus::kApproved);

  auto promotions = db_.ListPromotions(approved.id);
  ASSERT_TRUE(promotions.ok());
  ASSERT_THAT(*promotions, SizeIs(1));
  Promotion promotion = (*promotions)[0];
  promotion.priority = 3;
  auto stale = workflow.EditPromotion(kEditor, promotion, promotion.version + 5);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, Kind::kStale);
  EXPECT_THAT(ChangesSince(since), IsEmpty());
  EXPECT_EQ(AuditCount(), audited);
  EXPECT_EQ(Stored(approved.id).status, CampaignStatus::kApproved);  // not sent back
}

TEST_F(CampaignWorkflowTest, ApprovalIsRefusedOnBlockingFindingsWithTheReport) {
  const Campaign blocked = CampaignIn(CampaignStatus::kSubmitted, /*blocked=*/true);
  CampaignWorkflow workflow = Workflow();
  const int64_t since = LastChange();
  const int64_t audited = AuditCount();
  auto refused =
      workflow.Transition(kApprover, blocked.id, {CampaignStatus::kApproved, "ok", "", {}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, Kind::kConflict);
  ASSERT_TRUE(refused.error().blocking.has_value());
  EXPECT_GE(refused.error().blocking->blocking, 1);
  EXPECT_THAT(refused.status().message(), HasSubstr("blocking compliance findings"));
  EXPECT_EQ(Stored(blocked.id).status, CampaignStatus::kSubmitted);
  EXPECT_THAT(ChangesSince(since), IsEmpty());
  EXPECT_EQ(AuditCount(), audited);

  // Checks() gives the same report.
  auto checks = workflow.Checks(blocked);
  ASSERT_TRUE(checks.ok());
  EXPECT_EQ(checks->blocking, refused.error().blocking->blocking);
}

TEST_F(CampaignWorkflowTest, DraftChecksReportOnUnstoredPromotionsAndWriteNothing) {
  CampaignWorkflow workflow = Workflow();
  const int64_t since = LastChange();
  const int64_t audited = AuditCount();
  Promotion good = PercentOffOn("");
  Promotion nothing = SelectingNothing("");
  auto report = workflow.DraftChecks(Draft(), {good, nothing});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->promotions, 2);
  EXPECT_EQ(report->products, 1);
  EXPECT_GE(report->blocking, 1);
  // The finding names the second promotion of the list.
  bool named = false;
  for (const Finding& f : report->findings) {
    if (f.code == check_codes::kSelectorMatchesNothing) named = f.promotion_id == "draft-2";
  }
  EXPECT_TRUE(named);
  // Without the promotion selecting nothing, nothing blocks: the report follows the input.
  auto clean = workflow.DraftChecks(Draft(), {good});
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->blocking, 0);
  // No campaign, audit entry nor change was written.
  auto campaigns = db_.ListCampaigns(CampaignQuery{});
  ASSERT_TRUE(campaigns.ok());
  EXPECT_THAT(campaigns->items, IsEmpty());
  EXPECT_EQ(AuditCount(), audited);
  EXPECT_THAT(ChangesSince(since), IsEmpty());
}

TEST_F(CampaignWorkflowTest, SelectProductsCountsWhatASelectorPicks) {
  Product tea;
  tea.id = "THE";
  tea.title = "Thé vert";
  tea.brand = "maison";  // the brand compares case-insensitively
  tea.category = "Épicerie > Thé";
  ASSERT_TRUE(db_.PutProducts(std::vector<Product>{tea}, kLongAgo).ok());
  CampaignWorkflow workflow = Workflow();
  ProductSelector brand;
  brand.kind = ProductSelector::Kind::kBrand;
  brand.brand = " Maison ";
  auto by_brand = workflow.SelectProducts(brand, /*sample=*/1);
  ASSERT_TRUE(by_brand.ok()) << by_brand.status().ToString();
  EXPECT_EQ(by_brand->count, 2);
  ASSERT_THAT(by_brand->sample, SizeIs(1));
  EXPECT_EQ(by_brand->sample[0].id, "CAFE");

  ProductSelector category;
  category.kind = ProductSelector::Kind::kCategory;
  category.category = "Épicerie > Thé";
  EXPECT_EQ(workflow.SelectProducts(category)->count, 1);

  ProductSelector listed;
  listed.product_ids = {"THE", "NOPE", "THE"};
  auto by_list = workflow.SelectProducts(listed);
  ASSERT_TRUE(by_list.ok());
  EXPECT_EQ(by_list->count, 1);  // an unknown id selects nothing, a repeat counts once

  listed.product_ids.clear();
  EXPECT_EQ(workflow.SelectProducts(listed).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CampaignWorkflowTest, AnAdminOverrideWithAReasonIsAcceptedAndAudited) {
  const Campaign blocked = CampaignIn(CampaignStatus::kSubmitted, /*blocked=*/true);
  CampaignWorkflow workflow = Workflow();
  const int64_t since = LastChange();
  auto step = workflow.Transition(kAdmin, blocked.id,
                                  {CampaignStatus::kApproved, "vu", "validé par le juridique", {}});
  ASSERT_TRUE(step.ok()) << step.status().ToString();
  EXPECT_EQ(step->campaign.status, CampaignStatus::kApproved);
  ASSERT_TRUE(step->checks.has_value());
  EXPECT_GE(step->checks->blocking, 1);
  EXPECT_TRUE(step->change_appended);
  ExpectOneCampaignChange(since, blocked.id);

  const auto audit = AuditOf("campaign", blocked.id);
  ASSERT_FALSE(audit.empty());
  const AuditEntry& entry = audit[0];
  EXPECT_EQ(entry.action, "transition");
  EXPECT_EQ(entry.actor, "token:tok_admin");
  EXPECT_EQ(entry.request_id, "req-admin");
  EXPECT_EQ(entry.before["status"], "submitted");
  EXPECT_EQ(entry.after["from"], "submitted");
  EXPECT_EQ(entry.after["to"], "approved");
  EXPECT_EQ(entry.after["comment"], "vu");
  EXPECT_EQ(entry.after["override_reason"], "validé par le juridique");
  EXPECT_EQ(entry.after["blocking_findings"], step->checks->blocking);
}

TEST_F(CampaignWorkflowTest, AnOverrideWithoutAReasonOrByANonAdminIsRefused) {
  const Campaign blocked = CampaignIn(CampaignStatus::kSubmitted, /*blocked=*/true);
  CampaignWorkflow workflow = Workflow();
  auto no_reason = workflow.Transition(kAdmin, blocked.id, {CampaignStatus::kApproved, "", "", {}});
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.error().kind, Kind::kConflict);
  EXPECT_TRUE(no_reason.error().blocking.has_value());
  auto approver =
      workflow.Transition(kApprover, blocked.id, {CampaignStatus::kApproved, "", "je prends", {}});
  ASSERT_FALSE(approver.ok());
  EXPECT_EQ(approver.error().kind, Kind::kConflict);
  EXPECT_TRUE(approver.error().blocking.has_value());
  EXPECT_EQ(Stored(blocked.id).status, CampaignStatus::kSubmitted);
}

TEST_F(CampaignWorkflowTest, TransitionsOutsideTheGraphOrTheRoleAreRefusedWithTheTargets) {
  const Campaign draft = CampaignIn(CampaignStatus::kDraft);
  CampaignWorkflow workflow = Workflow();
  auto outside = workflow.Transition(kApprover, draft.id, {CampaignStatus::kApproved, "", "", {}});
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().kind, Kind::kConflict);
  EXPECT_FALSE(outside.error().blocking.has_value());
  EXPECT_THAT(outside.error().allowed, Contains(CampaignStatus::kSubmitted));

  const Campaign submitted = CampaignIn(CampaignStatus::kSubmitted);
  auto forbidden =
      workflow.Transition(kEditor, submitted.id, {CampaignStatus::kApproved, "", "", {}});
  ASSERT_FALSE(forbidden.ok());
  EXPECT_EQ(forbidden.error().kind, Kind::kForbidden);
  EXPECT_EQ(forbidden.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(forbidden.error().allowed, ElementsAre(CampaignStatus::kDraft));

  auto missing =
      workflow.Transition(kEditor, "C99999999", {CampaignStatus::kSubmitted, "", "", {}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, Kind::kNotFound);
  auto bad_id = workflow.Transition(kEditor, "../x", {CampaignStatus::kSubmitted, "", "", {}});
  ASSERT_FALSE(bad_id.ok());
  EXPECT_EQ(bad_id.error().kind, Kind::kInvalid);
}

TEST_F(CampaignWorkflowTest, EachTransitionAppendsOneChangeAndOneAuditEntry) {
  const Campaign draft = CampaignIn(CampaignStatus::kDraft);
  CampaignWorkflow workflow = Workflow();
  for (const auto& [to, actor] :
       std::vector<std::pair<CampaignStatus, Actor>>{{CampaignStatus::kSubmitted, kEditor},
                                                     {CampaignStatus::kApproved, kApprover},
                                                     {CampaignStatus::kArchived, kApprover},
                                                     {CampaignStatus::kDraft, kAdmin}}) {
    SCOPED_TRACE(CampaignStatusName(to));
    const int64_t since = LastChange();
    const int64_t audited = AuditCount();
    auto step = workflow.Transition(actor, draft.id, {to, "", "", {}});
    ASSERT_TRUE(step.ok()) << step.status().ToString();
    EXPECT_EQ(step->campaign.status, to);
    ExpectOneCampaignChange(since, draft.id);
    EXPECT_EQ(AuditCount(), audited + 1);
  }
}

TEST_F(CampaignWorkflowTest, AnArchivedCampaignAndItsPromotionsCannotBeEdited) {
  const Campaign archived = CampaignIn(CampaignStatus::kArchived);
  ASSERT_EQ(archived.status, CampaignStatus::kArchived);
  CampaignWorkflow workflow = Workflow();
  const int64_t since = LastChange();
  const int64_t audited = AuditCount();
  Campaign edited = archived;
  edited.name = "Archivée";
  auto refused = workflow.EditCampaign(kEditor, edited);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, Kind::kConflict);
  EXPECT_THAT(refused.status().message(), HasSubstr("archived"));

  auto added = workflow.CreatePromotion(kEditor, PercentOffOn(archived.id));
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().kind, Kind::kConflict);
  auto promotions = db_.ListPromotions(archived.id);
  ASSERT_TRUE(promotions.ok());
  ASSERT_THAT(*promotions, SizeIs(1));
  Promotion promotion = (*promotions)[0];
  promotion.priority = 2;
  auto changed = workflow.EditPromotion(kEditor, promotion);
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().kind, Kind::kConflict);
  auto deleted = workflow.DeletePromotion(kEditor, promotion.id);
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().kind, Kind::kConflict);

  EXPECT_EQ(Stored(archived.id).name, "Noël");
  EXPECT_THAT(ChangesSince(since), IsEmpty());
  EXPECT_EQ(AuditCount(), audited);
}

TEST_F(CampaignWorkflowTest, AnApprovedCampaignCannotBeDeletedButAnArchivedOneCan) {
  const Campaign approved = CampaignIn(CampaignStatus::kApproved);
  CampaignWorkflow workflow = Workflow();
  auto refused = workflow.DeleteCampaign(kApprover, approved.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, Kind::kConflict);
  EXPECT_THAT(refused.status().message(), HasSubstr("archive it"));
  EXPECT_EQ(Stored(approved.id).status, CampaignStatus::kApproved);

  ASSERT_TRUE(
      workflow.Transition(kApprover, approved.id, {CampaignStatus::kArchived, "", "", {}}).ok());
  const int64_t since = *db_.LastChangeId();
  auto deleted = workflow.DeleteCampaign(kApprover, approved.id);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  // One entry: whatever offers the campaign still has are withdrawn when it is applied.
  const auto changes = ChangesSince(since);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kCampaign);
  EXPECT_EQ(changes[0].keys, std::vector<std::string>{approved.id});
  auto gone = db_.GetCampaign(approved.id);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  const auto audit = AuditOf("campaign", approved.id);
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].action, "delete");
  EXPECT_TRUE(audit[0].after.is_null());
  EXPECT_EQ(audit[0].before["status"], "archived");

  auto missing = workflow.DeleteCampaign(kApprover, approved.id);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, Kind::kNotFound);
}

TEST_F(CampaignWorkflowTest, PromotionStepsOfAnApprovedCampaignGoToItsRevision) {
  CampaignWorkflow workflow = Workflow();
  // Add, edit, delete: each goes to the pending revision, audited; the live version and its
  // promotions stay as they are, with no change for the offers.
  for (int step_number = 0; step_number < 3; ++step_number) {
    SCOPED_TRACE(step_number);
    const Campaign approved = CampaignIn(CampaignStatus::kApproved);
    ASSERT_EQ(approved.status, CampaignStatus::kApproved);
    auto promotions = db_.ListPromotions(approved.id);
    ASSERT_TRUE(promotions.ok());
    Promotion promotion = (*promotions)[0];
    const int64_t since = LastChange();
    WorkflowResult<PromotionStep> step = WorkflowError{};
    if (step_number == 0) step = workflow.CreatePromotion(kEditor, PercentOffOn(approved.id));
    if (step_number == 1) {
      promotion.priority = 4;
      step = workflow.EditPromotion(kEditor, promotion, promotion.version);
    }
    if (step_number == 2) step = workflow.DeletePromotion(kEditor, promotion.id);
    ASSERT_TRUE(step.ok()) << step.status().ToString();
    ASSERT_TRUE(step->revision.has_value());
    EXPECT_FALSE(step->change_appended);
    EXPECT_THAT(ChangesSince(since), IsEmpty());
    EXPECT_EQ(step->campaign.status, CampaignStatus::kApproved);
    EXPECT_EQ(Stored(approved.id).status, CampaignStatus::kApproved);
    auto live = db_.ListPromotions(approved.id);
    ASSERT_TRUE(live.ok());
    ASSERT_THAT(*live, SizeIs(1));
    EXPECT_EQ((*live)[0].priority, 0);
    EXPECT_THAT(step->revision->promotions, SizeIs(step_number == 0   ? 2u
                                                   : step_number == 1 ? 1u
                                                                      : 0u));
    if (step_number == 0) {
      // Its own id, kept once approved; found through the revision.
      EXPECT_NE(step->promotion.id, promotion.id);
      auto found = workflow.EditablePromotion(step->promotion.id);
      ASSERT_TRUE(found.ok()) << found.status().ToString();
      EXPECT_EQ(found->campaign_id, approved.id);
    }
    if (step_number == 1) {
      EXPECT_EQ(step->revision->promotions[0].priority, 4);
      EXPECT_EQ(step->promotion.version, promotion.version + 1);
    }
    const auto promotion_audit = AuditOf("promotion", step->promotion.id);
    ASSERT_FALSE(promotion_audit.empty());
    EXPECT_EQ(promotion_audit[0].action, step_number == 0   ? "create"
                                         : step_number == 1 ? "update"
                                                            : "delete");
  }
}

TEST_F(CampaignWorkflowTest, AnApprovedRevisionReplacesTheLiveVersionInOneStep) {
  const Campaign approved = CampaignIn(CampaignStatus::kApproved);
  auto live = db_.ListPromotions(approved.id);
  ASSERT_TRUE(live.ok());
  Promotion kept = (*live)[0];
  CampaignWorkflow workflow = Workflow();
  Campaign edited = approved;
  edited.name = "Noël gourmand";
  ASSERT_TRUE(workflow.EditCampaign(kEditor, edited).ok());
  kept.mechanic = PercentOff{25};
  ASSERT_TRUE(workflow.EditPromotion(kEditor, kept).ok());
  auto added = workflow.CreatePromotion(kEditor, PercentOffOn(approved.id));
  ASSERT_TRUE(added.ok());

  // Its checks read the revision's content.
  auto pending = db_.GetRevision(approved.id);
  ASSERT_TRUE(pending.ok() && pending->has_value());
  auto checks = workflow.RevisionChecks(**pending);
  ASSERT_TRUE(checks.ok());
  EXPECT_EQ(checks->promotions, 2);

  // Draft: not approvable yet; the editor submits, may not approve.
  EXPECT_EQ(workflow
                .TransitionRevision(kApprover, approved.id,
                                    {CampaignStatus::kApproved, "", "", std::nullopt})
                .error()
                .kind,
            Kind::kConflict);
  ASSERT_TRUE(workflow
                  .TransitionRevision(kEditor, approved.id,
                                      {CampaignStatus::kSubmitted, "", "", std::nullopt})
                  .ok());
  EXPECT_EQ(workflow
                .TransitionRevision(kEditor, approved.id,
                                    {CampaignStatus::kApproved, "", "", std::nullopt})
                .error()
                .kind,
            Kind::kForbidden);
  // The live campaign takes no transition while a revision is pending.
  auto archived =
      workflow.Transition(kApprover, approved.id, {CampaignStatus::kArchived, "", "", {}});
  ASSERT_FALSE(archived.ok());
  EXPECT_EQ(archived.error().kind, Kind::kConflict);
  EXPECT_THAT(archived.status().message(), HasSubstr("pending revision"));

  const int64_t since = LastChange();
  auto step = workflow.TransitionRevision(kApprover, approved.id,
                                          {CampaignStatus::kApproved, "bon pour moi", "", {}});
  ASSERT_TRUE(step.ok()) << step.status().ToString();
  EXPECT_TRUE(step->change_appended);
  EXPECT_FALSE(step->revision.has_value());
  ExpectOneCampaignChange(since, approved.id);
  const Campaign now_live = Stored(approved.id);
  EXPECT_EQ(now_live.name, "Noël gourmand");
  EXPECT_EQ(now_live.status, CampaignStatus::kApproved);
  EXPECT_EQ(now_live.created_by, kEditor.name);
  EXPECT_THAT(now_live.edited_by, IsEmpty());
  ASSERT_TRUE(now_live.last_review.has_value());
  EXPECT_EQ(now_live.last_review->decision, CampaignStatus::kApproved);
  EXPECT_EQ(now_live.last_review->comment, "bon pour moi");
  EXPECT_EQ(now_live.last_review->reviewer, kApprover.name);
  EXPECT_TRUE(now_live.last_review->revision);
  auto gone = db_.GetRevision(approved.id);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  // Promotion ids are stable: the kept one is updated, the added one keeps its id.
  auto promotions = db_.ListPromotions(approved.id);
  ASSERT_TRUE(promotions.ok());
  ASSERT_THAT(*promotions, SizeIs(2));
  EXPECT_EQ((*promotions)[0].id, kept.id);
  EXPECT_EQ((*promotions)[0].mechanic, Mechanic(PercentOff{25}));
  EXPECT_EQ((*promotions)[1].id, added->promotion.id);
  const auto audit = AuditOf("campaign", approved.id);
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].action, "update");
  EXPECT_EQ(audit[1].action, "transition");
  EXPECT_EQ(audit[1].after["to"], "approved");
}

TEST_F(CampaignWorkflowTest, ARejectedRevisionKeepsItsCommentAndTheLiveVersionUntilDiscarded) {
  const Campaign approved = CampaignIn(CampaignStatus::kApproved);
  CampaignWorkflow workflow = Workflow();
  Campaign edited = approved;
  edited.name = "Noël -50 %";
  ASSERT_TRUE(workflow.EditCampaign(kEditor, edited).ok());
  ASSERT_TRUE(workflow
                  .TransitionRevision(kEditor, approved.id,
                                      {CampaignStatus::kSubmitted, "", "", std::nullopt})
                  .ok());
  const int64_t since = LastChange();
  auto rejected = workflow.TransitionRevision(
      kApprover, approved.id, {CampaignStatus::kRejected, "plafond 34 % dépassé", "", {}});
  ASSERT_TRUE(rejected.ok()) << rejected.status().ToString();
  EXPECT_FALSE(rejected->change_appended);
  EXPECT_THAT(ChangesSince(since), IsEmpty());
  ASSERT_TRUE(rejected->revision.has_value());
  EXPECT_EQ(rejected->revision->campaign.status, CampaignStatus::kRejected);
  ASSERT_TRUE(rejected->revision->campaign.last_review.has_value());
  EXPECT_EQ(rejected->revision->campaign.last_review->comment, "plafond 34 % dépassé");
  EXPECT_EQ(rejected->revision->campaign.last_review->reviewer, kApprover.name);
  EXPECT_EQ(Stored(approved.id).name, "Noël");
  EXPECT_EQ(Stored(approved.id).status, CampaignStatus::kApproved);

  // A viewer may not discard it; the editor may.
  const Actor viewer{"user:viewer@example.com", Role::kViewer, ""};
  EXPECT_EQ(workflow.DiscardRevision(viewer, approved.id).error().kind, Kind::kForbidden);
  auto discarded = workflow.DiscardRevision(kEditor, approved.id);
  ASSERT_TRUE(discarded.ok()) << discarded.status().ToString();
  EXPECT_FALSE(discarded->change_appended);
  auto gone = db_.GetRevision(approved.id);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  EXPECT_EQ(AuditOf("campaign", approved.id)[0].action, "discard");
  EXPECT_EQ(workflow.DiscardRevision(kEditor, approved.id).error().kind, Kind::kNotFound);
  EXPECT_EQ(Stored(approved.id).name, "Noël");
}

TEST_F(CampaignWorkflowTest, FourEyesRefusesAnAuthorsApprovalUnlessAnAdminOverridesIt) {
  CampaignWorkflow workflow = Workflow();
  // An approver writes, submits and tries to approve their own campaign.
  auto created = workflow.CreateCampaign(kApprover, Draft());
  ASSERT_TRUE(created.ok());
  const std::string id = created->campaign.id;
  EXPECT_EQ(created->campaign.created_by, kApprover.name);
  ASSERT_TRUE(workflow.CreatePromotion(kApprover, PercentOffOn(id)).ok());
  ASSERT_TRUE(workflow.Transition(kApprover, id, {CampaignStatus::kSubmitted, "", "", {}}).ok());
  const int64_t audited = AuditCount();
  auto own = workflow.Transition(kApprover, id, {CampaignStatus::kApproved, "", "", {}});
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error().kind, Kind::kForbidden);
  EXPECT_EQ(own.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(own.status().message(), HasSubstr("four eyes"));
  EXPECT_THAT(own.error().authors, ElementsAre(kApprover.name));
  EXPECT_EQ(AuditCount(), audited);
  EXPECT_EQ(Stored(id).status, CampaignStatus::kSubmitted);

  // An admin who edited it since is an author too; without a reason they are refused.
  Campaign edited = Stored(id);
  edited.description = "relu";
  ASSERT_TRUE(workflow.EditCampaign(kAdmin, edited).ok());
  EXPECT_THAT(Stored(id).edited_by, ElementsAre(kAdmin.name));
  auto no_reason = workflow.Transition(kAdmin, id, {CampaignStatus::kApproved, "", "", {}});
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.error().kind, Kind::kForbidden);
  auto overridden = workflow.Transition(
      kAdmin, id, {CampaignStatus::kApproved, "", "validation juridique absente", {}});
  ASSERT_TRUE(overridden.ok()) << overridden.status().ToString();
  const Campaign approved = Stored(id);
  ASSERT_TRUE(approved.last_review.has_value());
  EXPECT_EQ(approved.last_review->override_reason, "validation juridique absente");
  EXPECT_EQ(approved.last_review->reviewer, kAdmin.name);
  EXPECT_THAT(approved.edited_by, IsEmpty());  // authors since the last approval
  const auto audit = AuditOf("campaign", id);
  EXPECT_EQ(audit[0].after["override_reason"], "validation juridique absente");

  // A revision: its editor may not approve it, another approver may.
  const Actor other{"user:juliette@example.com", Role::kApprover, ""};
  Campaign renamed = approved;
  renamed.name = "Noël relu";
  ASSERT_TRUE(workflow.EditCampaign(kEditor, renamed).ok());
  ASSERT_TRUE(
      workflow.TransitionRevision(kEditor, id, {CampaignStatus::kSubmitted, "", "", {}}).ok());
  // The campaign's creator stays an author of its revisions.
  EXPECT_EQ(workflow.TransitionRevision(kApprover, id, {CampaignStatus::kApproved, "", "", {}})
                .error()
                .kind,
            Kind::kForbidden);
  ASSERT_TRUE(workflow.TransitionRevision(other, id, {CampaignStatus::kApproved, "", "", {}}).ok());
  EXPECT_EQ(Stored(id).name, "Noël relu");
}

TEST_F(CampaignWorkflowTest, ARejectionIsTheCampaignsLastReviewForItsAuthor) {
  const Campaign submitted = CampaignIn(CampaignStatus::kSubmitted);
  CampaignWorkflow workflow = Workflow();
  auto rejected = workflow.Transition(
      kApprover, submitted.id, {CampaignStatus::kRejected, "Nutella : -50 % impossible", "", {}});
  ASSERT_TRUE(rejected.ok()) << rejected.status().ToString();
  const Campaign stored = Stored(submitted.id);
  ASSERT_TRUE(stored.last_review.has_value());
  EXPECT_EQ(stored.last_review->decision, CampaignStatus::kRejected);
  EXPECT_EQ(stored.last_review->comment, "Nutella : -50 % impossible");
  EXPECT_EQ(stored.last_review->reviewer, kApprover.name);
  EXPECT_EQ(stored.last_review->at, clock_.Now());
  EXPECT_FALSE(stored.last_review->revision);
}

TEST_F(CampaignWorkflowTest, APromotionDeletedByARevisionKeepsItsOffersUntilTheApproval) {
  const Campaign approved = CampaignIn(CampaignStatus::kApproved);
  auto promotions = db_.ListPromotions(approved.id);
  ASSERT_TRUE(promotions.ok());
  const Promotion promotion = (*promotions)[0];
  // An offer as assembly would have published it.
  PublishedOffer offer;
  offer.offer_id = promotion.id + "~CAFE";
  offer.promotion_id = promotion.id;
  offer.campaign_id = approved.id;
  offer.product_id = "CAFE";
  offer.store_id = "S1";
  ASSERT_TRUE(db_.ReplaceOffers({{promotion.id}, {}, {}}, std::vector<PublishedOffer>{offer}).ok());

  CampaignWorkflow workflow = Workflow();
  auto step = workflow.DeletePromotion(kEditor, promotion.id);
  ASSERT_TRUE(step.ok()) << step.status().ToString();
  ASSERT_TRUE(step->revision.has_value());
  EXPECT_THAT(step->revision->promotions, IsEmpty());
  auto still = db_.GetOffer(offer.offer_id, "S1");
  ASSERT_TRUE(still.ok());
  EXPECT_TRUE(still->has_value());  // published until the revision is approved
  EXPECT_EQ(workflow.EditablePromotion(promotion.id).error().kind, Kind::kNotFound);
  ASSERT_TRUE(workflow.CreatePromotion(kEditor, PercentOffOn(approved.id)).ok());
  ASSERT_TRUE(workflow
                  .TransitionRevision(kEditor, approved.id,
                                      {CampaignStatus::kSubmitted, "", "", std::nullopt})
                  .ok());
  auto approval = workflow.TransitionRevision(kApprover, approved.id,
                                              {CampaignStatus::kApproved, "", "", std::nullopt});
  ASSERT_TRUE(approval.ok()) << approval.status().ToString();
  auto after = db_.GetOffer(offer.offer_id, "S1");
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
}

TEST_F(CampaignWorkflowTest, AStepLandsWithItsAuditEntryAndChangeOrNotAtAll) {
  const Campaign approved = CampaignIn(CampaignStatus::kApproved);
  const int64_t since = LastChange();
  const int64_t audited = AuditCount();

  // The audit entry cannot be written: neither the edit nor its change lands.
  RefusingAuditLog refusing_audit;
  CampaignWorkflow no_audit = Workflow(&refusing_audit);
  Campaign edited = approved;
  edited.name = "Sans trace";
  auto refused = no_audit.EditCampaign(kEditor, edited);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, Kind::kBackend);
  EXPECT_EQ(refused.status().code(), StatusCode::kIoError);
  EXPECT_EQ(Stored(approved.id).name, "Noël");
  EXPECT_EQ(Stored(approved.id).status, CampaignStatus::kApproved);
  EXPECT_THAT(ChangesSince(since), IsEmpty());
  EXPECT_EQ(AuditCount(), audited);

  // The change cannot be written: neither the write nor its audit entries land.
  RefusingChangeLog refusing_changes(db_);
  CampaignWorkflow no_change = Workflow(nullptr, &refusing_changes);
  const Campaign submitted = CampaignIn(CampaignStatus::kSubmitted);
  const int64_t audited_before_steps = AuditCount();
  EXPECT_FALSE(no_change.CreatePromotion(kEditor, PercentOffOn(submitted.id)).ok());
  EXPECT_FALSE(
      no_change.Transition(kApprover, approved.id, {CampaignStatus::kArchived, "", "", {}}).ok());
  EXPECT_EQ(Stored(approved.id).name, "Noël");
  EXPECT_EQ(Stored(approved.id).status, CampaignStatus::kApproved);
  auto promotions = db_.ListPromotions(submitted.id);
  ASSERT_TRUE(promotions.ok());
  EXPECT_THAT(*promotions, SizeIs(1));
  EXPECT_EQ(AuditCount(), audited_before_steps);
  // Nor does the approval of a revision: the live version and the revision stay.
  CampaignWorkflow workflow = Workflow();
  ASSERT_TRUE(workflow.EditCampaign(kEditor, edited).ok());
  ASSERT_TRUE(workflow
                  .TransitionRevision(kEditor, approved.id,
                                      {CampaignStatus::kSubmitted, "", "", std::nullopt})
                  .ok());
  const int64_t audited_revision = AuditCount();
  const int64_t since_revision = LastChange();
  EXPECT_FALSE(no_change
                   .TransitionRevision(kApprover, approved.id,
                                       {CampaignStatus::kApproved, "", "", std::nullopt})
                   .ok());
  EXPECT_EQ(Stored(approved.id).name, "Noël");
  auto revision = db_.GetRevision(approved.id);
  ASSERT_TRUE(revision.ok());
  ASSERT_TRUE(revision->has_value());
  EXPECT_EQ((*revision)->campaign.name, "Sans trace");
  EXPECT_EQ(AuditCount(), audited_revision);
  EXPECT_THAT(ChangesSince(since_revision), IsEmpty());
}

}  // namespace
}  // namespace vitrine
