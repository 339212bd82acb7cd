"""What the ward promised at a dialogue: commitments (an owner department and a due date not
before the dialogue) and their dated progress steps, which move the status (open → in progress
→ done or dropped, with the note as the reason) and carry evidence files. A change after the
results are published is a correction, as for the rest of the dialogue (app/dialogues/service.py).
Links to the cases and disclosures that carry a commitment out: app/dialogues/commitment_links.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import Field, field_validator
from sqlalchemy import case as sql_case
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.auth import Principal
from app.core import files
from app.core.errors import Conflict, Invalid, NotFound
from app.core.files import FileStore
from app.core.i18n import _
from app.core.timeutil import local_date, local_today
from app.core.validation import InputModel, check_date_range, limit, one_line, register_limits, stripped
from app.dialogues.service import (
    correction_reason,
    get,
    record_correction,
    require_held,
    require_manager,
    store_file,
    touch,
)
from app.integration import events
from app.models.dialogue import (
    COMMITMENT_STATUS_LABELS,
    OPEN_COMMITMENT_STATUSES,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Dialogue,
    DialogueQuestion,
    DialogueStatus,
)


class CommitmentInput(InputModel):
    title: str = Field(min_length=5, max_length=limit(Commitment, "title"))
    owner_department: str = Field(min_length=2, max_length=limit(Commitment, "owner_department"))
    due_on: date
    question_id: int | None = Field(default=None, ge=1, le=2_147_483_647)

    _one = one_line("title", "owner_department")
    _due = field_validator("due_on")(lambda cls, v: check_date_range(v))


register_limits("commitment", CommitmentInput)


def add_commitment(session: Session, *, principal: Principal, dialogue_id: int, data: CommitmentInput,
                   reason: str = "") -> Commitment:
    require_manager(principal)
    row = get(session, dialogue_id)
    require_held(row)
    reason = correction_reason(row, reason)
    _check_commitment(session, row, data)
    assert row.id is not None  # a stored row
    c = Commitment(dialogue_id=row.id, first_due_on=data.due_on, **data.model_dump())
    session.add(c)
    session.flush()
    if row.status == DialogueStatus.published:
        record_correction(session, principal, row, f"commitment:{c.id}", {}, reason)
    touch(session, row)
    audit.record(session, actor=principal.actor, action="commitment.create", entity_type="commitment",
                 entity_id=c.id, after={**data.model_dump(), "dialogue_id": row.id})
    return c


def _check_commitment(session: Session, row: Dialogue, data: CommitmentInput) -> None:
    if data.due_on < local_date(row.starts_at):
        raise Invalid(_("Hạn thực hiện không được trước ngày đối thoại"), fields={"due_on": "before_dialogue"})
    if data.question_id is not None:
        q = session.get(DialogueQuestion, data.question_id)
        if q is None or q.dialogue_id != row.id:
            raise Invalid(_("Câu hỏi không thuộc cuộc đối thoại này"), fields={"question_id": "other_dialogue"})


COMMITMENT_FIELDS = ("title", "owner_department", "due_on", "question_id")


def update_commitment(session: Session, *, principal: Principal, commitment_id: int, data: CommitmentInput,
                      reason: str = "") -> Commitment:
    """Correct what was promised, who owns it or by when. After publication the reason is
    required and the earlier values are kept; a moved due date shows on the public page."""
    require_manager(principal)
    c = get_commitment(session, commitment_id)
    row = get(session, c.dialogue_id)
    reason = correction_reason(row, reason)
    _check_commitment(session, row, data)
    before = {k: getattr(c, k) for k in COMMITMENT_FIELDS}
    after = data.model_dump()
    if before == after:
        return c
    for k, v in after.items():
        setattr(c, k, v)
    if row.status == DialogueStatus.published:
        record_correction(session, principal, row, f"commitment:{c.id}", before, reason)
    touch(session, c)
    touch(session, row)
    audit.record(session, actor=principal.actor, action="commitment.update", entity_type="commitment",
                 entity_id=c.id, before=before, after=after)
    return c


class ProgressInput(InputModel):
    on: date
    note: str = Field(min_length=5, max_length=10_000)
    status: CommitmentStatus

    _strip = stripped("note")
    _on = field_validator("on")(lambda cls, v: check_date_range(v))


register_limits("progress", ProgressInput)


def add_progress(session: Session, *, principal: Principal, commitment_id: int, data: ProgressInput,
                 uploads: Sequence = (), store: FileStore | None = None) -> CommitmentUpdate:
    """A dated step: what was done, the status after it, evidence files. Dropping a commitment
    needs the step's note as its reason; a finished or dropped commitment takes no more steps."""
    require_manager(principal)
    c = get_commitment(session, commitment_id, for_update=True)  # two steps at once cannot both end it
    row = get(session, c.dialogue_id)
    if c.status not in OPEN_COMMITMENT_STATUSES:
        raise Conflict(_("Cam kết đã kết thúc (hoàn thành hoặc không thực hiện)"))
    if data.on > local_today() or data.on < local_date(row.starts_at):
        raise Invalid(_("Ngày cập nhật phải từ ngày đối thoại đến hôm nay"), fields={"on": "range"})
    if data.status == CommitmentStatus.open and c.status == CommitmentStatus.in_progress:
        raise Invalid(_("Cam kết đang thực hiện không trở lại trạng thái chưa thực hiện"), fields={"status": "back"})
    uploads = list(uploads)
    for u in uploads:
        assert store is not None  # callers pass the store with any upload
        files.check(data=u.data, filename=u.filename, max_bytes=store.max_bytes)
    assert c.id is not None  # a stored row
    step = CommitmentUpdate(commitment_id=c.id, on=data.on, note=data.note, status=data.status.value,
                            actor=principal.actor.label[:120])
    session.add(step)
    session.flush()
    assert row.id is not None and step.id is not None  # stored rows
    for u in uploads:
        assert store is not None  # callers pass the store with any upload
        store_file(session, principal, row.id, step.id, u, store)
    before = c.status
    c.status = data.status.value
    if data.status == CommitmentStatus.done:
        c.done_on = data.on
    if data.status == CommitmentStatus.dropped:
        c.drop_reason = data.note[:limit(Commitment, "drop_reason")]
    touch(session, c)
    touch(session, row)  # the dialogue's results changed: API readers syncing by updated_since see it
    audit.record(session, actor=principal.actor, action="commitment.progress", entity_type="commitment",
                 entity_id=c.id, before={"status": before}, after={"status": c.status, "on": data.on,
                                                                   "files": len(uploads)})
    if row.status == DialogueStatus.published:  # before that, the commitment itself is not public
        events.record(session, type="commitment.progress", entity="commitment", entity_id=c.id,
                      summary=f"{c.title}: {COMMITMENT_STATUS_LABELS[CommitmentStatus(c.status)].message}")
    return step


def get_commitment(session: Session, commitment_id: int, *, for_update: bool = False) -> Commitment:
    c = session.get(Commitment, commitment_id, with_for_update=for_update or None)
    if c is None:
        raise NotFound(_("Không tìm thấy cam kết"))
    return c


def commitments(session: Session, dialogue_id: int) -> list[Commitment]:
    return list(session.exec(select(Commitment).where(col(Commitment.dialogue_id) == dialogue_id)
                             .order_by(col(Commitment.id))))


def progress_of(session: Session, commitment_ids: list[int]) -> dict[int, list[CommitmentUpdate]]:
    """The steps of many commitments in one query, oldest first."""
    out: dict[int, list[CommitmentUpdate]] = {i: [] for i in commitment_ids}
    if commitment_ids:
        for step in session.exec(select(CommitmentUpdate).where(col(CommitmentUpdate.commitment_id).in_(commitment_ids))
                                 .order_by(col(CommitmentUpdate.on), col(CommitmentUpdate.id))):
            out[step.commitment_id].append(step)
    return out


def overdue(c: Commitment, today: date) -> bool:
    return c.status in OPEN_COMMITMENT_STATUSES and c.due_on < today


def open_commitments(session: Session, *, today: date, limit: int = 200) -> list[Commitment]:
    """Every open commitment of a published dialogue, overdue ones first, then by due date."""
    is_overdue = sql_case((col(Commitment.due_on) < today, 0), else_=1)
    return list(session.exec(
        select(Commitment).join(Dialogue, col(Dialogue.id) == col(Commitment.dialogue_id))
        .where(col(Commitment.status).in_([s.value for s in OPEN_COMMITMENT_STATUSES]),
               col(Dialogue.status) == DialogueStatus.published)
        .order_by(is_overdue, col(Commitment.due_on), col(Commitment.id)).limit(limit)))
