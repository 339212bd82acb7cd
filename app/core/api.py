"""What every JSON API operation shares in its OpenAPI description, so that /openapi.json tells
the truth about the answers (and schemathesis can hold the API to it):

- errors are problem details (RFC 9457) as `application/problem+json`, shaped as app.main's
  exception handlers write them (`PROBLEM_SCHEMA`);
- a bearer token may be refused (401), lack the scope (403) or be over its rate limit (429 with
  `Retry-After`);
- a GET answered with JSON carries an `ETag` and answers 304 to a matching `If-None-Match`
  (app/core/etag.py);
- the parameter types below accept what their schemas describe: dates as YYYY-MM-DD and dates
  and times in ISO 8601 within the years the code works with (never a bare number, which
  pydantic alone would read as a Unix time), and opaque cursors.

Routes compose their `responses=` from the pieces (`responses(...)`), and use the parameter
types instead of bare `date`/`datetime`/`str`."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.core.validation import MAX_DATE, MIN_DATE

# Problem details ---------------------------------------------------------------------------------

PROBLEM = "application/problem+json"

# Inline in every error answer: FastAPI offers no way to add a shared component from a router,
# so it is kept short (the API's description in app.main explains the fields). Shaped as the
# exception handlers in app.main write it: `errors` items are {field, code, message?}.
_TEXT = {"type": "string"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": _TEXT, "title": _TEXT, "status": {"type": "integer"}, "detail": _TEXT,
        "errors": {"type": "array", "items": {"type": "object", "required": ["field", "code"],
                                              "properties": {"field": _TEXT, "code": _TEXT, "message": _TEXT}}},
    },
}


def problem(description: str, headers: dict | None = None) -> dict:
    """An error answer, documented as problem details."""
    out: dict[str, Any] = {"description": description, "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}}}
    if headers:
        out["headers"] = headers
    return out


ETAG_HEADER = {"description": "send it back in `If-None-Match`", "required": True, "schema": _TEXT}
RETRY_AFTER_HEADER = {"description": "seconds to wait", "required": True, "schema": {"type": "integer", "minimum": 1}}

# Pieces of `responses=` --------------------------------------------------------------------------

# GET with a JSON answer (app/core/etag.py). The 200 keeps the route's own description and schema.
CONDITIONAL = {
    200: {"headers": {
        "ETag": ETAG_HEADER,
        "Cache-Control": {"description": "`no-cache` (`private, no-cache` with a token or a session)",
                          "required": True, "schema": _TEXT},
    }},
    304: {"description": "Not Modified: `If-None-Match` named the current `ETag`; no body",
          "headers": {"ETag": ETAG_HEADER}},
}
INVALID = {422: problem("Invalid input: a parameter or a field breaks a rule; `errors` names them")}
NOT_FOUND = {404: problem("Not found (an unknown id, or one the caller may not see)")}
# Any write may lose a race for the same row (IntegrityError -> 409), besides its own rules.
CONFLICT = {409: problem("Conflict: not possible in the current state, or changed by someone else meanwhile")}
# A request with a body: unreadable (not UTF-8 JSON, a broken multipart form) or over the size limit.
BODY = {
    400: problem("The body could not be read (not UTF-8 JSON, or a malformed multipart form)"),
    413: problem("The body is larger than the upload limit"),
}
RATE_LIMITED = {429: problem("Too many requests: wait `Retry-After` seconds",
                            headers={"Retry-After": RETRY_AFTER_HEADER})}
# An operation that reads a bearer token if one is sent (app.accounts.deps.api_principal): a token that
# is malformed, unknown or revoked is 401, and every token call counts against its rate limit.
OPTIONAL_TOKEN = {401: problem("The bearer token is malformed, unknown or revoked"), **RATE_LIMITED}
# An operation that needs a bearer token (or, where it says so, a staff session).
TOKEN = {
    401: problem("No bearer token, or one that is malformed, unknown or revoked"),
    403: problem("The token (or its user's role) does not allow this"),
    **RATE_LIMITED,
}


def responses(*parts: dict) -> dict:
    """Merge pieces of `responses=`; a later piece wins for the same status."""
    out: dict = {}
    for part in parts:
        out.update(part)
    return out


def if_none_match() -> dict:
    """`openapi_extra` for a GET answered with JSON: the request header app/core/etag.py reads (it is
    handled by the middleware, so no route parameter declares it)."""
    return {"parameters": [{
        "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
        "description": "the `ETag` of an earlier answer: 304 with no body while it still matches"}]}


# Parameter types -----------------------------------------------------------------------------------

# Years the code accepts (app/core/validation.py MIN_DATE..MAX_DATE), as a regular expression.
YEARS_1900_2200 = "(19[0-9]{2}|2[01][0-9]{2}|2200)"
assert (MIN_DATE.year, MAX_DATE.year) == (1900, 2200), "update YEARS_1900_2200"


def _date_checker(years: str | None, lo: date, hi: date):
    """YYYY-MM-DD only (pydantic alone would also read "0" or "1700000000" as a Unix time), and,
    with `years`, within [lo, hi]; without, the range is left to the service (its own message)."""
    shape = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

    def out_of_range():
        return PydanticCustomError("out_of_range", "the date must be between {lo} and {hi}",
                                   {"lo": lo.isoformat(), "hi": hi.isoformat()})

    def check(value):
        if isinstance(value, datetime) or not isinstance(value, (str, date)):
            raise PydanticCustomError("date_format", "a date as YYYY-MM-DD")
        if isinstance(value, str):
            if not shape.fullmatch(value):
                raise PydanticCustomError("date_format", "a date as YYYY-MM-DD")
            if years and not re.match(years, value):
                raise out_of_range()
        elif years and not lo <= value <= hi:
            raise out_of_range()
        return value  # pydantic parses it (and refuses a 31 April)

    return check


def _datetime_checker(years: str):
    start = re.compile(years + "-")

    def check(value):
        if isinstance(value, datetime):
            if not MIN_DATE <= value.date() <= MAX_DATE:
                raise PydanticCustomError("out_of_range", "the date must be between 1900 and 2200")
            return value
        if not isinstance(value, str) or not start.match(value):
            # Not "YYYY-": pydantic would also read a bare number as a Unix time, which the schema does not offer.
            if isinstance(value, str) and re.match("[0-9]{4}-", value):
                raise PydanticCustomError("out_of_range", "the date must be between 1900 and 2200")
            raise PydanticCustomError("datetime_format", "an ISO 8601 date and time, e.g. 2026-03-15T08:00:00+07:00")
        return value

    return check


def iso_date(years: str = YEARS_1900_2200, lo: date = MIN_DATE, hi: date = MAX_DATE, *, checked: bool = True):
    """A `date` given as YYYY-MM-DD within [lo, hi] (the years `years` matches), documented so.
    `checked=False` leaves the range to the service, for its own message (the schema still
    states it)."""
    return Annotated[date, BeforeValidator(_date_checker(years if checked else None, lo, hi)), WithJsonSchema(
        {"type": "string", "format": "date", "pattern": f"^{years}-[0-9]{{2}}-[0-9]{{2}}$"})]


IsoDate = iso_date()

# A date and time from 1900 to 2200 (the date in its own offset): ISO 8601; one without an offset is UTC.
IsoDateTime = Annotated[datetime, BeforeValidator(_datetime_checker(YEARS_1900_2200)), WithJsonSchema(
    {"type": "string", "format": "date-time", "pattern": f"^{YEARS_1900_2200}-"})]

UpdatedSince = Annotated[IsoDateTime | None, Query(
    description="ISO 8601, e.g. `2026-03-15T08:00:00+07:00` (without an offset: UTC), from 1900 to 2200: "
                "every item changed since then, oldest change first")]

# The cursor is opaque (app/core/pagination.py: unpadded URL-safe base64); only the
# `next_cursor` of an earlier answer is valid, anything else is a 422.
Cursor = Annotated[str | None, Query(max_length=500, pattern="^[A-Za-z0-9_-]*$",
                                     description="the `next_cursor` of the previous page (opaque)")]
