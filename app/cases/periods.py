"""The periods the law gives the people around a case, counted like its deadlines but not the
ward's to meet: the time to complain (Art. 9 Law 02/2011), the time to complain again after a
first decision (Art. 33), and how long a denunciation's conclusion stays posted (Decree 31/2019
Art. 6(2)(b))."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from app.core.errors import NotFound
from app.legal.deadlines import Deadline, Stage, case_clock
from app.models.complaint import CaseKind, CaseStatus, Complaint


def limitation_ends(session: Session, case: Complaint) -> date | None:
    """The last day to complain (90 days from the day the decision or act was received or
    learned of), when the complaint says that day."""
    if case.kind != CaseKind.complaint or case.contested_on is None:
        return None
    return case_clock(session).after(f"complaint.{Stage.limitation.value}", case.contested_on).due_on


def appeal_window(session: Session, case: Complaint) -> Deadline | None:
    """The last day to complain to the next level after a first decision: 30 days (45 in remote
    areas) from the day the decision was received; the day it was sent stands for that when
    known, else the decision's own day."""
    if case.kind != CaseKind.complaint or case.status not in (CaseStatus.resolved, CaseStatus.closed):
        return None
    start = case.decision_sent_on or case.decided_on
    if start is None:
        return None
    try:
        return case_clock(session).after(f"complaint.{Stage.appeal.value}", start,
                                         variant="remote" if case.remote else "")
    except NotFound:
        return None


def conclusion_posted_until(session: Session, case: Complaint) -> date | None:
    """The last day a denunciation's published conclusion stays posted (at least 15 consecutive days)."""
    if case.kind != CaseKind.denunciation or case.conclusion_published_on is None:
        return None
    rule = case_clock(session).book.get(f"denunciation.{Stage.conclusion_posting.value}",
                                        case.conclusion_published_on)
    return date.fromordinal(case.conclusion_published_on.toordinal() + rule.value - 1)
