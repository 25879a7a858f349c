#include "text_folding.h"

#include <cstdint>

namespace vitrine::store_internal {
namespace {

// Decodes one UTF-8 code point at `i`; returns false (and advances one byte) on a bad one.
bool NextCodePoint(std::string_view s, size_t& i, uint32_t& cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t len = 1;
  if (c < 0x80) {
    cp = c;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    ++i;
    return false;
  }
  if (i + len > s.size()) {
    ++i;
    return false;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return false;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += len;
  return true;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

uint32_t LowerCodePoint(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 0x20;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp == 0x178) return 0xFF;  // Ÿ
  // Latin Extended-A alternates upper/lower, with the parity flipping at U+0139 and U+0179.
  if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) return cp | 1;
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
    return (cp % 2 == 1) ? cp + 1 : cp;
  }
  return cp;
}

// The letter without its diacritic, for a lower-case code point; `cp` when it has none.
uint32_t StripDiacritic(uint32_t cp) {
  if (cp < 0xE0 || cp > 0x17F) return cp;
  // U+00E0..U+00FF.
  static constexpr char kLatin1[] = "aaaaaa\0ceeeeiiii\0nooooo\0ouuuuy\0y";
  if (cp <= 0xFF) {
    const char base = kLatin1[cp - 0xE0];
    return base ? static_cast<uint32_t>(base) : cp;
  }
  struct Range {
    uint32_t first, last;
    char base;
  };
  static constexpr Range kExtendedA[] = {
      {0x100, 0x105, 'a'}, {0x106, 0x10D, 'c'}, {0x10E, 0x111, 'd'}, {0x112, 0x11B, 'e'},
      {0x11C, 0x123, 'g'}, {0x124, 0x127, 'h'}, {0x128, 0x131, 'i'}, {0x134, 0x135, 'j'},
      {0x136, 0x137, 'k'}, {0x139, 0x142, 'l'}, {0x143, 0x148, 'n'}, {0x14C, 0x151, 'o'},
      {0x154, 0x159, 'r'}, {0x15A, 0x161, 's'}, {0x162, 0x167, 't'}, {0x168, 0x173, 'u'},
      {0x174, 0x175, 'w'}, {0x176, 0x178, 'y'}, {0x179, 0x17E, 'z'}, {0x17F, 0x17F, 's'},
  };
  for (const Range& r : kExtendedA) {
    if (cp >= r.first && cp <= r.last) return static_cast<uint32_t>(r.base);
  }
  return cp;
}

// Letters and digits build tokens; punctuation, symbols and spaces separate them.
bool IsTokenCodePoint(uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  }
  if (cp >= 0xA0 && cp <= 0xBF) {
    return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 || cp == 0xBA ||
           (cp >= 0xBC && cp <= 0xBE);
  }
  if (cp == 0xD7 || cp == 0xF7) return false;      // × ÷
  if (cp >= 0x2000 && cp <= 0x206F) return false;  // general punctuation
  if (cp >= 0x20A0 && cp <= 0x20CF) return false;  // currency signs
  if (cp == 0x3000 || cp == 0xFEFF || cp == 0xFFFD) return false;
  return true;
}

}  // namespace

std::string FoldCase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    uint32_t cp = 0;
    if (NextCodePoint(text, i, cp)) {
      AppendUtf8(out, LowerCodePoint(cp));
    } else {
      out.append(text.substr(start, i - start));  // invalid bytes are kept as they are
    }
  }
  return out;
}

std::vector<std::string> SearchTokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    if (NextCodePoint(text, i, cp) && IsTokenCodePoint(cp)) {
      AppendUtf8(current, StripDiacritic(LowerCodePoint(cp)));
    } else if (!current.empty()) {
      tokens.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

std::vector<std::string_view> QueryWords(std::string_view query) {
  std::vector<std::string_view> words;
  size_t i = 0;
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (i < query.size()) {
    while (i < query.size() && is_space(query[i])) ++i;
    const size_t start = i;
    while (i < query.size() && !is_space(query[i])) ++i;
    if (i > start) words.push_back(query.substr(start, i - start));
  }
  return words;
}

}  // namespace vitrine::store_internal
