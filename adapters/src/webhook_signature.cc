#include "adapters/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "base64.h"

namespace vitrine {
namespace {

using adapters_internal::Base64;
using adapters_internal::DecodeBase64;

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kVersion = "v1,";
constexpr size_t kSecretBytes = 32;
constexpr size_t kMinKeyBytes = 24;
constexpr size_t kMaxKeyBytes = 64;

Result<std::vector<unsigned char>> SecretKey(std::string_view secret) {
  if (!secret.starts_with(kSecretPrefix)) {
    return Status::InvalidArgument("webhook secret does not start with \"whsec_\"");
  }
  std::optional<std::vector<unsigned char>> key = DecodeBase64(secret.substr(kSecretPrefix.size()));
  if (!key) return Status::InvalidArgument("webhook secret is not valid base64 after \"whsec_\"");
  if (key->size() < kMinKeyBytes || key->size() > kMaxKeyBytes) {
    return Status::InvalidArgument("webhook secret must hold 24 to 64 bytes, not " +
                                   std::to_string(key->size()));
  }
  return std::move(*key);
}

std::string Signature(const std::vector<unsigned char>& key, std::string_view msg_id,
                      int64_t timestamp, std::string_view body) {
  std::string content;
  content.reserve(msg_id.size() + body.size() + 24);
  content.append(msg_id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac,
           &mac_len) == nullptr) {
    std::abort();  // HMAC-SHA256 with a valid key cannot fail short of a broken libcrypto
  }
  return std::string(kVersion) + Base64(mac, mac_len);
}

}  // namespace

std::string NewWebhookSecret() {
  unsigned char bytes[kSecretBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();
  return std::string(kSecretPrefix) + Base64(bytes, sizeof bytes);
}

Result<std::string> SignWebhook(std::string_view secret, std::string_view msg_id, int64_t timestamp,
                                std::string_view body) {
  if (msg_id.empty() || msg_id.find('.') != std::string_view::npos) {
    return Status::InvalidArgument("webhook message id must be non-empty and contain no '.'");
  }
  Result<std::vector<unsigned char>> key = SecretKey(secret);
  if (!key.ok()) return key.status();
  return Signature(*key, msg_id, timestamp, body);
}

Status VerifyWebhook(std::string_view secret, std::string_view msg_id, int64_t timestamp,
                     std::string_view body, std::string_view signature_header, int64_t now,
                     std::chrono::seconds tolerance) {
  Result<std::vector<unsigned char>> key = SecretKey(secret);
  if (!key.ok()) return key.status();
  const int64_t skew = now > timestamp ? now - timestamp : timestamp - now;
  if (skew > tolerance.count()) {
    return Status::Unauthenticated("webhook timestamp " + std::to_string(timestamp) + " is " +
                                   std::to_string(skew) + " s from now, beyond the tolerance of " +
                                   std::to_string(tolerance.count()) + " s");
  }
  const std::string expected = Signature(*key, msg_id, timestamp, body);
  bool matched = false;
  size_t pos = 0;
  while (pos <= signature_header.size()) {
    size_t end = signature_header.find(' ', pos);
    if (end == std::string_view::npos) end = signature_header.size();
    const std::string_view entry = signature_header.substr(pos, end - pos);
    // Every entry is compared, so the time taken does not tell which one matched.
    if (entry.size() == expected.size() &&
        CRYPTO_memcmp(entry.data(), expected.data(), expected.size()) == 0) {
      matched = true;
    }
    pos = end + 1;
  }
  if (!matched) return Status::Unauthenticated("no webhook signature matches");
  return Status::Ok();
}

}  // namespace vitrine
