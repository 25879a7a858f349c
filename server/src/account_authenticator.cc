#include "server/account_authenticator.h"

#include "server/credentials.h"

namespace vitrine {

AccountAuthenticator::AccountAuthenticator(AccountRepository& accounts, const Clock& clock,
                                           std::chrono::seconds cache_ttl)
    : accounts_(accounts), clock_(clock), cache_ttl_(cache_ttl) {}

void AccountAuthenticator::ForgetCachedCredentials() {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.clear();
}

std::optional<Principal> AccountAuthenticator::Cached(const std::string& credential) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(credential);
  if (it == cache_.end()) return std::nullopt;
  if (clock_.Now() >= it->second.until) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second.principal;
}

void AccountAuthenticator::Remember(const std::string& credential, const Principal& principal) {
  if (cache_ttl_.count() <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  // Bounded: a flood of distinct credentials must not grow the cache without end.
  if (cache_.size() >= 10000) cache_.clear();
  cache_[credential] = {principal, clock_.Now() + cache_ttl_};
}

std::optional<std::string> RequestCookie(const HttpRequest& request, std::string_view name) {
  for (std::string_view header : request.headers.GetAll("Cookie")) {
    while (!header.empty()) {
      const size_t semi = header.find(';');
      std::string_view pair = header.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        return std::string(pair.substr(eq + 1));
      }
      if (semi == std::string_view::npos) break;
      header.remove_prefix(semi + 1);
    }
  }
  return std::nullopt;
}

namespace {

// Why a request that changes something (POST, PUT, PATCH, DELETE) cannot have come from the
// UI's own pages, or nullopt when it may have. A browser attaches the session cookie to a
// form or fetch that another site starts; its Sec-Fetch-Site and Origin headers tell the two
// apart (a SameSite=Strict cookie aside, older browsers and sibling subdomains still need it).
std::optional<std::string> CrossSiteWrite(const HttpRequest& request) {
  const std::string& m = request.method;
  if (m == "GET" || m == "HEAD" || m == "OPTIONS") return std::nullopt;
  if (auto site = request.headers.Get("Sec-Fetch-Site"); site && *site != "same-origin") {
    return "a session may not change anything from a request another site started "
           "(Sec-Fetch-Site: " +
           std::string(*site) + ")";
  }
  if (auto origin = request.headers.Get("Origin")) {
    // "http://host:port" must name the host this request was sent to.
    const size_t scheme = origin->find("://");
    const std::string_view host_of_origin =
        scheme == std::string_view::npos ? std::string_view() : origin->substr(scheme + 3);
    const std::string_view host = request.headers.Get("Host").value_or("");
    if (host.empty() || !EqualsIgnoreCase(host_of_origin, host)) {
      return "a session may not change anything from a page of another origin (Origin: " +
             std::string(*origin) + ")";
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::optional<Principal>> AccountAuthenticator::Authenticate(const HttpRequest& request) {
  if (auto authorization = request.headers.Get("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization->size() <= kBearer.size() ||
        !EqualsIgnoreCase(authorization->substr(0, kBearer.size()), kBearer)) {
      return Status::Unauthenticated("the Authorization header must be \"Bearer <token>\"");
    }
    auto principal = FromToken(authorization->substr(kBearer.size()));
    if (!principal.ok()) return principal.status();
    return std::optional<Principal>(*principal);
  }
  if (auto cookie = RequestCookie(request, kSessionCookie)) {
    // Cross-site request forgery: refused before the session is even looked up.
    if (auto reason = CrossSiteWrite(request)) return Status::PermissionDenied(*reason);
    auto principal = FromSession(*cookie);
    if (!principal.ok()) return principal.status();
    return std::optional<Principal>(*principal);
  }
  // Platforms that can only fetch a URL pass their token in it; elsewhere a URL token would
  // end up in browser histories and proxy logs, so it is not accepted.
  const bool url_token_allowed =
      request.path.starts_with("/feeds/") || request.path.starts_with("/creatives/");
  if (auto token = request.Query("token"); token && url_token_allowed) {
    auto principal = FromToken(*token);
    if (!principal.ok()) return principal.status();
    return std::optional<Principal>(*principal);
  }
  return std::optional<Principal>();
}

Result<Principal> AccountAuthenticator::FromToken(std::string_view secret) {
  const std::string key = "t:" + std::string(secret);
  if (auto principal = Cached(key)) return *principal;
  auto token = accounts_.FindTokenBySecretHash(Sha256Hex(secret));
  if (!token.ok()) return Status::Unavailable("tokens cannot be checked right now");
  if (!token->has_value() || (*token)->revoked_at) {
    return Status::Unauthenticated("the token is unknown or revoked");
  }
  const ApiToken& t = **token;
  // A failed touch only loses a "last used" time: the request itself is fine.
  (void)accounts_.TouchToken(t.id, clock_.Now());
  Principal principal{"token:" + t.id, t.role, std::nullopt};
  if (!t.channel.empty()) principal.channel = t.channel;
  Remember(key, principal);
  return principal;
}

Result<Principal> AccountAuthenticator::FromSession(std::string_view secret) {
  const std::string key = "s:" + std::string(secret);
  if (auto principal = Cached(key)) return *principal;
  auto session = accounts_.FindSession(Sha256Hex(secret), clock_.Now());
  if (!session.ok()) return Status::Unavailable("sessions cannot be checked right now");
  if (!session->has_value()) return Status::Unauthenticated("the session has expired");
  auto user = accounts_.GetUser((*session)->user_id);
  if (!user.ok()) return Status::Unavailable("sessions cannot be checked right now");
  if (!user->has_value() || (*user)->disabled) {
    return Status::Unauthenticated("the session's user is disabled");
  }
  Principal principal{"user:" + (*user)->id, (*user)->role, std::nullopt};
  // Never past the session's own expiry.
  if ((*session)->expires_at > clock_.Now() + cache_ttl_) Remember(key, principal);
  return principal;
}

}  // namespace vitrine
