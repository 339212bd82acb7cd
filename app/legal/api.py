"""The deadline engine over HTTP: what a form (or another system) needs to show a due date, and
enough of a case's facts (extensions, suspensions, several places) to reproduce any case's date."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, StringConstraints

from app.core.api import CONDITIONAL, INVALID, IsoDate, if_none_match, problem, responses
from app.core.deps import SessionDep
from app.core.errors import Invalid
from app.core.forms import parse_date
from app.core.i18n import _
from app.legal import deadlines
from app.legal.deadlines import CaseKind, Deadline, Stage
from app.legal.workdays import DeadlineOpen, Pause

router = APIRouter(prefix="/api/v1/deadlines", tags=["deadlines"])
MAX_PAUSES = 20
_DAY = r"(19|2[0-2])\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
PauseRange = Annotated[str, StringConstraints(pattern=f"^{_DAY}/{_DAY}$")]


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
    extensions: int = 0
    paused_days: int = 0  # the suspended days that did not count (a complaint's only from 1/7/2026)


def _pauses(given: list[str]) -> tuple[Pause, ...]:
    """`YYYY-MM-DD/YYYY-MM-DD` each, both days included; a suspension still running cannot give a date."""
    if len(given) > MAX_PAUSES:
        raise Invalid(_("Tối đa %d khoảng tạm đình chỉ") % MAX_PAUSES, fields={"paused": "too_many"})
    out = []
    for raw in given:
        first, _sep, last = raw.partition("/")
        start, end = parse_date(first) if "-" in first else None, parse_date(last) if "-" in last else None
        if start is None or end is None or end < start:
            raise Invalid(_("Khoảng tạm đình chỉ phải có dạng YYYY-MM-DD/YYYY-MM-DD, ngày đầu không sau ngày cuối"),
                          fields={"paused": "invalid"})
        out.append(Pause(start, end))
    return tuple(sorted(out, key=lambda p: p.start))


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
    extensions: Annotated[int, Query(ge=0, le=deadlines.MAX_EXTENSIONS, description="stage=resolution: extensions "
                                     "decided (a denunciation: one, or two if especially complex)")] = 0,
    especially_complex: Annotated[bool, Query(description="a denunciation found especially complex (Decree "
                                                          "31/2019 Art. 3): needed for a second extension")] = False,
    paused: Annotated[list[PauseRange], Query(max_length=MAX_PAUSES, description="a suspension decided, "
                                              "`YYYY-MM-DD/YYYY-MM-DD` (both days included, 1900–2200, the first "
                                              "not after the last); repeat for several")] = [],
):
    """The due date for a stage of a case, from the rules table and the working calendar, with
    the legal basis and the rule version used. `stage=notification` is the reply owed to a person
    received in person (Art. 28(1) Law 42/2013), whatever the kind. 404 when the law sets no such
    deadline."""
    pauses = _pauses(paused)
    if extensions and (stage != Stage.resolution or kind != CaseKind.denunciation):
        raise Invalid(_("Chỉ giải quyết tố cáo được gia hạn"), fields={"extensions": "not_extended"})
    if extensions > 1 and not especially_complex:
        raise Invalid(_("Gia hạn lần hai chỉ áp dụng với vụ việc đặc biệt phức tạp (Điều 3 Nghị định "
                        "31/2019/NĐ-CP)"), fields={"extensions": "second_extension"})
    clock = deadlines.case_clock(session)
    counted = clock.counted_pauses(kind, pauses) if stage == Stage.resolution else pauses
    try:
        if stage == Stage.resolution:
            d: Deadline = clock.resolution(kind, start, complex_case=complex, remote=remote, extensions=extensions,
                                           pauses=pauses)
        elif stage == Stage.notification:
            d = clock.after(deadlines.NOTIFICATION_RULE, start, pauses=pauses)
        else:
            d = deadlines.case_deadline(session, kind=kind, stage=stage, start=start, complex_case=complex,
                                        remote=remote, several_places=several_places, pauses=pauses)
    except DeadlineOpen:  # cannot happen with closed pauses; kept for the engine's contract
        raise Invalid(_("Khoảng tạm đình chỉ chưa kết thúc"), fields={"paused": "open"}) from None
    return DeadlinePreview(kind=kind, stage=stage, start=start, due_on=d.due_on, unit=d.unit, days=d.days,
                           variant=d.rule.variant, legal_basis=d.rule.legal_basis, rule=d.rule.label,
                           rule_version=d.rule.version, extensions=extensions,
                           paused_days=sum(_days_counted(p, start) for p in counted))


def _days_counted(p: Pause, start: date) -> int:
    """The days of a pause after the start (the days the clock would have counted)."""
    first = max(p.start, date.fromordinal(start.toordinal() + 1))
    return max(0, p.end.toordinal() - first.toordinal() + 1) if p.end else 0
