"""The deadline engine over HTTP: what a form (or another system) needs to show a due date."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.deps import SessionDep
from app.errors import Invalid
from app.services import deadlines
from app.services.deadlines import CaseKind, Stage
from app.validation import MAX_DATE, MIN_DATE

router = APIRouter(prefix="/api/v1/deadlines", tags=["deadlines"])


class DeadlinePreview(BaseModel):
    kind: CaseKind
    stage: Stage
    start: date
    due_on: date
    unit: str
    days: int
    variant: str
    legal_basis: str
    rule: str
    rule_version: int


@router.get("/preview", response_model=DeadlinePreview, summary="Compute a legal deadline")
def preview(
    session: SessionDep,
    kind: CaseKind,
    stage: Stage,
    start: Annotated[date, Query(description="The triggering event's date; counting begins the next day")],
    complex: bool = False,
    remote: bool = False,
    several_places: bool = False,
):
    """The due date for a stage of a case, from the rules table and the working calendar, with
    the legal basis and the rule version used. 404 when the law sets no such deadline."""
    if not MIN_DATE <= start <= MAX_DATE:
        raise Invalid("start must fall between 1900 and 2200", fields={"start": "out_of_range"})
    d = deadlines.case_deadline(session, kind=kind, stage=stage, start=start, complex_case=complex, remote=remote,
                                several_places=several_places)
    return DeadlinePreview(kind=kind, stage=stage, start=start, due_on=d.due_on, unit=d.unit, days=d.days,
                           variant=d.rule.variant, legal_basis=d.rule.legal_basis, rule=d.rule.label,
                           rule_version=d.rule.version)
