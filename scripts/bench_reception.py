#!/usr/bin/env python3
"""Benchmark: reception pages and exports stay fast with years of sessions and a full register.

Fills a database with five years of sessions (three a working day) and a register of visits,
then times, in-process through the service layer: the staff sessions list (92 days with their
counts), the API's first and a deep page of sessions, the register of one month and of one
year (rows and the XLSX workbook), the chairman's compliance for a year, and the visitors owed
an answer. Prints the median of several runs.

    .venv/bin/python scripts/bench_reception.py [--visits 20000] [--url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from app.accounts.audit import Actor
from app.accounts.auth import Principal
from app.core.db import make_engine, session_for
from app.core.pagination import paginate
from app.core.timeutil import LOCAL_TZ
from app.migrate import upgrade
from app.models.reception import ReceptionSession
from app.reception import compliance as reception_compliance
from app.reception import export as reception_export
from app.reception import schedule as reception_schedule
from app.reception.notices import pending_notices
from app.reception.register import register_entries
from app.reception.visits import counts_for

SLOTS = (("chairman", "periodic", 7, 11), ("officer", "regular", 7, 11), ("officer", "regular", 13, 17))
KINDS = ("complaint", "denunciation", "petition", "feedback")
OUTCOMES = ("accepted", "guided", "transferred", "refused", "recorded")


def fill(url: str, visits: int, end: date) -> None:
    engine = make_engine(url)
    rng = random.Random(1)
    start = end - timedelta(days=5 * 365)
    session_cols = ["starts_at", "ends_at", "host_name", "host_role", "type", "place", "status", "assisting_staff",
                    "notes", "cancel_reason", "move_reason", "created_at", "updated_at"]
    visit_cols = ["session_id", "register_year", "number", "visit_on", "visitor_name", "visitor_address", "id_number",
                  "summary", "case_kind", "people_count", "representatives", "previously_handled_by", "outcome",
                  "guided_to", "guidance_number", "transferred_to", "transfer_number", "refusal_reason", "notes",
                  "notice_rule", "notice_number", "recorded_by", "notice_due_on", "created_at"]
    with engine.begin() as conn:
        rows = []
        day = start
        while day <= end:
            if day.weekday() < 5:
                for role, kind, h1, h2 in SLOTS:
                    if role == "chairman" and day.weekday() != 3:
                        continue
                    at = datetime(day.year, day.month, day.day, h1, 30, tzinfo=LOCAL_TZ)
                    rows.append({"starts_at": at, "ends_at": at.replace(hour=h2), "host_name": "Cán bộ",
                                 "host_role": role, "type": kind, "place": "Phòng tiếp", "status": "held",
                                 "assisting_staff": "", "notes": "", "cancel_reason": "", "move_reason": "",
                                 "created_at": at, "updated_at": at})
            day += timedelta(days=1)
        conn.execute(text(f"INSERT INTO reception_session ({', '.join(session_cols)}) "
                          f"VALUES ({', '.join(':' + c for c in session_cols)})"),
                     [{k: (v.replace(tzinfo=None) - v.utcoffset() if isinstance(v, datetime) else v)
                       for k, v in r.items()} for r in rows])
        ids = [(i, d) for i, d in conn.execute(text("SELECT id, starts_at FROM reception_session ORDER BY starts_at"))]
        numbers: dict[int, int] = {}
        batch = []
        for n in range(visits):
            sid, starts = ids[int(len(ids) * n / visits)]
            starts = starts if isinstance(starts, datetime) else datetime.fromisoformat(str(starts))
            visit_on = (starts + timedelta(hours=7)).date()
            numbers[visit_on.year] = numbers.get(visit_on.year, 0) + 1
            outcome = rng.choice(OUTCOMES)
            batch.append({"session_id": sid, "register_year": visit_on.year, "number": numbers[visit_on.year],
                          "visit_on": visit_on, "visitor_name": f"Người đến {n}", "visitor_address": "TDP 3",
                          "id_number": f"{rng.randrange(10**11, 10**12)}", "summary": "Nội dung vụ việc " * 5,
                          "case_kind": rng.choice(KINDS), "people_count": 1, "representatives": "",
                          "previously_handled_by": "", "outcome": outcome, "guided_to": "", "guidance_number": "",
                          "transferred_to": "", "transfer_number": "", "refusal_reason": "", "notes": "",
                          "notice_rule": "", "notice_number": "", "recorded_by": "bench",
                          "notice_due_on": visit_on + timedelta(days=14) if outcome in ("guided", "transferred")
                          else None, "created_at": starts.replace(tzinfo=None)})
        conn.execute(text(f"INSERT INTO reception_visit ({', '.join(visit_cols)}) "
                          f"VALUES ({', '.join(':' + c for c in visit_cols)})"), batch)
        if url.startswith("postgresql"):
            conn.execute(text("ANALYZE"))
    engine.dispose()


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default="", help="a PostgreSQL database to fill (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    today = date.today()
    upgrade(url)
    fill(url, args.visits, today)
    engine = make_engine(url)
    reader = Principal(actor=Actor("bench"), permissions=frozenset({"reception:read", "reception:personal"}))
    month, year = today - timedelta(days=30), today - timedelta(days=365)
    with session_for(engine, write=False, audit_key="bench") as s:
        def sessions_list():
            rows = reception_schedule.sessions_between(s, today - timedelta(days=92), today)
            counts_for(s, [r.id for r in rows])

        def api_page(cursor=None):
            page = paginate(s, select(ReceptionSession),
                            order=[ReceptionSession.starts_at, ReceptionSession.id], descending=False, limit=50,
                            cursor=cursor)
            counts_for(s, [r.id for r in page.items])
            return page

        deep = api_page()
        for _ in range(40):
            deep = api_page(deep.next_cursor)

        def register(start):
            entries = register_entries(s, principal=reader, start=start, end=today)
            s.rollback()  # the audit row of the read is not kept
            return entries

        cases = [
            ("sessions list, 92 days with counts", sessions_list),
            ("API sessions, first page", api_page),
            ("API sessions, page 41 (by cursor)", lambda: api_page(deep.next_cursor)),
            ("register rows, one month", lambda: register(month)),
            ("register rows, one year", lambda: register(year)),
            ("register workbook, one year", lambda: reception_export.register_workbook(
                register(year), ward="Phường Phú La", start=year, end=today)),
            ("chairman compliance, this year", lambda: reception_compliance.chairman_compliance(
                s, year=today.year, today=today)),
            ("visitors owed an answer", lambda: pending_notices(s)),
        ]
        print(f"{args.visits} visits, {s.exec(text('SELECT count(*) FROM reception_session')).one()[0]} sessions, "
              f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}; median of {args.runs} runs")
        for name, fn in cases:
            print(f"  {name:40s} {timed(fn, args.runs):8.1f} ms")


if __name__ == "__main__":
    main()
