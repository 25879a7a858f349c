#include "app/demo_campaigns.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "store/memory_database.h"

namespace vitrine {
namespace {

using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// What SeedDemoCampaigns printed.
std::string Seed(MemoryDatabase& db, Instant now) {
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  EXPECT_NE(out, nullptr);
  const Status status = SeedDemoCampaigns(db, now, out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  std::fclose(out);
  std::string printed(text, size);
  std::free(text);
  return printed;
}

// Without a catalogue every demo campaign has blocking findings: each is created, given its
// promotions and submitted through the workflow, as the actor "demo:marketing" (the
// merchandiser approves: four eyes), and left submitted.
TEST(DemoCampaignsTest, SeedingGoesThroughTheWorkflowAndIsAuditedAsDemo) {
  MemoryDatabase db;
  const Instant now = *ParseInstant("2026-11-20T08:00:00Z");
  const std::string printed = Seed(db, now);
  EXPECT_THAT(printed, HasSubstr("left submitted"));

  auto campaigns = db.ListCampaigns({});
  ASSERT_TRUE(campaigns.ok());
  ASSERT_THAT(campaigns->items, SizeIs(4));
  for (const Campaign& c : campaigns->items) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.status, CampaignStatus::kSubmitted);
    AuditQuery query;
    query.entity = "campaign";
    query.entity_id = c.id;
    auto audit = db.ListAudit(query);
    ASSERT_TRUE(audit.ok());
    ASSERT_THAT(*audit, SizeIs(2));  // newest first
    EXPECT_EQ((*audit)[1].action, "create");
    EXPECT_EQ((*audit)[0].action, "transition");
    EXPECT_EQ((*audit)[0].after["to"], "submitted");
    std::vector<std::string> actors;
    for (const AuditEntry& e : *audit) actors.push_back(e.actor);
    EXPECT_THAT(actors, Each(std::string("demo:marketing")));
    EXPECT_EQ(c.created_by, "demo:marketing");
  }
  AuditQuery promotions;
  promotions.entity = "promotion";
  auto promotion_audit = db.ListAudit(promotions);
  ASSERT_TRUE(promotion_audit.ok());
  EXPECT_THAT(*promotion_audit, SizeIs(10));

  // Seeding again changes nothing.
  auto last = db.LastChangeId();
  ASSERT_TRUE(last.ok());
  Seed(db, now);
  auto again = db.ListCampaigns({});
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->items, SizeIs(4));
  auto last_again = db.LastChangeId();
  ASSERT_TRUE(last_again.ok());
  EXPECT_EQ(*last_again, *last);
}

}  // namespace
}  // namespace vitrine
