"""HTMX on the public list: typing or choosing a filter replaces only #results (no page load)
and keeps the address bar in step (hx-push-url), so the result can be bookmarked and shared."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.e2e

FIRST_TITLE = "() => (document.querySelector('#results .card-title') || {}).textContent || ''"


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_typing_updates_results_in_place(page):
    page.goto("/disclosures")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("window.__e2eMarker = 'same document'")
    first_before = page.evaluate(FIRST_TITLE)
    count_before = page.locator("#results .card").count()

    with page.expect_response(lambda r: parse_qs(urlparse(r.url).query).get("q") == ["ho ngheo"]) as info:
        page.locator("#q").press_sequentially("ho ngheo", delay=20)
    response = info.value
    assert response.request.headers.get("hx-request") == "true"
    body = response.text()
    assert "<html" not in body and 'class="card' in body, "HTMX gets only the results, not a whole page"

    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'ho ngheo'")
    page.wait_for_function(f"(before) => ({FIRST_TITLE})() !== before", arg=first_before)
    titles = page.locator("#results .card-title").all_inner_texts()
    assert "Danh sách hộ nghèo, hộ cận nghèo năm 2026" in titles
    assert len(titles) < count_before
    assert page.evaluate("window.__e2eMarker") == "same document", "the page was reloaded"
    assert page.locator("h1").count() == 1 and page.locator("#q").count() == 1, "results swapped into themselves"
    assert page.input_value("#q") == "ho ngheo"

    # A filter works the same way, and the URL carries both.
    page.select_option("#category", "social_support")
    page.wait_for_function("() => new URLSearchParams(location.search).get('category') === 'social_support'")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    badges = page.locator("#results .badge-cat").all_inner_texts()
    assert badges and set(badges) == {"Chính sách hỗ trợ, an sinh xã hội, hộ nghèo"}
    assert _query(page)["q"] == ["ho ngheo"]
    assert page.evaluate("window.__e2eMarker") == "same document"

    # The pushed URL is a real page: loading it directly shows the same results.
    shown = page.locator("#results .card-title").all_inner_texts()
    page.reload()
    assert page.evaluate("window.__e2eMarker") is None
    assert page.locator("#results .card-title").all_inner_texts() == shown
    assert page.input_value("#q") == "ho ngheo"
    assert page.input_value("#category") == "social_support"


def test_no_results_message(page):
    page.goto("/disclosures")
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator("#q").press_sequentially("khongcovanbannaonhuthe", delay=10)
    page.locator("#results .empty").wait_for()
    assert page.locator("#results .card").count() == 0
