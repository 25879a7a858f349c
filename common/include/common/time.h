// Time: instants, half-open intervals, store time zones (IANA, DST-correct) and clocks.
//
// An Instant is a UTC point to the second. Local times ("the promotion runs Wednesday to
// Sunday in each store") become Instants through a store's TimeZone, which reads the
// operating system's tz database through the date/tz library. Clock is injected wherever
// "now" matters so tests can fix it. All types are immutable and thread-safe, except
// ManualClock, which is safe to read and set from several threads.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace date {
class time_zone;
}

namespace vitrine {

using Instant = std::chrono::sys_seconds;
using LocalTime = std::chrono::local_seconds;

// Seconds since the Unix epoch, for storage.
inline int64_t ToUnixSeconds(Instant t) { return t.time_since_epoch().count(); }
inline Instant FromUnixSeconds(int64_t s) { return Instant(std::chrono::seconds(s)); }

// "2026-11-24T09:30:00Z".
std::string FormatUtc(Instant t);

// A half-open interval [begin, end).
struct Interval {
  Instant begin;
  Instant end;

  bool Contains(Instant t) const { return begin <= t && t < end; }
  bool Overlaps(const Interval& o) const { return begin < o.end && o.begin < end; }
  bool empty() const { return end <= begin; }
  friend bool operator==(const Interval&, const Interval&) = default;
};

class TimeZone {
 public:
  // Europe/Paris, the default zone of a French store.
  static const TimeZone& Paris();
  // Finds an IANA zone ("Europe/Paris", "America/Martinique", "Indian/Reunion").
  static Result<TimeZone> Locate(std::string_view name);

  std::string_view name() const;

  // The instant at which the wall clock of this zone shows `local`. A local time inside
  // a spring-forward gap maps to the first instant after the gap; one in the repeated
  // autumn hour maps to its first occurrence, so a promotion never starts late.
  Instant FromLocal(LocalTime local) const;
  LocalTime ToLocal(Instant t) const;
  // UTC offset in force at `t` (+3600 s for Paris in winter).
  std::chrono::seconds OffsetAt(Instant t) const;
  // "2026-12-02T00:00+0100": minutes and a compact offset, as Google's
  // sale_price_effective_date wants.
  std::string FormatMinutesWithOffset(Instant t) const;
  // "2026-12-02T00:00:00+01:00": RFC 3339 in local time.
  std::string FormatRfc3339(Instant t) const;

 private:
  explicit TimeZone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_;
};

// Parses "2026-11-24T09:30:00Z", "2026-11-24T10:30:00+01:00", "2026-11-24T10:30+0100",
// "2026-11-24 10:30:00" (local to `zone`) and "2026-11-24" (local midnight in `zone`).
Result<Instant> ParseInstant(std::string_view text, const TimeZone& zone = TimeZone::Paris());

// Where "now" comes from.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant Now() const override;
  static const SystemClock& Instance();
};

// A clock that only moves when told to: for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : now_(ToUnixSeconds(start)) {}
  Instant Now() const override { return FromUnixSeconds(now_.load()); }
  void Set(Instant t) { now_.store(ToUnixSeconds(t)); }
  void Advance(std::chrono::seconds d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace vitrine
