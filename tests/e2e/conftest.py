"""End-to-end fixtures: the real application in a `uvicorn` subprocess on a demo database, and a
real browser (Debian's Chromium driven by Playwright's sync API; pytest-playwright is not used).

* `live_server` (session): a fresh database (SQLite file, or a new PostgreSQL database when
  TEST_DATABASE_URL is a PostgreSQL URL) migrated with `app.migrate.upgrade`, filled with
  `app.demo.seed_demo`, served on 127.0.0.1 and a free port; stopped (and the PostgreSQL
  database dropped) at the end.
* The live server sends its mail outbox every second to a real local SMTP server (aiosmtpd,
  started with it); `live_server.mail` holds what arrived.
* `browser` (session) and `new_context` (per test): contexts carry `base_url`, so tests use
  paths (`page.goto("/disclosures")`).
* Every e2e test also fails when the server logged a traceback while the test ran.
* helpers.py has the page lists, `login`, and the axe-core and Nu HTML checker runners.

Missing Chromium, Java, Playwright or the npm tools (axe-core, vnu-jar) make the tests FAIL,
not skip; set MINHBACH_SKIP_E2E=1 to skip the e2e tests on a machine without them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from app.config import Settings
from app.core.db import make_engine, session_for
from app.demo import seed_demo
from app.migrate import upgrade
from app.models.complaint import Complaint
from app.models.disclosure import Disclosure, DisclosureStatus
from tests.e2e.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    LiveServer,
    SmtpInbox,
    assert_no_server_errors,
    require_tool,
)

SKIP_E2E = os.environ.get("MINHBACH_SKIP_E2E") == "1"

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
USING_PG = PG_URL.startswith("postgresql")


def pytest_collection_modifyitems(config, items):
    # A conftest hook sees every collected item, so only touch the e2e ones.
    if not SKIP_E2E:
        return
    skip = pytest.mark.skip(reason="MINHBACH_SKIP_E2E=1")
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


# --- the live server --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _demo_ids(engine) -> dict[str, int]:
    """Ids of the demo disclosures the tests look at."""
    with session_for(engine, write=False) as s:
        by_number = {d.document_number: d for d in s.exec(select(Disclosure).where(Disclosure.document_number != ""))}
        drafts = s.exec(select(Disclosure).where(Disclosure.status == DisclosureStatus.draft)
                        .order_by(Disclosure.id)).all()
        amended, withdrawn = by_number["141/BC-UBND"], by_number["175/QĐ-UBND"]
        published = by_number["05/NQ-HĐND"]  # a budget resolution: table in the body, a PDF, version 1
        # A demo case the admin can act on (several action forms on its page).
        case = s.exec(select(Complaint).where(Complaint.status == "accepted").order_by(Complaint.id)).first()
        # And one still being classified: its page carries the form to split a mixed letter.
        classified = s.exec(select(Complaint).where(Complaint.status == "classified").order_by(Complaint.id)).first()
    assert amended.version == 2 and withdrawn.status == DisclosureStatus.withdrawn
    assert published.status == DisclosureStatus.published and published.version == 1
    assert drafts, "the demo data has no draft"
    assert case is not None and classified is not None, "the demo data lacks an accepted or a classified case"
    return {"published": published.id, "amended": amended.id, "withdrawn": withdrawn.id, "draft": drafts[0].id,
            "case": case.id, "classified_case": classified.id}


def _wait_until_up(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"uvicorn exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                body = json.loads(r.read())
                if r.status == 200 and body.get("database") == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer /healthz within {timeout:.0f} s:\n{log_path.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    data_dir = tmp / "data"
    pg_name = None
    if USING_PG:
        pg_name = f"mb_e2e_{uuid.uuid4().hex[:10]}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        admin.dispose()
        database_url = make_url(PG_URL).set(database=pg_name).render_as_string(hide_password=False)
    else:
        database_url = f"sqlite:///{tmp / 'e2e.sqlite3'}"

    proc = None
    smtp = None
    try:
        upgrade(database_url)
        inbox = SmtpInbox()
        smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
        smtp.start()
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        secret = "e2e-secret-" + uuid.uuid4().hex
        env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir), "SECRET_KEY": secret,
               "PUBLIC_BASE_URL": url, "PYTHONUNBUFFERED": "1",
               "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "SMTP_USER": "", "SMTP_PASSWORD": "",
               "SMTP_STARTTLS": "false", "MAIL_INTERVAL_SECONDS": "1",
               # The demo data is loaded while the server starts: figures computed before it is
               # in would be the day's.
               "STATS_WARMUP": "false"}
        log_path = tmp / "uvicorn.log"
        # Started before the demo data is loaded: the server's imports and the seeding overlap.
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.e2e.serve", "--factory", "app.main:create_app",
                 "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        settings = Settings(database_url=database_url, data_dir=data_dir, secret_key=secret, public_base_url=url)
        settings.ensure_dirs()
        engine = make_engine(database_url)
        try:
            with session_for(engine, write=True, audit_key=secret) as s:
                seed_demo(s, settings)
                s.commit()
            ids = _demo_ids(engine)
        finally:
            engine.dispose()
        server = LiveServer(url=url, database_url=database_url, data_dir=data_dir, log_path=log_path,
                            process=proc, ids=ids, mail=inbox)
        _wait_until_up(url, proc, log_path)
        yield server
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if smtp is not None:
            smtp.stop()
        if pg_name:
            admin = _pg_admin()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(autouse=True)
def _no_server_errors(live_server):
    """Every e2e test fails if the server logged an error while it ran."""
    start = live_server.log_size()
    yield
    assert_no_server_errors(live_server, start)


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_instance():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - an environment problem, reported loudly
        pytest.fail("Playwright is not installed: pip install -e .[dev] (never `playwright install`)",
                    pytrace=False)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    require_tool(CHROMIUM, "Chromium (apt-get install -y chromium)")
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def new_context(browser, live_server):
    """Factory of fresh browser contexts (no cookies) pointed at the live server; closed after the test."""
    contexts = []

    def _new(**kwargs):
        kwargs.setdefault("base_url", live_server.url)
        kwargs.setdefault("locale", "vi-VN")
        ctx = browser.new_context(**kwargs)
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        return ctx

    yield _new
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh visitor context."""
    return new_context().new_page()
