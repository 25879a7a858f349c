// HttpRequest and HttpResponse: the plain structs that route handlers receive and return.
//
// Handlers never see Pistache: the facade (http_server.h) copies each request into an
// HttpRequest and turns the returned HttpResponse into bytes on the wire. Errors follow
// RFC 9457 (application/problem+json); HttpResponse::Problem builds one, and the facade
// fills in `instance` with the request id when it sends it. All types are values: a value
// is safe to read from several threads, not to mutate concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/accounts.h"  // Role
#include "common/status.h"

namespace vitrine {

// The authenticated caller of a request.
struct Principal {
  std::string subject;  // user name or token id, for logs and the audit trail
  Role role = Role::kViewer;
  std::optional<std::string> channel;  // the platform's channel ("google", "meta"...)

  friend bool operator==(const Principal&, const Principal&) = default;
};

// HTTP header fields: names compare case-insensitively, order and repeats are kept.
class HeaderMap {
 public:
  using Field = std::pair<std::string, std::string>;

  // Appends a field, keeping any existing one of the same name.
  void Add(std::string name, std::string value);
  // Replaces every field of that name with one.
  void Set(std::string name, std::string value);
  // Removes every field of that name; returns how many there were.
  size_t Remove(std::string_view name);
  // The first field of that name.
  std::optional<std::string_view> Get(std::string_view name) const;
  std::vector<std::string_view> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }

  const std::vector<Field>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<Field> fields_;
};

// True when a and b are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;  // upper case as sent: "GET", "POST"...
  std::string path;    // percent-decoded path, without the query: "/api/v1/products/42"
  std::string route;   // the pattern of the route that matched: "/api/v1/products/{id}"
  std::map<std::string, std::string> path_params;  // {"id": "42"}, percent-decoded
  // Query parameters, percent-decoded ('+' is a space), repeats kept in order.
  std::multimap<std::string, std::string> query;
  HeaderMap headers;
  std::string body;
  std::string remote_address;          // the peer's IP address
  std::string request_id;              // echoed in X-Request-Id and problem `instance`
  std::optional<Principal> principal;  // set when the request carried valid credentials

  // The first value of a query parameter.
  std::optional<std::string_view> Query(std::string_view name) const;
  // A path parameter; empty when the route has none of that name.
  std::string_view PathParam(std::string_view name) const;
};

// One entry of a problem's errors[]: what is wrong with one field of the input.
struct FieldProblem {
  std::string field;            // "gtin", "body", "items[3].price"
  std::optional<int64_t> line;  // the input line, for CSV/NDJSON imports
  std::string message;          // a sentence for a person

  friend bool operator==(const FieldProblem&, const FieldProblem&) = default;
};

struct HttpResponse {
  int status = 200;
  HeaderMap headers;  // Content-Type and Content-Length are set from the fields below
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // When set, the body is this file, read into shared memory (and cached while it is
  // unchanged) when the response is sent; `body` is ignored. The file must exist then,
  // else the client gets a 404 problem.
  std::optional<std::string> file_path;
  // When set, this is a problem response: the facade adds `instance` (the request id)
  // and sends it as application/problem+json; `body` is ignored.
  std::optional<nlohmann::json> problem;

  // 200-style JSON response.
  static HttpResponse Json(int status, const nlohmann::json& value);
  static HttpResponse Text(int status, std::string text,
                           std::string content_type = "text/plain; charset=utf-8");
  // A file sent as the body: feeds and creatives.
  static HttpResponse File(std::string path, std::string content_type);
  // application/problem+json with `type` "about:blank", `title`, `status`, `detail` and,
  // when `errors` is not empty, `errors[]` of {field, line?, message}.
  static HttpResponse Problem(int status, std::string title, std::string detail,
                              std::vector<FieldProblem> errors = {});
  // Maps a Status to its problem: InvalidArgument 400, Unauthenticated 401,
  // PermissionDenied 403, NotFound 404, AlreadyExists and FailedPrecondition 409,
  // ResourceExhausted 429, Unavailable 503, the rest 500. For a 500 the detail is generic:
  // the message may hold internals, so the caller logs it instead.
  static HttpResponse FromStatus(const Status& status, std::vector<FieldProblem> errors = {});
};

// The reason phrase of a status code: 404 → "Not Found"; "Unknown" for unlisted codes.
std::string_view StatusReason(int status);

}  // namespace vitrine
