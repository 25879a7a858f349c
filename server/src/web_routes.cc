// The web UI's static files (server/web.h). The directory is listed once at start; requests
// look their path up in that list, so a request path never reaches the file system.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "api_support.h"
#include "common/text.h"
#include "server/credentials.h"
#include "server/web.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;

struct WebFile {
  std::string path;       // on disk
  std::string gzip_path;  // the .gz twin; empty when there is none
  std::string content_type;
  std::string etag;  // index.html only
};

std::string ContentTypeOf(const fs::path& file) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".woff2", "font/woff2"},
  };
  auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

class WebFiles {
 public:
  explicit WebFiles(std::string dir) : dir_(std::move(dir)) {}

  Status Load() {
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) return Status::Ok();  // GET / explains
    const fs::path index = fs::path(dir_) / "index.html";
    if (fs::is_regular_file(index, ec)) {
      std::ifstream in(index, std::ios::binary);
      std::stringstream content;
      content << in.rdbuf();
      if (!in) return Status::Internal("cannot read " + index.string());
      index_ = Describe(index);
      index_->etag = "\"" + Sha256Hex(content.str()).substr(0, 32) + "\"";
    }
    const fs::path assets = fs::path(dir_) / "assets";
    if (!fs::is_directory(assets, ec)) return Status::Ok();
    for (auto it = fs::recursive_directory_iterator(assets, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file() || it->path().extension() == ".gz") continue;
      assets_[fs::relative(it->path(), assets).generic_string()] = Describe(it->path());
    }
    if (ec) return Status::Internal("cannot list " + assets.string() + ": " + ec.message());
    return Status::Ok();
  }

  HttpResponse Index(const HttpRequest& request) const {
    if (!index_) {
      return Secured(HttpResponse::Problem(
          503, "Service Unavailable",
          "The web UI is not built in " + dir_ +
              ": run scripts/install-deps, then build the `web` target (or start "
              "`vitrine serve --web DIR` with a built UI)."));
    }
    HttpResponse response;
    if (api::NoneMatchHits(request, index_->etag)) {
      response = HttpResponse::Text(304, "");
    } else {
      response = Send(request, *index_);
    }
    response.headers.Set("ETag", index_->etag);
    // Always revalidated, so a new build's asset names reach the browser at once.
    response.headers.Set("Cache-Control", "no-cache");
    return Secured(std::move(response));
  }

  HttpResponse Asset(const HttpRequest& request) const {
    std::string key = std::string(request.PathParam("version")) + "/";
    if (!request.PathParam("dir").empty()) key += std::string(request.PathParam("dir")) + "/";
    key += request.PathParam("file");
    auto it = assets_.find(key);
    if (it == assets_.end()) {
      return Secured(HttpResponse::Problem(404, "Not Found", "No asset " + request.path + "."));
    }
    HttpResponse response = Send(request, it->second);
    // The version in the path is a digest of every asset: a changed file has a new URL.
    response.headers.Set("Cache-Control", "public, max-age=31536000, immutable");
    return Secured(std::move(response));
  }

 private:
  static WebFile Describe(const fs::path& file) {
    WebFile f{file.string(), "", ContentTypeOf(file), ""};
    std::error_code ec;
    if (fs::is_regular_file(file.string() + ".gz", ec)) f.gzip_path = file.string() + ".gz";
    return f;
  }

  static HttpResponse Send(const HttpRequest& request, const WebFile& file) {
    const bool gzip = !file.gzip_path.empty() && api::AcceptsGzip(request);
    HttpResponse response =
        HttpResponse::File(gzip ? file.gzip_path : file.path, file.content_type);
    if (gzip) response.headers.Set("Content-Encoding", "gzip");
    if (!file.gzip_path.empty()) response.headers.Set("Vary", "Accept-Encoding");
    return response;
  }

  static HttpResponse Secured(HttpResponse response) {
    response.headers.Set("Content-Security-Policy", std::string(kWebContentSecurityPolicy));
    response.headers.Set("X-Content-Type-Options", "nosniff");
    response.headers.Set("Referrer-Policy", "same-origin");
    return response;
  }

  std::string dir_;
  std::optional<WebFile> index_;
  std::map<std::string, WebFile> assets_;  // keyed by the path under assets/
};

}  // namespace

Status AddWebRoutes(HttpServer& server, const WebOptions& options) {
  auto files = std::make_shared<WebFiles>(options.dir);
  if (Status st = files->Load(); !st.ok()) return st;
  auto index = [files](const HttpRequest& r) { return files->Index(r); };
  auto asset = [files](const HttpRequest& r) { return files->Asset(r); };
  for (Route route : {
           Route{"GET", "/", Role::kPublic, false, {}, "web index", index},
           Route{"GET", "/assets/{version}/{file}", Role::kPublic, false, {}, "web asset", asset},
           Route{"GET",
                 "/assets/{version}/{dir}/{file}",
                 Role::kPublic,
                 false,
                 {},
                 "web asset",
                 asset},
       }) {
    if (Status st = server.AddRoute(std::move(route)); !st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace vitrine
