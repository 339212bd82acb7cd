"""Legal rules as data (deadlines, periods, frequencies) and official calendar overrides."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.i18n import N_
from app.models.base import created_at_field


class DayUnit(StrEnum):
    calendar = "calendar"
    working = "working"
    # Frequencies ("at least N days per week"): a rule keeps its family when it gets a new version.
    per_week = "per_week"
    per_year = "per_year"


DEADLINE_UNITS = frozenset({DayUnit.calendar, DayUnit.working})
FREQUENCY_UNITS = frozenset({DayUnit.per_week, DayUnit.per_year})

UNIT_LABELS = {
    DayUnit.calendar: N_("ngày"),
    DayUnit.working: N_("ngày làm việc"),
    DayUnit.per_week: N_("ngày mỗi tuần"),
    DayUnit.per_year: N_("lần mỗi năm"),
}


class LegalRule(SQLModel, table=True):
    """One version of a rule. A change is a new row with a later `effective_from`.

    Deadline rules for cases are coded `<kind>.<stage>` (e.g. `complaint.resolution`), with a
    `variant` for the law's special cases (`complex`, `remote`, ...); '' is the ordinary case."""

    __tablename__ = "legal_rule"
    __table_args__ = (UniqueConstraint("code", "variant", "effective_from", name="uq_legal_rule_version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=80, index=True)
    variant: str = Field(default="", max_length=30)
    description: str = Field(max_length=300)
    unit: str = Field(default=DayUnit.calendar, max_length=10)
    value: int
    legal_basis: str = Field(sa_column=Column(Text, nullable=False))
    effective_from: date
    effective_to: date | None = None
    version: int = 1
    created_at: datetime = created_at_field()


class OverrideKind(StrEnum):
    day_off = "day_off"  # an extra day off announced by the government
    working_day = "working_day"  # a make-up working day (usually a Saturday)


class CalendarOverride(SQLModel, table=True):
    """Official changes to the working calendar on top of the `holidays` package."""

    __tablename__ = "calendar_override"

    id: int | None = Field(default=None, primary_key=True)
    on: date = Field(unique=True)
    kind: str = Field(max_length=12)
    reason: str = Field(max_length=300)
    legal_basis: str = Field(default="", max_length=300)
    created_at: datetime = created_at_field()
