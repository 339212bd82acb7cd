"""The working calendar: Vietnamese public holidays (the `holidays` package) plus the ward's
table of official overrides (extra days off, make-up working Saturdays), and day counting as
the Civil Code does it (Arts. 147–148)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> holidays.HolidayBase:
    return holidays.VN(years=year, language="vi")


@dataclass(frozen=True)
class Pause:
    """A period that does not count toward a deadline (a suspension), both ends included.
    `end=None`: still running, so no deadline can be given yet."""

    start: date
    end: date | None = None

    def covers(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


class DeadlineOpen(Exception):
    """The deadline cannot be computed yet: a pause is still running."""


class WorkCalendar:
    """The working days (the `holidays` package with the official overrides on top) and deadline
    arithmetic. An instance is a snapshot of the overrides, so it remembers its answers: a report
    asks for thousands of deadlines over a few hundred distinct start days."""

    def __init__(self, overrides: dict[date, bool] | None = None):
        # True: a working day by official decision; False: a day off by official decision.
        self.overrides = overrides or {}
        self._working: dict[date, bool] = {}
        self._added: dict[tuple, date] = {}

    def is_working_day(self, d: date) -> bool:
        known = self._working.get(d)
        if known is None:
            known = self.overrides[d] if d in self.overrides else _vn_holidays(d.year).is_working_day(d)
            self._working[d] = known
        return known

    def holiday_name(self, d: date) -> str | None:
        return _vn_holidays(d.year).get(d)

    def next_working_day(self, d: date) -> date:
        """`d` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, start: date, days: int, pauses: tuple[Pause, ...] = ()) -> date:
        """The `days`-th working day after `start` (counting begins the next day); days inside
        a pause do not count."""
        if days < 0:
            raise ValueError("days must not be negative")
        _check_pauses(pauses)
        d = start
        counted = 0
        while counted < days:
            d += timedelta(days=1)
            if self.is_working_day(d) and not _paused(d, pauses):
                counted += 1
        return d

    def add_calendar_days(self, start: date, days: int, pauses: tuple[Pause, ...] = (), *,
                          adjust: bool = True) -> date:
        """`start` + `days` counted days (paused days do not count); a last day that is not a
        working day (or is paused) moves to the next day that is neither, unless `adjust` is
        False (the unadjusted end an extension counts from)."""
        if days < 0:
            raise ValueError("days must not be negative")
        _check_pauses(pauses)
        d = start
        counted = 0
        while counted < days:
            d += timedelta(days=1)
            if not _paused(d, pauses):
                counted += 1
        return self.settle(d, pauses) if adjust else d

    def settle(self, d: date, pauses: tuple[Pause, ...] = ()) -> date:
        """`d`, or the first day after it that is a working day and not paused (Civil Code
        Art. 148(5): a last day that falls on a day off moves to the next working day)."""
        while not self.is_working_day(d) or _paused(d, pauses):
            d += timedelta(days=1)
        return d

    def add(self, start: date, days: int, unit: str, pauses: tuple[Pause, ...] = (), *, adjust: bool = True) -> date:
        """`days` of `unit` ("working" or calendar days) after `start`; see the two counts above."""
        key = (start, days, unit, pauses, adjust)
        due = self._added.get(key)
        if due is None:  # DeadlineOpen (a running pause) is raised, never remembered
            if unit == "working":  # the last counted day is a working day: nothing to adjust
                due = self.add_working_days(start, days, pauses)
            else:
                due = self.add_calendar_days(start, days, pauses, adjust=adjust)
            self._added[key] = due
        return due

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        n = 0
        d = start
        while d < end:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n += 1
        return n


def _paused(d: date, pauses: tuple[Pause, ...]) -> bool:
    return any(p.covers(d) for p in pauses)


def _check_pauses(pauses: tuple[Pause, ...]) -> None:
    if any(p.end is None for p in pauses):
        raise DeadlineOpen("a pause is still running")
