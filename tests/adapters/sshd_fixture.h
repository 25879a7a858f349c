// A real OpenSSH sftp server for the SFTP tests: Debian's /usr/sbin/sshd started on a free
// 127.0.0.1 port with throw-away ed25519 host and client keys made by ssh-keygen in a fresh
// temporary directory (adapters notes H2, §6 "Test fixtures"). It serves internal-sftp only,
// logs in with the client key only, and never listens anywhere but 127.0.0.1.
//
// sshd never runs as root here: run by root (CI), it is dropped to `nobody` with setpriv,
// which spares it the privilege-separation directory /run/sshd and the `sshd` user that a
// root sshd needs; otherwise it runs as the current user. Either way the login user is the
// one sshd runs as, which needs `UsePAM yes` (without it sshd calls nobody's account locked).
// The destructor kills sshd and every session process it forked, and reaps them.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace vitrine::testing {

class SshdFixture {
 public:
  // Why SFTP tests cannot run here ("/usr/sbin/sshd is absent ..."), or empty when they can.
  static std::string WhyUnavailable();

  // Starts sshd and waits until it listens. Throws std::runtime_error (with sshd's log) if
  // it does not.
  SshdFixture();
  ~SshdFixture();
  SshdFixture(const SshdFixture&) = delete;
  SshdFixture& operator=(const SshdFixture&) = delete;

  int port() const { return port_; }
  const std::string& user() const { return user_; }
  // The directory the sftp session starts in (its "~"), an absolute path in the temp dir.
  const std::string& root() const { return root_; }
  // The authorised client key (ed25519, no passphrase).
  const std::string& client_key() const { return client_key_; }
  // The host key's fingerprint as `ssh-keygen -lf` prints it: "SHA256:<base64, no '='>".
  const std::string& host_key_fingerprint() const { return host_fingerprint_; }

  // A new key pair made by ssh-keygen in the temp dir (not authorised); returns the private
  // key's path. `extra` goes to ssh-keygen, e.g. {"-t", "rsa", "-b", "2048"}.
  std::string NewKey(const std::string& name, const std::vector<std::string>& extra) const;

  // Lets the key pair at `private_key` (its ".pub" beside it) log in too.
  void Authorize(const std::string& private_key) const;

  // TCP connections sshd has accepted so far (its "Connection from" log lines).
  int connections() const;
  std::string log() const;

  // SIGKILLs sshd and all its session processes now, as a crash would.
  void Kill();

 private:
  bool Start();  // false when the port was taken meanwhile
  std::string dir_;
  std::string root_;
  std::string client_key_;
  std::string host_fingerprint_;
  std::string user_;
  std::string log_path_;
  uid_t run_uid_ = 0;
  gid_t run_gid_ = 0;
  bool drop_to_nobody_ = false;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace vitrine::testing
