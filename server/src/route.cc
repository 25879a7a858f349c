#include "server/route.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

namespace vitrine {
namespace {

struct Part {
  bool is_param = false;
  std::string text;  // the literal, or the parameter's name
};

// One path segment of a pattern: literals and parameters.
struct SegmentTemplate {
  std::vector<Part> parts;

  // 2 literal, 1 mixed, 0 a bare parameter: the specificity order of route.h.
  int Rank() const {
    bool has_param = false, has_literal = false;
    for (const auto& p : parts) (p.is_param ? has_param : has_literal) = true;
    return !has_param ? 2 : has_literal ? 1 : 0;
  }
};

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool IsToken(std::string_view method) {
  return !method.empty() && std::all_of(method.begin(), method.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  path.remove_prefix(1);  // the leading '/'
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    segments.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

Result<SegmentTemplate> ParseSegment(std::string_view seg, std::set<std::string>& names) {
  SegmentTemplate t;
  auto add_param = [&](std::string_view name) -> Status {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsNameChar)) {
      return Status::InvalidArgument("bad parameter name \"" + std::string(name) + "\"");
    }
    if (!names.insert(std::string(name)).second) {
      return Status::InvalidArgument("parameter \"" + std::string(name) + "\" appears twice");
    }
    if (!t.parts.empty() && t.parts.back().is_param) {
      return Status::InvalidArgument("two parameters need a literal between them");
    }
    t.parts.push_back({true, std::string(name)});
    return Status::Ok();
  };
  if (seg.empty()) return Status::InvalidArgument("empty segment");
  if (seg.front() == ':') {
    VITRINE_RETURN_IF_ERROR(add_param(seg.substr(1)));
    return t;
  }
  size_t i = 0;
  while (i < seg.size()) {
    if (seg[i] == '{') {
      size_t close = seg.find('}', i);
      if (close == std::string_view::npos) return Status::InvalidArgument("unclosed '{'");
      VITRINE_RETURN_IF_ERROR(add_param(seg.substr(i + 1, close - i - 1)));
      i = close + 1;
    } else {
      size_t next = seg.find('{', i);
      std::string_view lit = seg.substr(i, next - i);
      if (lit.find('}') != std::string_view::npos) {
        return Status::InvalidArgument("stray '}'");
      }
      t.parts.push_back({false, std::string(lit)});
      i = next == std::string_view::npos ? seg.size() : next;
    }
  }
  return t;
}

// Matches parts[i..] against text[pos..], binding raw parameter values.
bool MatchParts(const std::vector<Part>& parts, size_t i, std::string_view text, size_t pos,
                std::vector<std::pair<std::string_view, std::string_view>>& bound) {
  if (i == parts.size()) return pos == text.size();
  const Part& part = parts[i];
  if (!part.is_param) {
    if (text.substr(pos).substr(0, part.text.size()) != part.text) return false;
    return MatchParts(parts, i + 1, text, pos + part.text.size(), bound);
  }
  if (i + 1 == parts.size()) {
    if (pos >= text.size()) return false;
    bound.emplace_back(part.text, text.substr(pos));
    return true;
  }
  // The next part is a literal: try its occurrences from the last one back, so that
  // "{format}.{ext}" splits "a.b.png" at the last dot.
  const std::string& lit = parts[i + 1].text;
  for (size_t at = text.rfind(lit); at != std::string_view::npos && at > pos;
       at = at == 0 ? std::string_view::npos : text.rfind(lit, at - 1)) {
    size_t mark = bound.size();
    bound.emplace_back(part.text, text.substr(pos, at - pos));
    if (MatchParts(parts, i + 1, text, at, bound)) return true;
    bound.resize(mark);
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

struct Router::Impl {
  struct PatternEntry {
    std::string pattern;
    std::vector<SegmentTemplate> segments;
    std::vector<int> rank;
    std::map<std::string, std::unique_ptr<Route>> by_method;
  };
  std::vector<std::unique_ptr<PatternEntry>> patterns;
  std::vector<const Route*> in_order;
};

Router::Router() : impl_(std::make_unique<Impl>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Status Router::Add(Route route) {
  const std::string where = route.method + " " + route.pattern + ": ";
  if (!IsToken(route.method)) {
    return Status::InvalidArgument(where + "method must be an upper-case token");
  }
  if (!route.handler) return Status::InvalidArgument(where + "no handler");
  if (route.required_role == Role::kPlatform) {
    return Status::InvalidArgument(where +
                                   "required_role cannot be platform; set platform_allowed");
  }
  if (route.pattern.empty() || route.pattern.front() != '/') {
    return Status::InvalidArgument(where + "pattern must start with '/'");
  }
  std::vector<SegmentTemplate> segments;
  std::set<std::string> names;
  auto raw_segments = SplitPath(route.pattern);
  if (!(raw_segments.size() == 1 && raw_segments[0].empty())) {  // "/" is the root
    for (std::string_view seg : raw_segments) {
      auto parsed = ParseSegment(seg, names);
      if (!parsed.ok()) return parsed.status().WithContext(where + "bad pattern");
      segments.push_back(std::move(*parsed));
    }
  } else {
    segments.push_back(SegmentTemplate{{Part{false, ""}}});
  }
  if (route.name.empty()) route.name = route.pattern;

  Impl::PatternEntry* entry = nullptr;
  for (auto& p : impl_->patterns) {
    if (p->pattern == route.pattern) entry = p.get();
  }
  if (entry == nullptr) {
    auto fresh = std::make_unique<Impl::PatternEntry>();
    fresh->pattern = route.pattern;
    for (const auto& s : segments) fresh->rank.push_back(s.Rank());
    fresh->segments = std::move(segments);
    entry = fresh.get();
    impl_->patterns.push_back(std::move(fresh));
  }
  if (entry->by_method.count(route.method) != 0) {
    return Status::AlreadyExists(where + "route already registered");
  }
  auto owned = std::make_unique<Route>(std::move(route));
  impl_->in_order.push_back(owned.get());
  entry->by_method.emplace(owned->method, std::move(owned));
  return Status::Ok();
}

Router::Match Router::Find(std::string_view method, std::string_view raw_path) const {
  Match result;
  if (raw_path.empty() || raw_path.front() != '/') return result;
  const auto path_segments = SplitPath(raw_path);

  struct Candidate {
    const Impl::PatternEntry* entry;
    std::vector<std::pair<std::string_view, std::string_view>> bound;
  };
  std::vector<Candidate> candidates;
  for (const auto& p : impl_->patterns) {
    if (p->segments.size() != path_segments.size()) continue;
    Candidate c{p.get(), {}};
    bool ok = true;
    for (size_t i = 0; ok && i < path_segments.size(); ++i) {
      ok = MatchParts(p->segments[i].parts, 0, path_segments[i], 0, c.bound);
    }
    if (ok) candidates.push_back(std::move(c));
  }
  if (candidates.empty()) return result;
  // Most specific first; ties cannot both match with different ranks, so order is stable.
  std::stable_sort(
      candidates.begin(), candidates.end(),
      [](const Candidate& a, const Candidate& b) { return a.entry->rank > b.entry->rank; });

  auto lookup = [&](const Impl::PatternEntry& e) -> const Route* {
    auto it = e.by_method.find(std::string(method));
    if (it != e.by_method.end()) return it->second.get();
    // HEAD is GET without the body, as HTTP wants; the facade drops the body.
    if (method == "HEAD") {
      it = e.by_method.find("GET");
      if (it != e.by_method.end()) return it->second.get();
    }
    return nullptr;
  };
  for (const auto& c : candidates) {
    if (const Route* route = lookup(*c.entry)) {
      result.kind = Match::Kind::kFound;
      result.route = route;
      result.pattern = c.entry->pattern;
      for (const auto& [name, value] : c.bound) {
        result.path_params.emplace(std::string(name), PercentDecode(value, false));
      }
      return result;
    }
  }
  std::set<std::string> allowed;
  for (const auto& c : candidates) {
    for (const auto& [m, r] : c.entry->by_method) {
      allowed.insert(m);
      if (m == "GET") allowed.insert("HEAD");
    }
  }
  result.kind = Match::Kind::kMethodNotAllowed;
  result.allowed_methods.assign(allowed.begin(), allowed.end());
  result.pattern = candidates.front().entry->pattern;
  return result;
}

std::vector<const Route*> Router::routes() const { return impl_->in_order; }

}  // namespace vitrine
