#include "server/http_message.h"

#include <algorithm>
#include <cctype>

namespace vitrine {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void HeaderMap::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void HeaderMap::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

size_t HeaderMap::Remove(std::string_view name) {
  return std::erase_if(fields_, [&](const Field& f) { return EqualsIgnoreCase(f.first, name); });
}

std::optional<std::string_view> HeaderMap::Get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> HeaderMap::GetAll(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [n, v] : fields_) {
    if (EqualsIgnoreCase(n, name)) values.emplace_back(v);
  }
  return values;
}

std::optional<std::string_view> HttpRequest::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::string_view HttpRequest::PathParam(std::string_view name) const {
  auto it = path_params.find(std::string(name));
  return it == path_params.end() ? std::string_view() : std::string_view(it->second);
}

HttpResponse HttpResponse::Json(int status, const nlohmann::json& value) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  // Replace invalid UTF-8 instead of throwing: a handler echoing odd input must not 500.
  r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse HttpResponse::Text(int status, std::string text, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(text);
  return r;
}

HttpResponse HttpResponse::File(std::string path, std::string content_type) {
  HttpResponse r;
  r.status = 200;
  r.content_type = std::move(content_type);
  r.file_path = std::move(path);
  return r;
}

HttpResponse HttpResponse::Problem(int status, std::string title, std::string detail,
                                   std::vector<FieldProblem> errors) {
  nlohmann::json p = {{"type", "about:blank"},
                      {"title", std::move(title)},
                      {"status", status},
                      {"detail", std::move(detail)}};
  if (!errors.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (auto& e : errors) {
      nlohmann::json item = {{"field", std::move(e.field)}};
      if (e.line) item["line"] = *e.line;
      item["message"] = std::move(e.message);
      list.push_back(std::move(item));
    }
    p["errors"] = std::move(list);
  }
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.problem = std::move(p);
  return r;
}

HttpResponse HttpResponse::FromStatus(const Status& status, std::vector<FieldProblem> errors) {
  int code = 500;
  switch (status.code()) {
    case StatusCode::kOk:
      code = 200;
      break;
    case StatusCode::kInvalidArgument:
      code = 400;
      break;
    case StatusCode::kUnauthenticated:
      code = 401;
      break;
    case StatusCode::kPermissionDenied:
      code = 403;
      break;
    case StatusCode::kNotFound:
      code = 404;
      break;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      code = 409;
      break;
    case StatusCode::kResourceExhausted:
      code = 429;
      break;
    case StatusCode::kUnavailable:
      code = 503;
      break;
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      code = 500;
      break;
  }
  std::string detail =
      code == 500 ? "The server failed to handle the request; see the log under its request id."
                  : status.message();
  return Problem(code, std::string(StatusReason(code)), std::move(detail), std::move(errors));
}

std::string_view StatusReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

}  // namespace vitrine
