"""Open311 GeoReport v2 (app/integration/api_open311.py): every resource in JSON and XML, POST with an
api_key or (when the setting allows) without, the filters of GET requests, errors in the spec's
format (never FastAPI's 422, never an HTML page, never a 500), and privacy: no sender, subject,
content or tracking code, and never a complaint or a denunciation."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import select

from app.accounts import tokens
from app.accounts.audit import Actor
from app.cases import codes, intake, queries
from app.core.ratelimit import limiter_for
from app.core.timeutil import LOCAL_TZ, local_today
from app.integration import open311, open311_intake, open311_views
from app.models.complaint import CaseField, Complaint, ComplaintEvent, ComplaintPause
from app.models.rules import CalendarOverride, LegalRule
from tests import factories
from tests.cases.helpers import act, filed

BASE = "/open311/v2"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
POST = {"service_code": "urban_order",
        "description": "Đèn chiếu sáng ngõ 12 Văn Phú bị hỏng hơn một tuần, ngõ rất tối.",
        "address_string": "Ngõ 12 Văn Phú", "lat": "20.9598", "long": "105.7710", "first_name": "Văn An",
        "last_name": "Nguyễn", "email": "an.nguyen@example.org", "phone": "0912 345 678"}
# Personal or private text that must never come out of a GET.
SECRET_WORDS = ("Trần Thị Bí Mật", "0987 654 321", "bimat@example.org", "Số 99 ngõ Kín", "001203004005",
                "Nội dung riêng tư", "Tiêu đề riêng tư")


@pytest.fixture(autouse=True)
def _fresh_limiter(app):
    limiter_for(app).reset()
    yield
    limiter_for(app).reset()


@pytest.fixture
def writer(session) -> str:
    """An api_key: a token with the complaints:write scope."""
    return _key(session, "complaints:write")


def _key(session, *scopes: str) -> str:
    key = tokens.create_token(session, actor=Actor.system("test"), name="ung-dung-thanh-pho", scopes=list(scopes))
    session.commit()
    return key


def _secret(app) -> str:
    return app.state.secret_key


def _xml(r):
    assert r.headers["content-type"] == "text/xml; charset=utf-8", r.headers["content-type"]
    assert r.content.startswith(XML_DECLARATION)
    return ET.fromstring(r.content)


def _json(r):
    assert r.headers["content-type"] == "application/json; charset=utf-8", r.headers["content-type"]
    return r.json()


def _json_errors(r, status: int) -> list[str]:
    """The spec's error list (and not FastAPI's `{"detail": ...}` or a problem document)."""
    assert r.status_code == status, r.text
    body = _json(r)
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"} and error["code"] == status and error["description"]
    return [e["description"] for e in body]


def _xml_errors(r, status: int) -> list[str]:
    assert r.status_code == status, r.text
    root = _xml(r)
    assert root.tag == "errors" and len(root)
    for error in root:
        assert error.tag == "error" and error.findtext("code") == str(status) and error.findtext("description")
    return [e.findtext("description") for e in root]


def _sensitive_case(session, **kw):
    data = {"kind": "feedback", "subject": "Tiêu đề riêng tư về rác thải", "content": "Nội dung riêng tư: rác ở ngõ 9.",
            "sender_name": "Trần Thị Bí Mật", "sender_phone": "0987 654 321", "sender_email": "bimat@example.org",
            "sender_address": "Số 99 ngõ Kín", "sender_id_number": "001203004005", "field": "environment",
            "address": "Đầu ngõ 9 Văn Phú", "latitude": 20.96, "longitude": 105.77}
    data.update(kw)
    return filed(session, **data)


# Discovery and services ------------------------------------------------------------------------

def test_discovery_in_json_and_xml(client):
    body = _json(client.get(f"{BASE}/discovery.json"))
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2" and endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert body["changeset"] and "Phú La" in body["contact"] and body["key_service"]
    root = _xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_services_are_the_case_fields(client):
    body = _json(client.get(f"{BASE}/services.json"))
    assert [s["service_code"] for s in body] == [f.value for f in CaseField]
    land = body[0]
    assert land["service_name"] == "Đất đai" and land["description"]
    assert land["type"] == "realtime" and land["metadata"] is False and land["group"] == "Phản ánh"
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert [s.findtext("service_code") for s in services] == [f.value for f in CaseField]
    assert services[3].findtext("service_name") == "Trật tự đô thị" and services[3].findtext("metadata") == "false"
    assert services[3].findtext("type") == "realtime"


def test_service_definition_and_unknown_code(client):
    assert _json(client.get(f"{BASE}/services/environment.json")) == {"service_code": "environment", "attributes": []}
    root = _xml(client.get(f"{BASE}/services/environment.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "environment"
    assert root.find("attributes") is not None and len(root.find("attributes")) == 0
    [message] = _json_errors(client.get(f"{BASE}/services/potholes.json"), 404)
    assert "potholes" in message
    _xml_errors(client.get(f"{BASE}/services/potholes.xml"), 404)


# POST requests ---------------------------------------------------------------------------------

def test_post_with_api_key_files_a_feedback_case(client, session, writer):
    r = client.post(f"{BASE}/requests.json", data={**POST, "api_key": writer, "device_id": "dev-1",
                                                   "account_id": "acc-1", "attribute[x]": "1",
                                                   "jurisdiction_id": "phula.hanoi.gov.vn"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    [answer] = _json(r)
    assert set(answer) == {"service_request_id", "token", "service_notice"}
    case = session.exec(select(Complaint)).one()
    assert answer["token"] == codes.format_code(case.tracking_code)
    assert answer["service_request_id"] == open311_views.request_id(case.id, _secret(client.app))
    assert answer["service_request_id"] != str(case.id) and case.tracking_code not in answer["service_request_id"]
    assert "Phường Phú La đã tiếp nhận" in answer["service_notice"] and "không công khai" in answer["service_notice"]
    assert case.kind == "feedback" and case.channel == "web" and case.field == "urban_order"
    assert case.content == POST["description"] and case.status == "received"
    assert case.subject == "Đèn chiếu sáng ngõ 12 Văn Phú bị hỏng hơn một tuần…"
    assert case.place_address == "Ngõ 12 Văn Phú" and (case.latitude, case.longitude) == (20.9598, 105.7710)
    assert case.sender_name == "Nguyễn Văn An" and not case.anonymous  # family name first
    assert case.sender_email == "an.nguyen@example.org" and case.sender_phone == "0912 345 678"
    assert "dev-1" not in repr(case.model_dump()) and "acc-1" not in repr(case.model_dump())
    [step] = session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id)).all()
    assert step.actor == "token:ung-dung-thanh-pho" and step.public


def test_post_in_xml_anonymous_with_coordinates_and_media(client, session, writer):
    r = client.post(f"{BASE}/requests.xml", data={"api_key": writer, "service_code": "environment", "lat": "20.96",
                                                  "long": "105.77", "media_url": "https://example.org/anh.jpg",
                                                  "description": "Rác thải tập kết nhiều ngày ở đầu ngõ 7"})
    assert r.status_code == 201
    root = _xml(r)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") and request.findtext("token")
    case = session.exec(select(Complaint)).one()
    assert case.anonymous and case.sender_name == "" and case.place_address == ""
    assert case.content.endswith("media_url: https://example.org/anh.jpg")
    assert case.subject == "Rác thải tập kết nhiều ngày ở đầu ngõ 7"  # short: the whole description


@pytest.mark.parametrize(("data", "status", "needle"), [
    ({"service_code": ""}, 400, "service_code"),
    ({"service_code": "potholes"}, 404, "potholes"),
    ({"description": ""}, 400, "description"),
    ({"description": "Hỏng"}, 400, "description"),
    ({"description": "x" * 4001}, 400, "4000"),
    ({"address_string": "", "lat": "", "long": ""}, 400, "address_string"),
    ({"address_string": "", "lat": "", "long": "", "address_id": "545483"}, 400, "address_id"),
    ({"long": ""}, 400, "long"),
    ({"lat": "north", "long": "105"}, 400, "lat"),
    ({"lat": "nan", "long": "105"}, 400, "lat"),
    ({"lat": "91", "long": "105"}, 400, "lat"),
    ({"email": "not-an-email"}, 400, "email"),
    ({"phone": "12"}, 400, "phone"),
    ({"first_name": "", "last_name": ""}, 400, "last_name"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"description": "Đèn hỏng\x00 ở ngõ 12 Văn Phú"}, 400, "description"),
    ({"address_string": "x" * 301}, 400, "address_string"),
])
def test_post_errors_follow_the_spec(client, session, writer, data, status, needle):
    messages = _json_errors(client.post(f"{BASE}/requests.json", data={**POST, "api_key": writer, **data}), status)
    assert any(needle in m for m in messages), messages
    _xml_errors(client.post(f"{BASE}/requests.xml", data={**POST, "api_key": writer, **data}), status)
    assert session.exec(select(Complaint)).first() is None


def test_post_needs_a_form_not_json(client, session, writer):
    r = client.post(f"{BASE}/requests.json", json={**POST, "api_key": writer})
    [message] = _json_errors(r, 400)
    assert "x-www-form-urlencoded" in message
    _xml_errors(client.post(f"{BASE}/requests.xml", content=b"\xff\xfe", headers={"content-type": "text/plain"}), 400)


def test_post_api_key_is_checked(client, session, app):
    assert not app.state.settings.open311_public_posting  # the default
    [missing] = _json_errors(client.post(f"{BASE}/requests.json", data=POST), 403)
    assert "api_key" in missing
    _xml_errors(client.post(f"{BASE}/requests.xml", data=POST), 403)
    _json_errors(client.post(f"{BASE}/requests.json", data={**POST, "api_key": "mb_not-a-real-key"}), 403)
    reader = _key(session, "complaints:read")
    [scope] = _json_errors(client.post(f"{BASE}/requests.json", data={**POST, "api_key": reader}), 403)
    assert "complaints:write" in scope
    revoked = _key(session, "complaints:write")
    row = tokens.list_tokens(session)[0]
    tokens.revoke_token(session, actor=Actor.system("test"), token_id=row.id)
    session.commit()
    _json_errors(client.post(f"{BASE}/requests.json", data={**POST, "api_key": revoked}), 403)
    assert session.exec(select(Complaint)).first() is None


def test_public_posting_when_the_setting_allows(client, session, app, settings):
    app.state.settings.open311_public_posting = True
    r = client.post(f"{BASE}/requests.json", data=POST)
    assert r.status_code == 201, r.text
    case = session.exec(select(Complaint)).one()
    [step] = session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id)).all()
    assert step.actor == open311_intake.PUBLIC_SENDER and case.channel == "web"
    # A wrong key is refused even then: never silently filed as someone else.
    _json_errors(client.post(f"{BASE}/requests.json", data={**POST, "api_key": "mb_wrong"}), 403)
    # Limited per client address, together with the web form and the JSON API.
    for _i in range(settings.intake_limit - 1):
        assert client.post(f"{BASE}/requests.json", data=POST).status_code == 201
    limited = client.post(f"{BASE}/requests.xml", data=POST)
    _xml_errors(limited, 429)
    assert int(limited.headers["retry-after"]) > 0
    assert client.post("/api/v1/complaints", json={"kind": "feedback", "subject": "Đèn hỏng ngõ 12",
                                                   "content": "Đèn hỏng hơn một tuần rồi.", "anonymous": True}
                       ).status_code == 429


def test_api_key_posts_are_limited_per_token(client, session):
    key = tokens.create_token(session, actor=Actor.system("test"), name="han-che", scopes=["complaints:write"],
                              rate_limit=2)
    session.commit()
    for _i in range(2):
        assert client.post(f"{BASE}/requests.json", data={**POST, "api_key": key}).status_code == 201
    r = client.post(f"{BASE}/requests.json", data={**POST, "api_key": key})
    _json_errors(r, 429)
    assert int(r.headers["retry-after"]) > 0


# GET a request, the token ----------------------------------------------------------------------

def test_get_request_in_json_and_xml(client, session):
    case = _sensitive_case(session)
    rid = open311_views.request_id(case.id, _secret(client.app))
    [item] = _json(client.get(f"{BASE}/requests/{rid}.json"))
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == rid and item["status"] == "open" and item["status_notes"] == "Đã tiếp nhận"
    assert item["service_code"] == "environment" and item["service_name"] == "Môi trường"
    assert item["agency_responsible"] == "Phường Phú La" and item["description"] is None
    requested = datetime.fromisoformat(item["requested_datetime"])
    assert item["requested_datetime"].endswith("+07:00") and requested.date() == local_today()
    # The first public step is the receipt itself (written a moment later: at most a second apart).
    assert 0 <= (datetime.fromisoformat(item["updated_datetime"]) - requested).total_seconds() <= 1
    due = open311_views.nearest_deadline(session, case).due_on
    assert item["expected_datetime"] == datetime.combine(due, time(23, 59, 59), LOCAL_TZ).isoformat()
    assert "Điều 6" in item["service_notice"]
    # Not classified yet: the place is withheld (the letter may turn out to be a denunciation).
    assert item["address"] is None and item["lat"] is None and item["long"] is None
    root = _xml(client.get(f"{BASE}/requests/{rid.upper()}.xml"))
    request = root.find("request")
    assert [child.tag for child in request] == REQUEST_FIELDS
    assert request.findtext("service_request_id") == rid and request.findtext("description") == ""


def test_unknown_and_hidden_requests_are_404(client, session):
    secret = _secret(client.app)
    complaint = filed(session, kind="complaint", subject="Khiếu nại quyết định xử phạt",
                      content="Khiếu nại quyết định xử phạt hành chính.")
    denunciation = filed(session, kind="denunciation", subject="Tố cáo cán bộ nhận tiền",
                         content="Tố cáo cán bộ địa chính nhận tiền.")
    reclassified = filed(session)
    act(session, factories.principal(session, "officer"), reclassified, "classify", kind="denunciation")
    for case in (complaint, denunciation, reclassified):
        _json_errors(client.get(f"{BASE}/requests/{open311_views.request_id(case.id, secret)}.json"), 404)
    for text in ("0000000000000000", "ffffffffffffffff", str(complaint.id), complaint.tracking_code, "x" * 300):
        _json_errors(client.get(f"{BASE}/requests/{text}.json"), 404)
        _xml_errors(client.get(f"{BASE}/requests/{text}.xml"), 404)


def test_token_gives_the_request_id(client, session):
    case = filed(session)
    code = codes.format_code(case.tracking_code)
    r = client.get(f"{BASE}/tokens/{code}.json")
    assert r.headers["cache-control"] == "no-store"
    assert _json(r) == [{"service_request_id": open311_views.request_id(case.id, _secret(client.app)), "token": code}]
    root = _xml(client.get(f"{BASE}/tokens/{case.tracking_code.lower()}.xml"))
    assert root.findtext("request/token") == code
    denunciation = filed(session, kind="denunciation", subject="Tố cáo cán bộ nhận tiền",
                         content="Tố cáo cán bộ địa chính nhận tiền.")
    _json_errors(client.get(f"{BASE}/tokens/{denunciation.tracking_code}.json"), 404)
    _xml_errors(client.get(f"{BASE}/tokens/AAAA-BBBB-CCCCC.xml"), 404)


def test_token_lookups_are_rate_limited(client, session, settings):
    case = filed(session)
    for _i in range(settings.track_limit):
        client.get(f"{BASE}/tokens/AAAA-BBBB-CCCCC.json")
    r = client.get(f"{BASE}/tokens/{case.tracking_code}.json")
    _json_errors(r, 429)
    assert case.tracking_code not in r.text and int(r.headers["retry-after"]) > 0


# Status, outcome, location ---------------------------------------------------------------------

def test_closed_case_shows_its_public_outcome(client, session):
    case = _sensitive_case(session)
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    act(session, officer, case, "classify")
    act(session, leader, case, "accept")
    act(session, leader, case, "start")
    act(session, leader, case, "resolve", decision_number="12/QĐ-UBND", decided_on=local_today(),
        result="Kết quả nội bộ chi tiết", public_summary="Đã thu gom rác và bố trí lịch thu gom hằng ngày.")
    rid = open311_views.request_id(case.id, _secret(client.app))
    [item] = _json(client.get(f"{BASE}/requests/{rid}.json"))
    assert item["status"] == "closed" and item["expected_datetime"] is None and item["service_notice"] is None
    assert item["description"] == "Đã thu gom rác và bố trí lịch thu gom hằng ngày."
    assert item["status_notes"].startswith("Đã giải quyết. Quyết định số 12/QĐ-UBND ngày ")
    assert "Đã thu gom rác" in item["status_notes"] and "nội bộ" not in item["status_notes"]
    resolved_at = session.exec(select(ComplaintEvent.at).where(ComplaintEvent.complaint_id == case.id,
                                                               ComplaintEvent.action == "resolve")).one()
    assert datetime.fromisoformat(item["updated_datetime"]) == resolved_at.replace(microsecond=0)
    # Classified feedback: its place shows.
    assert item["address"] == "Đầu ngõ 9 Văn Phú" and (item["lat"], item["long"]) == (20.96, 105.77)


def test_transferred_and_filed_are_closed_and_the_reason_stays_private(client, session):
    officer = factories.principal(session, "officer")
    moved, dropped = filed(session), filed(session)
    act(session, officer, moved, "classify")
    act(session, officer, moved, "transfer", transfer_body="Công ty Điện lực Hà Đông", transfer_number="45/CV")
    act(session, officer, dropped, "file", reason="Đơn trùng của ông Nguyễn Văn An")
    secret = _secret(client.app)
    [m] = _json(client.get(f"{BASE}/requests/{open311_views.request_id(moved.id, secret)}.json"))
    [d] = _json(client.get(f"{BASE}/requests/{open311_views.request_id(dropped.id, secret)}.json"))
    assert m["status"] == d["status"] == "closed"
    assert m["status_notes"] == "Đã chuyển đơn. Chuyển đến: Công ty Điện lực Hà Đông"
    assert d["status_notes"] == "Đã lưu đơn" and "Nguyễn" not in str(d)


def test_petition_location_is_never_shown(client, session):
    petition = _sensitive_case(session, kind="petition")
    act(session, factories.principal(session, "officer"), petition, "classify")
    [item] = _json(client.get(f"{BASE}/requests/{open311_views.request_id(petition.id, _secret(client.app))}.json"))
    assert item["address"] is None and item["lat"] is None and item["long"] is None


# GET requests: list, filters, privacy ----------------------------------------------------------

def test_list_never_shows_personal_data_or_hidden_kinds(client, session):
    feedback = _sensitive_case(session)
    act(session, factories.principal(session, "officer"), feedback, "classify")
    petition = _sensitive_case(session, kind="petition", field="land")
    denunciation = _sensitive_case(session, kind="denunciation", field="land", address="Nhà ông Tố Cáo")
    complaint = _sensitive_case(session, kind="complaint", field="land", address="Nhà bà Khiếu Nại")
    secret = _secret(client.app)
    r = client.get(f"{BASE}/requests.json")
    body = _json(r)
    assert [i["service_request_id"] for i in body] == [open311_views.request_id(petition.id, secret),
                                                       open311_views.request_id(feedback.id, secret)]
    assert body[1]["address"] == "Đầu ngõ 9 Văn Phú"
    xml = client.get(f"{BASE}/requests.xml")
    assert len(_xml(xml).findall("request")) == 2
    ids = ",".join(open311_views.request_id(c.id, secret) for c in (feedback, petition, denunciation, complaint))
    by_id = client.get(f"{BASE}/requests.json", params={"service_request_id": ids})
    assert len(_json(by_id)) == 2
    for response in (r, xml, by_id, client.get(f"{BASE}/requests/{open311_views.request_id(feedback.id, secret)}.xml")):
        text = response.text
        for word in SECRET_WORDS + ("Nhà ông Tố Cáo", "Nhà bà Khiếu Nại"):
            assert word not in text
        for case in (feedback, petition, denunciation, complaint):
            assert case.tracking_code not in text and codes.format_code(case.tracking_code) not in text
        assert open311_views.request_id(denunciation.id, secret) not in text
        assert open311_views.request_id(complaint.id, secret) not in text


def test_list_filters(client, session):
    officer = factories.principal(session, "officer")
    land = filed(session, field="land")
    env = filed(session, field="environment")
    act(session, officer, env, "classify")
    act(session, officer, env, "file", reason="Trùng")
    old = filed(session, received_on=local_today() - timedelta(days=120), field="land")
    secret = _secret(client.app)

    def ids(**params):
        return [i["service_request_id"] for i in _json(client.get(f"{BASE}/requests.json", params=params))]

    rid = {c.id: open311_views.request_id(c.id, secret) for c in (land, env, old)}
    assert ids() == [rid[env.id], rid[land.id]]  # the last 90 days, newest first
    assert ids(service_code="land") == [rid[land.id]]
    assert ids(service_code="land,environment") == [rid[env.id], rid[land.id]]
    assert ids(status="open") == [rid[land.id]] and ids(status="closed") == [rid[env.id]]
    assert ids(status="open,closed") == [rid[env.id], rid[land.id]]
    start = datetime.combine(local_today() - timedelta(days=125), time.min, LOCAL_TZ)
    assert ids(start_date=start.isoformat(), end_date=(start + timedelta(days=30)).isoformat()) == [rid[old.id]]
    # A letter entered after the day it came: requested at the start of that day.
    [item] = _json(client.get(f"{BASE}/requests/{rid[old.id]}.json"))
    assert item["requested_datetime"] == f"{(local_today() - timedelta(days=120)).isoformat()}T00:00:00+07:00"
    # Dates alone are whole days in the ward's time zone; Z and offsets are instants.
    today = local_today().isoformat()
    assert ids(start_date=today, end_date=today) == [rid[env.id], rid[land.id]]
    midnight = datetime.combine(local_today(), time.min, LOCAL_TZ).astimezone(timezone.utc)
    assert ids(end_date=midnight.strftime("%Y-%m-%dT%H:%M:%SZ")) == []  # 17:00Z yesterday: before today began here
    soon = (datetime.now(timezone.utc) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(end_date=soon, status="open") == [rid[land.id]]
    # service_request_id overrides every other argument.
    assert ids(service_request_id=f"{rid[old.id]},{rid[land.id]}", status="closed", service_code="environment",
               start_date="garbage") == [rid[old.id], rid[land.id]]
    # A '+' the client did not encode arrives as a space.
    plus = client.get(f"{BASE}/requests.json?start_date={today}T00:00:00+07:00&end_date={today}T23:59:59+07:00")
    assert [i["service_request_id"] for i in _json(plus)] == [rid[env.id], rid[land.id]]


@pytest.mark.parametrize(("params", "needle"), [
    ({"service_code": "potholes"}, "potholes"),
    ({"status": "pending"}, "pending"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"start_date": "2026-03-14T00:00:00"}, "start_date"),  # no time zone
    ({"end_date": "2026-02-30"}, "end_date"),
    ({"start_date": "9999-12-31"}, "start_date"),
    ({"start_date": "2026-03-14T00:00:00Z", "end_date": "2026-03-13T00:00:00Z"}, "end_date"),
    ({"start_date": "2026-01-01", "end_date": "2026-04-01"}, "90"),
    ({"service_request_id": ",".join(["0" * 16] * 1001)}, "1000"),
])
def test_list_bad_arguments(client, params, needle):
    messages = _json_errors(client.get(f"{BASE}/requests.json", params=params), 400)
    assert any(needle in m for m in messages), messages
    _xml_errors(client.get(f"{BASE}/requests.xml", params=params), 400)


def test_several_errors_at_once(client):
    messages = _json_errors(client.get(f"{BASE}/requests.json", params={"status": "x", "service_code": "y",
                                                                         "end_date": "z"}), 400)
    assert len(messages) == 3


def test_ninety_days_is_the_widest_range(client, session):
    assert _json(client.get(f"{BASE}/requests.json",
                            params={"start_date": "2026-01-01", "end_date": "2026-03-31"})) == []


def _statements(app, call) -> tuple[object, list[str]]:
    """What `call()` answers, and the SQL statements it ran on the app's engine."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(app.state.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        sa.event.remove(app.state.engine, "before_cursor_execute", count)
    return result, statements


def _open_cases(session, n: int, start: int = 0) -> list[Complaint]:
    """`n` open feedback and petition cases in various states: walk-ins (the notification
    deadline), classified, accepted, some suspended (one still running)."""
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    cases = []
    for i in range(start, start + n):
        kind = "feedback" if i % 2 else "petition"
        received = local_today() - timedelta(days=i % 20) if i % 3 == 0 else None
        case = filed(session, kind=kind, received_on=received, field=[f.value for f in CaseField][i % 7])
        if i % 4:
            act(session, officer, case, "classify")
        if i % 4 == 2:
            act(session, leader, case, "accept")
            session.add(ComplaintPause(complaint_id=case.id, start=local_today() - timedelta(days=30),
                                       end=local_today() - timedelta(days=25)))
            if i % 8 == 6:
                session.add(ComplaintPause(complaint_id=case.id, start=local_today() - timedelta(days=2)))
            session.commit()
        cases.append(case)
    return cases


def test_list_costs_the_same_whatever_it_holds(client, app, session):
    """GET requests: a fixed number of statements (the cases, their last public steps, their
    suspensions, the rules, the calendar), never a query per request listed."""
    def listed():
        r = client.get(f"{BASE}/requests.json")
        assert r.status_code == 200
        return r.json()

    cases = _open_cases(session, 2)
    two, few = _statements(app, listed)
    cases += _open_cases(session, 10, start=2)
    twelve, many = _statements(app, listed)
    assert len(two) == 2 and len(twelve) == 12
    assert len(few) == len(many), (len(few), len(many))
    # The same answers as the deadline engine gives case by case.
    by_rid = {i["service_request_id"]: i for i in twelve}
    for case in cases:
        item = by_rid[open311_views.request_id(case.id, _secret(app))]
        due = open311_views.nearest_deadline(session, case)
        assert item["status"] == "open"
        assert item["expected_datetime"] == (datetime.combine(due.due_on, time(23, 59, 59), LOCAL_TZ).isoformat()
                                             if due else None)
        assert item["service_notice"] == (open311_views.deadline_notice(due) if due else None)
    assert any(i["expected_datetime"] for i in twelve)
    ids = ",".join(i["service_request_id"] for i in twelve)
    by_id, statements = _statements(app, lambda: _json(client.get(f"{BASE}/requests.json",
                                                                  params={"service_request_id": ids})))
    assert by_id == twelve and len(statements) == len(many)


def test_bulk_deadlines_are_those_of_the_deadline_engine(session):
    """`deadlines_of` (every listed case at once) answers what `complaints.deadlines` answers for
    each case: every kind, stage, variant, suspension (ended or running), extension, rule version
    and calendar override."""
    today = local_today()
    old = session.exec(select(LegalRule).where(LegalRule.code == "complaint.resolution",
                                               LegalRule.variant == "")).one()
    old.effective_to = today - timedelta(days=41)
    session.add(LegalRule(code="complaint.resolution", description=old.description, unit="working", value=20,
                          legal_basis="Phiên bản mới để thử", effective_from=today - timedelta(days=40), version=2))
    session.add(CalendarOverride(on=today + timedelta(days=3), kind="day_off", reason="Nghỉ bù"))
    session.commit()
    specs = [
        dict(kind="feedback"),
        dict(kind="petition", received=60),
        dict(kind="complaint", received=15),
        dict(kind="complaint", status="accepted", accepted=50, complex=True),
        dict(kind="complaint", status="in_progress", accepted=20, remote=True, pauses=[(18, 10)]),
        dict(kind="complaint", status="suspended", accepted=12, complex=True, remote=True,
             pauses=[(30, 28), (3, None)]),
        dict(kind="denunciation", status="classified", received=9),
        dict(kind="denunciation", status="in_progress", accepted=35, extensions=1, complex=True, pauses=[(33, 30)]),
        dict(kind="denunciation", status="in_progress", accepted=70, extensions=2, complex=True,
             pauses=[(65, 60), (50, 49)]),
        dict(kind="denunciation", status="suspended", accepted=25, extensions=1, pauses=[(5, None)]),
        dict(kind="feedback", status="transferred", received=4),
        dict(kind="petition", status="accepted", accepted=8, pauses=[(6, 2)]),
        dict(kind="complaint", status="resolved", accepted=45, resolved=5, pauses=[(40, 38)]),
        dict(kind="complaint", status="in_progress", accepted=10, pauses=[(8, 7)]),  # the rule's new version
    ]
    cases = []
    for n, spec in enumerate(specs):
        received = spec.get("received", spec.get("accepted", 0) + 3)
        case = filed(session, kind=spec["kind"], received_on=today - timedelta(days=received) if n % 2 else None)
        if not n % 2:
            case.received_on = today - timedelta(days=received)
        case.status = spec.get("status", "received")
        case.accepted_on = today - timedelta(days=spec["accepted"]) if "accepted" in spec else None
        case.resolved_on = today - timedelta(days=spec["resolved"]) if "resolved" in spec else None
        case.complex, case.remote = spec.get("complex", False), spec.get("remote", False)
        case.extensions = spec.get("extensions", 0)
        for start, end in spec.get("pauses", []):
            session.add(ComplaintPause(complaint_id=case.id, start=today - timedelta(days=start),
                                       end=None if end is None else today - timedelta(days=end)))
        session.add(case)
        session.commit()
        cases.append(case)
    bulk = open311_views.deadlines_of(session, cases)
    one_by_one = {c.id: queries.deadlines(session, c) for c in cases}
    assert bulk == one_by_one
    stages = {d.stage for ds in bulk.values() for d in ds}
    assert stages == {"processing", "notification", "acceptance", "transfer", "resolution", "acceptance_notice"}
    assert any(d.deadline is None for ds in bulk.values() for d in ds)  # a running suspension
    assert any(d.deadline and d.deadline.rule.version == 2 for ds in bulk.values() for d in ds)
    assert any(d.deadline and d.deadline.rule.code == "denunciation.extension" for ds in bulk.values() for d in ds)
    for case in cases:
        assert open311_views.nearest_of(bulk[case.id]) == open311_views.nearest_deadline(session, case)
    assert open311_views.deadlines_of(session, []) == {}


# Failures are logged without personal data -----------------------------------------------------

def _logged(caplog) -> str:
    return "\n".join(r.getMessage() + "\n" + (r.exc_text or "") for r in caplog.records) + caplog.text


def test_a_failing_insert_does_not_log_the_sender(client, session, writer, caplog, monkeypatch):
    """The database refusing the INSERT of the case (here: a tracking code already taken) is
    logged with the error's type and the driver's message, never with the statement's
    parameters (the sender's name, e-mail and phone) nor the driver's detail (the key's value)."""
    taken = filed(session).tracking_code
    monkeypatch.setattr(intake, "unique_code", lambda session: taken)
    with caplog.at_level(logging.DEBUG, logger="minhbach"):
        r = client.post(f"{BASE}/requests.json", data={**POST, "api_key": writer})
    [message] = _json_errors(r, 400)
    assert "cơ sở dữ liệu" in message
    [record] = [rec for rec in caplog.records if rec.name == "minhbach.open311"]
    assert record.levelno == logging.WARNING and "IntegrityError" in record.getMessage()
    assert "tracking_code" in record.getMessage() or "unique" in record.getMessage().lower()
    logged = _logged(caplog)
    for secret in (POST["email"], "Nguyễn Văn An", POST["phone"], POST["description"][:20], taken):
        assert secret not in logged, secret
    assert len(session.exec(select(Complaint)).all()) == 1  # rolled back


def test_token_lookups_never_log_the_token(client, session, caplog, monkeypatch):
    case = filed(session)
    code = codes.format_code(case.tracking_code)
    with caplog.at_level(logging.DEBUG, logger="minhbach"):
        assert client.get(f"{BASE}/tokens/{code}.json").status_code == 200
        client.get(f"{BASE}/tokens/AAAA-BBBB-CCCCC.xml")

        def failing(session, secret, token):  # the database fails on a query bound to the token
            session.execute(sa.text("SELECT id FROM no_such_table_open311 WHERE code = :code"), {"code": token})

        monkeypatch.setattr(open311, "token_lookup", failing)
        _json_errors(client.get(f"{BASE}/tokens/{code}.json"), 400)
    logged = _logged(caplog)
    assert "no_such_table_open311" in logged
    for secret in (code, case.tracking_code, "AAAA-BBBB-CCCCC"):
        assert secret not in logged, secret


# Unknown paths, methods, formats; nothing ever fails ------------------------------------------

def test_unknown_paths_methods_and_formats(client):
    _xml_errors(client.get(f"{BASE}/nothing-here"), 404)
    _json_errors(client.get(f"{BASE}/nothing/here.json"), 404)
    _xml_errors(client.get(f"{BASE}/services.html"), 404)
    _xml_errors(client.get(BASE), 404)
    r = client.delete(f"{BASE}/requests.json")
    _json_errors(r, 405)
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    _xml_errors(client.post(f"{BASE}/services.xml", data={"a": "b"}), 405)
    assert client.head(f"{BASE}/services.xml").status_code == 200


@pytest.mark.parametrize("path", [
    "/requests.json?start_date=%00", "/requests.xml?status=%00%01", "/requests.xml?service_code=%ff%fe",
    "/requests.json?service_request_id=%00", "/requests/%00.xml", "/tokens/%00%00.xml", "/services/%00.xml",
    "/requests.json?start_date=0001-01-01&end_date=0001-01-02", "/requests.json?end_date=9999-12-31T23:59:59%2B14:00",
    "/requests.json?start_date=2026-03-14T00:00:00-23:59", "/requests/" + "f" * 5000 + ".json",
])
def test_odd_input_never_fails(client, path):
    r = client.get(BASE + path)
    assert r.status_code in (200, 400, 404), r.text
    if path.split("?")[0].endswith(".xml"):
        _xml(r)  # always well-formed XML, even with control characters in the input
    else:
        assert isinstance(_json(r), list)


def test_post_odd_input_never_fails(client, session, writer):
    for data in ({**POST, "api_key": writer, "description": "\x1f\x7f" * 20}, {**POST, "api_key": "\x00" * 10},
                 {**POST, "api_key": writer, "lat": "1e309", "long": "1"}, {"api_key": writer * 100}):
        r = client.post(f"{BASE}/requests.xml", data=data)
        assert r.status_code in (400, 403, 404), r.text
        _xml(r)
    r = client.post(f"{BASE}/requests.json", content=b"--x\r\nbroken",
                    headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code in (400, 403) and isinstance(_json(r), list)


# The request id ----------------------------------------------------------------------------------

def test_request_ids_are_keyed_and_reversible():
    ids = [open311_views.request_id(n, "key-one") for n in range(1, 200)]
    assert len(set(ids)) == 199 and all(len(i) == 16 for i in ids)
    assert [open311_views.case_id_of(i, "key-one") for i in ids] == list(range(1, 200))
    assert open311_views.case_id_of(ids[0], "key-two") is None  # another server's (or an old key's) id
    assert open311_views.request_id(1, "key-two") != ids[0]
    assert open311_views.case_id_of(ids[0].upper(), "key-one") == 1
    assert open311_views.case_id_of("0123456789abcdef", "key-one") is None
    assert open311_views.case_id_of("12", "key-one") is None
    largest = open311_views.request_id(2_147_483_647, "k")
    assert largest and open311_views.case_id_of(largest, "k") == 2_147_483_647


def test_subject_from_the_first_words():
    assert open311_intake.subject_from("Đèn hỏng ở ngõ 12") == "Đèn hỏng ở ngõ 12"
    assert open311_intake.subject_from("  Đèn\nhỏng   ở ngõ 12  ") == "Đèn hỏng ở ngõ 12"
    long = " ".join(["từ"] * 30)
    assert open311_intake.subject_from(long) == " ".join(["từ"] * 12) + "…"
    assert open311_intake.subject_from("x" * 500) == "x" * 100 + "…"
