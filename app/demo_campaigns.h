// The demo retailer's campaigns: a weekly leaflet, a loyalty-card operation and a Christmas
// operation, authored, checked against the law and approved the way a marketing team and a
// merchandiser would, then assembled into published offers.
#pragma once

#include <cstdio>

#include "common/time.h"
#include "store/sqlite_catalog.h"

namespace vitrine {

// Creates the three campaigns (dates relative to `now`, in Paris time), approves each one
// whose compliance checks find nothing blocking (else leaves it submitted and prints why),
// assembles the offers and prints a summary to `out`. Skips campaigns that already exist by
// name, so seeding twice changes nothing.
Status SeedDemoCampaigns(SqliteCatalog& db, Instant now, std::FILE* out);

}  // namespace vitrine
