"""Staff pages for cases: the inbox (filters, order, dashboard, bulk assignment), staff intake,
the case page (role-specific actions, transitions through the forms, files) and the
confidentiality of a denouncer's identity across every page and API, for every role and token."""

import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import auth
from app.accounts.audit import Actor
from app.accounts.tokens import create_token
from app.cases import codes, queries
from app.core.timeutil import local_today
from app.models.complaint import Complaint, ComplaintAttachment
from tests import factories
from tests.cases.helpers import act, filed


def _fresh(session, *objs):
    """End the test session's read snapshot and reload `objs` (the app wrote in its own session)."""
    session.rollback()
    for o in objs:
        session.refresh(o)


def _csrf(client, path="/staff/complaints"):
    return factories.csrf(client, path)


def _post_action(client, case_id, action, **fields):
    token = _csrf(client, f"/staff/complaints/{case_id}")
    return client.post(f"/staff/complaints/{case_id}/actions",
                       data={"action": action, "csrf_token": token, **fields}, follow_redirects=False)


def _accepted(session, **kw):
    officer = factories.principal(session, "officer")
    case = filed(session, **kw)
    act(session, officer, case, "classify")
    act(session, factories.principal(session, "leader"), case, "accept")
    return case


def _action_forms(html: str) -> set[str]:
    return set(re.findall(r'name="action" value="([a-z_]+)"', html))


# Inbox -----------------------------------------------------------------------------------------

def test_inbox_needs_the_permission_and_is_in_the_nav(client, login):
    login("publisher")
    assert client.get("/staff/complaints").status_code == 403
    assert 'href="/staff/complaints"' not in client.get("/staff").text
    login("supervisor")
    assert client.get("/staff/complaints").status_code == 200
    assert 'href="/staff/complaints"' in client.get("/staff").text


def test_inbox_is_sorted_by_nearest_deadline_then_undated(client, session, login):
    today = local_today()
    later = filed(session, subject="Đơn nhận hôm nay về ngõ 5")
    older = filed(session, subject="Đơn nhận mười ngày trước", received_on=today - timedelta(days=10))
    oldest = filed(session, subject="Đơn nhận hai tháng trước", received_on=today - timedelta(days=60))
    done = filed(session, subject="Đơn đã lưu không còn hạn")
    act(session, factories.principal(session, "officer"), done, "file", reason="Đơn trùng")
    assert done.due_on is None and oldest.due_on < older.due_on < later.due_on
    login("officer")
    html = client.get("/staff/complaints").text
    positions = [html.index(c.subject) for c in (oldest, older, later, done)]
    assert positions == sorted(positions)
    assert html.count("Quá hạn") >= 1  # the two-month-old one


def test_inbox_pages_through_dated_then_undated_cases(session):
    today = local_today()
    dated = [filed(session, subject=f"Đơn có hạn số {i}", received_on=today - timedelta(days=i)) for i in range(3)]
    undated = []
    officer = factories.principal(session, "officer")
    for i in range(2):
        c = filed(session, subject=f"Đơn không còn hạn số {i}")
        undated.append(act(session, officer, c, "file", reason="Trùng"))
    seen, cursor = [], None
    while True:
        page = queries.inbox(session, queries.InboxFilters(), today=today, limit=2, cursor=cursor)
        seen += [c.id for c in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    expected = [c.id for c in sorted(dated, key=lambda c: (c.due_on, c.id))] + sorted(c.id for c in undated)
    assert seen == expected


def test_inbox_filters(client, session, login):
    today = local_today()
    leader = factories.principal(session, "leader")
    officer_user = factories.user(session, role="officer")
    complaint = _accepted(session, kind="complaint", subject="Khiếu nại quyết định thu hồi đất", field="land")
    act(session, leader, complaint, "assign", assignee_id=officer_user.id, department="Địa chính")
    petition = filed(session, kind="petition", subject="Kiến nghị lắp gờ giảm tốc", field="urban_order")
    overdue = filed(session, subject="Phản ánh rác tồn đọng lâu ngày", field="environment",
                    received_on=today - timedelta(days=60))
    closed = filed(session, subject="Phản ánh đã lưu vì trùng")
    act(session, factories.principal(session, "officer"), closed, "file", reason="Trùng")
    all_cases = (complaint, petition, overdue, closed)

    factories.login(client, officer_user.username)

    def shown(**params):
        html = client.get("/staff/complaints", params=params).text
        return {c.subject for c in all_cases if c.subject in html}

    assert shown() == {c.subject for c in all_cases}
    assert shown(kind="complaint") == {complaint.subject}
    assert shown(status="filed") == {closed.subject}
    assert shown(field="environment") == {overdue.subject}
    assert shown(department="Địa chính") == {complaint.subject}
    assert shown(assignee="mine") == {complaint.subject}
    assert shown(assignee=str(officer_user.id)) == {complaint.subject}
    assert complaint.subject not in shown(assignee="none")
    assert shown(overdue="1") == {overdue.subject}
    # Within N working days: dated, not yet overdue, due by then.
    assert shown(due_within="250") == {complaint.subject, petition.subject}
    due_by = queries.due_by_for(session, today, 1)
    assert shown(due_within="1") == {c.subject for c in (complaint, petition) if c.due_on <= due_by}
    assert shown(kind="nonsense", status="x", due_within="abc") == {c.subject for c in all_cases}  # ignored


def test_inbox_htmx_partial_and_dashboard(client, session, login):
    today = local_today()
    filed(session, subject="Phản ánh quá hạn ở ngõ 7", received_on=today - timedelta(days=60))
    filed(session, kind="petition", subject="Kiến nghị về giờ làm việc")
    login("leader")
    page = client.get("/staff/complaints")
    dash = queries.dashboard(session, today=today)
    assert dash.overdue == 1 and dash.by_kind["feedback"] == 1 and dash.by_kind["petition"] == 1
    assert dash.by_status == {"received": 2}
    assert "đơn quá hạn" in page.text and "Theo loại đơn" in page.text
    hx = client.get("/staff/complaints", params={"kind": "petition"}, headers={"HX-Request": "true"})
    assert hx.status_code == 200 and "<h1" not in hx.text and "Kiến nghị về giờ làm việc" in hx.text
    assert "Phản ánh quá hạn" not in hx.text and hx.headers["Vary"].startswith("HX-Request")


def test_inbox_never_names_a_denouncer_and_says_when_anonymous(client, session, login):
    filed(session, kind="denunciation", sender_name="Người Tố Giác Ẩn Danh", subject="Tố cáo sai phạm xây dựng")
    filed(session, anonymous=True, subject="Phản ánh giấu tên về tiếng ồn")
    filed(session, sender_name="Trần Văn Công Khai", subject="Phản ánh có tên về vỉa hè")
    login("leader")  # a leader may see the (unassigned) denouncer on the case page, never in the list
    html = client.get("/staff/complaints").text
    assert "Người Tố Giác Ẩn Danh" not in html and "[bảo mật]" in html
    assert "Giấu tên" in html and "Trần Văn Công Khai" in html


def test_bulk_assignment_reports_failures_per_case(client, session, login):
    a = _accepted(session, subject="Phản ánh thứ nhất cần giao")
    b = _accepted(session, subject="Phản ánh thứ hai cần giao")
    fresh = filed(session, subject="Phản ánh mới chưa thụ lý")
    officer = factories.user(session, role="officer")
    login("leader")
    token = _csrf(client)
    r = client.post("/staff/complaints/assign", data={"ids": [a.id, b.id], "assignee_id": officer.id,
                                                      "department": "Văn phòng", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and "assigned=2" in r.headers["location"]
    assert "Đã giao xử lý 2 đơn" in client.get(r.headers["location"]).text
    _fresh(session, a, b)
    assert a.assignee_id == b.assignee_id == officer.id and a.department == "Văn phòng"

    r = client.post("/staff/complaints/assign", data={"ids": [a.id, fresh.id], "assignee_id": officer.id,
                                                      "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 200 and "Đã giao xử lý 1 đơn" in r.text and "Không giao được 1 đơn" in r.text
    assert fresh.subject in r.text
    _fresh(session, fresh)
    assert fresh.assignee_id is None and fresh.status == "received"


def test_bulk_assignment_input_errors_and_permission(client, session, login):
    a = _accepted(session)
    login("leader")
    token = _csrf(client)
    r = client.post("/staff/complaints/assign", data={"assignee_id": "", "csrf_token": token})
    assert r.status_code == 422 and "Chọn ít nhất một đơn" in r.text and "Trường này là bắt buộc" in r.text
    publisher = factories.user(session, role="publisher")
    r = client.post("/staff/complaints/assign", data={"ids": [a.id], "assignee_id": publisher.id, "csrf_token": token})
    assert r.status_code == 422 and "hãy chọn trong danh sách" in r.text
    login("officer")
    token = _csrf(client)
    r = client.post("/staff/complaints/assign", data={"ids": [a.id], "assignee_id": "1", "csrf_token": token})
    assert r.status_code == 403
    _fresh(session, a)
    assert a.assignee_id is None
    assert 'name="ids"' not in client.get("/staff/complaints").text  # no checkboxes without the permission


# Staff intake ------------------------------------------------------------------------------------

WALK_IN = {"channel": "walk_in", "kind": "complaint", "subject": "Khiếu nại việc cấp giấy phép xây dựng",
           "content": "Tôi đề nghị xem xét lại việc cấp phép cho công trình số 8.", "field": "construction",
           "address": "Số 8 Văn Phú", "sender_name": "Đỗ Văn Tiếp", "sender_address": "Số 10 Văn Phú",
           "sender_phone": "0912 345 678"}


def test_reception_enters_a_walk_in_letter_with_a_scan(client, session, login):
    login("reception")
    page = client.get("/staff/complaints/new")
    assert page.status_code == 200 and 'value="walk_in"' in page.text and 'value="web"' not in page.text
    token = _csrf(client, "/staff/complaints/new")
    pdf = factories.pdf_bytes("Đơn khiếu nại")
    r = client.post("/staff/complaints/new", data={**WALK_IN, "received_on": local_today().strftime("%d/%m/%Y"),
                                                   "csrf_token": token},
                    files={"files": ("don.pdf", pdf, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303
    case = session.exec(select(Complaint)).one()
    assert case.channel == "walk_in" and case.kind == "complaint" and case.sender_phone == "0912 345 678"
    detail = client.get(r.headers["location"])
    assert codes.format_code(case.tracking_code) in detail.text and "Trực tiếp tại nơi tiếp công dân" in detail.text
    att = session.exec(select(ComplaintAttachment)).one()
    download = client.get(f"/staff/complaints/{case.id}/files/{att.id}")
    assert download.status_code == 200 and download.content == pdf
    assert download.headers["cache-control"] == "private, no-store"


def test_intake_errors_keep_the_input(client, session, login):
    login("reception")
    token = _csrf(client, "/staff/complaints/new")
    r = client.post("/staff/complaints/new", data={**WALK_IN, "sender_address": "", "sender_email": "khong-hop-le",
                                                   "channel": "web", "received_on": "31/02/2026", "csrf_token": token})
    assert r.status_code == 422
    assert "Địa chỉ thư điện tử không hợp lệ" in r.text and "hãy chọn trong danh sách" in r.text
    assert "Ngày không hợp lệ" in r.text and 'value="Đỗ Văn Tiếp"' in r.text
    r = client.post("/staff/complaints/new", data={**WALK_IN, "sender_address": "", "csrf_token": token})
    assert r.status_code == 422 and "Khiếu nại, tố cáo phải ghi rõ địa chỉ người gửi" in r.text
    r = client.post("/staff/complaints/new", data={**WALK_IN, "kind": "denunciation", "anonymous": "true",
                                                   "csrf_token": token})
    assert r.status_code == 422 and "Chỉ được gửi giấu tên đối với phản ánh, kiến nghị" in r.text
    future = (local_today() + timedelta(days=3)).isoformat()
    r = client.post("/staff/complaints/new", data={**WALK_IN, "received_on": future, "csrf_token": token})
    assert r.status_code == 422 and "tương lai" in r.text
    assert session.exec(select(Complaint)).all() == []


def test_supervisors_do_not_enter_letters(client, login):
    login("supervisor")
    assert client.get("/staff/complaints/new").status_code == 403


# The case page ------------------------------------------------------------------------------------

def test_case_page_shows_deadlines_with_legal_basis_timeline_and_template(client, session, login):
    case = filed(session, received_on=local_today() - timedelta(days=60))
    act(session, factories.principal(session, "officer"), case, "classify", note="Ghi chú nội bộ về phân loại",
        public=False)
    login("officer")
    html = client.get(f"/staff/complaints/{case.id}").text
    assert case.subject in html and case.content in html and "Nguyễn Văn An" in html
    assert "Thông tư 05/2021/TT-TTCP" in html or "căn cứ" in html
    assert "phiên bản" in html and "Quá hạn" in html
    assert "Ghi chú nội bộ về phân loại" in html and "Nội bộ" in html and "Công khai" in html
    assert "đã nhận đơn ngày" in html  # the guide/transfer/refuse templates (they name no one)


def test_action_forms_depend_on_role_and_status(client, session, login):
    case = _accepted(session)
    officer_user = factories.user(session, role="officer")
    act(session, factories.principal(session, "leader"), case, "assign", assignee_id=officer_user.id)
    act(session, factories.principal(session, "officer"), case, "start")
    path = f"/staff/complaints/{case.id}"

    login("leader")
    leader_forms = _action_forms(client.get(path).text)
    assert {"resolve", "assign", "suspend", "terminate"} <= leader_forms and "propose" not in leader_forms
    factories.login(client, officer_user.username)
    forms = _action_forms(client.get(path).text)
    # Decisions are the leader's; the officer prepares them.
    assert "propose" in forms and not {"suspend", "terminate", "resolve", "assign"} & forms
    assert "extend" not in forms  # a feedback case is never extended
    login("reception")
    assert _action_forms(client.get(path).text) == set()
    login("supervisor")
    html = client.get(path).text
    assert _action_forms(html) == set() and "không có thao tác nào" in html


def test_transitions_through_the_forms(client, session, login):
    case = filed(session)
    login("officer")
    r = _post_action(client, case.id, "start")  # not from "received"
    assert r.status_code == 409
    r = _post_action(client, case.id, "classify", kind="petition", field="environment", complex="false")
    assert r.status_code == 303 and r.headers["location"].endswith("#timeline")
    _fresh(session, case)
    assert case.status == "classified" and case.kind == "petition" and case.field == "environment"

    events = len(queries.timeline(session, case, public_only=False))
    r = _post_action(client, case.id, "refuse", reason="")  # the reason is required
    assert r.status_code == 422 and "Trường này là bắt buộc" in r.text
    assert 'id="f-refuse-reason"' in r.text and "aria-invalid" in r.text
    r = _post_action(client, case.id, "resolve", decision_number="1/QĐ", decided_on="2026-01-01", result="x",
                     public_summary="y")
    assert r.status_code == 403  # officers do not resolve
    _fresh(session, case)
    assert case.status == "classified" and len(queries.timeline(session, case, public_only=False)) == events

    r = _post_action(client, case.id, "guide", guidance_number="12/PHD", note="Đề nghị gửi tới Trung tâm")
    assert r.status_code == 303
    _fresh(session, case)
    assert case.status == "guided" and case.guidance_number == "12/PHD"
    [last] = queries.timeline(session, case, public_only=True)[-1:]
    assert last.note == "Đề nghị gửi tới Trung tâm" and last.public


def test_resolve_with_a_future_date_is_a_field_error(client, session, login):
    case = _accepted(session)
    act(session, factories.principal(session, "officer"), case, "start")
    login("leader")
    future = (local_today() + timedelta(days=5)).isoformat()
    r = _post_action(client, case.id, "resolve", decision_number="15/QĐ-UBND", decided_on=future,
                     result="Chấp nhận", public_summary="Đã sửa đèn", note="Kính gửi")
    assert r.status_code == 422 and "tương lai" in r.text and 'value="15/QĐ-UBND"' in r.text
    _fresh(session, case)
    assert case.status == "in_progress" and case.decision_number == ""


def test_unknown_case_and_action(client, session, login):
    case = filed(session)
    login("officer")
    assert client.get("/staff/complaints/999999").status_code == 404
    assert _post_action(client, case.id, "teleport").status_code == 422


def test_a_reclassified_denunciation_keeps_its_notice(client, session, login):
    """A case filed as a denunciation stays protected once reclassified (privacy.is_protected):
    its page still says the denouncer's identity is kept secret, whatever its kind now."""
    case = filed(session, kind="denunciation", subject="Tố cáo việc lấn chiếm vỉa hè ngõ 9")
    act(session, factories.principal(session, "officer"), case, "classify", kind="feedback")
    assert case.kind == "feedback" and case.identity_protected
    login("officer")
    html = client.get(f"/staff/complaints/{case.id}").text
    assert "Danh tính người tố cáo được giữ bí mật; chỉ lãnh đạo giải quyết" in html
    assert "Nguyễn Văn An" not in html
    login("leader")  # nobody assigned yet: the ward's leaders see the sender, and are told the view is logged
    html = client.get(f"/staff/complaints/{case.id}").text
    assert "Danh tính người tố cáo được giữ bí mật (Điều 56 Luật Tố cáo)" in html and "Nguyễn Văn An" in html


def test_denunciation_files_are_secret(client, session, login, settings):
    pdf = factories.pdf_bytes("Đơn tố cáo")
    case = filed(session, kind="denunciation", uploads=[("don-to-cao.pdf", pdf)], store=settings.file_store)
    att = session.exec(select(ComplaintAttachment)).one()
    login("officer")
    page = client.get(f"/staff/complaints/{case.id}").text
    assert "don-to-cao.pdf" not in page and "được giữ bí mật" in page
    assert client.get(f"/staff/complaints/{case.id}/files/{att.id}").status_code == 403
    login("leader")  # unassigned: the leaders take it up
    assert client.get(f"/staff/complaints/{case.id}/files/{att.id}").content == pdf


def test_case_files_are_never_public(client, session, settings):
    case = filed(session, uploads=[("anh.pdf", factories.pdf_bytes())], store=settings.file_store)
    att = session.exec(select(ComplaintAttachment)).one()
    r = client.get(f"/staff/complaints/{case.id}/files/{att.id}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/login")


# Confidentiality (issue 3, part 11) -----------------------------------------------------------------

SECRET = {"sender_name": "Quách Bí Mật Zyxwv", "sender_address": "Số 99 ngõ Zyxwv", "sender_phone": "0977 001 122",
          "sender_email": "zyxwv.tocao@example.org", "sender_id_number": "079199001122"}
SECRET_FILE = "scan-zyxwv-tocao.pdf"
ROLES = ("admin", "leader", "officer", "reception", "publisher", "supervisor")


def _leaks(response) -> list[str]:
    text = response.text
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/") and "json" in content_type:
        text += json.dumps(response.json(), ensure_ascii=False)
    return [v for v in (*SECRET.values(), SECRET_FILE) if v in text]


def test_a_denouncers_identity_reaches_only_the_handler_and_the_resolving_leader(app, session, settings):
    officer = factories.user(session, role="officer")
    leader = factories.user(session, role="leader")
    case = filed(session, kind="denunciation", subject="Tố cáo cán bộ nhận tiền làm thủ tục", **SECRET,
                 uploads=[(SECRET_FILE, factories.pdf_bytes())], store=settings.file_store)
    act(session, auth.principal_for_user(officer), case, "classify")
    act(session, auth.principal_for_user(leader), case, "accept")
    act(session, auth.principal_for_user(leader), case, "assign", assignee_id=officer.id, department="Thanh tra")
    assert case.resolver_id == leader.id and case.assignee_id == officer.id

    pages = ["/staff", "/staff/complaints", f"/staff/complaints/{case.id}", "/staff/audit",
             f"/track?code={case.tracking_code}"]
    apis = ["/api/v1/complaints", f"/api/v1/complaints/{case.id}", "/api/v1/complaints?kind=denunciation",
            f"/api/v1/complaints/track/{case.tracking_code}"]

    users = {role: factories.user(session, role=role) for role in ROLES}
    users["handler"], users["resolver"] = officer, leader
    seen_by = {}
    for who, user in users.items():
        with TestClient(app, base_url="http://testserver") as c:
            factories.login(c, user.username)
            leaks = []
            for path in pages + apis:
                r = c.get(path)
                assert r.status_code < 500, (who, path, r.status_code)
                leaks += [(path, v) for v in _leaks(r)]
            seen_by[who] = leaks

    tokens = {scope: create_token(session, actor=Actor.system("test"), name=f"t-{scope}", scopes=[scope])
              for scope in auth.SCOPES}
    tokens["handler-personal"] = create_token(session, actor=Actor.system("test"), name="h", scopes=[], user=officer)
    tokens["resolver-personal"] = create_token(session, actor=Actor.system("test"), name="r", scopes=[], user=leader)
    session.commit()
    with TestClient(app, base_url="http://testserver") as c:
        for name, token in tokens.items():
            leaks = []
            for path in apis + pages:
                r = c.get(path, headers={"Authorization": f"Bearer {token}"}, follow_redirects=False)
                assert r.status_code < 500, (name, path, r.status_code)
                leaks += [(path, v) for v in _leaks(r)]
            seen_by[f"token:{name}"] = leaks

    page = f"/staff/complaints/{case.id}"
    for who in ("handler", "resolver"):  # on the case page only: never in the inbox, the API or the audit log
        leaks = seen_by.pop(who)
        assert {p for p, _v in leaks} == {page}, (who, leaks)
        assert {v for _p, v in leaks} == {*SECRET.values(), SECRET_FILE}, who
    assert seen_by == {who: [] for who in seen_by}


def test_split_a_mixed_letter_from_the_case_page(client, session, login):
    from app.accounts.audit import Actor
    from app.cases import intake
    from app.models.complaint import Complaint

    user = login("officer")
    case = intake.file_case(session, data=intake.CaseInput.model_validate({
        "kind": "complaint", "subject": "Đơn vừa khiếu nại vừa kiến nghị", "content": "Nhiều nội dung trong một đơn.",
        "sender_name": "Đỗ Văn Nam", "sender_address": "Tổ 4"}), channel="web", actor=Actor("citizen"))
    session.commit()
    page = client.get(f"/staff/complaints/{case.id}")
    assert 'action="/staff/complaints/%d/split"' % case.id in page.text
    token = factories.csrf(client, f"/staff/complaints/{case.id}")
    bad = client.post(f"/staff/complaints/{case.id}/split", data={"csrf_token": token, "part0_kind": "complaint",
                                                                  "part0_subject": "Chỉ một",
                                                                  "part0_content": "Một phần thôi nhé."})
    assert bad.status_code == 422 and "ít nhất hai phần" in bad.text
    ok = client.post(f"/staff/complaints/{case.id}/split", follow_redirects=False, data={
        "csrf_token": token,
        "part0_kind": "complaint", "part0_subject": "Khiếu nại quyết định xử phạt",
        "part0_content": "Không đồng ý mức phạt.",
        "part1_kind": "petition", "part1_subject": "Kiến nghị sửa cống ngõ 4",
        "part1_content": "Cống tắc mỗi khi mưa to.",
    })
    assert ok.status_code == 303
    session.expire_all()
    parts = session.exec(select(Complaint).where(Complaint.source_id == case.id)).all()
    assert [p.kind for p in parts] == ["petition"] and user.id
    assert "Kiến nghị sửa cống ngõ 4" in client.get(f"/staff/complaints/{case.id}").text


@pytest.mark.parametrize("params", [{"due_within": "²"}, {"assignee": "²"}, {"assigned": "²"},
                                    {"due_within": "99999999999"}])
def test_odd_digits_in_the_inbox_query_are_harmless(client, login, params):
    login("leader")
    assert client.get("/staff/complaints", params=params).status_code in (200, 422)


def test_odd_digits_in_bulk_assignment_are_harmless(client, login):
    login("leader")
    token = factories.csrf(client, "/staff/complaints")
    r = client.post("/staff/complaints/assign", data={"ids": "²", "assignee_id": "3", "csrf_token": token})
    assert r.status_code in (400, 409, 422)
