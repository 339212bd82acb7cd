"""A resident files a case and tracks it in a real browser: without JavaScript, on a 360 px
screen; the pages a form POST answers (errors, confirmation, tracking result) pass axe-core and
the Nu HTML checker like the pages of helpers.public_pages()."""

from __future__ import annotations

import re

import pytest

from app.core.pdf import simple_pdf
from tests.e2e.helpers import format_axe, format_vnu, run_axe, validate_html

pytestmark = pytest.mark.e2e

WIDTH = 360


def _fill_case(page, *, subject: str) -> None:
    page.select_option("#f-kind", "feedback")
    page.select_option("#f-field", "environment")
    page.fill("#f-subject", subject)
    page.fill("#f-content", "Rác thải tập kết ở đầu ngõ nhiều ngày không được thu gom, bốc mùi.")
    page.fill("#f-address", "Đầu ngõ 7 Văn Phú")
    page.fill("#f-sender_name", "Người Dân Thử Nghiệm")
    page.fill("#f-sender_email", "nguoidan@example.org")


def _submit(page, selector: str):
    with page.expect_navigation() as nav:
        page.click(selector)
    return nav.value


def test_file_and_track_without_javascript_at_360px(new_context, tmp_path):
    page = new_context(java_script_enabled=False, viewport={"width": WIDTH, "height": 740}).new_page()
    page.goto("/complaints/new")
    _fill_case(page, subject="Rác thải ở đầu ngõ 7")
    photo = tmp_path / "hien-truong.pdf"
    photo.write_bytes(simple_pdf("Ảnh hiện trường", ["Rác ở đầu ngõ"]))
    page.set_input_files("#f-files", str(photo))
    response = _submit(page, "form.stack .actions button[type=submit]")
    assert response.status == 200
    code = page.inner_text(".tracking-code").strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5}", code)
    assert page.url.endswith("/complaints/filed")  # Post-Redirect-Get; the code is not in any address
    page.reload()  # reloading the confirmation shows the same case and files nothing
    assert page.inner_text(".tracking-code").strip() == code
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

    page.goto("/track")
    page.fill("#f-code", code.lower())
    response = _submit(page, "form.stack button[type=submit]")
    assert response.status == 200 and page.url.endswith("/track")
    assert code in page.content() and "Đã tiếp nhận" in page.content()
    assert "Người Dân Thử Nghiệm" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_answer_pages_are_accessible_and_valid(new_context, tmp_path):
    page = new_context(bypass_csp=True).new_page()
    results: dict[str, dict] = {}

    def check(name, response, status):
        assert response.status == status, f"{name}: HTTP {response.status}"
        results[name] = {"html": response.text(), "axe": run_axe(page)}

    page.goto("/complaints/new")
    page.select_option("#f-kind", "denunciation")
    page.check("#f-anonymous")
    page.fill("#f-subject", "x")
    page.fill("#f-sender_email", "khong-phai-email")
    check("form-errors", _submit(page, "form.stack .actions button[type=submit]"), 422)
    html = results["form-errors"]["html"]
    assert 'role="alert"' in html and 'href="#f-subject"' in html and 'href="#f-anonymous"' in html

    page.goto("/complaints/new")
    _fill_case(page, subject="Đèn đường ngõ 9 bị hỏng")
    check("filed", _submit(page, "form.stack .actions button[type=submit]"), 200)
    code = page.inner_text(".tracking-code").strip()

    page.goto("/track")
    page.fill("#f-code", code)
    check("tracked", _submit(page, "form.stack button[type=submit]"), 200)
    page.goto("/track")
    page.fill("#f-code", "ABCD-EFGH-JKMNP")
    check("track-unknown", _submit(page, "form.stack button[type=submit]"), 404)

    vnu = validate_html({name: r["html"] for name, r in results.items()}, tmp_path / "vnu")
    problems = [f"{name}: axe\n{format_axe(r['axe'])}" for name, r in results.items() if r["axe"]]
    problems += [f"{name}: Nu\n{format_vnu(errs)}" for name, errs in vnu.items() if errs]
    assert not problems, "\n".join(problems)
