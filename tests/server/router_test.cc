#include "server/route.h"

#include <gtest/gtest.h>

namespace vitrine {
namespace {

Route MakeRoute(std::string method, std::string pattern) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.handler = [](const HttpRequest&) { return HttpResponse::Json(200, nullptr); };
  return r;
}

TEST(RouterTest, MatchesLiteralAndParameterSegments) {
  Router router;
  ASSERT_TRUE(router.Add(MakeRoute("GET", "/api/v1/products/{id}")).ok());
  ASSERT_TRUE(router.Add(MakeRoute("GET", "/api/v1/stores/:id/stock")).ok());
  auto m = router.Find("GET", "/api/v1/products/42");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/api/v1/products/{id}");
  EXPECT_EQ(m.path_params.at("id"), "42");
  m = router.Find("GET", "/api/v1/stores/S%2F1/stock");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.path_params.at("id"), "S/1");  // decoded after matching, so %2F stays in
  EXPECT_EQ(router.Find("GET", "/api/v1/products").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.Find("GET", "/api/v1/products/42/").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.Find("GET", "api/v1/products/42").kind, Router::Match::Kind::kNotFound);
}

TEST(RouterTest, PrefersTheMostSpecificPattern) {
  Router router;
  ASSERT_TRUE(router.Add(MakeRoute("GET", "/offers/{offer_id}")).ok());
  ASSERT_TRUE(router.Add(MakeRoute("GET", "/offers/changes")).ok());
  ASSERT_TRUE(router.Add(MakeRoute("DELETE", "/offers/{offer_id}")).ok());
  auto m = router.Find("GET", "/offers/changes");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/offers/changes");
  // The literal has no DELETE, so the parameter route takes it.
  m = router.Find("DELETE", "/offers/changes");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.path_params.at("offer_id"), "changes");
}

TEST(RouterTest, SplitsMixedSegmentsAtTheLastLiteral) {
  Router router;
  ASSERT_TRUE(router.Add(MakeRoute("GET", "/creatives/{offer_id}/{format}.{ext}")).ok());
  auto m = router.Find("GET", "/creatives/P1/half.page.png");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.path_params.at("offer_id"), "P1");
  EXPECT_EQ(m.path_params.at("format"), "half.page");
  EXPECT_EQ(m.path_params.at("ext"), "png");
  EXPECT_EQ(router.Find("GET", "/creatives/P1/square").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.Find("GET", "/creatives/P1/.png").kind, Router::Match::Kind::kNotFound);
}

TEST(RouterTest, ReportsAllowedMethodsForAKnownPath) {
  Router router;
  ASSERT_TRUE(router.Add(MakeRoute("GET", "/things/{id}")).ok());
  ASSERT_TRUE(router.Add(MakeRoute("PUT", "/things/{id}")).ok());
  auto m = router.Find("POST", "/things/1");
  ASSERT_EQ(m.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "HEAD", "PUT"}));
  // HEAD is served by the GET route.
  m = router.Find("HEAD", "/things/1");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.route->method, "GET");
}

TEST(RouterTest, RejectsBadRoutes) {
  Router router;
  EXPECT_EQ(router.Add(MakeRoute("GET", "no-slash")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add(MakeRoute("get", "/x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add(MakeRoute("GET", "/a//b")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add(MakeRoute("GET", "/a/{id}/{id}")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add(MakeRoute("GET", "/a/{x}{y}")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add(MakeRoute("GET", "/a/{x")).code(), StatusCode::kInvalidArgument);
  Route platform = MakeRoute("GET", "/feeds");
  platform.required_role = Role::kPlatform;
  EXPECT_EQ(router.Add(platform).code(), StatusCode::kInvalidArgument);
  Route no_handler = MakeRoute("GET", "/x");
  no_handler.handler = nullptr;
  EXPECT_EQ(router.Add(no_handler).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(router.Add(MakeRoute("GET", "/x")).ok());
  EXPECT_EQ(router.Add(MakeRoute("GET", "/x")).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(router.Add(MakeRoute("GET", "/")).ok());
  EXPECT_EQ(router.Find("GET", "/").kind, Router::Match::Kind::kFound);
}

TEST(RouterTest, PercentDecodes) {
  EXPECT_EQ(PercentDecode("a%20b+c%2", false), "a b+c%2");
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("%zz%41", false), "%zzA");
}

}  // namespace
}  // namespace vitrine
