// Helpers of the feed tests: run the schema validators on a generated file and read the
// items of an RSS feed with libxml2.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace vitrine::testing {

// xmllint --noout --relaxng docs/feeds/<schema> <file>; "" when valid, else its output.
std::string RelaxNgErrors(const std::string& schema, const std::string& file);
// tests/feeds/validate_json.cjs on docs/feeds/<schema>; "" when valid, else its output.
std::string JsonSchemaErrors(const std::string& schema, const std::string& file);

// One RSS <item>: element name ("g:id") → values in order.
using FeedItem = std::multimap<std::string, std::string>;
// Parses `file` with libxml2 (failing the test when it is not well-formed) and returns
// its items.
std::vector<FeedItem> ReadRssItems(const std::string& file);
// The first value of `name` in `item`, or "".
std::string First(const FeedItem& item, const std::string& name);

}  // namespace vitrine::testing
