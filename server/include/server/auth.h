// Authentication and authorization hooks of the HTTP facade.
//
// An Authenticator turns the credentials of a request (a Bearer token, the web UI's
// session cookie, or `?token=` on feed URLs) into a Principal; the facade then checks the
// route's role with RoleAllows. Implementations must be safe to call from every server
// thread at once.
#pragma once

#include <optional>

#include "common/status.h"
#include "server/http_message.h"
#include "server/route.h"

namespace vitrine {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // nullopt when the request carries no credentials at all; Unauthenticated when it
  // carries credentials that are not valid (unknown, expired or revoked); Unavailable when
  // they cannot be checked right now. `request.principal` is not set yet.
  virtual Result<std::optional<Principal>> Authenticate(const HttpRequest& request) = 0;
};

// Whether `principal` may call `route` (role ladder and platform rule of Role).
bool RoleAllows(const Route& route, const std::optional<Principal>& principal);

}  // namespace vitrine
