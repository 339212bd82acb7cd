"""Links from a dialogue's commitment to the cases and disclosures that carry it out: a
petition handled as a case, the decision or plan published as a disclosure.

Residents see a linked disclosure (title and page) and a linked case only as its kind, field,
status and public summary (written for the public, without personal data): never its tracking
code (the sender's key to the case) nor anything about its sender. Only petitions and feedback
are linked: a complaint is one person's grievance, and a denouncer's case must never be pointed
at from a public page (a case reclassified later drops out of what residents see). Removing a link from published
results is a correction, recorded with its reason."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.auth import Principal
from app.cases import codes, views
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.i18n import _
from app.dialogues import service as dialogue_svc
from app.dialogues.commitments import get_commitment
from app.models.complaint import CaseKind, Complaint
from app.models.dialogue import Commitment, CommitmentLink, Dialogue, DialogueStatus
from app.models.disclosure import Disclosure

# "#12" or "12", or a page address ("/disclosures/12", "https://…/disclosures/12?version=2"):
# the number of a disclosure. Anything else ("15/QĐ-UBND") is a document number.
_DISCLOSURE_NUMBER = re.compile(r"^#?(\d{1,9})$")
_DISCLOSURE_URL = re.compile(r"/disclosures/(\d{1,9})(?:[/?#].*)?$")


# A petition or a feedback is about the neighbourhood; a complaint is one person's grievance
# and a denunciation protects its sender: neither is shown beside a public commitment.
LINKABLE_KINDS = (CaseKind.petition, CaseKind.feedback)

REF_MAX_LENGTH = 300  # what the link form takes: a tracking code, a page's address, a document's number


@dataclass(frozen=True)
class LinkView:
    """One link as a reader sees it."""

    id: int
    commitment_id: int
    case: Complaint | None = None
    disclosure: Disclosure | None = None


def _resolve_disclosure(session: Session, ref: str) -> Disclosure | None:
    """A disclosure's number or page address, or else its exact document number (if only one
    public disclosure carries it)."""
    m = _DISCLOSURE_NUMBER.match(ref) or _DISCLOSURE_URL.search(ref)
    if m:
        d = session.get(Disclosure, int(m.group(1)))
        return d if d is not None and d.published_at is not None else None
    found = list(session.exec(select(Disclosure).where(Disclosure.document_number == ref,
                                                       col(Disclosure.published_at).is_not(None)).limit(2)))
    return found[0] if len(found) == 1 else None


def _resolve_case(session: Session, ref: str) -> Complaint | None:
    code = codes.normalise_code(ref)
    if len(code) != codes.CODE_LENGTH:
        return None
    return session.exec(select(Complaint).where(Complaint.tracking_code == code)).first()


def link(session: Session, *, principal: Principal, commitment_id: int, ref: str) -> CommitmentLink:
    """Link a commitment to what `ref` names: a case's tracking code, or a published
    disclosure's number, page address or document number."""
    dialogue_svc.require_manager(principal)
    c = get_commitment(session, commitment_id)
    ref = (ref or "").strip()
    if not ref:
        raise Invalid(_("Nhập mã hồ sơ hoặc số, địa chỉ của văn bản công khai"), fields={"ref": "required"})
    target: dict[str, Any] = {}  # complaint_id or disclosure_id, passed on to CommitmentLink
    case = _resolve_case(session, ref)
    if case is not None:
        if not principal.can("complaint:read"):
            raise Forbidden(_("Bạn không có quyền xem hồ sơ đơn thư"))
        if case.identity_protected:
            raise Invalid(_("Không gắn đơn tố cáo vào cam kết công khai (bảo vệ người tố cáo)"),
                          fields={"ref": "protected"})
        if case.kind not in LINKABLE_KINDS:
            raise Invalid(_("Chỉ gắn được đơn kiến nghị, phản ánh: khiếu nại là việc riêng của người khiếu nại"),
                          fields={"ref": "kind"})
        target = {"complaint_id": case.id}
    else:
        disclosure = _resolve_disclosure(session, ref[:REF_MAX_LENGTH])
        if disclosure is None:
            raise Invalid(_("Không tìm thấy hồ sơ (mã tra cứu) hoặc văn bản công khai nào ứng với nội dung đã nhập"),
                          fields={"ref": "not_found"})
        target = {"disclosure_id": disclosure.id}
    if session.exec(select(CommitmentLink.id).where(CommitmentLink.commitment_id == c.id,
                                                    *[getattr(CommitmentLink, k) == v for k, v in target.items()])
                    ).first() is not None:
        raise Conflict(_("Cam kết đã được gắn với mục này"))
    assert c.id is not None  # a stored row
    row = CommitmentLink(commitment_id=c.id, **target)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same link saved at the same moment by someone else
        raise Conflict(_("Cam kết đã được gắn với mục này")) from None
    _changed(session, c)
    audit.record(session, actor=principal.actor, action="commitment.link", entity_type="commitment",
                 entity_id=c.id, after=target)
    return row


def own_link(session: Session, commitment_id: int, link_id: int) -> CommitmentLink:
    """The link a form names, if it is this commitment's."""
    row = session.get(CommitmentLink, link_id)
    if row is None or row.commitment_id != commitment_id:
        raise Invalid(_("Liên kết không thuộc cam kết này"), fields={"link_id": "other"})
    return row


def unlink(session: Session, *, principal: Principal, link_id: int, reason: str = "") -> None:
    dialogue_svc.require_manager(principal)
    row = session.get(CommitmentLink, link_id)
    if row is None:
        raise NotFound(_("Không tìm thấy liên kết"))
    c = get_commitment(session, row.commitment_id)
    dialogue = dialogue_svc.get(session, c.dialogue_id)
    reason = dialogue_svc.correction_reason(dialogue, reason)
    target = {k: v for k in ("complaint_id", "disclosure_id") if (v := getattr(row, k)) is not None}
    if dialogue.status == DialogueStatus.published:
        dialogue_svc.record_correction(session, principal, dialogue, f"commitment:{c.id}", {"link": target}, reason)
    session.delete(row)
    _changed(session, c)
    audit.record(session, actor=principal.actor, action="commitment.unlink", entity_type="commitment",
                 entity_id=c.id, before=target)


def _changed(session: Session, c: Commitment) -> None:
    """A link is part of the published results: API readers syncing by updated_since see it."""
    dialogue_svc.touch(session, c)


def links_of(session: Session, commitment_ids: list[int]) -> dict[int, list[LinkView]]:
    """Every link of these commitments with its case or disclosure, in one query."""
    out: dict[int, list[LinkView]] = defaultdict(list)
    if not commitment_ids:
        return out
    stmt = (select(CommitmentLink, Complaint, Disclosure)
            .outerjoin(Complaint, col(Complaint.id) == col(CommitmentLink.complaint_id))
            .outerjoin(Disclosure, col(Disclosure.id) == col(CommitmentLink.disclosure_id))
            .where(col(CommitmentLink.commitment_id).in_(commitment_ids))
            .order_by(col(CommitmentLink.commitment_id), col(CommitmentLink.id)))
    for lk, case, disclosure in session.exec(stmt):
        assert lk.id is not None  # a stored row
        out[lk.commitment_id].append(LinkView(lk.id, lk.commitment_id, case, disclosure))
    return out


@dataclass(frozen=True)
class PublicCase:
    """A linked case as residents see it: no tracking code, no sender, no subject (it may name
    people); the outcome summary only once there is one, written for the public."""

    kind: str
    field: str
    status: str
    summary: str


@dataclass(frozen=True)
class PublicLinks:
    disclosures: list[Disclosure]
    cases: list[PublicCase]


def public_links(links: list[LinkView]) -> PublicLinks:
    """What residents may see: public disclosures, and cases whose sender is not protected (a
    case reclassified as a denunciation after it was linked drops out)."""
    disclosures = [lk.disclosure for lk in links if lk.disclosure is not None and lk.disclosure.published_at]
    cases = []
    for lk in links:
        if lk.case is None or lk.case.identity_protected or lk.case.kind not in LINKABLE_KINDS:
            continue
        outcome = views.public_outcome(lk.case) or {}
        cases.append(PublicCase(lk.case.kind, lk.case.field, lk.case.status, outcome.get("summary") or ""))
    return PublicLinks(disclosures, cases)


def commitments_serving(session: Session, *, complaint_id: int | None = None,
                        disclosure_id: int | None = None, public_only: bool = False) -> list[Commitment]:
    """The way back: the commitments a case or a disclosure carries out (of published
    dialogues only, for the public)."""
    stmt = (select(Commitment).join(CommitmentLink, col(CommitmentLink.commitment_id) == col(Commitment.id))
            .join(Dialogue, col(Dialogue.id) == col(Commitment.dialogue_id)).order_by(col(Commitment.id)))
    if complaint_id is not None:
        stmt = stmt.where(CommitmentLink.complaint_id == complaint_id)
    else:
        stmt = stmt.where(CommitmentLink.disclosure_id == disclosure_id)
    if public_only:
        stmt = stmt.where(Dialogue.status == DialogueStatus.published)
    return list(session.exec(stmt))
