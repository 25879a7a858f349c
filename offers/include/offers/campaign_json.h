// JSON forms of campaigns, promotions and mechanics, as the API reads and writes them.
//
// Reading collects one FieldError per bad field (named by its JSON path: "scope.kind",
// "mechanic.percent") instead of stopping at the first, and refuses unknown fields. A
// patch is read onto an existing value, so absent fields keep their value. Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "catalog/field_error.h"
#include "common/status.h"
#include "offers/campaign.h"
#include "offers/mechanics.h"

namespace vitrine {

// {"type": "percent_off", "percent": 30}; money as "1.50 EUR".
nlohmann::json ToJson(const Mechanic& mechanic);
// {"id", "name", "description", "start", "end" (local, "2026-12-02T00:00:00"), "channels",
//  "scope": {"kind", "ids"}, "theme": {"brand_kit", "templates"}, "status", "version",
//  "created_at", "updated_at", "created_by" (null when unknown), "edited_by" (the authors
//  since the last approval), "last_review" (null or ToJson(CampaignReview))}.
nlohmann::json ToJson(const Campaign& campaign);
// {"decision": "approved" | "rejected", "comment", "reviewer", "at", "override_reason" (null
//  when none), "revision" (the decision was on a pending revision)}.
nlohmann::json ToJson(const CampaignReview& review);
// What ToJson(CampaignReview) wrote; InvalidArgument otherwise.
Result<CampaignReview> CampaignReviewFromJson(const nlohmann::json& json);
// ToJson(revision.campaign) with "promotions": [ToJson(Promotion)...]: how the API shows a
// pending revision and how the store keeps it.
nlohmann::json ToJson(const CampaignRevision& revision);
// {"id", "campaign_id", "selector": {"kind", "product_ids" | "category" | "brand"},
//  "mechanic", "priority", "exclusive", "scope" | null, "badge", "legal",
//  "per_customer_limit", "version"}.
nlohmann::json ToJson(const Promotion& promotion);

// Reads `json` onto `*mechanic`. Amounts accept "1,50", "1.50 EUR" or a number of euros.
// Then checks the parameters (Validate), so a mechanic read here is one ComputePrice accepts
// the parameters of.
void ReadMechanic(const nlohmann::json& json, const std::string& path, Mechanic* mechanic,
                  std::vector<FieldError>* errors);
// The mechanic ToJson wrote: the one decoder of a mechanic's JSON form, which the store reads
// its rows with too. Reads the fields as ReadMechanic does but does not range-check the
// parameters, so what was kept reads back as it was written. InvalidArgument, naming the
// fields, when `json` is not that form (unknown type, missing or unknown field, wrong type).
Result<Mechanic> MechanicFromJson(const nlohmann::json& json);
// What ToJson(CampaignRevision) wrote, the one decoder of that form (the store reads its
// rows with it). Mechanics are not range-checked, as in MechanicFromJson. InvalidArgument
// when `json` is not that form.
Result<CampaignRevision> CampaignRevisionFromJson(const nlohmann::json& json);
// Reads the writable fields (name, description, start, end, channels, scope, theme) of
// `json` onto `*campaign`. id, status, version and timestamps are not writable.
void ReadCampaign(const nlohmann::json& json, Campaign* campaign, std::vector<FieldError>* errors);
// Reads the writable fields (selector, mechanic, priority, exclusive, scope, badge, legal,
// per_customer_limit) onto `*promotion`.
void ReadPromotion(const nlohmann::json& json, Promotion* promotion,
                   std::vector<FieldError>* errors);

}  // namespace vitrine
