"""Reception sessions as they are held (the schedule that plans them is app/reception/schedule.py):
a session is opened (status `held`) by the open button or by its first visit, and its register
is closed at the end; a closed register takes no visit until a leader reopens it with a reason.

`require_register` is the permission every write to the register needs (app/reception/visits.py)."""

from __future__ import annotations

from pydantic import Field
from sqlmodel import Session

from app.accounts import audit
from app.accounts.auth import Principal
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.i18n import _
from app.core.timeutil import local_today
from app.core.validation import InputModel, limit, register_limits, stripped
from app.models.reception import ReceptionSession, SessionStatus
from app.reception.schedule import SessionInput, get_session_row, session_day, session_dict

REOPEN_REASON_MAX_LENGTH = 500  # a reopening's reason, kept in its audit row (no column of its own)


def open_session(session: Session, *, principal: Principal, session_id: int) -> ReceptionSession:
    """Start a session: it counts as held from now, and the register takes visits."""
    require_register(principal)
    row = get_session_row(session, session_id)
    ensure_open(session, principal, row)
    return row


def ensure_open(session: Session, principal: Principal, row: ReceptionSession) -> None:
    """Open `row` unless it is open already (the first visit of a session nobody opened)."""
    if row.status == SessionStatus.cancelled:
        raise Conflict(_("Buổi tiếp đã bị hủy"))
    if row.status == SessionStatus.held:
        return
    if session_day(row) > local_today():
        raise Conflict(_("Chưa đến ngày của buổi tiếp này"))
    row.status = SessionStatus.held
    row.opened_at = row.updated_at = utcnow()
    session.add(row)
    audit.record(session, actor=principal.actor, action="reception_session.open", entity_type="reception_session",
                 entity_id=row.id, after=session_dict(row))


def close_session(session: Session, *, principal: Principal, session_id: int) -> ReceptionSession:
    """Close the session's register: no more visits unless a leader reopens it."""
    require_register(principal)
    row = get_session_row(session, session_id)
    if row.status != SessionStatus.held or row.closed_at is not None:
        raise Conflict(_("Chỉ đóng sổ được buổi tiếp đang mở"))
    row.closed_at = row.updated_at = utcnow()
    session.add(row)
    audit.record(session, actor=principal.actor, action="reception_session.close", entity_type="reception_session",
                 entity_id=row.id, after={"closed_at": row.closed_at})
    return row


def reopen_session(session: Session, *, principal: Principal, session_id: int, reason: str) -> ReceptionSession:
    if not principal.can("reception:reopen"):
        raise Forbidden(_("Chỉ lãnh đạo được mở lại sổ của buổi tiếp đã đóng"))
    row = get_session_row(session, session_id)
    if row.closed_at is None:
        raise Conflict(_("Buổi tiếp chưa đóng sổ"))
    reason = reason.strip()
    if len(reason) < 5:
        raise Invalid(_("Cần ghi lý do (ít nhất 5 ký tự)"), fields={"reason": "required"})
    before = {"closed_at": row.closed_at}
    row.closed_at = None
    row.updated_at = utcnow()
    session.add(row)
    audit.record(session, actor=principal.actor, action="reception_session.reopen", entity_type="reception_session",
                 entity_id=row.id, before=before, after={"reason": reason[:REOPEN_REASON_MAX_LENGTH]})
    return row


class SessionDetails(InputModel):
    assisting_staff: str = Field(default="", max_length=limit(ReceptionSession, "assisting_staff"))
    notes: str = Field(default="", max_length=limit(SessionInput, "notes"))
    _strip = stripped("assisting_staff", "notes")


register_limits("session_details", SessionDetails)


def update_details(session: Session, *, principal: Principal, session_id: int,
                   data: SessionDetails) -> ReceptionSession:
    """The assisting staff and notes of a session (kept while the register is open)."""
    require_register(principal)
    row = get_session_row(session, session_id)
    if row.status == SessionStatus.cancelled or row.closed_at is not None:
        raise Conflict(_("Buổi tiếp đã đóng sổ hoặc đã bị hủy"))
    before = {"assisting_staff": row.assisting_staff, "notes": row.notes}
    row.assisting_staff, row.notes = data.assisting_staff, data.notes
    row.updated_at = utcnow()
    session.add(row)
    audit.record(session, actor=principal.actor, action="reception_session.update", entity_type="reception_session",
                 entity_id=row.id, before=before, after=data.model_dump())
    return row


def require_register(principal: Principal) -> None:
    if not principal.can("reception:register"):
        raise Forbidden(_("Bạn không có quyền ghi sổ tiếp công dân"))
