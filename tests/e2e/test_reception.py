"""Citizen reception in a real browser: a reception clerk opens today's session and logs three
visits with HTMX (a group with its representatives, a refusal on legal grounds, an accepted
complaint that becomes a case), then exports the day's register as form 03 (XLSX) and reads it
back; the same register without JavaScript; the public schedule and its iCalendar feed around a
public holiday; what a supervisor may not see; and the pages only the register's keepers see,
through axe-core and the Nu HTML checker (the administrator's pages are in test_accessibility)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.core.timeutil import LOCAL_TZ, local_today
from app.legal.workdays import WorkCalendar
from app.models.reception import REFUSAL_LABELS, RefusalReason
from app.reception import export as form03
from app.reception.schedule import HORIZON_DAYS
from tests.e2e.helpers import (
    RECEPTION_CLERK,
    format_axe,
    format_vnu,
    login,
    next_weekday_holiday,
    reception_pages,
    run_axe,
    validate_html,
)

pytestmark = pytest.mark.e2e

SUPERVISOR = "giamsat"
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5}")
DEMO_VISITORS = ("Đỗ Văn Hùng", "Nguyễn Thị Mai", "Phạm Quốc Việt", "001078012345", "001180054321")
OFFICER_HOST = "Trần Thu Hà"  # the demo's officer, every working day
SELECTS = {"case_kind", "field", "refusal_reason"}  # the register form's <select>s


# --- helpers ----------------------------------------------------------------------------------


def _navigate(page, click_target):
    """Click and wait for the page the click loads; its response."""
    with page.expect_navigation() as nav:
        click_target.click()
    return nav.value


def _create_one_off_session(page, day: date, host: str) -> int:
    """The "Thêm buổi tiếp đột xuất" form of /staff/reception; the new session's id."""
    page.goto("/staff/reception")
    form = page.locator("form[action='/staff/reception/sessions']")
    form.locator("#f-day").fill(day.isoformat())
    form.locator("#f-start").fill("13:30")
    form.locator("#f-end").fill("17:00")
    form.locator("#f-host_name").fill(host)
    form.locator("#f-host_role").select_option("officer")
    form.locator("#f-type").select_option("ad_hoc")
    form.locator("#f-place").fill("Phòng tiếp công dân, trụ sở UBND phường Phú La")
    response = _navigate(page, form.get_by_role("button", name="Thêm buổi tiếp"))
    assert response.status == 200, page.locator("main").inner_text()[:2000]
    match = re.search(r"/staff/reception/sessions/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def _today_session(page, today: date) -> int:
    """A session of today that still takes visits, from the sessions list; a one-off one made
    through the list's form when today has none (a weekend or a holiday)."""
    page.goto("/staff/reception")
    for row in page.locator("table.sessions tbody tr.today").all():
        status = row.locator("td").nth(3).inner_text()
        if "Đã hủy" in status or "đóng sổ" in status:
            continue
        link = row.locator("td").first.get_by_role("link")
        assert link.inner_text().startswith(today.strftime("%d/%m/%Y")), link.inner_text()
        _navigate(page, link)
        return int(re.search(r"/staff/reception/sessions/(\d+)$", page.url).group(1))
    return _create_one_off_session(page, today, OFFICER_HOST)


def _open_session(page) -> None:
    response = _navigate(page, page.get_by_role("button", name="Mở buổi tiếp, bắt đầu ghi sổ"))
    assert response.status == 200, page.locator("main").inner_text()[:2000]
    assert "sổ đang mở" in page.locator("dl.facts").inner_text()
    assert page.get_by_role("button", name="Mở buổi tiếp, bắt đầu ghi sổ").count() == 0


def _fill_visit(page, fields: dict[str, str]) -> None:
    """Fill the register form (#f-<name>; the outcome is a radio group)."""
    form = page.locator("form.visit-form")
    for name, value in fields.items():
        if name == "outcome":
            form.locator(f"input[name=outcome][value={value}]").check()
            continue
        field = form.locator(f"#f-{name}")
        if name in SELECTS:
            field.select_option(value)
        else:
            field.fill(value)


def _post_visit_htmx(page, session_id: int):
    """Press "Ghi vào sổ" with HTMX on: the answer swaps #register in place (no page load)."""
    url = f"/staff/reception/sessions/{session_id}/visits"
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(url)) as info:
        page.locator("form.visit-form").get_by_role("button", name="Ghi vào sổ").click()
    response = info.value
    assert response.request.headers.get("hx-request") == "true", "the form was not sent by htmx"
    return response


def _register_row(page, name: str):
    rows = page.locator("#register table.register tbody tr").filter(has_text=name)
    expect(rows).to_have_count(1)
    return rows


def _columns() -> dict[tuple[int, int], int]:
    """(form column number, sub-column index) -> sheet column, from the export's own layout."""
    out, col = {}, 1
    for number, _heading, subs in form03.COLUMNS:
        for i in range(len(subs)):
            out[(number, i)] = col
            col += 1
    return out


def _local_day(value) -> date:
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"a floating time in the feed: {value!r}"
        return value.astimezone(LOCAL_TZ).date()
    return value


def _audit(page, response, name: str, results: dict, status: int = 200) -> None:
    assert response is not None and response.status == status, f"{name}: HTTP {response and response.status}"
    results[name] = {"html": response.text(), "axe": run_axe(page), "url": page.url}


def _report(results: dict, vnu: dict) -> list[str]:
    problems = [f"{name} ({r['url']}): axe\n{format_axe(r['axe'])}" for name, r in results.items() if r["axe"]]
    problems += [f"{name} ({results[name]['url']}): Nu HTML checker\n{format_vnu(errs)}"
                 for name, errs in vnu.items() if errs]
    return problems


# --- 1. today's session with HTMX, then the day's register as XLSX -----------------------------


def test_clerk_logs_three_visits_with_htmx_and_exports_the_day(new_context, tmp_path):
    run = uuid.uuid4().hex[:6]
    today = local_today()
    page = new_context(bypass_csp=True).new_page()  # bypass_csp: axe-core is injected below
    login(page, RECEPTION_CLERK)
    session_id = _today_session(page, today)
    assert page.locator("#register").count() == 1
    _open_session(page)
    session_html = page.request.get(page.url).text()  # the page with the empty register form
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("window.__e2eMarker = 'same document'")
    a11y: dict[str, dict] = {}

    # (a) a group of 7: three representatives are refused, with the other values kept ---------
    group = {
        "visitor_name": "Hoàng Văn Lợi", "id_number": "001082034567",
        "visitor_address": "Số 15 ngõ 6 Tô Hiệu, TDP 3", "people_count": "7",
        "representatives": "Hoàng Văn Lợi\nVũ Thị Lan\nĐinh Công Sơn", "case_kind": "petition",
        "summary": f"Kiến nghị lắp đèn chiếu sáng ngõ 6 Tô Hiệu, đoạn tối gây mất an toàn (đoàn {run})",
        "outcome": "transferred", "transferred_to": "Ban quản lý dự án quận", "transfer_number": "41/PC-UBND",
    }
    _fill_visit(page, group)
    response = _post_visit_htmx(page, session_id)
    assert response.status == 422
    error = page.locator("#e-representatives")
    expect(error).to_contain_text("Đoàn 7 người chỉ được cử tối đa 2 người đại diện")
    expect(page.locator("#f-representatives")).to_have_attribute("aria-invalid", "true")
    summary = page.locator("#form-errors")
    expect(summary).to_have_attribute("role", "alert")
    assert summary.locator("a[href='#f-representatives']").count() == 1
    assert page.evaluate("window.__e2eMarker") == "same document", "the error reloaded the page"
    for name, value in group.items():
        if name == "outcome":
            assert page.locator(f"form.visit-form input[name=outcome][value={value}]").is_checked()
        else:
            assert page.input_value(f"#f-{name}") == value, f"{name} was not kept"
    assert page.locator("#register table.register tbody tr").filter(has_text=group["visitor_name"]).count() == 0
    _audit(page, response, "register-form-errors", a11y, status=422)
    a11y["register-form-errors"]["html"] = None  # a fragment: the full page is validated below

    page.fill("#f-representatives", "Hoàng Văn Lợi\nVũ Thị Lan")
    response = _post_visit_htmx(page, session_id)
    assert response.status == 200, page.locator("#register").inner_text()[:2000]
    expect(page.locator("#register-saved")).to_contain_text("Đã ghi lượt tiếp số")
    row = _register_row(page, group["visitor_name"])
    assert "Đại diện: Hoàng Văn Lợi; Vũ Thị Lan" in row.inner_text()
    assert "••••••••4567" in row.inner_text(), "the list shows the ID number masked"
    assert "7 người" in row.inner_text() and "Chuyển đơn" in row.inner_text()
    # A fresh form, the cursor back in its first field; the counts above updated out of band.
    assert page.input_value("#f-visitor_name") == "" and page.input_value("#f-people_count") == "1"
    expect(page.locator("#f-visitor_name")).to_be_focused()
    expect(page.locator("#counts")).to_contain_text("1 lượt tiếp, 7 người")
    assert page.locator("#counts").count() == 1 and page.locator("#register").count() == 1
    assert page.evaluate("window.__e2eMarker") == "same document"
    _audit(page, response, "register-saved", a11y)
    a11y["register-saved"]["html"] = None

    # (b) a refusal on one of the grounds of Art. 9 --------------------------------------------
    refused = {
        "visitor_name": "Bùi Văn Khánh", "visitor_address": "TDP 2, phường Phú La", "case_kind": "complaint",
        "summary": f"Tiếp tục khiếu nại việc thu hồi đất đã được giải quyết đúng pháp luật (lần {run})",
        "outcome": "refused", "refusal_reason": RefusalReason.settled_repeat.value,
        "notes": "Đã có văn bản trả lời số 12/TB-UBND",
    }
    _fill_visit(page, refused)
    assert _post_visit_htmx(page, session_id).status == 200, page.locator("#register").inner_text()[:2000]
    assert "Từ chối tiếp" in _register_row(page, refused["visitor_name"]).inner_text()
    expect(page.locator("#counts")).to_contain_text("2 lượt tiếp, 8 người")

    # (c) an accepted complaint, which becomes a case ------------------------------------------
    accepted = {
        "visitor_name": "Trịnh Thị Thu", "id_number": "001190045678", "visitor_address": "Số 9 ngõ 12 Văn La",
        "case_kind": "complaint", "field": "construction",
        "summary": f"Khiếu nại quyết định xử phạt vi phạm hành chính về xây dựng nhà số 9 ngõ 12 ({run})",
        "outcome": "accepted",
    }
    _fill_visit(page, accepted)
    assert _post_visit_htmx(page, session_id).status == 200, page.locator("#register").inner_text()[:2000]
    expect(page.locator("#register-saved")).to_contain_text("Đơn đã được tiếp nhận và tạo hồ sơ")
    row = _register_row(page, accepted["visitor_name"])
    assert "Tiếp nhận đơn" in row.inner_text() and "Đã tiếp nhận" in row.inner_text()
    expect(page.locator("#counts")).to_contain_text("3 lượt tiếp, 9 người")
    numbers = {v["visitor_name"]: int(_register_row(page, v["visitor_name"]).locator("td").first.inner_text())
               for v in (group, refused, accepted)}
    assert numbers[group["visitor_name"]] < numbers[refused["visitor_name"]] < numbers[accepted["visitor_name"]]

    # The visit's page: the follow-up names the case by its tracking code, and links to it.
    _navigate(page, row.locator("td").first.get_by_role("link"))
    assert re.search(r"/staff/reception/visits/\d+$", page.url), page.url
    facts = page.locator("dl.facts").inner_text()
    assert accepted["id_number"] in facts, "the visit's own page shows the full ID number"
    follow_up = page.locator("dl.facts dt", has_text="Theo dõi kết quả").locator("xpath=following-sibling::dd[1]")
    # Column 11 of the register: the case and its status, then the visitor's notice deadline.
    lines = follow_up.inner_text().strip().splitlines()
    match = re.fullmatch(r"Đơn (" + CODE.pattern + r"): (.+)", lines[0])
    assert match, lines
    code, status = match.groups()
    assert status == "Đã tiếp nhận"
    assert len(lines) == 2 and lines[1].startswith("Hạn trả lời: "), lines
    assert "Hạn trả lời" in page.locator("#notice-h").locator("xpath=..").inner_text()
    _audit(page, page.request.get(page.url), "visit-page", a11y)

    _navigate(page, follow_up.get_by_role("link"))
    case_match = re.search(r"/staff/complaints/(\d+)$", page.url)
    assert case_match, page.url
    assert page.locator("h1").inner_text() == accepted["summary"]
    meta = page.locator("p.meta").inner_text()
    assert code in meta and "Đã tiếp nhận" in meta and "Khiếu nại" in meta and "Xây dựng" in meta
    assert "Trực tiếp tại nơi tiếp công dân" in page.locator("dl.facts").first.inner_text()
    # ... and the case is in the inbox.
    page.goto("/staff/complaints?kind=complaint&field=construction&status=received")
    link = page.get_by_role("link", name=accepted["summary"], exact=True)
    expect(link).to_have_count(1)
    assert link.get_attribute("href") == f"/staff/complaints/{case_match.group(1)}"
    assert accepted["visitor_name"] in link.locator("xpath=ancestor::tr").inner_text()

    # The day's register: the print view, then its "Tải tệp Excel" link ---------------------
    day = today.isoformat()
    response = page.goto(f"/staff/reception/register?from={day}&to={day}")
    assert response.status == 200
    printed = page.locator("main table tbody tr")
    expect(printed).to_have_count(3)
    assert [printed.nth(i).locator("td").first.inner_text() for i in range(3)] == \
        [str(numbers[v["visitor_name"]]) for v in (group, refused, accepted)]
    link = page.get_by_role("link", name="Tải tệp Excel (mẫu 03)")
    assert parse_qs(urlparse(link.get_attribute("href")).query) == {"from": [day], "to": [day]}
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == f"so-tiep-cong-dan_{day}_{day}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    ws = load_workbook(path).active
    col = _columns()
    top, sub = form03.HEADER_ROWS
    for number, heading, subs in form03.COLUMNS:  # the layout the test reads is the sheet's
        assert ws.cell(top, col[(number, 0)]).value == heading
        assert ws.cell(form03.NUMBER_ROW, col[(number, 0)]).value == f"({number})"
    assert ws.cell(sub, col[(6, 3)]).value == "Số người"
    assert f"Từ ngày {today:%d/%m/%Y} đến ngày {today:%d/%m/%Y}" in ws.cell(2, 1).value
    first = form03.FIRST_DATA_ROW
    assert ws.max_row == first + 2, f"expected 3 rows from row {first}, the sheet ends at row {ws.max_row}"
    rows = {}
    for r in range(first, first + 3):
        values = {key: ws.cell(r, c).value for key, c in col.items()}
        rows[values[(3, 0)].split("\n", 1)[0]] = values
    assert set(rows) == {group["visitor_name"], refused["visitor_name"], accepted["visitor_name"]}
    x = form03.MARK
    for name, r in rows.items():
        assert r[(1, 0)] == numbers[name]
        assert isinstance(r[(2, 0)], datetime) and r[(2, 0)].date() == today

    g = rows[group["visitor_name"]]
    assert g[(3, 0)] == (f"{group['visitor_name']}\n{group['visitor_address']}\n"
                         "Người đại diện: Hoàng Văn Lợi; Vũ Thị Lan")
    assert g[(4, 0)] == group["id_number"] and g[(5, 0)] == group["summary"]
    assert (g[(6, 0)], g[(6, 1)], g[(6, 2)], g[(6, 3)]) == (None, None, x, 7)
    assert g[(8, 0)] is None
    assert (g[(10, 0)], g[(10, 1)]) == (group["transferred_to"], group["transfer_number"])
    assert (g[(9, 0)], g[(9, 1)]) == (None, None)

    f = rows[refused["visitor_name"]]
    assert f[(4, 0)] is None and f[(5, 0)] == refused["summary"]
    assert (f[(6, 0)], f[(6, 1)], f[(6, 2)], f[(6, 3)]) == (x, None, None, 1)
    assert f[(8, 0)] is None and f[(10, 0)] is None and f[(11, 0)] is None
    assert f[(12, 0)] == (f"Từ chối tiếp: {REFUSAL_LABELS[RefusalReason.settled_repeat]}\n{refused['notes']}")

    a = rows[accepted["visitor_name"]]
    assert a[(3, 0)] == f"{accepted['visitor_name']}\n{accepted['visitor_address']}"
    assert a[(4, 0)] == accepted["id_number"]
    assert (a[(6, 0)], a[(6, 1)], a[(6, 2)], a[(6, 3)]) == (x, None, None, 1)
    assert a[(8, 0)] == x
    assert a[(11, 0)].startswith(f"Đơn {code}: Đã tiếp nhận")

    # The register form as the page first sends it is valid HTML (axe ran on its states above).
    a11y["register-form"] = {"html": session_html, "axe": [], "url": f"/staff/reception/sessions/{session_id}"}
    vnu = validate_html({n: r["html"] for n, r in a11y.items() if r["html"]}, tmp_path / "vnu")
    problems = _report(a11y, vnu)
    assert not problems, "\n".join(problems)


# --- 2. the register without JavaScript ---------------------------------------------------------


def test_register_works_without_javascript(new_context, tmp_path):
    """Yesterday's one-off session (so today's register, exported above, is left alone)."""
    run = uuid.uuid4().hex[:6]
    page = new_context(java_script_enabled=False).new_page()
    login(page, RECEPTION_CLERK)
    session_id = _create_one_off_session(page, local_today() - timedelta(days=1), f"Lê Văn Bình {run}")
    _open_session(page)
    visit = {
        "visitor_name": "Ngô Thị Hạnh", "visitor_address": "Số 3 ngõ 1 Phú Lương", "id_number": "B1234567",
        "case_kind": "petition", "field": "administrative_procedures",
        "summary": f"Hỏi thủ tục chuyển hộ khẩu cho mẹ già về ở cùng ({run})",
        "outcome": "guided", "guided_to": "Công an phường Phú La", "guidance_number": "07/HD-TCD",
    }
    _fill_visit(page, visit)
    response = _navigate(page, page.locator("form.visit-form").get_by_role("button", name="Ghi vào sổ"))
    assert response.status == 200, page.locator("main").inner_text()[:2000]
    url = urlparse(page.url)
    assert url.path == f"/staff/reception/sessions/{session_id}" and "saved" in parse_qs(url.query)
    assert page.locator("#register-saved").inner_text().startswith("Đã ghi lượt tiếp số")
    row = _register_row(page, visit["visitor_name"])
    assert "Trả lại đơn và hướng dẫn" in row.inner_text() and "••••4567" in row.inner_text()
    assert "1 lượt tiếp, 1 người" in page.locator("#counts").inner_text()
    assert page.input_value("#f-visitor_name") == ""

    # A name of spaces passes the browser's `required` and fails on the server: 422, the whole
    # page again with the error summary, the field marked, everything else kept.
    second = {**visit, "visitor_name": "   ", "summary": f"Hỏi thủ tục cấp lại giấy khai sinh ({run})",
              "outcome": "recorded", "guided_to": "", "guidance_number": "", "people_count": "2"}
    _fill_visit(page, second)
    response = _navigate(page, page.locator("form.visit-form").get_by_role("button", name="Ghi vào sổ"))
    assert response.status == 422
    summary = page.locator("#form-errors")
    assert summary.get_attribute("role") == "alert"
    assert "Chưa ghi được lượt tiếp" in summary.inner_text()
    assert summary.locator("a[href='#f-visitor_name']").count() == 1
    assert page.get_attribute("#f-visitor_name", "aria-invalid") == "true"
    assert page.locator("#e-visitor_name").inner_text().strip()
    for name in ("visitor_address", "id_number", "summary", "people_count", "case_kind", "field"):
        assert page.input_value(f"#f-{name}") == second[name], f"{name} was not kept"
    assert page.locator("form.visit-form input[name=outcome][value=recorded]").is_checked()
    assert page.locator("#register table.register tbody tr").count() == 1, "nothing more was written"
    assert "1 lượt tiếp, 1 người" in page.locator("#counts").inner_text()

    vnu = validate_html({"nojs-errors": response.text()}, tmp_path / "vnu")
    assert not vnu["nojs-errors"], format_vnu(vnu["nojs-errors"])


# --- 3. the public schedule and its calendar feed ---------------------------------------------


def test_public_schedule_and_calendar_skip_the_holiday(page):
    today = local_today()
    cal = WorkCalendar()
    response = page.goto("/reception")
    assert response.status == 200
    expect(page.locator(f"#day-{today.isoformat()}")).to_contain_text("Hôm nay")
    # The chairman's coming Thursdays, none on a holiday.
    upcoming = page.locator("section[aria-labelledby=chairman-h] li").all_inner_texts()
    assert upcoming, "no upcoming chairman's session on /reception"
    for text in upcoming:
        day = datetime.strptime(text[:10], "%d/%m/%Y").date()
        assert day >= today and day.isoweekday() == 4 and cal.is_working_day(day), text
        assert "Nguyễn Văn Minh" in text
    # The next working day shows the officer's sessions (its week, through the week links).
    next_day = cal.next_working_day(today)
    page.goto(f"/reception?week={next_day.isoformat()}")
    sessions = page.locator(f"#day-{next_day.isoformat()} li").all_inner_texts()
    assert any(OFFICER_HOST in s and s.startswith("07:30–11:30") for s in sessions), sessions
    assert any(OFFICER_HOST in s and s.startswith("13:30–17:00") for s in sessions), sessions
    with page.expect_navigation():
        page.get_by_role("link", name="Tuần sau →").click()
    monday = next_day - timedelta(days=next_day.weekday())
    assert parse_qs(urlparse(page.url).query) == {"week": [(monday + timedelta(days=7)).isoformat()]}

    # The week of the next public holiday on a weekday: the day says so and has no session.
    holiday = next_weekday_holiday(today + timedelta(days=1))
    page.goto(f"/reception?week={holiday.isoformat()}")
    day_block = page.locator(f"#day-{holiday.isoformat()}")
    expect(day_block.locator(".holiday")).to_have_text(
        f"Nghỉ lễ: {cal.holiday_name(holiday)}. Không tiếp công dân.")
    assert day_block.locator("li").count() == 0
    in_horizon = holiday <= today + timedelta(days=HORIZON_DAYS)
    if in_horizon:  # the working days of that week do have sessions
        week = [holiday - timedelta(days=holiday.weekday()) + timedelta(days=i) for i in range(5)]
        open_days = [d for d in week if cal.is_working_day(d) and d > today]
        for d in open_days:
            assert page.locator(f"#day-{d.isoformat()} li").count() >= 2, d

    # The iCalendar feed.
    response = page.request.get("/reception/calendar.ics")
    assert response.status == 200 and response.headers["content-type"].startswith("text/calendar")
    feed = Calendar.from_ical(response.body())
    events = feed.walk("VEVENT")
    assert events, "the feed has no event"
    by_day: dict[date, list] = {}
    for ev in events:
        start, end = _local_day(ev.decoded("dtstart")), _local_day(ev.decoded("dtend"))
        assert start == end
        by_day.setdefault(start, []).append(ev)
    ahead = sorted(d for d in by_day if d > today)
    assert ahead and ahead[-1] > today + timedelta(days=HORIZON_DAYS - 10), "the feed stops short"
    assert next_day == today or next_day in by_day
    following = cal.next_working_day(today + timedelta(days=1))
    summaries = [str(ev["summary"]) for ev in by_day[following]]
    assert sum(OFFICER_HOST in s for s in summaries) == 2, summaries
    assert all(str(ev["status"]) == "CONFIRMED" for ev in by_day[following])
    if in_horizon:
        assert holiday not in by_day, [str(ev["summary"]) for ev in by_day[holiday]]
    # No future holiday has a session, nor does any weekend.
    for d in ahead:
        assert cal.is_working_day(d), (d, cal.holiday_name(d), [str(ev["summary"]) for ev in by_day[d]])
    thursdays = [d for d in ahead if any("Nguyễn Văn Minh" in str(ev["summary"]) for ev in by_day[d])]
    assert thursdays and all(d.isoweekday() == 4 for d in thursdays)


# --- 4. a supervisor sees counts, never the register --------------------------------------------


def test_supervisor_sees_counts_but_no_visitor(new_context, live_server):
    page = new_context().new_page()
    login(page, SUPERVISOR)
    session_id = live_server.ids["reception_held_session"]
    response = page.goto(f"/staff/reception/sessions/{session_id}")
    assert response.status == 200
    counts = page.locator("#counts").inner_text()
    assert "3 lượt tiếp, 9 người" in counts
    assert "Kiến nghị: 2" in counts and "Tiếp nhận đơn: 1" in counts and "Chuyển đơn: 1" in counts
    html = page.content()
    for secret in DEMO_VISITORS:
        assert secret not in html, f"a supervisor sees {secret!r}"
    assert page.locator("#register").count() == 0 and page.locator("form.visit-form").count() == 0
    assert "vai trò của bạn chỉ xem số liệu" in page.locator("main").inner_text()

    page.goto("/staff/reception")
    html = page.content()
    assert page.locator("#notices-h").count() == 0
    assert "Sổ tiếp công dân (in, xuất Excel)" not in html
    for secret in DEMO_VISITORS:
        assert secret not in html

    day = local_today().isoformat()
    for path in ("/staff/reception/register", f"/staff/reception/register?from={day}&to={day}",
                 f"/staff/reception/visits/{live_server.ids['reception_visit']}"):
        response = page.goto(path)
        assert response.status == 403, f"{path}: HTTP {response.status}"
        for secret in DEMO_VISITORS:
            assert secret not in page.content()
    response = page.request.get(f"/api/v1/reception/register.xlsx?from={day}&to={day}")
    assert response.status == 403


# --- 5. the keepers' pages through axe-core and the Nu HTML checker ---------------------------


def test_clerk_pages_are_accessible_and_valid(new_context, live_server, tmp_path):
    """helpers.reception_pages(), which the administrator of test_accessibility may not open, and
    the one-off session form sent with an error."""
    page = new_context(bypass_csp=True).new_page()
    login(page, RECEPTION_CLERK)
    results: dict[str, dict] = {}
    for name, path in reception_pages(live_server.ids).items():
        _audit(page, page.goto(path), name, results)
    assert "Đỗ Văn Hùng" in results["clerk-reception-held"]["html"]
    assert "Đỗ Văn Hùng" in results["clerk-reception-register"]["html"]
    assert "001078012345" in results["clerk-reception-visit"]["html"]

    page.goto("/staff/reception")
    form = page.locator("form[action='/staff/reception/sessions']")
    form.locator("#f-host_name").fill("  ")
    form.locator("#f-place").fill("Hội trường tổ dân phố 5")
    _audit(page, _navigate(page, form.get_by_role("button", name="Thêm buổi tiếp")), "clerk-session-errors",
           results, status=422)
    html = results["clerk-session-errors"]["html"]
    assert 'href="#f-host_name"' in html and 'aria-invalid="true"' in html
    assert page.input_value("#f-place") == "Hội trường tổ dân phố 5"

    vnu = validate_html({name: r["html"] for name, r in results.items()}, tmp_path / "vnu")
    problems = _report(results, vnu)
    assert not problems, "\n".join(problems)
