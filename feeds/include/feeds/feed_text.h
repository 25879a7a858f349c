// Text as the feeds write it. Platforms want plain text within a length, and XML 1.0 forbids
// most control characters outright: one stray byte makes the whole file unreadable. These
// pure functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vitrine {

// `text` with invalid UTF-8 sequences, C0 and C1 control characters, U+FFFE/U+FFFF and
// other code points XML 1.0 forbids removed, every run of white space (tab, CR and LF
// included) folded into one space, and no space at either end.
std::string CleanFeedText(std::string_view text);

// The longest prefix of `clean` (a CleanFeedText result) of at most `max_chars` characters
// (code points) that ends at a word boundary, without trailing space. When the first word
// alone is longer, it is cut at the last character that fits.
std::string_view CutAtWord(std::string_view clean, size_t max_chars);

// CleanFeedText then CutAtWord.
std::string FeedText(std::string_view text, size_t max_chars);

// Appends `clean` escaped for XML text and attribute values (& < > " ').
void AppendXmlEscaped(std::string_view clean, std::string* out);

// Number of code points of valid UTF-8 text.
size_t CountCodePoints(std::string_view utf8);

}  // namespace vitrine
