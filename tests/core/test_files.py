"""Uploads: type from content, size limit, nothing on disk when refused."""

import io
import zipfile

import pytest

from app.core import files
from app.core.errors import Invalid, TooLarge, UnsupportedType
from tests import factories


def _zip(names):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        for n in names:
            z.writestr(n, "<x/>")
    return buf.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@pytest.mark.parametrize("data,name,mime,ext", [
    (factories.pdf_bytes(), "a.pdf", "application/pdf", "pdf"),
    (PNG, "photo.jpg", "image/png", "png"),  # the content decides, not the name
    (JPEG, "anh.jpeg", "image/jpeg", "jpg"),
    (_zip(["word/document.xml"]), "bien-ban.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    (_zip(["xl/workbook.xml"]), "so-lieu.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     "xlsx"),
])
def test_accepted_types(tmp_path, data, name, mime, ext):
    stored = files.store(tmp_path, data=data, filename=name, max_bytes=10_000)
    assert stored.content_type == mime and stored.filename.endswith("." + ext)


@pytest.mark.parametrize("data,name", [
    (b"MZ\x90\x00" + b"\x00" * 100, "virus.pdf"),
    (b"<html><script>alert(1)</script></html>", "trang.pdf"),
    (_zip(["foo.txt"]), "giả.docx"),
    (b"GIF89a" + b"\x00" * 50, "anh.png"),
])
def test_refused_types_leave_nothing(tmp_path, data, name):
    with pytest.raises(UnsupportedType):
        files.store(tmp_path, data=data, filename=name, max_bytes=10_000)
    assert list(tmp_path.iterdir()) == []


def test_too_large_and_empty(tmp_path):
    with pytest.raises(TooLarge):
        files.store(tmp_path, data=factories.pdf_bytes() + b"\x00" * 5000, filename="a.pdf", max_bytes=1000)
    with pytest.raises(Invalid):
        files.store(tmp_path, data=b"", filename="a.pdf", max_bytes=1000)
    assert list(tmp_path.iterdir()) == []


def test_same_content_is_stored_once(tmp_path):
    a = files.store(tmp_path, data=PNG, filename="a.png", max_bytes=10_000)
    b = files.store(tmp_path, data=PNG, filename="b.png", max_bytes=10_000)
    assert a.sha256 == b.sha256
    assert len(list(tmp_path.rglob("*"))) == 3  # two directory levels and one file


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "passwd.png"),
    ("con\x00trol.png", "con_trol.png"),
    ("", "tep.png"),
    ("Biên bản họp.PNG", "Biên bản họp.png"),
    # Bidirectional controls cannot make "…fdp.exe" display as "…exe.pdf".
    ("hoa-don\u202efdp.exe", "hoa-donfdp.png"),
    ("\u2067anh\u2069\u200f.png", "anh.png"),
])
def test_clean_filename(name, expected):
    assert files.clean_filename(name, "png") == expected
