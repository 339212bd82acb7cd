"""What the public pages and the API read about dialogues, in bulk: the page of public dialogues
with the time each last changed (its own change or a commitment's), their published results in
a fixed number of queries whatever the page's size (no N+1), the counts of open commitments,
and the evidence files of progress steps."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.core.pagination import Page, paginate
from app.core.timeutil import as_utc
from app.models.dialogue import (
    OPEN_COMMITMENT_STATUSES,
    PUBLIC_STATUSES,
    Commitment,
    Dialogue,
    DialogueCorrection,
    DialogueFile,
    DialogueQuestion,
    DialogueStatus,
)


def _changed_at():
    """The later of the dialogue's own change and its commitments' latest change."""
    latest = (select(func.max(Commitment.updated_at)).where(Commitment.dialogue_id == Dialogue.id)
              .correlate(Dialogue).scalar_subquery())
    return sql_case((latest > Dialogue.updated_at, latest), else_=Dialogue.updated_at)


def public_page(session: Session, *, status: str | None = None, updated_since: datetime | None = None,
                limit: int = 20, cursor: str | None = None) -> Page:
    """Announced, held and published dialogues (never a planned one), each as (dialogue, the time
    it last changed). Latest start first; with `updated_since`, every one changed since then,
    oldest change first."""
    changed = _changed_at()
    stmt = select(Dialogue, changed.label("changed_at")).where(
        col(Dialogue.status).in_([s.value for s in PUBLIC_STATUSES]))
    if status is not None:
        stmt = stmt.where(Dialogue.status == status)
    if updated_since is not None:
        stmt = stmt.where(changed >= as_utc(updated_since))
        return paginate(session, stmt, order=[changed, col(Dialogue.id)], descending=False, limit=limit,
                        cursor=cursor, key=lambda row: [row[1], row[0].id])
    return paginate(session, stmt, order=[col(Dialogue.starts_at), col(Dialogue.id)], descending=True, limit=limit,
                    cursor=cursor, key=lambda row: [row[0].starts_at, row[0].id])


def changed_at(session: Session, dialogue_id: int) -> datetime:
    """When the dialogue or one of its commitments last changed."""
    return session.exec(select(_changed_at()).where(Dialogue.id == dialogue_id)).one()


@dataclass
class Results:
    """The published results of several dialogues: questions and commitments by dialogue, the
    minutes' scans by dialogue, the evidence files by progress step."""

    questions: dict[int, list[DialogueQuestion]] = field(default_factory=lambda: defaultdict(list))
    commitments: dict[int, list[Commitment]] = field(default_factory=lambda: defaultdict(list))
    scans: dict[int, list[DialogueFile]] = field(default_factory=lambda: defaultdict(list))
    evidence: dict[int, list[DialogueFile]] = field(default_factory=lambda: defaultdict(list))


def results_of(session: Session, published: list[int]) -> Results:
    """The results of these (published) dialogues, in three queries."""
    out = Results()
    if published:
        for q in session.exec(select(DialogueQuestion).where(col(DialogueQuestion.dialogue_id).in_(published))
                              .order_by(col(DialogueQuestion.dialogue_id), col(DialogueQuestion.position))):
            out.questions[q.dialogue_id].append(q)
        for c in session.exec(select(Commitment).where(col(Commitment.dialogue_id).in_(published))
                              .order_by(col(Commitment.id))):
            out.commitments[c.dialogue_id].append(c)
        for f in session.exec(select(DialogueFile).where(col(DialogueFile.dialogue_id).in_(published))
                              .order_by(col(DialogueFile.id))):
            (out.evidence[f.commitment_update_id] if f.commitment_update_id else out.scans[f.dialogue_id]).append(f)
    return out


def correction_counts(session: Session, dialogue_ids: list[int]) -> dict[int, int]:
    """How many corrections each of these dialogues has (those with none are left out)."""
    if not dialogue_ids:
        return {}
    return dict(session.exec(select(col(DialogueCorrection.dialogue_id), func.count(col(DialogueCorrection.id)))
                             .where(col(DialogueCorrection.dialogue_id).in_(dialogue_ids))
                             .group_by(col(DialogueCorrection.dialogue_id))).all())


def evidence_files(session: Session, dialogue_ids: list[int]) -> dict[int, list[DialogueFile]]:
    """The evidence files of every progress step of these dialogues, by step, in one query."""
    out: dict[int, list[DialogueFile]] = defaultdict(list)
    if dialogue_ids:
        for f in session.exec(select(DialogueFile).where(col(DialogueFile.dialogue_id).in_(dialogue_ids),
                                                         col(DialogueFile.commitment_update_id).is_not(None))
                              .order_by(col(DialogueFile.id))):
            assert f.commitment_update_id is not None  # only the steps' files are selected
            out[f.commitment_update_id].append(f)
    return out


def open_counts(session: Session, today: date) -> tuple[int, int]:
    """How many commitments of published dialogues are open, and how many of them overdue."""
    total, late = session.exec(
        select(func.count(col(Commitment.id)),
               func.coalesce(func.sum(sql_case((col(Commitment.due_on) < today, 1), else_=0)), 0))
        .join(Dialogue, col(Dialogue.id) == col(Commitment.dialogue_id))
        .where(col(Commitment.status).in_([s.value for s in OPEN_COMMITMENT_STATUSES]),
               col(Dialogue.status) == DialogueStatus.published)).one()
    return int(total or 0), int(late or 0)


def dialogues_by_id(session: Session, ids: set[int]) -> dict[int, Dialogue]:
    if not ids:
        return {}
    return {d.id: d for d in session.exec(select(Dialogue).where(col(Dialogue.id).in_(sorted(ids))))
            if d.id is not None}
