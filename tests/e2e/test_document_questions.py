"""A resident asks about a disclosed document in a real browser ("Hỏi về văn bản này"), with
and without JavaScript; an officer answers it and publishes the question and answer, which then
appear under the document without the resident's name."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import login

pytestmark = pytest.mark.e2e

OFFICER = "congchuc"
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5}")


def _ask(page, question: str, name: str, marker: str) -> tuple[str, str, str]:
    """Ask from the first document in the list; returns its address, its title and the subject."""
    page.goto("/disclosures")
    with page.expect_navigation():
        page.locator("main a[href^='/disclosures/']").first.click()
    address, title = page.url, page.locator("h1").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Hỏi về văn bản này").click()
    assert page.locator("h1").inner_text() == "Hỏi về văn bản" and title in page.locator("main").inner_text()
    subject = page.input_value("#f-subject")
    assert subject == f"Hỏi về văn bản: {title}"[:300], "the subject is filled in"
    subject = f"{subject[:280]} ({marker})"
    page.fill("#f-subject", subject)
    page.fill("#f-content", question)
    page.fill("#f-sender_name", name)
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi đơn").click()
    assert CODE.search(page.locator("main").inner_text()), "the confirmation shows a tracking code"
    return address, title, subject


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_question_on_a_document_is_answered_under_it(new_context, javascript):
    marker = uuid.uuid4().hex[:8]
    resident = new_context(java_script_enabled=javascript).new_page()
    address, title, subject = _ask(resident, f"Nhà tôi ở ngõ 4 có bị ảnh hưởng không? ({marker})", "Trần Văn Nam",
                                   marker)

    officer = new_context(java_script_enabled=javascript).new_page()
    login(officer, OFFICER)
    officer.goto("/staff/complaints?kind=petition")
    # Wait for the case page to load in full: reading <main> while it is still being parsed
    # returned "" once on CI.
    with officer.expect_navigation():
        officer.get_by_role("link", name=subject).click()
    section = officer.locator("#answer")
    expect(officer.locator("main")).to_contain_text(marker)
    section.locator("summary").click()
    section.locator("#f-answer-public_question").fill(f"Các hộ ở ngõ 4 có bị ảnh hưởng không? ({marker})")
    section.locator("#f-answer-public_answer").fill("Không: văn bản chỉ áp dụng cho khu vực bãi sông.")
    with officer.expect_navigation():
        section.get_by_role("button", name="Đăng dưới văn bản").click()
    assert "đang hiển thị dưới văn bản" in officer.locator("#answer").inner_text()

    resident.goto(address)
    qa = resident.locator("section[aria-labelledby=questions-h]").inner_text()
    assert f"Các hộ ở ngõ 4 có bị ảnh hưởng không? ({marker})" in qa and "bãi sông" in qa
    assert "Trần Văn Nam" not in resident.content()
