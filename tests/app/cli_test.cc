// End-to-end tests of the vitrine executable: verbs, exit codes, and an import killed in
// the middle of a batch.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../adapters/loopback_http_server.h"
#include "../store/backends.h"
#include "store/database.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "vitrine-cli-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
};

// Runs the vitrine binary with `args`, capturing standard output (stderr to a file); `env`
// ("NAME=VALUE ") is set for that run alone.
RunResult Vitrine(const std::vector<std::string>& args, const fs::path& dir,
                  const std::string& env = "") {
  std::string command = env + std::string(VITRINE_BINARY);
  for (const auto& a : args) command += " '" + a + "'";
  command += " 2>" + (dir / "stderr.txt").string();
  RunResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A `vitrine serve` child on a free loopback port, run in `dir` (its working files go there)
// with its output in dir/NAME.out and dir/NAME.err; `port` is empty when it never said it.
struct ServeProcess {
  pid_t pid = -1;
  std::string port;
};

ServeProcess StartServe(const fs::path& dir, const std::string& name,
                        const std::vector<std::string>& args,
                        const std::vector<std::pair<std::string, std::string>>& env = {}) {
  const fs::path out = dir / (name + ".out");
  std::vector<std::string> argv = {VITRINE_BINARY, "serve",  "--address",
                                   "127.0.0.1",    "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t child = fork();
  if (child == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    freopen(out.c_str(), "w", stdout);
    freopen((dir / (name + ".err")).c_str(), "w", stderr);
    for (const auto& [variable, value] : env) setenv(variable.c_str(), value.c_str(), 1);
    std::vector<char*> c_argv;
    for (std::string& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    execv(VITRINE_BINARY, c_argv.data());
    _exit(127);
  }
  ServeProcess serve{child, ""};
  for (int i = 0; i < 500 && serve.port.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::string text = ReadFile(out);
    const size_t at = text.find("http://127.0.0.1:");
    if (at == std::string::npos) continue;
    const size_t begin = at + std::string("http://127.0.0.1:").size();
    const size_t end = text.find_first_not_of("0123456789", begin);
    if (end != std::string::npos) serve.port = text.substr(begin, end - begin);
  }
  return serve;
}

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
};

// One request with curl to a node on 127.0.0.1:`port`, as `token` (empty: anonymous).
HttpResult Http(const std::string& port, const std::string& method, const std::string& path,
                const std::string& token = "", const std::string& body = "") {
  std::string command = "curl -s -m 30 -w '\\n%{http_code}' -X " + method +
                        " -H 'Content-Type: application/json' http://127.0.0.1:" + port + path;
  if (!token.empty()) command += " -H 'Authorization: Bearer " + token + "'";
  if (!body.empty()) command += " -d '" + body + "'";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  char buf[4096];
  size_t n;
  while (pipe && (n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  if (pipe) pclose(pipe);
  HttpResult result;
  const size_t last = out.rfind('\n');
  if (last == std::string::npos) return result;
  result.status = std::atoi(out.c_str() + last + 1);
  result.body = out.substr(0, last);
  return result;
}

// Polls `done` every 20 ms for up to `timeout`; its last answer.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

int64_t CountRows(const fs::path& db_path, const char* table) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  int64_t count = -1;
  const std::string sql = std::string("SELECT count(*) FROM ") + table;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    count = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

std::string IntegrityCheck(const fs::path& db_path) {
  sqlite3* db = nullptr;
  sqlite3_open(db_path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  std::string result;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

const char kStores[] =
    "id;name;lat;lon;price_zone\n"
    "S1;Vitrine Lyon;45.75;4.85;SUD-EST\n"
    "S2;Vitrine Paris;48.85;2.35;IDF\n";

TEST(CliTest, HelpOnEveryVerb) {
  TempDir dir;
  const RunResult overview = Vitrine({"--help"}, dir.path());
  EXPECT_EQ(overview.exit_code, 0);
  for (const char* verb : {"migrate", "import", "demo", "summary", "serve", "token", "user"}) {
    EXPECT_NE(overview.out.find(verb), std::string::npos) << verb;
    const RunResult help = Vitrine({verb, "--help"}, dir.path());
    EXPECT_EQ(help.exit_code, 0) << verb;
    EXPECT_NE(help.out.find("Usage: vitrine " + std::string(verb)), std::string::npos) << verb;
  }
}

TEST(CliTest, UsageErrorsExitWithTwo) {
  TempDir dir;
  EXPECT_EQ(Vitrine({}, dir.path()).exit_code, 2);
  EXPECT_EQ(Vitrine({"frobnicate"}, dir.path()).exit_code, 2);
  EXPECT_EQ(Vitrine({"import", "products"}, dir.path()).exit_code, 2);
  EXPECT_EQ(Vitrine({"import", "widgets", "x.csv"}, dir.path()).exit_code, 2);
  EXPECT_EQ(Vitrine({"import", "products", "x.csv", "--stirct"}, dir.path()).exit_code, 2);
  EXPECT_NE(ReadFile(dir.path() / "stderr.txt").find("--stirct"), std::string::npos);
}

TEST(CliTest, MigrateIsIdempotent) {
  TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "v.db").string();
  const RunResult first = Vitrine({"migrate", "--db", db}, dir.path());
  ASSERT_EQ(first.exit_code, 0);
  EXPECT_EQ(first.out.find(": 0 migrations"), std::string::npos) << first.out;
  const RunResult second = Vitrine({"migrate", "--db", db}, dir.path());
  ASSERT_EQ(second.exit_code, 0);
  EXPECT_NE(second.out.find(": 0 migrations applied"), std::string::npos) << second.out;
}

TEST(CliTest, ImportReportsRejectedRowsAndExitsWithOne) {
  TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "v.db").string();
  WriteFile(dir.path() / "stores.csv", kStores);
  ASSERT_EQ(
      Vitrine({"import", "stores", (dir.path() / "stores.csv").string(), "--db", db}, dir.path())
          .exit_code,
      0);
  WriteFile(dir.path() / "products.csv",
            "id,gtin,title\n"
            "P1,3017620422003,Pâte à tartiner\n"
            "P2,3017620422004,Mauvais code\n");
  const RunResult run =
      Vitrine({"import", "products", (dir.path() / "products.csv").string(), "--db", db, "--json"},
              dir.path());
  EXPECT_EQ(run.exit_code, 1);
  const auto report = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << run.out;
  EXPECT_EQ(report["inserted"], 1);
  EXPECT_EQ(report["rejected"], 1);
  ASSERT_EQ(report["errors"].size(), 1u);
  EXPECT_EQ(report["errors"][0]["line"], 3);
  EXPECT_EQ(report["errors"][0]["field"], "gtin");

  // Strict: nothing lands, exit 3.
  WriteFile(dir.path() / "more.csv",
            "id,gtin,title\n"
            "P3,,Lait demi-écrémé\n"
            "P4,123,Code impossible\n");
  EXPECT_EQ(
      Vitrine({"import", "products", (dir.path() / "more.csv").string(), "--db", db, "--strict"},
              dir.path())
          .exit_code,
      3);
  EXPECT_EQ(CountRows(dir.path() / "v.db", "products"), 1);
}

TEST(CliTest, AnImportWithNoServerRunningPublishesWhatItChangedBeforeExiting) {
  TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "v.db").string();
  WriteFile(dir.path() / "stores.csv", kStores);
  const RunResult run =
      Vitrine({"import", "stores", (dir.path() / "stores.csv").string(), "--db", db}, dir.path());
  ASSERT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("published offers:"), std::string::npos) << run.out;
  // The change log's entry is applied: the next `serve` has nothing to catch up.
  EXPECT_GE(CountRows(dir.path() / "v.db", "change_log"), 1);
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir.path() / "v.db").c_str(), &handle, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(handle,
                               "SELECT (SELECT applied_id FROM change_consumers WHERE name = "
                               "'assembly') = (SELECT max(id) FROM change_log)",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
}

TEST(CliTest, MissingFileExitsWithThree) {
  TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "v.db").string();
  EXPECT_EQ(
      Vitrine({"import", "products", (dir.path() / "nope.csv").string(), "--db", db}, dir.path())
          .exit_code,
      3);
}

TEST(CliTest, UnopenableDatabaseExitsWithFour) {
  TempDir dir;
  WriteFile(dir.path() / "not-a-db", std::string(4096, 'x'));
  EXPECT_EQ(Vitrine({"summary", "--db", "sqlite:" + (dir.path() / "not-a-db").string()}, dir.path())
                .exit_code,
            4);
}

// A process killed in the middle of an import leaves every batch whole: the store holds a
// multiple of the batch size, and passes SQLite's integrity check.
// Imports 1,000,000 stock rows into `db` in batches of 1,000, kills the import once
// `count_stock` sees rows landed, and checks that only whole batches did.
void KillAnImportAndCheckItLeftWholeBatches(const fs::path& dir, const std::string& db,
                                            const std::function<int64_t()>& count_stock) {
  std::string stores = "id,name,lat,lon,price_zone\n";
  for (int i = 0; i < 500; ++i) stores += "S" + std::to_string(i) + ",Magasin,45.7,4.8,Z1\n";
  WriteFile(dir / "stores.csv", stores);
  std::string products = "id,title\n";
  for (int i = 0; i < 2000; ++i) products += "P" + std::to_string(i) + ",Produit\n";
  WriteFile(dir / "products.csv", products);
  ASSERT_EQ(Vitrine({"import", "stores", (dir / "stores.csv").string(), "--db", db}, dir).exit_code,
            0);
  ASSERT_EQ(
      Vitrine({"import", "products", (dir / "products.csv").string(), "--db", db}, dir).exit_code,
      0);
  // 1,000,000 distinct stock rows: far more than can land before the kill below.
  {
    std::ofstream stock(dir / "stock.csv");
    stock << "product_id,store_id,quantity\n";
    for (int s = 0; s < 500; ++s) {
      for (int p = 0; p < 2000; ++p) stock << 'P' << p << ",S" << s << ',' << (s + p) % 97 << '\n';
    }
  }
  constexpr int kBatch = 1000;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string file = (dir / "stock.csv").string();
    const std::string batch = std::to_string(kBatch);
    freopen("/dev/null", "w", stdout);
    execl(VITRINE_BINARY, VITRINE_BINARY, "import", "stock", file.c_str(), "--db", db.c_str(),
          "--batch-size", batch.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill as soon as some batches have landed.
  int64_t landed = 0;
  for (int i = 0; i < 3000 && landed <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    landed = count_stock();
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the import finished before it could be killed";

  const int64_t rows = count_stock();
  EXPECT_GT(rows, 0);
  EXPECT_LT(rows, 1'000'000);
  EXPECT_EQ(rows % kBatch, 0) << rows << " stock rows: a batch landed in part";
}

TEST(CliTest, KilledImportLeavesWholeBatches) {
  TempDir dir;
  const fs::path db_path = dir.path() / "v.db";
  KillAnImportAndCheckItLeftWholeBatches(dir.path(), "sqlite:" + db_path.string(), [&] {
    return fs::exists(db_path) ? CountRows(db_path, "stock") : int64_t{0};
  });
  EXPECT_EQ(IntegrityCheck(db_path), "ok");
}

// The same on PostgreSQL: a hub node killed while it imports leaves whole batches, which
// every other node then serves.
TEST(CliTest, KilledImportOnPostgresLeavesWholeBatches) {
  if (testing::TestPostgresUrl().empty())
    GTEST_SKIP() << "no PostgreSQL cluster (run through ctest)";
  TempDir dir;
  const std::string url = testing::FreshPostgresSchema(testing::TestPostgresUrl());
  PGconn* conn = PQconnectdb(url.c_str());
  KillAnImportAndCheckItLeftWholeBatches(dir.path(), url, [&]() -> int64_t {
    PGresult* r = PQexec(conn, "SELECT count(*) FROM stock");
    const int64_t n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::atoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return n;
  });
  PQfinish(conn);
}

// A PostgreSQL cluster of the test's own (scripts/pg-cluster), since this test stops and
// starts its server: the one the other tests share must keep running.
class OwnPostgres {
 public:
  explicit OwnPostgres(const fs::path& dir) : state_((dir / "pg-state").string()) {
    started_ = Script("start") == 0;
    url_ = ReadFile(state_);
    while (!url_.empty() && (url_.back() == '\n' || url_.back() == ' ')) url_.pop_back();
  }
  ~OwnPostgres() { Script("stop"); }
  bool started() const { return started_ && !url_.empty(); }
  const std::string& url() const { return url_; }
  int Halt() { return Script("halt"); }
  int Resume() { return Script("resume"); }

 private:
  int Script(const std::string& verb) {
    const std::string command = std::string(VITRINE_SOURCE_DIR) + "/scripts/pg-cluster " + verb +
                                " '" + state_ + "' >/dev/null";
    return std::system(command.c_str());
  }
  std::string state_;
  std::string url_;
  bool started_ = false;
};

// PostgreSQL restarted under two serving nodes: while it is away both say so on /readyz and
// refuse writes with 503 (problem+json); once it is back they say in their logs that they
// listen again and catch up, /readyz is ready, and a write on one node reaches the other.
TEST(CliTest, NodesRideOutAPostgresRestart) {
  if (testing::TestPostgresUrl().empty())
    GTEST_SKIP() << "no PostgreSQL cluster (run through ctest)";
  TempDir dir;
  const fs::path root(dir.path());
  OwnPostgres postgres(root);
  ASSERT_TRUE(postgres.started());
  const std::string db = postgres.url();
  ASSERT_EQ(Vitrine({"migrate", "--db", db}, root).exit_code, 0) << ReadFile(root / "stderr.txt");
  const RunResult token = Vitrine({"token", "create", "--role", "admin", "--db", db}, root);
  ASSERT_EQ(token.exit_code, 0);
  const std::string secret = token.out.substr(0, token.out.find('\n'));

  std::vector<ServeProcess> nodes;
  for (const char* name : {"a", "b"}) {
    fs::create_directory(root / name);
    nodes.push_back(StartServe(root / name, "serve", {"--db", db}));
    ASSERT_FALSE(nodes.back().port.empty()) << ReadFile(root / name / "serve.err");
  }
  const std::string a = nodes[0].port, b = nodes[1].port;
  auto ready = [&](const std::string& port) { return Http(port, "GET", "/readyz").status; };
  auto title_on = [&](const std::string& port) {
    const auto product = nlohmann::json::parse(
        Http(port, "GET", "/api/v1/products/P-RESTART", secret).body, nullptr, false);
    return product.is_object() && product.contains("title") ? product["title"].dump() : "";
  };
  ASSERT_TRUE(WaitFor([&] { return ready(a) == 200 && ready(b) == 200; }));
  ASSERT_EQ(Http(a, "PUT", "/api/v1/products/P-RESTART", secret, R"({"title":"Avant"})").status,
            201);
  ASSERT_TRUE(WaitFor([&] { return title_on(b) == "\"Avant\""; })) << title_on(b);

  ASSERT_EQ(postgres.Halt(), 0);
  EXPECT_TRUE(WaitFor([&] { return ready(a) == 503 && ready(b) == 503; }));
  const HttpResult refused =
      Http(a, "PUT", "/api/v1/products/P-RESTART", secret, R"({"title":"Pendant"})");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("\"status\""), std::string::npos) << refused.body;

  ASSERT_EQ(postgres.Resume(), 0);
  EXPECT_TRUE(WaitFor([&] { return ready(a) == 200 && ready(b) == 200; }));
  for (const char* name : {"a", "b"}) {
    EXPECT_TRUE(WaitFor([&] {
      const std::string log = ReadFile(root / name / "serve.err");
      return log.find("lost the PostgreSQL connection") != std::string::npos &&
             log.find("listening to PostgreSQL again; catching up") != std::string::npos;
    })) << ReadFile(root / name / "serve.err");
  }
  EXPECT_EQ(Http(a, "PUT", "/api/v1/products/P-RESTART", secret, R"({"title":"Après"})").status,
            200);
  EXPECT_TRUE(WaitFor([&] { return title_on(b) == "\"Après\""; })) << title_on(b);

  for (const ServeProcess& node : nodes) {
    kill(node.pid, SIGTERM);
    int status = 0;
    waitpid(node.pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
}

// A feed written to a file that fails (here an unknown store) leaves the previous file as it
// was: whatever serves that file never sends a truncated feed.
TEST(CliTest, AFailedFeedWriteLeavesThePreviousFileWhole) {
  TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "v.db").string();
  ASSERT_EQ(Vitrine({"migrate", "--db", db}, dir.path()).exit_code, 0);
  const fs::path feed = dir.path() / "offers.csv";
  ASSERT_EQ(Vitrine({"feed", "offers-csv", "-o", feed.string(), "--db", db}, dir.path()).exit_code,
            0);
  const std::string before = ReadFile(feed);
  ASSERT_FALSE(before.empty());
  const RunResult failed = Vitrine(
      {"feed", "offers-csv", "--store", "NOWHERE", "-o", feed.string(), "--db", db}, dir.path());
  EXPECT_EQ(failed.exit_code, 3);
  EXPECT_EQ(ReadFile(feed), before);
  EXPECT_FALSE(fs::exists(feed.string() + ".tmp"));
}

TEST(CliTest, TokensAreShownOnceListedAndRevoked) {
  TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "v.db").string();
  const RunResult created = Vitrine({"token", "create", "--role", "platform", "--channel", "google",
                                     "--name", "GMC", "--db", db, "--json"},
                                    dir.path());
  ASSERT_EQ(created.exit_code, 0) << ReadFile(dir.path() / "stderr.txt");
  const auto token = nlohmann::json::parse(created.out);
  EXPECT_TRUE(token["token"].get<std::string>().starts_with("vit_"));
  EXPECT_EQ(token["role"], "platform");
  EXPECT_EQ(token["channel"], "google");
  const std::string id = token["id"];

  const RunResult listed = Vitrine({"token", "list", "--db", db}, dir.path());
  ASSERT_EQ(listed.exit_code, 0);
  EXPECT_NE(listed.out.find(id), std::string::npos);
  EXPECT_EQ(listed.out.find(token["token"].get<std::string>()), std::string::npos)
      << "the secret must never be listed";

  EXPECT_EQ(Vitrine({"token", "revoke", id, "--db", db}, dir.path()).exit_code, 0);
  EXPECT_EQ(Vitrine({"token", "revoke", id, "--db", db}, dir.path()).exit_code, 3);
  // A platform token without a channel is a usage error.
  EXPECT_EQ(Vitrine({"token", "create", "--role", "platform", "--db", db}, dir.path()).exit_code,
            2);
}

TEST(CliTest, UserAddGeneratesAPasswordAndRefusesDuplicates) {
  TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "v.db").string();
  const RunResult added =
      Vitrine({"user", "add", "marie@example.com", "--role", "approver", "--db", db}, dir.path());
  ASSERT_EQ(added.exit_code, 0) << ReadFile(dir.path() / "stderr.txt");
  EXPECT_NE(added.out.find("password: "), std::string::npos);
  EXPECT_EQ(
      Vitrine({"user", "add", "marie@example.com", "--role", "viewer", "--db", db}, dir.path())
          .exit_code,
      3);
  EXPECT_EQ(
      Vitrine({"user", "add", "Bad Login", "--role", "viewer", "--db", db}, dir.path()).exit_code,
      3);
}

// `vitrine serve` answers on the port it prints and stops cleanly on SIGTERM.
TEST(CliTest, ServeAnswersAndStopsOnSigterm) {
  TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "v.db").string();
  const auto [child, port] = StartServe(dir.path(), "serve", {"--db", db});
  ASSERT_FALSE(port.empty()) << ReadFile(dir.path() / "serve.err");
  const HttpResult health = Http(port, "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("ok"), std::string::npos);
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(ReadFile(dir.path() / "serve.err").find("stopped cleanly"), std::string::npos);
}

// `vitrine images fetch` against a picture server the test starts on 127.0.0.1: pictures
// land in the image cache with their failures explained, and without the test's loopback
// switch the guard refuses every one of them before connecting.
const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "pretend-pixels";

TEST(ImagesCliTest, FetchesPicturesExplainsFailuresAndTheGuardHoldsWithoutTheSwitch) {
  testing::LoopbackHttpServer server(
      [](const testing::HttpRequest& request, testing::HttpExchange& exchange) {
        if (request.target == "/p1.png") {
          exchange.Send(testing::HttpResponse(200, kPng, {{"Content-Type", "image/png"}}));
        } else {
          exchange.Send(
              testing::HttpResponse(200, "<html>shop</html>", {{"Content-Type", "text/html"}}));
        }
      });
  TempDir dir;
  const fs::path root(dir.path());
  const std::string db = "sqlite:" + (root / "v.db").string();
  std::ofstream(root / "products.csv") << "id,title,image_url\n"
                                       << "P1,Chocolat," << server.Url("/p1.png") << "\n"
                                       << "P2,Biscuits," << server.Url("/page.html") << "\n"
                                       << "P3,Sans image,\n";
  ASSERT_EQ(
      Vitrine({"import", "products", (root / "products.csv").string(), "--db", db}, root).exit_code,
      0);

  // Without the switch: refused at connect, the server sees nothing.
  RunResult guarded = Vitrine({"images", "fetch", "--db", db, "--json"}, root);
  EXPECT_EQ(guarded.exit_code, 1) << guarded.out;
  nlohmann::json report = nlohmann::json::parse(guarded.out);
  EXPECT_EQ(report["products_with_image"], 2);
  EXPECT_EQ(report["failed"], 2);
  EXPECT_NE(report["failures"][0]["reason"].get<std::string>().find("127.0.0.1"), std::string::npos)
      << report.dump();
  EXPECT_EQ(server.connections(), 0);

  // With it (tests and benchmarks only): P1's picture is cached; P2's page is refused with
  // its reason. --force: the failures just recorded would otherwise wait an hour.
  RunResult fetched = Vitrine({"images", "fetch", "--db", db, "--json", "--force"}, root,
                              "VITRINE_FETCH_ALLOW_LOOPBACK=1 ");
  EXPECT_EQ(fetched.exit_code, 1) << fetched.out;
  report = nlohmann::json::parse(fetched.out);
  EXPECT_EQ(report["fetched"], 1) << report.dump();
  EXPECT_EQ(report["failed"], 1) << report.dump();
  ASSERT_EQ(report["failures"].size(), 1u);
  EXPECT_EQ(report["failures"][0]["product_id"], "P2");
  EXPECT_NE(report["failures"][0]["reason"].get<std::string>().find("not a PNG, JPEG or WebP"),
            std::string::npos);
  int cached = 0;
  for (const auto& entry : fs::directory_iterator(root / "v.db.images")) {
    if (entry.path().extension() == ".img") {
      ++cached;
      std::ifstream in(entry.path(), std::ios::binary);
      EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), kPng);
    }
  }
  EXPECT_EQ(cached, 1);

  // Run again: P1 is fresh (nothing asked), P2 is not asked before an hour has passed.
  const int connections = server.connections();
  RunResult again =
      Vitrine({"images", "fetch", "--db", db}, root, "VITRINE_FETCH_ALLOW_LOOPBACK=1 ");
  EXPECT_NE(again.out.find("0 fetched, 0 not modified, 1 fresh, 0 failed, 1 skipped"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(server.connections(), connections);

  EXPECT_EQ(Vitrine({"images", "pull", "--db", db}, root).exit_code, 2);
}

// `vitrine sources run`: an ERP export on a (loopback) server fetched, imported and recorded,
// then not fetched again while its ETag holds; `vitrine destinations` lists and removes.
TEST(OutboundCliTest, RunsASourceConditionallyAndManagesDestinations) {
  const std::string csv = "id,title\nP1,Chocolat noir\nP2,Biscuits\n";
  testing::LoopbackHttpServer server(
      [&](const testing::HttpRequest& request, testing::HttpExchange& exchange) {
        if (request.Header("if-none-match") == "\"v1\"") {
          exchange.Send(testing::HttpResponse(304, "", {{"ETag", "\"v1\""}}));
        } else {
          exchange.Send(
              testing::HttpResponse(200, csv, {{"ETag", "\"v1\""}, {"Content-Type", "text/csv"}}));
        }
      });
  TempDir dir;
  const fs::path root(dir.path());
  const std::string db_url = "sqlite:" + (root / "v.db").string();
  {
    auto db = OpenDatabase(db_url);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Source source;
    source.id = "src_erp";
    source.kind = "products";
    source.format = "csv";
    source.url = server.Url("/exports/products.csv");
    ASSERT_TRUE((*db)->outbound().CreateSource(source, SystemClock::Instance().Now()).ok());
    Destination hook;
    hook.id = "dst_hook";
    hook.url = "https://hooks.example/vitrine";
    ASSERT_TRUE((*db)->outbound().CreateDestination(hook, SystemClock::Instance().Now()).ok());
  }
  // Without the loopback switch the guard refuses the address: a failed run, nothing fetched.
  RunResult guarded = Vitrine({"sources", "run", "src_erp", "--db", db_url}, root);
  EXPECT_EQ(guarded.exit_code, 3) << guarded.out;
  EXPECT_NE(guarded.out.find("failed"), std::string::npos) << guarded.out;
  EXPECT_EQ(server.connections(), 0);

  const char* env = "VITRINE_FETCH_ALLOW_LOOPBACK=1 ";
  RunResult first = Vitrine({"sources", "run", "src_erp", "--db", db_url}, root, env);
  EXPECT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("imported"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("\"inserted\": 2"), std::string::npos) << first.out;
  RunResult second = Vitrine({"sources", "run", "src_erp", "--db", db_url}, root, env);
  EXPECT_EQ(second.exit_code, 0) << second.out;
  EXPECT_NE(second.out.find("not_modified"), std::string::npos) << second.out;
  RunResult runs = Vitrine({"sources", "runs", "src_erp", "--db", db_url}, root);
  EXPECT_EQ(runs.exit_code, 0);
  EXPECT_NE(runs.out.find("imported"), std::string::npos) << runs.out;
  EXPECT_NE(runs.out.find("not_modified"), std::string::npos) << runs.out;

  RunResult list = Vitrine({"destinations", "list", "--db", db_url}, root);
  EXPECT_NE(list.out.find("dst_hook"), std::string::npos) << list.out;
  EXPECT_EQ(Vitrine({"destinations", "remove", "dst_hook", "--db", db_url}, root).exit_code, 0);
  EXPECT_EQ(Vitrine({"destinations", "remove", "dst_hook", "--db", db_url}, root).exit_code, 3);
  EXPECT_EQ(Vitrine({"destinations", "list", "--db", db_url}, root).out, "");
}

// `vitrine serve` killed (SIGKILL) while a webhook is in flight: the restarted hub sends it
// again once the dead process's lease has passed, with the same webhook-id, and it is
// delivered; nothing is lost.
TEST(OutboundCliTest, AWebhookInFlightWhenTheHubIsKilledIsSentAgainWithItsId) {
  std::mutex mu;
  std::vector<std::string> ids;
  std::atomic<bool> hang{true};
  testing::LoopbackHttpServer receiver(
      [&](const testing::HttpRequest& request, testing::HttpExchange& exchange) {
        {
          std::lock_guard lock(mu);
          ids.push_back(request.Header("webhook-id"));
        }
        if (hang) {
          exchange.Pause(std::chrono::seconds(30));  // until the hub dies
          return;
        }
        exchange.Send(testing::HttpResponse(204, ""));
      });
  TempDir dir;
  const fs::path root(dir.path());
  const std::string db = "sqlite:" + (root / "v.db").string();
  RunResult token = Vitrine({"token", "create", "--role", "admin", "--db", db}, root);
  ASSERT_EQ(token.exit_code, 0);
  const std::string secret = token.out.substr(0, token.out.find('\n'));

  auto start = [&](const std::string& name) {
    return StartServe(root, name, {"--db", db, "--delivery-lease-seconds", "2"},
                      {{"VITRINE_FETCH_ALLOW_LOOPBACK", "1"}});
  };
  auto curl = [&](const std::string& port, const std::string& method, const std::string& path,
                  const std::string& body) { return Http(port, method, path, secret, body); };

  const auto [first, port] = start("first");
  ASSERT_FALSE(port.empty()) << ReadFile(root / "first.err");
  HttpResult created = curl(port, "POST", "/api/v1/destinations",
                            "{\"kind\":\"webhook\",\"url\":\"" + receiver.Url("/hook") + "\"}");
  const nlohmann::json destination = nlohmann::json::parse(created.body, nullptr, false);
  ASSERT_TRUE(destination.contains("id")) << created.body;
  const std::string id = destination["id"];
  ASSERT_NE(curl(port, "POST", "/api/v1/destinations/" + id + "/ping", "").body.find("msg_"),
            std::string::npos);
  for (int i = 0; i < 500; ++i) {
    std::lock_guard lock(mu);
    if (!ids.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(ids.size(), 1u) << ReadFile(root / "first.err");
  }
  kill(first, SIGKILL);  // the attempt never finishes, nothing is recorded
  waitpid(first, nullptr, 0);
  hang = false;

  const auto [second, port2] = start("second");
  ASSERT_FALSE(port2.empty()) << ReadFile(root / "second.err");
  std::string state;
  for (int i = 0; i < 500 && state != "delivered"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const nlohmann::json page = nlohmann::json::parse(
        curl(port2, "GET", "/api/v1/destinations/" + id + "/deliveries", "").body, nullptr, false);
    if (page.contains("items") && !page["items"].empty()) state = page["items"][0]["state"];
  }
  kill(second, SIGTERM);
  waitpid(second, nullptr, 0);
  EXPECT_EQ(state, "delivered") << ReadFile(root / "second.err");
  std::lock_guard lock(mu);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_TRUE(ids[0].starts_with("msg_"));
  EXPECT_EQ(ids[1], ids[0]);
}

}  // namespace
}  // namespace vitrine
