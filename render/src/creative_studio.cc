#include "render/creative_studio.h"

#include "templates/builtin.h"

namespace vitrine {

CreativeStudio::CreativeStudio(TemplateRepository* templates, BrandKit kit,
                               std::unique_ptr<Renderer> renderer,
                               std::unique_ptr<CreativeCache> cache)
    : templates_(templates),
      kit_(std::move(kit)),
      renderer_(std::move(renderer)),
      cache_(std::move(cache)) {}

Result<std::shared_ptr<const CreativeTemplate>> CreativeStudio::LoadTemplate(
    const std::string& id, const CreativeFormat& format) {
  auto found = templates_->GetTemplate(id);
  if (!found.ok()) return found.status();
  if (*found == nullptr) return Status::NotFound("no template \"" + id + "\"");
  if (!(*found)->layouts.contains(format.name)) {
    return Status::NotFound("template \"" + id + "\" has no layout for format \"" +
                            std::string(format.name) + "\"");
  }
  return std::move(*found);
}

const BrandKit* CreativeStudio::FindKit(std::string_view id) const {
  if (id.empty() || id == kit_.id) return &kit_;
  return FindBuiltinBrandKit(id);
}

Result<CreativeLook> CreativeStudio::ResolveLook(
    const std::optional<std::string>& explicit_template, const Theme* theme,
    const CreativeFormat& format, const std::string& default_template,
    std::vector<std::string>* warnings) {
  CreativeLook look;
  look.template_id = explicit_template.value_or(default_template);
  auto warn = [&](std::string sentence) {
    if (warnings != nullptr) warnings->push_back(std::move(sentence));
  };
  if (theme == nullptr) return look;
  if (!theme->brand_kit.empty()) {
    if (FindKit(theme->brand_kit) != nullptr) {
      look.brand_kit_id = theme->brand_kit;
    } else {
      warn("the campaign's theme names the unknown brand kit \"" + theme->brand_kit +
           "\"; drawn with \"" + kit_.id + "\"");
    }
  }
  if (explicit_template) return look;
  auto themed = theme->template_by_format.find(std::string(format.name));
  if (themed == theme->template_by_format.end()) return look;
  auto found = templates_->GetTemplate(themed->second);
  if (!found.ok()) return found.status();
  if (*found == nullptr) {
    warn("the campaign's theme names the unknown template \"" + themed->second +
         "\"; drawn with \"" + default_template + "\"");
  } else if (!(*found)->layouts.contains(format.name)) {
    warn("the campaign's template \"" + themed->second + "\" has no layout for " +
         std::string(format.name) + "; drawn with \"" + default_template + "\"");
  } else {
    look.template_id = themed->second;
  }
  return look;
}

Result<PreparedCreative> CreativeStudio::Prepare(const CreativeContent& content,
                                                 const CreativeLook& look,
                                                 const CreativeFormat& format,
                                                 ImageEncoding encoding) {
  PreparedCreative prepared;
  prepared.kit = FindKit(look.brand_kit_id);
  if (prepared.kit == nullptr) {
    return Status::NotFound("no brand kit \"" + look.brand_kit_id + "\"");
  }
  auto t = LoadTemplate(look.template_id, format);
  if (!t.ok()) return t.status();
  prepared.look_template = std::move(*t);
  prepared.content = content;
  prepared.format = &format;
  prepared.encoding = encoding;
  prepared.key =
      renderer_->CacheKey(*prepared.look_template, *prepared.kit, format, content, encoding);
  return prepared;
}

Result<Creative> CreativeStudio::Render(const PreparedCreative& prepared) {
  return renderer_->Render(*prepared.look_template, *prepared.kit, *prepared.format,
                           prepared.content, prepared.encoding);
}

std::optional<ServedCreative> CreativeStudio::Cached(const std::string& key,
                                                     ImageEncoding encoding) {
  // A PNG request may have been answered with a JPEG (over the limit as PNG): both names
  // are looked for, the key being the request's.
  for (ImageEncoding stored :
       {encoding, encoding == ImageEncoding::kPng ? ImageEncoding::kJpeg : ImageEncoding::kPng}) {
    if (auto file = cache_->Find(key, ExtensionOf(stored))) {
      ServedCreative served;
      served.key = key;
      served.file = *file;
      served.media_type = stored == ImageEncoding::kPng ? "image/png" : "image/jpeg";
      served.cache_hit = true;
      return served;
    }
    if (stored == encoding && encoding == ImageEncoding::kJpeg) break;
  }
  return std::nullopt;
}

Result<ServedCreative> CreativeStudio::Get(const PreparedCreative& prepared) {
  if (auto cached = Cached(prepared.key, prepared.encoding)) return *std::move(cached);
  ServedCreative served;
  served.key = prepared.key;
  auto creative = Render(prepared);
  if (!creative.ok()) return creative.status();
  auto file = cache_->Insert(served.key, ExtensionOf(creative->encoding), creative->bytes);
  if (!file.ok()) return file.status();
  served.file = *file;
  served.media_type = creative->media_type;
  served.warnings = std::move(creative->warnings);
  return served;
}

}  // namespace vitrine
