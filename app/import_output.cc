#include "import_output.h"

namespace vitrine {
namespace {

// 1234567 → "1,234,567": counts are read by people.
std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace

void PrintImportReport(const ImportReport& r, const std::string& source, std::FILE* out) {
  constexpr size_t kListed = 20;
  std::fprintf(out, "%s from %s (%s%s): %s rows read\n",
               std::string(ImportKindName(r.kind)).c_str(), source.c_str(),
               std::string(ImportFormatName(r.format)).c_str(), r.strict ? ", strict" : "",
               Thousands(r.rows_read).c_str());
  if (r.committed) {
    std::fprintf(out, "  %s inserted, %s updated, %s unchanged, %s rejected\n",
                 Thousands(r.inserted).c_str(), Thousands(r.updated).c_str(),
                 Thousands(r.unchanged).c_str(), Thousands(r.rejected).c_str());
  } else {
    std::fprintf(out, "  nothing landed: %s row%s rejected\n", Thousands(r.rejected).c_str(),
                 r.rejected == 1 ? "" : "s");
  }
  for (size_t i = 0; i < r.errors.size() && i < kListed; ++i) {
    const RowError& e = r.errors[i];
    std::fprintf(out, "  line %lld%s%s: %s%s%s\n", static_cast<long long>(e.line),
                 e.field.empty() ? "" : ", ", e.field.c_str(), e.reason.c_str(),
                 e.id.empty() ? "" : "  [", e.id.empty() ? "" : (e.id + "]").c_str());
  }
  const int64_t more =
      static_cast<int64_t>(r.errors.size() > kListed ? r.errors.size() - kListed : 0) +
      r.errors_not_listed;
  if (more > 0) {
    std::fprintf(out, "  ... and %s more (use --json for the full list)\n",
                 Thousands(more).c_str());
  }
  for (const std::string& warning : r.warnings) {
    std::fprintf(out, "  warning: %s\n", warning.c_str());
  }
}

}  // namespace vitrine
