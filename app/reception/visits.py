"""The register of visits (form 03, Circular 04/2021/TT-TTCP): logging a visit, the case an
accepted visit becomes, the written notice sent, corrections while the register is open, a
visit's own page, and the counts of a session's visits.

A visit is one row of form 03; the year's running number is max+1 inside a savepoint, retried
on the unique (year, number) constraint. Rules between columns live in `visit_problems()`,
shared by the form (every problem listed at once) and the service. Who may see a visitor is
app/reception/identity.py; the register laid out as form 03 is app/reception/register.py."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from pydantic import Field, field_validator
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.auth import Principal
from app.cases import intake
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotFound
from app.core.i18n import N_, _
from app.core.timeutil import local_today
from app.core.validation import InputModel, limit, register_limits, require_date_in_range, stripped
from app.legal.deadlines import deadline_after
from app.models.complaint import CaseField, CaseKind, Complaint
from app.models.reception import (
    ReceptionVisit,
    ReceptionVisitCorrection,
    RefusalReason,
    VisitOutcome,
)
from app.reception.identity import VisitView, identity_allowed, protected, record_identity_view, shown
from app.reception.notices import NOTICE_OUTCOMES, NOTICE_RULE
from app.reception.schedule import get_session_row, session_day
from app.reception.sessions import ensure_open, require_register

# Art. 29 Law 42/2013/QH13 (and Art. 6 Decree 64/2014): a group of 5–10 people chooses at most
# 2 representatives, a group of 11 or more at most 5.
GROUP_MIN = 5


def max_representatives(people: int) -> int:
    if people < GROUP_MIN:
        return 0
    return 2 if people <= 10 else 5


class VisitInput(InputModel):
    """One visit, the columns of form 03. Rules that depend on other columns are checked by
    `visit_problems()`, so a form can list every problem at once."""

    visitor_name: str = Field(min_length=2, max_length=limit(ReceptionVisit, "visitor_name"))
    visitor_address: str = Field(min_length=3, max_length=limit(ReceptionVisit, "visitor_address"))
    id_number: str = Field(default="", max_length=20)  # a String(20) column, declared by SQLAlchemy
    summary: str = Field(min_length=10, max_length=5000)  # stored as text: the limit is this schema's
    case_kind: CaseKind
    people_count: int = Field(default=1, ge=1, le=10_000)
    representatives: list[str] = Field(default_factory=list, max_length=20)
    previously_handled_by: str = Field(default="", max_length=limit(ReceptionVisit, "previously_handled_by"))
    outcome: VisitOutcome
    guided_to: str = Field(default="", max_length=limit(ReceptionVisit, "guided_to"))
    guidance_number: str = Field(default="", max_length=limit(ReceptionVisit, "guidance_number"))
    transferred_to: str = Field(default="", max_length=limit(ReceptionVisit, "transferred_to"))
    transfer_number: str = Field(default="", max_length=limit(ReceptionVisit, "transfer_number"))
    refusal_reason: RefusalReason | None = None
    notes: str = Field(default="", max_length=5000)  # stored as text
    field: CaseField = Field(default=CaseField.other, description="the case's field, for an accepted visit")

    _strip = stripped("visitor_name", "visitor_address", "summary", "previously_handled_by", "guided_to",
                      "guidance_number", "transferred_to", "transfer_number", "notes")

    _id_number = field_validator("id_number")(lambda cls, v: intake.id_number(v))

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


# The forms' limits: a visit, and the notice's number (as the table stores it).
register_limits("visit", VisitInput)
register_limits("reception_visit", ReceptionVisit)

VISIT_MESSAGES = {
    "guided_to_required": N_("Ghi rõ hướng dẫn người đến tới cơ quan, người nào"),
    "transferred_to_required": N_("Ghi rõ cơ quan, đơn vị được chuyển đơn đến"),
    "refusal_reason_required": N_("Từ chối tiếp phải ghi lý do theo Điều 9 Luật Tiếp công dân"),
    "refusal_note_required": N_("Trường hợp khác theo quy định của pháp luật: ghi rõ căn cứ vào phần ghi chú"),
    "representatives_required": N_("Đoàn từ 5 người trở lên phải cử người đại diện (ghi tên người đại diện)"),
    "too_many_representatives": N_("Đoàn %(people)d người chỉ được cử tối đa %(max)d người đại diện "
                                   "(Điều 29 Luật Tiếp công dân)"),
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
    require_register(principal)
    problems = visit_problems(data.model_dump())
    if problems:
        raise Invalid(next(iter(problems.values())), fields=problems)
    row = get_session_row(session, session_id)
    if row.closed_at is not None:
        raise Conflict(_("Sổ của buổi tiếp đã đóng; cần lãnh đạo mở lại để ghi thêm"))
    ensure_open(session, principal, row)  # the first visit of a session that was not opened yet
    day = session_day(row)
    case = _case_for(session, principal, data, day) if data.outcome == VisitOutcome.accepted else None
    assert row.id is not None  # a stored row
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
    case_input = intake.CaseInput(kind=data.case_kind, subject=subject, content=summary, field=data.field,
                                  sender_name=data.visitor_name, sender_address=data.visitor_address,
                                  sender_id_number=data.id_number)
    return intake.file_case(session, data=case_input, channel="walk_in", actor=principal.actor, principal=principal,
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
    require_register(principal)
    visit = get_visit(session, visit_id)
    if visit.notice_due_on is None:
        raise Conflict(_("Lượt tiếp này không cần văn bản trả lời"))
    on = require_date_in_range(on, "notified_on")
    if on < visit.visit_on or on > local_today():
        raise Invalid(_("Ngày gửi thông báo phải từ ngày tiếp đến hôm nay"), fields={"notified_on": "range"})
    before = {"notified_on": visit.notified_on, "notice_number": visit.notice_number}
    visit.notified_on, visit.notice_number = on, number.strip()[:limit(ReceptionVisit, "notice_number")]
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

    visitor_name: str | None = Field(default=None, min_length=2, max_length=limit(VisitInput, "visitor_name"))
    visitor_address: str | None = Field(default=None, min_length=3, max_length=limit(VisitInput, "visitor_address"))
    id_number: str | None = Field(default=None, max_length=limit(VisitInput, "id_number"))
    summary: str | None = Field(default=None, min_length=10, max_length=limit(VisitInput, "summary"))
    previously_handled_by: str | None = Field(default=None, max_length=limit(VisitInput, "previously_handled_by"))
    guided_to: str | None = Field(default=None, max_length=limit(VisitInput, "guided_to"))
    guidance_number: str | None = Field(default=None, max_length=limit(VisitInput, "guidance_number"))
    transferred_to: str | None = Field(default=None, max_length=limit(VisitInput, "transferred_to"))
    transfer_number: str | None = Field(default=None, max_length=limit(VisitInput, "transfer_number"))
    notes: str | None = Field(default=None, max_length=limit(VisitInput, "notes"))
    reason: str = Field(min_length=5, max_length=limit(ReceptionVisitCorrection, "reason"))

    _strip = stripped(*CORRECTABLE, "reason")
    _id_number = field_validator("id_number")(lambda cls, v: intake.id_number(v) if v is not None else v)


register_limits("visit_correction", VisitCorrection)


def correct_visit(session: Session, *, principal: Principal, visit_id: int,
                  data: VisitCorrection) -> ReceptionVisitCorrection:
    """Correct a row while its session's register is open; the old values are kept with the
    reason. A denouncer's identity is corrected only by someone allowed to see it."""
    require_register(principal)
    visit = get_visit(session, visit_id)
    row = get_session_row(session, visit.session_id)
    if row.closed_at is not None:
        raise Conflict(_("Sổ của buổi tiếp đã đóng; cần lãnh đạo mở lại để sửa"))
    case = case_of(session, visit)
    allowed = identity_allowed(visit, case, principal)
    wanted = data.model_dump(include=set(CORRECTABLE), exclude_none=True)
    changed = {k: v for k, v in wanted.items() if getattr(visit, k) != v and (allowed or k not in IDENTITY_COLUMNS)}
    if not changed:
        raise Invalid(_("Không có cột nào thay đổi"), fields={"reason": "nothing_changed"})
    problems = visit_problems({**visit.model_dump(), **changed})
    if problems:
        raise Invalid(next(iter(problems.values())), fields=problems)
    assert visit.id is not None  # a stored row
    correction = ReceptionVisitCorrection(visit_id=visit.id, actor=principal.actor.label[:120],
                                          reason=data.reason[:limit(ReceptionVisitCorrection, "reason")],
                                          before=json.dumps({k: getattr(visit, k) for k in changed},
                                                            ensure_ascii=False))
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
    return list(session.exec(select(ReceptionVisitCorrection).where(col(ReceptionVisitCorrection.visit_id) == visit_id)
                             .order_by(col(ReceptionVisitCorrection.id))))


def get_visit(session: Session, visit_id: int) -> ReceptionVisit:
    visit = session.get(ReceptionVisit, visit_id)
    if visit is None:
        raise NotFound(_("Không tìm thấy lượt tiếp"))
    return visit


def case_of(session: Session, visit: ReceptionVisit) -> Complaint | None:
    """The case an accepted visit became, if any."""
    return session.get(Complaint, visit.complaint_id) if visit.complaint_id else None


def saved_visit(session: Session, session_id: int, visit_id: int) -> ReceptionVisit | None:
    """The visit just logged (the register's page names it): only if it is in this session."""
    visit = session.get(ReceptionVisit, visit_id)
    return visit if visit is not None and visit.session_id == session_id else None


def read_visit(session: Session, *, principal: Principal, visit_id: int) -> VisitView:
    """A visit's own page: the full ID number for reception staff and leaders; seeing a
    denouncer's identity is written to the audit log."""
    require_register(principal)
    visit = get_visit(session, visit_id)
    case = case_of(session, visit)
    view = shown(visit, case, principal, full_id=True, reveal_protected=True)
    if view.identity_visible and protected(visit, case):
        record_identity_view(session, principal, visit, "reception_visit.identity_view")
    return view


def visits_of(session: Session, session_id: int) -> list[tuple[ReceptionVisit, Complaint | None]]:
    rows = session.exec(select(ReceptionVisit, Complaint).join(Complaint, isouter=True)
                        .where(col(ReceptionVisit.session_id) == session_id).order_by(col(ReceptionVisit.number))).all()
    return [(v, c) for v, c in rows]


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
    # Five columns: SQLModel's select() is typed for four at most (fastapi/sqlmodel#271).
    rows = session.exec(
        select(col(ReceptionVisit.session_id), col(ReceptionVisit.case_kind),  # type: ignore[call-overload]
               col(ReceptionVisit.outcome), func.count(), func.sum(col(ReceptionVisit.people_count)))
        .where(col(ReceptionVisit.session_id).in_(session_ids))
        .group_by(ReceptionVisit.session_id, ReceptionVisit.case_kind, ReceptionVisit.outcome)).all()
    for sid, kind, outcome, n, people in rows:
        c = out[sid]
        c.visits += n
        c.people += int(people or 0)
        c.by_kind[kind] = c.by_kind.get(kind, 0) + n
        c.by_outcome[outcome] = c.by_outcome.get(outcome, 0) + n
    return out
