// Registration of each group of API routes. Private to server/; see server/api.h.
#pragma once

#include "server/api.h"

namespace vitrine::api {

Status AddCatalogRoutes(HttpServer& server, const ApiServices& services);
Status AddAccountRoutes(HttpServer& server, const ApiServices& services);
Status AddOversightRoutes(HttpServer& server, const ApiServices& services);

}  // namespace vitrine::api
