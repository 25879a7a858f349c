// ApiHarness: the HTTP API of Vitrine over a real socket on 127.0.0.1 and a SQLite file in a
// fresh temporary directory, with a ManualClock, one API token per role and one user per
// staff role, and the campaign and offer routes over a synchronous Assembler; plus a small
// libcurl client. For the API tests only; not thread-safe except
// where a comment says so (each thread uses its own ApiClient).
#pragma once

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../store/temp_dir.h"
#include "feeds/snapshots.h"
#include "offers/assembly.h"
#include "offers/campaign_checks.h"
#include "offers/change_applier.h"
#include "offers/workflow.h"
#include "render/creative_studio.h"
#include "server/account_admin.h"
#include "server/account_authenticator.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/web.h"
#include "store/sqlite_database.h"
#include "templates/builtin.h"

namespace vitrine::testing {

// gzip (RFC 1952) bytes inflated; "" when they are not gzip.
inline std::string Gunzip(const std::string& bytes) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return "";
  std::string out;
  char buffer[16384];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  int result = Z_OK;
  while (result == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    result = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  inflateEnd(&z);
  return result == Z_STREAM_END ? out : "";
}

// What the server answered.
struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header of that name; "" when absent.
  std::string Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (EqualsIgnoreCase(n, name)) return v;
    }
    return "";
  }
  std::vector<std::string> Headers(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : headers) {
      if (EqualsIgnoreCase(n, name)) out.push_back(v);
    }
    return out;
  }
  // The body as JSON; a discarded value when it is not JSON.
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One libcurl easy handle; use one ApiClient per thread.
class ApiClient {
 public:
  ApiClient() : curl_(curl_easy_init()) {
    if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
  }
  ~ApiClient() { curl_easy_cleanup(curl_); }
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // `path` is sent as is (no dot-segment squashing), so "/a/../b" reaches the server.
  Reply Fetch(int port, const std::string& method, const std::string& path,
              const std::vector<std::string>& headers = {},
              const std::optional<std::string>& body = std::nullopt, long timeout_seconds = 60) {
    curl_easy_reset(curl_);
    Reply reply;
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl_, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, timeout_seconds);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &ApiClient::CollectBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &ApiClient::CollectHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply.headers);
    if (method == "HEAD") {
      curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);  // else curl waits for a body
    } else if (method != "GET") {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    if (body) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    curl_slist* list = curl_slist_append(nullptr, "Expect:");  // no 100-continue round trip
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    reply.code = curl_easy_perform(curl_);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_slist_free_all(list);
    return reply;
  }

 private:
  static size_t CollectBody(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  }
  static size_t CollectHeader(char* data, size_t size, size_t n, void* out) {
    std::string_view line(data, size * n);
    auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(out);
    if (line.starts_with("HTTP/")) headers->clear();
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
        value.remove_suffix(1);
      }
      headers->emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * n;
  }

  CURL* curl_;
};

// The asset version of the harness's web UI (WebDir).
inline constexpr std::string_view kWebAssetsVersion = "0123456789abcdef";

// The password of every user the harness creates.
inline constexpr std::string_view kPassword = "correct horse battery staple";

class ApiHarness {
 public:
  // Opens v.db in a fresh directory; the clock starts at 2026-06-01T08:00:00Z.
  ApiHarness() : clock_(*ParseInstant("2026-06-01T08:00:00Z")) { OpenDatabase(); }
  ~ApiHarness() { StopServers(); }
  ApiHarness(const ApiHarness&) = delete;
  ApiHarness& operator=(const ApiHarness&) = delete;

  static ServerOptions TestOptions() {
    ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.log_sink = [](std::string_view) {};
    return options;
  }

  void OpenDatabase() {
    auto db = SqliteDatabase::Open(dir_.File("v.db"));
    if (!db.ok()) throw std::runtime_error("cannot open v.db: " + db.status().ToString());
    db_ = std::move(db).value();
  }
  // Servers must be stopped first: they hold the database.
  void CloseDatabase() { db_.reset(); }

  // Builds, wires and starts a server over the database (or over `catalog`, which must use
  // the same database underneath, for tests that wrap it). The harness owns it.
  HttpServer& StartServer(ServerOptions options = TestOptions(),
                          std::shared_ptr<RateLimiter> limiter = nullptr,
                          CatalogRepository* catalog = nullptr) {
    ApiServices& services = services_.emplace_back();
    services.catalog = catalog ? catalog : db_.get();
    services.accounts = db_.get();
    services.audit = db_.get();
    services.clock = &clock_;
    services.password_hashing = FastHashing();
    auto authenticator = std::make_shared<AccountAuthenticator>(*db_, clock_);
    services.credentials_changed = [authenticator] { authenticator->ForgetCachedCredentials(); };
    WireOffers(services);
    auto server = std::make_unique<HttpServer>();
    if (Status st = AddApiRoutes(*server, services); !st.ok()) {
      throw std::runtime_error("AddApiRoutes: " + st.ToString());
    }
    if (Status st = AddWebRoutes(*server, {WebDir()}); !st.ok()) {
      throw std::runtime_error("AddWebRoutes: " + st.ToString());
    }
    server->SetAuthenticator(authenticator);
    if (limiter) server->SetRateLimiter(std::move(limiter));
    if (Status st = server->Start(options); !st.ok()) {
      throw std::runtime_error("Start: " + st.ToString());
    }
    servers_.push_back(std::move(server));
    return *servers_.back();
  }

  // A built web UI in miniature, named as docs/openapi.json's examples name its files.
  std::string WebDir() {
    const std::string dir = dir_.File("web");
    const std::string assets = dir + "/assets/" + std::string(kWebAssetsVersion);
    std::filesystem::create_directories(assets + "/i18n");
    std::ofstream(dir + "/index.html") << "<!doctype html><title>Vitrine</title>";
    std::ofstream(assets + "/main.js") << "import './i18n/fr.js';";
    std::ofstream(assets + "/i18n/fr.js") << "export default {};";
    return dir;
  }

  // Stops and destroys every server (and the services and assemblers they used).
  void StopServers() {
    for (auto& server : servers_) server->Stop();
    servers_.clear();
    services_.clear();
    workflows_.clear();
    appliers_.clear();
    assemblers_.clear();
    feeds_.clear();
    studios_.clear();
    template_libraries_.clear();
  }

  // The campaign and offer routes over the database, with an Assembler on the harness's
  // clock run synchronously (under a lock: an Assembler takes one call at a time), so a
  // test sees the offers as soon as the write that changed them has answered.
  void WireOffers(ApiServices& services) {
    AssemblyOptions options;
    options.clock = &clock_;
    options.threads = 1;
    Assembler* assembler =
        assemblers_.emplace_back(std::make_unique<Assembler>(*db_, *db_, *db_, options)).get();
    std::mutex* mu = &assembly_mutex_;
    SqliteDatabase* db = db_.get();
    const Clock* clock = &clock_;
    services.campaigns = db;
    services.offers = db;
    // Feed snapshots in a directory of their own per server, regenerated only when a test
    // calls feeds().RegenerateStale() (no background thread: tests stay deterministic).
    FeedSnapshotOptions feed_options;
    feed_options.dir = dir_.File("feeds-" + std::to_string(feeds_.size()));
    feed_options.clock = &clock_;
    services.feeds =
        feeds_.emplace_back(std::make_unique<FeedSnapshots>(FeedSources{db, db, db}, feed_options))
            .get();
    services.feed_pulls = db;
    // Creatives: the built-in templates (PUTs kept in a folder of this server), packshots
    // from set_image_source() or none (placeholders), a cache folder of this server.
    const std::string n = std::to_string(studios_.size());
    auto library = TemplateLibrary::Open(dir_.File("templates-" + n));
    auto cache = CreativeCache::Open(dir_.File("creatives-" + n), 64 << 20);
    if (!library.ok() || !cache.ok()) throw std::runtime_error("cannot open the creative folders");
    TemplateLibrary* templates = template_libraries_.emplace_back(std::move(*library)).get();
    services.creatives = studios_
                             .emplace_back(std::make_unique<CreativeStudio>(
                                 templates, DefaultBrandKit(),
                                 std::make_unique<Renderer>(image_source_), std::move(*cache)))
                             .get();
    // The change log applied on the writing thread, where `serve` applies it on the change
    // follower's: a test reads the offers right after the write's answer.
    ChangeApplier* applier =
        appliers_.emplace_back(std::make_unique<ChangeApplier>(*db_, *assembler)).get();
    services.changes = db;
    services.changes_written = [applier, mu] {
      std::lock_guard<std::mutex> lock(*mu);
      (void)applier->ApplyPending();
    };
    services.await_offers = [applier, mu]() -> Status {
      std::lock_guard<std::mutex> lock(*mu);
      return applier->ApplyPending().status();
    };
    services.explain_offer = [assembler, mu](const std::string& offer_id,
                                             const std::string& store_id) {
      std::lock_guard<std::mutex> lock(*mu);
      return assembler->Explain(offer_id, store_id);
    };
    services.preview_campaign = [db, options](const CampaignRevision& proposal,
                                              const std::string& store_id,
                                              std::span<const std::string> product_ids) {
      Assembler previewer(*db, *db, *db, options);
      return previewer.Preview(proposal, store_id, product_ids);
    };
    // Destinations and sources with stand-in hooks: the routes are what these tests are about
    // (the real sealing, URL guard and runs are tested in tests/app and tests/adapters).
    services.outbound = db;
    services.check_outbound_url = [](std::string_view url) {
      if (url.starts_with("https://") || url.starts_with("http://") || url.starts_with("sftp://")) {
        return Status::Ok();
      }
      return Status::InvalidArgument("must be http://, https:// or sftp://");
    };
    services.seal_secret = [](std::string_view secret) -> Result<std::string> {
      return "sealed:" + std::string(secret);
    };
    services.new_webhook_secret = [] {
      return std::string("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    };
    services.outbound_written = [] {};
    services.run_source = [db, clock](const std::string& id) -> Result<SourceRun> {
      SourceRun run;
      run.source_id = id;
      run.trigger = "manual";
      run.started_at = run.finished_at = clock->Now();
      run.outcome = "not_modified";
      auto recorded = db->RecordSourceRun(run);
      if (!recorded.ok()) return recorded.status();
      run.id = *recorded;
      return run;
    };
    // Transactions through `services.catalog`, which may wrap the database (as the routes
    // used to call it).
    services.workflow = workflows_
                            .emplace_back(std::make_unique<CampaignWorkflow>(
                                *services.catalog, *db, *db, *db, *db, *clock, ComplianceRules{}))
                            .get();
  }

  // One token per role, keyed by role name ("viewer" ... "admin", "platform" on channel
  // "google"), and one user per staff role ("<role>@example.com", password kPassword).
  void CreateAccounts() {
    for (Role role :
         {Role::kViewer, Role::kEditor, Role::kApprover, Role::kAdmin, Role::kPlatform}) {
      TokenRequest request;
      request.name = "test " + std::string(RoleName(role));
      request.role = role;
      if (role == Role::kPlatform) request.channel = "google";
      auto issued = IssueApiToken(Writer(), request);
      if (!issued.ok()) throw std::runtime_error("IssueApiToken: " + issued.status().ToString());
      tokens_[std::string(RoleName(role))] = issued->secret;
      token_ids_[std::string(RoleName(role))] = issued->token.id;
      if (role == Role::kPlatform) continue;
      UserRequest user;
      user.id = std::string(RoleName(role)) + "@example.com";
      user.display_name = "Test " + std::string(RoleName(role));
      user.role = role;
      user.password = std::string(kPassword);
      auto created = CreateUserAccount(Writer(), user, FastHashing());
      if (!created.ok()) {
        throw std::runtime_error("CreateUserAccount: " + created.status().ToString());
      }
    }
  }

  // "Authorization: Bearer <secret>" of the token made for `role`; no header for "".
  std::vector<std::string> AuthFor(const std::string& role) const {
    if (role.empty()) return {};
    return {"Authorization: Bearer " + tokens_.at(role)};
  }
  const std::string& TokenSecret(const std::string& role) const { return tokens_.at(role); }
  const std::string& TokenId(const std::string& role) const { return token_ids_.at(role); }

  static ScryptParams FastHashing() {
    ScryptParams params;
    params.n = 1u << 10;
    return params;
  }

  AccountWriter Writer() { return {*db_, *db_, *db_, clock_, "cli", ""}; }
  SqliteDatabase& db() { return *db_; }
  // The feed snapshots of the server started last.
  FeedSnapshots& feeds() { return *feeds_.back(); }
  // Where the creatives of servers started from now on read packshots (nullptr: none).
  void set_image_source(ImageSource* images) { image_source_ = images; }
  // The creative studio of the server started last.
  CreativeStudio& studio() { return *studios_.back(); }
  ManualClock& clock() { return clock_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<SqliteDatabase> db_;
  std::map<std::string, std::string> tokens_;
  std::map<std::string, std::string> token_ids_;
  std::mutex assembly_mutex_;
  std::vector<std::unique_ptr<FeedSnapshots>> feeds_;  // used by services_: destroyed after
  ImageSource* image_source_ = nullptr;
  std::vector<std::unique_ptr<TemplateLibrary>> template_libraries_;  // used by studios_
  std::vector<std::unique_ptr<CreativeStudio>> studios_;      // used by services_: destroyed after
  std::vector<std::unique_ptr<ChangeApplier>> appliers_;      // destroyed before their assembler
  std::vector<std::unique_ptr<Assembler>> assemblers_;        // used by services_: destroyed after
  std::vector<std::unique_ptr<CampaignWorkflow>> workflows_;  // used by services_: destroyed after
  std::deque<ApiServices> services_;  // referenced by the servers' handlers: stable addresses
  std::vector<std::unique_ptr<HttpServer>> servers_;
};

// The staff ladder as the tests expect it, written apart from the server's own: viewer <
// editor < approver < admin; -1 for public and platform callers.
inline int StaffRank(Role role) {
  switch (role) {
    case Role::kViewer:
      return 0;
    case Role::kEditor:
      return 1;
    case Role::kApprover:
      return 2;
    case Role::kAdmin:
      return 3;
    default:
      return -1;
  }
}

}  // namespace vitrine::testing
