"""Domain errors. Services raise these; app.main turns them into problem details, an HTMX
message, or an error page, depending on who asked."""

from __future__ import annotations


class AppError(Exception):
    status_code = 400
    title = "Bad request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(AppError):
    status_code = 404
    title = "Not found"


class Forbidden(AppError):
    status_code = 403
    title = "Forbidden"


class Unauthorized(AppError):
    status_code = 401
    title = "Unauthorized"


class Conflict(AppError):
    status_code = 409
    title = "Conflict"


class Invalid(AppError):
    status_code = 422
    title = "Invalid input"


class TooLarge(AppError):
    status_code = 413
    title = "Payload too large"


class UnsupportedType(AppError):
    status_code = 415
    title = "Unsupported media type"


class TooManyRequests(AppError):
    status_code = 429
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int = 60):
        super().__init__(message)
        self.retry_after = retry_after


class StorageUnavailable(AppError):
    """The files folder cannot take a file (disk full, read-only, missing): nothing was saved,
    and the form is shown again with what was typed."""

    status_code = 503
    title = "Service unavailable"
