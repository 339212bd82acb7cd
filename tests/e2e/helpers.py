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
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.demo import DEMO_PASSWORD

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

    async def handle_DATA(self, server, session, envelope):
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
        "track": "/track",
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
        "staff-complaints": "/staff/complaints",
        "staff-complaint-new": "/staff/complaints/new",
        "staff-complaint": f"/staff/complaints/{ids['case']}",
        "staff-complaint-split": f"/staff/complaints/{ids['classified_case']}",
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
