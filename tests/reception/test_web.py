"""Reception pages without JavaScript: the public schedule and feed, the staff sessions list,
the register form (422 with values kept, HTMX partial), session actions, rules, compliance,
the print view, and who may see what."""

from datetime import datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from app.cases.codes import format_code
from app.core.timeutil import LOCAL_TZ, local_today
from app.models.complaint import Complaint
from app.models.reception import ReceptionSession, ReceptionVisit
from app.reception import schedule, visits
from tests import factories


def make_session(session, *, day=None, host_role="officer", host_name="Lê Văn Cán bộ"):
    clerk = factories.principal(session, "reception")
    day = day or local_today()
    row = schedule.create_session(session, principal=clerk, data=schedule.SessionInput(
        starts_at=datetime.combine(day, time(7, 30), LOCAL_TZ), ends_at=datetime.combine(day, time(11, 30), LOCAL_TZ),
        host_name=host_name, host_role=host_role, type="ad_hoc", place="Phòng tiếp công dân"))
    session.commit()
    return row


VISIT = {"visitor_name": "Trần Thị Bình", "visitor_address": "Số 5 ngõ 2, TDP 3", "id_number": "001234567890",
         "summary": "Đề nghị xem xét việc cấp giấy chứng nhận quyền sử dụng đất", "case_kind": "petition",
         "people_count": "1", "outcome": "recorded", "field": "other"}


def post_visit(client, session_id, token, htmx=False, **kw):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/staff/reception/sessions/{session_id}/visits", data={**VISIT, **kw, "csrf_token": token},
                       headers=headers, follow_redirects=False)


# Public ----------------------------------------------------------------------------------------

def test_public_schedule_shows_sessions_and_the_rules_but_never_the_register(client, session):
    s = make_session(session, host_name="Nguyễn Văn Tiếp")
    clerk = factories.principal(session, "reception")
    visits.log_visit(session, principal=clerk, session_id=s.id, data=visits.VisitInput.model_validate(VISIT))
    session.commit()
    page = client.get("/reception")
    assert page.status_code == 200
    assert "Nguyễn Văn Tiếp" in page.text and "Nội quy tiếp công dân" in page.text
    assert "Trần Thị Bình" not in page.text and "7890" not in page.text


def test_public_week_shows_a_holiday_and_the_feed_parses(client, session):
    page = client.get("/reception?week=2027-01-01")
    assert page.status_code == 200 and "Tết Dương lịch" in page.text
    make_session(session, day=local_today() + timedelta(days=1))
    feed = client.get("/reception/calendar.ics")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert events and all(str(e["UID"]).startswith("reception-session-") for e in events)


@pytest.mark.parametrize("week", ["xx", "2026-13-45", "99999-01-01", "0001-01-01"])
def test_a_bad_week_falls_back_to_this_week_or_is_refused(client, week):
    assert client.get("/reception", params={"week": week}).status_code in (200, 422)


# The staff register ----------------------------------------------------------------------------

def test_logging_a_visit_without_javascript_redirects_back_to_the_register(client, session, login):
    login("reception")
    s = make_session(session)
    token = factories.csrf(client, f"/staff/reception/sessions/{s.id}")
    r = post_visit(client, s.id, token)
    assert r.status_code == 303 and r.headers["location"].endswith("#register")
    page = client.get(r.headers["location"].split("#")[0])
    assert "Trần Thị Bình" in page.text and "Đã ghi lượt tiếp số 1" in page.text
    assert "001234567890" not in page.text and "••••••••7890" in page.text  # masked in the list


def test_a_bad_visit_gets_one_message_per_field_and_keeps_the_rest(client, session, login):
    login("reception")
    s = make_session(session)
    token = factories.csrf(client, f"/staff/reception/sessions/{s.id}")
    r = post_visit(client, s.id, token, visitor_address="", people_count="12",
                   representatives="A\nB\nC\nD\nE\nF", outcome="refused")
    assert r.status_code == 422
    assert 'id="e-visitor_address"' in r.text and 'id="e-representatives"' in r.text
    assert 'id="e-refusal_reason"' in r.text
    assert "Đề nghị xem xét việc cấp giấy chứng nhận" in r.text  # the summary is kept
    assert session.exec(select(ReceptionVisit)).all() == []


def test_htmx_gets_the_register_partial(client, session, login):
    login("reception")
    s = make_session(session)
    token = factories.csrf(client, f"/staff/reception/sessions/{s.id}")
    r = post_visit(client, s.id, token, htmx=True)
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="register"')
    assert 'data-hx-swap-oob="true"' in r.text and "autofocus" in r.text
    bad = post_visit(client, s.id, token, htmx=True, visitor_name="")
    assert bad.status_code == 422 and 'id="e-visitor_name"' in bad.text and "<html" not in bad.text


def test_an_accepted_visit_links_its_case_and_a_closed_register_refuses(client, session, login):
    login("reception")
    s = make_session(session)
    token = factories.csrf(client, f"/staff/reception/sessions/{s.id}")
    r = post_visit(client, s.id, token, case_kind="complaint", outcome="accepted",
                   summary="Khiếu nại quyết định thu hồi đất của UBND phường")
    assert r.status_code == 303
    visit = session.exec(select(ReceptionVisit)).one()
    case = session.get(Complaint, visit.complaint_id)
    assert case.channel == "walk_in"
    page = client.get(f"/staff/reception/visits/{visit.id}")
    assert page.status_code == 200 and "001234567890" in page.text  # in full on its own page
    assert format_code(case.tracking_code) in page.text
    assert client.post(f"/staff/reception/sessions/{s.id}/close", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert post_visit(client, s.id, token).status_code == 409
    assert client.post(f"/staff/reception/sessions/{s.id}/reopen", data={"csrf_token": token,
                       "reason": "Ghi bổ sung"}).status_code == 403


def test_cancel_and_move_need_a_reason(client, session, login):
    login("reception")
    s = make_session(session, day=local_today() + timedelta(days=3))
    token = factories.csrf(client, f"/staff/reception/sessions/{s.id}")
    r = client.post(f"/staff/reception/sessions/{s.id}/cancel", data={"csrf_token": token, "reason": ""})
    assert r.status_code == 422 and "lý do" in r.text.lower()
    day = (local_today() + timedelta(days=4)).isoformat()
    r = client.post(f"/staff/reception/sessions/{s.id}/move", data={
        "csrf_token": token, "day": day, "start": "13:30", "end": "17:00", "reason": "Trùng lịch họp"},
        follow_redirects=False)
    assert r.status_code == 303
    session.refresh(s)
    assert s.moved_from is not None and s.move_reason == "Trùng lịch họp"
    bad = client.post(f"/staff/reception/sessions/{s.id}/move", data={
        "csrf_token": token, "day": "31/02/2027", "start": "25:00", "end": "x", "reason": "Trùng lịch"})
    assert bad.status_code == 422


def test_state_changes_need_the_csrf_token(client, session, login):
    login("reception")
    s = make_session(session)
    r = client.post(f"/staff/reception/sessions/{s.id}/visits", data=VISIT, follow_redirects=False)
    assert r.status_code == 403
    assert session.exec(select(ReceptionVisit)).all() == []


def test_one_off_session_form(client, session, login):
    login("reception")
    token = factories.csrf(client, "/staff/reception")
    r = client.post("/staff/reception/sessions", data={
        "csrf_token": token, "day": local_today().strftime("%d/%m/%Y"), "start": "14:00", "end": "16:00",
        "host_name": "Phạm Phó Chủ tịch", "host_role": "deputy", "type": "ad_hoc", "place": "Hội trường TDP 4"},
        follow_redirects=False)
    assert r.status_code == 303
    bad = client.post("/staff/reception/sessions", data={
        "csrf_token": token, "day": "hôm nay", "start": "16:00", "end": "14:00", "host_name": "",
        "host_role": "king", "type": "ad_hoc", "place": ""})
    assert bad.status_code == 422 and 'id="e-day"' in bad.text and 'id="e-host_role"' in bad.text


def test_rules_page_creates_a_rule_and_its_sessions(client, session, login):
    login("leader")
    token = factories.csrf(client, "/staff/reception/rules")
    r = client.post("/staff/reception/rules", data={
        "csrf_token": token, "host_name": "Nguyễn Văn Minh", "host_role": "chairman", "type": "periodic",
        "place": "Phòng tiếp công dân", "weekdays": ["4"], "start_time": "07:30", "end_time": "11:30",
        "effective_from": local_today().isoformat()}, follow_redirects=False)
    assert r.status_code == 303
    sessions = session.exec(select(ReceptionSession).where(ReceptionSession.host_role == "chairman")).all()
    assert sessions and all(s.occurs_on.isoweekday() == 4 for s in sessions)
    bad = client.post("/staff/reception/rules", data={"csrf_token": token, "host_name": "A", "weekdays": "9",
                                                      "start_time": "11:00", "end_time": "10:00"})
    assert bad.status_code == 422 and 'id="e-weekdays"' in bad.text


def test_compliance_and_print_view(client, session, login):
    s = make_session(session, host_role="chairman", day=local_today() - timedelta(days=7))
    clerk = factories.principal(session, "reception")
    visits.log_visit(session, principal=clerk, session_id=s.id, data=visits.VisitInput.model_validate(VISIT))
    session.commit()
    login("leader")
    page = client.get("/staff/reception/compliance")
    assert page.status_code == 200 and "reception.chairman_days" in page.text
    assert client.get("/staff/reception/compliance?year=1800").status_code == 422
    day = s.starts_at.astimezone(LOCAL_TZ).date().isoformat()
    sheet = client.get(f"/staff/reception/register?from={day}&to={day}")
    assert sheet.status_code == 200 and "SỔ TIẾP CÔNG DÂN" in sheet.text and "Trần Thị Bình" in sheet.text
    assert "A4 landscape" in client.get("/static/css/register-print.css").text
    assert client.get("/staff/reception/register?from=2026-05-01&to=2020-01-01").status_code == 422


def test_supervisors_see_counts_not_names(client, session, login):
    s = make_session(session)
    clerk = factories.principal(session, "reception")
    visits.log_visit(session, principal=clerk, session_id=s.id, data=visits.VisitInput.model_validate(VISIT))
    session.commit()
    login("supervisor")
    page = client.get(f"/staff/reception/sessions/{s.id}")
    assert page.status_code == 200 and "1 lượt tiếp" in page.text
    assert "Trần Thị Bình" not in page.text and "7890" not in page.text
    visit = session.exec(select(ReceptionVisit)).one()
    assert client.get(f"/staff/reception/visits/{visit.id}").status_code == 403
    assert client.get("/staff/reception/register").status_code == 403


def test_publishers_do_not_see_reception(client, login):
    login("publisher")
    assert client.get("/staff/reception").status_code == 403


@pytest.mark.parametrize("path", ["/staff/reception/sessions/0", "/staff/reception/sessions/99999999999",
                                  "/staff/reception/visits/abc", "/staff/reception?from=2026-99-99&to=x"])
def test_odd_ids_and_dates_are_4xx_or_a_default(client, login, path):
    login("reception")
    assert client.get(path).status_code in (200, 404, 422)


def test_correcting_a_row_from_its_page(client, session, login):
    login("reception")
    s = make_session(session)
    clerk = factories.principal(session, "reception")
    visit = visits.log_visit(session, principal=clerk, session_id=s.id, data=visits.VisitInput.model_validate(
        {**VISIT, "notes": "Ghi chú cũ"}))
    session.commit()
    token = factories.csrf(client, f"/staff/reception/visits/{visit.id}")
    page = client.get(f"/staff/reception/visits/{visit.id}")
    assert 'id="f-fix-visitor_name"' in page.text
    fields = {"visitor_name": "Trần Thị Bình", "visitor_address": "Số 7 ngõ 2, TDP 3", "id_number": "001234567890",
              "summary": VISIT["summary"], "previously_handled_by": "", "notes": ""}
    bad = client.post(f"/staff/reception/visits/{visit.id}/correct",
                      data={**fields, "visitor_name": "", "reason": "", "csrf_token": token})
    assert bad.status_code == 422 and 'id="e-fix-visitor_name"' in bad.text and 'id="e-fix-reason"' in bad.text
    r = client.post(f"/staff/reception/visits/{visit.id}/correct",
                    data={**fields, "reason": "Sai số nhà", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/staff/reception/visits/{visit.id}")
    assert "Số 5 ngõ 2, TDP 3" in page.text and "Sai số nhà" in page.text  # the old address is kept
    session.refresh(visit)
    assert visit.visitor_address == "Số 7 ngõ 2, TDP 3" and visit.notes == ""


def test_the_running_app_generates_the_schedule_ahead(app, session, monkeypatch):
    """A rule written without a sync (e.g. before an outage): the app's background round adds
    its sessions, and shutting down waits for the round (no connection outlives the app)."""
    import time as clock

    from fastapi.testclient import TestClient

    import app.main as main
    from app.models.reception import ReceptionRule

    session.add(ReceptionRule(host_name="Nguyễn Văn Minh", host_role="chairman", type="periodic", place="Phòng tiếp",
                              weekdays="1,2,3,4,5", start_time=time(7, 30), end_time=time(11, 30),
                              effective_from=local_today()))
    session.commit()
    monkeypatch.setattr(main, "SCHEDULE_START_DELAY_SECONDS", 0)
    with TestClient(app):
        for _ in range(100):
            if session.exec(select(ReceptionSession)).first() is not None:
                break
            session.rollback()
            clock.sleep(0.05)
    session.rollback()
    assert len(session.exec(select(ReceptionSession)).all()) > 50


def test_the_chairmans_links_open_their_week(client, session):
    make_session(session, host_role="chairman", host_name="Nguyễn Văn Minh",
                 day=local_today() + timedelta(days=2))
    page = client.get("/reception")
    import re

    link = re.search(r'href="(/reception\?week=[0-9-]{10})#day-[0-9-]{10}"', page.text)
    assert link and client.get(link.group(1)).status_code == 200


def test_personal_pages_are_not_cached(client, session, login):
    login("reception")
    s = make_session(session)
    clerk = factories.principal(session, "reception")
    visit = visits.log_visit(session, principal=clerk, session_id=s.id, data=visits.VisitInput.model_validate(VISIT))
    session.commit()
    assert client.get(f"/staff/reception/visits/{visit.id}").headers["cache-control"] == "no-store"
    assert client.get("/staff/reception/register").headers["cache-control"] == "no-store"
