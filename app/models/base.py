"""Column helpers shared by the tables."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field

from app.core.db import UTCDateTime, utcnow


def created_at_field(**kw) -> datetime:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, **kw))


def timestamp_field(nullable: bool = True, **kw):
    return Field(default=None, sa_column=Column(UTCDateTime, nullable=nullable, **kw))
