#include "catalog/accounts.h"

#include "catalog/audit.h"

namespace vitrine {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kEditor:
      return "editor";
    case Role::kApprover:
      return "approver";
    case Role::kAdmin:
      return "admin";
    case Role::kPlatform:
      return "platform";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kViewer, Role::kEditor, Role::kApprover, Role::kAdmin, Role::kPlatform}) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

nlohmann::json ToJson(const AuditEntry& e) {
  return {{"seq", e.seq},       {"at", FormatUtc(e.at)}, {"actor", e.actor},
          {"action", e.action}, {"entity", e.entity},    {"entity_id", e.entity_id},
          {"before", e.before}, {"after", e.after},      {"request_id", e.request_id}};
}

}  // namespace vitrine
