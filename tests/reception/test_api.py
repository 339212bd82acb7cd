"""JSON API for citizen reception: sessions with counts and no personal data, the register's rows
only with reception:personal (never a denouncer), scheduling and logging visits with a personal
token, and the register workbook for a token or a logged-in clerk."""

from datetime import datetime, time, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from app.cases import codes
from app.core.timeutil import LOCAL_TZ, local_today
from app.models.audit import AuditEvent
from app.models.complaint import Complaint
from app.reception import schedule
from app.reception.export import FIRST_DATA_ROW
from app.reception.sessions import close_session
from app.reception.visits import VisitInput, log_visit
from tests import factories

NAME, ID = "Trần Thị Bình", "001234567890"
DENOUNCER, DENOUNCER_ID = "Người Tố Giác Bí Mật", "009876543210"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_FIELDS = {"id", "starts_at", "ends_at", "host_name", "host_role", "type", "place", "status", "visit_count",
                  "counts", "people_count", "cancel_reason", "moved_from", "closed", "updated_at"}
VISIT_FIELDS = {"id", "number", "visit_on", "visitor_name", "visitor_address", "id_number", "summary", "case_kind",
                "people_count", "representatives", "previously_handled_by", "outcome", "guided_to",
                "guidance_number", "transferred_to", "transfer_number", "refusal_reason", "notes",
                "case_tracking_code", "notice_due_on", "notified_on"}


_token = factories.bearer


def _visit(**kw) -> dict:
    data = {"visitor_name": NAME, "visitor_address": "Số 5 ngõ 2, TDP 3", "id_number": ID,
            "summary": "Đề nghị xem xét việc cấp giấy chứng nhận quyền sử dụng đất", "case_kind": "petition",
            "people_count": 1, "outcome": "recorded"}
    data.update(kw)
    return data


def a_session(session, principal, day=None, host_role="officer", visits=()):
    day = day or local_today()
    row = schedule.create_session(session, principal=principal, data=schedule.SessionInput(
        starts_at=datetime.combine(day, time(7, 30), LOCAL_TZ), ends_at=datetime.combine(day, time(11, 30), LOCAL_TZ),
        host_name="Lê Văn Cán bộ", host_role=host_role, type="ad_hoc", place="Phòng tiếp công dân"))
    for v in visits:
        log_visit(session, principal=principal, session_id=row.id, data=VisitInput.model_validate(v))
    session.commit()
    return row


@pytest.fixture
def clerk(session):
    return factories.principal(session, "reception")


@pytest.fixture
def held(session, clerk):
    """Today's session: a petition, an accepted complaint, a group of 7, and a denunciation."""
    return a_session(session, clerk, visits=[
        _visit(),
        _visit(case_kind="complaint", outcome="accepted", summary="Khiếu nại quyết định thu hồi đất của phường"),
        _visit(visitor_name="Phạm Văn Đoàn", people_count=7, representatives=["Ông Một", "Bà Hai"],
               outcome="guided", guided_to="UBND thành phố", id_number=""),
        _visit(visitor_name=DENOUNCER, id_number=DENOUNCER_ID, case_kind="denunciation", outcome="guided",
               guided_to="Công an phường", summary="Tố cáo cán bộ địa chính nhận tiền của dân"),
    ])


# Reading ---------------------------------------------------------------------------------------

def test_sessions_with_counts_and_no_personal_data(client, session, held):
    assert client.get("/api/v1/reception-sessions").status_code == 401
    wrong = client.get("/api/v1/reception-sessions", headers=_token(session, "complaints:read"))
    assert wrong.status_code == 403 and wrong.headers["content-type"] == "application/problem+json"
    reader = _token(session, "reception:read")
    r = client.get("/api/v1/reception-sessions", headers=reader)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    [item] = body["items"]
    assert SESSION_FIELDS <= set(item)
    assert item["id"] == held.id and item["status"] == "held" and item["type"] == "ad_hoc"
    assert item["visit_count"] == 4 and item["people_count"] == 10 and item["closed"] is False
    assert item["counts"] == {
        "by_kind": {"complaint": 1, "denunciation": 1, "petition": 2, "feedback": 0},
        "by_outcome": {"accepted": 1, "guided": 2, "transferred": 0, "refused": 0, "recorded": 1}}
    assert item["starts_at"].endswith("+07:00") and item["starts_at"][11:16] == "07:30"
    detail = client.get(f"/api/v1/reception-sessions/{held.id}", headers=reader)
    assert detail.status_code == 200 and detail.json()["visits"] is None
    assert detail.json()["counts"] == item["counts"]
    for text in (r.text, detail.text):
        for secret in (NAME, ID, DENOUNCER, DENOUNCER_ID, "Ông Một"):
            assert secret not in text
    assert client.get("/api/v1/reception-sessions/999999", headers=reader).status_code == 404
    assert client.get("/api/v1/reception-sessions/99999999999", headers=reader).status_code == 422


def test_register_rows_with_reception_personal_and_never_a_denouncer(client, session, held):
    leader = factories.user(session, role="leader")
    for headers in (_token(session, "reception:personal"), _token(session, user=leader)):
        r = client.get(f"/api/v1/reception-sessions/{held.id}", headers=headers)
        assert r.status_code == 200
        visits = r.json()["visits"]
        assert [v["number"] for v in visits] == [1, 2, 3, 4]
        assert VISIT_FIELDS <= set(visits[0])
        plain, accepted, group, secret = visits
        assert plain["visitor_name"] == NAME and plain["id_number"] == ID and plain["identity_visible"]
        assert plain["outcome"] == "recorded" and plain["case_tracking_code"] is None and plain["notice_due_on"] is None
        assert accepted["case_tracking_code"] and accepted["notice_due_on"]
        assert group["representatives"] == ["Ông Một", "Bà Hai"] and group["people_count"] == 7
        assert secret["case_kind"] == "denunciation" and not secret["identity_visible"]
        assert secret["visitor_name"] == secret["visitor_address"] == secret["id_number"] == "[bảo mật]"
        assert DENOUNCER not in r.text and DENOUNCER_ID not in r.text
    session.rollback()
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "reception.register_api")).all()
    assert len(events) == 2 and all(e.entity_id == str(held.id) for e in events)
    assert '"rows": 4' in events[0].after and NAME not in events[0].after


def test_list_filters_cursor_and_bad_input(client, session, clerk):
    today = local_today()
    old = a_session(session, clerk, day=today - timedelta(days=10), host_role="chairman")
    recent = a_session(session, clerk, day=today - timedelta(days=3))
    now = a_session(session, clerk, day=today)
    later = a_session(session, clerk, day=today + timedelta(days=5))
    schedule.cancel_session(session, principal=factories.principal(session, "admin"), session_id=later.id,
                            reason="Mưa bão, nghỉ tiếp")
    session.commit()
    reader = _token(session, "reception:read")
    url = "/api/v1/reception-sessions"

    ids, cursor = [], None
    while True:
        r = client.get(url, params={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=reader)
        assert r.status_code == 200 and len(r.json()["items"]) <= 2
        ids += [i["id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert ids == [old.id, recent.id, now.id, later.id]

    def listed(**params):
        r = client.get(url, params=params, headers=reader)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    week = {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}
    assert listed(**week) == [recent.id, now.id]
    assert listed(**{"from": today.isoformat()}) == [now.id, later.id]
    assert listed(status="cancelled") == [later.id]
    assert listed(host_role="chairman") == [old.id]
    assert listed(updated_since=(datetime.now(LOCAL_TZ) + timedelta(days=1)).isoformat()) == []
    assert listed(updated_since=(datetime.now(LOCAL_TZ) - timedelta(hours=1)).isoformat()) == ids

    for params in ({"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()},
                   {"from": "2020-01-01", "to": "2026-01-02"}, {"from": "0001-01-01"}, {"to": "9999-12-31"},
                   {"from": "2026-13-01"}, {"status": "postponed"}, {"host_role": "mayor"}, {"limit": 0},
                   {"limit": 101}, {"cursor": "not-a-cursor"}, {"updated_since": "0001-01-01T00:00:00"}):
        r = client.get(url, params=params, headers=reader)
        assert r.status_code == 422, params
        assert r.headers["content-type"] == "application/problem+json"
    bad = client.get(url, params={"from": "2026-03-01", "to": "2026-02-01"}, headers=reader).json()
    assert {"field": "from", "code": "after_to"} in bad["errors"]


# Writing ---------------------------------------------------------------------------------------

def test_schedule_a_session_and_log_visits_with_a_personal_token(client, session, clerk):
    clerk_token = _token(session, user=factories.user(session, role="reception"))
    today = local_today()
    body = {"starts_at": f"{today.isoformat()}T07:30:00", "ends_at": f"{today.isoformat()}T11:00:00+07:00",
            "host_name": "Nguyễn Văn Chủ tịch", "host_role": "chairman", "type": "periodic",
            "place": "Phòng tiếp công dân, UBND phường"}
    r = client.post("/api/v1/reception-sessions", json=body, headers=clerk_token)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == "scheduled" and created["visit_count"] == 0 and created["host_role"] == "chairman"
    assert created["starts_at"].startswith(f"{today.isoformat()}T07:30:00") and created["starts_at"].endswith("+07:00")
    visits_url = f"/api/v1/reception-sessions/{created['id']}/visits"

    r = client.post(visits_url, json=_visit(case_kind="complaint", outcome="accepted", field="land",
                                            summary="Khiếu nại quyết định thu hồi đất của UBND phường"),
                    headers=clerk_token)
    assert r.status_code == 201, r.text
    visit = r.json()
    assert VISIT_FIELDS <= set(visit) and visit["number"] == 1 and visit["visit_on"] == today.isoformat()
    assert visit["visitor_name"] == NAME and visit["id_number"] == ID and visit["notice_due_on"]
    session.rollback()
    case = session.exec(select(Complaint).where(Complaint.sender_name == NAME)).one()
    assert case.channel == "walk_in" and case.kind == "complaint" and case.field == "land"
    assert visit["case_tracking_code"] == codes.format_code(case.tracking_code)

    group = client.post(visits_url, json=_visit(people_count=7, representatives=["A Một", "B Hai", "C Ba"]),
                        headers=clerk_token)
    assert group.status_code == 422 and group.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in group.json()["errors"]] == ["representatives"]
    assert client.post(visits_url, json=_visit(people_count=7, representatives=["A Một", "B Hai"]),
                       headers=clerk_token).status_code == 201

    missing = client.post(visits_url, json={"people_count": "many"}, headers=clerk_token)
    assert missing.status_code == 422
    assert {"visitor_name", "visitor_address", "summary", "case_kind", "outcome", "people_count"} <= {
        e["field"] for e in missing.json()["errors"]}
    guided = client.post(visits_url, json=_visit(outcome="guided"), headers=clerk_token)
    assert guided.status_code == 422 and {"field": "guided_to", "code": guided.json()["errors"][0]["code"]} in \
        guided.json()["errors"]
    assert client.post(visits_url, json=_visit(case_kind="gossip"), headers=clerk_token).status_code == 422

    detail = client.get(f"/api/v1/reception-sessions/{created['id']}", headers=clerk_token).json()
    assert detail["status"] == "held" and detail["visit_count"] == 2 and detail["people_count"] == 8
    assert detail["counts"]["by_outcome"]["accepted"] == 1 and len(detail["visits"]) == 2

    session.rollback()  # a fresh transaction: the app has written since this session last read
    close_session(session, principal=clerk, session_id=created["id"])
    session.commit()
    closed = client.post(visits_url, json=_visit(), headers=clerk_token)
    assert closed.status_code == 409 and closed.headers["content-type"] == "application/problem+json"
    assert client.get(f"/api/v1/reception-sessions/{created['id']}", headers=clerk_token).json()["closed"] is True
    assert client.post("/api/v1/reception-sessions/999999/visits", json=_visit(),
                       headers=clerk_token).status_code == 404


def test_future_and_cancelled_sessions_take_no_visit(client, session, clerk):
    clerk_token = _token(session, user=factories.user(session, role="reception"))
    future = a_session(session, clerk, day=local_today() + timedelta(days=3))
    r = client.post(f"/api/v1/reception-sessions/{future.id}/visits", json=_visit(), headers=clerk_token)
    assert r.status_code == 409
    schedule.cancel_session(session, principal=clerk, session_id=future.id, reason="Mưa bão, nghỉ tiếp")
    session.commit()
    assert client.post(f"/api/v1/reception-sessions/{future.id}/visits", json=_visit(),
                       headers=clerk_token).status_code == 409


def test_who_may_write(client, session, clerk):
    s = a_session(session, clerk)
    supervisor = _token(session, user=factories.user(session, role="supervisor"))
    body = {"starts_at": "2026-12-01T08:00:00+07:00", "ends_at": "2026-12-01T11:00:00+07:00",
            "host_name": "Lê Văn Cán bộ", "host_role": "officer", "place": "Phòng tiếp công dân"}
    for headers in (supervisor, _token(session, "reception:personal"), _token(session, "reception:read")):
        assert client.post("/api/v1/reception-sessions", json=body, headers=headers).status_code == 403
        r = client.post(f"/api/v1/reception-sessions/{s.id}/visits", json=_visit(), headers=headers)
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert client.post("/api/v1/reception-sessions", json=body).status_code == 401
    # The supervisor reads sessions and counts, never the register's rows.
    r = client.get(f"/api/v1/reception-sessions/{s.id}", headers=supervisor)
    assert r.status_code == 200 and r.json()["visits"] is None
    admin = _token(session, user=factories.user(session, role="admin"))
    bad = client.post("/api/v1/reception-sessions", json={**body, "ends_at": "2026-12-01T07:00:00+07:00"},
                      headers=admin)
    assert bad.status_code == 422
    assert client.post("/api/v1/reception-sessions", json=body, headers=admin).status_code == 201


# The register workbook -------------------------------------------------------------------------

HEADINGS = {(3, 1): "STT", (3, 2): "Ngày tiếp", (3, 3): "Họ tên, địa chỉ", (3, 4): "Số CCCD/Hộ chiếu",
            (3, 5): "Nội dung vụ việc", (3, 6): "Phân loại đơn, số người", (4, 6): "Khiếu nại", (4, 7): "Tố cáo",
            (4, 8): "Kiến nghị, phản ánh", (4, 9): "Số người", (3, 10): "Cơ quan đã giải quyết",
            (3, 11): "Tiếp nhận", (3, 12): "Trả lại đơn và hướng dẫn", (4, 12): "Người/cơ quan được hướng dẫn đến",
            (4, 13): "Số văn bản hướng dẫn", (3, 14): "Chuyển đơn", (4, 14): "Cơ quan được chuyển đến",
            (4, 15): "Số văn bản chuyển", (3, 16): "Theo dõi kết quả giải quyết", (3, 17): "Ghi chú"}


def _rows(content: bytes):
    ws = load_workbook(BytesIO(content)).active
    for (row, col), heading in HEADINGS.items():
        assert ws.cell(row, col).value == heading
    return [[c.value for c in row] for row in ws.iter_rows(min_row=FIRST_DATA_ROW)]


@pytest.fixture
def register(session, clerk, held):
    """`held` today, and a visit 40 days ago, outside the last week."""
    a_session(session, clerk, day=local_today() - timedelta(days=40),
              visits=[_visit(visitor_name="Hoàng Văn Cũ", id_number="001111222333")])
    today = local_today()
    return {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}


def test_register_workbook_with_a_token(client, session, register):
    r = client.get("/api/v1/reception/register.xlsx", params=register, headers=_token(session, "reception:personal"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == (
        f'attachment; filename="so-tiep-cong-dan_{register["from"]}_{register["to"]}.xlsx"')
    rows = _rows(r.content)
    assert len(rows) == 4 and all(row[1].date() == local_today() for row in rows)
    names = [row[2].split("\n")[0] for row in rows]
    assert names == [NAME, NAME, "Phạm Văn Đoàn", "[bảo mật]"]  # a token never sees a denouncer
    assert rows[0][3] == ID and rows[1][10] == "x" and rows[1][5] == "x" and rows[3][6] == "x"
    assert "Ông Một" in rows[2][2] and rows[2][8] == 7 and rows[2][11] == "UBND thành phố"
    assert "Hoàng Văn Cũ" not in str(rows) and DENOUNCER not in str(rows)
    session.rollback()
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "reception.register_export")).all()
    assert '"rows": 4' in event.after and '"identities_hidden": 1' in event.after


def test_register_workbook_for_a_logged_in_clerk(client, session, register, login):
    login("reception")
    r = client.get("/api/v1/reception/register.xlsx", params=register)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    rows = _rows(r.content)
    assert [row[0] for row in rows] == [1, 2, 3, 4] and rows[0][3] == ID
    assert "Hoàng Văn Cũ" not in str(rows)
    bad = client.get("/api/v1/reception/register.xlsx", params={"from": register["to"], "to": register["from"]})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_register_workbook_for_a_logged_in_leader_shows_the_denouncer_as_the_register_does(
        client, session, register, login):
    login("leader")
    rows = _rows(client.get("/api/v1/reception/register.xlsx", params=register).content)
    assert rows[3][2].split("\n")[0] == DENOUNCER  # no case yet: the ward's leaders may see it


def test_register_workbook_is_refused_to_others(client, session, register, login):
    url = "/api/v1/reception/register.xlsx"
    r = client.get(url, params=register)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert client.get(url, params=register, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get(url, params=register, headers=_token(session, "reception:read")).status_code == 403
    assert client.get(url, params=register,
                      headers=_token(session, user=factories.user(session, role="supervisor"))).status_code == 403
    assert client.get(url, headers=_token(session, "reception:personal")).status_code == 422  # no dates
    assert client.get(url, params={"from": "2020-01-01", "to": "2026-01-02"},
                      headers=_token(session, "reception:personal")).status_code == 422  # over 5 years
    login("supervisor")
    r = client.get(url, params=register)
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"


def test_the_api_is_documented(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in (("/api/v1/reception-sessions", "get"), ("/api/v1/reception-sessions", "post"),
                         ("/api/v1/reception-sessions/{session_id}", "get"),
                         ("/api/v1/reception-sessions/{session_id}/visits", "post"),
                         ("/api/v1/reception/register.xlsx", "get")):
        assert paths[path][method]["summary"], (path, method)
    assert XLSX in paths["/api/v1/reception/register.xlsx"]["get"]["responses"]["200"]["content"]
    assert {p["name"] for p in paths["/api/v1/reception-sessions"]["get"]["parameters"]} >= {
        "from", "to", "status", "host_role", "updated_since", "limit", "cursor"}
