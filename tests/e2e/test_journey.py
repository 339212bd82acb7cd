"""The main journey: a publisher publishes a document with a PDF; a visitor finds it by typing the
title without diacritics, downloads the file and can check it against the SHA-256 on the page."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest

from app.core.pdf import simple_pdf
from tests.e2e.helpers import login

pytestmark = pytest.mark.e2e


def test_publish_then_find_and_verify_download(new_context, tmp_path):
    run = uuid.uuid4().hex[:6]
    title = f"Thông báo tiếp công dân định kỳ tháng 12 năm 2026 của Chủ tịch UBND phường (đợt {run})"
    number = f"{run}/TB-UBND"
    pdf = simple_pdf(title, ["Lịch tiếp công dân định kỳ", "Sáng thứ Năm, 7 giờ 30"])
    pdf_path = tmp_path / f"thong-bao-tiep-cong-dan-{run}.pdf"
    pdf_path.write_bytes(pdf)

    # --- the publisher -------------------------------------------------------------------
    staff = new_context().new_page()
    login(staff, "congkhai")
    staff.goto("/staff/disclosures/new")
    staff.fill("#f-title", title)
    staff.select_option("#f-category", "other")
    staff.fill("#f-document_number", number)
    staff.fill("#f-issuing_body", "UBND phường Phú La")
    assert staff.input_value("#f-issued_on"), "the issue date should default to today"
    staff.fill("#f-summary", "Chủ tịch UBND phường tiếp công dân định kỳ vào sáng thứ Năm.")
    staff.set_input_files("#f-files", str(pdf_path))
    with staff.expect_navigation():
        staff.get_by_role("button", name="Lưu bản nháp").click()
    match = re.search(r"/staff/disclosures/(\d+)$", staff.url)
    assert match, f"after saving, expected the staff detail page, got {staff.url}"
    disclosure_id = int(match.group(1))
    assert staff.locator("h1").inner_text() == title
    assert staff.locator(".badge-draft").count() == 1
    assert staff.locator("#files code.sha256").inner_text() == hashlib.sha256(pdf).hexdigest()

    with staff.expect_navigation():
        staff.get_by_role("button", name="Công khai", exact=True).click()
    assert staff.url.endswith(f"/staff/disclosures/{disclosure_id}")
    assert staff.locator(".badge-draft").count() == 0
    assert staff.get_by_role("link", name="Xem trang công khai").count() == 1

    # --- a visitor (a fresh context: no session, no cookies) -----------------------------
    visitor = new_context().new_page()
    visitor.goto("/disclosures")
    query = f"thong bao tiep cong dan dinh ky thang 12 dot {run}"
    visitor.fill("#q", query)
    visitor.press("#q", "Enter")
    result = visitor.locator("#results .card-title a")
    result.first.wait_for()
    visitor.wait_for_function("n => document.querySelectorAll('#results .card').length === n", arg=1)
    assert result.inner_text() == title

    with visitor.expect_navigation():
        result.click()
    assert visitor.url.endswith(f"/disclosures/{disclosure_id}")
    assert visitor.locator("h1").inner_text() == title
    assert number in visitor.locator("dl.facts").inner_text()

    shown_hash = visitor.locator("code.sha256").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", shown_hash), shown_hash
    with visitor.expect_download() as download_info:
        visitor.locator(".files a[download]").click()
    download = download_info.value
    assert download.suggested_filename == pdf_path.name
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    data = saved.read_bytes()
    assert hashlib.sha256(data).hexdigest() == shown_hash
    assert data == pdf  # the very bytes the publisher uploaded
