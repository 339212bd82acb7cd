"""Dialogues with residents, the public side: the list (upcoming first, never a planned one),
one dialogue (results only once published), the open commitments (overdue first), the
iCalendar feed, file downloads, and the JSON API."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, time, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import event

from app.core.files import Upload
from app.core.pdf import simple_pdf
from app.core.timeutil import LOCAL_TZ, local_today
from app.dialogues import commitments
from app.dialogues import service as dialogue_service
from tests import factories
from tests.dialogues.test_service import dialogue_input

API = "/api/v1/dialogues"


def announced(session, p, days_ahead=10, **kw):
    d = dialogue_service.plan(session, principal=p, data=dialogue_input(days_ahead, **kw))
    dialogue_service.announce(session, principal=p, dialogue_id=d.id)
    session.commit()
    return d


def held(session, p, *, days_ago=2, minutes="Biên bản đối thoại.", **kw):
    """A dialogue that took place `days_ago` days ago (its date is set past after announcing)."""
    d = dialogue_service.plan(session, principal=p, data=dialogue_input(**kw))
    dialogue_service.announce(session, principal=p, dialogue_id=d.id)
    d.starts_at = datetime.combine(local_today() - timedelta(days=days_ago), time(8, 0), LOCAL_TZ)
    session.add(d)
    dialogue_service.record_held(session, principal=p, dialogue_id=d.id,
                                 data=dialogue_service.HeldInput(attendance=84, minutes=minutes))
    session.commit()
    return d


def commitment(session, p, d, title="Lắp đèn ngõ 12", due_in=30, question_id=None):
    c = commitments.add_commitment(session, principal=p, dialogue_id=d.id, data=commitments.CommitmentInput(
        title=title, owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=due_in),
        question_id=question_id))
    session.commit()
    return c


def question(session, p, d, content="Bao giờ lắp đèn ngõ 12?", answer="Trong quý I", **kw):
    q = dialogue_service.add_question(session, principal=p, dialogue_id=d.id, data=dialogue_service.QuestionInput(
        asked_by="Tổ dân phố 5", content=content, answer=answer, answered_by="Chủ tịch UBND phường" if answer else ""),
        **kw)
    session.commit()
    return q


def publish(session, p, d):
    dialogue_service.publish(session, principal=p, dialogue_id=d.id)
    session.commit()


def pdf(text):
    return simple_pdf(text, [text])


@pytest.fixture
def leader(session):
    return factories.principal(session, "leader")


@pytest.fixture
def results(session, leader, settings):
    """A published dialogue with minutes, a signed scan, a question, two commitments (one
    overdue, one with progress and evidence), and a correction after publication."""
    d = held(session, leader, days_ago=40, title="Đối thoại về chiếu sáng ngõ xóm",
             minutes="## Diễn biến\n\nÝ kiến của **TDP 5**. <script>alert(1)</script>")
    scan = dialogue_service.attach_minutes_scan(session, principal=leader, dialogue_id=d.id,
                                   upload=Upload(pdf("Bien ban co chu ky"), "bien-ban.pdf"), store=settings.file_store)
    q = question(session, leader, d)
    late = commitment(session, leader, d, title="Nạo vét cống TDP 3", due_in=-5)
    lit = commitment(session, leader, d, title="Lắp đèn ngõ 12", due_in=20, question_id=q.id)
    step = commitments.add_progress(session, principal=leader, commitment_id=lit.id, data=commitments.ProgressInput(
        on=local_today(), note="Đã khảo sát, lập dự toán 4 bóng LED", status="in_progress"),
        uploads=[Upload(pdf("Du toan"), "du-toan.pdf")], store=settings.file_store)
    session.commit()
    publish(session, leader, d)
    question(session, leader, d, content="Câu hỏi bổ sung về cây xanh", answer="",
             reason="Bổ sung câu hỏi còn sót trong biên bản")
    session.commit()
    session.refresh(step)
    return {"d": d, "scan": scan, "q": q, "late": late, "lit": lit, "step": step}


# Pages -----------------------------------------------------------------------------------------

def test_the_list_shows_upcoming_first_and_never_a_planned_dialogue(client, session, leader, results):
    dialogue_service.plan(session, principal=leader, data=dialogue_input(title="Kế hoạch đối thoại chưa thông báo"))
    session.commit()
    soon = announced(session, leader, days_ahead=8, title="Đối thoại về an ninh trật tự")
    waiting = held(session, leader, days_ago=1, title="Đối thoại về giải phóng mặt bằng")
    page = client.get("/dialogues")
    assert page.status_code == 200
    html = page.text
    assert "Kế hoạch đối thoại chưa thông báo" not in html
    assert html.index("Sắp diễn ra") < html.index(soon.title) < html.index("Đã diễn ra") < html.index(waiting.title)
    assert html.index(waiting.title) < html.index(results["d"].title)  # latest first
    assert "84 người tham dự" in html and f"Kết quả công bố ngày {local_today():%d/%m/%Y}" in html
    assert 'href="/dialogues/calendar.ics"' in html and 'href="/dialogues/commitments"' in html
    assert "2 cam kết chưa hoàn thành" in html and "1 quá hạn" in html
    assert '<a href="/dialogues">' in html  # the header's link


def test_an_announced_dialogue_shows_only_its_announcement(client, session, leader):
    d = announced(session, leader, format="hybrid", online_url="https://meet.example.vn/doi-thoai")
    page = client.get(f"/dialogues/{d.id}")
    assert page.status_code == 200
    assert "Hội trường UBND phường" in page.text and 'href="https://meet.example.vn/doi-thoai"' in page.text
    assert "Lấn chiếm vỉa hè" in page.text and "Nguyễn Văn Minh" in page.text and "TDP 1–12" in page.text
    assert "Theo kế hoạch năm" in page.text and "Trực tiếp kết hợp trực tuyến" in page.text
    assert "Biên bản đối thoại" not in page.text and "Câu hỏi và trả lời" not in page.text


def test_a_held_dialogue_says_results_are_being_prepared_and_hides_them(client, session, leader):
    d = held(session, leader, minutes="Biên bản chưa công bố")
    question(session, leader, d, content="Câu hỏi chưa công bố")
    commitment(session, leader, d, title="Cam kết chưa công bố")
    page = client.get(f"/dialogues/{d.id}")
    due = dialogue_service.publication_deadline(session, d).due_on
    assert page.status_code == 200 and f"công bố chậm nhất ngày {due:%d/%m/%Y}" in page.text
    assert "84" in page.text
    for secret in ("Biên bản chưa công bố", "Câu hỏi chưa công bố", "Cam kết chưa công bố"):
        assert secret not in page.text


def test_a_published_dialogue_shows_its_results(client, session, results):
    d, late = results["d"], results["late"]
    page = client.get(f"/dialogues/{d.id}")
    assert page.status_code == 200
    html = page.text
    assert "<strong>TDP 5</strong>" in html and "<script>alert" not in html  # sanitised Markdown
    assert "<h3>Diễn biến</h3>" in html  # under the page's "Biên bản đối thoại" (h2)
    assert results["scan"].sha256 in html and f'href="/dialogues/{d.id}/files/{results["scan"].id}"' in html
    assert "Bao giờ lắp đèn ngõ 12?" in html and "Trong quý I" in html and "Chủ tịch UBND phường" in html
    assert "Tổ dân phố 5" in html and "Câu hỏi bổ sung về cây xanh" in html
    assert "Nạo vét cống TDP 3" in html and "Quá hạn 5 ngày" in html
    assert re.search(rf'id="c-{late.id}" class="commitment is-overdue"', html)
    assert "Đã khảo sát, lập dự toán 4 bóng LED" in html and "du-toan.pdf" in html
    assert 'href="#q-1"' in html  # the commitment answers question 1
    # The correction: its date and reason, never what it said before.
    assert "Đính chính" in html and "Bổ sung câu hỏi còn sót trong biên bản" in html


def test_planned_and_unknown_dialogues_are_not_found(client, session, leader):
    d = dialogue_service.plan(session, principal=leader, data=dialogue_input())
    session.commit()
    assert client.get(f"/dialogues/{d.id}").status_code == 404
    assert client.get("/dialogues/999999").status_code == 404
    for bad in ("abc", "0", "99999999999"):
        assert client.get(f"/dialogues/{bad}").status_code in (404, 422)


def test_open_commitments_overdue_first_with_the_latest_step(client, session, leader, results):
    other = held(session, leader, days_ago=3, title="Đối thoại chưa công bố kết quả")
    commitment(session, leader, other, title="Cam kết của đối thoại chưa công bố", due_in=-1)
    page = client.get("/dialogues/commitments")
    assert page.status_code == 200
    html = page.text
    assert "Cam kết của đối thoại chưa công bố" not in html
    assert html.index("Nạo vét cống TDP 3") < html.index("Lắp đèn ngõ 12")
    assert "Quá hạn 5 ngày" in html and "Đã khảo sát, lập dự toán 4 bóng LED" in html
    assert f'href="/dialogues/{results["d"].id}#c-{results["late"].id}"' in html
    assert "<caption>" in html and 'scope="col"' in html


def test_no_open_commitments(client):
    page = client.get("/dialogues/commitments")
    assert page.status_code == 200 and "Không có cam kết nào đang chờ thực hiện." in page.text


def test_the_calendar_feed_parses_and_has_public_dialogues_only(client, session, leader):
    hidden = dialogue_service.plan(session, principal=leader,
                                   data=dialogue_input(title="Kế hoạch đối thoại chưa thông báo"))
    session.commit()
    d = announced(session, leader, format="hybrid", online_url="https://meet.example.vn/x")
    done = held(session, leader)
    feed = client.get("/dialogues/calendar.ics")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = {str(e["UID"]): e for e in Calendar.from_ical(feed.content).walk("VEVENT")}
    assert set(events) == {f"dialogue-{d.id}@testserver", f"dialogue-{done.id}@testserver"}
    assert f"dialogue-{hidden.id}@testserver" not in events
    ev = events[f"dialogue-{d.id}@testserver"]
    assert str(ev["SUMMARY"]) == d.title and "Lấn chiếm vỉa hè" in str(ev["DESCRIPTION"])
    assert "Hội trường UBND phường" in str(ev["LOCATION"]) and "https://meet.example.vn/x" in str(ev["LOCATION"])
    assert str(ev["URL"]) == f"http://testserver/dialogues/{d.id}"
    assert ev.decoded("DTEND") - ev.decoded("DTSTART") == timedelta(hours=3)


# Files -----------------------------------------------------------------------------------------

def test_files_of_a_published_dialogue_only(client, session, leader, settings, results):
    d, scan = results["d"], results["scan"]
    r = client.get(f"/dialogues/{d.id}/files/{scan.id}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(r.content).hexdigest() == scan.sha256 and "bien-ban.pdf" in r.headers["content-disposition"]
    evidence = client.get(f"/dialogues/{d.id}/files/{scan.id + 1}")
    assert evidence.status_code == 200 and "du-toan.pdf" in evidence.headers["content-disposition"]

    waiting = held(session, leader)
    unpublished = dialogue_service.attach_minutes_scan(session, principal=leader, dialogue_id=waiting.id,
                                          upload=Upload(pdf("Chua cong bo"), "chua.pdf"), store=settings.file_store)
    session.commit()
    assert client.get(f"/dialogues/{waiting.id}/files/{unpublished.id}").status_code == 404
    assert client.get(f"/dialogues/{d.id}/files/{unpublished.id}").status_code == 404  # another dialogue's
    assert client.get(f"/dialogues/{d.id}/files/999999").status_code == 404
    assert client.get(f"/dialogues/{d.id}/files/abc").status_code == 422


# API -------------------------------------------------------------------------------------------

CONTRACT = {"id", "title", "topics", "starts_at", "place", "format", "status", "attendance", "results_published_on",
            "questions", "commitments"}


def test_api_one_dialogue_with_its_results(client, results):
    d, lit, late = results["d"], results["lit"], results["late"]
    r = client.get(f"{API}/{d.id}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert CONTRACT <= set(body)
    assert body["status"] == "published" and body["format"] == "in_person" and body["attendance"] == 84
    assert body["results_published_on"] == local_today().isoformat()
    assert body["starts_at"].endswith("+07:00") and "<script>" in body["minutes"]  # raw Markdown, as recorded
    assert body["questions"][0] == {"position": 1, "content": "Bao giờ lắp đèn ngõ 12?", "asked_by": "Tổ dân phố 5",
                                    "answer": "Trong quý I", "answered_by": "Chủ tịch UBND phường"}
    by_id = {c["id"]: c for c in body["commitments"]}
    assert set(by_id[lit.id]) >= {"id", "title", "owner_department", "due_on", "status", "progress"}
    assert by_id[late.id]["overdue"] is True and by_id[lit.id]["overdue"] is False
    assert by_id[lit.id]["question_position"] == 1 and by_id[lit.id]["status"] == "in_progress"
    [step] = by_id[lit.id]["progress"]
    assert step["on"] == local_today().isoformat() and step["note"].startswith("Đã khảo sát")
    assert step["files"][0]["url"].startswith(f"http://testserver/dialogues/{d.id}/files/")
    assert body["minutes_files"][0]["sha256"] == results["scan"].sha256
    assert body["corrections"] == 1 and body["url"] == f"http://testserver/dialogues/{d.id}"


def test_api_hides_results_before_publication_and_planned_dialogues(client, session, leader):
    d = held(session, leader, minutes="Biên bản chưa công bố")
    question(session, leader, d)
    commitment(session, leader, d)
    planned = dialogue_service.plan(session, principal=leader, data=dialogue_input())
    session.commit()
    body = client.get(f"{API}/{d.id}").json()
    assert body["status"] == "held" and body["attendance"] == 84
    assert body["questions"] == [] and body["commitments"] == [] and body["minutes"] == ""
    missing = client.get(f"{API}/{planned.id}")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert planned.id not in [i["id"] for i in client.get(API).json()["items"]]


def test_api_list_pages_filters_and_follows_changes(client, session, leader, results):
    soon = announced(session, leader, days_ahead=8)
    waiting = held(session, leader, days_ago=1)
    ids, cursor = [], None
    while True:
        r = client.get(API, params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200 and len(r.json()["items"]) == 1
        ids.append(r.json()["items"][0]["id"])
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert ids == [soon.id, waiting.id, results["d"].id]  # latest start first
    assert [i["id"] for i in client.get(API, params={"status": "held"}).json()["items"]] == [waiting.id]

    # A progress step changes only the commitment: the dialogue still counts as changed.
    mark = datetime.now(timezone.utc)
    assert client.get(API, params={"updated_since": mark.isoformat()}).json()["items"] == []
    commitments.add_progress(session, principal=leader, commitment_id=results["late"].id,
                             data=commitments.ProgressInput(on=local_today(), note="Đã thuê đơn vị nạo vét",
                                                            status="in_progress"))
    session.commit()
    [changed] = client.get(API, params={"updated_since": mark.isoformat()}).json()["items"]
    assert changed["id"] == results["d"].id and datetime.fromisoformat(changed["updated_at"]) >= mark
    since = (mark - timedelta(days=1)).isoformat()
    ids, cursor = [], None
    while True:
        r = client.get(API, params={"updated_since": since, "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        ids += [i["id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert ids == [soon.id, waiting.id, results["d"].id]  # oldest change first


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "not-a-cursor"},
                                    {"cursor": "W10"}, {"updated_since": "0001-01-01T00:00:00"},
                                    {"updated_since": "yesterday"}, {"status": "planned"}])
def test_api_bad_input_is_a_problem(client, params):
    r = client.get(API, params=params)
    assert r.status_code == 422, params
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["abc", "0", "99999999999"])
def test_api_bad_ids_are_problems(client, path):
    r = client.get(f"{API}/{path}")
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


def test_api_list_costs_the_same_whatever_the_page_holds(client, app, session, leader, settings):
    def queries(n):
        for i in range(n):
            d = held(session, leader, days_ago=3 + i)
            q = question(session, leader, d)
            c = commitment(session, leader, d, question_id=q.id)
            commitments.add_progress(session, principal=leader, commitment_id=c.id, data=commitments.ProgressInput(
                on=local_today(), note="Đang thực hiện", status="in_progress"))
            session.commit()
            publish(session, leader, d)
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(app.state.engine, "before_cursor_execute", count)
        try:
            r = client.get(API, params={"limit": 100})
        finally:
            event.remove(app.state.engine, "before_cursor_execute", count)
        assert r.status_code == 200 and all(i["commitments"][0]["progress"] for i in r.json()["items"])
        return len(statements)

    assert queries(1) == queries(3)


def test_following_a_commitment_from_its_page(client, session):
    from sqlmodel import select as sql_select

    from app.dialogues import following
    from app.models.outbox import OutboxMessage

    leader = factories.principal(session, "leader")
    d = held(session, leader)
    c = commitments.add_commitment(session, principal=leader, dialogue_id=d.id, data=commitments.CommitmentInput(
        title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=30)))
    dialogue_service.publish(session, principal=leader, dialogue_id=d.id)
    session.commit()
    page = client.get(f"/dialogues/{d.id}")
    assert f'action="/dialogues/commitments/{c.id}/follow"' in page.text
    token = factories.csrf(client, f"/dialogues/{d.id}")
    r = client.post(f"/dialogues/commitments/{c.id}/follow", data={"email": "an@example.org", "csrf_token": token})
    assert r.status_code == 200 and "an@example.org" in r.text
    bad = client.post(f"/dialogues/commitments/{c.id}/follow", data={"email": "an", "csrf_token": token})
    assert bad.status_code == 422
    session.rollback()
    mail = session.exec(sql_select(OutboxMessage).where(OutboxMessage.to_address == "an@example.org")).one()
    link = mail.body.split("http://testserver")[1].split()[0]
    assert client.get(link).status_code == 200
    assert client.get(link.replace("confirm", "unsubscribe")).status_code == 404  # another purpose's token
    session.rollback()  # a fresh snapshot after the app's writes
    assert session.exec(sql_select(following.Follow)).one().confirmed_at is not None
