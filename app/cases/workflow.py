"""The workflow of a case (Circular 05/2021 and the Laws on Complaints and on Denunciations):
the table `TRANSITIONS` (action → allowed source statuses, target, permission, required fields),
`can_act` (whether an actor may take an action on a case now: the one place the pages ask), and
one `transition()` that refuses with 403/409/422 before changing anything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pydantic import Field, field_validator
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.auth import Principal
from app.cases import effects
from app.cases.codes import format_code
from app.cases.intake import CONTENT_MAX_LENGTH
from app.cases.queries import for_change, get
from app.cases.trail import feed, notify_sender, record_step, refresh_due
from app.core.db import utcnow
from app.core.errors import AppError, Conflict, Forbidden, Invalid
from app.core.i18n import _
from app.core.timeutil import local_today
from app.core.validation import InputModel, check_date_range, limit, register_limits
from app.legal.deadlines import MAX_EXTENSIONS
from app.models.complaint import (
    CaseField,
    CaseKind,
    CaseStatus,
    Complaint,
)
from app.models.dialogue import Commitment, CommitmentLink


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the status stays (assign, extend) or is computed (resume)
    permission: str
    required: tuple[str, ...] = ()
    public: bool = True


S = CaseStatus
# Decisions of the person with authority (the chairman, or the leader he delegates): they start
# and stop the clocks, each with its number and date (Art. 27–29 Law 02/2011, Art. 29–36 Law
# 25/2018). Officers prepare them (`propose`); a leader decides.
DECIDE = "complaint:resolve"
DECISION = ("decision_number", "decided_on")
TRANSITIONS: dict[str, Transition] = {
    "classify": Transition(frozenset({S.received, S.classified}), S.classified, "complaint:handle"),
    "propose": Transition(frozenset({S.classified, S.accepted, S.in_progress, S.suspended}), None,
                          "complaint:handle", ("proposal",), public=False),
    "accept": Transition(frozenset({S.classified}), S.accepted, DECIDE, DECISION),
    "guide": Transition(frozenset({S.classified}), S.guided, "complaint:handle", ("guidance_number",)),
    "transfer": Transition(frozenset({S.classified}), S.transferred, "complaint:handle",
                           ("transfer_body", "transfer_number")),
    "file": Transition(frozenset({S.received, S.classified}), S.filed, "complaint:handle", ("reason",)),
    "refuse": Transition(frozenset({S.classified}), S.refused, "complaint:handle", ("reason",)),
    "assign": Transition(frozenset({S.accepted, S.in_progress, S.suspended}), None, "complaint:assign",
                         ("assignee_id",), public=False),
    "notify": Transition(frozenset({S.accepted, S.in_progress, S.suspended, S.resolved, S.closed}), None,
                         "complaint:handle", ("done_on",)),
    "start": Transition(frozenset({S.accepted}), S.in_progress, "complaint:handle"),
    "dialogue": Transition(frozenset({S.in_progress}), None, "complaint:handle", ("done_on", "note"), public=False),
    "suspend": Transition(frozenset({S.accepted, S.in_progress}), S.suspended, DECIDE, ("reason", *DECISION)),
    "resume": Transition(frozenset({S.suspended}), None, DECIDE, DECISION),
    "extend": Transition(frozenset({S.accepted, S.in_progress}), None, DECIDE, DECISION),
    "terminate": Transition(frozenset({S.accepted, S.in_progress, S.suspended}), S.terminated, DECIDE,
                            ("reason", *DECISION)),
    "resolve": Transition(frozenset({S.in_progress}), S.resolved, DECIDE,
                          ("decision_number", "decided_on", "result", "public_summary")),
    "send_decision": Transition(frozenset({S.resolved, S.closed}), None, "complaint:handle", ("done_on",)),
    "publish_conclusion": Transition(frozenset({S.resolved, S.closed}), None, "complaint:handle", ("done_on",)),
    "close": Transition(frozenset({S.resolved, S.guided, S.transferred, S.filed, S.refused, S.terminated}), S.closed,
                        "complaint:handle"),
    "reopen": Transition(frozenset({S.resolved, S.closed}), S.in_progress, DECIDE, ("reason",)),
}
# The steps a leader decides (and an officer may propose).
DECISIONS = ("accept", "suspend", "resume", "terminate", "extend")
MAX_DENUNCIATION_EXTENSIONS = MAX_EXTENSIONS


def _why_not_extend(case: Complaint) -> str | None:
    if case.kind != CaseKind.denunciation:
        return _("Chỉ gia hạn giải quyết tố cáo")
    if case.extensions >= MAX_DENUNCIATION_EXTENSIONS:
        return _("Đã gia hạn tối đa hai lần")
    return None


def _only(kind: CaseKind, done: str) -> Callable[[Complaint], str | None]:
    """A duty of one kind of case, done once (the date it was done is stored in `done`)."""
    def why_not(case: Complaint) -> str | None:
        if case.kind != kind:
            return _("Thao tác này không áp dụng cho loại đơn này")
        if getattr(case, done) is not None:
            return _("Việc này đã được ghi nhận")
        return None
    return why_not


# What an action needs of the case besides its status: the reason it is refused, or None.
CONDITIONS: dict[str, Callable[[Complaint], str | None]] = {
    "extend": _why_not_extend,  # denunciations only, at most twice
    "notify": _only(CaseKind.denunciation, "notified_on"),
    "send_decision": _only(CaseKind.complaint, "decision_sent_on"),
    "publish_conclusion": _only(CaseKind.denunciation, "conclusion_published_on"),
    "dialogue": _only(CaseKind.complaint, "dialogue_held_on"),
}


def can_act(principal: Principal, case: Complaint, action: str) -> bool:
    """Whether this actor may take this action on the case now: the role's permission, the
    case's status and the action's own conditions, as `transition()` checks them."""
    rule = TRANSITIONS.get(action)
    if rule is None or case.status not in rule.sources or not principal.can(rule.permission):
        return False
    if action == "propose" and principal.can(DECIDE):
        return False  # who decides does not propose to themselves
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
    several_places: bool | None = None
    especially_complex: bool | None = None
    verification_differs: bool | None = None
    contested_on: date | None = None
    late_reason: str = Field(default="", max_length=5000)
    proposal: str = Field(default="", max_length=20)
    department: str = Field(default="", max_length=limit(Complaint, "department"))
    assignee_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    guidance_number: str = Field(default="", max_length=limit(Complaint, "guidance_number"))
    transfer_body: str = Field(default="", max_length=limit(Complaint, "transfer_body"))
    transfer_number: str = Field(default="", max_length=limit(Complaint, "transfer_number"))
    reason: str = Field(default="", max_length=5000)
    decision_number: str = Field(default="", max_length=limit(Complaint, "decision_number"))
    decided_on: date | None = None
    done_on: date | None = None
    result: str = Field(default="", max_length=CONTENT_MAX_LENGTH)
    public_summary: str = Field(default="", max_length=5000)

    @field_validator("decided_on", "done_on", "contested_on")
    @classmethod
    def _plausible(cls, v):
        return check_date_range(v)


register_limits("transition", TransitionInput)


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
    condition = CONDITIONS.get(data.action)
    refused = condition(case) if condition else None
    if refused:
        raise Conflict(refused)
    missing = {name: "required" for name in rule.required if getattr(data, name) in (None, "")}
    if missing:
        raise Invalid(_("Thiếu thông tin bắt buộc cho thao tác này"), fields=missing)
    before = {"status": case.status}
    today = local_today()
    if data.action in DECISIONS or data.action == "resolve":
        effects.check_decision_day(session, case, data, today)
    target = effects.apply(session, case, data, principal, today) or rule.target
    from_status = case.status
    if target:
        case.status = target
    if data.action != "propose" and (data.action in DECISIONS or case.status != from_status):
        case.proposed_action = ""  # decided, or overtaken by another step
    note = data.note.strip() or _default_note(data)
    public = rule.public if data.public is None else (data.public and rule.public)
    decided = data.action in DECISIONS or data.action == "resolve"
    record_step(session, case, principal.actor, data.action, from_status, case.status, note, public=public,
                decision_number=data.decision_number if decided else "",
                decided_on=data.decided_on if decided else None)
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
