// Pinned fonts for pango: a private fontconfig configuration that holds only the font files
// brand kits name, so a family resolves to that file on every machine. Private to render/.
//
// Thread-safe: the configuration is replaced, never changed in place, when a file is added,
// and each thread keeps its own pango font map and context over the current one.
#pragma once

#include <pango/pango.h>

#include <string>

#include "common/status.h"

namespace vitrine::render_internal {

// The description (family, weight, style, stretch; no size) that selects `file` in the
// pinned configuration. Loads the file on first use. InvalidArgument when it is not a font
// fontconfig can read. The description lives as long as the process.
Result<const PangoFontDescription*> PinnedFont(const std::string& file);

// This thread's pango context over the pinned fonts: no hinting and no hinted metrics, so
// text measures and draws the same at any size and position.
PangoContext* ThreadPangoContext();

}  // namespace vitrine::render_internal
