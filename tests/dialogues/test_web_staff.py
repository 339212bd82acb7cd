"""Dialogue back office without JavaScript: plan, announce (with the short-notice warning),
record, questions, commitments, progress with evidence, publish, corrections; 422s keep input."""

from datetime import datetime, time, timedelta

from sqlmodel import select

from app.core.pdf import simple_pdf
from app.core.timeutil import LOCAL_TZ, local_today
from app.models.dialogue import Commitment, CommitmentUpdate, Dialogue, DialogueCorrection, DialogueQuestion
from tests import factories

PLAN = {"title": "Đối thoại về trật tự đô thị", "topics": "Lấn chiếm vỉa hè; thu gom rác", "start": "08:00",
        "end": "11:00", "format": "in_person", "place": "Hội trường UBND phường", "online_url": "",
        "organised_with": "Ủy ban MTTQ phường", "chair": "Nguyễn Văn Minh", "invited_groups": "TDP 1–12",
        "trigger": "annual_plan"}


def plan(client, token, days_ahead=10, **kw):
    day = (local_today() + timedelta(days=days_ahead)).strftime("%d/%m/%Y")
    return client.post("/staff/dialogues", data={**PLAN, "day": day, **kw, "csrf_token": token},
                       follow_redirects=False)


def test_plan_and_announce_with_a_short_notice_warning(client, session, login):
    login("leader")
    token = factories.csrf(client, "/staff/dialogues/new")
    bad = plan(client, token, title="", format="online")
    assert bad.status_code == 422 and 'id="e-title"' in bad.text and "Lấn chiếm vỉa hè" in bad.text
    r = plan(client, token, days_ahead=3)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "chỉ được báo trước 3 ngày" in page.text
    announced = client.post(r.headers["location"] + "/announce", data={"csrf_token": token}, follow_redirects=False)
    assert announced.status_code == 303
    page = client.get(announced.headers["location"]).text
    assert "ngắn hơn quy định" in page and "chỉ được báo trước 3 ngày" in page  # kept with the dialogue
    row = session.exec(select(Dialogue)).one()
    assert (row.status, row.notice_days) == ("announced", 3)
    assert "báo trước 3 ngày" in client.get(f"/dialogues/{row.id}").text  # residents see it too


def test_the_whole_cycle_to_published_results(client, session, login, settings):
    login("officer")
    token = factories.csrf(client, "/staff/dialogues/new")
    r = plan(client, token)
    url = r.headers["location"]
    client.post(url + "/announce", data={"csrf_token": token})
    session.rollback()
    d = session.exec(select(Dialogue)).one()
    d.starts_at = datetime.combine(local_today() - timedelta(days=1), time(8), LOCAL_TZ)  # it took place
    session.add(d)
    session.commit()
    assert client.post(url + "/held", data={"csrf_token": token, "attendance": "-3"}).status_code == 422
    assert client.post(url + "/held", data={"csrf_token": token, "attendance": "84", "minutes": "Biên bản..."},
                       follow_redirects=False).status_code == 303
    assert client.post(url + "/question", data={"csrf_token": token, "asked_by": "TDP 5",
                       "content": "Bao giờ lắp đèn ngõ 12?", "answer": "Trong quý I",
                       "answered_by": "Chủ tịch UBND"}, follow_redirects=False).status_code == 303
    session.rollback()
    q = session.exec(select(DialogueQuestion)).one()
    bad = client.post(url + "/commitment", data={"csrf_token": token, "title": "Lắp đèn ngõ 12",
                      "owner_department": "", "due_on": (local_today() - timedelta(days=30)).isoformat()})
    assert bad.status_code == 422 and 'id="e-c-owner_department"' in bad.text
    assert client.post(url + "/commitment", data={"csrf_token": token, "title": "Lắp đèn ngõ 12",
                       "owner_department": "Phòng Kinh tế", "due_on": (local_today() + timedelta(days=30)).isoformat(),
                       "question_id": str(q.id)}, follow_redirects=False).status_code == 303
    session.rollback()  # a fresh snapshot: the app wrote since this session last read
    c = session.exec(select(Commitment)).one()
    pdf = simple_pdf("Nghiem thu", ["4 bong den"])
    r = client.post(url + "/progress", data={"csrf_token": token, "commitment_id": str(c.id),
                    "on": local_today().isoformat(), "note": "Đã lắp 4 bóng đèn", "status": "done"},
                    files={"files": ("nghiem-thu.pdf", pdf, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303
    session.rollback()
    assert session.exec(select(CommitmentUpdate)).one().status == "done"
    assert client.post(url + "/publish", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    session.rollback()
    session.refresh(d)
    assert d.status == "published" and d.results_published_on == local_today()
    # After publication a change is a correction, with a reason.
    r = client.post(url + "/question", data={"csrf_token": token, "asked_by": "TDP 2", "content": "Câu hỏi bổ sung"})
    assert r.status_code == 422 and 'id="e-q-reason"' in r.text
    assert client.post(url + "/question", data={"csrf_token": token, "asked_by": "TDP 2",
                       "content": "Câu hỏi bổ sung", "reason": "Sót trong biên bản"},
                       follow_redirects=False).status_code == 303
    session.rollback()
    assert len(session.exec(select(DialogueCorrection)).all()) == 1


def test_supervisors_read_but_do_not_manage(client, session, login):
    login("supervisor")
    assert client.get("/staff/dialogues").status_code == 200
    assert client.get("/staff/dialogues/new").status_code == 403
    token = factories.csrf(client, "/staff/dialogues")
    assert plan(client, token).status_code == 403


def test_odd_input_is_4xx(client, session, login):
    login("leader")
    token = factories.csrf(client, "/staff/dialogues/new")
    url = plan(client, token).headers["location"]
    assert client.post(url + "/progress", data={"csrf_token": token, "commitment_id": "x"}).status_code == 404
    assert client.post(url + "/held", data={"csrf_token": token, "attendance": "10"}).status_code == 409
    assert client.get("/staff/dialogues/99999999999").status_code == 422
    assert client.get("/staff/dialogues?year=1").status_code == 422


def test_announcing_a_past_dialogue_says_why(client, session, login):
    login("leader")
    token = factories.csrf(client, "/staff/dialogues/new")
    url = plan(client, token, days_ahead=-2).headers["location"]
    r = client.post(url + "/announce", data={"csrf_token": token})
    assert r.status_code == 422 and "Thời điểm đối thoại đã qua" in r.text


def _published(session):
    """A published dialogue with one question and one commitment, made through the services."""
    from app.dialogues import service as dialogue_service
    from tests.dialogues.test_web_public import commitment, held, publish, question

    leader = factories.principal(session, "leader")
    d = held(session, leader)
    q = question(session, leader, d)
    c = commitment(session, leader, d, question_id=q.id)
    publish(session, leader, d)
    assert dialogue_service.get(session, d.id).status == "published"
    return d, q, c


def test_corrections_of_published_results_from_the_staff_page(client, session, login):
    d, q, c = _published(session)
    login("officer")
    url = f"/staff/dialogues/{d.id}"
    token = factories.csrf(client, url)
    page = client.get(url)
    assert f'id="f-qe{q.id}-answer"' in page.text and f'id="f-ce{c.id}-due_on"' in page.text
    assert 'id="f-held-reason"' in page.text  # the minutes can be corrected, with a reason

    # A correction without its reason is refused with what was typed kept, on the right form.
    q_form = {"csrf_token": token, "question_id": str(q.id), "asked_by": q.asked_by, "content": q.content,
              "answer": "Trong quý II", "answered_by": q.answered_by}
    bad = client.post(url + "/question_edit", data=q_form)
    assert bad.status_code == 422 and f'id="e-qe{q.id}-reason"' in bad.text and "Trong quý II" in bad.text
    assert client.post(url + "/question_edit", data={**q_form, "reason": "Ghi nhầm quý"},
                       follow_redirects=False).status_code == 303

    due = (local_today() + timedelta(days=90)).isoformat()
    c_form = {"csrf_token": token, "commitment_id": str(c.id), "title": c.title, "owner_department": "Phòng Kinh tế",
              "due_on": due, "question_id": str(q.id)}
    bad = client.post(url + "/commitment_edit", data={**c_form, "owner_department": "", "reason": "Dời hạn"})
    assert bad.status_code == 422 and f'id="e-ce{c.id}-owner_department"' in bad.text
    assert client.post(url + "/commitment_edit", data={**c_form, "reason": "Chờ kinh phí thành phố"},
                       follow_redirects=False).status_code == 303

    assert client.post(url + "/held", data={"csrf_token": token, "attendance": "90", "minutes": "Biên bản đã sửa",
                                            "reason": "Đếm lại danh sách"}, follow_redirects=False).status_code == 303
    session.rollback()
    fixes = session.exec(select(DialogueCorrection).where(DialogueCorrection.dialogue_id == d.id)).all()
    assert [f.entity for f in fixes] == [f"question:{q.id}", f"commitment:{c.id}", f"minutes:{d.id}"]
    session.expire_all()
    assert session.get(Commitment, c.id).due_on.isoformat() == due, session.get(DialogueCorrection, fixes[1].id).before
    public = client.get(f"/dialogues/{d.id}").text
    assert "Chờ kinh phí thành phố" in public and "Biên bản đã sửa" in public and "Trong quý II" in public


def test_linking_a_commitment_to_a_case_and_a_disclosure(client, session, login):
    from app.cases import codes, intake
    from tests.cases.test_service import CITIZEN, case_input

    d, _q, c = _published(session)
    petition = intake.file_case(session, data=case_input(kind="petition", subject="Xin lắp đèn ngõ 12 Văn Phú"),
                                channel="web", actor=CITIZEN)
    doc = factories.published(session, factories.principal(session, "publisher"), title="Quyết định lắp đèn ngõ 12")
    session.commit()
    login("leader")
    url = f"/staff/dialogues/{d.id}"
    token = factories.csrf(client, url)
    bad = client.post(url + "/link", data={"csrf_token": token, "commitment_id": str(c.id), "ref": "ZZZZ"})
    assert bad.status_code == 422 and f'id="e-l{c.id}-ref"' in bad.text and "ZZZZ" in bad.text
    code = codes.format_code(petition.tracking_code)
    for ref in (code, f"/disclosures/{doc.id}"):
        assert client.post(url + "/link", data={"csrf_token": token, "commitment_id": str(c.id), "ref": ref},
                           follow_redirects=False).status_code == 303
    assert client.post(url + "/link", data={"csrf_token": token, "commitment_id": str(c.id), "ref": code}
                       ).status_code == 409

    staff_page = client.get(url).text
    assert code in staff_page and "Quyết định lắp đèn ngõ 12" in staff_page
    assert f"/staff/dialogues/{d.id}#c-{c.id}" in client.get(f"/staff/complaints/{petition.id}").text

    public = client.get(f"/dialogues/{d.id}").text
    assert f'href="/disclosures/{doc.id}"' in public and "Kiến nghị" in public
    assert petition.tracking_code not in public and code not in public and "Xin lắp đèn" not in public
    assert f'href="/dialogues/{d.id}#c-{c.id}"' in client.get(f"/disclosures/{doc.id}").text
    [item] = client.get(f"/api/v1/dialogues/{d.id}").json()["commitments"]
    assert [x["id"] for x in item["disclosures"]] == [doc.id]
    assert item["cases"] == [{"kind": "petition", "field": "urban_order", "status": petition.status, "summary": ""}]

    from app.models.dialogue import CommitmentLink
    session.rollback()
    link = session.exec(select(CommitmentLink).where(CommitmentLink.complaint_id == petition.id)).one()
    form = {"csrf_token": token, "commitment_id": str(c.id), "link_id": str(link.id)}
    assert client.post(url + "/unlink", data=form).status_code == 422  # published: needs a reason
    assert client.post(url + "/unlink", data={**form, "reason": "Gắn nhầm hồ sơ"},
                       follow_redirects=False).status_code == 303
    assert "Gắn nhầm hồ sơ" in client.get(f"/dialogues/{d.id}").text
    session.rollback()  # a fresh snapshot before this session writes (SQLite)
    login("supervisor")
    assert client.post(url + "/link", data={"csrf_token": factories.csrf(client, url), "commitment_id": str(c.id),
                                            "ref": code}).status_code == 403


def test_staff_without_case_rights_never_see_a_linked_case_code(client, session, login):
    from app.cases import codes, intake
    from app.dialogues import commitment_links
    from tests.cases.test_service import CITIZEN, case_input

    d, _q, c = _published(session)
    petition = intake.file_case(session, data=case_input(kind="petition", subject="Xin lắp đèn ngõ 12 Văn Phú"),
                                channel="web", actor=CITIZEN)
    commitment_links.link(session, principal=factories.principal(session, "leader"), commitment_id=c.id,
                          ref=petition.tracking_code)
    session.commit()
    code = codes.format_code(petition.tracking_code)
    session.rollback()
    login("publisher")
    page = client.get(f"/staff/dialogues/{d.id}").text
    assert code not in page and "Xin lắp đèn" not in page and "Kiến nghị" in page
    session.rollback()
    login("officer")
    assert code in client.get(f"/staff/dialogues/{d.id}").text


def test_staff_check_the_signed_scan_before_publishing(client, session, login, settings):
    from app.core.files import Upload
    from app.dialogues import service as dialogue_service
    from tests.dialogues.test_web_public import held, pdf

    leader = factories.principal(session, "leader")
    d = held(session, leader)
    scan = dialogue_service.attach_minutes_scan(session, principal=leader, dialogue_id=d.id,
                                                upload=Upload(pdf("Ky"), "bb.pdf"), store=settings.file_store)
    session.commit()
    ids = (d.id, scan.id)
    session.rollback()
    assert client.get(f"/dialogues/{ids[0]}/files/{ids[1]}").status_code == 404  # not public yet
    login("supervisor")
    r = client.get(f"/staff/dialogues/{ids[0]}/files/{ids[1]}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and r.headers["cache-control"] == "private, no-store"
    assert f'href="/staff/dialogues/{ids[0]}/files/{ids[1]}"' in client.get(f"/staff/dialogues/{ids[0]}").text
    assert client.get(f"/staff/dialogues/{ids[0]}/files/999").status_code == 404
