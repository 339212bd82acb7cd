"""Engine, per-dialect connection settings, and the request-scoped session."""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator
from datetime import datetime, timezone

from fastapi import Depends, Request
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine
from starlette.concurrency import run_in_threadpool


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


class DatabaseBusy(Exception):
    """The database stayed locked by other writers longer than this request may wait: answered
    503 with Retry-After (app.main), never a request that hangs."""


# How long a request waits for its process's turn to write on SQLite before it is told to retry.
SQLITE_WRITE_WAIT_SECONDS = 10.0


def make_engine(url: str, *, pool_size: int = 40, busy_timeout_ms: int = 5000, lock_timeout_ms: int = 5000,
                statement_timeout_ms: int = 30000) -> Engine:
    """An engine sized to the thread pool: each of the 40 worker threads that may run a route
    gets a connection without waiting (a thread waiting for a pool slot while another holds the
    write lock only adds latency). Waits for locks are bounded on both databases."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
                               pool_size=pool_size, max_overflow=10, pool_timeout=10)
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    # lock_timeout also bounds the audit chain's advisory lock; a session left idle inside a
    # transaction (a crashed client of the pool) is ended by the server instead of blocking others.
    options = f"-c lock_timeout={lock_timeout_ms} -c statement_timeout={statement_timeout_ms} " \
              f"-c idle_in_transaction_session_timeout=60000"
    return create_engine(url, pool_pre_ping=True, pool_size=max(1, pool_size // 2), max_overflow=pool_size // 2,
                         pool_timeout=10, connect_args={"options": options})


class _WriteGate:
    """One writer at a time: first among the threads of this process (a lock, in turn), then
    among processes (an flock on a file beside the database, polled every millisecond).
    SQLite's own busy handler sleeps up to 100 ms between tries, so the process that just
    committed hands its next writer the lock while the other process's writer sleeps: with
    dozens of writers some starve past any timeout ("database is locked"). Through the gate
    SQLite never has to wait, and processes take turns: a writer that waits announces itself
    (a shared lock on a second file), and a process about to write again lets it go first."""

    _fd: int | None
    _waiting: int | None
    _probe: int | None

    def __init__(self, engine: Engine, database: str | None, wait_seconds: float):
        self._threads = threading.Lock()
        self._wait = wait_seconds
        self._engine = weakref.ref(engine)
        self._database = database if database and database != ":memory:" and not database.startswith("file:") else None
        self._fd = self._waiting = self._probe = None

    def _open(self) -> None:
        """The lock files, made beside the database on the first write (its folder exists by then:
        SQLite has opened the file)."""
        self._fd = os.open(f"{self._database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
        self._waiting = os.open(f"{self._database}-waiting", os.O_RDWR | os.O_CREAT, 0o600)
        self._probe = os.open(f"{self._database}-waiting", os.O_RDWR)
        for fd in (self._fd, self._waiting, self._probe):
            weakref.finalize(self._engine(), os.close, fd)

    def acquire(self) -> bool:
        deadline = time.monotonic() + self._wait
        if not self._threads.acquire(timeout=self._wait):
            return False
        if self._database is None:
            return True
        if self._fd is None:
            try:
                self._open()
            except BaseException:
                self._threads.release()
                raise
        assert self._fd is not None and self._waiting is not None  # opened together by _open()
        if self._other_process_waits():
            time.sleep(0.002)  # its poll comes within a millisecond: let it have this turn
        fcntl.flock(self._waiting, fcntl.LOCK_SH)  # "a writer of this process is waiting"
        try:
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        self._threads.release()
                        return False
                    time.sleep(0.001)
        finally:
            fcntl.flock(self._waiting, fcntl.LOCK_UN)

    def _other_process_waits(self) -> bool:
        assert self._probe is not None  # only called once _open() has run
        try:
            fcntl.flock(self._probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._probe, fcntl.LOCK_UN)
        return False

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    write_gate = _WriteGate(engine, engine.url.database, SQLITE_WRITE_WAIT_SECONDS)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # FULL: a commit is on disk before the answer leaves, so a power cut never takes back a
        # case whose tracking code the sender was shown (NORMAL under WAL may lose the last
        # commits). It costs an fsync per commit, about 1 ms here (README, "Backup and restore").
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock up front: a deferred transaction that reads, then writes
        # after another writer committed, fails with SQLITE_BUSY_SNAPSHOT instead of waiting.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE":
            if not write_gate.acquire():
                raise DatabaseBusy("waited too long for the write lock")
            conn.info["write_gate"] = True
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(conn.info)
                raise
        else:
            conn.exec_driver_sql(f"BEGIN {mode}")

    def _release(info) -> None:
        if info.pop("write_gate", False):
            write_gate.release()

    # A session hands its connection back to the pool as soon as its transaction ends (commit,
    # rollback or close), after the COMMIT itself ran: that is when the next writer may go.
    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_conn, record):
        if record is not None:
            _release(record.info)


# SQLSTATEs of PostgreSQL waits cut short: lock_timeout, statement_timeout, a deadlock victim,
# a serialization failure. All mean "try again in a moment", not "your input is wrong".
_PG_BUSY = frozenset({"55P03", "57014", "40P01", "40001"})


def is_busy(exc: BaseException) -> bool:
    """True when `exc` means the database was too busy to answer in time (a 503 to retry), not
    that it is down or that the request was wrong."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, (DatabaseBusy, PoolTimeout)):
        return True
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        if getattr(orig, "sqlstate", None) in _PG_BUSY:
            return True
        return "database is locked" in str(orig) or "database table is locked" in str(orig)
    return False


def session_for(engine: Engine, *, write: bool, audit_key: str | None = None) -> Session:
    """A session; `audit_key` (the SECRET_KEY) is what the audit chain is keyed with, needed by
    any session that changes data."""
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if write else engine
    info = {"read_engine": engine, **({"audit_key": audit_key} if audit_key else {})}
    return Session(bind, expire_on_commit=False, info=info)


def commit_writes(session: Session) -> None:
    """Commit now, and let what the request still reads (to build its answer) run in plain read
    transactions: on SQLite a writing session would otherwise take the write lock again for
    every later query, holding up the writers queued behind it while the answer is built."""
    session.commit()
    session.bind = session.info.get("read_engine", session.bind)
    turn = session.info.pop("write_turn", None)
    if turn is not None:
        turn.release(from_thread=True)  # the next writer of this process may start now


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reads that write an audit row (a view of a denouncer's identity, the register's personal data).
WRITING_READS = ("/staff/complaints/", "/staff/reception/visits/", "/staff/reception/register", "/api/v1/reception/",
                 "/api/v1/reports/periodic.xlsx",  # an export is audited
                 "/follow/")  # confirming or leaving a follow is a link in a mail, so a GET


def _writes(request: Request) -> bool:
    # API calls with a token write its last use, and a case page may write an audit row for a
    # view of a denouncer's identity: those take the write lock up front too.
    return (request.method not in SAFE_METHODS or "authorization" in request.headers
            or request.url.path.startswith(WRITING_READS))


class _Turn:
    """A writing request's turn; released once, from the loop or (after an early commit) from
    the request's thread."""

    def __init__(self, lock: asyncio.Lock | None = None, loop: asyncio.AbstractEventLoop | None = None):
        self._lock, self._loop = lock, loop
        self._held = lock is not None
        self._guard = threading.Lock()

    def release(self, *, from_thread: bool = False) -> None:
        with self._guard:
            if not self._held:
                return
            self._held = False
        assert self._lock is not None and self._loop is not None  # held: both were given
        if from_thread:
            self._loop.call_soon_threadsafe(self._lock.release)
        else:
            self._lock.release()


async def write_turn(request: Request) -> AsyncIterator[_Turn]:
    """A writing request waits for its turn here, on the event loop, before it takes a thread:
    writers of a process go one at a time anyway (SQLite's single writer; on PostgreSQL the audit
    chain's lock), and dozens of them waiting in threads would leave none of the 40 threads for
    the pages being read and for /healthz. Held until the session commits (see get_session and
    commit_writes, which gives it back before the answer is built)."""
    sqlite = request.app.state.engine.dialect.name == "sqlite"
    if not (_writes(request) if sqlite else request.method not in SAFE_METHODS):
        yield _Turn()
        return
    loop = asyncio.get_running_loop()
    turns = request.app.state.write_turns  # one lock per event loop (a test may run several in turn)
    lock = turns.get(loop)
    if lock is None:
        lock = turns[loop] = asyncio.Lock()
    try:
        await asyncio.wait_for(lock.acquire(), timeout=SQLITE_WRITE_WAIT_SECONDS)
    except TimeoutError:
        raise DatabaseBusy("waited too long for a turn to write") from None
    turn = _Turn(lock, loop)
    try:
        yield turn
    finally:
        turn.release()


async def get_session(request: Request, turn: _Turn = Depends(write_turn, scope="function")) -> AsyncIterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error.
    Made on the loop (a Session does no I/O until first used); ended in a thread, since ending a
    transaction talks to the database. A request that never touched the database costs no thread."""
    session = session_for(request.app.state.engine, write=_writes(request), audit_key=request.app.state.secret_key)
    session.info["write_turn"] = turn
    try:
        yield session
    except BaseException:
        await _end(session, commit=False)
        raise
    await _end(session, commit=True)


async def _end(session: Session, *, commit: bool) -> None:
    if not session.in_transaction():
        session.close()  # no connection was taken: nothing to send to the database
        return
    await run_in_threadpool(_finish, session, commit)


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
