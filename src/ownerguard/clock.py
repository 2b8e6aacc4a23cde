"""Time, in one place: UTC for storage, China Standard Time for working hours and deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

try:
    from zoneinfo import ZoneInfo

    LOCAL = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - no tz database on the machine
    LOCAL = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; everything we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    """The audit log's timestamp format (sortable text)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")
