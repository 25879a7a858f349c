// CreativeStudio: one creative by template, format and encoding, from the disk cache when it
// is there, else rendered and stored. What the creative routes and the campaign render job
// call.
//
// The cache key (Renderer::CacheKey) is also the creative's ETag. A creative is rendered at
// most once per key in the common case; two requests racing on the same missing key both
// render and the second write wins, harmlessly (same bytes). Safe for concurrent use from
// multiple threads.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "offers/campaign.h"
#include "render/creative_cache.h"
#include "render/renderer.h"
#include "templates/repository.h"

namespace vitrine {

struct ServedCreative {
  std::string key;  // the content address: ETag
  std::filesystem::path file;
  std::string media_type;  // "image/png"; "image/jpeg" also for a PNG that was over its limit
  bool cache_hit = false;
  std::vector<std::string> warnings;  // of a fresh render (a placeholder drawn...)
};

// What a creative is drawn with.
struct CreativeLook {
  std::string template_id;
  std::string brand_kit_id;  // empty: the studio's own kit

  friend bool operator==(const CreativeLook&, const CreativeLook&) = default;
};

// One creative resolved for drawing: what CreativeStudio::Prepare read, so that serving it
// reads nothing twice.
struct PreparedCreative {
  CreativeContent content;
  std::shared_ptr<const CreativeTemplate> look_template;  // never null
  const BrandKit* kit = nullptr;  // the studio's or a built-in: lives as long as the studio
  const CreativeFormat* format = nullptr;
  ImageEncoding encoding = ImageEncoding::kPng;
  std::string key;  // the content address: ETag
};

class CreativeStudio {
 public:
  // `templates` must outlive the studio.
  CreativeStudio(TemplateRepository* templates, BrandKit kit, std::unique_ptr<Renderer> renderer,
                 std::unique_ptr<CreativeCache> cache);

  // The look of a creative in `format` of an offer whose campaign has `theme` (nullptr: none):
  // `explicit_template` when given (checked by Prepare); else the theme's
  // template for the format; else `default_template`. The brand kit is the theme's, else the
  // studio's. A theme naming a template that does not exist or has no layout for the format,
  // or an unknown brand kit, falls back to the default with a sentence in `*warnings`, so a
  // live campaign keeps its creatives. IoError when the templates cannot be read.
  Result<CreativeLook> ResolveLook(const std::optional<std::string>& explicit_template,
                                   const Theme* theme, const CreativeFormat& format,
                                   const std::string& default_template,
                                   std::vector<std::string>* warnings = nullptr);

  // The creative drawn with `look`, its template read and its key computed once: the key
  // answers If-None-Match without rendering, then Get serves the same creative. NotFound for
  // an unknown template, a format it has no layout for, or an unknown brand kit.
  Result<PreparedCreative> Prepare(const CreativeContent& content, const CreativeLook& look,
                                   const CreativeFormat& format, ImageEncoding encoding);
  // The creative's file, rendered on a miss. Errors are Renderer::Render's, plus IoError when
  // the cache cannot be written.
  Result<ServedCreative> Get(const PreparedCreative& creative);
  // The creative of `key` when the cache holds it, without rendering.
  std::optional<ServedCreative> Cached(const std::string& key, ImageEncoding encoding);
  // Renders without the cache (previews, and the CLI that writes files of its own).
  Result<Creative> Render(const PreparedCreative& creative);

  // The brand kit of `id`: the studio's own for "" or its id, else a built-in; nullptr when
  // unknown.
  const BrandKit* FindKit(std::string_view id) const;

  TemplateRepository& templates() { return *templates_; }
  Renderer& renderer() { return *renderer_; }
  CreativeCache& cache() { return *cache_; }
  const BrandKit& kit() const { return kit_; }

 private:
  Result<std::shared_ptr<const CreativeTemplate>> LoadTemplate(const std::string& id,
                                                               const CreativeFormat& format);

  TemplateRepository* const templates_;
  const BrandKit kit_;
  const std::unique_ptr<Renderer> renderer_;
  const std::unique_ptr<CreativeCache> cache_;
};

}  // namespace vitrine
