#include "feeds/feed_text.h"

#include <cstdint>

namespace vitrine {
namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when it is not valid UTF-8
// (bad lead, truncated, overlong, surrogate, past U+10FFFF).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  uint32_t v;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    v = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    v = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b & 0x3F);
  }
  if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
      v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
    return 0;
  }
  *cp = v;
  return len;
}

bool IsSpace(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0 || cp == 0x2028 ||
         cp == 0x2029;
}

// Characters a feed never carries: what XML 1.0 forbids (C0 controls but the white space
// folded above, U+FFFE, U+FFFF) and the C1 controls and DEL it only discourages.
bool IsDropped(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF;
}

}  // namespace

std::string CleanFeedText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(text, i, &cp);
    if (len == 0) {
      ++i;  // an invalid byte is dropped alone; resynchronise on the next one
      continue;
    }
    if (IsSpace(cp)) {
      pending_space = !out.empty();
    } else if (!IsDropped(cp)) {
      if (pending_space) out.push_back(' ');
      pending_space = false;
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string_view CutAtWord(std::string_view clean, size_t max_chars) {
  size_t chars = 0;
  size_t i = 0;
  while (i < clean.size() && chars < max_chars) {
    const auto c = static_cast<unsigned char>(clean[i]);
    i += c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    ++chars;
  }
  if (i >= clean.size()) return clean;
  // i is the end of the last character that fits; a word boundary is a space there or
  // before it.
  if (clean[i] == ' ') return clean.substr(0, i);
  const size_t space = clean.rfind(' ', i);
  if (space == std::string_view::npos || space == 0) return clean.substr(0, i);
  return clean.substr(0, space);
}

std::string FeedText(std::string_view text, size_t max_chars) {
  const std::string clean = CleanFeedText(text);
  return std::string(CutAtWord(clean, max_chars));
}

void AppendXmlEscaped(std::string_view clean, std::string* out) {
  size_t from = 0;
  for (size_t i = 0; i < clean.size(); ++i) {
    const char* entity = nullptr;
    switch (clean[i]) {
      case '&':
        entity = "&amp;";
        break;
      case '<':
        entity = "&lt;";
        break;
      case '>':
        entity = "&gt;";
        break;
      case '"':
        entity = "&quot;";
        break;
      case '\'':
        entity = "&apos;";
        break;
      default:
        continue;
    }
    out->append(clean.substr(from, i - from));
    out->append(entity);
    from = i + 1;
  }
  out->append(clean.substr(from));
}

size_t CountCodePoints(std::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace vitrine
