"""Dialogues: planning, the notice rule, holding, questions and commitments, progress, the
publication rule, corrections after publication, open commitments, the yearly count."""

from datetime import datetime, time, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import select

from app.errors import Conflict, Forbidden, Invalid
from app.models.dialogue import Dialogue, DialogueCorrection
from app.services import dialogues as svc
from app.services.disclosures import Upload
from app.timeutil import LOCAL_TZ, local_today
from tests import factories


def dialogue_input(days_ahead=10, **kw):
    day = local_today() + timedelta(days=days_ahead)
    data = {"title": "Đối thoại về trật tự đô thị năm 2026", "topics": "Lấn chiếm vỉa hè; thu gom rác",
            "starts_at": datetime.combine(day, time(8, 0), LOCAL_TZ), "place": "Hội trường UBND phường",
            "format": "in_person", "organised_with": "Ủy ban MTTQ phường", "chair": "Nguyễn Văn Minh",
            "invited_groups": "TDP 1–12", "trigger": "annual_plan"}
    data.update(kw)
    return svc.DialogueInput.model_validate(data)


def held_dialogue(session, principal, *, days_ago=2):
    """A dialogue that took place `days_ago` days ago (its date is set past after announcing)."""
    d = svc.plan(session, principal=principal, data=dialogue_input())
    svc.announce(session, principal=principal, dialogue_id=d.id)
    d.starts_at = datetime.combine(local_today() - timedelta(days=days_ago), time(8, 0), LOCAL_TZ)
    session.add(d)
    svc.record_held(session, principal=principal, dialogue_id=d.id,
                    data=svc.HeldInput(attendance=84, minutes="Biên bản đối thoại..."))
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
    ok = svc.plan(session, principal=leader, data=dialogue_input(days_ahead=10))
    short = svc.plan(session, principal=leader, data=dialogue_input(days_ahead=3))
    past = svc.plan(session, principal=leader, data=dialogue_input(days_ahead=-1))
    assert svc.announce(session, principal=leader, dialogue_id=ok.id).short is False
    check = svc.announce(session, principal=leader, dialogue_id=short.id)
    assert check.short and check.days_ahead == 3 and check.rule.code == "dialogue.notice" and check.rule.value == 7
    with pytest.raises(Invalid):
        svc.announce(session, principal=leader, dialogue_id=past.id)
    with pytest.raises(Conflict):
        svc.announce(session, principal=leader, dialogue_id=ok.id)
    assert [d.id for d in svc.public_list(session)] == [ok.id, short.id][::-1] or {
        d.id for d in svc.public_list(session)} == {ok.id, short.id}


def test_only_managers_plan(session):
    with pytest.raises(Forbidden):
        svc.plan(session, principal=factories.principal(session, "supervisor"), data=dialogue_input())


def test_commitments_need_an_owner_and_a_due_date_not_before_the_dialogue(session):
    officer = factories.principal(session, "officer")
    d = held_dialogue(session, officer)
    with pytest.raises(ValidationError):
        svc.CommitmentInput(title="Lắp đèn ngõ 12", owner_department="", due_on=local_today())
    with pytest.raises(Invalid):
        svc.add_commitment(session, principal=officer, dialogue_id=d.id, data=svc.CommitmentInput(
            title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() - timedelta(days=10)))
    q = svc.add_question(session, principal=officer, dialogue_id=d.id, data=svc.QuestionInput(
        asked_by="TDP 5", content="Bao giờ lắp đèn ngõ 12?", answer="Trong quý I", answered_by="Chủ tịch UBND"))
    c = svc.add_commitment(session, principal=officer, dialogue_id=d.id, data=svc.CommitmentInput(
        title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=30),
        question_id=q.id))
    assert c.question_id == q.id and [x.id for x in svc.questions(session, d.id)] == [q.id]
    with pytest.raises(ValidationError):
        svc.QuestionInput(asked_by="TDP 5", content="Câu hỏi nào đó", answer="Có", answered_by="")


def test_progress_moves_a_commitment_to_done_with_evidence(session, settings):
    officer = factories.principal(session, "officer")
    d = held_dialogue(session, officer)
    c = svc.add_commitment(session, principal=officer, dialogue_id=d.id, data=svc.CommitmentInput(
        title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=30)))
    svc.add_progress(session, principal=officer, commitment_id=c.id, data=svc.ProgressInput(
        on=local_today(), note="Đã khảo sát, lập dự toán", status="in_progress"))
    from app.pdf import simple_pdf

    svc.add_progress(session, principal=officer, commitment_id=c.id, data=svc.ProgressInput(
        on=local_today(), note="Đã lắp 4 bóng đèn LED", status="done"),
        uploads=[Upload(simple_pdf("Nghiem thu", ["4 bong den"]), "nghiem-thu.pdf")], store=settings.file_store)
    session.commit()
    assert c.status == "done" and c.done_on == local_today()
    assert [s.status for s in svc.progress_of(session, [c.id])[c.id]] == ["in_progress", "done"]
    with pytest.raises(Conflict):
        svc.add_progress(session, principal=officer, commitment_id=c.id, data=svc.ProgressInput(
            on=local_today(), note="Thêm nữa", status="in_progress"))


def test_publishing_needs_minutes_and_later_changes_are_corrections(session):
    leader = factories.principal(session, "leader")
    d = held_dialogue(session, leader, days_ago=3)
    deadline = svc.publication_deadline(session, d)
    assert deadline.rule.code == "dialogue.results_publication" and deadline.due_on >= d.starts_at.date()
    svc.publish(session, principal=leader, dialogue_id=d.id)
    session.commit()
    assert d.status == "published" and d.results_published_on == local_today()
    with pytest.raises(Invalid):  # a change to published results needs its reason
        svc.add_question(session, principal=leader, dialogue_id=d.id, data=svc.QuestionInput(
            asked_by="TDP 2", content="Câu hỏi bổ sung"))
    q = svc.add_question(session, principal=leader, dialogue_id=d.id, data=svc.QuestionInput(
        asked_by="TDP 2", content="Câu hỏi bổ sung"), reason="Bổ sung câu hỏi còn sót trong biên bản")
    session.commit()
    assert q.position == 1
    assert len(session.exec(select(DialogueCorrection)).all()) == 1


def test_open_commitments_list_overdue_first_and_only_published_dialogues(session):
    leader = factories.principal(session, "leader")
    d = held_dialogue(session, leader, days_ago=40)
    late = svc.add_commitment(session, principal=leader, dialogue_id=d.id, data=svc.CommitmentInput(
        title="Sửa cống TDP 3", owner_department="Phòng Kinh tế", due_on=local_today() - timedelta(days=5)))
    soon = svc.add_commitment(session, principal=leader, dialogue_id=d.id, data=svc.CommitmentInput(
        title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=2)))
    assert svc.open_commitments(session, today=local_today()) == []  # results not published yet
    svc.publish(session, principal=leader, dialogue_id=d.id)
    session.commit()
    listed = svc.open_commitments(session, today=local_today())
    assert [c.id for c in listed] == [late.id, soon.id] and svc.overdue(late, local_today())


def test_the_yearly_count_follows_the_rule(session):
    leader = factories.principal(session, "leader")
    held_dialogue(session, leader, days_ago=1)
    count = svc.held_in_year(session, (local_today() - timedelta(days=1)).year)
    assert count.held == 1 and count.required == 2 and count.rule.unit == "per_year"


def test_nothing_held_before_it_happens(session):
    leader = factories.principal(session, "leader")
    d = svc.plan(session, principal=leader, data=dialogue_input())
    svc.announce(session, principal=leader, dialogue_id=d.id)
    with pytest.raises(Conflict):
        svc.record_held(session, principal=leader, dialogue_id=d.id, data=svc.HeldInput(attendance=10))
    assert session.get(Dialogue, d.id).status == "announced"


def test_changing_an_announced_dialogue_is_a_recorded_correction(session):
    leader = factories.principal(session, "leader")
    d = svc.plan(session, principal=leader, data=dialogue_input())
    svc.update(session, principal=leader, dialogue_id=d.id, data=dialogue_input(title="Đối thoại về trật tự đô thị"))
    assert session.exec(select(DialogueCorrection)).all() == []  # a plan changes freely
    svc.announce(session, principal=leader, dialogue_id=d.id)
    with pytest.raises(Invalid):
        svc.update(session, principal=leader, dialogue_id=d.id, data=dialogue_input(place="Nhà văn hóa TDP 4"))
    svc.update(session, principal=leader, dialogue_id=d.id, data=dialogue_input(place="Nhà văn hóa TDP 4"),
               reason="Hội trường đang sửa chữa")
    session.commit()
    [fix] = session.exec(select(DialogueCorrection)).all()
    assert "Hội trường UBND phường" in fix.before and fix.reason == "Hội trường đang sửa chữa"


def test_correcting_a_published_answer_keeps_what_it_said(session):
    leader = factories.principal(session, "leader")
    d = held_dialogue(session, leader)
    q = svc.add_question(session, principal=leader, dialogue_id=d.id, data=svc.QuestionInput(
        asked_by="TDP 5", content="Bao giờ lắp đèn ngõ 12?", answer="Trong quý I", answered_by="Chủ tịch UBND"))
    svc.publish(session, principal=leader, dialogue_id=d.id)
    fixed = svc.QuestionInput(asked_by="TDP 5", content="Bao giờ lắp đèn ngõ 12?", answer="Trong quý II",
                              answered_by="Chủ tịch UBND")
    with pytest.raises(Invalid):
        svc.update_question(session, principal=leader, question_id=q.id, data=fixed)
    svc.update_question(session, principal=leader, question_id=q.id, data=fixed, reason="Ghi nhầm quý trong biên bản")
    session.commit()
    assert q.answer == "Trong quý II"
    [fix] = svc.corrections(session, d.id)
    assert "Trong quý I" in fix.before and fix.entity == f"question:{q.id}"
