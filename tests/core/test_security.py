"""Hardening against hostile use: CSRF bound to the session and to this site, no stored copies of
staff pages, HSTS over HTTPS, bodies over the limit, too many files, the data folder's modes."""

from __future__ import annotations

import re
import stat

from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.config import Settings
from app.core.security import CSRF_COOKIE, CSRF_COOKIE_SECURE
from app.main import create_app
from app.models.complaint import Complaint
from tests import factories

CASE = {"kind": "feedback", "field": "urban_order", "subject": "Đèn chiếu sáng ngõ 12 bị hỏng",
        "content": "Đèn hỏng hơn một tuần, ngõ rất tối.", "address": "Ngõ 12 Văn Phú",
        "sender_name": "Nguyễn Văn An", "sender_address": "Số 3 ngõ 12"}


def _count(session) -> int:
    session.commit()
    return session.exec(select(func.count()).select_from(Complaint)).one()


def test_a_token_from_another_visitor_or_session_is_refused(client, app, session):
    token = factories.csrf(client, "/complaints/new")
    secret = client.cookies.get(CSRF_COOKIE)
    # The cookie alone is not the token: the form's token is an HMAC the server alone can make.
    assert token != secret and len(token) == 64
    assert client.post("/complaints/new", data={**CASE, "csrf_token": secret}).status_code == 403
    # An attacker who plants their own cookie cannot pair it with a token they made up.
    other = TestClient(app, base_url="http://testserver")
    other.cookies.set(CSRF_COOKIE, "a" * 43)
    assert other.post("/complaints/new", data={**CASE, "csrf_token": "a" * 64}).status_code == 403
    # Logging in changes the session, so a token shown before it no longer works after it.
    user = factories.user(session, role="officer")
    factories.login(client, user.username)
    r = client.post("/staff/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403
    fresh = factories.csrf(client, "/staff")
    assert fresh != token
    assert client.post("/staff/logout", data={"csrf_token": fresh}, follow_redirects=False).status_code == 303
    assert _count(session) == 0


def test_state_changes_from_another_site_are_refused(client, session):
    token = factories.csrf(client, "/complaints/new")
    data = {**CASE, "csrf_token": token}
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Origin": "https://evil.example"}, {"Origin": "null"}):
        r = client.post("/complaints/new", data=data, headers=headers)
        assert r.status_code == 403 and "Vui lòng tải lại trang" in r.text, headers
    assert _count(session) == 0
    for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}, {}):
        r = client.post("/complaints/new", data={**data, "subject": f"Đèn hỏng {len(headers)} {headers}"[:60]},
                        headers=headers)
        assert r.status_code == 200 and "tracking-code" in r.text, headers
    assert _count(session) == 3


def test_staff_pages_are_never_stored(client, login):
    login("officer")
    for path in ("/staff", "/staff/complaints"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store", path
    assert client.get("/staff/login").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/disclosures").headers.get("cache-control", "")
    assert "strict-transport-security" not in client.get("/").headers  # plain HTTP: no HSTS


def test_api_answers_for_a_token_are_not_stored(client, session):
    r = client.get("/api/v1/reception-sessions", headers=factories.bearer(session, "reception:read"))
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store" and r.headers["etag"]


def test_over_https_hsts_and_a_host_only_csrf_cookie(database_url, tmp_path):
    settings = Settings(database_url=database_url, data_dir=tmp_path / "data", secret_key="k",
                        public_base_url="https://phula.example.vn", cookie_secure=True)
    app = create_app(settings)
    with TestClient(app, base_url="https://phula.example.vn") as c:
        r = c.get("/complaints/new")
        assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        cookie = [v for v in r.headers.get_list("set-cookie") if v.startswith(CSRF_COOKIE_SECURE + "=")][0]
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
        # The plain-named cookie is not read over HTTPS (a subdomain could have set it).
        c.cookies.set(CSRF_COOKIE, c.cookies.get(CSRF_COOKIE_SECURE))
        r = c.post("/complaints/new", data={**CASE, "csrf_token": token}, headers={"Origin": "https://phula.example.vn"})
        assert r.status_code == 200 and "tracking-code" in r.text
    app.state.engine.dispose()


def _chunks(first: bytes, total: int):
    yield first
    for _ in range(total // 65536):
        yield b"x" * 65536


def test_a_chunked_body_over_the_limit_is_413(client, session, settings):
    too_much = settings.max_upload_bytes + 2 * 1024 * 1024
    r = client.post("/api/v1/complaints", content=_chunks(b'{"kind": "', too_much),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["status"] == 413 and "Tệp quá lớn" in r.json()["detail"]
    token = factories.csrf(client, "/complaints/new")
    head = (b'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode()
            + b'\r\n--B\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n')
    r = client.post("/complaints/new", content=_chunks(head, too_much),
                    headers={"content-type": "multipart/form-data; boundary=B"})
    assert r.status_code == 413 and "Tệp quá lớn" in r.text
    assert _count(session) == 0


def test_more_files_than_allowed_is_a_message_not_a_silent_drop(client, session):
    pdf = factories.pdf_bytes("Ảnh")
    token = factories.csrf(client, "/complaints/new")
    files = [("files", (f"anh-{i}.pdf", pdf, "application/pdf")) for i in range(11)]
    r = client.post("/complaints/new", data={**CASE, "csrf_token": token}, files=files)
    assert r.status_code == 422 and "tối đa 10 tệp" in r.text and 'value="Đèn chiếu sáng ngõ 12 bị hỏng"' in r.text
    assert _count(session) == 0


def test_the_data_folder_and_the_sqlite_file_are_private(tmp_path, sqlite_only):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/data/new.sqlite3", data_dir=tmp_path / "data",
                        secret_key="k")
    settings.ensure_dirs()
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(settings.data_dir) == 0o700 and mode(settings.files_dir) == 0o700
    assert mode(settings.sqlite_path) == 0o600
    app = create_app(settings)  # SQLite opens the file made for it and keeps its mode
    with TestClient(app):
        pass
    app.state.engine.dispose()
    assert mode(settings.sqlite_path) == 0o600
    # An install from before the rule is tightened.
    settings.sqlite_path.chmod(0o644)
    settings.data_dir.chmod(0o755)
    settings.ensure_dirs()
    assert mode(settings.sqlite_path) == 0o600 and mode(settings.data_dir) == 0o700
