"""The case figures of /stats and the senders' ratings: complaints, petitions and feedback by
month, kind and channel, accepted and resolved on time or late, the overdue at the end of the
last month, and the denunciations (every protected case) in a column of their own. They are
counts of people's cases, so they are published only as `Withholding` lets them be, all in one
table of cells and sums (the ratings too: a month's ratings are counted cases). How each figure
is counted, and the confidentiality rules they follow: app/reporting/stats.py's docstring.

Cost: one aggregate for the received, one for the ratings, and one read of the cases accepted
or resolved in the 13 months or open at the end of the last one, judged against their deadlines
with the working calendar (read once, with the rules, as the periodic report does)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from app.cases import privacy
from app.core.timeutil import local_today
from app.legal import periods
from app.legal.deadlines import case_clock
from app.models.complaint import CaseKind, CaseStatus, Channel, Complaint
from app.reporting import case_outcomes, periodic
from app.reporting.stats_span import Month, Span, as_int, grouped, midnight
from app.reporting.withholding import Count, Withholding, number, ratio

ONLINE_CHANNELS = (Channel.web.value, Channel.national_portal.value)
DENUNCIATION = CaseKind.denunciation.value
# Kinds in the case figures, in this order; denunciations have their own row (stats.py's docstring).
OPEN_KINDS = tuple(k.value for k in CaseKind if k != CaseKind.denunciation)
# The cases those figures count: never a denunciation, nor a case whose sender is protected as a
# denouncer. The same rule as Open311 (`open311_views.listable`) and the open data; the protected ones
# are counted, apart, as denunciations (`protected`).
OPEN_CASE = privacy.open_clause()
# Cases that may be open and late today: in intake, or accepted and not resolved.
OPEN_STATUSES = tuple(s.value for s in (CaseStatus.received, CaseStatus.classified, CaseStatus.accepted,
                                        CaseStatus.in_progress, CaseStatus.suspended))


def category(kind: str, identity_protected: bool | None) -> str:
    """The column a case is counted in: its kind, or DENUNCIATION when protected."""
    return DENUNCIATION if privacy.protected(kind, identity_protected) else kind


# Cases -----------------------------------------------------------------------------------------

TWELVE = "12m"  # the key of the 12 months' totals among the months' ("YYYY-MM")
MONTH_FIELDS = ("received", "online", "accepted", "accepted_on_time", "accepted_late", "resolved",
                "resolved_on_time", "resolved_late")
KIND_FIELDS = ("received", "accepted", "accepted_on_time", "accepted_late", "resolved", "resolved_on_time",
               "resolved_late", "overdue")


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
    overdue: int = 0  # open and past the deadline at the end of the last month (in the 12 months' rows)

    FIELDS = ("received", "online", "accepted", "accepted_on_time", "accepted_late", "resolved", "resolved_on_time",
              "resolved_late", "overdue")

    def add(self, other: CaseRow) -> None:
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rest(self, of: str) -> int:
        """Accepted (or resolved) ones without a deadline: neither on time nor late."""
        return getattr(self, of) - getattr(self, f"{of}_on_time") - getattr(self, f"{of}_late")


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
    def of(cls, cells: Withholding, key, fields: tuple[str, ...]) -> PublishedCases:
        """The row of `cells` under `key` (a month, or TWELVE and a kind): its `fields`; any other
        is never published, and reads "ẩn"."""
        return cls(**{f: cells[(f, *key)] if f in fields else Count(0, hidden=True) for f in CaseRow.FIELDS})

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
    total: PublishedCases  # the 12 months, without the protected cases
    by_kind: list[tuple[str, PublishedCases]]  # the 12 months; denunciations (all protected cases) last
    by_channel: list[tuple[str, Count, float | None]]  # the 12 months, without the protected cases
    overdue_now: Count  # open and late at the end of the last month, without the protected cases
    cells: Withholding  # every count above, with the sums that tie them (the open data adds its own)


def case_figures(session: Session, span: Span) -> tuple[CaseStats, SatisfactionStats]:
    """The case figures and the ratings of `span`, as they may be published: both are cells of
    one `Withholding`, solved together (a month's ratings are counted cases too)."""
    months = [CaseRow() for _m in span.months]
    kinds = {k: CaseRow() for k in (*OPEN_KINDS, DENUNCIATION)}  # the 12 months (overdue: at their end)
    channels: Counter[str] = Counter()
    # Received, by month, kind, channel and protection: one aggregate.
    for m, kind, channel, shielded, n in grouped(session, span.bucket_of_dates(Complaint.received_on),
                                                  [Complaint.kind, Complaint.channel, Complaint.identity_protected],
                                                  [], span.dates_in(Complaint.received_on)):
        n, column = as_int(n), category(kind, shielded)
        online = n if channel in ONLINE_CHANNELS else 0
        if column != DENUNCIATION:
            months[m].received += n
            months[m].online += online
            if span.in_headline(m):
                channels[channel] += n
        if span.in_headline(m):
            row = kinds.setdefault(column, CaseRow())
            row.received += n
            row.online += online
    # Accepted and resolved in the span, and open at its end: judged against their deadlines.
    _judge_cases(session, span, months, kinds)
    ratings, points = _ratings(session, span)
    cells = _case_cells(span, months, kinds, channels, ratings).solve()
    by_kind = [(k, PublishedCases.of(cells, (TWELVE, k), KIND_FIELDS)) for k in (*OPEN_KINDS, DENUNCIATION)]
    by_channel = [(c.value, cells[("received", TWELVE, "channel", c.value)],
                   ratio(cells[("received", TWELVE, "channel", c.value)], cells[("received", TWELVE)]))
                  for c in Channel]
    cases = CaseStats(
        months=[(mo, PublishedCases.of(cells, (mo.key,), MONTH_FIELDS)) for mo in span.months],
        total=PublishedCases.of(cells, (TWELVE,), (*MONTH_FIELDS, "overdue")), by_kind=by_kind,
        by_channel=by_channel, overdue_now=cells[("overdue", TWELVE)], cells=cells)
    satisfaction = SatisfactionStats(
        [(mo, Ratings(cells[("ratings", mo.key)], p)) for mo, p in zip(span.months, points, strict=True)],
        Ratings(cells[("ratings", TWELVE)], sum(points[1:])))
    return cases, satisfaction


def _case_cells(span: Span, months: list[CaseRow], kinds: dict[str, CaseRow], channels: Counter[str],
                ratings: list[int]) -> Withholding:
    """Every count of cases the page publishes, and every sum a reader can form with them: each
    month's accepted (resolved) = on time + late + those without a deadline, and received =
    online + the others (unpublished); the 12 months' total of each column = its months = its
    kinds; the 12 months' received = their channels, and online = the two online channels. Keys:
    (field, month) and (field, TWELVE[, kind])."""
    cells = Withholding()
    headline = [mo.key for mo in span.headline]
    for mo, row, rated in zip(span.months, months, ratings, strict=True):
        for f in MONTH_FIELDS:
            cells.count((f, mo.key), getattr(row, f))
        cells.count(("ratings", mo.key), rated)
        for f in ("accepted", "resolved"):
            cells.sum((f, mo.key), [(f"{f}_on_time", mo.key), (f"{f}_late", mo.key)], known=row.rest(f))
        cells.unpublished(("offline", mo.key), row.received - row.online)
        cells.sum(("received", mo.key), [("online", mo.key), ("offline", mo.key)])
    total = CaseRow()
    for kind in OPEN_KINDS:
        total.add(kinds[kind])
    for f in (*MONTH_FIELDS, "overdue"):
        cells.count((f, TWELVE), getattr(total, f))
    cells.count(("ratings", TWELVE), sum(ratings[1:]))
    for f in (*MONTH_FIELDS, "ratings"):
        cells.sum((f, TWELVE), [(f, m) for m in headline])
    # The offline ones as a column of their own too: a reader adds up inequalities as well.
    cells.unpublished(("offline", TWELVE), total.received - total.online)
    cells.sum(("offline", TWELVE), [("offline", m) for m in headline])
    cells.sum(("received", TWELVE), [("online", TWELVE), ("offline", TWELVE)])
    for kind in (*OPEN_KINDS, DENUNCIATION):
        for f in KIND_FIELDS:
            cells.count((f, TWELVE, kind), getattr(kinds[kind], f))
    for f in KIND_FIELDS:
        cells.sum((f, TWELVE), [(f, TWELVE, k) for k in OPEN_KINDS])
    for key, row in ((k, kinds[k]) for k in (*OPEN_KINDS, DENUNCIATION)):
        for f in ("accepted", "resolved"):
            cells.sum((f, TWELVE, key), [(f"{f}_on_time", TWELVE, key), (f"{f}_late", TWELVE, key)],
                      known=row.rest(f))
    for f in ("accepted", "resolved"):
        cells.sum((f, TWELVE), [(f"{f}_on_time", TWELVE), (f"{f}_late", TWELVE)], known=total.rest(f))
    for c in Channel:
        cells.count(("received", TWELVE, "channel", c.value), channels[c.value])
    cells.sum(("received", TWELVE), [("received", TWELVE, "channel", c.value) for c in Channel])
    cells.sum(("online", TWELVE), [("received", TWELVE, "channel", c) for c in ONLINE_CHANNELS])
    return cells


def _judge_cases(session: Session, span: Span, months: list[CaseRow], kinds: dict[str, CaseRow]) -> None:
    """Accepted and resolved counts with their timeliness, and the overdue at the end of the span,
    from one read of the cases concerned (and one of their suspensions, one of which are
    protected)."""
    end = span.end
    window = periodic.Window(periods.custom(span.start, end), end, end + timedelta(days=1))
    # Open at the end: received by then and not resolved by then, and open now or changed since
    # (one filed away since was still open then; the judge tells from its timeline).
    open_at_end = and_(col(Complaint.received_on) <= end,
                       or_(col(Complaint.resolved_on).is_(None), col(Complaint.resolved_on) > end),
                       or_(col(Complaint.status).in_(OPEN_STATUSES), col(Complaint.resolved_on).is_not(None),
                           col(Complaint.updated_at) >= midnight(end + timedelta(days=1))))
    cohort = (or_(and_(col(Complaint.accepted_on).is_not(None), *span.dates_in(Complaint.accepted_on)),
                  and_(col(Complaint.resolved_on).is_not(None), *span.dates_in(Complaint.resolved_on)),
                  open_at_end),)
    shielded = set(session.exec(select(Complaint.id).where(*cohort, privacy.protected_clause())))
    judge = case_outcomes.CaseJudge(window, case_clock(session), case_outcomes.case_pauses(session, window, cohort))
    for case_id, c in case_outcomes.case_rows(session, window, cohort):
        column = DENUNCIATION if case_id in shielded else c.kind
        # (month, the fields counted in it): what happened to the case in the span.
        steps: list[tuple[int, tuple[str, ...]]] = []
        if c.accepted_on is not None and (i := span.index(c.accepted_on)) is not None:
            due = judge.intake_due(c)
            steps.append((i, ("accepted",) if due is None else
                          ("accepted", "accepted_on_time" if c.accepted_on <= due else "accepted_late")))
        if c.resolved_on is not None and (i := span.index(c.resolved_on)) is not None:
            due = judge.resolution_due(case_id, c)
            steps.append((i, ("resolved",) if due is None else
                          ("resolved", "resolved_on_time" if c.resolved_on <= due else "resolved_late")))
        of_kind = kinds.setdefault(column, CaseRow())
        for i, counted in steps:
            # The monthly figures leave the protected cases out; the kinds' are the 12 months'.
            rows = ((months[i],) if column != DENUNCIATION else ()) + ((of_kind,) if span.in_headline(i) else ())
            for row in rows:
                for name in counted:
                    setattr(row, name, getattr(row, name) + 1)
        if c.received_on <= end and judge.outcome(case_id, c) == case_outcomes.OVERDUE:
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


def _ratings(session: Session, span: Span) -> tuple[list[int], list[int]]:
    """The ratings given in each month, and their points (none of a protected case)."""
    counts = [0] * len(span.months)
    points = [0] * len(span.months)
    rows = grouped(session, span.bucket_of_times(Complaint.rated_at), [], [Complaint.satisfaction],
                    (col(Complaint.satisfaction).is_not(None), col(Complaint.rated_at).is_not(None), OPEN_CASE,
                     *span.times_in(Complaint.rated_at)))
    for m, n, total in rows:
        counts[m], points[m] = as_int(n), as_int(total)
    return counts, points


def case_cells(session: Session, *, today: date | None = None) -> tuple[Span, Withholding]:
    """The counts of cases /stats publishes as of `today`, solved, with their sums: the open data
    ties its own to them (`Withholding.freeze`)."""
    span = Span.ending(today or local_today())
    return span, case_figures(session, span)[0].cells

