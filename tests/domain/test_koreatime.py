"""Korean calendar days at their edges: 15:00 UTC is midnight in Korea."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hubcity.domain.koreatime import day_end, korean_date, last_day, plus_years


def test_the_korean_day_turns_at_15_utc() -> None:
    assert korean_date(datetime(2026, 12, 7, 14, 59, 59, tzinfo=UTC)) == date(2026, 12, 7)
    assert korean_date(datetime(2026, 12, 7, 15, 0, tzinfo=UTC)) == date(2026, 12, 8)
    assert korean_date(datetime(2026, 12, 31, 15, 0, tzinfo=UTC)) == date(2027, 1, 1)


def test_a_day_ends_at_the_next_korean_midnight_and_maps_back_to_itself() -> None:
    end = day_end(date(2026, 12, 7))
    assert end == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    assert last_day(end) == date(2026, 12, 7)
    assert korean_date(end - timedelta(microseconds=1)) == date(2026, 12, 7)
    assert korean_date(end) == date(2026, 12, 8)


def test_three_years_on_keeps_the_day_and_folds_29_february() -> None:
    assert plus_years(date(2026, 12, 7), 3) == date(2029, 12, 7)
    assert plus_years(date(2028, 2, 29), 3) == date(2031, 2, 28)
