// The demo retailer's campaigns: a weekly leaflet, a loyalty-card operation, a wine fair in
// two zones and a Christmas operation, authored, checked against the law and approved the way a
// marketing team and a merchandiser would, then assembled into published offers.
#pragma once

#include <cstdio>

#include "common/time.h"
#include "store/database.h"

namespace vitrine {

// Creates the four campaigns (dates relative to `now`, in Paris time) through the campaign
// workflow, written and submitted by the actor "demo:marketing" (an editor) and approved by
// "demo:merchandiser" (an approver, four eyes), so the audit log shows each step; approves
// each one whose compliance checks find nothing blocking (else leaves it
// submitted and prints why) and prints a summary to `out`; the offers follow through the
// change log. Skips campaigns that already exist by name, so seeding twice changes nothing.
Status SeedDemoCampaigns(Database& db, Instant now, std::FILE* out);

}  // namespace vitrine
