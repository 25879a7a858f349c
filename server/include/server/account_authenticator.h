// AccountAuthenticator: the Authenticator backed by Vitrine's accounts.
//
// A request is authenticated by, in order: `Authorization: Bearer <token>` (an API token),
// the web UI's `vitrine_session` cookie, or — on feed and creative URLs only, because many
// platforms can only fetch a URL — a `token` query parameter. Revoked tokens, expired
// sessions and disabled users are refused (Unauthenticated). A session's write (POST, PUT,
// PATCH, DELETE) that another site started — Sec-Fetch-Site present and not same-origin, or
// an Origin other than the request's Host — is refused as PermissionDenied (403): the CSRF
// check. Bearer tokens are not affected. Thread-safe.
//
// A credential that checked out is remembered for `cache_ttl` (default 5 s), so a platform
// hammering the API costs no database read per request. ForgetCachedCredentials() drops
// them all at once (the API calls it on revocation and logout); a revocation made by
// another process (the CLI) takes effect within cache_ttl.
#pragma once

#include <mutex>
#include <unordered_map>

#include "catalog/accounts.h"
#include "common/time.h"
#include "server/auth.h"

namespace vitrine {

inline constexpr std::string_view kSessionCookie = "vitrine_session";

class AccountAuthenticator final : public Authenticator {
 public:
  // `accounts` and `clock` must outlive the authenticator.
  AccountAuthenticator(AccountRepository& accounts, const Clock& clock,
                       std::chrono::seconds cache_ttl = std::chrono::seconds(5));

  Result<std::optional<Principal>> Authenticate(const HttpRequest& request) override;
  void ForgetCachedCredentials();

 private:
  Result<Principal> FromToken(std::string_view secret);
  Result<Principal> FromSession(std::string_view secret);
  // A remembered principal for this credential, if still fresh.
  std::optional<Principal> Cached(const std::string& credential);
  void Remember(const std::string& credential, const Principal& principal);

  AccountRepository& accounts_;
  const Clock& clock_;
  const std::chrono::seconds cache_ttl_;

  struct Entry {
    Principal principal;
    Instant until;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // guarded by mu_; keyed by the raw secret
};

// The value of cookie `name` in the request's Cookie headers, if any.
std::optional<std::string> RequestCookie(const HttpRequest& request, std::string_view name);

}  // namespace vitrine
