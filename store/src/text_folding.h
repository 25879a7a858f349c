// Text folding shared by the catalog repositories, so that the in-memory and the SQLite
// backends answer ProductQuery.text and ProductQuery.brand the same way.
//
// The rules mirror SQLite's FTS5 `unicode61 remove_diacritics 2` tokenizer for the Latin
// scripts retailers in Vitrine's markets write in: ASCII, Latin-1 and Latin Extended-A
// letters are case-folded (and, for search, stripped of their diacritics); other non-ASCII
// letters are kept as they are. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vitrine::store_internal {

// Lower-cases `text` (ASCII, Latin-1, Latin Extended-A); accents are kept. Used for the
// brand filter, which is exact but case-insensitive.
std::string FoldCase(std::string_view text);

// The search tokens of `text`: maximal runs of letters and digits, case-folded and without
// diacritics ("Crème brûlée" -> {"creme", "brulee"}). Invalid UTF-8 bytes separate tokens.
std::vector<std::string> SearchTokens(std::string_view text);

// The words of a query: runs of non-whitespace (ASCII whitespace only).
std::vector<std::string_view> QueryWords(std::string_view query);

}  // namespace vitrine::store_internal
