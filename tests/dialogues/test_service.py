"""Dialogues: planning, the notice rule, holding, questions and commitments, progress, the
publication rule, corrections after publication, open commitments, the yearly count."""

from datetime import datetime, time, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import select

from app.core.errors import Conflict, Forbidden, Invalid
from app.core.files import Upload
from app.core.timeutil import LOCAL_TZ, local_today
from app.dialogues import commitments
from app.dialogues import service as dialogue_service
from app.models.dialogue import Dialogue, DialogueCorrection
from tests import factories


def dialogue_input(days_ahead=10, **kw):
    day = local_today() + timedelta(days=days_ahead)
    data = {"title": "Đối thoại về trật tự đô thị năm 2026", "topics": "Lấn chiếm vỉa hè; thu gom rác",
            "starts_at": datetime.combine(day, time(8, 0), LOCAL_TZ), "place": "Hội trường UBND phường",
            "format": "in_person", "organised_with": "Ủy ban MTTQ phường", "chair": "Nguyễn Văn Minh",
            "invited_groups": "TDP 1–12", "trigger": "annual_plan"}
    data.update(kw)
    return dialogue_service.DialogueInput.model_validate(data)


def held_dialogue(session, principal, *, days_ago=2):
    """A dialogue that took place `days_ago` days ago (its date is set past after announcing)."""
    d = dialogue_service.plan(session, principal=principal, data=dialogue_input())
    dialogue_service.announce(session, principal=principal, dialogue_id=d.id)
    d.starts_at = datetime.combine(local_today() - timedelta(days=days_ago), time(8, 0), LOCAL_TZ)
    session.add(d)
    dialogue_service.record_held(session, principal=principal, dialogue_id=d.id,
                    data=dialogue_service.HeldInput(attendance=84, minutes="Biên bản đối thoại..."))
    session.commit()
    return d


def test_input_rules():
    with pytest.raises(ValidationError):
        dialogue_input(format="online")  # no link
    with pytest.raises(ValidationError):
        dialogue_input(format="hybrid", online_url="javascript:alert(1)")
    with pytest.raises(ValidationError):
        dialogue_input(place="")
    assert dialogue_input(format="online", place="", online_url="https://meet.example.vn/x").format == "online"


def test_announcing_warns_of_short_notice_and_refuses_the_past(session):
    leader = factories.principal(session, "leader")
    ok = dialogue_service.plan(session, principal=leader, data=dialogue_input(days_ahead=10))
    short = dialogue_service.plan(session, principal=leader, data=dialogue_input(days_ahead=3))
    past = dialogue_service.plan(session, principal=leader, data=dialogue_input(days_ahead=-1))
    assert dialogue_service.announce(session, principal=leader, dialogue_id=ok.id).short is False
    check = dialogue_service.announce(session, principal=leader, dialogue_id=short.id)
    assert check.short and check.days_ahead == 3 and check.rule.code == "dialogue.notice" and check.rule.value == 7
    with pytest.raises(Invalid):
        dialogue_service.announce(session, principal=leader, dialogue_id=past.id)
    with pytest.raises(Conflict):
        dialogue_service.announce(session, principal=leader, dialogue_id=ok.id)
    assert [d.id for d in dialogue_service.public_list(session)] == [ok.id, short.id][::-1] or {
        d.id for d in dialogue_service.public_list(session)} == {ok.id, short.id}


def test_only_managers_plan(session):
    with pytest.raises(Forbidden):
        dialogue_service.plan(session, principal=factories.principal(session, "supervisor"), data=dialogue_input())


def test_commitments_need_an_owner_and_a_due_date_not_before_the_dialogue(session):
    officer = factories.principal(session, "officer")
    d = held_dialogue(session, officer)
    with pytest.raises(ValidationError):
        commitments.CommitmentInput(title="Lắp đèn ngõ 12", owner_department="", due_on=local_today())
    with pytest.raises(Invalid):
        commitments.add_commitment(session, principal=officer, dialogue_id=d.id, data=commitments.CommitmentInput(
            title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() - timedelta(days=10)))
    q = dialogue_service.add_question(session, principal=officer, dialogue_id=d.id, data=dialogue_service.QuestionInput(
        asked_by="TDP 5", content="Bao giờ lắp đèn ngõ 12?", answer="Trong quý I", answered_by="Chủ tịch UBND"))
    c = commitments.add_commitment(session, principal=officer, dialogue_id=d.id, data=commitments.CommitmentInput(
        title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=30),
        question_id=q.id))
    assert c.question_id == q.id and [x.id for x in dialogue_service.questions(session, d.id)] == [q.id]
    with pytest.raises(ValidationError):
        dialogue_service.QuestionInput(asked_by="TDP 5", content="Câu hỏi nào đó", answer="Có", answered_by="")


def test_progress_moves_a_commitment_to_done_with_evidence(session, settings):
    officer = factories.principal(session, "officer")
    d = held_dialogue(session, officer)
    c = commitments.add_commitment(session, principal=officer, dialogue_id=d.id, data=commitments.CommitmentInput(
        title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=30)))
    commitments.add_progress(session, principal=officer, commitment_id=c.id, data=commitments.ProgressInput(
        on=local_today(), note="Đã khảo sát, lập dự toán", status="in_progress"))
    from app.core.pdf import simple_pdf

    commitments.add_progress(session, principal=officer, commitment_id=c.id, data=commitments.ProgressInput(
        on=local_today(), note="Đã lắp 4 bóng đèn LED", status="done"),
        uploads=[Upload(simple_pdf("Nghiem thu", ["4 bong den"]), "nghiem-thu.pdf")], store=settings.file_store)
    session.commit()
    assert c.status == "done" and c.done_on == local_today()
    assert [s.status for s in commitments.progress_of(session, [c.id])[c.id]] == ["in_progress", "done"]
    with pytest.raises(Conflict):
        commitments.add_progress(session, principal=officer, commitment_id=c.id, data=commitments.ProgressInput(
            on=local_today(), note="Thêm nữa", status="in_progress"))


def test_publishing_needs_minutes_and_later_changes_are_corrections(session):
    leader = factories.principal(session, "leader")
    d = held_dialogue(session, leader, days_ago=3)
    deadline = dialogue_service.publication_deadline(session, d)
    assert deadline.rule.code == "dialogue.results_publication" and deadline.due_on >= d.starts_at.date()
    dialogue_service.publish(session, principal=leader, dialogue_id=d.id)
    session.commit()
    assert d.status == "published" and d.results_published_on == local_today()
    with pytest.raises(Invalid):  # a change to published results needs its reason
        dialogue_service.add_question(session, principal=leader, dialogue_id=d.id, data=dialogue_service.QuestionInput(
            asked_by="TDP 2", content="Câu hỏi bổ sung"))
    q = dialogue_service.add_question(session, principal=leader, dialogue_id=d.id, data=dialogue_service.QuestionInput(
        asked_by="TDP 2", content="Câu hỏi bổ sung"), reason="Bổ sung câu hỏi còn sót trong biên bản")
    session.commit()
    assert q.position == 1
    assert len(session.exec(select(DialogueCorrection)).all()) == 1


def test_open_commitments_list_overdue_first_and_only_published_dialogues(session):
    leader = factories.principal(session, "leader")
    d = held_dialogue(session, leader, days_ago=40)
    late = commitments.add_commitment(session, principal=leader, dialogue_id=d.id, data=commitments.CommitmentInput(
        title="Sửa cống TDP 3", owner_department="Phòng Kinh tế", due_on=local_today() - timedelta(days=5)))
    soon = commitments.add_commitment(session, principal=leader, dialogue_id=d.id, data=commitments.CommitmentInput(
        title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=2)))
    assert commitments.open_commitments(session, today=local_today()) == []  # results not published yet
    dialogue_service.publish(session, principal=leader, dialogue_id=d.id)
    session.commit()
    listed = commitments.open_commitments(session, today=local_today())
    assert [c.id for c in listed] == [late.id, soon.id] and commitments.overdue(late, local_today())


def test_the_yearly_count_follows_the_rule(session):
    leader = factories.principal(session, "leader")
    held_dialogue(session, leader, days_ago=1)
    year = (local_today() - timedelta(days=1)).year
    count = dialogue_service.held_in_year(session, year, region="hanoi")
    assert count.held == 1 and count.required == 2 and count.rule.unit == "per_year" and count.rule.variant == "hanoi"
    # Without a regional version, the law's minimum (Art. 32(1) Law 10/2022): one a year.
    law = dialogue_service.held_in_year(session, year)
    assert law.required == 1 and law.rule.variant == "" and "Điều 32" in law.rule.legal_basis


def test_nothing_held_before_it_happens(session):
    leader = factories.principal(session, "leader")
    d = dialogue_service.plan(session, principal=leader, data=dialogue_input())
    dialogue_service.announce(session, principal=leader, dialogue_id=d.id)
    with pytest.raises(Conflict):
        dialogue_service.record_held(session, principal=leader, dialogue_id=d.id,
                                     data=dialogue_service.HeldInput(attendance=10))
    assert session.get(Dialogue, d.id).status == "announced"


def test_changing_an_announced_dialogue_is_a_recorded_correction(session):
    leader = factories.principal(session, "leader")
    d = dialogue_service.plan(session, principal=leader, data=dialogue_input())
    dialogue_service.update(session, principal=leader, dialogue_id=d.id,
                            data=dialogue_input(title="Đối thoại về trật tự đô thị"))
    assert session.exec(select(DialogueCorrection)).all() == []  # a plan changes freely
    dialogue_service.announce(session, principal=leader, dialogue_id=d.id)
    with pytest.raises(Invalid):
        dialogue_service.update(session, principal=leader, dialogue_id=d.id,
                                data=dialogue_input(place="Nhà văn hóa TDP 4"))
    dialogue_service.update(session, principal=leader, dialogue_id=d.id, data=dialogue_input(place="Nhà văn hóa TDP 4"),
               reason="Hội trường đang sửa chữa")
    session.commit()
    [fix] = session.exec(select(DialogueCorrection)).all()
    assert "Hội trường UBND phường" in fix.before and fix.reason == "Hội trường đang sửa chữa"


def test_correcting_a_published_answer_keeps_what_it_said(session):
    leader = factories.principal(session, "leader")
    d = held_dialogue(session, leader)
    q = dialogue_service.add_question(session, principal=leader, dialogue_id=d.id, data=dialogue_service.QuestionInput(
        asked_by="TDP 5", content="Bao giờ lắp đèn ngõ 12?", answer="Trong quý I", answered_by="Chủ tịch UBND"))
    dialogue_service.publish(session, principal=leader, dialogue_id=d.id)
    fixed = dialogue_service.QuestionInput(asked_by="TDP 5", content="Bao giờ lắp đèn ngõ 12?", answer="Trong quý II",
                              answered_by="Chủ tịch UBND")
    with pytest.raises(Invalid):
        dialogue_service.update_question(session, principal=leader, question_id=q.id, data=fixed)
    dialogue_service.update_question(session, principal=leader, question_id=q.id, data=fixed,
                                     reason="Ghi nhầm quý trong biên bản")
    session.commit()
    assert q.answer == "Trong quý II"
    [fix] = dialogue_service.corrections(session, d.id)
    assert "Trong quý I" in fix.before and fix.entity == f"question:{q.id}"


def _published_with_commitment(session, leader):
    d = held_dialogue(session, leader)
    c = commitments.add_commitment(session, principal=leader, dialogue_id=d.id, data=commitments.CommitmentInput(
        title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=30)))
    dialogue_service.publish(session, principal=leader, dialogue_id=d.id)
    session.commit()
    return d, c


def test_correcting_a_published_commitment_keeps_its_old_due_date(session):
    leader = factories.principal(session, "leader")
    d, c = _published_with_commitment(session, leader)
    moved = commitments.CommitmentInput(title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế - Hạ tầng",
                                        due_on=local_today() + timedelta(days=60))
    with pytest.raises(Invalid):
        commitments.update_commitment(session, principal=leader, commitment_id=c.id, data=moved)
    with pytest.raises(Invalid):  # never before the dialogue
        commitments.update_commitment(session, principal=leader, commitment_id=c.id, reason="Sửa hạn cho đúng",
                                      data=commitments.CommitmentInput(title=c.title, owner_department="Phòng Kinh tế",
                                                                       due_on=local_today() - timedelta(days=30)))
    old_due = c.due_on
    commitments.update_commitment(session, principal=leader, commitment_id=c.id, data=moved,
                                  reason="Chờ kinh phí bổ sung của thành phố")
    session.commit()
    assert c.due_on == moved.due_on and c.owner_department == "Phòng Kinh tế - Hạ tầng"
    [fix] = dialogue_service.corrections(session, d.id)
    assert old_due.isoformat() in fix.before and fix.entity == f"commitment:{c.id}"
    # Saving the same values again records nothing.
    commitments.update_commitment(session, principal=leader, commitment_id=c.id, data=moved, reason="Không đổi gì cả")
    session.commit()
    assert len(dialogue_service.corrections(session, d.id)) == 1


def test_correcting_published_minutes_keeps_the_earlier_text(session):
    leader = factories.principal(session, "leader")
    d, _c = _published_with_commitment(session, leader)
    fixed = dialogue_service.HeldInput(attendance=86, minutes="Biên bản đối thoại (bản đã sửa số người dự)")
    with pytest.raises(Invalid):
        dialogue_service.record_held(session, principal=leader, dialogue_id=d.id, data=fixed)
    with pytest.raises(Invalid):  # published minutes cannot be emptied
        dialogue_service.record_held(session, principal=leader, dialogue_id=d.id,
                                     data=dialogue_service.HeldInput(attendance=86, minutes=" "), reason="Xóa biên bản")
    dialogue_service.record_held(session, principal=leader, dialogue_id=d.id, data=fixed,
                                 reason="Đếm lại danh sách ký tên")
    session.commit()
    assert (d.status, d.attendance) == ("published", 86)
    [fix] = dialogue_service.corrections(session, d.id)
    assert (fix.entity == f"minutes:{d.id}" and "Biên bản đối thoại..." in fix.before
            and '"attendance": 84' in fix.before)


def test_links_to_cases_and_disclosures_show_only_what_is_public(session):
    from app.cases import codes, intake
    from app.dialogues import commitment_links as links
    from tests.cases.test_service import CITIZEN, case_input

    leader = factories.principal(session, "leader")
    d, c = _published_with_commitment(session, leader)
    petition = intake.file_case(session, data=case_input(kind="petition"), channel="web", actor=CITIZEN)
    denunciation = intake.file_case(session, data=case_input(kind="denunciation"), channel="web", actor=CITIZEN)
    doc = factories.published(session, factories.principal(session, "publisher"), document_number="15/QĐ-UBND")
    session.commit()

    links.link(session, principal=leader, commitment_id=c.id, ref=codes.format_code(petition.tracking_code).lower())
    links.link(session, principal=leader, commitment_id=c.id, ref=f"https://phuong.example.vn/disclosures/{doc.id}")
    with pytest.raises(Conflict):  # once only
        links.link(session, principal=leader, commitment_id=c.id, ref="15/QĐ-UBND")
    with pytest.raises(Invalid):  # a denouncer's case never hangs off a public commitment
        links.link(session, principal=leader, commitment_id=c.id, ref=denunciation.tracking_code)
    with pytest.raises(Invalid):
        links.link(session, principal=leader, commitment_id=c.id, ref="không có gì")
    with pytest.raises(Forbidden):
        links.link(session, principal=factories.principal(session, "supervisor"), commitment_id=c.id, ref="12")
    session.commit()

    found = links.links_of(session, [c.id])[c.id]
    shown = links.public_links(found)
    assert [x.id for x in shown.disclosures] == [doc.id]
    assert [(k.kind, k.status) for k in shown.cases] == [("petition", petition.status)]
    assert not any(petition.tracking_code in str(v) for k in shown.cases for v in vars(k).values())
    assert [x.id for x in links.commitments_serving(session, disclosure_id=doc.id, public_only=True)] == [c.id]
    assert [x.id for x in links.commitments_serving(session, complaint_id=petition.id)] == [c.id]

    # Unlinking from published results is a correction with its reason.
    case_link = next(lk for lk in found if lk.case is not None)
    with pytest.raises(Invalid):
        links.unlink(session, principal=leader, link_id=case_link.id)
    links.unlink(session, principal=leader, link_id=case_link.id, reason="Gắn nhầm hồ sơ")
    session.commit()
    assert [lk.disclosure.id for lk in links.links_of(session, [c.id])[c.id]] == [doc.id]
    [fix] = dialogue_service.corrections(session, d.id)
    assert fix.reason == "Gắn nhầm hồ sơ" and str(petition.id) in fix.before


def test_single_line_fields_fold_line_breaks():
    data = dialogue_input(title="Đối thoại\r\nBcc: evil@example.org", chair="Nguyễn   Văn\tMinh")
    assert data.title == "Đối thoại Bcc: evil@example.org" and data.chair == "Nguyễn Văn Minh"
    c = commitments.CommitmentInput(title="Lắp đèn\nngõ 12", owner_department=" Phòng\r\nKinh tế ",
                                    due_on=local_today())
    assert (c.title, c.owner_department) == ("Lắp đèn ngõ 12", "Phòng Kinh tế")
    assert dialogue_service.QuestionInput(asked_by="TDP\n5", content="Dòng 1\nDòng 2").content == "Dòng 1\nDòng 2"


def test_a_complaint_is_not_linked_to_a_public_commitment(session):
    from app.cases import intake
    from app.dialogues import commitment_links as links
    from tests.cases.test_service import CITIZEN, case_input

    leader = factories.principal(session, "leader")
    _d, c = _published_with_commitment(session, leader)
    grievance = intake.file_case(session, data=case_input(kind="complaint"), channel="web", actor=CITIZEN)
    session.commit()
    with pytest.raises(Invalid):
        links.link(session, principal=leader, commitment_id=c.id, ref=grievance.tracking_code)


def test_saving_an_announced_dialogue_unchanged_records_no_correction(session):
    leader = factories.principal(session, "leader")
    d = dialogue_service.plan(session, principal=leader, data=dialogue_input())
    dialogue_service.announce(session, principal=leader, dialogue_id=d.id)
    dialogue_service.update(session, principal=leader, dialogue_id=d.id, data=dialogue_input(), reason="Không đổi gì")
    assert dialogue_service.corrections(session, d.id) == []
