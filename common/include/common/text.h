// Small text utilities shared by importers, feeds and the server. All are pure functions.
#pragma once

#include <string>
#include <string_view>

namespace vitrine {

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). Returns the byte offset of the first bad byte through `bad_offset` if given.
bool IsValidUtf8(std::string_view s, size_t* bad_offset = nullptr);

std::string_view TrimAscii(std::string_view s);
std::string ToLowerAscii(std::string_view s);

}  // namespace vitrine
