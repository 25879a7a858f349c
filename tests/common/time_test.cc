#include "common/time.h"

#include <gtest/gtest.h>

namespace vitrine {
namespace {

Instant Utc(const char* text) {
  auto t = ParseInstant(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().ToString();
  return t.ok() ? *t : Instant{};
}

TEST(TimeTest, ParsesIso8601Forms) {
  EXPECT_EQ(FormatUtc(Utc("2026-11-24T09:30:00Z")), "2026-11-24T09:30:00Z");
  EXPECT_EQ(FormatUtc(Utc("2026-11-24T10:30:00+01:00")), "2026-11-24T09:30:00Z");
  EXPECT_EQ(FormatUtc(Utc("2026-11-24T10:30+0100")), "2026-11-24T09:30:00Z");
  EXPECT_EQ(FormatUtc(Utc("2026-11-24T09:30:00.250Z")), "2026-11-24T09:30:00Z");
  // No offset: local to Paris.
  EXPECT_EQ(FormatUtc(Utc("2026-07-01 12:00:00")), "2026-07-01T10:00:00Z");
  EXPECT_EQ(FormatUtc(Utc("2026-12-02")), "2026-12-01T23:00:00Z");
}

TEST(TimeTest, RejectsMalformedDates) {
  for (const char* bad : {"", "2026-13-01", "2026-02-30", "24/11/2026", "2026-11-24T25:00Z",
                          "2026-11-24T10:00+2", "2026-11-24Tfoo", "2026-11-24T10:00:00Zjunk"}) {
    EXPECT_FALSE(ParseInstant(bad).ok()) << bad;
  }
}

// Years 1900 to 9999 in UTC, so every instant formats back as it parses: "0000-01-01" in
// Paris (local mean time +00:09:21) was year -1 in UTC and did not parse back (found by
// fuzz/time_fuzz.cc; fuzz/crashes/time/).
TEST(TimeTest, RefusesInstantsOutsideYears1900To9999) {
  for (const char* bad : {"0000-01-01", "1899-12-31T23:59:59Z", "1900-01-01T00:30:00+01:00",
                          "9999-12-31T23:59:59-01:00"}) {
    auto t = ParseInstant(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.status().message().find("years 1900 to 9999"), std::string::npos) << bad;
  }
  EXPECT_EQ(FormatUtc(Utc("1900-01-01T00:00:00Z")), "1900-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(Utc("9999-12-31T23:59:59Z")), "9999-12-31T23:59:59Z");
}

TEST(TimeTest, ParisOffsetsAcrossTheOctoberChange) {
  const TimeZone& paris = TimeZone::Paris();
  // 2026-10-25 is the last Sunday of October: 03:00 CEST becomes 02:00 CET.
  EXPECT_EQ(paris.OffsetAt(Utc("2026-10-24T12:00:00Z")), std::chrono::hours(2));
  EXPECT_EQ(paris.OffsetAt(Utc("2026-10-26T12:00:00Z")), std::chrono::hours(1));
  EXPECT_EQ(paris.FormatMinutesWithOffset(Utc("2026-10-24T22:00:00Z")), "2026-10-25T00:00+0200");
  EXPECT_EQ(paris.FormatMinutesWithOffset(Utc("2026-10-26T23:00:00Z")), "2026-10-27T00:00+0100");
}

TEST(TimeTest, AmbiguousLocalTimeTakesItsFirstOccurrence) {
  // 02:30 happens twice in Paris on 2026-10-25; the promotion starts at the first.
  auto t = ParseInstant("2026-10-25T02:30:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatUtc(*t), "2026-10-25T00:30:00Z");
}

TEST(TimeTest, NonexistentLocalTimeMovesPastTheGap) {
  // 02:30 does not exist in Paris on 2026-03-29: clocks jump from 02:00 to 03:00.
  auto t = ParseInstant("2026-03-29T02:30:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatUtc(*t), "2026-03-29T01:00:00Z");
}

TEST(TimeTest, OverseasZonesHaveTheirOwnOffsets) {
  auto martinique = TimeZone::Locate("America/Martinique");
  auto reunion = TimeZone::Locate("Indian/Reunion");
  ASSERT_TRUE(martinique.ok());
  ASSERT_TRUE(reunion.ok());
  const Instant t = Utc("2026-12-02T12:00:00Z");
  EXPECT_EQ(martinique->OffsetAt(t), std::chrono::hours(-4));
  EXPECT_EQ(reunion->OffsetAt(t), std::chrono::hours(4));
  EXPECT_EQ(martinique->FormatRfc3339(t), "2026-12-02T08:00:00-04:00");
  auto local_midnight = ParseInstant("2026-12-02", *reunion);
  ASSERT_TRUE(local_midnight.ok());
  EXPECT_EQ(FormatUtc(*local_midnight), "2026-12-01T20:00:00Z");
}

TEST(TimeTest, UnknownZoneIsAnError) {
  auto zone = TimeZone::Locate("Europe/Atlantis");
  ASSERT_FALSE(zone.ok());
  EXPECT_NE(zone.status().message().find("Europe/Atlantis"), std::string::npos);
}

TEST(TimeTest, IntervalsAreHalfOpen) {
  const Interval week{Utc("2026-12-02T00:00:00Z"), Utc("2026-12-09T00:00:00Z")};
  EXPECT_TRUE(week.Contains(week.begin));
  EXPECT_FALSE(week.Contains(week.end));
  EXPECT_TRUE(week.Overlaps({Utc("2026-12-08T00:00:00Z"), Utc("2026-12-10T00:00:00Z")}));
  EXPECT_FALSE(week.Overlaps({week.end, Utc("2026-12-10T00:00:00Z")}));
}

TEST(TimeTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(Utc("2026-11-24T00:00:00Z"));
  EXPECT_EQ(FormatUtc(clock.Now()), "2026-11-24T00:00:00Z");
  clock.Advance(std::chrono::hours(25));
  EXPECT_EQ(FormatUtc(clock.Now()), "2026-11-25T01:00:00Z");
}

}  // namespace
}  // namespace vitrine
