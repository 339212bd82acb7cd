"""Dialogues with residents in a real browser: a leader plans a dialogue at short notice, sees
the warning and announces it anyway (it reaches /dialogues and the iCalendar feed); a dialogue
that took place is recorded (attendance, minutes, questions, commitments) and its results
published; a resident follows a commitment by e-mail (confirmation mail, progress mail, one-click
unsubscribe, all through the local SMTP server of conftest.py); the open commitments list puts
the overdue one first; and the pages only dialogue managers see, through axe-core and the Nu HTML
checker (the administrator's read-only views are in test_accessibility via helpers)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta
from urllib.parse import urlparse

import pytest
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import update

from app.core.db import make_engine, session_for
from app.core.timeutil import LOCAL_TZ, local_today
from app.models.dialogue import (
    COMMITMENT_STATUS_LABELS,
    DIALOGUE_STATUS_LABELS,
    TRIGGER_LABELS,
    CommitmentStatus,
    Dialogue,
    DialogueStatus,
    DialogueTrigger,
)
from tests.e2e.helpers import (
    DIALOGUE_MANAGER,
    OVERDUE_DEMO_COMMITMENT,
    dialogue_pages,
    format_axe,
    format_vnu,
    login,
    run_axe,
    validate_html,
)

pytestmark = pytest.mark.e2e

IN_PROGRESS_DEMO_COMMITMENT = "Ra quân lập lại trật tự vỉa hè tuyến Văn Phú hằng tuần"
FOLLOW_LABEL = "Nhận thư khi cam kết này có tiến độ mới"
LINK = r"https?://[^\s]+/follow/(\d+)/{purpose}\?t=[0-9a-f]{{32}}"
# The labels as the models define them (the vi text is the msgid).
PLANNED, ANNOUNCED, HELD, PUBLISHED = (str(DIALOGUE_STATUS_LABELS[s]) for s in (
    DialogueStatus.planned, DialogueStatus.announced, DialogueStatus.held, DialogueStatus.published))
NOT_STARTED, IN_PROGRESS = str(COMMITMENT_STATUS_LABELS[CommitmentStatus.open]), \
    str(COMMITMENT_STATUS_LABELS[CommitmentStatus.in_progress])
VOTER_REQUEST = str(TRIGGER_LABELS[DialogueTrigger.voter_request])
OPEN_ALL_DETAILS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"


# --- helpers ----------------------------------------------------------------------------------


def _navigate(page, click_target):
    """Click and wait for the page the click loads; its response."""
    with page.expect_navigation() as nav:
        click_target.click()
    return nav.value


def _audit(page, response, name: str, results: dict, status: int = 200) -> None:
    """The server's HTML (for the Nu checker) and axe-core's violations with every <details> open."""
    assert response is not None and response.status == status, f"{name}: HTTP {response and response.status}"
    html = response.text()
    page.evaluate(OPEN_ALL_DETAILS)
    results[name] = {"html": html, "axe": run_axe(page), "url": page.url}


def _report(results: dict, vnu: dict) -> list[str]:
    problems = [f"{name} ({r['url']}): axe\n{format_axe(r['axe'])}" for name, r in results.items() if r["axe"]]
    problems += [f"{name} ({results[name]['url']}): Nu HTML checker\n{format_vnu(errs)}"
                 for name, errs in vnu.items() if errs]
    return problems


def _plan(page, day: date, title: str, *, start: str = "08:00", end: str = "10:30") -> int:
    """The "Lên kế hoạch đối thoại" form; the new dialogue's id (its staff page is open)."""
    page.goto("/staff/dialogues")
    _navigate(page, page.get_by_role("link", name="Lên kế hoạch đối thoại"))
    assert urlparse(page.url).path == "/staff/dialogues/new"
    page.fill("#f-title", title)
    page.fill("#f-topics", "Chỉnh trang vỉa hè tuyến Văn La; giờ thu gom rác; an toàn giao thông trước cổng trường")
    page.fill("#f-day", day.isoformat())
    page.fill("#f-start", start)
    page.fill("#f-end", end)
    page.select_option("#f-format", "in_person")
    page.select_option("#f-trigger", "voter_request")
    page.fill("#f-place", "Nhà văn hóa tổ dân phố 8, phường Phú La")
    page.fill("#f-chair", "Nguyễn Văn Minh, Chủ tịch UBND phường")
    page.fill("#f-organised_with", "Ủy ban MTTQ Việt Nam phường Phú La")
    page.fill("#f-invited_groups", "Cử tri tổ dân phố 7 và 8")
    response = _navigate(page, page.get_by_role("button", name="Lưu kế hoạch"))
    assert response.status == 200, page.locator("main").inner_text()[:2000]
    match = re.search(r"/staff/dialogues/(\d+)$", urlparse(page.url).path)
    assert match, page.url
    assert page.locator("h1").inner_text() == title
    assert PLANNED in page.locator("dl.facts").inner_text()
    return int(match.group(1))


def _announce(page):
    return _navigate(page, page.get_by_role("button", name="Thông báo trên cổng và lịch"))


def _move_start(database_url: str, dialogue_id: int, starts_at: datetime) -> None:
    """What the staff forms refuse on purpose (an announced dialogue moved into the past),
    done in the e2e server's database, to stand for a dialogue whose day has come and gone."""
    engine = make_engine(database_url)
    try:
        with session_for(engine, write=True) as s:
            s.execute(update(Dialogue).where(Dialogue.id == dialogue_id)
                   .values(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2)))
            s.commit()
    finally:
        engine.dispose()


def _held_count(page) -> tuple[int, int]:
    """"Đã tổ chức X trên Y" of the staff home page."""
    page.goto("/staff")
    section = page.locator("section[aria-labelledby=dialogues-h]")
    assert section.locator("h2").inner_text() == f"Đối thoại với Nhân dân năm {local_today().year}"
    match = re.search(r"Đã tổ chức (\d+) trên (\d+)", section.inner_text())
    assert match, section.inner_text()
    return int(match.group(1)), int(match.group(2))


def _mail_to(live_server, email: str, subject: str, timeout: float = 15.0) -> list:
    """The mails to `email` whose subject has `subject` (word for word: app/integration/outbox.py
    folds long Vietnamese subjects without losing a space)."""
    found = live_server.mail.wait_for(
        lambda m: email in str(m["To"]) and subject in str(m["Subject"]), timeout=timeout)
    assert found, f"no mail '{subject}' to {email} reached the SMTP server; got:\n" + "\n".join(
        f"{m['To']}: {m['Subject']}" for m in live_server.mail.messages)
    return found


def _link_in(body: str, purpose: str) -> str:
    match = re.search(LINK.format(purpose=purpose), body)
    assert match, f"no {purpose} link in the mail:\n{body}"
    return match.group(0)


# --- 1. planned at short notice, announced anyway ----------------------------------------------


def test_short_notice_dialogue_is_announced_with_a_warning(new_context):
    run = uuid.uuid4().hex[:6]
    title = f"Đối thoại đột xuất về chỉnh trang vỉa hè Văn La ({run})"
    day = local_today() + timedelta(days=3)
    page = new_context().new_page()
    login(page, DIALOGUE_MANAGER)
    dialogue_id = _plan(page, day, title)

    # A plan is not public yet.
    assert page.request.get(f"/dialogues/{dialogue_id}").status == 404
    assert title not in page.request.get("/dialogues").text()

    # The page warns before announcing.
    section = page.locator("section[aria-labelledby=announce-h]")
    warning = section.locator(".alert-warn")
    expect(warning).to_have_count(1)
    assert "chỉ được báo trước 3 ngày" in warning.inner_text()
    assert "ít hơn 7 ngày theo quy định" in warning.inner_text()

    response = _announce(page)
    assert response.status == 200, page.locator("main").inner_text()[:2000]
    url = urlparse(page.url)
    assert url.path == f"/staff/dialogues/{dialogue_id}" and not url.query
    status = page.get_by_role("status").filter(has_text="ngắn hơn quy định")  # kept with the dialogue
    expect(status).to_have_count(1)
    facts = page.locator("dl.facts").inner_text()
    assert ANNOUNCED in facts and f"thông báo ngày {local_today():%d/%m/%Y}" in facts and "báo trước 3 ngày" in facts
    assert page.get_by_role("button", name="Thông báo trên cổng và lịch").count() == 0

    # On the public list, among the dialogues to come ...
    public = new_context().new_page()
    public.goto("/dialogues")
    upcoming = public.locator("section[aria-labelledby=upcoming-h]")
    link = upcoming.get_by_role("link", name=title, exact=True)
    expect(link).to_have_count(1)
    assert link.get_attribute("href") == f"/dialogues/{dialogue_id}"
    card = upcoming.locator("li.card").filter(has=public.get_by_role("link", name=title, exact=True))
    assert f"{day:%d/%m/%Y} 08:00–10:30" in card.inner_text()
    assert "Nhà văn hóa tổ dân phố 8" in card.inner_text()
    assert public.locator("section[aria-labelledby=past-h]").get_by_role("link", name=title).count() == 0
    _navigate(public, link)
    assert public.locator("h1").inner_text() == title
    assert VOTER_REQUEST in public.locator("dl.facts").inner_text()

    # ... and in the calendar feed, at the planned time.
    response = public.request.get("/dialogues/calendar.ics")
    assert response.status == 200 and response.headers["content-type"].startswith("text/calendar")
    events = [ev for ev in Calendar.from_ical(response.body()).walk("VEVENT")
              if str(ev["uid"]).startswith(f"dialogue-{dialogue_id}@")]
    assert len(events) == 1, "the announced dialogue is not (once) in the feed"
    ev = events[0]
    assert str(ev["summary"]) == title
    start, end = ev.decoded("dtstart"), ev.decoded("dtend")
    assert start.tzinfo is not None and end.tzinfo is not None, "a floating time in the feed"
    assert start == datetime.combine(day, time(8, 0), LOCAL_TZ)
    assert end == datetime.combine(day, time(10, 30), LOCAL_TZ)
    assert "Nhà văn hóa tổ dân phố 8" in str(ev["location"])
    assert str(ev["url"]).endswith(f"/dialogues/{dialogue_id}")
    assert str(ev["status"]) == "CONFIRMED"


# --- 2. a dialogue that took place: recorded, then published ------------------------------------


def test_record_and_publish_a_dialogue(new_context, live_server, tmp_path):
    run = uuid.uuid4().hex[:6]
    title = f"Đối thoại về an toàn giao thông trước cổng trường ({run})"
    page = new_context(bypass_csp=True).new_page()  # bypass_csp: axe-core is injected below
    login(page, DIALOGUE_MANAGER)
    a11y: dict[str, dict] = {}

    dialogue_id = _plan(page, local_today() + timedelta(days=20), title)
    assert page.locator("section[aria-labelledby=announce-h] .alert-warn").count() == 0, "20 days is enough notice"
    response = _announce(page)
    assert response.status == 200 and "notice=short" not in page.url
    assert page.get_by_role("status").filter(has_text="ngắn hơn quy định").count() == 0
    assert page.locator("form[action$='/held']").count() == 0, "a dialogue still to come cannot be recorded"

    # Its day has passed (see _move_start). The held count of the year, before and after.
    held_at = (datetime.now(LOCAL_TZ) - timedelta(hours=3)).replace(second=0, microsecond=0)
    _move_start(live_server.database_url, dialogue_id, held_at)
    held_before, required = _held_count(page)

    url = f"/staff/dialogues/{dialogue_id}"
    _audit(page, page.goto(url), "manager-dialogue-to-record", a11y)
    minutes_form = page.locator(f"form[action='{url}/held']")
    expect(minutes_form).to_have_count(1)
    minutes = [f"Hội nghị khai mạc lúc {held_at:%H:%M}, có 58 cử tri tổ dân phố 7 và 8 tham dự ({run}).",
               "Chủ tịch UBND phường trả lời 2 ý kiến; các cam kết được ghi dưới đây."]
    minutes_form.locator("#f-held-attendance").fill("58")
    minutes_form.locator("#f-held-minutes").fill("\n\n".join(minutes))
    response = _navigate(page, minutes_form.get_by_role("button", name="Lưu kết quả đối thoại"))
    assert response.status == 200 and page.url.endswith("#minutes"), page.locator("main").inner_text()[:2000]
    facts = page.locator("dl.facts").inner_text()
    assert HELD in facts and "58" in facts and "Hạn công bố kết quả" in facts
    assert minutes[0] in page.locator("#minutes").inner_text()
    assert page.locator("details").filter(has_text="Sửa kế hoạch").count() == 0, "a held dialogue keeps its plan"
    held_after, _ = _held_count(page)
    assert held_after == held_before + (1 if held_at.year == local_today().year else 0)
    assert required >= 1

    # Two questions with their answers; one first sent too short (the server's check).
    page.goto(url)
    questions = [
        {"asked_by": "Tổ dân phố 7", "content": f"Xe đỗ tràn trước cổng Trường Tiểu học Phú La giờ tan học ({run})",
         "answer": "Bố trí lực lượng phân luồng giờ cao điểm từ tuần sau.", "answered_by": "Chủ tịch UBND phường"},
        {"asked_by": "Hội Phụ nữ phường", "content": f"Đề nghị kẻ vạch đi bộ qua đường trước cổng trường ({run})",
         "answer": "Phường đề nghị quận kẻ vạch trong quý này.", "answered_by": "Phó Chủ tịch UBND phường"},
    ]
    details = page.locator("#questions details").filter(has_text="Ghi câu hỏi")
    details.locator("summary").click()
    details.locator("#f-q-asked_by").fill("Tổ dân phố 8")
    details.locator("#f-q-content").fill("Đèn?")
    response = _navigate(page, details.get_by_role("button", name="Lưu câu hỏi"))
    assert response.status == 422
    summary = page.locator("#form-errors")
    assert summary.get_attribute("role") == "alert"
    assert summary.locator("a[href='#f-q-content']").count() == 1
    assert page.get_attribute("#f-q-content", "aria-invalid") == "true"
    assert page.input_value("#f-q-asked_by") == "Tổ dân phố 8", "what was typed is kept"
    _audit(page, response, "manager-question-errors", a11y, status=422)
    assert page.locator("#questions ol li").count() == 0, "nothing was written"
    for q in questions:
        page.goto(url)
        details = page.locator("#questions details").filter(has_text="Ghi câu hỏi")
        details.locator("summary").click()
        for name, value in q.items():
            details.locator(f"#f-q-{name}").fill(value)
        response = _navigate(page, details.get_by_role("button", name="Lưu câu hỏi"))
        assert response.status == 200 and page.url.endswith("#questions"), page.locator("main").inner_text()[:2000]
    listed = page.locator("#questions ol > li")
    expect(listed).to_have_count(2)
    for item, q in zip(listed.all(), questions):
        assert q["content"] in item.inner_text() and q["answer"] in item.inner_text()

    # Two commitments, the first answering question 1.
    due = local_today() + timedelta(days=30)
    commitments = [
        {"title": f"Phân luồng giao thông trước cổng trường giờ tan học ({run})",
         "owner_department": "Công an phường Phú La", "question": "1. "},
        {"title": f"Kiểm tra, báo cáo hiện trạng biển báo quanh trường ({run})",
         "owner_department": "Bộ phận Kinh tế - Hạ tầng", "question": None},
    ]
    for c in commitments:
        page.goto(url)
        details = page.locator("#commitments > details")
        details.locator("summary").click()
        details.locator("#f-c-title").fill(c["title"])
        details.locator("#f-c-owner_department").fill(c["owner_department"])
        details.locator("#f-c-due_on").fill(due.isoformat())
        select = details.locator("#f-c-question_id")
        if c["question"]:
            label = next(t for t in select.locator("option").all_inner_texts() if t.startswith(c["question"]))
            select.select_option(label=label)
        else:
            assert select.input_value() == "", "no question by default"
        response = _navigate(page, details.get_by_role("button", name="Lưu cam kết"))
        assert response.status == 200 and page.url.endswith("#commitments"), page.locator("main").inner_text()[:2000]
    cards = page.locator("#commitments article.card")
    expect(cards).to_have_count(2)
    _audit(page, page.goto(url), "manager-dialogue-held", a11y)

    # Publish.
    publish = page.locator(f"form[action='{url}/publish']")
    response = _navigate(page, publish.get_by_role("button", name="Công bố kết quả"))
    assert response.status == 200, page.locator("main").inner_text()[:2000]
    facts = page.locator("dl.facts").inner_text()
    assert PUBLISHED in facts and f"đã công bố ngày {local_today():%d/%m/%Y}" in facts
    assert page.locator(f"form[action='{url}/publish']").count() == 0

    # The public page: minutes, both questions with their answers, both commitments.
    public = new_context(bypass_csp=True).new_page()
    response = public.goto(f"/dialogues/{dialogue_id}")
    assert response.status == 200
    assert public.locator("h1").inner_text() == title
    facts = public.locator("dl.facts").first.inner_text()
    assert "58" in facts and local_today().strftime("%d/%m/%Y") in facts
    shown_minutes = public.locator(".minutes").inner_text()
    for paragraph in minutes:
        assert paragraph in shown_minutes
    shown = public.locator("ol.qa > li")
    expect(shown).to_have_count(2)
    for i, q in enumerate(questions):
        item = public.locator(f"#q-{i + 1}")
        text = item.inner_text()
        assert f"Câu hỏi {i + 1}" in text and q["asked_by"] in text and q["content"] in text
        assert q["answer"] in item.locator(".answer").inner_text()
        assert q["answered_by"] in item.locator(".answer").inner_text()
    items = public.locator("ol.commitments > li")
    expect(items).to_have_count(2)
    for item, c in zip(items.all(), commitments):
        assert item.locator("h3").inner_text() == c["title"]
        text = item.inner_text()
        assert c["owner_department"] in text and due.strftime("%d/%m/%Y") in text and NOT_STARTED in text
        assert "Quá hạn" not in text
        link = item.get_by_role("link", name="Câu hỏi 1")
        assert link.count() == (1 if c["question"] else 0)
        if c["question"]:
            assert link.get_attribute("href") == "#q-1"
        assert item.get_by_label(FOLLOW_LABEL).count() == 1
    # Listed among the dialogues that took place.
    public.goto("/dialogues")
    past = public.locator("section[aria-labelledby=past-h]")
    card = past.locator("li.card").filter(has=public.get_by_role("link", name=title, exact=True))
    expect(card).to_have_count(1)
    assert "58 người tham dự" in card.inner_text()
    assert f"Kết quả công bố ngày {local_today():%d/%m/%Y}" in card.inner_text()
    _audit(public, public.goto(f"/dialogues/{dialogue_id}"), "public-dialogue-recorded", a11y)

    vnu = validate_html({n: r["html"] for n, r in a11y.items()}, tmp_path / "vnu")
    problems = _report(a11y, vnu)
    assert not problems, "\n".join(problems)


# --- 3. a resident follows a commitment by e-mail ----------------------------------------------


def test_resident_follows_a_commitment_by_mail(new_context, live_server):
    run = uuid.uuid4().hex[:8]
    email = f"cutri.{run}@example.org"
    dialogue_id = live_server.ids["dialogue_published"]

    resident = new_context().new_page()
    resident.goto(f"/dialogues/{dialogue_id}")
    item = resident.locator("ol.commitments > li").filter(
        has=resident.get_by_role("heading", name=IN_PROGRESS_DEMO_COMMITMENT, exact=True))
    expect(item).to_have_count(1)
    commitment_id = int(item.get_attribute("id").removeprefix("c-"))
    item.get_by_label(FOLLOW_LABEL).fill(email)
    response = _navigate(resident, item.get_by_role("button", name="Theo dõi"))
    assert response.status == 200
    assert resident.locator("h1").inner_text() == "Kiểm tra hộp thư"
    sent = resident.get_by_role("status").filter(has_text=f"Chúng tôi đã gửi thư xác nhận tới {email}")
    expect(sent).to_have_count(1)

    # The confirmation mail, and its link.
    mail = _mail_to(live_server, email, "Xác nhận theo dõi kết quả đối thoại")
    assert len(mail) == 1
    body = mail[0].get_content()
    assert IN_PROGRESS_DEMO_COMMITMENT in body
    confirm = _link_in(body, "confirm")
    assert confirm.startswith(live_server.url)
    follow_id = re.search(r"/follow/(\d+)/", confirm).group(1)
    assert resident.goto(confirm).status == 200
    assert resident.locator("h1").inner_text() == "Đã xác nhận theo dõi"
    # A forged token gets nowhere.
    assert resident.request.get(f"/follow/{follow_id}/confirm?t={'0' * 32}").status == 404

    # Staff post a progress step on the commitment.
    note = f"Đã ra quân lập lại trật tự vỉa hè đoạn từ số 20 đến số 80 Văn Phú, lập biên bản 3 trường hợp ({run})"
    staff = new_context().new_page()
    login(staff, DIALOGUE_MANAGER)

    def post_step(text: str) -> None:
        staff.goto(f"/staff/dialogues/{dialogue_id}")
        card = staff.locator("#commitments article.card").filter(
            has=staff.get_by_role("heading", name=IN_PROGRESS_DEMO_COMMITMENT, exact=True))
        expect(card).to_have_count(1)
        card.locator("summary").filter(has_text="Cập nhật tiến độ").click()
        assert card.locator(f"#f-p{commitment_id}-on").input_value() == local_today().isoformat()
        card.locator(f"#f-p{commitment_id}-note").fill(text)
        card.locator(f"#f-p{commitment_id}-status").select_option("in_progress")
        response = _navigate(staff, card.get_by_role("button", name="Lưu tiến độ"))
        assert response.status == 200 and staff.url.endswith("#commitments"), \
            staff.locator("main").inner_text()[:2000]
        assert text in card.inner_text()

    post_step(note)

    # The progress mail, with the step's note and a one-click unsubscribe link.
    mail = _mail_to(live_server, email, f"[Cam kết] {IN_PROGRESS_DEMO_COMMITMENT}")
    assert len(mail) == 1
    body = mail[0].get_content()
    assert note in body and f"Ngày {local_today():%d/%m/%Y}" in body and IN_PROGRESS in body
    assert f"{live_server.url}/dialogues/{dialogue_id}#c-{commitment_id}" in body
    unsubscribe = _link_in(body, "unsubscribe")
    assert f"/follow/{follow_id}/unsubscribe" in unsubscribe

    # The step is on the public page too.
    resident.goto(f"/dialogues/{dialogue_id}")
    assert note in resident.locator(f"#c-{commitment_id} ol.steps").inner_text()

    assert resident.goto(unsubscribe).status == 200
    assert resident.locator("h1").inner_text() == "Đã hủy theo dõi"
    expect(resident.get_by_role("status").filter(has_text="không nhận thêm thư")).to_have_count(1)

    # Once unsubscribed, the next step sends nothing to this address.
    post_step(f"Tiếp tục ra quân đoạn từ số 80 đến cuối tuyến Văn Phú ({run})")
    later = live_server.mail.wait_for(lambda m: email in str(m["To"]) and "[Cam kết]" in str(m["Subject"])
                                      and "cuối tuyến" in m.get_content(), timeout=4)
    assert not later, "a mail was sent after unsubscribing"
    assert len([m for m in live_server.mail.messages if email in str(m["To"])]) == 2


# --- 4. the open commitments, overdue first ---------------------------------------------------


def test_open_commitments_list_the_overdue_one_first(page, live_server):
    response = page.goto("/dialogues/commitments")
    assert response.status == 200
    rows = page.locator("table.commitment-table tbody tr")
    assert rows.count() >= 2
    first = rows.first
    link = first.locator("th[scope=row] a")
    assert link.inner_text() == OVERDUE_DEMO_COMMITMENT
    commitment_id = live_server.ids["commitment_overdue"]
    assert link.get_attribute("href") == f"/dialogues/{live_server.ids['dialogue_published']}#c-{commitment_id}"
    assert "is-overdue" in (first.get_attribute("class") or "")
    badge = first.locator(".badge-overdue")
    expect(badge).to_have_count(1)
    days = int(re.fullmatch(r"Quá hạn (\d+) ngày", badge.inner_text().strip()).group(1))
    assert days == 15, "the demo's commitment was due 15 days ago"
    assert NOT_STARTED in first.inner_text()
    # Overdue rows first, then the others by due date; the other demo commitment is not overdue.
    flags = ["is-overdue" in (rows.nth(i).get_attribute("class") or "") for i in range(rows.count())]
    assert flags == sorted(flags, reverse=True), flags
    other = rows.filter(has=page.get_by_role("link", name=IN_PROGRESS_DEMO_COMMITMENT, exact=True))
    expect(other).to_have_count(1)
    assert other.locator(".badge-overdue").count() == 0
    assert ", 1 quá hạn" in page.locator("table.commitment-table caption").inner_text()
    # The finished commitment is not listed.
    assert page.get_by_text("Lắp 4 đèn LED chiếu sáng ngõ 12 Văn Phú").count() == 0
    # The list page points to it too.
    page.goto("/dialogues")
    assert ", 1 quá hạn" in page.locator("ul.dialogue-links").inner_text()


# --- 5. the managers' pages through axe-core and the Nu HTML checker ----------------------------


def test_manager_pages_are_accessible_valid_and_fit_360px(new_context, live_server, tmp_path):
    """helpers.dialogue_pages(), with their forms (the administrator of test_accessibility may not
    manage dialogues), every <details> open for axe; the plan form sent with errors; and the
    same pages on a 360 px screen."""
    page = new_context(bypass_csp=True).new_page()
    login(page, DIALOGUE_MANAGER)
    results: dict[str, dict] = {}
    for name, path in dialogue_pages(live_server.ids).items():
        _audit(page, page.goto(path), name, results)
    assert 'action="/staff/dialogues"' in results["manager-dialogue-new"]["html"]
    assert "/progress" in results["manager-dialogue-published"]["html"]

    # The plan form with a title of spaces (passes `required`, fails on the server).
    page.goto("/staff/dialogues/new")
    page.fill("#f-title", "   ")
    page.fill("#f-topics", "Thủ tục đất đai")
    page.fill("#f-day", (local_today() + timedelta(days=30)).isoformat())
    page.fill("#f-place", "Hội trường UBND phường")
    page.fill("#f-chair", "Nguyễn Văn Minh")
    response = _navigate(page, page.get_by_role("button", name="Lưu kế hoạch"))
    _audit(page, response, "manager-dialogue-new-errors", results, status=422)
    html = results["manager-dialogue-new-errors"]["html"]
    assert 'role="alert"' in html and 'href="#f-title"' in html and 'aria-invalid="true"' in html
    assert page.input_value("#f-place") == "Hội trường UBND phường", "what was typed is kept"

    vnu = validate_html({name: r["html"] for name, r in results.items()}, tmp_path / "vnu")
    problems = _report(results, vnu)
    assert not problems, "\n".join(problems)

    phone = new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True).new_page()
    login(phone, DIALOGUE_MANAGER)
    wide = {}
    for name, path in dialogue_pages(live_server.ids).items():
        phone.goto(path)
        phone.evaluate(OPEN_ALL_DETAILS)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide[name] = f"{path}: scrollWidth {width} > 360"
    assert not wide, "pages scroll horizontally at 360 px:\n" + "\n".join(wide.values())
