"""The database is down (not merely busy): every page answers 503 with Retry-After and a short
Vietnamese message, the API a problem+json, instead of a 500 and a stack trace in the log for
each request while the server, the disk or the network is being fixed.

`install(app)` registers the handler on top of the handlers already there (app.main's busy
handler for OperationalError stays in charge of everything this module does not recognise)."""

from __future__ import annotations

import errno
import logging
import os
import tempfile
from collections.abc import Awaitable
from typing import cast

from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from app.core.i18n import N_

log = logging.getLogger("minhbach")

RETRY_AFTER = 30  # seconds: a restart or a freed disk takes a while
MESSAGE = N_("Hệ thống tạm thời không truy cập được cơ sở dữ liệu. Thao tác chưa được lưu; vui lòng thử lại "
             "sau ít phút.")

# PostgreSQL SQLSTATE classes and codes meaning "the server is not there or will not take writes":
# 08 connection exceptions, 57P01-57P03 admin/crash shutdown and cannot-connect-now, 53100 disk
# full, 53300 too many connections, 25006 read-only transaction (a standby), 58030 I/O error.
_PG_CLASSES = ("08",)
_PG_CODES = frozenset({"57P01", "57P02", "57P03", "53100", "53300", "25006", "58030"})

# What the drivers say when the server cannot be reached or the SQLite file cannot be written.
_MESSAGES = (
    # SQLite
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "attempt to write a readonly database",
    "database disk image is malformed",
    "file is not a database",
    # PostgreSQL (psycopg), before any SQLSTATE exists
    "connection refused",
    "connection failed",
    "could not connect",
    "server closed the connection",
    "connection is closed",
    "the connection is lost",
    "terminating connection",
    "no route to host",
    "could not translate host name",
    "name or service not known",
    "timeout expired",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "cannot execute",  # ... in a read-only transaction
)


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` means the database cannot be reached or written (a 503 until an operator
    acts), as opposed to busy (app.core.db.is_busy) or a bad request."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate.startswith(_PG_CLASSES) or sqlstate in _PG_CODES:
        return True
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    text = str(orig).lower()
    return any(m in text for m in _MESSAGES)


def install(app: FastAPI) -> None:
    """Answer 503 for an unavailable database; leave every other error to the handler already
    registered for its type (call after app.main's handlers are installed)."""
    previous = {t: app.exception_handlers.get(t) or app.exception_handlers.get(Exception)
                for t in (OperationalError, InterfaceError)}

    async def database_down(request: Request, exc: Exception):
        if not database_unavailable(exc):
            fallback = previous[OperationalError if isinstance(exc, OperationalError) else InterfaceError]
            if fallback is None:
                raise exc
            # app.main registers only async handlers (Starlette's type also allows plain functions).
            return await cast(Awaitable[Response], fallback(request, exc))
        return response(request, exc)

    for exc_type in (OperationalError, InterfaceError):
        app.add_exception_handler(exc_type, database_down)


def response(request: Request, exc: BaseException):
    """The 503 answer: problem+json under /api/, an HTMX message or an error page otherwise."""
    from app.main import error_page, problem  # app.main imports this module

    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    log.error("database unavailable on %s %s: %s", request.method, request.url.path,
              detail[0] if detail else type(exc).__name__)
    message = str(MESSAGE)  # translated now, in the caller's language
    headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
    if request.url.path.startswith("/api/") or request.url.path.startswith("/open311/"):
        return problem(503, "Service unavailable", message, headers=headers)
    return error_page(request, 503, message, headers)


# --- /healthz ---------------------------------------------------------------------------------

MIN_FREE_BYTES = 16 * 1024 * 1024  # below this a folder counts as full: the next upload would fail
SQLITE_PROBE_TIMEOUT_MS = 50


def check_database(engine) -> str:
    """"ok", "read-only" or "unavailable": the database answers and would take a write. A write
    lock held by someone else counts as writable (the database is busy, not broken)."""
    try:
        if engine.dialect.name == "sqlite":
            return _probe_sqlite(engine)
        with engine.connect() as conn:
            in_recovery, read_only = conn.exec_driver_sql(
                "SELECT pg_is_in_recovery(), current_setting('transaction_read_only')").one()
            conn.rollback()
        return "read-only" if in_recovery or read_only == "on" else "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "the database does not answer"
        if "database is locked" in str(exc):
            return "ok"  # another process is writing: busy, not broken
        log.warning("health check: database: %s", exc)
        return "read-only" if "readonly" in str(exc).lower() or "read-only" in str(exc).lower() else "unavailable"


def _probe_sqlite(engine) -> str:
    # A raw connection so that app.core.db's begin hook (the process's write gate) is not involved:
    # take SQLite's write lock for an instant and give it back; nothing is written.
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        (timeout,) = cur.execute("PRAGMA busy_timeout").fetchone()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_PROBE_TIMEOUT_MS}")
        try:
            cur.execute("BEGIN IMMEDIATE")
            cur.execute("ROLLBACK")
        except Exception as exc:  # noqa: BLE001 - classified below
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        finally:
            cur.execute(f"PRAGMA busy_timeout={int(timeout)}")
            cur.close()
    finally:
        raw.close()
    return "ok"


def check_folder(path) -> str:
    """"ok", "full" or "not writable": a file can be created (and removed) in `path`."""
    try:
        fd, name = tempfile.mkstemp(dir=path, prefix=".healthz-")
        os.close(fd)
        os.unlink(name)
        st = os.statvfs(path)
        return "full" if st.f_bavail * st.f_frsize < MIN_FREE_BYTES else "ok"
    except OSError as exc:
        log.warning("health check: %s: %s", path, exc)
        return "full" if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) else "not writable"


def health(app: FastAPI) -> tuple[int, dict[str, str]]:
    """The status code and body of /healthz: 200 only when every check passed."""
    settings = app.state.settings
    checks = {"database": check_database(app.state.engine), "data_dir": check_folder(settings.data_dir),
              "files_dir": check_folder(settings.files_dir)}
    ok = all(v == "ok" for v in checks.values())
    return (200 if ok else 503), {"status": "ok" if ok else "unavailable", **checks}
