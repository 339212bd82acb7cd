"""Diacritics- and case-insensitive text search, the one place where the dialects differ.

The application stores a folded copy of the searchable text (`search_text`, see text.fold),
title first. SQLite indexes it with FTS5 (columns `title`, the folded title, and `body`, the
whole text; migration 0015) and PostgreSQL with a trigram GIN index. Both match every word of
the query; SQLite matches the last word as a prefix (the one being typed) and the others whole,
PostgreSQL substrings.

Results of a query are ranked (`ranked`): first those whose title holds every word, then the
others; in each group the most recently entered first. Both groups are read from the full-text
index in rowid order, newest first, and stop at the page: a page costs about the same whatever
the number of matches (a BM25 score would have to be computed for every one of them: 66,000
for "dat dai" in 200,000 disclosures). The total is counted up to `COUNT_CAP`."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import SQLColumnExpression, and_, column, func, literal, table, text
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, select

from app.core.errors import Invalid
from app.core.i18n import _
from app.core.pagination import MAX_LIMIT, Page
from app.core.text import search_tokens

COUNT_CAP = 1000  # matches counted exactly up to this; more read "more than 1,000"
QUERY_MAX_LENGTH = 200  # characters of a query: the routes refuse more, the search boxes take no more
TITLE, BODY = 0, 1  # the ranking's groups: every word in the title, or not


def _fts_query(tokens: list[str]) -> str:
    """Each token quoted (FTS5 syntax characters lose their meaning); the last prefix-matched."""
    quoted = ['"' + t.replace('"', '""') + '"' for t in tokens]
    quoted[-1] += "*"
    return " AND ".join(quoted)


def match_clause(session: Session, *, table: str, id_column: SQLColumnExpression[Any],
                 text_column: SQLColumnExpression[Any], query: str) -> ColumnElement | None:
    """A WHERE clause for rows whose text contains every word of `query`, or None for no words."""
    tokens = search_tokens(query)
    if not tokens:
        return None
    if session.get_bind().dialect.name == "sqlite":
        return id_column.in_(
            text(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :fts").bindparams(fts=_fts_query(tokens))
        )
    return and_(*[text_column.contains(t, autoescape=True) for t in tokens])


# Ranked results ----------------------------------------------------------------------------------

@dataclass
class SearchPage(Page):
    """A page of ranked results, with how many there are in all (`total`, counted up to
    COUNT_CAP: `more` when there are more) and the folded words (for highlighting)."""

    total: int = 0
    more: bool = False
    terms: list[str] = field(default_factory=list)


def _encode(group: int, last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(["r", group, last_id]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, int]:
    try:
        tag, group, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if tag != "r" or group not in (TITLE, BODY) or isinstance(last_id, bool) or not isinstance(last_id, int) \
                or not 0 <= last_id <= 2_147_483_647:
            raise ValueError
        return group, last_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid(_("Con trỏ phân trang không hợp lệ"), fields={"cursor": "invalid"}) from None


def ranked(session: Session, model: Any, *, where: list, title_column: SQLColumnExpression[Any],
           text_column: SQLColumnExpression[Any], query: str, limit: int = 20, cursor: str | None = None,
           narrow: bool = False) -> SearchPage:
    """Rows of `model` (filtered by `where`) matching every word of `query`, the title's matches
    first, newest first in each group; keyset-paginated. `query` must have words. `narrow`:
    `where` keeps a small part of the rows (a year, a category), so the walk of the index is
    bounded by their first and last ids (an index probe): a year long past is not reached by
    walking through every newer match."""
    tokens = search_tokens(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    group, after = _decode(cursor) if cursor else (TITLE, None)
    name = model.__tablename__
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        fts = table(f"{name}_fts", column("rowid"))
        words = _fts_query(tokens)
        matches = {TITLE: f"{{title}} : ({words})", BODY: f"({words}) NOT {{title}} : ({words})"}
        lowest, highest = session.exec(select(func.min(model.id), func.max(model.id)).where(*where)).one() \
            if narrow else (None, None)
        if narrow and highest is None:  # nothing passes the filters
            return SearchPage([], None, total=0, more=False, terms=tokens)

        def select_group(g: int, stmt, after_id: int | None):
            # Driven by the index, newest rowid first: it stops at the page.
            stmt = stmt.select_from(fts).join(model, model.id == fts.c.rowid).where(
                text(f"{name}_fts MATCH :m{g}").bindparams(**{f"m{g}": matches[g]}), *where)
            if after_id is not None:
                stmt = stmt.where(fts.c.rowid < after_id)
            if highest is not None:
                stmt = stmt.where(fts.c.rowid >= lowest, fts.c.rowid <= highest)
            return stmt.order_by(fts.c.rowid.desc())

        def count():
            inner = select(literal(1)).select_from(fts).join(model, model.id == fts.c.rowid).where(
                text(f"{name}_fts MATCH :m").bindparams(m=words), *where)
            if highest is not None:
                inner = inner.where(fts.c.rowid >= lowest, fts.c.rowid <= highest)
            inner = inner.limit(COUNT_CAP + 1).subquery()
            return select(func.count()).select_from(inner)
    else:
        found = and_(*[text_column.contains(t, autoescape=True) for t in tokens])
        # The title is where `search_text` begins (see the module's docstring).
        folded_title = func.substr(text_column, 1, func.char_length(title_column))
        in_title = and_(*[func.strpos(folded_title, t) > 0 for t in tokens])

        def select_group(g: int, stmt, after_id: int | None):
            stmt = stmt.where(found, in_title if g == TITLE else ~in_title, *where)
            if after_id is not None:
                stmt = stmt.where(model.id < after_id)
            return stmt.order_by(model.id.desc())

        def count():
            inner = select(literal(1)).select_from(model).where(found, *where).limit(COUNT_CAP + 1).subquery()
            return select(func.count()).select_from(inner)

    rows: list = []
    next_cursor = None
    for g in (TITLE, BODY):
        if g < group:
            continue
        want = limit - len(rows)
        got = list(session.exec(select_group(g, select(model), after if g == group else None).limit(want + 1)))
        if len(got) > want:
            rows += got[:want]
            next_cursor = _encode(g, rows[-1].id)
            break
        rows += got
        if len(rows) == limit and g == TITLE:
            # The page is full at the end of the first group: a next page only if the second has rows.
            if session.exec(select_group(BODY, select(model.id), None).limit(1)).first() is not None:
                next_cursor = _encode(BODY, 2_147_483_647)
            break
    total = session.exec(count()).one()
    return SearchPage(rows, next_cursor, total=min(total, COUNT_CAP), more=total > COUNT_CAP, terms=tokens)
