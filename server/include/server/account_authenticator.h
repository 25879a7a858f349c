// AccountAuthenticator: the Authenticator backed by Vitrine's accounts.
//
// A request is authenticated by, in order: `Authorization: Bearer <token>` (an API token),
// the web UI's `vitrine_session` cookie, or — on feed and creative URLs only, because many
// platforms can only fetch a URL — a `token` query parameter. Revoked tokens, expired
// sessions and disabled users are refused (Unauthenticated). Thread-safe.
#pragma once

#include "catalog/accounts.h"
#include "common/time.h"
#include "server/auth.h"

namespace vitrine {

inline constexpr std::string_view kSessionCookie = "vitrine_session";

class AccountAuthenticator final : public Authenticator {
 public:
  // `accounts` and `clock` must outlive the authenticator.
  AccountAuthenticator(AccountRepository& accounts, const Clock& clock);

  Result<std::optional<Principal>> Authenticate(const HttpRequest& request) override;

 private:
  Result<Principal> FromToken(std::string_view secret);
  Result<Principal> FromSession(std::string_view secret);

  AccountRepository& accounts_;
  const Clock& clock_;
};

// The value of cookie `name` in the request's Cookie headers, if any.
std::optional<std::string> RequestCookie(const HttpRequest& request, std::string_view name);

}  // namespace vitrine
