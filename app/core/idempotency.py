"""Idempotent case submissions (the web form's hidden key, the API's `Idempotency-Key` header).

`claim()` runs before a case is filed. The first submission with a key inserts its row (in the
same transaction as the case, so both land or neither does); a later one with the same key and
the same content gets the case the first one made, to answer with it again; with other content
it is refused. Two submissions racing with one key: on PostgreSQL the second waits on the first's
row and then sees it; on SQLite writers take turns (app/core/db.py)."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.errors import Invalid
from app.core.i18n import _
from app.models.complaint import Complaint
from app.models.idempotency import IdempotencyKey

KEY_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{16,128}")


def new_key() -> str:
    """A key for one rendering of the intake form (128 random bits)."""
    return secrets.token_urlsafe(16)


def valid_key(key: str) -> bool:
    return KEY_PATTERN.fullmatch(key) is not None


def fingerprint(payload: dict, file_hashes: Sequence[str] = ()) -> str:
    """What was submitted, as a hash: the validated fields and the files' SHA-256."""
    canonical = json.dumps({"data": payload, "files": sorted(file_hashes)}, sort_keys=True, ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key_hash(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()


@dataclass
class Claim:
    """The key's row: `replay` is the case an earlier submission made (answer with it, file nothing)."""

    row: IdempotencyKey
    replay: Complaint | None = None

    def bind(self, case: Complaint) -> None:
        """Record the case this submission filed under the key."""
        self.row.complaint_id = case.id


def claim(session: Session, *, scope: str, key: str, request_hash: str) -> Claim:
    """Take the key for this submission, or find the case a first one made with it.
    Invalid (422) when the key is malformed or was used for different content."""
    if not valid_key(key):
        raise Invalid(_("Khóa chống gửi trùng (Idempotency-Key) phải dài 16–128 ký tự: chữ, số, - _ . :"),
                      fields={"idempotency_key": "pattern"})
    key_hash = _key_hash(scope, key)
    row = session.get(IdempotencyKey, key_hash)
    if row is None:
        row = IdempotencyKey(key_hash=key_hash, request_hash=request_hash)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # another submission with this key committed meanwhile
            row = session.get(IdempotencyKey, key_hash, populate_existing=True)
            if row is None:
                raise
        else:
            return Claim(row)
    if row.request_hash != request_hash:
        raise Invalid(_("Biểu mẫu này đã được gửi với nội dung khác. Hãy mở biểu mẫu mới để gửi một đơn khác."),
                      fields={"idempotency_key": "reused"})
    case = session.get(Complaint, row.complaint_id) if row.complaint_id else None
    return Claim(row, replay=case)
