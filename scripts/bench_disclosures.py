#!/usr/bin/env python3
"""Benchmark: the public disclosure list costs the same at any depth and size.

Builds two databases (small and large), fills them with synthetic published disclosures, and
times the first page, a page deep in the list (by cursor), a category filter, a year filter,
and a search, in-process through the service layer. Prints the median of several runs.

    .venv/bin/python scripts/bench_disclosures.py [--sizes 1000 200000] [--url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

from app.core.db import make_engine, session_for
from app.core.pagination import encode_cursor
from app.core.text import fold
from app.disclosures import service as disclosure_service
from app.migrate import upgrade
from app.models.disclosure import Category

WORDS = ("dự toán ngân sách phường đất đai bồi thường hộ nghèo cận nghèo tiếp công dân quy hoạch "
         "phí lệ phí thủ tục hành chính nghĩa vụ quân sự thanh tra tài sản công quỹ đóng góp").split()


def fill(url: str, n: int) -> None:
    engine = make_engine(url)
    cats = [c.value for c in Category]
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    rng = random.Random(1)
    cols = ["title", "summary", "body", "category", "document_number", "issuing_body", "fiscal_year", "tags",
            "status", "version", "late", "deadline_rule", "withdrawal_reason", "search_text", "published_at",
            "created_at", "updated_at"]
    sql = text(f"INSERT INTO disclosure ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})")
    batch = []
    with engine.begin() as conn:
        for i in range(n):
            title = " ".join(rng.choices(WORDS, k=6)).capitalize() + f" số {i}"
            body = " ".join(rng.choices(WORDS, k=40))
            at = (start + timedelta(minutes=7 * i)).replace(tzinfo=None)
            batch.append({"title": title, "summary": "", "body": body, "category": cats[i % len(cats)],
                          "document_number": f"{i}/QĐ-UBND", "issuing_body": "UBND phường", "fiscal_year": 2020 + i % 7,
                          "tags": "", "status": "published", "version": 1, "late": False, "deadline_rule": "",
                          "withdrawal_reason": "", "search_text": fold(f"{title} {body} {i}/QĐ-UBND"),
                          "published_at": at, "created_at": at, "updated_at": at})
            if len(batch) == 5000:
                conn.execute(sql, batch)
                batch = []
        if batch:
            conn.execute(sql, batch)
        if url.startswith("postgresql"):
            conn.execute(text("ANALYZE disclosure"))
        else:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def timed(fn, runs: int = 15) -> float:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def bench(url: str) -> dict[str, float]:
    engine = make_engine(url)
    with session_for(engine, write=False) as s:
        deep = s.execute(text("SELECT published_at, id FROM disclosure ORDER BY published_at, id LIMIT 1 OFFSET 40"))\
            .one()
        at = deep[0] if isinstance(deep[0], datetime) else datetime.fromisoformat(str(deep[0]))
        deep_cursor = encode_cursor([at.replace(tzinfo=timezone.utc), deep[1]])
        out = {
            "first page": timed(lambda: disclosure_service.list_public(s, limit=20)),
            "page 40 rows from the end": timed(lambda: disclosure_service.list_public(s, limit=20, cursor=deep_cursor)),
            "category filter": timed(lambda: disclosure_service.list_public(s, category="budget", limit=20)),
            "year filter": timed(lambda: disclosure_service.list_public(s, year=2023, limit=20)),
            "search 'dat dai' (common)": timed(lambda: disclosure_service.list_public(s, q="dat dai", limit=20)),
            "search '12345/QD' (rare)": timed(lambda: disclosure_service.list_public(s, q="12345/QD-UBND", limit=20)),
        }
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 200_000])
    ap.add_argument("--url", default="", help="PostgreSQL URL of an empty database (default: SQLite files)")
    args = ap.parse_args()
    results = {}
    for n in args.sizes:
        if args.url:
            url = args.url
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        else:
            url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
        upgrade(url)
        t = time.perf_counter()
        fill(url, n)
        print(f"filled {n} rows in {time.perf_counter() - t:.1f}s", flush=True)
        results[n] = bench(url)
    names = list(next(iter(results.values())))
    print(f"\n{'median ms':32}" + "".join(f"{n:>12}" for n in results))
    for name in names:
        print(f"{name:32}" + "".join(f"{results[n][name]:12.2f}" for n in results))


if __name__ == "__main__":
    main()
