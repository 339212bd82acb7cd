#!/usr/bin/env python3
"""Benchmark: dozens of residents filing cases at the same moment, through the web form and the
JSON API, against a real server (uvicorn, 2 worker processes) on SQLite and on PostgreSQL.

Each of --clients simulated residents loops for --seconds: a form filer fetches the form (its
CSRF cookie and idempotency key) and sends it (303 to the confirmation is a success); an API
filer POSTs JSON (201 is a success). Every request has a 10 s client timeout. At the end the
script counts the cases in the database and compares them with the successful answers: a case
must exist for every code given, and no case may exist without its code having been given (a
submission either answers with its code or does not exist). /healthz is polled once a second
throughout, to show the event loop never stalls.

    .venv/bin/python scripts/bench_concurrency.py [--clients 64] [--seconds 30]
        [--url postgresql+psycopg://minhbach:minhbach@127.0.0.1:5432/postgres]

Always runs on a temporary SQLite file; with --url also on PostgreSQL, in a database created
for the run and dropped afterwards (the role needs CREATEDB). The intake rate limit is raised
for the run (INTAKE_LIMIT), since every simulated resident shares 127.0.0.1; any 429 would
still count as refused, not as an error. Exit status 1 when a target is missed: an error other
than 429, a "database is locked" in the server log, p99 >= 2 s, or rows != successes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.migrate import upgrade

FORM = {"kind": "feedback", "field": "urban_order", "subject": "Đèn chiếu sáng ngõ {n} bị hỏng",
        "content": "Đèn hỏng hơn một tuần, ngõ rất tối, người đi bộ dễ ngã.", "address": "Ngõ {n} Văn Phú",
        "sender_name": "Nguyễn Văn An", "sender_address": "Số 3 ngõ 12", "sender_email": ""}
KEY_RE = re.compile(r'name="idempotency_key" value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tally:
    def __init__(self) -> None:
        self.status: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.by_door: dict[str, list[float]] = {"form": [], "api": []}
        self.successes = 0
        self.health: list[float] = []

    def add(self, status: str, seconds: float, ok: bool, door: str) -> None:
        self.status[status] += 1
        self.latencies.append(seconds)
        self.by_door[door].append(seconds)
        self.successes += ok


async def _form_filer(base: str, deadline: float, tally: Tally, n: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        while time.monotonic() < deadline:
            try:
                page = await client.get("/complaints/new")
                data = {k: v.format(n=n) for k, v in FORM.items()}
                data["csrf_token"] = CSRF_RE.search(page.text).group(1)
                data["idempotency_key"] = KEY_RE.search(page.text).group(1)
                start = time.monotonic()
                r = await client.post("/complaints/new", data=data, follow_redirects=False)
                tally.add(str(r.status_code), time.monotonic() - start, r.status_code == 303, "form")
            except httpx.HTTPError as exc:
                tally.add(type(exc).__name__, 10.0, False, "form")


async def _api_filer(base: str, deadline: float, tally: Tally, n: int) -> None:
    body = {k: v.format(n=n) for k, v in FORM.items() if k != "sender_email"} | {"anonymous": False}
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        while time.monotonic() < deadline:
            start = time.monotonic()
            try:
                r = await client.post("/api/v1/complaints", json=body)
                tally.add(str(r.status_code), time.monotonic() - start, r.status_code == 201, "api")
            except httpx.HTTPError as exc:
                tally.add(type(exc).__name__, 10.0, False, "api")


async def _health(base: str, deadline: float, tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.monotonic() < deadline:
            start = time.monotonic()
            try:
                await client.get("/healthz")
            except httpx.HTTPError:
                pass
            tally.health.append(time.monotonic() - start)
            await asyncio.sleep(1)


async def _load(base: str, clients: int, seconds: float) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    mix = os.environ.get("BENCH_MIX", "both")
    tasks = [(_api_filer if mix == "api" or (mix == "both" and i % 2) else _form_filer)(base, deadline, tally, i)
             for i in range(clients)]
    await asyncio.gather(_health(base, deadline, tally), *tasks)
    return tally


def _count_cases(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM complaint")).scalar_one()
    engine.dispose()
    return n


WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format("WRK %d %d %.1f %.1f %.1f\\n", summary.requests, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def _wrk_scripts(tmp: Path) -> tuple[Path, Path]:
    """wrk's Lua for the API (a JSON body) and for the form (a CSRF cookie and its token, and a
    new idempotency key for every request, as a browser showing a new form would send)."""
    import json
    from urllib.parse import urlencode

    from app.core.security import CSRF_COOKIE, csrf_token_for

    body = {k: v.format(n=5) for k, v in FORM.items() if k != "sender_email"} | {"anonymous": False}
    api = tmp / "api.lua"
    api.write_text(f"wrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n"
                   f"wrk.body = {json.dumps(json.dumps(body, ensure_ascii=False), ensure_ascii=False)}\n" + WRK_DONE)
    secret = "w" * 43
    fields = urlencode({k: v.format(n=7) for k, v in FORM.items()}
                       | {"csrf_token": csrf_token_for("bench-secret", secret, "")})
    form = tmp / "form.lua"
    form.write_text(f"""counter = 0
request = function()
  counter = counter + 1
  local body = "{fields}&idempotency_key=" .. \
string.format("wrk-%08d-%08d-%06d", math.random(99999999), counter, math.random(999999))
  return wrk.format("POST", "/complaints/new", {{["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "{CSRF_COOKIE}={secret}"}}, body)
end
""" + WRK_DONE)
    return api, form


def _wrk(base: str, clients: int, seconds: float, tmp: Path) -> dict[str, tuple]:
    """Half the clients through the form, half through the API, as two wrk processes at once."""
    api, form = _wrk_scripts(tmp)
    half = max(1, clients // 2)
    runs = {door: subprocess.Popen(["wrk", "-t1", f"-c{half}", f"-d{seconds:.0f}s", "-s", str(script), f"{base}{path}"],
                                   stdout=subprocess.PIPE, text=True)
            for door, script, path in (("api", api, "/api/v1/complaints"), ("form", form, "/complaints/new"))}
    out = {}
    for door, proc in runs.items():
        text, _ = proc.communicate(timeout=seconds + 60)
        line = next(x for x in text.splitlines() if x.startswith("WRK "))
        requests, bad, p50, p99, worst = line.split()[1:]
        out[door] = (int(requests), int(bad), float(p50), float(p99), float(worst))
    return out


def run(label: str, url: str, tmp: Path, clients: int, seconds: float, client: str = "httpx") -> bool:
    upgrade(url)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(tmp / "data"), "SECRET_KEY": "bench-secret",
           "INTAKE_LIMIT": "1000000", "MAIL_INTERVAL_SECONDS": "0", "WEBHOOK_INTERVAL_SECONDS": "0"}
    log_path = tmp / f"uvicorn-{label}.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
                                   "--host", "127.0.0.1", "--port", str(port),
                                   "--workers", os.environ.get("BENCH_WORKERS", "2"), "--no-access-log"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        if client == "wrk":
            results = _wrk(base, clients, seconds, tmp)
        else:
            tally = asyncio.run(_load(base, clients, seconds))
        time.sleep(1)  # let a request cut off by the client finish (or not) on the server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            print(f"{label}: the server did not stop within 20 s of SIGTERM")
    rows = _count_cases(url)
    locked = log_path.read_text(errors="replace").count("database is locked")
    if client == "wrk":
        return _report_wrk(label, clients, seconds, results, rows, locked)
    lat = sorted(tally.latencies)
    p50 = statistics.median(lat) if lat else 0.0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0
    errors = {k: v for k, v in tally.status.items() if k not in ("303", "201", "429")}
    print(f"\n{label}: {clients} clients (half form, half API), {seconds:.0f} s, 2 workers")
    print(f"  answers: {dict(sorted(tally.status.items()))}")
    print(f"  submissions/s: {len(lat) / seconds:.1f}; p50 {p50 * 1000:.0f} ms; p99 {p99 * 1000:.0f} ms; "
          f"max {max(lat, default=0) * 1000:.0f} ms")
    for door, values in tally.by_door.items():
        values.sort()
        if values:
            print(f"    {door}: {len(values)} submissions, p50 {statistics.median(values) * 1000:.0f} ms, "
                  f"p99 {values[min(len(values) - 1, int(len(values) * 0.99))] * 1000:.0f} ms")
    print(f"  /healthz during the run: max {max(tally.health, default=0) * 1000:.0f} ms over {len(tally.health)} polls")
    print(f"  rows {rows} vs successful answers {tally.successes}; 'database is locked' in log: {locked}")
    ok = not errors and locked == 0 and p99 < 2.0 and rows == tally.successes
    print(f"  {'PASS' if ok else 'FAIL'}" + (f" (errors: {errors})" if errors else ""))
    return ok


def _report_wrk(label: str, clients: int, seconds: float, results: dict, rows: int, locked: int) -> bool:
    """wrk reads no answer still on its way when the time is up: up to one per connection is
    filed but not counted, so rows may exceed the answers by at most the number of clients."""
    answered = sum(r[0] - r[1] for r in results.values())
    print(f"\n{label}: {clients} clients with wrk (half form, half API), {seconds:.0f} s, 2 workers")
    for door, (requests, bad, p50, p99, worst) in results.items():
        print(f"    {door}: {requests} submissions ({bad} errors), {requests / seconds:.1f}/s, p50 {p50:.0f} ms, "
              f"p99 {p99:.0f} ms, max {worst:.0f} ms")
    print(f"  rows {rows} vs answers read {answered} (+ at most {clients} in flight at the end); "
          f"'database is locked' in log: {locked}")
    ok = (locked == 0 and all(r[1] == 0 and r[3] < 2000 for r in results.values())
          and answered <= rows <= answered + clients)
    print(f"  {'PASS' if ok else 'FAIL'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--url", default="", help="a PostgreSQL URL (a role with CREATEDB) to run there too")
    parser.add_argument("--client", choices=("httpx", "wrk"), default="httpx",
                        help="httpx: Python clients that also fetch each form, with exact accounting; wrk: a "
                             "light client (apt-get install wrk), so the latency is the server's, not the client's")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="minhbach-conc-") as tmp:
        ok &= run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", Path(tmp), args.clients, args.seconds, args.client)
        if args.url:
            name = f"mb_conc_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = make_url(args.url).set(database=name).render_as_string(hide_password=False)
                ok &= run("PostgreSQL", url, Path(tmp), args.clients, args.seconds, args.client)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
