"""The application: middleware, routers, error handlers, static files."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from app.accounts.deps import LoginRequired, PasswordChangeRequired
from app.config import Settings, get_settings
from app.core import i18n, logs, unavailable
from app.core.db import DatabaseBusy, is_busy, make_engine, session_for
from app.core.errors import AppError, TooManyRequests
from app.core.etag import ETagMiddleware
from app.core.fragments import Fragments
from app.core.i18n import N_
from app.core.security import BodyLimitMiddleware, WebMiddleware, csrf_guard
from app.core.static_files import VersionedStaticFiles
from app.core.templating import is_htmx, render
from app.core.timeutil import local_today
from app.integration import outbox, webhooks
from app.integration.outbox import SmtpSettings
from app.reception import schedule as reception_schedule
from app.reporting import stats
from app.routers import DOORS

log = logging.getLogger("minhbach")
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

API_DESCRIPTION = """
JSON API of the Minh Bạch ward portal, for the parent authority and other systems.

* Authentication: `Authorization: Bearer <token>`. An administrator issues tokens, each with its
  scopes and a rate limit, at `/staff/tokens` (or with `minhbach create-token`).
* Lists answer `{"items": [...], "next_cursor": "..." | null}` and take `limit`, `cursor`
  and `updated_since` (ISO 8601). Pass `next_cursor` back as `cursor` for the next page.
* Every successful JSON answer to a GET carries an `ETag`; send it back in `If-None-Match` to get `304 Not Modified`
  when nothing changed.
* Beyond a token's rate limit the answer is `429` with `Retry-After` (seconds).
* `GET /api/v1/events?since=<cursor>` lists every public change in commit order; or register a
  webhook (`/staff/webhooks`) to receive them as signed POSTs: `X-MinhBach-Signature:
  sha256=<HMAC-SHA256(secret, "<X-MinhBach-Timestamp>.<body>")>`.
* Errors are problem details (RFC 9457): `{"type", "title", "status", "detail", "errors"?}`.
* Open311 GeoReport v2 for feedback: `/open311/v2/discovery.json`.
"""


SCHEDULE_INTERVAL_SECONDS = 6 * 3600
SCHEDULE_START_DELAY_SECONDS = 60


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Background work while the app runs: keep the reception schedule generated ahead (shortly
    after start, then every few hours), send queued mail (if a mail server is set) and webhook
    deliveries."""
    settings = app.state.settings
    # The schedule's first round waits a little: start-up (and a short-lived test app) stays free of it.
    # (work's session is Any: the schedule's lambda builds a tuple holding commit()'s None.)
    rounds: list[tuple[str, int, int, Callable[[Session], object], Callable[[Any], object]]]
    rounds = [("reception schedule", SCHEDULE_START_DELAY_SECONDS, SCHEDULE_INTERVAL_SECONDS,
               reception_schedule.plan_sync, lambda session: (reception_schedule.sync(session), session.commit()))]
    if settings.smtp_host and settings.mail_interval_seconds > 0:
        smtp = SmtpSettings.from_settings(settings)
        rounds.append(("mail delivery", settings.mail_interval_seconds, settings.mail_interval_seconds,
                       outbox.any_due, lambda session: outbox.deliver_due(session, smtp)))
    if settings.webhook_interval_seconds > 0:
        def send_webhooks(session) -> None:
            webhooks.enqueue_new(session)
            session.commit()
            webhooks.deliver_due(session, key=app.state.secret_key, allow_loopback=settings.webhook_allow_loopback)

        rounds.append(("webhook delivery", settings.webhook_interval_seconds, settings.webhook_interval_seconds,
                       webhooks.any_work, send_webhooks))
    tasks = [asyncio.create_task(_rounds(app, *r)) for r in rounds]
    if settings.stats_warmup:
        tasks.append(asyncio.create_task(_keep_stats_warm(app)))
    yield
    for task in tasks:
        task.cancel()
    # Wait for a round already running in a worker thread, so no connection outlives the app.
    await asyncio.gather(*tasks, return_exceptions=True)


async def _rounds(app: FastAPI, name: str, delay: int, interval: int, needed, work) -> None:
    """Background work every `interval` seconds after `delay`: `needed(session)` looks first
    with a read-only session (on SQLite a writer takes the database's write lock), and only
    then `work(session)` runs in a writing one. A failed round is logged; the next one comes."""

    def one_round() -> None:
        with session_for(app.state.engine, write=False) as session:
            if not needed(session):
                return
        with session_for(app.state.engine, write=True, audit_key=app.state.secret_key) as session:
            work(session)

    await asyncio.sleep(delay)
    while True:
        try:
            await run_in_threadpool(one_round)
        except Exception:  # noqa: BLE001 - the loop must outlive a bad round; the error is logged
            log.exception("%s round failed", name)
        await asyncio.sleep(interval)


STATS_WARM_DELAY_SECONDS = 5
STATS_WARM_CHECK_SECONDS = 300


async def _keep_stats_warm(app: FastAPI) -> None:
    """Compute /stats' figures of the day before a visitor asks for them: shortly after start,
    then within a few minutes of each local midnight (at L, about two seconds of one thread a
    day per process; the figures are those of complete months, `stats.DailyFigures`). A failed
    round is logged and the next check tries again; a visitor who comes first computes them."""
    daily = app.state.stats_figures

    def warm() -> None:
        today = local_today()
        if daily.stale(today):
            with session_for(app.state.engine, write=False) as session:
                daily.get(session, today=today)

    await asyncio.sleep(STATS_WARM_DELAY_SECONDS)
    while True:
        try:
            await run_in_threadpool(warm)
        except Exception:  # noqa: BLE001 - the loop must outlive a bad round; the error is logged
            log.exception("stats warm-up failed")
        await asyncio.sleep(STATS_WARM_CHECK_SECONDS)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application, built on demand (`uvicorn --factory app.main:create_app`; nothing is
    built when the module is imported): `settings` from the environment unless given, and
    handed to what needs them through `app.state.settings`."""
    settings = settings or get_settings()
    logs.install()
    settings.ensure_dirs()
    app = FastAPI(
        lifespan=lifespan,
        title="Minh Bạch API",
        version="1.0",
        description=API_DESCRIPTION,
        dependencies=[Depends(csrf_guard)],
        docs_url=None,  # served by app/site/web_public.py from vendored files (CSP, offline)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.secret_key = settings.resolved_secret_key()
    app.state.write_turns = weakref.WeakKeyDictionary()  # app.core.db.write_turn
    app.state.stats_figures = stats.DailyFigures(settings.rules_region)  # /stats, once a day (_keep_stats_warm)
    app.state.fragments = Fragments()  # rendered parts of public pages, by data version (app/core/fragments.py)
    app.state.engine = make_engine(settings.database_url, pool_size=settings.db_pool_size,
                                   busy_timeout_ms=settings.sqlite_busy_timeout_ms,
                                   lock_timeout_ms=settings.db_lock_timeout_ms,
                                   statement_timeout_ms=settings.db_statement_timeout_ms)

    app.add_middleware(ETagMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes + 1024 * 1024)
    app.add_middleware(WebMiddleware, secure_cookies=settings.cookie_secure, secret_key=app.state.secret_key)
    # Outermost: pages, CSS, JS and JSON go compressed (a cheap phone's data plan); files that are
    # compressed already (PDF, images, Office documents, ZIP) go as they are.
    app.add_middleware(GZipMiddleware, minimum_size=500, exclude_content_types=(
        *DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    app.mount("/static", VersionedStaticFiles(directory=STATIC_DIR), name="static")

    for door in DOORS:
        app.include_router(door.router)
    _install_error_handlers(app)
    unavailable.install(app)  # after the other handlers: a database that is down is a 503, else they answer
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(status: int, title: str, detail: str, *, errors: list | dict | None = None,
            headers: dict | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def error_page(request: Request, status: int, message: str, headers: dict | None = None):
    if is_htmx(request):
        # Shown in the page's message area without replacing the form the user is working on.
        return render(request, "errors/_message.html", {"message": message}, status_code=status,
                      headers={**(headers or {}), "HX-Retarget": "#messages", "HX-Reswap": "innerHTML"})
    return render(request, "errors/error.html", {"status": status, "message": message}, status_code=status,
                  headers=headers)


BUSY_RETRY_AFTER = 2  # seconds: a busy moment passes quickly

STATUS_MESSAGES = {
    400: N_("Yêu cầu không hợp lệ"),
    401: N_("Cần đăng nhập"),
    403: N_("Bạn không có quyền truy cập trang này"),
    404: N_("Không tìm thấy trang"),
    405: N_("Phương thức không được hỗ trợ"),
    413: N_("Dữ liệu gửi lên quá lớn"),
    422: N_("Dữ liệu không hợp lệ"),
    429: N_("Quá nhiều yêu cầu, vui lòng thử lại sau"),
}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        if _wants_json(request):
            errors = [{"field": k, "code": v} for k, v in exc.fields.items()] or None
            return problem(exc.status_code, exc.title, str(exc.message), errors=errors, headers=headers)
        return error_page(request, exc.status_code, str(exc.message), headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = app.url_path_for("login_page") + "?" + urlencode({"next": target})
        if is_htmx(request):
            return JSONResponse(None, status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, exc: PasswordChangeRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = app.url_path_for("account_page") + "?" + urlencode(
            {"next": target if request.method == "GET" else "/staff"})
        if is_htmx(request):
            return JSONResponse(None, status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(ValidationError)
    async def model_validation_error(request: Request, exc: ValidationError):
        # A model validated inside a route (e.g. a PATCH merged onto the stored row).
        return await validation_error(request, RequestValidationError(exc.errors()))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", []) if p not in ("body", "query", "path")),
             "code": e.get("type"), "message": e.get("msg")}
            for e in exc.errors()
        ]
        if _wants_json(request):
            return problem(422, "Invalid input", "The request is not valid; see errors.", errors=errors)
        fields = ", ".join(e["field"] for e in errors if e["field"])
        return error_page(request, 422, i18n.gettext("Dữ liệu không hợp lệ") + (f": {fields}" if fields else ""))

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError):
        # A value the database refuses (the request's transaction is already rolled back).
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, logs.db_error(exc))
        message = str(STATUS_MESSAGES[422])
        if _wants_json(request):
            return problem(422, "Invalid input", message)
        return error_page(request, 422, message)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError):
        # Two changes raced for the same row or version; the loser is told to retry.
        log.warning("integrity error on %s %s: %s", request.method, request.url.path, logs.db_error(exc))
        message = i18n.gettext("Dữ liệu vừa được người khác thay đổi. Vui lòng tải lại trang và thử lại.")
        if _wants_json(request):
            return problem(409, "Conflict", message)
        return error_page(request, 409, message)

    async def database_busy(request: Request, exc: Exception):
        # Locks held longer than this request may wait (other writers, a long report). Nothing
        # was saved (the transaction rolled back); the form or client simply tries again.
        if not is_busy(exc):
            return await unexpected(request, exc)
        log.warning("database busy on %s %s: %s", request.method, request.url.path,
                    logs.db_error(exc) if isinstance(exc, DBAPIError) else type(exc).__name__)
        message = i18n.gettext("Hệ thống đang bận. Thao tác chưa được lưu; vui lòng thử lại sau ít giây.")
        headers = {"Retry-After": str(BUSY_RETRY_AFTER)}
        if _wants_json(request):
            return problem(503, "Service unavailable", message, headers=headers)
        return error_page(request, 503, message, headers)

    for busy_type in (DatabaseBusy, OperationalError, PoolTimeout):
        app.add_exception_handler(busy_type, database_busy)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = str(STATUS_MESSAGES.get(exc.status_code, STATUS_MESSAGES[400]))
        if _wants_json(request):
            return problem(exc.status_code, str(exc.detail), message, headers=getattr(exc, "headers", None))
        return error_page(request, exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        message = i18n.gettext("Đã có lỗi ngoài ý muốn. Thao tác chưa được lưu; vui lòng thử lại.")
        if _wants_json(request):
            return problem(500, "Internal server error", message)
        return error_page(request, 500, message)

