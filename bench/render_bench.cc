// vitrine-render-bench: the renderer's figures for bench/render, printed as Markdown rows.
//
//   vitrine-render-bench --out DIR [--runs N] [--batch-offers N] [--threads N]
//                        [--convert PATH] [--convert-runs N]
//
// 1. A 1080×1080 creative (template classic, format square, PNG) from a 2000×2000 JPEG
//    packshot: median of N renders with a cold packshot (a fresh renderer each time, so the
//    JPEG is decoded, trimmed and prepared every time) and with a prepared one.
// 2. ImageMagick's convert composing the same creative (same fonts, packshot, texts and
//    shapes), timed in the same run; its output is left in DIR/convert.png to compare.
// 3. A batch of offers × the ten formats on a thread pool: creatives per second.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "app/packshot.h"
#include "render/renderer.h"
#include "templates/builtin.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;
using Stopwatch = std::chrono::steady_clock;

double Ms(Stopwatch::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(std::lround(p * (v.size() - 1))))];
}

// A JPEG packshot of `size` pixels drawn by the demo's packshot painter.
bool MakeJpegPackshot(const fs::path& jpeg, int size, uint64_t seed, const std::string& title,
                      const std::string& category) {
  PackshotSpec spec;
  spec.title = title;
  spec.brand = "Vitrine Sélection";
  spec.category = category;
  spec.net_quantity = "200 g";
  spec.colour_seed = seed;
  spec.size = size;
  const fs::path png = jpeg.string() + ".png";
  if (!DrawPackshot(spec, png).ok()) return false;
  const cv::Mat image = cv::imread(png.string(), cv::IMREAD_COLOR);
  fs::remove(png);
  return !image.empty() && cv::imwrite(jpeg.string(), image, {cv::IMWRITE_JPEG_QUALITY, 90});
}

CreativeContent Offer(int i, const std::string& packshot) {
  static const char* kMechanics[] = {"percent_off",          "amount_off", "fixed_price",
                                     "nth_item_percent_off", "multibuy",   "bundle_price",
                                     "loyalty_credit"};
  static const char* kBadges[] = {"-30%",     "-1,00 €",    "Prix choc",       "2ème à -50%",
                                  "3 pour 2", "3 pour 5 €", "30% sur la carte"};
  static const char* kTitles[] = {"Chocolat noir 70 % cacao aux éclats de noisettes",
                                  "Café moulu pur arabica", "Biscuits sablés pur beurre",
                                  "Jus d'orange sans pulpe", "Pâtes torsades de Provence"};
  CreativeContent c;
  c.product_title = kTitles[i % 5];
  c.product_brand = "Vitrine Sélection";
  c.product_quantity = "200 g";
  c.packshot = packshot;
  PublishedOffer& o = c.offer;
  o.offer_id = "PR" + std::to_string(i) + "~P" + std::to_string(i);
  o.store_id = "S001";
  o.timezone = "Europe/Paris";
  o.validity = {FromUnixSeconds(1796166000), FromUnixSeconds(1796770800)};
  const int m = i % 7;
  o.mechanic = kMechanics[m];
  o.badge = kBadges[m];
  o.regular_price = Money::Euros(199 + (i * 37) % 900);
  o.shelf_price = m < 3 ? Money::Euros(o.regular_price.minor_units() * 7 / 10) : o.regular_price;
  if (m < 3) {
    o.reference_price = o.regular_price;
    o.discount_percent = 30;
    o.legal = "Prix de référence : " + o.regular_price.ToFrenchDisplay();
  } else {
    o.headline = "soit 2,33 € l'unité";
    o.legal = "Voir conditions en magasin";
  }
  o.unit_price = Money::Euros(o.shelf_price.minor_units() * 5);
  o.unit_pricing_base = "1 kg";
  return c;
}

// The same creative as the classic square, composed by ImageMagick: band, trimmed packshot,
// burst badge, title, reference price struck through, shelf price with superscript cents,
// unit price, legal band and text, with the same font files.
std::string ConvertCommand(const std::string& convert, const fs::path& packshot,
                           const fs::path& output) {
  const BrandKit& kit = DefaultBrandKit();
  const std::string bold = kit.fonts.at("headline");
  const std::string body = kit.fonts.at("body");
  const std::string price = kit.fonts.at("price");
  std::string burst;
  for (int i = 0; i < 40; ++i) {
    const double r = (i % 2 == 0 ? 0.5 : 0.43) * 260;
    const double a = M_PI * i / 20 - M_PI / 2;
    char point[32];
    std::snprintf(point, sizeof point, "%s%.0f,%.0f", i ? " " : "", 460 + r * std::cos(a),
                  260 + r * std::sin(a));
    burst += point;
  }
  std::string cmd = convert + " -size 1080x1080 xc:white";
  cmd += " -fill '#D7141A' -draw 'rectangle 0,0 1080,130'";
  cmd += " -fill '#D7141A' -stroke white -strokewidth 4 -draw 'roundrectangle 43,22 403,108 18,18'";
  cmd += " -stroke none -fill white -font " + bold +
         " -pointsize 46 -annotate +60+82 'Marché Vitrine'";
  cmd +=
      " -pointsize 50 -gravity northeast -annotate +45+38 'Du 02/12 au 08/12' -gravity northwest";
  cmd += " \\( '" + packshot.string() +
         "' -fuzz 9% -trim +repage -transparent white -filter box -resize 497x634 \\)"
         " -geometry +65+190 -composite";
  cmd += " -fill '#FFD600' -draw 'polygon " + burst + "'";
  cmd += " -fill '#D7141A' -pointsize 64 -annotate -8x-8+385+285 '-30%'";
  cmd += " -fill '#585C62' -font " + body + " -pointsize 32 -annotate +617+195 'VITRINE SÉLECTION'";
  cmd += " \\( -size 420x180 -background none -fill '#1D1D1B' -font " + bold +
         " caption:'Chocolat noir 70 % cacao aux éclats de noisettes' \\)"
         " -geometry +617+205 -composite";
  cmd += " -fill '#585C62' -font " + body + " -pointsize 28 -annotate +617+440 '200 g'";
  cmd += " -font " + price + " -pointsize 70 -annotate +617+525 '3,49 €'";
  cmd += " -stroke '#585C62' -strokewidth 7 -draw 'line 615,500 830,500' -stroke none";
  cmd += " -fill '#D7141A' -pointsize 330 -annotate +605+735 '2'";
  cmd += " -pointsize 160 -annotate +775+735 '€' -pointsize 150 -annotate +875+640 '44'";
  cmd += " -fill '#585C62' -font " + body + " -pointsize 32 -annotate +617+845 '12,20 €/kg'";
  cmd += " -fill '#F6F2EA' -draw 'rectangle 0,950 1080,1080'";
  cmd += " \\( -size 990x90 -background none -fill '#585C62' -font " + body +
         " caption:'Prix de référence : 3,49 €. Offre valable du 02/12 au 08/12/2026 dans les "
         "magasins participants.' \\) -geometry +43+975 -composite";
  cmd += " -define png:compression-level=3 '" + output.string() + "'";
  return cmd;
}

}  // namespace
}  // namespace vitrine

int main(int argc, char** argv) {
  using namespace vitrine;
  fs::path out = "bench/out/render";
  int runs = 21;
  int batch_offers = 2000;
  int threads = 2;
  int convert_runs = 5;
  std::string convert = "/usr/bin/convert";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--out") out = value;
    if (flag == "--runs") runs = std::max(1, std::atoi(value.c_str()));
    if (flag == "--batch-offers") batch_offers = std::max(0, std::atoi(value.c_str()));
    if (flag == "--threads") threads = std::max(1, std::atoi(value.c_str()));
    if (flag == "--convert") convert = value;
    if (flag == "--convert-runs") convert_runs = std::max(0, std::atoi(value.c_str()));
  }
  const fs::path images = out / "images";
  fs::create_directories(images);
  const fs::path packshot = images / "packshot-2000.jpg";
  if (!fs::exists(packshot) &&
      !MakeJpegPackshot(packshot, 2000, 7, "Chocolat noir 70 % cacao", "Épicerie > Chocolat")) {
    std::fprintf(stderr, "render-bench: cannot draw %s\n", packshot.c_str());
    return 1;
  }
  DirectoryImageSource source(images);
  const CreativeTemplate& classic = *FindBuiltinTemplate("classic");
  const CreativeFormat& square = *FindCreativeFormat("square");
  CreativeContent content = Offer(0, "packshot-2000.jpg");
  content.product_title = "Chocolat noir 70 % cacao aux éclats de noisettes";

  auto time_renders = [&](bool cold, ImageEncoding encoding) {
    std::vector<double> ms;
    Renderer warm(&source);
    (void)warm.Render(classic, DefaultBrandKit(), square, content, encoding);  // fonts, caches
    for (int i = 0; i < runs; ++i) {
      Renderer fresh(&source);
      Renderer& r = cold ? fresh : warm;
      const auto start = Stopwatch::now();
      auto creative = r.Render(classic, DefaultBrandKit(), square, content, encoding);
      ms.push_back(Ms(Stopwatch::now() - start));
      if (!creative.ok()) {
        std::fprintf(stderr, "render-bench: %s\n", creative.status().ToString().c_str());
        std::exit(1);
      }
      if (i == 0) {
        std::ofstream(out / ("vitrine." + std::string(ExtensionOf(encoding))), std::ios::binary)
            << creative->bytes;
      }
    }
    return ms;
  };
  const auto cold_png = time_renders(true, ImageEncoding::kPng);
  const auto prepared_png = time_renders(false, ImageEncoding::kPng);
  const auto cold_jpeg = time_renders(true, ImageEncoding::kJpeg);
  const auto prepared_jpeg = time_renders(false, ImageEncoding::kJpeg);

  std::vector<double> convert_ms;
  const std::string command = ConvertCommand(convert, packshot, out / "convert.png");
  std::ofstream(out / "convert-command.sh") << "#!/bin/sh\n" << command << "\n";
  for (int i = 0; i < convert_runs; ++i) {
    const auto start = Stopwatch::now();
    const int rc = std::system((command + " 2>" + (out / "convert.log").string()).c_str());
    convert_ms.push_back(Ms(Stopwatch::now() - start));
    if (rc != 0) {
      std::fprintf(stderr, "render-bench: convert failed (see %s)\n",
                   (out / "convert.log").c_str());
      convert_ms.clear();
      break;
    }
  }

  // The batch: 40 different 1000×1000 JPEG packshots shared by the offers, as products are
  // shared by the stores of a campaign.
  double batch_per_second = 0;
  double batch_seconds = 0;
  int batch_failed = 0;
  const int kPackshots = 40;
  if (batch_offers > 0) {
    static const char* kCategories[] = {"Épicerie > Chocolat", "Boissons > Bières", "Cave > Vins",
                                        "Crèmerie > Yaourts", "Épicerie > Pâtes"};
    for (int p = 0; p < kPackshots; ++p) {
      const fs::path file = images / ("batch-" + std::to_string(p) + ".jpg");
      if (!fs::exists(file)) {
        MakeJpegPackshot(file, 1000, 100 + p, "Produit " + std::to_string(p), kCategories[p % 5]);
      }
    }
    std::vector<CreativeContent> offers;
    for (int i = 0; i < batch_offers; ++i) {
      offers.push_back(Offer(i, "batch-" + std::to_string(i % kPackshots) + ".jpg"));
    }
    const auto formats = CreativeFormats();
    const size_t total = offers.size() * formats.size();
    Renderer renderer(&source);
    std::atomic<size_t> next{0};
    std::atomic<int> failed{0};
    const auto start = Stopwatch::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (size_t i = next++; i < total; i = next++) {
          const CreativeTemplate& tpl = BuiltinTemplates()[i % 3];
          auto creative = renderer.Render(tpl, DefaultBrandKit(), formats[i % formats.size()],
                                          offers[i / formats.size()], ImageEncoding::kPng);
          if (!creative.ok()) ++failed;
        }
      });
    }
    for (std::thread& t : pool) t.join();
    batch_seconds = std::chrono::duration<double>(Stopwatch::now() - start).count();
    batch_per_second = total / batch_seconds;
    batch_failed = failed;
  }

  auto row = [](const char* name, const std::vector<double>& ms, const char* target, bool met) {
    if (ms.empty()) {
      std::printf("| %-46s | %9s | %9s | %-10s | %-11s |\n", name, "n/a", "n/a", target, "n/a");
      return;
    }
    std::printf("| %-46s | %9.1f | %9.1f | %-10s | %-11s |\n", name, Percentile(ms, 0.5),
                Percentile(ms, 0.9), target, met ? "met" : "**NOT MET**");
  };
  std::printf("| %-46s | %9s | %9s | %-10s | %-11s |\n",
              "1080×1080 creative, 2000×2000 JPEG packshot", "median ms", "p90 ms", "target",
              "met");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(48, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str(), std::string(12, '-').c_str(),
              std::string(13, '-').c_str());
  const double cold = Percentile(cold_png, 0.5);
  row("vitrine, cold packshot, PNG (1 thread)", cold_png, "<= 40 ms", cold <= 40);
  row("vitrine, prepared packshot, PNG (1 thread)", prepared_png, "<= 15 ms",
      Percentile(prepared_png, 0.5) <= 15);
  row("vitrine, cold packshot, JPEG q90 (1 thread)", cold_jpeg, "", true);
  row("vitrine, prepared packshot, JPEG q90 (1 thread)", prepared_jpeg, "", true);
  const double im = convert_ms.empty() ? 0 : Percentile(convert_ms, 0.5);
  row("ImageMagick convert, same creative", convert_ms, "", true);
  if (im > 0) {
    std::printf("| %-46s | %8.1f× | %9s | %-10s | %-11s |\n", "convert / vitrine cold (median)",
                im / cold, "", ">= 10×", im / cold >= 10 ? "met" : "**NOT MET**");
  }
  if (batch_offers > 0) {
    std::printf(
        "\nBatch: %d offers × 10 formats (3 templates in turn, PNG, 40 shared 1000×1000 JPEG "
        "packshots) on %d threads: %.0f creatives/s (%.1f s, %d failed)\n",
        batch_offers, threads, batch_per_second, batch_seconds, batch_failed);
  }
  return 0;
}
