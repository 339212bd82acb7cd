"""Issue 13: decisions drive the clocks, and the legal deadlines that were missing. Every date
below is counted by hand (Civil Code Arts. 147–148: from the day after; a last day that is not a
working day moves to the next working day)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import time_machine
from sqlmodel import select

from app.cases import periods, queries, workflow
from app.core.errors import Forbidden, Invalid
from app.core.timeutil import LOCAL_TZ
from app.legal import deadlines
from app.legal.workdays import Pause
from app.models.complaint import ComplaintEvent, ComplaintPause
from tests import factories
from tests.cases.helpers import act, filed


def on(day: date):
    """The rest of the block happens on `day` (09:00 in Hà Nội)."""
    return time_machine.travel(datetime.combine(day, time(9), LOCAL_TZ), tick=True)


def _stage(session, case, stage):
    found = [d for d in queries.deadlines(session, case) if d.stage == stage]
    return found[0] if found else None


def _in_progress(session, kind, received_on):
    """A case classified, accepted by the leader's decision today, assigned and started; with
    the officer and the leader who handled it."""
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session, kind=kind, received_on=received_on)
    act(session, officer, case, "classify")
    act(session, leader, case, "accept")
    act(session, leader, case, "assign", assignee_id=officer.user.id)
    act(session, officer, case, "start")
    return case, officer, leader


def _refused(session, principal, case, **fields):
    with pytest.raises(Invalid) as caught:
        workflow.transition(session, principal=principal, complaint_id=case.id,
                            data=workflow.TransitionInput(**fields))
    session.rollback()
    session.refresh(case)
    return caught.value.fields


# 1. Decisions, not data entry ------------------------------------------------------------------

@pytest.mark.today("2027-03-10")
def test_acceptance_is_the_leaders_decision_and_its_date_starts_the_clock(session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session, kind="complaint", received_on=date(2027, 2, 26))
    act(session, officer, case, "classify")
    with pytest.raises(Forbidden):
        workflow.transition(session, principal=officer, complaint_id=case.id, data=workflow.TransitionInput(
            action="accept", decision_number="5/QĐ-UBND", decided_on=date(2027, 3, 1)))
    session.rollback()
    # The officer prepares it; the leader finds it among the proposals.
    act(session, officer, case, "propose", proposal="accept")
    assert case.proposed_action == "accept" and case.status == "classified"
    waiting = queries.inbox(session, queries.InboxFilters(proposed=True), today=date(2027, 3, 10))
    assert [c.id for c in waiting.items] == [case.id]
    # A decision is dated: not in the future, not before the previous step (classified today).
    assert _refused(session, leader, case, action="accept", decision_number="5/QĐ-UBND",
                    decided_on=date(2027, 3, 11)) == {"decided_on": "future"}
    assert _refused(session, leader, case, action="accept", decision_number="5/QĐ-UBND",
                    decided_on=date(2027, 3, 9)) == {"decided_on": "before_previous_step"}
    assert _refused(session, leader, case, action="accept", decided_on=date(2027, 3, 10)) == {
        "decision_number": "required"}
    act(session, leader, case, "accept", decision_number="5/QĐ-UBND", decided_on=date(2027, 3, 10))
    assert (case.accepted_on, case.acceptance_number, case.proposed_action) == (date(2027, 3, 10), "5/QĐ-UBND", "")
    # 30 calendar days from Wednesday 10/3/2027: Friday 9/4.
    assert _stage(session, case, "resolution").due_on == date(2027, 4, 9)
    step = session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                     ComplaintEvent.action == "accept")).one()
    assert (step.decision_number, step.decided_on) == ("5/QĐ-UBND", date(2027, 3, 10))


def test_a_decision_typed_in_late_counts_from_its_own_date(session):
    """Accepted by decision on Monday 1/3 but entered on Friday 12/3: the clock ran from 1/3."""
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    with on(date(2027, 2, 26)):
        case = filed(session, kind="denunciation", received_on=date(2027, 2, 24))
        act(session, officer, case, "classify")
    with on(date(2027, 3, 12)):
        act(session, leader, case, "accept", decision_number="2/QĐ-UBND", decided_on=date(2027, 3, 1))
        # 30 days from 1/3: Wednesday 31/3. The denouncer is told within 5 working days: Monday 8/3.
        assert _stage(session, case, "resolution").due_on == date(2027, 3, 31)
        notice = _stage(session, case, "acceptance_notice")
        assert notice.due_on == date(2027, 3, 8) and not notice.met and notice.overdue(date(2027, 3, 12))
        assert notice.deadline.rule.legal_basis.startswith("Khoản 3 Điều 29")
        act(session, officer, case, "notify", done_on=date(2027, 3, 5))
        assert _stage(session, case, "acceptance_notice").met and case.notified_on == date(2027, 3, 5)


def test_suspension_and_resumption_count_from_their_decisions(session):
    """A denunciation accepted by decision on Monday 1/3/2027 (due 31/3), suspended by decision on
    Monday 8/3 and resumed by decision on Thursday 18/3: 8/3–17/3 (10 days) do not count, so
    10/4, a Saturday, moves to Monday 12/4."""
    with on(date(2027, 3, 1)):
        case, officer, leader = _in_progress(session, "denunciation", date(2027, 2, 24))
    with on(date(2027, 3, 9)):  # entered the day after the decision
        act(session, leader, case, "suspend", reason="Chờ kết luận giám định", decision_number="3/QĐ",
            decided_on=date(2027, 3, 8))
        pause = session.exec(select(ComplaintPause).where(ComplaintPause.complaint_id == case.id)).one()
        assert pause.start == date(2027, 3, 8) and _stage(session, case, "resolution").deadline is None
    with on(date(2027, 3, 18)):
        act(session, leader, case, "resume", decision_number="4/QĐ", decided_on=date(2027, 3, 18))
        session.refresh(pause)
        assert pause.end == date(2027, 3, 17) and case.status == "in_progress"
        assert _stage(session, case, "resolution").due_on == date(2027, 4, 12)


@pytest.mark.today("2027-03-22")
def test_termination_ends_the_resolution_clock(session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    case = filed(session, kind="complaint", received_on=date(2027, 3, 1))
    act(session, officer, case, "classify")
    act(session, leader, case, "accept")
    act(session, officer, case, "propose", proposal="terminate")
    act(session, leader, case, "terminate", reason="Người khiếu nại rút đơn (Điều 10 Luật Khiếu nại)")
    assert case.status == "terminated" and case.proposed_action == ""
    assert _stage(session, case, "resolution").met and case.due_on is None
    act(session, officer, case, "close")
    assert case.status == "closed"


# 2. A second extension needs the especially-complex finding: tests/cases/test_service.py.
# 3. A complaint's suspension stops the clock only from 1/7/2026 -----------------------------------

@pytest.mark.parametrize("kind,start,pause,due", [
    # Accepted Monday 4/5/2026, suspended 11/5–20/5: before 1/7/2026 the law had no suspension of a
    # complaint, so the clock ran: 4/5 + 30 = Wednesday 3/6.
    ("complaint", date(2026, 5, 4), Pause(date(2026, 5, 11), date(2026, 5, 20)), date(2026, 6, 3)),
    # The same dates for a denunciation (Art. 36(2) Law 25/2018): 3/6 + 10 = Saturday 13/6 → Monday 15/6.
    ("denunciation", date(2026, 5, 4), Pause(date(2026, 5, 11), date(2026, 5, 20)), date(2026, 6, 15)),
    # A complaint accepted 1/7/2026, suspended 6/7–15/7: 31/7 + 10 = Monday 10/8.
    ("complaint", date(2026, 7, 1), Pause(date(2026, 7, 6), date(2026, 7, 15)), date(2026, 8, 10)),
])
def test_which_suspensions_stop_the_clock_is_a_rule_with_effective_dates(session, kind, start, pause, due):
    clock = deadlines.case_clock(session)
    assert clock.resolution(kind, start, pauses=(pause,)).due_on == due


def test_the_suspension_rule_is_data(session):
    from app.models.rules import LegalRule

    versions = session.exec(select(LegalRule).where(LegalRule.code == "complaint.suspension")
                            .order_by(LegalRule.effective_from)).all()
    assert [(v.value, v.effective_from, v.effective_to) for v in versions] == [
        (0, date(2012, 7, 1), date(2026, 6, 30)), (1, date(2026, 7, 1), None)]
    assert "136/2025/QH15" in versions[1].legal_basis


# 4. The missing deadlines -------------------------------------------------------------------------

@pytest.mark.today("2027-03-10")
def test_a_complaint_decision_is_sent_within_three_working_days_and_may_be_appealed(session):
    case, officer, leader = _in_progress(session, "complaint", date(2027, 2, 1))
    case.accepted_on = date(2027, 2, 3)
    session.commit()
    act(session, leader, case, "resolve", decision_number="9/QĐ-UBND", decided_on=date(2027, 3, 10),
        result="Không chấp nhận", public_summary="Giữ nguyên quyết định.")
    # Decided Wednesday 10/3: sent by Monday 15/3 (11, 12, 15 March).
    delivery = _stage(session, case, "decision_delivery")
    assert delivery.due_on == date(2027, 3, 15) and case.due_on == date(2027, 3, 15)
    assert periods.appeal_window(session, case).due_on == date(2027, 4, 9)  # from the decision: 10/3 + 30
    act(session, officer, case, "send_decision", done_on=date(2027, 3, 10))
    assert _stage(session, case, "decision_delivery").met and case.due_on is None
    # Sent 10/3: the complainant may complain again until Friday 9/4 (30 days; 45 in remote areas).
    appeal = periods.appeal_window(session, case)
    assert appeal.due_on == date(2027, 4, 9) and "Điều 33" in appeal.rule.legal_basis
    case.remote = True
    assert periods.appeal_window(session, case).due_on == date(2027, 4, 26)  # Saturday 24/4 → Monday 26/4


@pytest.mark.today("2027-03-10")
def test_a_denunciations_conclusion_is_published_within_seven_working_days_and_posted_fifteen(session):
    case, officer, leader = _in_progress(session, "denunciation", date(2027, 2, 1))
    act(session, officer, case, "notify", done_on=date(2027, 3, 10))
    act(session, leader, case, "resolve", decision_number="3/KL-UBND", decided_on=date(2027, 3, 10),
        result="Tố cáo đúng một phần", public_summary="Đã kết luận.")
    # Concluded Wednesday 10/3: published by Friday 19/3 (11, 12, 15, 16, 17, 18, 19 March).
    assert _stage(session, case, "conclusion_publication").due_on == date(2027, 3, 19)
    act(session, officer, case, "publish_conclusion", done_on=date(2027, 3, 10))
    assert periods.conclusion_posted_until(session, case) == date(2027, 3, 24)  # 15 days from 10/3


@pytest.mark.today("2027-03-10")
def test_the_complaint_limitation_warns_and_asks_why_a_late_complaint_is_accepted(session):
    officer, leader = factories.principal(session, "officer"), factories.principal(session, "leader")
    # Learned of the decision on Monday 4/1/2027: 90 days end Sunday 4/4, moved to Monday 5/4.
    on_time = filed(session, kind="complaint", received_on=date(2027, 3, 1), contested_on=date(2027, 1, 4))
    assert periods.limitation_ends(session, on_time) == date(2027, 4, 5)
    late = filed(session, kind="complaint", received_on=date(2027, 3, 1), contested_on=date(2026, 11, 2))
    assert periods.limitation_ends(session, late) == date(2027, 2, 1)  # 2/11/2026 + 90: Sunday 31/1 → Monday 1/2
    act(session, officer, late, "classify")
    assert _refused(session, leader, late, action="accept", decision_number="1/QĐ",
                    decided_on=date(2027, 3, 10)) == {"late_reason": "after_limitation"}
    act(session, leader, late, "accept", late_reason="Ốm nằm viện từ 20/11/2026 đến 15/2/2027")
    assert late.status == "accepted" and late.late_reason.startswith("Ốm")


@pytest.mark.today("2027-03-10")
def test_a_complaint_whose_verification_differs_needs_a_dialogue_first(session):
    case, officer, leader = _in_progress(session, "complaint", date(2027, 3, 1))
    decision = {"action": "resolve", "decision_number": "4/QĐ", "decided_on": date(2027, 3, 10), "result": "x",
                "public_summary": "y", "verification_differs": True}
    assert _refused(session, leader, case, **decision) == {"verification_differs": "dialogue_required"}
    act(session, officer, case, "dialogue", done_on=date(2027, 3, 10), note="Biên bản đối thoại: hai bên thống nhất")
    assert case.dialogue_held_on == date(2027, 3, 10)
    act(session, leader, case, **{k: v for k, v in decision.items() if k != "action"}, action="resolve")
    assert case.status == "resolved" and case.verification_differs


# 5. Several places; 7. feedback.transfer ----------------------------------------------------------

@pytest.mark.today("2027-03-10")
def test_several_places_gives_a_denunciation_ten_working_days(session):
    officer = factories.principal(session, "officer")
    case = filed(session, kind="denunciation", received_on=date(2027, 3, 1))
    assert _stage(session, case, "processing").due_on == date(2027, 3, 10)  # 7 working days from Monday 1/3
    act(session, officer, case, "classify", several_places=True)
    processing = _stage(session, case, "processing")
    assert processing.due_on == date(2027, 3, 15) and processing.deadline.rule.variant == "several_places"


@pytest.mark.today("2027-03-10")
@pytest.mark.parametrize("field,owes", [("administrative_procedures", True), ("land", False)])
def test_the_feedback_transfer_deadline_is_for_administrative_regulations_only(session, field, owes):
    officer = factories.principal(session, "officer")
    case = filed(session, kind="feedback", field=field, received_on=date(2027, 3, 1))
    act(session, officer, case, "classify")
    act(session, officer, case, "transfer", transfer_body="Sở Tư pháp", transfer_number="12/PC")
    transfer = _stage(session, case, "transfer")
    assert (transfer is not None) == owes
    if owes:
        assert transfer.due_on == date(2027, 3, 8) and transfer.met  # 5 working days from Monday 1/3


@pytest.mark.today("2027-03-10")
def test_the_tracking_page_shows_until_when_the_complainant_may_complain_again(client, session):
    case, officer, leader = _in_progress(session, "complaint", date(2027, 2, 1))
    act(session, leader, case, "resolve", decision_number="9/QĐ-UBND", decided_on=date(2027, 3, 10),
        result="Nội bộ", public_summary="Giữ nguyên quyết định.")
    act(session, officer, case, "send_decision", done_on=date(2027, 3, 10))
    page = client.post("/track", data={"code": case.tracking_code, "csrf_token": factories.csrf(client, "/track")})
    assert page.status_code == 200 and "khiếu nại lần hai" in page.text and "09/04/2027" in page.text
    api = client.get(f"/api/v1/complaints/track/{case.tracking_code}")
    assert api.status_code == 200 and api.json()["appeal_until"] == "2027-04-09"
