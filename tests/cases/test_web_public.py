"""Public intake and tracking of cases: the form (with files, errors, honeypot, rate limit),
the confirmation, the tracking page, the public JSON API, and that none of them ever shows
personal data."""

import re

import pytest
from sqlmodel import func, select

from app.accounts.audit import Actor
from app.cases import codes, intake, queries, rating, workflow
from app.core.errors import TooManyRequests
from app.core.ratelimit import RateLimiter, limiter_for
from app.core.timeutil import local_today
from app.models.complaint import Complaint, ComplaintAttachment
from tests import factories
from tests.cases.helpers import decided

CITIZEN = Actor("citizen:web", client_addr="203.0.113.9")


@pytest.fixture(autouse=True)
def _fresh_limiter(app):
    limiter_for(app).reset()
    yield
    limiter_for(app).reset()


def form(**kw) -> dict:
    data = {"kind": "feedback", "field": "urban_order", "subject": "Đèn chiếu sáng ngõ 12 bị hỏng",
            "content": "Đèn hỏng hơn một tuần, ngõ rất tối vào buổi tối.", "address": "Ngõ 12 Văn Phú",
            "sender_name": "Nguyễn Văn An", "sender_address": "Số 3 ngõ 12", "sender_phone": "0912 345 678",
            "sender_email": "an@example.org", "website": ""}
    data.update(kw)
    return data


def post_case(client, data: dict, files=None):
    """Send the form; a filed case answers 303 to the confirmation, which is fetched (200)."""
    token = factories.csrf(client, "/complaints/new")
    r = client.post("/complaints/new", data={**data, "csrf_token": token}, files=files, follow_redirects=False)
    if r.status_code == 303:
        assert r.headers["location"] == "/complaints/filed" and "mb_filed" in r.headers["set-cookie"]
        return client.get("/complaints/filed")
    return r


def count(session, model=Complaint) -> int:
    session.commit()  # end the read transaction: its snapshot would not see later requests' cases
    return session.exec(select(func.count()).select_from(model)).one()


def code_in(html: str) -> str:
    return re.search(r'class="tracking-code">([0-9A-Z-]+)<', html).group(1)


def filed(session, **kw):
    data = {"kind": "feedback", "subject": "Rác thải ở đầu ngõ 7", "content": "Rác để nhiều ngày không được thu gom.",
            "sender_name": "Nguyễn Văn An", "sender_address": "Số 3 ngõ 12"}
    data.update(kw)
    case = intake.file_case(session, data=intake.CaseInput.model_validate(data), channel="web", actor=CITIZEN)
    session.commit()
    return case


# --- the form ------------------------------------------------------------------------------------

def test_form_page_works_without_javascript(client):
    r = client.get("/complaints/new")
    assert r.status_code == 200
    html = r.text
    assert 'method="post" action="/complaints/new" enctype="multipart/form-data"' in html
    for name in ("kind", "subject", "content", "field", "address", "latitude", "longitude", "anonymous", "sender_name",
                 "sender_address", "sender_phone", "sender_email", "sender_id_number", "files", "csrf_token"):
        assert f'name="{name}"' in html, name
    assert "Chỉ áp dụng cho kiến nghị, phản ánh" in html
    # The honeypot is hidden from people and assistive technology, and out of the tab order.
    assert re.search(r'<div class="visually-hidden" aria-hidden="true">\s*<label for="f-website">', html)
    assert 'name="website" type="text" value="" tabindex="-1" autocomplete="off"' in html
    assert 'href="/complaints/new"' in html and 'href="/track"' in html  # in the header


def test_filing_through_the_form_with_a_pdf(client, session):
    pdf = factories.pdf_bytes("Ảnh chụp hiện trường")
    r = post_case(client, form(), files=[("files", ("hien-truong.pdf", pdf, "application/pdf"))])
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store" and "tracking-code" in r.text
    code = code_in(r.text)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5}", code)
    assert "Hãy ghi lại" in r.text and 'href="/track"' in r.text
    case = session.exec(select(Complaint)).one()
    assert codes.format_code(case.tracking_code) == code
    assert (case.kind, case.channel, case.field, case.sender_name, case.sender_email) == (
        "feedback", "web", "urban_order", "Nguyễn Văn An", "an@example.org")
    [att] = session.exec(select(ComplaintAttachment)).all()
    assert att.filename == "hien-truong.pdf" and att.content_type == "application/pdf"
    # The confirmation shows the public view and none of the sender's details.
    assert "Đã tiếp nhận" in r.text and "Nguyễn Văn An" not in r.text and "an@example.org" not in r.text


def test_errors_keep_the_input_and_explain_each_field(client, session):
    r = post_case(client, form(subject="x", sender_email="khong-phai-email", sender_phone="abc",
                               sender_id_number="12345", latitude="91", content="Nội dung có <b>thẻ</b> đủ dài"))
    assert r.status_code == 422
    html = r.text
    assert 'id="form-errors"' in html and 'href="#f-subject"' in html
    assert 'value="x"' in html and 'value="khong-phai-email"' in html and 'value="91"' in html
    assert "Nội dung có &lt;b&gt;thẻ&lt;/b&gt; đủ dài" in html  # kept, escaped
    assert 'id="e-sender_email"' in html and "Địa chỉ thư điện tử không hợp lệ" in html
    assert "Số điện thoại không hợp lệ" in html and "Số định danh không hợp lệ" in html
    assert 'aria-describedby="h-subject e-subject" aria-invalid="true"' in html
    assert '<option value="feedback" selected>' in html
    assert count(session) == 0


def test_name_required_unless_anonymous_and_comma_decimals(client, session):
    r = post_case(client, form(sender_name=""))
    assert r.status_code == 422 and 'id="e-sender_name"' in r.text and "Vui lòng nhập họ và tên" in r.text
    r = post_case(client, form(sender_name="", anonymous="true", latitude="20,9712", longitude="105,7745"))
    assert r.status_code == 200 and "tracking-code" in r.text, r.text
    case = session.exec(select(Complaint)).one()
    assert case.anonymous and case.sender_email == "" and case.latitude == pytest.approx(20.9712)


def test_anonymous_denunciation_is_refused(client, session):
    r = post_case(client, form(kind="denunciation", anonymous="true"))
    assert r.status_code == 422
    assert 'id="e-anonymous"' in r.text and "Chỉ được gửi giấu tên đối với phản ánh, kiến nghị" in r.text
    assert 'name="anonymous" type="checkbox" value="true" checked' in r.text
    assert count(session) == 0
    r = post_case(client, form(kind="complaint", sender_address=""))
    assert r.status_code == 422 and 'id="e-sender_address"' in r.text and count(session) == 0
    # Listed together with the other fields' errors, not only once those are fixed.
    r = post_case(client, form(kind="denunciation", anonymous="true", subject="x"))
    assert 'href="#f-subject"' in r.text and 'href="#f-anonymous"' in r.text
    r = post_case(client, form(sender_name="", content="ngắn"))
    assert 'href="#f-content"' in r.text and 'href="#f-sender_name"' in r.text


def test_filled_honeypot_is_refused_and_nothing_is_stored(client, session):
    r = post_case(client, form(website="http://spam.example"),
                  files=[("files", ("a.pdf", factories.pdf_bytes(), "application/pdf"))])
    assert r.status_code == 400
    assert "Không thể tiếp nhận đơn này" in r.text and "tracking-code" not in r.text
    assert count(session) == 0 and count(session, ComplaintAttachment) == 0


def test_wrong_file_type_is_refused_and_nothing_is_stored(client, session, files_dir):
    r = post_case(client, form(), files=[("files", ("a.pdf", factories.pdf_bytes(), "application/pdf")),
                                         ("files", ("virus.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf"))])
    assert r.status_code == 415
    assert 'id="e-files"' in r.text and 'value="Đèn chiếu sáng ngõ 12 bị hỏng"' in r.text
    assert count(session) == 0 and count(session, ComplaintAttachment) == 0
    assert not [p for p in files_dir.rglob("*") if p.is_file()]


def test_csrf_is_required_on_the_html_posts(client, session):
    client.get("/complaints/new")  # the visitor has a CSRF cookie, but the form field is missing
    assert client.post("/complaints/new", data=form()).status_code == 403
    assert client.post("/track", data={"code": "ABCD-EFGH-JKMNP"}).status_code == 403
    assert count(session) == 0


def test_intake_is_rate_limited_per_client(client, session, settings):
    for _i in range(settings.intake_limit):
        assert "tracking-code" in post_case(client, form(subject=f"Đèn hỏng ở ngõ {_i + 1}")).text
    r = post_case(client, form(subject="Một lần nữa, vẫn đèn hỏng"))
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert 'value="Một lần nữa, vẫn đèn hỏng"' in r.text and "quá nhiều yêu cầu" in r.text
    assert count(session) == settings.intake_limit
    # The API shares the form's budget.
    api = client.post("/api/v1/complaints", json=api_body())
    assert api.status_code == 429 and api.headers["retry-after"] and api.json()["status"] == 429


def test_limiter_window_slides_and_resets():
    now = [1000.0]
    limiter = RateLimiter(clock=lambda: now[0])
    for _i in range(3):
        limiter.hit("k", 3, 60)
    with pytest.raises(TooManyRequests) as exc:
        limiter.hit("k", 3, 60)
    assert exc.value.retry_after == 60
    limiter.hit("other", 3, 60)  # keys are independent
    now[0] += 60
    limiter.hit("k", 3, 60)  # the oldest left the window
    limiter.reset()
    for _i in range(3):
        limiter.hit("k", 3, 60)


# --- tracking ------------------------------------------------------------------------------------

def test_tracking_page_by_code_with_dashes_or_lower_case(client, session):
    case = filed(session)
    page = client.get("/track")
    assert page.status_code == 200 and 'method="post" action="/track"' in page.text
    token = factories.csrf(client, "/track")
    grouped = codes.format_code(case.tracking_code)
    for typed in (grouped, grouped.lower(), f"  {case.tracking_code.lower()} "):
        r = client.post("/track", data={"code": typed, "csrf_token": token})
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "no-store"
        assert grouped in r.text and "Đã tiếp nhận" in r.text and "Phản ánh" in r.text
        assert local_today().strftime("%d/%m/%Y") in r.text
    # A link with ?code= works too.
    assert client.get("/track", params={"code": grouped}).status_code == 200


def test_unknown_codes_all_get_the_same_404(client, session):
    filed(session)
    token = factories.csrf(client, "/track")
    answers = []
    for typed in ("ABCD-EFGH-JKMNP", "xxxx", "!!!<script>", "9" * 200):
        r = client.post("/track", data={"code": typed, "csrf_token": token})
        assert r.status_code == 404
        answers.append(re.search(r'id="e-code" role="alert">([^<]+)<', r.text).group(1))
    assert len(set(answers)) == 1 and "Không tìm thấy đơn với mã này" in answers[0]
    assert client.get("/track", params={"code": "ABCD"}).status_code == 404
    api = [client.get(f"/api/v1/complaints/track/{c}") for c in ("ABCDEFGHJKMNP", "zz", "9" * 200)]
    assert {r.status_code for r in api} == {404} and len({r.json()["detail"] for r in api}) == 1
    assert api[0].headers["content-type"].startswith("application/problem+json")


def test_tracking_lookups_are_rate_limited(client, session, settings):
    case = filed(session)
    token = factories.csrf(client, "/track")
    for i in range(settings.track_limit):
        code = case.tracking_code if i == 0 else f"GUESS{i:08d}"
        r = client.post("/track", data={"code": code, "csrf_token": token})
        assert r.status_code in (200, 404)
    r = client.post("/track", data={"code": case.tracking_code, "csrf_token": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert codes.format_code(case.tracking_code) not in r.text
    assert client.get(f"/api/v1/complaints/track/{case.tracking_code}").status_code == 429


def test_deadlines_timeline_and_outcome_are_shown(client, session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session, kind="complaint")
    for action, fields in [("classify", {}), (("accept", decided("accept", {}))), ("start", {}),
                           ("resolve", {"decision_number": "15/QĐ-UBND", "decided_on": local_today(),
                                        "result": "Chấp nhận một phần", "public_summary": "Đã sửa chữa đèn."})]:
        who = leader if action in ("resolve", "accept") else officer
        workflow.transition(session, principal=who, complaint_id=case.id,
                            data=workflow.TransitionInput(action=action, **fields))
        session.commit()
    r = client.get("/track", params={"code": case.tracking_code})
    html = r.text
    assert "Đã giải quyết" in html and "15/QĐ-UBND" in html and "Đã sửa chữa đèn." in html
    assert "Giải quyết" in html and "căn cứ" in html and "quy tắc phiên bản" in html
    assert "ngày làm việc" in html or "ngày" in html
    due = queries.deadlines(session, case)[0].due_on
    assert due.strftime("%d/%m/%Y") in html


def test_overdue_deadline_is_marked(client, session):
    from datetime import timedelta

    case = filed(session)
    case.received_on = local_today() - timedelta(days=120)
    session.add(case)
    session.commit()
    html = client.get("/track", params={"code": case.tracking_code}).text
    assert "Quá hạn" in html and 'class="overdue"' in html
    api = client.get(f"/api/v1/complaints/track/{case.tracking_code}").json()
    assert api["deadlines"][0]["overdue"] is True


def test_no_personal_data_on_the_tracking_page_or_the_api(client, session):
    planted = {"sender_name": "Hoàng Thị Bímật", "sender_address": "Số 99 ngõ Bímật", "sender_phone": "0987 654 321",
               "sender_email": "bimat.zq7@example.org", "sender_id_number": "001099012345"}
    officer = factories.user(session, role="officer", username="canbo_anhxa77")
    leader = factories.user(session, role="leader", username="lanhdao_anhxa88")
    case = filed(session, kind="denunciation", **planted)
    from app.accounts import auth

    p_officer, p_leader = (auth.principal_for_user(u, "10.0.0.1") for u in (officer, leader))
    for who, action, fields in [(p_officer, "classify", {}), (p_leader, "accept", decided("accept", {})),
                                (p_leader, "assign", {"assignee_id": officer.id, "department": "Thanh tra"}),
                                (p_officer, "start", {})]:
        workflow.transition(session, principal=who, complaint_id=case.id,
                            data=workflow.TransitionInput(action=action, **fields))
        session.commit()
    assert any("anhxa" in e.actor for e in queries.timeline(session, case, public_only=True))
    token = factories.csrf(client, "/track")
    responses = [
        client.post("/track", data={"code": case.tracking_code, "csrf_token": token}),
        client.get("/track", params={"code": case.tracking_code}),
        client.get(f"/api/v1/complaints/track/{case.tracking_code}"),
    ]
    secrets = [*planted.values(), "0987654321", "Bímật", "anhxa77", "anhxa88", "Thanh tra"]
    for r in responses:
        assert r.status_code == 200
        for s in secrets:
            assert s.lower() not in r.text.lower(), s
    # And the confirmation of a new denunciation does not echo the sender either.
    r = post_case(client, form(kind="denunciation", **planted))
    assert r.status_code == 200 and "tracking-code" in r.text
    for s in planted.values():
        assert s not in r.text


# --- the JSON API --------------------------------------------------------------------------------

def api_body(**kw) -> dict:
    body = {"kind": "petition", "subject": "Đề nghị lắp thêm đèn đường", "content": "Đoạn đường ven hồ rất tối.",
            "field": "urban_order", "address": "Đường ven hồ Văn Khê", "latitude": 20.97, "longitude": 105.77,
            "anonymous": False, "sender_name": "Lê Văn Bình", "sender_address": "Số 5 ngõ 3",
            "sender_phone": "0912345678", "sender_email": "binh@example.org", "sender_id_number": ""}
    body.update(kw)
    return body


def test_api_intake_contract(client, session):
    r = client.post("/api/v1/complaints", json=api_body())
    assert r.status_code == 201, r.text
    data = r.json()
    assert set(data) >= {"tracking_code", "kind", "status", "received_on", "deadlines", "timeline", "outcome"}
    assert data["kind"] == "petition" and data["status"] == "received" and data["outcome"] is None
    assert data["received_on"] == local_today().isoformat()
    assert {"stage", "due_on", "unit", "days", "legal_basis"} <= set(data["deadlines"][0])
    assert [set(e) for e in data["timeline"]] == [{"at", "status", "note"}]
    assert "Lê Văn Bình" not in r.text and "binh@example.org" not in r.text
    case = session.exec(select(Complaint)).one()
    assert codes.normalise_code(data["tracking_code"]) == case.tracking_code and case.channel == "web"
    assert case.sender_email == "binh@example.org"


def test_api_intake_applies_the_same_rules(client, session):
    r = client.post("/api/v1/complaints", json=api_body(kind="denunciation", anonymous=True))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "anonymous_not_allowed" in r.text
    assert client.post("/api/v1/complaints", json=api_body(kind="nope")).status_code == 422
    assert client.post("/api/v1/complaints", json=api_body(subject="\x00bad subject")).status_code == 422
    assert count(session) == 0


def test_api_track_contract(client, session):
    case = filed(session, kind="complaint", sender_email="an@example.org")
    r = client.get(f"/api/v1/complaints/track/{codes.format_code(case.tracking_code).lower()}")
    assert r.status_code == 200
    data = r.json()
    assert set(data) >= {"tracking_code", "kind", "status", "received_on", "deadlines", "timeline", "outcome"}
    assert data["tracking_code"] == codes.format_code(case.tracking_code) and data["kind"] == "complaint"
    stages = {d["stage"] for d in data["deadlines"]}
    assert {"processing", "acceptance"} <= stages
    d = data["deadlines"][0]
    assert {"stage", "due_on", "unit", "days", "legal_basis"} <= set(d) and d["unit"] in ("working", "calendar")
    assert d["legal_basis"] and d["days"] > 0
    assert data["timeline"][0]["status"] == "received" and "actor" not in data["timeline"][0]
    assert "an@example.org" not in r.text


def test_same_view_for_page_and_api(client, session):
    case = filed(session)
    api = client.get(f"/api/v1/complaints/track/{case.tracking_code}").json()
    page = client.get("/track", params={"code": case.tracking_code}).text
    for d in api["deadlines"]:
        day = d["due_on"].split("-")
        assert f"{day[2]}/{day[1]}/{day[0]}" in page and d["legal_basis"] in page


def test_sender_rates_the_answer_once(client, session):
    from app.core.timeutil import local_today

    case = intake.file_case(session, data=intake.CaseInput.model_validate({
        "kind": "petition", "subject": "Lắp gờ giảm tốc trước trường", "content": "Xe đi rất nhanh giờ tan học.",
        "sender_name": "Ngô Văn Hải"}), channel="web", actor=Actor("citizen"))
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    for p, action, fields in [(officer, "classify", {}), (leader, "accept", decided("accept", {})),
                              (officer, "start", {}),
                              (leader, "resolve", {"decision_number": "7/TB", "decided_on": local_today(),
                                                   "result": "Đồng ý", "public_summary": "Đã lắp gờ giảm tốc"})]:
        workflow.transition(session, principal=p, complaint_id=case.id,
                            data=workflow.TransitionInput(action=action, **fields))
    session.commit()
    code = codes.format_code(case.tracking_code)
    token = factories.csrf(client, "/track")
    page = client.post("/track", data={"code": code, "csrf_token": token})
    assert 'action="/track/rate"' in page.text
    assert 'name="rating_key"' in page.text and rating.rating_key(session, case) not in page.text
    bad = client.post("/track/rate", data={"code": code, "rating": "9", "csrf_token": token})
    assert bad.status_code == 422
    # Whoever holds only the code (staff can read it) cannot rate in the sender's place.
    forged = client.post("/track/rate", data={"code": code, "rating": "1", "rating_key": "AAAA-BBBB",
                                              "csrf_token": token})
    assert forged.status_code == 422 and "Mã đánh giá không đúng" in forged.text and 'value="AAAA-BBBB"' in forged.text
    api = client.post(f"/api/v1/complaints/track/{code}/rating", json={"rating": 1})
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "rating_key"
    key = rating.rating_key(session, case)
    ok = client.post("/track/rate", data={"code": code, "rating": "5", "comment": "Cảm ơn", "rating_key": key,
                                          "csrf_token": token})
    assert ok.status_code == 200 and "Cảm ơn ông/bà đã đánh giá" in ok.text and 'action="/track/rate"' not in ok.text
    again = client.post(f"/api/v1/complaints/track/{code}/rating", json={"rating": 1, "rating_key": key})
    assert again.status_code == 409
    assert client.get(f"/api/v1/complaints/track/{code}").json()["satisfaction"] == 5


# --- Post-Redirect-Get and idempotency ------------------------------------------------------------

def _form_key(client) -> tuple[str, str]:
    """A freshly shown form's CSRF token and idempotency key."""
    html = client.get("/complaints/new").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    return factories.csrf(client, "/complaints/new"), key


def test_reloading_the_confirmation_files_nothing(client, session):
    token, key = _form_key(client)
    r = client.post("/complaints/new", data={**form(), "csrf_token": token, "idempotency_key": key},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/complaints/filed"
    assert "/complaints/filed" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    first = client.get("/complaints/filed")
    again = client.get("/complaints/filed")  # the browser's reload
    assert code_in(first.text) == code_in(again.text)
    case = session.exec(select(Complaint)).one()
    assert f'class="rating-key">{rating.rating_key(session, case)}<' in first.text  # the second secret, shown here
    assert first.headers["cache-control"] == "no-store"
    assert count(session) == 1


def test_the_same_form_sent_twice_files_one_case(client, session):
    token, key = _form_key(client)
    data = {**form(), "csrf_token": token, "idempotency_key": key}
    first = client.post("/complaints/new", data=data)  # followed to the confirmation
    second = client.post("/complaints/new", data=data)  # a double click, or back and send again
    assert first.status_code == second.status_code == 200
    assert code_in(first.text) == code_in(second.text)
    assert count(session) == 1
    # The key with other content is refused, with what was typed kept.
    r = client.post("/complaints/new", data={**data, "subject": "Một việc khác hẳn ở ngõ 9"})
    assert r.status_code == 422 and "Hãy mở biểu mẫu mới" in r.text and 'value="Một việc khác hẳn ở ngõ 9"' in r.text
    assert count(session) == 1


def test_a_form_with_errors_keeps_its_key(client, session):
    token, key = _form_key(client)
    r = client.post("/complaints/new", data={**form(subject="x"), "csrf_token": token, "idempotency_key": key})
    assert r.status_code == 422 and f'name="idempotency_key" value="{key}"' in r.text
    assert client.post("/complaints/new", data={**form(), "csrf_token": token,
                                                "idempotency_key": key}).status_code == 200
    assert count(session) == 1


def test_malformed_key_is_a_422_and_confirmation_needs_the_cookie(client, session):
    token = factories.csrf(client, "/complaints/new")
    r = client.post("/complaints/new", data={**form(), "csrf_token": token, "idempotency_key": "short"})
    assert r.status_code == 422 and count(session) == 0
    r = client.get("/complaints/filed")  # no cookie (another device, or over an hour later)
    assert r.status_code == 200 and "tracking-code" not in r.text and 'href="/track"' in r.text
    client.cookies.set("mb_filed", "forged.value.here", path="/complaints/filed")
    assert "tracking-code" not in client.get("/complaints/filed").text


def test_a_lock_held_too_long_on_postgresql_is_a_503(client, session, settings):
    """Another connection holds the audit chain's lock past lock_timeout: the filer gets a 503
    with the form kept, not a request that waits for ever (and holds its connection)."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL-specific")
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from app.accounts import audit
    from app.core import db

    token, key = _form_key(client)
    data = {**form(subject="Đèn hỏng ở ngõ 22"), "csrf_token": token, "idempotency_key": key}
    blocker = create_engine(settings.database_url, poolclass=NullPool).connect()
    blocker.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": audit.PG_LOCK_ID})
    app_engine, client.app.state.engine = client.app.state.engine, db.make_engine(settings.database_url,
                                                                                  lock_timeout_ms=300)
    try:
        r = client.post("/complaints/new", data=data)
    finally:
        blocker.rollback()
        blocker.close()
        client.app.state.engine.dispose()
        client.app.state.engine = app_engine
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert 'value="Đèn hỏng ở ngõ 22"' in r.text and count(session) == 0
    assert "tracking-code" in client.post("/complaints/new", data=data).text and count(session) == 1


def test_a_busy_database_keeps_the_form(client, session, settings, sqlite_only):
    """Another process holds SQLite's write lock past the busy timeout: 503, Retry-After, the
    input kept, nothing filed; the same form sent afterwards files the case once."""
    import sqlite3

    from app.core import db

    path = settings.database_url.removeprefix("sqlite:///")
    token, key = _form_key(client)
    data = {**form(subject="Đèn hỏng ở ngõ 21"), "csrf_token": token, "idempotency_key": key}
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    app_engine, client.app.state.engine = client.app.state.engine, db.make_engine(settings.database_url,
                                                                                  busy_timeout_ms=200)
    try:
        r = client.post("/complaints/new", data=data)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        client.app.state.engine.dispose()
        client.app.state.engine = app_engine
    assert settings.sqlite_busy_timeout_ms == 5000  # the default; the test shortens it to 200 ms
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert 'value="Đèn hỏng ở ngõ 21"' in r.text and "Hệ thống đang bận" in r.text
    assert count(session) == 0
    assert "tracking-code" in client.post("/complaints/new", data=data).text
    assert count(session) == 1


def test_api_idempotency_key_replays_the_first_answer(client, session):
    headers = {"Idempotency-Key": "3f1c2b9e-7d1a-4c55-9b0e-2a6f8e1d4c77"}
    first = client.post("/api/v1/complaints", json=api_body(), headers=headers)
    again = client.post("/api/v1/complaints", json=api_body(), headers=headers)  # the answer was lost: retry
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}", first.json()["rating_key"])
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert again.json()["rating_key"] == first.json()["rating_key"]
    assert count(session) == 1
    other = client.post("/api/v1/complaints", json=api_body(subject="Một đề nghị khác hẳn"), headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "idempotency_key"
    assert client.post("/api/v1/complaints", json=api_body(), headers={"Idempotency-Key": "1"}).status_code == 422
    # Without a key every request is a new case.
    assert client.post("/api/v1/complaints", json=api_body()).status_code == 201
    assert count(session) == 2
