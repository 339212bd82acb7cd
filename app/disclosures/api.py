"""JSON API v1 for disclosures: public reads; writes with a bearer token."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.accounts.auth import Principal
from app.accounts.deps import api_principal, require_api
from app.core.api import (
    BODY,
    CONDITIONAL,
    CONFLICT,
    INVALID,
    NOT_FOUND,
    OPTIONAL_TOKEN,
    TOKEN,
    Cursor,
    IsoDate,
    UpdatedSince,
    if_none_match,
    problem,
    responses,
)
from app.core.deps import RowId, SessionDep
from app.core.timeutil import as_utc
from app.core.validation import InputModel, limit
from app.disclosures import search
from app.disclosures import service as disclosure_service
from app.models.disclosure import Category, Disclosure, DisclosureMethod, DisclosureStatus, DisclosureVersion, Method

router = APIRouter(prefix="/api/v1/disclosures", tags=["disclosures"])

# A write: token, the disclosure's rules (422), its state (409), unknown id (404).
WRITE = responses(TOKEN, NOT_FOUND, CONFLICT, INVALID)


class MethodOut(BaseModel):
    method: Method
    used_on: date


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class DisclosureOut(BaseModel):
    id: int
    title: str
    summary: str
    body: str
    category: Category
    document_number: str
    issuing_body: str
    issued_on: date | None
    effective_on: date | None
    fiscal_year: int | None
    tags: list[str]
    status: DisclosureStatus
    version: int
    posted_on: date | None
    posting_ends_on: date | None
    methods: list[MethodOut]
    attachments: list[AttachmentOut]
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    late: bool = Field(description="true when published after the legal time (Art. 12(3))")
    publish_deadline_on: date | None
    withdrawn_at: datetime | None
    withdrawal_reason: str


class DisclosureList(BaseModel):
    items: list[DisclosureOut]
    next_cursor: str | None


class DisclosureInput(disclosure_service.DisclosureInput):
    """A new draft (the service's DisclosureInput, keeping its name in the API's description), with its
    dates taken only as YYYY-MM-DD strings from 1900 to 2200, as documented: the staff form's
    model would also read a number, or a numeric string, as a Unix time."""

    issued_on: IsoDate | None = None
    effective_on: IsoDate | None = None
    posted_on: IsoDate | None = None
    posting_ends_on: IsoDate | None = None


def _left_out(schema: dict) -> None:
    schema.pop("default", None)  # not a value a client may send: the field is simply left out


def _patchable(**constraints):
    """A PATCH field that may be left out (None: unchanged) but not sent as null."""
    return Field(default=None, json_schema_extra=_left_out, **constraints)


class DisclosurePatch(InputModel):
    """Any subset of the fields; a published disclosure gets a new version. `null` clears a date
    or the fiscal year; the other fields cannot be null. The limits are the service's DisclosureInput's,
    which checks the merged result."""

    title: str = _patchable(min_length=3, max_length=limit(DisclosureInput, "title"))
    summary: str = _patchable(max_length=limit(DisclosureInput, "summary"))
    body: str = _patchable(max_length=limit(DisclosureInput, "body"))
    category: Category = _patchable()
    document_number: str = _patchable(max_length=limit(DisclosureInput, "document_number"))
    issuing_body: str = _patchable(max_length=limit(DisclosureInput, "issuing_body"))
    issued_on: IsoDate | None = None
    effective_on: IsoDate | None = None
    fiscal_year: Annotated[int, Field(ge=1990, le=2100)] | None = None
    tags: list[str] = _patchable(max_length=20)
    posted_on: IsoDate | None = None
    posting_ends_on: IsoDate | None = None
    change_note: str = Field(default="", max_length=limit(DisclosureVersion, "change_note"))


class WithdrawBody(InputModel):
    reason: str = Field(min_length=5, max_length=2000)


class MethodBody(InputModel):
    method: Method
    used_on: IsoDate
    note: str = Field(default="", max_length=limit(DisclosureMethod, "note"))


def _serialise(request: Request, session: Session, rows: list[Disclosure]) -> list[DisclosureOut]:
    """Many disclosures with their methods and files in two queries (no N+1)."""
    ids = [d.id for d in rows if d.id is not None]
    methods = disclosure_service.methods(session, ids)
    attachments = disclosure_service.attachments(session, ids)
    base = request.app.state.settings.public_base_url.rstrip("/")
    out = []
    for d in rows:
        assert d.id is not None  # a stored row
        out.append(DisclosureOut(
            **{k: getattr(d, k) for k in DisclosureOut.model_fields if k not in ("tags", "methods", "attachments")},
            tags=[t.strip() for t in d.tags.split(",") if t.strip()],
            methods=[MethodOut(method=m.method, used_on=m.used_on) for m in methods[d.id]],
            attachments=[AttachmentOut(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size,
                                       sha256=a.sha256,
                                       url=f"{base}/disclosures/{d.id}/files/{a.id}/{quote(a.filename)}")
                         for a in attachments[d.id]],
        ))
    return out


def _one(request: Request, session: Session, d: Disclosure) -> DisclosureOut:
    return _serialise(request, session, [d])[0]


@router.get("", response_model=DisclosureList, summary="List published disclosures",
            responses=responses(CONDITIONAL, INVALID), openapi_extra=if_none_match())
def list_disclosures(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=search.QUERY_MAX_LENGTH, description="Text; diacritics and case are ignored")
                 ] = "",
    category: Category | None = None,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Fiscal year")] = None,
    updated_since: UpdatedSince = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Cursor = None,
):
    """Published and withdrawn disclosures. Without `updated_since`: newest publication first, or
    with `q`, those with every word in the title first, then the rest, newest first in each.
    With `updated_since`: every disclosure changed since then, oldest change first, for keeping a
    copy in sync."""
    cat = category.value if category else None
    if updated_since is not None:
        page = disclosure_service.list_changes(session, updated_since=as_utc(updated_since), q=q, category=cat,
                                               year=year, limit=limit, cursor=cursor)
    else:
        page = disclosure_service.list_public(session, q=q, category=cat, year=year, limit=limit, cursor=cursor)
    return DisclosureList(items=_serialise(request, session, page.items), next_cursor=page.next_cursor)


@router.get("/{disclosure_id}", response_model=DisclosureOut, summary="One disclosure",
            responses=responses(CONDITIONAL, OPTIONAL_TOKEN, NOT_FOUND, INVALID), openapi_extra=if_none_match())
def get_disclosure(request: Request, session: SessionDep, disclosure_id: RowId,
                   principal: Annotated[Principal | None, Depends(api_principal)]):
    """Drafts are visible only to a token that may edit disclosures."""
    include_drafts = principal is not None and principal.can("disclosure:edit")
    return _one(request, session, disclosure_service.get(session, disclosure_id, include_drafts=include_drafts))


@router.post("", response_model=DisclosureOut, status_code=201, summary="Create a draft",
             responses=responses(BODY, TOKEN, CONFLICT, INVALID))
def create_disclosure(request: Request, session: SessionDep, body: DisclosureInput,
                      principal: Principal = require_api("disclosure:edit")):
    return _one(request, session, disclosure_service.create_draft(session, principal=principal, data=body))


@router.patch("/{disclosure_id}", response_model=DisclosureOut, summary="Change a disclosure",
              responses=responses(BODY, WRITE))
def patch_disclosure(request: Request, session: SessionDep, disclosure_id: RowId, body: DisclosurePatch,
                     principal: Principal = require_api("disclosure:edit")):
    """Fields left out keep their value. On a published disclosure this creates a new version."""
    d = disclosure_service.get(session, disclosure_id, include_drafts=True)
    assert d.id is not None  # a stored row
    current = {k: getattr(d, k) for k in disclosure_service.CONTENT_FIELDS}
    current.update(posted_on=d.posted_on, posting_ends_on=d.posting_ends_on)
    changes = body.model_dump(exclude_unset=True, exclude={"change_note"})
    data = disclosure_service.DisclosureInput.model_validate({**current, **changes})
    return _one(request, session, disclosure_service.update(session, principal=principal, disclosure_id=d.id, data=data,
                                             change_note=body.change_note))


@router.post("/{disclosure_id}/publish", response_model=DisclosureOut, summary="Publish a draft",
             responses=WRITE)
def publish_disclosure(request: Request, session: SessionDep, disclosure_id: RowId,
                       principal: Principal = require_api("disclosure:publish")):
    return _one(request, session, disclosure_service.publish(session, principal=principal, disclosure_id=disclosure_id))


@router.post("/{disclosure_id}/withdraw", response_model=DisclosureOut, summary="Withdraw, with a reason",
             responses=responses(BODY, WRITE))
def withdraw_disclosure(request: Request, session: SessionDep, disclosure_id: RowId, body: WithdrawBody,
                        principal: Principal = require_api("disclosure:publish")):
    return _one(request, session, disclosure_service.withdraw(session, principal=principal, disclosure_id=disclosure_id,
                                               reason=body.reason))


@router.post("/{disclosure_id}/methods", response_model=DisclosureOut, summary="Record a method used",
             responses=responses(BODY, WRITE))
def add_method(request: Request, session: SessionDep, disclosure_id: RowId, body: MethodBody,
               principal: Principal = require_api("disclosure:edit")):
    disclosure_service.record_method(session, principal=principal, disclosure_id=disclosure_id, method=body.method,
                      used_on=body.used_on, note=body.note)
    return _one(request, session, disclosure_service.get(session, disclosure_id, include_drafts=True))


@router.post("/{disclosure_id}/attachments", response_model=AttachmentOut, status_code=201,
             summary="Attach a file (PDF, DOCX, XLSX, JPEG, PNG)",
             responses=responses(BODY, WRITE, {
                 413: problem("The file (or the body) is larger than the upload limit"),
                 415: problem("Not a PDF, DOCX, XLSX, JPEG or PNG file (judged by its content, not its name)")}))
def add_attachment(request: Request, session: SessionDep, disclosure_id: RowId,
                   file: Annotated[UploadFile, File(description="The file; its type is read from its content")],
                   principal: Principal = require_api("disclosure:edit")):
    settings = request.app.state.settings
    file.file.seek(0)  # the body was parsed (spooled) before this thread began; read it without the event loop
    data = file.file.read(settings.max_upload_bytes + 1)
    [att] = disclosure_service.add_attachments(session, principal=principal, disclosure_id=disclosure_id,
                                               uploads=[disclosure_service.Upload(data, file.filename or "")],
                                               store=settings.file_store)
    base = settings.public_base_url.rstrip("/")
    return AttachmentOut(id=att.id, filename=att.filename, content_type=att.content_type, size=att.size,
                         sha256=att.sha256,
                         url=f"{base}/disclosures/{disclosure_id}/files/{att.id}/{quote(att.filename)}")
