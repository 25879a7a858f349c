// FieldError: what is wrong with one field of one record, for reports and problem+json.
#pragma once

#include <string>
#include <vector>

namespace vitrine {

struct FieldError {
  std::string field;    // the field's name as the input spelled it: "gtin", "price"
  std::string message;  // a sentence for a person: "wrong check digit (expected 7)"

  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// Checks shared by every entity's validation.
namespace field_rules {
// An id: 1-50 characters of [A-Za-z0-9._-], not starting with '.', so it is safe in a URL
// path and a file name and fits Google's g:id limit.
bool IsValidId(std::string_view id);
// Valid UTF-8 without control characters (tab and newline allowed when `multiline`).
bool IsCleanText(std::string_view text, bool multiline);
// Length in Unicode code points (the unit platforms count their limits in).
size_t CodePoints(std::string_view text);
// Appends errors for `text`: required, cleanliness and a code-point limit.
void CheckText(std::vector<FieldError>& errors, const char* field, std::string_view text,
               size_t max_code_points, bool required, bool multiline = false);
}  // namespace field_rules

}  // namespace vitrine
