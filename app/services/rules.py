"""Legal rules and calendar overrides, read from the database (rules are data, not constants)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, or_, select

from app.errors import NotFound
from app.i18n import _
from app.models.rules import CalendarOverride, LegalRule, OverrideKind
from app.services.workdays import WorkCalendar


@dataclass(frozen=True)
class RuleRef:
    code: str
    unit: str
    value: int
    legal_basis: str
    version: int
    description: str

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"


def get_rule(session: Session, code: str, *, on: date) -> RuleRef:
    """The version of rule `code` in force on `on`."""
    row = session.exec(
        select(LegalRule)
        .where(LegalRule.code == code, LegalRule.effective_from <= on)
        .where(or_(LegalRule.effective_to.is_(None), LegalRule.effective_to >= on))
        .order_by(LegalRule.effective_from.desc())
    ).first()
    if row is None:
        # Fall back to the earliest version: a date before every rule still needs an answer.
        row = session.exec(select(LegalRule).where(LegalRule.code == code).order_by(LegalRule.effective_from)).first()
    if row is None:
        raise NotFound(_("Không có quy tắc '%s' trong bảng quy tắc") % code)
    return RuleRef(row.code, row.unit, row.value, row.legal_basis, row.version, row.description)


def work_calendar(session: Session) -> WorkCalendar:
    rows = session.exec(select(CalendarOverride)).all()
    return WorkCalendar({r.on: r.kind == OverrideKind.working_day for r in rows})
