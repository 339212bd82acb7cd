"""Questions on disclosed documents ("Hỏi về văn bản này"): a resident's question about a
public document is filed as a petition about it; staff may publish the question and its answer,
rewritten for the public, under the document. A question that turns out to hold a denunciation
is never shown there."""

from __future__ import annotations

from pydantic import Field, field_validator
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.auth import Principal
from app.cases.privacy import is_protected, open_clause
from app.cases.queries import for_change
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.i18n import _
from app.core.validation import InputModel, register_limits
from app.integration import events
from app.models.complaint import CaseKind, Complaint
from app.models.disclosure import Disclosure


def public_document(session: Session, disclosure_id: int) -> Disclosure | None:
    """The published disclosure a question may be about (None if there is none)."""
    d = session.get(Disclosure, disclosure_id)
    return d if d is not None and d.published_at is not None else None


def question_about(session: Session, kind: CaseKind, disclosure_id: int | None) -> int | None:
    """The document a letter being filed asks about: a question about a disclosed document is a
    petition about a public one."""
    if disclosure_id is None:
        return None
    d = public_document(session, disclosure_id)
    if d is None:
        raise Invalid(_("Không tìm thấy văn bản công khai được hỏi"), fields={"about": "not_found"})
    if kind != CaseKind.petition:
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


register_limits("answer", AnswerInput)


def publish_answer(session: Session, *, principal: Principal, complaint_id: int, data: AnswerInput) -> Complaint:
    """Show the question and its answer under the document (or correct what is shown)."""
    if not principal.can("complaint:handle"):
        raise Forbidden(_("Bạn không có quyền xử lý đơn"))
    case = for_change(session, complaint_id)
    if case.disclosure_id is None or is_protected(case):
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
        document = session.get(Disclosure, case.disclosure_id)
        title = document.title if document else ""
        events.record(session, type="disclosure.answered", entity="disclosure", entity_id=case.disclosure_id,
                      summary=f"Trả lời câu hỏi về văn bản: {title}")
    return case


def withdraw_answer(session: Session, *, principal: Principal, complaint_id: int) -> Complaint:
    """Take the question and answer off the document's page (kept on the case and in the log)."""
    if not principal.can("complaint:handle"):
        raise Forbidden(_("Bạn không có quyền xử lý đơn"))
    case = for_change(session, complaint_id)
    if case.answer_published_at is None:
        raise Conflict(_("Câu trả lời chưa được công khai"))
    case.answer_published_at = None
    case.updated_at = utcnow()
    session.add(case)
    audit.record(session, actor=principal.actor, action="complaint.answer_withdraw", entity_type="complaint",
                 entity_id=case.id)
    return case


def unpublish_if_protected(case: Complaint) -> None:
    """A question that turns out to hold a denunciation leaves the document's page at once."""
    if is_protected(case) and case.answer_published_at is not None:
        case.answer_published_at = None


def answered_questions(session: Session, disclosure_id: int) -> list[Complaint]:
    """The published questions and answers under a document, oldest first."""
    return list(session.exec(select(Complaint).where(Complaint.disclosure_id == disclosure_id,
                                                     col(Complaint.answer_published_at).is_not(None),
                                                     open_clause())
                             .order_by(col(Complaint.answer_published_at), col(Complaint.id)).limit(200)))
