"""What each workflow action does to a case beyond moving its status (called by
`workflow.transition` once the action is allowed and its required fields are there).

Decisions start and stop the clocks from the day they were decided, not the day they were typed
in: acceptance sets `accepted_on` (Art. 29(1) Law 25/2018; Art. 27 Law 02/2011), a suspension's
pause begins on its decision's day and a resumption ends it the day before its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from app.accounts.auth import PERMISSIONS, Principal
from app.cases.periods import limitation_ends
from app.cases.privacy import is_protected
from app.cases.questions import unpublish_if_protected
from app.core.errors import Conflict, Invalid
from app.core.i18n import _
from app.core.timeutil import LOCAL_TZ
from app.models.complaint import ANONYMOUS_ALLOWED, CaseKind, CaseStatus, Complaint, ComplaintEvent, ComplaintPause
from app.models.user import Role, StaffUser

if TYPE_CHECKING:
    from app.cases.workflow import TransitionInput

Effect = Callable[[Session, Complaint, "TransitionInput", Principal, date], str | None]


def check_decision_day(session: Session, case: Complaint, data: TransitionInput, today: date) -> None:
    """A decision is dated today or earlier, and never before the case's previous step (nor
    before the letter was received)."""
    day = data.decided_on
    assert day is not None  # required of every decision
    if day > today:
        raise Invalid(_("Ngày quyết định không được ở tương lai"), fields={"decided_on": "future"})
    last = session.exec(select(ComplaintEvent.at).where(ComplaintEvent.complaint_id == case.id)
                        .order_by(col(ComplaintEvent.at).desc()).limit(1)).first()
    earliest = max(case.received_on, last.astimezone(LOCAL_TZ).date() if last else case.received_on)
    if data.action == "resolve" and case.accepted_on and case.accepted_on > earliest:
        earliest = case.accepted_on
    if day < earliest:
        raise Invalid(_("Ngày quyết định không được trước bước xử lý trước đó (%s)") % earliest.strftime("%d/%m/%Y"),
                      fields={"decided_on": "before_previous_step"})


def _leader_resolves(case: Complaint, principal: Principal) -> None:
    if principal.user is not None and principal.user.role == Role.leader:
        case.resolver_id = principal.user.id


def classify(session, case, data, principal, today):
    if data.kind:
        case.kind = data.kind.value
        case.identity_protected = case.identity_protected or case.kind == CaseKind.denunciation
        unpublish_if_protected(case)
        if case.anonymous and case.kind not in ANONYMOUS_ALLOWED:
            raise Invalid(_("Đơn giấu tên không được phân loại là khiếu nại hoặc tố cáo"),
                          fields={"kind": "anonymous_not_allowed"})
    if data.field:
        case.field = data.field.value
    for flag in ("complex", "remote", "several_places"):
        if getattr(data, flag) is not None:
            setattr(case, flag, getattr(data, flag))
    if data.contested_on is not None:
        if data.contested_on > case.received_on:
            raise Invalid(_("Ngày nhận hoặc biết quyết định bị khiếu nại không được sau ngày nhận đơn"),
                          fields={"contested_on": "after_received"})
        case.contested_on = data.contested_on


def propose(session, case, data, principal, today):
    from app.cases.workflow import DECISIONS, TRANSITIONS

    if data.proposal not in DECISIONS:
        raise Invalid(_("Giá trị không hợp lệ, hãy chọn trong danh sách"), fields={"proposal": "unknown"})
    if case.status not in TRANSITIONS[data.proposal].sources:
        raise Conflict(_("Không thể đề xuất thao tác này khi đơn đang ở trạng thái hiện tại"))
    case.proposed_action = data.proposal


def accept(session, case, data, principal, today):
    ends = limitation_ends(session, case)
    late_reason = data.late_reason.strip() or case.late_reason
    if ends is not None and case.received_on > ends and not late_reason:
        # Art. 9: time lost to illness, disaster, travel or other objective obstacles does not count.
        raise Invalid(_("Đơn nộp sau thời hiệu khiếu nại (hết ngày %s): ghi rõ lý do khách quan để vẫn thụ lý")
                      % ends.strftime("%d/%m/%Y"), fields={"late_reason": "after_limitation"})
    case.late_reason = late_reason
    case.accepted_on, case.acceptance_number = data.decided_on, data.decision_number
    _leader_resolves(case, principal)


def guide(session, case, data, principal, today):
    case.guidance_number = data.guidance_number


def transfer(session, case, data, principal, today):
    case.transfer_body, case.transfer_number = data.transfer_body, data.transfer_number


def file(session, case, data, principal, today):
    case.reason = data.reason


def assign(session, case, data, principal, today):
    assignee = session.get(StaffUser, data.assignee_id)
    if assignee is None or not assignee.is_active or "complaint:handle" not in PERMISSIONS.get(assignee.role, ()):
        raise Invalid(_("Không tìm thấy cán bộ được giao"), fields={"assignee_id": "unknown"})
    case.assignee_id = assignee.id
    case.department = data.department or case.department
    _leader_resolves(case, principal)


def _done_on(case: Complaint, data: TransitionInput, today: date, since: date | None) -> date:
    """The day a duty was done: today or earlier, not before what it follows."""
    day = data.done_on
    assert day is not None  # required of every duty
    if day > today:
        raise Invalid(_("Ngày thực hiện không được ở tương lai"), fields={"done_on": "future"})
    if since is not None and day < since:
        raise Invalid(_("Ngày thực hiện không được trước ngày %s") % since.strftime("%d/%m/%Y"),
                      fields={"done_on": "too_early"})
    return day


def notify(session, case, data, principal, today):
    case.notified_on = _done_on(case, data, today, case.accepted_on)


def send_decision(session, case, data, principal, today):
    case.decision_sent_on = _done_on(case, data, today, case.decided_on)


def publish_conclusion(session, case, data, principal, today):
    case.conclusion_published_on = _done_on(case, data, today, case.decided_on)


def dialogue(session, case, data, principal, today):
    case.dialogue_held_on = _done_on(case, data, today, case.accepted_on)


def start(session, case, data, principal, today):
    if case.assignee_id is None and is_protected(case):
        # Who may see a denouncer is the leader's decision, not a handler's own.
        raise Conflict(_("Đơn tố cáo cần được lãnh đạo giao cán bộ xử lý trước"))
    if case.assignee_id is None and principal.user is not None:
        case.assignee_id = principal.user.id


def suspend(session, case, data, principal, today):
    case.reason = data.reason
    session.add(ComplaintPause(complaint_id=case.id, start=data.decided_on))


def _end_pause(session: Session, case: Complaint, day: date) -> None:
    """The running suspension ends the day before `day` (none of its days paused if it began then)."""
    pause = session.exec(select(ComplaintPause).where(ComplaintPause.complaint_id == case.id,
                                                      col(ComplaintPause.end).is_(None))).first()
    if pause is None:
        return
    if pause.start >= day:
        session.delete(pause)
    else:
        pause.end = day - timedelta(days=1)


def resume(session, case, data, principal, today):
    _end_pause(session, case, data.decided_on)
    last = session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                     ComplaintEvent.action == "suspend")
                        .order_by(col(ComplaintEvent.id).desc())).first()
    return last.from_status if last else CaseStatus.in_progress


def terminate(session, case, data, principal, today):
    _end_pause(session, case, data.decided_on)
    case.reason = data.reason


def extend(session, case, data, principal, today):
    if data.especially_complex:
        case.especially_complex = True
    if case.extensions >= 1 and not case.especially_complex:
        # Art. 30(2) Law 25/2018; Decree 31/2019 Art. 3: two criteria or more.
        raise Invalid(_("Gia hạn lần hai chỉ áp dụng với vụ việc đặc biệt phức tạp (Điều 3 Nghị định "
                        "31/2019/NĐ-CP)"), fields={"especially_complex": "second_extension"})
    case.extensions += 1
    case.complex = True


def resolve(session, case, data, principal, today):
    if data.verification_differs is not None:
        case.verification_differs = data.verification_differs
    if case.kind == CaseKind.complaint and case.verification_differs and case.dialogue_held_on is None:
        raise Invalid(_("Kết quả xác minh khác với yêu cầu của người khiếu nại: cần tổ chức đối thoại và lập biên "
                        "bản trước khi ra quyết định (Điều 30 Luật Khiếu nại)"),
                      fields={"verification_differs": "dialogue_required"})
    case.decision_number, case.decided_on = data.decision_number, data.decided_on
    case.result, case.public_summary = data.result, data.public_summary
    case.resolved_on = data.decided_on


def reopen(session, case, data, principal, today):
    if case.accepted_on is None or case.decided_on is None:
        raise Conflict(_("Chỉ mở lại được đơn đã thụ lý và đã có quyết định giải quyết"))
    case.reason = data.reason
    case.resolved_on = None


EFFECTS: dict[str, Effect] = {
    "classify": classify, "propose": propose, "accept": accept, "guide": guide, "transfer": transfer,
    "file": file, "refuse": file, "assign": assign, "notify": notify, "start": start, "dialogue": dialogue,
    "suspend": suspend, "resume": resume, "extend": extend, "terminate": terminate, "resolve": resolve,
    "send_decision": send_decision, "publish_conclusion": publish_conclusion, "reopen": reopen,
}


def apply(session: Session, case: Complaint, data: TransitionInput, principal: Principal, today: date) -> str | None:
    """Run the action's effect; the status it moves the case to when the table does not say."""
    effect = EFFECTS.get(data.action)
    return effect(session, case, data, principal, today) if effect else None
