"""Sending a stored file (kept by its SHA-256) under its original name, for every router."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse

from app.core import files
from app.core.errors import NotFound
from app.core.i18n import _


def stored_file(files_dir: Path, *, sha256: str, filename: str, content_type: str, cache: str) -> FileResponse:
    """The file, or 404 when it is missing on disk. `cache` is the Cache-Control: public files
    may be kept a day; anything not yet public must never sit in a shared cache."""
    path = files.path_for(files_dir, sha256)
    if not path.exists():
        raise NotFound(_("Không tìm thấy tệp đính kèm"))
    return FileResponse(path, media_type=content_type, filename=filename,
                        headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})


PUBLIC = "public, max-age=86400"
PRIVATE = "private, no-store"
