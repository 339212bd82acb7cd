"""Public intake and tracking of cases (đơn): the form to send a complaint, denunciation,
petition or feedback (works without JavaScript; files; a honeypot and a rate limit against
spam), the confirmation with the tracking code, and the tracking page.

The tracking code is the only key to a case, so it is kept out of URLs that get logged: the
confirmation is the answer to the POST itself (not a redirect to a page named by the code), and
the tracking form posts the code. Lookups are counted per client address to throttle guessing.
Nothing here ever shows personal data: the view comes from `case_views.public_view`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.deps import OptionalUser, SessionDep
from app.errors import AppError, Conflict, NotFound, TooManyRequests
from app.forms import form_values, read_uploads, validate
from app.i18n import _
from app.models.disclosure import Disclosure
from app.routers.case_forms import validate_case
from app.security import client_addr
from app.services import complaints as svc
from app.services.audit import Actor
from app.services.case_views import public_view
from app.services.ratelimit import limiter_for
from app.templating import render
from app.validation import int_in_range

router = APIRouter(include_in_schema=False)

# Rate limits per client address (per process, see app/services/ratelimit.py).
INTAKE_LIMIT, INTAKE_WINDOW = 5, 600  # cases filed (form and API together) per 10 minutes
TRACK_LIMIT, TRACK_WINDOW = 20, 600  # code lookups (page and API together) per 10 minutes
HONEYPOT = "website"  # hidden from people; a bot that fills every field fills this one
NO_STORE = {"Cache-Control": "no-store"}  # pages that show a tracking code or a case



def _actor(request: Request) -> Actor:
    return Actor("citizen:web", client_addr=client_addr(request))


def _form_page(request: Request, *, values: dict, errors: dict, status_code: int = 200,
               headers: dict | None = None, about: Disclosure | None = None):
    ctx = {"values": values, "errors": errors, "honeypot": HONEYPOT, "about": about}
    return render(request, "public/complaints/new.html", ctx, status_code=status_code, headers=headers)


def _about(session, raw: str | int | None) -> Disclosure | None:
    """The public document a question is about ("Hỏi về văn bản này"), if the form names one."""
    disclosure_id = int_in_range(str(raw), 1, 2_147_483_647) if raw not in (None, "") else None
    if disclosure_id is None:
        if raw not in (None, ""):
            raise NotFound(_("Không tìm thấy văn bản công khai được hỏi"))
        return None
    d = session.get(Disclosure, disclosure_id)
    if d is None or d.published_at is None:
        raise NotFound(_("Không tìm thấy văn bản công khai được hỏi"))
    return d


@router.get("/complaints/new", name="complaint_new")
def new_form(request: Request, session: SessionDep, user: OptionalUser,
             about: Annotated[str | None, Query(max_length=12, description="a disclosure's id")] = None):
    """The intake form; `?about=<disclosure>` makes it a question about that document (a petition)."""
    document = _about(session, about)
    values = {"field": "other"}
    if document is not None:
        values.update(kind="petition", subject=f"Hỏi về văn bản: {document.title}"[:300])
    return _form_page(request, values=values, errors={}, about=document)


@router.post("/complaints/new", name="complaint_create")
async def create(request: Request, session: SessionDep, user: OptionalUser):
    """File a case. Bad input: the form again with the input kept and a message per field (422).
    Success: the confirmation with the tracking code, as the answer to this POST (201)."""
    form = await request.form()
    if str(form.get(HONEYPOT, "")).strip():
        # Neutral on purpose: neither a fake success nor a hint about what gave it away.
        return render(request, "errors/error.html",
                      {"status": 400, "message": _("Không thể tiếp nhận đơn này. Vui lòng tải lại trang và thử lại.")},
                      status_code=400)
    values = form_values(form)
    values.pop(HONEYPOT, None)
    document = _about(session, values.pop("about", None))
    if document is not None:
        values["kind"] = "petition"  # a question about a document is a petition
    data, errors = validate_case(values)
    if errors:
        return _form_page(request, values=values, errors=errors, status_code=422, about=document)
    try:
        limiter_for(request.app).hit(f"intake:{client_addr(request)}", INTAKE_LIMIT, INTAKE_WINDOW)
    except TooManyRequests as exc:
        return _form_page(request, values=values, errors={"__all__": exc.message}, status_code=exc.status_code,
                          headers={"Retry-After": str(exc.retry_after)}, about=document)
    try:
        case = svc.file_case(session, data=data, channel="web", actor=_actor(request),
                             uploads=await read_uploads(request), store=request.app.state.settings.file_store,
                             disclosure_id=document.id if document else None)
    except AppError as exc:
        session.rollback()
        field = "files" if "file" in exc.fields else "__all__"
        return _form_page(request, values=values, errors={field: exc.message}, status_code=exc.status_code,
                          about=document)
    return render(request, "public/complaints/filed.html", {"view": public_view(session, case)},
                  status_code=201, headers=NO_STORE)


def _track_page(request: Request, *, code: str = "", view: dict | None = None, error: str = "",
                status_code: int = 200, headers: dict | None = None, rating_errors: dict | None = None,
                rating_values: dict | None = None, thanks: bool = False):
    ctx = {"code": code, "view": view, "error": error, "rating_errors": rating_errors or {},
           "rating_values": rating_values or {}, "thanks": thanks}
    return render(request, "public/complaints/track.html", ctx, status_code=status_code,
                  headers={**NO_STORE, **(headers or {})})


def _lookup(request: Request, session: SessionDep, code: str):
    """Show the case for `code`; every unknown or malformed code gets the same 404."""
    code = code.strip()[:64]
    if not code:
        return _track_page(request, error=_("Vui lòng nhập mã tra cứu"), status_code=422)
    try:
        limiter_for(request.app).hit(f"track:{client_addr(request)}", TRACK_LIMIT, TRACK_WINDOW)
        case = svc.by_tracking_code(session, code)
    except (NotFound, TooManyRequests) as exc:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return _track_page(request, code=code, error=exc.message, status_code=exc.status_code, headers=headers)
    return _track_page(request, code=svc.format_code(case.tracking_code), view=public_view(session, case))


@router.get("/track", name="track")
def track_form(request: Request, session: SessionDep, user: OptionalUser,
               code: Annotated[str | None, Query(description="the tracking code; any length is cut to 64")] = None):
    """The form; with `?code=` (a link someone was given) the case too. The form itself posts."""
    if code is None:
        return _track_page(request)
    return _lookup(request, session, code)


@router.post("/track", name="track_lookup")
async def track_lookup(request: Request, session: SessionDep, user: OptionalUser):
    values = form_values(await request.form())
    return _lookup(request, session, values.get("code", ""))


@router.post("/track/rate", name="track_rate")
async def track_rate(request: Request, session: SessionDep, user: OptionalUser):
    """The sender rates the answer (1–5 and a comment), once, after resolution."""
    values = form_values(await request.form())
    code = values.get("code", "")[:64]
    data, errors = validate(svc.RatingInput, {"rating": values.get("rating", ""), "comment": values.get("comment", "")})
    try:
        limiter_for(request.app).hit(f"track:{client_addr(request)}", TRACK_LIMIT, TRACK_WINDOW)
        case = svc.by_tracking_code(session, code)
        if errors:
            return _track_page(request, code=svc.format_code(case.tracking_code), view=public_view(session, case),
                               rating_errors=errors, rating_values=values, status_code=422)
        svc.rate(session, code=code, data=data, actor=_actor(request))
    except (NotFound, TooManyRequests, Conflict) as exc:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return _track_page(request, code=code, error=exc.message, status_code=exc.status_code, headers=headers)
    return _track_page(request, code=svc.format_code(case.tracking_code), view=public_view(session, case), thanks=True)
