"""The public change feed: one row per change a receiver (the parent authority, a webhook
subscriber, a civic app) may want to mirror. Rows are only ever appended, and their ids are
given in commit order (see app/integration/events.py), so `id > cursor` never skips a late commit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field


class Audience(StrEnum):
    public = "public"  # anyone: disclosures, dialogues, commitments
    cases = "cases"  # readers of cases only (a token with complaints:read)


class PublicEvent(SQLModel, table=True):
    __tablename__ = "public_event"
    __table_args__ = (Index("ix_public_event_audience", "audience", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    type: str = Field(max_length=40, description="e.g. disclosure.published, case.status")
    entity: str = Field(max_length=20, description="case, disclosure, dialogue or commitment")
    entity_id: int
    summary: str = Field(max_length=300, description="one line, never personal data")
    audience: str = Field(default=Audience.public, max_length=10)
