"""Home page, language switch, health check."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from app.accounts.deps import OptionalUser
from app.core import i18n, unavailable
from app.core.deps import SessionDep
from app.core.security import LANG_COOKIE
from app.core.static_files import STATIC_DIR
from app.core.templating import render
from app.disclosures import service as disclosures

router = APIRouter(include_in_schema=False)


@router.get("/", name="home")
def home(request: Request, session: SessionDep, user: OptionalUser):
    """The ward's front page: who we are, the latest disclosures, a search box."""
    latest = disclosures.list_public(session, limit=8)
    return render(request, "public/home.html", {"latest": latest.items})


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a visitor to another site."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.post("/lang", name="set_language")
def set_language(request: Request, lang: str = Form(...), next: str = Form("/")):
    """Remember the chosen language for a year and go back to the page."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in i18n.LANGUAGES:
        settings = request.app.state.settings
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax",
                            secure=settings.cookie_secure)
    return response


@router.get("/healthz", name="healthz")
def healthz(request: Request):
    """200 when the database answers and takes writes and the data and files folders are
    writable; 503 naming the failed check otherwise (for a load balancer or a monitor)."""
    status, body = unavailable.health(request.app)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/favicon.ico", name="favicon")
def favicon():
    """The site's icon where browsers look for it without a link (the pages link the SVG)."""
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon",
                        headers={"Cache-Control": "public, max-age=604800"})


@router.get("/docs", name="api_docs")
def api_docs(request: Request):
    """Swagger UI for the JSON API, from vendored files (no CDN)."""
    # Swagger UI sets inline style attributes; allow those here only.
    csp = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
           "object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
    return render(request, "api_docs.html", headers={"Content-Security-Policy": csp})
