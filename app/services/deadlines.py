"""The deadline engine: a rule from the rules table applied on the working calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from app.services.rules import RuleRef, get_rule, work_calendar


@dataclass(frozen=True)
class Deadline:
    due_on: date
    rule: RuleRef


def deadline_after(session: Session, code: str, start: date) -> Deadline:
    """The legal deadline for rule `code`, counted from the day after `start`."""
    rule = get_rule(session, code, on=start)
    return Deadline(work_calendar(session).add(start, rule.value, rule.unit), rule)
