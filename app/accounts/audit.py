"""The audit log: every change, in the same transaction, chained by HMAC-SHA256.

Each row's hash covers its own content and the previous row's hash, so editing a row breaks
its hash, inserting or deleting one breaks the chain (and the `seq` numbering). The hash is
keyed with the SECRET_KEY, which lives outside the database: someone who can write to the
database alone cannot recompute the chain after tampering. Rows are appended under a lock, so
two transactions cannot both extend the same tail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from app.core.db import utcnow
from app.models.audit import AuditEvent

GENESIS = "0" * 64
# PostgreSQL advisory lock id for appending to the chain (any constant unique to this use).
PG_LOCK_ID = 7_140_211


@dataclass(frozen=True)
class Actor:
    """Who did something: a staff user, an API token, the CLI or the system."""

    label: str
    user_id: int | None = None
    role: str | None = None
    client_addr: str = ""

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(label=label)


def _default(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_json(data: dict | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_default)


def _row_hash(e: AuditEvent, key: str) -> str:
    at = e.at if e.at.tzinfo else e.at.replace(tzinfo=timezone.utc)
    payload = json.dumps(
        [e.seq, at.astimezone(timezone.utc).isoformat(timespec="microseconds"), e.actor, e.action,
         e.entity_type, e.entity_id, e.before, e.after, e.client_addr, e.prev_hash],
        ensure_ascii=False,
    )
    return hmac.new(_chain_key(key), payload.encode(), hashlib.sha256).hexdigest()


def _chain_key(secret: str) -> bytes:
    # Derived, so the raw SECRET_KEY is used for nothing but deriving keys.
    return hashlib.sha256(b"minhbach-audit-chain:" + secret.encode()).digest()


def _session_key(session: Session) -> str:
    key = session.info.get("audit_key")
    if not key:
        raise RuntimeError("this session has no audit key: open it with session_for(..., audit_key=SECRET_KEY)")
    return key


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: Any = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    key = _session_key(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_ID})
    last = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1)).first()
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor=actor.label[:120],
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id or ""),
        before=to_json(before),
        after=to_json(after),
        client_addr=actor.client_addr[:64],
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    event.hash = _row_hash(event, key)
    session.add(event)
    session.flush()
    return event


@dataclass
class VerifyReport:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session, *, key: str, batch: int = 5000) -> VerifyReport:
    """Walk the whole chain and report every edited, inserted or deleted row."""
    problems: list[str] = []
    prev_hash, prev_seq, checked = GENESIS, 0, 0
    after_seq = 0
    while True:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.seq > after_seq).order_by(col(AuditEvent.seq)).limit(batch)
        ).all()
        if not rows:
            break
        for e in rows:
            checked += 1
            if e.seq != prev_seq + 1:
                problems.append(f"seq {prev_seq + 1}..{e.seq - 1}: rows missing (deleted) before id {e.id}")
            if e.prev_hash != prev_hash:
                problems.append(f"seq {e.seq} (id {e.id}): chain broken: previous hash does not match "
                                "(row inserted or deleted)")
            if _row_hash(e, key) != e.hash:
                problems.append(f"seq {e.seq} (id {e.id}): content does not match its hash (row edited)")
            prev_hash, prev_seq = e.hash, e.seq
        after_seq = rows[-1].seq
    return VerifyReport(checked=checked, problems=problems)


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict:
    """The named fields of a row, for `before`/`after`."""
    return {f: getattr(obj, f) for f in fields}
