"""Cookies, CSRF, request size limits and security headers.

CSRF: every visitor gets a random token in an HttpOnly, SameSite=Lax cookie; every
state-changing form carries it back in `csrf_token` (or HTMX in the `X-CSRF-Token` header),
and the two must match. The JSON API takes bearer tokens, never cookies, so it needs none."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app import i18n
from app.db import SAFE_METHODS
from app.errors import Forbidden, TooLarge

CSRF_COOKIE = "mb_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE = "mb_session"
LANG_COOKIE = "mb_lang"


def client_addr(request: Request) -> str:
    return request.client.host if request.client else ""


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: refuse a state-changing browser request without a matching token."""
    if request.method in SAFE_METHODS or request.url.path.startswith("/api/"):
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            sent = str(form.get(CSRF_FIELD, ""))
    # Compare bytes: compare_digest refuses non-ASCII str, and the token comes from the client.
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise Forbidden(i18n.gettext("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại."))


class WebMiddleware:
    """Per request: the locale, a CSRF token for the visitor, and security headers."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool):
        self.app = app
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        i18n.set_locale(request.cookies.get(LANG_COOKIE, i18n.DEFAULT_LOCALE))
        token = request.cookies.get(CSRF_COOKIE)
        new_token = None
        if not token or len(token) < 20:
            token = new_token = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = token

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if new_token:
                    cookie = f"{CSRF_COOKIE}={new_token}; Path=/; HttpOnly; SameSite=Lax"
                    headers.append((b"set-cookie", (cookie + ("; Secure" if self.secure else "")).encode()))
                for name, value in SECURITY_HEADERS:
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

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise TooLarge(_too_large_message(self.max_bytes))
            return message

        await self.app(scope, limited_receive, send)


def _too_large_message(max_bytes: int) -> str:
    return i18n.gettext("Tệp quá lớn (tối đa %d MB)") % (max_bytes // (1024 * 1024))


async def _too_large(scope, receive, send, max_bytes: int) -> None:
    from starlette.responses import JSONResponse, PlainTextResponse

    msg = _too_large_message(max_bytes)
    if scope["path"].startswith("/api/"):
        response = JSONResponse({"type": "about:blank", "title": "Payload too large", "status": 413, "detail": msg},
                                status_code=413, media_type="application/problem+json")
    else:
        response = PlainTextResponse(msg, status_code=413)
    await response(scope, receive, send)
