"""JSON API v1 for residents and other front ends: file a case and track it by its code.
No token needed; the same rules (and the same per-client rate limits) as the web form. The
answers carry only the public view of a case (app/cases/views.py): never personal data."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from pydantic import BaseModel, Field

from app.accounts.audit import Actor
from app.cases import intake, queries, rating
from app.cases.views import public_view
from app.core import idempotency
from app.core.api import (
    BODY,
    CONDITIONAL,
    CONFLICT,
    INVALID,
    RATE_LIMITED,
    if_none_match,
    problem,
    responses,
)
from app.core.db import commit_writes
from app.core.deps import SessionDep
from app.core.ratelimit import hit_intake, hit_track
from app.core.security import client_addr
from app.legal.deadlines import Stage
from app.models.complaint import CaseKind, CaseStatus

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])


class DeadlineOut(BaseModel):
    stage: Stage
    due_on: date | None = Field(description="null while the case is suspended (the deadline is open)")
    unit: str | None = Field(description="`working` (working days) or `calendar` (days)")
    days: int | None
    legal_basis: str | None
    rule: str | None = Field(default=None, description="the rule used, as `code[:variant] vN`")
    rule_version: int | None
    met: bool = Field(description="the stage was completed")
    overdue: bool = Field(description="not completed and the due date has passed")


class TimelineOut(BaseModel):
    at: datetime
    status: CaseStatus
    note: str


class OutcomeOut(BaseModel):
    status: CaseStatus
    decision_number: str | None
    decided_on: date | None
    summary: str | None
    guidance_number: str | None
    transfer_body: str | None


class PublicCase(BaseModel):
    tracking_code: str = Field(description="grouped 4-4-5, e.g. ABCD-EFGH-JKMNP; case, spaces and dashes are ignored "
                                           "when looking it up")
    kind: CaseKind
    status: CaseStatus
    received_on: date
    deadlines: list[DeadlineOut]
    timeline: list[TimelineOut] = Field(description="the public steps only")
    outcome: OutcomeOut | None
    can_rate: bool = Field(description="the sender may now rate the answer (once, after resolution)")
    satisfaction: int | None = Field(description="the sender's rating of the answer, 1–5")
    appeal_until: date | None = Field(default=None, description="a complaint resolved at first instance: the last day "
                                      "to complain to the next level (30 days from receiving the decision, 45 in "
                                      "remote areas; Art. 33 Law 02/2011)")


class FiledCase(PublicCase):
    rating_key: str = Field(description="The sender's rating key, e.g. ABCD-EFGH: with the tracking code it lets the "
                                        "sender (and only the sender) rate the answer once the case is resolved. Show "
                                        "it to the sender with the code; it is given only here and in the result "
                                        "mail")


@router.post("", response_model=FiledCase, status_code=201, summary="File a case (no token needed)",
             responses=responses(BODY, RATE_LIMITED, CONFLICT, INVALID, {
                 200: {"description": "A retry with the same `Idempotency-Key` and body: the case the first "
                                      "request filed (header `Idempotent-Replayed: true`)",
                       "model": FiledCase}}))
def file_case(request: Request, session: SessionDep, body: intake.CaseInput, response: Response,
              idempotency_key: Annotated[str | None, Header(
                  min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]{16,128}$",
                  description="A key you make for this submission (e.g. a UUID). Send the request again with the "
                              "same key after a timeout or a lost answer: you get the case the first one filed "
                              "instead of a second case. The same key with a different body is a 422.")] = None):
    """Complaints and denunciations need the sender's name and address; petitions and feedback
    may be anonymous (`anonymous: true`). Keep the returned `tracking_code`: it is the only way
    to follow the case. Rate-limited per client (429 with Retry-After)."""
    addr = client_addr(request)
    claim = None
    if idempotency_key is not None:
        # Scoped to the caller's address, so nobody can replay another client's answer by its key.
        claim = idempotency.claim(session, scope=f"api:{addr}", key=idempotency_key,
                                  request_hash=idempotency.fingerprint(body.model_dump(mode="json")))
        if claim.replay is not None:
            response.status_code = 200
            response.headers["Idempotent-Replayed"] = "true"
            return _filed(session, claim.replay)
    hit_intake(request.app, addr)
    case = intake.file_case(session, data=body, channel="web", actor=Actor("citizen:web", client_addr=addr),
                            store=request.app.state.settings.file_store)
    if claim is not None:
        claim.bind(case)
    commit_writes(session)  # before answering: a client that got a code has a case
    return _filed(session, case)


def _filed(session, case) -> FiledCase:
    return FiledCase.model_validate(public_view(session, case) | {"rating_key": rating.rating_key(session, case)})


@router.get("/track/{code}", response_model=PublicCase, summary="Track a case by its code",
            responses=responses(CONDITIONAL, RATE_LIMITED, {404: problem("No case has this code")}, INVALID),
            openapi_extra=if_none_match())
def track(request: Request, session: SessionDep,
          code: Annotated[str, Path(description="the tracking code, with or without dashes")]):
    """Status, deadlines with their legal basis, public timeline and outcome. The same 404 for
    every unknown code; lookups are rate-limited per client (429 with Retry-After)."""
    hit_track(request.app, client_addr(request))
    return PublicCase.model_validate(public_view(session, queries.by_tracking_code(session, code)))


@router.post("/track/{code}/rating", response_model=PublicCase,
             summary="Rate the answer (once, after resolution, with the rating key given at filing)",
             responses=responses(BODY, RATE_LIMITED, {404: problem("No case has this code")},
                                 {409: problem("Not resolved yet, or already rated")}, INVALID))
def rate(request: Request, session: SessionDep, body: rating.RatingInput,
         code: Annotated[str, Path(description="the tracking code")]):
    hit_track(request.app, client_addr(request))
    case = rating.rate(session, code=code[:64], data=body, actor=Actor("citizen:api", client_addr=client_addr(request)))
    return public_view(session, case)
