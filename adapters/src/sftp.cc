#include "adapters/sftp.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base64.h"
#include "curl_common.h"

namespace vitrine {
namespace {

using adapters_internal::Append;
using adapters_internal::ApplyGuardedDefaults;
using adapters_internal::CheckUrl;
using adapters_internal::DecodeBase64;
using adapters_internal::EasyHandle;
using adapters_internal::ErrorDetail;
using adapters_internal::GuardState;
using adapters_internal::Slist;

constexpr size_t kMaxKeyFileBytes = 64 * 1024;

struct FileCloser {
  void operator()(FILE* f) const { fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

bool HasControl(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// A big-endian uint32-length-prefixed field of the OpenSSH key format.
std::optional<std::string_view> ReadSshString(std::string_view& in) {
  if (in.size() < 4) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const uint32_t n = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  if (in.size() - 4 < n) return std::nullopt;
  std::string_view field = in.substr(4, n);
  in.remove_prefix(4 + n);
  return field;
}

// "openssh-key-v1\0", cipher, kdf, kdf options, key count, then the public key in the clear;
// its first field is the key type.
Result<std::string> OpenSshKeyType(const std::string& base64_body) {
  std::optional<std::vector<unsigned char>> bytes = DecodeBase64(base64_body);
  if (!bytes) return Status::InvalidArgument("the OpenSSH key's body is not valid base64");
  std::string_view in(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  constexpr std::string_view kMagic("openssh-key-v1\0", 15);
  if (!in.starts_with(kMagic)) return Status::InvalidArgument("not an openssh-key-v1 key");
  in.remove_prefix(kMagic.size());
  for (int i = 0; i < 3; ++i) {
    if (!ReadSshString(in)) return Status::InvalidArgument("truncated OpenSSH key");
  }
  if (in.size() < 4) return Status::InvalidArgument("truncated OpenSSH key");
  in.remove_prefix(4);  // number of keys
  std::optional<std::string_view> public_key = ReadSshString(in);
  if (!public_key) return Status::InvalidArgument("truncated OpenSSH key");
  std::optional<std::string_view> type = ReadSshString(*public_key);
  if (!type || type->empty()) return Status::InvalidArgument("OpenSSH key without a type");
  return std::string(*type);
}

// PKCS#8 ("BEGIN PRIVATE KEY", possibly encrypted): only OpenSSL can say what is inside.
Result<std::string> Pkcs8KeyType(const std::string& text, std::string_view passphrase) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
  const std::string pass(passphrase);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>(pass.c_str())),
      &EVP_PKEY_free);
  if (!key) {
    return Status::InvalidArgument(
        "cannot read the PKCS#8 private key (wrong passphrase, or not a key)");
  }
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_ED25519:
      return std::string("ssh-ed25519");
    case EVP_PKEY_EC:
      return std::string("ecdsa-sha2");
    case EVP_PKEY_RSA:
      return std::string("ssh-rsa");
    case EVP_PKEY_DSA:
      return std::string("ssh-dss");
    default:
      return Status::InvalidArgument("the PKCS#8 private key is of an unsupported type");
  }
}

// Refuses a key libssh2 1.10 cannot use against a current OpenSSH server, before connecting.
Status CheckKeyUsable(const SftpEndpoint& e) {
  Result<std::string> type = PrivateKeyType(e.private_key_file, e.key_passphrase);
  if (!type.ok()) return type.status().WithContext("private key " + e.private_key_file);
  if (*type == "ssh-ed25519" || type->starts_with("ecdsa-sha2")) return Status::Ok();
  if (*type == "ssh-rsa") {
    return Status::InvalidArgument(
        "private key " + e.private_key_file +
        " is an RSA key: libssh2 1.10 signs ssh-rsa with SHA-1, which OpenSSH 9 refuses; use "
        "an ed25519 key (ssh-keygen -t ed25519) or ECDSA");
  }
  return Status::InvalidArgument("private key " + e.private_key_file + " is of type " + *type +
                                 ": only ed25519 and ECDSA keys are supported");
}

// The pin as libcurl wants it: base64 with its '=' padding, which `ssh-keygen -l` drops
// (notes H4), without the "SHA256:" prefix it prints.
Result<std::string> NormalisedPin(std::string_view pin) {
  if (pin.starts_with("SHA256:")) pin.remove_prefix(7);
  std::string padded(pin);
  while (padded.size() % 4 != 0) padded += '=';
  if (padded.empty()) {
    return Status::InvalidArgument(
        "the host key pin (host_key_sha256) is required: an SFTP server is never trusted "
        "unpinned");
  }
  std::optional<std::vector<unsigned char>> digest = DecodeBase64(padded);
  if (!digest || digest->size() != 32) {
    return Status::InvalidArgument("the host key pin is not the base64 of a SHA-256 digest");
  }
  return padded;
}

// Percent-encodes a path for the URL; libcurl decodes it again before use.
std::string EncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status CheckRemotePath(std::string_view path) {
  if (!path.starts_with("/") && !path.starts_with("~/")) {
    return Status::InvalidArgument("remote path \"" + std::string(path) +
                                   "\" must start with / or ~/");
  }
  if (path.ends_with("/") || HasControl(path)) {
    return Status::InvalidArgument("remote path \"" + std::string(path) +
                                   "\" must name a file and hold no control character");
  }
  return Status::Ok();
}

// The path as a quote command argument: quoted (so spaces are fine) and, for "~/x", relative
// ("x"), which the server resolves from the login directory. libcurl expands "~" only in an
// unquoted "/~/" (measured on 7.88).
std::string QuotedPath(std::string_view path) {
  if (path.starts_with("~/")) path.remove_prefix(2);
  std::string out = "\"";
  for (char c : path) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct DownloadSink {
  FILE* out = nullptr;
  int64_t max_bytes = 0;
  int64_t written = 0;
  bool too_large = false;
  bool write_failed = false;
};

// The cap lives here: libcurl ignores MAXFILESIZE on SFTP (notes H6).
size_t WriteDownload(char* data, size_t size, size_t count, void* userdata) {
  auto* d = static_cast<DownloadSink*>(userdata);
  const size_t n = size * count;
  if (d->written + static_cast<int64_t>(n) > d->max_bytes) {
    d->too_large = true;
    return 0;
  }
  if (fwrite(data, 1, n, d->out) != n) {
    d->write_failed = true;
    return 0;
  }
  d->written += static_cast<int64_t>(n);
  return n;
}

size_t ReadUpload(char* buffer, size_t size, size_t count, void* userdata) {
  FILE* f = static_cast<FILE*>(userdata);
  const size_t n = fread(buffer, 1, size * count, f);
  return ferror(f) ? CURL_READFUNC_ABORT : n;
}

// One SFTP transfer: the URL, the guard, authentication and the pin.
class Session {
 public:
  explicit Session(const SftpEndpoint& e) : e_(e) { guard_.allow_loopback = e.allow_loopback; }

  Status Prepare(std::string_view remote_path) {
    where_ = "sftp " + e_.user + "@" + e_.host + ":" + std::to_string(e_.port) +
             std::string(remote_path);
    if (e_.host.empty() || HasControl(e_.host) ||
        e_.host.find_first_of("/@?# ") != std::string::npos) {
      return Status::InvalidArgument(where_ + ": invalid host \"" + e_.host + "\"");
    }
    if (e_.port <= 0 || e_.port > 65535) {
      return Status::InvalidArgument(where_ + ": invalid port " + std::to_string(e_.port));
    }
    if (e_.user.empty() || HasControl(e_.user)) {
      return Status::InvalidArgument(where_ + ": a user name is required");
    }
    VITRINE_RETURN_IF_ERROR(CheckRemotePath(remote_path).WithContext(where_));
    Result<std::string> pin = NormalisedPin(e_.host_key_sha256);
    if (!pin.ok()) return pin.status().WithContext(where_);
    pin_ = *std::move(pin);
    if (!e_.private_key_file.empty()) {
      VITRINE_RETURN_IF_ERROR(CheckKeyUsable(e_).WithContext(where_));
    } else if (e_.password.empty()) {
      return Status::InvalidArgument(where_ + ": a password or a private key is required");
    }
    const std::string host = e_.host.find(':') != std::string::npos ? "[" + e_.host + "]" : e_.host;
    const std::string path =
        remote_path.starts_with("~/") ? "/" + std::string(remote_path) : std::string(remote_path);
    Result<std::string> url =
        CheckUrl("sftp://" + host + ":" + std::to_string(e_.port) + EncodePath(path), {"sftp"});
    if (!url.ok()) return url.status().WithContext(where_);
    url_ = *std::move(url);

    easy_.reset(curl_easy_init());
    if (!easy_) return Status::Internal("curl_easy_init failed");
    CURL* h = easy_.get();
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    ApplyGuardedDefaults(h, "sftp", &guard_, error_, e_.connect_timeout, e_.total_timeout,
                         e_.low_speed_bytes_per_second, e_.low_speed_window);
    curl_easy_setopt(h, CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, pin_.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, e_.user.c_str());
    if (!e_.private_key_file.empty()) {
      curl_easy_setopt(h, CURLOPT_SSH_AUTH_TYPES, static_cast<long>(CURLSSH_AUTH_PUBLICKEY));
      curl_easy_setopt(h, CURLOPT_SSH_PRIVATE_KEYFILE, e_.private_key_file.c_str());
      // "" makes libssh2 derive the public key from the private one; unset, libcurl would
      // look for ~/.ssh/id_dsa.pub.
      curl_easy_setopt(h, CURLOPT_SSH_PUBLIC_KEYFILE, e_.public_key_file.c_str());
      if (!e_.key_passphrase.empty()) {
        curl_easy_setopt(h, CURLOPT_KEYPASSWD, e_.key_passphrase.c_str());
      }
    } else {
      curl_easy_setopt(h, CURLOPT_SSH_AUTH_TYPES,
                       static_cast<long>(CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD));
      curl_easy_setopt(h, CURLOPT_PASSWORD, e_.password.c_str());
    }
    return Status::Ok();
  }

  CURL* handle() { return easy_.get(); }
  const std::string& where() const { return where_; }

  Status Perform(const DownloadSink* download = nullptr) {
    const CURLcode rc = curl_easy_perform(easy_.get());
    if (rc == CURLE_OK) return Status::Ok();
    return Error(rc, ErrorDetail(rc, error_), download).WithContext(where_);
  }

  RemoteFileInfo Info() {
    RemoteFileInfo info;
    curl_off_t mtime = -1;
    curl_off_t size = -1;
    curl_easy_getinfo(easy_.get(), CURLINFO_FILETIME_T, &mtime);
    curl_easy_getinfo(easy_.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size);
    info.mtime = mtime;
    info.size = size;
    return info;
  }

 private:
  Status Error(CURLcode rc, const std::string& detail, const DownloadSink* download) const {
    switch (rc) {
      case CURLE_COULDNT_CONNECT:
        if (!guard_.refused.empty()) return guard_.Refusal();
        return Status::Unavailable("cannot connect: " + detail);
      case CURLE_PEER_FAILED_VERIFICATION:
        return Status::PermissionDenied(
            "HOST KEY MISMATCH: the server's key is not the pinned one (a changed server key "
            "or a man in the middle; re-pin only after checking with the server's owner): " +
            detail);
      case CURLE_LOGIN_DENIED:
        return Status::Unauthenticated("the server refused the login of user \"" + e_.user +
                                       "\": " + detail);
      case CURLE_REMOTE_FILE_NOT_FOUND:
        return Status::NotFound("no such remote file: " + detail);
      case CURLE_REMOTE_ACCESS_DENIED:
        return Status::PermissionDenied("the server denied access: " + detail);
      case CURLE_QUOTE_ERROR:
        return Status::Unavailable("uploaded, but replacing the file with the upload failed: " +
                                   detail);
      case CURLE_WRITE_ERROR:
        if (download && download->too_large) {
          return Status::ResourceExhausted("file too large: more than " +
                                           std::to_string(download->max_bytes) +
                                           " bytes (stopped reading)");
        }
        return Status::IoError("writing the local file failed: " + detail);
      case CURLE_READ_ERROR:
      case CURLE_ABORTED_BY_CALLBACK:
        return Status::IoError("reading the local file failed: " + detail);
      case CURLE_OPERATION_TIMEDOUT:
        return Status::Unavailable("timeout: " + detail);
      default:
        return Status::Unavailable(std::string(curl_easy_strerror(rc)) + ": " + detail);
    }
  }

  const SftpEndpoint& e_;
  GuardState guard_;
  char error_[CURL_ERROR_SIZE] = {};
  std::string where_;
  std::string pin_;
  std::string url_;
  EasyHandle easy_;
};

}  // namespace

Result<std::string> PrivateKeyType(const std::string& private_key_file,
                                   std::string_view passphrase) {
  std::ifstream in(private_key_file, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + private_key_file + ": " + strerror(errno));
  std::string text(kMaxKeyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxKeyFileBytes) return Status::InvalidArgument("too large for a key file");

  std::istringstream lines(text);
  std::string line;
  std::string label;
  std::string body;
  bool in_body = false;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!in_body && line.starts_with("-----BEGIN ") && line.ends_with("-----")) {
      label = line.substr(11, line.size() - 16);
      in_body = true;
    } else if (in_body && line.starts_with("-----END ")) {
      break;
    } else if (in_body && line.find(':') == std::string::npos) {  // skip PEM headers
      body += line;
    }
  }
  if (label == "OPENSSH PRIVATE KEY") return OpenSshKeyType(body);
  if (label == "RSA PRIVATE KEY") return std::string("ssh-rsa");
  if (label == "DSA PRIVATE KEY") return std::string("ssh-dss");
  if (label == "EC PRIVATE KEY") return std::string("ecdsa-sha2");
  if (label == "PRIVATE KEY" || label == "ENCRYPTED PRIVATE KEY") {
    return Pkcs8KeyType(text, passphrase);
  }
  return Status::InvalidArgument("not a private key file (no OpenSSH or PEM private key)");
}

SftpClient::SftpClient(SftpEndpoint endpoint) : endpoint_(std::move(endpoint)) {
  adapters_internal::InitCurlOnce();
}

Status SftpClient::Upload(const std::string& local_file, std::string_view remote_path) const {
  const std::string tmp_path = std::string(remote_path) + ".tmp";
  Session s(endpoint_);
  VITRINE_RETURN_IF_ERROR(s.Prepare(tmp_path));
  File in(fopen(local_file.c_str(), "rbe"));
  struct stat st {};
  if (!in || fstat(fileno(in.get()), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::IoError(s.where() + ": cannot read " + local_file + ": " +
                           (in ? "not a regular file" : strerror(errno)));
  }
  // SFTP v3 cannot rename onto an existing file; '*' lets the rm fail when there is none.
  Slist post_quote;
  Append(post_quote, "*rm " + QuotedPath(remote_path));
  Append(post_quote, "rename " + QuotedPath(tmp_path) + " " + QuotedPath(remote_path));
  CURL* h = s.handle();
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(h, CURLOPT_READDATA, in.get());
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(st.st_size));
  curl_easy_setopt(h, CURLOPT_FTP_CREATE_MISSING_DIRS, static_cast<long>(CURLFTP_CREATE_DIR));
  curl_easy_setopt(h, CURLOPT_NEW_FILE_PERMS, 0644L);
  curl_easy_setopt(h, CURLOPT_NEW_DIRECTORY_PERMS, 0755L);
  curl_easy_setopt(h, CURLOPT_POSTQUOTE, post_quote.get());
  return s.Perform();
}

Result<RemoteFileInfo> SftpClient::Download(std::string_view remote_path,
                                            const std::string& local_file,
                                            int64_t max_bytes) const {
  Session s(endpoint_);
  VITRINE_RETURN_IF_ERROR(s.Prepare(remote_path));
  File out(fopen(local_file.c_str(), "wbe"));
  if (!out) {
    return Status::IoError(s.where() + ": cannot write " + local_file + ": " + strerror(errno));
  }
  DownloadSink d;
  d.out = out.get();
  d.max_bytes = max_bytes;
  CURL* h = s.handle();
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteDownload);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &d);
  curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
  Status status = s.Perform(&d);
  if (status.ok() && fflush(out.get()) != 0) {
    status = Status::IoError(s.where() + ": writing " + local_file + " failed: " + strerror(errno));
  }
  out.reset();
  if (!status.ok()) {
    unlink(local_file.c_str());
    return status;
  }
  RemoteFileInfo info = s.Info();
  info.size = d.written;
  return info;
}

Result<RemoteFileInfo> SftpClient::Stat(std::string_view remote_path) const {
  Session s(endpoint_);
  VITRINE_RETURN_IF_ERROR(s.Prepare(remote_path));
  curl_easy_setopt(s.handle(), CURLOPT_NOBODY, 1L);
  curl_easy_setopt(s.handle(), CURLOPT_FILETIME, 1L);
  VITRINE_RETURN_IF_ERROR(s.Perform());
  return s.Info();
}

}  // namespace vitrine
