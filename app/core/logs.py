"""What the server's access log may not keep: tracking codes in paths (Open311 puts the token in
the path; the JSON API's tracking lookup too; a link to /track?code=). A tracking code is a resident's key to their
case."""

from __future__ import annotations

import logging
import re

from sqlalchemy.exc import SQLAlchemyError

_SECRET_PATHS = re.compile(r"(/open311/v2/tokens/|/api/v1/complaints/track/|[?&]code=)[^/?.&\s]+")


class RedactTrackingCodes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn.access formats (client, method, path, http version, status) from record.args.
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            record.args = (*record.args[:2], _SECRET_PATHS.sub(r"\1…", record.args[2]), *record.args[3:])
        return True


def install() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTrackingCodes) for f in access.filters):
        access.addFilter(RedactTrackingCodes())


def db_error(exc: SQLAlchemyError) -> str:
    """A database error as the log may carry it: its type and the driver's first line, never
    `str(exc)` (SQLAlchemy appends the statement's bound parameters: the sender's name, e-mail
    and phone on INSERT, a tracking code on a lookup) nor the driver's DETAIL (PostgreSQL quotes
    the offending key's value there)."""
    orig = getattr(exc, "orig", None)
    if orig is None:
        return type(exc).__name__
    diag = getattr(orig, "diag", None)  # psycopg: the primary message alone
    message = (getattr(diag, "message_primary", None) or str(orig)).strip()
    message = message.splitlines()[0][:300] if message else ""
    driver = f"{type(orig).__module__}.{type(orig).__name__}"
    code = getattr(orig, "sqlstate", None)
    return f"{type(exc).__name__} ({driver}{', SQLSTATE ' + code if code else ''}): {message}"
