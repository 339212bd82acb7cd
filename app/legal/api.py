"""The deadline engine over HTTP: what a form (or another system) needs to show a due date."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.core.api import CONDITIONAL, INVALID, IsoDate, if_none_match, problem, responses
from app.core.deps import SessionDep
from app.legal import deadlines
from app.legal.deadlines import CaseKind, Stage

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


@router.get("/preview", response_model=DeadlinePreview, summary="Compute a legal deadline",
            responses=responses(CONDITIONAL, INVALID, {404: problem("The law sets no deadline for this stage of "
                                                                    "this kind of case")}),
            openapi_extra=if_none_match())
def preview(
    session: SessionDep,
    kind: CaseKind,
    stage: Stage,
    start: Annotated[IsoDate, Query(description="The triggering event's date (1900–2200); counting begins the "
                                                "next day")],
    complex: bool = False,
    remote: bool = False,
    several_places: bool = False,
):
    """The due date for a stage of a case, from the rules table and the working calendar, with
    the legal basis and the rule version used. 404 when the law sets no such deadline."""
    d = deadlines.case_deadline(session, kind=kind, stage=stage, start=start, complex_case=complex, remote=remote,
                                several_places=several_places)
    return DeadlinePreview(kind=kind, stage=stage, start=start, due_on=d.due_on, unit=d.unit, days=d.days,
                           variant=d.rule.variant, legal_basis=d.rule.legal_basis, rule=d.rule.label,
                           rule_version=d.rule.version)
