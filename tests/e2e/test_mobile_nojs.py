"""Small screens (360 px, the narrowest common phone) and browsers without JavaScript."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.helpers import CASE_HANDLER, case_pages, login, public_pages, staff_pages

pytestmark = pytest.mark.e2e

WIDTH = 360

# The elements sticking out past the right edge, to say what to fix when the check fails.
OVERFLOWING = """(width) => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > width + 0.5 && getComputedStyle(e).position !== 'absolute')
  .filter(e => !e.closest('.table-wrap'))
  .slice(0, 8)
  .map(e => `${e.tagName.toLowerCase()}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`)"""


def _horizontal_overflow(page, paths: dict[str, str]) -> dict[str, str]:
    problems = {}
    for name, path in paths.items():
        page.goto(path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > WIDTH:
            problems[name] = f"{path}: scrollWidth {scroll_width} > {WIDTH}; {page.evaluate(OVERFLOWING, WIDTH)}"
    return problems


def test_public_pages_fit_360px(new_context, live_server):
    page = new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True).new_page()
    problems = _horizontal_overflow(page, public_pages(live_server.ids))
    assert not problems, "pages scroll horizontally at 360 px:\n" + "\n".join(problems.values())


def test_staff_pages_fit_360px(new_context, live_server):
    page = new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True).new_page()
    login(page, "admin")
    problems = _horizontal_overflow(page, staff_pages(live_server.ids))
    assert not problems, "staff pages scroll horizontally at 360 px:\n" + "\n".join(problems.values())


def test_case_pages_fit_360px(new_context, live_server):
    page = new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True).new_page()
    login(page, CASE_HANDLER)
    problems = _horizontal_overflow(page, case_pages(live_server.ids))
    assert not problems, "case pages scroll horizontally at 360 px:\n" + "\n".join(problems.values())


def _titles(page) -> list[str]:
    return page.locator("#results .card-title").all_inner_texts()


def test_search_and_filters_work_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/disclosures")
    before = _titles(page)
    assert before, "the list shows published disclosures"

    page.fill("#q", "ho ngheo")
    with page.expect_navigation():
        page.get_by_role("button", name="Lọc").click()
    assert parse_qs(urlparse(page.url).query).get("q") == ["ho ngheo"]
    after = _titles(page)
    assert after and after != before
    assert "Danh sách hộ nghèo, hộ cận nghèo năm 2026" in after
    assert page.input_value("#q") == "ho ngheo", "the query stays in the box"

    page.fill("#q", "")
    page.select_option("#category", "budget")
    with page.expect_navigation():
        page.get_by_role("button", name="Lọc").click()
    budget = _titles(page)
    assert budget and budget != before
    assert all(t == "Ngân sách, tài chính" for t in page.locator("#results .badge-cat").all_inner_texts())

    # The search box of the home page leads to the same results.
    page.goto("/")
    page.fill("#home-q", "ho ngheo")
    with page.expect_navigation():
        page.get_by_role("button", name="Tìm kiếm").click()
    assert urlparse(page.url).path == "/disclosures"
    assert _titles(page) == after


def test_language_switch_works_without_javascript(new_context, live_server):
    page = new_context(java_script_enabled=False).new_page()
    path = f"/disclosures/{live_server.ids['published']}"
    page.goto(path)
    assert page.get_attribute("html", "lang") == "vi"
    with page.expect_navigation():
        page.locator("footer").get_by_role("button", name="English").click()
    assert urlparse(page.url).path == path, "the switch returns to the same page"
    assert page.get_attribute("html", "lang") == "en"
    page.goto("/disclosures")
    assert page.get_attribute("html", "lang") == "en"
    with page.expect_navigation():
        page.locator("footer").get_by_role("button", name="Tiếng Việt").click()
    assert page.get_attribute("html", "lang") == "vi"
