"""Days in Korea: legal deadlines, grant ends and agreement dates count Korean calendar days.

Korea has kept standard time (UTC+9) without daylight saving since 1988, so a fixed offset is
exact and needs no time-zone database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

__all__ = ["KST", "day_end", "korean_date", "korean_today", "last_day", "plus_years"]

KST = timezone(timedelta(hours=9), "KST")


def korean_date(now: datetime) -> date:
    """The day in Korea at the aware instant ``now``."""
    return now.astimezone(KST).date()


def korean_today() -> date:
    """Today in Korea."""
    return datetime.now(KST).date()


def day_end(day: date) -> datetime:
    """The first instant (UTC) after ``day`` in Korea: something that ends on a day holds through it."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=KST).astimezone(UTC)


def last_day(ends_at: datetime) -> date:
    """The last Korean day that something ending at ``ends_at`` (from :func:`day_end`) holds."""
    return (ends_at.astimezone(KST) - timedelta(microseconds=1)).date()


def plus_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
