"""JSON API v1 for citizen reception: the sessions with their counts (`reception:read`), the
register's rows (`reception:personal`), scheduling a session and logging a visit with a
personal token (`create-token --user`), and the register as a workbook (form 03).

Sessions and counts carry no personal data. A visit's identity follows the register's rules
(app/reception/identity.py), with one more: a denouncer's identity never leaves through this
API, whoever asks (the caller is treated as an integration token for that decision)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.accounts import audit
from app.accounts.auth import Principal
from app.accounts.deps import require_api, require_api_or_staff
from app.cases import codes
from app.core import i18n
from app.core.api import (
    BODY,
    CONDITIONAL,
    CONFLICT,
    INVALID,
    NOT_FOUND,
    TOKEN,
    Cursor,
    IsoDate,
    UpdatedSince,
    if_none_match,
    problem,
    responses,
)
from app.core.deps import RowId, SessionDep
from app.core.timeutil import to_local
from app.core.validation import require_date_in_range
from app.models.complaint import CaseKind, Complaint
from app.models.reception import (
    HostRole,
    ReceptionSession,
    ReceptionVisit,
    RefusalReason,
    SessionStatus,
    SessionType,
    VisitOutcome,
)
from app.reception import export as reception_export
from app.reception import identity, register, visits
from app.reception import schedule as reception_schedule

router = APIRouter(prefix="/api/v1", tags=["reception"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class KindCounts(BaseModel):
    complaint: int = 0
    denunciation: int = 0
    petition: int = 0
    feedback: int = 0


class OutcomeCounts(BaseModel):
    accepted: int = 0
    guided: int = 0
    transferred: int = 0
    refused: int = 0
    recorded: int = 0


class SessionCountsOut(BaseModel):
    by_kind: KindCounts
    by_outcome: OutcomeCounts


class SessionOut(BaseModel):
    id: int
    starts_at: datetime = Field(description="local time (Asia/Ho_Chi_Minh), with its offset")
    ends_at: datetime
    host_name: str
    host_role: HostRole
    type: SessionType
    place: str
    status: SessionStatus
    closed: bool = Field(description="the register of a held session is closed to new visits")
    cancel_reason: str
    moved_from: datetime | None = Field(description="the original start of a moved session")
    visit_count: int
    people_count: int = Field(description="people received, a group's members included")
    counts: SessionCountsOut
    updated_at: datetime


class VisitOut(BaseModel):
    id: int
    session_id: int
    number: int = Field(description="column 1: the number in the year's register")
    visit_on: date
    identity_visible: bool = Field(description="false: name, address, ID and representatives read \"[bảo mật]\"")
    visitor_name: str
    visitor_address: str
    id_number: str
    summary: str
    case_kind: CaseKind
    people_count: int
    representatives: list[str]
    previously_handled_by: str
    outcome: VisitOutcome
    guided_to: str
    guidance_number: str
    transferred_to: str
    transfer_number: str
    refusal_reason: RefusalReason | None
    notes: str
    case_tracking_code: str | None = Field(description="the case an accepted visit became")
    notice_due_on: date | None = Field(description="the written answer is due by (Art. 28(1) Law 42/2013)")
    notified_on: date | None


class SessionDetailOut(SessionOut):
    visits: list[VisitOut] | None = Field(description="the register's rows; null without reception:personal")


class SessionList(BaseModel):
    items: list[SessionOut]
    next_cursor: str | None


def _session_outs(session: Session, rows: list[ReceptionSession], model=SessionOut, **extra) -> list:
    """Many sessions with their counts in one query (no N+1)."""
    counts = visits.counts_for(session, [s.id for s in rows if s.id is not None])
    out = []
    for s in rows:
        assert s.id is not None  # a stored row
        c = counts[s.id]
        out.append(model(
            id=s.id, starts_at=to_local(s.starts_at), ends_at=to_local(s.ends_at), host_name=s.host_name,
            host_role=s.host_role, type=s.type, place=s.place, status=s.status, closed=s.closed_at is not None,
            cancel_reason=s.cancel_reason, moved_from=to_local(s.moved_from) if s.moved_from else None,
            visit_count=c.visits, people_count=c.people,
            counts=SessionCountsOut(by_kind=KindCounts(**c.by_kind), by_outcome=OutcomeCounts(**c.by_outcome)),
            updated_at=s.updated_at, **extra))
    return out


def _as_token(principal: Principal) -> Principal:
    """For the identity decision only: no user, so a denouncer stays hidden (as from any token)."""
    return Principal(actor=principal.actor, permissions=principal.permissions)


def _visit_out(visit: ReceptionVisit, case: Complaint | None, principal: Principal) -> VisitOut:
    view = identity.shown(visit, case, _as_token(principal), full_id=True)
    return VisitOut(
        id=visit.id, session_id=visit.session_id, number=visit.number, visit_on=visit.visit_on,
        identity_visible=view.identity_visible, visitor_name=view.name, visitor_address=view.address,
        id_number=view.id_number, summary=visit.summary, case_kind=visit.case_kind, people_count=visit.people_count,
        representatives=view.representatives, previously_handled_by=visit.previously_handled_by,
        outcome=visit.outcome, guided_to=visit.guided_to, guidance_number=visit.guidance_number,
        transferred_to=visit.transferred_to, transfer_number=visit.transfer_number,
        refusal_reason=visit.refusal_reason or None, notes=visit.notes,
        case_tracking_code=codes.format_code(case.tracking_code) if case else None,
        notice_due_on=visit.notice_due_on, notified_on=visit.notified_on)


def _check_range(start: date | None, end: date | None) -> None:
    if start is not None:
        require_date_in_range(start, "from")
    if end is not None:
        require_date_in_range(end, "to")
    if start is not None and end is not None:
        register.check_register_range(start, end)


FromQuery = Annotated[IsoDate | None, Query(alias="from", description="first local day (YYYY-MM-DD, 1900–2200)")]
ToQuery = Annotated[IsoDate | None, Query(alias="to", description="last local day (YYYY-MM-DD, 1900–2200), not "
                                                                  "before `from` and at most 5 years on")]
# `from` after `to`, or more than 5 years apart: rules between parameters, which a schema cannot state.
RANGE_INVALID = {422: problem("Invalid input: a parameter breaks a rule, or `from` is after `to` (`errors`: from "
                              "after_to) or more than 5 years before it (to too_long)")}


@router.get("/reception-sessions", response_model=SessionList,
            summary="List reception sessions with their counts (reception:read)",
            responses=responses(CONDITIONAL, TOKEN, RANGE_INVALID), openapi_extra=if_none_match())
def list_sessions(
    session: SessionDep,
    start: FromQuery = None,
    end: ToQuery = None,
    status: SessionStatus | None = None,
    host_role: HostRole | None = None,
    updated_since: UpdatedSince = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Cursor = None,
    principal: Principal = require_api("reception:read"),
):
    """Sessions in the order they start (cancelled ones included), with how many visits of
    each kind and outcome they had. No visitor's data. A session changes (`updated_at`) when it
    is opened, closed, moved, cancelled or a visit is logged."""
    _check_range(start, end)
    page = reception_schedule.sessions_page(
        session, start=start, end=end, status=status.value if status is not None else None,
        host_role=host_role.value if host_role is not None else None, updated_since=updated_since, limit=limit,
        cursor=cursor)
    return SessionList(items=_session_outs(session, page.items), next_cursor=page.next_cursor)


@router.post("/reception-sessions", response_model=SessionOut, status_code=201,
             summary="Schedule a one-off session (reception:schedule)",
             responses=responses(BODY, TOKEN, CONFLICT, INVALID))
def create_session(session: SessionDep, body: reception_schedule.SessionInput,
                   principal: Principal = require_api("reception:schedule")):
    """Times in ISO 8601; a time without an offset is the ward's local time."""
    row = reception_schedule.create_session(session, principal=principal, data=body)
    return _session_outs(session, [row])[0]


@router.get("/reception-sessions/{session_id}", response_model=SessionDetailOut,
            summary="One reception session; its register rows with reception:personal",
            responses=responses(CONDITIONAL, TOKEN, NOT_FOUND, INVALID), openapi_extra=if_none_match())
def get_session(session: SessionDep, session_id: RowId, principal: Principal = require_api("reception:read")):
    """`visits` is null unless the caller may read the register (`reception:personal`); then
    each row is the register's, the full ID number included, and the read is audited. A
    denouncer's name, address, ID and representatives always read "[bảo mật]"."""
    row = reception_schedule.get_session_row(session, session_id)
    assert row.id is not None  # a stored row
    rows = None
    if principal.can("reception:personal"):
        rows = [_visit_out(v, c, principal) for v, c in visits.visits_of(session, row.id)]
        audit.record(session, actor=principal.actor, action="reception.register_api", entity_type="reception_session",
                     entity_id=row.id, after={"rows": len(rows),
                                              "identities_hidden": sum(not v.identity_visible for v in rows)})
    return _session_outs(session, [row], SessionDetailOut, visits=rows)[0]


@router.post("/reception-sessions/{session_id}/visits", response_model=VisitOut, status_code=201,
             summary="Log a visit in a session's register (reception:register)",
             responses=responses(BODY, TOKEN, NOT_FOUND, {409: problem(
                 "The session is closed, cancelled or in the future, or changed by someone else meanwhile")},
                 INVALID))
def log_visit(session: SessionDep, session_id: RowId, body: visits.VisitInput,
              principal: Principal = require_api("reception:register")):
    """The columns of form 03. An accepted visit becomes a walk-in case (`case_tracking_code`).
    Rules between columns (a guided visit names where to, a group of 5 or more names its
    representatives, …): 422 with `errors` naming the fields. A closed, cancelled or future
    session: 409. Personal tokens act with their user's role."""
    visit = visits.log_visit(session, principal=principal, session_id=session_id, data=body)
    return _visit_out(visit, visits.case_of(session, visit), principal)


@router.get("/reception/register.xlsx", response_class=Response, response_model=None,
            summary="The reception register (form 03) as a workbook",
            responses=responses({200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                                       "description": "Sổ tiếp công dân, form 03 of Circular 04/2021/TT-TTCP"}},
                                TOKEN, {401: problem("Neither a staff session nor a valid bearer token")},
                                RANGE_INVALID))
def register_workbook(
    request: Request,
    session: SessionDep,
    start: Annotated[IsoDate, Query(alias="from", description="first day (YYYY-MM-DD, 1900–2200)")],
    end: Annotated[IsoDate, Query(alias="to", description="last day (YYYY-MM-DD, 1900–2200), not before `from` "
                                                          "and at most 5 years on")],
    principal: Principal = require_api_or_staff("reception:personal"),
) -> Response:
    """For a token with `reception:personal`, or a logged-in reception clerk or leader. The
    export is audited. Through a token a denouncer's identity reads "[bảo mật]"; a leader
    logged in sees what the register's page shows."""
    _check_range(start, end)
    reader = _as_token(principal) if request.headers.get("Authorization") else principal
    locale = i18n.get_locale()
    i18n.set_locale("vi")  # the legal form is Vietnamese, whatever the reader's language
    try:
        entries = register.register_entries(session, principal=reader, start=start, end=end, purpose="export")
    finally:
        i18n.set_locale(locale)
    data = reception_export.register_workbook(entries, ward=request.app.state.settings.ward_name,
                                              start=start, end=end)
    filename = f"so-tiep-cong-dan_{start.isoformat()}_{end.isoformat()}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                    "Cache-Control": "no-store"})
