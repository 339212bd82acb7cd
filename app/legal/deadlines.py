"""The deadline engine: a rule from the rules table applied on the working calendar.

Counting follows the Civil Code (Arts. 147–148): from the day after the event; a last day
that is not a working day moves to the next working day. Holidays come from the `holidays`
package plus the ward's official overrides; paused (suspended) periods do not count (from
1/7/2026, Law 136/2025/QH15). Each result carries the rule version and legal basis used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlmodel import Session

from app.legal.rules import RuleRef, get_rule, work_calendar
from app.legal.workdays import Pause
from app.models.complaint import CaseKind


class Stage(StrEnum):
    processing = "processing"
    acceptance = "acceptance"
    resolution = "resolution"
    notification = "notification"
    transfer = "transfer"
    extension = "extension"


@dataclass(frozen=True)
class Deadline:
    due_on: date
    rule: RuleRef

    @property
    def unit(self) -> str:
        return self.rule.unit

    @property
    def days(self) -> int:
        return self.rule.value


def deadline_after(session: Session, code: str, start: date, *, variant: str = "",
                   pauses: tuple[Pause, ...] = ()) -> Deadline:
    """The legal deadline for rule `code`, counted from the day after `start`."""
    rule = get_rule(session, code, on=start, variant=variant)
    return Deadline(work_calendar(session).add(start, rule.value, rule.unit, pauses), rule)


def variant_for(*, complex_case: bool = False, remote: bool = False, several_places: bool = False) -> str:
    """The rules table's variant name for a case's circumstances."""
    if several_places:
        return "several_places"
    return "_".join(name for name, on in (("complex", complex_case), ("remote", remote)) if on)


def case_deadline(session: Session, *, kind: str, stage: str, start: date, complex_case: bool = False,
                  remote: bool = False, several_places: bool = False, pauses: tuple[Pause, ...] = ()) -> Deadline:
    """The deadline of one stage of a case (`complaint.resolution`, ...) from its start date."""
    variant = variant_for(complex_case=complex_case, remote=remote, several_places=several_places)
    return deadline_after(session, f"{CaseKind(kind).value}.{Stage(stage).value}", start, variant=variant,
                          pauses=pauses)
