#include "server/credentials.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>
#include <vector>

namespace vitrine {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;
// Refuse parameters that would let a stored hash make a login allocate gigabytes.
constexpr uint64_t kMaxMemory = 256ull << 20;

std::string Base64(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(len);
  return out;
}

bool Unbase64(std::string_view text, std::vector<unsigned char>& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  out.assign(3 * text.size() / 4 + 1, 0);
  const int len = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
  if (len < 0) return false;
  size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(len) - padding);
  return true;
}

bool Derive(std::string_view password, const unsigned char* salt, size_t salt_len, uint64_t n,
            uint64_t r, uint64_t p, unsigned char* key, size_t key_len) {
  return EVP_PBE_scrypt(password.data(), password.size(), salt, salt_len, n, r, p, kMaxMemory, key,
                        key_len) == 1;
}

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, const ScryptParams& params) {
  if (params.n < 2 || (params.n & (params.n - 1)) != 0) {
    return Status::InvalidArgument("scrypt N must be a power of two");
  }
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) return Status::Internal("no randomness for a salt");
  unsigned char key[kKeyBytes];
  if (!Derive(password, salt, sizeof salt, params.n, params.r, params.p, key, sizeof key)) {
    return Status::Internal("scrypt failed");
  }
  int ln = 0;
  while ((uint64_t{1} << ln) < params.n) ++ln;
  return "$scrypt$ln=" + std::to_string(ln) + ",r=" + std::to_string(params.r) +
         ",p=" + std::to_string(params.p) + "$" + Base64(salt, sizeof salt) + "$" +
         Base64(key, sizeof key);
}

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  // $scrypt$ln=15,r=8,p=1$salt$key
  constexpr std::string_view kPrefix = "$scrypt$";
  if (!encoded.starts_with(kPrefix)) return false;
  std::string_view rest = encoded.substr(kPrefix.size());
  const size_t d1 = rest.find('$');
  if (d1 == std::string_view::npos) return false;
  const size_t d2 = rest.find('$', d1 + 1);
  if (d2 == std::string_view::npos) return false;
  std::string_view params = rest.substr(0, d1);
  uint64_t ln = 0, r = 0, p = 0;
  for (auto [name, target] : {std::pair{"ln=", &ln}, std::pair{"r=", &r}, std::pair{"p=", &p}}) {
    const size_t at = params.find(name);
    if (at == std::string_view::npos) return false;
    const char* begin = params.data() + at + std::char_traits<char>::length(name);
    auto [end, ec] = std::from_chars(begin, params.data() + params.size(), *target);
    if (ec != std::errc() || end == begin) return false;
  }
  if (ln < 1 || ln > 24 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  std::vector<unsigned char> salt, expected;
  if (!Unbase64(rest.substr(d1 + 1, d2 - d1 - 1), salt) ||
      !Unbase64(rest.substr(d2 + 1), expected) || expected.empty()) {
    return false;
  }
  std::vector<unsigned char> key(expected.size());
  if (!Derive(password, salt.data(), salt.size(), uint64_t{1} << ln, r, p, key.data(),
              key.size())) {
    return false;
  }
  return CRYPTO_memcmp(key.data(), expected.data(), key.size()) == 0;
}

std::string RandomHex(size_t n) {
  std::vector<unsigned char> bytes(n);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) {
    // Without the OS's randomness no secret can be made safely: stop rather than go on.
    throw std::runtime_error("RAND_bytes failed");
  }
  return Hex(bytes.data(), n);
}

std::string NewSecret(std::string_view prefix) { return std::string(prefix) + RandomHex(32); }

std::string Sha256Hex(std::string_view data) {
  // Fetched once: EVP_sha256() looks the algorithm up (under a lock) on every digest.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, sha256, nullptr);
  return Hex(digest, len);
}

}  // namespace vitrine
