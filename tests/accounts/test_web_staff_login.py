"""Staff pages: login, CSRF, forms with errors kept, uploads, permissions, HTMX partials."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from app.accounts import auth
from app.core.timeutil import local_today
from app.models.disclosure import Attachment, Disclosure
from app.models.user import LoginAttempt
from tests import factories

FORM = {
    "title": "Kế hoạch đối thoại với Nhân dân năm 2027",
    "category": "public_consultation",
    "document_number": "61/KH-UBND",
    "issuing_body": "UBND phường",
    "issued_on": "2026-11-20",
    "summary": "Tóm tắt",
    "body": "Nội dung **chính**",
    "tags": "đối thoại, 2027",
}


def _csrf(client, path="/staff/disclosures/new"):
    return factories.csrf(client, path)


def _create(client, data=None, files=None):
    token = _csrf(client)
    return client.post("/staff/disclosures/new", data={**FORM, **(data or {}), "csrf_token": token},
                       files=files, follow_redirects=False)


def test_staff_pages_need_login(client):
    r = client.get("/staff/disclosures", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/login?next=")
    hx = client.get("/staff", headers={"HX-Request": "true"}, follow_redirects=False)
    assert hx.headers.get("HX-Redirect", "").startswith("/staff/login")


def test_login_logout_and_session_cookie(client, session):
    user = factories.user(session, role="leader")
    r = factories.login(client, user.username)
    cookie = [c for c in r.headers.get_list("set-cookie") if c.startswith("mb_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert client.get("/staff").status_code == 200
    token = _csrf(client, "/staff")
    client.post("/staff/logout", data={"csrf_token": token}, follow_redirects=False)
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_wrong_password_then_throttled(client, session, settings):
    user = factories.user(session, role="officer")
    for _ in range(settings.login_max_failures):
        token = _csrf(client, "/staff/login")
        r = client.post("/staff/login", data={"username": user.username, "password": "sai", "csrf_token": token})
        assert r.status_code == 401 and "không đúng" in r.text
        assert f'value="{user.username}"' in r.text  # input kept
    token = _csrf(client, "/staff/login")
    r = client.post("/staff/login", data={"username": user.username, "password": factories.PASSWORD,
                                          "csrf_token": token})
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert len(session.exec(select(LoginAttempt)).all()) == settings.login_max_failures


def test_post_without_csrf_is_refused(client, session, login):
    login("publisher")
    r = client.post("/staff/disclosures/new", data=FORM)
    assert r.status_code == 403
    assert client.post("/staff/login", data={"username": "x", "password": "y"}).status_code == 403
    assert session.exec(select(Disclosure)).all() == []


def test_create_draft_with_pdf_then_publish(client, session, login):
    login("publisher")
    pdf = factories.pdf_bytes()
    r = _create(client, files={"files": ("Kế hoạch.pdf", pdf, "application/pdf")})
    assert r.status_code == 303
    detail = client.get(r.headers["location"])
    assert "Kế hoạch.pdf" in detail.text and "Bản nháp" in detail.text
    d = session.exec(select(Disclosure)).one()
    token = _csrf(client, f"/staff/disclosures/{d.id}")
    r = client.post(f"/staff/disclosures/{d.id}/publish", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert FORM["title"] in client.get("/disclosures").text


def test_invalid_form_comes_back_with_input_and_messages(client, session, login):
    login("publisher")
    r = _create(client, {"title": "", "category": "khong-ton-tai", "issued_on": "31/02/2026",
                         "fiscal_year": "năm ngoái", "document_number": "Số 12/QĐ"})
    assert r.status_code == 422
    assert "Trường này là bắt buộc" in r.text or "Quá ngắn" in r.text
    assert "Giá trị không hợp lệ, hãy chọn trong danh sách" in r.text
    assert "Ngày không hợp lệ" in r.text and "Phải là một số nguyên" in r.text
    assert 'value="Số 12/QĐ"' in r.text and "Nội dung **chính**" in r.text
    assert session.exec(select(Disclosure)).all() == []


def test_effective_before_issue_is_a_field_error(client, login):
    login("publisher")
    r = _create(client, {"effective_on": "2026-11-01"})
    assert r.status_code == 422 and "Ngày hiệu lực không được trước ngày ban hành" in r.text


def test_wrong_file_type_is_refused_and_nothing_is_saved(client, session, login, files_dir):
    login("publisher")
    r = _create(client, files={"files": ("bao-cao.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert r.status_code == 415 and "PDF, DOCX, XLSX, JPEG, PNG" in r.text
    assert FORM["title"] in r.text  # the form is shown again, filled in
    assert session.exec(select(Disclosure)).all() == [] and session.exec(select(Attachment)).all() == []
    assert not any(p.is_file() for p in files_dir.rglob("*"))


def test_too_large_file_is_refused(client, session, login, files_dir):
    login("publisher")
    big = factories.pdf_bytes() + b"\x00" * (1024 * 1024)  # the test settings allow 1 MB
    r = _create(client, files={"files": ("lon.pdf", big, "application/pdf")})
    assert r.status_code == 413 and "quá lớn" in r.text
    assert not any(p.is_file() for p in files_dir.rglob("*"))


def test_huge_body_is_cut_off_before_parsing(client, login):
    login("publisher")
    token = _csrf(client)
    r = client.post("/staff/disclosures/new", data={"csrf_token": token},
                    files={"files": ("x.pdf", b"%PDF" + b"0" * (3 * 1024 * 1024), "application/pdf")})
    assert r.status_code == 413


def test_amend_published_creates_version(client, session, login):
    user = login("publisher")
    d = factories.published(session, auth.principal_for_user(user))
    edit = client.get(f"/staff/disclosures/{d.id}/edit")
    assert "Lý do sửa đổi" in edit.text
    token = _csrf(client, f"/staff/disclosures/{d.id}/edit")
    r = client.post(f"/staff/disclosures/{d.id}/edit",
                    data={**FORM, "title": "Tiêu đề đã sửa", "change_note": "Sửa tiêu đề", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/disclosures/{d.id}")
    assert "Tiêu đề đã sửa" in page.text and "Sửa tiêu đề" in page.text and "Phiên bản 2" in page.text


def test_withdraw_requires_reason(client, session, login):
    user = login("leader")
    d = factories.published(session, auth.principal_for_user(user))
    token = _csrf(client, f"/staff/disclosures/{d.id}")
    r = client.post(f"/staff/disclosures/{d.id}/withdraw", data={"reason": "", "csrf_token": token})
    assert r.status_code == 422 and "lý do thu hồi" in r.text.lower()
    r = client.post(f"/staff/disclosures/{d.id}/withdraw", data={"reason": "Ban hành nhầm", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/staff/disclosures/{d.id}/withdraw", data={"reason": "Lần hai", "csrf_token": token})
    assert r.status_code == 409


@pytest.mark.parametrize("role", ["officer", "reception", "supervisor"])
def test_only_publishers_may_publish(client, session, login, role):
    owner = factories.principal(session, "publisher")
    d = factories.draft(session, owner)
    login(role)
    token = _csrf(client, f"/staff/disclosures/{d.id}")
    r = client.post(f"/staff/disclosures/{d.id}/publish", data={"csrf_token": token})
    assert r.status_code == 403
    session.refresh(d)
    assert d.status == "draft"


@pytest.mark.parametrize("role", ["reception", "supervisor"])
def test_read_only_roles_see_but_cannot_create(client, session, login, role):
    login(role)
    assert client.get("/staff/disclosures").status_code == 200
    assert client.get("/staff/disclosures/new").status_code == 403
    assert "Tạo văn bản mới" not in client.get("/staff").text


def test_record_method_htmx_and_plain(client, session, login):
    user = login("publisher")
    d = factories.published(session, auth.principal_for_user(user))
    token = _csrf(client, f"/staff/disclosures/{d.id}")
    hx = client.post(f"/staff/disclosures/{d.id}/methods", headers={"HX-Request": "true"},
                     data={"method": "loudspeaker", "used_on": "", "csrf_token": token})
    assert hx.status_code == 422 and "<html" not in hx.text and "Ngày không hợp lệ" in hx.text
    hx = client.post(f"/staff/disclosures/{d.id}/methods", headers={"HX-Request": "true"},
                     data={"method": "loudspeaker", "used_on": local_today().strftime("%d/%m/%Y"),
                           "csrf_token": token})
    assert hx.status_code == 200 and "<html" not in hx.text and "Hệ thống truyền thanh cơ sở" in hx.text
    plain = client.post(f"/staff/disclosures/{d.id}/methods", follow_redirects=False,
                        data={"method": "posting", "used_on": local_today().isoformat(), "csrf_token": token})
    assert plain.status_code == 303


def test_staff_list_htmx_partial_shows_drafts(client, session, login):
    login("officer")
    factories.draft(session, factories.principal(session, "officer"), title="Nháp nội bộ")
    r = client.get("/staff/disclosures", params={"status": "draft"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text and "Nháp nội bộ" in r.text


def test_dashboard_shows_postings_ending_soon(client, session, login):
    user = login("publisher")
    d = factories.published(session, auth.principal_for_user(user), title="Niêm yết sắp hết")
    d.posting_ends_on = local_today() + timedelta(days=2)
    session.commit()
    page = client.get("/staff")
    assert "Niêm yết sắp hết" in page.text and re.search(r"2 ngày", page.text)


def test_unknown_ids_are_404(client, login):
    login("admin")
    assert client.get("/staff/disclosures/424242").status_code == 404
    token = _csrf(client, "/staff")
    assert client.post("/staff/disclosures/424242/publish", data={"csrf_token": token}).status_code == 404


def test_control_characters_in_forms_are_removed(client, session, login):
    login("publisher")
    r = _create(client, {"title": "Kế hoạch\x00 năm 2027", "body": "Nội\x07 dung"})
    assert r.status_code == 303
    d = session.exec(select(Disclosure)).one()
    assert d.title == "Kế hoạch năm 2027" and d.body == "Nội dung"


def test_a_good_and_a_bad_file_leave_nothing_behind(client, session, login, files_dir):
    login("publisher")
    r = _create(client, files=[("files", ("tot.pdf", factories.pdf_bytes(), "application/pdf")),
                               ("files", ("xau.pdf", b"MZ not a pdf", "application/pdf"))])
    assert r.status_code == 415 and "xau.pdf" in r.text
    assert not any(p.is_file() for p in files_dir.rglob("*"))
    assert session.exec(select(Disclosure)).all() == []
