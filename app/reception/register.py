"""The register as form 03 lays it out (the print view and the workbook, app/reception/export.py):
the register between two days, one `RegisterEntry` per visit with each column as text, for a
reader allowed the full register. Reading it is audited, and so is each denouncer it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.auth import Principal
from app.cases import codes
from app.core.errors import Forbidden, Invalid
from app.core.i18n import _
from app.models.complaint import CASE_STATUS_LABELS, CaseKind, CaseStatus, Complaint
from app.models.reception import REFUSAL_LABELS, ReceptionVisit, RefusalReason, VisitOutcome
from app.reception.identity import VisitView, protected, record_identity_view, shown
from app.reception.notices import notice_met

MAX_REGISTER_DAYS = 366 * 5
MAX_REGISTER_ROWS = 20_000


def register_rows(session: Session, start: date, end: date, *,
                  limit: int | None = None) -> list[tuple[ReceptionVisit, Complaint | None]]:
    """The register between two days, in register order, with each visit's case."""
    stmt = (select(ReceptionVisit, Complaint).join(Complaint, isouter=True)
            .where(col(ReceptionVisit.visit_on) >= start, col(ReceptionVisit.visit_on) <= end)
            .order_by(col(ReceptionVisit.register_year), col(ReceptionVisit.number)))
    if limit:
        stmt = stmt.limit(limit)
    return [(v, c) for v, c in session.exec(stmt).all()]


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
            record_identity_view(session, principal, visit, f"reception_visit.identity_{purpose}")
        out.append(_entry(view))
    audit.record(session, actor=principal.actor, action=f"reception.register_{purpose}", entity_type="reception_visit",
                 entity_id=None, after={"from": start, "to": end, "rows": len(out), "identities_hidden": hidden})
    return out


def _entry(view: VisitView) -> RegisterEntry:
    v, case = view.visit, view.case
    assert v.id is not None  # a stored row
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
            "code": codes.format_code(case.tracking_code),
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
