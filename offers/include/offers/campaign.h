// Campaign and Promotion: what marketing authors (an "opération commerciale" and the
// promotions in it), where and to what they apply, and the approval workflow.
//
// A campaign's validity is written in the stores' wall-clock time ("Wednesday 00:00 to
// Sunday 24:00 in every store"), so each store gets its own UTC interval through its time
// zone: a campaign runs at the same local hours in Paris, Fort-de-France and Saint-Denis.
// Plain data and pure functions; thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/accounts.h"
#include "catalog/field_error.h"
#include "catalog/product.h"
#include "catalog/store.h"
#include "common/status.h"
#include "common/time.h"
#include "offers/mechanics.h"

namespace vitrine {

// The channels a campaign may publish to. "google", "meta", "leaflet", "webhooks", "csv".
const std::set<std::string>& KnownChannels();

// Which stores a campaign (or a promotion, narrowing it) covers.
struct StoreScope {
  enum class Kind { kAll, kZones, kBanners, kStores };
  Kind kind = Kind::kAll;
  std::vector<std::string> ids;  // price zone ids, banner names or store ids; empty for kAll

  friend bool operator==(const StoreScope&, const StoreScope&) = default;
};

// "all", "zones", "banners", "stores".
std::string_view StoreScopeKindName(StoreScope::Kind kind);
std::optional<StoreScope::Kind> ParseStoreScopeKind(std::string_view name);

// True when `store` is covered: any store for kAll; its price_zone, banner (compared
// ASCII-case-insensitively, banners being typed by hand) or id among `ids` otherwise.
bool InScope(const StoreScope& scope, const Store& store);

struct Theme {
  std::string brand_kit;                                  // brand kit id
  std::map<std::string, std::string> template_by_format;  // "square" → template id

  friend bool operator==(const Theme&, const Theme&) = default;
};

// Stored states are draft, submitted, approved, rejected and archived. live and ended are
// never stored: EffectiveStatus derives them from an approved campaign's dates.
enum class CampaignStatus { kDraft, kSubmitted, kApproved, kRejected, kArchived, kLive, kEnded };

// "draft", "submitted", "approved", "rejected", "archived", "live", "ended".
std::string_view CampaignStatusName(CampaignStatus status);
std::optional<CampaignStatus> ParseCampaignStatus(std::string_view name);

// A reviewer's decision on a campaign, or on the pending revision of an approved one: what
// the campaign shows its authors (a rejection's comment above all).
struct CampaignReview {
  CampaignStatus decision = CampaignStatus::kApproved;  // kApproved or kRejected
  std::string comment;
  std::string reviewer;  // the actor's name: "user:juliette@example.com", "token:tok_..."
  Instant at{};
  // An admin's reason to approve despite blocking findings or their own authorship; empty
  // when there was nothing to override.
  std::string override_reason;
  bool revision = false;  // the decision was on a revision of the approved campaign

  friend bool operator==(const CampaignReview&, const CampaignReview&) = default;
};

struct Campaign {
  std::string id;  // empty until the repository assigns one
  std::string name;
  std::string description;
  // Validity [start_local, end_local) on each store's wall clock: 2026-12-02T00:00 to
  // 2026-12-09T00:00 runs through the whole of Tuesday 8 December.
  LocalTime start_local{};
  LocalTime end_local{};
  std::set<std::string> channels;  // among KnownChannels()
  StoreScope scope;
  Theme theme;
  CampaignStatus status = CampaignStatus::kDraft;  // a stored state, never live or ended
  int version = 1;  // bumped on every write; a write names the version it read
  Instant created_at{};
  Instant updated_at{};
  // Who wrote it, for the four-eyes rule (Authors()): the actor who created it ("" when
  // unknown) and those who edited it, or its promotions, since its last approval.
  std::string created_by;
  std::set<std::string> edited_by;
  std::optional<CampaignReview> last_review;  // the latest approval or rejection
};

// The actors who may not approve `campaign`: its creator and its editors since its last
// approval.
std::set<std::string> Authors(const Campaign& campaign);

// The campaign's validity in `zone`, in UTC. DST-correct on both bounds (TimeZone::FromLocal).
Interval ValidityIn(const Campaign& campaign, const TimeZone& zone);
// The same in `store`'s zone; NotFound when the store names an unknown zone.
Result<Interval> ValidityFor(const Campaign& campaign, const Store& store);

// The stored status, except that an approved campaign is live while `now` is inside its
// validity in `zone` and ended after it (before it, it stays approved: scheduled). Pass the
// store's zone for a store's view; Paris by default, the head office's view.
CampaignStatus EffectiveStatus(const Campaign& campaign, Instant now,
                               const TimeZone& zone = TimeZone::Paris());

// One error per bad field: id (when set), name (required, ≤ 150), description (≤ 5,000),
// end ("ends before it starts"), channels (at least one, each known), scope (ids required
// unless all), theme, status (a stored state), version (≥ 1). Empty when valid.
std::vector<FieldError> Validate(const Campaign& campaign);

// Which products a promotion applies to.
struct ProductSelector {
  enum class Kind { kProducts, kCategory, kBrand };
  Kind kind = Kind::kProducts;
  std::vector<std::string> product_ids;  // kProducts
  std::string category;                  // kCategory: a retailer path, its whole subtree
  std::string brand;                     // kBrand

  friend bool operator==(const ProductSelector&, const ProductSelector&) = default;
};

// "products", "category", "brand".
std::string_view ProductSelectorKindName(ProductSelector::Kind kind);

// True when `category` is `ancestor` or lies below it, comparing ">"-separated segments with
// surrounding spaces trimmed: "Épicerie > Chocolat" is within "Épicerie" and "Épicerie>
// Chocolat", not within "Épi" nor "Épicerie > Chocolat noir".
bool InCategorySubtree(std::string_view category, std::string_view ancestor);

// True when `product` is listed, lies in the category's subtree, or has the brand (trimmed,
// ASCII-case-insensitive).
bool Selects(const ProductSelector& selector, const Product& product);

struct Promotion {
  std::string id;  // empty until the repository assigns one
  std::string campaign_id;
  // A label for people ("Vieux Papes −30 %"), 1-80 characters; messages name the promotion
  // by it (PromotionLabel), never by id. Optional: without it they describe the promotion.
  std::optional<std::string> name;
  ProductSelector selector;
  Mechanic mechanic = PercentOff{};
  int priority = 0;        // higher wins an overlap
  bool exclusive = false;  // wins ties on priority and never combines with a loyalty credit
  std::optional<StoreScope> scope;  // narrows the campaign's scope, never widens it
  std::optional<std::string> badge_override;
  std::optional<std::string> legal_override;
  std::optional<int> per_customer_limit;  // units per customer, ≥ 1
  int version = 1;
};

// One error per bad field: id (when set), campaign_id, name (1-80 when set, one line),
// selector (not empty, ids valid),
// mechanic.* (see Validate(Mechanic)), scope, badge_override (1-40), legal_override
// (1-500), per_customer_limit (≥ 1), version (≥ 1). Empty when valid.
std::vector<FieldError> Validate(const Promotion& promotion);

// Edits of an approved campaign waiting for their approval while the approved version stays
// published: the campaign and its promotions as edited. Approving it replaces the live
// version; rejecting or discarding it leaves the live version as it is.
struct CampaignRevision {
  // The campaign as edited. id: the live campaign's; status: the revision's own, draft,
  // submitted or rejected; version: the revision's, numbered on from the live version it
  // started from; created_at and created_by: when and by whom it was started; edited_by:
  // whoever edited it; last_review: its rejection, if any.
  Campaign campaign;
  // Its promotions as edited, by id: a live promotion keeps its id (so do its offers), a
  // new one has an id of its own that it keeps once approved.
  std::vector<Promotion> promotions;
};

// The campaign's scope and, when the promotion narrows it, the promotion's too.
bool InScope(const Campaign& campaign, const Promotion& promotion, const Store& store);

// The stored targets `actor` may move a campaign to from the stored status `from`, in enum
// order. Empty for live and ended, which are not stored.
std::vector<CampaignStatus> AllowedTransitions(CampaignStatus from, Role actor);

// Checks one workflow step and returns `to` when allowed. The graph:
//   draft → submitted                     editor, approver, admin
//   submitted → draft (withdraw)          editor, approver, admin
//   submitted → approved | rejected       approver, admin
//   approved → submitted (unpublish)      editor, approver, admin
//   rejected → draft                      editor, approver, admin
//   draft | submitted | approved | rejected → archived   approver, admin
//   archived → draft (restore)            admin
// A step outside the graph (including to or from live/ended, and to the same status) is
// FailedPrecondition; a step in the graph that the role may not take is PermissionDenied.
// Both messages list the targets `actor` may reach from `from`.
Result<CampaignStatus> Transition(CampaignStatus from, CampaignStatus to, Role actor);

}  // namespace vitrine
