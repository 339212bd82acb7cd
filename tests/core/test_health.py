"""Operations: /healthz says 503 when the database is down or read-only or a data folder is not
writable; pages answer 503 (not 500) while the database is unavailable; a full disk or an
unwritable files folder gives a clear message and the form keeps what was typed.

The failures are real ones: a SQLite file opened read-only, a folder that does not exist, a
PostgreSQL port nobody listens on, a files folder that is a regular file (the tests run as root,
so permissions alone would not stop a write), /dev/full for a full disk."""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import func, select

from app.core import files, unavailable
from app.core.db import make_engine
from app.core.errors import StorageUnavailable
from app.core.security import LANG_COOKIE
from app.models.complaint import Complaint
from tests import factories
from tests.conftest import PG_URL, USING_PG, _pg_admin

REFUSED_PG = "postgresql+psycopg://minhbach:minhbach@127.0.0.1:1/minhbach"


def _down(app) -> None:
    """Point the app at a database that cannot be reached."""
    app.state.engine.dispose()
    url = REFUSED_PG if USING_PG else "sqlite:////nonexistent-dir/x.sqlite3"
    app.state.engine = make_engine(url, pool_size=2)


def _break_files_dir(settings) -> None:
    """The files folder replaced by a regular file: nothing can be created in it, even as root."""
    shutil.rmtree(settings.files_dir, ignore_errors=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.files_dir.write_bytes(b"not a folder")


# --- /healthz ------------------------------------------------------------------------------------

def test_healthy(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "data_dir": "ok", "files_dir": "ok"}
    assert r.headers["cache-control"] == "no-store"
    assert not [p for p in client.app.state.settings.data_dir.rglob(".healthz-*")]  # nothing left behind


def test_database_down_is_503(client, app):
    _down(app)
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "database": "unavailable", "data_dir": "ok", "files_dir": "ok"}


@pytest.mark.skipif(USING_PG, reason="SQLite")
def test_read_only_sqlite_is_503(client, app, settings):
    path = make_url(settings.database_url).database
    app.state.engine.dispose()
    app.state.engine = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true", pool_size=2)
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["database"] == "read-only"


@pytest.mark.skipif(not USING_PG, reason="PostgreSQL")
def test_read_only_postgres_is_503(client, app, settings):
    name = make_url(settings.database_url).database
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    admin.dispose()
    app.state.engine.dispose()  # new connections get the setting
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["database"] == "read-only"


def test_a_write_lock_held_elsewhere_is_not_a_failure(client, app, settings):
    """Busy is not broken: another writer holding SQLite's lock leaves the check at "ok"."""
    if USING_PG:
        pytest.skip("SQLite lock")
    assert client.get("/healthz").status_code == 200  # the app's first connection turns WAL on
    other = sqlite3.connect(make_url(settings.database_url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.perf_counter()
        r = client.get("/healthz")
        assert r.status_code == 200 and r.json()["database"] == "ok"
        assert time.perf_counter() - started < 2
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_unwritable_files_folder_is_503(client, settings):
    _break_files_dir(settings)
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "database": "ok", "data_dir": "ok", "files_dir": "not writable"}


def test_the_check_is_cheap(client, app):
    client.get("/healthz")
    timings = []
    for _ in range(15):
        started = time.perf_counter()
        status, _body = unavailable.health(app)
        timings.append(time.perf_counter() - started)
        assert status == 200
    assert statistics.median(timings) < 0.02, timings


# --- pages while the database is down -------------------------------------------------------------

@pytest.fixture
def down_client(app):
    """A client of an app with the handler installed as create_app does (before the first
    request builds the middleware stack), whose database is then out of reach."""
    unavailable.install(app)
    with TestClient(app, base_url="http://testserver") as c:
        _down(app)
        yield c


def test_pages_answer_503_while_the_database_is_down(down_client):
    client = down_client
    r = client.get("/")
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == str(unavailable.RETRY_AFTER)
    assert "không truy cập được cơ sở dữ liệu" in r.text
    assert "text/html" in r.headers["content-type"]

    api = client.get("/api/v1/disclosures")
    assert api.status_code == 503 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["status"] == 503 and api.headers["retry-after"] == str(unavailable.RETRY_AFTER)

    htmx = client.get("/disclosures", headers={"HX-Request": "true"})
    assert htmx.status_code == 503 and htmx.headers["hx-retarget"] == "#messages"


def test_the_english_page_is_in_english(down_client):
    down_client.cookies.set(LANG_COOKIE, "en")
    r = down_client.get("/")
    assert r.status_code == 503 and "cannot reach its database" in r.text


# --- the classifier, on real errors -------------------------------------------------------------

def _error(engine, sql: str) -> DBAPIError:
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    except DBAPIError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError(f"{sql} did not fail")


def test_unreachable_and_unwritable_databases_are_unavailable(tmp_path):
    path = tmp_path / "ro.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    read_only = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert unavailable.database_unavailable(_error(read_only, "INSERT INTO t VALUES (1)"))
    missing = create_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.sqlite3'}")
    assert unavailable.database_unavailable(_error(missing, "SELECT 1"))
    refused = create_engine(REFUSED_PG, connect_args={"connect_timeout": 2})
    assert unavailable.database_unavailable(_error(refused, "SELECT 1"))


def test_busy_and_bad_requests_are_not_unavailable(tmp_path):
    path = tmp_path / "db.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    holder.execute("INSERT INTO t VALUES (1)")
    holder.execute("BEGIN IMMEDIATE")
    try:
        locked = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
        assert not unavailable.database_unavailable(_error(locked, "INSERT INTO t VALUES (2)"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    engine = create_engine(f"sqlite:///{path}")
    assert not unavailable.database_unavailable(_error(engine, "SELECT * FROM no_such_table"))
    duplicate = _error(create_engine(f"sqlite:///{path}"), "INSERT INTO t VALUES (1)")
    assert isinstance(duplicate, IntegrityError) and not unavailable.database_unavailable(duplicate)
    assert not unavailable.database_unavailable(ValueError("unable to open database file"))
    if USING_PG:
        assert not unavailable.database_unavailable(_error(create_engine(PG_URL), "SELEC 1"))


# --- a full disk, an unwritable files folder --------------------------------------------------------

def test_an_unwritable_files_folder_is_a_clear_error(settings):
    _break_files_dir(settings)
    with pytest.raises(StorageUnavailable) as err:
        files.store(settings.files_dir, data=factories.pdf_bytes(), filename="a.pdf", max_bytes=10**6)
    assert err.value.status_code == 503 and err.value.fields == {"file": "storage"}
    assert "thư mục lưu tệp của máy chủ không ghi được" in err.value.message


def test_a_full_disk_is_a_clear_error(files_dir, monkeypatch):
    # Every write to /dev/full fails with ENOSPC, as on a full disk.
    real_mkstemp = files.tempfile.mkstemp

    def full_mkstemp(**kw):
        fd, name = real_mkstemp(**kw)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), name

    monkeypatch.setattr(files.tempfile, "mkstemp", full_mkstemp)
    with pytest.raises(StorageUnavailable, match="ổ đĩa của máy chủ đã đầy"):
        files.store(files_dir, data=factories.pdf_bytes(), filename="a.pdf", max_bytes=10**6)
    assert not [p for p in files_dir.rglob("*") if p.is_file()]  # no half-written file left


def test_the_form_keeps_what_was_typed_when_the_file_cannot_be_stored(client, session, settings):
    _break_files_dir(settings)
    token = factories.csrf(client, "/complaints/new")
    subject = "Cống thoát nước ngõ 5 bị tắc"
    r = client.post("/complaints/new", data={
        "kind": "feedback", "field": "urban_order", "subject": subject,
        "content": "Nước tràn ra đường mỗi khi mưa.", "sender_name": "Trần Thị Bình",
        "sender_address": "Số 9 ngõ 5", "website": "", "csrf_token": token,
    }, files=[("files", ("anh.pdf", factories.pdf_bytes(), "application/pdf"))], follow_redirects=False)
    assert r.status_code == 503
    assert "thư mục lưu tệp của máy chủ không ghi được" in r.text
    assert f'value="{subject}"' in r.text and "Trần Thị Bình" in r.text and "Nước tràn ra đường" in r.text
    session.commit()
    assert session.exec(select(func.count()).select_from(Complaint)).one() == 0
