"""Reception sessions as they are held, and the register of visits (form 03, Circular
04/2021/TT-TTCP): opening and closing a session, logging a visit, the case an accepted visit
becomes, the 10-working-day notice, and who may see a visitor's identity.

Privacy: lists show ID numbers masked to their last 4 digits; the full number only on a visit's
own page, to reception staff and leaders. A denunciation visit's identity follows the cases'
rules (app/cases/service.identity_allowed) and each view of it is audited."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from pydantic import Field, field_validator
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, or_, select

from app.accounts import audit
from app.accounts.auth import Principal
from app.cases import privacy
from app.cases import service as cases
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.i18n import N_, _
from app.core.timeutil import local_today
from app.core.validation import InputModel, require_date_in_range, stripped
from app.legal.deadlines import OPEN_INTAKE, deadline_after
from app.models.complaint import CASE_STATUS_LABELS, CaseField, CaseKind, CaseStatus, Complaint
from app.models.reception import (
    REFUSAL_LABELS,
    ReceptionSession,
    ReceptionVisit,
    ReceptionVisitCorrection,
    RefusalReason,
    SessionStatus,
    VisitOutcome,
)
from app.models.user import Role
from app.reception.schedule import get_session_row, session_day, session_dict

REDACTED = cases.REDACTED
NOTICE_RULE = "reception.notification"
# Outcomes after which the visitor is told in writing within the notice period (Decree 64/2014).
NOTICE_OUTCOMES = frozenset({VisitOutcome.accepted, VisitOutcome.guided, VisitOutcome.transferred})

# Art. 30 Law 42/2013/QH13 (and Art. 6 Decree 64/2014): a group of 5–10 people chooses at most
# 2 representatives, a group of 11 or more at most 5.
GROUP_MIN = 5


def max_representatives(people: int) -> int:
    if people < GROUP_MIN:
        return 0
    return 2 if people <= 10 else 5


mask_id = cases.mask_id


# Sessions as they are held ---------------------------------------------------------------------

def open_session(session: Session, *, principal: Principal, session_id: int) -> ReceptionSession:
    """Start a session: it counts as held from now, and the register takes visits."""
    _require_register(principal)
    row = get_session_row(session, session_id)
    _open(session, principal, row)
    return row


def _open(session: Session, principal: Principal, row: ReceptionSession) -> None:
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
    _require_register(principal)
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
                 entity_id=row.id, before=before, after={"reason": reason[:500]})
    return row


class SessionDetails(InputModel):
    assisting_staff: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=5000)
    _strip = stripped("assisting_staff", "notes")


def update_details(session: Session, *, principal: Principal, session_id: int,
                   data: SessionDetails) -> ReceptionSession:
    """The assisting staff and notes of a session (kept while the register is open)."""
    _require_register(principal)
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


def _require_register(principal: Principal) -> None:
    if not principal.can("reception:register"):
        raise Forbidden(_("Bạn không có quyền ghi sổ tiếp công dân"))


# The register ----------------------------------------------------------------------------------

class VisitInput(InputModel):
    """One visit, the columns of form 03. Rules that depend on other columns are checked by
    `visit_problems()`, so a form can list every problem at once."""

    visitor_name: str = Field(min_length=2, max_length=200)
    visitor_address: str = Field(min_length=3, max_length=300)
    id_number: str = Field(default="", max_length=20)
    summary: str = Field(min_length=10, max_length=5000)
    case_kind: CaseKind
    people_count: int = Field(default=1, ge=1, le=10_000)
    representatives: list[str] = Field(default_factory=list, max_length=20)
    previously_handled_by: str = Field(default="", max_length=300)
    outcome: VisitOutcome
    guided_to: str = Field(default="", max_length=300)
    guidance_number: str = Field(default="", max_length=60)
    transferred_to: str = Field(default="", max_length=300)
    transfer_number: str = Field(default="", max_length=60)
    refusal_reason: RefusalReason | None = None
    notes: str = Field(default="", max_length=5000)
    field: CaseField = Field(default=CaseField.other, description="the case's field, for an accepted visit")

    _strip = stripped("visitor_name", "visitor_address", "summary", "previously_handled_by", "guided_to",
                      "guidance_number", "transferred_to", "transfer_number", "notes")

    _id_number = field_validator("id_number")(lambda cls, v: cases.id_number(v))

    @field_validator("representatives", mode="before")
    @classmethod
    def _names(cls, v):
        if isinstance(v, str):  # the form's textarea: one name per line
            v = v.splitlines()
        if isinstance(v, list):
            v = [n.strip() for n in v if isinstance(n, str) and n.strip()]
            if any(len(n) > 200 for n in v):
                raise ValueError("string_too_long")
        return v


VISIT_MESSAGES = {
    "guided_to_required": N_("Ghi rõ hướng dẫn người đến tới cơ quan, người nào"),
    "transferred_to_required": N_("Ghi rõ cơ quan, đơn vị được chuyển đơn đến"),
    "refusal_reason_required": N_("Từ chối tiếp phải ghi lý do theo Điều 9 Luật Tiếp công dân"),
    "refusal_note_required": N_("Trường hợp khác theo quy định của pháp luật: ghi rõ căn cứ vào phần ghi chú"),
    "representatives_required": N_("Đoàn từ 5 người trở lên phải cử người đại diện (ghi tên người đại diện)"),
    "too_many_representatives": N_("Đoàn %(people)d người chỉ được cử tối đa %(max)d người đại diện "
                                   "(Điều 30 Luật Tiếp công dân)"),
    "representatives_not_group": N_("Chỉ ghi người đại diện khi đoàn có từ 5 người trở lên"),
}


def visit_problems(values: dict) -> dict[str, str]:
    """The rules between columns, on a plain dict (the form's values or a model's dump)."""
    errors: dict[str, str] = {}
    outcome = str(values.get("outcome") or "")
    if outcome == VisitOutcome.guided and not str(values.get("guided_to") or "").strip():
        errors["guided_to"] = str(VISIT_MESSAGES["guided_to_required"])
    if outcome == VisitOutcome.transferred and not str(values.get("transferred_to") or "").strip():
        errors["transferred_to"] = str(VISIT_MESSAGES["transferred_to_required"])
    if outcome == VisitOutcome.refused:
        reason = str(values.get("refusal_reason") or "")
        if not reason:
            errors["refusal_reason"] = str(VISIT_MESSAGES["refusal_reason_required"])
        elif reason == RefusalReason.other_law and not str(values.get("notes") or "").strip():
            errors["notes"] = str(VISIT_MESSAGES["refusal_note_required"])
    people = values.get("people_count") or 1
    try:
        people = int(people)
    except (TypeError, ValueError):
        return errors  # the field's own message says so
    names = values.get("representatives") or []
    if isinstance(names, str):
        names = [n for n in names.splitlines() if n.strip()]
    limit = max_representatives(people)
    if people >= GROUP_MIN and not names:
        errors["representatives"] = str(VISIT_MESSAGES["representatives_required"])
    elif people < GROUP_MIN and names:
        errors["representatives"] = str(VISIT_MESSAGES["representatives_not_group"])
    elif len(names) > limit:
        errors["representatives"] = str(VISIT_MESSAGES["too_many_representatives"]) % {
            "people": people, "max": limit}
    return errors


def log_visit(session: Session, *, principal: Principal, session_id: int, data: VisitInput) -> ReceptionVisit:
    """Write a visit into the register. An accepted visit becomes a walk-in case; the visitor's
    notice is due within the notice rule's period."""
    _require_register(principal)
    problems = visit_problems(data.model_dump())
    if problems:
        raise Invalid(next(iter(problems.values())), fields=problems)
    row = get_session_row(session, session_id)
    if row.closed_at is not None:
        raise Conflict(_("Sổ của buổi tiếp đã đóng; cần lãnh đạo mở lại để ghi thêm"))
    _open(session, principal, row)  # the first visit of a session that was not opened yet
    day = session_day(row)
    case = _case_for(session, principal, data, day) if data.outcome == VisitOutcome.accepted else None
    visit = ReceptionVisit(
        session_id=row.id, register_year=day.year, number=0, visit_on=day, visitor_name=data.visitor_name,
        visitor_address=data.visitor_address, id_number=data.id_number, summary=data.summary,
        case_kind=data.case_kind.value, people_count=data.people_count,
        representatives="\n".join(data.representatives), previously_handled_by=data.previously_handled_by,
        outcome=data.outcome.value, guided_to=data.guided_to, guidance_number=data.guidance_number,
        transferred_to=data.transferred_to, transfer_number=data.transfer_number,
        refusal_reason=data.refusal_reason.value if data.refusal_reason and data.outcome == VisitOutcome.refused
        else "", notes=data.notes,
        complaint_id=case.id if case else None, recorded_by=principal.actor.label[:120])
    if data.outcome in NOTICE_OUTCOMES:
        notice = deadline_after(session, NOTICE_RULE, day)
        visit.notice_due_on, visit.notice_rule = notice.due_on, notice.rule.label
    _insert_numbered(session, visit)
    row.updated_at = utcnow()
    session.add(row)
    # The audit row names the visit and its outcome, never the visitor.
    audit.record(session, actor=principal.actor, action="reception_visit.create", entity_type="reception_visit",
                 entity_id=visit.id, after={"session_id": row.id, "number": visit.number, "kind": visit.case_kind,
                                            "outcome": visit.outcome, "people": visit.people_count,
                                            "complaint_id": visit.complaint_id})
    return visit


def _case_for(session: Session, principal: Principal, data: VisitInput, day: date) -> Complaint:
    summary = data.summary
    line = " ".join(summary.split())  # the subject is one line, whatever spacing was typed
    subject = line if len(line) <= 120 else line[:117].rstrip() + "…"
    case_input = cases.CaseInput(kind=data.case_kind, subject=subject, content=summary, field=data.field, sender_name=data.visitor_name,
                                 sender_address=data.visitor_address, sender_id_number=data.id_number)
    return cases.file_case(session, data=case_input, channel="walk_in", actor=principal.actor, principal=principal,
                           received_on=min(day, local_today()))


def _insert_numbered(session: Session, visit: ReceptionVisit, attempts: int = 5) -> None:
    """The next number in the year's register. Writers are serialised on SQLite; on PostgreSQL two
    clerks may race for a number, and the unique constraint sends the loser round again."""
    for attempt in range(attempts):
        visit.number = (session.exec(select(func.max(ReceptionVisit.number))
                                     .where(ReceptionVisit.register_year == visit.register_year)).one() or 0) + 1
        try:
            with session.begin_nested():
                session.add(visit)
                session.flush()
            return
        except IntegrityError:
            if attempt == attempts - 1:
                raise


def mark_notified(session: Session, *, principal: Principal, visit_id: int, on: date,
                  number: str) -> ReceptionVisit:
    """Record the written notice sent to the visitor (its date and document number)."""
    _require_register(principal)
    visit = get_visit(session, visit_id)
    if visit.notice_due_on is None:
        raise Conflict(_("Lượt tiếp này không cần văn bản trả lời"))
    on = require_date_in_range(on, "notified_on")
    if on < visit.visit_on or on > local_today():
        raise Invalid(_("Ngày gửi thông báo phải từ ngày tiếp đến hôm nay"), fields={"notified_on": "range"})
    before = {"notified_on": visit.notified_on, "notice_number": visit.notice_number}
    visit.notified_on, visit.notice_number = on, number.strip()[:60]
    session.add(visit)
    audit.record(session, actor=principal.actor, action="reception_visit.notified", entity_type="reception_visit",
                 entity_id=visit.id, before=before, after={"notified_on": on, "notice_number": visit.notice_number})
    return visit


# Columns a correction may change: the text of the row. The kind, the outcome and the people
# decided what followed (a case, a notice), so a wrong one is a new row with a note instead.
CORRECTABLE = ("visitor_name", "visitor_address", "id_number", "summary", "previously_handled_by", "guided_to",
               "guidance_number", "transferred_to", "transfer_number", "notes")
IDENTITY_COLUMNS = frozenset({"visitor_name", "visitor_address", "id_number"})


class VisitCorrection(InputModel):
    """The corrected columns; a column left out (None) stays as it is."""

    visitor_name: str | None = Field(default=None, min_length=2, max_length=200)
    visitor_address: str | None = Field(default=None, min_length=3, max_length=300)
    id_number: str | None = Field(default=None, max_length=20)
    summary: str | None = Field(default=None, min_length=10, max_length=5000)
    previously_handled_by: str | None = Field(default=None, max_length=300)
    guided_to: str | None = Field(default=None, max_length=300)
    guidance_number: str | None = Field(default=None, max_length=60)
    transferred_to: str | None = Field(default=None, max_length=300)
    transfer_number: str | None = Field(default=None, max_length=60)
    notes: str | None = Field(default=None, max_length=5000)
    reason: str = Field(min_length=5, max_length=500)

    _strip = stripped(*CORRECTABLE, "reason")
    _id_number = field_validator("id_number")(lambda cls, v: cases.id_number(v) if v is not None else v)


def correct_visit(session: Session, *, principal: Principal, visit_id: int,
                  data: VisitCorrection) -> ReceptionVisitCorrection:
    """Correct a row while its session's register is open; the old values are kept with the
    reason. A denouncer's identity is corrected only by someone allowed to see it."""
    _require_register(principal)
    visit = get_visit(session, visit_id)
    row = get_session_row(session, visit.session_id)
    if row.closed_at is not None:
        raise Conflict(_("Sổ của buổi tiếp đã đóng; cần lãnh đạo mở lại để sửa"))
    case = session.get(Complaint, visit.complaint_id) if visit.complaint_id else None
    allowed = identity_allowed(visit, case, principal)
    wanted = data.model_dump(include=set(CORRECTABLE), exclude_none=True)
    changed = {k: v for k, v in wanted.items() if getattr(visit, k) != v and (allowed or k not in IDENTITY_COLUMNS)}
    if not changed:
        raise Invalid(_("Không có cột nào thay đổi"), fields={"reason": "nothing_changed"})
    problems = visit_problems({**visit.model_dump(), **changed})
    if problems:
        raise Invalid(next(iter(problems.values())), fields=problems)
    correction = ReceptionVisitCorrection(visit_id=visit.id, actor=principal.actor.label[:120],
                                          reason=data.reason[:500],
                                          before=json.dumps({k: getattr(visit, k) for k in changed}, ensure_ascii=False))
    for k, v in changed.items():
        setattr(visit, k, v)
    session.add(visit)
    session.add(correction)
    session.flush()
    # The audit row lists the columns, never their values (it is read by people the law excludes).
    audit.record(session, actor=principal.actor, action="reception_visit.correct", entity_type="reception_visit",
                 entity_id=visit.id, after={"columns": sorted(changed), "correction_id": correction.id})
    return correction


def corrections_of(session: Session, visit_id: int) -> list[ReceptionVisitCorrection]:
    return list(session.exec(select(ReceptionVisitCorrection).where(ReceptionVisitCorrection.visit_id == visit_id)
                             .order_by(ReceptionVisitCorrection.id)))


def get_visit(session: Session, visit_id: int) -> ReceptionVisit:
    visit = session.get(ReceptionVisit, visit_id)
    if visit is None:
        raise NotFound(_("Không tìm thấy lượt tiếp"))
    return visit


# Who sees what ---------------------------------------------------------------------------------

def protected(visit: ReceptionVisit, case: Complaint | None) -> bool:
    return privacy.protected(visit.case_kind, case is not None and case.identity_protected)


def identity_allowed(visit: ReceptionVisit, case: Complaint | None, principal: Principal) -> bool:
    """Names and addresses: the register's keepers. A denouncer: as the linked case allows, or,
    with no case, the ward's leaders only."""
    if not (principal.can("reception:register") or principal.can("reception:personal")):
        return False
    if not protected(visit, case):
        return True
    if case is not None:
        return cases.identity_allowed(case, principal)
    return principal.user is not None and principal.user.role == Role.leader


@dataclass
class VisitView:
    """A visit as one reader may see it."""

    visit: ReceptionVisit
    case: Complaint | None
    identity_visible: bool
    name: str
    address: str
    id_number: str  # masked, unless the full number is allowed on this page
    representatives: list[str]

    @property
    def notice_met(self) -> bool:
        return notice_met(self.visit, self.case)


def notice_met(visit: ReceptionVisit, case: Complaint | None) -> bool:
    if visit.notice_due_on is None or visit.notified_on is not None:
        return True
    # An accepted visit's case tells the visitor itself once it leaves intake.
    return case is not None and case.status not in OPEN_INTAKE


def shown(visit: ReceptionVisit, case: Complaint | None, principal: Principal, *, full_id: bool = False,
          reveal_protected: bool = False) -> VisitView:
    """A visit for one reader. A denouncer is shown only where the caller asks for it
    (`reveal_protected`) and records the view (`read_visit`, `register_entries`): lists never
    show one, so an open list is not an unrecorded view."""
    allowed = identity_allowed(visit, case, principal) and (reveal_protected or not protected(visit, case))
    if not allowed:
        hidden = str(REDACTED)
        reps = [hidden] if visit.representatives else []
        return VisitView(visit, case, False, hidden, hidden, hidden if visit.id_number else "", reps)
    number = visit.id_number if full_id and principal.can("reception:personal") else mask_id(visit.id_number)
    return VisitView(visit, case, True, visit.visitor_name, visit.visitor_address, number,
                     visit.representatives.splitlines())


def _record_identity_view(session: Session, principal: Principal, visit: ReceptionVisit, action: str) -> None:
    audit.record(session, actor=principal.actor, action=action, entity_type="reception_visit", entity_id=visit.id)


def read_visit(session: Session, *, principal: Principal, visit_id: int) -> VisitView:
    """A visit's own page: the full ID number for reception staff and leaders; seeing a
    denouncer's identity is written to the audit log."""
    _require_register(principal)
    visit = get_visit(session, visit_id)
    case = session.get(Complaint, visit.complaint_id) if visit.complaint_id else None
    view = shown(visit, case, principal, full_id=True, reveal_protected=True)
    if view.identity_visible and protected(visit, case):
        _record_identity_view(session, principal, visit, "reception_visit.identity_view")
    return view


def visits_of(session: Session, session_id: int) -> list[tuple[ReceptionVisit, Complaint | None]]:
    rows = session.exec(select(ReceptionVisit, Complaint).join(Complaint, isouter=True)
                        .where(ReceptionVisit.session_id == session_id).order_by(ReceptionVisit.number)).all()
    return [(v, c) for v, c in rows]


def register_rows(session: Session, start: date, end: date, *,
                  limit: int | None = None) -> list[tuple[ReceptionVisit, Complaint | None]]:
    """The register between two days, in register order, with each visit's case."""
    stmt = (select(ReceptionVisit, Complaint).join(Complaint, isouter=True)
            .where(ReceptionVisit.visit_on >= start, ReceptionVisit.visit_on <= end)
            .order_by(ReceptionVisit.register_year, ReceptionVisit.number))
    if limit:
        stmt = stmt.limit(limit)
    return [(v, c) for v, c in session.exec(stmt).all()]


# Counts (no personal data) ---------------------------------------------------------------------

@dataclass
class SessionCounts:
    visits: int = 0
    people: int = 0
    by_kind: dict[str, int] = None  # type: ignore[assignment]
    by_outcome: dict[str, int] = None  # type: ignore[assignment]

    def __post_init__(self):
        self.by_kind = self.by_kind or {k.value: 0 for k in CaseKind}
        self.by_outcome = self.by_outcome or {o.value: 0 for o in VisitOutcome}


def counts_for(session: Session, session_ids: list[int]) -> dict[int, SessionCounts]:
    """Counts by kind and outcome for many sessions in one query."""
    out: dict[int, SessionCounts] = defaultdict(SessionCounts)
    if not session_ids:
        return out
    rows = session.exec(
        select(ReceptionVisit.session_id, ReceptionVisit.case_kind, ReceptionVisit.outcome,
               func.count(), func.sum(ReceptionVisit.people_count))
        .where(ReceptionVisit.session_id.in_(session_ids))
        .group_by(ReceptionVisit.session_id, ReceptionVisit.case_kind, ReceptionVisit.outcome)).all()
    for sid, kind, outcome, n, people in rows:
        c = out[sid]
        c.visits += n
        c.people += int(people or 0)
        c.by_kind[kind] = c.by_kind.get(kind, 0) + n
        c.by_outcome[outcome] = c.by_outcome.get(outcome, 0) + n
    return out


def _owed(stmt):
    """Visits still owed a written answer (an accepted visit's case answers once out of intake)."""
    return (stmt.join(Complaint, isouter=True)
            .where(ReceptionVisit.notice_due_on.is_not(None), ReceptionVisit.notified_on.is_(None),
                   or_(ReceptionVisit.complaint_id.is_(None), Complaint.status.in_([str(s) for s in OPEN_INTAKE]))))


def pending_notices(session: Session, *, limit: int = 50) -> list[tuple[ReceptionVisit, Complaint | None]]:
    """Visits still owed a written answer, the nearest deadline first."""
    rows = session.exec(_owed(select(ReceptionVisit, Complaint))
                        .order_by(ReceptionVisit.notice_due_on, ReceptionVisit.id).limit(limit)).all()
    return [(v, c) for v, c in rows]


@dataclass(frozen=True)
class NoticeCounts:
    owed: int
    overdue: int


def notice_counts(session: Session, today: date) -> NoticeCounts:
    owed = session.exec(_owed(select(func.count(ReceptionVisit.id)).select_from(ReceptionVisit))).one()
    overdue = session.exec(_owed(select(func.count(ReceptionVisit.id)).select_from(ReceptionVisit))
                           .where(ReceptionVisit.notice_due_on < today)).one()
    return NoticeCounts(owed, overdue)



# The register as form 03 lays it out (print view and workbook) ----------------------------------

MAX_REGISTER_DAYS = 366 * 5
MAX_REGISTER_ROWS = 20_000


@dataclass
class RegisterEntry:
    """One row of form 03, each column as text, for one reader."""

    number: int
    visit_on: date
    name_address: str  # column 3, with a group's representatives
    id_number: str  # column 4
    summary: str  # column 5
    kind_complaint: bool  # column 6, split as the form splits it
    kind_denunciation: bool
    kind_petition: bool
    people: int
    previously_handled_by: str  # column 7
    accepted: bool  # column 8
    guided_to: str  # column 9
    guidance_number: str
    transferred_to: str  # column 10
    transfer_number: str
    follow_up: str  # column 11
    notes: str  # column 12
    visit_id: int


def check_register_range(start: date, end: date) -> None:
    if end < start:
        raise Invalid(_("Ngày bắt đầu phải trước ngày kết thúc"), fields={"from": "after_to"})
    if (end - start).days > MAX_REGISTER_DAYS:
        raise Invalid(_("Khoảng thời gian tối đa 5 năm"), fields={"to": "too_long"})


def register_entries(session: Session, *, principal: Principal, start: date, end: date,
                     purpose: str = "view") -> list[RegisterEntry]:
    """The register between two days for a reader allowed the full register (reception staff,
    leaders, a `reception:personal` token). Reading it is audited: it carries personal data,
    and each denouncer it shows to a reader the law allows gets an audit row of its own."""
    if not principal.can("reception:personal"):
        raise Forbidden(_("Bạn không có quyền xem sổ tiếp công dân"))
    check_register_range(start, end)
    rows = register_rows(session, start, end, limit=MAX_REGISTER_ROWS + 1)
    if len(rows) > MAX_REGISTER_ROWS:
        raise Invalid(_("Khoảng này có hơn %d lượt tiếp; hãy chọn khoảng ngắn hơn") % MAX_REGISTER_ROWS,
                      fields={"to": "too_many_rows"})
    out = []
    hidden = 0
    for visit, case in rows:
        view = shown(visit, case, principal, full_id=True, reveal_protected=True)
        hidden += not view.identity_visible
        if view.identity_visible and protected(visit, case):
            _record_identity_view(session, principal, visit, f"reception_visit.identity_{purpose}")
        out.append(_entry(view))
    audit.record(session, actor=principal.actor, action=f"reception.register_{purpose}", entity_type="reception_visit",
                 entity_id=None, after={"from": start, "to": end, "rows": len(out), "identities_hidden": hidden})
    return out


def _entry(view: VisitView) -> RegisterEntry:
    v, case = view.visit, view.case
    name_address = f"{view.name}\n{view.address}"
    if view.representatives:
        name_address += "\n" + _("Người đại diện: %s") % "; ".join(view.representatives)
    return RegisterEntry(
        number=v.number, visit_on=v.visit_on, name_address=name_address, id_number=view.id_number,
        summary=v.summary, kind_complaint=v.case_kind == CaseKind.complaint,
        kind_denunciation=v.case_kind == CaseKind.denunciation,
        kind_petition=v.case_kind in (CaseKind.petition, CaseKind.feedback), people=v.people_count,
        previously_handled_by=v.previously_handled_by, accepted=v.outcome == VisitOutcome.accepted,
        guided_to=v.guided_to, guidance_number=v.guidance_number, transferred_to=v.transferred_to,
        transfer_number=v.transfer_number, follow_up=follow_up(v, case), notes=_notes(v), visit_id=v.id)


def follow_up(visit: ReceptionVisit, case: Complaint | None) -> str:
    """Column 11: where the matter stands now."""
    parts = []
    if case is not None:
        parts.append(_("Đơn %(code)s: %(status)s") % {
            "code": cases.format_code(case.tracking_code),
            "status": str(CASE_STATUS_LABELS[CaseStatus(case.status)])})
    if visit.notified_on:
        parts.append(_("Đã trả lời ngày %(on)s, số %(number)s") % {
            "on": visit.notified_on.strftime("%d/%m/%Y"), "number": visit.notice_number or "—"})
    elif visit.notice_due_on and not notice_met(visit, case):
        parts.append(_("Hạn trả lời: %s") % visit.notice_due_on.strftime("%d/%m/%Y"))
    return "\n".join(parts)


def _notes(visit: ReceptionVisit) -> str:
    parts = []
    if visit.outcome == VisitOutcome.refused and visit.refusal_reason:
        parts.append(_("Từ chối tiếp: %s") % str(REFUSAL_LABELS[RefusalReason(visit.refusal_reason)]))
    if visit.notes:
        parts.append(visit.notes)
    return "\n".join(parts)
