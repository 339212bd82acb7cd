"""Open311 GeoReport v2 for feedback (spec: ../shared/specs/open311-georeport-v2.md).

Every resource in XML (`.xml`, the spec's required format) and JSON (`.json`, mapped from the XML
by the Spark convention: lists at the root):

* `GET  /open311/v2/discovery.{fmt}`            the service discovery document
* `GET  /open311/v2/services.{fmt}`             one service per case field (service_code = the
  field's value: land, construction, environment, urban_order, social_policy,
  administrative_procedures, other), Vietnamese names, type realtime, no attributes
* `GET  /open311/v2/services/{code}.{fmt}`      its definition (no attributes)
* `GET  /open311/v2/requests.{fmt}`             filters: service_request_id (comma list; overrides the
  rest), service_code, status (open/closed; comma lists or repeated), start_date, end_date (W3C
  date-times with a zone, or a date; at most 90 days apart; default the last 90 days); newest
  first, at most 1000
* `POST /open311/v2/requests.{fmt}`             form-encoded; files a feedback case (see below)
* `GET  /open311/v2/requests/{id}.{fmt}`        one request (a list of one)
* `GET  /open311/v2/tokens/{token}.{fmt}`       the service_request_id behind a token

Errors are the spec's list of `{code, description}` (XML `<errors><error>`), in the format the
path asked for (XML when it names none): 404 for what does not exist (an unknown service_code,
request id, token or path), 403 for a missing, wrong or insufficient api_key, 429 (with
Retry-After) past a rate limit, and 400 for anything else, including a failure inside the server
("General service error", as the spec says). Never FastAPI's 422 shape, never an HTML page.
`jurisdiction_id` is ignored (the portal serves one ward, which the spec allows).

POST: with `api_key`, a token with the `complaints:write` scope (or a personal token of staff
who take in cases), limited per token like the JSON API; without it, only when the setting
`OPEN311_PUBLIC_POSTING` is true, limited per client address together with the web form. The
case is filed through `intake.file_case` as feedback on the web channel: service_code → field,
description → content (its first words → subject), address_string / lat / long → place,
last_name + first_name (family name first) / email / phone → sender (no name: anonymous; email or
phone without a name is refused). `media_url` is kept inside the (private) content for staff;
device_id, account_id and attribute[...] are not kept. description is required (max 4000).

Privacy (Law on Denunciations Art. 56; the project's rule that public answers carry no personal
data), enforced in app/integration/open311.py, open311_views.py and open311_intake.py:

* `service_request_id` is public, so it is not the row id and never the tracking code: it is the
  case id through a keyed permutation (Feistel network over HMAC-SHA256, keyed by SECRET_KEY;
  16 hex digits). Stable, unguessable, and it does not reveal how many other cases (complaints,
  denunciations) were filed between two listed ones. Changing SECRET_KEY changes every id.
* `token` is the sender's tracking code, given only once, in the POST answer (with Cache-Control:
  no-store), because it is the only key with which the resident follows and rates the case on the
  portal; the service_notice says to keep it private. The spec lets a realtime server answer the
  id alone; we answer both so that a client can hand the resident the code. `tokens/{token}`
  answers only the public id, with the same 404 for every code it cannot show, and is limited per
  client address together with the tracking page (code guessing). The token is in the path, as
  the spec has it: nothing here logs it, and a database failure is logged by its type and the
  driver's first line only (`app.core.logs.db_error`), never with the statement's parameters.
* GET answers list only feedback and petition cases that are not, and never were, denunciations
  (a complaint or a denunciation, or a letter split from or reclassified out of one, never shows:
  an unknown id and a hidden case get the same 404). They never carry the sender (name, address,
  phone, e-mail, ID number), the subject or the content (they may name people), attachments,
  internal notes or the tracking code. `description` is the case's public summary (empty until
  staff write one); `status_notes` the status and the public outcome (decision or guidance slip
  number, the body it went to, the summary); `address` / `lat` / `long` only for feedback, and
  only once staff have classified the letter (a 'feedback' may turn out to be a denunciation).
* status: closed once the case has its outcome (resolved, closed, guided, transferred, filed,
  refused), else open. expected_datetime: the end (23:59:59, ward time) of the nearest open legal
  deadline from the deadline engine, with its stage and legal basis in service_notice.
  requested_datetime: when the case was entered (or the start of the day it was received, for a
  letter entered later); updated_datetime: its last public step. All with the +07:00 offset.

The routes are plain Starlette routes (not in /openapi.json): they parse their own arguments so
that every error keeps the Open311 shape, and they take no cookie, so the site's CSRF guard (for
cookie-authenticated forms) has nothing to protect here.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from app.accounts.audit import Actor
from app.core import logs
from app.core.db import session_for
from app.core.errors import AppError, TooManyRequests
from app.core.i18n import _
from app.core.ratelimit import hit_intake, hit_track, limiter_for
from app.core.security import client_addr
from app.integration import open311, open311_intake
from app.integration.open311 import Open311Error

log = logging.getLogger("minhbach.open311")

router = APIRouter(prefix="/open311/v2", tags=["open311"])

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
NO_STORE = {"Cache-Control": "no-store"}  # answers that carry a tracking code
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The element of each list in XML (the JSON side is the same data with lists as arrays).
ITEM_TAGS = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
             "formats": "format", "attributes": "attribute", "values": "value"}
# Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# Representation --------------------------------------------------------------------------------

def _fill(element: ET.Element, value, tag: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item, key)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM_TAGS[tag]), item, ITEM_TAGS[tag])
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))


def render(fmt: str, root: str, data, *, status: int = 200, headers: dict | None = None) -> Response:
    """`data` as JSON, or as XML under `root` (the declaration with UTF-8, no namespace)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        element = ET.Element(root)
        _fill(element, data, root)
        body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode").encode()
    return Response(body, status_code=status, headers={**(headers or {}), "Content-Type": CONTENT_TYPES[fmt]})


def error_response(fmt: str, exc: Open311Error) -> Response:
    errors = [{"code": code, "description": description} for code, description in exc.errors]
    return render(fmt if fmt in CONTENT_TYPES else "xml", "errors", errors, status=exc.status, headers=exc.headers)


def _as_open311(exc: Exception) -> Open311Error:
    """Whatever a handler raised, in the spec's terms (403 / 404 / 429 kept, the rest 400)."""
    if isinstance(exc, Open311Error):
        return exc
    if isinstance(exc, TooManyRequests):
        return Open311Error(429, str(exc.message), headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, AppError):
        status = {401: 403, 403: 403, 404: 404, 413: 413}.get(exc.status_code, 400)
        return Open311Error(status, str(exc.message))
    if isinstance(exc, StarletteHTTPException):
        return Open311Error(400, _("Yêu cầu không hợp lệ"))
    if isinstance(exc, ValidationError):
        return Open311Error(400, _("Dữ liệu không hợp lệ"))
    if isinstance(exc, SQLAlchemyError):
        log.warning("open311: the database refused the request: %s", logs.db_error(exc))
        return Open311Error(400, _("Lỗi dịch vụ: cơ sở dữ liệu không xử lý được yêu cầu; vui lòng thử lại"))
    log.exception("open311: unexpected error")
    return Open311Error(400, _("Lỗi dịch vụ ngoài ý muốn; vui lòng thử lại hoặc báo cho phường"))


Handler = Callable[[Request, str], Awaitable[Response]]


def open311_route(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint: the format from the path, and every failure as an Open311 error."""

    async def endpoint(request: Request) -> Response:
        fmt = request.path_params.get("fmt", "")
        try:
            if fmt not in CONTENT_TYPES:
                raise Open311Error(404, _("Định dạng không hỗ trợ: dùng .xml hoặc .json"))
            return await handler(request, fmt)
        except Exception as exc:  # noqa: BLE001 - every failure answers in the spec's format, never a 500
            return error_response(fmt, _as_open311(exc))

    return endpoint


def _in_session(request: Request, work, *, write: bool):
    """Run `work(session)` in one transaction (committed when it writes and succeeds)."""
    state = request.app.state
    session = session_for(state.engine, write=write, audit_key=state.secret_key)
    try:
        result = work(session)
        if write:
            session.commit()
        return result
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def _read(request: Request, work):
    return await run_in_threadpool(_in_session, request, work, write=False)


async def _write(request: Request, work):
    return await run_in_threadpool(_in_session, request, work, write=True)


def _settings(request: Request):
    return request.app.state.settings


def _secret(request: Request) -> str:
    return request.app.state.secret_key


# Resources -------------------------------------------------------------------------------------

async def discovery(request: Request, fmt: str) -> Response:
    return render(fmt, "discovery", open311.discovery(_settings(request)))


async def service_list(request: Request, fmt: str) -> Response:
    return render(fmt, "services", open311.services())


async def service_definition(request: Request, fmt: str) -> Response:
    return render(fmt, "service_definition", open311.service_definition(request.path_params["code"]))


async def get_requests(request: Request, fmt: str) -> Response:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    query = open311.parse_query(params, _secret(request))
    found = await _read(request, lambda s: open311.list_requests(s, _settings(request), _secret(request), query))
    return render(fmt, "service_requests", found)


async def get_request(request: Request, fmt: str) -> Response:
    text = request.path_params["id"]
    found = await _read(request, lambda s: open311.get_request(s, _settings(request), _secret(request), text))
    return render(fmt, "service_requests", found)


async def token(request: Request, fmt: str) -> Response:
    hit_track(request.app, client_addr(request))
    text = request.path_params["token"]
    found = await _read(request, lambda s: open311.token_lookup(s, _secret(request), text))
    return render(fmt, "service_requests", found, headers=NO_STORE)


async def post_request(request: Request, fmt: str) -> Response:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(FORM_TYPES):
        raise Open311Error(400, _("Gửi yêu cầu dạng application/x-www-form-urlencoded (hoặc multipart/form-data)"))
    async with request.form() as form:
        fields = {key: value for key, value in form.multi_items()[::-1] if isinstance(value, str)}  # the first wins
    settings, secret, addr = _settings(request), _secret(request), client_addr(request)
    limiter = limiter_for(request.app)

    def work(session):
        principal = open311_intake.authorize(session, settings, fields.get("api_key", "").strip(), addr)
        if principal is not None and principal.rate_limit > 0:
            # The token's own limit, whatever address it calls from (as in the JSON API).
            limiter.hit(f"token:{principal.token_id}", principal.rate_limit, 60)
        data = open311_intake.case_input(fields)
        if principal is None:
            # Public requests count with the web form's and the JSON API's, per client address.
            hit_intake(request.app, addr)
        actor = principal.actor if principal else Actor(open311_intake.PUBLIC_SENDER, client_addr=addr)
        return open311_intake.create_request(session, settings, secret, data, principal=principal, actor=actor)

    created = await _write(request, work)
    return render(fmt, "service_requests", created, status=201, headers=NO_STORE)


# Routes ----------------------------------------------------------------------------------------
# Plain Starlette routes with full paths (add_route does not apply the router's prefix).

ROUTES = [
    Route(f"{router.prefix}/discovery.{{fmt}}", open311_route(discovery), methods=["GET"]),
    Route(f"{router.prefix}/services.{{fmt}}", open311_route(service_list), methods=["GET"]),
    Route(f"{router.prefix}/services/{{code}}.{{fmt}}", open311_route(service_definition), methods=["GET"]),
    Route(f"{router.prefix}/requests.{{fmt}}", open311_route(get_requests), methods=["GET"]),
    Route(f"{router.prefix}/requests.{{fmt}}", open311_route(post_request), methods=["POST"]),
    Route(f"{router.prefix}/requests/{{id}}.{{fmt}}", open311_route(get_request), methods=["GET"]),
    Route(f"{router.prefix}/tokens/{{token}}.{{fmt}}", open311_route(token), methods=["GET"]),
]


async def not_found(request: Request) -> Response:
    """Any other path or method under the prefix: 404, or 405 with Allow for a known path."""
    path = request.url.path
    fmt = "json" if path.endswith(".json") else "xml"
    allowed: set[str] = set()
    for route in ROUTES:
        match, _scope = route.matches(request.scope)
        if match != Match.NONE:
            allowed |= route.methods or set()
    if allowed:
        exc = Open311Error(405, _("Phương thức %s không được hỗ trợ ở địa chỉ này") % request.method[:10],
                           headers={"Allow": ", ".join(sorted(allowed))})
    else:
        exc = Open311Error(404, _("Không có tài nguyên Open311 ở địa chỉ này"))
    return error_response(fmt, exc)


for _route in ROUTES:
    router.routes.append(_route)
for _path in (router.prefix, f"{router.prefix}/{{rest:path}}"):
    router.add_route(_path, not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                     include_in_schema=False)
