"""Where each case stood at the end of a window (a reporting period, a month of /stats): resolved
on time or late, open or overdue, or finished at intake. The dates come from the deadline
engine's stage table (app/legal/deadlines.py), as the case page shows them; the facts are those
known at the end of the window, read from each case's timeline in one query."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from app.core.errors import NotFound
from app.legal.deadlines import INTAKE_STAGES, OPEN_INTAKE, CaseClock, case_deadlines
from app.legal.workdays import DeadlineOpen, Pause
from app.models.complaint import CaseStatus, Complaint, ComplaintEvent, ComplaintPause
from app.reporting.stats_span import as_int, flag

ON_TIME, LATE, OPEN, OVERDUE, FINISHED = "resolved_on_time", "resolved_late", "open", "open_overdue", "finished"
INTAKE = tuple(s.value for s in OPEN_INTAKE)  # as stored in the timeline


class Window(Protocol):
    """What a judge needs of a window (`periodic.Window`): its last day, the moment after it
    (events before it count) and the day deadlines are compared with (the day after the end,
    or today while the window runs)."""

    @property
    def last_day(self) -> date: ...

    @property
    def cutoff(self) -> datetime: ...

    @property
    def judged_on(self) -> date: ...


@dataclass(frozen=True)
class CaseRow:
    """A case as it stood at the end of a window (the stage table's `CaseFacts`). Kind,
    complexity and remoteness are the case's now; its status is only "in intake" or not (the
    day a denunciation was classified is not kept, so its transfer deadline is left out and it
    counts against its processing deadline)."""

    kind: str
    channel: str
    received_on: date
    accepted_on: date | None
    resolved_on: date | None
    complex: bool
    remote: bool
    left_intake: bool  # left intake (accepted, guided, transferred, filed, refused) by the end
    extensions: int  # extensions decided by the end
    field: str = ""
    several_places: bool = False
    # The duties after a decision are not judged here (CaseJudge reads intake and resolution).
    decided_on: date | None = None
    notified_on: date | None = None
    decision_sent_on: date | None = None
    conclusion_published_on: date | None = None

    @property
    def status(self) -> str:
        return CaseStatus.in_progress if self.left_intake else CaseStatus.received


class CaseJudge:
    """Where one case stood at the end of a window: in intake, against the earliest of its intake
    stages; once accepted, against its resolution with its extensions, suspensions not counting
    (none judged while one runs at the end)."""

    def __init__(self, window: Window, clock: CaseClock, pauses: dict[int, list[Pause]]):
        self.w, self.clock, self.pauses = window, clock, pauses

    def outcome(self, case_id: int, c: CaseRow) -> str:
        last = self.w.last_day
        if c.resolved_on is not None and c.resolved_on <= last:
            due = self.resolution_due(case_id, c)
            return LATE if due is not None and c.resolved_on > due else ON_TIME
        if c.accepted_on is not None and c.accepted_on <= last:
            due = self.resolution_due(case_id, c, open_at_end=True)
        elif c.left_intake:
            return FINISHED
        else:
            due = self.intake_due(c)
        return OVERDUE if due is not None and due < self.w.judged_on else OPEN

    def intake_due(self, c: CaseRow) -> date | None:
        """The earliest deadline of the intake stages (processing; acceptance for a complaint;
        the notice for a walk-in)."""
        in_intake = replace(c, left_intake=False, accepted_on=None, resolved_on=None)
        dues = [d.due_on for d in case_deadlines(in_intake, (), self.clock)
                if d.stage in INTAKE_STAGES and d.due_on is not None]
        return min(dues) if dues else None

    def resolution_due(self, case_id: int, c: CaseRow, *, open_at_end: bool = False) -> date | None:
        pauses = self.clock.counted_pauses(c.kind, tuple(self.pauses.get(case_id, [])))
        if c.accepted_on is None or (open_at_end and any(p.end is None or p.end >= self.w.last_day for p in pauses)):
            return None  # suspended at the end: the clock was not running
        try:
            return self.clock.resolution(c.kind, c.accepted_on, complex_case=c.complex, remote=c.remote,
                                         extensions=c.extensions, pauses=pauses).due_on
        except (DeadlineOpen, NotFound):
            return None


def case_rows(session: Session, w: Window, cohort) -> list[tuple[int, CaseRow]]:
    """The cases of `cohort`, with what their timeline says happened by the end (one query)."""
    leaving = and_(col(ComplaintEvent.from_status).in_(INTAKE), col(ComplaintEvent.to_status).not_in(INTAKE))
    events = (select(col(ComplaintEvent.complaint_id).label("cid"),
                     func.sum(flag(and_(leaving, col(ComplaintEvent.at) < w.cutoff))).label("left_intake"),
                     func.sum(flag(and_(col(ComplaintEvent.action) == "extend", col(ComplaintEvent.at) < w.cutoff)))
                     .label("extensions"))
              .join(Complaint, col(Complaint.id) == ComplaintEvent.complaint_id).where(*cohort)
              .group_by(col(ComplaintEvent.complaint_id)).subquery())
    # Twelve columns: SQLModel's select() is typed for four at most (fastapi/sqlmodel#271).
    rows = session.exec(
        select(Complaint.id, Complaint.kind, Complaint.channel, Complaint.received_on,  # type: ignore[call-overload]
               Complaint.accepted_on, Complaint.resolved_on, Complaint.complex, Complaint.remote, events.c.left_intake,
               events.c.extensions, Complaint.field, Complaint.several_places)
        .outerjoin(events, events.c.cid == Complaint.id).where(*cohort)).all()
    return [(r[0], CaseRow(r[1], r[2], r[3], r[4], r[5], bool(r[6]), bool(r[7]), as_int(r[8]) > 0, as_int(r[9]),
                           r[10], bool(r[11])))
            for r in rows]


def case_pauses(session: Session, w: Window, cohort) -> dict[int, list[Pause]]:
    """Suspensions of the cases of `cohort` that had begun by the end (one query)."""
    out: dict[int, list[Pause]] = defaultdict(list)
    rows = session.exec(select(col(ComplaintPause.complaint_id), col(ComplaintPause.start), col(ComplaintPause.end))
                        .join(Complaint, col(Complaint.id) == ComplaintPause.complaint_id)
                        .where(*cohort, ComplaintPause.start <= w.last_day)).all()
    for cid, start, end in rows:
        out[cid].append(Pause(start, end))
    return out
