#include "offers/campaign.h"

#include <algorithm>
#include <array>

#include "common/text.h"

namespace vitrine {
namespace {

// A label, not a description: short enough for a list row or a message.
constexpr size_t kMaxPromotionName = 80;

using field_rules::CheckText;
using field_rules::IsValidId;

void CheckScope(std::vector<FieldError>& errors, const char* field, const StoreScope& scope) {
  if (scope.kind == StoreScope::Kind::kAll) {
    if (!scope.ids.empty()) errors.push_back({field, "lists ids but covers all stores"});
    return;
  }
  if (scope.ids.empty()) {
    errors.push_back({field, "names no " + std::string(StoreScopeKindName(scope.kind))});
    return;
  }
  for (const std::string& id : scope.ids) {
    if (TrimAscii(id).empty()) {
      errors.push_back({field, "has an empty id"});
      return;
    }
  }
}

std::vector<std::string_view> CategorySegments(std::string_view path) {
  std::vector<std::string_view> segments;
  while (true) {
    const size_t cut = path.find('>');
    segments.push_back(TrimAscii(path.substr(0, cut)));
    if (cut == std::string_view::npos) break;
    path.remove_prefix(cut + 1);
  }
  return segments;
}

bool SameWordsIgnoringCase(std::string_view a, std::string_view b) {
  return ToLowerAscii(TrimAscii(a)) == ToLowerAscii(TrimAscii(b));
}

bool AtLeastEditor(Role r) {
  return r == Role::kEditor || r == Role::kApprover || r == Role::kAdmin;
}
bool AtLeastApprover(Role r) { return r == Role::kApprover || r == Role::kAdmin; }
bool IsStored(CampaignStatus s) {
  return s != CampaignStatus::kLive && s != CampaignStatus::kEnded;
}

// The role a step in the graph needs, or nullopt when the step is not in the graph.
enum class Needs { kEditor, kApprover, kAdmin };
std::optional<Needs> StepNeeds(CampaignStatus from, CampaignStatus to) {
  using S = CampaignStatus;
  if (!IsStored(from) || !IsStored(to) || from == to) return std::nullopt;
  if (to == S::kArchived) return Needs::kApprover;  // any stored state but archived itself
  switch (from) {
    case S::kDraft:
      if (to == S::kSubmitted) return Needs::kEditor;
      break;
    case S::kSubmitted:
      if (to == S::kDraft) return Needs::kEditor;
      if (to == S::kApproved || to == S::kRejected) return Needs::kApprover;
      break;
    case S::kApproved:
      if (to == S::kSubmitted) return Needs::kEditor;
      break;
    case S::kRejected:
      if (to == S::kDraft) return Needs::kEditor;
      break;
    case S::kArchived:
      // Restoring undoes an archive made by mistake; rare and powerful, so admin only.
      if (to == S::kDraft) return Needs::kAdmin;
      break;
    default:
      break;
  }
  return std::nullopt;
}

bool RoleMeets(Role actor, Needs needs) {
  switch (needs) {
    case Needs::kEditor:
      return AtLeastEditor(actor);
    case Needs::kApprover:
      return AtLeastApprover(actor);
    case Needs::kAdmin:
      return actor == Role::kAdmin;
  }
  return false;
}

constexpr std::array<CampaignStatus, 7> kAllStatuses = {
    CampaignStatus::kDraft,    CampaignStatus::kSubmitted, CampaignStatus::kApproved,
    CampaignStatus::kRejected, CampaignStatus::kArchived,  CampaignStatus::kLive,
    CampaignStatus::kEnded};

std::string ListTargets(const std::vector<CampaignStatus>& targets) {
  if (targets.empty()) return "none";
  std::string out;
  for (CampaignStatus s : targets) {
    if (!out.empty()) out += ", ";
    out += CampaignStatusName(s);
  }
  return out;
}

}  // namespace

const std::set<std::string>& KnownChannels() {
  static const std::set<std::string> kChannels = {"csv", "google", "leaflet", "meta", "webhooks"};
  return kChannels;
}

std::string_view StoreScopeKindName(StoreScope::Kind kind) {
  switch (kind) {
    case StoreScope::Kind::kAll:
      return "all";
    case StoreScope::Kind::kZones:
      return "zones";
    case StoreScope::Kind::kBanners:
      return "banners";
    case StoreScope::Kind::kStores:
      return "stores";
  }
  return "all";
}

std::optional<StoreScope::Kind> ParseStoreScopeKind(std::string_view name) {
  for (auto kind : {StoreScope::Kind::kAll, StoreScope::Kind::kZones, StoreScope::Kind::kBanners,
                    StoreScope::Kind::kStores}) {
    if (StoreScopeKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

bool InScope(const StoreScope& scope, const Store& store) {
  auto listed = [&](std::string_view value) {
    return std::find(scope.ids.begin(), scope.ids.end(), value) != scope.ids.end();
  };
  switch (scope.kind) {
    case StoreScope::Kind::kAll:
      return true;
    case StoreScope::Kind::kZones:
      return !store.price_zone.empty() && listed(store.price_zone);
    case StoreScope::Kind::kBanners:
      return std::any_of(scope.ids.begin(), scope.ids.end(), [&](const std::string& banner) {
        return !TrimAscii(store.banner).empty() && SameWordsIgnoringCase(banner, store.banner);
      });
    case StoreScope::Kind::kStores:
      return listed(store.id);
  }
  return false;
}

std::string_view CampaignStatusName(CampaignStatus status) {
  switch (status) {
    case CampaignStatus::kDraft:
      return "draft";
    case CampaignStatus::kSubmitted:
      return "submitted";
    case CampaignStatus::kApproved:
      return "approved";
    case CampaignStatus::kRejected:
      return "rejected";
    case CampaignStatus::kArchived:
      return "archived";
    case CampaignStatus::kLive:
      return "live";
    case CampaignStatus::kEnded:
      return "ended";
  }
  return "draft";
}

std::optional<CampaignStatus> ParseCampaignStatus(std::string_view name) {
  for (CampaignStatus s : kAllStatuses) {
    if (CampaignStatusName(s) == name) return s;
  }
  return std::nullopt;
}

Interval ValidityIn(const Campaign& campaign, const TimeZone& zone) {
  return Interval{zone.FromLocal(campaign.start_local), zone.FromLocal(campaign.end_local)};
}

Result<Interval> ValidityFor(const Campaign& campaign, const Store& store) {
  auto zone = TimeZone::Locate(store.timezone);
  if (!zone.ok()) {
    return Status::NotFound("store " + store.id + ": unknown time zone \"" + store.timezone + "\"");
  }
  return ValidityIn(campaign, *zone);
}

std::set<std::string> Authors(const Campaign& campaign) {
  std::set<std::string> authors = campaign.edited_by;
  if (!campaign.created_by.empty()) authors.insert(campaign.created_by);
  return authors;
}

CampaignStatus EffectiveStatus(const Campaign& campaign, Instant now, const TimeZone& zone) {
  if (campaign.status != CampaignStatus::kApproved) return campaign.status;
  const Interval validity = ValidityIn(campaign, zone);
  if (now >= validity.end) return CampaignStatus::kEnded;
  if (now >= validity.begin) return CampaignStatus::kLive;
  return CampaignStatus::kApproved;
}

std::vector<FieldError> Validate(const Campaign& c) {
  std::vector<FieldError> errors;
  if (!c.id.empty() && !IsValidId(c.id)) {
    errors.push_back({"id", "must be 1-50 characters of A-Z a-z 0-9 . _ -"});
  }
  CheckText(errors, "name", c.name, 150, true);
  CheckText(errors, "description", c.description, 5000, false, true);
  if (c.end_local <= c.start_local) errors.push_back({"end", "ends before it starts"});
  if (c.channels.empty()) {
    errors.push_back({"channels", "names no channel"});
  } else {
    for (const std::string& channel : c.channels) {
      if (!KnownChannels().contains(channel)) {
        errors.push_back({"channels", "unknown channel \"" + channel +
                                          "\" (known: csv, google, leaflet, meta, webhooks)"});
      }
    }
  }
  CheckScope(errors, "scope", c.scope);
  for (const auto& [format, template_id] : c.theme.template_by_format) {
    if (TrimAscii(format).empty() || TrimAscii(template_id).empty()) {
      errors.push_back({"theme", "a format or its template is empty"});
      break;
    }
  }
  if (!IsStored(c.status)) {
    errors.push_back({"status", "live and ended are computed from the dates, not stored"});
  }
  if (c.version < 1) errors.push_back({"version", "must be at least 1"});
  return errors;
}

std::string_view ProductSelectorKindName(ProductSelector::Kind kind) {
  switch (kind) {
    case ProductSelector::Kind::kProducts:
      return "products";
    case ProductSelector::Kind::kCategory:
      return "category";
    case ProductSelector::Kind::kBrand:
      return "brand";
  }
  return "products";
}

bool InCategorySubtree(std::string_view category, std::string_view ancestor) {
  const auto path = CategorySegments(category);
  const auto prefix = CategorySegments(ancestor);
  if (prefix.size() > path.size()) return false;
  if (prefix.size() == 1 && prefix[0].empty()) return false;  // an empty ancestor selects nothing
  return std::equal(prefix.begin(), prefix.end(), path.begin());
}

bool Selects(const ProductSelector& selector, const Product& product) {
  switch (selector.kind) {
    case ProductSelector::Kind::kProducts:
      return std::find(selector.product_ids.begin(), selector.product_ids.end(), product.id) !=
             selector.product_ids.end();
    case ProductSelector::Kind::kCategory:
      return InCategorySubtree(product.category, selector.category);
    case ProductSelector::Kind::kBrand:
      return !TrimAscii(selector.brand).empty() &&
             SameWordsIgnoringCase(selector.brand, product.brand);
  }
  return false;
}

std::vector<FieldError> Validate(const Promotion& p) {
  std::vector<FieldError> errors;
  if (!p.id.empty() && !IsValidId(p.id)) {
    errors.push_back({"id", "must be 1-50 characters of A-Z a-z 0-9 . _ -"});
  }
  if (!IsValidId(p.campaign_id)) errors.push_back({"campaign_id", "is not a valid campaign id"});
  switch (p.selector.kind) {
    case ProductSelector::Kind::kProducts:
      if (p.selector.product_ids.empty()) {
        errors.push_back({"selector", "lists no product"});
      } else if (!std::all_of(p.selector.product_ids.begin(), p.selector.product_ids.end(),
                              IsValidId)) {
        errors.push_back({"selector", "lists an invalid product id"});
      }
      break;
    case ProductSelector::Kind::kCategory:
      if (TrimAscii(p.selector.category).empty()) {
        errors.push_back({"selector", "names no category"});
      }
      break;
    case ProductSelector::Kind::kBrand:
      if (TrimAscii(p.selector.brand).empty()) errors.push_back({"selector", "names no brand"});
      break;
  }
  for (FieldError& e : Validate(p.mechanic, "mechanic")) errors.push_back(std::move(e));
  if (p.scope) CheckScope(errors, "scope", *p.scope);
  if (p.name) CheckText(errors, "name", *p.name, kMaxPromotionName, true);
  if (p.badge_override) CheckText(errors, "badge_override", *p.badge_override, 40, true);
  if (p.legal_override) CheckText(errors, "legal_override", *p.legal_override, 500, true, true);
  if (p.per_customer_limit && *p.per_customer_limit < 1) {
    errors.push_back({"per_customer_limit", "must be at least 1"});
  }
  if (p.version < 1) errors.push_back({"version", "must be at least 1"});
  return errors;
}

bool InScope(const Campaign& campaign, const Promotion& promotion, const Store& store) {
  return InScope(campaign.scope, store) && (!promotion.scope || InScope(*promotion.scope, store));
}

std::vector<CampaignStatus> AllowedTransitions(CampaignStatus from, Role actor) {
  std::vector<CampaignStatus> targets;
  for (CampaignStatus to : kAllStatuses) {
    const auto needs = StepNeeds(from, to);
    if (needs && RoleMeets(actor, *needs)) targets.push_back(to);
  }
  return targets;
}

Result<CampaignStatus> Transition(CampaignStatus from, CampaignStatus to, Role actor) {
  const std::string step =
      std::string(CampaignStatusName(from)) + " → " + std::string(CampaignStatusName(to));
  const std::string allowed = ListTargets(AllowedTransitions(from, actor));
  const std::string tail = "; " + std::string(RoleName(actor)) + " may move a " +
                           std::string(CampaignStatusName(from)) + " campaign to: " + allowed;
  const auto needs = StepNeeds(from, to);
  if (!needs) {
    std::string why = "campaign cannot go " + step;
    if (!IsStored(from) || !IsStored(to)) why += " (live and ended are computed from the dates)";
    return Status::FailedPrecondition(why + tail);
  }
  if (!RoleMeets(actor, *needs)) {
    const char* role = *needs == Needs::kEditor     ? "editor"
                       : *needs == Needs::kApprover ? "approver"
                                                    : "admin";
    return Status::PermissionDenied(step + " needs the " + std::string(role) + " role" + tail);
  }
  return to;
}

}  // namespace vitrine
