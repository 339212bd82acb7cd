"""Idempotency keys of case submissions: a retried, reloaded or double-clicked submission finds
the case its first attempt made instead of filing a second one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_key"

    # SHA-256 of the scope (web form, or the API and its caller) and the key: the key itself,
    # which can replay a submission's answer, is never stored.
    key_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    # SHA-256 of what was submitted: the same key with other content is refused, not replayed.
    request_hash: str = Field(max_length=64)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    created_at: datetime = created_at_field()
