// The verbs of the `vitrine` executable. Each returns an ExitCode (command_line.h) and
// prints its own errors; main() only dispatches.
#pragma once

#include <cstdio>
#include <memory>
#include <string_view>
#include <vector>

#include "command_line.h"
#include "common/time.h"
#include "store/database.h"

namespace vitrine {

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `vitrine --help`
  std::string_view help;     // the whole text for `vitrine NAME --help`
  FlagSpec flags;
  int (*run)(const CommandLine& command_line);
};

const std::vector<Command>& Commands();

int RunMigrate(const CommandLine& command_line);
int RunCopy(const CommandLine& command_line);
int RunImport(const CommandLine& command_line);
int RunDemo(const CommandLine& command_line);
int RunSummary(const CommandLine& command_line);
int RunServe(const CommandLine& command_line);
int RunRender(const CommandLine& command_line);
int RunImages(const CommandLine& command_line);
int RunDestinations(const CommandLine& command_line);
int RunSources(const CommandLine& command_line);
int RunFeed(const CommandLine& command_line);
int RunToken(const CommandLine& command_line);
int RunUser(const CommandLine& command_line);

// Applies the changes written so far to the published offers, unless a running server holds
// the assembly lease (it applies them within a second). Prints one line to `out`: what was
// published, or which process will. Returns kExitOk, or kExitStore after printing the error.
int PublishPendingChanges(Database& db, const Clock& clock, const char* verb, std::FILE* out);

// Shared by the verbs that open the database: reads --db (default sqlite:vitrine.db).
// Prints the error and returns nullptr when it cannot be opened.
std::unique_ptr<Database> OpenDatabaseOrReport(const CommandLine& command_line,
                                               bool migrate = true);

}  // namespace vitrine
