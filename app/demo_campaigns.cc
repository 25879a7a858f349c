#include "demo_campaigns.h"

#include <date/date.h>

#include "offers/assembly.h"
#include "offers/campaign_checks.h"
#include "offers/campaign_json.h"

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
};

ProductSelector Category(std::string path) {
  ProductSelector s;
  s.kind = ProductSelector::Kind::kCategory;
  s.category = std::move(path);
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
        {Category("Petit-déjeuner > Céréales"), NthItemPercentOff{2, 40}, 1}}},
      {"Carte Vitrine : 10 % crédités",
       "Opération fidélité : 10 % du prix crédités sur la carte pour les produits Vitrine "
       "Sélection.",
       today + days(7),
       today + days(21),
       {"meta", "leaflet"},
       {{Brand("Vitrine Sélection"), LoyaltyCredit{10}, 0}}},
      {"Noël gourmand",
       "Chocolats et confiseries pour les fêtes.",
       christmas_start,
       christmas_end,
       {"google", "meta", "leaflet"},
       {{Category("Épicerie sucrée > Chocolat"), NthItemPercentOff{2, 50}, 2},
        {Category("Épicerie sucrée > Confiserie"), NthItemPercentOff{2, 40}, 2}}},
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
  for (const DemoCampaign& demo : Campaigns(now)) {
    auto exists = Exists(db, demo.name);
    if (!exists.ok()) return exists.status();
    if (*exists) continue;
    Campaign campaign;
    campaign.name = demo.name;
    campaign.description = demo.description;
    campaign.start_local = demo.start;
    campaign.end_local = demo.end;
    campaign.channels = demo.channels;
    auto created = db.campaigns().CreateCampaign(campaign, now);
    if (!created.ok()) return created.status();
    for (const DemoPromotion& p : demo.promotions) {
      Promotion promotion;
      promotion.campaign_id = created->id;
      promotion.selector = p.selector;
      promotion.mechanic = p.mechanic;
      promotion.priority = p.priority;
      if (auto added = db.campaigns().CreatePromotion(promotion); !added.ok())
        return added.status();
    }
    // Submitted by marketing, then approved by a merchandiser when the law allows it.
    Campaign submitted = *created;
    submitted.status = CampaignStatus::kSubmitted;
    auto current = db.campaigns().UpdateCampaign(submitted, created->version, now);
    if (!current.ok()) return current.status();
    auto checks = CheckCampaign(db.catalog(), db.campaigns(), *current, ComplianceRules{}, now);
    if (!checks.ok()) return checks.status();
    if (checks->blocking == 0) {
      Campaign approved = *current;
      approved.status = CampaignStatus::kApproved;
      auto done = db.campaigns().UpdateCampaign(approved, current->version, now);
      if (!done.ok()) return done.status();
      std::fprintf(out, "  campaign %s \"%s\": approved (%d products, %d warnings)\n",
                   created->id.c_str(), demo.name.c_str(), checks->products, checks->warnings);
    } else {
      std::fprintf(out, "  campaign %s \"%s\": left submitted, %d blocking findings, first: %s\n",
                   created->id.c_str(), demo.name.c_str(), checks->blocking,
                   checks->findings.empty() ? "" : checks->findings.front().message.c_str());
    }
  }
  return Status::Ok();
}

}  // namespace vitrine
