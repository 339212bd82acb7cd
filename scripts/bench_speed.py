#!/usr/bin/env python3
"""Benchmark: the public pages, search, /stats and the staff inbox at ward-years of data (L:
200,000 disclosures, 100,000 cases) against a real server (uvicorn, one worker), on SQLite.

    .venv/bin/python scripts/bench_speed.py [--db /tmp/mb-speed-L.sqlite3] [--seconds 5]
        [--disclosures 200000] [--cases 100000] [--small]

The database is built once (bulk Core inserts; the FTS index is kept by the migration's triggers,
as for rows the app writes) and reused while the file exists: pass the same --db again. `--small`
runs the same requests on a fresh database of 1,000 disclosures and 500 cases (S) too, so each
figure is also given as a ratio to S.

Each path is loaded with wrk (one thread, 4 connections, --seconds each, after a 1 s warm-up) and
reported as p50/p99 latency and requests per second, and as a share of a bare page: a minimal
Jinja page served by the same server process, through the same middleware (`/__bench/bare`, added
by `bench_app()` below: the only thing this script adds to the application). The first view of each
public page is measured too: the gzipped bytes of its HTML and of the CSS and JS it links.

The application is app/main.py's, as deployed (gzip, versioned static files); see README,
"Speed at ward-years of data".
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx
from sqlalchemy import create_engine, insert, text

from app.accounts.deps import OptionalUser
from app.core.deps import SessionDep

WORDS = ("dự toán ngân sách phường đất đai bồi thường hộ nghèo cận nghèo tiếp công dân quy hoạch phí lệ phí "
         "thủ tục hành chính nghĩa vụ quân sự thanh tra tài sản công quỹ đóng góp xây dựng trường học "
         "chiếu sáng vỉa hè thoát nước môi trường rác thải y tế giáo dục văn hóa thể thao an ninh trật tự "
         "giải phóng mặt bằng tái định cư kế hoạch sử dụng báo cáo quyết toán").split()
DEPARTMENTS = ("Văn phòng HĐND và UBND", "Phòng Kinh tế, Hạ tầng và Đô thị", "Phòng Văn hóa - Xã hội",
               "Công an phường", "Ban chỉ huy quân sự", "Tổ địa chính", "Tổ tư pháp - hộ tịch")
PASSWORD = "bench-Password-123"
USER = "bench-leader"


# The data ----------------------------------------------------------------------------------------

def build(url: str, n_disclosures: int, n_cases: int, *, seed: int = 1) -> None:
    """Migrate and fill a database: published disclosures over six years, and cases over five,
    most resolved, with deadlines, departments, channels and ratings as a ward's would be."""
    from app.core.text import fold
    from app.migrate import upgrade
    from app.models.complaint import CaseField, CaseKind, CaseStatus, Channel, Complaint
    from app.models.disclosure import Category, Disclosure

    upgrade(url)
    rng = random.Random(seed)
    engine = create_engine(url)
    cats = [c.value for c in Category]
    now = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)
    start = now - timedelta(days=6 * 365)
    step = (now - start) / max(1, n_disclosures)
    with engine.begin() as conn:
        batch = []
        for i in range(n_disclosures):
            title = " ".join(rng.choices(WORDS, k=7)).capitalize() + f" năm {2020 + i % 7}"
            body = " ".join(rng.choices(WORDS, k=60))
            at = start + step * i
            number = f"{i + 1}/QĐ-UBND"
            batch.append({
                "title": title, "summary": " ".join(rng.choices(WORDS, k=25)).capitalize() + ".", "body": body,
                "category": cats[i % len(cats)], "document_number": number, "issuing_body": "UBND phường",
                "fiscal_year": at.year, "tags": "", "status": "published", "version": 1 + (i % 11 == 0),
                "late": i % 13 == 0, "deadline_rule": "", "withdrawal_reason": "", "posted_on": at.date(),
                "posting_ends_on": at.date() + timedelta(days=30), "issued_on": at.date() - timedelta(days=3),
                "search_text": fold(f"{title} {body} {number}"), "published_at": at, "created_at": at,
                "updated_at": at})
            if len(batch) == 5000:
                conn.execute(insert(Disclosure), batch)
                batch = []
        if batch:
            conn.execute(insert(Disclosure), batch)

        kinds = [CaseKind.feedback.value] * 5 + [CaseKind.petition.value] * 3 + [CaseKind.complaint.value] * 2 \
            + [CaseKind.denunciation.value]
        channels = [c.value for c in Channel]
        fields = [f.value for f in CaseField]
        day0 = date(2022, 1, 3)
        span = (date(2026, 12, 2) - day0).days
        batch = []
        for i in range(n_cases):
            received = day0 + timedelta(days=span * i // max(1, n_cases))
            kind = rng.choice(kinds)
            accepted = received + timedelta(days=rng.randint(1, 12))
            resolved = accepted + timedelta(days=rng.randint(5, 60))
            horizon = date(2026, 12, 2)
            if resolved <= horizon and rng.random() < 0.97:
                status, due = CaseStatus.resolved.value, None
            elif accepted <= horizon:
                status, resolved, due = CaseStatus.in_progress.value, None, accepted + timedelta(days=45)
            else:
                status, accepted, resolved, due = (CaseStatus.received.value, None, None,
                                                   received + timedelta(days=10))
            at = datetime.combine(received, datetime.min.time(), timezone.utc) + timedelta(hours=2)
            rated = resolved is not None and rng.random() < 0.3 and kind != CaseKind.denunciation.value
            batch.append({
                "tracking_code": f"B{i:09d}", "kind": kind, "channel": rng.choice(channels),
                "anonymous": False, "identity_protected": kind == CaseKind.denunciation.value,
                "sender_name": f"Người gửi {i}", "sender_address": "Phú La",
                "subject": " ".join(rng.choices(WORDS, k=8)),
                "content": " ".join(rng.choices(WORDS, k=50)), "field": rng.choice(fields),
                "department": rng.choice(DEPARTMENTS) if accepted else "", "status": status,
                "received_on": received, "accepted_on": accepted, "resolved_on": resolved, "due_on": due,
                "satisfaction": rng.randint(1, 5) if rated else None,
                "rated_at": (datetime.combine(resolved, datetime.min.time(), timezone.utc) + timedelta(days=3))
                if rated else None,
                "created_at": at, "updated_at": at})
            if len(batch) == 5000:
                conn.execute(insert(Complaint), batch)
                batch = []
        if batch:
            conn.execute(insert(Complaint), batch)
        conn.execute(text("ANALYZE"))
    engine.dispose()
    ensure_user(url)


def ensure_user(url: str) -> None:
    """The staff account the inbox is read with (a leader: reads every case)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM staff_user WHERE username = :u"), {"u": USER}).first()
    engine.dispose()
    if not exists:
        subprocess.run([sys.executable, "-c", "from app.cli import main; main()", "create-user", USER,
                        "--role", "leader", "--full-name", "Bench"], input=PASSWORD + "\n", text=True, check=True,
                       cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.DEVNULL)


# The server --------------------------------------------------------------------------------------

def bench_app():
    """The application as app/main.py builds it, plus a bare Jinja page (`/__bench/bare`) served
    through the same middleware."""
    from fastapi.responses import HTMLResponse

    from app.core.templating import env
    from app.main import create_app

    app = create_app()
    bare = env.from_string("<!DOCTYPE html><html lang=\"vi\"><title>{{ t }}</title><p>{{ t }}</p></html>")

    @app.get("/__bench/bare", include_in_schema=False)
    def bare_page():
        return HTMLResponse(bare.render(t="Minh Bạch"))

    # The same page behind what a page route adds, one piece at a time (see --overhead).
    @app.get("/__bench/session", include_in_schema=False)
    def session_page(session: SessionDep):
        return HTMLResponse(bare.render(t="Minh Bạch"))

    @app.get("/__bench/user", include_in_schema=False)
    def user_page(session: SessionDep, user: OptionalUser):
        return HTMLResponse(bare.render(t="Minh Bạch"))

    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, data_dir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(data_dir), "SECRET_KEY": "bench-secret",
               "MAIL_INTERVAL_SECONDS": "0", "WEBHOOK_INTERVAL_SECONDS": "0", "LOGIN_MAX_FAILURES": "1000"}
        self.log = (data_dir / "uvicorn.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench_speed:bench_app", "--factory", "--app-dir", str(ROOT / "scripts"),
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1", "--no-access-log",
             "--log-level", "warning"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(150):
            try:
                if httpx.get(f"{self.base}/__bench/bare", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit("the server did not start; see " + str(data_dir / "uvicorn.log"))

    def login(self) -> str:
        """Log in through the real form; the session cookie's header value."""
        with httpx.Client(base_url=self.base, timeout=30) as c:
            page = c.get("/staff/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            r = c.post("/staff/login", data={"csrf_token": token, "username": USER, "password": PASSWORD,
                                            "next": "/staff"})
            assert r.status_code in (200, 303), r.status_code
            return "; ".join(f"{k}={v}" for k, v in c.cookies.items())

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


# Measuring ---------------------------------------------------------------------------------------

def _rps(base: str, path: str, seconds: float, headers: list[str]) -> tuple[float, int]:
    """Requests per second with 4 connections (wrk), and the answers that were not 2xx/3xx."""
    out = subprocess.run(["timeout", str(int(seconds) + 30), "wrk", "-t1", "-c4", f"-d{seconds:g}s", "--timeout",
                          "30s", *headers, base + path], capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if rps is None:
        raise SystemExit(f"wrk failed on {path}:\n{out}")
    return float(rps.group(1)), int(bad.group(1)) if bad else 0


def _latency(base: str, path: str, seconds: float, cookie: str) -> tuple[list[float], int]:
    """One request at a time for `seconds` (at least 3): the latencies in ms, and the failures."""
    headers = {"Accept-Encoding": "gzip", **({"Cookie": cookie} if cookie else {})}
    samples: list[float] = []
    bad = 0
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
        c.get(path)  # warm-up
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline or len(samples) < 3:
            t = time.perf_counter()
            r = c.get(path)
            samples.append((time.perf_counter() - t) * 1000)
            bad += r.status_code >= 400
    return sorted(samples), bad


def wrk(base: str, path: str, seconds: float, cookie: str = "") -> dict[str, float]:
    """p50/p99 in ms of `path` one request at a time, and requests/s with 4 connections (wrk),
    each for `seconds`."""
    lat, bad = _latency(base, path, seconds, cookie)
    rps, bad_load = _rps(base, path, seconds, ["-H", "Accept-Encoding: gzip"]
                         + (["-H", f"Cookie: {cookie}"] if cookie else []))
    return {"p50": statistics.median(lat), "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))], "rps": rps,
            "errors": bad + bad_load}


def first_view(base: str, path: str) -> tuple[int, int]:
    """Bytes on the wire of a first view (HTML and the CSS and JS it links, gzip accepted), and
    the HTML's size uncompressed."""
    with httpx.Client(base_url=base, timeout=30, headers={"Accept-Encoding": "gzip"}) as c:
        r = c.get(path)
        total = int(r.headers.get("content-length") or len(r.content))
        links = re.findall(r'<(?:link rel="stylesheet"|script)[^>]*(?:href|src)="(/static/[^"]+)"', r.text)
        for link in dict.fromkeys(links):
            s = c.get(link)
            total += int(s.headers.get("content-length") or len(s.content))
        return total, len(r.content)


PUBLIC = ("/", "/disclosures", "/disclosures?q=dat+dai", "/disclosures?q=ngan+sach", "/stats", "/dialogues",
          "/reception", "/track", "/complaints/new")
OVERHEAD = ("/__bench/session", "/__bench/user")
TIMED = ("/__bench/bare", "/disclosures?q=dat+dai", "/disclosures", "/", "/stats", "/staff/complaints")


def measure(url: str, seconds: float, label: str, overhead: bool = False) -> dict[str, dict[str, float]]:
    tmp = Path(tempfile.mkdtemp(prefix="mb-speed-"))
    server = Server(url, tmp)
    try:
        cookie = server.login()
        results = {}
        for path in TIMED[:1] + (OVERHEAD if overhead else ()) + TIMED[1:]:
            results[path] = wrk(server.base, path, seconds, cookie if path.startswith("/staff") else "")
        sizes = {path: first_view(server.base, path) for path in PUBLIC}
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    bare = results["/__bench/bare"]["rps"]
    print(f"\n{label}: one uvicorn worker; wrk, {seconds:g} s per path: "
          "latency one request at a time (httpx), req/s at 4 connections (wrk)")
    print(f"{'path':28} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'of bare':>8}")
    for path, r in results.items():
        flag = f"  ({r['errors']} non-2xx)" if r["errors"] else ""
        print(f"{path:28} {r['p50']:8.1f} {r['p99']:8.1f} {r['rps']:8.1f} {100 * r['rps'] / bare:7.1f}%{flag}")
    print(f"\n{'first view (gzip)':28} {'KB sent':>8} {'HTML KB':>8}")
    for path, (sent, html) in sizes.items():
        print(f"{path:28} {sent / 1024:8.1f} {html / 1024:8.1f}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="/tmp/mb-speed-L.sqlite3", help="the L database (built when missing)")
    parser.add_argument("--disclosures", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--small", action="store_true", help="also measure S (1,000 disclosures, 500 cases)")
    parser.add_argument("--overhead", action="store_true",
                        help="also the bare page behind a database session "
                             "(/__bench/session) and the user lookup (/__bench/user)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    db = Path(args.db)
    if not db.exists():
        t = time.monotonic()
        build(f"sqlite:///{db}", args.disclosures, args.cases)
        print(f"built {db} in {time.monotonic() - t:.0f} s")
    else:
        from app.migrate import upgrade
        upgrade(f"sqlite:///{db}")  # new indexes since it was built
        ensure_user(f"sqlite:///{db}")
    large = measure(f"sqlite:///{db}", args.seconds, f"L ({args.disclosures:,} disclosures, {args.cases:,} cases)",
                    args.overhead)
    if args.small:
        with tempfile.TemporaryDirectory(prefix="mb-speed-S-") as tmp:
            build(f"sqlite:///{tmp}/s.sqlite3", 1000, 500)
            small = measure(f"sqlite:///{tmp}/s.sqlite3", args.seconds, "S (1,000 disclosures, 500 cases)")
        print(f"\n{'path':28} {'p50 L/S':>8}")
        for path in TIMED:
            print(f"{path:28} {large[path]['p50'] / max(small[path]['p50'], 0.01):8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
