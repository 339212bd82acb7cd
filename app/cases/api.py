"""JSON API v1 for cases, for the parent authority and other systems (bearer token): the list
and one case, workflow transitions with the same permission checks as the staff pages, and
cases sent down by another body.

A denouncer's identity never leaves through this API: for denunciations the sender fields are
always null, whoever asks. For other kinds they are shown to callers that may read cases.
(Resident intake and tracking are in complaints_public.py.)"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session

from app.accounts.auth import Principal
from app.accounts.deps import require_api
from app.cases import intake, privacy, queries, split, workflow
from app.cases.api_public import DeadlineOut
from app.cases.codes import format_code
from app.cases.views import deadline_rows
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
    responses,
)
from app.core.deps import RowId, SessionDep
from app.core.timeutil import local_today
from app.models.complaint import CaseField, CaseKind, CaseStatus, Channel, Complaint

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])


class CaseEventOut(BaseModel):
    at: datetime
    action: str
    from_status: CaseStatus | None
    to_status: CaseStatus
    note: str
    public: bool = Field(description="shown on the public tracking page")
    actor: str


class CaseAttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class CaseOut(BaseModel):
    id: int
    tracking_code: str
    kind: CaseKind
    channel: Channel
    status: CaseStatus
    field: CaseField
    subject: str
    content: str
    address: str
    latitude: float | None
    longitude: float | None
    pakn_code: str
    external_ref: str
    source_id: int | None
    department: str
    assignee_id: int | None
    resolver_id: int | None
    complex: bool
    remote: bool
    extensions: int
    received_on: date
    accepted_on: date | None
    resolved_on: date | None
    due_on: date | None = Field(description="the nearest open legal deadline")
    decision_number: str
    decided_on: date | None
    result: str
    public_summary: str
    guidance_number: str
    transfer_body: str
    transfer_number: str
    reason: str
    created_at: datetime
    updated_at: datetime
    anonymous: bool
    identity_visible: bool = Field(description="false: the sender fields are null (always for denunciations)")
    sender_name: str | None
    sender_address: str | None
    sender_phone: str | None
    sender_email: str | None
    sender_id_number: str | None


class CaseDetailOut(CaseOut):
    deadlines: list[DeadlineOut]
    timeline: list[CaseEventOut] = Field(description="every step, internal ones included")
    attachments: list[CaseAttachmentOut] = Field(description="empty for denunciations (the scans carry the "
                                                             "denouncer's identity)")


class CaseList(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


class TransferIn(intake.CaseInput):
    """A case sent down by another body: the letter, and the sending body's reference."""

    external_ref: str = Field(min_length=1, max_length=100, description="the sending body's reference (required)")
    pakn_code: str = Field(default="", max_length=40, description="the national public-service portal's code")
    received_on: IsoDate | None = Field(default=None, description="default: today")

    @field_validator("external_ref", "pakn_code", mode="before")
    @classmethod
    def _strip_refs(cls, v):
        return v.strip() if isinstance(v, str) else v


def _case_out(case: Complaint, sender: dict[str, str] | None, model=CaseOut, **extra):
    """`sender`: the identity fields the caller may see, or None (then they are null)."""
    if privacy.is_protected(case):
        sender = None  # never through the API, whoever asks
    fields = {k: getattr(case, k) for k in CaseOut.model_fields
              if k not in ("address", "identity_visible", "tracking_code") and not k.startswith("sender_")}
    return model(**fields, address=case.place_address, tracking_code=format_code(case.tracking_code),
                 identity_visible=sender is not None,
                 **{k: (sender or {}).get(k) for k in privacy.IDENTITY_FIELDS}, **extra)


def _sender_if_allowed(case: Complaint, principal: Principal) -> dict[str, str] | None:
    if privacy.is_protected(case) or case.anonymous or not privacy.identity_allowed(case, principal):
        return None
    return privacy.sender_fields(case, principal)


def _detail(session: Session, principal: Principal, complaint_id: int) -> CaseDetailOut:
    # The API shows no denouncer, so it never asks for (and never logs a view of) the identity.
    cv = privacy.view(session, principal=principal, complaint_id=complaint_id, with_identity=False)
    case = cv.case
    deadlines = [DeadlineOut(**row) for row in deadline_rows(session, case, local_today())]
    timeline = [CaseEventOut(at=e.at, action=e.action, from_status=e.from_status or None, to_status=e.to_status,
                             note=e.note, public=e.public, actor=e.actor)
                for e in queries.timeline(session, case, public_only=False)]
    attachments = [] if privacy.is_protected(case) else [
        CaseAttachmentOut(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256)
        for a in queries.attachments(session, case)]
    sender = _sender_if_allowed(case, principal)
    return _case_out(case, sender, CaseDetailOut, deadlines=deadlines, timeline=timeline, attachments=attachments)


@router.get("", response_model=CaseList, summary="List cases (token scope complaints:read)",
            responses=responses(CONDITIONAL, TOKEN, INVALID), openapi_extra=if_none_match())
def list_cases(
    session: SessionDep,
    kind: CaseKind | None = None,
    status: CaseStatus | None = None,
    field: CaseField | None = None,
    updated_since: UpdatedSince = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Cursor = None,
    principal: Principal = require_api("complaint:read"),
):
    """Cases with their workflow fields. Without `updated_since`: most recently changed first.
    With it: every case changed since then, oldest change first, for keeping a copy in sync.
    Never a denouncer's identity: for denunciations the sender fields are null."""
    page = queries.case_list(session, kind=kind and kind.value, status=status and status.value,
                             field=field and field.value, updated_since=updated_since, limit=limit, cursor=cursor)
    return CaseList(items=[_case_out(c, _sender_if_allowed(c, principal)) for c in page.items],
                    next_cursor=page.next_cursor)


@router.post("/transfers", response_model=CaseDetailOut, status_code=201,
             summary="Register a case sent down by another body (scope complaints:write)",
             responses=responses(BODY, TOKEN, CONFLICT, INVALID))
def transfer_in(request: Request, session: SessionDep, body: TransferIn,
                principal: Principal = require_api("complaint:intake")):
    """The letter's fields as for `POST /api/v1/complaints`, plus the sending body's
    `external_ref` (required) and, if it came through the national portal, its `pakn_code`."""
    case = intake.file_case(session, data=body, channel=Channel.transfer.value, actor=principal.actor,
                            principal=principal, store=request.app.state.settings.file_store,
                            pakn_code=body.pakn_code, external_ref=body.external_ref, received_on=body.received_on)
    assert case.id is not None  # flushed by file_case
    return _detail(session, principal, case.id)


@router.get("/{complaint_id}", response_model=CaseDetailOut, summary="One case, with deadlines and timeline",
            responses=responses(CONDITIONAL, TOKEN, NOT_FOUND, INVALID), openapi_extra=if_none_match())
def get_case(session: SessionDep, complaint_id: RowId, principal: Principal = require_api("complaint:read")):
    return _detail(session, principal, complaint_id)


@router.post("/{complaint_id}/transitions", response_model=CaseDetailOut,
             summary="Apply a workflow action (the same checks as the staff pages)",
             responses=responses(BODY, TOKEN, NOT_FOUND, CONFLICT, INVALID))
def transition(session: SessionDep, complaint_id: RowId, body: workflow.TransitionInput,
               principal: Principal = require_api("complaint:read")):
    """`action` is one of classify, accept, guide, transfer, file, refuse, assign, start, suspend,
    resume, extend, resolve, close, reopen, with its own fields. Not for the caller's role: 403;
    not from the case's status: 409; missing fields: 422 (`errors` names them). A refused action
    changes nothing. Personal tokens (`create-token --user`) act with that user's role."""
    workflow.transition(session, principal=principal, complaint_id=complaint_id, data=body)
    return _detail(session, principal, complaint_id)


@router.post("/{complaint_id}/split", response_model=list[CaseOut], status_code=201,
             summary="Split a mixed letter into linked cases",
             responses=responses(BODY, TOKEN, NOT_FOUND, CONFLICT, INVALID))
def split_case(request: Request, session: SessionDep, complaint_id: RowId, body: split.SplitInput,
               principal: Principal = require_api("complaint:read")):
    """The letter keeps the first part; each other part becomes a new linked case (returned)."""
    created = split.split(session, principal=principal, complaint_id=complaint_id, data=body)
    return [_case_out(c, _sender_if_allowed(c, principal)) for c in created]
