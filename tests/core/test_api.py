"""JSON API v1: contract names, auth and scopes, problem details, cursors, updated_since."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from app.models.disclosure import Disclosure
from tests import factories

CONTRACT_FIELDS = {
    "id", "title", "summary", "body", "category", "document_number", "issuing_body", "issued_on", "effective_on",
    "fiscal_year", "tags", "status", "version", "posted_on", "posting_ends_on", "methods", "attachments",
    "published_at", "created_at", "updated_at", "late",
}
NEW = {"title": "Danh sách hộ cận nghèo năm 2027", "category": "social_support", "document_number": "10/QĐ-UBND",
       "issued_on": "2026-11-25", "tags": ["hộ cận nghèo", "an sinh"], "body": "Gồm 21 hộ."}


def _token(session, scopes=("disclosures:write",), user=None):
    return factories.bearer(session, *scopes, user=user)


@pytest.fixture
def writer(session):
    return _token(session)


def test_public_list_and_contract(client, session):
    p = factories.principal(session)
    factories.published(session, p)
    r = client.get("/api/v1/disclosures")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    item = body["items"][0]
    assert CONTRACT_FIELDS <= set(item)
    assert item["status"] == "published" and item["category"] == "budget" and item["tags"] == ["ngân sách", "dự toán"]
    assert item["methods"][0]["method"] == "website"
    assert item["published_at"].endswith("Z") or item["published_at"].endswith("+00:00")


def test_write_lifecycle_with_scoped_token(client, session, writer):
    r = client.post("/api/v1/disclosures", json=NEW, headers=writer)
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["status"] == "draft" and d["version"] == 0 and d["fiscal_year"] == 2026
    assert client.get(f"/api/v1/disclosures/{d['id']}").status_code == 404  # drafts are not public
    assert client.get(f"/api/v1/disclosures/{d['id']}", headers=writer).status_code == 200

    pdf = factories.pdf_bytes()
    up = client.post(f"/api/v1/disclosures/{d['id']}/attachments", headers=writer,
                     files={"file": ("danh-sach.pdf", pdf, "application/pdf")})
    assert up.status_code == 201 and up.json()["sha256"] == hashlib.sha256(pdf).hexdigest()

    pub = client.post(f"/api/v1/disclosures/{d['id']}/publish", headers=writer)
    assert pub.status_code == 200 and pub.json()["version"] == 1 and pub.json()["posted_on"]

    patched = client.patch(f"/api/v1/disclosures/{d['id']}", headers=writer,
                           json={"summary": "Bổ sung 2 hộ", "change_note": "Bổ sung"})
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert patched.json()["title"] == NEW["title"]  # untouched fields keep their value

    url = patched.json()["attachments"][0]["url"]
    assert client.get(url.replace("http://testserver", "")).content == pdf

    w = client.post(f"/api/v1/disclosures/{d['id']}/withdraw", headers=writer, json={"reason": "Ban hành nhầm"})
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
    again = client.post(f"/api/v1/disclosures/{d['id']}/withdraw", headers=writer, json={"reason": "Ban hành nhầm"})
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"


def test_writes_need_a_token_with_the_scope(client, session):
    assert client.post("/api/v1/disclosures", json=NEW).status_code == 401
    reader = _token(session, scopes=("disclosures:read",))
    r = client.post("/api/v1/disclosures", json=NEW, headers=reader)
    assert r.status_code == 403 and r.json()["status"] == 403
    bad = client.post("/api/v1/disclosures", json=NEW, headers={"Authorization": "Bearer mb_nope"})
    assert bad.status_code == 401 and bad.json()["title"] == "Unauthorized"
    basic = client.post("/api/v1/disclosures", json=NEW, headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    assert session.exec(select(Disclosure)).all() == []


def test_personal_token_uses_the_users_role(client, session):
    officer = factories.user(session, role="officer")
    headers = _token(session, scopes=(), user=officer)
    d = client.post("/api/v1/disclosures", json=NEW, headers=headers).json()
    assert client.post(f"/api/v1/disclosures/{d['id']}/publish", headers=headers).status_code == 403


def test_no_csrf_needed_for_bearer_api_but_cookies_do_not_authenticate(client, session, login):
    login("admin")  # a browser session cookie alone must not be able to write through the API
    assert client.post("/api/v1/disclosures", json=NEW).status_code == 401


@pytest.mark.parametrize("body", [
    {}, {"title": "x", "category": "budget"}, {**NEW, "category": "vu-tru"}, {**NEW, "issued_on": "hôm qua"},
    {**NEW, "fiscal_year": 1000}, {**NEW, "effective_on": "2026-01-01"}, {**NEW, "tags": "x" * 5000},
    [], "chuỗi", {**NEW, "title": None},
])
def test_invalid_bodies_are_problem_details(client, writer, body, session):
    r = client.post("/api/v1/disclosures", json=body, headers=writer)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["status"] == 422 and problem["title"] and problem["errors"]
    assert session.exec(select(Disclosure)).all() == []


def test_malformed_json_and_unknown_ids(client, writer):
    r = client.post("/api/v1/disclosures", content=b"{not json", headers={**writer, "Content-Type": "application/json"})
    assert r.status_code == 422
    assert client.get("/api/v1/disclosures/999").status_code == 404
    assert client.get("/api/v1/disclosures/abc").status_code == 422
    assert client.patch("/api/v1/disclosures/999", json={}, headers=writer).status_code == 404
    assert client.get("/api/v1/nothing").json()["status"] == 404


def test_upload_of_wrong_type_via_api(client, session, writer):
    d = client.post("/api/v1/disclosures", json=NEW, headers=writer).json()
    r = client.post(f"/api/v1/disclosures/{d['id']}/attachments", headers=writer,
                    files={"file": ("x.pdf", b"<?php echo 1; ?>", "application/pdf")})
    assert r.status_code == 415 and "PDF" in r.json()["detail"]
    r = client.post(f"/api/v1/disclosures/{d['id']}/attachments", headers=writer)
    assert r.status_code == 422


def test_filters_cursor_and_updated_since(client, session):
    p = factories.principal(session)
    ids = [factories.published(session, p, title=f"Thông báo tiếp công dân {i}", fiscal_year=2026).id
           for i in range(5)]
    other = factories.published(session, p, title="Phí vệ sinh", category="fees_charges", fiscal_year=2025)
    page1 = client.get("/api/v1/disclosures", params={"q": "tiep cong dan", "limit": 2}).json()
    page2 = client.get("/api/v1/disclosures", params={"q": "tiep cong dan", "limit": 2,
                                                      "cursor": page1["next_cursor"]}).json()
    page3 = client.get("/api/v1/disclosures", params={"q": "tiep cong dan", "limit": 2,
                                                      "cursor": page2["next_cursor"]}).json()
    walked = [x["id"] for x in page1["items"] + page2["items"] + page3["items"]]
    assert walked == list(reversed(ids)) and page3["next_cursor"] is None
    assert [x["id"] for x in client.get("/api/v1/disclosures", params={"year": 2025}).json()["items"]] == [other.id]
    by_cat = client.get("/api/v1/disclosures", params={"category": "fees_charges"}).json()["items"]
    assert [x["id"] for x in by_cat] == [other.id]

    since = datetime.now(timezone.utc) - timedelta(minutes=5)
    changed = client.get("/api/v1/disclosures", params={"updated_since": since.isoformat()}).json()["items"]
    assert [x["id"] for x in changed] == ids + [other.id]  # oldest change first
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    assert client.get("/api/v1/disclosures", params={"updated_since": future}).json()["items"] == []


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 1000}, {"cursor": "???"}, {"updated_since": "yesterday"}, {"category": "x"},
    {"year": "abc"}, {"updated_since": "1700000000"}, {"updated_since": "0"}, {"cursor": "W10=?"},
])
def test_bad_list_parameters(client, params):
    r = client.get("/api/v1/disclosures", params=params)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/disclosures" in spec["paths"] and "/api/v1/disclosures/{disclosure_id}/publish" in spec["paths"]
    assert not any(p.startswith("/staff") for p in spec["paths"])
    assert client.get("/docs").status_code == 200


def test_patch_that_breaks_a_rule_is_422(client, writer):
    d = client.post("/api/v1/disclosures", json=NEW, headers=writer).json()
    r = client.patch(f"/api/v1/disclosures/{d['id']}", json={"title": "x"}, headers=writer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title"
    r = client.patch(f"/api/v1/disclosures/{d['id']}", json={"effective_on": "2020-01-01"}, headers=writer)
    assert r.status_code == 422
    assert client.get(f"/api/v1/disclosures/{d['id']}", headers=writer).json()["title"] == NEW["title"]


def test_huge_ids_are_422_not_500(client):
    assert client.get("/api/v1/disclosures/9223372036854775808").status_code == 422
    assert client.get("/disclosures/9223372036854775808").status_code == 422


@pytest.mark.parametrize("field", ["title", "body", "document_number"])
def test_control_characters_are_refused(client, writer, session, field):
    r = client.post("/api/v1/disclosures", json={**NEW, field: "Tiêu đề\x00 có NUL"}, headers=writer)
    assert r.status_code == 422
    r = client.post("/api/v1/disclosures", json={**NEW, "tags": ["a\x00b"]}, headers=writer)
    assert r.status_code == 422
    assert session.exec(select(Disclosure)).all() == []


def test_nul_in_queries_and_login_is_harmless(client):
    assert client.get("/api/v1/disclosures", params={"q": "a\x00b"}).status_code == 200
    assert client.get("/disclosures", params={"q": "\x00"}).status_code == 200
    token = factories.csrf(client)
    r = client.post("/staff/login", data={"username": "ad\x00min", "password": "x\x00", "csrf_token": token})
    assert r.status_code == 401


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_out_of_range_updated_since_is_422(client, since):
    assert client.get("/api/v1/disclosures", params={"updated_since": since}).status_code == 422


def test_draft_with_far_future_date_is_refused(client, writer):
    r = client.post("/api/v1/disclosures", json={**NEW, "issued_on": "9999-12-30"}, headers=writer)
    assert r.status_code == 422


@pytest.mark.parametrize("value", [0, 0.0, "000", "1700000000", "2026-11-25T00:00:00"])
def test_api_dates_are_yyyy_mm_dd_only(client, writer, value):
    """As the description says: not a Unix time, not a date and time (the form's model reads both)."""
    r = client.post("/api/v1/disclosures", json={**NEW, "posting_ends_on": value}, headers=writer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "posting_ends_on", r.text
    d = client.post("/api/v1/disclosures", json=NEW, headers=writer).json()
    r = client.patch(f"/api/v1/disclosures/{d['id']}", json={"issued_on": value}, headers=writer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "issued_on", r.text


def test_patch_may_clear_a_date_but_not_the_title(client, writer):
    d = client.post("/api/v1/disclosures", json={**NEW, "effective_on": "2026-12-01"}, headers=writer).json()
    r = client.patch(f"/api/v1/disclosures/{d['id']}", json={"effective_on": None}, headers=writer)
    assert r.status_code == 200 and r.json()["effective_on"] is None
    r = client.patch(f"/api/v1/disclosures/{d['id']}", json={"title": None}, headers=writer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title"


def test_openapi_documents_errors_conditional_gets_and_rate_limits(client):
    """Every 4xx is problem details; a token's call may be 401, 403 or 429 (with Retry-After);
    a GET answered with JSON carries an ETag and may be 304; dates and cursors state their form."""
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            for status, answer in op["responses"].items():
                if status.startswith("4"):
                    assert list(answer["content"]) == ["application/problem+json"], (where, status)
                    schema = answer["content"]["application/problem+json"]["schema"]
                    assert set(schema["required"]) == {"type", "title", "status", "detail"}, where
            assert "422" in op["responses"], where
            if method == "get" and "application/json" in op["responses"]["200"].get("content", {}):
                assert op["responses"]["200"]["headers"]["ETag"]["required"], where
                assert "ETag" in op["responses"]["304"]["headers"], where
                assert "If-None-Match" in {p["name"] for p in op["parameters"]}, where
            if "401" in op["responses"]:
                assert op["responses"]["429"]["headers"]["Retry-After"]["required"], where
    listing = {p["name"]: p["schema"] for p in spec["paths"]["/api/v1/disclosures"]["get"]["parameters"]}
    assert listing["updated_since"]["anyOf"][0]["pattern"] == "^(19[0-9]{2}|2[01][0-9]{2}|2200)-"
    assert listing["cursor"]["anyOf"][0]["pattern"] == "^[A-Za-z0-9_-]*$"
    protected = spec["paths"]["/api/v1/disclosures"]["post"]["responses"]
    assert {"400", "401", "403", "409", "413", "422", "429"} <= set(protected)
    assert "404" in spec["paths"]["/api/v1/disclosures/{disclosure_id}"]["get"]["responses"]


def test_adding_a_file_via_api_to_published_makes_a_version(client, writer):
    d = client.post("/api/v1/disclosures", json=NEW, headers=writer).json()
    client.post(f"/api/v1/disclosures/{d['id']}/publish", headers=writer)
    client.post(f"/api/v1/disclosures/{d['id']}/attachments", headers=writer,
                files={"file": ("x.pdf", factories.pdf_bytes(), "application/pdf")})
    assert client.get(f"/api/v1/disclosures/{d['id']}").json()["version"] == 2


def test_deadline_preview(client):
    r = client.get("/api/v1/deadlines/preview",
                   params={"kind": "complaint", "stage": "resolution", "start": "2026-03-02", "complex": "true"})
    assert r.status_code == 200
    body = r.json()
    assert body["days"] == 45 and body["unit"] == "calendar" and body["variant"] == "complex"
    assert body["due_on"] == "2026-04-16" and "Điều 28" in body["legal_basis"] and body["rule_version"] == 1
    assert client.get("/api/v1/deadlines/preview",
                      params={"kind": "petition", "stage": "resolution", "start": "2026-03-02"}).status_code == 404
    for bad in ({"kind": "x", "stage": "resolution", "start": "2026-03-02"},
                {"kind": "complaint", "stage": "resolution", "start": "9999-12-31"},
                {"kind": "complaint", "stage": "resolution"}):
        assert client.get("/api/v1/deadlines/preview", params=bad).status_code == 422


PREVIEW = "/api/v1/deadlines/preview"


@pytest.mark.parametrize("params,due", [
    # A walk-in's reply (Art. 28(1) Law 42/2013), whatever the kind: 10 working days from Monday 1/3/2027.
    ({"kind": "feedback", "stage": "notification", "start": "2027-03-01"}, "2027-03-15"),
    # Accepted Friday 8/1/2027: 11/2 (Tết); one extension 9/3; two (especially complex) 8/4.
    ({"kind": "denunciation", "stage": "resolution", "start": "2027-01-08"}, "2027-02-11"),
    ({"kind": "denunciation", "stage": "resolution", "start": "2027-01-08", "extensions": 1}, "2027-03-09"),
    ({"kind": "denunciation", "stage": "resolution", "start": "2027-01-08", "extensions": 2,
      "especially_complex": "true"}, "2027-04-08"),
    # Several places: 10 working days, not 7 (Art. 24(1) Law 25/2018).
    ({"kind": "denunciation", "stage": "processing", "start": "2027-03-01", "several_places": "true"}, "2027-03-15"),
    # Suspended 11/5–20/5/2026: a denunciation's clock stops; a complaint's ran before 1/7/2026.
    ({"kind": "denunciation", "stage": "resolution", "start": "2026-05-04", "paused": "2026-05-11/2026-05-20"},
     "2026-06-15"),
    ({"kind": "complaint", "stage": "resolution", "start": "2026-05-04", "paused": "2026-05-11/2026-05-20"},
     "2026-06-03"),
    ({"kind": "complaint", "stage": "resolution", "start": "2026-07-01",
      "paused": ["2026-07-06/2026-07-10", "2026-07-13/2026-07-15"]}, "2026-08-10"),
    # The duties after a decision, and the citizens' periods.
    ({"kind": "denunciation", "stage": "acceptance_notice", "start": "2027-03-01"}, "2027-03-08"),
    ({"kind": "complaint", "stage": "decision_delivery", "start": "2027-03-10"}, "2027-03-15"),
    ({"kind": "denunciation", "stage": "conclusion_publication", "start": "2027-03-10"}, "2027-03-19"),
    ({"kind": "complaint", "stage": "limitation", "start": "2027-01-04"}, "2027-04-05"),
    ({"kind": "complaint", "stage": "appeal", "start": "2027-03-10", "remote": "true"}, "2027-04-26"),
])
def test_deadline_preview_reproduces_any_cases_date(client, params, due):
    r = client.get(PREVIEW, params=params)
    assert r.status_code == 200, r.text
    assert r.json()["due_on"] == due


def test_deadline_preview_refuses_what_the_law_does_not_allow(client):
    base = {"kind": "denunciation", "stage": "resolution", "start": "2027-01-08"}
    for bad, field in (({"extensions": 2}, "extensions"),
                       ({"extensions": 3, "especially_complex": "true"}, "extensions"),
                       ({"kind": "complaint", "extensions": 1}, "extensions"),
                       ({"paused": "2027-02-01"}, "paused"), ({"paused": "2027-02-10/2027-02-01"}, "paused"),
                       ({"paused": "x/y"}, "paused")):
        r = client.get(PREVIEW, params=base | bad)
        assert r.status_code == 422, (bad, r.text)
        assert field in {e["field"] for e in r.json()["errors"]} or field in r.text
    # Suspended 20/1–29/1 (10 days): the unadjusted end 7/2 becomes Wednesday 17/2, after Tết (6–10/2).
    body = client.get(PREVIEW, params=base | {"paused": "2027-01-20/2027-01-29"}).json()
    assert body["paused_days"] == 10 and body["due_on"] == "2027-02-17"
