#include "fonts.h"

#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>

#include <atomic>
#include <map>
#include <mutex>
#include <vector>

namespace vitrine::render_internal {
namespace {

class FontBook {
 public:
  static FontBook& Instance() {
    static FontBook* book = new FontBook();  // process lifetime: thread maps refer to it
    return *book;
  }

  Result<const PangoFontDescription*> Load(const std::string& file) {
    std::lock_guard lock(mu_);
    auto it = descriptions_.find(file);
    if (it != descriptions_.end()) return it->second;
    // A new configuration with every file so far and this one: threads still drawing with
    // the previous one keep a valid configuration until they switch.
    FcConfig* config = FcConfigCreate();
    std::vector<std::string> files = files_;
    files.push_back(file);
    for (const std::string& f : files) {
      if (!FcConfigAppFontAddFile(config, reinterpret_cast<const FcChar8*>(f.c_str()))) {
        FcConfigDestroy(config);
        return Status::InvalidArgument("font file " + f + " cannot be loaded");
      }
    }
    const PangoFontDescription* description = nullptr;
    FcFontSet* set = FcConfigGetFonts(config, FcSetApplication);
    for (int i = 0; set != nullptr && i < set->nfont; ++i) {
      FcChar8* path = nullptr;
      if (FcPatternGetString(set->fonts[i], FC_FILE, 0, &path) == FcResultMatch &&
          file == reinterpret_cast<const char*>(path)) {
        description = pango_fc_font_description_from_pattern(set->fonts[i], FALSE);
        break;
      }
    }
    if (description == nullptr) {
      FcConfigDestroy(config);
      return Status::InvalidArgument("font file " + file + " holds no font");
    }
    files_ = std::move(files);
    descriptions_[file] = description;
    config_ = config;  // earlier configurations stay alive: a thread may still use one
    generation_.fetch_add(1);
    return description;
  }

  int generation() const { return generation_.load(); }
  FcConfig* config() {
    std::lock_guard lock(mu_);
    if (config_ == nullptr) config_ = FcConfigCreate();
    return config_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, const PangoFontDescription*> descriptions_;  // guarded by mu_
  std::vector<std::string> files_;                                   // guarded by mu_
  FcConfig* config_ = nullptr;                                       // guarded by mu_
  std::atomic<int> generation_{0};
};

struct ThreadFonts {
  PangoFontMap* map = nullptr;
  PangoContext* context = nullptr;
  int generation = -1;

  ~ThreadFonts() {
    std::lock_guard text(TextMutex());  // freeing the map frees its scaled fonts
    Reset();
  }
  void Reset() {
    if (context != nullptr) g_object_unref(context);
    if (map != nullptr) g_object_unref(map);
    context = nullptr;
    map = nullptr;
  }
};

}  // namespace

Result<const PangoFontDescription*> PinnedFont(const std::string& file) {
  return FontBook::Instance().Load(file);
}

std::recursive_mutex& TextMutex() {
  static std::recursive_mutex* mutex = new std::recursive_mutex();  // used at thread exit
  return *mutex;
}

PangoContext* ThreadPangoContext() {
  std::lock_guard text(TextMutex());
  thread_local ThreadFonts fonts;
  FontBook& book = FontBook::Instance();
  const int generation = book.generation();
  if (fonts.context != nullptr && fonts.generation == generation) return fonts.context;
  fonts.Reset();
  fonts.map = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
  pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fonts.map), book.config());
  fonts.context = pango_font_map_create_context(fonts.map);
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options(fonts.context, options);
  cairo_font_options_destroy(options);
  fonts.generation = generation;
  return fonts.context;
}

}  // namespace vitrine::render_internal
