"""Conditional GETs for the JSON API: every 200 JSON answer under /api/ carries an ETag (a hash
of its body), and a request whose If-None-Match names it gets 304 Not Modified with no body.

It saves the receiver's bandwidth and parsing, not the server's query (the body is built to be
hashed), which is the right trade for a ward's data: lists are small and paginated, and a
change anywhere in a page changes its tag, so a receiver can never keep a stale copy."""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/api/"


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison; a list of tags, or *."""
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


class ETagMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        # HEAD is answered as the GET would be, headers only (the routes declare GET).
        head = scope["method"] == "HEAD"
        scope = {**scope, "method": "GET"}
        request_headers = Headers(scope=scope)
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False

        async def wrapped(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                if message["status"] != 200 or not content_type.startswith("application/json"):
                    passing = True
                    await send(message)
                else:
                    start = message
                return
            if passing or message["type"] != "http.response.body":
                if head and message["type"] == "http.response.body":
                    if not message.get("more_body", False):
                        await send({"type": "http.response.body", "body": b""})
                    return
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert start is not None  # ASGI: the start message comes before any body
            await _finish(start, b"".join(chunks), request_headers, send, head=head)

        await self.app(scope, receive, wrapped)


async def _finish(start: Message, body: bytes, request_headers: Headers, send: Send, *, head: bool = False) -> None:
    headers = MutableHeaders(raw=list(start.get("headers", [])))
    etag = headers.get("etag") or f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers["etag"] = etag
    if "cache-control" not in headers:
        # Revalidate every time; a token's or a staff member's answer is theirs alone, and a
        # token's may carry personal data (cases, the reception register): nothing may store it
        # (the client can still revalidate with the ETag it kept).
        if "authorization" in request_headers:
            headers["cache-control"] = "private, no-store"
        else:
            headers["cache-control"] = "private, no-cache" if "cookie" in request_headers else "no-cache"
    headers.append("vary", "Authorization")
    if _matches(request_headers.get("if-none-match", ""), etag):
        kept = [(k, v) for k, v in headers.raw if k.lower() not in (b"content-type", b"content-length")]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({**start, "headers": headers.raw})
    await send({"type": "http.response.body", "body": b"" if head else body})
