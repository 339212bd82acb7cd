"""Cases (đơn): intake, tracking codes, the workflow of Circular 05/2021 and the laws, the
deadlines of each stage, and who may see a sender's identity.

Confidentiality lives here and only here: every reader of a case goes through `view()`, which
redacts a denouncer's identity for everyone but the resolving leader and the assigned handler
(Law on Denunciations Art. 56) and records each view of it in the audit log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from pydantic import Field, field_validator, model_validator
from sqlalchemy import update as sa_update
from sqlmodel import Session, select

from app.accounts import audit
from app.accounts.audit import Actor
from app.accounts.auth import Principal
from app.core import files
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.files import FileStore
from app.core.i18n import N_, _
from app.core.timeutil import local_today
from app.core.validation import InputModel, check_date_range
from app.integration import events, outbox
from app.legal.deadlines import CaseDeadline, case_clock, case_deadlines
from app.legal.workdays import Pause
from app.models.complaint import (
    ANONYMOUS_ALLOWED,
    CASE_STATUS_LABELS,
    FIELD_LABELS,
    KIND_LABELS,
    CaseField,
    CaseKind,
    CaseStatus,
    Channel,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintPause,
)
from app.models.dialogue import Commitment, CommitmentLink
from app.models.event import Audience
from app.models.user import Role

# Tracking codes: 13 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U/V),
# about 63 bits of randomness; shown in groups of 4-4-5 to be read aloud.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 13
REDACTED = N_("[bảo mật]")
IDENTITY_FIELDS = ("sender_name", "sender_address", "sender_phone", "sender_email", "sender_id_number")


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a person typed or read aloud, as stored: upper case, no spaces or dashes."""
    return re.sub(r"[\s\-._]", "", text or "").upper()[:32]


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def rating_key(session: Session, case: Complaint) -> str:
    """The sender's second secret, shown only on the filing confirmation and in the mail that
    announces the result: with the tracking code it lets the sender rate the answer. Staff who
    can read tracking codes cannot rate in the sender's place: the key is an HMAC with the
    server's SECRET_KEY, never stored, never shown on a staff page."""
    key = session.info["audit_key"]
    digest = hmac.new(key.encode(), f"rating-key\0{case.id}\0{case.tracking_code}".encode(), hashlib.sha256).digest()
    raw = base64.b32encode(digest).decode()[:8]
    return f"{raw[:4]}-{raw[4:]}"


def _same_key(given: str, expected: str) -> bool:
    clean = re.sub(r"[\s-]", "", given or "").upper()
    return hmac.compare_digest(clean.encode(), expected.replace("-", "").encode())


# Intake ----------------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{8,20}$")
_ID_NUMBER = re.compile(r"^([0-9]{9}|[0-9]{12}|[A-Z][0-9]{7,8})$")


def id_number(value: str) -> str:
    """A citizen ID (12 digits), an old ID card (9) or a passport number, spaces removed."""
    value = value.replace(" ", "").upper()
    if value and not _ID_NUMBER.match(value):
        raise ValueError("id_number_invalid")
    return value


class CaseInput(InputModel):
    """A letter as filed by a resident (web, API) or entered by staff for them."""

    kind: CaseKind
    subject: str = Field(min_length=5, max_length=300)
    content: str = Field(min_length=10, max_length=20_000)
    field: CaseField = CaseField.other
    address: str = Field(default="", max_length=300, description="where it happens")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    anonymous: bool = False
    sender_name: str = Field(default="", max_length=200)
    sender_address: str = Field(default="", max_length=300)
    sender_phone: str = Field(default="", max_length=30)
    sender_email: str = Field(default="", max_length=200)
    sender_id_number: str = Field(default="", max_length=20)

    @field_validator("subject", "content", "address", "sender_name", "sender_address", "sender_phone",
                     "sender_email", "sender_id_number", mode="before")
    @classmethod
    def _strip(cls, v):
        return v.strip() if isinstance(v, str) else v

    @field_validator("sender_email")
    @classmethod
    def _email(cls, v: str) -> str:
        if v and not _EMAIL.match(v):
            raise ValueError("email_invalid")
        return v.lower()

    @field_validator("sender_phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        if v and not _PHONE.match(v):
            raise ValueError("phone_invalid")
        return v

    _id_number = field_validator("sender_id_number")(lambda cls, v: id_number(v))

    @model_validator(mode="after")
    def _sender(self):
        if self.anonymous:
            if self.kind not in ANONYMOUS_ALLOWED:
                raise ValueError("anonymous_not_allowed")
            for name in IDENTITY_FIELDS:
                setattr(self, name, "")
        elif not self.sender_name:
            raise ValueError("sender_name_required")
        elif self.kind in (CaseKind.complaint, CaseKind.denunciation) and not self.sender_address:
            # Art. 8(2) Law on Complaints; Art. 23 Law on Denunciations: name and address.
            raise ValueError("sender_address_required")
        return self


def file_case(session: Session, *, data: CaseInput, channel: str, actor: Actor, uploads: list = (),
              store: FileStore | None = None, principal: Principal | None = None, pakn_code: str = "",
              external_ref: str = "", received_on: date | None = None, disclosure_id: int | None = None) -> Complaint:
    """Register a letter: a case with a fresh tracking code, its files and a first public step.
    Staff entering a letter for a walk-in, post or phone sender pass their `principal`."""
    channel = Channel(channel).value
    if channel != Channel.web and (principal is None or not principal.can("complaint:intake")):
        raise Forbidden(_("Chỉ cán bộ được nhập đơn thay người gửi"))
    uploads = list(uploads)
    for u in uploads:
        files.check(data=u.data, filename=u.filename, max_bytes=store.max_bytes)
    today = local_today()
    received_on = check_date_range(received_on) or today
    if received_on > today:
        raise Invalid(_("Ngày nhận không được ở tương lai"), fields={"received_on": "future"})
    case = Complaint(
        tracking_code=_unique_code(session), kind=data.kind.value, channel=channel, pakn_code=pakn_code[:40],
        external_ref=external_ref[:100], anonymous=data.anonymous, sender_name=data.sender_name,
        sender_address=data.sender_address, sender_phone=data.sender_phone, sender_email=data.sender_email,
        sender_id_number=data.sender_id_number, subject=data.subject, content=data.content,
        place_address=data.address, latitude=data.latitude, longitude=data.longitude, field=data.field.value,
        received_on=received_on, identity_protected=data.kind == CaseKind.denunciation,
        disclosure_id=_question_about(session, data, disclosure_id),
    )
    session.add(case)
    session.flush()
    for u in uploads:
        stored = files.store(store.directory, data=u.data, filename=u.filename, max_bytes=store.max_bytes)
        session.add(ComplaintAttachment(complaint_id=case.id, filename=stored.filename,
                                        content_type=stored.content_type, size=stored.size, sha256=stored.sha256))
    _event(session, case, actor, "receive", "", CaseStatus.received, N_("Đã tiếp nhận đơn").message, public=True)
    _refresh_due(session, case)
    _notify(session, case, "")
    # The audit row names the case, never the sender: the log is read by people the law excludes.
    audit.record(session, actor=actor, action="complaint.receive", entity_type="complaint", entity_id=case.id,
                 after={"kind": case.kind, "channel": channel, "field": case.field, "anonymous": case.anonymous,
                        "attachments": len(uploads)})
    _feed(session, case, "case.received", "")
    return case


def _unique_code(session: Session) -> str:
    while True:  # a collision is astronomically rare; checking costs one indexed lookup
        code = new_tracking_code()
        if session.exec(select(Complaint.id).where(Complaint.tracking_code == code)).first() is None:
            return code


def _event(session: Session, case: Complaint, actor: Actor, action: str, from_status: str, to_status: str,
           note: str, *, public: bool) -> ComplaintEvent:
    e = ComplaintEvent(complaint_id=case.id, at=utcnow(), actor=actor.label[:120], action=action,
                       from_status=from_status, to_status=to_status, note=note[:5000], public=public)
    session.add(e)
    case.updated_at = e.at
    return e


def _notify(session: Session, case: Complaint, note: str) -> None:
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


# Workflow --------------------------------------------------------------------------------------

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


def _for_change(session: Session, complaint_id: int) -> Complaint:
    case = session.exec(select(Complaint).where(Complaint.id == complaint_id).with_for_update()).first()
    if case is None:
        raise NotFound(_("Không tìm thấy đơn"))
    return case


def transition(session: Session, *, principal: Principal, complaint_id: int, data: TransitionInput) -> Complaint:
    """Apply one workflow action. Not allowed from this status: 409; not for this role: 403;
    missing fields: 422. Nothing changes unless everything holds."""
    rule = TRANSITIONS.get(data.action)
    if rule is None:
        raise Invalid(_("Thao tác không hợp lệ: %s") % data.action, fields={"action": "unknown"})
    if not principal.can(rule.permission):
        raise Forbidden(_("Vai trò của bạn không được thực hiện thao tác này"))
    case = _for_change(session, complaint_id)
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
    _event(session, case, principal.actor, data.action, from_status, case.status, note, public=public)
    _refresh_due(session, case)
    if public:
        _notify(session, case, note)
    session.flush()
    audit.record(session, actor=principal.actor, action=f"complaint.{data.action}", entity_type="complaint",
                 entity_id=case.id, before=before, after={"status": case.status, "note": note})
    if case.status != from_status:
        _feed(session, case, "case.status", from_status)
        _touch_commitments(session, case)
    return case


def _touch_commitments(session: Session, case: Complaint) -> None:
    """A commitment linked to this case shows the case's status: API readers syncing
    dialogues by updated_since must see the change."""
    linked = select(CommitmentLink.commitment_id).where(CommitmentLink.complaint_id == case.id)
    session.execute(sa_update(Commitment).where(Commitment.id.in_(linked)).values(updated_at=utcnow()))


def _feed(session: Session, case: Complaint, type: str, from_status: str) -> None:
    """The change feed says what kind of case moved where: never who sent it nor its subject
    (which may name people), and only to readers of cases."""
    what = f"{KIND_LABELS[CaseKind(case.kind)].message} ({FIELD_LABELS[CaseField(case.field)].message})"
    moved = (f"{CASE_STATUS_LABELS[CaseStatus(from_status)].message} → " if from_status else "")
    events.record(session, type=type, entity="case", entity_id=case.id, audience=Audience.cases,
                  summary=f"{what}: {moved}{CASE_STATUS_LABELS[CaseStatus(case.status)].message}")


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
            _unpublish_if_protected(case)
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
        from app.accounts.auth import PERMISSIONS
        from app.models.user import StaffUser

        assignee = session.get(StaffUser, data.assignee_id)
        if assignee is None or not assignee.is_active or "complaint:handle" not in PERMISSIONS.get(assignee.role, ()):
            raise Invalid(_("Không tìm thấy cán bộ được giao"), fields={"assignee_id": "unknown"})
        case.assignee_id = assignee.id
        case.department = data.department or case.department
        if principal.user is not None and principal.user.role == Role.leader:
            case.resolver_id = principal.user.id

    @staticmethod
    def start(session, case, data, principal, today):
        if case.assignee_id is None and case.identity_protected:
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
        if case.kind != CaseKind.denunciation:
            raise Conflict(_("Chỉ gia hạn giải quyết tố cáo"))
        if case.extensions >= MAX_DENUNCIATION_EXTENSIONS:
            raise Conflict(_("Đã gia hạn tối đa hai lần"))
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


# Deadlines -------------------------------------------------------------------------------------

RESOLVING = {S.accepted, S.in_progress, S.suspended}


def deadlines(session: Session, case: Complaint) -> list[CaseDeadline]:
    """The deadlines that apply to the case now (the stage table of app/legal/deadlines.py)."""
    pauses = tuple(Pause(p.start, p.end) for p in session.exec(
        select(ComplaintPause).where(ComplaintPause.complaint_id == case.id)))
    return case_deadlines(case, pauses, case_clock(session))


def _refresh_due(session: Session, case: Complaint) -> None:
    session.flush()
    open_dates = [d.due_on for d in deadlines(session, case) if not d.met and d.due_on]
    case.due_on = min(open_dates) if open_dates else None


# Reading ---------------------------------------------------------------------------------------

@dataclass
class CaseView:
    """A case as one reader may see it: identity fields are REDACTED unless the law allows."""

    case: Complaint
    identity_visible: bool
    sender: dict[str, str] = field(default_factory=dict)


def identity_allowed(case: Complaint, principal: Principal) -> bool:
    """Who may see the sender. For denunciations: only the resolving leader and the assigned
    handler (before anyone is assigned, the ward's leaders, who must take it up)."""
    if not principal.can("complaint:read"):
        return False
    if not case.identity_protected:
        return True
    user = principal.user
    if user is None:
        return False  # integration tokens never see a denouncer
    if user.id in (case.assignee_id, case.resolver_id):
        return True
    return case.assignee_id is None and case.resolver_id is None and user.role == Role.leader


def mask_id(number: str) -> str:
    """An ID number as most readers see it: only the last 4 digits."""
    if not number:
        return ""
    return "•" * max(len(number) - 4, 0) + number[-4:]


def sender_fields(case: Complaint, principal: Principal) -> dict[str, str]:
    """The sender as an allowed reader sees them: the full ID number only for those who take in
    or handle cases; readers who only follow them (supervisors, read tokens) get its last 4 digits."""
    sender = {f: getattr(case, f) for f in IDENTITY_FIELDS}
    if not (principal.can("complaint:intake") or principal.can("complaint:handle")):
        sender["sender_id_number"] = mask_id(sender["sender_id_number"])
    return sender


def view(session: Session, *, principal: Principal, complaint_id: int, with_identity: bool = True) -> CaseView:
    """Read a case for staff; seeing a denouncer's identity is written to the audit log.
    `with_identity=False` for readers that never show it (the API): nothing is read, nothing logged."""
    if not principal.can("complaint:read"):
        raise Forbidden(_("Bạn không có quyền xem đơn"))
    case = session.get(Complaint, complaint_id)
    if case is None:
        raise NotFound(_("Không tìm thấy đơn"))
    allowed = with_identity and identity_allowed(case, principal)
    if allowed:
        sender = sender_fields(case, principal)
        if case.identity_protected and not case.anonymous:
            audit.record(session, actor=principal.actor, action="complaint.identity_view", entity_type="complaint",
                         entity_id=case.id)
    else:
        sender = {f: str(REDACTED) for f in IDENTITY_FIELDS}
    return CaseView(case=case, identity_visible=allowed, sender=sender)


def timeline(session: Session, complaint_id: int, *, public_only: bool) -> list[ComplaintEvent]:
    stmt = select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id)
    if public_only:
        stmt = stmt.where(ComplaintEvent.public.is_(True))
    return list(session.exec(stmt.order_by(ComplaintEvent.at, ComplaintEvent.id)))


def attachments(session: Session, complaint_id: int) -> list[ComplaintAttachment]:
    return list(session.exec(select(ComplaintAttachment).where(ComplaintAttachment.complaint_id == complaint_id)
                             .order_by(ComplaintAttachment.id)))


def by_tracking_code(session: Session, code: str) -> Complaint:
    """The case for a code, or 404 — the same answer for any unknown code."""
    case = session.exec(select(Complaint).where(Complaint.tracking_code == normalise_code(code))).first()
    if case is None:
        raise NotFound(_("Không tìm thấy đơn với mã này. Vui lòng kiểm tra lại mã tra cứu."))
    return case


PUBLIC_OUTCOME_STATUSES = {S.resolved, S.closed, S.guided, S.transferred, S.filed, S.refused}


def public_outcome(case: Complaint) -> dict | None:
    """What the tracking view may say about the outcome (no personal data: the case's own
    public summary, decision number, and for transfers the receiving body)."""
    if case.status not in PUBLIC_OUTCOME_STATUSES:
        return None
    return {
        "status": case.status,
        "decision_number": case.decision_number or None,
        "decided_on": case.decided_on,
        "summary": case.public_summary or None,
        "guidance_number": case.guidance_number or None,
        "transfer_body": case.transfer_body or None,
    }


# Questions on documents ------------------------------------------------------------------------

def _question_about(session: Session, data: CaseInput, disclosure_id: int | None) -> int | None:
    """A question about a disclosed document is a petition about a public one."""
    if disclosure_id is None:
        return None
    from app.models.disclosure import Disclosure

    d = session.get(Disclosure, disclosure_id)
    if d is None or d.published_at is None:
        raise Invalid(_("Không tìm thấy văn bản công khai được hỏi"), fields={"about": "not_found"})
    if data.kind != CaseKind.petition:
        raise Invalid(_("Câu hỏi về văn bản được gửi dưới dạng kiến nghị"), fields={"kind": "petition"})
    return d.id


class AnswerInput(InputModel):
    """The question and answer as published under the document: rewritten by staff for the
    public, without the sender's name or any personal data."""

    public_question: str = Field(min_length=10, max_length=5000)
    public_answer: str = Field(min_length=10, max_length=20_000)

    @field_validator("public_question", "public_answer", mode="before")
    @classmethod
    def _strip(cls, v):
        return v.strip() if isinstance(v, str) else v


def publish_answer(session: Session, *, principal: Principal, complaint_id: int, data: AnswerInput) -> Complaint:
    """Show the question and its answer under the document (or correct what is shown)."""
    if not principal.can("complaint:handle"):
        raise Forbidden(_("Bạn không có quyền xử lý đơn"))
    case = _for_change(session, complaint_id)
    if case.disclosure_id is None or case.identity_protected:
        raise Conflict(_("Đơn này không phải câu hỏi về một văn bản công khai"))
    before = {"public_question": case.public_question, "public_answer": case.public_answer,
              "published": case.answer_published_at is not None}
    first = case.answer_published_at is None
    case.public_question, case.public_answer = data.public_question, data.public_answer
    case.answer_published_at = case.answer_published_at or utcnow()
    case.updated_at = utcnow()
    session.add(case)
    audit.record(session, actor=principal.actor, action="complaint.answer_publish", entity_type="complaint",
                 entity_id=case.id, before=before, after={**data.model_dump(), "published": True})
    if first:
        from app.models.disclosure import Disclosure

        title = session.get(Disclosure, case.disclosure_id).title
        events.record(session, type="disclosure.answered", entity="disclosure", entity_id=case.disclosure_id,
                      summary=f"Trả lời câu hỏi về văn bản: {title}")
    return case


def withdraw_answer(session: Session, *, principal: Principal, complaint_id: int) -> Complaint:
    """Take the question and answer off the document's page (kept on the case and in the log)."""
    if not principal.can("complaint:handle"):
        raise Forbidden(_("Bạn không có quyền xử lý đơn"))
    case = _for_change(session, complaint_id)
    if case.answer_published_at is None:
        raise Conflict(_("Câu trả lời chưa được công khai"))
    case.answer_published_at = None
    case.updated_at = utcnow()
    session.add(case)
    audit.record(session, actor=principal.actor, action="complaint.answer_withdraw", entity_type="complaint",
                 entity_id=case.id)
    return case


def _unpublish_if_protected(case: Complaint) -> None:
    """A question that turns out to hold a denunciation leaves the document's page at once."""
    if case.identity_protected and case.answer_published_at is not None:
        case.answer_published_at = None


def answered_questions(session: Session, disclosure_id: int) -> list[Complaint]:
    """The published questions and answers under a document, oldest first."""
    return list(session.exec(select(Complaint).where(Complaint.disclosure_id == disclosure_id,
                                                     Complaint.answer_published_at.is_not(None),
                                                     Complaint.identity_protected.is_(False))
                             .order_by(Complaint.answer_published_at, Complaint.id).limit(200)))


# Satisfaction ----------------------------------------------------------------------------------

RATEABLE = {S.resolved, S.closed}


class RatingInput(InputModel):
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)
    rating_key: str = Field(default="", max_length=20, description="the rating key the sender was given at filing "
                                                                  "(and in the mail announcing the result)")


def can_rate(case: Complaint) -> bool:
    return case.status in RATEABLE and case.resolved_on is not None and case.satisfaction is None


def rate(session: Session, *, code: str, data: RatingInput, actor: Actor) -> Complaint:
    """The sender rates the answer, once, after resolution: the tracking code and the rating key."""
    case = by_tracking_code(session, code)
    case = _for_change(session, case.id)
    if case.status not in RATEABLE or case.resolved_on is None:
        raise Conflict(_("Chỉ đánh giá được sau khi đơn đã được giải quyết"))
    if case.satisfaction is not None:
        raise Conflict(_("Đơn này đã được đánh giá"))
    if not _same_key(data.rating_key, rating_key(session, case)):
        raise Invalid(_("Mã đánh giá không đúng. Mã này có trên trang xác nhận khi gửi đơn và trong thư báo kết quả."),
                      fields={"rating_key": "wrong"})
    case.satisfaction, case.satisfaction_comment = data.rating, data.comment.strip()
    case.rated_at = utcnow()
    session.flush()
    audit.record(session, actor=actor, action="complaint.rate", entity_type="complaint", entity_id=case.id,
                 after={"rating": data.rating})
    return case


# Mixed letters ---------------------------------------------------------------------------------

class SplitPart(InputModel):
    kind: CaseKind
    subject: str = Field(min_length=5, max_length=300)
    content: str = Field(min_length=10, max_length=20_000)


class SplitInput(InputModel):
    """How a mixed letter divides: the letter keeps the first part, each other part becomes a
    linked case (Circular 05/2021: classified by content, not by the title the sender wrote)."""

    parts: list[SplitPart] = Field(min_length=2, max_length=10)


SPLITTABLE = {S.received, S.classified}
COPIED_FIELDS = ("channel", "pakn_code", "external_ref", "anonymous", "identity_protected", *IDENTITY_FIELDS, "place_address", "latitude",
                 "longitude", "field", "received_on")


def split(session: Session, *, principal: Principal, complaint_id: int, data: SplitInput) -> list[Complaint]:
    """Split a mixed letter into linked cases with the same sender, date and files; each gets its
    own tracking code, workflow and deadlines. Returns the new cases."""
    if not principal.can("complaint:handle"):
        raise Forbidden(_("Vai trò của bạn không được thực hiện thao tác này"))
    case = _for_change(session, complaint_id)
    if case.status not in SPLITTABLE:
        raise Conflict(_("Chỉ tách được đơn chưa xử lý xong bước phân loại"))
    if case.anonymous and any(p.kind not in ANONYMOUS_ALLOWED for p in data.parts):
        raise Invalid(_("Đơn giấu tên không được phân loại là khiếu nại hoặc tố cáo"),
                      fields={"kind": "anonymous_not_allowed"})
    first, *others = data.parts
    before = {"kind": case.kind, "subject": case.subject}
    # A letter with any denunciation in it protects its sender in every part.
    case.identity_protected = case.identity_protected or any(p.kind == CaseKind.denunciation for p in data.parts)
    _unpublish_if_protected(case)
    case.kind, case.subject, case.content = first.kind.value, first.subject, first.content
    files_of_letter = attachments(session, case.id)
    created = []
    for part in others:
        new = Complaint(tracking_code=_unique_code(session), kind=part.kind.value, subject=part.subject,
                        content=part.content, source_id=case.id, **{f: getattr(case, f) for f in COPIED_FIELDS})
        session.add(new)
        session.flush()
        for a in files_of_letter:
            session.add(ComplaintAttachment(complaint_id=new.id, filename=a.filename, content_type=a.content_type,
                                            size=a.size, sha256=a.sha256))
        note = N_("Tách từ đơn %s").message % format_code(case.tracking_code)
        _event(session, new, principal.actor, "split", "", S.received, note, public=True)
        _refresh_due(session, new)
        _notify(session, new, note)
        created.append(new)
    codes = ", ".join(format_code(c.tracking_code) for c in created)
    note = N_("Đơn có nhiều nội dung, đã tách thành các đơn: %s").message % codes
    _event(session, case, principal.actor, "split", case.status, case.status, note, public=True)
    _refresh_due(session, case)
    _notify(session, case, note)
    session.flush()
    audit.record(session, actor=principal.actor, action="complaint.split", entity_type="complaint", entity_id=case.id,
                 before=before, after={"kind": case.kind, "new_cases": [c.id for c in created]})
    return created


def parts_of(session: Session, complaint_id: int) -> list[Complaint]:
    """The cases split from this letter."""
    return list(session.exec(select(Complaint).where(Complaint.source_id == complaint_id).order_by(Complaint.id)))
