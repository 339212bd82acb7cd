"""Periodic reports through their doors: the JSON contract (every count an integer), the Q1/Q2
boundary (14/3 in Q1, 15/3 in Q2), refusals as problem details in Vietnamese, who may read, the
workbook read back with openpyxl (and its audit row), and the staff page and print view.

The fixtures are the hand-counted ones of tests/reporting/test_periodic.py, made through the
services on their own days."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from app.core.timeutil import local_today
from app.legal import periods
from app.models.audit import AuditEvent
from app.reporting import periodic as reports
from tests import factories
from tests.reporting import test_periodic as hand_counted

# The service tests' fixtures, used here as they are.
travel = hand_counted.travel
leader = hand_counted.leader
cases = hand_counted.cases
register = hand_counted.register
disclosed = hand_counted.disclosed
talks = hand_counted.talks

API = "/api/v1/reports/periodic"
XLSX_URL = "/api/v1/reports/periodic.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEM = "application/problem+json"
WARD = "Phường Phú La"  # the settings' default
SHEETS = ["Đơn thư", "Tiếp công dân", "Công khai", "Đối thoại"]
CONTRACT_KEYS = {"ward", "period", "cases", "reception", "disclosures", "dialogues"}


def _leaves(value, path=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}")
    else:
        yield path, value


@pytest.fixture
def reader(session):
    return factories.bearer(session, "reports:read")


# JSON ------------------------------------------------------------------------------------------

def test_the_contract_with_integer_counts(client, session, reader, cases, register, disclosed, talks):
    r = client.get(API, params={"year": 2026, "period": "Q1"}, headers=reader)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    data = r.json()
    assert set(data) == CONTRACT_KEYS
    assert data["ward"] == WARD
    assert data["period"] == {"year": 2026, "code": "Q1", "from": "2025-12-15", "to": "2026-03-14"}
    for path, value in _leaves({k: data[k] for k in ("cases", "reception", "disclosures", "dialogues")}):
        if path == ".cases.satisfaction_average":
            assert value == 4.0
        else:
            assert type(value) is int, path
    # Exactly what the service says (no key lost or renamed by the response model).
    expected = reports.periodic(session, periods.official(2026, "Q1"), ward=WARD, today=hand_counted.TODAY,
                                region="hanoi").to_dict()
    assert data == {**expected, "period": data["period"]}
    assert (data["cases"]["received"], data["reception"]["visits"], data["disclosures"]["published"],
            data["dialogues"]["held"]) == (8, 5, 4, 1)
    assert data["cases"]["by_kind"] == {"complaint": 4, "denunciation": 1, "petition": 0, "feedback": 3}
    assert data["disclosures"]["by_item"]["budget"] == {"item": 2, "published": 1, "on_time": 1, "late": 0,
                                                        "no_deadline": 0}


def test_an_empty_period_keeps_the_shape_and_null_average(client, reader):
    data = client.get(API, params={"year": 2031, "period": "h1"}, headers=reader).json()
    assert data["period"] == {"year": 2031, "code": "H1", "from": "2030-12-15", "to": "2031-06-14"}
    assert data["cases"]["received"] == 0 and data["cases"]["satisfaction_average"] is None
    assert set(data["cases"]["by_channel"]) == {"web", "walk_in", "post", "phone", "transfer", "national_portal"}


def test_the_q1_q2_boundary_through_the_api(client, reader, cases):
    def received(**params):
        body = client.get(API, params=params, headers=reader).json()
        return body["cases"]["received"], body["cases"]["by_kind"]

    q1, q1_kinds = received(year=2026, period="Q1")
    q2, q2_kinds = received(year=2026, period="q2")  # the code in any case
    assert (q1, q2) == (8, 1)
    assert q2_kinds == {"complaint": 0, "denunciation": 0, "petition": 1, "feedback": 0}
    # 14/3 (C3, a feedback) is Q1's last day; 15/3 (C4, a petition) is Q2's first.
    assert received(**{"from": "2026-03-14", "to": "2026-03-14"}) == (1, {"complaint": 0, "denunciation": 0,
                                                                          "petition": 0, "feedback": 1})
    assert received(**{"from": "2026-03-15", "to": "2026-03-15"}) == (1, q2_kinds)
    custom = client.get(API, params={"from": "2026-03-14", "to": "2026-03-15"}, headers=reader).json()
    assert custom["period"] == {"year": 2026, "code": "custom", "from": "2026-03-14", "to": "2026-03-15"}
    assert custom["cases"]["received"] == 2
    # 14/12/2025 (C0) belongs to reporting year 2025; 15/12/2025 (C1) to 2026's Q1.
    assert received(year=2025, period="Y")[0] == 1


REFUSED = [
    ({"year": "2026", "period": "Q5"}, "period", "Kỳ báo cáo không hợp lệ"),
    ({"year": "2026", "period": "custom"}, "period", "Kỳ báo cáo không hợp lệ"),
    ({"from": "2026-03-15", "to": "2026-03-01"}, "from", "Ngày bắt đầu phải trước ngày kết thúc"),
    ({"from": "2020-01-01", "to": "2025-01-01"}, "to", "Khoảng thời gian tối đa 5 năm"),
    ({"from": "2010-01-01", "to": "2030-01-01"}, "to", "Khoảng thời gian tối đa 5 năm"),
    ({"year": "1999", "period": "Q1"}, "year", "Năm báo cáo phải từ 2000 đến 2100"),
    ({"year": "99999999999999999999", "period": "Y"}, "year", "Năm báo cáo phải từ 2000 đến 2100"),
    ({"from": "0001-01-01", "to": "2026-01-01"}, "from", "Năm báo cáo phải từ 2000 đến 2100"),
    ({"from": "2026-01-01"}, "to", "Cần chọn cả ngày bắt đầu và ngày kết thúc"),
    ({"period": "Q1", "from": "2026-01-01", "to": "2026-02-01"}, "period", "Chọn kỳ báo cáo hoặc khoảng ngày"),
]


@pytest.mark.parametrize(("params", "field", "message"), REFUSED)
def test_refusals_are_problem_details_in_vietnamese(client, reader, params, field, message):
    for url in (API, XLSX_URL):
        r = client.get(url, params=params, headers=reader)
        assert r.status_code == 422, (url, r.text)
        assert r.headers["content-type"] == PROBLEM
        body = r.json()
        assert body["detail"].startswith(message)
        assert field in {e["field"] for e in body["errors"]}


def test_a_range_of_just_under_5_years_is_allowed_and_malformed_values_are_422(client, reader):
    assert client.get(API, params={"from": "2020-01-01", "to": "2024-12-31"}, headers=reader).status_code == 200
    for params in ({"from": "2026-02-30", "to": "2026-03-01"}, {"year": "abc"}, {"from": "hôm qua", "to": "x"},
                   {"year": "2026", "period": "\x00"}, {"year": "-5", "period": "Q1"}):
        r = client.get(API, params=params, headers=reader)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, (params, r.text)


def test_who_may_read(client, session, login):
    q1 = {"year": 2026, "period": "Q1"}
    for url in (API, XLSX_URL):
        anonymous = client.get(url, params=q1)
        assert anonymous.status_code == 401 and anonymous.headers["content-type"] == PROBLEM
        wrong = client.get(url, params=q1, headers=factories.bearer(session, "complaints:read", "reception:read"))
        assert wrong.status_code == 403 and wrong.headers["content-type"] == PROBLEM
        assert client.get(url, params=q1, headers=factories.bearer(session, "reports:read")).status_code == 200
        bad = client.get(url, params=q1, headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
    for role in ("publisher", "officer"):
        login(role)
        assert client.get(API, params=q1).status_code == 403
        assert client.get(XLSX_URL, params=q1).status_code == 403
        assert client.get("/staff/reports", params=q1).status_code == 403
        assert client.get("/staff/reports/print", params=q1).status_code == 403
        assert 'href="/staff/reports"' not in client.get("/staff").text
    for role in ("leader", "supervisor", "admin"):
        login(role)
        assert client.get(API, params=q1).status_code == 200  # the staff cookie, no token
        assert 'href="/staff/reports"' in client.get("/staff").text


def test_the_staff_page_asks_for_a_login(client):
    r = client.get("/staff/reports?year=2026&period=Q1", follow_redirects=False)
    assert r.status_code == 303 and "/staff/login" in r.headers["location"]


# The workbook ----------------------------------------------------------------------------------

def _figure(ws, label: str, column: int = 2):
    for row in ws.iter_rows(min_row=1):
        if row[0].value == label:
            return row[column - 1].value
    raise AssertionError(f"no row {label!r} in {ws.title}")


def test_the_workbook_read_back(client, session, reader, cases, register, disclosed, talks):
    r = client.get(XLSX_URL, params={"year": 2026, "period": "Q1"}, headers=reader)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == \
        'attachment; filename="bao-cao-dinh-ky_2026-Q1_2025-12-15_2026-03-14.xlsx"'
    assert r.headers["cache-control"] == "no-store"
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets:
        assert ws["A1"].value == WARD and ws["A1"].font.b
        assert ws["A2"].value.startswith("BÁO CÁO ")
        assert ws["A3"].value == "Quý I năm 2026 (từ ngày 15/12/2025 đến ngày 14/03/2026)"
        assert ws["A4"].value == "Số liệu tính đến hết ngày 14/03/2026"
        assert ws.print_title_rows == "$1:$4"
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.orientation == "portrait"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    cases_ws, reception_ws, disclosures_ws, dialogues_ws = wb.worksheets
    assert cases_ws["A2"].value == "BÁO CÁO TIẾP NHẬN, GIẢI QUYẾT ĐƠN KHIẾU NẠI, TỐ CÁO, KIẾN NGHỊ, PHẢN ÁNH"
    received = _figure(cases_ws, "Đơn tiếp nhận trong kỳ")
    assert received == 8 and type(received) is int
    assert _figure(cases_ws, "Khiếu nại") == 4 and _figure(cases_ws, "Điểm trung bình (thang 1–5)") == 4.0
    assert _figure(reception_ws, "Lượt tiếp") == 5 and _figure(reception_ws, "Số người được tiếp") == 22
    assert _figure(disclosures_ws, "2. Ngân sách, tài chính", 2) == 1
    assert _figure(disclosures_ws, "7. Chính sách hỗ trợ, an sinh xã hội, hộ nghèo", 4) == 1  # late
    assert _figure(dialogues_ws, "Số cuộc đối thoại đã tổ chức trong kỳ") == 1
    assert _figure(dialogues_ws, "Ý kiến, câu hỏi của Nhân dân") == 3

    session.rollback()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "report.export")).one()
    assert event.entity_type == "report" and event.entity_id == "2026-Q1"
    assert '"from": "2025-12-15"' in event.after and '"to": "2026-03-14"' in event.after


def test_the_workbook_of_a_custom_range_in_vietnamese_for_an_english_reader(client, session, login):
    login("leader")
    client.cookies.set("mb_lang", "en")
    assert '<html lang="en">' in client.get("/staff/reports").text  # the reader's pages are in English
    r = client.get(XLSX_URL, params={"from": "2026-03-01", "to": "2026-03-31"})
    assert r.status_code == 200
    assert 'filename="bao-cao-dinh-ky_2026-03-01_2026-03-31.xlsx"' in r.headers["content-disposition"]
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames == SHEETS
    assert wb["Công khai"]["A3"].value == "Từ ngày 01/03/2026 đến ngày 31/03/2026"
    assert _figure(wb["Đối thoại"], "Số cuộc đối thoại phải tổ chức (tính theo độ dài khoảng ngày)") == 0
    session.rollback()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "report.export")).one()
    assert event.actor.startswith("user:leader") and event.entity_id == "custom"


def test_a_text_cell_is_never_a_formula(client, session, reader, monkeypatch):
    monkeypatch.setattr(client.app.state.settings, "ward_name", '=HYPERLINK("http://evil")')
    wb = load_workbook(BytesIO(client.get(XLSX_URL, params={"year": 2026, "period": "Y"}, headers=reader).content))
    assert wb["Đơn thư"]["A1"].data_type == "s"


# The staff page and the print view -------------------------------------------------------------

def _row(html: str, label: str) -> str:
    match = re.search(r'<th scope="row">' + re.escape(label) + r'</th>((?:<td class="num">[^<]*</td>)+)', html)
    assert match, f"no row {label!r}"
    return ",".join(re.findall(r'<td class="num">([^<]*)</td>', match.group(1)))


@pytest.mark.parametrize("role", ["leader", "supervisor"])
def test_the_staff_page_and_print_view(client, login, role, cases):
    login(role)
    page = client.get("/staff/reports", params={"year": "2026", "period": "Q1"})
    assert page.status_code == 200
    html = page.text
    assert '<a href="/staff/reports">Báo cáo định kỳ</a>' in html  # the navigation
    assert "Phường Phú La: Quý I năm 2026 (từ ngày 15/12/2025 đến ngày 14/03/2026)" in html
    for heading in ("Tiếp nhận, giải quyết đơn khiếu nại, tố cáo, kiến nghị, phản ánh", "Tiếp công dân",
                    "Công khai thông tin", "Đối thoại với Nhân dân"):
        assert f">{heading}</h2>" in html
    assert html.count("<caption>") >= 12 and '<th scope="col">Chỉ tiêu</th>' in html
    assert _row(html, "Đơn tiếp nhận trong kỳ") == "8"
    assert _row(html, "trong đó: đã quá hạn") == "3"
    assert _row(html, "Điểm trung bình (thang 1–5)") == "4,00"
    assert _row(html, "2. Ngân sách, tài chính") == "0,0,0,0"
    assert 'href="/api/v1/reports/periodic.xlsx?year=2026&amp;period=Q1"' in html
    assert 'href="/api/v1/reports/periodic?year=2026&amp;period=Q1"' in html
    assert 'href="/staff/reports/print?year=2026&amp;period=Q1"' in html
    # The form shows the chosen period.
    assert 'name="year" type="number" value="2026"' in html and '<option value="Q1" selected>' in html
    # The links work with the same login.
    assert client.get("/api/v1/reports/periodic.xlsx?year=2026&period=Q1").headers["content-type"] == XLSX
    assert client.get("/api/v1/reports/periodic?year=2026&period=Q1").json()["cases"]["received"] == 8

    printed = client.get("/staff/reports/print", params={"year": "2026", "period": "Q1"})
    assert printed.status_code == 200
    # The print style sheet, with its version in the address (kept a year by browsers).
    assert re.search(r'<link rel="stylesheet" href="/static/css/reports-print.css\?v=[0-9a-f]+">', printed.text)
    assert "<h1>BÁO CÁO ĐỊNH KỲ</h1>" in printed.text and "PHƯỜNG PHÚ LA" in printed.text
    assert "Quý I năm 2026 (từ ngày 15/12/2025 đến ngày 14/03/2026)" in printed.text
    assert _row(printed.text, "Đơn tiếp nhận trong kỳ") == "8"
    assert 'class="no-print"' in printed.text and "subnav" not in printed.text
    assert client.get("/static/css/reports-print.css").status_code == 200
    assert client.get("/static/css/reports.css").status_code == 200


def test_a_custom_range_and_the_default_period_on_the_page(client, login, cases):
    login("leader")
    page = client.get("/staff/reports", params={"from": "2026-03-15", "to": "2026-03-15"})
    assert page.status_code == 200
    assert "Phường Phú La: Từ ngày 15/03/2026 đến ngày 15/03/2026" in page.text
    assert _row(page.text, "Đơn tiếp nhận trong kỳ") == "1" and _row(page.text, "Kiến nghị") == "1"
    assert 'href="/staff/reports/print?from=2026-03-15&amp;to=2026-03-15"' in page.text
    assert 'name="from" type="date" value="2026-03-15"' in page.text
    typed = client.get("/staff/reports", params={"from": "15/03/2026", "to": "15/03/2026"})  # as typed by hand
    assert typed.status_code == 200 and 'name="to" type="date" value="2026-03-15"' in typed.text
    future = client.get("/staff/reports", params={"year": "2031", "period": "Q1"})
    assert future.status_code == 200 and "(kỳ báo cáo chưa bắt đầu)" in future.text
    # Without parameters: the quarter that holds today, chosen in the form.
    quarter = periods.containing(local_today())
    default = client.get("/staff/reports")
    assert default.status_code == 200 and quarter.label in default.text
    assert f'<option value="{quarter.code}" selected>' in default.text


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"from": "2026-03-15", "to": "2026-03-01"}, "from", "Ngày bắt đầu phải trước ngày kết thúc"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "to", "Khoảng thời gian tối đa 5 năm"),
    ({"year": "2026", "period": "Q9"}, "period", "Kỳ báo cáo không hợp lệ"),
    ({"year": "abc", "period": "Q1"}, "year", "Năm báo cáo phải từ 2000 đến 2100"),
    ({"year": "99999999999999999999", "period": "Q1"}, "year", "Năm báo cáo phải từ 2000 đến 2100"),
    ({"from": "31/02/2026", "to": "2026-03-01"}, "from", "Ngày không hợp lệ (dd/mm/yyyy)"),
    ({"from": "2026-01-01", "to": ""}, "to", "Cần chọn cả ngày bắt đầu và ngày kết thúc"),
])
def test_bad_parameters_are_shown_on_the_form(client, login, params, field, message):
    login("leader")
    page = client.get("/staff/reports", params=params)
    assert page.status_code == 422
    html = page.text
    summary = html[html.index('id="form-errors"'):]
    summary = summary[:summary.index("</div>")]
    assert 'role="alert"' in html and message in summary and f'href="#f-{field}"' in summary
    assert f'id="e-{field}"' in html and 'aria-invalid="true"' in html
    for name, value in params.items():
        if value and name != "period":
            assert f'name="{name}" type="' in html and f'value="{value}"' in html  # kept
    assert "<caption>" not in html  # no report for a refused query
    printed = client.get("/staff/reports/print", params=params)
    assert printed.status_code == 422 and message in printed.text and "<caption>" not in printed.text


def test_no_input_makes_the_pages_fail(client, login):
    login("supervisor")
    for params in ({"from": "1/2", "to": "a/b/c"}, {"year": "\x00", "period": "\x00"}, {"from": "9999-12-31",
                   "to": "9999-12-31"}, {"period": "custom"}, {"year": "2000", "period": "Q1"},
                   {"year": "2100", "period": "Y"}, {"year": " 2026 ", "period": " 9m "}):
        for url in ("/staff/reports", "/staff/reports/print"):
            r = client.get(url, params=params)
            assert r.status_code in (200, 422), (url, params, r.status_code)
