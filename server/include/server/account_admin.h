// Creating API tokens and users: shared by the admin routes and the `vitrine token` and
// `vitrine user` verbs, so both validate, hash and audit the same way.
#pragma once

#include <string>

#include "catalog/accounts.h"
#include "catalog/audit.h"
#include "catalog/field_error.h"
#include "catalog/repository.h"
#include "common/time.h"
#include "server/credentials.h"

namespace vitrine {

struct TokenRequest {
  std::string name;  // what it is for, 1-100 characters
  Role role = Role::kViewer;
  std::string channel;  // required for platform tokens: [a-z0-9_-]{1,40}
};

struct IssuedToken {
  ApiToken token;
  std::string secret;  // shown once; only its hash is kept
};

struct UserRequest {
  std::string id;  // the login: [a-z0-9._@+-]{1,100}
  std::string display_name;
  Role role = Role::kViewer;  // viewer, editor, approver or admin
  std::string password;       // at least 12 characters
};

// Where an account change is recorded: the caller (catalogue transactions join account and
// audit writes), the actor ("user:alice", "cli") and the request id if any.
struct AccountWriter {
  CatalogRepository& catalog;
  AccountRepository& accounts;
  AuditLog& audit;
  const Clock& clock;
  std::string actor;
  std::string request_id;
};

// A login: 1-100 characters of a-z, 0-9, '.', '_', '@', '+' or '-'.
bool IsValidLogin(std::string_view id);

// Field errors for a bad request; empty when valid.
std::vector<FieldError> Validate(const TokenRequest& request);
std::vector<FieldError> Validate(const UserRequest& request);

// Creates the token and its audit entry in one transaction. InvalidArgument (with the
// field errors in the message) for a bad request.
Result<IssuedToken> IssueApiToken(const AccountWriter& writer, const TokenRequest& request);
// Revokes and audits; false when there was no active token with that id.
Result<bool> RevokeApiToken(const AccountWriter& writer, const std::string& id);
// Creates the user and its audit entry in one transaction; AlreadyExists when taken.
Result<User> CreateUserAccount(const AccountWriter& writer, const UserRequest& request,
                               const ScryptParams& hashing = {});

nlohmann::json ToJson(const ApiToken& token);  // never the secret or its hash
nlohmann::json ToJson(const User& user);       // never the password hash

}  // namespace vitrine
