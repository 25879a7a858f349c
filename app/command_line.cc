#include "command_line.h"

#include <charconv>

namespace vitrine {

Result<CommandLine> CommandLine::Parse(const std::vector<std::string>& args, const FlagSpec& spec) {
  CommandLine cl;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      cl.positional_.insert(cl.positional_.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      cl.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (spec.boolean.count(name)) {
      if (inline_value) return Status::InvalidArgument("--" + name + " takes no value");
      cl.values_[name] = "true";
    } else if (spec.with_value.count(name)) {
      if (inline_value) {
        cl.values_[name] = *inline_value;
      } else if (i + 1 < args.size()) {
        cl.values_[name] = args[++i];
      } else {
        return Status::InvalidArgument("--" + name + " needs a value");
      }
    } else {
      return Status::InvalidArgument("unknown option --" + name);
    }
  }
  return cl;
}

std::optional<std::string> CommandLine::Value(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string CommandLine::ValueOr(const std::string& flag, std::string fallback) const {
  auto v = Value(flag);
  return v ? *v : std::move(fallback);
}

Result<long long> CommandLine::IntOr(const std::string& flag, long long fallback, long long min,
                                     long long max) const {
  auto v = Value(flag);
  if (!v) return fallback;
  long long n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < min || n > max) {
    return Status::InvalidArgument("--" + flag + " must be a whole number from " +
                                   std::to_string(min) + " to " + std::to_string(max) + ", got \"" +
                                   *v + "\"");
  }
  return n;
}

}  // namespace vitrine
