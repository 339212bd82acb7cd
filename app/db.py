"""Engine, per-dialect connection settings, and the request-scoped session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from fastapi import Request
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, on every dialect (SQLite keeps no time zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock up front: a deferred transaction that reads, then writes
        # after another writer committed, fails with SQLITE_BUSY_SNAPSHOT instead of waiting.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def session_for(engine: Engine, *, write: bool, audit_key: str | None = None) -> Session:
    """A session; `audit_key` (the SECRET_KEY) is what the audit chain is keyed with, needed by
    any session that changes data."""
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if write else engine
    return Session(bind, expire_on_commit=False, info={"audit_key": audit_key} if audit_key else {})


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reads that write an audit row (a view of a denouncer's identity, the register's personal data).
WRITING_READS = ("/staff/complaints/", "/staff/reception/visits/", "/staff/reception/register", "/api/v1/reception/",
                 "/api/v1/reports/periodic.xlsx",  # an export is audited
                 "/follow/")  # confirming or leaving a follow is a link in a mail, so a GET


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    # API calls with a token write its last use, and a case page may write an audit row for a
    # view of a denouncer's identity: those take the write lock up front too.
    write = (request.method not in SAFE_METHODS or "authorization" in request.headers
             or request.url.path.startswith(WRITING_READS))
    session = session_for(request.app.state.engine, write=write, audit_key=request.app.state.secret_key)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
