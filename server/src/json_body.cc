#include "server/json_body.h"

#include <algorithm>

namespace vitrine {

Result<nlohmann::json> ParseJsonBody(const HttpRequest& request) {
  if (request.body.empty()) {
    return Status::InvalidArgument("request body is empty; expected JSON");
  }
  try {
    return nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based: the byte at which the parser gave up.
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix: it means nothing to users.
    if (auto cut = what.find("] "); cut != std::string::npos) what = what.substr(cut + 2);
    return Status::InvalidArgument("request body is not valid JSON at byte " +
                                   std::to_string(e.byte) + ": " + what);
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond a double: "number overflow parsing '1e309'".
    std::string what = e.what();
    if (auto cut = what.find("] "); cut != std::string::npos) what = what.substr(cut + 2);
    return Status::InvalidArgument("request body is not valid JSON: " + what);
  }
}

std::vector<std::string> UnknownFields(const nlohmann::json& object,
                                       std::initializer_list<std::string_view> allowed) {
  std::vector<std::string> unknown;
  if (!object.is_object()) return unknown;
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) unknown.push_back(key);
  }
  return unknown;
}

std::optional<HttpResponse> RejectUnknownFields(const nlohmann::json& object,
                                                std::initializer_list<std::string_view> allowed) {
  if (!object.is_object()) {
    return HttpResponse::Problem(400, "Bad Request",
                                 std::string("expected a JSON object, got ") + object.type_name(),
                                 {{"body", std::nullopt, "expected a JSON object"}});
  }
  std::vector<std::string> unknown = UnknownFields(object, allowed);
  if (unknown.empty()) return std::nullopt;
  std::string detail = "unknown field";
  detail += unknown.size() > 1 ? "s: " : ": ";
  std::vector<FieldProblem> errors;
  for (size_t i = 0; i < unknown.size(); ++i) {
    if (i > 0) detail += ", ";
    detail += unknown[i];
    errors.push_back({unknown[i], std::nullopt, "unknown field"});
  }
  return HttpResponse::Problem(400, "Bad Request", std::move(detail), std::move(errors));
}

}  // namespace vitrine
