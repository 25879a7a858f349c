// `vitrine render`: one creative to a file, or every creative of a campaign to a folder.
#include "render_command.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "app/product_images.h"
#include "commands.h"
#include "progress_bar.h"
#include "templates/builtin.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;

// The product facts a creative prints and its packshot (the demo keeps the packshot's path
// in attributes.packshot; otherwise the image URL, for an HTTP image source).
CreativeContent ContentFor(const PublishedOffer& offer, const std::optional<Product>& product) {
  CreativeContent content;
  content.offer = offer;
  if (!product) return content;
  content.product_title = product->title;
  content.product_brand = product->brand;
  if (product->net_quantity) content.product_quantity = product->net_quantity->ToDisplayString();
  auto packshot = product->attributes.find("packshot");
  content.packshot = packshot != product->attributes.end() && packshot->is_string()
                         ? packshot->get<std::string>()
                         : product->image_url;
  return content;
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

bool WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  return out.good();
}

// The look of the campaign's creatives in `format`: --template when given, else the
// campaign's theme, else classic; the theme's warnings are printed. nullopt (after a message)
// when --template names no template or the campaign cannot be read.
std::optional<CreativeLook> LookFor(const CommandLine& command_line, Database& db,
                                    CreativeSetup& setup, const std::string& campaign_id,
                                    const CreativeFormat& format) {
  std::optional<std::string> explicit_template = command_line.Value("template");
  if (explicit_template) {
    auto t = setup.templates->GetTemplate(*explicit_template);
    if (!t.ok() || *t == nullptr) {
      std::fprintf(stderr, "vitrine render: no template \"%s\"\n", explicit_template->c_str());
      return std::nullopt;
    }
  }
  auto campaign = db.campaigns().GetCampaign(campaign_id);
  if (!campaign.ok()) {
    std::fprintf(stderr, "vitrine render: %s\n", campaign.status().message().c_str());
    return std::nullopt;
  }
  std::vector<std::string> warnings;
  auto look = setup.studio->ResolveLook(explicit_template,
                                        campaign->has_value() ? &(*campaign)->theme : nullptr,
                                        format, "classic", &warnings);
  if (!look.ok()) {
    std::fprintf(stderr, "vitrine render: %s\n", look.status().message().c_str());
    return std::nullopt;
  }
  for (const std::string& w : warnings) {
    std::fprintf(stderr, "vitrine render: warning: %s: %s\n", std::string(format.name).c_str(),
                 w.c_str());
  }
  return *look;
}

int RenderOne(const CommandLine& command_line, const std::vector<std::string>& args, Database& db,
              CreativeSetup& setup, const std::string& out) {
  if (args.size() != 2) {
    std::fprintf(stderr, "vitrine render: expected OFFER FORMAT (see vitrine render --help)\n");
    return kExitUsage;
  }
  const CreativeFormat* format = FindCreativeFormat(args[1]);
  if (format == nullptr) {
    std::fprintf(stderr, "vitrine render: unknown format \"%s\"\n", args[1].c_str());
    return kExitUsage;
  }
  auto store = command_line.Value("store");
  if (!store) {
    std::fprintf(stderr, "vitrine render: --store is required: offers are published per store\n");
    return kExitUsage;
  }
  auto offer = db.offers().GetOffer(args[0], *store);
  if (!offer.ok()) {
    std::fprintf(stderr, "vitrine render: %s\n", offer.status().message().c_str());
    return kExitStore;
  }
  if (!offer->has_value()) {
    std::fprintf(stderr, "vitrine render: no published offer \"%s\" in store \"%s\"\n",
                 args[0].c_str(), store->c_str());
    return kExitBadInput;
  }
  auto product = db.catalog().GetProduct((*offer)->product_id);
  if (!product.ok()) {
    std::fprintf(stderr, "vitrine render: %s\n", product.status().message().c_str());
    return kExitStore;
  }
  auto look = LookFor(command_line, db, setup, (*offer)->campaign_id, *format);
  if (!look) return kExitUsage;
  fs::path path = out.empty() ? fs::path(args[0] + "_" + args[1] + ".png") : fs::path(out);
  const ImageEncoding encoding =
      ParseImageEncoding(path.extension().string().substr(path.has_extension() ? 1 : 0))
          .value_or(ImageEncoding::kPng);
  auto prepared = setup.studio->Prepare(ContentFor(**offer, *product), *look, *format, encoding);
  auto creative =
      prepared.ok() ? setup.studio->Render(*prepared) : Result<Creative>(prepared.status());
  if (!creative.ok()) {
    std::fprintf(stderr, "vitrine render: %s\n", creative.status().message().c_str());
    return kExitBadInput;
  }
  for (const std::string& w : creative->warnings) {
    std::fprintf(stderr, "vitrine render: warning: %s\n", w.c_str());
  }
  if (creative->encoding != encoding) path.replace_extension(ExtensionOf(creative->encoding));
  if (!WriteFile(path, creative->bytes)) {
    std::fprintf(stderr, "vitrine render: cannot write %s\n", path.c_str());
    return kExitBadInput;
  }
  std::printf("%s: %d×%d %s, %zu bytes (limit %lld)\n", path.c_str(), creative->width,
              creative->height, std::string(ExtensionOf(creative->encoding)).c_str(),
              creative->bytes.size(), static_cast<long long>(format->max_bytes));
  return kExitOk;
}

int RenderCampaign(const CommandLine& command_line, Database& db, CreativeSetup& setup,
                   const std::string& out) {
  const std::string campaign = *command_line.Value("campaign");
  if (out.empty()) {
    std::fprintf(stderr, "vitrine render: --campaign needs -o DIR\n");
    return kExitUsage;
  }
  std::vector<const CreativeFormat*> formats;
  if (auto names = command_line.Value("formats")) {
    for (const std::string& name : SplitCommas(*names)) {
      const CreativeFormat* f = FindCreativeFormat(name);
      if (f == nullptr) {
        std::fprintf(stderr, "vitrine render: unknown format \"%s\"\n", name.c_str());
        return kExitUsage;
      }
      formats.push_back(f);
    }
  } else {
    for (const CreativeFormat& f : CreativeFormats()) formats.push_back(&f);
  }
  std::map<std::string, CreativeLook> looks;  // by format
  for (const CreativeFormat* f : formats) {
    auto look = LookFor(command_line, db, setup, campaign, *f);
    if (!look) return kExitUsage;
    looks[std::string(f->name)] = std::move(*look);
  }
  auto jobs = command_line.IntOr("jobs", std::max(1u, std::thread::hardware_concurrency()), 1, 64);
  if (!jobs.ok()) {
    std::fprintf(stderr, "vitrine render: %s\n", jobs.status().message().c_str());
    return kExitUsage;
  }
  std::vector<CreativeContent> contents;
  OfferQuery query;
  query.campaign_id = campaign;
  query.limit = 1000;
  std::map<std::string, std::optional<Product>> products;
  for (;;) {
    auto page = db.offers().ListOffers(query);
    if (!page.ok()) {
      std::fprintf(stderr, "vitrine render: %s\n", page.status().message().c_str());
      return kExitStore;
    }
    for (const PublishedOffer& o : page->items) {
      auto it = products.find(o.product_id);
      if (it == products.end()) {
        auto p = db.catalog().GetProduct(o.product_id);
        it = products.emplace(o.product_id, p.ok() ? *p : std::nullopt).first;
      }
      contents.push_back(ContentFor(o, it->second));
    }
    if (page->next_after.empty()) break;
    query.after = page->next_after;
  }
  if (contents.empty()) {
    std::fprintf(stderr, "vitrine render: campaign \"%s\" has no published offers\n",
                 campaign.c_str());
    return kExitBadInput;
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    std::fprintf(stderr, "vitrine render: cannot create %s: %s\n", out.c_str(),
                 ec.message().c_str());
    return kExitBadInput;
  }
  const size_t total = contents.size() * formats.size();
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::atomic<size_t> failed{0};
  std::atomic<size_t> placeholders{0};
  std::mutex report_mu;
  std::vector<std::string> failures;
  ProgressBar progress("render " + campaign);
  const auto start = std::chrono::steady_clock::now();
  auto work = [&] {
    for (size_t i = next++; i < total; i = next++) {
      const CreativeContent& content = contents[i / formats.size()];
      const CreativeFormat& format = *formats[i % formats.size()];
      auto prepared = setup.studio->Prepare(content, looks.at(std::string(format.name)), format,
                                            ImageEncoding::kPng);
      auto creative =
          prepared.ok() ? setup.studio->Render(*prepared) : Result<Creative>(prepared.status());
      if (creative.ok()) {
        const fs::path path =
            fs::path(out) /
            (content.offer.offer_id + "@" + content.offer.store_id + "_" +
             std::string(format.name) + "." + std::string(ExtensionOf(creative->encoding)));
        if (WriteFile(path, creative->bytes)) {
          if (!creative->warnings.empty()) ++placeholders;
          ++done;
          continue;
        }
      }
      ++failed;
      std::lock_guard lock(report_mu);
      failures.push_back(content.offer.offer_id + "@" + content.offer.store_id + " " +
                         std::string(format.name) + ": " +
                         (creative.ok() ? "cannot write the file" : creative.status().message()));
    }
  };
  std::vector<std::thread> threads;
  for (long long k = 0; k < *jobs; ++k) threads.emplace_back(work);
  while (done + failed < total) {
    progress.Update(done + failed, total);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (std::thread& th : threads) th.join();
  progress.Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (size_t i = 0; i < failures.size() && i < 20; ++i) {
    std::fprintf(stderr, "vitrine render: %s\n", failures[i].c_str());
  }
  std::printf(
      "%zu creatives of %zu offers in %zu formats written to %s in %.1f s (%.0f/s); %zu "
      "failed, %zu with a placeholder packshot\n",
      done.load(), contents.size(), formats.size(), out.c_str(), seconds,
      seconds > 0 ? done / seconds : 0.0, failed.load(), placeholders.load());
  return failed == 0 ? kExitOk : kExitRowsRejected;
}

}  // namespace

Result<CreativeSetup> OpenCreativeSetup(const CommandLine& command_line,
                                        const std::string& db_path) {
  CreativeSetup setup;
  const fs::path db(db_path);
  setup.fetcher = std::make_unique<SafeFetcher>(ProductImageFetchOptions());
  auto image_cache = ImageCache::Open(
      command_line.ValueOr("image-cache-dir", DefaultImageCacheDir(db_path).string()),
      *setup.fetcher, SystemClock::Instance());
  if (!image_cache.ok()) return image_cache.status();
  setup.image_cache = std::move(*image_cache);
  setup.images = std::make_unique<ProductImageSource>(
      command_line.ValueOr("images", (db.parent_path() / "vitrine-data" / "demo").string()),
      *setup.image_cache);
  auto templates =
      TemplateLibrary::Open(command_line.ValueOr("templates-dir", db_path + ".templates"));
  if (!templates.ok()) return templates.status();
  setup.templates = std::move(*templates);
  auto megabytes = command_line.IntOr("creative-cache-mb", 1024, 1, 1 << 20);
  if (!megabytes.ok()) return megabytes.status();
  auto cache =
      CreativeCache::Open(command_line.ValueOr("creative-cache-dir", db_path + ".creatives"),
                          static_cast<int64_t>(*megabytes) << 20);
  if (!cache.ok()) return cache.status();
  setup.studio = std::make_unique<CreativeStudio>(setup.templates.get(), DefaultBrandKit(),
                                                  std::make_unique<Renderer>(setup.images.get()),
                                                  std::move(*cache));
  return setup;
}

int RunRender(const CommandLine& command_line) {
  // -o is the short form of --out; the command line reader only knows long options.
  std::string out = command_line.ValueOr("out", "");
  std::vector<std::string> positional;
  const auto& given = command_line.positional();
  for (size_t i = 0; i < given.size(); ++i) {
    if (given[i] == "-o") {
      if (i + 1 >= given.size()) {
        std::fprintf(stderr, "vitrine render: -o needs a value\n");
        return kExitUsage;
      }
      out = given[++i];
    } else {
      positional.push_back(given[i]);
    }
  }
  auto db = OpenDatabaseOrReport(command_line);
  if (!db) return kExitStore;
  auto setup = OpenCreativeSetup(command_line, db->local_base());
  if (!setup.ok()) {
    std::fprintf(stderr, "vitrine render: %s\n", setup.status().message().c_str());
    return kExitBadInput;
  }
  if (command_line.Has("campaign")) {
    if (!positional.empty()) {
      std::fprintf(stderr, "vitrine render: --campaign takes no OFFER FORMAT\n");
      return kExitUsage;
    }
    return RenderCampaign(command_line, *db, *setup, out);
  }
  return RenderOne(command_line, positional, *db, *setup, out);
}

}  // namespace vitrine
