"""Residents' questions on a disclosed document: "Hỏi về văn bản này" files a petition linked to
the document; staff publish a question and answer written for the public under it."""

from sqlmodel import select

from app.models.complaint import Complaint
from app.models.event import PublicEvent
from tests import factories

ASK = {"field": "other", "subject": "Hỏi về văn bản: Kế hoạch sử dụng đất",
       "content": "Nhà tôi ở ngõ 4 có nằm trong diện thu hồi đất không?", "sender_name": "Trần Văn Nam",
       "sender_email": "nam@example.org"}


def test_a_question_is_asked_answered_and_shown_under_the_document(client, session, login):
    doc = factories.published(session, factories.principal(session, "publisher"), title="Kế hoạch sử dụng đất 2027")
    doc_id = doc.id
    session.rollback()
    page = client.get(f"/disclosures/{doc_id}").text
    assert f'href="/complaints/new?about={doc_id}"' in page and "Chưa có câu hỏi nào" in page
    form = client.get(f"/complaints/new?about={doc_id}")
    assert form.status_code == 200 and "Kế hoạch sử dụng đất 2027" in form.text and 'name="about"' in form.text
    token = factories.csrf(client, f"/complaints/new?about={doc_id}")
    bad = client.post("/complaints/new", data={"csrf_token": token, "about": str(doc_id), **ASK, "content": "Ngắn"})
    assert bad.status_code == 422 and 'name="about"' in bad.text  # still a question about the document
    filed = client.post("/complaints/new", data={"csrf_token": token, "about": str(doc_id), **ASK,
                                                 "kind": "denunciation"})  # the kind is forced to petition
    assert filed.status_code == 200 and filed.url.path == "/complaints/filed"
    session.rollback()
    case = session.exec(select(Complaint)).one()
    assert (case.kind, case.disclosure_id, case.answer_published_at) == ("petition", doc_id, None)
    case_id = case.id
    session.rollback()

    login("officer")
    url = f"/staff/complaints/{case_id}"
    staff = client.get(url).text
    assert "Câu hỏi về văn bản công khai" in staff
    form_part = staff.split('id="f-answer-public_question"')[1].split("</textarea>")[0]
    assert "Nhà tôi ở ngõ 4" not in form_part  # never prefilled with the letter: written anew for the public
    token = factories.csrf(client, url)
    short = client.post(url + "/answer", data={"csrf_token": token, "public_question": "Ngắn", "public_answer": ""})
    assert short.status_code == 422 and 'id="e-answer-public_answer"' in short.text
    published = client.post(url + "/answer", data={
        "csrf_token": token, "public_question": "Các hộ ở ngõ 4 có nằm trong diện thu hồi đất không?",
        "public_answer": "Không. Kế hoạch chỉ thu hồi đất ở khu vực bãi sông, không gồm ngõ 4."},
        follow_redirects=False)
    assert published.status_code == 303
    public = client.get(f"/disclosures/{doc_id}").text
    assert "Các hộ ở ngõ 4 có nằm trong diện thu hồi đất không?" in public and "bãi sông" in public
    assert "Trần Văn Nam" not in public and "Nhà tôi ở ngõ 4" not in public  # only the text staff wrote
    session.rollback()
    assert [e.type for e in session.exec(select(PublicEvent)).all()][-1] == "disclosure.answered"
    session.rollback()
    assert client.post(url + "/answer/withdraw", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert "bãi sông" not in client.get(f"/disclosures/{doc_id}").text
    assert client.post(url + "/answer/withdraw", data={"csrf_token": token}).status_code == 409


def test_bad_documents_are_404_and_plain_cases_cannot_publish_an_answer(client, session, login):
    for about in ("999", "abc", "-1", "1" * 20):
        assert client.get(f"/complaints/new?about={about}").status_code in (404, 422), about
    draft = factories.draft(session, factories.principal(session, "publisher"))
    draft_id = draft.id
    session.rollback()
    assert client.get(f"/complaints/new?about={draft_id}").status_code == 404  # not public
    token = factories.csrf(client, "/complaints/new")
    r = client.post("/complaints/new", data={"csrf_token": token, "about": str(draft_id), **ASK, "kind": "petition"})
    assert r.status_code == 404
    r = client.post("/complaints/new", data={"csrf_token": token, **ASK, "kind": "petition"})
    assert r.status_code == 200 and r.url.path == "/complaints/filed"
    session.rollback()
    case_id = session.exec(select(Complaint.id)).one()
    session.rollback()
    login("officer")
    url = f"/staff/complaints/{case_id}"
    r = client.post(url + "/answer", data={"csrf_token": factories.csrf(client, url),
                                           "public_question": "Câu hỏi đủ dài ở đây",
                                           "public_answer": "Trả lời đủ dài"})
    assert r.status_code == 409


def test_a_question_that_turns_out_to_be_a_denunciation_leaves_the_page(client, session):
    from app.cases import intake, questions, workflow
    from tests.cases.test_service import CITIZEN, case_input

    doc = factories.published(session, factories.principal(session, "publisher"))
    case = intake.file_case(session, data=case_input(kind="petition"), channel="web", actor=CITIZEN,
                            disclosure_id=doc.id)
    officer = factories.principal(session, "officer")
    questions.publish_answer(session, principal=officer, complaint_id=case.id, data=questions.AnswerInput(
        public_question="Văn bản này áp dụng cho ai?", public_answer="Cho các hộ ở tổ dân phố 3."))
    session.commit()
    assert "Cho các hộ ở tổ dân phố 3." in client.get(f"/disclosures/{doc.id}").text
    workflow.transition(session, principal=officer, complaint_id=case.id,
                        data=workflow.TransitionInput(action="classify", kind="denunciation"))
    session.commit()
    assert case.answer_published_at is None
    assert "Cho các hộ ở tổ dân phố 3." not in client.get(f"/disclosures/{doc.id}").text
