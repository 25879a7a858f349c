#include "demo_campaigns.h"

#include <date/date.h>

#include "offers/workflow.h"

namespace vitrine {
namespace {

struct DemoPromotion {
  ProductSelector selector;
  Mechanic mechanic;
  int priority = 0;
};

struct DemoCampaign {
  std::string name;
  std::string description;
  LocalTime start;
  LocalTime end;
  std::set<std::string> channels;
  std::vector<DemoPromotion> promotions;
  StoreScope scope;  // every store unless set
};

ProductSelector Category(std::string path) {
  ProductSelector s;
  s.kind = ProductSelector::Kind::kCategory;
  s.category = std::move(path);
  return s;
}

ProductSelector Products(std::vector<std::string> ids) {
  ProductSelector s;
  s.kind = ProductSelector::Kind::kProducts;
  s.product_ids = std::move(ids);
  return s;
}

ProductSelector Brand(std::string brand) {
  ProductSelector s;
  s.kind = ProductSelector::Kind::kBrand;
  s.brand = std::move(brand);
  return s;
}

LocalTime Midnight(LocalTime t) {
  return LocalTime(std::chrono::floor<std::chrono::days>(t.time_since_epoch()));
}

// Immediate reductions that may meet the loyalty credit stay at 25 % or less, so that with
// the 10 % credit the cumulated advantage stays under the 34 % cap (Egalim).
std::vector<DemoCampaign> Campaigns(Instant now) {
  const LocalTime today = Midnight(TimeZone::Paris().ToLocal(now));
  const auto days = [](int n) { return std::chrono::days(n); };
  const date::year_month_day ymd{
      date::sys_days(std::chrono::floor<std::chrono::days>(today.time_since_epoch()))};
  // Christmas of this year, or of next year once it is over.
  int year = static_cast<int>(ymd.year());
  if (ymd.month() == date::December && ymd.day() >= date::day(25)) ++year;
  const auto christmas_start =
      LocalTime(date::local_days(date::year(year) / date::December / 1).time_since_epoch());
  const auto christmas_end =
      LocalTime(date::local_days(date::year(year) / date::December / 25).time_since_epoch());
  return {
      {"Les immanquables de la semaine",
       "Le prospectus de la semaine : biscuits, conserves et céréales du petit-déjeuner.",
       today,
       today + days(7),
       {"google", "meta", "leaflet"},
       {{Category("Épicerie sucrée > Biscuits et gâteaux"), NthItemPercentOff{2, 50}, 1},
        {Category("Épicerie salée > Conserves de légumes"), Multibuy{3, 2}, 1},
        {Category("Petit-déjeuner > Céréales"), NthItemPercentOff{2, 40}, 1}},
       StoreScope{}},
      {"Carte Vitrine : 10 % crédités",
       "Opération fidélité : 10 % du prix crédités sur la carte pour les produits Vitrine "
       "Sélection.",
       today + days(7),
       today + days(21),
       {"meta", "leaflet"},
       {{Brand("Vitrine Sélection"), LoyaltyCredit{10}, 0}},
       StoreScope{}},
      // Two zones only, alcohol, a stacked loyalty credit of its own, and an overlap in time
      // with the loyalty-card operation: its last days meet "Carte Vitrine" on the fixed
      // price of a Vitrine Sélection wine, which carries the card's credit only from then.
      {"Foire aux vins",
       "La foire aux vins d'automne en Île-de-France et dans l'Ouest : vins et bières.",
       today + days(3),
       today + days(10),
       {"google", "meta", "leaflet"},
       {{Products({"P20929022", "P3182520189858", "P3182280052478", "P3182280052577"}),
         PercentOff{20}, 0},
        {Category("Boissons > Bières"), Multibuy{3, 2}, 0},
        {Products({"P3183520704751"}), FixedPrice{Money::Euros(399)}, 0},
        {Brand("Vieux Papes"), LoyaltyCredit{5}, 0}},
       StoreScope{StoreScope::Kind::kZones, {"IDF", "OUEST"}}},
      {"Noël gourmand",
       "Chocolats et confiseries pour les fêtes.",
       christmas_start,
       christmas_end,
       {"google", "meta", "leaflet"},
       {{Category("Épicerie sucrée > Chocolat"), NthItemPercentOff{2, 50}, 2},
        {Category("Épicerie sucrée > Confiserie"), NthItemPercentOff{2, 40}, 2}},
       StoreScope{}},
  };
}

Result<bool> Exists(Database& db, const std::string& name) {
  CampaignQuery query;
  query.limit = 1000;
  auto page = db.campaigns().ListCampaigns(query);
  if (!page.ok()) return page.status();
  for (const Campaign& c : page->items) {
    if (c.name == name) return true;
  }
  return false;
}

}  // namespace

Status SeedDemoCampaigns(Database& db, Instant now, std::FILE* out) {
  // Through the workflow, like a marketing team and a merchandiser in the web UI: every step
  // is audited under the actor "demo:marketing" or "demo:merchandiser" and recorded in the
  // change log.
  const ManualClock clock(now);
  CampaignWorkflow workflow(db.catalog(), db.campaigns(), db.offers(), db.audit(), db.changes(),
                            clock, ComplianceRules{});
  // Four eyes: marketing writes the campaigns, a merchandiser approves them.
  const Actor marketing{"demo:marketing", Role::kEditor, ""};
  const Actor merchandiser{"demo:merchandiser", Role::kApprover, ""};
  for (const DemoCampaign& d : Campaigns(now)) {
    auto exists = Exists(db, d.name);
    if (!exists.ok()) return exists.status();
    if (*exists) continue;
    Campaign campaign;
    campaign.name = d.name;
    campaign.description = d.description;
    campaign.start_local = d.start;
    campaign.end_local = d.end;
    campaign.channels = d.channels;
    campaign.scope = d.scope;
    auto created = workflow.CreateCampaign(marketing, campaign);
    if (!created.ok()) return created.status();
    const std::string& id = created->campaign.id;
    for (const DemoPromotion& p : d.promotions) {
      Promotion promotion;
      promotion.campaign_id = id;
      promotion.selector = p.selector;
      promotion.mechanic = p.mechanic;
      promotion.priority = p.priority;
      if (auto added = workflow.CreatePromotion(marketing, promotion); !added.ok()) {
        return added.status();
      }
    }
    // Submitted by marketing, then approved by a merchandiser when the law allows it.
    TransitionRequest submit;
    submit.to = CampaignStatus::kSubmitted;
    if (auto submitted = workflow.Transition(marketing, id, submit); !submitted.ok()) {
      return submitted.status();
    }
    TransitionRequest approve;
    approve.to = CampaignStatus::kApproved;
    auto approved = workflow.Transition(merchandiser, id, approve);
    if (approved.ok()) {
      std::fprintf(out, "  campaign %s \"%s\": approved (%d products, %d warnings)\n", id.c_str(),
                   d.name.c_str(), approved->checks->products, approved->checks->warnings);
    } else if (const auto& checks = approved.error().blocking) {
      std::fprintf(out, "  campaign %s \"%s\": left submitted, %d blocking findings, first: %s\n",
                   id.c_str(), d.name.c_str(), checks->blocking,
                   checks->findings.empty() ? "" : checks->findings.front().message.c_str());
    } else {
      return approved.status();
    }
  }
  return Status::Ok();
}

}  // namespace vitrine
