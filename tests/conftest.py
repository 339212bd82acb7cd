"""Test fixtures. Each test gets a fresh database built by `alembic upgrade head` (copied from a
template made once per run), its own data directory and its own app.

Set TEST_DATABASE_URL to a PostgreSQL URL (a role allowed to create databases) to run the
whole suite on PostgreSQL; by default it runs on SQLite files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path

# Importing app.main builds the module-level app; keep its files out of the working tree.
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="minhbach-import-"))
os.environ.setdefault("SECRET_KEY", "test-secret-key")

import pytest  # noqa: E402
import time_machine  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.config import Settings  # noqa: E402
from app.core.db import session_for  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from tests import factories  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
USING_PG = PG_URL.startswith("postgresql")


# --- the date the suite runs on ----------------------------------------------------------------
# Tests never depend on the day they run. Two tools keep that true:
# * `@pytest.mark.today("2026-12-03")` freezes the local date (09:00 in Hà Nội, the clock ticking)
#   for one test whose expectation is a legal date worked out by hand;
# * `./bin/test --today=2027-02-05` runs the whole suite as if it were that day (the e2e server
#   too, see tests/e2e/serve.py), which is how the suite is audited for hidden date assumptions
#   (weekends, Tết, year ends): CI runs the services' tests on such days.


def pytest_addoption(parser):
    parser.addoption("--today", metavar="YYYY-MM-DD", default=None,
                     help="run the suite as if today were this date (Asia/Ho_Chi_Minh, 09:00)")


def _morning_of(day: str):
    from datetime import date, datetime, time

    from app.core.timeutil import LOCAL_TZ

    return datetime.combine(date.fromisoformat(day), time(9, 0), LOCAL_TZ)


def pytest_configure(config):
    config.addinivalue_line("markers", "today(date): run this test as if today were `date` (YYYY-MM-DD)")
    day = config.getoption("--today")
    if day:
        os.environ["MINHBACH_TEST_TODAY"] = day  # for the e2e server's process
        config._minhbach_travel = time_machine.travel(_morning_of(day), tick=True)
        config._minhbach_travel.start()


def pytest_unconfigure(config):
    travel = getattr(config, "_minhbach_travel", None)
    if travel is not None:
        travel.stop()


@pytest.fixture(autouse=True)
def _frozen_today(request):
    marker = request.node.get_closest_marker("today")
    if marker is None:
        yield
        return
    with time_machine.travel(_morning_of(marker.args[0]), tick=True):
        yield


def pytest_report_header(config):
    database = "PostgreSQL " + make_url(PG_URL).render_as_string() if USING_PG else "SQLite"
    day = config.getoption("--today")
    return f"database: {database}" + (f"; today is {day} (--today)" if day else "")


def _pg_admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_drop(admin, name: str) -> None:
    """Drop a test database; an autovacuum worker may hold it for a moment, so retry."""
    import time

    from sqlalchemy.exc import DBAPIError

    for attempt in range(20):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            return
        except DBAPIError:
            time.sleep(0.1 * (attempt + 1))


def _pg_url_for(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A database migrated to head once per run; tests get copies of it."""
    if USING_PG:
        name = f"mb_tmpl_{uuid.uuid4().hex[:10]}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        upgrade(_pg_url_for(name))
        yield name
        _pg_drop(admin, name)
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        upgrade(f"sqlite:///{path}")
        with sqlite3.connect(path) as conn:  # fold the WAL into the file so a plain copy is complete
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
        yield path


@pytest.fixture
def database_url(template_db, tmp_path):
    """A fresh, fully migrated database for one test."""
    if USING_PG:
        name = f"mb_test_{uuid.uuid4().hex[:12]}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
        yield _pg_url_for(name)
        _pg_drop(admin, name)
        admin.dispose()
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template_db, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    data_dir = tmp_path / "data"
    return Settings(database_url=database_url, data_dir=data_dir, secret_key="test-secret-key",
                    public_base_url="http://testserver", max_upload_mb=1,
                    # No /stats computation in the background of a test that counts queries or
                    # travels in time; tests/core/test_speed.py turns it on.
                    stats_warmup=False)


@pytest.fixture
def app(settings):
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app) -> TestClient:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def session(app):
    """A session on the test's database for calling services directly (commit to persist).
    Deferred, so that reading here does not hold the write lock the app's requests need."""
    with session_for(app.state.engine, write=False, audit_key=app.state.secret_key) as s:
        yield s


@pytest.fixture
def files_dir(settings) -> Path:
    settings.ensure_dirs()
    return settings.files_dir


@pytest.fixture
def make_user(session):
    return lambda role="publisher", **kw: factories.user(session, role=role, **kw)


@pytest.fixture
def login(client, session):
    """Log a new user of `role` in on the test client; returns the user."""

    def _login(role: str = "publisher"):
        user = factories.user(session, role=role)
        factories.login(client, user.username)
        return user

    return _login


@pytest.fixture
def sqlite_only():
    if USING_PG:
        pytest.skip("SQLite-specific")
