// The routes of Vitrine's HTTP API v1 (ARCHITECTURE.md §3): catalogue, imports, session,
// tokens and users, audit and stats, and the OpenAPI document.
//
// Handlers speak to the domain only through the repository interfaces given here; the
// wiring (app/) chooses the backends. Every write is audited in the same transaction as
// the write itself. AddApiRoutes must be called before HttpServer::Start.
#pragma once

#include <chrono>
#include <string_view>

#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/repository.h"
#include "common/time.h"
#include "server/credentials.h"
#include "server/http_server.h"

namespace vitrine {

struct ApiServices {
  // All four must be set and outlive the server. Audit entries are appended inside the
  // catalogue's Transaction(), so `audit` and `accounts` should be the same backend as
  // `catalog` for writes and their audit entries to land together.
  CatalogRepository* catalog = nullptr;
  AccountRepository* accounts = nullptr;
  AuditLog* audit = nullptr;
  const Clock* clock = nullptr;
  // How long a web session lasts after login. Default 12 hours: one working day.
  std::chrono::seconds session_lifetime = std::chrono::hours(12);
  // Cost of the password hashes made by POST /api/v1/users.
  ScryptParams password_hashing;
};

// InvalidArgument when a service is missing; AlreadyExists when a route is taken.
Status AddApiRoutes(HttpServer& server, const ApiServices& services);

// The OpenAPI 3.1 document (docs/openapi.json), embedded in the binary at build time.
std::string_view OpenApiDocument();

}  // namespace vitrine
