"""Uploaded files: the type is decided by the content (never the name or the browser's claim),
the size is bounded, and the bytes are stored once under their SHA-256."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype

from app.core.errors import Invalid, StorageUnavailable, TooLarge, UnsupportedType
from app.core.i18n import _
from app.core.validation import strip_bidi


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes and the name it was sent with."""

    data: bytes
    filename: str


# MIME type -> the extension the stored name gets.
ALLOWED = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "image/jpeg": "jpg",
    "image/png": "png",
}
ALLOWED_LABEL = "PDF, DOCX, XLSX, JPEG, PNG"

log = logging.getLogger("minhbach")

_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


@dataclass(frozen=True)
class FileStore:
    """Where accepted files go and how large they may be (from settings)."""

    directory: Path
    max_bytes: int


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str
    filename: str


def sniff(head: bytes, data: bytes) -> str | None:
    kind = filetype.guess(data if len(data) < 8192 else head)
    if kind is None and data[:4] == b"PK\x03\x04":
        kind = filetype.guess(data)  # Office files are zips: the matcher needs the directory
    return kind.mime if kind and kind.mime in ALLOWED else None


def clean_filename(name: str, ext: str) -> str:
    """A safe display name: no path, no control characters, the extension matching the content."""
    name = strip_bidi(unicodedata.normalize("NFC", Path(name or "").name))
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "_", name).strip(" .") or "tep"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem[:180]}.{ext}"


def path_for(files_dir: Path, sha256: str) -> Path:
    return files_dir / sha256[:2] / sha256[2:4] / sha256


def check(*, data: bytes, filename: str, max_bytes: int) -> str:
    """The file's MIME type if it is accepted; otherwise an error naming the file."""
    name = strip_bidi(Path(filename or "").name) or _("tệp")
    if not data:
        raise Invalid(_("%s: tệp rỗng") % name, fields={"file": "empty"})
    if len(data) > max_bytes:
        raise TooLarge(_("%(name)s: tệp quá lớn (tối đa %(mb)d MB)") % {"name": name, "mb": max_bytes // (1024 * 1024)},
                       fields={"file": "too_large"})
    mime = sniff(data[:8192], data)
    if mime is None:
        raise UnsupportedType(_("%(name)s: chỉ nhận tệp %(types)s (kiểm tra theo nội dung tệp)")
                              % {"name": name, "types": ALLOWED_LABEL}, fields={"file": "type"})
    return mime


def store(files_dir: Path, *, data: bytes, filename: str, max_bytes: int) -> StoredFile:
    """Validate and store `data`. Nothing touches the disk unless the file is accepted."""
    mime = check(data=data, filename=filename, max_bytes=max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    target = path_for(files_dir, digest)
    if not target.exists():
        try:
            _write(target, data)
        except OSError as exc:
            raise storage_error(exc, files_dir) from exc
    return StoredFile(sha256=digest, size=len(data), content_type=mime,
                      filename=clean_filename(filename, ALLOWED[mime]))


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename: a crash never leaves a half-written file under a valid hash.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # a full disk may only say so here, not at write()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def storage_error(exc: OSError, files_dir: Path) -> StorageUnavailable:
    """What to tell the user when the files folder refuses a file (logged for the administrator):
    the service raises it before anything is committed, so the form keeps what was typed."""
    log.error("cannot store an uploaded file in %s: %s", files_dir, exc)
    if exc.errno in _DISK_FULL:
        message = _("Không lưu được tệp đính kèm: ổ đĩa của máy chủ đã đầy. Chưa có gì được lưu; thông tin "
                    "bạn nhập vẫn còn trên trang. Vui lòng thử lại sau hoặc báo quản trị viên.")
    else:
        message = _("Không lưu được tệp đính kèm: thư mục lưu tệp của máy chủ không ghi được. Chưa có gì được "
                    "lưu; thông tin bạn nhập vẫn còn trên trang. Vui lòng thử lại sau hoặc báo quản trị viên.")
    return StorageUnavailable(message, fields={"file": "storage"})
