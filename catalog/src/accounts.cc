#include "catalog/accounts.h"

#include "catalog/audit.h"

namespace vitrine {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPublic:
      return "public";
    case Role::kPlatform:
      return "platform";
    case Role::kViewer:
      return "viewer";
    case Role::kEditor:
      return "editor";
    case Role::kApprover:
      return "approver";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kPublic, Role::kPlatform, Role::kViewer, Role::kEditor, Role::kApprover,
                    Role::kAdmin}) {
    if (RoleName(role) == name) return role;
  }
  return Status::InvalidArgument("unknown role \"" + std::string(name) +
                                 "\" (expected viewer, editor, approver, admin or platform)");
}

nlohmann::json ToJson(const AuditEntry& e) {
  return {{"seq", e.seq},       {"at", FormatUtc(e.at)}, {"actor", e.actor},
          {"action", e.action}, {"entity", e.entity},    {"entity_id", e.entity_id},
          {"before", e.before}, {"after", e.after},      {"request_id", e.request_id}};
}

}  // namespace vitrine
