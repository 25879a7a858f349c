// CommandLine: the parsed words of one `vitrine VERB ...` invocation.
//
// Flags are `--name value`, `--name=value` or bare `--name` for booleans; everything else is
// positional. Each verb declares the flags it knows so a misspelt flag is a usage error
// (exit 2) rather than silently ignored. Plain data; thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace vitrine {

// Exit codes shared by every verb (documented in `vitrine --help` and README).
enum ExitCode : int {
  kExitOk = 0,
  kExitRowsRejected = 1,  // an import landed its valid rows but rejected some
  kExitUsage = 2,         // unknown verb or flag, missing argument
  kExitBadInput = 3,      // input unreadable or empty, or a strict import refused
  kExitStore = 4,         // the database could not be opened, migrated or written
  kExitInternal = 5,      // a bug
};

struct FlagSpec {
  std::set<std::string> with_value;  // e.g. {"db", "format"}
  std::set<std::string> boolean;     // e.g. {"strict", "json"}
};

class CommandLine {
 public:
  // Parses `args` (the words after the verb). Returns InvalidArgument naming an unknown
  // flag or a flag missing its value.
  static Result<CommandLine> Parse(const std::vector<std::string>& args, const FlagSpec& spec);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::optional<std::string> Value(const std::string& flag) const;
  std::string ValueOr(const std::string& flag, std::string fallback) const;
  // Parses an integer flag within [min, max]; InvalidArgument otherwise.
  Result<long long> IntOr(const std::string& flag, long long fallback, long long min,
                          long long max) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
};

}  // namespace vitrine
