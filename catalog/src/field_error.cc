#include "catalog/field_error.h"

#include "common/text.h"

namespace vitrine::field_rules {

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 50 || id.front() == '.') return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsCleanText(std::string_view text, bool multiline) {
  if (!IsValidUtf8(text)) return false;
  for (unsigned char c : text) {
    if (c == 0x7F) return false;
    if (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r'))) return false;
  }
  return true;
}

size_t CodePoints(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

void CheckText(std::vector<FieldError>& errors, const char* field, std::string_view text,
               size_t max_code_points, bool required, bool multiline) {
  if (text.empty()) {
    if (required) errors.push_back({field, "is required"});
    return;
  }
  if (!IsValidUtf8(text)) {
    errors.push_back({field, "is not valid UTF-8"});
  } else if (!IsCleanText(text, multiline)) {
    errors.push_back({field, "contains control characters"});
  } else if (CodePoints(text) > max_code_points) {
    errors.push_back({field, "is longer than " + std::to_string(max_code_points) + " characters"});
  }
}

}  // namespace vitrine::field_rules
