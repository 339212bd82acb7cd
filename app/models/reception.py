"""Citizen reception (tiếp công dân): the recurring schedule, the sessions it produces, and the
register of visits (sổ tiếp công dân, form 03 of Circular 04/2021/TT-TTCP).

A visitor's identity lives on the visit row; who may see it is decided in
app/reception/identity.py, never in a template or a route."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime
from app.core.i18n import N_
from app.models.base import created_at_field, timestamp_field


class HostRole(StrEnum):
    chairman = "chairman"
    deputy = "deputy"
    officer = "officer"


HOST_ROLE_LABELS = {
    HostRole.chairman: N_("Chủ tịch UBND phường"),
    HostRole.deputy: N_("Phó Chủ tịch UBND phường"),
    HostRole.officer: N_("Công chức tiếp công dân"),
}


class SessionType(StrEnum):
    regular = "regular"  # staff receiving citizens on working days
    periodic = "periodic"  # the chairman's required periodic day (Art. 15 Law 42/2013)
    ad_hoc = "ad_hoc"  # an unscheduled session (đột xuất)


SESSION_TYPE_LABELS = {
    SessionType.regular: N_("Tiếp thường xuyên"),
    SessionType.periodic: N_("Tiếp định kỳ của Chủ tịch"),
    SessionType.ad_hoc: N_("Tiếp đột xuất"),
}


class SessionStatus(StrEnum):
    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"


SESSION_STATUS_LABELS = {
    SessionStatus.scheduled: N_("Đã lên lịch"),
    SessionStatus.held: N_("Đã tiếp"),
    SessionStatus.cancelled: N_("Đã hủy"),
}


class VisitOutcome(StrEnum):
    accepted = "accepted"  # the letter is taken in (column 8): a walk-in case is opened
    guided = "guided"  # returned and guided to the competent body (column 9)
    transferred = "transferred"  # sent on to the competent body (column 10)
    refused = "refused"  # refused under Art. 9 Law 42/2013
    recorded = "recorded"  # heard and noted, nothing to take further


OUTCOME_LABELS = {
    VisitOutcome.accepted: N_("Tiếp nhận đơn"),
    VisitOutcome.guided: N_("Trả lại đơn và hướng dẫn"),
    VisitOutcome.transferred: N_("Chuyển đơn"),
    VisitOutcome.refused: N_("Từ chối tiếp"),
    VisitOutcome.recorded: N_("Ghi nhận, giải thích"),
}


class RefusalReason(StrEnum):
    """The grounds of Art. 9 Law 42/2013/QH13 on which a person may be refused."""

    incapacitated = "incapacitated"
    threatening = "threatening"
    settled_repeat = "settled_repeat"
    other_law = "other_law"


REFUSAL_LABELS = {
    RefusalReason.incapacitated: N_("Người say do dùng chất kích thích, người mắc bệnh tâm thần hoặc bệnh khác "
                                    "làm mất khả năng nhận thức, điều khiển hành vi (khoản 1 Điều 9)"),
    RefusalReason.threatening: N_("Người có hành vi đe dọa, xúc phạm người tiếp công dân hoặc vi phạm nội quy "
                                  "nơi tiếp công dân (khoản 2 Điều 9)"),
    RefusalReason.settled_repeat: N_("Vụ việc đã giải quyết đúng chính sách, pháp luật, đã được rà soát, trả lời "
                                     "bằng văn bản nhưng vẫn cố tình khiếu nại, tố cáo kéo dài (khoản 3 Điều 9)"),
    RefusalReason.other_law: N_("Trường hợp khác theo quy định của pháp luật (khoản 4 Điều 9)"),
}


class ReceptionRule(SQLModel, table=True):
    """A recurring slot (e.g. the chairman every Thursday morning). Its sessions are generated
    ahead of time on the days it applies, skipping days off and including make-up working days."""

    __tablename__ = "reception_rule"

    id: int | None = Field(default=None, primary_key=True)
    host_name: str = Field(max_length=200)
    host_role: str = Field(max_length=20)
    type: str = Field(max_length=20)
    place: str = Field(max_length=300)
    # ISO weekdays (1 = Monday) joined by commas; "1,2,3,4,5" means every working day, which
    # includes the official make-up days that fall on a weekend.
    weekdays: str = Field(max_length=20)
    start_time: time
    end_time: time
    effective_from: date
    effective_to: date | None = None
    created_at: datetime = created_at_field()


class ReceptionSession(SQLModel, table=True):
    __tablename__ = "reception_session"
    __table_args__ = (
        # One session per rule and day: regenerating the schedule never duplicates a session.
        UniqueConstraint("rule_id", "occurs_on", name="uq_reception_session_occurrence"),
        Index("ix_reception_session_starts", "starts_at", "id"),
        Index("ix_reception_session_updated", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int | None = Field(default=None, foreign_key="reception_rule.id")
    occurs_on: date | None = Field(default=None, description="the rule's day this session was made for")
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    host_name: str = Field(max_length=200)
    host_role: str = Field(max_length=20)
    type: str = Field(max_length=20)
    place: str = Field(max_length=300)
    status: str = Field(default=SessionStatus.scheduled, max_length=20)
    assisting_staff: str = Field(default="", max_length=500)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    cancel_reason: str = Field(default="", max_length=500)
    moved_from: datetime | None = timestamp_field()
    move_reason: str = Field(default="", max_length=500)
    opened_at: datetime | None = timestamp_field()
    # A closed register takes no more visits until a leader reopens it.
    closed_at: datetime | None = timestamp_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ReceptionVisit(SQLModel, table=True):
    """One row of the register (form 03)."""

    __tablename__ = "reception_visit"
    __table_args__ = (
        UniqueConstraint("register_year", "number", name="uq_reception_visit_number"),
        Index("ix_reception_visit_session", "session_id", "id"),
        Index("ix_reception_visit_date", "visit_on", "number"),
        Index("ix_reception_visit_notice", "notice_due_on", "notified_on"),
        Index("ix_reception_visit_complaint", "complaint_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="reception_session.id")
    register_year: int
    number: int = Field(description="column 1: the number in the year's register")
    visit_on: date = Field(description="column 2")
    visitor_name: str = Field(max_length=200)
    visitor_address: str = Field(max_length=300)
    id_number: str = Field(default="", sa_column=Column(String(20), nullable=False, server_default=""))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    case_kind: str = Field(max_length=20)
    people_count: int = 1
    # One name per line (Art. 30 Law 42/2013: a group chooses its representatives).
    representatives: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    previously_handled_by: str = Field(default="", max_length=300)
    outcome: str = Field(max_length=20)
    guided_to: str = Field(default="", max_length=300)
    guidance_number: str = Field(default="", max_length=60)
    transferred_to: str = Field(default="", max_length=300)
    transfer_number: str = Field(default="", max_length=60)
    refusal_reason: str = Field(default="", max_length=30)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    # Art. 28(1) Law 42/2013: the visitor is told in writing within 10 working days (from the rules table).
    notice_due_on: date | None = None
    notice_rule: str = Field(default="", max_length=80)
    notified_on: date | None = None
    notice_number: str = Field(default="", max_length=60)
    recorded_by: str = Field(default="", max_length=120)
    created_at: datetime = created_at_field()


class ReceptionVisitCorrection(SQLModel, table=True):
    """A correction of a register row: what the columns said before, who changed them and why.
    The register is a legal record, so a typo is corrected in the open, never overwritten."""

    __tablename__ = "reception_visit_correction"
    __table_args__ = (Index("ix_reception_visit_correction_visit", "visit_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="reception_visit.id")
    at: datetime = created_at_field()
    actor: str = Field(max_length=120)
    reason: str = Field(max_length=500)
    # The corrected columns' previous values, as JSON; personal, so shown only to readers who
    # may see the visitor (never in the audit log).
    before: str = Field(sa_column=Column(Text, nullable=False))
