"""Public statistics (/stats): what a ward can track of the PAPI index (see DOMAIN.md, "PAPI"),
over the last 12 complete months and month by month (those, and the same month a year before the
last of them, to compare with: 13 months). The month under way is never counted: the figures
change once a month, on its first day, so comparing the page of two days in a row never tells
that a case has just arrived.

The proxies and how each is counted (the ward's local dates):
  * disclosures: those published on the portal in the month (withdrawn ones included: they were
    disclosed), on time or late by the `late` flag set at publication against the deadline rule
    (Art. 12(3) Law 10/2022/QH15); one published without an issue date has no deadline and is
    left out of the share. Per Art. 11 item, and the Art. 12(1) methods recorded for them;
  * the chairman's reception days held against required, by whole weeks as the compliance page
    counts them (a week belongs to the month of its Thursday; only weeks that are over count);
  * cases: received, accepted (thụ lý) and resolved in the month; accepted on time when by the
    intake deadline, resolved on time when by the resolution deadline (extensions and suspensions
    counted), both as the periodic report judges them (app/reporting/periodic.py); and the cases
    open and past their deadline at the end of the last month;
  * requests filed online: received through the portal or the national public-service portal,
    against all received;
  * satisfaction: the senders' ratings (1–5) given in the month;
  * dialogues held in the month, and in each calendar year against the rule; commitments of the
    dialogues whose results are published, by the month they fell due: kept (done by the due
    date), done late, dropped, not done.

Confidentiality (Law on Denunciations Art. 56): nothing here names anyone, and no small count
can point at a denouncer.
  * Denunciations are kept apart, and so is every case whose sender is protected as a denouncer
    (`identity_protected`: a part split from a letter that held a denunciation, a case once
    classified as one) — the rule Open311 and the open data follow too (`stats_cases.OPEN_CASE`).
    The case figures, their monthly trends, the channels and the ratings count the other
    complaints, petitions and feedback only; the protected ones have one column of their own,
    over the 12 months only, and no published total adds them to other cases, so no subtraction
    (here or against another export) gives their number.
  * Every count of cases between 1 and 2 — in a month, a row or a headline — is shown as "<3"
    (`withholding.Count`); a share or an average built on such a count is not shown.
  * No such count can be worked out from the others either (`withholding.Withholding`, the one
    place of the rule, used by the page, its charts and CSV files, and the open data): whenever a
    total minus the cells shown would give one away, more cells are withheld ("ẩn", which may be
    any number, 0 included) — another "<3" cell, else the next smallest cell, else the total —
    until none can.
Counts of what the ward itself does (disclosures, reception days, dialogues, commitments) are
public acts, already listed one by one on the portal, and are shown as they are.

Where each part is: the months and the SQL that counts by them in app/reporting/stats_span.py;
the cases and the ratings in app/reporting/stats_cases.py; the withholding of small counts in
app/reporting/withholding.py (no database); the disclosures, reception days and dialogues, and
the whole (`public_stats`, `DailyFigures`), here. The page lays them out in
app/reporting/stats_view.py.

Cost: a fixed number of aggregate queries (grouped by month with a CASE over the month bounds,
the same on SQLite and PostgreSQL), whatever the amount of data. The one pass over rows is the
deadline check of the cases accepted or resolved in the 13 months and of those open at the end
of the last one, which needs the working calendar (read once, with the rules, as the periodic
report does)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from app.core.timeutil import local_today
from app.dialogues import service as dialogue_service
from app.legal import periods
from app.legal.rules import RuleRef, get_rule
from app.models.dialogue import Commitment, CommitmentStatus, Dialogue, DialogueStatus
from app.models.disclosure import Category, Disclosure, Method
from app.reception.compliance import FREQUENCY_RULE as RECEPTION_RULE
from app.reporting import periodic
from app.reporting.stats_cases import CaseStats, SatisfactionStats, case_figures
from app.reporting.stats_span import Month, Span, as_int, flag, grouped
from app.reporting.withholding import ratio

DISCLOSURE_RULE = "disclosure.publish_deadline"
DIALOGUE_RULE = dialogue_service.FREQUENCY_RULE
HELD_DIALOGUE = (DialogueStatus.held.value, DialogueStatus.published.value)


def percent(value: float | None) -> int | None:
    """A share as a whole percentage, rounded half up (87.5 → 88)."""
    if value is None:
        return None
    return int(Decimal(str(value * 100)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# Disclosures -----------------------------------------------------------------------------------

@dataclass
class DisclosureRow:
    published: int = 0
    on_time: int = 0
    late: int = 0
    no_deadline: int = 0

    @property
    def with_deadline(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_share(self) -> float | None:
        return ratio(self.on_time, self.with_deadline)

    def add(self, other: DisclosureRow) -> None:
        self.published += other.published
        self.on_time += other.on_time
        self.late += other.late
        self.no_deadline += other.no_deadline


@dataclass
class ItemRow(DisclosureRow):
    category: str = ""
    item: int = 0


@dataclass
class MethodRow:
    method: str
    disclosures: int  # of the 12 months' disclosures, those that record this method
    share: float | None  # of all published in the 12 months


@dataclass
class DisclosureStats:
    months: list[tuple[Month, DisclosureRow]]
    total: DisclosureRow  # the 12 months
    by_item: list[ItemRow]
    methods: list[MethodRow]
    rule: RuleRef | None


def _disclosures(session: Session, span: Span, window: periodic.Window) -> DisclosureStats:
    late = col(Disclosure.late).is_(True)
    undated = and_(col(Disclosure.late).is_(False), col(Disclosure.publish_deadline_on).is_(None))
    rows = grouped(session, span.bucket_of_times(Disclosure.published_at), [],
                    [flag(late), flag(undated)],
                    (col(Disclosure.published_at).is_not(None), *span.times_in(Disclosure.published_at)))
    months = [DisclosureRow() for _m in span.months]
    for m, n, n_late, n_undated in rows:
        n, n_late, n_undated = as_int(n), as_int(n_late), as_int(n_undated)
        months[m] = DisclosureRow(n, n - n_late - n_undated, n_late, n_undated)
    total = DisclosureRow()
    for row in months[1:]:
        total.add(row)
    # Per item and per method: the periodic report's own figures for the same 12 months.
    figures = periodic.disclosure_figures(session, window)
    by_item = [ItemRow(**{k: figures.by_item[c.value][k] for k in ("published", "on_time", "late", "no_deadline")},
                       category=c.value, item=c.item) for c in Category]
    methods = [MethodRow(m.value, figures.methods.get(m.value, 0),
                         ratio(figures.methods.get(m.value, 0), figures.published)) for m in Method]
    methods.sort(key=lambda r: -r.disclosures)  # stable: the law's order among equals
    return DisclosureStats(list(zip(span.months, months, strict=True)), total, by_item, methods,
                           _rule(session, DISCLOSURE_RULE, span.today))


def _rule(session: Session, code: str, on: date) -> RuleRef | None:
    try:
        return get_rule(session, code, on=on)
    except Exception:  # noqa: BLE001 - a missing rule leaves its text out, never the page
        return None


# Citizen reception -------------------------------------------------------------------------------

@dataclass
class ReceptionRow:
    weeks: int = 0  # weeks judged (over, and on record here)
    required: int = 0  # days the rule asked for in those weeks
    held: int = 0  # days the chairman received citizens in them
    held_as_required: int = 0  # of those, up to each week's requirement (extra days make up no other week)
    weeks_missed: int = 0

    @property
    def held_share(self) -> float | None:
        """Required days that were held."""
        return ratio(self.held_as_required, self.required)

    def add(self, other: ReceptionRow) -> None:
        for name in ("weeks", "required", "held", "held_as_required", "weeks_missed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ReceptionStats:
    months: list[tuple[Month, ReceptionRow]]
    total: ReceptionRow
    rule: RuleRef | None


def _reception(session: Session, span: Span) -> ReceptionStats:
    rows = [ReceptionRow() for _m in span.months]
    for week in periodic.chairman_weeks(session, periods.custom(span.start, span.end), today=span.today):
        i = span.index(week.start + timedelta(days=3))  # the month of its Thursday
        if i is None or not week.counted:
            continue
        rows[i].add(ReceptionRow(weeks=1, required=week.required, held=week.held,
                                 held_as_required=min(week.held, week.required), weeks_missed=int(week.missed)))
    total = ReceptionRow()
    for row in rows[1:]:
        total.add(row)
    return ReceptionStats(list(zip(span.months, rows, strict=True)), total, _rule(session, RECEPTION_RULE, span.today))


# Dialogues and commitments --------------------------------------------------------------------------

@dataclass
class DialogueRow:
    held: int = 0
    commitments_due: int = 0  # of published dialogues, whose due date in the month has passed
    kept: int = 0  # done by the due date
    done_late: int = 0
    dropped: int = 0

    @property
    def not_done(self) -> int:
        return self.commitments_due - self.kept - self.done_late - self.dropped

    @property
    def kept_share(self) -> float | None:
        return ratio(self.kept, self.commitments_due)

    def add(self, other: DialogueRow) -> None:
        for name in ("held", "commitments_due", "kept", "done_late", "dropped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class DialogueStats:
    months: list[tuple[Month, DialogueRow]]
    total: DialogueRow
    years: list[dialogue_service.YearCount]  # this calendar year so far, and the last one
    rule: RuleRef | None


def _dialogues(session: Session, span: Span, region: str) -> DialogueStats:
    rows = [DialogueRow() for _m in span.months]
    for m, n in grouped(session, span.bucket_of_times(Dialogue.starts_at), [], [],
                         (col(Dialogue.status).in_(HELD_DIALOGUE), *span.times_in(Dialogue.starts_at))):
        rows[m].held = as_int(n)
    commitments = (select(col(Commitment.due_on), col(Commitment.status), col(Commitment.done_on))
                   .join(Dialogue, col(Dialogue.id) == Commitment.dialogue_id)
                   .where(Dialogue.status == DialogueStatus.published).subquery())
    rows_due = grouped(
        session, span.bucket_of_dates(commitments.c.due_on), [],
        [flag(and_(commitments.c.status == CommitmentStatus.done, commitments.c.done_on.is_not(None),
                    commitments.c.done_on <= commitments.c.due_on)),
         flag(and_(commitments.c.status == CommitmentStatus.done,
                    or_(commitments.c.done_on.is_(None), commitments.c.done_on > commitments.c.due_on))),
         flag(commitments.c.status == CommitmentStatus.dropped)],
        (commitments.c.due_on >= span.start, commitments.c.due_on <= span.end))
    for m, n, kept, late, dropped in rows_due:
        rows[m].commitments_due, rows[m].kept = as_int(n), as_int(kept)
        rows[m].done_late, rows[m].dropped = as_int(late), as_int(dropped)
    total = DialogueRow()
    for row in rows[1:]:
        total.add(row)
    years = [dialogue_service.held_in_year(session, y, region=region) for y in (span.today.year, span.today.year - 1)]
    return DialogueStats(list(zip(span.months, rows, strict=True)), total, years,
                         _rule(session, DIALOGUE_RULE, span.today))


# Everything --------------------------------------------------------------------------------------

@dataclass
class Stats:
    span: Span
    disclosures: DisclosureStats
    reception: ReceptionStats
    cases: CaseStats
    satisfaction: SatisfactionStats
    dialogues: DialogueStats


def public_stats(session: Session, *, today: date | None = None, region: str = "") -> Stats:
    """The figures of /stats as of `today` (the ward's date by default; tests pass one)."""
    span = Span.ending(today or local_today())
    window = periodic.Window.of(span.period, span.today)
    cases, satisfaction = case_figures(session, span)
    return Stats(span=span, disclosures=_disclosures(session, span, window), reception=_reception(session, span),
                 cases=cases, satisfaction=satisfaction, dialogues=_dialogues(session, span, region))


class DailyFigures:
    """The figures of /stats, computed once a day: they are those of the complete months before
    today's, so they change when the day does (the rules in force and this year's dialogues are
    read as of the day) and not between two requests of one day. One per application (on
    `app.state`), so each app — each test — starts empty. A change recorded today that reaches
    back into a complete month shows from tomorrow."""

    def __init__(self, region: str = "") -> None:
        self.region = region  # the regional version of the rules (setting RULES_REGION)
        self._lock = threading.Lock()
        self._figures: tuple[date, Stats] | None = None

    def stale(self, today: date) -> bool:
        """Whether the first request of `today` would have to compute the figures."""
        held = self._figures
        return held is None or held[0] != today

    def get(self, session: Session, *, today: date) -> Stats:
        held = self._figures
        if held is not None and held[0] == today:
            return held[1]
        with self._lock:  # one computation at the turn of the day, not one per waiting request
            held = self._figures
            if held is None or held[0] != today:
                held = self._figures = (today, public_stats(session, today=today, region=self.region))
            return held[1]
