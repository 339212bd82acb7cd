"""Public statistics (/stats): what a ward can track of the PAPI index (see DOMAIN.md, "PAPI"),
over the last 12 months (the current month so far and the 11 before it) and month by month
(those, and the same month a year earlier to compare with: 13 months).

The proxies and how each is counted (the ward's local dates):
  * disclosures: those published on the portal in the month (withdrawn ones included: they were
    disclosed), on time or late by the `late` flag set at publication against the deadline rule
    (Art. 12(3) Law 10/2022/QH15); one published without an issue date has no deadline and is
    left out of the share. Per Art. 11 item, and the Art. 12(1) methods recorded for them;
  * the chairman's reception days held against required, by whole weeks as the compliance page
    counts them (a week belongs to the month of its Thursday; only weeks that are over count);
  * cases: received, accepted (thụ lý) and resolved in the month; accepted on time when by the
    intake deadline, resolved on time when by the resolution deadline (extensions and suspensions
    counted), both as the periodic report judges them (app/services/reports.py); and the cases
    open and past their deadline today;
  * requests filed online: received through the portal or the national public-service portal,
    against all received;
  * satisfaction: the senders' ratings (1–5) given in the month;
  * dialogues held in the month, and in each calendar year against the rule; commitments of the
    dialogues whose results are published, by the month they fell due: kept (done by the due
    date), done late, dropped, not done.

Confidentiality (Law on Denunciations Art. 56): nothing here names anyone, and no small count
can point at a denouncer.
  * Denunciations are kept apart: the case figures, their monthly trends, the channels and the
    ratings count complaints, petitions and feedback only; denunciations have one row of their
    own, over the 12 months only, and no published total adds them to other cases, so no
    subtraction (here or against another export) gives their number.
  * Every count of cases between 1 and 2 — in a month, a row or a headline — is shown as "<3"
    (`Count`); a share or an average built on such a count is not shown.
  * In the denunciations' row a count is hidden as well when the difference with the count it is
    part of (accepted → accepted on time, resolved → on time) is 1 or 2: otherwise the late ones
    could be worked out.
Counts of what the ward itself does (disclosures, reception days, dialogues, commitments) are
public acts, already listed one by one on the portal, and are shown as they are.

Cost: a fixed number of aggregate queries (grouped by month with a CASE over the month bounds,
the same on SQLite and PostgreSQL), whatever the amount of data. The one pass over rows is the
deadline check of the cases accepted or resolved in the 13 months and of those open today, which
needs the working calendar (read once, with the rules, as the periodic report does)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, func, or_
from sqlalchemy import case as when
from sqlmodel import Session, select

from app.i18n import _
from app.models.complaint import CaseKind, CaseStatus, Channel, Complaint
from app.models.dialogue import Commitment, CommitmentStatus, Dialogue, DialogueStatus
from app.models.disclosure import Category, Disclosure, Method
from app.services import dialogues as dialogue_service
from app.services import periods, reports
from app.services.reception_compliance import FREQUENCY_RULE as RECEPTION_RULE
from app.services.rules import RuleRef, get_rule, work_calendar
from app.timeutil import LOCAL_TZ, local_today

SMALL = 3  # counts of cases from 1 to SMALL - 1 are not published
SUPPRESSED = "<3"
DISCLOSURE_RULE = "disclosure.publish_deadline"
DIALOGUE_RULE = dialogue_service.FREQUENCY_RULE
ONLINE_CHANNELS = (Channel.web.value, Channel.national_portal.value)
DENUNCIATION = CaseKind.denunciation.value
# Kinds in the case figures, in this order; denunciations have their own row (see the docstring).
OPEN_KINDS = tuple(k.value for k in CaseKind if k != CaseKind.denunciation)
HELD_DIALOGUE = (DialogueStatus.held.value, DialogueStatus.published.value)
# Cases that may be open and late today: in intake, or accepted and not resolved.
OPEN_STATUSES = tuple(s.value for s in (CaseStatus.received, CaseStatus.classified, CaseStatus.accepted,
                                        CaseStatus.in_progress, CaseStatus.suspended))


# Months ----------------------------------------------------------------------------------------

def _add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ)


@dataclass(frozen=True)
class Month:
    """A calendar month of the ward's dates: `start` to `end`, both included. The current month
    ends today (`current`)."""

    start: date
    end: date
    current: bool = False

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
    """13 months: the current one so far and the 12 before it. The headline figures cover the
    last 12 of them (`headline`), from the first day of the month 11 months ago to today; the
    first month is there to compare the current one with."""

    today: date
    months: tuple[Month, ...]

    @classmethod
    def ending(cls, today: date) -> Span:
        first = _add_months(today, -12)
        months = []
        for i in range(12):
            start = _add_months(first, i)
            months.append(Month(start, _add_months(start, 1) - timedelta(days=1)))
        months.append(Month(_add_months(today, 0), today, current=True))
        return cls(today, tuple(months))

    @property
    def start(self) -> date:
        return self.months[0].start

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
        """The headline figures' 12 months, as a reporting period (to today)."""
        return periods.custom(self.headline_start, self.today)

    def index(self, day: date) -> int | None:
        """Which month holds `day` (0–12), or None when outside the span."""
        if not self.start <= day <= self.today:
            return None
        return (day.year - self.start.year) * 12 + day.month - self.start.month

    def bucket_of_dates(self, column):
        """SQL: the month (0–12) a date column falls in. Use with `dates_in`."""
        bounds = [m.start for m in self.months[1:]]
        return when(*[(column < b, i) for i, b in enumerate(bounds)], else_=len(bounds))

    def dates_in(self, column) -> tuple:
        return (column >= self.start, column <= self.today)

    def bucket_of_times(self, column):
        """SQL: the month (0–12) of a stored (UTC) time by the ward's local date: compared with the
        local midnights that open each month, so the same on every database."""
        bounds = [_midnight(m.start) for m in self.months[1:]]
        return when(*[(column < b, i) for i, b in enumerate(bounds)], else_=len(bounds))

    def times_in(self, column) -> tuple:
        return (column >= _midnight(self.start), column < _midnight(self.today + timedelta(days=1)))


def _grouped(session: Session, bucket, keys: list, sums: list, where: tuple) -> list[tuple]:
    """Rows of (month, *keys, count, *sums) grouped by month and keys. The month expression is
    computed in a subquery and grouped on by name there, which every database accepts (a CASE
    with bound parameters in GROUP BY is refused by some)."""
    inner = select(bucket.label("m"), *[k.label(f"k{i}") for i, k in enumerate(keys)],
                   *[s.label(f"s{i}") for i, s in enumerate(sums)]).where(*where).subquery()
    k_cols = [inner.c[f"k{i}"] for i in range(len(keys))]
    s_cols = [func.sum(inner.c[f"s{i}"]) for i in range(len(sums))]
    rows = session.exec(select(inner.c.m, *k_cols, func.count(), *s_cols).group_by(inner.c.m, *k_cols)).all()
    return [tuple(r) for r in rows]


def _flag(condition):
    return when((condition, 1), else_=0)


def _int(value) -> int:
    return int(value or 0)


# Counts that could point at a person -------------------------------------------------------------

@dataclass(frozen=True)
class Count:
    """A count of people's cases, as it may be published: 1 and 2 read "<3" (`suppressed`); a
    `hidden` one is withheld because a small count could be worked out from it."""

    value: int
    hidden: bool = False

    @property
    def suppressed(self) -> bool:
        return 0 < self.value < SMALL

    @property
    def shown(self) -> int | None:
        """The number when it may be published, else None."""
        return None if self.suppressed or self.hidden else self.value

    def __str__(self) -> str:
        if self.suppressed:
            return SUPPRESSED
        if self.hidden:
            return _("ẩn")
        return str(self.value)


def number(value: int | Count | None) -> int | None:
    """What may be published of a count: the number, or None when it is withheld."""
    if isinstance(value, Count):
        return value.shown
    return value


def ratio(part: int | Count, whole: int | Count) -> float | None:
    """part / whole, or None without a whole or when either count is withheld."""
    p, w = number(part), number(whole)
    if p is None or not w:
        return None
    return p / w


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


def _disclosures(session: Session, span: Span, window: reports.Window) -> DisclosureStats:
    late = Disclosure.late.is_(True)
    undated = and_(Disclosure.late.is_(False), Disclosure.publish_deadline_on.is_(None))
    rows = _grouped(session, span.bucket_of_times(Disclosure.published_at), [],
                    [_flag(late), _flag(undated)],
                    (Disclosure.published_at.is_not(None), *span.times_in(Disclosure.published_at)))
    months = [DisclosureRow() for _m in span.months]
    for m, n, n_late, n_undated in rows:
        n, n_late, n_undated = _int(n), _int(n_late), _int(n_undated)
        months[m] = DisclosureRow(n, n - n_late - n_undated, n_late, n_undated)
    total = DisclosureRow()
    for row in months[1:]:
        total.add(row)
    # Per item and per method: the periodic report's own figures for the same 12 months.
    figures = reports.disclosure_figures(session, window)
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
    for week in reports.chairman_weeks(session, periods.custom(span.start, span.today), today=span.today):
        i = span.index(week.start + timedelta(days=3))  # the month of its Thursday
        if i is None or not week.counted:
            continue
        rows[i].add(ReceptionRow(weeks=1, required=week.required, held=week.held,
                                 held_as_required=min(week.held, week.required), weeks_missed=int(week.missed)))
    total = ReceptionRow()
    for row in rows[1:]:
        total.add(row)
    return ReceptionStats(list(zip(span.months, rows, strict=True)), total, _rule(session, RECEPTION_RULE, span.today))


# Cases -----------------------------------------------------------------------------------------

@dataclass
class CaseRow:
    """Counts of cases. Accepted and resolved ones are on time, late, or without a deadline (no
    rule sets one: petitions and feedback have no resolution deadline in the rules table)."""

    received: int = 0
    online: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    accepted_late: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    overdue: int = 0  # open and past the deadline today (in the 12 months' rows)

    FIELDS = ("received", "online", "accepted", "accepted_on_time", "accepted_late", "resolved", "resolved_on_time",
              "resolved_late", "overdue")

    def add(self, other: CaseRow) -> None:
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def published(self, *, denunciations: bool = False) -> PublishedCases:
        return PublishedCases.of(self, denunciations=denunciations)


@dataclass(frozen=True)
class PublishedCases:
    """A row of case counts as they may be published (see the module's docstring)."""

    received: Count
    online: Count
    accepted: Count
    accepted_on_time: Count
    accepted_late: Count
    resolved: Count
    resolved_on_time: Count
    resolved_late: Count
    overdue: Count

    @classmethod
    def of(cls, row: CaseRow, *, denunciations: bool = False) -> PublishedCases:
        def part(of: int, value: int) -> Count:
            # In the denunciations' row, a part whose rest is 1 or 2 would give the rest away.
            return Count(value, hidden=denunciations and 0 < of - value < SMALL and value >= SMALL)

        return cls(received=Count(row.received), online=Count(row.online), accepted=Count(row.accepted),
                   accepted_on_time=part(row.accepted, row.accepted_on_time),
                   accepted_late=part(row.accepted, row.accepted_late), resolved=Count(row.resolved),
                   resolved_on_time=part(row.resolved, row.resolved_on_time),
                   resolved_late=part(row.resolved, row.resolved_late), overdue=Count(row.overdue))

    @property
    def online_share(self) -> float | None:
        return ratio(self.online, self.received)

    @property
    def accepted_on_time_share(self) -> float | None:
        """Of those accepted with a deadline, the share accepted by it."""
        return _on_time_share(self.accepted_on_time, self.accepted_late)

    @property
    def resolved_on_time_share(self) -> float | None:
        """Of those resolved with a deadline, the share resolved by it."""
        return _on_time_share(self.resolved_on_time, self.resolved_late)


def _on_time_share(on_time: Count, late: Count) -> float | None:
    if number(on_time) is None or number(late) is None:
        return None
    return ratio(on_time.value, on_time.value + late.value)


@dataclass
class CaseStats:
    months: list[tuple[Month, PublishedCases]]
    total: PublishedCases  # the 12 months, without denunciations
    by_kind: list[tuple[str, PublishedCases]]  # the 12 months; denunciations last
    by_channel: list[tuple[str, Count, float | None]]  # the 12 months, without denunciations
    overdue_now: Count  # open and late today, without denunciations


def _cases(session: Session, span: Span) -> CaseStats:
    months = [CaseRow() for _m in span.months]
    kinds = {k.value: CaseRow() for k in CaseKind}  # the 12 months (overdue: today)
    channels: Counter[str] = Counter()
    # Received, by month, kind and channel: one aggregate.
    for m, kind, channel, n in _grouped(session, span.bucket_of_dates(Complaint.received_on),
                                        [Complaint.kind, Complaint.channel], [],
                                        span.dates_in(Complaint.received_on)):
        n = _int(n)
        online = n if channel in ONLINE_CHANNELS else 0
        if kind != DENUNCIATION:
            months[m].received += n
            months[m].online += online
            if span.in_headline(m):
                channels[channel] += n
        if span.in_headline(m):
            row = kinds.setdefault(kind, CaseRow())
            row.received += n
            row.online += online
    # Accepted and resolved in the span, and open today: judged against their deadlines.
    _judge_cases(session, span, months, kinds)
    total = CaseRow()
    for row in months[1:]:
        total.add(row)
    for kind in OPEN_KINDS:
        total.overdue += kinds[kind].overdue
    by_kind = [(k, kinds[k].published(denunciations=k == DENUNCIATION)) for k in (*OPEN_KINDS, DENUNCIATION)]
    total_received = Count(total.received)
    by_channel = [(c.value, Count(channels[c.value]), ratio(Count(channels[c.value]), total_received))
                  for c in Channel]
    return CaseStats(months=[(mo, row.published()) for mo, row in zip(span.months, months, strict=True)],
                     total=total.published(), by_kind=by_kind, by_channel=by_channel,
                     overdue_now=Count(total.overdue))


def _judge_cases(session: Session, span: Span, months: list[CaseRow], kinds: dict[str, CaseRow]) -> None:
    """Accepted and resolved counts with their timeliness, and today's overdue, from one read of
    the cases concerned (and one of their suspensions)."""
    window = reports.Window(periods.custom(span.start, span.today), span.today, span.today)
    cohort = (or_(and_(Complaint.accepted_on.is_not(None), *span.dates_in(Complaint.accepted_on)),
                  and_(Complaint.resolved_on.is_not(None), *span.dates_in(Complaint.resolved_on)),
                  and_(Complaint.resolved_on.is_(None), Complaint.status.in_(OPEN_STATUSES),
                       Complaint.received_on <= span.today)),)
    judge = reports._CaseJudge(window, reports._rule_book(session), work_calendar(session),
                               reports._pauses(session, window, cohort))
    for case_id, c in reports._case_rows(session, window, cohort):
        steps: list[tuple[int, CaseRow]] = []  # (month, what happened in it)
        if c.accepted_on is not None and (i := span.index(c.accepted_on)) is not None:
            due = judge._intake_due(c)
            steps.append((i, CaseRow(accepted=1, accepted_on_time=int(due is not None and c.accepted_on <= due),
                                     accepted_late=int(due is not None and c.accepted_on > due))))
        if c.resolved_on is not None and (i := span.index(c.resolved_on)) is not None:
            due = judge._resolution_due(case_id, c)
            steps.append((i, CaseRow(resolved=1, resolved_on_time=int(due is not None and c.resolved_on <= due),
                                     resolved_late=int(due is not None and c.resolved_on > due))))
        of_kind = kinds.setdefault(c.kind, CaseRow())
        for i, step in steps:
            if c.kind != DENUNCIATION:  # the monthly figures leave denunciations out
                months[i].add(step)
            if span.in_headline(i):
                of_kind.add(step)
        if c.resolved_on is None and judge.outcome(case_id, c) == reports.OVERDUE:
            of_kind.overdue += 1


# Satisfaction ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ratings:
    """The senders' ratings (1–5) of complaints, petitions and feedback."""

    count: Count
    points: int  # their sum (not published: the average is, when the count may be)

    @property
    def average(self) -> float | None:
        n = number(self.count)
        if not n:
            return None
        return float((Decimal(self.points) / Decimal(n)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass
class SatisfactionStats:
    months: list[tuple[Month, Ratings]]
    total: Ratings


def _satisfaction(session: Session, span: Span) -> SatisfactionStats:
    counts = [0] * len(span.months)
    points = [0] * len(span.months)
    rows = _grouped(session, span.bucket_of_times(Complaint.rated_at), [], [Complaint.satisfaction],
                    (Complaint.satisfaction.is_not(None), Complaint.rated_at.is_not(None),
                     Complaint.kind != DENUNCIATION, *span.times_in(Complaint.rated_at)))
    for m, n, total in rows:
        counts[m], points[m] = _int(n), _int(total)
    months = [(mo, Ratings(Count(n), p)) for mo, n, p in zip(span.months, counts, points, strict=True)]
    return SatisfactionStats(months, Ratings(Count(sum(counts[1:])), sum(points[1:])))


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


def _dialogues(session: Session, span: Span) -> DialogueStats:
    rows = [DialogueRow() for _m in span.months]
    for m, n in _grouped(session, span.bucket_of_times(Dialogue.starts_at), [], [],
                         (Dialogue.status.in_(HELD_DIALOGUE), *span.times_in(Dialogue.starts_at))):
        rows[m].held = _int(n)
    commitments = (select(Commitment.due_on, Commitment.status, Commitment.done_on)
                   .join(Dialogue, Dialogue.id == Commitment.dialogue_id)
                   .where(Dialogue.status == DialogueStatus.published).subquery())
    rows_due = _grouped(
        session, span.bucket_of_dates(commitments.c.due_on), [],
        [_flag(and_(commitments.c.status == CommitmentStatus.done, commitments.c.done_on.is_not(None),
                    commitments.c.done_on <= commitments.c.due_on)),
         _flag(and_(commitments.c.status == CommitmentStatus.done,
                    or_(commitments.c.done_on.is_(None), commitments.c.done_on > commitments.c.due_on))),
         _flag(commitments.c.status == CommitmentStatus.dropped)],
        (commitments.c.due_on >= span.start, commitments.c.due_on < span.today))
    for m, n, kept, late, dropped in rows_due:
        rows[m].commitments_due, rows[m].kept = _int(n), _int(kept)
        rows[m].done_late, rows[m].dropped = _int(late), _int(dropped)
    total = DialogueRow()
    for row in rows[1:]:
        total.add(row)
    years = [dialogue_service.held_in_year(session, y) for y in (span.today.year, span.today.year - 1)]
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


def public_stats(session: Session, *, today: date | None = None) -> Stats:
    """The figures of /stats as of `today` (the ward's date by default; tests pass one)."""
    span = Span.ending(today or local_today())
    window = reports.Window.of(span.period, span.today)
    return Stats(span=span, disclosures=_disclosures(session, span, window), reception=_reception(session, span),
                 cases=_cases(session, span), satisfaction=_satisfaction(session, span),
                 dialogues=_dialogues(session, span))
