// The renderer's own image codecs (libpng, libjpeg-turbo, libwebp) against OpenCV's
// imgcodecs, which they replace in the renderer and which the tests still link as the
// reference: the same pixels for PNG, JPEG (at every DCT scale, grey, EXIF-turned) and WebP
// inputs, the same JPEG bytes for a creative, and creatives that decode back to the pixels
// drawn (PNG exactly).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "image_codecs.h"
#include "render/image_source.h"
#include "render/packshot.h"
#include "render/renderer.h"
#include "sample_offers.h"
#include "templates/builtin.h"

namespace vitrine {
namespace {

namespace ri = render_internal;

// A picture with gradients, hard edges and noise, so that every codec has detail to get
// wrong; `channels` 1, 3 or 4 (alpha varies across the picture).
cv::Mat TestPicture(int width, int height, int channels, int depth = CV_8U) {
  cv::Mat picture(height, width, CV_MAKETYPE(CV_8U, channels));
  uint32_t seed = 7;
  for (int y = 0; y < height; ++y) {
    uint8_t* row = picture.ptr<uint8_t>(y);
    for (int x = 0; x < width; ++x) {
      seed = seed * 1103515245 + 12345;
      const int noise = static_cast<int>(seed >> 27);
      for (int c = 0; c < channels; ++c) {
        const int value = c == 3 ? (x * 255 / width) : (x * 3 + y * (c + 1) * 2 + noise) % 256;
        row[x * channels + c] =
            static_cast<uint8_t>(x > width / 2 && y > height / 2 && c < 3 ? 255 - value : value);
      }
    }
  }
  if (depth == CV_16U) picture.convertTo(picture, CV_16U, 257.0);
  return picture;
}

std::string Encoded(const cv::Mat& picture, const std::string& extension,
                    const std::vector<int>& params = {}) {
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(cv::imencode(extension, picture, bytes, params));
  return std::string(bytes.begin(), bytes.end());
}

cv::Mat OpenCvDecoded(const std::string& bytes, int flags) {
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  return cv::imdecode(buffer, flags);
}

cv::Mat Decoded(const std::string& bytes, int jpeg_scale_denom = 1) {
  auto declared = ReadDeclaredImage(bytes);
  EXPECT_TRUE(declared.ok()) << declared.status().ToString();
  if (!declared.ok()) return {};
  auto decoded = ri::DecodeImage(bytes, *declared, jpeg_scale_denom, kDefaultMaxPackshotPixels);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  return decoded.ok() ? *decoded : cv::Mat();
}

// The largest difference between two pictures of the same size and type; -1 when those
// differ.
double LargestDifference(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return -1;
  return cv::norm(a, b, cv::NORM_INF);
}

TEST(ImageCodecs, PngPixelsAreOpenCvsForColourAlphaAndGrey) {
  for (int channels : {3, 4}) {
    SCOPED_TRACE(channels);
    const std::string png = Encoded(TestPicture(97, 61, channels), ".png");
    EXPECT_EQ(LargestDifference(Decoded(png), OpenCvDecoded(png, cv::IMREAD_UNCHANGED)), 0);
  }
  // Grey comes out as BGR, as the preparation converted OpenCV's one channel.
  const std::string grey = Encoded(TestPicture(97, 61, 1), ".png");
  cv::Mat reference;
  cv::cvtColor(OpenCvDecoded(grey, cv::IMREAD_UNCHANGED), reference, cv::COLOR_GRAY2BGR);
  EXPECT_EQ(LargestDifference(Decoded(grey), reference), 0);
  // 16-bit samples: scaled to 8 bits, as the preparation scaled OpenCV's (rounding aside).
  const std::string deep = Encoded(TestPicture(97, 61, 4, CV_16U), ".png");
  cv::Mat deep_reference;
  OpenCvDecoded(deep, cv::IMREAD_UNCHANGED).convertTo(deep_reference, CV_8U, 1.0 / 257);
  const double deep_difference = LargestDifference(Decoded(deep), deep_reference);
  EXPECT_GE(deep_difference, 0);
  EXPECT_LE(deep_difference, 1);
}

TEST(ImageCodecs, JpegPixelsAreOpenCvsAtEveryDctScale) {
  const std::string jpeg =
      Encoded(TestPicture(203, 157, 3), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90});
  const std::pair<int, int> scales[] = {{1, cv::IMREAD_COLOR},
                                        {2, cv::IMREAD_REDUCED_COLOR_2},
                                        {4, cv::IMREAD_REDUCED_COLOR_4},
                                        {8, cv::IMREAD_REDUCED_COLOR_8}};
  for (const auto& [denominator, flags] : scales) {
    SCOPED_TRACE(denominator);
    const cv::Mat ours = Decoded(jpeg, denominator);
    EXPECT_EQ(ours.cols, (203 + denominator - 1) / denominator);
    EXPECT_EQ(LargestDifference(ours, OpenCvDecoded(jpeg, flags)), 0);
  }
  const std::string grey = Encoded(TestPicture(64, 48, 1), ".jpg");
  EXPECT_EQ(LargestDifference(Decoded(grey), OpenCvDecoded(grey, cv::IMREAD_COLOR)), 0);
}

// An APP1 segment with a little-endian EXIF block whose only tag is the orientation.
std::string WithExifOrientation(const std::string& jpeg, uint16_t orientation) {
  std::string tiff("II*\0\x08\0\0\0", 8);
  tiff += std::string("\x01\0", 2);                    // one entry
  tiff += std::string("\x12\x01\x03\0\x01\0\0\0", 8);  // 0x0112, SHORT, count 1
  tiff += std::string{static_cast<char>(orientation), '\0', '\0', '\0'};
  tiff += std::string(4, '\0');  // no next IFD
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t length = payload.size() + 2;
  std::string segment = "\xFF\xE1";
  segment += static_cast<char>(length >> 8);
  segment += static_cast<char>(length & 0xFF);
  return jpeg.substr(0, 2) + segment + payload + jpeg.substr(2);
}

TEST(ImageCodecs, AJpegIsTurnedAsItsExifOrientationSaysLikeOpenCv) {
  const std::string plain = Encoded(TestPicture(80, 50, 3), ".jpg");
  for (uint16_t orientation = 1; orientation <= 8; ++orientation) {
    SCOPED_TRACE(orientation);
    const std::string jpeg = WithExifOrientation(plain, orientation);
    const cv::Mat ours = Decoded(jpeg);
    EXPECT_EQ(ours.cols, orientation >= 5 ? 50 : 80);
    EXPECT_EQ(LargestDifference(ours, OpenCvDecoded(jpeg, cv::IMREAD_COLOR)), 0);
  }
}

TEST(ImageCodecs, WebpPixelsAreOpenCvsLossyLosslessAndWithAlpha) {
  const cv::Mat colour = TestPicture(97, 61, 3);
  const std::string lossy = Encoded(colour, ".webp", {cv::IMWRITE_WEBP_QUALITY, 80});
  const std::string lossless = Encoded(colour, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
  const std::string alpha =
      Encoded(TestPicture(97, 61, 4), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
  for (const std::string* webp : {&lossy, &lossless, &alpha}) {
    const cv::Mat ours = Decoded(*webp);
    EXPECT_EQ(LargestDifference(ours, OpenCvDecoded(*webp, cv::IMREAD_UNCHANGED)), 0);
  }
  EXPECT_EQ(LargestDifference(Decoded(lossless), colour), 0);
  EXPECT_EQ(Decoded(alpha).channels(), 4);
}

TEST(ImageCodecs, TheDecodedFrameIsCheckedAgainstThePixelLimitAndOtherFormatsAreRefused) {
  const std::string png = Encoded(TestPicture(100, 100, 3), ".png");
  const std::string jpeg = Encoded(TestPicture(100, 100, 3), ".jpg");
  const std::string webp = Encoded(TestPicture(100, 100, 3), ".webp");
  for (const std::string* image : {&png, &jpeg, &webp}) {
    auto declared = ReadDeclaredImage(*image);
    ASSERT_TRUE(declared.ok());
    auto refused = ri::DecodeImage(*image, *declared, 1, 9'999);
    ASSERT_FALSE(refused.ok()) << declared->format;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(ri::DecodeImage(*image, *declared, 1, 10'000).ok()) << declared->format;
  }
  const std::string bmp = Encoded(TestPicture(10, 10, 3), ".bmp");
  auto declared = ReadDeclaredImage(bmp);
  ASSERT_TRUE(declared.ok());
  auto refused = ri::DecodeImage(bmp, *declared, 1, 0);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("PNG, JPEG or WebP"), std::string::npos)
      << refused.status().message();
  // A PNG cut short fails cleanly.
  auto cut_declared = ReadDeclaredImage(png);
  auto cut = ri::DecodeImage(png.substr(0, png.size() / 2), *cut_declared, 1, 0);
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("corrupt PNG"), std::string::npos);
}

TEST(ImageCodecs, ACreativeDecodesBackToItsPixelsAndItsJpegIsOpenCvsByteForByte) {
  DirectoryImageSource images(testing::RenderDataDir());
  Renderer renderer(&images);
  const CreativeFormat& format = *FindCreativeFormat("medium_rectangle");
  auto raster = renderer.Draw(*FindBuiltinTemplate("classic"), DefaultBrandKit(), format,
                              testing::SampleCreative("percent_off"));
  ASSERT_TRUE(raster.ok()) << raster.status().ToString();
  const cv::Mat bgra(raster->height, raster->width, CV_8UC4, raster->bgra.data());
  cv::Mat bgr;
  cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);

  auto png = renderer.Encode(*raster, 10'000'000, ImageEncoding::kPng);
  ASSERT_TRUE(png.ok());
  ASSERT_EQ(png->encoding, ImageEncoding::kPng);
  EXPECT_EQ(LargestDifference(OpenCvDecoded(png->bytes, cv::IMREAD_COLOR), bgr), 0);
  EXPECT_EQ(LargestDifference(Decoded(png->bytes), bgr), 0);

  auto jpeg = renderer.Encode(*raster, 10'000'000, ImageEncoding::kJpeg);
  ASSERT_TRUE(jpeg.ok());
  ASSERT_EQ(jpeg->encoding, ImageEncoding::kJpeg);
  EXPECT_EQ(jpeg->bytes,
            Encoded(bgr, ".jpg",
                    {cv::IMWRITE_JPEG_QUALITY, jpeg->jpeg_quality, cv::IMWRITE_JPEG_OPTIMIZE, 0}));
  const cv::Mat back = Decoded(jpeg->bytes);
  ASSERT_EQ(back.size(), bgr.size());
  cv::Mat difference;
  cv::absdiff(back, bgr, difference);
  EXPECT_LT(cv::mean(difference)[0], 3.0);
}

}  // namespace
}  // namespace vitrine
