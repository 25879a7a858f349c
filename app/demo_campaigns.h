// The demo retailer's campaigns: a weekly leaflet, a loyalty-card operation, a wine fair in
// two zones and a Christmas operation, authored, checked against the law and approved the way a
// marketing team and a merchandiser would, then assembled into published offers.
#pragma once

#include <cstdio>

#include "common/time.h"
#include "store/database.h"

namespace vitrine {

// Creates the four campaigns (dates relative to `now`, in Paris time) through the campaign
// workflow as the actor "demo" (an approver), so the audit log shows each step; submits
// them, approves each one whose compliance checks find nothing blocking (else leaves it
// submitted and prints why) and prints a summary to `out`; the offers follow through the
// change log. Skips campaigns that already exist by name, so seeding twice changes nothing.
Status SeedDemoCampaigns(Database& db, Instant now, std::FILE* out);

}  // namespace vitrine
