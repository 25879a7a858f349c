#include "offers/campaign.h"
#include "offers/campaign_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vitrine {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Instant At(const char* text) { return *ParseInstant(text); }
LocalTime Local(std::chrono::year_month_day day, std::chrono::hours h = 0h) {
  return LocalTime{std::chrono::local_days{day} + h};
}

Campaign Noel() {
  Campaign c;
  c.id = "C-NOEL-26";
  c.name = "Noël gourmand";
  c.start_local = Local(2026y / 12 / 2);
  c.end_local = Local(2026y / 12 / 9);
  c.channels = {"google", "leaflet"};
  c.status = CampaignStatus::kApproved;
  return c;
}

Store StoreIn(const char* id, const char* zone, const char* banner, const char* timezone) {
  Store s;
  s.id = id;
  s.price_zone = zone;
  s.banner = banner;
  s.timezone = timezone;
  return s;
}

std::vector<std::string> Fields(const std::vector<FieldError>& errors) {
  std::vector<std::string> fields;
  for (const FieldError& e : errors) fields.push_back(e.field);
  return fields;
}

// The last Sunday of October 2026 is the 25th: Paris goes from UTC+2 to UTC+1 at 03:00.
// A review field of the wrong type is an InvalidArgument; it threw nlohmann's type_error
// (found by the campaign_json fuzz target).
TEST(CampaignReviewJsonTest, WrongTypesAreInvalidArgumentNotExceptions) {
  for (const char* text :
       {R"({"decision":false,"at":"2026-12-02T00:00:00Z"})",
        R"({"decision":"approved","comment":3,"at":"2026-12-02T00:00:00Z"})",
        R"({"decision":"approved","at":null})",
        R"({"decision":"approved","at":"2026-12-02T00:00:00Z","revision":"yes"})"}) {
    Result<CampaignReview> review = Result<CampaignReview>(Status::Internal("not run"));
    ASSERT_NO_THROW(review = CampaignReviewFromJson(nlohmann::json::parse(text))) << text;
    EXPECT_EQ(review.status().code(), StatusCode::kInvalidArgument) << text;
  }
  EXPECT_TRUE(CampaignReviewFromJson(
                  nlohmann::json::parse(
                      R"({"decision":"approved","at":"2026-12-02T00:00:00Z","revision":true})"))
                  .ok());
}

TEST(CampaignValidityTest, AcrossTheEndOfSummerTimeInParis) {
  Campaign c = Noel();
  c.start_local = Local(2026y / 10 / 20);
  c.end_local = Local(2026y / 11 / 3);
  const Interval paris = ValidityIn(c, TimeZone::Paris());
  EXPECT_EQ(paris.begin, At("2026-10-19T22:00:00Z"));  // CEST, +02:00
  EXPECT_EQ(paris.end, At("2026-11-02T23:00:00Z"));    // CET, +01:00
  // Fourteen local days are fourteen days and one hour of real time.
  EXPECT_EQ(paris.end - paris.begin, std::chrono::days(14) + 1h);
}

TEST(CampaignValidityTest, AWeekendAroundTheChange) {
  Campaign c = Noel();
  c.start_local = Local(2026y / 10 / 24);
  c.end_local = Local(2026y / 10 / 26);
  const Interval paris = ValidityIn(c, TimeZone::Paris());
  EXPECT_EQ(paris.begin, At("2026-10-23T22:00:00Z"));
  EXPECT_EQ(paris.end, At("2026-10-25T23:00:00Z"));
  EXPECT_EQ(paris.end - paris.begin, 49h);
}

TEST(CampaignValidityTest, OverseasStoresGetTheirOwnOffsets) {
  Campaign c = Noel();
  c.start_local = Local(2026y / 10 / 20);
  c.end_local = Local(2026y / 11 / 3);
  const Store martinique = StoreIn("S972", "DOM", "Market", "America/Martinique");
  const Store reunion = StoreIn("S974", "DOM", "Hyper", "Indian/Reunion");
  auto fdf = ValidityFor(c, martinique);
  ASSERT_TRUE(fdf.ok()) << fdf.status().ToString();
  EXPECT_EQ(fdf->begin, At("2026-10-20T04:00:00Z"));  // UTC−4, no DST
  EXPECT_EQ(fdf->end, At("2026-11-03T04:00:00Z"));
  auto run = ValidityFor(c, reunion);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->begin, At("2026-10-19T20:00:00Z"));  // UTC+4, no DST
  EXPECT_EQ(run->end, At("2026-11-02T20:00:00Z"));

  const Store nowhere = StoreIn("S000", "Z", "Hyper", "Mars/Olympus");
  auto bad = ValidityFor(c, nowhere);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(bad.status().message(), HasSubstr("Mars/Olympus"));
}

TEST(EffectiveStatusTest, LiveAndEndedComeFromTheDates) {
  const Campaign c = Noel();  // Paris: [2026-12-01T23:00Z, 2026-12-08T23:00Z)
  EXPECT_EQ(EffectiveStatus(c, At("2026-12-01T22:59:59Z")), CampaignStatus::kApproved);
  EXPECT_EQ(EffectiveStatus(c, At("2026-12-01T23:00:00Z")), CampaignStatus::kLive);
  EXPECT_EQ(EffectiveStatus(c, At("2026-12-08T22:59:59Z")), CampaignStatus::kLive);
  EXPECT_EQ(EffectiveStatus(c, At("2026-12-08T23:00:00Z")), CampaignStatus::kEnded);
  // In Martinique the same campaign starts five hours later.
  const TimeZone fdf = *TimeZone::Locate("America/Martinique");
  EXPECT_EQ(EffectiveStatus(c, At("2026-12-02T03:00:00Z"), fdf), CampaignStatus::kApproved);
  EXPECT_EQ(EffectiveStatus(c, At("2026-12-02T04:00:00Z"), fdf), CampaignStatus::kLive);
  // Only an approved campaign goes live.
  Campaign draft = c;
  draft.status = CampaignStatus::kSubmitted;
  EXPECT_EQ(EffectiveStatus(draft, At("2026-12-03T12:00:00Z")), CampaignStatus::kSubmitted);
}

TEST(CampaignValidateTest, OneErrorPerBadField) {
  EXPECT_THAT(Validate(Noel()), IsEmpty());
  struct Case {
    const char* name;
    void (*spoil)(Campaign&);
    std::vector<std::string> fields;
  };
  const Case cases[] = {
      {"empty name", [](Campaign& c) { c.name = ""; }, {"name"}},
      {"bad id", [](Campaign& c) { c.id = "a b"; }, {"id"}},
      {"no id yet", [](Campaign& c) { c.id = ""; }, {}},
      {"end before start", [](Campaign& c) { c.end_local = Local(2026y / 12 / 1); }, {"end"}},
      {"end equals start", [](Campaign& c) { c.end_local = c.start_local; }, {"end"}},
      {"unknown channel", [](Campaign& c) { c.channels.insert("tiktok"); }, {"channels"}},
      {"no channel", [](Campaign& c) { c.channels.clear(); }, {"channels"}},
      {"zones without ids",
       [](Campaign& c) {
         c.scope = {StoreScope::Kind::kZones, {}};
       },
       {"scope"}},
      {"all with ids",
       [](Campaign& c) {
         c.scope = {StoreScope::Kind::kAll, {"S1"}};
       },
       {"scope"}},
      {"theme format empty", [](Campaign& c) { c.theme.template_by_format[""] = "t1"; }, {"theme"}},
      {"status live", [](Campaign& c) { c.status = CampaignStatus::kLive; }, {"status"}},
      {"version 0", [](Campaign& c) { c.version = 0; }, {"version"}},
      {"two at once",
       [](Campaign& c) {
         c.name = "";
         c.channels = {"google", "fax"};
       },
       {"name", "channels"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Campaign campaign = Noel();
    c.spoil(campaign);
    EXPECT_EQ(Fields(Validate(campaign)), c.fields);
  }
  Campaign fax = Noel();
  fax.channels = {"fax"};
  EXPECT_THAT(Validate(fax)[0].message, HasSubstr("\"fax\""));
}

TEST(StoreScopeTest, InScope) {
  const Store lyon = StoreIn("S001", "SUD-EST", "Hyper", "Europe/Paris");
  struct Case {
    StoreScope scope;
    bool want;
  };
  const Case cases[] = {
      {{StoreScope::Kind::kAll, {}}, true},
      {{StoreScope::Kind::kZones, {"IDF", "SUD-EST"}}, true},
      {{StoreScope::Kind::kZones, {"IDF"}}, false},
      {{StoreScope::Kind::kBanners, {"hyper"}}, true},  // banners typed by hand
      {{StoreScope::Kind::kBanners, {"Market", "City"}}, false},
      {{StoreScope::Kind::kStores, {"S001"}}, true},
      {{StoreScope::Kind::kStores, {"S0011", "S00"}}, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(InScope(c.scope, lyon), c.want)
        << StoreScopeKindName(c.scope.kind) << " " << ::testing::PrintToString(c.scope.ids);
  }
  const Store no_zone = StoreIn("S002", "", "", "Europe/Paris");
  EXPECT_FALSE(InScope({StoreScope::Kind::kZones, {""}}, no_zone));
  EXPECT_FALSE(InScope({StoreScope::Kind::kBanners, {""}}, no_zone));
}

TEST(StoreScopeTest, PromotionNarrowsTheCampaign) {
  Campaign c = Noel();
  c.scope = {StoreScope::Kind::kZones, {"SUD-EST", "IDF"}};
  Promotion p;
  p.scope = StoreScope{StoreScope::Kind::kBanners, {"Hyper"}};
  EXPECT_TRUE(InScope(c, p, StoreIn("S001", "SUD-EST", "Hyper", "Europe/Paris")));
  EXPECT_FALSE(InScope(c, p, StoreIn("S002", "SUD-EST", "City", "Europe/Paris")));
  // The promotion's scope never widens the campaign's.
  EXPECT_FALSE(InScope(c, p, StoreIn("S003", "OUEST", "Hyper", "Europe/Paris")));
  p.scope.reset();
  EXPECT_TRUE(InScope(c, p, StoreIn("S002", "SUD-EST", "City", "Europe/Paris")));
}

TEST(CategoryTest, SubtreeOnWholeSegments) {
  struct Case {
    const char* category;
    const char* ancestor;
    bool want;
  };
  const Case cases[] = {
      {"Épicerie > Chocolat", "Épicerie", true},
      {"Épicerie > Chocolat", "Épicerie > Chocolat", true},
      {"Épicerie>Chocolat > Noir", "Épicerie > Chocolat", true},
      {"Épicerie > Chocolat", "Épi", false},
      {"Épicerie > Chocolat", "Épicerie > Chocolat noir", false},
      {"Épicerie", "Épicerie > Chocolat", false},
      {"Épicerie", "", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(InCategorySubtree(c.category, c.ancestor), c.want)
        << c.category << " within " << c.ancestor;
  }
}

TEST(ProductSelectorTest, Selects) {
  Product nutella;
  nutella.id = "SKU-1";
  nutella.brand = "Nutella";
  nutella.category = "Épicerie sucrée > Pâtes à tartiner";
  ProductSelector by_list{ProductSelector::Kind::kProducts, {"SKU-9", "SKU-1"}, "", ""};
  ProductSelector other_list{ProductSelector::Kind::kProducts, {"SKU-10"}, "", ""};
  ProductSelector by_category{ProductSelector::Kind::kCategory, {}, "Épicerie sucrée", ""};
  ProductSelector other_category{ProductSelector::Kind::kCategory, {}, "Épicerie salée", ""};
  ProductSelector by_brand{ProductSelector::Kind::kBrand, {}, "", " NUTELLA "};
  ProductSelector other_brand{ProductSelector::Kind::kBrand, {}, "", "Nutel"};
  EXPECT_TRUE(Selects(by_list, nutella));
  EXPECT_FALSE(Selects(other_list, nutella));
  EXPECT_TRUE(Selects(by_category, nutella));
  EXPECT_FALSE(Selects(other_category, nutella));
  EXPECT_TRUE(Selects(by_brand, nutella));
  EXPECT_FALSE(Selects(other_brand, nutella));
}

Promotion GoodPromotion() {
  Promotion p;
  p.id = "P1";
  p.campaign_id = "C-NOEL-26";
  p.selector = {ProductSelector::Kind::kBrand, {}, "", "Nutella"};
  p.mechanic = Multibuy{3, 2};
  return p;
}

TEST(PromotionValidateTest, OneErrorPerBadField) {
  EXPECT_THAT(Validate(GoodPromotion()), IsEmpty());
  struct Case {
    const char* name;
    void (*spoil)(Promotion&);
    std::vector<std::string> fields;
  };
  const Case cases[] = {
      {"no campaign", [](Promotion& p) { p.campaign_id = ""; }, {"campaign_id"}},
      {"empty list",
       [](Promotion& p) {
         p.selector = {ProductSelector::Kind::kProducts, {}, "", ""};
       },
       {"selector"}},
      {"bad product id",
       [](Promotion& p) {
         p.selector = {ProductSelector::Kind::kProducts, {"a/b"}, "", ""};
       },
       {"selector"}},
      {"empty category",
       [](Promotion& p) {
         p.selector = {ProductSelector::Kind::kCategory, {}, " ", ""};
       },
       {"selector"}},
      {"empty brand", [](Promotion& p) { p.selector.brand = ""; }, {"selector"}},
      {"pay = buy",
       [](Promotion& p) {
         p.mechanic = Multibuy{3, 3};
       },
       {"mechanic.pay"}},
      {"buy 1",
       [](Promotion& p) {
         p.mechanic = Multibuy{1, 0};
       },
       {"mechanic.buy", "mechanic.pay"}},
      {"percent 0", [](Promotion& p) { p.mechanic = PercentOff{0}; }, {"mechanic.percent"}},
      {"n 1",
       [](Promotion& p) {
         p.mechanic = NthItemPercentOff{1, 50};
       },
       {"mechanic.n"}},
      {"amount 0",
       [](Promotion& p) { p.mechanic = AmountOff{Money::Euros(0)}; },
       {"mechanic.amount"}},
      {"scope empty",
       [](Promotion& p) {
         p.scope = StoreScope{StoreScope::Kind::kStores, {}};
       },
       {"scope"}},
      {"badge empty", [](Promotion& p) { p.badge_override = ""; }, {"badge_override"}},
      {"badge too long",
       [](Promotion& p) { p.badge_override = std::string(41, 'x'); },
       {"badge_override"}},
      {"name empty", [](Promotion& p) { p.name = ""; }, {"name"}},
      {"name of 80", [](Promotion& p) { p.name = std::string(80, 'x'); }, {}},
      {"name too long", [](Promotion& p) { p.name = std::string(81, 'x'); }, {"name"}},
      {"name on two lines", [](Promotion& p) { p.name = "Vieux\nPapes"; }, {"name"}},
      {"limit 0", [](Promotion& p) { p.per_customer_limit = 0; }, {"per_customer_limit"}},
      {"limit 1", [](Promotion& p) { p.per_customer_limit = 1; }, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Promotion p = GoodPromotion();
    c.spoil(p);
    EXPECT_EQ(Fields(Validate(p)), c.fields);
  }
}

TEST(WorkflowTest, TransitionsByRole) {
  using S = CampaignStatus;
  struct Case {
    S from;
    S to;
    Role role;
    StatusCode want;
  };
  const StatusCode ok = StatusCode::kOk;
  const StatusCode pre = StatusCode::kFailedPrecondition;
  const StatusCode denied = StatusCode::kPermissionDenied;
  const Case cases[] = {
      {S::kDraft, S::kSubmitted, Role::kEditor, ok},
      {S::kDraft, S::kSubmitted, Role::kApprover, ok},
      {S::kDraft, S::kSubmitted, Role::kAdmin, ok},
      {S::kDraft, S::kSubmitted, Role::kViewer, denied},
      {S::kDraft, S::kSubmitted, Role::kPlatform, denied},
      {S::kDraft, S::kApproved, Role::kAdmin, pre},  // approval needs a submission first
      {S::kSubmitted, S::kApproved, Role::kApprover, ok},
      {S::kSubmitted, S::kApproved, Role::kAdmin, ok},
      {S::kSubmitted, S::kApproved, Role::kEditor, denied},
      {S::kSubmitted, S::kRejected, Role::kApprover, ok},
      {S::kSubmitted, S::kRejected, Role::kEditor, denied},
      {S::kSubmitted, S::kDraft, Role::kEditor, ok},  // withdraw
      {S::kRejected, S::kDraft, Role::kEditor, ok},
      {S::kRejected, S::kDraft, Role::kViewer, denied},
      {S::kRejected, S::kApproved, Role::kAdmin, pre},
      {S::kApproved, S::kSubmitted, Role::kEditor, ok},  // a change sends it back
      {S::kApproved, S::kDraft, Role::kAdmin, pre},
      {S::kApproved, S::kArchived, Role::kApprover, ok},
      {S::kDraft, S::kArchived, Role::kAdmin, ok},
      {S::kRejected, S::kArchived, Role::kApprover, ok},
      {S::kSubmitted, S::kArchived, Role::kEditor, denied},
      {S::kArchived, S::kDraft, Role::kAdmin, ok},  // restore
      {S::kArchived, S::kDraft, Role::kApprover, denied},
      {S::kArchived, S::kSubmitted, Role::kAdmin, pre},
      {S::kArchived, S::kArchived, Role::kAdmin, pre},
      {S::kDraft, S::kDraft, Role::kEditor, pre},
      {S::kApproved, S::kLive, Role::kAdmin, pre},  // computed from the dates
      {S::kLive, S::kArchived, Role::kAdmin, pre},
      {S::kEnded, S::kArchived, Role::kAdmin, pre},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(CampaignStatusName(c.from)) + " → " +
                 std::string(CampaignStatusName(c.to)) + " by " + std::string(RoleName(c.role)));
    auto got = Transition(c.from, c.to, c.role);
    EXPECT_EQ(got.status().code(), c.want) << got.status().ToString();
    if (got.ok()) {
      EXPECT_EQ(*got, c.to);
    }
  }
}

TEST(WorkflowTest, RefusalsListTheAllowedTargets) {
  using S = CampaignStatus;
  auto refused = Transition(S::kDraft, S::kApproved, Role::kEditor);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("editor may move a draft campaign to: submitted"));

  auto denied = Transition(S::kSubmitted, S::kApproved, Role::kEditor);
  ASSERT_FALSE(denied.ok());
  EXPECT_THAT(denied.status().message(), HasSubstr("needs the approver role"));
  EXPECT_THAT(denied.status().message(), HasSubstr("to: draft"));

  auto viewer = Transition(S::kDraft, S::kSubmitted, Role::kViewer);
  EXPECT_THAT(viewer.status().message(), HasSubstr("to: none"));

  EXPECT_THAT(AllowedTransitions(S::kSubmitted, Role::kApprover),
              ElementsAre(S::kDraft, S::kApproved, S::kRejected, S::kArchived));
  EXPECT_THAT(AllowedTransitions(S::kArchived, Role::kAdmin), ElementsAre(S::kDraft));
  EXPECT_THAT(AllowedTransitions(S::kArchived, Role::kApprover), IsEmpty());
  EXPECT_THAT(AllowedTransitions(S::kLive, Role::kAdmin), IsEmpty());
}

TEST(WorkflowTest, StatusNamesRoundTrip) {
  for (const char* name :
       {"draft", "submitted", "approved", "rejected", "archived", "live", "ended"}) {
    auto status = ParseCampaignStatus(name);
    ASSERT_TRUE(status.has_value()) << name;
    EXPECT_EQ(CampaignStatusName(*status), name);
  }
  EXPECT_FALSE(ParseCampaignStatus("published").has_value());
  EXPECT_EQ(ParseStoreScopeKind("banners"), StoreScope::Kind::kBanners);
  EXPECT_FALSE(ParseStoreScopeKind("regions").has_value());
}

}  // namespace
}  // namespace vitrine
