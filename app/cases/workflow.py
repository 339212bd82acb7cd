"""The workflow of a case (Circular 05/2021 and the Laws on Complaints and on Denunciations):
the table `TRANSITIONS` (action → allowed source statuses, target, permission, required fields),
`can_act` (whether an actor may take an action on a case now: the one place the pages ask), and
one `transition()` that refuses with 403/409/422 before changing anything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from pydantic import Field, field_validator
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.auth import PERMISSIONS, Principal
from app.cases.codes import format_code
from app.cases.privacy import is_protected
from app.cases.queries import for_change, get
from app.cases.questions import unpublish_if_protected
from app.cases.trail import feed, notify_sender, record_step, refresh_due
from app.core.db import utcnow
from app.core.errors import AppError, Conflict, Forbidden, Invalid
from app.core.i18n import _
from app.core.timeutil import local_today
from app.core.validation import InputModel, check_date_range
from app.models.complaint import (
    ANONYMOUS_ALLOWED,
    CaseField,
    CaseKind,
    CaseStatus,
    Complaint,
    ComplaintEvent,
    ComplaintPause,
)
from app.models.dialogue import Commitment, CommitmentLink
from app.models.user import Role, StaffUser


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the status stays (assign, extend) or is computed (resume)
    permission: str
    required: tuple[str, ...] = ()
    public: bool = True


S = CaseStatus
TRANSITIONS: dict[str, Transition] = {
    "classify": Transition(frozenset({S.received, S.classified}), S.classified, "complaint:handle"),
    "accept": Transition(frozenset({S.classified}), S.accepted, "complaint:handle"),
    "guide": Transition(frozenset({S.classified}), S.guided, "complaint:handle", ("guidance_number",)),
    "transfer": Transition(frozenset({S.classified}), S.transferred, "complaint:handle",
                           ("transfer_body", "transfer_number")),
    "file": Transition(frozenset({S.received, S.classified}), S.filed, "complaint:handle", ("reason",)),
    "refuse": Transition(frozenset({S.classified}), S.refused, "complaint:handle", ("reason",)),
    "assign": Transition(frozenset({S.accepted, S.in_progress, S.suspended}), None, "complaint:assign",
                         ("assignee_id",), public=False),
    "start": Transition(frozenset({S.accepted}), S.in_progress, "complaint:handle"),
    "suspend": Transition(frozenset({S.accepted, S.in_progress}), S.suspended, "complaint:handle", ("reason",)),
    "resume": Transition(frozenset({S.suspended}), None, "complaint:handle"),
    "extend": Transition(frozenset({S.accepted, S.in_progress}), None, "complaint:resolve", ("decision_number",)),
    "resolve": Transition(frozenset({S.in_progress}), S.resolved, "complaint:resolve",
                          ("decision_number", "decided_on", "result", "public_summary")),
    "close": Transition(frozenset({S.resolved, S.guided, S.transferred, S.filed, S.refused}), S.closed,
                        "complaint:handle"),
    "reopen": Transition(frozenset({S.resolved, S.closed}), S.in_progress, "complaint:resolve", ("reason",)),
}
MAX_DENUNCIATION_EXTENSIONS = 2


def _why_not_extend(case: Complaint) -> str | None:
    if case.kind != CaseKind.denunciation:
        return _("Chỉ gia hạn giải quyết tố cáo")
    if case.extensions >= MAX_DENUNCIATION_EXTENSIONS:
        return _("Đã gia hạn tối đa hai lần")
    return None


# What an action needs of the case besides its status: the reason it is refused, or None.
CONDITIONS: dict[str, Callable[[Complaint], str | None]] = {
    "extend": _why_not_extend,  # denunciations only, at most twice
}


def can_act(principal: Principal, case: Complaint, action: str) -> bool:
    """Whether this actor may take this action on the case now: the role's permission, the
    case's status and the action's own conditions, as `transition()` checks them."""
    rule = TRANSITIONS.get(action)
    if rule is None or case.status not in rule.sources or not principal.can(rule.permission):
        return False
    condition = CONDITIONS.get(action)
    return condition is None or condition(case) is None


class TransitionInput(InputModel):
    """An action on a case and the fields it needs (see TRANSITIONS)."""

    action: str
    note: str = Field(default="", max_length=5000)
    public: bool | None = None
    kind: CaseKind | None = None
    field: CaseField | None = None
    complex: bool | None = None
    remote: bool | None = None
    department: str = Field(default="", max_length=120)
    assignee_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    guidance_number: str = Field(default="", max_length=100)
    transfer_body: str = Field(default="", max_length=200)
    transfer_number: str = Field(default="", max_length=100)
    reason: str = Field(default="", max_length=5000)
    decision_number: str = Field(default="", max_length=100)
    decided_on: date | None = None
    result: str = Field(default="", max_length=20_000)
    public_summary: str = Field(default="", max_length=5000)

    @field_validator("decided_on")
    @classmethod
    def _plausible(cls, v):
        return check_date_range(v)


def transition(session: Session, *, principal: Principal, complaint_id: int, data: TransitionInput) -> Complaint:
    """Apply one workflow action. Not allowed from this status: 409; not for this role: 403;
    missing fields: 422. Nothing changes unless everything holds."""
    rule = TRANSITIONS.get(data.action)
    if rule is None:
        raise Invalid(_("Thao tác không hợp lệ: %s") % data.action, fields={"action": "unknown"})
    if not principal.can(rule.permission):
        raise Forbidden(_("Vai trò của bạn không được thực hiện thao tác này"))
    case = for_change(session, complaint_id)
    if case.status not in rule.sources:
        raise Conflict(_("Không thể thực hiện thao tác này khi đơn đang ở trạng thái hiện tại"))
    missing = {name: "required" for name in rule.required if getattr(data, name) in (None, "")}
    if missing:
        raise Invalid(_("Thiếu thông tin bắt buộc cho thao tác này"), fields=missing)
    before = {"status": case.status}
    target = rule.target
    today = local_today()
    handler = getattr(_Effects, data.action, None)
    if handler:
        target = handler(session, case, data, principal, today) or target
    from_status = case.status
    if target:
        case.status = target
    note = data.note.strip() or _default_note(data)
    public = rule.public if data.public is None else (data.public and rule.public)
    record_step(session, case, principal.actor, data.action, from_status, case.status, note, public=public)
    refresh_due(session, case)
    if public:
        notify_sender(session, case, note)
    session.flush()
    audit.record(session, actor=principal.actor, action=f"complaint.{data.action}", entity_type="complaint",
                 entity_id=case.id, before=before, after={"status": case.status, "note": note})
    if case.status != from_status:
        feed(session, case, "case.status", from_status)
        _touch_commitments(session, case)
    return case


@dataclass
class BulkResult:
    """What a bulk action did: the cases done, and per failed case its subject, code and why."""

    done: list[int] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)


def transition_many(session: Session, *, principal: Principal, complaint_ids: list[int],
                    data: TransitionInput) -> BulkResult:
    """Apply one action to several cases, each on its own (a savepoint per case): a refused case
    changes nothing and is reported, the others go through."""
    result = BulkResult()
    for complaint_id in complaint_ids:
        try:
            with session.begin_nested():
                transition(session, principal=principal, complaint_id=complaint_id, data=data)
            result.done.append(complaint_id)
        except AppError as exc:
            case = get(session, complaint_id)
            result.failed.append({"id": complaint_id, "subject": case.subject if case else "",
                                  "code": format_code(case.tracking_code) if case else "",
                                  "message": str(exc.message)})
    return result


def _touch_commitments(session: Session, case: Complaint) -> None:
    """A commitment linked to this case shows the case's status: API readers syncing
    dialogues by updated_since must see the change."""
    linked = select(CommitmentLink.commitment_id).where(CommitmentLink.complaint_id == case.id)
    session.execute(sa_update(Commitment).where(col(Commitment.id).in_(linked)).values(updated_at=utcnow()))


def _default_note(data: TransitionInput) -> str:
    for name in ("public_summary", "reason", "guidance_number", "transfer_body", "decision_number"):
        value = getattr(data, name)
        if value:
            return str(value)
    return ""


class _Effects:
    """What each action does beyond moving the status (called by `transition`)."""

    @staticmethod
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
        if data.complex is not None:
            case.complex = data.complex
        if data.remote is not None:
            case.remote = data.remote

    @staticmethod
    def accept(session, case, data, principal, today):
        case.accepted_on = today
        if principal.user is not None and principal.user.role == Role.leader:
            case.resolver_id = principal.user.id

    @staticmethod
    def guide(session, case, data, principal, today):
        case.guidance_number = data.guidance_number

    @staticmethod
    def transfer(session, case, data, principal, today):
        case.transfer_body, case.transfer_number = data.transfer_body, data.transfer_number

    @staticmethod
    def file(session, case, data, principal, today):
        case.reason = data.reason

    refuse = file

    @staticmethod
    def assign(session, case, data, principal, today):
        assignee = session.get(StaffUser, data.assignee_id)
        if assignee is None or not assignee.is_active or "complaint:handle" not in PERMISSIONS.get(assignee.role, ()):
            raise Invalid(_("Không tìm thấy cán bộ được giao"), fields={"assignee_id": "unknown"})
        case.assignee_id = assignee.id
        case.department = data.department or case.department
        if principal.user is not None and principal.user.role == Role.leader:
            case.resolver_id = principal.user.id

    @staticmethod
    def start(session, case, data, principal, today):
        if case.assignee_id is None and is_protected(case):
            # Who may see a denouncer is the leader's decision, not a handler's own.
            raise Conflict(_("Đơn tố cáo cần được lãnh đạo giao cán bộ xử lý trước"))
        if case.assignee_id is None and principal.user is not None:
            case.assignee_id = principal.user.id

    @staticmethod
    def suspend(session, case, data, principal, today):
        case.reason = data.reason
        session.add(ComplaintPause(complaint_id=case.id, start=today))

    @staticmethod
    def resume(session, case, data, principal, today):
        pause = session.exec(select(ComplaintPause).where(ComplaintPause.complaint_id == case.id,
                                                          ComplaintPause.end.is_(None))).first()
        if pause is not None:
            if pause.start >= today:
                session.delete(pause)  # suspended and resumed the same day: no day was paused
            else:
                pause.end = today - timedelta(days=1)
        last = session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                         ComplaintEvent.action == "suspend")
                            .order_by(ComplaintEvent.id.desc())).first()
        return last.from_status if last else S.in_progress

    @staticmethod
    def extend(session, case, data, principal, today):
        refused = _why_not_extend(case)
        if refused:
            raise Conflict(refused)
        case.extensions += 1
        case.complex = True
        case.decision_number = data.decision_number

    @staticmethod
    def resolve(session, case, data, principal, today):
        if data.decided_on > today:
            raise Invalid(_("Ngày quyết định không được ở tương lai"), fields={"decided_on": "future"})
        if case.accepted_on and data.decided_on < case.accepted_on:
            raise Invalid(_("Ngày quyết định không được trước ngày thụ lý"), fields={"decided_on": "before_acceptance"})
        case.decision_number, case.decided_on = data.decision_number, data.decided_on
        case.result, case.public_summary = data.result, data.public_summary
        case.resolved_on = today

    @staticmethod
    def reopen(session, case, data, principal, today):
        if case.accepted_on is None or case.decided_on is None:
            raise Conflict(_("Chỉ mở lại được đơn đã thụ lý và đã có quyết định giải quyết"))
        case.reason = data.reason
        case.resolved_on = None
