// Standard Webhooks signatures: the spec's published test vector, secrets, verification.
#include "adapters/webhook_signature.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace vitrine {
namespace {

using ::testing::HasSubstr;

// standard-webhooks/standard-webhooks and the Svix libraries (testSignFunctionWorks).
constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kMsgId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr std::string_view kBody = R"({"test": 2432232314})";
constexpr std::string_view kExpected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(WebhookSignature, MatchesTheSpecTestVector) {
  Result<std::string> signature = SignWebhook(kSecret, kMsgId, kTimestamp, kBody);
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_EQ(*signature, kExpected);
}

TEST(WebhookSignature, VerifiesTheSpecTestVectorWithinTolerance) {
  EXPECT_TRUE(VerifyWebhook(kSecret, kMsgId, kTimestamp, kBody, kExpected, kTimestamp).ok());
  EXPECT_TRUE(VerifyWebhook(kSecret, kMsgId, kTimestamp, kBody, kExpected, kTimestamp + 299).ok());
  EXPECT_TRUE(VerifyWebhook(kSecret, kMsgId, kTimestamp, kBody, kExpected, kTimestamp - 299).ok());
}

TEST(WebhookSignature, RefusesATamperedBody) {
  const Status s =
      VerifyWebhook(kSecret, kMsgId, kTimestamp, R"({"test": 2432232315})", kExpected, kTimestamp);
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("no webhook signature matches"));
}

TEST(WebhookSignature, RefusesAnotherIdOrTimestamp) {
  EXPECT_FALSE(VerifyWebhook(kSecret, "msg_other", kTimestamp, kBody, kExpected, kTimestamp).ok());
  EXPECT_FALSE(
      VerifyWebhook(kSecret, kMsgId, kTimestamp + 1, kBody, kExpected, kTimestamp + 1).ok());
}

// A replay an hour later, or a sender whose clock runs far ahead, fails even with a valid MAC.
TEST(WebhookSignature, RefusesAStaleOrFutureTimestamp) {
  Status stale = VerifyWebhook(kSecret, kMsgId, kTimestamp, kBody, kExpected, kTimestamp + 3600);
  EXPECT_EQ(stale.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(stale.message(), HasSubstr("beyond the tolerance of 300 s"));
  EXPECT_FALSE(VerifyWebhook(kSecret, kMsgId, kTimestamp, kBody, kExpected, kTimestamp - 301).ok());
  EXPECT_TRUE(VerifyWebhook(kSecret, kMsgId, kTimestamp, kBody, kExpected, kTimestamp + 3600,
                            std::chrono::hours(2))
                  .ok());
}

// During a rotation the header carries one signature per secret; either may match.
TEST(WebhookSignature, AcceptsAnyEntryOfASignatureList) {
  const std::string header = "v1,bm90IHRoZSByaWdodCBvbmU= " + std::string(kExpected);
  EXPECT_TRUE(VerifyWebhook(kSecret, kMsgId, kTimestamp, kBody, header, kTimestamp).ok());
  EXPECT_FALSE(
      VerifyWebhook(kSecret, kMsgId, kTimestamp, kBody, "v1,bm90IHRoZSByaWdodCBvbmU=", kTimestamp)
          .ok());
  EXPECT_FALSE(VerifyWebhook(kSecret, kMsgId, kTimestamp, kBody, "", kTimestamp).ok());
}

TEST(WebhookSignature, NewSecretsAreRandomAndUsable) {
  std::set<std::string> seen;
  for (int i = 0; i < 16; ++i) {
    const std::string secret = NewWebhookSecret();
    EXPECT_TRUE(secret.starts_with("whsec_")) << secret;
    EXPECT_EQ(secret.size(), 6u + 44u) << secret;  // base64 of 32 bytes
    seen.insert(secret);
    Result<std::string> signature = SignWebhook(secret, kMsgId, kTimestamp, kBody);
    ASSERT_TRUE(signature.ok()) << signature.status().ToString();
    EXPECT_TRUE(VerifyWebhook(secret, kMsgId, kTimestamp, kBody, *signature, kTimestamp).ok());
    EXPECT_FALSE(VerifyWebhook(kSecret, kMsgId, kTimestamp, kBody, *signature, kTimestamp).ok());
  }
  EXPECT_EQ(seen.size(), 16u);
}

TEST(WebhookSignature, RefusesMalformedSecretsAndIds) {
  for (std::string_view secret : {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!",
                                  "whsec_c2hvcnQ="}) {  // "short": fewer than 24 bytes
    Result<std::string> r = SignWebhook(secret, kMsgId, kTimestamp, kBody);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << secret;
  }
  EXPECT_EQ(SignWebhook(kSecret, "msg.1", kTimestamp, kBody).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SignWebhook(kSecret, "", kTimestamp, kBody).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vitrine
