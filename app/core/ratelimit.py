"""A small in-memory sliding-window rate limiter (public intake, tracking-code lookups).

Per process: each worker process counts on its own, and a restart forgets everything. With N
workers a client can make up to N times the limit; that is acceptable for spam and code-guessing
defence (a code has ~63 bits), not for anything that needs an exact global count, which would
need a shared store (the database or Redis). Keys are usually `<purpose>:<client address>`;
behind a reverse proxy the client address must be the real one (uvicorn `--proxy-headers` with
`--forwarded-allow-ips`), or every visitor shares one bucket.

Each application gets its own limiter (`limiter_for(app)`), so tests that build a fresh app
start from zero; `reset()` clears one explicitly."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from app.core.errors import TooManyRequests
from app.core.i18n import _

MAX_KEYS = 100_000  # beyond this, idle keys are swept before a new one is added


class RateLimiter:
    """`hit(key, limit, window_seconds)` counts one event for `key`; when `limit` events already
    happened within the last `window_seconds`, it raises TooManyRequests (with `retry_after`,
    the seconds until the oldest of them leaves the window) and does not count the refused one."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window_seconds: float, *, message: str | None = None) -> None:
        now = self._clock()
        with self._lock:
            events = self._events.get(key)
            if events is None:
                if len(self._events) >= MAX_KEYS:
                    self._sweep(now, window_seconds)
                events = self._events[key] = deque()
            while events and events[0] <= now - window_seconds:
                events.popleft()
            if len(events) >= limit:
                retry_after = max(1, math.ceil(events[0] + window_seconds - now))
                raise TooManyRequests(message or _too_many(retry_after), retry_after=retry_after)
            events.append(now)

    def reset(self) -> None:
        with self._lock:
            self._events.clear()

    def _sweep(self, now: float, window_seconds: float) -> None:
        """Forget keys with no event in the window (called with the lock held)."""
        for key in [k for k, ev in self._events.items() if not ev or ev[-1] <= now - window_seconds]:
            del self._events[key]
        if len(self._events) >= MAX_KEYS:  # a flood of distinct keys: start over rather than grow
            self._events.clear()


def _too_many(retry_after: int) -> str:
    minutes = max(1, math.ceil(retry_after / 60))
    return _("Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau %(minutes)s phút.") % {
        "minutes": minutes}


_create_lock = threading.Lock()


def limiter_for(app) -> RateLimiter:
    """The application's limiter, made on first use."""
    limiter = getattr(app.state, "rate_limiter", None)
    if limiter is None:
        with _create_lock:
            limiter = getattr(app.state, "rate_limiter", None)
            if limiter is None:
                limiter = app.state.rate_limiter = RateLimiter()
    return limiter


def hit_intake(app, client: str) -> None:
    """Count a case filed by `client` (web form, API and Open311 share one budget)."""
    s = app.state.settings
    limiter_for(app).hit(f"intake:{client}", s.intake_limit, s.intake_window_seconds)


def hit_track(app, client: str) -> None:
    """Count a tracking-code lookup or rating by `client` (pages and API share one budget)."""
    s = app.state.settings
    limiter_for(app).hit(f"track:{client}", s.track_limit, s.track_window_seconds)
