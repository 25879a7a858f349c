// `vitrine images fetch` as a user runs it, against a picture server the test starts on
// 127.0.0.1: pictures land in the image cache with their failures explained, and without the
// test's loopback switch the guard refuses every one of them before connecting.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../adapters/loopback_http_server.h"
#include "../store/temp_dir.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;
using testing::HttpExchange;
using testing::HttpRequest;
using testing::LoopbackHttpServer;

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "pretend-pixels";

struct CommandRun {
  int exit_code = -1;
  std::string out;
};

// The vitrine binary with `args`, `env` prefixed ("NAME=VALUE " or empty).
CommandRun Vitrine(const std::string& env, const std::vector<std::string>& args,
                   const fs::path& dir) {
  std::string command = env + std::string(VITRINE_BINARY);
  for (const auto& a : args) command += " '" + a + "'";
  command += " 2>>" + (dir / "stderr.txt").string();
  CommandRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) run.out.append(buf, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(ImagesCliTest, FetchesPicturesExplainsFailuresAndTheGuardHoldsWithoutTheSwitch) {
  LoopbackHttpServer server([](const HttpRequest& request, HttpExchange& exchange) {
    if (request.target == "/p1.png") {
      exchange.Send(testing::HttpResponse(200, kPng, {{"Content-Type", "image/png"}}));
    } else {
      exchange.Send(
          testing::HttpResponse(200, "<html>shop</html>", {{"Content-Type", "text/html"}}));
    }
  });
  testing::TempDir dir;
  const fs::path root(dir.path());
  const std::string db = "sqlite:" + (root / "v.db").string();
  std::ofstream(root / "products.csv") << "id,title,image_url\n"
                                       << "P1,Chocolat," << server.Url("/p1.png") << "\n"
                                       << "P2,Biscuits," << server.Url("/page.html") << "\n"
                                       << "P3,Sans image,\n";
  ASSERT_EQ(Vitrine("", {"import", "products", (root / "products.csv").string(), "--db", db}, root)
                .exit_code,
            0);

  // Without the switch: refused at connect, the server sees nothing.
  CommandRun guarded = Vitrine("", {"images", "fetch", "--db", db, "--json"}, root);
  EXPECT_EQ(guarded.exit_code, 1) << guarded.out;
  nlohmann::json report = nlohmann::json::parse(guarded.out);
  EXPECT_EQ(report["products_with_image"], 2);
  EXPECT_EQ(report["failed"], 2);
  EXPECT_NE(report["failures"][0]["reason"].get<std::string>().find("127.0.0.1"), std::string::npos)
      << report.dump();
  EXPECT_EQ(server.connections(), 0);

  // With it (tests and benchmarks only): P1's picture is cached; P2's page is refused with
  // its reason. --force: the failures just recorded would otherwise wait an hour.
  CommandRun fetched = Vitrine("VITRINE_FETCH_ALLOW_LOOPBACK=1 ",
                               {"images", "fetch", "--db", db, "--json", "--force"}, root);
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
  CommandRun again =
      Vitrine("VITRINE_FETCH_ALLOW_LOOPBACK=1 ", {"images", "fetch", "--db", db}, root);
  EXPECT_NE(again.out.find("0 fetched, 0 not modified, 1 fresh, 0 failed, 1 skipped"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(server.connections(), connections);

  EXPECT_EQ(Vitrine("", {"images", "pull", "--db", db}, root).exit_code, 2);
}

}  // namespace
}  // namespace vitrine
