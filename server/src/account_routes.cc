// Session, identity, API token and user routes.

#include "api_routes.h"
#include "api_support.h"
#include "server/account_admin.h"
#include "server/account_authenticator.h"
#include "server/json_body.h"

namespace vitrine::api {
namespace {

// A hash of a random password, checked when the login names no user, so that an unknown
// user costs as much time as a wrong password and logins do not reveal who has an account.
const std::string& DecoyHash() {
  static const std::string hash = *HashPassword(RandomHex(16));
  return hash;
}

std::optional<HttpResponse> ReadObject(const HttpRequest& request,
                                       std::initializer_list<std::string_view> allowed,
                                       nlohmann::json* out) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) {
    return HttpResponse::FromStatus(body.status(),
                                    {{"body", std::nullopt, body.status().message()}});
  }
  if (auto rejected = RejectUnknownFields(*body, allowed)) return rejected;
  *out = std::move(body).value();
  return std::nullopt;
}

std::optional<std::string> StringField(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

class AccountRoutes {
 public:
  explicit AccountRoutes(const ApiServices& services) : s_(services) {}

  HttpResponse Login(const HttpRequest& request) const {
    nlohmann::json body;
    if (auto problem = ReadObject(request, {"user", "password"}, &body)) return *problem;
    const auto user_id = StringField(body, "user");
    const auto password = StringField(body, "password");
    if (!user_id || !password) {
      return HttpResponse::Problem(
          400, "Invalid body", "user and password are required strings",
          {{"user", std::nullopt, "is required"}, {"password", std::nullopt, "is required"}});
    }
    auto user = IsValidLogin(*user_id) ? s_.accounts->GetUser(*user_id)
                                       : Result<std::optional<User>>(std::optional<User>());
    if (!user.ok()) return StoreFailure(user.status());
    const bool known = user->has_value() && !(*user)->disabled;
    const bool verified = VerifyPassword(*password, known ? (*user)->password_hash : DecoyHash());
    if (!known || !verified) {
      HttpResponse response = HttpResponse::Problem(401, "Unauthorized", "wrong user or password");
      response.headers.Set("WWW-Authenticate", "Bearer");
      return response;
    }
    const std::string secret = NewSecret("");
    const Instant now = s_.clock->Now();
    Session session{Sha256Hex(secret), (*user)->id, now, now + s_.session_lifetime};
    if (Status st = s_.accounts->CreateSession(session); !st.ok()) return StoreFailure(st);
    HttpResponse response = HttpResponse::Json(
        200, {{"user", ToJson(**user)}, {"expires_at", FormatUtc(session.expires_at)}});
    response.headers.Add("Set-Cookie", SessionCookie(request, secret, s_.session_lifetime));
    return response;
  }

  HttpResponse Logout(const HttpRequest& request) const {
    if (auto cookie = RequestCookie(request, kSessionCookie)) {
      if (Status st = s_.accounts->DeleteSession(Sha256Hex(*cookie)); !st.ok()) {
        return StoreFailure(st);
      }
    }
    if (s_.credentials_changed) s_.credentials_changed();
    HttpResponse response;
    response.status = 204;
    response.headers.Add("Set-Cookie", SessionCookie(request, "", std::chrono::seconds(0)));
    return response;
  }

  HttpResponse Me(const HttpRequest& request) const {
    const Principal& p = *request.principal;
    const bool is_token = p.subject.starts_with("token:");
    nlohmann::json me = {{"subject", p.subject},
                         {"kind", is_token ? "token" : "user"},
                         {"role", RoleName(p.role)},
                         {"channel", p.channel ? nlohmann::json(*p.channel) : nlohmann::json()}};
    return HttpResponse::Json(200, me);
  }

  HttpResponse ListTokens(const HttpRequest&) const {
    auto tokens = s_.accounts->ListTokens();
    if (!tokens.ok()) return StoreFailure(tokens.status());
    nlohmann::json items = nlohmann::json::array();
    for (const ApiToken& t : *tokens) items.push_back(ToJson(t));
    return HttpResponse::Json(200, {{"items", std::move(items)}, {"next_cursor", nullptr}});
  }

  HttpResponse CreateToken(const HttpRequest& request) const {
    nlohmann::json body;
    if (auto problem = ReadObject(request, {"name", "role", "channel"}, &body)) return *problem;
    TokenRequest token_request;
    token_request.name = StringField(body, "name").value_or("");
    Result<Role> role = ParseRole(StringField(body, "role").value_or(""));
    if (!role.ok())
      return BadParameter("role", "must be viewer, editor, approver, admin or platform");
    token_request.role = *role;
    token_request.channel = StringField(body, "channel").value_or("");
    if (auto errors = Validate(token_request); !errors.empty()) return Invalid("token", errors);
    auto issued = IssueApiToken(Writer(request), token_request);
    if (!issued.ok()) return StoreFailure(issued.status());
    nlohmann::json created = ToJson(issued->token);
    created["token"] = issued->secret;  // shown once: only its hash is kept
    return HttpResponse::Json(201, created);
  }

  HttpResponse RevokeToken(const HttpRequest& request) const {
    const std::string id(request.PathParam("id"));
    if (id.size() > 60) return BadParameter("id", "is not a token id");
    auto revoked = RevokeApiToken(Writer(request), id);
    if (!revoked.ok()) return StoreFailure(revoked.status());
    if (s_.credentials_changed) s_.credentials_changed();
    if (!*revoked) return HttpResponse::Problem(404, "Not found", "no active token \"" + id + "\"");
    HttpResponse response;
    response.status = 204;
    return response;
  }

  HttpResponse ListUsers(const HttpRequest&) const {
    auto users = s_.accounts->ListUsers();
    if (!users.ok()) return StoreFailure(users.status());
    nlohmann::json items = nlohmann::json::array();
    for (const User& u : *users) items.push_back(ToJson(u));
    return HttpResponse::Json(200, {{"items", std::move(items)}, {"next_cursor", nullptr}});
  }

  HttpResponse CreateUser(const HttpRequest& request) const {
    nlohmann::json body;
    if (auto problem = ReadObject(request, {"id", "display_name", "role", "password"}, &body)) {
      return *problem;
    }
    UserRequest user_request;
    user_request.id = StringField(body, "id").value_or("");
    user_request.display_name = StringField(body, "display_name").value_or("");
    user_request.password = StringField(body, "password").value_or("");
    Result<Role> role = ParseRole(StringField(body, "role").value_or(""));
    if (!role.ok()) return BadParameter("role", "must be viewer, editor, approver or admin");
    user_request.role = *role;
    if (auto errors = Validate(user_request); !errors.empty()) return Invalid("user", errors);
    auto user = CreateUserAccount(Writer(request), user_request, s_.password_hashing);
    if (!user.ok()) {
      if (user.status().code() == StatusCode::kAlreadyExists) {
        return HttpResponse::Problem(409, "Conflict", user.status().message());
      }
      return StoreFailure(user.status());
    }
    return HttpResponse::Json(201, ToJson(*user));
  }

 private:
  AccountWriter Writer(const HttpRequest& request) const {
    return {*s_.catalog, *s_.accounts, *s_.audit, *s_.clock, Actor(request), request.request_id};
  }

  static HttpResponse Invalid(const std::string& what, const std::vector<FieldError>& errors) {
    std::vector<FieldProblem> problems;
    for (const FieldError& e : errors) problems.push_back({e.field, std::nullopt, e.message});
    // Built before the call: argument evaluation order is unspecified, and the by-value
    // `errors` parameter may be move-constructed from `problems` first, emptying it.
    std::string detail = problems.front().field + " " + problems.front().message;
    return HttpResponse::Problem(400, "Invalid " + what, std::move(detail), std::move(problems));
  }

  // Secure when the client reached us over TLS (the reverse proxy says so): the hub itself
  // speaks plain HTTP behind it, and a Secure cookie would be dropped on http://localhost.
  static std::string SessionCookie(const HttpRequest& request, const std::string& value,
                                   std::chrono::seconds max_age) {
    std::string cookie =
        std::string(kSessionCookie) + "=" + value +
        "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age.count());
    if (auto proto = request.headers.Get("X-Forwarded-Proto"); proto && *proto == "https") {
      cookie += "; Secure";
    }
    return cookie;
  }

  const ApiServices& s_;
};

}  // namespace

Status AddAccountRoutes(HttpServer& server, const ApiServices& services) {
  auto routes = std::make_shared<AccountRoutes>(services);
  auto bind = [routes](auto method) { return Handler(routes, method); };
  const std::vector<std::string> json_body = {"application/json"};
  std::vector<Route> table = {
      {"POST", "/api/v1/session", Role::kPublic, false, json_body, "", bind(&AccountRoutes::Login)},
      {"DELETE", "/api/v1/session", Role::kViewer, false, {}, "", bind(&AccountRoutes::Logout)},
      {"GET", "/api/v1/me", Role::kViewer, true, {}, "", bind(&AccountRoutes::Me)},
      {"GET", "/api/v1/tokens", Role::kAdmin, false, {}, "", bind(&AccountRoutes::ListTokens)},
      {"POST", "/api/v1/tokens", Role::kAdmin, false, json_body, "",
       bind(&AccountRoutes::CreateToken)},
      {"DELETE",
       "/api/v1/tokens/{id}",
       Role::kAdmin,
       false,
       {},
       "",
       bind(&AccountRoutes::RevokeToken)},
      {"GET", "/api/v1/users", Role::kAdmin, false, {}, "", bind(&AccountRoutes::ListUsers)},
      {"POST", "/api/v1/users", Role::kAdmin, false, json_body, "",
       bind(&AccountRoutes::CreateUser)},
  };
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api
