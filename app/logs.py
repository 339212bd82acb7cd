"""What the server's access log may not keep: tracking codes in paths (Open311 puts the token in
the path; the JSON API's tracking lookup too). A tracking code is a resident's key to their case."""

from __future__ import annotations

import logging
import re

_SECRET_PATHS = re.compile(r"(/open311/v2/tokens/|/api/v1/complaints/track/)[^/?.\s]+")


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
