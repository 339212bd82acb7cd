"""JSON API v1: periodic reports for the parent authority (scope `reports:read`).

`GET /api/v1/reports/periodic` answers the contract `{ward, period: {year, code, from, to},
cases, reception, disclosures, dialogues}` (every count an integer) for an official period of
Circular 02/2021/TT-TTCP (`?year=&period=`) or a custom range (`?from=&to=`);
`periodic.xlsx` is the same report as a workbook, one sheet per section (audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeAlias

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlmodel import Session

from app.accounts import audit
from app.accounts.auth import Principal
from app.accounts.deps import require_api_or_staff
from app.core import i18n
from app.core.api import (
    CONDITIONAL,
    TOKEN,
    if_none_match,
    iso_date,
    problem,
    responses,
)
from app.core.deps import SessionDep
from app.core.timeutil import local_today
from app.legal import periods
from app.models.complaint import CHANNEL_LABELS, FIELD_LABELS, KIND_LABELS
from app.models.disclosure import CATEGORY_LABELS, METHOD_LABELS
from app.models.reception import OUTCOME_LABELS
from app.reporting import exports as reports_export
from app.reporting import periodic as reports

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The answer's shape, for /docs ------------------------------------------------------------------
# The count models are built at runtime (create_model), which a type checker cannot read as
# types: hence the `type: ignore[valid-type]` where they annotate a field.

def _counts(name: str, labels: dict, doc: str) -> type[BaseModel]:
    """An object with one integer per code of an enumeration (every code present, 0 when none)."""
    fields: dict[str, Any] = {str(code.value): (int, Field(0, description=getattr(label, "message", str(label))))
                              for code, label in labels.items()}
    return create_model(name, __doc__=doc, **fields)


ReportKindCounts = _counts("ReportKindCounts", KIND_LABELS, "Counts per kind of case.")
ReportFieldCounts = _counts("ReportFieldCounts", FIELD_LABELS, "Counts per field (lĩnh vực).")
ReportChannelCounts = _counts("ReportChannelCounts", CHANNEL_LABELS, "Counts per channel a case came in by.")
ReportOutcomeCounts = _counts("ReportOutcomeCounts", OUTCOME_LABELS,
                              "Visits per outcome (the register's columns 8–10).")
ReportMethodCounts = _counts("ReportMethodCounts", METHOD_LABELS,
                             "For each Art. 12(1) method, the period's disclosures that record it.")


class ReportItemCounts(BaseModel):
    """One Art. 11 item: disclosures published in the period, by timeliness."""

    item: int = Field(description="the item's number in Art. 11 (1–14)")
    published: int
    on_time: int
    late: int = Field(description="published later than 5 working days after issue (Art. 12(3))")
    no_deadline: int = Field(description="published without an issue date, so without a deadline")


ReportItems = create_model(  # type: ignore[call-overload]  # mypy also checks **fields against its options
    "ReportItems", __doc__="Disclosures per Art. 11 item, keyed by category code.",
    **{c.value: (ReportItemCounts, Field(description=label.message)) for c, label in CATEGORY_LABELS.items()})


class PeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    year: int = Field(description="the reporting year (15/12 of the year before to 14/12); for a custom "
                                  "range, the calendar year of its last day")
    code: str = Field(description="Q1, Q2, Q3, Q4, H1, 9M, Y, or custom")
    from_: date = Field(alias="from", description="first day, included (the ward's local date)")
    to: date = Field(description="last day, included")


class CasesOut(BaseModel):
    """Cases received in the period (by `received_on`), and where each stood at its end.
    received = resolved + open + finished_at_intake; overdue = open_overdue + resolved_late."""

    received: int
    accepted: int = Field(description="accepted (thụ lý) by the end of the period")
    resolved: int = Field(description="resolved by the end = resolved_on_time + resolved_late")
    resolved_on_time: int
    resolved_late: int
    open: int = Field(description="not finished at the end (in intake, or accepted and not resolved)")
    open_overdue: int = Field(description="of the open ones, past their deadline at the end")
    overdue: int = Field(description="open_overdue + resolved_late")
    finished_at_intake: int = Field(description="guided, transferred, filed or refused without acceptance")
    by_kind: ReportKindCounts  # type: ignore[valid-type]
    by_field: ReportFieldCounts  # type: ignore[valid-type]
    by_channel: ReportChannelCounts  # type: ignore[valid-type]
    satisfaction_count: int = Field(description="ratings given by the end")
    satisfaction_average: float | None = Field(description="1–5, two decimals; null without ratings (not a count)")


class ReceptionOut(BaseModel):
    """Citizen reception in the period. The chairman's days are judged by whole weeks that are
    over, a week belonging to the period that holds its Thursday."""

    sessions_held: int = Field(description="sessions held, every host")
    chairman_sessions_held: int
    chairman_weeks: int = Field(description="weeks judged")
    chairman_days_held: int
    chairman_days_required: int
    chairman_weeks_missed: int
    visits: int
    people: int = Field(description="people received, group members included")
    group_visits: int = Field(description="visits of 5 people or more (Art. 30 Law 42/2013)")
    group_people: int
    visits_by_kind: ReportKindCounts  # type: ignore[valid-type]
    visits_by_outcome: ReportOutcomeCounts  # type: ignore[valid-type]


class DisclosuresOut(BaseModel):
    """Disclosures published on the portal in the period (withdrawn ones included)."""

    published: int
    on_time: int
    late: int
    no_deadline: int
    by_item: ReportItems
    methods: ReportMethodCounts  # type: ignore[valid-type]
    timed_postings: int = Field(description="items that must stay posted for the posting period (Art. 13(2))")
    short_postings: int = Field(description="of those, postings that end sooner")


class DialoguesOut(BaseModel):
    """Dialogues held in the period, and the commitments made at dialogues held by its end."""

    held: int
    held_year_to_date: int = Field(description="from 15/12 of the previous year to the period's end")
    required: int = Field(description="the year's requirement for an official period; pro-rated by length "
                                      "for a custom range")
    required_per_year: int
    questions: int
    questions_answered: int
    commitments: int
    commitments_done: int
    commitments_dropped: int
    commitments_open: int
    commitments_overdue: int


class PeriodicReportOut(BaseModel):
    """The periodic report (a stable contract): the ward, the period, and four sections of
    figures. Every count is an integer; every code of an enumeration is present, 0 when none."""

    ward: str = Field(description="the ward's name, as configured")
    period: PeriodOut
    cases: CasesOut
    reception: ReceptionOut
    disclosures: DisclosuresOut
    dialogues: DialoguesOut


# The routes -------------------------------------------------------------------------------------

YearQuery = Annotated[int | None, Query(
    description="reporting year, 2000–2100 (default: the current one)", examples=[2026],
    json_schema_extra={"minimum": periods.MIN_YEAR, "maximum": periods.MAX_YEAR})]
# The code is read as written or in lower case, with surrounding spaces (app/legal/periods.py
# normalise_code); `custom` is the code of a from/to range, and an empty value is no period.
# Documented, and checked by the service (for its message in the reader's language), as
# `year`'s bounds are.
PERIOD_PATTERN = r"^(\s*([Qq][1-4]|[Hh]1|9[Mm]|[Yy]|[Cc][Uu][Ss][Tt][Oo][Mm])\s*)?$"
PeriodQuery = Annotated[str | None, Query(
    alias="period", json_schema_extra={"pattern": PERIOD_PATTERN},
    description="Q1, Q2, Q3, Q4, H1 (6 months), 9M (9 months) or Y (year); Q1 runs 15/12 of the "
    "previous year to 14/3, each later quarter from the 15th of the previous quarter's last month to the 14th of "
    "its own; H1, 9M and Y start on 15/12 of the previous year. Leave out with from/to (or give `custom`).",
    examples=["Q1"])]
# Years of a report's custom range (app/legal/periods.py refuses other years with its own message).
YEARS_2000_2100 = "(20[0-9]{2}|2100)"
assert (periods.MIN_YEAR, periods.MAX_YEAR) == (2000, 2100), "update YEARS_2000_2100"
ReportDate: TypeAlias = iso_date(  # type: ignore[valid-type]  # an Annotated[date, ...] built at runtime
    YEARS_2000_2100, date(periods.MIN_YEAR, 1, 1), date(periods.MAX_YEAR, 12, 31), checked=False)
FromQuery = Annotated[ReportDate | None, Query(alias="from", description="custom range: first day (YYYY-MM-DD, "
                                                                          "2000–2100)")]
ToQuery = Annotated[ReportDate | None, Query(alias="to", description="custom range: last day (YYYY-MM-DD, "
                                                                      "2000–2100), less than 5 years after `from`")]
# Rules between parameters, which a schema cannot state.
REPORT_INVALID = {422: problem(
    "Invalid input (`errors` names the parameter): a period together with from/to (period conflict), only one of "
    "from/to (required), `from` after `to` (from after_to), a range of 5 years or more (to too_long), `custom` "
    "without from/to (period unknown), or a value outside its schema")}


def _report(request: Request, session: Session, *, year, code, start, end) -> reports.Report:
    period = periods.choose(year=year, code=code, start=start, end=end, today=local_today())
    return reports.periodic(session, period, ward=request.app.state.settings.ward_name,
                            region=request.app.state.settings.rules_region)


@router.get("/periodic", response_model=PeriodicReportOut,
            summary="Periodic report for an official period or a date range (reports:read)",
            responses=responses(CONDITIONAL, TOKEN, {401: problem("Neither a staff session nor a valid bearer token")},
                                REPORT_INVALID),
            openapi_extra=if_none_match())
def periodic_report(request: Request, session: SessionDep, year: YearQuery = None, code: PeriodQuery = None,
                    start: FromQuery = None, end: ToQuery = None,
                    principal: Principal = require_api_or_staff("report:read")):
    """What became of the cases, the citizen reception, the disclosures and the dialogues in a
    period of Circular 02/2021/TT-TTCP: `?year=2026&period=Q1`, or `?from=&to=` for any range.
    Without parameters: the quarter that holds today. Counts only, never a person.

    Figures are judged as of the end of the period's last day (or today while it runs), so a
    finished period reads the same whenever it is asked for. For a bearer token with
    `reports:read`, or a logged-in staff user allowed to read reports."""
    return _report(request, session, year=year, code=code, start=start, end=end).to_dict()


@router.get("/periodic.xlsx", response_class=Response, response_model=None,
            summary="The periodic report as a workbook (reports:read)",
            responses=responses({200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                                       "description": "one sheet per section, Vietnamese headings, A4"}},
                                TOKEN, {401: problem("Neither a staff session nor a valid bearer token")},
                                REPORT_INVALID))
def periodic_workbook(request: Request, session: SessionDep, year: YearQuery = None, code: PeriodQuery = None,
                      start: FromQuery = None, end: ToQuery = None,
                      principal: Principal = require_api_or_staff("report:read")) -> Response:
    """The same parameters and figures as `/periodic`, as an .xlsx workbook: sheets Đơn thư,
    Tiếp công dân, Công khai and Đối thoại, each headed by the ward and the period. The export
    is audited."""
    report = _report(request, session, year=year, code=code, start=start, end=end)
    locale = i18n.get_locale()
    i18n.set_locale("vi")  # a report to the parent authority is in Vietnamese, whatever the reader's language
    try:
        data = reports_export.report_workbook(report)
    finally:
        i18n.set_locale(locale)
    p = report.period
    audit.record(session, actor=principal.actor, action="report.export", entity_type="report",
                 entity_id=f"{p.year}-{p.code}" if p.official else "custom",
                 after={"year": p.year, "code": p.code, "from": p.start, "to": p.end, "format": "xlsx"})
    name = f"{p.year}-{p.code}_{p.start.isoformat()}_{p.end.isoformat()}" if p.official \
        else f"{p.start.isoformat()}_{p.end.isoformat()}"
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="bao-cao-dinh-ky_{name}.xlsx"', "Cache-Control": "no-store"})
