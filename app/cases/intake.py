"""Intake: a letter as filed by a resident (the web form, the public API) or entered by staff
for a walk-in, post or phone sender, a case transferred by another body or from the national
portal. Filing gives the case its tracking code, its files, a first public step and its
deadlines; classification is the workflow's first action (app/cases/workflow.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from pydantic import Field, field_validator, model_validator
from sqlmodel import Session

from app.accounts import audit
from app.accounts.audit import Actor
from app.accounts.auth import Principal
from app.cases.codes import unique_code
from app.cases.privacy import IDENTITY_FIELDS
from app.cases.questions import question_about
from app.cases.trail import feed, notify_sender, record_step, refresh_due
from app.core import files
from app.core.errors import Forbidden, Invalid
from app.core.files import FileStore, Upload
from app.core.i18n import N_, _
from app.core.timeutil import local_today
from app.core.validation import InputModel, check_date_range, limit, register_limits
from app.models.complaint import (
    ANONYMOUS_ALLOWED,
    CaseField,
    CaseKind,
    CaseStatus,
    Channel,
    Complaint,
    ComplaintAttachment,
)

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{8,20}$")
_ID_NUMBER = re.compile(r"^([0-9]{9}|[0-9]{12}|[A-Z][0-9]{7,8})$")


def id_number(value: str) -> str:
    """A citizen ID (12 digits), an old ID card (9) or a passport number, spaces removed."""
    value = value.replace(" ", "").upper()
    if value and not _ID_NUMBER.match(value):
        raise ValueError("id_number_invalid")
    return value


# A letter's text (a Text column: the limit is the input's, written once here).
CONTENT_MAX_LENGTH = 20_000


class CaseInput(InputModel):
    """A letter as filed by a resident (web, API) or entered by staff for them."""

    kind: CaseKind
    subject: str = Field(min_length=5, max_length=limit(Complaint, "subject"))
    content: str = Field(min_length=10, max_length=CONTENT_MAX_LENGTH)
    field: CaseField = CaseField.other
    address: str = Field(default="", max_length=limit(Complaint, "place_address"), description="where it happens")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    anonymous: bool = False
    sender_name: str = Field(default="", max_length=limit(Complaint, "sender_name"))
    sender_address: str = Field(default="", max_length=limit(Complaint, "sender_address"))
    sender_phone: str = Field(default="", max_length=limit(Complaint, "sender_phone"))
    sender_email: str = Field(default="", max_length=limit(Complaint, "sender_email"))
    sender_id_number: str = Field(default="", max_length=limit(Complaint, "sender_id_number"))
    contested_on: date | None = Field(default=None, description="a complaint: the day the sender received or "
                                      "learned of the decision or act complained of (90-day limit, Art. 9 Law 02/2011)")

    _contested_on = field_validator("contested_on")(lambda cls, v: check_date_range(v))

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


register_limits("case", CaseInput)
register_limits("complaint", Complaint)  # what staff enter besides the letter (PAKN code, reference, department)


def file_case(session: Session, *, data: CaseInput, channel: str, actor: Actor, uploads: Sequence[Upload] = (),
              store: FileStore | None = None, principal: Principal | None = None, pakn_code: str = "",
              external_ref: str = "", received_on: date | None = None, disclosure_id: int | None = None) -> Complaint:
    """Register a letter: a case with a fresh tracking code, its files and a first public step.
    Staff entering a letter for a walk-in, post or phone sender pass their `principal`."""
    channel = Channel(channel).value
    if channel != Channel.web and (principal is None or not principal.can("complaint:intake")):
        raise Forbidden(_("Chỉ cán bộ được nhập đơn thay người gửi"))
    if uploads and store is None:
        raise ValueError("file_case: files need the file store")  # a caller's mistake, not the sender's
    for u in uploads:
        assert store is not None
        files.check(data=u.data, filename=u.filename, max_bytes=store.max_bytes)
    today = local_today()
    received_on = check_date_range(received_on) or today
    if received_on > today:
        raise Invalid(_("Ngày nhận không được ở tương lai"), fields={"received_on": "future"})
    if data.contested_on is not None and data.contested_on > received_on:
        raise Invalid(_("Ngày nhận hoặc biết quyết định bị khiếu nại không được sau ngày gửi đơn"),
                      fields={"contested_on": "after_received"})
    case = Complaint(
        tracking_code=unique_code(session), kind=data.kind.value, channel=channel, pakn_code=pakn_code[:40],
        external_ref=external_ref[:100], anonymous=data.anonymous, sender_name=data.sender_name,
        sender_address=data.sender_address, sender_phone=data.sender_phone, sender_email=data.sender_email,
        sender_id_number=data.sender_id_number, subject=data.subject, content=data.content,
        place_address=data.address, latitude=data.latitude, longitude=data.longitude, field=data.field.value,
        received_on=received_on, identity_protected=data.kind == CaseKind.denunciation,
        disclosure_id=question_about(session, data.kind, disclosure_id),
        contested_on=data.contested_on if data.kind == CaseKind.complaint else None,
    )
    session.add(case)
    session.flush()
    for u in uploads:
        assert store is not None and case.id is not None
        stored = files.store(store.directory, data=u.data, filename=u.filename, max_bytes=store.max_bytes)
        session.add(ComplaintAttachment(complaint_id=case.id, filename=stored.filename,
                                        content_type=stored.content_type, size=stored.size, sha256=stored.sha256))
    record_step(session, case, actor, "receive", "", CaseStatus.received, N_("Đã tiếp nhận đơn").message, public=True)
    refresh_due(session, case)
    notify_sender(session, case, "")
    # The audit row names the case, never the sender: the log is read by people the law excludes.
    audit.record(session, actor=actor, action="complaint.receive", entity_type="complaint", entity_id=case.id,
                 after={"kind": case.kind, "channel": channel, "field": case.field, "anonymous": case.anonymous,
                        "attachments": len(uploads)})
    feed(session, case, "case.received", "")
    return case
