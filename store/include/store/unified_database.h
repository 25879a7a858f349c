// UnifiedDatabase: a backend that is every repository at once (SQLite, in-memory), so that a
// write, its audit entry and its change-log entry share one transaction. Its Database
// accessors return the object itself; a backend derives from it and implements the
// repositories' methods and Transaction().
#pragma once

#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/change_log.h"
#include "catalog/feed_pulls.h"
#include "catalog/outbound.h"
#include "catalog/repository.h"
#include "offers/repository.h"
#include "store/database.h"

namespace vitrine {

class UnifiedDatabase : public Database,
                        public CatalogRepository,
                        public AccountRepository,
                        public AuditLog,
                        public CampaignRepository,
                        public OfferRepository,
                        public ChangeLog,
                        public FeedPullLog,
                        public OutboundRepository {
 public:
  CatalogRepository& catalog() final { return *this; }
  AccountRepository& accounts() final { return *this; }
  AuditLog& audit() final { return *this; }
  CampaignRepository& campaigns() final { return *this; }
  OfferRepository& offers() final { return *this; }
  ChangeLog& changes() final { return *this; }
  FeedPullLog& feed_pulls() final { return *this; }
  OutboundRepository& outbound() final { return *this; }
};

}  // namespace vitrine
