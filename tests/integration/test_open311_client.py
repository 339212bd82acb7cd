"""Open311 GeoReport v2 with real client libraries from PyPI against the real server: the app
served by uvicorn on a free local port (in a thread, on this test's own database), and

* civicbot's `Open311Client` (JSON; every GeoReport v2 method, POST included): discovery through
  its HTTP transport, the service list and a definition, a request POSTed with an api_key (the
  client checks it against the live service list first), the request and the token read back,
  the list with its filters; errors arrive as HTTP errors carrying the spec's error list;
* georeport's `GeoReport` (the reads, in XML parsed by xmltodict, and in JSON).

Nothing here reaches beyond 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import uvicorn
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport
from sqlmodel import select

from app.accounts import tokens
from app.accounts.audit import Actor
from app.cases import codes
from app.core.db import session_for
from app.core.timeutil import local_today
from app.integration import open311_views
from app.main import create_app
from app.models.complaint import CaseField, Complaint
from tests import factories
from tests.cases.helpers import act, filed

SENDER = {"first_name": "Văn An", "last_name": "Nguyễn", "email": "an.client@example.org", "phone": "0912 345 678"}
DESCRIPTION = "Rác thải tập kết ở đầu ngõ 7 Văn Phú nhiều ngày không được thu gom, bốc mùi."


@dataclass
class Live:
    url: str
    app: object

    def session(self):
        return session_for(self.app.state.engine, write=True, audit_key=self.app.state.secret_key)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live(settings):
    """The application on a real HTTP server (uvicorn in a thread), stopped after the test."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={"public_base_url": url}))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="open311-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the live server did not start")
        time.sleep(0.05)
    try:
        yield Live(url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        app.state.engine.dispose()


@pytest.fixture
def api_key(live) -> str:
    with live.session() as s:
        key = tokens.create_token(s, actor=Actor.system("test"), name="ung-dung-open311", scopes=["complaints:write"])
        s.commit()
    return key


def _transport() -> HttpTransport:
    return HttpTransport(rate_limiter=RateLimiter(min_interval=0))  # a local server: no politeness delay


def _discover(live: Live, transport: HttpTransport) -> str:
    """The GeoReport v2 endpoint that speaks JSON, from the discovery document."""
    doc = transport.get_json(f"{live.url}/open311/v2/discovery.json")
    [endpoint] = [e for e in doc["endpoints"] if e["specification"] == "http://wiki.open311.org/GeoReport_v2"
                  and "application/json" in e["formats"]]
    return endpoint["url"]


def _w3c(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_civicbot_client_full_cycle(live, api_key):
    transport = _transport()
    base = _discover(live, transport)
    assert base == f"{live.url}/open311/v2"
    client = Open311Client(Endpoint(id="phu-la", name="Phường Phú La", base_url=base, write=True), transport=transport)

    services = client.list_services()
    assert [s["service_code"] for s in services] == [f.value for f in CaseField]
    assert client.get_service_definition("environment") == {"service_code": "environment", "attributes": []}

    # A denunciation and a complaint filed on the web meanwhile: never visible through Open311.
    with live.session() as s:
        hidden = [filed(s, kind="denunciation", subject="Tố cáo cán bộ nhận tiền", content="Tố cáo cán bộ nhận tiền.",
                        field="environment", sender_name="Người Tố Cáo Kín"),
                  filed(s, kind="complaint", subject="Khiếu nại xử phạt", content="Khiếu nại quyết định xử phạt.",
                        field="environment", sender_name="Người Khiếu Nại Kín")]
        hidden_ids = [open311_views.request_id(c.id, live.app.state.secret_key) for c in hidden]

    posted = client.create_request("environment", dry_run=False, confirm="SEND", api_key=api_key,
                                   validate_remote=True, lat=20.9601, lng=105.7702,
                                   address_string="Đầu ngõ 7 Văn Phú", description=DESCRIPTION, **SENDER)
    [answer] = posted.response
    request_id, token = answer["service_request_id"], answer["token"]
    assert answer["service_notice"]

    with live.session() as s:
        case = s.exec(select(Complaint).where(Complaint.kind == "feedback")).one()
        assert token == codes.format_code(case.tracking_code)
        assert case.field == "environment" and case.content == DESCRIPTION and case.sender_name == "Nguyễn Văn An"
        assert (case.latitude, case.longitude) == (20.9601, 105.7702) and case.sender_email == SENDER["email"]

    item = client.get_request(request_id)
    assert item["service_request_id"] == request_id and item["status"] == "open"
    assert item["service_code"] == "environment" and item["requested_datetime"].endswith("+07:00")
    assert item["expected_datetime"] and item["agency_responsible"] == "Phường Phú La"
    assert item["address"] is None  # not yet classified by staff
    assert client.get_token(token) == [{"service_request_id": request_id, "token": token}]

    # Staff classify, accept and resolve it; the client sees it closed with the public summary.
    with live.session() as s:
        case = s.get(Complaint, case.id)
        leader = factories.principal(s, "leader")
        for action in ("classify", "accept", "start"):
            act(s, leader, case, action)
        act(s, leader, case, "resolve", decision_number="7/QĐ-UBND", decided_on=local_today(), result="Nội bộ",
            public_summary="Đã thu gom rác, bố trí thu gom hằng ngày.")

    now = datetime.now(timezone.utc)
    window = {"start_date": _w3c(now - timedelta(days=1)), "end_date": _w3c(now + timedelta(minutes=5))}
    closed = client.list_requests(service_code="environment", status="closed", **window)
    assert [r["service_request_id"] for r in closed] == [request_id]
    assert closed[0]["status"] == "closed" and closed[0]["description"] == "Đã thu gom rác, bố trí thu gom hằng ngày."
    assert closed[0]["address"] == "Đầu ngõ 7 Văn Phú" and closed[0]["lat"] == 20.9601
    assert client.list_requests(status="open", **window) == []
    assert client.list_requests(service_code="land", **window) == []
    by_ids = client.list_requests(service_request_ids=[request_id, *hidden_ids])
    assert [r["service_request_id"] for r in by_ids] == [request_id]

    everything = json.dumps(client.list_requests(**window), ensure_ascii=False)
    for word in ("Nguyễn Văn An", SENDER["email"], SENDER["phone"], DESCRIPTION, "Tố Cáo", "Khiếu Nại", token,
                 token.replace("-", ""), *hidden_ids):
        assert word not in everything

    # Errors reach the client as HTTP errors with the spec's error list.
    with pytest.raises(HttpError) as refused:
        client.create_request("environment", dry_run=False, confirm="SEND", api_key="mb_wrong",
                              address_string="Ngõ 7", description=DESCRIPTION)
    assert refused.value.status == 403
    [error] = json.loads(refused.value.body)
    assert error["code"] == 403 and "api_key" in error["description"]
    with pytest.raises(HttpError) as unknown:
        client.get_service_definition("potholes")
    assert unknown.value.status == 404 and json.loads(unknown.value.body)[0]["code"] == 404
    with pytest.raises(HttpError) as bad_dates:
        client.list_requests(start_date="2026-03-14T00:00:00")  # no time zone
    assert bad_dates.value.status == 400 and "start_date" in json.loads(bad_dates.value.body)[0]["description"]


def test_georeport_client_reads_xml_and_json(live, api_key):
    transport = _transport()
    base = _discover(live, transport)
    civic = Open311Client(Endpoint(id="phu-la", name="Phường Phú La", base_url=base, write=True), transport=transport)
    ids = []
    for code in ("urban_order", "land"):
        posted = civic.create_request(code, dry_run=False, confirm="SEND", api_key=api_key,
                                      address_string="Ngõ 12 Văn Phú", description=DESCRIPTION)
        ids.append(posted.response[0]["service_request_id"])

    for output_format in ("xml", "json"):
        client = GeoReport(base, jurisdiction="phula.hanoi.gov.vn", output_format=output_format)
        services = client.get_service_list()
        assert [s["service_code"] for s in services] == [f.value for f in CaseField]
        assert services[0]["service_name"] == "Đất đai"
        definition = client.get_service_definition("land")
        assert definition["service_code"] == "land"
        listed = client.get_service_requests(status="open")
        assert [r["service_request_id"] for r in listed] == ids[::-1]  # newest first
        one = client.get_service_requests(service_code="land")
        one = one if isinstance(one, list) else [one]  # xmltodict: a single element is not a list
        assert [r["service_request_id"] for r in one] == [ids[1]]
        item = client.get_service_request(ids[0])
        assert item["service_request_id"] == ids[0] and item["status"] == "open"
        assert item["service_code"] == "urban_order" and item["service_name"] == "Trật tự đô thị"
        assert "Nguyễn" not in str(item) and DESCRIPTION not in str(listed)
