"""Citizen reception: the schedule and its calendar, the register's rules (groups, refusals,
accepted visits becoming cases), privacy, notices and the chairman's compliance."""

from datetime import date, datetime, time, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import select

from app.core.errors import Conflict, Forbidden, Invalid
from app.core.timeutil import LOCAL_TZ, local_date, local_today
from app.legal import rules
from app.legal.workdays import WorkCalendar
from app.models.audit import AuditEvent
from app.models.complaint import Complaint
from app.models.reception import ReceptionRule, ReceptionSession
from app.models.rules import CalendarOverride
from app.reception import compliance, identity, notices, register, schedule, sessions, visits
from tests import factories


def rule_input(**kw):
    data = {"host_name": "Nguyễn Văn Chủ tịch", "host_role": "chairman", "type": "periodic",
            "place": "Phòng tiếp công dân, UBND phường", "weekdays": [4], "start_time": "07:30",
            "end_time": "11:30", "effective_from": date(2026, 1, 1)}
    data.update(kw)
    return schedule.RuleInput.model_validate(data)


def visit_input(**kw):
    data = {"visitor_name": "Trần Thị Bình", "visitor_address": "Số 5 ngõ 2, TDP 3", "id_number": "001234567890",
            "summary": "Đề nghị xem xét việc cấp giấy chứng nhận quyền sử dụng đất", "case_kind": "petition",
            "people_count": 1, "outcome": "recorded"}
    data.update(kw)
    return visits.VisitInput.model_validate(data)


def a_session(session, principal, day=None, host_role="officer"):
    day = day or local_today()
    row = schedule.create_session(session, principal=principal, data=schedule.SessionInput(
        starts_at=datetime.combine(day, time(7, 30), LOCAL_TZ), ends_at=datetime.combine(day, time(11, 30), LOCAL_TZ),
        host_name="Lê Văn Cán bộ", host_role=host_role, type="ad_hoc", place="Phòng tiếp công dân"))
    session.commit()
    return row


# The schedule ----------------------------------------------------------------------------------

def test_a_weekly_rule_skips_holidays_and_a_workweek_rule_takes_make_up_days():
    cal = WorkCalendar({date(2026, 5, 9): True})  # a make-up Saturday
    thursday = ReceptionRule(weekdays="4", effective_from=date(2026, 1, 1))
    every_day = ReceptionRule(weekdays="1,2,3,4,5", effective_from=date(2026, 1, 1))
    assert schedule.applies_on(thursday, date(2026, 9, 3), cal) is True
    assert schedule.applies_on(thursday, date(2026, 4, 30), cal) is False  # Reunification Day, a Thursday
    assert schedule.applies_on(every_day, date(2026, 9, 2), cal) is False  # National Day
    assert schedule.applies_on(every_day, date(2026, 5, 9), cal) is True  # the make-up Saturday
    assert schedule.applies_on(thursday, date(2026, 5, 9), cal) is False
    assert schedule.applies_on(every_day, date(2026, 5, 10), cal) is False  # an ordinary Sunday
    assert schedule.applies_on(thursday, date(2025, 12, 25), cal) is False  # before the rule


def test_sync_generates_sessions_once_and_follows_a_new_day_off(session):
    admin = factories.principal(session, "admin")
    schedule.create_rule(session, principal=admin, data=rule_input())
    session.commit()
    today = local_today()
    first = session.exec(select(ReceptionSession)).all()
    assert first and all(local_date(s.starts_at).isoweekday() == 4 for s in first)
    assert all(s.starts_at.astimezone(LOCAL_TZ).time() == time(7, 30) for s in first)
    assert schedule.sync(session, today=today) == schedule.SyncResult(0, 0)
    # An extra day off on one of those Thursdays removes that untouched session.
    target = min(s.occurs_on for s in first if s.occurs_on > today)
    rules.add_override(session, principal=admin, on=target, kind="day_off", reason="Nghỉ bù theo thông báo")
    result = schedule.sync(session, today=today)
    session.commit()
    assert result.removed == 1
    assert target not in {s.occurs_on for s in session.exec(select(ReceptionSession)).all()}


def test_a_cancelled_or_moved_session_is_kept_by_sync(session):
    admin = factories.principal(session, "admin")
    schedule.create_rule(session, principal=admin, data=rule_input())
    session.commit()
    upcoming = sorted(session.exec(select(ReceptionSession)).all(), key=lambda s: s.starts_at)
    first, second = upcoming[1], upcoming[2]
    schedule.cancel_session(session, principal=admin, session_id=first.id, reason="Chủ tịch họp với thành phố")
    schedule.move_session(session, principal=admin, session_id=second.id, day=second.occurs_on + timedelta(days=1),
                          start=time(13, 30), end=time(17, 0), reason="Trùng lịch hội nghị")
    session.commit()
    schedule.sync(session)
    session.commit()
    session.refresh(first)
    session.refresh(second)
    assert first.status == "cancelled" and first.cancel_reason
    assert second.moved_from is not None and local_date(second.starts_at) == second.occurs_on + timedelta(days=1)
    with pytest.raises(Conflict):
        schedule.cancel_session(session, principal=admin, session_id=first.id, reason="Hủy lần nữa")
    with pytest.raises(Invalid):
        schedule.cancel_session(session, principal=admin, session_id=second.id, reason="")


def test_ending_a_rule_removes_its_later_untouched_sessions(session):
    admin = factories.principal(session, "admin")
    rule = schedule.create_rule(session, principal=admin, data=rule_input())
    session.commit()
    last = local_today() + timedelta(days=14)
    schedule.end_rule(session, principal=admin, rule_id=rule.id, last_day=last)
    session.commit()
    assert all(s.occurs_on <= last for s in session.exec(select(ReceptionSession)).all())


def test_rule_and_session_input_are_checked():
    with pytest.raises(ValidationError):
        rule_input(end_time="07:00")
    with pytest.raises(ValidationError):
        rule_input(weekdays=[8])
    with pytest.raises(ValidationError):
        schedule.SessionInput(starts_at="2026-12-01T08:00:00", ends_at="2026-12-01T07:00:00", host_name="An",
                              host_role="officer", place="Phòng tiếp")


def test_only_schedulers_change_the_schedule(session):
    supervisor = factories.principal(session, "supervisor")
    with pytest.raises(Forbidden):
        schedule.create_rule(session, principal=supervisor, data=rule_input())


# The register ----------------------------------------------------------------------------------

def test_group_visits_follow_the_representatives_limits():
    assert visits.max_representatives(4) == 0
    assert visits.max_representatives(5) == 2 and visits.max_representatives(10) == 2
    assert visits.max_representatives(11) == 5
    ok = visit_input(people_count=7, representatives=["Ông A", "Bà B"]).model_dump()
    assert visits.visit_problems(ok) == {}
    assert "representatives" in visits.visit_problems({**ok, "representatives": ["A", "B", "C"]})
    assert "representatives" in visits.visit_problems({**ok, "representatives": []})
    assert visits.visit_problems({**ok, "people_count": 12, "representatives": ["A", "B", "C", "D", "E"]}) == {}
    assert "representatives" in visits.visit_problems({**ok, "people_count": 2})


def test_outcomes_need_their_columns():
    base = visit_input().model_dump()
    assert set(visits.visit_problems({**base, "outcome": "refused"})) == {"refusal_reason"}
    assert set(visits.visit_problems({**base, "outcome": "refused", "refusal_reason": "other_law"})) == {"notes"}
    assert set(visits.visit_problems({**base, "outcome": "guided"})) == {"guided_to"}
    assert set(visits.visit_problems({**base, "outcome": "transferred"})) == {"transferred_to"}
    with pytest.raises(ValidationError):
        visit_input(id_number="12ab")


def test_logging_numbers_visits_and_an_accepted_visit_becomes_a_walk_in_case(session):
    clerk = factories.principal(session, "reception")
    s = a_session(session, clerk)
    v1 = visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input())
    v2 = visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input(
        case_kind="complaint", outcome="accepted", summary="Khiếu nại quyết định thu hồi đất của UBND phường"))
    session.commit()
    assert (v1.number, v2.number) == (1, 2)
    assert s.status == "held" and s.opened_at is not None
    case = session.get(Complaint, v2.complaint_id)
    assert case.channel == "walk_in" and case.kind == "complaint" and case.sender_name == "Trần Thị Bình"
    assert v2.notice_due_on is not None and v2.notice_rule.startswith("reception.notification")
    assert v1.notice_due_on is None  # merely recorded: nothing owed
    assert [v.id for v, _c in notices.pending_notices(session)] == [v2.id]


def test_a_closed_register_takes_no_visit_until_a_leader_reopens_it(session):
    clerk = factories.principal(session, "reception")
    leader = factories.principal(session, "leader")
    s = a_session(session, clerk)
    sessions.open_session(session, principal=clerk, session_id=s.id)
    sessions.close_session(session, principal=clerk, session_id=s.id)
    session.commit()
    with pytest.raises(Conflict):
        visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input())
    with pytest.raises(Forbidden):
        sessions.reopen_session(session, principal=clerk, session_id=s.id, reason="Ghi bổ sung lượt tiếp")
    sessions.reopen_session(session, principal=leader, session_id=s.id, reason="Ghi bổ sung lượt tiếp")
    assert visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input()).number == 1


def test_a_future_or_cancelled_session_takes_no_visit(session):
    clerk = factories.principal(session, "reception")
    future = a_session(session, clerk, day=local_today() + timedelta(days=3))
    with pytest.raises(Conflict):
        visits.log_visit(session, principal=clerk, session_id=future.id, data=visit_input())
    schedule.cancel_session(session, principal=clerk, session_id=future.id, reason="Mưa bão, nghỉ tiếp")
    with pytest.raises(Conflict):
        sessions.open_session(session, principal=clerk, session_id=future.id)


def test_ids_are_masked_and_a_denouncer_is_hidden_from_reception_and_supervisors(session):
    clerk = factories.principal(session, "reception")
    leader = factories.principal(session, "leader")
    supervisor = factories.principal(session, "supervisor")
    s = a_session(session, clerk)
    plain = visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input())
    secret = visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input(
        case_kind="denunciation", outcome="guided", guided_to="Công an phường",
        summary="Tố cáo cán bộ địa chính nhận tiền"))
    session.commit()
    listed = identity.shown(plain, None, clerk)
    assert listed.id_number == "••••••••7890" and listed.name == "Trần Thị Bình"
    assert visits.read_visit(session, principal=clerk, visit_id=plain.id).id_number == "001234567890"
    assert identity.shown(plain, None, supervisor).name == str(identity.REDACTED)
    assert identity.shown(secret, None, clerk).name == str(identity.REDACTED)
    with pytest.raises(Forbidden):
        visits.read_visit(session, principal=supervisor, visit_id=plain.id)
    view = visits.read_visit(session, principal=leader, visit_id=secret.id)
    session.commit()
    assert view.name == "Trần Thị Bình" and view.id_number == "001234567890"
    logged = session.exec(select(AuditEvent).where(AuditEvent.action == "reception_visit.identity_view")).all()
    assert [e.entity_id for e in logged] == [str(secret.id)] or [e.entity_id for e in logged] == [secret.id]


def test_counts_by_kind_and_outcome(session):
    clerk = factories.principal(session, "reception")
    s = a_session(session, clerk)
    visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input(people_count=7,
                                                                                 representatives=["A", "B"]))
    visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input(
        outcome="refused", refusal_reason="threatening"))
    session.commit()
    c = visits.counts_for(session, [s.id])[s.id]
    assert (c.visits, c.people) == (2, 8)
    assert c.by_kind["petition"] == 2 and c.by_outcome["refused"] == 1 and c.by_outcome["recorded"] == 1


# Compliance ------------------------------------------------------------------------------------

def test_compliance_flags_weeks_without_the_chairman(session):
    clerk = factories.principal(session, "reception")
    monday = local_today() - timedelta(days=local_today().weekday()) - timedelta(days=14)
    held = a_session(session, clerk, day=monday + timedelta(days=3), host_role="chairman")
    sessions.open_session(session, principal=clerk, session_id=held.id)
    a_session(session, clerk, day=monday + timedelta(days=7 + 3), host_role="chairman")  # scheduled, not held
    session.commit()
    report = compliance.chairman_compliance(session, year=(monday + timedelta(days=3)).year, today=local_today())
    weeks = {w.start: w for w in report.weeks}
    if monday in weeks:
        assert weeks[monday].held == 1 and not weeks[monday].missed
    if monday + timedelta(days=7) in weeks:
        assert weeks[monday + timedelta(days=7)].missed
    assert all(w.rule.code == "reception.chairman_days" for w in report.weeks)
    earlier = [w for w in report.weeks if w.start < monday]
    assert all(not w.tracked and not w.missed for w in earlier)  # before the records began
    assert (report.missed == sum(1 for w in report.weeks if w.missed)
            >= (1 if monday + timedelta(days=7) in weeks else 0))


def test_the_frequency_rule_is_versioned_within_its_unit_family(session):
    admin = factories.principal(session, "admin")
    with pytest.raises(Invalid):
        rules.add_rule_version(session, principal=admin, code="reception.chairman_days", value=2, unit="working",
                               legal_basis="Luật 136/2025/QH15", effective_from=date(2027, 1, 1))
    rules.add_rule_version(session, principal=admin, code="reception.chairman_days", value=2, unit="per_week",
                           legal_basis="Luật 136/2025/QH15", effective_from=date(2027, 1, 1))
    assert rules.get_rule(session, "reception.chairman_days", on=date(2027, 2, 1)).value == 2
    assert rules.get_rule(session, "reception.chairman_days", on=date(2026, 2, 1)).value == 1
    session.rollback()
    assert session.exec(select(CalendarOverride)).all() == []


# Corrections -----------------------------------------------------------------------------------

def test_a_correction_keeps_the_old_values_and_audits_only_the_columns(session):
    clerk = factories.principal(session, "reception")
    s = a_session(session, clerk)
    v = visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input(visitor_name="Trần Thi Bìnhh"))
    session.commit()
    visits.correct_visit(session, principal=clerk, visit_id=v.id, data=visits.VisitCorrection(
        visitor_name="Trần Thị Bình", notes="", reason="Gõ nhầm họ tên"))
    session.commit()
    assert v.visitor_name == "Trần Thị Bình"
    [fix] = visits.corrections_of(session, v.id)
    assert "Trần Thi Bìnhh" in fix.before and fix.reason == "Gõ nhầm họ tên"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "reception_visit.correct")).one()
    assert "Bình" not in (event.after or "") and "visitor_name" in (event.after or "")
    with pytest.raises(Invalid):  # nothing changes
        visits.correct_visit(session, principal=clerk, visit_id=v.id, data=visits.VisitCorrection(
            visitor_name="Trần Thị Bình", reason="Không đổi gì"))


def test_no_correction_after_closing_and_none_of_a_hidden_denouncer(session):
    clerk = factories.principal(session, "reception")
    s = a_session(session, clerk)
    secret = visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input(
        case_kind="denunciation", outcome="recorded", summary="Tố cáo cán bộ địa chính nhận tiền"))
    session.commit()
    with pytest.raises(Invalid):  # the clerk may not see the denouncer, so cannot change them
        visits.correct_visit(session, principal=clerk, visit_id=secret.id, data=visits.VisitCorrection(
            visitor_name="Người khác", reason="Thử đổi danh tính"))
    sessions.close_session(session, principal=clerk, session_id=s.id)
    with pytest.raises(Conflict):
        visits.correct_visit(session, principal=clerk, visit_id=secret.id, data=visits.VisitCorrection(
            notes="Bổ sung", reason="Ghi chú thêm"))


# Review fixes ----------------------------------------------------------------------------------

def test_lists_never_name_a_denouncer_and_each_export_of_one_is_audited(session):
    clerk = factories.principal(session, "reception")
    leader = factories.principal(session, "leader")
    s = a_session(session, clerk)
    secret = visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input(
        case_kind="denunciation", outcome="recorded", summary="Tố cáo cán bộ địa chính nhận tiền"))
    session.commit()
    assert identity.shown(secret, None, leader).name == str(identity.REDACTED)  # a list, even for a leader
    entries = register.register_entries(session, principal=leader, start=local_today(), end=local_today())
    session.commit()
    assert "Trần Thị Bình" in entries[0].name_address
    logged = session.exec(select(AuditEvent).where(AuditEvent.action == "reception_visit.identity_view")).all()
    assert len(logged) == 1 and "Bình" not in (logged[0].after or "")


def test_the_register_refuses_a_range_over_its_cap(session, monkeypatch):
    clerk = factories.principal(session, "reception")
    s = a_session(session, clerk)
    for _ in range(3):
        visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input())
    session.commit()
    monkeypatch.setattr(register, "MAX_REGISTER_ROWS", 2)
    with pytest.raises(Invalid):
        register.register_entries(session, principal=clerk, start=local_today(), end=local_today())


def test_a_rule_ended_in_the_past_leaves_no_session_ahead(session):
    admin = factories.principal(session, "admin")
    rule = schedule.create_rule(session, principal=admin, data=rule_input(
        weekdays=[1, 2, 3, 4, 5], effective_from=local_today() - timedelta(days=30)))
    session.commit()
    schedule.end_rule(session, principal=admin, rule_id=rule.id, last_day=local_today() - timedelta(days=5))
    session.commit()
    assert session.exec(select(ReceptionSession).where(ReceptionSession.occurs_on >= local_today())).all() == []


def test_a_frequency_rule_keeps_its_unit(session):
    admin = factories.principal(session, "admin")
    with pytest.raises(Invalid):
        rules.add_rule_version(session, principal=admin, code="reception.chairman_days", value=52, unit="per_year",
                               legal_basis="Luật 136/2025/QH15", effective_from=date(2027, 1, 1))


def test_an_accepted_visit_makes_a_one_line_subject_and_keeps_no_stray_refusal(session):
    clerk = factories.principal(session, "reception")
    s = a_session(session, clerk)
    text = "Đơn " + " " * 400 + "khiếu nại việc thu hồi đất"
    v = visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input(
        case_kind="complaint", outcome="accepted", summary=text, refusal_reason="threatening"))
    session.commit()
    case = session.get(Complaint, v.complaint_id)
    assert case.subject == "Đơn khiếu nại việc thu hồi đất" and v.refusal_reason == ""


def test_supervisors_see_a_case_senders_id_masked(session):
    from app.cases import privacy

    clerk = factories.principal(session, "reception")
    supervisor = factories.principal(session, "supervisor")
    s = a_session(session, clerk)
    v = visits.log_visit(session, principal=clerk, session_id=s.id, data=visit_input(
        case_kind="complaint", outcome="accepted", summary="Khiếu nại quyết định thu hồi đất"))
    session.commit()
    assert privacy.view(session, principal=supervisor, complaint_id=v.complaint_id).sender[
        "sender_id_number"] == "••••••••7890"
    assert privacy.view(session, principal=clerk, complaint_id=v.complaint_id).sender[
        "sender_id_number"] == "001234567890"


def test_owed_answers_are_counted_with_the_overdue_ones(session):
    clerk = factories.principal(session, "reception")
    long_ago = a_session(session, clerk, day=local_today() - timedelta(days=30))
    today = a_session(session, clerk)
    visits.log_visit(session, principal=clerk, session_id=long_ago.id, data=visit_input(
        outcome="guided", guided_to="Công an phường"))
    visits.log_visit(session, principal=clerk, session_id=today.id, data=visit_input(
        outcome="transferred", transferred_to="UBND thành phố"))
    v = visits.log_visit(session, principal=clerk, session_id=today.id, data=visit_input(
        outcome="guided", guided_to="Tòa án"))
    visits.mark_notified(session, principal=clerk, visit_id=v.id, on=local_today(), number="12/TB")
    session.commit()
    assert notices.notice_counts(session, local_today()) == notices.NoticeCounts(owed=2, overdue=1)
