"""Mixed letters: a letter that holds several matters is split into linked cases, each
classified by its content (Circular 05/2021), not by the title the sender wrote. Every part
keeps the sender, the date and the files, and gets its own tracking code, workflow and
deadlines; a letter with any denunciation in it protects its sender in every part."""

from __future__ import annotations

from pydantic import Field
from sqlmodel import Session

from app.accounts import audit
from app.accounts.auth import Principal
from app.cases.codes import format_code, unique_code
from app.cases.intake import CONTENT_MAX_LENGTH
from app.cases.privacy import IDENTITY_FIELDS
from app.cases.queries import attachments, for_change
from app.cases.questions import unpublish_if_protected
from app.cases.trail import notify_sender, record_step, refresh_due
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.i18n import N_, _
from app.core.validation import InputModel, limit, register_limits
from app.models.complaint import ANONYMOUS_ALLOWED, CaseKind, CaseStatus, Complaint, ComplaintAttachment


class SplitPart(InputModel):
    kind: CaseKind
    subject: str = Field(min_length=5, max_length=limit(Complaint, "subject"))
    content: str = Field(min_length=10, max_length=CONTENT_MAX_LENGTH)


register_limits("split_part", SplitPart)


class SplitInput(InputModel):
    """How a mixed letter divides: the letter keeps the first part, each other part becomes a
    linked case (Circular 05/2021: classified by content, not by the title the sender wrote)."""

    parts: list[SplitPart] = Field(min_length=2, max_length=10)


SPLITTABLE = {CaseStatus.received, CaseStatus.classified}
COPIED_FIELDS = ("channel", "pakn_code", "external_ref", "anonymous", "identity_protected", *IDENTITY_FIELDS,
                 "place_address", "latitude", "longitude", "field", "received_on")


def can_split(principal: Principal, case: Complaint) -> bool:
    """Whether this actor may split the letter now (not once it is past classification)."""
    return case.status in SPLITTABLE and principal.can("complaint:handle")


def split(session: Session, *, principal: Principal, complaint_id: int, data: SplitInput) -> list[Complaint]:
    """Split a mixed letter into linked cases with the same sender, date and files; each gets its
    own tracking code, workflow and deadlines. Returns the new cases."""
    if not principal.can("complaint:handle"):
        raise Forbidden(_("Vai trò của bạn không được thực hiện thao tác này"))
    case = for_change(session, complaint_id)
    if case.status not in SPLITTABLE:
        raise Conflict(_("Chỉ tách được đơn chưa xử lý xong bước phân loại"))
    if case.anonymous and any(p.kind not in ANONYMOUS_ALLOWED for p in data.parts):
        raise Invalid(_("Đơn giấu tên không được phân loại là khiếu nại hoặc tố cáo"),
                      fields={"kind": "anonymous_not_allowed"})
    first, *others = data.parts
    before = {"kind": case.kind, "subject": case.subject}
    # A letter with any denunciation in it protects its sender in every part.
    case.identity_protected = case.identity_protected or any(p.kind == CaseKind.denunciation for p in data.parts)
    unpublish_if_protected(case)
    case.kind, case.subject, case.content = first.kind.value, first.subject, first.content
    files_of_letter = attachments(session, case)
    created = []
    for part in others:
        new = Complaint(tracking_code=unique_code(session), kind=part.kind.value, subject=part.subject,
                        content=part.content, source_id=case.id, **{f: getattr(case, f) for f in COPIED_FIELDS})
        session.add(new)
        session.flush()
        assert new.id is not None
        for a in files_of_letter:
            session.add(ComplaintAttachment(complaint_id=new.id, filename=a.filename, content_type=a.content_type,
                                            size=a.size, sha256=a.sha256))
        note = N_("Tách từ đơn %s").message % format_code(case.tracking_code)
        record_step(session, new, principal.actor, "split", "", CaseStatus.received, note, public=True)
        refresh_due(session, new)
        notify_sender(session, new, note)
        created.append(new)
    codes = ", ".join(format_code(c.tracking_code) for c in created)
    note = N_("Đơn có nhiều nội dung, đã tách thành các đơn: %s").message % codes
    record_step(session, case, principal.actor, "split", case.status, case.status, note, public=True)
    refresh_due(session, case)
    notify_sender(session, case, note)
    session.flush()
    audit.record(session, actor=principal.actor, action="complaint.split", entity_type="complaint", entity_id=case.id,
                 before=before, after={"kind": case.kind, "new_cases": [c.id for c in created]})
    return created
