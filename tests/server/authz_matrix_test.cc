// The authorization matrix, generated from docs/openapi.json: every operation the document
// lists (and HEAD beside each GET), called with a valid request by every kind of caller
// (anonymous; a malformed, a revoked and an expired credential; each staff role; a platform
// token of each channel, also as ?token=), compared with the policy the document declares
// for it (`x-vitrine-role`, `x-vitrine-platform`, `x-vitrine-channel-scope`, `security`).
// Objects of another channel are asked for too: a platform must get 404 for them, never
// 403, so that their existence does not leak; no answer may carry a secret or its hash. A
// route the server serves and the document does not list fails; a new documented route
// joins the matrix on its own. Its size is printed as "authz matrix: N operations + H HEAD
// twins x M callers = ... cells".
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "api_fixture.h"
#include "server/credentials.h"

namespace vitrine::testing {
namespace {

using nlohmann::json;

// What the policy says a caller gets.
enum class Verdict { kAllowed, kUnauthenticated, kForbidden, kHidden };

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kAllowed:
      return "allowed";
    case Verdict::kUnauthenticated:
      return "401";
    case Verdict::kForbidden:
      return "403";
    case Verdict::kHidden:
      return "404";
  }
  return "?";
}

// A kind of caller and the headers it sends.
struct Caller {
  enum class Kind { kAnonymous, kBadCredentials, kStaff, kPlatform };
  std::string name;
  Kind kind = Kind::kAnonymous;
  Role role = Role::kPublic;
  std::string channel;  // a platform's
  std::vector<std::string> headers;
  std::string url_token;  // sent as ?token= instead of a header
};

// One operation of the document with what its request needs.
struct Operation {
  std::string id;  // operationId
  std::string method;
  std::string path;
  Role role = Role::kPublic;
  bool platform = false;
  // "none", "rows" (lists filtered to the platform's channel), "object" (the {offer_id} must
  // be on the platform's channel, else 404), "channel:<name>" (the whole resource is that
  // channel's: another platform gets 404).
  std::string channel_scope;
  // Its `security` (or the document's) names a query API key, or it takes that key's
  // parameter: `?token=` counts here.
  bool url_token = false;
  std::vector<json> parameters;  // path item's and operation's, $ref resolved
  json request_body;             // null when none
};

// The single policy table: what the document declares, applied to one caller.
Verdict Policy(const Operation& op, const Caller& caller) {
  if (op.role == Role::kPublic) return Verdict::kAllowed;  // bad credentials are ignored there
  // A token in the URL of an operation that does not take one is no credential at all.
  if (!caller.url_token.empty() && !op.url_token) return Verdict::kUnauthenticated;
  switch (caller.kind) {
    case Caller::Kind::kAnonymous:
    case Caller::Kind::kBadCredentials:
      return Verdict::kUnauthenticated;
    case Caller::Kind::kPlatform:
      if (!op.platform) return Verdict::kForbidden;
      if (op.channel_scope.starts_with("channel:") &&
          op.channel_scope.substr(8) != caller.channel) {
        return Verdict::kHidden;
      }
      return Verdict::kAllowed;
    case Caller::Kind::kStaff:
      return StaffRank(caller.role) >= StaffRank(op.role) ? Verdict::kAllowed : Verdict::kForbidden;
  }
  return Verdict::kForbidden;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), ::tolower);
  return text;
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), ::toupper);
  return text;
}

json LoadDocument() {
  std::ifstream file(std::string(VITRINE_SOURCE_DIR) + "/docs/openapi.json");
  return json::parse(file, nullptr, false);
}

const std::set<std::string> kHttpMethods = {"get",   "put",  "post",  "delete",
                                            "patch", "head", "trace", "options"};

// Every operation of the document, in document order.
std::vector<Operation> OperationsOf(const json& doc) {
  auto resolve = [&](const json& p) -> json {
    if (!p.contains("$ref")) return p;
    const std::string ref = p["$ref"];
    return doc["components"]["parameters"][ref.substr(ref.rfind('/') + 1)];
  };
  std::vector<Operation> ops;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (!kHttpMethods.count(method)) continue;
      Operation o;
      o.id = op.value("operationId", method + " " + path);
      o.method = Upper(method);
      o.path = path;
      auto role = ParseRole(op.value("x-vitrine-role", ""));
      EXPECT_TRUE(role.ok()) << o.id << ": x-vitrine-role";
      o.role = role.ok() ? *role : Role::kAdmin;
      o.platform = op.value("x-vitrine-platform", false);
      o.channel_scope = op.value("x-vitrine-channel-scope", "");
      for (const json* list : {&item, &op}) {
        for (const json& p : list->value("parameters", json::array())) {
          o.parameters.push_back(resolve(p));
        }
      }
      o.request_body = op.value("requestBody", json());
      for (const json& requirement : op.value("security", doc.value("security", json::array()))) {
        for (const auto& [scheme, scopes] : requirement.items()) {
          if (doc["components"]["securitySchemes"][scheme].value("in", "") == "query") {
            o.url_token = true;
          }
        }
      }
      // A public operation may still read the token to name its caller (creatives).
      for (const json& p : o.parameters) {
        for (const auto& [name, scheme] : doc["components"]["securitySchemes"].items()) {
          if (scheme.value("in", "") == "query" && p.value("in", "") == "query" &&
              p.value("name", "") == scheme.value("name", "")) {
            o.url_token = true;
          }
        }
      }
      ops.push_back(std::move(o));
    }
  }
  return ops;
}

// The segment before the last `{param}` of a path that ends with it: "products" for
// /api/v1/products/{id}; "" otherwise.
std::string CollectionBefore(const std::string& path, const std::string& param) {
  const size_t at = path.find("{" + param + "}");
  if (at == std::string::npos || at == 0) return "";
  const size_t slash = path.rfind('/', at - 2);
  return path.substr(slash + 1, at - 1 - slash - 1);
}

class AuthzMatrixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    h_.CreateAccounts();
    TokenRequest meta{"meta pull", Role::kPlatform, "meta"};
    auto issued = IssueApiToken(h_.Writer(), meta);
    ASSERT_TRUE(issued.ok());
    meta_token_ = issued->secret;
    server_ = &h_.StartServer();
    port_ = server_->port();
    SeedCatalogueAndCampaigns();
    MakeCallers();
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& who,
             const std::optional<json>& body = std::nullopt) {
    std::vector<std::string> headers = h_.AuthFor(who);
    if (body) headers.push_back("Content-Type: application/json");
    return client_.Fetch(port_, method, path, headers,
                         body ? std::optional<std::string>(body->dump()) : std::nullopt);
  }
  std::string Created(const std::string& path, const json& body, const std::string& who) {
    Reply r = Call("POST", path, who, body);
    EXPECT_EQ(r.status, 201) << path << ": " << r.body;
    return r.Json().value("id", "");
  }
  void Approve(const std::string& campaign) {
    const std::string path = "/api/v1/campaigns/" + campaign + "/transitions";
    ASSERT_EQ(Call("POST", path, "editor", json{{"to", "submitted"}}).status, 200);
    Reply approved = Call("POST", path, "approver", json{{"to", "approved"}});
    ASSERT_EQ(approved.status, 200) << approved.body;
  }

  // Demo-like data through the API: two stores, products with prices, a google-only
  // campaign on P1 and a meta-only one on P2 (both approved, so their offers are published),
  // a draft campaign for the writes, victims for the deletes, and a render job.
  void SeedCatalogueAndCampaigns() {
    for (const char* store : {"S1", "SW", "SV"}) {
      ASSERT_EQ(Call("PUT", std::string("/api/v1/stores/") + store, "editor",
                     json{{"name", std::string("Magasin ") + store},
                          {"lat", 48.85},
                          {"lon", 2.35},
                          {"price_zone", "Z1"}})
                    .status,
                201);
    }
    for (const char* product : {"P1", "P2", "PW", "PV"}) {
      ASSERT_EQ(Call("PUT", std::string("/api/v1/products/") + product, "editor",
                     json{{"title", std::string("Produit ") + product},
                          {"brand", "Marque"},
                          {"category", "Épicerie > Café"},
                          {"net_quantity", "250 g"}})
                    .status,
                201);
    }
    json prices = json::array();
    for (const char* product : {"P1", "P2", "PW"}) {
      prices.push_back(
          {{"product_id", product}, {"price", "4.00"}, {"effective_from", "2026-01-01T00:00:00Z"}});
    }
    ASSERT_EQ(Call("PUT", "/api/v1/prices", "editor", prices).status, 200);
    auto campaign = [](const std::string& name, const std::string& channel) {
      return json{{"name", name},
                  {"start", "2026-06-01T00:00"},
                  {"end", "2026-06-20T00:00"},
                  {"channels", {channel}},
                  {"scope", {{"kind", "all"}}}};
    };
    auto percent_off = [](const std::string& product) {
      return json{{"selector", {{"kind", "products"}, {"product_ids", {product}}}},
                  {"mechanic", {{"type", "percent_off"}, {"percent", 20}}}};
    };
    campaign_google_ = Created("/api/v1/campaigns", campaign("Google", "google"), "editor");
    promotion_google_ = Created("/api/v1/campaigns/" + campaign_google_ + "/promotions",
                                percent_off("P1"), "editor");
    campaign_meta_ = Created("/api/v1/campaigns", campaign("Meta", "meta"), "editor");
    promotion_meta_ =
        Created("/api/v1/campaigns/" + campaign_meta_ + "/promotions", percent_off("P2"), "editor");
    Approve(campaign_google_);
    Approve(campaign_meta_);
    campaign_draft_ = Created("/api/v1/campaigns", campaign("Draft", "google"), "editor");
    promotion_draft_ = Created("/api/v1/campaigns/" + campaign_draft_ + "/promotions",
                               percent_off("PW"), "editor");
    promotion_victim_ = Created("/api/v1/campaigns/" + campaign_draft_ + "/promotions",
                                percent_off("PW"), "editor");
    campaign_victim_ = Created("/api/v1/campaigns", campaign("Victim", "google"), "editor");
    // A live campaign with a pending revision, for the revision routes.
    campaign_revised_ = Created("/api/v1/campaigns", campaign("Revised", "google"), "editor");
    Created("/api/v1/campaigns/" + campaign_revised_ + "/promotions", percent_off("PW"), "editor");
    Approve(campaign_revised_);
    Reply revised = Call("PATCH", "/api/v1/campaigns/" + campaign_revised_, "editor",
                         json{{"name", "Revised again"}});
    ASSERT_EQ(revised.status, 200) << revised.body;
    offer_google_ = promotion_google_ + "~P1";
    offer_meta_ = promotion_meta_ + "~P2";
    ASSERT_EQ(Call("GET", "/api/v1/offers/" + offer_google_ + "?store=S1", "viewer").status, 200);
    ASSERT_EQ(Call("GET", "/api/v1/offers/" + offer_meta_ + "?store=S1", "viewer").status, 200);

    TokenRequest victim{"to revoke", Role::kViewer, ""};
    auto issued = IssueApiToken(h_.Writer(), victim);
    ASSERT_TRUE(issued.ok());
    token_victim_ = issued->token.id;

    // Outbound: a webhook with a queued ping, a victim, and two sources.
    const json webhook = {{"kind", "webhook"}, {"url", "https://receiver.example/hook"}};
    destination_ = Created("/api/v1/destinations", webhook, "admin");
    destination_victim_ = Created("/api/v1/destinations", webhook, "admin");
    Reply ping = Call("POST", "/api/v1/destinations/" + destination_ + "/ping", "admin");
    ASSERT_EQ(ping.status, 202) << ping.body;
    delivery_ = std::to_string(ping.Json().value("id", 0));
    const json source = {{"kind", "stock"}, {"url", "https://erp.example/stock.csv"}};
    source_ = Created("/api/v1/sources", source, "admin");
    source_victim_ = Created("/api/v1/sources", source, "admin");

    Reply job =
        Call("POST", "/api/v1/campaigns/" + campaign_draft_ + "/render", "editor", json::object());
    ASSERT_EQ(job.status, 202) << job.body;
    job_ = job.Json().value("id", "");
    Reply formats = Call("GET", "/api/v1/formats", "viewer");
    ASSERT_EQ(formats.status, 200);
    format_ = formats.Json()["items"][0]["name"];
    Reply classic = Call("GET", "/api/v1/templates/classic", "viewer");
    ASSERT_EQ(classic.status, 200) << classic.body;
    template_ = classic.Json();
    ASSERT_TRUE(h_.feeds().RegenerateStale().ok());
    // The sample route reads the full Google products snapshot: one exists.
    ASSERT_TRUE(h_.feeds().Get(FeedKey{FeedFormat::kGoogleProducts, "", "", ""}).ok());
  }

  void MakeCallers() {
    callers_.push_back({"anonymous", Caller::Kind::kAnonymous, Role::kPublic, "", {}, ""});
    callers_.push_back({"malformed token",
                        Caller::Kind::kBadCredentials,
                        Role::kPublic,
                        "",
                        {"Authorization: Basic dmlld2VyOnNlY3JldA=="},
                        ""});
    // A token that worked a moment ago (so the server may remember it), then revoked.
    TokenRequest request{"revoked", Role::kAdmin, ""};
    auto revoked = IssueApiToken(h_.Writer(), request);
    ASSERT_TRUE(revoked.ok());
    ASSERT_EQ(
        client_.Fetch(port_, "GET", "/api/v1/me", {"Authorization: Bearer " + revoked->secret})
            .status,
        200);
    ASSERT_EQ(Call("DELETE", "/api/v1/tokens/" + revoked->token.id, "admin").status, 204);
    callers_.push_back({"revoked token",
                        Caller::Kind::kBadCredentials,
                        Role::kPublic,
                        "",
                        {"Authorization: Bearer " + revoked->secret},
                        ""});
    // API tokens do not expire; web sessions do. An admin's session that ended an hour ago.
    const std::string secret = "expired-session-secret-of-the-admin";
    Session session;
    session.id_hash = Sha256Hex(secret);
    session.user_id = "admin@example.com";
    session.created_at = h_.clock().Now() - std::chrono::hours(13);
    session.expires_at = h_.clock().Now() - std::chrono::hours(1);
    ASSERT_TRUE(h_.db().CreateSession(session).ok());
    callers_.push_back({"expired session",
                        Caller::Kind::kBadCredentials,
                        Role::kPublic,
                        "",
                        {"Cookie: " + std::string(kSessionCookie) + "=" + secret},
                        ""});
    for (Role role : {Role::kViewer, Role::kEditor, Role::kApprover, Role::kAdmin}) {
      const std::string name(RoleName(role));
      callers_.push_back({name, Caller::Kind::kStaff, role, "", h_.AuthFor(name), ""});
    }
    callers_.push_back({"platform:google", Caller::Kind::kPlatform, Role::kPlatform, "google",
                        h_.AuthFor("platform"), ""});
    callers_.push_back({"platform:meta",
                        Caller::Kind::kPlatform,
                        Role::kPlatform,
                        "meta",
                        {"Authorization: Bearer " + meta_token_},
                        ""});
    for (const char* role : {"viewer", "editor", "approver", "admin", "platform"}) {
      secrets_.push_back(h_.TokenSecret(role));
    }
    secrets_.push_back(meta_token_);
    secrets_.push_back(revoked->secret);
    for (size_t i = 0, n = secrets_.size(); i < n; ++i) secrets_.push_back(Sha256Hex(secrets_[i]));
    secrets_.push_back("$scrypt$");
    // Platforms that can only fetch a URL put their token in it.
    callers_.push_back({"platform:meta ?token=",
                        Caller::Kind::kPlatform,
                        Role::kPlatform,
                        "meta",
                        {},
                        meta_token_});
    callers_.push_back(
        {"revoked ?token=", Caller::Kind::kBadCredentials, Role::kPublic, "", {}, revoked->secret});
  }

  // The id a path parameter takes: an object that exists (one of `channel`'s offers), a
  // write target that no offer depends on, or a victim for a DELETE of the object itself.
  std::string PathValue(const Operation& op, const json& parameter, const std::string& channel) {
    const std::string name = parameter["name"];
    const std::string collection = CollectionBefore(op.path, name);
    const bool deletes_it = op.method == "DELETE" && op.path.ends_with("{" + name + "}");
    const bool writes = op.method != "GET" && op.method != "HEAD";  // HEAD reads as GET does
    if (name == "offer_id") return channel == "meta" ? offer_meta_ : offer_google_;
    if (name == "format") return format_;
    if (collection == "products") return deletes_it ? "PV" : writes ? "PW" : "P1";
    if (collection == "stores") return deletes_it ? "SV" : writes ? "SW" : "S1";
    if (collection == "campaigns") {
      if (op.path.find("/revision") != std::string::npos) return campaign_revised_;
      return deletes_it ? campaign_victim_ : writes ? campaign_draft_ : campaign_google_;
    }
    if (collection == "promotions") {
      return deletes_it ? promotion_victim_ : writes ? promotion_draft_ : promotion_google_;
    }
    if (collection == "tokens") return token_victim_;
    if (collection == "destinations") return deletes_it ? destination_victim_ : destination_;
    if (collection == "deliveries") return delivery_;
    if (collection == "sources") return deletes_it ? source_victim_ : source_;
    if (collection == "templates") return "classic";
    if (collection == "jobs") return job_;
    const json& schema = parameter.value("schema", json::object());
    if (schema.contains("enum")) return schema["enum"][0];
    if (parameter.contains("example")) return parameter["example"];
    ADD_FAILURE() << op.id << ": no value for path parameter " << name
                  << " (give it an example in docs/openapi.json or a row in PathValue)";
    return "x";
  }

  std::string QueryValue(const Operation& op, const json& parameter) {
    const std::string name = parameter["name"];
    if (name == "store") return "S1";
    if (name == "offer") return offer_google_;
    if (parameter.contains("example")) return parameter["example"].dump();
    ADD_FAILURE() << op.id << ": no value for required query parameter " << name;
    return "x";
  }

  // The body: a fixture where the document's example would not do (it names accounts or
  // objects this database does not have), else the document's example.
  std::optional<std::pair<std::string, std::string>> Body(const Operation& op) {
    if (op.request_body.is_null()) return std::nullopt;
    const std::map<std::string, json> fixtures = {
        {"createSession", {{"user", "viewer@example.com"}, {"password", kPassword}}},
        {"putProduct", {{"title", "Produit écrit"}, {"brand", "Marque"}}},
        {"putStore",
         {{"name", "Magasin écrit"}, {"lat", 45.0}, {"lon", 4.0}, {"price_zone", "Z1"}}},
        {"putPrices", json::array({{{"product_id", "PW"},
                                    {"price", "3.50"},
                                    {"effective_from", "2026-01-01T00:00:00Z"}}})},
        {"putStock", json::array({{{"product_id", "PW"}, {"store_id", "SW"}, {"quantity", 5}}})},
        {"createCampaign",
         {{"name", "Nouvelle"},
          {"start", "2026-07-01T00:00"},
          {"end", "2026-07-08T00:00"},
          {"channels", {"google"}}}},
        {"patchCampaign", {{"name", "Renommée"}}},
        {"transitionCampaign", {{"to", "submitted"}}},
        {"transitionCampaignRevision", {{"to", "submitted"}}},
        {"createPromotion",
         {{"selector", {{"kind", "products"}, {"product_ids", {"PW"}}}},
          {"mechanic", {{"type", "percent_off"}, {"percent", 10}}}}},
        {"patchPromotion", {{"mechanic", {{"type", "percent_off"}, {"percent", 15}}}}},
        {"putTemplate", template_},
        {"previewTemplate", template_},
        {"renderCampaign", json::object()},
    };
    const json& content = op.request_body["content"];
    if (auto it = fixtures.find(op.id); it != fixtures.end()) {
      return std::pair{std::string("application/json"), it->second.dump()};
    }
    for (const auto& [media, item] : content.items()) {
      if (!item.contains("example")) continue;
      const json& example = item["example"];
      return std::pair{media, example.is_string() ? example.get<std::string>() : example.dump()};
    }
    if (op.request_body.value("required", false)) {
      ADD_FAILURE() << op.id << " needs a body: give it an example in docs/openapi.json";
    }
    return std::nullopt;
  }

  // The request target of `op` for `caller`, objects of `channel`.
  std::string Target(const Operation& op, const std::string& channel,
                     const std::string& url_token = "") {
    std::string path = op.path;
    std::string query;
    for (const json& p : op.parameters) {
      const std::string in = p.value("in", "");
      const std::string name = p.value("name", "");
      if (in == "path") {
        const std::string placeholder = "{" + name + "}";
        const size_t at = path.find(placeholder);
        EXPECT_NE(at, std::string::npos) << op.id << ": path parameter " << name;
        if (at != std::string::npos)
          path.replace(at, placeholder.size(), PathValue(op, p, channel));
      } else if (in == "query" && p.value("required", false)) {
        query += (query.empty() ? "?" : "&") + name + "=" + QueryValue(op, p);
      }
    }
    EXPECT_EQ(path.find('{'), std::string::npos) << op.id << ": unfilled " << path;
    if (!url_token.empty())
      query += (query.empty() ? "?" : "&") + std::string("token=") + url_token;
    return path + query;
  }

  Reply Send(const Operation& op, const Caller& caller, const std::string& target) {
    std::vector<std::string> headers = caller.headers;
    auto body = Body(op);
    if (body) headers.push_back("Content-Type: " + body->first);
    return client_.Fetch(port_, op.method, target, headers,
                         body ? std::optional<std::string>(body->second) : std::nullopt);
  }

  // Checks one answer against the verdict; false when it does not match.
  bool Check(const Operation& op, const Caller& caller, Verdict verdict, const Reply& r,
             const std::string& target) {
    // A read that is allowed answers; only the strict query rule may refuse a URL token
    // sent where the operation takes none.
    if (verdict == Verdict::kAllowed && (op.method == "GET" || op.method == "HEAD")) {
      const int want_class = !caller.url_token.empty() && !op.url_token ? 400 : 200;
      const bool ok = want_class == 400 ? r.status == 400 : r.status >= 200 && r.status < 300;
      EXPECT_TRUE(ok) << op.method << " " << target << " as " << caller.name << ": expected "
                      << want_class << ", got " << r.status << " " << r.body.substr(0, 300);
      if (!ok) return false;
    }
    const std::string where = op.method + " " + target + " as " + caller.name + ": expected " +
                              std::string(VerdictName(verdict)) + ", got " +
                              std::to_string(r.status) + " " + r.body.substr(0, 300);
    EXPECT_EQ(r.code, CURLE_OK) << where;
    switch (verdict) {
      case Verdict::kAllowed:
        EXPECT_NE(r.status, 401) << where;
        EXPECT_NE(r.status, 403) << where;
        EXPECT_LT(r.status, 500) << where;
        return r.status != 401 && r.status != 403 && r.status < 500;
      case Verdict::kUnauthenticated:
        EXPECT_EQ(r.status, 401) << where;
        EXPECT_TRUE(r.Header("WWW-Authenticate").starts_with("Bearer")) << where;
        return r.status == 401;
      case Verdict::kForbidden:
        EXPECT_EQ(r.status, 403) << where;
        if (op.method != "HEAD") {
          EXPECT_EQ(r.Header("Content-Type"), "application/problem+json") << where;
        }
        return r.status == 403;
      case Verdict::kHidden:
        EXPECT_EQ(r.status, 404) << where;
        return r.status == 404;
    }
    return false;
  }

  ApiHarness h_;
  ApiClient client_;
  HttpServer* server_ = nullptr;
  int port_ = 0;
  std::string meta_token_;
  std::vector<Caller> callers_;
  // Token secrets, their SHA-256 and the password-hash prefix: never in an answer.
  std::vector<std::string> secrets_;
  std::string campaign_google_, campaign_meta_, campaign_draft_, campaign_victim_,
      campaign_revised_;
  std::string promotion_google_, promotion_meta_, promotion_draft_, promotion_victim_;
  std::string offer_google_, offer_meta_;
  std::string token_victim_, job_, format_;
  std::string destination_, destination_victim_, delivery_, source_, source_victim_;
  json template_;
};

// The document and the server's route table list the same operations with the same policy,
// and every operation declares the three policy extensions.
TEST_F(AuthzMatrixTest, TheDocumentListsEveryServedRouteAndDeclaresItsPolicy) {
  const json doc = LoadDocument();
  ASSERT_FALSE(doc.is_discarded());
  std::set<std::pair<std::string, std::string>> documented;
  for (const Operation& op : OperationsOf(doc)) {
    SCOPED_TRACE(op.id);
    documented.insert({op.method, op.path});
    const json& raw = doc["paths"][op.path][Lower(op.method)];
    EXPECT_TRUE(raw.contains("x-vitrine-role"));
    EXPECT_TRUE(raw.contains("x-vitrine-platform"));
    EXPECT_TRUE(raw.contains("x-vitrine-channel-scope"));
    const std::string& scope = op.channel_scope;
    EXPECT_TRUE(scope == "none" || scope == "rows" || scope == "object" ||
                scope.starts_with("channel:"))
        << scope;
    // Channel scoping only means something where platforms are let in.
    if (!op.platform && op.role != Role::kPublic) {
      EXPECT_EQ(scope, "none");
    }
    // A scoped object is one named by the path.
    if (scope == "object") {
      EXPECT_NE(op.path.find("{offer_id}"), std::string::npos);
    }
  }
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : server_->routes()) {
    served.insert({route.method, route.pattern});
    SCOPED_TRACE(route.method + " " + route.pattern);
    if (!documented.count({route.method, route.pattern})) {
      ADD_FAILURE() << "served but not in docs/openapi.json";
      continue;
    }
    const json& raw = doc["paths"][route.pattern][Lower(route.method)];
    // The server's table enforces what the document declares.
    EXPECT_EQ(raw.value("x-vitrine-role", ""), RoleName(route.required_role));
    EXPECT_EQ(raw.value("x-vitrine-platform", false), route.platform_allowed);
  }
  for (const auto& [method, path] : documented) {
    EXPECT_TRUE(served.count({method, path})) << method << " " << path << " is documented only";
  }
}

TEST_F(AuthzMatrixTest, EveryOperationTimesEveryCallerGetsWhatThePolicySays) {
  const json doc = LoadDocument();
  ASSERT_FALSE(doc.is_discarded());
  const std::vector<Operation> ops = OperationsOf(doc);
  ASSERT_GE(ops.size(), 60u);
  int cells = 0, cross_channel = 0, holes = 0;
  std::map<std::string, int> verdicts, answered;
  // Deletes last, so that the other operations still find what they read.
  std::vector<const Operation*> order;
  // HEAD is served wherever GET is, by the same route: it joins the matrix as an operation.
  std::vector<Operation> heads;
  for (const Operation& op : ops) {
    if (op.method != "GET") continue;
    heads.push_back(op);
    heads.back().method = "HEAD";
    heads.back().id += " (HEAD)";
  }
  for (const Operation& op : ops) order.push_back(&op);
  for (const Operation& op : heads) order.push_back(&op);
  std::stable_partition(order.begin(), order.end(),
                        [](const Operation* op) { return op->method != "DELETE"; });
  for (const Operation* op : order) {
    for (const Caller& caller : callers_) {
      const Verdict verdict = Policy(*op, caller);
      const std::string channel = caller.channel.empty() ? "google" : caller.channel;
      const std::string target = Target(*op, channel, caller.url_token);
      Reply r = Send(*op, caller, target);
      ++cells;
      ++verdicts[std::string(VerdictName(verdict))];
      if (!Check(*op, caller, verdict, r, target)) ++holes;
      if (verdict == Verdict::kAllowed) ++answered[std::to_string(r.status)];
      // No answer, allowed or not, carries a credential or its stored hash (API3).
      for (const std::string& secret : secrets_) {
        EXPECT_EQ(r.body.find(secret), std::string::npos)
            << op->id << " as " << caller.name << " leaks a secret or a hash";
        if (r.body.find(secret) != std::string::npos) ++holes;
      }
      // Lists filtered to the platform's channel never show another channel's offer.
      if (caller.kind == Caller::Kind::kPlatform && op->channel_scope == "rows" &&
          r.status == 200) {
        const std::string& other = caller.channel == "meta" ? promotion_google_ : promotion_meta_;
        EXPECT_EQ(r.body.find(other), std::string::npos)
            << op->id << " as " << caller.name << " shows another channel's offer";
        if (r.body.find(other) != std::string::npos) ++holes;
      }
      // Another channel's object: a platform gets 404, whatever the role would allow.
      if (caller.kind == Caller::Kind::kPlatform && op->channel_scope == "object" &&
          verdict == Verdict::kAllowed) {
        const std::string foreign =
            Target(*op, caller.channel == "meta" ? "google" : "meta", caller.url_token);
        Reply hidden = Send(*op, caller, foreign);
        ++cross_channel;
        if (!Check(*op, caller, Verdict::kHidden, hidden, foreign)) ++holes;
        EXPECT_EQ(r.status, 200) << op->id << " as " << caller.name << " on its own channel";
      }
    }
  }
  std::ostringstream summary;
  summary << "authz matrix: " << ops.size() << " operations + " << heads.size() << " HEAD twins x "
          << callers_.size() << " callers = " << cells << " cells + " << cross_channel
          << " cross-channel object cells; expected";
  for (const auto& [name, n] : verdicts) summary << " " << name << "=" << n;
  summary << "; allowed cells answered";
  for (const auto& [status, n] : answered) summary << " " << status << "=" << n;
  summary << "; holes=" << holes;
  std::cout << summary.str() << std::endl;
  RecordProperty("cells", cells + cross_channel);
  RecordProperty("holes", holes);
  EXPECT_EQ(cells, static_cast<int>((ops.size() + heads.size()) * callers_.size()));
  EXPECT_EQ(holes, 0);
  // Nothing the matrix did disturbed the callers it relies on.
  EXPECT_EQ(Call("GET", "/api/v1/me", "viewer").status, 200);
}

}  // namespace
}  // namespace vitrine::testing
