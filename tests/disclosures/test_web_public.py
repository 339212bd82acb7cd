"""Public pages: HTML with and without HX-Request, feed, notice, downloads, errors."""

import hashlib
import re

import pytest

from app.core.files import FileStore
from app.disclosures import service as disclosure_service
from tests import factories


@pytest.fixture
def publisher(session):
    return factories.principal(session, "publisher")


def test_home_lists_latest_and_has_search(client, session, publisher):
    factories.published(session, publisher, title="Lịch tiếp công dân quý IV")
    r = client.get("/")
    assert r.status_code == 200 and '<html lang="vi">' in r.text
    assert "Lịch tiếp công dân quý IV" in r.text and 'action="/disclosures"' in r.text
    assert "Phường Phú La" in r.text and "/staff/login" in r.text


def test_drafts_never_appear_publicly(client, session, publisher):
    d = factories.draft(session, publisher, title="Bản nháp bí mật")
    assert "Bản nháp bí mật" not in client.get("/").text
    assert "Bản nháp bí mật" not in client.get("/disclosures").text
    assert client.get(f"/disclosures/{d.id}").status_code == 404
    assert "Bản nháp bí mật" not in client.get("/disclosures/feed.atom").text
    assert client.get(f"/api/v1/disclosures/{d.id}").status_code == 404


def test_list_full_page_and_htmx_partial(client, session, publisher):
    factories.published(session, publisher, title="Danh sách hộ nghèo năm 2026", category="social_support")
    factories.published(session, publisher, title="Mức thu phí vệ sinh", category="fees_charges")
    full = client.get("/disclosures", params={"q": "ho ngheo"})
    assert (full.status_code == 200 and "<html" in full.text
            and "Danh sách <mark>hộ</mark> <mark>nghèo</mark>" in full.text)
    assert "Mức thu phí" not in full.text
    assert "HX-Request" in full.headers["vary"]
    partial = client.get("/disclosures", params={"category": "fees_charges"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text
    assert "Mức thu phí vệ sinh" in partial.text and "hộ nghèo" not in partial.text


def test_the_kept_list_follows_every_change_and_language(client, session, publisher):
    """The results are kept rendered between requests (app/core/fragments.py): a publication, an
    amendment or a withdrawal shows on the next request, and each language has its own."""
    first = factories.published(session, publisher, title="Kế hoạch thu gom rác")
    assert "Kế hoạch thu gom rác" in client.get("/disclosures").text
    assert "Kế hoạch thu gom rác" in client.get("/disclosures").text  # the kept copy

    factories.published(session, publisher, title="Lịch cắt điện tháng 12")
    assert "Lịch cắt điện tháng 12" in client.get("/disclosures").text

    data = factories.disclosure_input(title="Kế hoạch thu gom rác (sửa đổi)")
    disclosure_service.update(session, principal=publisher, disclosure_id=first.id, data=data)
    session.commit()
    assert "Kế hoạch thu gom rác (sửa đổi)" in client.get("/disclosures").text

    disclosure_service.withdraw(session, principal=publisher, disclosure_id=first.id, reason="Thay thế")
    session.commit()
    assert "Đã thu hồi" in client.get("/disclosures").text

    token = factories.csrf(client, "/")
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": token})
    english = client.get("/disclosures").text
    assert "Withdrawn" in english and "Đã thu hồi" not in english
    assert "Đã thu hồi" not in client.get("/disclosures", headers={"HX-Request": "true"}).text


def test_list_pagination_links(client, session, publisher):
    for i in range(22):
        factories.published(session, publisher, title=f"Thông báo số {i}")
    first = client.get("/disclosures")
    next_link = re.search(r'rel="next" href="([^"]+)"', first.text).group(1).replace("&amp;", "&")
    second = client.get(next_link)
    assert "Thông báo số 1<" in second.text and "Thông báo số 21<" not in second.text


@pytest.mark.parametrize("params", [
    {"cursor": "%%%"}, {"year": "abc"}, {"category": "nope"}, {"q": "x" * 500}, {"year": "99999999999999999999"},
])
def test_bad_query_parameters_never_500(client, params):
    assert client.get("/disclosures", params=params).status_code in (200, 422)


def test_detail_shows_versions_files_hashes_and_methods(client, session, publisher, files_dir):
    d = factories.draft(session, publisher, title="Quyết toán ngân sách 2025")
    data = factories.pdf_bytes("Quyết toán")
    [att] = disclosure_service.add_attachments(session, principal=publisher, disclosure_id=d.id,
                                               uploads=[disclosure_service.Upload(data, "quyet-toan.pdf")],
                                               store=FileStore(files_dir, 10**6))
    disclosure_service.publish(session, principal=publisher, disclosure_id=d.id)
    disclosure_service.update(session, principal=publisher, disclosure_id=d.id,
                              data=factories.disclosure_input(title="Quyết toán ngân sách 2025 (đính chính)"),
                              change_note="Đính chính")
    session.commit()
    page = client.get(f"/disclosures/{d.id}")
    assert "(đính chính)" in page.text and hashlib.sha256(data).hexdigest() in page.text
    assert "Phiên bản 2" in page.text and "Đính chính" in page.text
    assert "Cổng thông tin điện tử của phường" in page.text  # the website method, recorded on publish
    old = client.get(f"/disclosures/{d.id}", params={"version": 1})
    assert "Quyết toán ngân sách 2025</h1>" in old.text and "phiên bản 1" in old.text
    assert client.get(f"/disclosures/{d.id}", params={"version": 9}).status_code == 404
    download = client.get(f"/disclosures/{d.id}/files/{att.id}/{att.filename}")
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-type"] == "application/pdf"
    assert "attachment" in download.headers["content-disposition"]


def test_draft_files_are_not_public(client, session, publisher, files_dir):
    d = factories.draft(session, publisher)
    [att] = disclosure_service.add_attachments(session, principal=publisher, disclosure_id=d.id,
                                               uploads=[disclosure_service.Upload(factories.pdf_bytes(), "a.pdf")],
                                               store=FileStore(files_dir, 10**6))
    session.commit()
    assert client.get(f"/disclosures/{d.id}/files/{att.id}/a.pdf").status_code == 404


def test_withdrawn_stays_visible_with_reason(client, session, publisher):
    d = factories.published(session, publisher, body="Nội dung gốc được giữ lại")
    disclosure_service.withdraw(session, principal=publisher, disclosure_id=d.id,
                                reason="Bị thay thế bởi quyết định mới")
    session.commit()
    page = client.get(f"/disclosures/{d.id}")
    assert "Đã thu hồi" in page.text and "Bị thay thế bởi quyết định mới" in page.text
    assert "Nội dung gốc được giữ lại" in page.text


def test_notice_has_qr_code_and_link(client, session, publisher):
    d = factories.published(session, publisher)
    page = client.get(f"/disclosures/{d.id}/notice")
    assert page.status_code == 200 and "<svg" in page.text
    assert f"http://testserver/disclosures/{d.id}" in page.text


def test_atom_feed(client, session, publisher):
    factories.published(session, publisher, title="Kế hoạch lấy ý kiến Nhân dân")
    feed = client.get("/disclosures/feed.atom")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert "<feed" in feed.text and "Kế hoạch lấy ý kiến Nhân dân" in feed.text


def test_empty_feed_is_valid(client):
    assert "<feed" in client.get("/disclosures/feed.atom").text


def test_unknown_pages_are_404_pages(client):
    r = client.get("/khong-co")
    assert r.status_code == 404 and "Không tìm thấy trang" in r.text
    assert client.get("/disclosures/abc").status_code == 422
    assert client.get("/disclosures/99999").status_code == 404


def test_security_headers(client):
    r = client.get("/")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    csrf_cookie = [c for c in r.headers.get_list("set-cookie") if c.startswith("mb_csrf=")][0]
    assert "HttpOnly" in csrf_cookie and "SameSite=Lax" in csrf_cookie


def test_healthz_reports_database_down(client, app):
    app.state.engine.dispose()
    from sqlalchemy import create_engine

    app.state.engine = create_engine("sqlite:////nonexistent-dir/x.sqlite3")
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["database"] == "unavailable"


@pytest.mark.parametrize("cursor", [
    "WyI5OTk5LTEyLTMxVDIzOjU5OjU5LTA1OjAwIiwgMV0",  # ["9999-12-31T23:59:59-05:00", 1]
    "WyIyMDI0LTAxLTAxVDAwOjAwOjAwIiwgMTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwXQ",  # a 10**30 id
])
def test_out_of_range_cursors_are_422(client, cursor):
    assert client.get("/disclosures", params={"cursor": cursor}).status_code == 422
    assert client.get("/api/v1/disclosures", params={"cursor": cursor}).status_code == 422


def test_non_ascii_csrf_token_is_403_not_500(client):
    client.get("/staff/login")
    r = client.post("/staff/login", data={"username": "a", "password": "b", "csrf_token": "é"})
    assert r.status_code == 403


def test_odd_digit_year_is_ignored(client):
    assert client.get("/disclosures", params={"year": "²"}).status_code == 200


def test_shared_links_show_a_title_and_summary(client, session):
    """Open Graph tags, so a link on Zalo or Facebook shows the document, not the portal's name."""
    import html
    import re

    d = factories.published(session, factories.principal(session, "publisher"), title="Kế hoạch sử dụng đất 2027",
                            summary="Diện tích đất ở tăng 2,5 ha; chi tiết theo tổ dân phố.")
    page = client.get(f"/disclosures/{d.id}").text
    og = {m[0]: html.unescape(m[1]) for m in re.findall(r'<meta property="og:(\w+)" content="([^"]*)">', page)}
    assert og["title"] == "Kế hoạch sử dụng đất 2027" and og["type"] == "article"
    assert og["description"].startswith("Diện tích đất ở tăng 2,5 ha")
    assert og["url"] == f"http://testserver/disclosures/{d.id}"
    home = client.get("/").text
    assert '<meta property="og:type" content="website">' in home
