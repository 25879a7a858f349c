// The request pipeline behind the HTTP adapter: request-target splitting, percent-decoding
// of the path and query string, routing (literal, parameter and mixed segments), unknown
// query parameters, content types, JSON bodies (ParseJsonBody, RejectUnknownFields) and the
// paging parameters (limit, cursor) of the API, all through Dispatcher::Dispatch.
// The wire framing itself (request line and header parsing) lives inside the Pistache
// adapter, server/src/http_server.cc, and is not reachable from here.
// Input: method on the first line, request-target on the second, then "Name: value" header
// lines up to an empty line, then the body.
// Oracle: Dispatch never throws and never answers 5xx (no handler here fails); a problem is
// JSON with type, title and the response's status; a success echoes what the handler read.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_support.h"
#include "dispatcher.h"
#include "fuzz_check.h"
#include "server/json_body.h"
#include "server/metrics.h"
#include "server/route.h"

namespace {

using vitrine::HttpRequest;
using vitrine::HttpResponse;

HttpResponse ListItems(const HttpRequest& request) {
  std::optional<HttpResponse> problem;
  const auto limit = vitrine::api::ParseLimit(request, &problem);
  if (problem) return *problem;
  const std::string after = vitrine::api::CursorKey(request, "item", &problem);
  if (problem) return *problem;
  nlohmann::json items = nlohmann::json::array();
  for (int i = 0; i < std::min(*limit, 3); ++i)
    items.push_back({{"id", after + std::to_string(i)}});
  const std::string q(request.Query("q").value_or(""));
  return HttpResponse::Json(
      200, vitrine::api::PageJson(std::move(items), "item", q.empty() ? "" : after + q));
}

HttpResponse PutItem(const HttpRequest& request) {
  auto body = vitrine::ParseJsonBody(request);
  if (!body.ok()) return HttpResponse::FromStatus(body.status());
  if (auto problem = vitrine::RejectUnknownFields(*body, {"title", "price", "tags"})) {
    return *problem;
  }
  return HttpResponse::Json(200, {{"id", request.PathParam("id")}, {"item", *body}});
}

HttpResponse GetCreative(const HttpRequest& request) {
  return HttpResponse::Json(200, {{"id", request.PathParam("id")},
                                  {"format", request.PathParam("format")},
                                  {"ext", request.PathParam("ext")}});
}

vitrine::Dispatcher& TheDispatcher() {
  static vitrine::Metrics* metrics = new vitrine::Metrics();
  static vitrine::Dispatcher* dispatcher = [] {
    vitrine::Router router;
    auto add = [&](std::string method, std::string pattern, vitrine::RouteHandler handler,
                   std::vector<std::string> query_params = {},
                   std::vector<std::string> content_types = {}) {
      vitrine::Route route;
      route.method = std::move(method);
      route.pattern = std::move(pattern);
      route.handler = std::move(handler);
      route.query_params = std::move(query_params);
      route.accepted_content_types = std::move(content_types);
      const vitrine::Status added = router.Add(std::move(route));
      FUZZ_CHECK(added.ok(), "%s", added.ToString().c_str());
    };
    add("GET", "/api/v1/items", ListItems, {"limit", "cursor", "q"});
    add("PUT", "/api/v1/items/{id}", PutItem, {}, {"application/json"});
    add("GET", "/api/v1/items/{id}/{format}.{ext}", GetCreative);
    add("GET", "/api/v1/items/changes", GetCreative);
    vitrine::ServerOptions options;
    options.log_sink = [](std::string_view) {};
    return new vitrine::Dispatcher(options, std::move(router), {}, *metrics);
  }();
  return *dispatcher;
}

std::string_view NextLine(std::string_view& text) {
  const size_t eol = text.find('\n');
  std::string_view line = text.substr(0, eol);
  text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vitrine::IncomingRequest in;
  in.method = std::string(NextLine(text));
  in.target = std::string(NextLine(text));
  while (!text.empty()) {
    const std::string_view line = NextLine(text);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    in.headers.Add(std::string(line.substr(0, colon)), std::string(value));
  }
  in.body = std::string(text);
  in.remote_address = "127.0.0.1";

  vitrine::Exchange ex;
  try {
    ex = TheDispatcher().Dispatch(std::move(in), std::chrono::steady_clock::now());
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, "Dispatch threw: %s", e.what());
  }
  const HttpResponse& r = ex.response;
  FUZZ_CHECK(r.status >= 200 && r.status < 500, "status %d: %s", r.status, r.body.c_str());
  FUZZ_CHECK(!ex.request_id.empty(), "no request id");
  if (r.content_type == "application/problem+json") {
    const auto problem = nlohmann::json::parse(r.body, nullptr, false);
    FUZZ_CHECK(problem.is_object(), "problem is not a JSON object: %s", r.body.c_str());
    FUZZ_CHECK(problem.contains("type") && problem.contains("title") &&
                   problem.value("status", 0) == r.status,
               "problem without type, title or its status: %s", r.body.c_str());
  } else if (r.status == 200) {
    FUZZ_CHECK(!nlohmann::json::parse(r.body, nullptr, false).is_discarded(),
               "200 body is not JSON: %s", r.body.c_str());
  }
  return 0;
}
