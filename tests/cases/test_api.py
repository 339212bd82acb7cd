"""JSON API for cases (parent authority, integrations): contract, scopes, cursors, updated_since,
transitions with the staff permission checks, transfers in, and no denouncer's identity ever."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from app.accounts import auth
from app.core.timeutil import local_today
from app.models.complaint import Complaint
from tests import factories
from tests.cases.helpers import act, filed

LIST_FIELDS = {
    "id", "tracking_code", "kind", "channel", "status", "field", "subject", "content", "address", "latitude",
    "longitude", "pakn_code", "external_ref", "department", "assignee_id", "resolver_id", "complex", "remote",
    "received_on", "accepted_on", "resolved_on", "due_on", "decision_number", "decided_on", "public_summary",
    "created_at", "updated_at", "anonymous", "identity_visible", "sender_name", "sender_address", "sender_phone",
    "sender_email", "sender_id_number",
}
TRANSFER = {"kind": "complaint", "subject": "Khiếu nại về bồi thường giải phóng mặt bằng",
            "content": "Đơn do Thanh tra thành phố chuyển về phường giải quyết theo thẩm quyền.", "field": "land",
            "sender_name": "Vũ Văn Chuyển", "sender_address": "Số 4 Văn Phú", "external_ref": "123/TTTP-TCD"}


_token = factories.bearer


@pytest.fixture
def reader(session):
    return _token(session, "complaints:read")


def test_list_contract_and_scopes(client, session, reader):
    case = filed(session)
    assert client.get("/api/v1/complaints").status_code == 401
    forbidden = client.get("/api/v1/complaints", headers=_token(session, "disclosures:write"))
    assert forbidden.status_code == 403 and forbidden.headers["content-type"] == "application/problem+json"
    r = client.get("/api/v1/complaints", headers=reader)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    [item] = body["items"]
    assert LIST_FIELDS <= set(item)
    assert item["id"] == case.id and item["status"] == "received" and item["channel"] == "web"
    assert item["tracking_code"].replace("-", "") == case.tracking_code
    assert item["identity_visible"] and item["sender_name"] == "Nguyễn Văn An"  # not a denunciation


def test_list_filters_cursor_and_updated_since(client, session, reader):
    officer = factories.principal(session, "officer")
    cases = [filed(session, subject=f"Phản ánh số {i} về vỉa hè") for i in range(3)]
    petition = filed(session, kind="petition", subject="Kiến nghị sửa đường")
    act(session, officer, cases[0], "classify")  # now the most recently changed feedback

    ids, cursor = [], None
    while True:
        r = client.get("/api/v1/complaints", params={"limit": 2, "kind": "feedback",
                                                     **({"cursor": cursor} if cursor else {})},
                       headers=reader)
        assert r.status_code == 200
        ids += [i["id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert ids[0] == cases[0].id and sorted(ids) == sorted(c.id for c in cases)
    assert [i["id"] for i in client.get("/api/v1/complaints", params={"status": "classified"},
                                        headers=reader).json()["items"]] == [cases[0].id]
    assert [i["id"] for i in client.get("/api/v1/complaints", params={"kind": "petition"},
                                        headers=reader).json()["items"]] == [petition.id]

    since = (cases[0].updated_at - timedelta(seconds=1)).isoformat()
    changed = client.get("/api/v1/complaints", params={"updated_since": since}, headers=reader).json()["items"]
    assert [i["id"] for i in changed][-1] == cases[0].id  # oldest change first
    future = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    assert client.get("/api/v1/complaints", params={"updated_since": future}, headers=reader).json()["items"] == []
    assert client.get("/api/v1/complaints", params={"cursor": "not-a-cursor"}, headers=reader).status_code == 422
    assert client.get("/api/v1/complaints", params={"updated_since": "0001-01-01T00:00:00"},
                      headers=reader).status_code == 422
    assert client.get("/api/v1/complaints", params={"kind": "gossip"}, headers=reader).status_code == 422


def test_item_has_deadlines_with_legal_basis_and_the_full_timeline(client, session, reader):
    case = filed(session)
    act(session, factories.principal(session, "officer"), case, "classify", note="Phân loại nội bộ", public=False)
    r = client.get(f"/api/v1/complaints/{case.id}", headers=reader)
    assert r.status_code == 200
    body = r.json()
    [d] = body["deadlines"]
    assert d["stage"] == "processing" and d["legal_basis"] and d["rule_version"] == 1 and d["met"] is False
    assert d["rule"].startswith("feedback.processing")
    assert [(e["action"], e["public"]) for e in body["timeline"]] == [("receive", True), ("classify", False)]
    assert body["timeline"][1]["actor"].startswith("user:") and body["timeline"][0]["from_status"] is None
    assert client.get("/api/v1/complaints/999999", headers=reader).status_code == 404


def test_no_denouncer_identity_in_the_api_even_for_the_allowed_people(client, session):
    officer, leader = factories.user(session, role="officer"), factories.user(session, role="leader")
    case = filed(session, kind="denunciation", sender_name="Người Tố Cáo Bí Mật", sender_id_number="001203004005")
    act(session, auth.principal_for_user(officer), case, "classify")
    act(session, auth.principal_for_user(leader), case, "accept")
    act(session, auth.principal_for_user(leader), case, "assign", assignee_id=officer.id)
    for headers in (_token(session, "complaints:read"), _token(session, "complaints:write"),
                    _token(session, user=officer), _token(session, user=leader)):
        for path in ("/api/v1/complaints", f"/api/v1/complaints/{case.id}"):
            r = client.get(path, headers=headers)
            assert r.status_code == 200
            assert "Người Tố Cáo Bí Mật" not in r.text and "001203004005" not in r.text
        item = client.get(f"/api/v1/complaints/{case.id}", headers=headers).json()
        assert item["identity_visible"] is False and item["sender_name"] is None and item["anonymous"] is False


def test_transitions_with_a_personal_token_use_the_users_role(client, session):
    case = filed(session)
    officer = _token(session, user=factories.user(session, role="officer"))
    url = f"/api/v1/complaints/{case.id}/transitions"
    start = client.post(url, json={"action": "start"}, headers=officer)
    assert start.status_code == 409 and start.headers["content-type"] == "application/problem+json"
    r = client.post(url, json={"action": "classify", "kind": "petition", "note": "Là kiến nghị"}, headers=officer)
    assert r.status_code == 200 and r.json()["status"] == "classified" and r.json()["kind"] == "petition"
    missing = client.post(url, json={"action": "refuse"}, headers=officer)
    assert missing.status_code == 422 and {"field": "reason", "code": "required"} in missing.json()["errors"]
    # Accepting is the leader's decision: the officer proposes it, the leader decides with a number and date.
    assert client.post(url, json={"action": "accept"}, headers=officer).status_code == 403
    r = client.post(url, json={"action": "propose", "proposal": "accept"}, headers=officer)
    assert r.status_code == 200 and r.json()["status"] == "classified"
    leader = _token(session, user=factories.user(session, role="leader"))
    undated = client.post(url, json={"action": "accept", "decision_number": "3/QĐ-UBND"}, headers=leader)
    assert undated.status_code == 422 and {"field": "decided_on", "code": "required"} in undated.json()["errors"]
    r = client.post(url, json={"action": "accept", "decision_number": "3/QĐ-UBND",
                               "decided_on": local_today().isoformat()}, headers=leader)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    resolve = client.post(url, json={"action": "resolve", "decision_number": "1/QĐ",
                                     "decided_on": local_today().isoformat(),
                                     "result": "x", "public_summary": "y"}, headers=officer)
    assert resolve.status_code == 403
    assert client.post(url, json={"action": "teleport"}, headers=officer).status_code == 422
    assert client.post(url, json={"note": "no action"}, headers=officer).status_code == 422
    session.rollback()
    session.refresh(case)
    assert case.status == "accepted" and case.accepted_on == local_today() and case.proposed_action == ""
    assert case.acceptance_number == "3/QĐ-UBND"
    assert len(client.get(f"/api/v1/complaints/{case.id}", headers=officer).json()["timeline"]) == 4


def test_integration_tokens_cannot_handle_cases(client, session):
    case = filed(session)
    for scope in ("complaints:read", "complaints:write"):
        r = client.post(f"/api/v1/complaints/{case.id}/transitions", json={"action": "classify"},
                        headers=_token(session, scope))
        assert r.status_code == 403
    assert client.post(f"/api/v1/complaints/{case.id}/transitions", json={"action": "classify"}).status_code == 401
    session.rollback()
    session.refresh(case)
    assert case.status == "received"


def test_transfer_in_from_another_body(client, session):
    writer = _token(session, "complaints:write")
    r = client.post("/api/v1/complaints/transfers", json={**TRANSFER, "pakn_code": "PAKN-2026-0001"}, headers=writer)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["channel"] == "transfer" and body["external_ref"] == "123/TTTP-TCD"
    assert body["pakn_code"] == "PAKN-2026-0001"
    assert body["status"] == "received" and body["deadlines"] and body["timeline"][0]["action"] == "receive"
    case = session.exec(select(Complaint)).one()
    assert case.channel == "transfer" and case.external_ref == "123/TTTP-TCD"


@pytest.mark.parametrize("change,status", [
    ({"external_ref": ""}, 422),
    ({"external_ref": None}, 422),
    ({"sender_address": ""}, 422),
    ({"kind": "denunciation", "anonymous": True}, 422),
    ({"received_on": (local_today() + timedelta(days=2)).isoformat()}, 422),
])
def test_transfer_in_bad_input_changes_nothing(client, session, change, status):
    body = {k: v for k, v in {**TRANSFER, **change}.items() if v is not None}
    r = client.post("/api/v1/complaints/transfers", json=body, headers=_token(session, "complaints:write"))
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert session.exec(select(Complaint)).all() == []


def test_transfer_in_needs_the_write_scope(client, session):
    assert client.post("/api/v1/complaints/transfers", json=TRANSFER).status_code == 401
    r = client.post("/api/v1/complaints/transfers", json=TRANSFER, headers=_token(session, "complaints:read"))
    assert r.status_code == 403
    supervisor = _token(session, user=factories.user(session, role="supervisor"))
    assert client.post("/api/v1/complaints/transfers", json=TRANSFER, headers=supervisor).status_code == 403
    assert session.exec(select(Complaint)).all() == []


def test_split_through_the_api(client, session):
    officer = factories.user(session, role="officer")
    headers = _token(session, user=officer)
    case = filed(session)
    body = {"parts": [
        {"kind": "feedback", "subject": "Đèn ngõ 12 bị hỏng", "content": "Ba bóng đèn không sáng buổi tối."},
        {"kind": "petition", "subject": "Kiến nghị thêm thùng rác", "content": "Đầu ngõ cần thêm hai thùng rác."},
    ]}
    r = client.post(f"/api/v1/complaints/{case.id}/split", json=body, headers=headers)
    assert r.status_code == 201 and [c["kind"] for c in r.json()] == ["petition"]
    reader = _token(session, "complaints:read")
    assert client.post(f"/api/v1/complaints/{case.id}/split", json=body, headers=reader).status_code == 403
    assert client.post(f"/api/v1/complaints/{case.id}/split", json={"parts": []}, headers=headers).status_code == 422
