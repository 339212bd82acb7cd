"""Outgoing mail, stored first and sent by a worker: a change is committed with its message,
and a mail server that is down delays the message instead of losing it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime
from app.models.base import created_at_field, timestamp_field


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    topic: str = Field(default="", max_length=60, description="what it is about, e.g. complaint:12")
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = timestamp_field()
    failed_at: datetime | None = timestamp_field()
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = created_at_field()
