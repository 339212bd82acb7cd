"""/stats in a real browser (Chromium) on the demo data: no axe-core violations, valid HTML (Nu
checker), no sideways scrolling at 360 px, and everything usable with JavaScript off (the charts
are SVG drawn on the server, the tables and CSV files are plain links)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.e2e.helpers import format_axe, format_vnu, run_axe, validate_html

pytestmark = pytest.mark.e2e

WIDTH = 360
PATH = "/stats"

# What sticks out past the right edge of the viewport, or of its own box (a table wider than the
# column it sits in would need sideways scrolling inside its wrapper).
OVERFLOWING = """(width) => [
  ...Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => `${e.tagName.toLowerCase()}#${e.id} right=${Math.round(e.getBoundingClientRect().right)}`),
  ...Array.from(document.querySelectorAll('.table-wrap'))
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => `table ${e.querySelector('table').id} is ${e.scrollWidth} px in ${e.clientWidth} px`),
].slice(0, 10)"""


@pytest.mark.parametrize("width", [WIDTH, 1280])
def test_no_axe_violations(new_context, width):
    """axe-core is itself a script, so it runs with JavaScript on; the page's HTML is the same
    without (nothing on it is built by a script)."""
    page = new_context(viewport={"width": width, "height": 800}, bypass_csp=True).new_page()
    assert page.goto(PATH).status == 200
    violations = run_axe(page)
    assert violations == [], f"axe-core at {width} px:\n{format_axe(violations)}"


def test_valid_html(page, tmp_path):
    response = page.goto(PATH)
    errors = validate_html({"stats": response.text()}, tmp_path / "vnu")
    assert errors["stats"] == [], f"/stats is not valid HTML:\n{format_vnu(errors['stats'])}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_fits_360px(new_context, javascript):
    page = new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True,
                       java_script_enabled=javascript).new_page()
    page.goto(PATH)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    # The charts scale down with their viewBox and stay readable: each as wide as the column.
    widths = page.eval_on_selector_all("svg.chart-svg", "els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and all(300 <= w <= WIDTH for w in widths), widths


def test_screen_readers_get_named_images_and_tables(page):
    page.goto(PATH)
    charts = page.locator("svg.chart-svg")
    assert charts.count() >= 7
    for i in range(charts.count()):
        svg = charts.nth(i)
        name = svg.locator("title").text_content()
        assert page.get_by_role("img", name=name, exact=True).count() == 1, name
    assert page.get_by_role("img", name="Tỷ lệ đơn được giải quyết đúng hạn").is_visible()
    # Every table has a caption as its name and column headings.
    tables = page.locator("table.stats-table")
    assert tables.count() >= 12
    for i in range(tables.count()):
        caption = tables.nth(i).locator("caption").text_content()
        assert page.get_by_role("table", name=caption, exact=True).count() == 1, caption
        assert tables.nth(i).locator("thead th[scope=col]").count() >= 2
    # "<3" is read as words.
    hidden = page.locator("td.withheld .visually-hidden")
    if hidden.count():
        assert hidden.first.text_content() == "dưới 3"


def test_works_without_javascript(new_context, live_server):
    page = new_context(java_script_enabled=False, accept_downloads=True).new_page()
    page.goto(PATH)
    assert page.get_by_role("heading", level=1).text_content() == "Số liệu minh bạch"
    assert page.locator("svg.chart-svg").first.is_visible()
    # How the figures are made safe is on the page: complete months only, and the cells withheld
    # so that no "<3" can be worked out from a total.
    rules = page.locator("#cach-tinh")
    assert "12 tháng trọn vẹn gần nhất" in rules.locator("#thang-tron-ven").text_content()
    assert "ghi “ẩn”" in rules.locator("#o-an").text_content() and rules.locator("#o-an").is_visible()
    # The contents lead to each section.
    page.get_by_role("navigation", name="Các phần của trang").get_by_role("link", name="Mức độ hài lòng").click()
    assert page.url.endswith("#hai-long")
    # A table's CSV file downloads from its link, UTF-8 with a byte-order mark.
    link = page.locator('a[href="/stats/cases-by-kind.csv"]')
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("so-lieu-cases-by-kind-")
    data = open(download.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Chỉ tiêu", "Khiếu nại", "Kiến nghị", "Phản ánh", "Cộng 3 loại", "Tố cáo"]
    assert all(cell not in ("1", "2") for row in rows[1:] for cell in row[1:])


def test_no_errors_in_the_console_with_javascript(page):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(PATH)
    page.wait_for_load_state("networkidle")
    assert problems == []
