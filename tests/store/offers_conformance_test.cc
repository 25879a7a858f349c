// One suite for every CampaignRepository and OfferRepository backend: each documented rule of
// offers/repository.h is checked against the in-memory and the SQLite implementations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends.h"
#include "offers/repository.h"
#include "store/memory_database.h"
#include "store/sqlite_database.h"
#include "temp_dir.h"

namespace vitrine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Instant T(int64_t seconds) { return FromUnixSeconds(1'800'000'000 + seconds); }

LocalTime Local(int64_t seconds) {
  return LocalTime(std::chrono::seconds(1'800'000'000 + seconds));
}

Campaign MakeCampaign(std::string name) {
  Campaign c;
  c.name = std::move(name);
  c.description = "Des prix bas toute la semaine";
  c.start_local = Local(0);
  c.end_local = Local(7 * 86400);
  c.channels = {"google", "meta"};
  c.scope = {StoreScope::Kind::kZones, {"Z-NORD", "Z-SUD"}};
  c.theme = {"kit-noel", {{"square", "tpl-square"}, {"story", "tpl-story"}}};
  c.status = CampaignStatus::kSubmitted;
  return c;
}

Promotion MakePromotion(std::string campaign_id, Mechanic mechanic = PercentOff{30}) {
  Promotion p;
  p.campaign_id = std::move(campaign_id);
  p.selector.kind = ProductSelector::Kind::kProducts;
  p.selector.product_ids = {"P1", "P2"};
  p.mechanic = mechanic;
  p.priority = 3;
  return p;
}

// The offer of promotion `promotion` for `product` in `store`, on `channels`.
PublishedOffer MakeOffer(std::string promotion, std::string product, std::string store,
                         std::vector<std::string> channels = {"google", "meta"},
                         std::string category = "Épicerie > Chocolat", int64_t shelf = 199) {
  PublishedOffer o;
  o.offer_id = promotion + "~" + product;
  o.store_id = std::move(store);
  o.campaign_id = "C00000001";
  o.promotion_id = std::move(promotion);
  o.product_id = std::move(product);
  o.category = std::move(category);
  o.channels = std::move(channels);
  o.validity = {T(0), T(7 * 86400)};
  o.timezone = "Europe/Paris";
  o.regular_price = Money::Euros(299);
  o.shelf_price = Money::Euros(shelf);
  o.effective_unit_price = Money::Euros(shelf);
  o.unit_price = Money::Euros(shelf * 4);
  o.unit_pricing_base = "1 kg";
  o.reference_price = Money::Euros(299);
  o.discount_percent = 33;
  o.mechanic = "percent_off";
  o.mechanic_parameters = {{"percent", 33}};
  o.badge = "-33%";
  o.headline = "Chocolat noir à 1,99 €";
  o.legal = "Offre valable du 15 au 21 janvier.";
  o.stock_quantity = 12;
  o.availability = Availability::kInStock;
  return o;
}

using vitrine::testing::Backend;

class OffersConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!GetParam().available()) GTEST_SKIP() << GetParam().name << " is not available here";
    db_ = GetParam().make(dir_.path());
    ASSERT_NE(db_, nullptr);
    repo_ = &db_->catalog();
    campaigns_ = &db_->campaigns();
    offers_ = &db_->offers();
  }

  Campaign Create(Campaign c, Instant now = T(0)) {
    auto r = campaigns_->CreateCampaign(std::move(c), now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Campaign{};
  }
  Promotion Create(Promotion p) {
    auto r = campaigns_->CreatePromotion(std::move(p));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Promotion{};
  }
  OfferWriteCounts Replace(OfferRepository::Scope scope, std::vector<PublishedOffer> offers) {
    auto r = offers_->ReplaceOffers(scope, offers);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : OfferWriteCounts{-1, -1, -1, -1};
  }
  std::optional<PublishedOffer> Get(const std::string& offer_id, const std::string& store) {
    auto r = offers_->GetOffer(offer_id, store);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }
  // Every page of `query`, as "offer_id|store_id".
  std::vector<std::string> ListAll(OfferQuery query) {
    std::vector<std::string> keys;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = offers_->ListOffers(query);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const PublishedOffer& o : page->items) keys.push_back(o.offer_id + "|" + o.store_id);
      if (page->next_after.empty()) break;
      query.after = page->next_after;
    }
    return keys;
  }
  std::vector<OfferChange> Changes(int64_t since, int limit = 1000, std::string channel = "") {
    auto r = offers_->ListChanges(since, limit, channel);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<OfferChange>{};
  }
  int64_t LastSeq() {
    auto r = offers_->LastSeq();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  CatalogRepository* repo_ = nullptr;
  CampaignRepository* campaigns_ = nullptr;
  OfferRepository* offers_ = nullptr;
};

void ExpectSameCampaign(const Campaign& a, const Campaign& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.start_local, b.start_local);
  EXPECT_EQ(a.end_local, b.end_local);
  EXPECT_EQ(a.channels, b.channels);
  EXPECT_EQ(a.scope, b.scope);
  EXPECT_EQ(a.theme, b.theme);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

void ExpectSamePromotion(const Promotion& a, const Promotion& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.campaign_id, b.campaign_id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.selector, b.selector);
  EXPECT_EQ(a.mechanic, b.mechanic);
  EXPECT_EQ(a.priority, b.priority);
  EXPECT_EQ(a.exclusive, b.exclusive);
  EXPECT_EQ(a.scope, b.scope);
  EXPECT_EQ(a.badge_override, b.badge_override);
  EXPECT_EQ(a.legal_override, b.legal_override);
  EXPECT_EQ(a.per_customer_limit, b.per_customer_limit);
  EXPECT_EQ(a.version, b.version);
}

// ---------------------------------------------------------------------------------------------
// Campaigns

TEST_P(OffersConformanceTest, CreateCampaignAssignsIncreasingIdsAndVersionOne) {
  Campaign draft = MakeCampaign("Noël");
  draft.id = "ignored";
  draft.version = 7;
  const Campaign first = Create(draft, T(10));
  const Campaign second = Create(MakeCampaign("Rentrée"), T(20));
  EXPECT_EQ(first.id, "C00000001");
  EXPECT_EQ(second.id, "C00000002");
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(first.created_at, T(10));
  EXPECT_EQ(first.updated_at, T(10));
  auto got = campaigns_->GetCampaign("C00000001");
  ASSERT_TRUE(got.ok() && got->has_value());
  ExpectSameCampaign(**got, first);
  EXPECT_FALSE(campaigns_->GetCampaign("C00000009")->has_value());
}

TEST_P(OffersConformanceTest, CampaignRoundTripsScopeChannelsThemeAndStatus) {
  Campaign c = MakeCampaign("Tout");
  c.scope = {StoreScope::Kind::kBanners, {"Hyper", "Proxi"}};
  c.channels = {"csv", "google", "leaflet", "meta", "webhooks"};
  c.theme = {"kit-été", {{"landscape", "tpl-l"}}};
  c.status = CampaignStatus::kArchived;
  const Campaign created = Create(c);
  auto got = campaigns_->GetCampaign(created.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  ExpectSameCampaign(**got, created);
  EXPECT_EQ((*got)->scope.kind, StoreScope::Kind::kBanners);
  EXPECT_EQ((*got)->theme.brand_kit, "kit-été");

  c.scope = StoreScope{};  // kAll, no ids
  c.theme = Theme{};
  const Campaign empty = Create(c);
  got = campaigns_->GetCampaign(empty.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  ExpectSameCampaign(**got, empty);
}

TEST_P(OffersConformanceTest, UpdateCampaignBumpsVersionAndRefusesStaleOnes) {
  const Campaign created = Create(MakeCampaign("Noël"), T(0));
  Campaign edit = created;
  edit.name = "Noël gourmand";
  auto updated = campaigns_->UpdateCampaign(edit, 1, T(50));
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->created_at, T(0));
  EXPECT_EQ(updated->updated_at, T(50));

  edit.name = "Écrasé";
  auto stale = campaigns_->UpdateCampaign(edit, 1, T(60));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.status().message(),
              HasSubstr("version 1 is stale; the campaign is at version 2"));
  auto got = campaigns_->GetCampaign(created.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->name, "Noël gourmand");
  EXPECT_EQ((*got)->version, 2);
  EXPECT_EQ((*got)->updated_at, T(50));

  Campaign missing = MakeCampaign("Absente");
  missing.id = "C00000042";
  auto absent = campaigns_->UpdateCampaign(missing, 1, T(70));
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound);
}

TEST_P(OffersConformanceTest, ListCampaignsPagesAndFiltersOnStatus) {
  for (int i = 0; i < 5; ++i) {
    Campaign c = MakeCampaign("C" + std::to_string(i));
    c.status = i % 2 == 0 ? CampaignStatus::kDraft : CampaignStatus::kApproved;
    Create(c);
  }
  CampaignQuery query;
  query.limit = 2;
  std::vector<std::string> ids;
  for (;;) {
    auto page = campaigns_->ListCampaigns(query);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->items.size(), 2u);
    for (const Campaign& c : page->items) ids.push_back(c.id);
    if (page->next_after.empty()) break;
    query.after = page->next_after;
  }
  EXPECT_THAT(ids, ElementsAre("C00000001", "C00000002", "C00000003", "C00000004", "C00000005"));

  CampaignQuery approved;
  approved.status = CampaignStatus::kApproved;
  auto page = campaigns_->ListCampaigns(approved);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, "C00000002");
  EXPECT_EQ(page->items[1].id, "C00000004");

  CampaignQuery live;
  live.status = CampaignStatus::kLive;
  EXPECT_EQ(campaigns_->ListCampaigns(live).status().code(), StatusCode::kInvalidArgument);
  CampaignQuery bad;
  bad.limit = 0;
  EXPECT_EQ(campaigns_->ListCampaigns(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(OffersConformanceTest, DeleteCampaignCascadesToItsPromotionsAndNeverReusesIds) {
  const Campaign a = Create(MakeCampaign("A"));
  const Campaign b = Create(MakeCampaign("B"));
  const Promotion pa = Create(MakePromotion(a.id));
  const Promotion pb = Create(MakePromotion(b.id));
  auto deleted = campaigns_->DeleteCampaign(b.id);
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(campaigns_->GetCampaign(b.id)->has_value());
  EXPECT_FALSE(campaigns_->GetPromotion(pb.id)->has_value());
  EXPECT_TRUE(campaigns_->GetPromotion(pa.id)->has_value());
  EXPECT_FALSE(*campaigns_->DeleteCampaign(b.id));
  // The newest campaign was deleted; its number is not handed out again.
  EXPECT_EQ(Create(MakeCampaign("C")).id, "C00000003");
  EXPECT_EQ(Create(MakePromotion(a.id)).id, "PR00000003");
}

// ---------------------------------------------------------------------------------------------
// Promotions

TEST_P(OffersConformanceTest, PromotionRoundTripsEveryMechanicSelectorAndScope) {
  const Campaign c = Create(MakeCampaign("Tout"));
  const std::vector<Mechanic> mechanics = {
      PercentOff{30},
      AmountOff{Money::Euros(100)},
      FixedPrice{Money::Euros(99)},
      NthItemPercentOff{2, 50},
      Multibuy{3, 2},
      BundlePrice{3, Money::Euros(500)},
      LoyaltyCredit{25},
  };
  int i = 0;
  for (const Mechanic& m : mechanics) {
    Promotion p = MakePromotion(c.id, m);
    switch (i % 3) {
      case 0:
        p.selector = {ProductSelector::Kind::kProducts, {"P1", "P9"}, "", ""};
        break;
      case 1:
        p.selector = {ProductSelector::Kind::kCategory, {}, "Épicerie > Chocolat", ""};
        p.scope = StoreScope{StoreScope::Kind::kStores, {"S1", "S2"}};
        break;
      default:
        p.selector = {ProductSelector::Kind::kBrand, {}, "", "Côte d'Or"};
        p.name =
            "Côte d'Or \u2212"
            "30\u00A0%";
        p.badge_override = "Prix choc";
        p.legal_override = "Dans la limite des stocks.";
        p.per_customer_limit = 4;
        p.exclusive = true;
        break;
    }
    p.priority = i;
    const Promotion created = Create(p);
    EXPECT_EQ(created.version, 1);
    auto got = campaigns_->GetPromotion(created.id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(got->has_value()) << MechanicKindName(KindOf(m));
    SCOPED_TRACE(std::string(MechanicKindName(KindOf(m))));
    ExpectSamePromotion(**got, created);
    ++i;
  }
  auto all = campaigns_->ListPromotions(c.id);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), mechanics.size());
  for (size_t k = 0; k < mechanics.size(); ++k) {
    EXPECT_EQ((*all)[k].id, "PR0000000" + std::to_string(k + 1));
    EXPECT_EQ((*all)[k].mechanic, mechanics[k]);
  }
}

TEST_P(OffersConformanceTest, PromotionsNeedTheirCampaignAndVersionTheirUpdates) {
  auto orphan = campaigns_->CreatePromotion(MakePromotion("C00000077"));
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.status().code(), StatusCode::kNotFound);

  const Campaign a = Create(MakeCampaign("A"));
  const Campaign b = Create(MakeCampaign("B"));
  const Promotion p1 = Create(MakePromotion(a.id));
  const Promotion p2 = Create(MakePromotion(b.id));
  const Promotion p3 = Create(MakePromotion(a.id));
  auto of_a = campaigns_->ListPromotions(a.id);
  ASSERT_TRUE(of_a.ok());
  ASSERT_EQ(of_a->size(), 2u);
  EXPECT_EQ((*of_a)[0].id, p1.id);
  EXPECT_EQ((*of_a)[1].id, p3.id);

  Promotion edit = p1;
  edit.mechanic = Multibuy{3, 2};
  auto updated = campaigns_->UpdatePromotion(edit, 1);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->version, 2);
  edit.mechanic = PercentOff{10};
  auto stale = campaigns_->UpdatePromotion(edit, 1);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.status().message(),
              HasSubstr("version 1 is stale; the promotion is at version 2"));
  EXPECT_EQ((*campaigns_->GetPromotion(p1.id))->mechanic, Mechanic(Multibuy{3, 2}));

  Promotion missing = p2;
  missing.id = "PR00000099";
  EXPECT_EQ(campaigns_->UpdatePromotion(missing, 1).status().code(), StatusCode::kNotFound);

  EXPECT_TRUE(*campaigns_->DeletePromotion(p2.id));
  EXPECT_FALSE(*campaigns_->DeletePromotion(p2.id));
  EXPECT_THAT(*campaigns_->ListPromotions(b.id), IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// Authorship and revisions

TEST_P(OffersConformanceTest, CampaignAuthorshipAndLastReviewRoundTrip) {
  Campaign c = MakeCampaign("Relue");
  c.created_by = "user:marion@example.com";
  c.edited_by = {"token:tok_1", "user:paul@example.com"};
  c.last_review = CampaignReview{CampaignStatus::kRejected,
                                 "Nutella : -50 % impossible",
                                 "user:juliette@example.com",
                                 T(30),
                                 "",
                                 false};
  const Campaign created = Create(c);
  auto got = campaigns_->GetCampaign(created.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->created_by, c.created_by);
  EXPECT_EQ((*got)->edited_by, c.edited_by);
  EXPECT_EQ((*got)->last_review, c.last_review);

  Campaign approved = **got;
  approved.edited_by.clear();
  approved.last_review = CampaignReview{CampaignStatus::kApproved, "",  "token:tok_admin", T(40),
                                        "validé par le juridique", true};
  ASSERT_TRUE(campaigns_->UpdateCampaign(approved, approved.version, T(40)).ok());
  got = campaigns_->GetCampaign(created.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->created_by, c.created_by);
  EXPECT_THAT((*got)->edited_by, IsEmpty());
  EXPECT_EQ((*got)->last_review, approved.last_review);

  auto listed = campaigns_->ListCampaigns({});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].last_review, approved.last_review);
}

TEST_P(OffersConformanceTest, ARevisionIsKeptWholeBesideTheLiveCampaignItLeavesAlone) {
  Campaign live_campaign = MakeCampaign("Noël");
  live_campaign.status = CampaignStatus::kApproved;
  const Campaign live = Create(live_campaign, T(0));
  const Promotion kept = Create(MakePromotion(live.id));

  CampaignRevision revision;
  revision.campaign = live;
  revision.campaign.name = "Noël gourmand";
  revision.campaign.description = "";
  revision.campaign.start_local = Local(86400);
  revision.campaign.channels = {"leaflet"};
  revision.campaign.scope = StoreScope{};
  revision.campaign.theme = Theme{"kit-or", {{"square", "foire-aux-vins"}}};
  revision.campaign.status = CampaignStatus::kRejected;
  revision.campaign.version = live.version + 1;
  revision.campaign.created_at = T(100);
  revision.campaign.updated_at = T(110);
  revision.campaign.created_by = "user:marion@example.com";
  revision.campaign.edited_by = {"user:paul@example.com"};
  revision.campaign.last_review = CampaignReview{
      CampaignStatus::kRejected, "plafond 34 %", "user:juliette@example.com", T(120), "", true};
  Promotion edited = kept;
  edited.mechanic = FixedPrice{Money::Euros(199)};
  edited.scope = StoreScope{StoreScope::Kind::kStores, {"S1"}};
  edited.badge_override = "Prix choc";
  edited.per_customer_limit = 2;
  edited.version = kept.version + 1;
  auto new_id = campaigns_->NewPromotionId();
  ASSERT_TRUE(new_id.ok()) << new_id.status().ToString();
  EXPECT_NE(*new_id, kept.id);
  Promotion added = MakePromotion(live.id, Multibuy{3, 2});
  added.id = *new_id;
  revision.promotions = {edited, added};

  ASSERT_TRUE(campaigns_->PutRevision(revision, std::nullopt).ok());
  auto got = campaigns_->GetRevision(live.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  ExpectSameCampaign((*got)->campaign, revision.campaign);
  EXPECT_EQ((*got)->campaign.created_by, revision.campaign.created_by);
  EXPECT_EQ((*got)->campaign.edited_by, revision.campaign.edited_by);
  EXPECT_EQ((*got)->campaign.last_review, revision.campaign.last_review);
  ASSERT_EQ((*got)->promotions.size(), 2u);
  ExpectSamePromotion((*got)->promotions[0], edited);
  ExpectSamePromotion((*got)->promotions[1], added);

  // The live campaign and its promotions are what everyone else reads.
  auto campaign = campaigns_->GetCampaign(live.id);
  ASSERT_TRUE(campaign.ok() && campaign->has_value());
  ExpectSameCampaign(**campaign, live);
  auto promotions = campaigns_->ListPromotions(live.id);
  ASSERT_TRUE(promotions.ok());
  ASSERT_EQ(promotions->size(), 1u);
  ExpectSamePromotion((*promotions)[0], kept);
  EXPECT_FALSE(campaigns_->GetPromotion(added.id)->has_value());
  EXPECT_EQ(*campaigns_->FindRevisionOfPromotion(added.id), std::optional<std::string>(live.id));
  EXPECT_EQ(*campaigns_->FindRevisionOfPromotion(kept.id), std::optional<std::string>(live.id));
  EXPECT_FALSE(campaigns_->FindRevisionOfPromotion("PR00000099")->has_value());

  // One revision per campaign, versioned.
  Status twice = campaigns_->PutRevision(revision, std::nullopt);
  EXPECT_EQ(twice.code(), StatusCode::kFailedPrecondition) << twice.ToString();
  Status stale = campaigns_->PutRevision(revision, revision.campaign.version - 1);
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition) << stale.ToString();
  CampaignRevision next = revision;
  next.campaign.version += 1;
  next.promotions = {edited};  // the added one is dropped again
  ASSERT_TRUE(campaigns_->PutRevision(next, revision.campaign.version).ok());
  EXPECT_EQ((*campaigns_->GetRevision(live.id))->campaign.version, next.campaign.version);
  EXPECT_FALSE(campaigns_->FindRevisionOfPromotion(added.id)->has_value());

  // Promotions must be the campaign's; the campaign must exist.
  CampaignRevision foreign = next;
  foreign.promotions[0].campaign_id = "C00000042";
  EXPECT_EQ(campaigns_->PutRevision(foreign, next.campaign.version).code(),
            StatusCode::kInvalidArgument);
  const Campaign other = Create(MakeCampaign("Autre"));
  CampaignRevision stolen;
  stolen.campaign = other;
  stolen.promotions = {kept};
  stolen.promotions[0].campaign_id = other.id;
  EXPECT_EQ(campaigns_->PutRevision(stolen, std::nullopt).code(), StatusCode::kInvalidArgument);
  CampaignRevision orphan = next;
  orphan.campaign.id = "C00000077";
  orphan.promotions.clear();
  EXPECT_EQ(campaigns_->PutRevision(orphan, std::nullopt).code(), StatusCode::kNotFound);

  // Discarded; and a campaign takes its revision with it.
  EXPECT_TRUE(*campaigns_->DeleteRevision(live.id));
  EXPECT_FALSE(*campaigns_->DeleteRevision(live.id));
  EXPECT_FALSE(campaigns_->GetRevision(live.id)->has_value());
  EXPECT_FALSE(campaigns_->FindRevisionOfPromotion(kept.id)->has_value());
  ASSERT_TRUE(campaigns_->PutRevision(next, std::nullopt).ok());
  ASSERT_TRUE(*campaigns_->DeleteCampaign(live.id));
  EXPECT_FALSE(campaigns_->GetRevision(live.id)->has_value());
  EXPECT_FALSE(campaigns_->FindRevisionOfPromotion(kept.id)->has_value());
}

TEST_P(OffersConformanceTest, APromotionMayBeCreatedWithAnIdHandedOutBefore) {
  const Campaign c = Create(MakeCampaign("Noël"));
  auto reserved = campaigns_->NewPromotionId();
  ASSERT_TRUE(reserved.ok());
  const Promotion automatic = Create(MakePromotion(c.id));
  EXPECT_GT(automatic.id, *reserved);  // never handed out twice
  Promotion p = MakePromotion(c.id);
  p.id = *reserved;
  p.version = 4;
  const Promotion created = Create(p);
  EXPECT_EQ(created.id, *reserved);
  EXPECT_EQ(created.version, 1);
  ASSERT_TRUE(campaigns_->GetPromotion(*reserved)->has_value());
  auto taken = campaigns_->CreatePromotion(p);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.status().code(), StatusCode::kAlreadyExists);
}

TEST_P(OffersConformanceTest, TransactionRollsBackARevision) {
  const Campaign c = Create(MakeCampaign("Noël"));
  CampaignRevision revision;
  revision.campaign = c;
  revision.campaign.version = 2;
  Status s = repo_->Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(campaigns_->PutRevision(revision, std::nullopt));
    EXPECT_TRUE(campaigns_->GetRevision(c.id)->has_value());
    return Status::FailedPrecondition("change of plan");
  });
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(campaigns_->GetRevision(c.id)->has_value());
}

// ---------------------------------------------------------------------------------------------
// Offers: ReplaceOffers and the change feed

TEST_P(OffersConformanceTest, ReplaceOffersCountsAndSequencesEveryKindOfWrite) {
  const OfferRepository::Scope scope{{"PR1"}, {}, {}};
  std::vector<PublishedOffer> offers = {MakeOffer("PR1", "P1", "S1"), MakeOffer("PR1", "P1", "S2"),
                                        MakeOffer("PR1", "P2", "S1")};
  OfferWriteCounts c = Replace(scope, offers);
  EXPECT_EQ(c.inserted, 3);
  EXPECT_EQ(c.updated + c.unchanged + c.deleted, 0);
  EXPECT_EQ(LastSeq(), 3);
  auto first = Get("PR1~P1", "S2");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(first->content_hash, ContentHash(offers[1]));
  EXPECT_EQ(ToJson(*first), [&] {
    PublishedOffer expected = offers[1];
    expected.content_hash = first->content_hash;
    expected.version = 1;
    expected.seq = first->seq;
    return ToJson(expected);
  }());

  // Same content: nothing written, seqs kept.
  c = Replace(scope, offers);
  EXPECT_EQ(c.unchanged, 3);
  EXPECT_EQ(c.inserted + c.updated + c.deleted, 0);
  EXPECT_EQ(LastSeq(), 3);
  EXPECT_EQ(Get("PR1~P1", "S2")->seq, first->seq);

  // One price changes; one offer is no longer assembled.
  offers[1].shelf_price = Money::Euros(149);
  offers.erase(offers.begin() + 2);
  c = Replace(scope, offers);
  EXPECT_EQ(c.updated, 1);
  EXPECT_EQ(c.unchanged, 1);
  EXPECT_EQ(c.deleted, 1);
  EXPECT_EQ(c.inserted, 0);
  auto changed = Get("PR1~P1", "S2");
  ASSERT_TRUE(changed.has_value());
  EXPECT_GT(changed->seq, 3);
  EXPECT_EQ(changed->version, 2);
  EXPECT_EQ(changed->shelf_price, Money::Euros(149));
  EXPECT_FALSE(Get("PR1~P2", "S1").has_value());
  EXPECT_EQ(LastSeq(), 5);

  std::vector<OfferChange> feed = Changes(3);
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].seq, 4);
  EXPECT_EQ(feed[0].offer_id, "PR1~P1");
  EXPECT_FALSE(feed[0].deleted);
  ASSERT_TRUE(feed[0].offer.has_value());
  EXPECT_EQ(feed[0].offer->shelf_price, Money::Euros(149));
  EXPECT_EQ(feed[1].seq, 5);
  EXPECT_EQ(feed[1].offer_id, "PR1~P2");
  EXPECT_EQ(feed[1].store_id, "S1");
  EXPECT_TRUE(feed[1].deleted);
  EXPECT_FALSE(feed[1].offer.has_value());

  // The tombstoned offer comes back, with its version continued and a new seq.
  offers.push_back(MakeOffer("PR1", "P2", "S1"));
  c = Replace(scope, offers);
  EXPECT_EQ(c.inserted, 1);
  EXPECT_EQ(c.unchanged, 2);
  auto back = Get("PR1~P2", "S1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->seq, 6);
  EXPECT_EQ(back->version, 2);
  // A tombstone is not tombstoned again.
  c = Replace(scope, {});
  EXPECT_EQ(c.deleted, 3);
  c = Replace(scope, {});
  EXPECT_EQ(c.deleted, 0);
  EXPECT_EQ(LastSeq(), 9);
}

TEST_P(OffersConformanceTest, ABatchSharesOneVariantBetweenStoresAndReadsBackWhole) {
  // Two variants (two prices) of PR1~P1 over three stores, and PR1~P2 in one store.
  OfferBatch batch;
  batch.variants.push_back({MakeOffer("PR1", "P1", ""), ""});
  batch.variants.push_back({MakeOffer("PR1", "P1", "", {"google", "meta"}, "Épicerie", 149), ""});
  batch.variants.push_back({MakeOffer("PR1", "P2", ""), ""});
  batch.offers = {{0, "S1", 12, Availability::kInStock, ""},
                  {0, "S2", 3, Availability::kLimited, ""},
                  {1, "S3", 0, Availability::kOutOfStock, ""},
                  {2, "S1", 7, Availability::kInStock, ""}};
  const OfferRepository::Scope scope{{"PR1"}, {}, {}};
  auto written = offers_->ReplaceOfferBatch(scope, batch);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->inserted, 4);
  for (size_t i = 0; i < batch.offers.size(); ++i) {
    const PublishedOffer expected = batch.Expand(i);
    auto stored = Get(expected.offer_id, expected.store_id);
    ASSERT_TRUE(stored.has_value()) << expected.offer_id << " " << expected.store_id;
    EXPECT_EQ(stored->content_hash, ContentHash(expected));
    EXPECT_EQ(stored->shelf_price, expected.shelf_price);
    EXPECT_EQ(stored->category, expected.category);
    EXPECT_EQ(stored->stock_quantity, expected.stock_quantity);
    EXPECT_EQ(stored->availability, expected.availability);
    EXPECT_EQ(stored->mechanic_parameters, expected.mechanic_parameters);
  }
  // The same offers given one by one are the same content: nothing is written.
  std::vector<PublishedOffer> whole;
  for (size_t i = 0; i < batch.offers.size(); ++i) whole.push_back(batch.Expand(i));
  OfferWriteCounts again = Replace(scope, whole);
  EXPECT_EQ(again.unchanged, 4);
  EXPECT_EQ(again.inserted + again.updated + again.deleted, 0);

  // A variant naming no variant of the batch is refused before anything is written.
  batch.offers.push_back({7, "S9", 1, Availability::kInStock, ""});
  EXPECT_EQ(offers_->ReplaceOfferBatch(scope, batch).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LastSeq(), 4);
}

TEST_P(OffersConformanceTest, ReplacingAProductsOffersCoversItsLaterStretches) {
  // A promotion whose product is published in two stretches (split at a date): replacing
  // that product's offers (a title changed) finds both, leaves them unchanged, and
  // withdraws a stretch the new batch no longer has.
  PublishedOffer first = MakeOffer("PR1", "P1", "S1");
  PublishedOffer later = MakeOffer("PR1", "P1", "S1");
  later.offer_id = "PR1~P1~20270115";
  PublishedOffer other = MakeOffer("PR1", "P10", "S1");  // an id P1 prefixes, not a stretch
  const OfferRepository::Scope promotion{{"PR1"}, {}, {}};
  Replace(promotion, {first, later, other});
  const OfferRepository::Scope product{{"PR1"}, {"P1"}, {}};
  auto again = offers_->ReplaceOffers(product, std::vector<PublishedOffer>{first, later});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->unchanged, 2);
  EXPECT_EQ(again->inserted + again->updated + again->deleted, 0);
  auto shorter = offers_->ReplaceOffers(product, std::vector<PublishedOffer>{first});
  ASSERT_TRUE(shorter.ok()) << shorter.status().ToString();
  EXPECT_EQ(shorter->unchanged, 1);
  EXPECT_EQ(shorter->deleted, 1);
  EXPECT_FALSE(Get("PR1~P1~20270115", "S1").has_value());
  EXPECT_TRUE(Get("PR1~P10", "S1").has_value());
  const OfferRepository::Scope in_store{{"PR1"}, {"P1"}, {"S1"}};
  auto by_store = offers_->ReplaceOffers(in_store, std::vector<PublishedOffer>{first, later});
  ASSERT_TRUE(by_store.ok()) << by_store.status().ToString();
  EXPECT_EQ(by_store->unchanged, 1);
  EXPECT_EQ(by_store->inserted, 1);
}

TEST_P(OffersConformanceTest, UpdateOfferStockAppliesRepeatsOfAnOfferInTurn) {
  // More updates than one read of PostgreSQL's batches, the same offer named again later.
  std::vector<PublishedOffer> offers;
  for (int s = 0; s < 70; ++s) offers.push_back(MakeOffer("PR1", "P1", "S" + std::to_string(s)));
  Replace(OfferRepository::Scope{{"PR1"}, {}, {}}, offers);
  const int64_t before = LastSeq();
  std::vector<OfferStockUpdate> updates;
  for (int s = 0; s < 70; ++s) {
    updates.push_back({"PR1~P1", "S" + std::to_string(s), 3, Availability::kLimited});
  }
  updates.push_back({"PR1~P1", "S1", 0, Availability::kOutOfStock});  // again, later
  updates.push_back({"PR1~P1", "S2", 3, Availability::kLimited});     // again, the same
  auto counts = offers_->UpdateOfferStock(updates);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->updated, 71);
  EXPECT_EQ(counts->unchanged, 1);
  EXPECT_EQ(LastSeq(), before + 71);
  auto twice = Get("PR1~P1", "S1");
  ASSERT_TRUE(twice.has_value());
  EXPECT_EQ(twice->stock_quantity, 0);
  EXPECT_EQ(twice->availability, Availability::kOutOfStock);
  EXPECT_EQ(twice->version, 3);
  EXPECT_EQ(twice->seq, before + 71);
  EXPECT_EQ(Get("PR1~P1", "S69")->stock_quantity, 3);
}

TEST_P(OffersConformanceTest, UpdateOfferStockPatchesLiveOffersOnly) {
  const OfferRepository::Scope scope{{"PR1"}, {}, {}};
  Replace(scope, {MakeOffer("PR1", "P1", "S1"), MakeOffer("PR1", "P1", "S2"),
                  MakeOffer("PR1", "P2", "S1")});
  Replace(OfferRepository::Scope{{"PR1"}, {"P2"}, {}}, {});  // PR1~P2 is now a tombstone
  const int64_t before = LastSeq();
  const PublishedOffer untouched = *Get("PR1~P1", "S2");

  const std::vector<OfferStockUpdate> updates = {
      {"PR1~P1", "S1", 2, Availability::kLimited},   // changed
      {"PR1~P1", "S2", 12, Availability::kInStock},  // as stored
      {"PR1~P2", "S1", 5, Availability::kInStock},   // tombstoned: left alone
      {"PR9~P1", "S1", 5, Availability::kInStock}};  // no such offer
  auto counts = offers_->UpdateOfferStock(updates);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->updated, 1);
  EXPECT_EQ(counts->unchanged, 1);
  EXPECT_EQ(counts->inserted + counts->deleted, 0);
  EXPECT_EQ(LastSeq(), before + 1);

  auto patched = Get("PR1~P1", "S1");
  ASSERT_TRUE(patched.has_value());
  EXPECT_EQ(patched->stock_quantity, 2);
  EXPECT_EQ(patched->availability, Availability::kLimited);
  EXPECT_EQ(patched->version, 2);
  EXPECT_EQ(patched->seq, before + 1);
  EXPECT_EQ(patched->content_hash, ContentHash(*patched));
  EXPECT_EQ(Get("PR1~P1", "S2")->seq, untouched.seq);
  EXPECT_FALSE(Get("PR1~P2", "S1").has_value());

  auto changes = offers_->ListChanges(before, 10, "");
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].offer_id, "PR1~P1");
  EXPECT_EQ((*changes)[0].store_id, "S1");
  // A full replace with the patched stock is then unchanged: both paths hash alike.
  PublishedOffer same = MakeOffer("PR1", "P1", "S1");
  same.stock_quantity = 2;
  same.availability = Availability::kLimited;
  EXPECT_EQ(Replace(OfferRepository::Scope{{"PR1"}, {"P1"}, {"S1"}}, {same}).unchanged, 1);
}

// A promotion's later stretches on a product ("PR1~P1~20261211") are its offers too: a stock
// update of "PR1~P1" patches them, and not the offers of a product whose id it prefixes.
TEST_P(OffersConformanceTest, UpdateOfferStockPatchesEveryStretchOfTheOffer) {
  PublishedOffer later = MakeOffer("PR1", "P1", "S1");
  later.offer_id = "PR1~P1~20261211";
  later.validity = {T(7 * 86400), T(14 * 86400)};
  Replace(OfferRepository::Scope{{"PR1"}, {}, {}},
          {MakeOffer("PR1", "P1", "S1"), later, MakeOffer("PR1", "P10", "S1"),
           MakeOffer("PR1", "P1", "S2")});
  auto read_back = Get("PR1~P1~20261211", "S1");
  ASSERT_TRUE(read_back.has_value());
  EXPECT_EQ(read_back->product_id, "P1");
  EXPECT_EQ(read_back->promotion_id, "PR1");

  const std::vector<OfferStockUpdate> updates = {{"PR1~P1", "S1", 0, Availability::kOutOfStock}};
  auto counts = offers_->UpdateOfferStock(updates);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->updated, 2);
  EXPECT_EQ(Get("PR1~P1", "S1")->stock_quantity, 0);
  EXPECT_EQ(Get("PR1~P1~20261211", "S1")->stock_quantity, 0);
  EXPECT_EQ(Get("PR1~P1~20261211", "S1")->availability, Availability::kOutOfStock);
  EXPECT_EQ(Get("PR1~P10", "S1")->stock_quantity, 12);
  EXPECT_EQ(Get("PR1~P1", "S2")->stock_quantity, 12);
}

TEST_P(OffersConformanceTest, ReplaceOffersRejectsDuplicatesAndWritesNothing) {
  const std::vector<PublishedOffer> offers = {MakeOffer("PR1", "P1", "S1"),
                                              MakeOffer("PR1", "P1", "S1")};
  auto r = offers_->ReplaceOffers({{"PR1"}, {}, {}}, offers);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LastSeq(), 0);
  EXPECT_FALSE(Get("PR1~P1", "S1").has_value());

  PublishedOffer dollars = MakeOffer("PR1", "P2", "S1");
  dollars.shelf_price = Money(199, *Currency::Parse("USD"));
  r = offers_->ReplaceOffers({{"PR1"}, {}, {}}, std::vector<PublishedOffer>{dollars});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(offers_->ReplaceOffers({}, {}).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(OffersConformanceTest, ReplaceOffersTouchesOnlyItsScope) {
  Replace({{"PR1"}, {}, {}}, {MakeOffer("PR1", "P1", "S1"), MakeOffer("PR1", "P1", "S2"),
                              MakeOffer("PR1", "P2", "S1"), MakeOffer("PR1", "P2", "S2")});
  Replace({{"PR2"}, {}, {}}, {MakeOffer("PR2", "P1", "S1")});

  // Promotion-only: PR2 re-assembled to nothing leaves PR1 alone.
  OfferWriteCounts c = Replace({{"PR2"}, {}, {}}, {});
  EXPECT_EQ(c.deleted, 1);
  EXPECT_FALSE(Get("PR2~P1", "S1").has_value());
  EXPECT_TRUE(Get("PR1~P1", "S1").has_value());

  // Product-limited: only P1's offers of PR1 were recomputed; P2's stay live.
  c = Replace({{"PR1"}, {"P1"}, {}}, {MakeOffer("PR1", "P1", "S1")});
  EXPECT_EQ(c.unchanged, 1);
  EXPECT_EQ(c.deleted, 1);
  EXPECT_FALSE(Get("PR1~P1", "S2").has_value());
  EXPECT_TRUE(Get("PR1~P2", "S1").has_value());
  EXPECT_TRUE(Get("PR1~P2", "S2").has_value());

  // Store-limited: only S2 was recomputed; S1's offers stay live.
  c = Replace({{"PR1"}, {}, {"S2"}}, {});
  EXPECT_EQ(c.deleted, 1);
  EXPECT_FALSE(Get("PR1~P2", "S2").has_value());
  EXPECT_TRUE(Get("PR1~P1", "S1").has_value());
  EXPECT_TRUE(Get("PR1~P2", "S1").has_value());

  // An offer outside the scope's filters is still written, and compared with what is stored.
  c = Replace({{"PR1"}, {"P1"}, {}}, {MakeOffer("PR1", "P1", "S1"), MakeOffer("PR1", "P2", "S1")});
  EXPECT_EQ(c.unchanged, 2);
  EXPECT_EQ(c.inserted + c.updated + c.deleted, 0);
}

TEST_P(OffersConformanceTest, ListChangesFollowsSeqWithSinceLimitAndChannel) {
  Replace({{"PR1"}, {}, {}},
          {MakeOffer("PR1", "P1", "S1", {"google"}), MakeOffer("PR1", "P2", "S1", {"meta"}),
           MakeOffer("PR1", "P3", "S1", {"google", "meta"})});
  Replace({{"PR1"}, {}, {}}, {MakeOffer("PR1", "P2", "S1", {"meta"}),
                              MakeOffer("PR1", "P3", "S1", {"google", "meta"})});
  // seq 1 P1, 2 P2, 3 P3, 4 P1's tombstone.
  std::vector<OfferChange> all = Changes(0);
  ASSERT_EQ(all.size(), 3u);  // P1's row now sits at seq 4
  EXPECT_EQ(all[0].seq, 2);
  EXPECT_EQ(all[1].seq, 3);
  EXPECT_EQ(all[2].seq, 4);
  EXPECT_TRUE(all[2].deleted);

  std::vector<OfferChange> limited = Changes(0, 2);
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[1].seq, 3);
  EXPECT_THAT(Changes(4), IsEmpty());

  std::vector<OfferChange> google = Changes(0, 1000, "google");
  ASSERT_EQ(google.size(), 2u);
  EXPECT_EQ(google[0].offer_id, "PR1~P3");
  EXPECT_EQ(google[1].offer_id, "PR1~P1");  // a tombstone of an offer that was on google
  EXPECT_TRUE(google[1].deleted);
  std::vector<OfferChange> meta = Changes(2, 1000, "meta");
  ASSERT_EQ(meta.size(), 1u);
  EXPECT_EQ(meta[0].offer_id, "PR1~P3");
  EXPECT_THAT(Changes(0, 1000, "goog"), IsEmpty());
  EXPECT_EQ(offers_->ListChanges(0, 0, "").status().code(), StatusCode::kInvalidArgument);
}

TEST_P(OffersConformanceTest, ListOffersFiltersAndPagesThroughEveryPage) {
  PublishedOffer later = MakeOffer("PR2", "P1", "S2", {"meta"}, "Épicerie");
  later.campaign_id = "C00000002";
  later.validity = {T(10 * 86400), T(12 * 86400)};
  Replace({{"PR1"}, {}, {}},
          {MakeOffer("PR1", "P1", "S1"), MakeOffer("PR1", "P1", "S2", {"google"}),
           MakeOffer("PR1", "P2", "S1", {"google"}, "Épicerie > Chocolat noir > Bio"),
           MakeOffer("PR1", "P3", "S1", {"meta"}, "Épicerie salée"),
           MakeOffer("PR1", "P4", "S3", {"meta"}, "Boissons")});
  Replace({{"PR2"}, {}, {}}, {later});
  Replace({{"PR3"}, {}, {}}, {MakeOffer("PR3", "P1", "S1")});
  Replace({{"PR3"}, {}, {}}, {});  // a tombstone is never listed

  EXPECT_THAT(ListAll(OfferQuery()), ElementsAre("PR1~P1|S1", "PR1~P1|S2", "PR1~P2|S1", "PR1~P3|S1",
                                                 "PR1~P4|S3", "PR2~P1|S2"));
  for (int limit : {1, 2, 4}) {
    OfferQuery paged;
    paged.limit = limit;
    EXPECT_EQ(ListAll(paged).size(), 6u) << limit;
  }
  OfferQuery store;
  store.store_id = "S1";
  store.limit = 1;
  EXPECT_THAT(ListAll(store), ElementsAre("PR1~P1|S1", "PR1~P2|S1", "PR1~P3|S1"));
  // A cursor from an unfiltered listing resumes a one-store listing too.
  store.after = "PR1~P1|S2";
  EXPECT_THAT(ListAll(store), ElementsAre("PR1~P2|S1", "PR1~P3|S1"));
  store.after = "PR1~P2|S0";
  EXPECT_THAT(ListAll(store), ElementsAre("PR1~P2|S1", "PR1~P3|S1"));

  OfferQuery channel;
  channel.channel = "google";
  EXPECT_THAT(ListAll(channel), ElementsAre("PR1~P1|S1", "PR1~P1|S2", "PR1~P2|S1"));
  OfferQuery campaign;
  campaign.campaign_id = "C00000002";
  EXPECT_THAT(ListAll(campaign), ElementsAre("PR2~P1|S2"));
  OfferQuery category;
  category.category = "Épicerie > Chocolat";
  EXPECT_THAT(ListAll(category), ElementsAre("PR1~P1|S1", "PR1~P1|S2"));
  category.category = "Épicerie";
  EXPECT_THAT(ListAll(category), ElementsAre("PR1~P1|S1", "PR1~P1|S2", "PR1~P2|S1", "PR2~P1|S2"));
  category.category = "Épi";
  EXPECT_THAT(ListAll(category), IsEmpty());
  OfferQuery at;
  at.at = T(11 * 86400);
  EXPECT_THAT(ListAll(at), ElementsAre("PR2~P1|S2"));
  at.at = T(12 * 86400);  // the end is excluded
  EXPECT_THAT(ListAll(at), IsEmpty());
  at.at = T(0);
  EXPECT_EQ(ListAll(at).size(), 5u);
  OfferQuery combined;
  combined.store_id = "S1";
  combined.channel = "meta";
  combined.category = "Épicerie";
  EXPECT_THAT(ListAll(combined), ElementsAre("PR1~P1|S1"));
  // One product in every promotion and store; never a product whose id it begins.
  OfferQuery product;
  product.product_id = "P1";
  product.limit = 1;
  EXPECT_THAT(ListAll(product), ElementsAre("PR1~P1|S1", "PR1~P1|S2", "PR2~P1|S2"));
  product.store_id = "S2";
  EXPECT_THAT(ListAll(product), ElementsAre("PR1~P1|S2", "PR2~P1|S2"));
  product.store_id.clear();
  product.product_id = "P";
  EXPECT_THAT(ListAll(product), IsEmpty());

  OfferQuery bad;
  bad.after = "no-bar";
  EXPECT_EQ(offers_->ListOffers(bad).status().code(), StatusCode::kInvalidArgument);
  bad.after.clear();
  bad.limit = 1001;
  EXPECT_EQ(offers_->ListOffers(bad).status().code(), StatusCode::kInvalidArgument);
}

// The figures as "store|campaign|channels|availability" → offers.
std::map<std::string, int64_t> CountsOf(const OfferFigures& figures) {
  std::map<std::string, int64_t> out;
  for (const OfferCount& c : figures.counts) {
    std::string channels;
    for (const std::string& channel : c.channels) channels += channel + "+";
    out[c.store_id + "|" + c.campaign_id + "|" + channels + "|" +
        std::string(AvailabilityName(c.availability))] += c.offers;
  }
  return out;
}

TEST_P(OffersConformanceTest, OfferFiguresFollowEveryOfferWrite) {
  auto figures = [&] {
    auto read = offers_->ReadOfferFigures(T(0));
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    return read.ok() ? CountsOf(*read) : std::map<std::string, int64_t>{};
  };
  EXPECT_THAT(figures(), IsEmpty());
  PublishedOffer leaflet = MakeOffer("PR00000002", "P1", "S1", {"leaflet"});
  leaflet.campaign_id = "C00000002";
  PublishedOffer empty = MakeOffer("PR00000001", "P2", "S1");
  empty.stock_quantity = 0;
  empty.availability = Availability::kOutOfStock;
  Replace(
      {{"PR00000001", "PR00000002"}, {}, {}},
      {MakeOffer("PR00000001", "P1", "S1"), MakeOffer("PR00000001", "P1", "S2"), empty, leaflet});
  EXPECT_EQ(figures(),
            (std::map<std::string, int64_t>{{"S1|C00000001|google+meta+|in_stock", 1},
                                            {"S1|C00000001|google+meta+|out_of_stock", 1},
                                            {"S1|C00000002|leaflet+|in_stock", 1},
                                            {"S2|C00000001|google+meta+|in_stock", 1}}));

  // A stock level moves an offer from one availability to the other.
  std::vector<OfferStockUpdate> stock = {
      {"PR00000001~P1", "S1", 3, Availability::kLimited},
      {"PR00000001~P2", "S1", 0, Availability::kOutOfStock}};  // unchanged
  ASSERT_TRUE(offers_->UpdateOfferStock(stock).ok());
  EXPECT_EQ(figures(),
            (std::map<std::string, int64_t>{{"S1|C00000001|google+meta+|limited_availability", 1},
                                            {"S1|C00000001|google+meta+|out_of_stock", 1},
                                            {"S1|C00000002|leaflet+|in_stock", 1},
                                            {"S2|C00000001|google+meta+|in_stock", 1}}));

  // A content change in the same group changes no count; a channel change moves the offer;
  // what the scope no longer holds is withdrawn.
  PublishedOffer cheaper = MakeOffer("PR00000001", "P1", "S2", {"google"}, "Épicerie", 149);
  Replace({{"PR00000001"}, {}, {}},
          {MakeOffer("PR00000001", "P1", "S1", {"google", "meta"}, "Épicerie > Chocolat", 189),
           cheaper});
  EXPECT_EQ(figures(), (std::map<std::string, int64_t>{{"S1|C00000001|google+meta+|in_stock", 1},
                                                       {"S1|C00000002|leaflet+|in_stock", 1},
                                                       {"S2|C00000001|google+|in_stock", 1}}));
  Replace({{"PR00000001", "PR00000002"}, {}, {}}, {});
  EXPECT_THAT(figures(), IsEmpty());
  // Published again after its tombstone, the offer counts again.
  Replace({{"PR00000002"}, {}, {}}, {leaflet});
  EXPECT_EQ(figures(), (std::map<std::string, int64_t>{{"S1|C00000002|leaflet+|in_stock", 1}}));

  // A write rolled back leaves the counts as they were.
  Status rolled_back = repo_->Transaction([&]() -> Status {
    EXPECT_TRUE(offers_->ReplaceOffers({{"PR00000002"}, {}, {}}, {}).ok());
    return Status::Internal("roll back");
  });
  EXPECT_FALSE(rolled_back.ok());
  EXPECT_EQ(figures(), (std::map<std::string, int64_t>{{"S1|C00000002|leaflet+|in_stock", 1}}));
}

TEST_P(OffersConformanceTest, AssemblyRunsGiveTheLastRunAndOffersWrittenPerMinute) {
  auto none = offers_->ReadOfferFigures(T(0));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->last_run.has_value());
  EXPECT_EQ(none->runs, 0);
  EXPECT_THAT(none->written_per_minute, IsEmpty());
  // T(0) is the first second of a minute.
  for (const AssemblyRun& run : {AssemblyRun{T(10), std::chrono::milliseconds(40), 3},
                                 AssemblyRun{T(50), std::chrono::milliseconds(20), 2},
                                 AssemblyRun{T(70), std::chrono::milliseconds(5), 0},
                                 AssemblyRun{T(130), std::chrono::milliseconds(70), 4}}) {
    ASSERT_TRUE(offers_->RecordAssemblyRun(run).ok());
  }
  auto figures = offers_->ReadOfferFigures(T(0));
  ASSERT_TRUE(figures.ok()) << figures.status().ToString();
  using Minute = std::pair<Instant, int64_t>;
  EXPECT_THAT(figures->written_per_minute, ElementsAre(Minute{T(0), 5}, Minute{T(120), 4}));
  ASSERT_TRUE(figures->last_run.has_value());
  EXPECT_EQ(figures->last_run->at, T(130));
  EXPECT_EQ(figures->last_run->duration, std::chrono::milliseconds(70));
  EXPECT_EQ(figures->last_run->offers_written, 4);
  EXPECT_EQ(figures->runs, 4);
  EXPECT_EQ(*offers_->AssemblyRunCount(), 4);
  figures = offers_->ReadOfferFigures(T(60));
  ASSERT_TRUE(figures.ok());
  EXPECT_THAT(figures->written_per_minute, ElementsAre(Minute{T(120), 4}));
  // A day later the old runs are forgotten, but still counted.
  ASSERT_TRUE(offers_->RecordAssemblyRun({T(200 + 86400), std::chrono::milliseconds(1), 1}).ok());
  figures = offers_->ReadOfferFigures(T(0));
  ASSERT_TRUE(figures.ok());
  EXPECT_THAT(figures->written_per_minute, ElementsAre(Minute{T(180 + 86400), 1}));
  EXPECT_EQ(figures->runs, 5);
}

TEST_P(OffersConformanceTest, TheLastPublicationIsTheNewestRunThatWroteOffers) {
  auto published = offers_->LastPublishedAt();
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  EXPECT_FALSE(published->has_value());
  ASSERT_TRUE(offers_->RecordAssemblyRun({T(10), std::chrono::milliseconds(1), 0}).ok());
  EXPECT_FALSE(offers_->LastPublishedAt()->has_value()) << "a run that wrote nothing";
  ASSERT_TRUE(offers_->RecordAssemblyRun({T(20), std::chrono::milliseconds(1), 3}).ok());
  EXPECT_EQ(*offers_->LastPublishedAt(), T(20));
  ASSERT_TRUE(offers_->RecordAssemblyRun({T(30), std::chrono::milliseconds(1), 2}).ok());
  EXPECT_EQ(*offers_->LastPublishedAt(), T(30));
  // Runs that write nothing leave it, even once the run that wrote is forgotten.
  ASSERT_TRUE(
      offers_->RecordAssemblyRun({T(40 + 3 * 86400), std::chrono::milliseconds(1), 0}).ok());
  EXPECT_EQ(offers_->ReadOfferFigures(T(0))->last_run->at, T(40 + 3 * 86400));
  EXPECT_EQ(*offers_->LastPublishedAt(), T(30));
}

TEST_P(OffersConformanceTest, TransactionRollsBackCampaignAndOfferWrites) {
  Status s = repo_->Transaction([&]() -> Status {
    auto c = campaigns_->CreateCampaign(MakeCampaign("Annulée"), T(0));
    if (!c.ok()) return c.status();
    auto p = campaigns_->CreatePromotion(MakePromotion(c->id));
    if (!p.ok()) return p.status();
    auto w = offers_->ReplaceOffers({{"PR1"}, {}, {}},
                                    std::vector<PublishedOffer>{MakeOffer("PR1", "P1", "S1")});
    if (!w.ok()) return w.status();
    // Inside, the transaction sees its own writes.
    EXPECT_TRUE(campaigns_->GetCampaign(c->id)->has_value());
    EXPECT_EQ(*offers_->LastSeq(), 1);
    EXPECT_TRUE(offers_->GetOffer("PR1~P1", "S1")->has_value());
    return Status::FailedPrecondition("change of plan");
  });
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(campaigns_->GetCampaign("C00000001")->has_value());
  EXPECT_FALSE(campaigns_->GetPromotion("PR00000001")->has_value());
  EXPECT_FALSE(Get("PR1~P1", "S1").has_value());
  EXPECT_EQ(LastSeq(), 0);
  EXPECT_THAT(Changes(0), IsEmpty());

  s = repo_->Transaction([&]() -> Status {
    auto c = campaigns_->CreateCampaign(MakeCampaign("Gardée"), T(0));
    if (!c.ok()) return c.status();
    return offers_
        ->ReplaceOffers({{"PR1"}, {}, {}},
                        std::vector<PublishedOffer>{MakeOffer("PR1", "P1", "S1")})
        .status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(campaigns_->GetCampaign("C00000001")->has_value());
  EXPECT_TRUE(Get("PR1~P1", "S1").has_value());
  EXPECT_EQ(LastSeq(), 1);
}

TEST_P(OffersConformanceTest, ScanOffersVisitsLiveOffersOnceInOneRead) {
  PublishedOffer later = MakeOffer("PR2", "P1", "S2", {"meta"}, "Épicerie");
  later.campaign_id = "C00000002";
  later.validity = {T(10 * 86400), T(12 * 86400)};
  later.timezone = "America/Martinique";
  later.stock_quantity = 2;
  later.availability = Availability::kLimited;
  Replace({{"PR1"}, {}, {}},
          {MakeOffer("PR1", "P2", "S1", {"google"}), MakeOffer("PR1", "P1", "S2", {"google"}),
           MakeOffer("PR1", "P1", "S1")});
  Replace({{"PR2"}, {}, {}}, {later});
  Replace({{"PR3"}, {}, {}}, {MakeOffer("PR3", "P1", "S1")});
  Replace({{"PR3"}, {}, {}}, {});  // a tombstone is never visited
  // A changed offer moves to the end of the seq order.
  Replace({{"PR1"}, {"P2"}, {}}, {MakeOffer("PR1", "P2", "S1", {"google"}, "Épicerie", 150)});

  auto scan = [&](OfferScan s) {
    std::vector<std::string> keys;
    Status status = offers_->ScanOffers(s, [&](const PublishedOffer& o) {
      keys.push_back(o.offer_id + "|" + o.store_id);
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return keys;
  };
  OfferScan by_key;
  by_key.by_key = true;
  EXPECT_THAT(scan(by_key), ElementsAre("PR1~P1|S1", "PR1~P1|S2", "PR1~P2|S1", "PR2~P1|S2"));
  EXPECT_THAT(scan(OfferScan()), ElementsAre("PR1~P1|S1", "PR1~P1|S2", "PR2~P1|S2", "PR1~P2|S1"));
  OfferScan filtered;
  filtered.channel = "google";
  filtered.store_id = "S1";
  EXPECT_THAT(scan(filtered), ElementsAre("PR1~P1|S1", "PR1~P2|S1"));
  OfferScan campaign;
  campaign.campaign_id = "C00000002";
  EXPECT_THAT(scan(campaign), ElementsAre("PR2~P1|S2"));
  OfferScan ending;
  ending.ending_after = T(7 * 86400);  // the PR1 offers end exactly then
  EXPECT_THAT(scan(ending), ElementsAre("PR2~P1|S2"));

  // The visit's error stops the scan and comes back.
  int visited = 0;
  Status stopped = offers_->ScanOffers(OfferScan(), [&](const PublishedOffer&) {
    ++visited;
    return Status::Unavailable("platform gone");
  });
  EXPECT_EQ(stopped.code(), StatusCode::kUnavailable);
  EXPECT_EQ(visited, 1);

  // The inventory scan reads the same offers, fields equal to the full read.
  std::vector<std::string> rows;
  Status status = offers_->ScanInventory(by_key, [&](const OfferInventoryRow& r) {
    rows.push_back(std::string(r.product_id) + "|" + std::string(r.store_id) + "|" +
                   std::string(r.timezone) + "|" + r.regular_price.ToFeedString() + "|" +
                   r.shelf_price.ToFeedString() + "|" + std::to_string(r.stock_quantity) + "|" +
                   std::string(AvailabilityName(r.availability)) + "|" +
                   std::to_string(ToUnixSeconds(r.validity.end) - ToUnixSeconds(T(0))));
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_THAT(rows, ElementsAre("P1|S1|Europe/Paris|2.99 EUR|1.99 EUR|12|in_stock|604800",
                                "P1|S2|Europe/Paris|2.99 EUR|1.99 EUR|12|in_stock|604800",
                                "P2|S1|Europe/Paris|2.99 EUR|1.50 EUR|12|in_stock|604800",
                                "P1|S2|America/Martinique|2.99 EUR|1.99 EUR|2|limited_availability|"
                                "1036800"));
}

INSTANTIATE_TEST_SUITE_P(Backends, OffersConformanceTest, vitrine::testing::AllBackends(),
                         vitrine::testing::BackendName);

// SQLite only: what survives closing the file.
TEST(SqliteOffersTest, ReopenKeepsOffersIdsAndSeqMonotonic) {
  testing::TempDir dir;
  const std::string path = dir.File("catalog.db");
  {
    auto db = SqliteDatabase::Open(path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->CreateCampaign(MakeCampaign("A"), T(0)).ok());
    auto w = (*db)->ReplaceOffers(
        {{"PR1"}, {}, {}},
        std::vector<PublishedOffer>{MakeOffer("PR1", "P1", "S1"), MakeOffer("PR1", "P2", "S1")});
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    // Tombstone the newest row, so a MAX(seq) over live rows would go backwards.
    ASSERT_TRUE((*db)
                    ->ReplaceOffers({{"PR1"}, {}, {}},
                                    std::vector<PublishedOffer>{MakeOffer("PR1", "P1", "S1")})
                    .ok());
    EXPECT_EQ(*(*db)->LastSeq(), 3);
  }
  auto db = SqliteDatabase::Open(path);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(*(*db)->LastSeq(), 3);
  auto w = (*db)->ReplaceOffers({{"PR2"}, {}, {}},
                                std::vector<PublishedOffer>{MakeOffer("PR2", "P1", "S1")});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto offer = (*db)->GetOffer("PR2~P1", "S1");
  ASSERT_TRUE(offer.ok() && offer->has_value());
  EXPECT_EQ((*offer)->seq, 4);
  EXPECT_EQ(*(*db)->LastSeq(), 4);
  auto created = (*db)->CreateCampaign(MakeCampaign("B"), T(0));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->id, "C00000002");
}

}  // namespace
}  // namespace vitrine
