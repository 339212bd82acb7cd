"""JSON API v1: the change feed. A receiver keeps the `next_cursor` of each answer and asks again
with `since=<it>`; it then sees every public change once, in the order it was committed, without
polling each list. Case changes are listed only for a token with the `complaints:read` scope."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from app.accounts.auth import Principal
from app.accounts.deps import api_principal
from app.core.api import CONDITIONAL, INVALID, OPTIONAL_TOKEN, if_none_match, responses
from app.core.deps import SessionDep
from app.core.errors import Invalid
from app.core.i18n import _
from app.integration import events
from app.models.event import Audience

router = APIRouter(prefix="/api/v1/events", tags=["events"])
_DIGITS = re.compile(r"[0-9]{1,12}")
MAX_ID = 2_147_483_647  # an event's id is an INTEGER column: no event comes after this one

TYPES = ("disclosure.published, disclosure.amended, disclosure.withdrawn, disclosure.answered, dialogue.announced, "
         "dialogue.published, dialogue.corrected, commitment.progress; with `complaints:read`: case.received, "
         "case.status")


class EventOut(BaseModel):
    id: int
    at: datetime
    type: str = Field(description=TYPES)
    entity: str = Field(description="disclosure, dialogue, commitment or case")
    entity_id: int = Field(description="the id in that entity's API (`/api/v1/disclosures/{id}`, …)")
    summary: str = Field(description="one line for people; never personal data")


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str = Field(description="pass as `since` next time; unchanged when nothing is new")


def _cursor(since: str) -> int:
    if not since:
        return 0
    if not _DIGITS.fullmatch(since):  # not str.isdigit(): it takes "²", which int() refuses
        raise Invalid(_("Con trỏ không hợp lệ"), fields={"since": "invalid"})
    return int(since)


@router.get("", response_model=EventPage, summary="Every public change since a cursor, oldest first",
            responses=responses(CONDITIONAL, OPTIONAL_TOKEN, INVALID), openapi_extra=if_none_match())
def list_events(
    session: SessionDep,
    principal: Annotated[Principal | None, Depends(api_principal)],
    since: Annotated[str, Query(max_length=12, pattern="^[0-9]*$",
                                description="the `next_cursor` of the previous answer; empty for the beginning")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    audiences = {Audience.public}
    if principal is not None and principal.can("complaint:read"):
        audiences.add(Audience.cases)
    after = _cursor(since)
    if after >= MAX_ID:  # nothing can be newer (and PostgreSQL would refuse the number): keep the cursor
        return EventPage(items=[], next_cursor=str(after))
    page = events.since(session, after=after, limit=limit, audiences=audiences)
    return EventPage(items=[EventOut.model_validate(e, from_attributes=True) for e in page.items],
                     next_cursor=str(page.next_cursor))
