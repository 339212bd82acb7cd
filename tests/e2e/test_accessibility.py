"""Accessibility (axe-core) and HTML validity (Nu HTML checker) of every public page and of the main
back-office pages, including pages showing a form with errors.

All pages are visited once (module fixture); their server HTML is validated in one Java run."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.e2e.helpers import (
    CASE_HANDLER,
    assert_no_server_errors,
    case_pages,
    format_axe,
    format_vnu,
    login,
    public_pages,
    run_axe,
    staff_pages,
    validate_html,
)

pytestmark = pytest.mark.e2e

_NO_IDS = defaultdict(int)
EXPECTED_STATUS = {"not-found": 404, "draft-not-found": 404, "login-error": 401, "staff-new-errors": 422,
                   "staff-reports-errors": 422}
PUBLIC = list(public_pages(_NO_IDS)) + ["login-error"]
STAFF = list(staff_pages(_NO_IDS)) + list(case_pages(_NO_IDS)) + ["staff-new-errors", "staff-reports-errors"]
# The periodic report asked for a range that ends before it starts: the form comes back with its
# error summary and the dates kept.
REPORTS_ERRORS = "/staff/reports?from=2026-03-15&to=2026-03-01"


@pytest.fixture(scope="module")
def audited(browser, live_server, tmp_path_factory):
    """name -> {"status", "html" (as sent by the server), "axe" (violations), "vnu" (errors)}."""
    results: dict[str, dict] = {}
    log_start = live_server.log_size()

    def check(name, page, response):
        assert response is not None, f"{name}: no response"
        results[name] = {"status": response.status, "html": response.text(), "axe": run_axe(page),
                         "url": page.url}

    visitor = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="vi-VN")
    staff = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="vi-VN")
    handler = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="vi-VN")
    try:
        page = visitor.new_page()
        for name, path in public_pages(live_server.ids).items():
            check(name, page, page.goto(path))
        # The login form after a failed attempt (error message tied to the field).
        page.goto("/staff/login")
        page.fill("#username", "khong-co-nguoi-nay")
        page.fill("#password", "sai-mat-khau")
        with page.expect_navigation() as nav:
            page.click("form.stack button[type=submit]")
        check("login-error", page, nav.value)

        page = staff.new_page()
        login(page, "admin")
        for name, path in staff_pages(live_server.ids).items():
            check(name, page, page.goto(path))
        # The create form sent empty: shown again with an error summary and messages per field.
        page.goto("/staff/disclosures/new")
        page.fill("#f-title", "")
        with page.expect_navigation() as nav:
            page.click("form.stack .actions button[type=submit]")
        check("staff-new-errors", page, nav.value)
        check("staff-reports-errors", page, page.goto(REPORTS_ERRORS))
        page = handler.new_page()
        login(page, CASE_HANDLER)
        for name, path in case_pages(live_server.ids).items():
            check(name, page, page.goto(path))
    finally:
        visitor.close()
        staff.close()
        handler.close()
    assert_no_server_errors(live_server, log_start)

    errors = validate_html({name: r["html"] for name, r in results.items()}, tmp_path_factory.mktemp("vnu"))
    for name, errs in errors.items():
        results[name]["vnu"] = errs
    return results


@pytest.mark.parametrize("name", PUBLIC + STAFF)
def test_page_answers(audited, name):
    r = audited[name]
    assert r["status"] == EXPECTED_STATUS.get(name, 200), f"{name} ({r['url']}): HTTP {r['status']}"


@pytest.mark.parametrize("name", PUBLIC + STAFF)
def test_no_axe_violations(audited, name):
    violations = audited[name]["axe"]
    assert not violations, (f"{name} ({audited[name]['url']}): {len(violations)} axe violations\n"
                            + format_axe(violations))


@pytest.mark.parametrize("name", PUBLIC + STAFF)
def test_valid_html(audited, name):
    errors = audited[name]["vnu"]
    if errors:
        print(f"\nNu HTML checker errors on {name} ({audited[name]['url']}):\n{format_vnu(errors)}")
    assert not errors, f"{name} ({audited[name]['url']}): {len(errors)} HTML errors\n" + format_vnu(errors)


def test_staff_error_form_is_announced(audited):
    """The error summary of the create form is an alert and links to the fields in error."""
    html = audited["staff-new-errors"]["html"]
    assert 'role="alert"' in html and 'href="#f-title"' in html and 'aria-invalid="true"' in html


def test_report_error_form_is_announced(audited):
    """The periodic report's refused range: an alert linking to the field, the dates kept."""
    html = audited["staff-reports-errors"]["html"]
    assert 'role="alert"' in html and 'href="#f-from"' in html and 'aria-invalid="true"' in html
    assert 'value="2026-03-15"' in html and 'value="2026-03-01"' in html
