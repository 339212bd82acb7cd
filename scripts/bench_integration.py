#!/usr/bin/env python3
"""Benchmark: the reports, /stats, the open data ZIP and the change feed of a busy ward.

Fills a fresh database with about five years of a busy ward — cases with their timelines,
suspensions and ratings; published disclosures with their methods, versions and files;
reception sessions and visits (scripts/bench_reception.py); dialogues with questions and
commitments; the public change feed — by bulk INSERTs, then times, in-process: the periodic
report for a quarter and a year, its workbook, the /stats figures and page, the open data ZIP,
the change feed (service and API, first and a deep page, a 304 revalidation) and the
disclosures API. Prints the median of several runs and the SQL statements each call runs (an
N+1 shows as a count that grows with the data: compare two sizes with --cases).

    .venv/bin/python scripts/bench_integration.py [--cases 20000] [--runs 5]
        [--url postgresql+psycopg://minhbach:minhbach@127.0.0.1:5432/mb_bench_x]

Always runs on a temporary SQLite file; with --url also on PostgreSQL. The database named in
--url is created for the run (it must not exist) and dropped afterwards; the role needs CREATEDB.
--keep keeps both databases.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

# Everything of a run goes under one temporary directory, removed at the end. Importing
# app.main builds the module-level app: keep its files out of the working tree too.
TMP = Path(tempfile.mkdtemp(prefix="minhbach-bench-"))
os.environ.setdefault("DATA_DIR", str(TMP / "import"))
os.environ.setdefault("SECRET_KEY", "bench-secret-key")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_reception
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, insert, inspect, text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.core.db import make_engine, session_for, utcnow
from app.core.text import fold
from app.core.timeutil import LOCAL_TZ
from app.integration import events
from app.legal import periods
from app.main import create_app
from app.migrate import upgrade
from app.models.complaint import CaseField, Complaint, ComplaintEvent, ComplaintPause
from app.models.dialogue import (
    Commitment,
    CommitmentUpdate,
    Dialogue,
    DialogueQuestion,
)
from app.models.disclosure import (
    PERMANENT_POSTING,
    Attachment,
    Category,
    Disclosure,
    DisclosureMethod,
    DisclosureVersion,
    Method,
)
from app.models.event import Audience, PublicEvent
from app.reporting import exports as reports_export
from app.reporting import opendata, stats
from app.reporting import periodic as reports

WARD = "Phường Phú La"
BASE_URL = "http://testserver"
KINDS = (("complaint", 30), ("denunciation", 8), ("petition", 25), ("feedback", 37))
CHANNELS = (("web", 30), ("walk_in", 25), ("post", 10), ("phone", 10), ("transfer", 10), ("national_portal", 15))
WORDS = ("dự toán ngân sách phường đất đai bồi thường hộ nghèo cận nghèo tiếp công dân quy hoạch "
         "phí lệ phí thủ tục hành chính nghĩa vụ quân sự thanh tra tài sản công quỹ đóng góp").split()
BATCH = 5000


# Filling -----------------------------------------------------------------------------------------

def _blank(conn, table) -> dict:
    """Every column of `table` but the id, at an empty value of its type (the models' defaults
    are Python-side, which a Core INSERT does not apply): bulk rows then share one key set.
    Types and NULLs as the migrated database has them."""
    keys = {c.name for c in table.primary_key.columns}
    row = {}
    for col in inspect(conn).get_columns(table.name):
        if col["name"] in keys:
            continue
        kind = col["type"].python_type
        row[col["name"]] = None if col["nullable"] else {bool: False, int: 0, str: ""}.get(kind)
    return row


def _insert(conn, model, rows: list[dict]) -> None:
    table = model.__table__
    blank = _blank(conn, table)
    rows = [{**blank, **r} for r in rows]
    for i in range(0, len(rows), BATCH):
        conn.execute(insert(table), rows[i:i + BATCH])


def _ids(conn, model) -> list[int]:
    return [r[0] for r in conn.execute(text(f"SELECT id FROM {model.__tablename__} ORDER BY id"))]


def _at(day: date, rng: random.Random, hour: int = 8) -> datetime:
    """A moment of a local working day, as an aware time (stored as UTC)."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LOCAL_TZ) + timedelta(minutes=rng.randrange(540))


def _working(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([k for k, _w in weighted], [w for _k, w in weighted])[0]


def fill_cases(conn, n: int, start: date, today: date) -> tuple[int, int]:
    """`n` cases received over the years, each with a timeline that took it as far as its age
    allows: classified, then accepted and resolved (some extended or suspended, some rated), or
    guided, transferred, filed or refused; recent ones still open."""
    rng = random.Random(2)
    fields = [f.value for f in CaseField]
    span = (today - start).days
    cases, timelines, pauses = [], [], []
    for i in range(n):
        received = _working(start + timedelta(days=rng.randrange(span + 1)))
        received = min(received, today)
        kind, channel = _pick(rng, KINDS), _pick(rng, CHANNELS)
        steps: list[tuple[str, str, str, date]] = [("receive", "", "received", received)]
        case = {"tracking_code": f"BENCH{i:011d}", "kind": kind, "channel": channel, "field": rng.choice(fields),
                "anonymous": kind in ("petition", "feedback") and rng.random() < 0.05,
                "identity_protected": kind == "denunciation", "sender_name": f"Người gửi {i}",
                "sender_address": "TDP 3", "subject": " ".join(rng.choices(WORDS, k=6)),
                "content": " ".join(rng.choices(WORDS, k=60)), "complex": rng.random() < 0.1,
                "remote": False, "extensions": 0, "received_on": received, "status": "received",
                "due_on": received + timedelta(days=14)}
        classified = received + timedelta(days=rng.randrange(4))
        r = rng.random()
        if classified <= today:
            steps.append(("classify", "received", "classified", classified))
            case["status"] = "classified"
            decided = classified + timedelta(days=1 + rng.randrange(8))
            if decided > today or r < 0.03:
                pass  # still being classified
            elif r < 0.62:
                case["accepted_on"] = decided
                steps.append(("accept", "classified", "accepted", decided))
                case["status"] = "accepted"
                started = decided + timedelta(days=rng.randrange(4))
                if started <= today:
                    steps.append(("start", "accepted", "in_progress", started))
                    case["status"] = "in_progress"
                    resolved = started + timedelta(days=10 + rng.randrange(60))
                    if rng.random() < 0.08 and started + timedelta(days=20) <= today:
                        steps.append(("extend", "in_progress", "in_progress", started + timedelta(days=20)))
                        case["extensions"] = 1
                        resolved += timedelta(days=20)
                    if rng.random() < 0.03 and started + timedelta(days=5) <= today:
                        p_start, p_len = started + timedelta(days=5), 10 + rng.randrange(30)
                        steps.append(("suspend", "in_progress", "suspended", p_start))
                        case["status"] = "suspended"
                        p_end = p_start + timedelta(days=p_len)
                        if p_end <= today:
                            steps.append(("resume", "suspended", "in_progress", p_end))
                            case["status"] = "in_progress"
                        pauses.append({"complaint_id": i, "start": p_start, "end": p_end if p_end <= today else None})
                        resolved += timedelta(days=p_len)
                    if resolved <= today and case["status"] == "in_progress":
                        steps.append(("resolve", "in_progress", "resolved", resolved))
                        case.update(status="resolved", resolved_on=resolved, decided_on=resolved,
                                    decision_number=f"{i}/QĐ-UBND", result="Đã giải quyết",
                                    public_summary="Đã giải quyết", due_on=None)
                        closed = resolved + timedelta(days=5 + rng.randrange(30))
                        if closed <= today and rng.random() < 0.6:
                            steps.append(("close", "resolved", "closed", closed))
                            case["status"] = "closed"
                        rated = resolved + timedelta(days=1 + rng.randrange(20))
                        if kind != "denunciation" and rated <= today and rng.random() < 0.35:
                            case.update(satisfaction=rng.choices((1, 2, 3, 4, 5), (5, 8, 20, 37, 30))[0],
                                        rated_at=_at(rated, rng))
                if case["status"] != "resolved" and case["status"] != "closed":
                    case["due_on"] = decided + timedelta(days=30)
            else:
                action, to = rng.choice((("guide", "guided"), ("transfer", "transferred"), ("file", "filed"),
                                         ("refuse", "refused")))
                steps.append((action, "classified", to, decided))
                case.update(status=to, due_on=None, guidance_number="1/HD" if to == "guided" else "",
                            transfer_body="UBND quận" if to == "transferred" else "",
                            reason="Không đủ điều kiện" if to in ("filed", "refused") else "")
                if decided + timedelta(days=10) <= today and rng.random() < 0.5:
                    steps.append(("close", to, "closed", decided + timedelta(days=10)))
                    case["status"] = "closed"
        created = _at(received, rng)
        case["created_at"] = created
        case["updated_at"] = _at(steps[-1][3], rng)
        cases.append(case)
        for action, frm, to, day in steps:
            timelines.append({"complaint_id": i, "at": created if action == "receive" else _at(day, rng),
                              "actor": "Cán bộ", "action": action, "from_status": frm, "to_status": to,
                              "note": "", "public": action != "extend"})
    _insert(conn, Complaint, cases)
    ids = _ids(conn, Complaint)[-n:]
    for row in timelines:
        row["complaint_id"] = ids[row["complaint_id"]]
    for row in pauses:
        row["complaint_id"] = ids[row["complaint_id"]]
    _insert(conn, ComplaintEvent, timelines)
    _insert(conn, ComplaintPause, pauses)
    return len(timelines), len(pauses)


def fill_disclosures(conn, n: int, start: date, today: date) -> int:
    """`n` published disclosures (a few withdrawn), each with its version, 1–4 methods, and a
    file for half of them."""
    rng = random.Random(3)
    cats = [c.value for c in Category]
    methods = [m.value for m in Method]
    span = (today - start).days
    rows, versions = [], []
    for i in range(n):
        published = start + timedelta(days=span * i // n)
        at = _at(published, rng)
        cat = cats[rng.randrange(len(cats))]
        issued = None if rng.random() < 0.1 else published - timedelta(days=rng.randrange(12))
        deadline = issued + timedelta(days=7) if issued else None
        permanent = cat in PERMANENT_POSTING or cat == Category.other
        withdrawn = rng.random() < 0.03
        title = " ".join(rng.choices(WORDS, k=6)).capitalize() + f" số {i}"
        body = " ".join(rng.choices(WORDS, k=80))
        content = {"title": title, "summary": "", "body": body, "category": cat, "document_number": f"{i}/QĐ-UBND",
                   "issuing_body": "UBND phường", "issued_on": issued, "fiscal_year": published.year, "tags": ""}
        rows.append({**content, "status": "withdrawn" if withdrawn else "published", "version": 1,
                     "posted_on": published, "posting_ends_on": None if permanent else
                     published + timedelta(days=20 if rng.random() < 0.05 else 30),
                     "publish_deadline_on": deadline, "late": bool(deadline and published > deadline),
                     "deadline_rule": "disclosure.publish_deadline@1", "published_at": at,
                     "withdrawn_at": at + timedelta(days=40) if withdrawn else None,
                     "withdrawal_reason": "Thay thế" if withdrawn else "",
                     "search_text": fold(f"{title} {body} {i}/QĐ-UBND"), "created_at": at, "updated_at": at})
        versions.append({**content, "version": 1, "published_at": at, "change_note": ""})
    _insert(conn, Disclosure, rows)
    ids = _ids(conn, Disclosure)[-n:]
    used, files = [], []
    for i, (d_id, row) in enumerate(zip(ids, rows, strict=True)):
        versions[i]["disclosure_id"] = d_id
        for m in rng.sample(methods, 1 + rng.randrange(4)):
            used.append({"disclosure_id": d_id, "method": m, "used_on": row["posted_on"], "note": "",
                         "created_at": row["published_at"]})
        if i % 2 == 0:
            files.append({"disclosure_id": d_id, "version": 1, "filename": f"van-ban-{i}.pdf",
                          "content_type": "application/pdf", "size": 123_456, "sha256": f"{i:064x}",
                          "created_at": row["published_at"]})
    _insert(conn, DisclosureVersion, versions)
    _insert(conn, DisclosureMethod, used)
    _insert(conn, Attachment, files)
    return len(used)


def fill_dialogues(conn, n: int, start: date, today: date) -> tuple[int, int]:
    """`n` dialogues, two a year, the last still announced; those held have 8–15 questions and
    4–8 commitments (done, late, dropped, open) with their progress steps."""
    rng = random.Random(4)
    dialogues, plan = [], []
    for i in range(n):
        last = i == n - 1
        day = today + timedelta(days=20) if last else start + timedelta(days=(today - start).days * (i + 1) // n)
        at = datetime(day.year, day.month, day.day, 8, 0, tzinfo=LOCAL_TZ)
        status = "announced" if last else "published"
        dialogues.append({"title": f"Đối thoại với Nhân dân lần {i + 1}", "topics": "Đất đai, môi trường",
                          "starts_at": at, "ends_at": at + timedelta(hours=3), "place": "Hội trường",
                          "format": "in_person", "chair": "Chủ tịch UBND phường", "trigger": "annual_plan",
                          "status": status,
                          "announced_on": day - timedelta(days=15), "notice_days": 15,
                          "attendance": None if status == "announced" else 80 + rng.randrange(100),
                          "minutes": "" if status == "announced" else "Biên bản",
                          "results_published_on": None if status == "announced" else day + timedelta(days=7),
                          "created_at": at - timedelta(days=30), "updated_at": at})
        plan.append((day, status))
    _insert(conn, Dialogue, dialogues)
    ids = _ids(conn, Dialogue)[-n:]
    questions, commitments, steps = [], [], []
    for d_id, (day, status) in zip(ids, plan, strict=True):
        if status == "announced":
            continue
        at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=LOCAL_TZ)
        for q in range(8 + rng.randrange(8)):
            questions.append({"dialogue_id": d_id, "position": q + 1, "asked_by": f"TDP {q + 1}",
                              "content": "Câu hỏi " * 10,
                              "answer": "Trả lời " * 10 if rng.random() < 0.9 else "",
                              "answered_by": "Chủ tịch", "created_at": at})
        for _c in range(4 + rng.randrange(5)):
            due = day + timedelta(days=30 + rng.randrange(300))
            r = rng.random()
            state = "dropped" if r < 0.1 else "done" if due < today and r < 0.8 else "in_progress"
            done_on = due + timedelta(days=rng.randrange(-20, 15)) if state == "done" else None
            done_on = min(done_on, today) if done_on else None
            commitments.append({"dialogue_id": d_id, "title": "Cam kết " + " ".join(rng.choices(WORDS, k=5)),
                                "owner_department": "Phòng Kinh tế", "due_on": due, "first_due_on": due,
                                "status": state, "drop_reason": "Không khả thi" if state == "dropped" else "",
                                "done_on": done_on, "created_at": at, "updated_at": at,
                                "_steps": [(day + timedelta(days=10), "in_progress")]
                                + ([(done_on, "done")] if done_on else [])
                                + ([(day + timedelta(days=20), "dropped")] if state == "dropped" else [])})
    _insert(conn, DialogueQuestion, questions)
    _insert(conn, Commitment, [{k: v for k, v in c.items() if k != "_steps"} for c in commitments])
    c_ids = _ids(conn, Commitment)[-len(commitments):]
    for c_id, c in zip(c_ids, commitments, strict=True):
        for on, state in c["_steps"]:
            steps.append({"commitment_id": c_id, "on": on, "note": "Tiến độ", "status": state,
                          "actor": "Cán bộ", "created_at": datetime(on.year, on.month, on.day, 9, tzinfo=LOCAL_TZ)})
    _insert(conn, CommitmentUpdate, steps)
    return len(questions), len(commitments)


def fill_events(conn, n: int, start: date, today: date) -> None:
    """`n` change-feed events over the years, oldest first: about 60% case events (for readers
    of cases only), the rest public."""
    rng = random.Random(5)
    public = (("disclosure.published", "disclosure"), ("disclosure.amended", "disclosure"),
              ("dialogue.announced", "dialogue"), ("commitment.progress", "commitment"))
    span = (today - start).days * 86400
    first = datetime(start.year, start.month, start.day, tzinfo=timezone.utc)
    rows = []
    for i in range(n):
        at = first + timedelta(seconds=span * i // n)
        if rng.random() < 0.6:
            kind, entity, audience = rng.choice(("case.received", "case.status")), "case", Audience.cases
        else:
            (kind, entity), audience = rng.choice(public), Audience.public
        rows.append({"at": at, "type": kind, "entity": entity, "entity_id": 1 + rng.randrange(20_000),
                     "summary": f"{kind} #{i}", "audience": audience.value})
    _insert(conn, PublicEvent, rows)


def fill(url: str, *, cases: int, disclosures: int, visits: int, dialogues: int, feed: int, today: date) -> str:
    start = today - timedelta(days=5 * 365)
    bench_reception.fill(url, visits, today)  # sessions (three a working day) and the register
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            n_events, n_pauses = fill_cases(conn, cases, start, today)
            n_methods = fill_disclosures(conn, disclosures, start, today)
            n_questions, n_commitments = fill_dialogues(conn, dialogues, start, today)
            fill_events(conn, feed, start, today)
            sessions = conn.execute(text("SELECT count(*) FROM reception_session")).scalar()
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    finally:
        engine.dispose()
    return (f"{cases} cases ({n_events} timeline rows, {n_pauses} suspensions), {disclosures} disclosures "
            f"({n_methods} methods), {sessions} reception sessions, {visits} visits, {dialogues} dialogues "
            f"({n_questions} questions, {n_commitments} commitments), {feed} feed events")


# Timing ------------------------------------------------------------------------------------------

class StatementCounter:
    """SQL statements sent on an engine (transaction control left out)."""

    def __init__(self, engine):
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.n += 1


@dataclass
class Result:
    ms: float
    statements: int


def measure(fn: Callable[[], object], counter: StatementCounter, runs: int) -> Result:
    fn()  # warm up (statement compilation, templates)
    samples, counts = [], []
    for _ in range(runs):
        counter.n = 0
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
        counts.append(counter.n)
    return Result(statistics.median(samples), max(counts))


def bench(url: str, runs: int, today: date) -> dict[str, Result]:
    engine = make_engine(url)
    counter = StatementCounter(engine)
    # The last full reporting year (year N runs 15/12 of N-1 to 14/12 of N).
    year = today.year if today >= date(today.year, 12, 15) else today.year - 1
    q1, y = periods.official(year, "Q1"), periods.official(year, "Y")

    def service(fn):
        """A call in its own read-only session, as a request has."""
        def run():
            with session_for(engine, write=False) as s:
                return fn(s)
        return run

    with session_for(engine, write=False) as s:
        report_y = reports.periodic(s, y, ward=WARD, today=today)
        public_ids = [r[0] for r in s.execute(text(
            "SELECT id FROM public_event WHERE audience = 'public' ORDER BY id")).all()]
    deep_after = public_ids[int(len(public_ids) * 0.8)]  # a receiver that is 80% through the feed

    out: dict[str, Result] = {}
    cases = [
        (f"reports.periodic, Q1 {year}", service(lambda s: reports.periodic(s, q1, ward=WARD, today=today))),
        (f"reports.periodic, Y {year}", service(lambda s: reports.periodic(s, y, ward=WARD, today=today))),
        (f"report workbook, Y {year} (from the report)", lambda: reports_export.report_workbook(report_y)),
        ("stats.public_stats (/stats figures)", service(lambda s: stats.public_stats(s, today=today))),
        ("opendata.build_zip", service(lambda s: opendata.build_zip(s, ward=WARD, base_url=BASE_URL,
                                                                     now=utcnow()))),
        ("events.since, first page (100)", service(lambda s: events.since(s, after=0, limit=100,
                                                                           audiences={Audience.public}))),
        ("events.since, deep page (100)", service(lambda s: events.since(s, after=deep_after, limit=100,
                                                                          audiences={Audience.public}))),
    ]
    for name, fn in cases:
        out[name] = measure(fn, counter, runs)
        print(f"  {name:45s} {out[name].ms:9.1f} ms {out[name].statements:5d} statements", flush=True)
    engine.dispose()

    settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp(dir=TMP, prefix="app-")),
                        secret_key="bench-secret-key", public_base_url=BASE_URL, webhook_interval_seconds=0,
                        mail_interval_seconds=0)
    app = create_app(settings)
    app_counter = StatementCounter(app.state.engine)
    client = TestClient(app, base_url=BASE_URL)  # no lifespan: no background loops

    def get(path: str, expect: int = 200, **headers):
        def run():
            r = client.get(path, headers=headers)
            assert r.status_code == expect, (path, r.status_code, r.text[:300])
            return r
        return run

    etag = get("/api/v1/events")().headers["etag"]
    http = [
        ("GET /stats (page)", get("/stats")),
        ("GET /api/v1/events (first page)", get("/api/v1/events")),
        ("GET /api/v1/events?since=deep", get(f"/api/v1/events?since={deep_after}")),
        ("GET /api/v1/events, If-None-Match (304)", get("/api/v1/events", 304, **{"If-None-Match": etag})),
        ("GET /api/v1/disclosures (first page)", get("/api/v1/disclosures")),
    ]
    for name, fn in http:
        out[name] = measure(fn, app_counter, runs)
        print(f"  {name:45s} {out[name].ms:9.1f} ms {out[name].statements:5d} statements", flush=True)
    app.state.engine.dispose()
    return out


# PostgreSQL: a throwaway database ----------------------------------------------------------------

def _admin(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def pg_create(url: str) -> str:
    u = make_url(url)
    if not u.database or u.database == "postgres":
        u = u.set(database=f"mb_bench_{uuid.uuid4().hex[:10]}")
    admin = _admin(url)
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}).first():
            raise SystemExit(f"database {u.database} exists: name a new one (it is dropped afterwards)")
        conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()
    return u.render_as_string(hide_password=False)


def pg_drop(url: str) -> None:
    """Drop the throwaway database; FORCE ends any connection still open on it (PostgreSQL 13+)."""
    name = make_url(url).database
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# Main --------------------------------------------------------------------------------------------

def run_on(url: str, args, today: date) -> dict[str, Result]:
    upgrade(url)
    t = time.perf_counter()
    summary = fill(url, cases=args.cases, disclosures=args.disclosures, visits=args.visits,
                   dialogues=args.dialogues, feed=args.events, today=today)
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{kind}: filled in {time.perf_counter() - t:.1f}s: {summary}", flush=True)
    return bench(url, args.runs, today)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--disclosures", type=int, default=2_000)
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--dialogues", type=int, default=10)
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default="", help="also run on PostgreSQL: this database is created and dropped")
    parser.add_argument("--keep", action="store_true", help="keep the databases (to EXPLAIN their queries)")
    args = parser.parse_args()
    today = date.today()
    results: dict[str, dict[str, Result]] = {}
    url = ""
    try:
        results["SQLite"] = run_on(f"sqlite:///{TMP / 'bench.sqlite3'}", args, today)
        if args.url:
            url = pg_create(args.url)
            try:
                results["PostgreSQL"] = run_on(url, args, today)
            finally:
                if not args.keep:
                    pg_drop(url)
    finally:
        if args.keep:
            print(f"kept: {TMP / 'bench.sqlite3'}" + (f" and database {make_url(url).database}" if url else ""))
        else:
            shutil.rmtree(TMP, ignore_errors=True)
    dbs = list(results)
    print(f"\nMedian of {args.runs} runs, ms (statements per call); today {today.isoformat()}\n")
    print("| call | " + " | ".join(f"{db} ms | {db} SQL" for db in dbs) + " |")
    print("|---|" + "---:|---:|" * len(dbs))
    for name in results[dbs[0]]:
        cells = []
        for db in dbs:
            r = results[db][name]
            cells += [f"{r.ms:.1f}", str(r.statements)]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
