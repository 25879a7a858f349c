// Instants ("2026-11-24T10:30:00+01:00", local "2026-11-24 10:30", dates) parsed in a zone
// named by the input, and intervals "start/end" between two of them.
// Input: an optional IANA zone name on the first line ("zone=Europe/Paris"), then the text.
// Oracle: an instant formats in UTC, RFC 3339 local and minutes with offset, and each form
// parses back to the same instant (the minutes form to the minute; the local forms where
// the zone's offset is whole minutes); a local time maps back
// to the instant itself or, in a repeated hour or a historical date-line move, at most 26 h
// earlier; interval predicates agree with each other.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.h"
#include "fuzz_check.h"

namespace {

using vitrine::Instant;

std::string Show(std::string_view text) { return std::string(text.substr(0, 80)); }

std::optional<Instant> CheckInstant(std::string_view text, const vitrine::TimeZone& zone) {
  auto t = vitrine::ParseInstant(text, zone);
  if (!t.ok()) return std::nullopt;
  const std::string utc = vitrine::FormatUtc(*t);
  auto from_utc = vitrine::ParseInstant(utc, zone);
  FUZZ_CHECK(from_utc.ok() && *from_utc == *t, "\"%s\" -> \"%s\" does not parse back",
             Show(text).c_str(), utc.c_str());
  // RFC 3339 offsets are whole minutes: a local mean time such as Paris's +00:09:21 before
  // 1911 (or Monrovia's -00:44:30 until 1972) is written to the minute, so those forms only
  // round-trip where the offset is whole minutes.
  if (zone.OffsetAt(*t) % std::chrono::minutes(1) == std::chrono::seconds(0)) {
    const std::string rfc = zone.FormatRfc3339(*t);
    auto from_rfc = vitrine::ParseInstant(rfc, zone);
    FUZZ_CHECK(from_rfc.ok() && *from_rfc == *t, "\"%s\" -> \"%s\" does not parse back",
               Show(text).c_str(), rfc.c_str());
    const std::string minutes = zone.FormatMinutesWithOffset(*t);
    auto from_minutes = vitrine::ParseInstant(minutes, zone);
    FUZZ_CHECK(from_minutes.ok() && *from_minutes == std::chrono::floor<std::chrono::minutes>(*t),
               "\"%s\" -> \"%s\" does not parse back to the minute", Show(text).c_str(),
               minutes.c_str());
  }
  const auto local = zone.ToLocal(*t);
  const Instant back = zone.FromLocal(local);
  FUZZ_CHECK(back <= *t && *t - back <= std::chrono::hours(26),
             "\"%s\": local time maps back %lld s away", Show(text).c_str(),
             static_cast<long long>((*t - back).count()));
  return *t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 512) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const vitrine::TimeZone* zone = &vitrine::TimeZone::Paris();
  std::optional<vitrine::TimeZone> located;
  if (text.substr(0, 5) == "zone=") {
    const size_t eol = text.find('\n');
    auto z =
        vitrine::TimeZone::Locate(text.substr(5, eol == std::string_view::npos ? eol : eol - 5));
    if (z.ok()) {
      located = *z;
      zone = &*located;
    }
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  }
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    CheckInstant(text, *zone);
    return 0;
  }
  const auto begin = CheckInstant(text.substr(0, slash), *zone);
  const auto end = CheckInstant(text.substr(slash + 1), *zone);
  if (begin && end) {
    const vitrine::Interval interval{*begin, *end};
    FUZZ_CHECK(interval.empty() == !interval.Contains(*begin), "empty vs contains begin");
    FUZZ_CHECK(!interval.Contains(*end), "contains its end");
    FUZZ_CHECK(interval.Overlaps(interval) == !interval.empty(), "overlaps itself");
  }
  return 0;
}
