#include "sshd_fixture.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace vitrine::testing {
namespace {

constexpr const char* kSshd = "/usr/sbin/sshd";
constexpr const char* kSshKeygen = "/usr/bin/ssh-keygen";
constexpr const char* kSetpriv = "/usr/bin/setpriv";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Starts `argv` with stdin from /dev/null and stdout and stderr to `output`.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& output) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + strerror(rc));
  return pid;
}

// Runs `argv` to completion; throws with its output unless it exits 0.
std::string Run(const std::vector<std::string>& argv, const std::string& output) {
  const pid_t pid = Spawn(argv, output);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string out = ReadFile(output);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(argv[0] + " failed: " + out);
  }
  return out;
}

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port on 127.0.0.1");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// Every process descended from `root`, deepest first, from /proc.
std::vector<pid_t> Descendants(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      const pid_t pid = static_cast<pid_t>(atoi(e->d_name));
      if (pid <= 0) continue;
      const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
      const size_t close_paren = stat.rfind(')');
      if (close_paren == std::string::npos) continue;
      std::istringstream rest(stat.substr(close_paren + 2));
      char state = 0;
      pid_t ppid = 0;
      rest >> state >> ppid;
      children.emplace(ppid, pid);
    }
    closedir(d);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> frontier{root};
  while (!frontier.empty()) {
    const pid_t p = frontier.back();
    frontier.pop_back();
    auto [begin, end] = children.equal_range(p);
    for (auto it = begin; it != end; ++it) {
      out.push_back(it->second);
      frontier.push_back(it->second);
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

std::string SshdFixture::WhyUnavailable() {
  if (access(kSshd, X_OK) != 0) {
    return std::string(kSshd) +
           " is absent: install openssh-server (scripts/install-deps) to run the SFTP tests";
  }
  return {};
}

SshdFixture::SshdFixture() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "vitrine-sshd-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  root_ = dir_ + "/root";
  std::filesystem::create_directory(root_);
  log_path_ = dir_ + "/sshd.log";

  drop_to_nobody_ = geteuid() == 0;
  const passwd* pw = drop_to_nobody_ ? getpwnam("nobody") : getpwuid(geteuid());
  if (!pw) throw std::runtime_error("no passwd entry for the sshd user");
  user_ = pw->pw_name;
  run_uid_ = pw->pw_uid;
  run_gid_ = pw->pw_gid;

  const std::string keygen_out = dir_ + "/keygen.out";
  Run({kSshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "vitrine-test-host", "-f",
       dir_ + "/host_key"},
      keygen_out);
  client_key_ = dir_ + "/client_key";
  Run({kSshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "vitrine-test-client", "-f", client_key_},
      keygen_out);
  std::filesystem::copy_file(client_key_ + ".pub", dir_ + "/authorized_keys");
  // "256 SHA256:<base64> vitrine-test-host (ED25519)"
  std::istringstream fingerprint(Run({kSshKeygen, "-lf", dir_ + "/host_key.pub"}, keygen_out));
  std::string bits;
  fingerprint >> bits >> host_fingerprint_;

  if (drop_to_nobody_) {
    // nobody must read its host key (which must be its own, mode 0600) and the config, and
    // write in the sftp root; the temp dir itself was made 0700 by mkdtemp.
    chmod(dir_.c_str(), 0755);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
      if (chown(entry.path().c_str(), run_uid_, run_gid_) != 0) {
        throw std::runtime_error("cannot chown " + entry.path().string() + " to nobody");
      }
    }
    if (chown(dir_.c_str(), run_uid_, run_gid_) != 0) throw std::runtime_error("chown failed");
  }

  for (int attempt = 0; attempt < 5; ++attempt) {
    if (Start()) return;
  }
  const std::string log_text = log();
  Kill();
  std::filesystem::remove_all(dir_);
  throw std::runtime_error("sshd did not start listening:\n" + log_text);
}

bool SshdFixture::Start() {
  port_ = FreeLoopbackPort();
  const std::string config = dir_ + "/sshd_config";
  {
    std::ofstream cfg(config);
    cfg << "ListenAddress 127.0.0.1\n"
        << "Port " << port_ << "\n"
        << "HostKey " << dir_ << "/host_key\n"
        << "AuthorizedKeysFile " << dir_ << "/authorized_keys\n"
        << "PidFile " << dir_ << "/sshd.pid\n"
        << "StrictModes no\n"
        << "UsePAM yes\n"
        << "PasswordAuthentication no\n"
        << "KbdInteractiveAuthentication no\n"
        << "PrintMotd no\n"
        << "LogLevel VERBOSE\n"
        << "Subsystem sftp internal-sftp\n"
        << "ForceCommand internal-sftp -d " << root_ << "\n";
  }
  if (drop_to_nobody_ && chown(config.c_str(), run_uid_, run_gid_) != 0) {
    throw std::runtime_error("cannot chown the sshd config");
  }
  std::vector<std::string> argv;
  if (drop_to_nobody_) {
    argv = {kSetpriv, "--reuid=" + std::to_string(run_uid_), "--regid=" + std::to_string(run_gid_),
            "--clear-groups"};
  }
  // An absolute path: sshd re-executes itself and refuses a relative one.
  for (const char* a : {kSshd, "-D", "-e", "-f"}) argv.push_back(a);
  argv.push_back(config);
  pid_ = Spawn(argv, log_path_);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    // "Server listening on" is logged after listen(): from then on the port accepts.
    if (log().find("Server listening on 127.0.0.1 port " + std::to_string(port_)) !=
        std::string::npos) {
      return true;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (log().find("Address already in use") != std::string::npos) return false;
      throw std::runtime_error("sshd exited at start:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("sshd did not listen within 10 s:\n" + log());
}

SshdFixture::~SshdFixture() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void SshdFixture::Kill() {
  if (pid_ <= 0) return;
  // Session processes first (each has called setsid, so a process group kill misses them),
  // then the listener, which is our child and is reaped here.
  for (pid_t p : Descendants(pid_)) kill(p, SIGKILL);
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string SshdFixture::NewKey(const std::string& name,
                                const std::vector<std::string>& extra) const {
  const std::string path = dir_ + "/" + name;
  std::vector<std::string> argv = {kSshKeygen, "-q", "-N", "", "-C", name, "-f", path};
  argv.insert(argv.begin() + 1, extra.begin(), extra.end());
  Run(argv, dir_ + "/keygen.out");
  return path;
}

void SshdFixture::Authorize(const std::string& private_key) const {
  std::ofstream(dir_ + "/authorized_keys", std::ios::app) << ReadFile(private_key + ".pub");
}

int SshdFixture::connections() const {
  const std::string text = log();
  int n = 0;
  for (size_t pos = 0; (pos = text.find("Connection from ", pos)) != std::string::npos; ++pos) {
    ++n;
  }
  return n;
}

std::string SshdFixture::log() const { return ReadFile(log_path_); }

}  // namespace vitrine::testing
