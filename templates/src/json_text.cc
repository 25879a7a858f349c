#include "json_text.h"

#include <algorithm>
#include <string>

namespace vitrine::templates_internal {

std::optional<TemplateError> ParseJsonText(std::string_view text, nlohmann::json& doc) {
  doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_discarded()) return std::nullopt;
  // Parsed again with exceptions, for the position of the error.
  try {
    doc = nlohmann::json::parse(text);
    return std::nullopt;
  } catch (const nlohmann::json::parse_error& e) {
    const size_t byte = std::min<size_t>(e.byte, text.size());
    const int64_t line =
        1 + std::count(text.begin(), text.begin() + (byte > 0 ? byte - 1 : 0), '\n');
    const std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..."
    const size_t reason = what.find("syntax error");
    return TemplateError{"", line,
                         "JSON syntax error on line " + std::to_string(line) + ": " +
                             (reason == std::string::npos ? what : what.substr(reason))};
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond a double ("1e309"): nlohmann names the number but not where it is, so
    // the line is that of its first occurrence.
    const std::string what = e.what();
    const size_t open = what.find('\'');
    const size_t close = what.rfind('\'');
    const std::string number =
        open < close ? what.substr(open + 1, close - open - 1) : std::string();
    const size_t at = number.empty() ? std::string_view::npos : text.find(number);
    const int64_t line =
        1 + std::count(text.begin(), text.begin() + (at == std::string_view::npos ? 0 : at), '\n');
    return TemplateError{
        "", line,
        "JSON error on line " + std::to_string(line) + ": number " + number + " is out of range"};
  }
}

}  // namespace vitrine::templates_internal
