#include "render/creative_studio.h"

namespace vitrine {

CreativeStudio::CreativeStudio(TemplateRepository* templates, BrandKit kit,
                               std::unique_ptr<Renderer> renderer,
                               std::unique_ptr<CreativeCache> cache)
    : templates_(templates),
      kit_(std::move(kit)),
      renderer_(std::move(renderer)),
      cache_(std::move(cache)) {}

Result<CreativeTemplate> CreativeStudio::LoadTemplate(const std::string& id,
                                                      const CreativeFormat& format) {
  auto found = templates_->GetTemplate(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return Status::NotFound("no template \"" + id + "\"");
  if (!(*found)->layouts.contains(format.name)) {
    return Status::NotFound("template \"" + id + "\" has no layout for format \"" +
                            std::string(format.name) + "\"");
  }
  return std::move(**found);
}

Result<std::string> CreativeStudio::Key(const CreativeContent& content,
                                        const std::string& template_id,
                                        const CreativeFormat& format, ImageEncoding encoding) {
  auto t = LoadTemplate(template_id, format);
  if (!t.ok()) return t.status();
  return renderer_->CacheKey(*t, kit_, format, content, encoding);
}

Result<ServedCreative> CreativeStudio::Get(const CreativeContent& content,
                                           const std::string& template_id,
                                           const CreativeFormat& format, ImageEncoding encoding) {
  auto t = LoadTemplate(template_id, format);
  if (!t.ok()) return t.status();
  ServedCreative served;
  served.key = renderer_->CacheKey(*t, kit_, format, content, encoding);
  // A PNG request may have been answered with a JPEG (over the limit as PNG): both names
  // are looked for, the key being the request's.
  for (ImageEncoding stored :
       {encoding, encoding == ImageEncoding::kPng ? ImageEncoding::kJpeg : ImageEncoding::kPng}) {
    if (auto file = cache_->Find(served.key, ExtensionOf(stored))) {
      served.file = *file;
      served.media_type = stored == ImageEncoding::kPng ? "image/png" : "image/jpeg";
      served.cache_hit = true;
      return served;
    }
    if (stored == encoding && encoding == ImageEncoding::kJpeg) break;
  }
  auto creative = renderer_->Render(*t, kit_, format, content, encoding);
  if (!creative.ok()) return creative.status();
  auto file = cache_->Insert(served.key, ExtensionOf(creative->encoding), creative->bytes);
  if (!file.ok()) return file.status();
  served.file = *file;
  served.media_type = creative->media_type;
  served.warnings = std::move(creative->warnings);
  return served;
}

}  // namespace vitrine
