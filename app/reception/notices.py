"""The written answer a visitor is owed (Art. 28(1) Law 42/2013): which visits owe one and when it is
due (the `reception.notification` rule, stamped on the visit when it is logged), whether it was
given, and the visits still owed one. Recording a notice sent is `visits.mark_notified`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import Select, func
from sqlmodel import Session, col, or_, select

from app.legal.deadlines import OPEN_INTAKE
from app.models.complaint import Complaint
from app.models.reception import ReceptionVisit, VisitOutcome

NOTICE_RULE = "reception.notification"
# Outcomes after which the visitor is told in writing within the notice period (Art. 28(1) Law 42/2013).
NOTICE_OUTCOMES = frozenset({VisitOutcome.accepted, VisitOutcome.guided, VisitOutcome.transferred})

_Stmt = TypeVar("_Stmt", bound=Select)  # a select of rows or of a count


def notice_met(visit: ReceptionVisit, case: Complaint | None) -> bool:
    if visit.notice_due_on is None or visit.notified_on is not None:
        return True
    # An accepted visit's case tells the visitor itself once it leaves intake.
    return case is not None and case.status not in OPEN_INTAKE


def _owed(stmt: _Stmt) -> _Stmt:
    """Visits still owed a written answer (an accepted visit's case answers once out of intake)."""
    return (stmt.join(Complaint, isouter=True)
            .where(col(ReceptionVisit.notice_due_on).is_not(None), col(ReceptionVisit.notified_on).is_(None),
                   or_(col(ReceptionVisit.complaint_id).is_(None),
                       col(Complaint.status).in_([str(s) for s in OPEN_INTAKE]))))


def pending_notices(session: Session, *, limit: int = 50) -> list[tuple[ReceptionVisit, Complaint | None]]:
    """Visits still owed a written answer, the nearest deadline first."""
    rows = session.exec(_owed(select(ReceptionVisit, Complaint))
                        .order_by(col(ReceptionVisit.notice_due_on), col(ReceptionVisit.id)).limit(limit)).all()
    return [(v, c) for v, c in rows]


@dataclass(frozen=True)
class NoticeCounts:
    owed: int
    overdue: int


def notice_counts(session: Session, today: date) -> NoticeCounts:
    owed = session.exec(_owed(select(func.count(col(ReceptionVisit.id))).select_from(ReceptionVisit))).one()
    overdue = session.exec(_owed(select(func.count(col(ReceptionVisit.id))).select_from(ReceptionVisit))
                           .where(col(ReceptionVisit.notice_due_on) < today)).one()
    return NoticeCounts(owed, overdue)

