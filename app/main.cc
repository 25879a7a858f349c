// vitrine: the promotional-offer publishing hub's command-line entry point.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"

namespace {

constexpr std::string_view kOverview = R"(Vitrine: the promotional-offer publishing hub.

Usage: vitrine VERB [OPTIONS]   (vitrine VERB --help for a verb's options)

Verbs:
)";

constexpr std::string_view kExitCodes = R"(
Exit codes:
  0  success
  1  an import landed its valid rows but rejected some (the report lists them)
  2  usage error: unknown verb or option, missing argument
  3  unusable input: file missing, unreadable or empty, or a strict import refused
  4  database error: cannot open, migrate or write the store
  5  internal error
)";

void PrintOverview(std::FILE* out) {
  std::fputs(kOverview.data(), out);
  for (const auto& command : vitrine::Commands()) {
    std::fprintf(out, "  %-9s %.*s\n", std::string(command.name).c_str(),
                 static_cast<int>(command.summary.size()), command.summary.data());
  }
  std::fputs(kExitCodes.data(), out);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintOverview(stderr);
    return vitrine::kExitUsage;
  }
  const std::string verb = args[0];
  if (verb == "--help" || verb == "-h" || verb == "help") {
    PrintOverview(stdout);
    return vitrine::kExitOk;
  }
  for (const auto& command : vitrine::Commands()) {
    if (command.name != verb) continue;
    std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const auto& arg : rest) {
      if (arg == "--help" || arg == "-h") {
        std::fwrite(command.help.data(), 1, command.help.size(), stdout);
        return vitrine::kExitOk;
      }
    }
    auto command_line = vitrine::CommandLine::Parse(rest, command.flags);
    if (!command_line.ok()) {
      std::fprintf(stderr, "vitrine %s: %s (see vitrine %s --help)\n", verb.c_str(),
                   command_line.status().message().c_str(), verb.c_str());
      return vitrine::kExitUsage;
    }
    try {
      return command.run(*command_line);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vitrine %s: internal error: %s\n", verb.c_str(), e.what());
      return vitrine::kExitInternal;
    }
  }
  std::fprintf(stderr, "vitrine: unknown verb \"%s\" (see vitrine --help)\n", verb.c_str());
  return vitrine::kExitUsage;
}
