"""Public intake and tracking of cases (đơn): the form to send a complaint, denunciation,
petition or feedback (works without JavaScript; files; a honeypot and a rate limit against
spam), the confirmation with the tracking code, and the tracking page.

The tracking code is the only key to a case, so it is kept out of URLs that get logged: the
confirmation is a fixed address that finds the case from a signed cookie (Post-Redirect-Get,
so a reload files nothing), and the tracking form posts the code. Lookups are counted per client
address to throttle guessing.
Nothing here ever shows personal data: the view comes from `views.public_view`."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.accounts.audit import Actor
from app.accounts.deps import OptionalUser
from app.cases import intake, queries, questions, rating
from app.cases.codes import CODE_INPUT_MAX_LENGTH, format_code
from app.cases.forms import validate_case
from app.cases.views import public_view
from app.core import idempotency
from app.core.db import DatabaseBusy, commit_writes, is_busy
from app.core.deps import FormDep, SessionDep
from app.core.errors import AppError, Conflict, Invalid, NotFound, TooManyRequests
from app.core.forms import form_values, read_uploads, validate
from app.core.i18n import _
from app.core.ratelimit import hit_intake, hit_track
from app.core.security import client_addr
from app.core.templating import render
from app.core.validation import int_in_range
from app.models.disclosure import Disclosure

router = APIRouter(include_in_schema=False)

# Rate limits per client address are settings (INTAKE_LIMIT, TRACK_LIMIT; app/core/ratelimit.py).
HONEYPOT = "website"  # hidden from people; a bot that fills every field fills this one
NO_STORE = {"Cache-Control": "no-store"}  # pages that show a tracking code or a case
IDEMPOTENCY_FIELD = "idempotency_key"  # hidden in the form: one key per form shown
FILED_COOKIE, FILED_SALT, FILED_MAX_AGE = "mb_filed", "complaint-filed", 3600



def _actor(request: Request) -> Actor:
    return Actor("citizen:web", client_addr=client_addr(request))


def _form_page(request: Request, *, values: dict, errors: dict, status_code: int = 200,
               headers: dict | None = None, about: Disclosure | None = None, key: str = ""):
    ctx = {"values": values, "errors": errors, "honeypot": HONEYPOT, "about": about,
           "idempotency_field": IDEMPOTENCY_FIELD, "idempotency_key": key or idempotency.new_key()}
    return render(request, "public/complaints/new.html", ctx, status_code=status_code, headers=headers)


def _about(session, raw: str | int | None) -> Disclosure | None:
    """The public document a question is about ("Hỏi về văn bản này"), if the form names one."""
    disclosure_id = int_in_range(str(raw), 1, 2_147_483_647) if raw not in (None, "") else None
    if disclosure_id is None:
        if raw not in (None, ""):
            raise NotFound(_("Không tìm thấy văn bản công khai được hỏi"))
        return None
    d = questions.public_document(session, disclosure_id)
    if d is None:
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
def create(request: Request, form: FormDep, session: SessionDep, user: OptionalUser):
    """File a case. Bad input: the form again with the input kept and a message per field (422).
    Success: 303 to the confirmation (Post-Redirect-Get), so reloading it files nothing; the
    form's idempotency key makes a second send of the same form (double click, back and send
    again, a retry after a timeout) answer with the case the first one made."""
    if str(form.get(HONEYPOT, "")).strip():
        # Neutral on purpose: neither a fake success nor a hint about what gave it away.
        return render(request, "errors/error.html",
                      {"status": 400, "message": _("Không thể tiếp nhận đơn này. Vui lòng tải lại trang và thử lại.")},
                      status_code=400)
    values = form_values(form, date_fields=("contested_on",))
    values.pop(HONEYPOT, None)
    key = values.pop(IDEMPOTENCY_FIELD, "") or idempotency.new_key()  # a form from before keys still works
    document = _about(session, values.pop("about", None))
    if document is not None:
        values["kind"] = "petition"  # a question about a document is a petition
    data, errors = validate_case(values)
    if data is None:
        return _form_page(request, values=values, errors=errors, status_code=422, about=document, key=key)
    settings = request.app.state.settings
    try:
        uploads = read_uploads(form, settings.max_upload_bytes)
        request_hash = idempotency.fingerprint(data.model_dump(mode="json") | {"about": document and document.id},
                                               [hashlib.sha256(u.data).hexdigest() for u in uploads])
        claim = idempotency.claim(session, scope="web", key=key, request_hash=request_hash)
        if claim.replay is not None:
            return _to_confirmation(request, claim.replay)
        hit_intake(request.app, client_addr(request))
        case = intake.file_case(session, data=data, channel="web", actor=_actor(request), uploads=uploads,
                                store=settings.file_store, disclosure_id=document.id if document else None)
        claim.bind(case)
        # Committed before answering: a sender is never shown a code that does not exist.
        commit_writes(session)
    except AppError as exc:
        session.rollback()
        field = "files" if "file" in exc.fields else "__all__"
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return _form_page(request, values=values, errors={field: exc.message}, status_code=exc.status_code,
                          headers=headers, about=document, key=key)
    except (DatabaseBusy, OperationalError, PoolTimeout) as exc:
        if not is_busy(exc):
            raise
        # Nothing was saved; the sender keeps what they typed and sends the same form again.
        session.rollback()
        return _form_page(request, values=values, status_code=503, headers={"Retry-After": "2"}, about=document,
                          key=key, errors={"__all__": _("Hệ thống đang bận, đơn chưa được gửi. Vui lòng bấm Gửi lại "
                                                        "sau ít giây.")})
    return _to_confirmation(request, case)


def _to_confirmation(request: Request, case) -> RedirectResponse:
    """303 to the confirmation; which case it shows travels in a signed, short-lived cookie,
    never in the URL (addresses end up in logs and browser history)."""
    settings = request.app.state.settings
    response = RedirectResponse(request.url_for("complaint_filed").path, status_code=303)
    token = URLSafeTimedSerializer(request.app.state.secret_key, salt=FILED_SALT).dumps(case.id)
    response.set_cookie(FILED_COOKIE, token, max_age=FILED_MAX_AGE, path="/complaints/filed", httponly=True,
                        samesite="lax", secure=settings.cookie_secure)
    return response


@router.get("/complaints/filed", name="complaint_filed")
def filed(request: Request, session: SessionDep, user: OptionalUser):
    """The confirmation with the tracking code, for the browser that filed the case (an hour)."""
    token = request.cookies.get(FILED_COOKIE, "")
    case_id = None
    if token:
        try:
            case_id = URLSafeTimedSerializer(request.app.state.secret_key, salt=FILED_SALT).loads(
                token, max_age=FILED_MAX_AGE)
        except BadSignature:
            case_id = None
    case = queries.get(session, case_id) if isinstance(case_id, int) else None
    if case is None:
        return render(request, "public/complaints/filed.html", {"view": None}, headers=NO_STORE)
    return render(request, "public/complaints/filed.html",
                  {"view": public_view(session, case), "rating_key": rating.rating_key(session, case)},
                  headers=NO_STORE)


def _track_page(request: Request, *, code: str = "", view: dict | None = None, error: str = "",
                status_code: int = 200, headers: dict | None = None, rating_errors: dict | None = None,
                rating_values: dict | None = None, thanks: bool = False):
    ctx = {"code": code, "view": view, "error": error, "rating_errors": rating_errors or {},
           "rating_values": rating_values or {}, "thanks": thanks, "code_max": CODE_INPUT_MAX_LENGTH}
    return render(request, "public/complaints/track.html", ctx, status_code=status_code,
                  headers={**NO_STORE, **(headers or {})})


def _lookup(request: Request, session: SessionDep, code: str):
    """Show the case for `code`; every unknown or malformed code gets the same 404."""
    code = code.strip()[:CODE_INPUT_MAX_LENGTH]
    if not code:
        return _track_page(request, error=_("Vui lòng nhập mã tra cứu"), status_code=422)
    try:
        hit_track(request.app, client_addr(request))
        case = queries.by_tracking_code(session, code)
    except (NotFound, TooManyRequests) as exc:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return _track_page(request, code=code, error=exc.message, status_code=exc.status_code, headers=headers)
    return _track_page(request, code=format_code(case.tracking_code), view=public_view(session, case))


@router.get("/track", name="track")
def track_form(request: Request, session: SessionDep, user: OptionalUser,
               code: Annotated[str | None, Query(description="the tracking code; any length is cut to 64")] = None):
    """The form; with `?code=` (a link someone was given) the case too. The form itself posts."""
    if code is None:
        return _track_page(request)
    return _lookup(request, session, code)


@router.post("/track", name="track_lookup")
def track_lookup(request: Request, form: FormDep, session: SessionDep, user: OptionalUser):
    values = form_values(form)
    return _lookup(request, session, values.get("code", ""))


@router.post("/track/rate", name="track_rate")
def track_rate(request: Request, form: FormDep, session: SessionDep, user: OptionalUser):
    """The sender rates the answer (1–5 and a comment), once, after resolution, with the rating
    key they were given at filing."""
    values = form_values(form)
    code = values.get("code", "")[:CODE_INPUT_MAX_LENGTH]
    data, errors = validate(rating.RatingInput, {k: values.get(k, "") for k in ("rating", "comment", "rating_key")})
    try:
        hit_track(request.app, client_addr(request))
        case = queries.by_tracking_code(session, code)
        if data is not None:
            rating.rate(session, code=code, data=data, actor=_actor(request))
    except Invalid as exc:
        session.rollback()
        errors = {k: exc.message for k in exc.fields} or {"rating": exc.message}
    except (NotFound, TooManyRequests, Conflict) as exc:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return _track_page(request, code=code, error=exc.message, status_code=exc.status_code, headers=headers)
    if errors:
        return _track_page(request, code=format_code(case.tracking_code), view=public_view(session, case),
                           rating_errors=errors, rating_values=values, status_code=422)
    return _track_page(request, code=format_code(case.tracking_code), view=public_view(session, case), thanks=True)
