"""Whether the chairman received citizens as often as the law requires: per ISO week and per
month, against the frequency rule in force that week (`reception.chairman_days`, editable with
effective dates). A week with fewer working days than required asks only for those days."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from app.core.timeutil import local_date
from app.legal.rules import RuleBook, RuleRef, work_calendar
from app.models.reception import HostRole, ReceptionRule, ReceptionSession, SessionStatus
from app.reception.schedule import local_datetime

FREQUENCY_RULE = "reception.chairman_days"


@dataclass
class WeekRow:
    start: date  # Monday
    required: int
    held_days: list[date]
    rule: RuleRef
    finished: bool
    tracked: bool = True  # False before the ward kept its schedule here: nothing to judge


    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def held(self) -> int:
        return len(self.held_days)

    @property
    def missed(self) -> bool:
        return self.tracked and self.finished and self.held < self.required

    @property
    def counted(self) -> bool:
        return self.tracked and self.finished

    @property
    def month(self) -> int:
        # ISO convention: a week belongs to the month (and year) of its Thursday.
        return (self.start + timedelta(days=3)).month


@dataclass
class MonthRow:
    month: int
    required: int = 0
    held: int = 0
    missed_weeks: list[date] = field(default_factory=list)


@dataclass
class Compliance:
    year: int
    weeks: list[WeekRow]
    months: list[MonthRow]

    @property
    def required(self) -> int:
        return sum(w.required for w in self.weeks if w.counted)

    @property
    def held(self) -> int:
        return sum(w.held for w in self.weeks if w.counted)

    @property
    def missed(self) -> int:
        return sum(1 for w in self.weeks if w.missed)


def _weeks_of(year: int) -> list[date]:
    """The Mondays of the ISO weeks of `year`."""
    monday = date.fromisocalendar(year, 1, 1)
    out = []
    while (monday + timedelta(days=3)).year == year:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def tracking_start(session: Session) -> date | None:
    """The first day the chairman's reception is on record here: the earliest chairman rule or
    session. Weeks before it are not judged (the paper register covered them)."""
    first_rule = session.exec(select(func.min(ReceptionRule.effective_from))
                              .where(ReceptionRule.host_role == HostRole.chairman)).one()
    first_session = session.exec(select(func.min(ReceptionSession.starts_at))
                                 .where(ReceptionSession.host_role == HostRole.chairman)).one()
    days = [d for d in (first_rule, local_date(first_session) if first_session else None) if d]
    return min(days) if days else None


def chairman_compliance(session: Session, *, year: int, today: date) -> Compliance:
    mondays = _weeks_of(year)
    first, last = mondays[0], mondays[-1] + timedelta(days=6)
    held_sessions = session.exec(
        select(ReceptionSession.starts_at)
        .where(ReceptionSession.host_role == HostRole.chairman, ReceptionSession.status == SessionStatus.held,
               ReceptionSession.starts_at >= local_datetime(first, time.min),
               ReceptionSession.starts_at < local_datetime(last + timedelta(days=1), time.min))).all()
    held_by_week: dict[date, set[date]] = defaultdict(set)
    for starts_at in held_sessions:
        day = local_date(starts_at)
        held_by_week[day - timedelta(days=day.weekday())].add(day)
    since = tracking_start(session)
    cal = work_calendar(session)
    book = RuleBook(session, {FREQUENCY_RULE})
    weeks = []
    for monday in mondays:
        rule = book.get(FREQUENCY_RULE, monday)
        working = sum(1 for i in range(7) if cal.is_working_day(monday + timedelta(days=i)))
        weeks.append(WeekRow(start=monday, required=min(rule.value, working),
                             held_days=sorted(held_by_week.get(monday, ())), rule=rule,
                             finished=monday + timedelta(days=6) < today,
                             tracked=since is not None and monday + timedelta(days=6) >= since))
    months = {m: MonthRow(m) for m in range(1, 13)}
    for w in weeks:
        if not w.counted:
            continue
        row = months[w.month]
        row.required += w.required
        row.held += w.held
        if w.missed:
            row.missed_weeks.append(w.start)
    return Compliance(year=year, weeks=weeks, months=list(months.values()))
