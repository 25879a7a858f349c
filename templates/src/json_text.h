// Parsing the JSON text of a template or a brand kit. Private to templates/.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "templates/template.h"

namespace vitrine::templates_internal {

// Parses `text` into `doc`. On a syntax error, the error by line ("JSON syntax error on
// line 3: ..."): nlohmann reports a byte offset, and an editor wants the line.
std::optional<TemplateError> ParseJsonText(std::string_view text, nlohmann::json& doc);

}  // namespace vitrine::templates_internal
