// Pinned fonts for pango: a private fontconfig configuration that holds only the font files
// brand kits name, so a family resolves to that file on every machine. Private to render/.
//
// Thread-safe: the configuration is replaced, never changed in place, when a file is added,
// and each thread keeps its own pango font map and context over the current one.
#pragma once

#include <pango/pango.h>

#include <mutex>
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

// Held by every thread while it uses pango or cairo text, from the first layout made to the
// last one freed. Cairo 1.16 (Debian 12) takes its scaled-font map lock and a scaled font's
// own lock in opposite orders when one thread creates a scaled font while another measures
// glyphs: two threads drawing text at once can deadlock for good (seen with two render
// threads). Font maps per thread do not help: cairo's scaled-font map is global. Drawing
// text is a few milliseconds of a creative; decoding and encoding images stay parallel.
// Recursive: the font map of a thread is replaced under it.
std::recursive_mutex& TextMutex();

}  // namespace vitrine::render_internal
