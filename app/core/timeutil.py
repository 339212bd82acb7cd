"""Store UTC, show Asia/Ho_Chi_Minh; legal deadlines are local dates."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def to_local(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(LOCAL_TZ)


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def local_date(dt: datetime) -> date:
    return to_local(dt).date()


def as_utc(dt: datetime) -> datetime:
    """A timestamp from a query string: one without a zone is read as UTC (as the API documents)."""
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
