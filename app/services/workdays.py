"""The working calendar: Vietnamese public holidays (the `holidays` package) plus the ward's
table of official overrides (extra days off, make-up working Saturdays), and day counting as
the Civil Code does it (Arts. 147–148)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> holidays.HolidayBase:
    return holidays.VN(years=year, language="vi")


class WorkCalendar:
    def __init__(self, overrides: dict[date, bool] | None = None):
        # True: a working day by official decision; False: a day off by official decision.
        self.overrides = overrides or {}

    def is_working_day(self, d: date) -> bool:
        if d in self.overrides:
            return self.overrides[d]
        return _vn_holidays(d.year).is_working_day(d)

    def holiday_name(self, d: date) -> str | None:
        return _vn_holidays(d.year).get(d)

    def next_working_day(self, d: date) -> date:
        """`d` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (counting begins the next day)."""
        if days < 0:
            raise ValueError("days must not be negative")
        d = start
        counted = 0
        while counted < days:
            d += timedelta(days=1)
            if self.is_working_day(d):
                counted += 1
        return d

    def add_calendar_days(self, start: date, days: int) -> date:
        """`start` + `days`; a last day that is not a working day moves to the next working day."""
        if days < 0:
            raise ValueError("days must not be negative")
        return self.next_working_day(start + timedelta(days=days))

    def add(self, start: date, days: int, unit: str) -> date:
        return self.add_working_days(start, days) if unit == "working" else self.add_calendar_days(start, days)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        n = 0
        d = start
        while d < end:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n += 1
        return n
