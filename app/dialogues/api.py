"""JSON API v1 for the dialogues with residents: public reads, no token needed.

A dialogue is listed once announced. Its results (minutes, signed scans, questions and
answers, commitments with their dated progress) are included once published; before that the
lists are empty and `minutes` is "". `updated_at` is the latest change of the dialogue or of
any of its commitments (a progress step changes the commitment), so `updated_since` finds both."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.core.api import CONDITIONAL, INVALID, NOT_FOUND, Cursor, UpdatedSince, if_none_match, responses
from app.core.deps import RowId, SessionDep
from app.core.timeutil import local_today, to_local
from app.dialogues import commitment_links as links
from app.dialogues import queries
from app.dialogues import service as dialogue_service
from app.dialogues.commitments import overdue, progress_of
from app.models.dialogue import (
    CommitmentStatus,
    Dialogue,
    DialogueFile,
    DialogueFormat,
    DialogueStatus,
    DialogueTrigger,
)

router = APIRouter(prefix="/api/v1/dialogues", tags=["dialogues"])


class PublicStatus(StrEnum):
    announced = "announced"
    held = "held"
    published = "published"


class FileOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class ProgressOut(BaseModel):
    on: date
    note: str
    status: CommitmentStatus = Field(description="the commitment's status after this step")
    files: list[FileOut] = Field(description="evidence")


class LinkedDisclosureOut(BaseModel):
    id: int
    title: str
    url: str


class LinkedCaseOut(BaseModel):
    kind: str = Field(description="complaint, petition or feedback (a denunciation is never linked)")
    field: str
    status: str
    summary: str = Field(description="the case's public summary once it has an outcome; no personal data")


class CommitmentOut(BaseModel):
    id: int
    title: str
    owner_department: str
    due_on: date
    first_due_on: date = Field(description="the due date promised at the dialogue; differs from `due_on` when a "
                                           "correction moved it")
    status: CommitmentStatus
    overdue: bool = Field(description="still open after its due date (the ward's local today)")
    done_on: date | None
    drop_reason: str = Field(description="why a dropped commitment is not carried out")
    question_position: int | None = Field(description="the question it answers (`position` in `questions`)")
    progress: list[ProgressOut] = Field(description="dated steps, oldest first")
    disclosures: list[LinkedDisclosureOut] = Field(description="published documents that carry it out")
    cases: list[LinkedCaseOut] = Field(description="cases that carry it out, without tracking code or sender")


class QuestionOut(BaseModel):
    position: int
    content: str
    asked_by: str = Field(description="a residential group, an organisation, or a person who agreed to be named")
    answer: str
    answered_by: str


class DialogueOut(BaseModel):
    id: int
    title: str
    topics: str
    starts_at: datetime = Field(description="local time (Asia/Ho_Chi_Minh), with its offset")
    ends_at: datetime | None
    place: str
    online_url: str
    format: DialogueFormat
    organised_with: str
    chair: str
    invited_groups: str
    trigger: DialogueTrigger
    status: DialogueStatus
    announced_on: date | None
    attendance: int | None = Field(description="people present; set once held")
    results_published_on: date | None
    minutes: str = Field(description="Markdown; \"\" until the results are published")
    minutes_files: list[FileOut] = Field(description="the signed minutes, scanned; once published")
    questions: list[QuestionOut] = Field(description="once published; empty before")
    commitments: list[CommitmentOut] = Field(description="once published; empty before")
    corrections: int = Field(description="changes recorded after the dialogue was announced or published")
    url: str = Field(description="the public page")
    updated_at: datetime = Field(description="latest change of the dialogue or of one of its commitments")


class DialogueList(BaseModel):
    items: list[DialogueOut]
    next_cursor: str | None


def _serialise(request: Request, session: Session, rows: list[tuple[Dialogue, datetime]]) -> list[DialogueOut]:
    """Many dialogues with their results in six queries, whatever the page's size (no N+1)."""
    base = request.app.state.settings.public_base_url.rstrip("/")
    today = local_today()
    ids = [d.id for d, _changed in rows if d.id is not None]
    published = [d.id for d, _changed in rows if d.id is not None and d.status == DialogueStatus.published]
    results = queries.results_of(session, published)
    questions, commitments, scans, evidence = results.questions, results.commitments, results.scans, results.evidence
    commitment_ids = [c.id for cs in commitments.values() for c in cs if c.id is not None]
    steps = progress_of(session, commitment_ids)
    linked = {cid: links.public_links(found) for cid, found in links.links_of(session, commitment_ids).items()}
    nothing = links.PublicLinks([], [])
    fixes = queries.correction_counts(session, ids)

    def file_out(d: Dialogue, f: DialogueFile) -> FileOut:
        return FileOut(id=f.id, filename=f.filename, content_type=f.content_type, size=f.size, sha256=f.sha256,
                       url=f"{base}/dialogues/{d.id}/files/{f.id}")

    out = []
    for d, changed in rows:
        assert d.id is not None  # a stored row
        positions = {q.id: q.position for q in questions[d.id]}
        out.append(DialogueOut(
            id=d.id, title=d.title, topics=d.topics, starts_at=to_local(d.starts_at),
            ends_at=to_local(d.ends_at) if d.ends_at else None, place=d.place, online_url=d.online_url,
            format=d.format, organised_with=d.organised_with, chair=d.chair, invited_groups=d.invited_groups,
            trigger=d.trigger, status=d.status, announced_on=d.announced_on,
            attendance=d.attendance if d.status in (DialogueStatus.held, DialogueStatus.published) else None,
            results_published_on=d.results_published_on,
            minutes=d.minutes if d.status == DialogueStatus.published else "",
            minutes_files=[file_out(d, f) for f in scans[d.id]],
            questions=[QuestionOut(position=q.position, content=q.content, asked_by=q.asked_by, answer=q.answer,
                                   answered_by=q.answered_by) for q in questions[d.id]],
            commitments=[CommitmentOut(
                id=c.id, title=c.title, owner_department=c.owner_department, due_on=c.due_on,
                first_due_on=c.first_due_on or c.due_on, status=c.status,
                overdue=overdue(c, today), done_on=c.done_on, drop_reason=c.drop_reason,
                question_position=positions.get(c.question_id),
                progress=[ProgressOut(on=s.on, note=s.note, status=s.status,
                                      files=[file_out(d, f) for f in evidence[s.id]])
                          for s in steps[c.id] if s.id is not None],
                disclosures=[LinkedDisclosureOut(id=doc.id, title=doc.title, url=f"{base}/disclosures/{doc.id}")
                             for doc in linked.get(c.id, nothing).disclosures],
                cases=[LinkedCaseOut(kind=k.kind, field=k.field, status=k.status, summary=k.summary)
                       for k in linked.get(c.id, nothing).cases])
                for c in commitments[d.id] if c.id is not None],
            corrections=fixes.get(d.id, 0),
            url=f"{base}/dialogues/{d.id}",
            updated_at=changed or d.updated_at,
        ))
    return out


@router.get("", response_model=DialogueList, summary="List public dialogues with their published results",
            responses=responses(CONDITIONAL, INVALID), openapi_extra=if_none_match())
def list_dialogues(
    request: Request,
    session: SessionDep,
    status: Annotated[PublicStatus | None, Query(description="only dialogues in this status")] = None,
    updated_since: UpdatedSince = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Cursor = None,
):
    """Announced, held and published dialogues (never a planned one). Without `updated_since`:
    latest start first. With it: every dialogue changed since then (a commitment's progress
    counts as a change of its dialogue), oldest change first, for keeping a copy in sync."""
    page = queries.public_page(session, status=status.value if status is not None else None,
                               updated_since=updated_since, limit=limit, cursor=cursor)
    return DialogueList(items=_serialise(request, session, [tuple(r) for r in page.items]),
                        next_cursor=page.next_cursor)


@router.get("/{dialogue_id}", response_model=DialogueOut, summary="One public dialogue with its published results",
            responses=responses(CONDITIONAL, NOT_FOUND, INVALID), openapi_extra=if_none_match())
def get_dialogue(request: Request, session: SessionDep, dialogue_id: RowId):
    """A planned (not yet announced) or unknown dialogue: 404."""
    d = dialogue_service.public_get(session, dialogue_id)
    assert d.id is not None  # a stored row
    return _serialise(request, session, [(d, queries.changed_at(session, d.id))])[0]
