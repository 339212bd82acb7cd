"""Dialogues with residents (đối thoại) and what the ward promised at them: the dialogue, the
questions raised and the answers given, the commitments with their owner and due date, and
each commitment's dated progress. Nothing published is deleted; a correction is recorded."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime
from app.core.i18n import N_
from app.models.base import created_at_field, timestamp_field


class DialogueFormat(StrEnum):
    in_person = "in_person"
    online = "online"
    hybrid = "hybrid"


FORMAT_LABELS = {
    DialogueFormat.in_person: N_("Trực tiếp"),
    DialogueFormat.online: N_("Trực tuyến"),
    DialogueFormat.hybrid: N_("Trực tiếp kết hợp trực tuyến"),
}


class DialogueTrigger(StrEnum):
    annual_plan = "annual_plan"
    voter_request = "voter_request"  # requested by at least 10% of voters
    ad_hoc = "ad_hoc"


TRIGGER_LABELS = {
    DialogueTrigger.annual_plan: N_("Theo kế hoạch năm"),
    DialogueTrigger.voter_request: N_("Theo đề nghị của từ 10 phần trăm cử tri trở lên"),
    DialogueTrigger.ad_hoc: N_("Đột xuất"),
}


class DialogueStatus(StrEnum):
    planned = "planned"
    announced = "announced"
    held = "held"
    published = "published"


DIALOGUE_STATUS_LABELS = {
    DialogueStatus.planned: N_("Đã lên kế hoạch"),
    DialogueStatus.announced: N_("Đã thông báo"),
    DialogueStatus.held: N_("Đã tổ chức"),
    DialogueStatus.published: N_("Đã công bố kết quả"),
}

# Residents see a dialogue once it is announced.
PUBLIC_STATUSES = (DialogueStatus.announced, DialogueStatus.held, DialogueStatus.published)


class CommitmentStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


COMMITMENT_STATUS_LABELS = {
    CommitmentStatus.open: N_("Chưa thực hiện"),
    CommitmentStatus.in_progress: N_("Đang thực hiện"),
    CommitmentStatus.done: N_("Đã hoàn thành"),
    CommitmentStatus.dropped: N_("Không thực hiện"),
}
OPEN_COMMITMENT_STATUSES = (CommitmentStatus.open, CommitmentStatus.in_progress)


class Dialogue(SQLModel, table=True):
    __tablename__ = "dialogue"
    __table_args__ = (
        Index("ix_dialogue_status_starts", "status", "starts_at", "id"),
        Index("ix_dialogue_updated", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    topics: str = Field(sa_column=Column(Text, nullable=False))
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime | None = timestamp_field()
    place: str = Field(default="", max_length=300)
    online_url: str = Field(default="", max_length=500)
    format: str = Field(max_length=20)
    organised_with: str = Field(default="", max_length=500, description="the Fatherland Front and others")
    chair: str = Field(max_length=200)
    invited_groups: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    trigger: str = Field(max_length=20)
    status: str = Field(default=DialogueStatus.planned, max_length=20)
    announced_on: date | None = None
    # Days between the announcement (or the last change of time) and the dialogue: the notice
    # residents actually got, judged against the `dialogue.notice` rule.
    notice_days: int | None = None
    attendance: int | None = None
    minutes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    results_published_on: date | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class DialogueFile(SQLModel, table=True):
    """A stored file, by SHA-256 like every upload: the signed scan of the minutes
    (`commitment_update_id` empty) or a progress step's evidence."""

    __tablename__ = "dialogue_file"

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", index=True)
    commitment_update_id: int | None = Field(default=None, foreign_key="commitment_update.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = created_at_field()


class DialogueQuestion(SQLModel, table=True):
    __tablename__ = "dialogue_question"
    __table_args__ = (Index("ix_dialogue_question_dialogue", "dialogue_id", "position", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id")
    position: int
    # A residential group, an organisation, or a person who agreed to be named.
    asked_by: str = Field(max_length=200)
    content: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    answered_by: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()


class Commitment(SQLModel, table=True):
    __tablename__ = "commitment"
    __table_args__ = (
        Index("ix_commitment_status_due", "status", "due_on", "id"),
        Index("ix_commitment_dialogue", "dialogue_id", "id"),
        Index("ix_commitment_updated", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id")
    question_id: int | None = Field(default=None, foreign_key="dialogue_question.id")
    title: str = Field(max_length=300)
    owner_department: str = Field(max_length=200)
    due_on: date
    # The due date promised at the dialogue: a later correction moves `due_on`, never this, so
    # residents see that the date was moved.
    first_due_on: date | None = None
    status: str = Field(default=CommitmentStatus.open, max_length=20)
    drop_reason: str = Field(default="", max_length=1000)
    done_on: date | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class CommitmentUpdate(SQLModel, table=True):
    """A dated step of progress, shown to residents and sent to those who follow it."""

    __tablename__ = "commitment_update"
    __table_args__ = (Index("ix_commitment_update_commitment", "commitment_id", "on", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id")
    on: date
    note: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=20, description="the commitment's status after this step")
    actor: str = Field(max_length=120)
    created_at: datetime = created_at_field()


class CommitmentLink(SQLModel, table=True):
    """A commitment's link to a case or a disclosure that carries it out: exactly one of the two.
    A case or a disclosure is linked to a commitment at most once."""

    __tablename__ = "commitment_link"
    __table_args__ = (
        UniqueConstraint("commitment_id", "complaint_id", name="uq_commitment_link_case"),
        UniqueConstraint("commitment_id", "disclosure_id", name="uq_commitment_link_disclosure"),
        CheckConstraint("(complaint_id IS NULL) <> (disclosure_id IS NULL)", name="ck_commitment_link_one"),
        # The way back: a case's or a disclosure's page lists the commitments it serves.
        Index("ix_commitment_link_complaint", "complaint_id"),
        Index("ix_commitment_link_disclosure", "disclosure_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id")
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    disclosure_id: int | None = Field(default=None, foreign_key="disclosure.id")
    created_at: datetime = created_at_field()


class DialogueCorrection(SQLModel, table=True):
    """A change to published results: what it said before, who changed it and why."""

    __tablename__ = "dialogue_correction"
    __table_args__ = (Index("ix_dialogue_correction_dialogue", "dialogue_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id")
    entity: str = Field(max_length=40, description="dialogue, question or commitment, with its id")
    reason: str = Field(max_length=500)
    before: str = Field(sa_column=Column(Text, nullable=False))
    actor: str = Field(max_length=120)
    at: datetime = created_at_field()


class Follow(SQLModel, table=True):
    """A resident following a dialogue or one commitment by e-mail. Confirmed by a link before
    any update is sent; the links carry an HMAC of the row (no token is stored)."""

    __tablename__ = "dialogue_follow"
    __table_args__ = (
        Index("ix_dialogue_follow_dialogue", "dialogue_id", "confirmed_at"),
        Index("ix_dialogue_follow_commitment", "commitment_id", "confirmed_at"),
        Index("ix_dialogue_follow_email", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=200)
    dialogue_id: int | None = Field(default=None, foreign_key="dialogue.id")
    commitment_id: int | None = Field(default=None, foreign_key="commitment.id")
    confirmed_at: datetime | None = timestamp_field()
    unsubscribed_at: datetime | None = timestamp_field()
    created_at: datetime = created_at_field()
