// SftpClient: pushes feed files to and pulls source files from an SFTP server through
// libcurl's libssh2 backend (adapters notes H2-H6, §6), behind the same address guard as
// SafeFetcher: libcurl runs CURLOPT_OPENSOCKETFUNCTION for SFTP connections too.
//
// The server is authenticated by a pinned SHA-256 host key fingerprint, always: there is no
// known_hosts and no connecting without a pin. The client logs in with a password or an
// ed25519/ECDSA private key; an RSA key is refused before connecting, because libssh2 1.10
// signs ssh-rsa with SHA-1, which OpenSSH 9 refuses. Uploads are atomic for readers: the file
// goes to "<name>.tmp" and is renamed over "<name>" only when complete. A download's size cap
// is counted as bytes arrive (libcurl ignores MAXFILESIZE on SFTP). An SftpClient is
// immutable and safe to use from many threads; each call opens its own SSH connection.
//
// Remote paths are absolute ("/feeds/offers.xml") or relative to the login directory
// ("~/feeds/offers.xml").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

struct SftpEndpoint {
  std::string host;
  int port = 22;
  std::string user;
  // Password login, or key login when `private_key_file` is set (the key wins).
  std::string password;
  // OpenSSH or PEM private key, ed25519 or ECDSA. The public key is derived from it unless
  // `public_key_file` is given. `key_passphrase` decrypts an encrypted key.
  std::string private_key_file;
  std::string public_key_file;
  std::string key_passphrase;
  // The server's host key pin: base64 of the SHA-256 of its key, as `ssh-keygen -lf` prints
  // it ("SHA256:" prefix and missing '=' padding are accepted). Required.
  std::string host_key_sha256;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{std::chrono::minutes(10)};
  // Fewer than this many bytes/s for `low_speed_window` drops the transfer. 0 disables.
  int64_t low_speed_bytes_per_second = 1024;
  std::chrono::seconds low_speed_window{60};
  // Lets loopback (and only loopback) through the guard. For tests; never in production.
  bool allow_loopback = false;
};

// What a stat or a download learns of the remote file; (mtime, size) is a source's change
// detector (notes H6).
struct RemoteFileInfo {
  int64_t size = -1;   // bytes; -1 when the server did not say
  int64_t mtime = -1;  // Unix seconds; -1 when the server did not say
};

// Errors of every call are a Status that says what to do:
//   InvalidArgument     a bad endpoint or path, a missing pin, an RSA/DSA or unreadable key
//                       (permanent: fix the configuration)
//   PermissionDenied    the guard refused the address (names it and its class), or the host
//                       key does not match the pin (permanent, loud: a changed server key or
//                       a man in the middle)
//   Unauthenticated     the server refused the login (permanent until the credentials change)
//   NotFound            the remote file does not exist
//   ResourceExhausted   a download above its cap
//   Unavailable         connect failure, timeout, connection lost mid-transfer, a remote
//                       write or rename that failed: a retry may work
//   IoError             the local file could not be read or written
class SftpClient {
 public:
  explicit SftpClient(SftpEndpoint endpoint);

  // Uploads `local_file` to `remote_path`: to "<remote_path>.tmp", creating missing
  // directories, then removes any existing `remote_path` (SFTP v3 cannot rename onto an
  // existing file) and renames the upload into place. Readers see the old file or the new
  // one, never half of it; only the one round trip between rm and rename shows neither.
  Status Upload(const std::string& local_file, std::string_view remote_path) const;

  // Downloads `remote_path` into `local_file` (created or truncated), stopping with
  // ResourceExhausted after `max_bytes`. On any failure `local_file` is removed, so a partial
  // file is never mistaken for the source.
  Result<RemoteFileInfo> Download(std::string_view remote_path, const std::string& local_file,
                                  int64_t max_bytes) const;

  // Size and modification time of `remote_path`, without transferring it.
  Result<RemoteFileInfo> Stat(std::string_view remote_path) const;

  const SftpEndpoint& endpoint() const { return endpoint_; }

 private:
  const SftpEndpoint endpoint_;
};

// The key type of a private key file: "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa",
// "ssh-dss", ... read from the file's header (PEM) or its public part (OpenSSH format, which
// is not encrypted even when the key is). InvalidArgument for an unrecognised file; IoError
// when it cannot be read.
Result<std::string> PrivateKeyType(const std::string& private_key_file,
                                   std::string_view passphrase = {});

}  // namespace vitrine
