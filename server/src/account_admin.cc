#include "server/account_admin.h"

#include <regex>

namespace vitrine {
bool IsValidLogin(std::string_view id) {
  if (id.empty() || id.size() > 100) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '@' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {

std::string Describe(const std::vector<FieldError>& errors) {
  std::string out;
  for (const FieldError& e : errors) out += (out.empty() ? "" : "; ") + e.field + " " + e.message;
  return out;
}

Status Audited(const AccountWriter& w, const std::function<Status()>& write, std::string action,
               std::string entity, std::string id, nlohmann::json after) {
  return w.catalog.Transaction([&]() -> Status {
    VITRINE_RETURN_IF_ERROR(write());
    AuditEntry entry;
    entry.at = w.clock.Now();
    entry.actor = w.actor;
    entry.action = std::move(action);
    entry.entity = std::move(entity);
    entry.entity_id = std::move(id);
    entry.after = std::move(after);
    entry.request_id = w.request_id;
    auto seq = w.audit.Append(entry);
    return seq.ok() ? Status::Ok() : seq.status();
  });
}

}  // namespace

std::vector<FieldError> Validate(const TokenRequest& r) {
  std::vector<FieldError> errors;
  field_rules::CheckText(errors, "name", r.name, 100, true);
  if (r.role == Role::kPublic)
    errors.push_back({"role", "must be viewer, editor, approver, admin or platform"});
  if (!r.channel.empty() && !std::regex_match(r.channel, std::regex("[a-z0-9_-]{1,40}"))) {
    errors.push_back({"channel", "must be 1-40 characters of a-z, 0-9, _ or -"});
  }
  if (r.role == Role::kPlatform && r.channel.empty()) {
    errors.push_back({"channel", "is required for a platform token"});
  }
  return errors;
}

std::vector<FieldError> Validate(const UserRequest& r) {
  std::vector<FieldError> errors;
  if (!IsValidLogin(r.id))
    errors.push_back({"id", "must be 1-100 characters of a-z, 0-9, . _ @ + -"});
  field_rules::CheckText(errors, "display_name", r.display_name, 100, false);
  if (r.role == Role::kPublic || r.role == Role::kPlatform) {
    errors.push_back({"role", "must be viewer, editor, approver or admin"});
  }
  if (r.password.size() < 12) errors.push_back({"password", "must be at least 12 characters"});
  return errors;
}

Result<IssuedToken> IssueApiToken(const AccountWriter& w, const TokenRequest& request) {
  if (auto errors = Validate(request); !errors.empty()) {
    return Status::InvalidArgument(Describe(errors));
  }
  IssuedToken issued;
  issued.secret = NewSecret("vit_");
  ApiToken& token = issued.token;
  token.id = "tok_" + RandomHex(6);
  token.name = request.name;
  token.role = request.role;
  token.channel = request.channel;
  token.secret_hash = Sha256Hex(issued.secret);
  token.created_by = w.actor;
  token.created_at = w.clock.Now();
  VITRINE_RETURN_IF_ERROR(Audited(
      w, [&] { return w.accounts.CreateToken(token); }, "create", "token", token.id,
      ToJson(token)));
  return issued;
}

Result<bool> RevokeApiToken(const AccountWriter& w, const std::string& id) {
  bool revoked = false;
  const Status status = w.catalog.Transaction([&]() -> Status {
    auto result = w.accounts.RevokeToken(id, w.clock.Now());
    if (!result.ok()) return result.status();
    revoked = *result;
    if (!revoked) return Status::Ok();
    AuditEntry entry;
    entry.at = w.clock.Now();
    entry.actor = w.actor;
    entry.action = "revoke";
    entry.entity = "token";
    entry.entity_id = id;
    entry.request_id = w.request_id;
    auto seq = w.audit.Append(entry);
    return seq.ok() ? Status::Ok() : seq.status();
  });
  if (!status.ok()) return status;
  return revoked;
}

Result<User> CreateUserAccount(const AccountWriter& w, const UserRequest& request,
                               const ScryptParams& hashing) {
  if (auto errors = Validate(request); !errors.empty()) {
    return Status::InvalidArgument(Describe(errors));
  }
  auto hash = HashPassword(request.password, hashing);
  if (!hash.ok()) return hash.status();
  User user{request.id,   request.display_name.empty() ? request.id : request.display_name,
            request.role, *hash,
            false,        w.clock.Now()};
  VITRINE_RETURN_IF_ERROR(Audited(
      w,
      [&]() -> Status {
        auto existing = w.accounts.GetUser(user.id);
        if (!existing.ok()) return existing.status();
        if (existing->has_value()) {
          return Status::AlreadyExists("user \"" + user.id + "\" exists");
        }
        return w.accounts.PutUser(user);
      },
      "create", "user", user.id, ToJson(user)));
  return user;
}

nlohmann::json ToJson(const ApiToken& t) {
  auto time = [](const std::optional<Instant>& at) {
    return at ? nlohmann::json(FormatUtc(*at)) : nlohmann::json();
  };
  return {{"id", t.id},
          {"name", t.name},
          {"role", RoleName(t.role)},
          {"channel", t.channel.empty() ? nlohmann::json() : nlohmann::json(t.channel)},
          {"created_by", t.created_by},
          {"created_at", FormatUtc(t.created_at)},
          {"revoked_at", time(t.revoked_at)},
          {"last_used_at", time(t.last_used_at)}};
}

nlohmann::json ToJson(const User& u) {
  return {{"id", u.id},
          {"display_name", u.display_name},
          {"role", RoleName(u.role)},
          {"disabled", u.disabled},
          {"created_at", FormatUtc(u.created_at)}};
}

}  // namespace vitrine
