"""Keyset (cursor) pagination: a page costs the same at row 100 as at row 1,000,000.

The cursor is the sort key of the last row of a page, opaque to clients (base64 JSON)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import DateTime, literal, tuple_
from sqlalchemy.orm import Mapped, QueryableAttribute
from sqlmodel import Session

from app.core.errors import Invalid
from app.core.i18n import _

T = TypeVar("T")
MAX_LIMIT = 100


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# A model's column as `col(Model.attribute)` gives it (an InstrumentedAttribute at run time).
OrderColumn = Mapped[Any]


def _attributes(columns: Sequence[OrderColumn]) -> list[QueryableAttribute[Any]]:
    return [cast(QueryableAttribute[Any], c) for c in columns]


def decode_cursor(cursor: str, columns: Sequence[OrderColumn]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError
        out: list[Any] = []
        for col, v in zip(_attributes(columns), values):
            if isinstance(getattr(col.type, "impl", col.type), DateTime):
                dt = datetime.fromisoformat(v)
                if not 1900 <= dt.year <= 2200:
                    raise ValueError
                out.append(dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc))
            elif isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 2_147_483_647:
                out.append(v)
            elif isinstance(v, str) and len(v) <= 200:
                out.append(v)
            else:
                raise ValueError
        return out
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise Invalid(_("Con trỏ phân trang không hợp lệ"), fields={"cursor": "invalid"}) from None


def paginate(session: Session, stmt, *, order: Sequence[OrderColumn], descending: bool, limit: int,
             cursor: str | None, key=None) -> Page:
    """Run `stmt` ordered by `order` (all the same direction; the last column unique)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    columns = _attributes(order)
    if cursor:
        after = decode_cursor(cursor, order)
        row = tuple_(*columns)
        # Typed literals, so the values are bound exactly as the columns store them.
        key_values = tuple_(*[literal(v, type_=c.type) for c, v in zip(columns, after)])
        stmt = stmt.where(row < key_values if descending else row > key_values)
    stmt = stmt.order_by(*[c.desc() if descending else c.asc() for c in columns]).limit(limit + 1)
    rows = list(session.exec(stmt).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more:
        last = rows[-1]
        # The ordering columns are the model's own columns, so their key is the attribute's name.
        next_cursor = encode_cursor(key(last) if key else [getattr(last, c.key) for c in columns])
    return Page(rows, next_cursor)
