// `vitrine token` and `vitrine user`.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "server/account_admin.h"

namespace vitrine {
namespace {

std::optional<Role> RoleOrReport(const CommandLine& command_line, const char* verb) {
  auto name = command_line.Value("role");
  if (!name) {
    std::fprintf(stderr, "vitrine %s: --role is required\n", verb);
    return std::nullopt;
  }
  auto role = ParseRole(*name);
  if (!role.ok() || *role == Role::kPublic) {
    std::fprintf(stderr, "vitrine %s: unknown role \"%s\"\n", verb, name->c_str());
    return std::nullopt;
  }
  return *role;
}

}  // namespace

int RunToken(const CommandLine& command_line) {
  const auto& args = command_line.positional();
  if (args.empty() || (args[0] != "create" && args[0] != "list" && args[0] != "revoke")) {
    std::fprintf(stderr, "vitrine token: expected create, list or revoke (see --help)\n");
    return kExitUsage;
  }
  const std::string& action = args[0];
  if ((action == "revoke") != (args.size() == 2) || args.size() > 2) {
    std::fprintf(stderr, "vitrine token %s: wrong number of arguments\n", action.c_str());
    return kExitUsage;
  }
  std::optional<Role> role;
  if (action == "create" && !(role = RoleOrReport(command_line, "token create"))) {
    return kExitUsage;
  }
  auto db = OpenDatabaseOrReport(command_line);
  if (!db) return kExitStore;
  AccountWriter writer{db->catalog(),           db->accounts(), db->audit(),
                       SystemClock::Instance(), "cli",          ""};

  if (action == "list") {
    auto tokens = db->accounts().ListTokens();
    if (!tokens.ok()) {
      std::fprintf(stderr, "vitrine token list: %s\n", tokens.status().message().c_str());
      return kExitStore;
    }
    nlohmann::json items = nlohmann::json::array();
    for (const ApiToken& t : *tokens) items.push_back(ToJson(t));
    std::printf("%s\n", items.dump(2).c_str());
    return kExitOk;
  }
  if (action == "revoke") {
    auto revoked = RevokeApiToken(writer, args[1]);
    if (!revoked.ok()) {
      std::fprintf(stderr, "vitrine token revoke: %s\n", revoked.status().message().c_str());
      return kExitStore;
    }
    if (!*revoked) {
      std::fprintf(stderr, "vitrine token revoke: no active token %s\n", args[1].c_str());
      return kExitBadInput;
    }
    std::printf("revoked %s\n", args[1].c_str());
    return kExitOk;
  }
  TokenRequest request{command_line.ValueOr("name", "token for " + std::string(RoleName(*role))),
                       *role, command_line.ValueOr("channel", "")};
  auto issued = IssueApiToken(writer, request);
  if (!issued.ok()) {
    std::fprintf(stderr, "vitrine token create: %s\n", issued.status().message().c_str());
    return issued.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitStore;
  }
  if (command_line.Has("json")) {
    nlohmann::json out = ToJson(issued->token);
    out["token"] = issued->secret;
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s\n", issued->secret.c_str());
    std::fprintf(stderr, "created %s (%s); the token above is shown only once\n",
                 issued->token.id.c_str(), std::string(RoleName(*role)).c_str());
  }
  return kExitOk;
}

int RunUser(const CommandLine& command_line) {
  const auto& args = command_line.positional();
  if (args.size() != 2 || args[0] != "add") {
    std::fprintf(stderr, "vitrine user: expected add LOGIN (see --help)\n");
    return kExitUsage;
  }
  auto role = RoleOrReport(command_line, "user add");
  if (!role) return kExitUsage;
  UserRequest request{args[1], command_line.ValueOr("name", ""), *role, ""};
  bool generated = false;
  if (command_line.Has("password-stdin")) {
    std::getline(std::cin, request.password);
  } else {
    request.password = RandomHex(12);
    generated = true;
  }
  auto db = OpenDatabaseOrReport(command_line);
  if (!db) return kExitStore;
  AccountWriter writer{db->catalog(),           db->accounts(), db->audit(),
                       SystemClock::Instance(), "cli",          ""};
  auto user = CreateUserAccount(writer, request);
  if (!user.ok()) {
    std::fprintf(stderr, "vitrine user add: %s\n", user.status().message().c_str());
    const StatusCode code = user.status().code();
    return code == StatusCode::kInvalidArgument || code == StatusCode::kAlreadyExists
               ? kExitBadInput
               : kExitStore;
  }
  std::printf("added %s (%s)\n", user->id.c_str(), std::string(RoleName(user->role)).c_str());
  if (generated) std::printf("password: %s\n", request.password.c_str());
  return kExitOk;
}

}  // namespace vitrine
