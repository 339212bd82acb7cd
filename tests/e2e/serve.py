"""Serve the app for the e2e tests as if today were $MINHBACH_TEST_TODAY (set by `--today`):
python -m tests.e2e.serve [uvicorn arguments]. Test-only; production runs plain uvicorn."""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, time

import time_machine
import uvicorn.main

from app.core.timeutil import LOCAL_TZ

if __name__ == "__main__":
    day = os.environ.get("MINHBACH_TEST_TODAY")
    if day:
        time_machine.travel(datetime.combine(date.fromisoformat(day), time(9, 0), LOCAL_TZ), tick=True).start()
    sys.exit(uvicorn.main.main(sys.argv[1:]))
