#include "server/auth.h"

namespace vitrine {
namespace {

// Position on the staff ladder; -1 for roles outside it.
int StaffRank(Role role) {
  switch (role) {
    case Role::kViewer:
      return 0;
    case Role::kEditor:
      return 1;
    case Role::kApprover:
      return 2;
    case Role::kAdmin:
      return 3;
    case Role::kPublic:
    case Role::kPlatform:
      return -1;
  }
  return -1;
}

}  // namespace

bool RoleAllows(const Route& route, const std::optional<Principal>& principal) {
  if (route.required_role == Role::kPublic) return true;
  if (!principal) return false;
  if (principal->role == Role::kPlatform) return route.platform_allowed;
  int have = StaffRank(principal->role);
  return have >= 0 && have >= StaffRank(route.required_role);
}

}  // namespace vitrine
