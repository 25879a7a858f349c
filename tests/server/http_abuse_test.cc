// The facade against abusive or broken clients, over real sockets on 127.0.0.1: aborted
// and stalled downloads, pipelined requests, bytes that are not HTTP, header floods and a
// process under a low descriptor limit. Every loop and wait is bounded.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"

extern char** environ;

#include "loopback_socket.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

using testing::Connect;
using testing::SendAll;

// Reads until `want` bytes, the end of the stream or the deadline; returns what came.
std::string ReadFor(int fd, std::chrono::milliseconds timeout, size_t want = SIZE_MAX) {
  std::string data;
  const auto deadline = SteadyClock::now() + timeout;
  while (data.size() < want) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left <= 0ms) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[16384];
    ssize_t n = ::recv(fd, buf, std::min(sizeof buf, want - data.size()), 0);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

// The responses in `raw`, each head plus Content-Length body.
std::vector<std::string> SplitResponses(std::string raw) {
  std::vector<std::string> out;
  static const std::regex kLength("Content-Length: (\\d+)", std::regex::icase);
  while (true) {
    size_t end = raw.find("\r\n\r\n");
    if (end == std::string::npos) break;
    std::smatch m;
    std::string head = raw.substr(0, end);
    size_t length = std::regex_search(head, m, kLength) ? std::stoul(m[1]) : 0;
    if (raw.size() < end + 4 + length) break;
    out.push_back(raw.substr(0, end + 4 + length));
    raw.erase(0, end + 4 + length);
  }
  return out;
}

// Reads until `count` whole responses came, the end of the stream or the deadline.
std::vector<std::string> ReadResponses(int fd, size_t count, std::chrono::milliseconds timeout) {
  std::string raw;
  const auto deadline = SteadyClock::now() + timeout;
  while (SplitResponses(raw).size() < count && SteadyClock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  return SplitResponses(raw);
}

bool ClosedByServer(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      char buf[65536];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
  }
  return false;
}

int OpenDescriptors() {
  int n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  while (::readdir(dir) != nullptr) ++n;
  ::closedir(dir);
  return n - 3;
}

// One GET on a fresh connection; the status, or 0 when no answer came within `timeout`.
int StatusOf(int port, const std::string& path, std::chrono::milliseconds timeout = 2s) {
  int fd = Connect(port);
  if (fd < 0) return 0;
  SendAll(fd, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string raw = ReadFor(fd, timeout, 12);
  ::close(fd);
  return raw.size() >= 12 && raw.starts_with("HTTP/1.1 ") ? std::stoi(raw.substr(9, 3)) : 0;
}

Route MakeRoute(std::string method, std::string pattern, RouteHandler handler) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.required_role = Role::kPublic;
  r.handler = std::move(handler);
  return r;
}

class HttpAbuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vitrine_abuse_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    feed_ = (dir_ / "feed.xml").string();
    std::ofstream(feed_, std::ios::binary) << std::string(4 * 1024 * 1024, 'f');
    options_.address = "127.0.0.1";
    options_.port = 0;
    options_.threads = 2;
    options_.log_sink = [](std::string_view) {};
  }
  void TearDown() override {
    server_.Stop();
    std::filesystem::remove_all(dir_);
  }
  void Start() {
    const std::string feed = feed_;
    ASSERT_TRUE(server_
                    .AddRoute(MakeRoute("GET", "/feed.xml",
                                        [feed](const HttpRequest&) {
                                          return HttpResponse::File(feed, "application/xml");
                                        }))
                    .ok());
    ASSERT_TRUE(server_
                    .AddRoute(MakeRoute("POST", "/echo",
                                        [](const HttpRequest& r) {
                                          return HttpResponse::Text(200, "got " + r.body);
                                        }))
                    .ok());
    ASSERT_TRUE(server_
                    .AddRoute(MakeRoute("GET", "/things/{id}",
                                        [](const HttpRequest& r) {
                                          return HttpResponse::Text(
                                              200, "thing " + std::string(r.PathParam("id")));
                                        }))
                    .ok());
    Status s = server_.Start(options_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::filesystem::path dir_;
  std::string feed_;
  ServerOptions options_;
  HttpServer server_;
};

// Downloads cut after 64 KiB, half closed and half reset by the client; the descriptors of
// the process must come back to where they were.
void AbortDownloads(int port, int count) {
  for (int i = 0; i < count; ++i) {
    int fd = Connect(port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, "GET /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_GE(ReadFor(fd, 5s, 64 * 1024).size(), 64u * 1024);
    if (i % 2 == 1) {
      linger l{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::close(fd);
  }
}

int DescriptorsSettle(int baseline) {
  int now = OpenDescriptors();
  for (auto deadline = SteadyClock::now() + 5s; now > baseline + 3 && SteadyClock::now() < deadline;
       now = OpenDescriptors()) {
    std::this_thread::sleep_for(50ms);
  }
  return now;
}

TEST_F(HttpAbuseTest, AbortedDownloadsLeaveNoDescriptorOpen) {
  Start();
  ASSERT_EQ(StatusOf(server_.port(), "/healthz"), 200);
  const int baseline = OpenDescriptors();
  AbortDownloads(server_.port(), 60);
  const int after = DescriptorsSettle(baseline);
  EXPECT_LE(after, baseline + 3) << "descriptors before " << baseline << ", after " << after;
  EXPECT_EQ(StatusOf(server_.port(), "/healthz"), 200);
}

TEST_F(HttpAbuseTest, AbortedDownloadsOfFilesTooLargeToCacheCloseTheirFiles) {
  options_.file_cache_bytes = 1024 * 1024;  // the 4 MiB file is read from disk per window
  Start();
  ASSERT_EQ(StatusOf(server_.port(), "/healthz"), 200);
  const int baseline = OpenDescriptors();
  AbortDownloads(server_.port(), 60);
  const int after = DescriptorsSettle(baseline);
  EXPECT_LE(after, baseline + 3) << "descriptors before " << baseline << ", after " << after;
  // A whole download is the whole file.
  int fd = Connect(server_.port());
  ASSERT_TRUE(SendAll(fd, "GET /feed.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string raw = ReadFor(fd, 10s);
  ::close(fd);
  size_t end = raw.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  EXPECT_NE(raw.find("Content-Length: 4194304"), std::string::npos);
  EXPECT_EQ(raw.substr(end + 4), std::string(4 * 1024 * 1024, 'f'));
}

TEST_F(HttpAbuseTest, AStalledReaderIsDroppedAfterTheSendTimeoutWhileOthersAreServed) {
  options_.send_timeout = 1s;
  options_.threads = 1;  // the stalled client and the probes share the event loop
  Start();
  std::vector<int> stalled;
  for (int i = 0; i < 8; ++i) {
    int fd = Connect(server_.port(), 4096);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, "GET /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n"));
    stalled.push_back(fd);
  }
  // The readers take nothing; the server keeps answering others meanwhile.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(StatusOf(server_.port(), "/healthz", 1s), 200);
    EXPECT_EQ(StatusOf(server_.port(), "/things/1", 1s), 200);
  }
  std::this_thread::sleep_for(1500ms);
  for (int fd : stalled) {
    EXPECT_TRUE(ClosedByServer(fd, 3s));
    ::close(fd);
  }
  // A reader that keeps taking bytes, however slowly, gets the whole file.
  int fd = Connect(server_.port());
  ASSERT_TRUE(SendAll(fd, "GET /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string raw = ReadFor(fd, 10s, 4 * 1024 * 1024 + 100);
  ::close(fd);
  EXPECT_NE(raw.find("Content-Length: 4194304"), std::string::npos);
  EXPECT_GE(raw.size(), 4u * 1024 * 1024);
}

TEST_F(HttpAbuseTest, PipelinedRequestsAreAllAnsweredInOrder) {
  Start();
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "GET /things/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                      "GET /things/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto responses = ReadResponses(fd, 3, 1s);
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_TRUE(responses[0].ends_with("thing 1")) << responses[0];
  EXPECT_TRUE(responses[1].ends_with("got hello")) << responses[1];
  EXPECT_TRUE(responses[2].ends_with("thing 3")) << responses[2];
  EXPECT_TRUE(ClosedByServer(fd, 1s));
  ::close(fd);

  // A large response, then a small one pipelined behind it: the order holds.
  fd = Connect(server_.port());
  ASSERT_TRUE(SendAll(fd,
                      "GET /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /things/2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  responses = ReadResponses(fd, 2, 10s);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_NE(responses[0].find("Content-Length: 4194304"), std::string::npos);
  EXPECT_TRUE(responses[1].ends_with("thing 2"));
  ::close(fd);
}

TEST_F(HttpAbuseTest, BytesThatCannotBeHttpGet400AtOnce) {
  Start();  // header_timeout stays 10 s: the answers must not wait for it
  const std::vector<std::string> garbage = {
      "GET /things/1 HTTP/1.1\nHost: x\n\n",                            // bare LF
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),  // a TLS hello
      "G@T /things/1 HTTP/1.1\r\n",                                     // not a method
      "GET /things/1 HTTP/1.1\r\nHost: x\x01y\r\n",                     // control character
  };
  for (const std::string& bytes : garbage) {
    int fd = Connect(server_.port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, bytes));
    const auto sent = SteadyClock::now();
    std::string raw = ReadFor(fd, 2s, 12);
    EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 400") << bytes;
    EXPECT_LT(SteadyClock::now() - sent, 1s);
    EXPECT_TRUE(ClosedByServer(fd, 2s));
    ::close(fd);
  }
}

TEST_F(HttpAbuseTest, MoreThanAHundredHeaderFieldsIs431) {
  Start();
  std::string head = "GET /things/1 HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 99; ++i) head += "X-F" + std::to_string(i) + ": v\r\n";
  int fd = Connect(server_.port());
  ASSERT_TRUE(SendAll(fd, head + "\r\n"));
  EXPECT_EQ(ReadFor(fd, 2s, 12).substr(0, 12), "HTTP/1.1 200");  // exactly 100
  ::close(fd);
  fd = Connect(server_.port());
  ASSERT_TRUE(SendAll(fd, head + "X-Last: v\r\n\r\n"));
  EXPECT_EQ(ReadFor(fd, 2s, 12).substr(0, 12), "HTTP/1.1 431");
  ::close(fd);
}

TEST_F(HttpAbuseTest, PastTheConnectionCapTheOldestIdleGoesElse503) {
  options_.max_connections = 8;
  Start();
  // Eight silent connections fill the cap; a ninth makes the oldest silent one go (which
  // one that is depends on when each worker thread saw its connection).
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(Connect(server_.port()));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(StatusOf(server_.port(), "/healthz"), 200);
  size_t closed = 0;
  for (auto deadline = SteadyClock::now() + 2s; closed == 0 && SteadyClock::now() < deadline;) {
    for (int fd : idle) closed += ClosedByServer(fd, 10ms);
  }
  EXPECT_EQ(closed, 1u);
  for (int fd : idle) ::close(fd);
  std::this_thread::sleep_for(200ms);

  // Eight connections halfway through a head are not idle: the next one gets 503.
  std::vector<int> busy;
  for (int i = 0; i < 8; ++i) {
    int fd = Connect(server_.port());
    SendAll(fd, "GET /things/1 HTTP/1.1\r\n");
    busy.push_back(fd);
  }
  std::this_thread::sleep_for(200ms);
  int fd = Connect(server_.port());
  std::string raw = ReadFor(fd, 2s);
  EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 503") << raw;
  EXPECT_NE(raw.find("Retry-After: 1"), std::string::npos);
  ::close(fd);
  for (int b : busy) ::close(b);
}

// Run in a child process by the next test: serves under RLIMIT_NOFILE 128 until its
// standard input closes, after writing its port to standard output.
TEST(HttpFdLimitChild, ServeUnderLowDescriptorLimit) {
  if (std::getenv("VITRINE_FD_LIMIT_CHILD") == nullptr) GTEST_SKIP() << "run by the next test";
  rlimit limit{128, 128};
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);
  HttpServer server;
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.log_sink = [](std::string_view) {};
  ASSERT_TRUE(server.Start(options).ok());
  std::string port = std::to_string(server.port()) + "\n";
  ASSERT_EQ(::write(STDOUT_FILENO, port.data(), port.size()), static_cast<ssize_t>(port.size()));
  char c;
  while (::read(STDIN_FILENO, &c, 1) > 0) {
  }
}

long CpuTicks(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

TEST(HttpFdLimitTest, ThreeHundredConnectionsUnderALimitOf128NeitherSpinNorStarveProbes) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan checks a vptr by writing the object's memory into a pipe (sanitizer_common's
  // IsAccessibleMemoryRange): with every descriptor taken that pipe cannot be made, every
  // virtual call then looks invalid and the halting build ends the server. Run by the debug
  // suite and by bench/abuse.
  GTEST_SKIP() << "the sanitizers need descriptors of their own";
#endif
  int to_child[2], from_child[2];
  ASSERT_EQ(::pipe2(to_child, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(from_child, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
  std::string filter = "--gtest_filter=HttpFdLimitChild.*";
  std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  char* argv[] = {exe.data(), filter.data(), nullptr};
  std::vector<std::string> env_strings = {"VITRINE_FD_LIMIT_CHILD=1"};
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, exe.c_str(), &actions, nullptr, argv, envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(to_child[0]);
  ::close(from_child[1]);
  // gtest prints its banner first; the port is the line that is all digits.
  int port = 0;
  std::string out;
  const auto deadline = SteadyClock::now() + 20s;
  while (port == 0 && SteadyClock::now() < deadline) {
    pollfd p{from_child[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(from_child[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    std::smatch m;
    static const std::regex kPort("(^|\\n)(\\d+)\\n");
    if (std::regex_search(out, m, kPort)) port = std::stoi(m[2]);
  }
  ASSERT_GT(port, 0) << out;

  std::vector<int> held;
  for (int i = 0; i < 300; ++i) {
    int fd = Connect(port);
    if (fd >= 0) held.push_back(fd);
  }
  std::this_thread::sleep_for(300ms);
  const long before = CpuTicks(child);
  int answered = 0;
  for (int i = 0; i < 10; ++i) {
    answered += StatusOf(port, "/healthz", 2s) == 200;
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(1s);
  const long ticks = CpuTicks(child) - before;  // over about 2 s
  EXPECT_EQ(answered, 10);
  // A spinning accept loop burns a whole core (~200 ticks in 2 s); serving ten probes
  // takes a few.
  EXPECT_LT(ticks, 60) << "the server used " << ticks << " clock ticks of CPU";

  for (int fd : held) ::close(fd);
  ::close(to_child[1]);
  int status = 0;
  for (int i = 0; i < 100 && ::waitpid(child, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  if (::waitpid(child, &status, WNOHANG) == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  ::close(from_child[0]);
}

}  // namespace
}  // namespace vitrine
