"""End-to-end fixtures: the real application in a `uvicorn` subprocess on a demo database, and a
real browser (Debian's Chromium driven by Playwright's sync API; pytest-playwright is not used).

* `live_server` (session): a fresh database (SQLite file, or a new PostgreSQL database when
  TEST_DATABASE_URL is a PostgreSQL URL) migrated with `app.migrate.upgrade`, filled with
  `app.demo.seed_demo`, served on 127.0.0.1 and a free port; stopped (and the PostgreSQL
  database dropped) at the end.
* `browser` (session) and `new_context` (per test): contexts carry `base_url`, so tests use
  paths (`page.goto("/disclosures")`).
* Every e2e test also fails when the server logged a traceback while the test ran.

Missing Chromium, Java, Playwright or the npm tools (axe-core, vnu-jar) make the tests FAIL,
not skip; set MINHBACH_SKIP_E2E=1 to skip the e2e tests on a machine without them."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from app.config import Settings
from app.db import make_engine, session_for
from app.demo import DEMO_PASSWORD, seed_demo
from app.migrate import upgrade
from app.models.disclosure import Disclosure, DisclosureStatus

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MINHBACH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SKIP_E2E = os.environ.get("MINHBACH_SKIP_E2E") == "1"

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
USING_PG = PG_URL.startswith("postgresql")

PUBLISHER = "congkhai"


def pytest_collection_modifyitems(config, items):
    # A conftest hook sees every collected item, so only touch the e2e ones.
    if not SKIP_E2E:
        return
    skip = pytest.mark.skip(reason="MINHBACH_SKIP_E2E=1")
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


def require_tool(path: Path | str, what: str) -> None:
    """Fail (not skip) when a tool the e2e tests need is missing."""
    if not Path(path).exists():
        pytest.fail(f"{what} not found at {path}. Install it, or set MINHBACH_SKIP_E2E=1 to skip the "
                    "end-to-end tests.", pytrace=False)


# --- the live server --------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    database_url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen
    ids: dict[str, int] = field(default_factory=dict)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


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
    assert amended.version == 2 and withdrawn.status == DisclosureStatus.withdrawn
    assert published.status == DisclosureStatus.published and published.version == 1
    assert drafts, "the demo data has no draft"
    return {"published": published.id, "amended": amended.id, "withdrawn": withdrawn.id, "draft": drafts[0].id}


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
    try:
        upgrade(database_url)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        secret = "e2e-secret-" + uuid.uuid4().hex
        env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir), "SECRET_KEY": secret,
               "PUBLIC_BASE_URL": url, "PYTHONUNBUFFERED": "1"}
        log_path = tmp / "uvicorn.log"
        # Started before the demo data is loaded: the server's imports and the seeding overlap.
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
                 "--no-access-log", "--log-level", "warning"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        settings = Settings(database_url=database_url, data_dir=data_dir, secret_key=secret, public_base_url=url)
        settings.ensure_dirs()
        engine = make_engine(database_url)
        try:
            with session_for(engine, write=True) as s:
                seed_demo(s, settings)
                s.commit()
            ids = _demo_ids(engine)
        finally:
            engine.dispose()
        server = LiveServer(url=url, database_url=database_url, data_dir=data_dir, log_path=log_path,
                            process=proc, ids=ids)
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
        if pg_name:
            admin = _pg_admin()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            admin.dispose()


def assert_no_server_errors(live_server: LiveServer, since: int) -> None:
    """Fail if the server logged a traceback (a 500, an error in a handler) after log offset `since`."""
    time.sleep(0.05)  # let the server flush what the last request logged
    with live_server.log_path.open("rb") as f:
        f.seek(since)
        new = f.read().decode(errors="replace")
    assert "Traceback" not in new and "ERROR" not in new, f"the server logged errors:\n{new}"


@pytest.fixture(autouse=True)
def _no_server_errors(live_server):
    """Every e2e test fails if the server logged an error while it ran."""
    start = live_server.log_path.stat().st_size
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


def login(page, username: str = PUBLISHER, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real form and land in the back office."""
    page.goto("/staff/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    assert page.url.rstrip("/").endswith("/staff"), f"login failed, now at {page.url}"


# --- the pages under test --------------------------------------------------------------------


def public_pages(ids: dict[str, int]) -> dict[str, str]:
    """Name -> path of the public pages every check covers."""
    return {
        "home": "/",
        "list": "/disclosures",
        "list-query": "/disclosures?q=ngan+sach",
        "list-category": "/disclosures?category=budget",
        "list-empty": "/disclosures?q=khongcovanbannaonhuthe",
        "published": f"/disclosures/{ids['published']}",
        "amended": f"/disclosures/{ids['amended']}",
        "amended-v1": f"/disclosures/{ids['amended']}?version=1",
        "withdrawn": f"/disclosures/{ids['withdrawn']}",
        "notice": f"/disclosures/{ids['published']}/notice",
        "notice-withdrawn": f"/disclosures/{ids['withdrawn']}/notice",
        "login": "/staff/login",
        "not-found": "/khong-co-trang-nay",
        "draft-not-found": f"/disclosures/{ids['draft']}",
    }


def staff_pages(ids: dict[str, int]) -> dict[str, str]:
    """Name -> path of the main back-office pages (seen by the publisher)."""
    return {
        "staff-home": "/staff",
        "staff-list": "/staff/disclosures",
        "staff-new": "/staff/disclosures/new",
        "staff-draft": f"/staff/disclosures/{ids['draft']}",
        "staff-draft-edit": f"/staff/disclosures/{ids['draft']}/edit",
        "staff-published": f"/staff/disclosures/{ids['published']}",
    }


# --- the checkers -----------------------------------------------------------------------------


def run_axe(page) -> list[dict]:
    """axe-core's violations on the current page (the context must bypass the CSP to inject it)."""
    require_tool(AXE_JS, "axe-core (npm ci)")
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def format_axe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def validate_html(pages: dict[str, str], workdir: Path) -> dict[str, list[dict]]:
    """Nu HTML checker errors per page name, all pages validated in one Java run."""
    require_tool(VNU_JAR, "vnu-jar (npm ci)")
    if shutil.which("java") is None:
        pytest.fail("java not found (the Nu HTML checker needs Java 17): apt-get install -y openjdk-17-jre-headless,"
                    " or set MINHBACH_SKIP_E2E=1", pytrace=False)
    workdir.mkdir(parents=True, exist_ok=True)
    files = {}
    for i, (name, html) in enumerate(pages.items()):
        path = workdir / f"{i:02d}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = name
    proc = subprocess.run(
        ["java", "-Xss8m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout",
         *[str(workdir / f"{i:02d}.html") for i in range(len(pages))]],
        capture_output=True, text=True, timeout=120)
    try:
        messages = json.loads(proc.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"the Nu HTML checker failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    errors: dict[str, list[dict]] = {name: [] for name in pages}
    for m in messages:
        if m.get("type") not in ("error", "non-document-error"):
            continue
        name = files.get(m.get("url", "").rsplit("/", 1)[-1])
        if name is None:  # a message about the run itself, not a page
            pytest.fail(f"the Nu HTML checker reported: {m}")
        errors[name].append(m)
    return errors


def format_vnu(messages: list[dict]) -> str:
    return "\n".join(f"- line {m.get('lastLine', '?')}: {m.get('message')}\n    {m.get('extract', '').strip()[:200]}"
                     for m in messages)
