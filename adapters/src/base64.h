// Standard base64 (RFC 4648, with padding) over OpenSSL's EVP_EncodeBlock/DecodeBlock, shared
// by the webhook signatures, the secret box and the SSH key reader. Internal to adapters/.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vitrine::adapters_internal {

std::string Base64(const unsigned char* data, size_t n);
inline std::string Base64(std::string_view bytes) {
  return Base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

// Strict: only the standard alphabet, a length that is a multiple of 4, padding at the end.
// Empty input decodes to nullopt, as a missing value should not pass for an empty one.
std::optional<std::vector<unsigned char>> DecodeBase64(std::string_view text);

}  // namespace vitrine::adapters_internal
