#include "server/rate_limiter.h"

#include <gtest/gtest.h>

#include "server/auth.h"

namespace vitrine {
namespace {

TEST(TokenBucketRateLimiterTest, AllowsABurstThenRefillsWithTheClock) {
  ManualClock clock(FromUnixSeconds(1'800'000'000));
  TokenBucketRateLimiter limiter({{Role::kEditor, {.per_second = 0.5, .burst = 2}}}, clock);
  Principal ed{"ed", Role::kEditor, std::nullopt};
  EXPECT_FALSE(limiter.Acquire(ed));
  EXPECT_FALSE(limiter.Acquire(ed));
  auto wait = limiter.Acquire(ed);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, std::chrono::seconds(2));  // one token at 0.5/s
  clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(limiter.Acquire(ed));  // half a token is not enough
  clock.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(limiter.Acquire(ed));
  // Another subject has its own bucket.
  EXPECT_FALSE(limiter.Acquire(Principal{"eve", Role::kEditor, std::nullopt}));
}

TEST(TokenBucketRateLimiterTest, RolesWithoutALimitAreNotLimited) {
  ManualClock clock(FromUnixSeconds(1'800'000'000));
  TokenBucketRateLimiter limiter({{Role::kPlatform, {.per_second = 1, .burst = 1}}}, clock);
  Principal admin{"root", Role::kAdmin, std::nullopt};
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(limiter.Acquire(admin));
  Principal google{"g", Role::kPlatform, "google"};
  EXPECT_FALSE(limiter.Acquire(google));
  EXPECT_EQ(limiter.Acquire(google), std::chrono::seconds(1));
  // A clock that goes back does not refill nor break the bucket.
  clock.Advance(std::chrono::seconds(-30));
  EXPECT_TRUE(limiter.Acquire(google));
}

TEST(RoleTest, LadderAndPlatformRule) {
  Route editor_route;
  editor_route.required_role = Role::kEditor;
  auto as = [](Role r) { return std::optional<Principal>(Principal{"x", r, std::nullopt}); };
  EXPECT_FALSE(RoleAllows(editor_route, std::nullopt));
  EXPECT_FALSE(RoleAllows(editor_route, as(Role::kViewer)));
  EXPECT_TRUE(RoleAllows(editor_route, as(Role::kEditor)));
  EXPECT_TRUE(RoleAllows(editor_route, as(Role::kApprover)));
  EXPECT_TRUE(RoleAllows(editor_route, as(Role::kAdmin)));
  EXPECT_FALSE(RoleAllows(editor_route, as(Role::kPlatform)));
  Route feed;
  feed.required_role = Role::kViewer;
  feed.platform_allowed = true;
  EXPECT_TRUE(RoleAllows(feed, as(Role::kPlatform)));
  Route open;
  EXPECT_TRUE(RoleAllows(open, std::nullopt));
  for (Role r : {Role::kPublic, Role::kPlatform, Role::kViewer, Role::kEditor, Role::kApprover,
                 Role::kAdmin}) {
    auto parsed = ParseRole(RoleName(r));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, r);
  }
  EXPECT_FALSE(ParseRole("root").ok());
}

}  // namespace
}  // namespace vitrine
