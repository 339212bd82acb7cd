"""The trail every change of a case leaves, in the transaction of the change: the step on
its timeline, the nearest open deadline stored on the case (`due_on`: the inbox sorts on it),
the mail to the sender (through the outbox) and the change feed."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from app.accounts.audit import Actor
from app.cases.codes import format_code
from app.cases.queries import deadlines
from app.cases.rating import can_rate, rating_key
from app.core.db import utcnow
from app.integration import events, outbox
from app.models.complaint import (
    CASE_STATUS_LABELS,
    FIELD_LABELS,
    KIND_LABELS,
    CaseField,
    CaseKind,
    CaseStatus,
    Complaint,
    ComplaintEvent,
)
from app.models.event import Audience


def record_step(session: Session, case: Complaint, actor: Actor, action: str, from_status: str, to_status: str,
                note: str, *, public: bool, decision_number: str = "",
                decided_on: date | None = None) -> ComplaintEvent:
    """A step on the case's timeline (`public`: shown on the tracking page); a decision's step
    carries the decision's number and date."""
    assert case.id is not None  # flushed before its first step
    e = ComplaintEvent(complaint_id=case.id, at=utcnow(), actor=actor.label[:120], action=action,
                       from_status=from_status, to_status=to_status, note=note[:5000], public=public,
                       decision_number=decision_number, decided_on=decided_on)
    session.add(e)
    case.updated_at = e.at
    return e


def refresh_due(session: Session, case: Complaint) -> None:
    """Store the nearest open deadline on the case."""
    session.flush()
    open_dates = [d.due_on for d in deadlines(session, case) if not d.met and d.due_on]
    case.due_on = min(open_dates) if open_dates else None


def notify_sender(session: Session, case: Complaint, note: str) -> None:
    """Tell the sender, when they gave an e-mail address, of a public step (through the outbox).
    Residents get Vietnamese whatever language the staff member works in."""
    if case.anonymous or not case.sender_email:
        return
    status = CASE_STATUS_LABELS[CaseStatus(case.status)].message
    code = format_code(case.tracking_code)
    body = (f"Kính gửi ông/bà {case.sender_name},\n\n"
            f"Đơn của ông/bà (mã tra cứu {code}) về \"{case.subject}\" đã chuyển sang trạng thái: {status}.\n")
    if note:
        body += f"\nNội dung: {note}\n"
    body += "\nÔng/bà có thể tra cứu đơn bằng mã trên tại trang Tra cứu đơn của cổng thông tin phường.\n"
    if can_rate(case):
        body += (f"\nĐể đánh giá kết quả giải quyết, nhập mã tra cứu và mã đánh giá {rating_key(session, case)} "
                 "tại trang Tra cứu đơn.\n")
    outbox.enqueue(session, to=case.sender_email, subject=f"[{code}] {status}", body=body, topic=f"complaint:{case.id}")


def feed(session: Session, case: Complaint, type: str, from_status: str) -> None:
    """The change feed says what kind of case moved where: never who sent it nor its subject
    (which may name people), and only to readers of cases."""
    assert case.id is not None  # a stored case
    what = f"{KIND_LABELS[CaseKind(case.kind)].message} ({FIELD_LABELS[CaseField(case.field)].message})"
    moved = (f"{CASE_STATUS_LABELS[CaseStatus(from_status)].message} → " if from_status else "")
    events.record(session, type=type, entity="case", entity_id=case.id, audience=Audience.cases,
                  summary=f"{what}: {moved}{CASE_STATUS_LABELS[CaseStatus(case.status)].message}")
