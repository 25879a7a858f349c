// Creative templates and brand kits from JSON text. The first byte chooses which; the rest
// is the document.
// Oracle: a document that parses has no errors and survives its own JSON form (parse of
// ToJson equals the value, and Validate agrees it is clean); one that does not parse names
// every error with a JSON path or a line (or is the one error about the whole document).
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "templates/brand_kit.h"
#include "templates/template.h"

namespace {

template <typename Parsed>
void CheckErrors(const Parsed& parsed) {
  FUZZ_CHECK(parsed.value.has_value() == parsed.errors.empty(), "value %d with %zu errors",
             parsed.value.has_value(), parsed.errors.size());
  for (const vitrine::TemplateError& e : parsed.errors) {
    FUZZ_CHECK(!e.message.empty(), "error at \"%s\" without a message", e.path.c_str());
    // An empty path is the document itself ("a template is a JSON object") or a key "".
    FUZZ_CHECK(!e.path.empty() || e.line.has_value() || parsed.errors.size() == 1 ||
                   e.message == "unknown field",
               "error \"%s\" without a path or line beside others", e.message.c_str());
  }
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 16 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    const vitrine::ParsedBrandKit parsed = vitrine::ParseBrandKit(text);
    CheckErrors(parsed);
    if (!parsed.value) return 0;
    FUZZ_CHECK(vitrine::Validate(*parsed.value).empty(), "parsed brand kit fails Validate");
    const std::string dumped = Dump(vitrine::ToJson(*parsed.value));
    const vitrine::ParsedBrandKit again = vitrine::ParseBrandKit(dumped);
    FUZZ_CHECK(again.value && *again.value == *parsed.value, "brand kit round trip: %s",
               dumped.substr(0, 300).c_str());
    return 0;
  }
  const vitrine::ParsedTemplate parsed = vitrine::ParseTemplate(text);
  CheckErrors(parsed);
  if (!parsed.value) return 0;
  FUZZ_CHECK(vitrine::Validate(*parsed.value).empty(), "parsed template fails Validate");
  const std::string dumped = Dump(vitrine::ToJson(*parsed.value));
  const vitrine::ParsedTemplate again = vitrine::ParseTemplate(dumped);
  FUZZ_CHECK(again.value && *again.value == *parsed.value, "template round trip: %s",
             dumped.substr(0, 300).c_str());
  return 0;
}
