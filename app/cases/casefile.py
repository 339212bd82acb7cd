"""The case as staff read it on its page: the case through `privacy.view()` (so the sender is
shown only to those the law allows, and each view of a denouncer is recorded), with what hangs
on it, read in one call so the door runs no query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from app.accounts.auth import Principal
from app.cases import periods, privacy, queries
from app.cases.privacy import CaseView
from app.core.errors import Forbidden, NotFound
from app.core.i18n import _
from app.dialogues import commitment_links
from app.legal.deadlines import CaseDeadline, Deadline
from app.models.complaint import Complaint, ComplaintAttachment, ComplaintEvent
from app.models.dialogue import Commitment
from app.models.disclosure import Disclosure
from app.models.reception import ReceptionVisit
from app.models.user import StaffUser


@dataclass
class CaseFile:
    cv: CaseView
    protected: bool  # privacy.is_protected: the denouncer's identity is kept secret
    deadlines: list[CaseDeadline]
    events: list[ComplaintEvent]
    attachments: list[ComplaintAttachment]  # empty when the reader may not see a protected case's files
    hidden_files: int
    names: dict[int, str]  # the assignee's and the resolver's names
    users: list[StaffUser]  # who may be assigned
    parts: list[Complaint]
    source: Complaint | None
    visit: ReceptionVisit | None
    commitments: list[Commitment]
    about: Disclosure | None
    limitation_ends: date | None  # a complaint's last day to complain, when it says the contested day
    appeal: Deadline | None  # a resolved complaint: the last day to complain again
    posted_until: date | None  # a denunciation's published conclusion: posted until

    @property
    def case(self) -> Complaint:
        return self.cv.case


def read(session: Session, *, principal: Principal, complaint_id: int) -> CaseFile:
    """Everything the staff case page shows. A protected case's files (scans of the letter carry
    the denouncer's identity) only for those who may see the identity: the others get their count."""
    cv = privacy.view(session, principal=principal, complaint_id=complaint_id)
    case = cv.case
    protected = privacy.is_protected(case)
    files_visible = cv.identity_visible or not protected
    all_files = queries.attachments(session, case)
    return CaseFile(
        cv=cv,
        protected=protected,
        deadlines=queries.deadlines(session, case),
        events=queries.timeline(session, case, public_only=False),
        attachments=all_files if files_visible else [],
        hidden_files=0 if files_visible else len(all_files),
        names=queries.staff_names(session, {case.assignee_id, case.resolver_id}),
        users=queries.assignable_users(session),
        parts=queries.parts_of(session, case),
        source=queries.get(session, case.source_id) if case.source_id else None,
        visit=session.exec(select(ReceptionVisit).where(ReceptionVisit.complaint_id == case.id)).first(),
        commitments=commitment_links.commitments_serving(session, complaint_id=case.id),
        about=session.get(Disclosure, case.disclosure_id) if case.disclosure_id else None,
        limitation_ends=periods.limitation_ends(session, case),
        appeal=periods.appeal_window(session, case),
        posted_until=periods.conclusion_posted_until(session, case),
    )


def staff_attachment(session: Session, *, principal: Principal, complaint_id: int,
                     attachment_id: int) -> ComplaintAttachment:
    """A case's file for staff. A protected case's files only for those who may see the
    identity; the view is audited."""
    cv = privacy.view(session, principal=principal, complaint_id=complaint_id)
    if privacy.is_protected(cv.case) and not cv.identity_visible:
        raise Forbidden(_("Tệp của đơn tố cáo được bảo mật"))
    att = queries.attachment(session, complaint_id, attachment_id)
    if att is None:
        raise NotFound(_("Không tìm thấy tệp đính kèm"))
    return att
