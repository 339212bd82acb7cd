"""The language switch in the footer: English is chosen with one click and kept while browsing.

The English texts come from translations/en/LC_MESSAGES/messages.po. Without that catalog (or
for strings it does not translate yet) only `<html lang="en">` and its persistence are checked."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.helpers import ROOT

pytestmark = pytest.mark.e2e

EN_CATALOG = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def english_catalog(path: Path = EN_CATALOG) -> dict[str, str]:
    """msgid -> English text, for the finished (non-empty, non-fuzzy) entries only."""
    if not path.exists():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalog = read_po(f, locale="en")
    return {m.id: m.string for m in catalog
            if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy}


def _expect_text(page, selector: str, msgid: str, catalog: dict[str, str]) -> None:
    """The element shows the English text when the catalog has one, else the source text."""
    shown = " ".join(page.locator(selector).first.text_content().split())  # as written, not as styled
    expected = catalog.get(msgid, msgid)
    assert expected in shown, f"{selector}: expected {expected!r}, the page shows {shown!r}"


def test_english_is_chosen_and_kept(page, live_server):
    catalog = english_catalog()
    page.goto("/")
    assert page.get_attribute("html", "lang") == "vi"
    with page.expect_navigation():
        page.locator("footer").get_by_role("button", name="English").click()
    assert page.url.rstrip("/") == live_server.url, "back on the page where the switch was used"
    assert page.get_attribute("html", "lang") == "en"
    english = page.locator("footer").get_by_role("button", name="English")
    assert english.get_attribute("aria-current") == "true" and english.is_disabled()
    _expect_text(page, "nav .nav a[href='/disclosures']", "Công khai thông tin", catalog)
    _expect_text(page, "form.search-form button[type=submit]", "Tìm kiếm", catalog)

    # Kept while browsing: other pages, a disclosure, the printable notice, the login form.
    page.locator("nav .nav a[href='/disclosures']").click()
    page.wait_for_url("**/disclosures")
    assert page.get_attribute("html", "lang") == "en"
    _expect_text(page, "main h1", "Văn bản công khai", catalog)
    _expect_text(page, "form.filters button[type=submit]", "Lọc", catalog)
    for path, selector, msgid in [
        (f"/disclosures/{live_server.ids['published']}", "#files-h", "Tệp đính kèm"),
        (f"/disclosures/{live_server.ids['published']}/notice", "main h1", "Thông báo niêm yết công khai"),
        ("/staff/login", "main h1", "Cán bộ đăng nhập"),
    ]:
        page.goto(path)
        assert page.get_attribute("html", "lang") == "en", path
        _expect_text(page, selector, msgid, catalog)
    # The disclosure itself stays Vietnamese, and says so (WCAG 3.1.2 language of parts).
    page.goto(f"/disclosures/{live_server.ids['published']}")
    assert page.locator("main h1").get_attribute("lang") == "vi"
    assert page.locator(".prose").get_attribute("lang") == "vi"

    # And back to Vietnamese.
    page.goto("/disclosures")
    with page.expect_navigation():
        page.locator("footer").get_by_role("button", name="Tiếng Việt").click()
    assert page.get_attribute("html", "lang") == "vi"
    assert page.locator("main h1").text_content().strip() == "Văn bản công khai"


def test_switching_language_keeps_a_search_made_with_htmx(page):
    """The switch returns to the URL HTMX pushed (query kept), and later HTMX results are in English."""
    catalog = english_catalog()
    page.goto("/disclosures")
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator("#q").press_sequentially("ho ngheo", delay=10)
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'ho ngheo'")
    page.wait_for_function("() => document.querySelector('#lang-next').value.includes('ngheo')")
    shown = page.locator("#results .card-title").all_inner_texts()
    with page.expect_navigation():
        page.locator("footer").get_by_role("button", name="English").click()
    assert page.get_attribute("html", "lang") == "en"
    assert parse_qs(urlparse(page.url).query).get("q") == ["ho ngheo"], page.url
    assert page.input_value("#q") == "ho ngheo"
    assert page.locator("#results .card-title").all_inner_texts() == shown

    page.wait_for_function("() => window.htmx !== undefined")
    page.fill("#q", "")
    page.locator("#q").press_sequentially("khongcovanbannaonhuthe", delay=10)
    page.locator("#results .empty").wait_for()
    _expect_text(page, "#results .empty", "Không tìm thấy văn bản nào phù hợp.", catalog)
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("#lang-next").count() == 1
