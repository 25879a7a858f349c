// Accounts: the people and platforms that may use the hub, their API tokens and their web
// sessions, and where they are kept (AccountRepository).
//
// Secrets are never stored: a user's password as a memory-hard KDF string, a token and a
// session id as the hex SHA-256 of their 256 random bits (a fast hash suffices for secrets
// that cannot be guessed). Implementations are safe to call from several threads; calls
// made inside CatalogRepository::Transaction() of the same backend join that transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace vitrine {

// The five roles of ARCHITECTURE.md §3. viewer < editor < approver < admin; platform is
// apart: it reads offers, feeds and creatives of its own channel only. kPublic is no
// account's role: it marks what anyone may call, without credentials.
enum class Role { kPublic, kPlatform, kViewer, kEditor, kApprover, kAdmin };

// "public", "platform", "viewer", "editor", "approver", "admin".
std::string_view RoleName(Role role);
// The inverse of RoleName; InvalidArgument for anything else.
Result<Role> ParseRole(std::string_view name);

struct User {
  std::string id;  // the login: lower-case e-mail or name, [a-z0-9._@+-], 1-100 characters
  std::string display_name;
  Role role = Role::kViewer;
  std::string password_hash;  // a self-describing KDF string ("$scrypt$...")
  bool disabled = false;
  Instant created_at{};
};

struct ApiToken {
  std::string id;    // public identifier ("tok_" + 12 hex), shown in lists and audit
  std::string name;  // what it is for: "Google Merchant pull"
  Role role = Role::kPlatform;
  std::string channel;      // a platform token's channel ("google", "meta"); empty: none
  std::string secret_hash;  // hex SHA-256 of the secret
  std::string created_by;   // user id or "cli"
  Instant created_at{};
  std::optional<Instant> revoked_at;
  std::optional<Instant> last_used_at;
};

struct Session {
  std::string id_hash;  // hex SHA-256 of the cookie value
  std::string user_id;
  Instant created_at{};
  Instant expires_at{};
};

class AccountRepository {
 public:
  virtual ~AccountRepository() = default;

  // Creates or replaces the user with this id.
  virtual Status PutUser(const User& user) = 0;
  virtual Result<std::optional<User>> GetUser(std::string_view id) = 0;
  // Sorted by id.
  virtual Result<std::vector<User>> ListUsers() = 0;

  // AlreadyExists when the id, or the secret hash, is taken.
  virtual Status CreateToken(const ApiToken& token) = 0;
  // Revoked tokens are found too, with revoked_at set: the caller refuses them.
  virtual Result<std::optional<ApiToken>> FindTokenBySecretHash(std::string_view hash) = 0;
  virtual Result<std::optional<ApiToken>> GetToken(std::string_view id) = 0;
  // Sorted by id.
  virtual Result<std::vector<ApiToken>> ListTokens() = 0;
  // Sets revoked_at; false when no such token or it was already revoked.
  virtual Result<bool> RevokeToken(std::string_view id, Instant at) = 0;
  // Records a use at `at` in last_used_at. Called on every authenticated request, so it is
  // throttled: a use less than 60 s after the recorded one, or before it, writes nothing
  // (last_used_at lags real use by under a minute and never goes back), and deciding that
  // takes one indexed read and no write lock. NotFound when there is no such token.
  virtual Status TouchToken(std::string_view id, Instant at) = 0;

  // AlreadyExists when the id hash is taken. Also deletes every session expired at
  // session.created_at, so the table holds live sessions only.
  virtual Status CreateSession(const Session& session) = 0;
  // The session, if it exists and has not expired at `now` (it expires at expires_at:
  // now >= expires_at finds nothing).
  virtual Result<std::optional<Session>> FindSession(std::string_view id_hash, Instant now) = 0;
  // OK whether or not there was such a session (logging out twice is harmless).
  virtual Status DeleteSession(std::string_view id_hash) = 0;
};

}  // namespace vitrine
