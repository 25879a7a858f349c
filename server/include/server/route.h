// Route and Router: the table that maps a method and a path to a handler.
//
// A pattern is a path whose segments are literals or parameters written `{name}` or
// `:name`; a segment may also mix literals and `{name}` parameters, as in `{format}.{ext}`
// (each parameter then matches at least one character, and a later literal binds to its
// last occurrence). Matching prefers the most specific pattern: at the first segment where
// two patterns differ, a literal beats a mixed segment, which beats a bare parameter. So
// `/offers/changes` wins over `/offers/{id}` for the path `/offers/changes`.
//
// A Router is filled before serving and only read afterwards: Add is not thread-safe,
// Match is safe from any number of threads once adding is over.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/http_message.h"

namespace vitrine {

using RouteHandler = std::function<HttpResponse(const HttpRequest&)>;

struct Route {
  std::string method;   // "GET", "POST", "PUT", "PATCH", "DELETE"...
  std::string pattern;  // "/api/v1/products/{id}"
  // The least role that may call the route; kPublic needs no credentials. kPlatform is not
  // accepted here: open a route to platforms with `platform_allowed`.
  Role required_role = Role::kPublic;
  bool platform_allowed = false;  // platform principals may call it too
  // Media types the body may have ("application/json", "text/csv"); empty accepts any.
  // Parameters such as "; charset=utf-8" are ignored when comparing.
  std::vector<std::string> accepted_content_types;
  std::string name;  // label in metrics and logs; the pattern when empty
  RouteHandler handler;
  // The query parameters the route reads. A request with any other one gets a 400 problem
  // naming it, so a misspelt or unsupported filter is never silently ignored. Declared next
  // to the route's registration; docs/openapi.json lists the same names (a test compares).
  std::vector<std::string> query_params = {};
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Adds a route. InvalidArgument for a malformed pattern or method, a missing handler or
  // required_role kPlatform; AlreadyExists when the method and pattern are taken.
  Status Add(Route route);

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed };
    Kind kind = Kind::kNotFound;
    const Route* route = nullptr;                    // when kFound
    std::map<std::string, std::string> path_params;  // when kFound, percent-decoded
    std::vector<std::string> allowed_methods;        // when kMethodNotAllowed, sorted
    std::string pattern;                             // the best matching pattern unless kNotFound
  };
  // `path` is the raw (still percent-encoded) path, without the query.
  Match Find(std::string_view method, std::string_view raw_path) const;

  // Every route, in the order added.
  std::vector<const Route*> routes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes %XX escapes; with `plus_is_space`, '+' becomes ' ' (query strings). Malformed
// escapes are kept as they are.
std::string PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace vitrine
