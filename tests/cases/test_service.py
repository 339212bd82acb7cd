"""Cases: intake rules, tracking codes, the workflow, deadlines and confidentiality."""

import math
import re
from datetime import date

import pytest
from pydantic import ValidationError
from sqlmodel import select

from app.cases import codes, intake, privacy, queries, rating, split, views, workflow
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.timeutil import local_today
from app.models.audit import AuditEvent
from app.models.complaint import ComplaintPause
from tests import factories
from tests.cases.helpers import CITIZEN, act, case_input, filed


def test_tracking_codes_are_long_random_and_readable():
    made = {codes.new_tracking_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(len(c) == 13 and set(c) <= set(codes.CODE_ALPHABET) for c in made)
    assert not set("01OILUV") & set(codes.CODE_ALPHABET)
    assert codes.CODE_LENGTH * math.log2(len(codes.CODE_ALPHABET)) >= 60
    assert codes.normalise_code(" abcd-efgh ") == "ABCDEFGH"


@pytest.mark.parametrize("kw,error", [
    ({"kind": "denunciation", "anonymous": True}, "anonymous_not_allowed"),
    ({"sender_name": ""}, "sender_name_required"),
    ({"kind": "complaint", "sender_address": ""}, "sender_address_required"),
    ({"sender_email": "khong-phai-email"}, "email_invalid"),
    ({"sender_id_number": "12345"}, "id_number_invalid"),
    ({"subject": "x"}, "string_too_short"),
    ({"latitude": 200}, "less_than_equal"),
])
def test_intake_rules(kw, error):
    with pytest.raises(ValidationError, match=error):
        case_input(**kw)


def test_anonymous_feedback_keeps_no_identity(session):
    case = filed(session, anonymous=True)
    assert case.anonymous and case.sender_name == "" and case.sender_email == ""


def test_filing_makes_a_public_first_step_and_a_due_date(session):
    case = filed(session)
    assert case.status == "received" and case.received_on == local_today()
    [event] = queries.timeline(session, case, public_only=True)
    assert event.to_status == "received"
    assert case.due_on is not None and case.due_on > case.received_on


def test_only_staff_enter_letters_for_walk_in_senders(session):
    with pytest.raises(Forbidden):
        intake.file_case(session, data=case_input(), channel="walk_in", actor=CITIZEN)
    reception = factories.principal(session, "reception")
    case = intake.file_case(session, data=case_input(), channel="walk_in", actor=reception.actor, principal=reception)
    assert case.channel == "walk_in"


def test_the_audit_log_never_holds_the_sender(session):
    filed(session, kind="denunciation", sender_name="Trần Bí Mật")
    assert "Trần Bí Mật" not in str([(e.before, e.after) for e in session.exec(select(AuditEvent))])


def test_full_workflow_for_a_complaint(session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session, kind="complaint")
    act(session, officer, case, "classify", complex=True)
    act(session, leader, case, "accept")
    assert case.accepted_on == local_today()
    resolution = [d for d in queries.deadlines(session, case) if d.stage == "resolution"][0]
    assert resolution.deadline.days == 45 and resolution.deadline.rule.variant == "complex"
    act(session, leader, case, "assign", assignee_id=officer.user.id, department="Địa chính")
    act(session, officer, case, "start")
    act(session, leader, case, "resolve", decision_number="15/QĐ-UBND", decided_on=local_today(),
        result="Chấp nhận một phần", public_summary="Đã sửa chữa đèn chiếu sáng.")
    # The decision is then owed to the complainant within 3 working days (Art. 32 Law 02/2011).
    [delivery] = [d for d in queries.deadlines(session, case) if d.stage == "decision_delivery"]
    assert not delivery.met and case.due_on == delivery.due_on and delivery.deadline.rule.value == 3
    act(session, officer, case, "send_decision", done_on=local_today())
    act(session, officer, case, "close")
    assert case.status == "closed" and case.resolved_on == local_today() and case.due_on is None
    public = [e.to_status for e in queries.timeline(session, case, public_only=True)]
    # assign is internal; sending the decision is a public step that keeps the status
    assert public == ["received", "classified", "accepted", "in_progress", "resolved", "resolved", "closed"]
    assert views.public_outcome(case)["summary"] == "Đã sửa chữa đèn chiếu sáng."


def test_transition_not_allowed_from_status_is_409_and_changes_nothing(session):
    officer = factories.principal(session, "officer")
    case = filed(session)
    with pytest.raises(Conflict):
        workflow.transition(session, principal=officer, complaint_id=case.id,
                            data=workflow.TransitionInput(action="start"))
    session.rollback()
    assert case.status == "received" and len(queries.timeline(session, case, public_only=False)) == 1


@pytest.mark.parametrize("role,action", [("reception", "classify"), ("officer", "resolve"), ("supervisor", "accept"),
                                         ("publisher", "classify"), ("officer", "assign")])
def test_transition_not_for_the_role_is_403(session, role, action):
    case = filed(session)
    with pytest.raises(Forbidden):
        workflow.transition(session, principal=factories.principal(session, role), complaint_id=case.id,
                            data=workflow.TransitionInput(action=action))


def test_required_fields_and_unknown_actions(session):
    officer = factories.principal(session, "officer")
    case = filed(session)
    act(session, officer, case, "classify")
    with pytest.raises(Invalid) as exc:
        workflow.transition(session, principal=officer, complaint_id=case.id,
                            data=workflow.TransitionInput(action="transfer"))
    assert set(exc.value.fields) == {"transfer_body", "transfer_number"}
    with pytest.raises(Invalid):
        workflow.transition(session, principal=officer, complaint_id=case.id,
                            data=workflow.TransitionInput(action="teleport"))
    with pytest.raises(NotFound):
        workflow.transition(session, principal=officer, complaint_id=99999,
                            data=workflow.TransitionInput(action="classify"))


@pytest.mark.today("2026-12-03")  # a Thursday; the unpaused deadline falls on a Sunday
def test_suspension_pushes_the_resolution_deadline(session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session, kind="complaint")
    act(session, officer, case, "classify")
    act(session, leader, case, "accept")
    case.accepted_on = date(2026, 11, 13)  # as if accepted twenty days ago
    session.commit()
    [res] = [d for d in queries.deadlines(session, case) if d.stage == "resolution"]
    # 30 days from 13/11 is Sunday 13/12: the deadline moves to Monday 14/12.
    assert res.due_on == date(2026, 12, 14)
    act(session, officer, case, "start")
    act(session, leader, case, "suspend", reason="Chờ kết quả giám định")
    [res] = [d for d in queries.deadlines(session, case) if d.stage == "resolution"]
    assert res.deadline is None  # open while suspended
    pause = session.exec(select(ComplaintPause)).one()
    pause.start = date(2026, 11, 23)  # as if suspended ten days ago
    session.commit()
    act(session, leader, case, "resume")
    assert case.status == "in_progress"
    [res] = [d for d in queries.deadlines(session, case) if d.stage == "resolution"]
    # Paused 23/11 to 2/12 (resumed today): ten days do not count, so the thirtieth counted day is
    # 13/12 + 10 = Wednesday 23/12. The weekend that moved the unpaused deadline is not added on top.
    assert res.due_on == date(2026, 12, 23)


def test_denunciation_extensions_at_most_two(session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session, kind="denunciation")
    act(session, officer, case, "classify")
    act(session, leader, case, "accept")
    base = [d for d in queries.deadlines(session, case) if d.stage == "resolution"][0].due_on
    assert workflow.can_act(leader, case, "extend") and not workflow.can_act(officer, case, "extend")
    act(session, leader, case, "extend", decision_number="01/QĐ-GH")
    once = [d for d in queries.deadlines(session, case) if d.stage == "resolution"][0].due_on
    # A second extension only for an especially complex case (Decree 31/2019 Art. 3): refused
    # without the finding, nothing changed; granted with it.
    with pytest.raises(Invalid) as refused:
        workflow.transition(session, principal=leader, complaint_id=case.id, data=workflow.TransitionInput(
            action="extend", decision_number="02/QĐ-GH", decided_on=local_today()))
    assert refused.value.fields == {"especially_complex": "second_extension"}
    session.rollback()
    session.refresh(case)
    assert case.extensions == 1 and not case.especially_complex
    act(session, leader, case, "extend", decision_number="02/QĐ-GH", especially_complex=True)
    assert case.extensions == 2 and case.especially_complex
    # 30 days after the unadjusted end of the first period: tests/legal/test_deadlines.py has
    # the worked examples (this case is filed today, whatever day that is).
    assert once > base
    assert not workflow.can_act(leader, case, "extend")  # what the case page offers is what the workflow allows
    with pytest.raises(Conflict):
        workflow.transition(session, principal=leader, complaint_id=case.id,
                            data=workflow.TransitionInput(action="extend", decision_number="03/QĐ-GH"))


def test_only_denunciations_are_extended(session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session, kind="denunciation")
    act(session, officer, case, "classify", kind="petition")  # still protected, but no longer a denunciation
    act(session, leader, case, "accept")
    assert privacy.is_protected(case) and not workflow.can_act(leader, case, "extend")
    assert workflow.can_act(leader, case, "start") and not workflow.can_act(leader, case, "teleport")
    with pytest.raises(Conflict):
        workflow.transition(session, principal=leader, complaint_id=case.id,
                            data=workflow.TransitionInput(action="extend", decision_number="01/QĐ-GH"))


def test_denouncer_identity_only_for_resolver_and_handler(session):
    officer, other_officer = factories.principal(session, "officer"), factories.principal(session, "officer")
    leader, supervisor = factories.principal(session, "leader"), factories.principal(session, "supervisor")
    case = filed(session, kind="denunciation", sender_name="Lê Tố Giác", sender_id_number="001203004005")
    assert privacy.view(session, principal=leader, complaint_id=case.id).identity_visible  # unassigned: leaders
    assert not privacy.view(session, principal=officer, complaint_id=case.id).identity_visible
    act(session, officer, case, "classify")
    act(session, leader, case, "accept")
    act(session, leader, case, "assign", assignee_id=officer.user.id)
    seen = privacy.view(session, principal=officer, complaint_id=case.id)
    assert seen.identity_visible and seen.sender["sender_name"] == "Lê Tố Giác"
    for p in (other_officer, supervisor, factories.principal(session, "leader")):
        v = privacy.view(session, principal=p, complaint_id=case.id)
        assert not v.identity_visible and v.sender["sender_name"] == "[bảo mật]"
    # Administrators administer accounts, not cases: they can neither read a case nor be assigned one.
    admin = factories.principal(session, "admin")
    with pytest.raises(Forbidden):
        privacy.view(session, principal=admin, complaint_id=case.id)
    with pytest.raises(Invalid):
        act(session, leader, case, "assign", assignee_id=admin.user.id)
    session.commit()
    views = session.exec(select(AuditEvent).where(AuditEvent.action == "complaint.identity_view")).all()
    assert len(views) == 2  # the leader before assignment, then the handler


def test_identity_of_other_kinds_is_visible_to_staff_who_read_cases(session):
    case = filed(session, kind="petition")
    assert privacy.view(session, principal=factories.principal(session, "reception"),
                        complaint_id=case.id).identity_visible
    with pytest.raises(Forbidden):
        privacy.view(session, principal=factories.principal(session, "publisher"), complaint_id=case.id)


def test_tracking_lookup(session):
    case = filed(session)
    code = codes.format_code(case.tracking_code).lower()
    assert queries.by_tracking_code(session, code).id == case.id
    with pytest.raises(NotFound):
        queries.by_tracking_code(session, "AAAA-BBBB-CCCCC")


def test_rating_once_after_resolution(session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session, kind="petition")
    given = rating.RatingInput(rating=4, comment="Giải quyết nhanh")
    with pytest.raises(Conflict):
        rating.rate(session, code=case.tracking_code, data=given, actor=CITIZEN)
    for action, fields in [("classify", {}), ("accept", {}), ("start", {}),
                           ("resolve", {"decision_number": "9/TB", "decided_on": local_today(), "result": "Đồng ý",
                                        "public_summary": "Đã lắp đèn"})]:
        act(session, leader if action in ("resolve", *workflow.DECISIONS) else officer, case, action, **fields)
    assert rating.can_rate(case)
    # The tracking code alone (which staff can read) is not enough: the sender's rating key is needed.
    for wrong in ("", "ABCD-EFGH"):
        with pytest.raises(Invalid) as exc:
            rating.rate(session, code=case.tracking_code, data=given.model_copy(update={"rating_key": wrong}),
                        actor=CITIZEN)
        assert exc.value.fields == {"rating_key": "wrong"}
    key = rating.rating_key(session, case)
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}", key)
    given = given.model_copy(update={"rating_key": key.lower().replace("-", " ")})  # case and spacing are forgiven
    rating.rate(session, code=codes.format_code(case.tracking_code), data=given, actor=CITIZEN)
    session.commit()
    assert case.satisfaction == 4 and not rating.can_rate(case)
    with pytest.raises(Conflict):
        rating.rate(session, code=case.tracking_code, data=given, actor=CITIZEN)
    with pytest.raises(ValidationError):
        rating.RatingInput(rating=6)


def test_a_mixed_letter_is_split_into_linked_cases(session, files_dir):
    from app.core.files import FileStore, Upload

    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = intake.file_case(session, data=case_input(kind="complaint"), channel="web", actor=CITIZEN,
                            uploads=[Upload(factories.pdf_bytes(), "don.pdf")], store=FileStore(files_dir, 10**6))
    session.commit()
    parts = split.SplitInput(parts=[
        {"kind": "complaint", "subject": "Khiếu nại quyết định xử phạt",
         "content": "Không đồng ý với mức phạt hành chính."},
        {"kind": "denunciation", "subject": "Tố cáo cán bộ thu tiền sai",
         "content": "Cán bộ thu thêm tiền ngoài quy định."},
        {"kind": "petition", "subject": "Kiến nghị sửa đường ngõ 7", "content": "Đường ngõ 7 xuống cấp nhiều năm."},
    ])
    new = split.split(session, principal=officer, complaint_id=case.id, data=parts)
    session.commit()
    assert [c.kind for c in new] == ["denunciation", "petition"] and case.subject == "Khiếu nại quyết định xử phạt"
    assert all(c.source_id == case.id and c.sender_name == case.sender_name for c in new)
    assert all(len(queries.attachments(session, c)) == 1 for c in new)
    assert len({case.tracking_code, *(c.tracking_code for c in new)}) == 3
    assert [c.id for c in queries.parts_of(session, case)] == [c.id for c in new]
    note = queries.timeline(session, case, public_only=True)[-1].note
    assert all(codes.format_code(c.tracking_code) in note for c in new)
    act(session, officer, case, "classify")
    act(session, leader, case, "accept")
    with pytest.raises(Conflict):
        split.split(session, principal=officer, complaint_id=case.id, data=parts)


def test_anonymous_letters_cannot_be_split_into_denunciations(session):
    case = filed(session, anonymous=True)
    bad = split.SplitInput(parts=[
        {"kind": "feedback", "subject": "Phản ánh rác thải", "content": "Rác không được thu gom đúng giờ."},
        {"kind": "denunciation", "subject": "Tố cáo giấu tên", "content": "Nội dung tố cáo không ký tên."},
    ])
    with pytest.raises(Invalid):
        split.split(session, principal=factories.principal(session, "officer"), complaint_id=case.id, data=bad)
    with pytest.raises(ValidationError):
        split.SplitInput(parts=[{"kind": "feedback", "subject": "Chỉ một phần",
                                 "content": "Không đủ hai phần để tách."}])


def test_reclassifying_a_denunciation_does_not_unmask_the_sender(session):
    officer = factories.principal(session, "officer")
    case = filed(session, kind="denunciation", sender_name="Người Che Danh")
    act(session, officer, case, "classify", kind="petition")
    assert case.kind == "petition" and case.identity_protected
    assert not privacy.view(session, principal=officer, complaint_id=case.id).identity_visible


def test_parts_split_from_a_denunciation_stay_protected(session):
    officer = factories.principal(session, "officer")
    case = filed(session, kind="denunciation", sender_name="Người Tách Đơn")
    new = split.split(session, principal=officer, complaint_id=case.id, data=split.SplitInput(parts=[
        {"kind": "denunciation", "subject": "Tố cáo cán bộ thu tiền", "content": "Thu thêm tiền ngoài quy định."},
        {"kind": "petition", "subject": "Kiến nghị sửa đường ngõ 7", "content": "Đường ngõ 7 xuống cấp nhiều năm."},
    ]))
    session.commit()
    assert new[0].identity_protected
    for p in (officer, factories.principal(session, "supervisor"), factories.principal(session, "reception")):
        assert not privacy.view(session, principal=p, complaint_id=new[0].id).identity_visible


def test_a_denunciation_needs_a_leader_to_assign_its_handler(session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session, kind="denunciation")
    act(session, officer, case, "classify")
    act(session, leader, case, "accept")
    with pytest.raises(Conflict):
        workflow.transition(session, principal=officer, complaint_id=case.id,
                            data=workflow.TransitionInput(action="start"))
    session.rollback()
    for role in ("supervisor", "publisher", "reception"):
        with pytest.raises(Invalid):
            workflow.transition(session, principal=leader, complaint_id=case.id,
                                data=workflow.TransitionInput(action="assign",
                                                              assignee_id=factories.user(session, role=role).id))
        session.rollback()
    act(session, leader, case, "assign", assignee_id=officer.user.id)
    act(session, officer, case, "start")
    assert case.status == "in_progress"


def test_reopen_and_rating_need_a_resolution(session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session)
    act(session, officer, case, "classify")
    act(session, officer, case, "refuse", reason="Không đủ điều kiện")
    act(session, officer, case, "close")
    assert not rating.can_rate(case)
    with pytest.raises(Conflict):
        workflow.transition(session, principal=leader, complaint_id=case.id,
                            data=workflow.TransitionInput(action="reopen", reason="Xem lại"))


def test_walk_in_visitors_are_answered_within_ten_working_days(session):
    reception = factories.principal(session, "reception")
    case = intake.file_case(session, data=case_input(), channel="walk_in", actor=reception.actor, principal=reception)
    [note] = [d for d in queries.deadlines(session, case) if d.stage == "notification"]
    assert note.deadline.days == 10 and note.deadline.unit == "working"
    assert "Điều 28 Luật Tiếp công dân" in note.deadline.rule.legal_basis
    web = filed(session)
    assert not [d for d in queries.deadlines(session, web) if d.stage == "notification"]
