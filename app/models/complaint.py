"""Cases (đơn): complaints, denunciations, petitions and feedback, with their timeline,
suspensions and files. The sender's identity lives on the case row; who may see it is decided
in app/cases/privacy.py, never in a template or a route."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime
from app.core.i18n import N_
from app.models.base import created_at_field


class CaseKind(StrEnum):
    complaint = "complaint"
    denunciation = "denunciation"
    petition = "petition"
    feedback = "feedback"


KIND_LABELS = {
    CaseKind.complaint: N_("Khiếu nại"),
    CaseKind.denunciation: N_("Tố cáo"),
    CaseKind.petition: N_("Kiến nghị"),
    CaseKind.feedback: N_("Phản ánh"),
}

# Anonymous letters are accepted only for these (Art. 25 Law on Denunciations; Circular 05/2021).
ANONYMOUS_ALLOWED = frozenset({CaseKind.petition, CaseKind.feedback})


class Channel(StrEnum):
    web = "web"
    walk_in = "walk_in"
    post = "post"
    phone = "phone"
    transfer = "transfer"
    national_portal = "national_portal"


CHANNEL_LABELS = {
    Channel.web: N_("Trực tuyến"),
    Channel.walk_in: N_("Trực tiếp tại nơi tiếp công dân"),
    Channel.post: N_("Qua bưu chính"),
    Channel.phone: N_("Qua điện thoại"),
    Channel.transfer: N_("Cơ quan khác chuyển đến"),
    Channel.national_portal: N_("Cổng dịch vụ công quốc gia"),
}


class CaseField(StrEnum):
    land = "land"
    construction = "construction"
    environment = "environment"
    urban_order = "urban_order"
    social_policy = "social_policy"
    administrative_procedures = "administrative_procedures"
    other = "other"


FIELD_LABELS = {
    CaseField.land: N_("Đất đai"),
    CaseField.construction: N_("Xây dựng"),
    CaseField.environment: N_("Môi trường"),
    CaseField.urban_order: N_("Trật tự đô thị"),
    CaseField.social_policy: N_("Chính sách xã hội"),
    CaseField.administrative_procedures: N_("Thủ tục hành chính"),
    CaseField.other: N_("Lĩnh vực khác"),
}


class CaseStatus(StrEnum):
    received = "received"
    classified = "classified"
    accepted = "accepted"
    guided = "guided"
    transferred = "transferred"
    filed = "filed"
    refused = "refused"
    in_progress = "in_progress"
    suspended = "suspended"
    resolved = "resolved"
    # Ended by decision without a resolution (đình chỉ: the letter withdrawn, the denounced person
    # deceased, ...: Art. 10 Law 02/2011, Art. 34 Law 25/2018).
    terminated = "terminated"
    closed = "closed"


CASE_STATUS_LABELS = {
    CaseStatus.received: N_("Đã tiếp nhận"),
    CaseStatus.classified: N_("Đã phân loại"),
    CaseStatus.accepted: N_("Đã thụ lý"),
    CaseStatus.guided: N_("Đã hướng dẫn"),
    CaseStatus.transferred: N_("Đã chuyển đơn"),
    CaseStatus.filed: N_("Đã lưu đơn"),
    CaseStatus.refused: N_("Không thụ lý"),
    CaseStatus.in_progress: N_("Đang giải quyết"),
    CaseStatus.suspended: N_("Tạm đình chỉ"),
    CaseStatus.resolved: N_("Đã giải quyết"),
    CaseStatus.terminated: N_("Đình chỉ giải quyết"),
    CaseStatus.closed: N_("Đã kết thúc"),
}


class Complaint(SQLModel, table=True):
    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_status_received", "status", "received_on", "id"),
        Index("ix_complaint_kind_status", "kind", "status"),
        Index("ix_complaint_updated", "updated_at", "id"),
        Index("ix_complaint_due", "due_on", "id"),
        Index("ix_complaint_disclosure", "disclosure_id", "answer_published_at"),
        # The inbox's department list and its dashboard's counts (migration 0015).
        Index("ix_complaint_department", "department"),
        Index("ix_complaint_status", "status"),
        # Proposals awaiting the leader's decision (the inbox's filter and count; migration 0016).
        Index("ix_complaint_proposed", "proposed_action"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_code: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    kind: str = Field(max_length=20)
    channel: str = Field(max_length=20)
    pakn_code: str = Field(default="", max_length=40, description="national public-service portal code")
    external_ref: str = Field(default="", max_length=100, description="the sending body's reference")
    source_id: int | None = Field(default=None, foreign_key="complaint.id", description="the letter it was split from")

    anonymous: bool = False
    # Once a case is (or was, or came from) a denunciation, its sender stays protected for good:
    # reclassifying or splitting it must not unmask the denouncer (Law on Denunciations Art. 56).
    identity_protected: bool = False
    sender_name: str = Field(default="", max_length=200)
    sender_address: str = Field(default="", max_length=300)
    sender_phone: str = Field(default="", max_length=30)
    sender_email: str = Field(default="", max_length=200)
    sender_id_number: str = Field(default="", max_length=20)

    subject: str = Field(max_length=300)
    content: str = Field(sa_type=Text)
    place_address: str = Field(default="", max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    field: str = Field(default=CaseField.other, max_length=40)

    department: str = Field(default="", max_length=120)
    assignee_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    resolver_id: int | None = Field(default=None, foreign_key="staff_user.id")
    status: str = Field(default=CaseStatus.received, max_length=20)
    complex: bool = False
    remote: bool = False
    # A denunciation checked in several places (Art. 24(1) Law 25/2018: 10 working days, not 7),
    # and one found especially complex (Decree 31/2019 Art. 3: a second extension is allowed).
    several_places: bool = False
    especially_complex: bool = False
    extensions: int = 0
    received_on: date
    # The day of the acceptance decision (thụ lý) and its number: the resolution clock runs from it.
    accepted_on: date | None = None
    acceptance_number: str = Field(default="", max_length=100)
    resolved_on: date | None = None
    # A step an officer prepared for the leader to decide (accept, suspend, resume, terminate, extend).
    proposed_action: str = Field(default="", max_length=20)
    # A complaint's limitation (Art. 9 Law 02/2011): the day the complainant received or learned of
    # the decision or act complained of, and why a complaint after the period is still accepted.
    contested_on: date | None = None
    late_reason: str = Field(default="", sa_type=Text)
    # Duties after a decision: the denouncer told of the acceptance (Art. 29(3) Law 25/2018), the
    # complaint decision sent (Art. 32 Law 02/2011), a denunciation's conclusion published (Art. 40).
    notified_on: date | None = None
    decision_sent_on: date | None = None
    conclusion_published_on: date | None = None
    # A complaint whose verification differs from the request needs a dialogue (Art. 30 Law 02/2011).
    verification_differs: bool = False
    dialogue_held_on: date | None = None
    # The nearest open deadline, kept up to date by the service: the inbox sorts on it.
    due_on: date | None = None

    decision_number: str = Field(default="", max_length=100)
    decided_on: date | None = None
    result: str = Field(default="", sa_type=Text)
    public_summary: str = Field(default="", sa_type=Text)
    guidance_number: str = Field(default="", max_length=100)
    transfer_body: str = Field(default="", max_length=200)
    transfer_number: str = Field(default="", max_length=100)
    reason: str = Field(default="", sa_type=Text)

    # A resident's question about a disclosed document ("Hỏi về văn bản này"): a petition linked
    # to it. Once answered, staff may publish a question and answer written for the public (no
    # personal data) under the document.
    disclosure_id: int | None = Field(default=None, foreign_key="disclosure.id")
    public_question: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    public_answer: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    answer_published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))

    # The sender's rating of the answer (1–5), given once after resolution.
    satisfaction: int | None = None
    satisfaction_comment: str = Field(default="", sa_type=Text)
    rated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))

    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ComplaintEvent(SQLModel, table=True):
    """One step of a case's timeline. `public` entries are shown on the tracking page."""

    __tablename__ = "complaint_event"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor: str = Field(max_length=120)
    action: str = Field(max_length=30)
    from_status: str = Field(default="", max_length=20)
    to_status: str = Field(max_length=20)
    note: str = Field(default="", sa_type=Text)
    public: bool = False
    # A step taken by decision (accept, suspend, resume, terminate, extend, resolve): its number and date.
    decision_number: str = Field(default="", max_length=100)
    decided_on: date | None = None


class ComplaintPause(SQLModel, table=True):
    """A suspension: from `start` to `end` (both included) the deadlines do not run."""

    __tablename__ = "complaint_pause"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    start: date
    end: date | None = None


class ComplaintAttachment(SQLModel, table=True):
    __tablename__ = "complaint_attachment"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = created_at_field()

# The stages of a case's deadlines (app/legal/deadlines.py `Stage`).
STAGE_LABELS = {
    "processing": N_("Xử lý đơn (phân loại, thụ lý hoặc hướng dẫn, chuyển đơn)"),
    "acceptance": N_("Thụ lý giải quyết"),
    "resolution": N_("Giải quyết"),
    "notification": N_("Thông báo kết quả"),
    "transfer": N_("Chuyển đơn"),
    "extension": N_("Gia hạn giải quyết"),
    "acceptance_notice": N_("Thông báo thụ lý cho người tố cáo"),
    "decision_delivery": N_("Gửi quyết định giải quyết khiếu nại"),
    "conclusion_publication": N_("Công khai kết luận nội dung tố cáo"),
    "conclusion_posting": N_("Niêm yết kết luận nội dung tố cáo"),
    "limitation": N_("Thời hiệu khiếu nại"),
    "appeal": N_("Thời hạn khiếu nại lần hai"),
}


def format_code(code: str) -> str:
    """A tracking code as it is shown and read aloud: groups of 4-4-5 (app/cases/codes.py)."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
