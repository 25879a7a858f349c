// SecretBox: seals stored credentials (webhook "whsec_" secrets, push passwords) so that a
// copy of the database alone does not give them away (notes §6: secrets encrypted at rest).
//
// AES-256-GCM (OpenSSL EVP) under a 32-byte key kept in its own file, outside the database.
// Every Seal draws a fresh random 12-byte nonce, so sealing the same secret twice gives two
// different texts. The sealed text is "v1:" + base64(nonce | ciphertext | 16-byte tag); the
// version prefix leaves room for another algorithm or key later. An optional context (e.g.
// "destination/42/password") is authenticated with the text, so a sealed value copied into
// another field does not open there. A SecretBox is immutable and thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;

  // InvalidArgument unless `key` holds exactly kKeyBytes bytes.
  static Result<SecretBox> FromKey(std::string_view key);

  SecretBox(const SecretBox&) = default;
  SecretBox& operator=(const SecretBox&) = default;
  ~SecretBox();  // wipes the key

  // "v1:<base64>". Internal only if OpenSSL fails (its CSPRNG included).
  Result<std::string> Seal(std::string_view plaintext, std::string_view context = {}) const;

  // The plaintext of a text Seal made under the same key and context. InvalidArgument for a
  // text that is not "v1:" + base64 of a plausible length; Unauthenticated when the tag does
  // not verify: a tampered text, another key, or another context.
  Result<std::string> Open(std::string_view sealed, std::string_view context = {}) const;

 private:
  explicit SecretBox(std::string_view key);
  std::array<unsigned char, kKeyBytes> key_{};
};

// The box for the key file at `path`. When the file does not exist it is created atomically
// with mode 0600 and 32 bytes from OpenSSL's RAND_bytes (a concurrent creator's key wins, and
// both processes then use it). An existing file is refused (FailedPrecondition) when it is
// not a regular file of exactly 32 bytes or when group or others have any access to it: a
// key others can read protects nothing. IoError when it cannot be read or written.
Result<SecretBox> LoadOrCreateKeyFile(const std::string& path);

}  // namespace vitrine
