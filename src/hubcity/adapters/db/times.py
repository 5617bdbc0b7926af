"""Datetimes as they come back from the metadata database: SQLite hands back naive ones, and
everything in hubcity is UTC-aware."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["aware", "stamp"]


def aware(value: datetime | None) -> datetime | None:
    """The value with UTC attached when the database dropped it (``None`` stays ``None``)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def stamp(value: datetime | None) -> datetime:
    """A column that is never empty, UTC-aware."""
    out = aware(value)
    assert out is not None
    return out
