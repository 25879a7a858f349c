#include "common/time.h"

#include <date/date.h>
#include <date/tz.h>

#include <cctype>
#include <cstdio>

namespace vitrine {
namespace {

bool ReadInt(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::string FormatOffset(std::chrono::seconds offset, bool colon) {
  const char sign = offset.count() < 0 ? '-' : '+';
  const long minutes = std::abs(offset.count()) / 60;
  char buf[16];
  std::snprintf(buf, sizeof buf, colon ? "%c%02ld:%02ld" : "%c%02ld%02ld", sign, minutes / 60,
                minutes % 60);
  return buf;
}

}  // namespace

std::string FormatUtc(Instant t) { return date::format("%Y-%m-%dT%H:%M:%SZ", t); }

const TimeZone& TimeZone::Paris() {
  static const TimeZone paris(date::locate_zone("Europe/Paris"));
  return paris;
}

Result<TimeZone> TimeZone::Locate(std::string_view name) {
  try {
    return TimeZone(date::locate_zone(name));
  } catch (const std::exception&) {
    return Status::InvalidArgument("unknown time zone \"" + std::string(name) +
                                   "\"; expected an IANA name such as Europe/Paris");
  }
}

std::string_view TimeZone::name() const { return zone_->name(); }

Instant TimeZone::FromLocal(LocalTime local) const {
  const date::local_info info = zone_->get_info(date::local_seconds(local.time_since_epoch()));
  switch (info.result) {
    case date::local_info::unique:
      return Instant((local - info.first.offset).time_since_epoch());
    case date::local_info::ambiguous:
      return Instant((local - info.first.offset).time_since_epoch());
    case date::local_info::nonexistent:
      // The wall clock jumps over `local`; the first real instant is the transition itself.
      return info.second.begin;
  }
  return Instant((local - info.first.offset).time_since_epoch());
}

LocalTime TimeZone::ToLocal(Instant t) const {
  return LocalTime((t + OffsetAt(t)).time_since_epoch());
}

std::chrono::seconds TimeZone::OffsetAt(Instant t) const { return zone_->get_info(t).offset; }

std::string TimeZone::FormatMinutesWithOffset(Instant t) const {
  return date::format("%Y-%m-%dT%H:%M", date::local_seconds(ToLocal(t).time_since_epoch())) +
         FormatOffset(OffsetAt(t), false);
}

std::string TimeZone::FormatRfc3339(Instant t) const {
  return date::format("%Y-%m-%dT%H:%M:%S", date::local_seconds(ToLocal(t).time_since_epoch())) +
         FormatOffset(OffsetAt(t), true);
}

Result<Instant> ParseInstant(std::string_view text, const TimeZone& zone) {
  auto invalid = [&] {
    return Status::InvalidArgument("invalid date-time \"" + std::string(text) +
                                   "\"; expected ISO 8601 such as 2026-12-02T00:00:00+01:00");
  };
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!ReadInt(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !ReadInt(text, 5, 2, mo) ||
      text[7] != '-' || !ReadInt(text, 8, 2, d)) {
    return invalid();
  }
  const date::year_month_day ymd{date::year(y), date::month(mo), date::day(d)};
  if (!ymd.ok()) return invalid();
  size_t pos = 10;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != ' ') return invalid();
    if (!ReadInt(text, pos + 1, 2, h) || text.size() < pos + 6 || text[pos + 3] != ':' ||
        !ReadInt(text, pos + 4, 2, mi)) {
      return invalid();
    }
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!ReadInt(text, pos + 1, 2, s)) return invalid();
      pos += 3;
      if (pos < text.size() && text[pos] == '.') {  // fractions of a second are dropped
        ++pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
      }
    }
    if (h > 23 || mi > 59 || s > 60) return invalid();
  }
  const auto local = LocalTime(date::local_days(ymd).time_since_epoch()) + std::chrono::hours(h) +
                     std::chrono::minutes(mi) + std::chrono::seconds(s);
  // Years 1900 to 9999 in UTC: every instant then formats back with four digits (0000-01-01
  // in Paris is in year -1 in UTC), and earlier ones only meet local mean times.
  auto in_range = [&](Instant t) -> Result<Instant> {
    static constexpr Instant kFirst = date::sys_days(date::year(1900) / 1 / 1);
    static constexpr Instant kLast = date::sys_days(date::year(9999) / 12 / 31) +
                                     std::chrono::hours(24) - std::chrono::seconds(1);
    if (t < kFirst || t > kLast) {
      return Status::InvalidArgument("date-time \"" + std::string(text) +
                                     "\" is out of range: years 1900 to 9999 (UTC)");
    }
    return t;
  };
  if (pos == text.size()) return in_range(zone.FromLocal(local));
  if (text[pos] == 'Z' && pos + 1 == text.size()) {
    return in_range(Instant(local.time_since_epoch()));
  }
  if (text[pos] != '+' && text[pos] != '-') return invalid();
  const int sign = text[pos] == '-' ? -1 : 1;
  int oh, om;
  if (!ReadInt(text, pos + 1, 2, oh)) return invalid();
  size_t mpos = pos + 3;
  if (mpos < text.size() && text[mpos] == ':') ++mpos;
  if (!ReadInt(text, mpos, 2, om) || mpos + 2 != text.size() || oh > 23 || om > 59) {
    return invalid();
  }
  const std::chrono::seconds offset = sign * (std::chrono::hours(oh) + std::chrono::minutes(om));
  return in_range(Instant(local.time_since_epoch() - offset));
}

Instant SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace vitrine
