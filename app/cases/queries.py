"""Reading cases: one case and what hangs on it (timeline, files, parts, deadlines), a case by
its tracking code, the staff inbox with its dashboard, and the API's list.

Nothing here shows a sender's identity: the inbox names a sender only through `sender_label`,
which never names a denouncer (the case page, through `privacy.view()`, is the one place an
allowed reader sees it, and that view is audited)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Integer, func, literal, tuple_
from sqlmodel import Session, col, select

from app.accounts.auth import PERMISSIONS, Principal
from app.cases.codes import normalise_code
from app.cases.privacy import REDACTED, identity_allowed, is_protected
from app.core.errors import Invalid, NotFound
from app.core.i18n import N_, _
from app.core.pagination import MAX_LIMIT, Page, paginate
from app.core.timeutil import as_utc
from app.legal import rules
from app.legal.deadlines import CaseDeadline, case_clock, case_deadlines
from app.legal.workdays import Pause
from app.models.complaint import CaseKind, CaseStatus, Complaint, ComplaintAttachment, ComplaintEvent, ComplaintPause
from app.models.user import StaffUser

ANONYMOUS = N_("Giấu tên")
MAX_DUE_WITHIN = 250  # working days: about a year


# One case ----------------------------------------------------------------------------------------

def get(session: Session, complaint_id: int) -> Complaint | None:
    return session.get(Complaint, complaint_id)


def for_change(session: Session, complaint_id: int) -> Complaint:
    """The case to change, its row locked until the transaction ends (every change reads it so)."""
    case = session.exec(select(Complaint).where(Complaint.id == complaint_id).with_for_update()).first()
    if case is None:
        raise NotFound(_("Không tìm thấy đơn"))
    return case


def by_tracking_code(session: Session, code: str) -> Complaint:
    """The case for a code, or 404 — the same answer for any unknown code."""
    case = session.exec(select(Complaint).where(Complaint.tracking_code == normalise_code(code))).first()
    if case is None:
        raise NotFound(_("Không tìm thấy đơn với mã này. Vui lòng kiểm tra lại mã tra cứu."))
    return case


def timeline(session: Session, case: Complaint, *, public_only: bool) -> list[ComplaintEvent]:
    stmt = select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id)
    if public_only:
        stmt = stmt.where(col(ComplaintEvent.public).is_(True))
    return list(session.exec(stmt.order_by(col(ComplaintEvent.at), col(ComplaintEvent.id))))


def attachments(session: Session, case: Complaint) -> list[ComplaintAttachment]:
    return list(session.exec(select(ComplaintAttachment).where(ComplaintAttachment.complaint_id == case.id)
                             .order_by(col(ComplaintAttachment.id))))


def attachment(session: Session, complaint_id: int, attachment_id: int) -> ComplaintAttachment | None:
    """One file of a case (None if the case has no such file)."""
    return session.exec(select(ComplaintAttachment).where(ComplaintAttachment.id == attachment_id,
                                                          ComplaintAttachment.complaint_id == complaint_id)).first()


def parts_of(session: Session, case: Complaint) -> list[Complaint]:
    """The cases split from this letter."""
    return list(session.exec(select(Complaint).where(Complaint.source_id == case.id)
                             .order_by(col(Complaint.id))))


def deadlines(session: Session, case: Complaint) -> list[CaseDeadline]:
    """The deadlines that apply to the case now (the stage table of app/legal/deadlines.py)."""
    pauses = tuple(Pause(p.start, p.end) for p in session.exec(
        select(ComplaintPause).where(ComplaintPause.complaint_id == case.id)))
    return case_deadlines(case, pauses, case_clock(session))


# The API's list ------------------------------------------------------------------------------------

def case_list(session: Session, *, kind: str | None = None, status: str | None = None, field: str | None = None,
              updated_since: datetime | None = None, limit: int, cursor: str | None) -> Page[Complaint]:
    """Cases by kind, status and field. Without `updated_since`: most recently changed first.
    With it: every case changed since then, oldest change first (for keeping a copy in sync)."""
    stmt = select(Complaint)
    if kind is not None:
        stmt = stmt.where(Complaint.kind == kind)
    if status is not None:
        stmt = stmt.where(Complaint.status == status)
    if field is not None:
        stmt = stmt.where(Complaint.field == field)
    if updated_since is not None:
        stmt = stmt.where(Complaint.updated_at >= as_utc(updated_since))
    return paginate(session, stmt, order=[col(Complaint.updated_at), col(Complaint.id)],
                    descending=updated_since is None, limit=limit, cursor=cursor)


# The inbox -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboxFilters:
    kind: str | None = None
    status: str | None = None
    field: str | None = None
    department: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    overdue: bool = False
    due_by: date | None = None  # due from today up to this date (both included)
    proposed: bool = False  # an officer's proposal awaits the leader's decision


def due_by_for(session: Session, today: date, working_days: int) -> date:
    """The date `working_days` working days after today (Civil Code counting, official calendar)."""
    return rules.work_calendar(session).add_working_days(today, max(0, min(working_days, MAX_DUE_WITHIN)))


def _filtered(stmt, f: InboxFilters, today: date):
    if f.kind:
        stmt = stmt.where(Complaint.kind == f.kind)
    if f.status:
        stmt = stmt.where(Complaint.status == f.status)
    if f.field:
        stmt = stmt.where(Complaint.field == f.field)
    if f.department:
        stmt = stmt.where(Complaint.department == f.department)
    if f.unassigned:
        stmt = stmt.where(col(Complaint.assignee_id).is_(None))
    elif f.assignee_id is not None:
        stmt = stmt.where(Complaint.assignee_id == f.assignee_id)
    if f.proposed:
        stmt = stmt.where(Complaint.proposed_action != "")
    if f.overdue:
        stmt = stmt.where(col(Complaint.due_on) < today)
    if f.due_by is not None:
        stmt = stmt.where(col(Complaint.due_on) >= today, col(Complaint.due_on) <= f.due_by)
    return stmt


# The inbox's cursor: [due date or null, id]. Cases with a due date come first (nearest first),
# then those without one (nothing pending) by id. Each part is a plain keyset on an index.

def _encode(case: Complaint) -> str:
    raw = json.dumps([case.due_on.isoformat() if case.due_on else None, case.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[date | None, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due, last_id = json.loads(raw)
        if isinstance(last_id, bool) or not isinstance(last_id, int) or not 0 <= last_id <= 2_147_483_647:
            raise ValueError
        if due is not None:
            if not isinstance(due, str) or len(due) > 10:
                raise ValueError
            due = date.fromisoformat(due)
        return due, last_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid(_("Con trỏ phân trang không hợp lệ"), fields={"cursor": "invalid"}) from None


def inbox(session: Session, filters: InboxFilters, *, today: date, limit: int = 30,
          cursor: str | None = None) -> Page[Complaint]:
    """Cases matching the filters, nearest deadline first (cases with no open deadline last)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    base = _filtered(select(Complaint), filters, today)
    after_due, after_id = _decode(cursor) if cursor else (None, 0)
    rows: list[Complaint] = []
    undated_after = 0
    if cursor is None or after_due is not None:
        stmt = base.where(col(Complaint.due_on).is_not(None))
        if after_due is not None:
            stmt = stmt.where(tuple_(col(Complaint.due_on), col(Complaint.id))
                              > tuple_(literal(after_due, type_=Date), literal(after_id, type_=Integer)))
        rows = list(session.exec(stmt.order_by(col(Complaint.due_on), col(Complaint.id)).limit(limit + 1)))
        if len(rows) > limit:
            rows = rows[:limit]
            return Page(rows, _encode(rows[-1]))
    else:
        undated_after = after_id
    if not filters.overdue and filters.due_by is None:  # those filters only match dated cases
        remaining = limit - len(rows)
        more = list(session.exec(base.where(col(Complaint.due_on).is_(None), col(Complaint.id) > undated_after)
                                 .order_by(col(Complaint.id)).limit(remaining + 1)))
        if len(more) > remaining:
            rows += more[:remaining]
            return Page(rows, _encode(rows[-1]))
        rows += more
    return Page(rows, None)


# Dashboard ---------------------------------------------------------------------------------------

@dataclass
class Dashboard:
    overdue: int
    due_this_week: int
    proposed: int
    week_ends_on: date
    by_status: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)


def dashboard(session: Session, *, today: date) -> Dashboard:
    """Overdue cases, cases due from today to Sunday, and counts by status and by kind."""
    week_end = today + timedelta(days=6 - today.weekday())
    count = select(func.count()).select_from(Complaint)
    overdue = session.exec(count.where(col(Complaint.due_on) < today)).one()
    this_week = session.exec(count.where(col(Complaint.due_on) >= today, col(Complaint.due_on) <= week_end)).one()
    proposed = session.exec(count.where(Complaint.proposed_action != "")).one()
    by_status = dict(session.exec(select(Complaint.status, func.count()).group_by(Complaint.status)).all())
    by_kind = dict(session.exec(select(Complaint.kind, func.count()).group_by(Complaint.kind)).all())
    return Dashboard(
        overdue=overdue, due_this_week=this_week, proposed=proposed, week_ends_on=week_end,
        by_status={s.value: by_status[s.value] for s in CaseStatus if by_status.get(s.value)},
        by_kind={k.value: by_kind.get(k.value, 0) for k in CaseKind},
    )


# Lookups for the forms and the list ----------------------------------------------------------------

def departments(session: Session) -> list[str]:
    """Departments cases have been assigned to (for the filter). One query that skips from value
    to value along ix_complaint_department (a probe per department, not a read of every case)."""
    c = Complaint.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ on table classes
    first = select(func.min(c.department).label("d")).where(c.department > "").cte("departments", recursive=True)
    step = select(select(func.min(c.department)).where(c.department > first.c.d).scalar_subquery())\
        .where(first.c.d.is_not(None))
    found = first.union_all(step)
    return [d for d in session.exec(select(found.c.d).where(found.c.d.is_not(None)).limit(200)) if d]


HANDLER_ROLES = tuple(role.value if hasattr(role, "value") else role
                      for role, perms in PERMISSIONS.items() if "complaint:handle" in perms)


def assignable_users(session: Session) -> list[StaffUser]:
    """Active staff who may handle cases (the assignee select)."""
    return list(session.exec(select(StaffUser).where(col(StaffUser.is_active).is_(True),
                                                      col(StaffUser.role).in_(HANDLER_ROLES))
                             .order_by(StaffUser.full_name, StaffUser.username)))


def staff_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    known = {i for i in ids if i is not None}
    if not known:
        return {}
    users = session.exec(select(StaffUser).where(col(StaffUser.id).in_(known)))
    return {u.id: (u.full_name or u.username) for u in users if u.id is not None}


def sender_label(case: Complaint, principal: Principal) -> str:
    """The sender as the inbox shows it: never a denouncer's name (the audited case page is the
    only place for that), "Giấu tên" for anonymous letters, else the name if the reader may see it."""
    if case.anonymous:
        return str(ANONYMOUS)
    if is_protected(case) or not identity_allowed(case, principal):
        return str(REDACTED)
    return case.sender_name
