// Helpers for handlers that read a JSON request body. Pure functions, thread-safe.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "server/http_message.h"

namespace vitrine {

// The body parsed as JSON. InvalidArgument when it is empty or not valid JSON; the message
// gives the parser's byte position: "request body is not valid JSON at byte 17: ...".
// Pass the failure to HttpResponse::FromStatus for the 400 problem.
Result<nlohmann::json> ParseJsonBody(const HttpRequest& request);

// The keys of `object` that are not in `allowed`, in the object's order; empty when
// `object` is not an object.
std::vector<std::string> UnknownFields(const nlohmann::json& object,
                                       std::initializer_list<std::string_view> allowed);

// A 400 problem naming each unknown field in errors[], or nullopt when every field of
// `object` is allowed. A non-object body is a 400 too ("expected a JSON object").
std::optional<HttpResponse> RejectUnknownFields(const nlohmann::json& object,
                                                std::initializer_list<std::string_view> allowed);

}  // namespace vitrine
