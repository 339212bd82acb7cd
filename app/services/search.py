"""Diacritics- and case-insensitive text search, the one place where the dialects differ.

The application stores a folded copy of the searchable text (`search_text`, see text.fold);
SQLite indexes it with FTS5 and PostgreSQL with a trigram GIN index (created by migrations).
Both match every word of the query; SQLite matches word prefixes, PostgreSQL substrings."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.services.text import search_tokens


def match_clause(session: Session, *, table: str, id_column: ColumnElement, text_column: ColumnElement,
                 query: str) -> ColumnElement | None:
    """A WHERE clause for rows whose text contains every word of `query`, or None for no words."""
    tokens = search_tokens(query)
    if not tokens:
        return None
    if session.get_bind().dialect.name == "sqlite":
        # Each token quoted (FTS5 syntax characters lose their meaning) and prefix-matched.
        fts_query = " AND ".join('"' + t.replace('"', '""') + '"*' for t in tokens)
        return id_column.in_(
            text(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :fts").bindparams(fts=fts_query)
        )
    from sqlalchemy import and_

    return and_(*[text_column.contains(t, autoescape=True) for t in tokens])
