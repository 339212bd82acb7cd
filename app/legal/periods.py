"""Reporting periods of Circular 02/2021/TT-TTCP: the quarter, 6 months, 9 months and year the
ward reports upward, with the circular's cut-off dates, and custom date ranges.

The reporting year is not the calendar year: year N runs from 15/12 of N-1 to 14/12 of N. Q1 runs
15/12 (previous year) to 14/3, each later quarter from the 15th of the previous quarter's last
month to the 14th of its own last month; H1, 9M and Y all start on 15/12 of the previous year.
So 14/3/2026 is in Q1 2026, 15/3/2026 in Q2 2026, and 15/12/2025 already in Q1 (and Y) 2026."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.core.errors import Invalid
from app.core.i18n import N_, _

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_RANGE_YEARS = 5
CUSTOM = "custom"
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
# code -> the month of its last day (the first day: see `official`)
_LAST_MONTH = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6, "9M": 9, "Y": 12}
CODES = tuple(_LAST_MONTH)
CUT_OFF_DAY = 14  # a period ends on the 14th; the next one starts on the 15th

LABELS = {
    "Q1": N_("Quý I năm %(y)s"),
    "Q2": N_("Quý II năm %(y)s"),
    "Q3": N_("Quý III năm %(y)s"),
    "Q4": N_("Quý IV năm %(y)s"),
    "H1": N_("6 tháng đầu năm %(y)s"),
    "9M": N_("9 tháng năm %(y)s"),
    "Y": N_("Năm %(y)s"),
}
CUSTOM_LABEL = N_("Từ ngày %(a)s đến ngày %(b)s")


@dataclass(frozen=True)
class Period:
    """A reporting period: `start` and `end` are both included (local dates of the ward)."""

    year: int
    code: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """The period's name in the reader's language (Vietnamese by default)."""
        if self.code == CUSTOM:
            return str(CUSTOM_LABEL) % {"a": self.start.strftime("%d/%m/%Y"), "b": self.end.strftime("%d/%m/%Y")}
        return str(LABELS[self.code]) % {"y": self.year}

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def official(self) -> bool:
        return self.code != CUSTOM

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def to_dict(self) -> dict:
        """The contract's `period` object: `{year, code, from, to}` with ISO dates."""
        return {"year": self.year, "code": self.code, "from": self.start.isoformat(), "to": self.end.isoformat()}


def _check_year(year: int, field: str = "year") -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(_("Năm báo cáo phải từ %(a)d đến %(b)d") % {"a": MIN_YEAR, "b": MAX_YEAR},
                      fields={field: "out_of_range"})


def normalise_code(code: str) -> str:
    """What a person or a script typed ("q1", " 9m ") as the code is written ("Q1", "9M")."""
    return (code or "").strip().upper()


def official(year: int, code: str) -> Period:
    """An official period of reporting year `year` (2000–2100): Q1, Q2, Q3, Q4, H1, 9M or Y."""
    code = normalise_code(code)
    if code not in _LAST_MONTH:
        raise Invalid(_("Kỳ báo cáo không hợp lệ; chọn một trong: %s") % ", ".join(CODES),
                      fields={"period": "unknown"})
    _check_year(year)
    last_month = _LAST_MONTH[code]
    end = date(year, last_month, CUT_OFF_DAY)
    if code in QUARTERS and code != "Q1":
        start = date(year, last_month - 3, CUT_OFF_DAY + 1)
    else:  # Q1, H1, 9M and Y all begin with the reporting year
        start = date(year - 1, 12, CUT_OFF_DAY + 1)
    return Period(year, code, start, end)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28) + timedelta(days=1)


def custom(start: date | None, end: date | None) -> Period:
    """Any range of days from `start` to `end` (both included), at most 5 years long. Its `year`
    is the calendar year of its last day, its `code` is "custom"."""
    if start is None or end is None:
        missing = {name: "required" for name, value in (("from", start), ("to", end)) if value is None}
        raise Invalid(_("Cần chọn cả ngày bắt đầu và ngày kết thúc"), fields=missing)
    for name, day in (("from", start), ("to", end)):
        _check_year(day.year, name)
    if start > end:
        raise Invalid(_("Ngày bắt đầu phải trước ngày kết thúc"), fields={"from": "after_to"})
    if end >= _add_years(start, MAX_RANGE_YEARS):
        raise Invalid(_("Khoảng thời gian tối đa 5 năm"), fields={"to": "too_long"})
    return Period(end.year, CUSTOM, start, end)


def reporting_year(day: date) -> int:
    """The reporting year a day belongs to: from 15/12 on, the next calendar year's."""
    return day.year + 1 if (day.month, day.day) > (12, CUT_OFF_DAY) else day.year


def containing(day: date, code: str = "Q") -> Period:
    """The official period holding `day`: its quarter ("Q", the default) or its year ("Y").
    (H1 and 9M hold only part of a year, so "the H1 of a day" in October has no answer.)"""
    year = reporting_year(day)
    if normalise_code(code) == "Y":
        return official(year, "Y")
    if normalise_code(code) != "Q":
        raise Invalid(_("Kỳ báo cáo không hợp lệ; chọn một trong: %s") % "Q, Y", fields={"period": "unknown"})
    return next(p for p in (official(year, q) for q in QUARTERS) if p.contains(day))


def periods_of_year(year: int) -> list[Period]:
    """Every official period of a reporting year, in the order the circular lists them."""
    return [official(year, code) for code in CODES]


def choose(*, year: int | None = None, code: str | None = None, start: date | None = None,
           end: date | None = None, today: date) -> Period:
    """The period a request asks for (`?year=&period=` or `?from=&to=`): a custom range when a
    date is given, else the official period `code` of `year` (the current reporting year when
    left out), else the quarter that holds `today`."""
    if start is not None or end is not None:
        if code and normalise_code(code) != CUSTOM.upper():
            raise Invalid(_("Chọn kỳ báo cáo hoặc khoảng ngày, không chọn cả hai"), fields={"period": "conflict"})
        return custom(start, end)
    if code:
        return official(reporting_year(today) if year is None else year, code)
    if year is not None:
        return official(year, "Y")
    return containing(today)
