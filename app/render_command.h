// What the verbs that draw creatives share (`vitrine render`, `vitrine serve`): where
// packshots, templates and the creative cache live, and OpenCV's decompression-bomb limit.
#pragma once

#include <memory>
#include <string>

#include "adapters/fetcher.h"
#include "adapters/image_cache.h"
#include "command_line.h"
#include "render/creative_studio.h"
#include "render/image_source.h"
#include "templates/repository.h"

namespace vitrine {

struct CreativeSetup {
  std::unique_ptr<SafeFetcher> fetcher;
  std::unique_ptr<ImageCache> image_cache;  // products' image_url, filled by `images fetch`
  std::unique_ptr<ImageSource> images;
  std::unique_ptr<TemplateLibrary> templates;
  std::unique_ptr<CreativeStudio> studio;
};

// Packshots from --images (default: the demo's folder, vitrine-data/demo beside the
// database) and, for image URLs, from the image cache in --image-cache-dir (default
// DB.images), templates from --templates-dir (default DB.templates), creatives cached in
// --creative-cache-dir (default DB.creatives) up to --creative-cache-mb (default 1024).
Result<CreativeSetup> OpenCreativeSetup(const CommandLine& command_line,
                                        const std::string& db_path);

}  // namespace vitrine
