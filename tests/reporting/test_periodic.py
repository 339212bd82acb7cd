"""Periodic reports against hand-counted fixtures that straddle the Q1/Q2 2026 boundary (14/3 and
15/3/2026) and the turn of the reporting year (14/12 and 15/12/2025).

Every fixture is made through the services, on its own day: `travel` makes the services believe
it is that day (their `local_today` and `utcnow`), so timelines, publication times, holding
and progress dates are what they would have been. The figures are then read as of a fixed
`TODAY`, whatever day the tests run.

Calendar facts the counts rely on (holidays package, VN): Tết 2026 is Mon 16/2 – Fri 20/2, so the
week of 16/2/2026 has no working day; 1/1/2026 is a holiday; March 2026 has none."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

import pytest
from sqlalchemy import event

from app.accounts.audit import Actor
from app.cases import intake, questions, rating, trail, workflow
from app.cases import queries as case_queries
from app.cases.rating import RatingInput, rate, rating_key
from app.core.timeutil import LOCAL_TZ
from app.dialogues import commitments
from app.dialogues import service as dialogues
from app.dialogues.commitments import CommitmentInput, ProgressInput, add_commitment, add_progress
from app.disclosures import service as disclosures
from app.legal import periods
from app.models.disclosure import Category, Method
from app.reception import schedule as reception_schedule
from app.reception import sessions, visits
from app.reporting import periodic as reports
from tests import factories
from tests.cases.helpers import decided

TODAY = date(2026, 11, 27)  # the day the reports are drawn up (Y 2026 still running)
CITIZEN = Actor("citizen", client_addr="203.0.113.9")
TRAVELLING = (intake, workflow, trail, rating, questions, sessions, visits, reception_schedule, disclosures,
              dialogues, commitments)

Q1, Q2 = periods.official(2026, "Q1"), periods.official(2026, "Q2")
Y25, Y26 = periods.official(2025, "Y"), periods.official(2026, "Y")


@pytest.fixture
def travel(monkeypatch):
    """`travel(day, hour, minute)`: from now on the services think it is that local time."""

    def _travel(day: date, hour: int = 10, minute: int = 0) -> None:
        now = datetime.combine(day, time(hour, minute), LOCAL_TZ).astimezone(UTC)
        for module in TRAVELLING:
            if hasattr(module, "local_today"):
                monkeypatch.setattr(module, "local_today", lambda: day)
            if hasattr(module, "utcnow"):
                monkeypatch.setattr(module, "utcnow", lambda: now)

    return _travel


@pytest.fixture
def leader(session):
    """The chairman's office: may take in, handle and resolve cases, keep the register, publish
    disclosures and manage dialogues."""
    return factories.principal(session, "leader")


def report(session, period, today=TODAY, region="hanoi"):
    return reports.periodic(session, period, ward="Phường Thử nghiệm", today=today, region=region)


# Cases -----------------------------------------------------------------------------------------

def _file(session, travel, leader, day, *, kind, field, channel="web"):
    travel(day)
    data = intake.CaseInput.model_validate({
        "kind": kind, "field": field, "subject": "Đơn thử nghiệm báo cáo định kỳ",
        "content": "Nội dung đơn dùng để kiểm tra số liệu báo cáo.", "sender_name": "Nguyễn Văn An",
        "sender_address": "Số 3 ngõ 12, TDP 4"})
    case = intake.file_case(session, data=data, channel=channel, actor=CITIZEN,
                            principal=None if channel == "web" else leader)
    session.commit()
    return case


def _act(session, travel, leader, case, day, action, **fields):
    travel(day)
    workflow.transition(session, principal=leader, complaint_id=case.id,
                        data=workflow.TransitionInput(action=action, **decided(action, fields, day)))
    session.commit()


def _accept(session, travel, leader, case, day):
    for action in ("classify", "accept", "start"):
        _act(session, travel, leader, case, day, action)


def _resolve(session, travel, leader, case, day):
    _act(session, travel, leader, case, day, "resolve", decision_number="01/QĐ-UBND", decided_on=day,
         result="Giải quyết xong", public_summary="Đã giải quyết.")
    # The duty after the decision, done the same day (Art. 32 Law 02/2011; Art. 40 Law 25/2018).
    duty = {"complaint": "send_decision", "denunciation": "publish_conclusion"}.get(case.kind)
    if duty:
        _act(session, travel, leader, case, day, duty, done_on=day)


def _rate(session, travel, case, day, rating):
    travel(day)
    key = rating_key(session, case)
    rate(session, code=case.tracking_code, data=RatingInput(rating=rating, rating_key=key), actor=CITIZEN)
    session.commit()


@pytest.fixture
def cases(session, travel, leader):
    """Ten cases. Deadlines (rules as seeded): complaint resolution 30 calendar days from acceptance;
    feedback and petition processing 10 working days, denunciation 7, from receipt."""
    f = partial(_file, session, travel, leader)
    made = {}
    # C0: the last day of reporting year 2025; never handled (due ~26/12/2025).
    made["C0"] = f(date(2025, 12, 14), kind="feedback", field="urban_order")
    # C1: the first day of 2026; accepted 20/12 (due 19/1), resolved 10/1: on time; rated 5.
    made["C1"] = c = f(date(2025, 12, 15), kind="complaint", field="land", channel="post")
    _accept(session, travel, leader, c, date(2025, 12, 20))
    _resolve(session, travel, leader, c, date(2026, 1, 10))
    _rate(session, travel, c, date(2026, 1, 12), 5)
    # C2: accepted 12/3 (due 11/4 → Mon 13/4): open at the end of Q1; resolved 20/5: late.
    made["C2"] = c = f(date(2026, 3, 10), kind="complaint", field="land")
    _accept(session, travel, leader, c, date(2026, 3, 12))
    _resolve(session, travel, leader, c, date(2026, 5, 20))
    # C3: the last day of Q1 (a Saturday); never handled (due 27/3).
    made["C3"] = f(date(2026, 3, 14), kind="feedback", field="urban_order")
    # C4: the first day of Q2; never handled (due 27/3).
    made["C4"] = f(date(2026, 3, 15), kind="petition", field="environment", channel="phone")
    # C5: filed away (lưu đơn) three days later: finished at intake.
    made["C5"] = c = f(date(2026, 1, 2), kind="feedback", field="urban_order")
    _act(session, travel, leader, c, date(2026, 1, 5), "file", reason="Đơn không đủ điều kiện xử lý")
    # C6: a walk-in denunciation never handled: due 14/1 (7 working days).
    made["C6"] = f(date(2026, 1, 5), kind="denunciation", field="other", channel="walk_in")
    # C7: accepted 22/1 (due 21/2, a Saturday → 23/2), resolved 10/3: late; rated 3 on 11/3.
    made["C7"] = c = f(date(2026, 1, 20), kind="complaint", field="construction")
    _accept(session, travel, leader, c, date(2026, 1, 22))
    _resolve(session, travel, leader, c, date(2026, 3, 10))
    _rate(session, travel, c, date(2026, 3, 11), 3)
    # C8: accepted 3/2 (due 5/3): overdue at the end of Q1; resolved 1/4: late.
    made["C8"] = c = f(date(2026, 2, 2), kind="complaint", field="construction", channel="post")
    _accept(session, travel, leader, c, date(2026, 2, 3))
    _resolve(session, travel, leader, c, date(2026, 4, 1))
    # C9: received after Tết (due 9/3), filed away only on 20/3: overdue in intake at the end of Q1.
    made["C9"] = c = f(date(2026, 2, 23), kind="feedback", field="administrative_procedures")
    _act(session, travel, leader, c, date(2026, 3, 20), "file", reason="Đơn trùng nội dung đã xử lý")
    return made


def _zeros(enum_values, **counts):
    return {v: counts.get(v, 0) for v in enum_values}


KINDS = ("complaint", "denunciation", "petition", "feedback")
FIELDS = ("land", "construction", "environment", "urban_order", "social_policy", "administrative_procedures", "other")
CHANNELS = ("web", "walk_in", "post", "phone", "transfer", "national_portal")


def test_cases_in_q1_2026_as_they_stood_on_14_march(session, cases):
    c = report(session, Q1).cases
    # In: C1 (15/12/2025) … C3 (14/3); out: C0 (14/12/2025), C4 (15/3).
    assert c.received == 8
    assert c.by_kind == _zeros(KINDS, complaint=4, denunciation=1, feedback=3)
    assert c.by_field == _zeros(FIELDS, land=2, construction=2, urban_order=2, administrative_procedures=1, other=1)
    assert c.by_channel == _zeros(CHANNELS, web=5, post=2, walk_in=1)
    assert c.accepted == 4  # C1, C2, C7, C8
    assert (c.resolved, c.resolved_on_time, c.resolved_late) == (2, 1, 1)  # C1 on time, C7 late
    assert (c.open, c.open_overdue) == (5, 3)  # C2, C3, C6, C8, C9; overdue C6, C8, C9
    assert c.finished_at_intake == 1  # C5
    assert c.overdue == 4
    assert (c.satisfaction_count, c.satisfaction_average) == (2, 4.0)


def test_cases_in_q2_and_in_the_years(session, cases):
    q2 = report(session, Q2).cases
    assert (q2.received, q2.by_kind["petition"], q2.by_channel["phone"], q2.by_field["environment"]) == (1, 1, 1, 1)
    assert (q2.accepted, q2.resolved, q2.open, q2.open_overdue, q2.overdue) == (0, 0, 1, 1, 1)
    assert (q2.satisfaction_count, q2.satisfaction_average) == (0, None)

    y26 = report(session, Y26).cases  # still running on TODAY: judged as of TODAY
    assert y26.received == 9 and y26.by_kind == _zeros(KINDS, complaint=4, denunciation=1, petition=1, feedback=3)
    assert (y26.accepted, y26.resolved, y26.resolved_on_time, y26.resolved_late) == (4, 4, 1, 3)
    assert (y26.open, y26.open_overdue, y26.finished_at_intake, y26.overdue) == (3, 3, 2, 6)

    y25 = report(session, Y25).cases  # C1 (15/12/2025) belongs to 2026, not here
    assert y25.received == 1 and y25.by_kind == _zeros(KINDS, feedback=1)
    assert (y25.open, y25.open_overdue, y25.overdue) == (1, 0, 0)


def test_a_finished_period_reads_the_same_whenever_it_is_drawn_up(session, cases):
    assert report(session, Q1, today=date(2026, 3, 16)).cases == report(session, Q1).cases


def test_a_running_period_is_judged_as_of_today(session, cases):
    q2 = report(session, Q2, today=date(2026, 3, 20)).cases
    assert (q2.received, q2.open, q2.open_overdue) == (1, 1, 0)  # C4 is due 27/3
    assert report(session, Q2, today=date(2026, 3, 20)).as_of == date(2026, 3, 20)
    # March so far: C2 (accepted 12/3, due 13/4), C3 and C4 (due 27/3) are open, none late yet.
    march = report(session, periods.custom(date(2026, 3, 1), date(2026, 3, 31)), today=date(2026, 3, 20)).cases
    assert (march.received, march.accepted, march.open, march.open_overdue) == (3, 1, 3, 0)
    # Drawn up after March: C2 was still open on 31/3 (resolved 20/5), C3 and C4 had passed 27/3.
    march = report(session, periods.custom(date(2026, 3, 1), date(2026, 3, 31))).cases
    assert (march.resolved, march.open, march.open_overdue) == (0, 3, 2)



def test_overdue_as_of_today_agrees_with_the_inbox(session, cases):
    page = case_queries.inbox(session, case_queries.InboxFilters(overdue=True), today=TODAY, limit=100)
    in_inbox = [c for c in page.items if Y26.contains(c.received_on)]
    assert sorted(c.id for c in in_inbox) == sorted(cases[k].id for k in ("C3", "C4", "C6"))
    assert report(session, Y26).cases.open_overdue == len(in_inbox)


def test_suspensions_and_extensions_move_deadlines_as_the_case_page_does(session, travel, leader):
    """A suspended case is not overdue while suspended, and its deadline is then pushed back by the
    suspension; a denunciation's extension adds its period. The report turns each case overdue
    on the day after the due date the case page shows. (A denunciation: in early 2026 the law
    let a complaint's clock run through a suspension; test_complaint_suspension_before_july_2026.)"""
    suspended = _file(session, travel, leader, date(2026, 1, 5), kind="denunciation", field="land")
    for action, fields in (("classify", {}), ("accept", {}), ("notify", {"done_on": date(2026, 1, 6)}),
                           ("assign", {"assignee_id": leader.user.id}), ("start", {})):
        _act(session, travel, leader, suspended, date(2026, 1, 6), action, **fields)
    _act(session, travel, leader, suspended, date(2026, 1, 20), "suspend", reason="Chờ kết quả giám định")
    assert report(session, Q1).cases.open_overdue == 0  # still suspended
    _act(session, travel, leader, suspended, date(2026, 3, 20), "resume")
    assert report(session, Q1).cases.open_overdue == 0  # suspended on 14/3 too
    extended = _file(session, travel, leader, date(2026, 1, 6), kind="denunciation", field="other")
    for action, fields in (("classify", {}), ("accept", {}), ("notify", {"done_on": date(2026, 1, 7)}),
                           ("assign", {"assignee_id": leader.user.id}), ("start", {}),
                           ("extend", {"decision_number": "02/QĐ-UBND"})):
        _act(session, travel, leader, extended, date(2026, 1, 7), action, **fields)
    session.refresh(suspended)
    session.refresh(extended)
    assert suspended.due_on > date(2026, 3, 20) and extended.due_on > date(2026, 3, 1)  # pushed back
    running = periods.custom(date(2026, 1, 1), date(2026, 12, 31))
    for case in (suspended, extended):
        others_due = sum(1 for c in (suspended, extended) if c.due_on < case.due_on)
        assert report(session, running, today=case.due_on).cases.open_overdue == others_due
        assert report(session, running, today=case.due_on + timedelta(days=1)).cases.open_overdue == others_due + 1

# Reception -------------------------------------------------------------------------------------

def _session_on(session, travel, leader, day, *, host_role, at=time(7, 30), held=True):
    travel(day, 6, 0)
    starts = datetime.combine(day, at, LOCAL_TZ)
    row = reception_schedule.create_session(session, principal=leader, data=reception_schedule.SessionInput(
        starts_at=starts, ends_at=starts + timedelta(hours=3), host_name="Nguyễn Văn Chủ tịch", host_role=host_role,
        type="ad_hoc", place="Phòng tiếp công dân"))
    if held:
        travel(day, 12)
        sessions.open_session(session, principal=leader, session_id=row.id)
    session.commit()
    return row


def _visit(session, travel, leader, row, day, **kw):
    travel(day, 12)
    data = {"visitor_name": "Trần Thị Bình", "visitor_address": "Số 5 ngõ 2, TDP 3",
            "summary": "Đề nghị xem xét việc cấp giấy chứng nhận", "case_kind": "petition", "people_count": 1,
            "outcome": "recorded", **kw}
    visits.log_visit(session, principal=leader, session_id=row.id, data=visits.VisitInput.model_validate(data))
    session.commit()


@pytest.fixture
def register(session, travel, leader):
    s = partial(_session_on, session, travel, leader)
    v = partial(_visit, session, travel, leader)
    s1 = s(date(2025, 12, 18), host_role="chairman")  # Thursday of the first week of 2026's Q1
    v(s1, date(2025, 12, 18), case_kind="feedback")
    s(date(2026, 3, 5), host_role="chairman", held=False)  # scheduled, never held
    s3 = s(date(2026, 3, 12), host_role="chairman")
    v(s3, date(2026, 3, 12), case_kind="complaint", people_count=12, representatives=["A", "B", "C"])
    s4 = s(date(2026, 3, 13), host_role="officer")
    v(s4, date(2026, 3, 13))
    v(s4, date(2026, 3, 13), case_kind="complaint", people_count=7, representatives=["D", "E"], outcome="guided",
      guided_to="Tòa án nhân dân khu vực")
    v(s4, date(2026, 3, 13), case_kind="denunciation", outcome="transferred", transferred_to="Công an phường")
    # Sunday 15/3 at 06:30 local is still 14/3 in UTC: it belongs to Q2 by its local day.
    s5 = s(date(2026, 3, 15), host_role="officer", at=time(6, 30))
    v(s5, date(2026, 3, 15))
    s(date(2026, 3, 16), host_role="chairman")  # Monday of Q2's first week


def test_reception_in_q1_2026(session, register):
    r = report(session, Q1).reception
    assert (r.sessions_held, r.chairman_sessions_held) == (3, 2)
    # Weeks of 15/12/2025 … 9/3/2026 (13, by their Thursday); the Tết week has no working day.
    chairman = (r.chairman_weeks, r.chairman_days_required, r.chairman_days_held, r.chairman_weeks_missed)
    assert chairman == (13, 12, 2, 10)
    assert (r.visits, r.people, r.group_visits, r.group_people) == (5, 22, 2, 19)
    assert r.visits_by_kind == _zeros(KINDS, complaint=2, denunciation=1, petition=1, feedback=1)
    assert r.visits_by_outcome == {"accepted": 0, "guided": 1, "transferred": 1, "refused": 0, "recorded": 3}


def test_reception_in_q2_2026(session, register):
    r = report(session, Q2).reception
    assert (r.sessions_held, r.chairman_sessions_held) == (2, 1)
    # Weeks of 16/3 … 8/6/2026: 13, each with a working day (27/4–1/5 keeps Tue and Wed).
    chairman = (r.chairman_weeks, r.chairman_days_required, r.chairman_days_held, r.chairman_weeks_missed)
    assert chairman == (13, 13, 1, 12)
    assert (r.visits, r.people, r.group_visits, r.group_people) == (1, 1, 0, 0)
    assert r.visits_by_kind["petition"] == 1 and r.visits_by_outcome["recorded"] == 1


def test_reception_weeks_not_over_or_not_on_record_are_not_judged(session, register):
    r = report(session, Q2, today=date(2026, 3, 19)).reception  # the week of 16/3 is not over
    assert (r.chairman_weeks, r.chairman_days_required, r.chairman_days_held) == (0, 0, 0)
    assert r.sessions_held == 2
    before = report(session, Y25).reception  # nothing on record before 18/12/2025
    assert (before.chairman_weeks, before.chairman_days_required, before.sessions_held) == (0, 0, 0)


# Disclosures -----------------------------------------------------------------------------------

def _published(session, travel, leader, day, *, at=(10, 0), methods=(), **content):
    travel(day, 9)
    d = factories.draft(session, leader, **content)
    travel(day, *at)
    disclosures.publish(session, principal=leader, disclosure_id=d.id)
    session.commit()
    for method, used_on in methods:
        travel(used_on, 15)
        disclosures.record_method(session, principal=leader, disclosure_id=d.id, method=method, used_on=used_on)
        session.commit()
    return d


@pytest.fixture
def disclosed(session, travel, leader):
    p = partial(_published, session, travel, leader)
    # D1: issued Thu 5/3, due 12/3 (5 working days), published 10/3: on time; posted 30 days.
    p(date(2026, 3, 10), category="budget", issued_on=date(2026, 3, 5), methods=[("loudspeaker", date(2026, 3, 11))])
    # D2: issued Sun 1/3, due 6/3, published 14/3: late; posted only until 30/3 (16 days).
    p(date(2026, 3, 14), category="social_support", issued_on=date(2026, 3, 1), posted_on=date(2026, 3, 14),
      posting_ends_on=date(2026, 3, 30), methods=[("posting", date(2026, 3, 14))])
    # D3: item 13, posted permanently; issued 23/2, published 13/3: late; withdrawn later (still counted).
    d3 = p(date(2026, 3, 13), category="administrative_procedures", issued_on=date(2026, 2, 23))
    travel(date(2026, 4, 1))
    disclosures.withdraw(session, principal=leader, disclosure_id=d3.id, reason="Thủ tục đã được thay thế")
    session.commit()
    # D4: no issue date; published at 06:30 on Sunday 15/3 (14/3 in UTC): Q2.
    p(date(2026, 3, 15), at=(6, 30), category="budget")
    # D5: a draft is not disclosed.
    travel(date(2026, 3, 10))
    factories.draft(session, leader, category="public_assets", issued_on=date(2026, 3, 2))
    # D6: item 14 ("other"), no issue date, a short posting that no rule asks to last.
    p(date(2025, 12, 16), category="other", posted_on=date(2025, 12, 16), posting_ends_on=date(2025, 12, 20))


def test_disclosures_in_q1_2026(session, disclosed):
    d = report(session, Q1).disclosures
    assert (d.published, d.on_time, d.late, d.no_deadline) == (4, 1, 2, 1)
    expected = {c.value: {"item": c.item, "published": 0, "on_time": 0, "late": 0, "no_deadline": 0} for c in Category}
    expected["budget"].update(published=1, on_time=1)
    expected["social_support"].update(published=1, late=1)
    expected["administrative_procedures"].update(published=1, late=1)
    expected["other"].update(published=1, no_deadline=1)
    assert d.by_item == expected
    assert (d.by_item["budget"]["item"], d.by_item["social_support"]["item"]) == (2, 7)
    assert d.methods == {m.value: {"website": 4, "loudspeaker": 1, "posting": 1}.get(m.value, 0) for m in Method}
    assert (d.timed_postings, d.short_postings) == (2, 1)  # D1 and D2 must stay 30 days; D2 did not


def test_disclosures_in_q2_2026(session, disclosed):
    d = report(session, Q2).disclosures
    assert (d.published, d.on_time, d.late, d.no_deadline) == (1, 0, 0, 1)
    assert d.by_item["budget"]["published"] == 1 and d.methods["website"] == 1
    assert (d.timed_postings, d.short_postings) == (1, 0)


# Dialogues -------------------------------------------------------------------------------------

def _dialogue(session, travel, leader, day, *, at=(8, 0), hold=True, questions=(), commitments=()):
    """A dialogue planned and announced ten days ahead, held on `day` at `at`, with its questions
    ((asked, answered?)) and commitments ((title, due, [(on, status)])) recorded that evening."""
    travel(day - timedelta(days=10))
    d = dialogues.plan(session, principal=leader, data=dialogues.DialogueInput.model_validate({
        "title": "Đối thoại với Nhân dân về trật tự đô thị", "topics": "Vỉa hè; thu gom rác",
        "starts_at": datetime.combine(day, time(*at), LOCAL_TZ), "place": "Hội trường UBND phường",
        "chair": "Nguyễn Văn Minh"}))
    dialogues.announce(session, principal=leader, dialogue_id=d.id)
    session.commit()
    if not hold:
        return d
    travel(day, 17)
    dialogues.record_held(session, principal=leader, dialogue_id=d.id,
                          data=dialogues.HeldInput(attendance=60, minutes="Biên bản đối thoại"))
    for answered in questions:
        dialogues.add_question(session, principal=leader, dialogue_id=d.id, data=dialogues.QuestionInput(
            asked_by="TDP 3", content="Khi nào sửa đường ngõ 12?",
            answer="Trong quý này" if answered else "", answered_by="Chủ tịch UBND" if answered else ""))
    made = []
    for title, due, _steps in commitments:
        data = CommitmentInput(title=title, owner_department="Phòng Kinh tế", due_on=due)
        made.append(add_commitment(session, principal=leader, dialogue_id=d.id, data=data))
    session.commit()
    for c, (_title, _due, steps) in zip(made, commitments, strict=True):
        for on, status in steps:
            travel(on, 16)
            add_progress(session, principal=leader, commitment_id=c.id, data=ProgressInput(
                on=on, note="Cập nhật tiến độ thực hiện", status=status))
            session.commit()
    return d


@pytest.fixture
def talks(session, travel, leader):
    t = partial(_dialogue, session, travel, leader)
    # G0 (reporting year 2025): K0 done on 20/12/2025, after that year closed.
    t(date(2025, 12, 10), commitments=[("Sửa đèn ngõ 5", date(2025, 12, 31), [(date(2025, 12, 20), "done")])])
    # G1 (Q1 2026): three questions, two answered; four commitments.
    g1 = t(date(2026, 3, 10), questions=(True, True, False), commitments=[
        ("K1 nạo vét cống", date(2026, 3, 31), [(date(2026, 3, 20), "done")]),  # done after Q1
        ("K2 lắp biển báo", date(2026, 3, 12), []),  # never done: overdue from 13/3
        ("K3 trồng cây", date(2026, 6, 30), [(date(2026, 3, 13), "in_progress")]),
        ("K4 mở rộng ngõ", date(2026, 4, 30), [(date(2026, 3, 14), "dropped")]),  # dropped on Q1's last day
    ])
    travel(date(2026, 3, 16))
    dialogues.publish(session, principal=leader, dialogue_id=g1.id)
    session.commit()
    # G2: 06:30 on Sunday 15/3 (14/3 in UTC): Q2. One unanswered question; K5 done on 18/3.
    t(date(2026, 3, 15), at=(6, 30), questions=(False,),
      commitments=[("K5 dọn rác", date(2026, 3, 20), [(date(2026, 3, 18), "done")])])
    # G3: announced, never held.
    t(date(2026, 3, 12), hold=False)


def test_dialogues_in_q1_2026(session, talks):
    g = report(session, Q1).dialogues
    assert (g.held, g.held_year_to_date, g.required, g.required_per_year) == (1, 1, 2, 2)
    assert (g.questions, g.questions_answered) == (3, 2)
    # K0–K4 (dialogues held by 14/3): K0 done; K4 dropped; K1, K2, K3 open, K2 overdue.
    assert (g.commitments, g.commitments_done, g.commitments_dropped) == (5, 1, 1)
    assert (g.commitments_open, g.commitments_overdue) == (3, 1)


def test_dialogues_in_q2_and_in_the_years(session, talks):
    q2 = report(session, Q2).dialogues
    assert (q2.held, q2.held_year_to_date, q2.questions, q2.questions_answered) == (1, 2, 1, 0)
    assert (q2.commitments, q2.commitments_done, q2.commitments_dropped, q2.commitments_open) == (6, 3, 1, 2)
    assert q2.commitments_overdue == 1  # K2; K3 is due 30/6
    y26 = report(session, Y26).dialogues
    assert (y26.held, y26.required, y26.questions, y26.questions_answered) == (2, 2, 4, 2)
    assert (y26.commitments_open, y26.commitments_overdue) == (2, 2)  # K2, K3
    y25 = report(session, Y25).dialogues
    assert (y25.held, y25.held_year_to_date, y25.required, y25.questions) == (1, 1, 2, 0)
    assert (y25.commitments, y25.commitments_done, y25.commitments_open, y25.commitments_overdue) == (1, 0, 1, 0)


def test_a_custom_range_asks_for_dialogues_pro_rata(session, talks):
    assert report(session, periods.custom(date(2025, 12, 15), date(2026, 12, 14))).dialogues.required == 2
    assert report(session, periods.custom(date(2026, 3, 1), date(2026, 3, 31))).dialogues.required == 0
    assert report(session, periods.custom(date(2021, 12, 15), date(2026, 12, 14))).dialogues.required == 10
    # A ward that follows only the national law: one a year.
    assert report(session, Y26, region="").dialogues.required == 1
    march = report(session, periods.custom(date(2026, 3, 1), date(2026, 3, 31))).dialogues
    assert (march.held, march.held_year_to_date) == (2, 2)


# The whole report ------------------------------------------------------------------------------

CONTRACT_KEYS = {"ward", "period", "cases", "reception", "disclosures", "dialogues"}


def _numbers(value, path=""):
    """Every leaf of the report, with its path."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, f"{path}.{k}")
    else:
        yield path, value


def test_the_contract_shape_and_integers(session, cases, register, disclosed, talks):
    data = report(session, Q1).to_dict()
    assert set(data) == CONTRACT_KEYS
    assert data["ward"] == "Phường Thử nghiệm"
    assert data["period"] == {"year": 2026, "code": "Q1", "from": "2025-12-15", "to": "2026-03-14"}
    for path, value in _numbers({k: data[k] for k in ("cases", "reception", "disclosures", "dialogues")}):
        if path == ".cases.satisfaction_average":
            assert value == 4.0
        else:
            assert type(value) is int, path
    assert json.loads(json.dumps(data)) == data
    assert data["cases"]["received"] == 8 and data["reception"]["visits"] == 5
    assert data["disclosures"]["published"] == 4 and data["dialogues"]["held"] == 1


def test_an_empty_period_has_the_same_shape(session):
    empty = reports.periodic(session, periods.official(2030, "Q3"), ward="Phường Thử nghiệm", today=TODAY).to_dict()
    full_keys = report(session, Q1).to_dict()
    assert {k: set(v) for k, v in empty.items() if isinstance(v, dict)} == {
        k: set(v) for k, v in full_keys.items() if isinstance(v, dict)}
    assert empty["cases"]["by_kind"] == _zeros(KINDS) and empty["cases"]["satisfaction_average"] is None
    assert empty["disclosures"]["by_item"]["budget"] == {"item": 2, "published": 0, "on_time": 0, "late": 0,
                                                         "no_deadline": 0}
    assert empty["ward"]  # the configured ward's name


def test_the_number_of_queries_does_not_grow_with_the_data(session, travel, leader, cases, register, disclosed,
                                                          talks):
    engine = session.get_bind()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def queries() -> int:
        statements.clear()
        session.rollback()
        event.listen(engine, "before_cursor_execute", count)
        try:
            report(session, Y26)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    before = queries()
    for i in range(12):  # a dozen more of everything in the same year
        day = date(2026, 4, 1) + timedelta(days=i)
        case = _file(session, travel, leader, day, kind="complaint", field="land")
        _accept(session, travel, leader, case, day)
        row = _session_on(session, travel, leader, day, host_role="officer")
        _visit(session, travel, leader, row, day)
        _published(session, travel, leader, day, category="budget", issued_on=day)
        _dialogue(session, travel, leader, day + timedelta(days=20), questions=(True,),
                  commitments=[("Việc cần làm", day + timedelta(days=40), [])])
    assert report(session, Y26).cases.received == 9 + 12
    assert queries() == before

