"""Static files with a version in the address: `static_url("css/site.css")` gives
/static/css/site.css?v=<hash of the content>, and an answer to that exact address may be kept
for a year (`Cache-Control: immutable`): a changed file gets a new address. Any other request
for a static file (no version, or an old one) is revalidated each time (`no-cache`, with the
ETag Starlette sends).

Mount with `app.mount("/static", VersionedStaticFiles(directory=STATIC_DIR), name="static")`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs

from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_versions: dict[str, str] = {}  # path -> hash: read once per process (files change with a deploy)


def version(path: str) -> str | None:
    """The first 12 hex digits of the SHA-256 of static/<path>, or None when there is no such file."""
    path = path.lstrip("/")
    if path not in _versions:
        file = (STATIC_DIR / path).resolve()
        if not file.is_relative_to(STATIC_DIR) or not file.is_file():
            return None
        _versions[path] = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
    return _versions[path]


def static_url(path: str) -> str:
    """The address of a static file, with its version (the Jinja global `static_url`)."""
    v = version(path)
    return f"/static/{path.lstrip('/')}" + (f"?v={v}" if v else "")


class VersionedStaticFiles(StaticFiles):
    """StaticFiles that tells caches to keep a versioned answer for a year, and to revalidate
    any other."""

    async def get_response(self, path: str, scope: Scope):
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [None])[0]
            current = version(path)
            response.headers["Cache-Control"] = IMMUTABLE if asked and asked == current else REVALIDATE
        return response
