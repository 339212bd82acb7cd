"""Cookies, CSRF, request size limits and security headers.

CSRF (OWASP's signed double-submit cookie, plus a check of where the request comes from):
every visitor gets a random secret in an HttpOnly, SameSite=Lax cookie (`__Host-mb_csrf` over
HTTPS, so no other host of the domain can set it); forms carry `csrf_token` (HTMX the
`X-CSRF-Token` header), an HMAC with the SECRET_KEY of that secret and of the staff session, so
a token is worthless without the server's key and dies with the session it was shown in. A
state change from a browser must also come from this site by `Sec-Fetch-Site` and `Origin`,
when the browser sends them. The JSON API takes bearer tokens, never cookies, so needs none."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core import i18n
from app.core.db import SAFE_METHODS
from app.core.errors import Forbidden, TooLarge

CSRF_COOKIE = "mb_csrf"
CSRF_COOKIE_SECURE = "__Host-mb_csrf"  # over HTTPS: Secure, Path=/, no Domain, by the browser's rule
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE = "mb_session"
LANG_COOKIE = "mb_lang"


def client_addr(request: Request) -> str:
    return request.client.host if request.client else ""


def csrf_cookie_name(secure: bool) -> str:
    return CSRF_COOKIE_SECURE if secure else CSRF_COOKIE


def csrf_token_for(key: str, secret: str, session_cookie: str) -> str:
    """The form token for a visitor's CSRF secret and their staff session (if any)."""
    session_id = hashlib.sha256(session_cookie.encode()).hexdigest() if session_cookie else "-"
    return hmac.new(key.encode(), f"csrf\0{secret}\0{session_id}".encode(), hashlib.sha256).hexdigest()


def _same_site(request: Request) -> bool:
    """The browser's own word on where an unsafe request comes from: Sec-Fetch-Site (all current
    browsers), else Origin. A request with neither (an old browser, a script) passes on to the
    token check."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")  # "none": typed or bookmarked by the user
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    here = {f"{request.url.scheme}://{request.headers.get('host', '')}".lower()}
    public = urlsplit(request.app.state.settings.public_base_url)
    here.add(f"{public.scheme}://{public.netloc}".lower())
    return origin.rstrip("/").lower() in here


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: refuse a state-changing browser request from another site or without
    a valid token."""
    if request.method in SAFE_METHODS or request.url.path.startswith("/api/"):
        return
    refused = Forbidden(i18n.gettext("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                                     "Vui lòng tải lại trang và thử lại."))
    if not _same_site(request):
        raise refused
    secure = request.app.state.settings.cookie_secure
    secret = request.cookies.get(csrf_cookie_name(secure), "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            sent = str(form.get(CSRF_FIELD, ""))
    if not secret or not sent:
        raise refused
    expected = csrf_token_for(request.app.state.secret_key, secret, request.cookies.get(SESSION_COOKIE, ""))
    # Compare bytes: compare_digest refuses non-ASCII str, and the token comes from the client.
    if not hmac.compare_digest(expected.encode(), sent.encode()):
        raise refused


class WebMiddleware:
    """Per request: the locale, a CSRF token for the visitor, and security headers."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool, secret_key: str):
        self.app = app
        self.secure = secure_cookies
        self.key = secret_key
        self.cookie = csrf_cookie_name(secure_cookies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        i18n.set_locale(request.cookies.get(LANG_COOKIE, i18n.DEFAULT_LOCALE))
        secret = request.cookies.get(self.cookie)
        new_secret = None
        if not secret or len(secret) < 20:
            secret = new_secret = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = csrf_token_for(self.key, secret,
                                                                     request.cookies.get(SESSION_COOKIE, ""))

        staff_page = scope["path"].startswith("/staff")

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if new_secret:
                    cookie = f"{self.cookie}={new_secret}; Path=/; HttpOnly; SameSite=Lax"
                    headers.append((b"set-cookie", (cookie + ("; Secure" if self.secure else "")).encode()))
                extra = list(SECURITY_HEADERS)
                if staff_page:  # staff pages show cases, names, the register: no cache or back-button copy keeps them
                    extra.append((b"cache-control", b"no-store"))
                if self.secure:  # served over HTTPS (COOKIE_SECURE): browsers must never fall back to HTTP
                    extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                for name, value in extra:
                    if not any(h[0].lower() == name for h in headers):
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)


SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class BodyLimitMiddleware:
    """Refuse request bodies over the limit before they are spooled anywhere."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(scope, receive, send, self.max_bytes)
            return
        received = 0
        exceeded = replaced = False

        async def limited_receive():
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # a chunked body (no Content-Length) that grew too large
                    exceeded = True
                    raise TooLarge(_too_large_message(self.max_bytes))
            return message

        async def guarded_send(message):
            # Whoever read the body may have turned the error into something else (FastAPI
            # answers 400 for any failure while parsing JSON): the client is told it was too large.
            nonlocal replaced
            if message["type"] == "http.response.start" and exceeded and message["status"] != 413:
                replaced = True
            if not replaced:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)
        if replaced:
            await _too_large(scope, receive, send, self.max_bytes)


def _too_large_message(max_bytes: int) -> str:
    return i18n.gettext("Tệp quá lớn (tối đa %d MB)") % (max_bytes // (1024 * 1024))


async def _too_large(scope, receive, send, max_bytes: int) -> None:
    from starlette.responses import JSONResponse, PlainTextResponse, Response

    msg = _too_large_message(max_bytes)
    response: Response
    if scope["path"].startswith("/api/"):
        response = JSONResponse({"type": "about:blank", "title": "Payload too large", "status": 413, "detail": msg},
                                status_code=413, media_type="application/problem+json")
    else:
        response = PlainTextResponse(msg, status_code=413)
    await response(scope, receive, send)
