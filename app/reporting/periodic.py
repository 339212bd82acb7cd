"""Periodic reports to the parent authority (Circular 02/2021/TT-TTCP): for one reporting period
(app/legal/periods.py), what became of the cases, the citizen reception, the disclosures and
the dialogues. Counts only: nothing here names a person, and no row leaves this module.

How things belong to a period (the ward's local dates):
  * a case by the day it was received (`received_on`);
  * a reception session and its visits by the session's local day;
  * a disclosure by the local day it was published on the portal (`published_at`: the day its
    timeliness was judged against), withdrawn ones included (they were disclosed);
  * a dialogue by the local day it started.

What they had become is judged as of the end of the period's last day, or today while the period
is still running (`Window`): a case resolved after the period closed was still open at its end,
so a report for a past quarter reads the same whatever day it is drawn up. Deadlines come from
the rules table and the working calendar, as the case pages compute them.

Each section costs a handful of aggregate queries, whatever the number of rows; the one pass
over rows is the cases' deadlines, which need the working calendar (read once, with the rules
and the suspensions, never per case)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, not_, or_
from sqlalchemy import case as when
from sqlmodel import Session, col, select

from app.core.timeutil import local_today
from app.dialogues import service as dialogue_service
from app.legal.deadlines import CaseClock, case_clock
from app.legal.periods import Period, containing
from app.legal.rules import RuleBook
from app.models.complaint import CaseField, CaseKind, Channel, Complaint
from app.models.dialogue import (
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Dialogue,
    DialogueQuestion,
    DialogueStatus,
)
from app.models.disclosure import PERMANENT_POSTING, Category, Disclosure, DisclosureMethod, Method
from app.models.reception import HostRole, ReceptionSession, ReceptionVisit, SessionStatus, VisitOutcome
from app.reception.compliance import WeekRow, chairman_compliance
from app.reception.visits import GROUP_MIN
from app.reporting.case_outcomes import FINISHED, LATE, ON_TIME, OPEN, OVERDUE, CaseJudge, case_pauses, case_rows
from app.reporting.stats_span import as_int, flag, midnight

POSTING_RULE = "disclosure.posting_period"
# Art. 13(2) Law 10/2022/QH15: items 1–3 and 5–12 are posted for at least the posting period;
# items 4 and 13 permanently; item 14 ("other") has no posting duty of its own.
TIMED_POSTING = frozenset(Category) - PERMANENT_POSTING - {Category.other}
HELD_DIALOGUE = (DialogueStatus.held.value, DialogueStatus.published.value)


# The period as the queries see it ------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """A period and the day its figures are judged on.

    `last_day`: the last day whose events count — the period's end, or today while it runs.
    `judged_on`: a deadline falling before this day was missed by then (the day after a finished
    period; today for a running one, as the inbox counts: a case due today is not late yet)."""

    period: Period
    last_day: date
    judged_on: date

    @classmethod
    def of(cls, period: Period, today: date) -> Window:
        if period.end < today:
            return cls(period, period.end, period.end + timedelta(days=1))
        return cls(period, today, today)

    @property
    def since(self) -> datetime:
        return midnight(self.period.start)

    @property
    def until(self) -> datetime:
        """The end of the period's last day (timestamps strictly before it are in the period)."""
        return midnight(self.period.end + timedelta(days=1))

    @property
    def cutoff(self) -> datetime:
        """The end of `last_day`: events stamped before it had happened when the figures are judged."""
        return midnight(self.last_day + timedelta(days=1))


# Small helpers ---------------------------------------------------------------------------------

def _count_by(session: Session, column, known, *where) -> dict[str, int]:
    """Rows per code, with every known code present (zero when none), so the shape is stable."""
    counts = {k.value: 0 for k in known}
    for code, n in session.exec(select(column, func.count()).where(*where).group_by(column)).all():
        counts[code] = counts.get(code, 0) + as_int(n)
    return counts


# Cases -----------------------------------------------------------------------------------------

@dataclass
class CaseFigures:
    """Cases received in the period, and where each stood at its end.

    received = resolved + open + finished_at_intake; resolved = resolved_on_time + resolved_late;
    overdue = open_overdue + resolved_late."""

    received: int = 0
    accepted: int = 0  # accepted (thụ lý) by the end
    resolved: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    open: int = 0  # not finished at the end (in intake, or accepted and not resolved)
    open_overdue: int = 0  # of those, past their deadline at the end
    overdue: int = 0
    finished_at_intake: int = 0  # guided, transferred, filed or refused without acceptance
    by_kind: dict[str, int] = field(default_factory=dict)
    by_field: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    satisfaction_count: int = 0  # ratings given by the end
    satisfaction_average: float | None = None  # 1–5, two decimals; None without ratings

    def to_dict(self) -> dict:
        return asdict(self)


def case_figures(session: Session, w: Window, *, clock: CaseClock | None = None) -> CaseFigures:
    p = w.period
    cohort = (Complaint.received_on >= p.start, Complaint.received_on <= p.end)
    rated = and_(col(Complaint.satisfaction).is_not(None), col(Complaint.rated_at).is_not(None),
                 col(Complaint.rated_at) < w.cutoff)
    accepted, ratings, average = session.exec(
        select(func.sum(flag(and_(col(Complaint.accepted_on).is_not(None), col(Complaint.accepted_on) <= w.last_day))),
               func.count(when((rated, Complaint.id))), func.avg(when((rated, Complaint.satisfaction))))
        .where(*cohort)).one()
    judge = CaseJudge(w, clock or case_clock(session), case_pauses(session, w, cohort))
    outcomes = Counter(judge.outcome(cid, row) for cid, row in case_rows(session, w, cohort))
    figures = CaseFigures(
        accepted=as_int(accepted),
        resolved_on_time=outcomes[ON_TIME], resolved_late=outcomes[LATE],
        open_overdue=outcomes[OVERDUE], finished_at_intake=outcomes[FINISHED],
        by_kind=_count_by(session, Complaint.kind, CaseKind, *cohort),
        by_field=_count_by(session, Complaint.field, CaseField, *cohort),
        by_channel=_count_by(session, Complaint.channel, Channel, *cohort),
        satisfaction_count=as_int(ratings),
        satisfaction_average=round(float(average), 2) if ratings else None,
    )
    figures.received = sum(outcomes.values())
    figures.resolved = figures.resolved_on_time + figures.resolved_late
    figures.open = outcomes[OPEN] + outcomes[OVERDUE]
    figures.overdue = figures.open_overdue + figures.resolved_late
    return figures


# Citizen reception -------------------------------------------------------------------------------

@dataclass
class ReceptionFigures:
    """Sessions held and visits in the period, and the chairman's days against the rule.

    The chairman's days are counted by whole weeks, as the compliance page counts them (the
    frequency rule is per week): a week belongs to the period that holds its Thursday (the ISO
    convention the compliance page uses for months), so the quarters add up to the year. Only
    weeks that are over and on record count (`reception_compliance.WeekRow.counted`)."""

    sessions_held: int = 0  # every host
    chairman_sessions_held: int = 0
    chairman_weeks: int = 0  # weeks judged
    chairman_days_held: int = 0
    chairman_days_required: int = 0
    chairman_weeks_missed: int = 0
    visits: int = 0
    people: int = 0
    group_visits: int = 0  # visits of 5 people or more (Art. 30 Law 42/2013)
    group_people: int = 0
    visits_by_kind: dict[str, int] = field(default_factory=dict)
    visits_by_outcome: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def chairman_weeks(session: Session, period: Period, *, today: date) -> list[WeekRow]:
    """The compliance page's weeks whose Thursday falls in the period (one call per ISO year:
    a Thursday's ISO year is its calendar year)."""
    weeks: list[WeekRow] = []
    for year in range(period.start.year, period.end.year + 1):
        report = chairman_compliance(session, year=year, today=today)
        weeks += [w for w in report.weeks if period.contains(w.start + timedelta(days=3))]
    return weeks


def reception_figures(session: Session, w: Window, *, today: date) -> ReceptionFigures:
    p = w.period
    held = dict(session.exec(
        select(ReceptionSession.host_role, func.count())
        .where(ReceptionSession.status == SessionStatus.held, ReceptionSession.starts_at >= w.since,
               ReceptionSession.starts_at < w.until)
        .group_by(ReceptionSession.host_role)).all())
    group = col(ReceptionVisit.people_count) >= GROUP_MIN
    # Six columns: SQLModel's select() is typed for four at most (fastapi/sqlmodel#271).
    rows = session.exec(
        select(ReceptionVisit.case_kind, ReceptionVisit.outcome, func.count(),  # type: ignore[call-overload]
               func.sum(ReceptionVisit.people_count), func.sum(flag(group)),
               func.sum(when((group, ReceptionVisit.people_count), else_=0)))
        .where(ReceptionVisit.visit_on >= p.start, ReceptionVisit.visit_on <= p.end)
        .group_by(ReceptionVisit.case_kind, ReceptionVisit.outcome)).all()
    weeks = [wk for wk in chairman_weeks(session, p, today=today) if wk.counted]
    figures = ReceptionFigures(
        sessions_held=sum(as_int(n) for n in held.values()), chairman_sessions_held=as_int(held.get(HostRole.chairman)),
        chairman_weeks=len(weeks), chairman_days_held=sum(wk.held for wk in weeks),
        chairman_days_required=sum(wk.required for wk in weeks), chairman_weeks_missed=sum(wk.missed for wk in weeks),
        visits_by_kind={k.value: 0 for k in CaseKind}, visits_by_outcome={o.value: 0 for o in VisitOutcome})
    for kind, outcome, n, people, groups, group_people in rows:
        figures.visits += as_int(n)
        figures.people += as_int(people)
        figures.group_visits += as_int(groups)
        figures.group_people += as_int(group_people)
        figures.visits_by_kind[kind] = figures.visits_by_kind.get(kind, 0) + as_int(n)
        figures.visits_by_outcome[outcome] = figures.visits_by_outcome.get(outcome, 0) + as_int(n)
    return figures


# Disclosures -----------------------------------------------------------------------------------

@dataclass
class DisclosureFigures:
    """Disclosures published in the period.

    On time / late: the `late` flag set at publication against the 5-working-day rule (Art. 12(3));
    a document published without its issue date has no deadline (`no_deadline`).
    `methods`: for each Art. 12(1) method, how many of the period's disclosures record it.
    `short_postings`: of the `timed_postings` (items that must stay posted for the posting rule's
    period, Art. 13(2)), those whose posting ends sooner."""

    published: int = 0
    on_time: int = 0
    late: int = 0
    no_deadline: int = 0
    # category -> {item (the Art. 11 number), published, on_time, late, no_deadline}
    by_item: dict[str, dict[str, int]] = field(default_factory=dict)
    methods: dict[str, int] = field(default_factory=dict)
    timed_postings: int = 0
    short_postings: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def _item_counts(category: Category) -> dict[str, int]:
    return {"item": category.item, "published": 0, "on_time": 0, "late": 0, "no_deadline": 0}


def disclosure_figures(session: Session, w: Window, *, book: RuleBook | None = None) -> DisclosureFigures:
    in_period = (col(Disclosure.published_at).is_not(None), col(Disclosure.published_at) >= w.since,
                 col(Disclosure.published_at) < w.until)
    late = col(Disclosure.late).is_(True)
    undated = col(Disclosure.publish_deadline_on).is_(None)
    rows = session.exec(
        select(Disclosure.category, func.count(), func.sum(flag(late)), func.sum(flag(and_(not_(late), undated))))
        .where(*in_period).group_by(Disclosure.category)).all()
    figures = DisclosureFigures(by_item={c.value: _item_counts(c) for c in Category},
                                methods={m.value: 0 for m in Method})
    for category, n, n_late, n_undated in rows:
        item = figures.by_item.setdefault(category, {"item": 0, "published": 0, "on_time": 0, "late": 0,
                                                     "no_deadline": 0})
        item["published"] += as_int(n)
        item["late"] += as_int(n_late)
        item["no_deadline"] += as_int(n_undated)
        item["on_time"] += as_int(n) - as_int(n_late) - as_int(n_undated)
        if category in TIMED_POSTING:
            figures.timed_postings += as_int(n)
    for key in ("published", "on_time", "late", "no_deadline"):
        setattr(figures, key, sum(item[key] for item in figures.by_item.values()))
    for method, n in session.exec(
            select(DisclosureMethod.method, func.count(func.distinct(DisclosureMethod.disclosure_id)))
            .join(Disclosure, col(Disclosure.id) == DisclosureMethod.disclosure_id).where(*in_period)
            .group_by(DisclosureMethod.method)).all():
        figures.methods[method] = as_int(n)
    figures.short_postings = _short_postings(session, in_period, book or RuleBook(session, {POSTING_RULE}))
    return figures


def _short_postings(session: Session, in_period, book: RuleBook) -> int:
    """Timed postings whose end comes before the posting rule's period (in force on the day of
    posting) has run. Grouped by the two dates: one row per distinct posting, not per document."""
    rows = session.exec(
        select(col(Disclosure.posted_on), col(Disclosure.posting_ends_on), func.count())
        .where(*in_period, col(Disclosure.category).in_([c.value for c in TIMED_POSTING]),
               col(Disclosure.posted_on).is_not(None), col(Disclosure.posting_ends_on).is_not(None))
        .group_by(col(Disclosure.posted_on), col(Disclosure.posting_ends_on))).all()
    short = 0
    for posted_on, ends_on, n in rows:
        assert posted_on is not None and ends_on is not None  # the query keeps only rows with both dates
        rule = book.find(POSTING_RULE, posted_on)
        if rule is not None and (ends_on - posted_on).days < rule.value:
            short += as_int(n)
    return short


# Dialogues -------------------------------------------------------------------------------------

@dataclass
class DialogueFigures:
    """Dialogues held in the period, and the commitments the ward had made by its end.

    `required`: the law asks for dialogues per year (rule `dialogue.per_year`, read through
    `dialogues.held_in_year`), not per quarter — a ward that holds both of its dialogues in
    November has kept the rule. So an official period (Q1…Y) shows the whole reporting year's
    requirement, with `held_year_to_date` (from 15/12 of the previous year to the period's end)
    to set against it; spreading 2 a year over quarters would fail every ward in Q1. A custom
    range has no year of its own: its requirement is pro-rated by its length (days / 365,
    rounded half up), so a 5-year range asks for 5 years' worth.

    Questions are those raised at the period's dialogues. Commitments are every one made at a
    dialogue held by the period's end, as it stood at the end: done (by its done date), dropped
    (by the date of the step that dropped it), else open; open ones past their due date are
    overdue."""

    held: int = 0
    held_year_to_date: int = 0
    required: int = 0
    required_per_year: int = 0
    questions: int = 0
    questions_answered: int = 0
    commitments: int = 0
    commitments_done: int = 0
    commitments_dropped: int = 0
    commitments_open: int = 0
    commitments_overdue: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def _held_between(since: datetime, until: datetime):
    return (col(Dialogue.status).in_(HELD_DIALOGUE), Dialogue.starts_at >= since, Dialogue.starts_at < until)


def dialogue_figures(session: Session, w: Window, *, region: str = "") -> DialogueFigures:
    p = w.period
    in_period = _held_between(w.since, w.until)
    count = select(func.count(col(Dialogue.id)))
    held = session.exec(count.where(*in_period)).one()
    year_start = containing(p.end, "Y").start
    held_ytd = session.exec(count.where(*_held_between(midnight(year_start), w.until))).one()
    per_year = dialogue_service.held_in_year(session, p.year, region=region).required
    questions, answered = session.exec(
        select(func.count(col(DialogueQuestion.id)), func.sum(flag(DialogueQuestion.answer != "")))
        .join(Dialogue, col(Dialogue.id) == DialogueQuestion.dialogue_id).where(*in_period)).one()
    figures = DialogueFigures(
        held=as_int(held), held_year_to_date=as_int(held_ytd), required_per_year=per_year,
        required=per_year if p.official else (per_year * p.days * 2 + 365) // (365 * 2),
        questions=as_int(questions), questions_answered=as_int(answered))
    _commitments(session, w, figures)
    return figures


def _commitments(session: Session, w: Window, figures: DialogueFigures) -> None:
    dropped = (select(col(CommitmentUpdate.commitment_id).label("cid"), func.min(CommitmentUpdate.on).label("on"))
               .where(CommitmentUpdate.status == CommitmentStatus.dropped)
               .group_by(col(CommitmentUpdate.commitment_id)).subquery())
    # Both conditions are false, never NULL, for a commitment without the date (NOT must hold).
    done = and_(col(Commitment.status) == CommitmentStatus.done, col(Commitment.done_on).is_not(None),
                col(Commitment.done_on) <= w.last_day)
    was_dropped = and_(dropped.c.on.is_not(None), dropped.c.on <= w.last_day)
    overdue = and_(not_(or_(done, was_dropped)), col(Commitment.due_on) < w.judged_on)
    total, n_done, n_dropped, n_overdue = session.exec(
        select(func.count(col(Commitment.id)), func.sum(flag(done)), func.sum(flag(was_dropped)),
               func.sum(flag(overdue)))
        .join(Dialogue, col(Dialogue.id) == Commitment.dialogue_id)
        .outerjoin(dropped, dropped.c.cid == Commitment.id)
        .where(col(Dialogue.status).in_(HELD_DIALOGUE), Dialogue.starts_at < w.cutoff)).one()
    figures.commitments, figures.commitments_done = as_int(total), as_int(n_done)
    figures.commitments_dropped, figures.commitments_overdue = as_int(n_dropped), as_int(n_overdue)
    figures.commitments_open = figures.commitments - figures.commitments_done - figures.commitments_dropped


# The report ------------------------------------------------------------------------------------

@dataclass
class Report:
    ward: str
    period: Period
    as_of: date  # the last day whose events count (the period's end, or today while it runs)
    cases: CaseFigures
    reception: ReceptionFigures
    disclosures: DisclosureFigures
    dialogues: DialogueFigures

    def to_dict(self) -> dict:
        """The contract of `GET /api/v1/reports/periodic`: `{ward, period: {year, code, from, to},
        cases, reception, disclosures, dialogues}`, every count an integer."""
        return {"ward": self.ward, "period": self.period.to_dict(), "cases": self.cases.to_dict(),
                "reception": self.reception.to_dict(), "disclosures": self.disclosures.to_dict(),
                "dialogues": self.dialogues.to_dict()}


def periodic(session: Session, period: Period, *, ward: str, today: date | None = None,
             region: str = "") -> Report:
    """The periodic report of the ward named `ward` for `period` (see the module's docstring for
    what belongs to it and when things are judged). `today` defaults to the ward's local date
    (tests pass it to judge as of a given day)."""
    today = today or local_today()
    w = Window.of(period, today)
    return Report(
        ward=ward, period=period, as_of=w.last_day,
        cases=case_figures(session, w),
        reception=reception_figures(session, w, today=today),
        disclosures=disclosure_figures(session, w),
        dialogues=dialogue_figures(session, w, region=region),
    )
