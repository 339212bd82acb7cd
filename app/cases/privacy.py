"""The one rule for which cases the law keeps apart: a case that is, was, or came from a
denunciation. Its sender is protected as a denouncer (Art. 47–48 Law 25/2018): nothing of it
is listed (Open311, the open data), it is counted only among denunciations (/stats), and its
sender is shown only to those the law allows, each view recorded.

`identity_protected` is set when a case is filed as a denunciation, reclassified from one, or
split from a letter that held one, and is never cleared: so "was" and "came from" are kept
even after the kind changed.

Who may see a sender is decided here too, in `identity_allowed`: every staff reader of a case
goes through `view()`, which redacts a denouncer's identity for everyone but the resolving
leader and the assigned handler (Law on Denunciations Art. 56) and records each view of it in
the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, or_
from sqlmodel import Session

from app.accounts import audit
from app.accounts.auth import Principal
from app.core.errors import Forbidden, NotFound
from app.core.i18n import N_, _
from app.models.complaint import CaseKind, Complaint
from app.models.user import Role

DENUNCIATION = CaseKind.denunciation.value
REDACTED = N_("[bảo mật]")
IDENTITY_FIELDS = ("sender_name", "sender_address", "sender_phone", "sender_email", "sender_id_number")


def protected(kind: str | None, identity_protected: bool | None) -> bool:
    """Whether a case (its kind and flag; a reception visit's declared kind and its case's
    flag) is kept apart as a denunciation."""
    return kind == DENUNCIATION or bool(identity_protected)


def is_protected(case: Complaint) -> bool:
    return protected(case.kind, case.identity_protected)


def protected_clause():
    """`protected` in SQL, over `Complaint`."""
    return or_(Complaint.kind == DENUNCIATION, Complaint.identity_protected.is_(True))


def open_clause():
    """The cases not kept apart (the complement of `protected_clause`)."""
    return and_(Complaint.kind != DENUNCIATION, Complaint.identity_protected.is_(False))


# Who sees the sender ---------------------------------------------------------------------------

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
    if not is_protected(case):
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
        if is_protected(case) and not case.anonymous:
            audit.record(session, actor=principal.actor, action="complaint.identity_view", entity_type="complaint",
                         entity_id=case.id)
    else:
        sender = {f: str(REDACTED) for f in IDENTITY_FIELDS}
    return CaseView(case=case, identity_visible=allowed, sender=sender)
