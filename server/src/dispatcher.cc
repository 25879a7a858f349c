#include "dispatcher.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <exception>
#include <iostream>
#include <random>
#include <thread>
#include <vector>

#include "common/text.h"

namespace vitrine {
namespace {

constexpr std::string_view kUnmatched = "unmatched";

std::string NowRfc3339Millis() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

bool IsRequestIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

// Splits "path?query" and drops an absolute-form "http://host" prefix.
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  if (size_t hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::multimap<std::string, std::string> ParseQuery(std::string_view query) {
  std::multimap<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    out.emplace(PercentDecode(key, true), PercentDecode(value, true));
  }
  return out;
}

// "application/json; charset=utf-8" → "application/json".
std::string MediaTypeOf(std::string_view content_type) {
  return ToLowerAscii(TrimAscii(content_type.substr(0, content_type.find(';'))));
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

// A 400 problem naming every query parameter the route does not declare, or nullopt.
std::optional<HttpResponse> UnknownQueryParameters(const HttpRequest& request,
                                                   const vitrine::Route& route) {
  std::vector<FieldProblem> unknown;
  std::vector<std::string> names;
  for (auto it = request.query.begin(); it != request.query.end();
       it = request.query.upper_bound(it->first)) {
    const std::vector<std::string>& known = route.query_params;
    if (std::find(known.begin(), known.end(), it->first) != known.end()) continue;
    names.push_back("\"" + it->first + "\"");
    unknown.push_back({it->first, std::nullopt, "is not a query parameter of this route"});
  }
  if (unknown.empty()) return std::nullopt;
  const std::string accepted =
      route.query_params.empty() ? "it takes none" : "it takes " + Join(route.query_params, ", ");
  return HttpResponse::Problem(400, "Unknown query parameter",
                               route.method + " " + route.pattern + " has no query parameter " +
                                   Join(names, ", ") + "; " + accepted + ".",
                               std::move(unknown));
}

}  // namespace

std::string RequestIdFor(const HeaderMap& headers) {
  if (auto given = headers.Get("X-Request-Id")) {
    std::string_view id = *given;
    if (!id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), IsRequestIdChar)) {
      return std::string(id);
    }
  }
  thread_local std::mt19937_64 rng(std::random_device{}() ^
                                   std::hash<std::thread::id>{}(std::this_thread::get_id()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = rng();
    for (int i = 0; i < 16; ++i) id[half * 16 + i] = kHex[(bits >> (i * 4)) & 0xF];
  }
  return id;
}

Dispatcher::Dispatcher(const ServerOptions& options, Router router, Hooks hooks, Metrics& metrics)
    : options_(options), router_(std::move(router)), hooks_(std::move(hooks)), metrics_(metrics) {}

Exchange Dispatcher::Dispatch(IncomingRequest in, std::chrono::steady_clock::time_point started) {
  Exchange ex;
  ex.started = started;
  ex.method = in.method;
  ex.head = in.method == "HEAD";
  ex.route_name = std::string(kUnmatched);
  ex.request_id = RequestIdFor(in.headers);

  HttpRequest request;
  request.method = std::move(in.method);
  request.headers = std::move(in.headers);
  request.body = std::move(in.body);
  request.remote_address = std::move(in.remote_address);
  request.request_id = ex.request_id;
  auto [raw_path, raw_query] = SplitTarget(in.target);
  request.path = PercentDecode(raw_path, false);
  request.query = ParseQuery(raw_query);
  ex.path = request.path;

  try {
    if (draining()) {
      ex.response = HttpResponse::Problem(503, "Service Unavailable",
                                          "The server is shutting down; retry on another node.");
      ex.response.headers.Set("Retry-After", "1");
    } else {
      Router::Match match = router_.Find(request.method, raw_path);
      ex.response = Route(request, match, ex);
    }
  } catch (const std::exception& e) {
    // The exception barrier: the message may name files, SQL or internals, so it goes to
    // the log and the client only gets the request id to quote.
    LogError(ex.request_id, std::string("handler threw: ") + e.what());
    ex.response = HttpResponse::FromStatus(Status::Internal(e.what()));
  } catch (...) {
    LogError(ex.request_id, "handler threw a non-standard exception");
    ex.response = HttpResponse::FromStatus(Status::Internal("unknown exception"));
  }
  ex.principal = request.principal;
  Finalize(ex);
  return ex;
}

HttpResponse Dispatcher::Route(HttpRequest& request, const Router::Match& match, Exchange& ex) {
  if (match.kind == Router::Match::Kind::kNotFound) {
    return HttpResponse::Problem(404, "Not Found", "No route serves " + request.path + ".");
  }
  ex.route_name = match.pattern;
  if (match.kind == Router::Match::Kind::kMethodNotAllowed) {
    std::string allow = Join(match.allowed_methods, ", ");
    HttpResponse r = HttpResponse::Problem(
        405, "Method Not Allowed",
        request.method + " is not allowed on " + match.pattern + "; use " + allow + ".");
    r.headers.Set("Allow", allow);
    return r;
  }
  const vitrine::Route& route = *match.route;
  ex.route_name = route.name;
  request.route = route.pattern;
  request.path_params = match.path_params;

  // Authenticate whenever credentials may matter, so logs name the caller even on public
  // routes; bad credentials only fail routes that need credentials.
  std::optional<Status> auth_error;
  if (hooks_.authenticator) {
    Result<std::optional<Principal>> who = hooks_.authenticator->Authenticate(request);
    if (who.ok()) {
      request.principal = std::move(*who);
    } else {
      auth_error = who.status();
    }
  }
  if (route.required_role != Role::kPublic) {
    if (auth_error) {
      if (auth_error->code() == StatusCode::kUnauthenticated) {
        HttpResponse r = HttpResponse::Problem(401, "Unauthorized", auth_error->message());
        r.headers.Set("WWW-Authenticate", "Bearer realm=\"vitrine\", error=\"invalid_token\"");
        return r;
      }
      LogError(ex.request_id, "authentication failed: " + auth_error->ToString());
      return HttpResponse::FromStatus(*auth_error);
    }
    if (!request.principal) {
      HttpResponse r = HttpResponse::Problem(
          401, "Unauthorized",
          "This route needs credentials: an Authorization: Bearer token or a session.");
      r.headers.Set("WWW-Authenticate", "Bearer realm=\"vitrine\"");
      return r;
    }
    if (!RoleAllows(route, request.principal)) {
      std::string need = route.platform_allowed
                             ? std::string(RoleName(route.required_role)) + " or platform"
                             : std::string(RoleName(route.required_role));
      return HttpResponse::Problem(403, "Forbidden",
                                   "This route needs the " + need + " role; you have " +
                                       std::string(RoleName(request.principal->role)) + ".");
    }
  }
  if (hooks_.rate_limiter && request.principal) {
    if (auto wait = hooks_.rate_limiter->Acquire(*request.principal)) {
      HttpResponse r = HttpResponse::Problem(
          429, "Too Many Requests",
          "Rate limit reached; retry in " + std::to_string(wait->count()) + " s.");
      r.headers.Set("Retry-After", std::to_string(wait->count()));
      return r;
    }
  }
  if (auto unknown = UnknownQueryParameters(request, route)) return *unknown;
  if (!route.accepted_content_types.empty()) {
    auto content_type = request.headers.Get("Content-Type");
    if (content_type || !request.body.empty()) {
      std::string media = content_type ? MediaTypeOf(*content_type) : std::string();
      bool accepted =
          std::any_of(route.accepted_content_types.begin(), route.accepted_content_types.end(),
                      [&](const std::string& t) { return MediaTypeOf(t) == media; });
      if (!accepted) {
        std::string sent = content_type ? "Content-Type " + std::string(*content_type)
                                        : std::string("a body without Content-Type");
        HttpResponse r = HttpResponse::Problem(415, "Unsupported Media Type",
                                               sent + " is not accepted here; send one of: " +
                                                   Join(route.accepted_content_types, ", ") + ".");
        r.headers.Set("Accept", Join(route.accepted_content_types, ", "));
        return r;
      }
    }
  }
  return route.handler(request);
}

Exchange Dispatcher::Reject(std::string_view method, std::string_view target,
                            const HeaderMap& headers, HttpResponse problem,
                            std::chrono::steady_clock::time_point started) {
  Exchange ex;
  ex.started = started;
  ex.method = std::string(method);
  ex.head = method == "HEAD";
  ex.request_id = RequestIdFor(headers);
  auto [raw_path, raw_query] = SplitTarget(target);
  ex.path = PercentDecode(raw_path, false);
  ex.route_name = std::string(kUnmatched);
  if (!method.empty()) {
    Router::Match match = router_.Find(method, raw_path);
    if (match.kind == Router::Match::Kind::kFound) {
      ex.route_name = match.route->name;
    } else if (match.kind == Router::Match::Kind::kMethodNotAllowed) {
      ex.route_name = match.pattern;
    }
  }
  ex.response = std::move(problem);
  Finalize(ex);
  return ex;
}

void Dispatcher::Finalize(Exchange& ex) {
  HttpResponse& r = ex.response;
  if (r.problem) {
    (*r.problem)["instance"] = ex.request_id;
    r.body = r.problem->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    r.content_type = "application/problem+json";
    r.file_path.reset();
  }
  r.headers.Set("X-Request-Id", ex.request_id);
}

void Dispatcher::Finish(const Exchange& ex, int status, size_t bytes, std::string_view remote) {
  auto elapsed = std::chrono::steady_clock::now() - ex.started;
  metrics_.RecordRequest(ex.route_name, ex.method.empty() ? "UNKNOWN" : ex.method, status,
                         std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
  // Written field by field rather than through a JSON object: one line per request, and
  // building the object cost more than a cached creative's lookups.
  auto text = [](std::string_view s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string line;
  line.reserve(320);
  line += "{\"bytes\":" + std::to_string(bytes);
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f",
                std::chrono::duration<double, std::milli>(elapsed).count());
  line += ",\"duration_ms\":";
  line += duration;
  line += ",\"method\":" + text(ex.method);
  line += ",\"path\":" + text(ex.path);
  line += ",\"principal\":" + (ex.principal ? text(ex.principal->subject) : "null");
  line += ",\"remote\":" + text(remote);
  line += ",\"request_id\":" + text(ex.request_id);
  line += ",\"route\":" + text(ex.route_name);
  line += ",\"status\":" + std::to_string(status);
  line += ",\"ts\":" + text(NowRfc3339Millis());
  line += ",\"type\":\"access\"}";
  WriteLog(line);
}

void Dispatcher::LogError(std::string_view request_id, std::string_view message) {
  nlohmann::json line = {{"ts", NowRfc3339Millis()},
                         {"type", "error"},
                         {"request_id", request_id},
                         {"message", message}};
  WriteLog(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Dispatcher::WriteLog(std::string_view line) {
  if (options_.log_sink) {
    options_.log_sink(line);
    return;
  }
  std::lock_guard<std::mutex> lock(log_mu_);
  std::clog << line << '\n';
}

}  // namespace vitrine
