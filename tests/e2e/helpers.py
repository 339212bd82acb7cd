"""Helpers for the end-to-end tests: the pages every check visits, logging in, axe-core and the
Nu HTML checker. (Fixtures are in conftest.py.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.core.timeutil import local_today
from app.demo import DEMO_PASSWORD
from app.legal.periods import reporting_year
from app.legal.workdays import WorkCalendar

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MINHBACH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PUBLISHER = "congkhai"  # the demo account with the publisher role


def require_tool(path: Path | str, what: str) -> None:
    """Fail (not skip) when a tool the e2e tests need is missing."""
    if not Path(path).exists():
        pytest.fail(f"{what} not found at {path}. Install it, or set MINHBACH_SKIP_E2E=1 to skip the "
                    "end-to-end tests.", pytrace=False)


# --- the live server ------------------------------------------------------------------------


class SmtpInbox:
    """An aiosmtpd handler that keeps every message the live server sends (parsed, with the
    envelope recipients in `X-Envelope-To`). Filled in aiosmtpd's thread, read by the tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - the name aiosmtpd calls
        msg = message_from_bytes(envelope.content, policy=policy.default)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._lock:
            self._messages.append(msg)
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, predicate, timeout: float = 15.0) -> list[EmailMessage]:
        """The received messages `predicate` accepts, waiting up to `timeout` s for at least one."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages if predicate(m)]
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(0.2)


@dataclass
class LiveServer:
    url: str
    database_url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen
    ids: dict[str, int] = field(default_factory=dict)
    mail: SmtpInbox = field(default_factory=SmtpInbox)  # what reached the local SMTP server

    def __post_init__(self) -> None:
        # The reception pages' ids, looked up here (conftest's `_demo_ids` predates reception).
        if self.ids and "reception_visit" not in self.ids:
            self.ids.update(reception_ids(self.database_url))
        # And the dialogues' (the feature came after both).
        if self.ids and "dialogue_published" not in self.ids:
            self.ids.update(dialogue_ids(self.database_url))

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size


def assert_no_server_errors(live_server: LiveServer, since: int) -> None:
    """Fail if the server logged a traceback (a 500, an error in a handler) after log offset `since`."""
    time.sleep(0.05)  # let the server flush what the last request logged
    with live_server.log_path.open("rb") as f:
        f.seek(since)
        new = f.read().decode(errors="replace")
    assert "Traceback" not in new and "ERROR" not in new, f"the server logged errors:\n{new}"


def reception_ids(database_url: str) -> dict[str, int]:
    """Ids of the demo reception data the page checks visit (read only): the first visit of the
    demo register, the session it was logged in (held, register closed), and the next scheduled
    session after today (its page offers the move and cancel forms)."""
    from sqlmodel import select

    from app.core.db import make_engine, session_for
    from app.models.reception import ReceptionSession, ReceptionVisit, SessionStatus

    engine = make_engine(database_url)
    try:
        with session_for(engine, write=False) as s:
            visit = s.exec(select(ReceptionVisit).order_by(ReceptionVisit.id)).first()
            upcoming = s.exec(select(ReceptionSession)
                              .where(ReceptionSession.occurs_on > local_today(),
                                     ReceptionSession.status == SessionStatus.scheduled)
                              .order_by(ReceptionSession.starts_at, ReceptionSession.id)).first()
    finally:
        engine.dispose()
    assert visit is not None and upcoming is not None, "the demo data lacks reception visits or sessions"
    return {"reception_visit": visit.id, "reception_held_session": visit.session_id,
            "reception_next_session": upcoming.id}


OVERDUE_DEMO_COMMITMENT = "Di dời điểm tập kết rác gần Trường Tiểu học Phú La"


def dialogue_ids(database_url: str) -> dict[str, int]:
    """Ids of the demo dialogues (read only): the one held 40 days ago with its results
    published, the one announced for the coming weeks, and the published one's overdue
    commitment."""
    from sqlmodel import select

    from app.core.db import make_engine, session_for
    from app.models.dialogue import Commitment, Dialogue, DialogueStatus

    engine = make_engine(database_url)
    try:
        with session_for(engine, write=False) as s:
            published = s.exec(select(Dialogue).where(Dialogue.status == DialogueStatus.published)
                               .order_by(Dialogue.id)).first()
            announced = s.exec(select(Dialogue).where(Dialogue.status == DialogueStatus.announced)
                               .order_by(Dialogue.id)).first()
            overdue = s.exec(select(Commitment).where(Commitment.title == OVERDUE_DEMO_COMMITMENT)).first()
    finally:
        engine.dispose()
    assert published is not None and announced is not None and overdue is not None, \
        "the demo data lacks the published dialogue, the announced one or the overdue commitment"
    return {"dialogue_published": published.id, "dialogue_announced": announced.id,
            "commitment_overdue": overdue.id}


def next_weekday_holiday(after: date | None = None) -> date:
    """The first public holiday on a weekday (Monday–Friday) from `after` (default: today)."""
    cal = WorkCalendar()
    day = after or local_today()
    for _ in range(800):
        if day.weekday() < 5 and cal.holiday_name(day) is not None and not cal.is_working_day(day):
            return day
        day += timedelta(days=1)
    raise AssertionError("no public holiday on a weekday within two years")


# --- the browser ------------------------------------------------------------------------------


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
        "complaint-new": "/complaints/new",
        "complaint-ask": f"/complaints/new?about={ids['published']}",
        "track": "/track",
        "reception": "/reception",
        "reception-holiday-week": f"/reception?week={next_weekday_holiday().isoformat()}",
        "dialogues": "/dialogues",
        "dialogue-published": f"/dialogues/{ids['dialogue_published']}",
        "dialogue-announced": f"/dialogues/{ids['dialogue_announced']}",
        "dialogue-commitments": "/dialogues/commitments",
        "stats": "/stats",
    }


def staff_pages(ids: dict[str, int]) -> dict[str, str]:
    """Name -> path of the main back-office pages (checked as the administrator, who sees every form)."""
    return {
        "staff-home": "/staff",
        "staff-list": "/staff/disclosures",
        "staff-new": "/staff/disclosures/new",
        "staff-draft": f"/staff/disclosures/{ids['draft']}",
        "staff-draft-edit": f"/staff/disclosures/{ids['draft']}/edit",
        "staff-published": f"/staff/disclosures/{ids['published']}",
        "staff-rules": "/staff/rules",
        "staff-audit": "/staff/audit",
        # Accounts (user:manage), and one's own account page (every staff member).
        "staff-account": "/staff/account",
        "staff-accounts": "/staff/accounts",
        # The administrator schedules reception but keeps no register (no reception:register nor
        # :personal): the register's form, a visit and the print view are in reception_pages().
        "staff-reception": "/staff/reception",
        "staff-reception-next": f"/staff/reception/sessions/{ids['reception_next_session']}",
        "staff-reception-held": f"/staff/reception/sessions/{ids['reception_held_session']}",
        "staff-reception-rules": "/staff/reception/rules",
        "staff-reception-compliance": "/staff/reception/compliance",
        # The administrator reads dialogues (staff:access) but may not manage them (no
        # dialogue:manage): the pages without their forms. The forms are in dialogue_pages().
        "staff-dialogues": "/staff/dialogues",
        "staff-dialogue-published": f"/staff/dialogues/{ids['dialogue_published']}",
        # Periodic reports (report:read): the current reporting year's first quarter, and its print view.
        "staff-reports": f"/staff/reports?year={reporting_year(local_today())}&period=Q1",
        "staff-reports-print": f"/staff/reports/print?year={reporting_year(local_today())}&period=Q1",
        # Integrations (token:manage): the demo's token with its edit form, and the webhook form.
        "staff-tokens": "/staff/tokens",
        "staff-webhooks": "/staff/webhooks",
    }


CASE_HANDLER = "lanhdao"  # administrators hold no case powers: the leader sees every case form


def case_pages(ids: dict[str, int]) -> dict[str, str]:
    """Name -> path of the case pages (checked as CASE_HANDLER: an administrator gets a 403)."""
    return {
        "staff-complaints": "/staff/complaints",
        "staff-complaint-new": "/staff/complaints/new",
        "staff-complaint": f"/staff/complaints/{ids['case']}",
        "staff-complaint-split": f"/staff/complaints/{ids['classified_case']}",
    }


RECEPTION_CLERK = "tiepdan"  # the demo account with the reception role


def reception_pages(ids: dict[str, int]) -> dict[str, str]:
    """Name -> path of the pages only the register's keepers see (checked as RECEPTION_CLERK, in
    test_reception.py): the sessions list with the notices owed, a held session's register, a
    visit, the print view of the register over the last 60 days (the demo's visits included).
    The session page with the form to log a visit is checked there on a session the test opens."""
    today = local_today()
    return {
        "clerk-reception": "/staff/reception",
        "clerk-reception-held": f"/staff/reception/sessions/{ids['reception_held_session']}",
        "clerk-reception-visit": f"/staff/reception/visits/{ids['reception_visit']}",
        "clerk-reception-register": f"/staff/reception/register?from={(today - timedelta(days=60)).isoformat()}"
                                    f"&to={today.isoformat()}",
    }


DIALOGUE_MANAGER = "lanhdao"  # a demo account with dialogue:manage (the leader)


def dialogue_pages(ids: dict[str, int]) -> dict[str, str]:
    """Name -> path of the dialogue pages with their forms, which only those who manage
    dialogues see (checked as DIALOGUE_MANAGER, in test_dialogues.py)."""
    return {
        "manager-dialogues": "/staff/dialogues",
        "manager-dialogue-new": "/staff/dialogues/new",
        "manager-dialogue-published": f"/staff/dialogues/{ids['dialogue_published']}",
        "manager-dialogue-announced": f"/staff/dialogues/{ids['dialogue_announced']}",
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
