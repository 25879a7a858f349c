// ImageCache against a loopback server: fetched, kept, revalidated with the validators,
// refused when not an image, failures remembered with their reason, the old image kept.
#include "adapters/image_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>

#include "../store/temp_dir.h"
#include "loopback_http_server.h"

namespace vitrine {
namespace {

using testing::HttpExchange;
using testing::HttpRequest;
using testing::LoopbackHttpServer;

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "pretend-pixels-1";
const std::string kPng2 = std::string("\x89PNG\r\n\x1a\n", 8) + "pretend-pixels-two";

FetchOptions LoopbackOnly() {
  FetchOptions options;
  options.allow_loopback = true;  // the test's server listens on 127.0.0.1
  options.total_timeout = std::chrono::milliseconds(3000);
  options.accept_compressed = false;
  return options;
}

class ImageCacheTest : public ::testing::Test {
 protected:
  ImageCacheTest()
      : server_([this](const HttpRequest& request, HttpExchange& exchange) {
          Answer(request, exchange);
        }),
        fetcher_(LoopbackOnly()),
        clock_(FromUnixSeconds(1800000000)) {}

  void Answer(const HttpRequest& request, HttpExchange& exchange) {
    if (request.target == "/html") {
      exchange.Send(
          testing::HttpResponse(200, "<html>oops</html>", {{"Content-Type", "text/html"}}));
      return;
    }
    if (request.target == "/gone") {
      exchange.Send(testing::HttpResponse(404, "no"));
      return;
    }
    const std::string etag = "\"v" + std::to_string(version_.load()) + "\"";
    if (request.Header("if-none-match") == etag) {
      exchange.Send(testing::HttpResponse(304, "", {{"ETag", etag}}));
      return;
    }
    if (down_) {
      exchange.Send(testing::HttpResponse(503, "busy"));
      return;
    }
    exchange.Send(testing::HttpResponse(200, version_ == 1 ? kPng : kPng2,
                                        {{"ETag", etag}, {"Content-Type", "image/png"}}));
  }

  std::unique_ptr<ImageCache> Open(ImageCacheOptions options = {}) {
    auto cache = ImageCache::Open(dir_.path() + "/images", fetcher_, clock_, options);
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    return std::move(cache).value();
  }

  testing::TempDir dir_;
  std::atomic<int> version_{1};
  std::atomic<bool> down_{false};
  LoopbackHttpServer server_;
  SafeFetcher fetcher_;
  ManualClock clock_;
};

TEST_F(ImageCacheTest, FetchesKeepsAndRevalidatesWithTheValidators) {
  auto cache = Open();
  const std::string url = server_.Url("/p1.png");
  EXPECT_EQ(cache->Version(url).status().code(), StatusCode::kNotFound);
  EXPECT_NE(cache->Version(url).status().message().find("not fetched yet"), std::string::npos);

  auto first = cache->Refresh(url);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->outcome, ImageRefreshOutcome::kFetched) << first->reason;
  EXPECT_EQ(first->bytes, static_cast<int64_t>(kPng.size()));
  EXPECT_EQ(*cache->Read(url), kPng);
  const std::string version = *cache->Version(url);

  // Checked a minute ago: nothing asked.
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(cache->Refresh(url)->outcome, ImageRefreshOutcome::kFresh);
  EXPECT_EQ(server_.requests().size(), 1u);

  // A day later: a conditional GET with the ETag, answered 304.
  clock_.Advance(std::chrono::hours(25));
  EXPECT_EQ(cache->Refresh(url)->outcome, ImageRefreshOutcome::kNotModified);
  ASSERT_EQ(server_.requests().size(), 2u);
  EXPECT_EQ(server_.requests()[1].Header("if-none-match"), "\"v1\"");
  EXPECT_EQ(*cache->Version(url), version);

  // The picture changed at the source: a forced refresh stores it, with a new version.
  version_ = 2;
  EXPECT_EQ(cache->Refresh(url, /*force=*/true)->outcome, ImageRefreshOutcome::kFetched);
  EXPECT_EQ(*cache->Read(url), kPng2);
  EXPECT_NE(*cache->Version(url), version);

  // Another process opening the same folder sees the same image.
  EXPECT_EQ(*Open()->Read(url), kPng2);
}

TEST_F(ImageCacheTest, WhatIsNotAnImageFailsWithItsReasonAndTheOldImageStays) {
  auto cache = Open();
  auto html = cache->Refresh(server_.Url("/html"));
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->outcome, ImageRefreshOutcome::kFailed);
  EXPECT_NE(html->reason.find("not a PNG, JPEG or WebP image"), std::string::npos) << html->reason;
  EXPECT_NE(html->reason.find("text/html"), std::string::npos) << html->reason;
  // The reason is what a renderer asking for the image is told.
  EXPECT_NE(cache->Version(server_.Url("/html")).status().message().find("not a PNG"),
            std::string::npos);

  auto gone = cache->Refresh(server_.Url("/gone"));
  EXPECT_EQ(gone->outcome, ImageRefreshOutcome::kFailed);
  EXPECT_NE(gone->reason.find("HTTP 404"), std::string::npos) << gone->reason;
  // Failed a moment ago: not asked again before retry_failed_after.
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_EQ(cache->Refresh(server_.Url("/gone"))->outcome, ImageRefreshOutcome::kSkipped);

  // A cached image survives a failed revalidation.
  const std::string url = server_.Url("/p1.png");
  ASSERT_EQ(cache->Refresh(url)->outcome, ImageRefreshOutcome::kFetched);
  version_ = 3;  // the stored ETag no longer matches
  down_ = true;
  auto failed = cache->Refresh(url, /*force=*/true);
  EXPECT_EQ(failed->outcome, ImageRefreshOutcome::kFailed);
  EXPECT_NE(failed->reason.find("HTTP 503"), std::string::npos) << failed->reason;
  EXPECT_EQ(*cache->Read(url), kPng);
}

TEST_F(ImageCacheTest, TheGuardStillHoldsWithoutTheLoopbackSwitch) {
  // The same cache over a fetcher without the test switch: the loopback server is refused
  // at connect, so it never sees a request, and the reason is kept.
  SafeFetcher guarded;
  auto cache = ImageCache::Open(dir_.path() + "/guarded", guarded, clock_);
  ASSERT_TRUE(cache.ok());
  auto refused = (*cache)->Refresh(server_.Url("/p1.png"));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->outcome, ImageRefreshOutcome::kFailed);
  EXPECT_FALSE(refused->reason.empty());
  EXPECT_EQ(server_.connections(), 0);
  EXPECT_EQ((*cache)->Read(server_.Url("/p1.png")).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace vitrine
