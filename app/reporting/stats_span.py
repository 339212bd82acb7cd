"""The months /stats counts in (`Span`: the 12 complete months before today's, and the same month
a year before the last of them), and how its figures count by them in SQL: one aggregate per
figure, grouped by month with a CASE over the month bounds (`grouped`), the same on SQLite and
PostgreSQL. Used by the figures (app/reporting/stats.py, app/reporting/stats_cases.py); its small
SQL helpers (`midnight`, `flag`, `as_int`) by every reporting module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case as when
from sqlalchemy import func
from sqlmodel import Session, select

from app.core.timeutil import LOCAL_TZ
from app.legal import periods


def _add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def midnight(day: date) -> datetime:
    """The start of `day` by the ward's clock, to compare stored (UTC) times with."""
    return datetime.combine(day, time.min, LOCAL_TZ)


@dataclass(frozen=True)
class Month:
    """A calendar month of the ward's dates: `start` to `end`, both included."""

    start: date
    end: date

    @property
    def key(self) -> str:
        """'YYYY-MM', as in the CSV files."""
        return self.start.strftime("%Y-%m")

    @property
    def label(self) -> str:
        """'MM/YYYY', as the page shows it."""
        return self.start.strftime("%m/%Y")

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Span:
    """13 complete months: the 12 before the month of `today` (`headline`), from the first day
    of the month 12 months ago to the last day of the month before this one, and the month
    before them, the same month a year before the last one, to compare with. The month of
    `today` is never in it."""

    today: date
    months: tuple[Month, ...]

    @classmethod
    def ending(cls, today: date) -> Span:
        first = _add_months(today, -13)
        starts = [_add_months(first, i) for i in range(13)]
        return cls(today, tuple(Month(s, _add_months(s, 1) - timedelta(days=1)) for s in starts))

    @property
    def start(self) -> date:
        return self.months[0].start

    @property
    def end(self) -> date:
        """The last day counted: the last day of the month before today's."""
        return self.months[-1].end

    @property
    def headline(self) -> tuple[Month, ...]:
        return self.months[1:]

    @property
    def headline_start(self) -> date:
        return self.months[1].start

    @staticmethod
    def in_headline(i: int) -> bool:
        return i >= 1

    @property
    def period(self) -> periods.Period:
        """The headline figures' 12 months, as a reporting period."""
        return periods.custom(self.headline_start, self.end)

    def index(self, day: date) -> int | None:
        """Which month holds `day` (0–12), or None when outside the span."""
        if not self.start <= day <= self.end:
            return None
        return (day.year - self.start.year) * 12 + day.month - self.start.month

    def bucket_of_dates(self, column):
        """SQL: the month (0–12) a date column falls in. Use with `dates_in`."""
        bounds = [m.start for m in self.months[1:]]
        return when(*[(column < b, i) for i, b in enumerate(bounds)], else_=len(bounds))

    def dates_in(self, column) -> tuple:
        return (column >= self.start, column <= self.end)

    def bucket_of_times(self, column):
        """SQL: the month (0–12) of a stored (UTC) time by the ward's local date: compared with the
        local midnights that open each month, so the same on every database."""
        bounds = [midnight(m.start) for m in self.months[1:]]
        return when(*[(column < b, i) for i, b in enumerate(bounds)], else_=len(bounds))

    def times_in(self, column) -> tuple:
        return (column >= midnight(self.start), column < midnight(self.end + timedelta(days=1)))


def grouped(session: Session, bucket, keys: list, sums: list, where: tuple) -> list[tuple]:
    """Rows of (month, *keys, count, *sums) grouped by month and keys. The month expression is
    computed in a subquery and grouped on by name there, which every database accepts (a CASE
    with bound parameters in GROUP BY is refused by some)."""
    inner = select(bucket.label("m"), *[k.label(f"k{i}") for i, k in enumerate(keys)],
                   *[s.label(f"s{i}") for i, s in enumerate(sums)]).where(*where).subquery()
    k_cols = [inner.c[f"k{i}"] for i in range(len(keys))]
    s_cols = [func.sum(inner.c[f"s{i}"]) for i in range(len(sums))]
    # Columns given as lists: SQLModel's select() is typed for up to four given one by one (fastapi/sqlmodel#271).
    rows = session.exec(select(inner.c.m, *k_cols, func.count(), *s_cols)  # type: ignore[call-overload]
                        .group_by(inner.c.m, *k_cols)).all()
    return [tuple(r) for r in rows]


def flag(condition):
    """1 where the condition holds, else 0: SUM() of it counts the rows that match."""
    return when((condition, 1), else_=0)


def as_int(value) -> int:
    """A count or a sum read from SQL: None (a sum over no rows) is 0."""
    return int(value or 0)

