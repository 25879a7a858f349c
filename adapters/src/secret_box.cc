#include "adapters/secret_box.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base64.h"

namespace vitrine {
namespace {

constexpr std::string_view kPrefix = "v1:";
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CipherDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Cipher = std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + strerror(errno);
}

// Reads the key file through an open descriptor, so the checks and the read see one file.
Result<SecretBox> LoadKeyFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(Errno("cannot open key file", path));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const Status s = Status::IoError(Errno("cannot stat key file", path));
    close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return Status::FailedPrecondition("key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    char mode[8];
    snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::FailedPrecondition("key file " + path + " has mode " + mode +
                                      ": group and others must have no access (chmod 600)");
  }
  if (st.st_size != static_cast<off_t>(SecretBox::kKeyBytes)) {
    close(fd);
    return Status::FailedPrecondition("key file " + path + " holds " + std::to_string(st.st_size) +
                                      " bytes, not " + std::to_string(SecretBox::kKeyBytes));
  }
  unsigned char key[SecretBox::kKeyBytes];
  const ssize_t n = read(fd, key, sizeof key);
  close(fd);
  if (n != static_cast<ssize_t>(sizeof key)) {
    return Status::IoError(Errno("cannot read key file", path));
  }
  Result<SecretBox> box =
      SecretBox::FromKey(std::string_view(reinterpret_cast<const char*>(key), sizeof key));
  OPENSSL_cleanse(key, sizeof key);
  return box;
}

// Writes a new key to a private temporary file, then links it into place: link() fails
// when the file exists, so a concurrent creator's key is never overwritten, and nobody ever
// sees a partial key.
Status CreateKeyFile(const std::string& path) {
  unsigned char key[SecretBox::kKeyBytes];
  if (RAND_bytes(key, sizeof key) != 1) return Status::Internal("RAND_bytes failed");
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    OPENSSL_cleanse(key, sizeof key);
    return Status::IoError(Errno("cannot create key file", tmp));
  }
  const bool written = write(fd, key, sizeof key) == static_cast<ssize_t>(sizeof key) &&
                       fchmod(fd, 0600) == 0 && fsync(fd) == 0;
  OPENSSL_cleanse(key, sizeof key);
  const int saved = errno;
  close(fd);
  if (!written) {
    unlink(tmp.c_str());
    errno = saved;
    return Status::IoError(Errno("cannot write key file", tmp));
  }
  const int linked = link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  unlink(tmp.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    errno = link_errno;
    return Status::IoError(Errno("cannot create key file", path));
  }
  // Make the new name durable too.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  if (const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return Status::Ok();
}

}  // namespace

SecretBox::SecretBox(std::string_view key) { memcpy(key_.data(), key.data(), kKeyBytes); }

SecretBox::~SecretBox() { OPENSSL_cleanse(key_.data(), key_.size()); }

Result<SecretBox> SecretBox::FromKey(std::string_view key) {
  if (key.size() != kKeyBytes) {
    return Status::InvalidArgument("a secret box key holds 32 bytes, not " +
                                   std::to_string(key.size()));
  }
  return SecretBox(key);
}

Result<std::string> SecretBox::Seal(std::string_view plaintext, std::string_view context) const {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  auto* ciphertext = nonce + kNonceBytes;
  if (RAND_bytes(nonce, kNonceBytes) != 1) return Status::Internal("RAND_bytes failed");
  Cipher ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      (!context.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(context),
                                             static_cast<int>(context.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), ciphertext, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ciphertext + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          ciphertext + plaintext.size()) != 1) {
    return Status::Internal("AES-256-GCM encryption failed");
  }
  return std::string(kPrefix) + adapters_internal::Base64(out);
}

Result<std::string> SecretBox::Open(std::string_view sealed, std::string_view context) const {
  if (!sealed.starts_with(kPrefix)) {
    return Status::InvalidArgument("not a sealed secret: it does not start with \"v1:\"");
  }
  std::optional<std::vector<unsigned char>> raw =
      adapters_internal::DecodeBase64(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) {
    return Status::InvalidArgument("not a sealed secret: not base64 of nonce, text and tag");
  }
  const unsigned char* nonce = raw->data();
  const unsigned char* ciphertext = nonce + kNonceBytes;
  const size_t n = raw->size() - kNonceBytes - kTagBytes;
  std::vector<unsigned char> tag(ciphertext + n, ciphertext + n + kTagBytes);
  std::string plaintext(n, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  Cipher ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      (!context.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(context),
                                             static_cast<int>(context.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), out, &len, ciphertext, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1) {
    return Status::Internal("AES-256-GCM decryption failed");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out + len, &final_len) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return Status::Unauthenticated(
        "sealed secret does not verify: it was altered, or sealed under another key or for "
        "another field");
  }
  return plaintext;
}

Result<SecretBox> LoadOrCreateKeyFile(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::IoError(Errno("cannot stat key file", path));
    VITRINE_RETURN_IF_ERROR(CreateKeyFile(path));
  }
  return LoadKeyFile(path);
}

}  // namespace vitrine
