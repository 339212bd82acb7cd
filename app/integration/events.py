"""The public change feed (`GET /api/v1/events`) and the source of webhook deliveries.

Services call `record()` in the same transaction as the change, so an event exists exactly when
its change was committed. Receivers resume from the last id they saw; for that to be safe the
ids must be handed out in commit order. SQLite has one writer at a time; on PostgreSQL a
sequence value taken by a transaction that commits later could be skipped by a reader, so
`record()` holds the audit chain's transaction lock (the same lock: two locks could deadlock)
until commit. Every change that records an event also writes the audit chain, so this adds no
new waiting."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, col, select

from app.accounts import audit
from app.models.event import Audience, PublicEvent


def record(session: Session, *, type: str, entity: str, entity_id: int, summary: str,
           audience: Audience = Audience.public) -> PublicEvent:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": audit.PG_LOCK_ID})
    event = PublicEvent(type=type, entity=entity, entity_id=entity_id, summary=summary[:300],
                        audience=audience.value)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class EventPage:
    items: list[PublicEvent]
    next_cursor: int


def since(session: Session, *, after: int, limit: int, audiences: set[Audience]) -> EventPage:
    """Events after id `after`, oldest first. `next_cursor` is where to resume: the last id
    returned, or `after` itself when nothing is new."""
    rows = list(session.exec(select(PublicEvent).where(col(PublicEvent.id) > after,
                                                       col(PublicEvent.audience).in_([a.value for a in audiences]))
                             .order_by(col(PublicEvent.id)).limit(limit)))
    next_cursor = rows[-1].id if rows else after
    assert next_cursor is not None  # a stored row has an id
    return EventPage(rows, next_cursor)
