// The web UI's static files (web/, built by web/build.mjs into a directory): GET / answers
// index.html (no-cache, ETag, 304 on If-None-Match) and GET /assets/{version}/... the
// content-hashed assets (cached for a year, immutable). Both send the precompressed .gz twin
// to clients accepting gzip, and every answer carries the UI's strict Content-Security-Policy
// and X-Content-Type-Options: nosniff.
//
// The directory is read once, by AddWebRoutes: only the files found then are served (no path
// from a request ever reaches the file system). When it holds no index.html, GET / answers a
// 503 problem saying how to build the UI. Public routes: the UI signs in through the API.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "server/http_server.h"

namespace vitrine {

// The policy sent with every file of the UI: scripts, styles and fetches from this origin
// only, no inline script, no framing.
inline constexpr std::string_view kWebContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

struct WebOptions {
  // The built UI: index.html and assets/<version>/... (each with an optional .gz twin).
  std::string dir;
};

// AlreadyExists when a route is taken; Internal when the directory exists but cannot be read.
Status AddWebRoutes(HttpServer& server, const WebOptions& options);

}  // namespace vitrine
