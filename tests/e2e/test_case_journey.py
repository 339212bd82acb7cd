"""The case journey (issue 3, part 11), all through the real browser: a citizen files feedback with
a photo and gets a code; an officer classifies and accepts it (and starts handling it); a leader
resolves it; the citizen sees the outcome with the code and rates it; an e-mail about the case
reached the local SMTP server the live server sends its outbox to (see conftest.py)."""

from __future__ import annotations

import re
import struct
import uuid
import zlib

import pytest

from app.demo import DEMO_PASSWORD
from tests.e2e.helpers import login

pytestmark = pytest.mark.e2e

OFFICER = ("congchuc", "Lê Minh Tuấn")
LEADER = ("lanhdao", "Trần Thị Thu Hà")


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid PNG (8-bit RGB, a red-green gradient), built with zlib and struct."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"".join(bytes((x * 60, y * 80, 128)) for x in range(width)) for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _submit(page, button):
    """Click a submit button and wait for the page the form's answer loads."""
    with page.expect_navigation() as nav:
        button.click()
    return nav.value


def _act(page, action: str, fields: dict[str, str] | None = None, *, label: str):
    """Open the action's <details> on the staff case page, fill its fields, press its button."""
    details = page.locator(f"#action-{action}")
    assert details.count() == 1, f"no '{action}' action for this user on {page.url}"
    if details.get_attribute("open") is None:  # a proposed decision is already open for its leader
        details.locator("summary").click()
    for name, value in (fields or {}).items():
        field = page.locator(f"#f-{action}-{name}")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    response = _submit(page, details.get_by_role("button", name=label, exact=True))
    assert response.status == 200 and page.url.endswith("#timeline"), \
        f"'{action}' failed (HTTP {response.status}) at {page.url}:\n{page.locator('main').inner_text()[:2000]}"


def _status_line(page) -> str:
    return page.locator("p.meta").inner_text()


def test_feedback_with_photo_from_filing_to_rating_and_mail(new_context, live_server, tmp_path):
    run = uuid.uuid4().hex[:8]
    subject = f"Cống thoát nước ngõ 12 bị tắc, nước tràn ra đường (lần {run})"
    email = f"nguoidan.{run}@example.org"
    summary = f"Đã nạo vét cống ngõ 12 và thay nắp cống mới (hồ sơ {run})."
    decision = f"{run[:4]}/QĐ-UBND"
    photo = tmp_path / "anh-hien-truong.png"
    photo.write_bytes(tiny_png())

    # --- (1) the citizen files feedback with a photo ---------------------------------------
    citizen = new_context().new_page()
    citizen.goto("/complaints/new")
    citizen.select_option("#f-kind", "feedback")
    assert "phản ánh" in citizen.locator("#f-kind option:checked").inner_text().lower()
    citizen.select_option("#f-field", "urban_order")
    citizen.fill("#f-subject", subject)
    citizen.fill("#f-content", "Cống thoát nước đầu ngõ 12 bị tắc nhiều ngày, mỗi khi mưa nước tràn ra đường.")
    citizen.fill("#f-address", "Đầu ngõ 12 phố Văn La")
    citizen.fill("#f-sender_name", "Nguyễn Văn Thử")
    citizen.fill("#f-sender_email", email)
    citizen.set_input_files("#f-files", str(photo))
    response = _submit(citizen, citizen.locator("form.stack .actions button[type=submit]"))
    assert response.status == 200 and citizen.url.endswith("/complaints/filed"), \
        citizen.locator("main").inner_text()[:2000]
    code = citizen.inner_text(".tracking-code").strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5}", code), code
    rating_key = citizen.inner_text(".rating-key").strip()  # noted by the sender with the code

    # --- (2) the officer finds the case, classifies it, accepts it and starts on it --------
    officer = new_context().new_page()
    login(officer, OFFICER[0], DEMO_PASSWORD)
    officer.goto("/staff/complaints")
    officer.select_option("#fl-kind", "feedback")
    officer.select_option("#fl-status", "received")
    link = officer.get_by_role("link", name=subject, exact=True)
    link.wait_for()  # the filters reload the rows (htmx)
    with officer.expect_navigation():
        link.click()
    match = re.search(r"/staff/complaints/(\d+)$", officer.url)
    assert match, officer.url
    case_url = f"/staff/complaints/{match.group(1)}"
    assert officer.locator("h1").inner_text() == subject
    assert code in _status_line(officer)
    assert "Đã tiếp nhận" in _status_line(officer)
    # The photo is on the case page.
    assert officer.locator("#files .files a").inner_text() == photo.name

    _act(officer, "classify", {"kind": "feedback", "field": "urban_order", "note": "Chuyển tổ quản lý đô thị xem xét."},
         label="Phân loại đơn")
    assert "Đã phân loại" in _status_line(officer)
    # Accepting is the leader's decision (with its number and date): the officer proposes it.
    assert officer.locator("#action-accept").count() == 0, "an officer must not be offered 'accept'"
    _act(officer, "propose", {"proposal": "accept", "note": "Đủ điều kiện thụ lý."},
         label="Đề xuất lãnh đạo quyết định")
    assert "Chờ lãnh đạo quyết định" in officer.locator("#proposal").inner_text()

    # --- (3) the leader finds the proposal, decides, and later resolves the case ------------
    leader = new_context().new_page()
    login(leader, LEADER[0], DEMO_PASSWORD)
    leader.goto("/staff/complaints?proposed=1")
    with leader.expect_navigation():
        leader.get_by_role("link", name=subject, exact=True).click()
    assert leader.locator("#action-accept").get_attribute("open") is not None, "the proposed decision is ready"
    assert leader.input_value("#f-accept-decided_on"), "the decision date should default to today"
    _act(leader, "accept", {"decision_number": f"{run[:4]}/QĐ-TL"}, label="Quyết định thụ lý")
    assert "Đã thụ lý" in _status_line(leader) and leader.locator("#proposal").count() == 0
    assert f"{run[:4]}/QĐ-TL" in leader.locator("dl.facts").first.inner_text()

    officer.goto(case_url)
    # A leader resolves only a case in progress (app/cases/workflow.py TRANSITIONS).
    _act(officer, "start", label="Bắt đầu giải quyết")
    assert officer.locator("#action-resolve").count() == 0, "an officer must not be offered 'resolve'"
    leader.goto(case_url)
    assert "Đang giải quyết" in _status_line(leader)
    assert leader.input_value("#f-resolve-decided_on"), "the decision date should default to today"
    _act(leader, "resolve", {
        "decision_number": decision,
        "result": "Tổ quản lý đô thị đã kiểm tra, nạo vét toàn bộ tuyến cống và thay nắp cống bị vỡ.",
        "public_summary": summary,
        "note": "Ủy ban nhân dân phường đã giải quyết phản ánh; cống ngõ 12 đã được khơi thông.",
    }, label="Ban hành kết quả giải quyết")
    assert "Đã giải quyết" in _status_line(leader)
    assert decision in leader.locator("dl.facts").first.inner_text()

    # --- (4) the citizen tracks the case and rates the answer --------------------------------
    citizen.goto("/track")
    citizen.fill("#f-code", code.lower())  # case and dashes do not matter
    response = _submit(citizen, citizen.locator("form.stack button[type=submit]"))
    assert response.status == 200 and citizen.url.endswith("/track")
    view = citizen.locator("main").inner_text()
    assert code in view
    assert "Đã giải quyết" in citizen.locator("dl.facts").first.inner_text()
    outcome = citizen.locator("section[aria-labelledby=outcome-h]").inner_text()
    assert summary in outcome and decision in outcome
    pages = [citizen.content()]

    rating = citizen.locator("form[action='/track/rate']")
    rating.locator("input[name=rating][value='5']").check()
    rating.locator("#f-comment").fill("Cống đã thông, cảm ơn phường xử lý nhanh.")
    rating.get_by_label("Mã đánh giá").fill(rating_key)
    response = _submit(citizen, rating.get_by_role("button", name="Gửi đánh giá"))
    assert response.status == 200
    assert citizen.get_by_role("status").filter(has_text="Cảm ơn ông/bà đã đánh giá").count() == 1
    assert "5/5" in citizen.locator("main").inner_text()
    assert citizen.locator("form[action='/track/rate']").count() == 0, "a case is rated once"
    pages.append(citizen.content())

    # The same code without dashes: the form is not offered again.
    citizen.goto("/track")
    citizen.fill("#f-code", code.replace("-", ""))
    assert _submit(citizen, citizen.locator("form.stack button[type=submit]")).status == 200
    assert "Đã giải quyết" in citizen.locator("dl.facts").first.inner_text()
    assert citizen.locator("form[action='/track/rate']").count() == 0
    pages.append(citizen.content())

    # The tracking pages name no member of staff (nor the sender).
    for html in pages:
        for name in (*OFFICER, *LEADER, "Nguyễn Văn Thử", email):
            assert name not in html, f"the tracking page shows {name!r}"

    # --- (5) an e-mail about the case reached the local SMTP server --------------------------
    mails = live_server.mail.wait_for(lambda m: email in str(m["To"]) and code in str(m["Subject"]), timeout=15)
    assert mails, "no e-mail to the sender reached the SMTP server; got:\n" + "\n".join(
        f"{m['To']}: {m['Subject']}" for m in live_server.mail.messages)
    assert all(email in m["X-Envelope-To"] for m in mails)
    # The resolution step is among them, with its public note.
    resolved = live_server.mail.wait_for(
        lambda m: email in str(m["To"]) and code in str(m["Subject"]) and "Đã giải quyết" in str(m["Subject"]),
        timeout=15)
    assert resolved, [str(m["Subject"]) for m in mails]
    body = resolved[0].get_content()
    assert "cống ngõ 12 đã được khơi thông" in body
    assert f"mã đánh giá {rating_key}" in body  # the result mail carries the key, for a sender who lost it
    for name in (*OFFICER, *LEADER):
        assert name not in body
