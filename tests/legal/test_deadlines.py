"""The deadline engine over the rules table: worked examples, variants, pauses, properties."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import NotFound
from app.legal import deadlines, rules
from app.legal.workdays import DeadlineOpen, Pause, WorkCalendar
from tests import factories

cal = WorkCalendar()


def test_complaint_acceptance_is_ten_calendar_days(session):
    # Received Friday 6/2/2026; day 10 is Monday 16/2, inside Tết (14–22/2): moved to 23/2.
    d = deadlines.case_deadline(session, kind="complaint", stage="acceptance", start=date(2026, 2, 6))
    assert d.due_on == date(2026, 2, 23)
    assert (d.unit, d.days) == ("calendar", 10) and "Điều 27" in d.rule.legal_basis
    assert d.rule.label == "complaint.acceptance v1"


def test_denunciation_intake_is_seven_working_days_across_national_day(session):
    # Received Friday 28/8/2026: 31/8, 1/9 and 2/9 are days off; 7 working days end on 10/9... counted:
    # 3, 4, 7, 8, 9, 10, 11 September.
    d = deadlines.case_deadline(session, kind="denunciation", stage="processing", start=date(2026, 8, 28))
    assert d.due_on == date(2026, 9, 11) and d.unit == "working"


@pytest.mark.parametrize("extensions,due", [
    (0, date(2027, 2, 11)),  # day 30 is Sunday 7/2, in Tết (6–10/2): moved to Thursday 11/2
    (1, date(2027, 3, 9)),   # 7/2 + 30 days, the unadjusted end (not 11/2 + 30 = 13/3, moved to 15/3)
    (2, date(2027, 4, 8)),   # 9/3 + 30 days (not 14/4)
])
def test_denunciation_extensions_count_from_the_unadjusted_end(session, extensions, due):
    """Art. 30(2) Law 25/2018: each extension adds its 30 days to the unadjusted end of the
    period before; only the final last day moves to a working day. Accepted Friday 8/1/2027."""
    clock = deadlines.case_clock(session)
    d = clock.resolution("denunciation", date(2027, 1, 8), extensions=extensions)
    assert d.due_on == due
    assert d.rule.code == ("denunciation.extension" if extensions else "denunciation.resolution")


def test_every_reader_of_a_case_gets_the_same_extended_date(session):
    """The case page's stage table and the reports' judge read the same engine."""
    from app.models.complaint import CaseKind, CaseStatus, Channel
    from app.reporting.case_outcomes import CaseJudge, CaseRow

    class Case:
        kind, channel, status = CaseKind.denunciation, Channel.web, CaseStatus.in_progress
        received_on, accepted_on, resolved_on = date(2027, 1, 4), date(2027, 1, 8), None
        complex, remote, extensions = True, False, 1
        field, several_places = "other", False
        decided_on = notified_on = decision_sent_on = conclusion_published_on = None

    clock = deadlines.case_clock(session)
    [*_, resolution] = deadlines.case_deadlines(Case, (), clock)
    assert (resolution.stage, resolution.due_on) == ("resolution", date(2027, 3, 9))

    class Window:
        last_day, judged_on = date(2027, 6, 30), date(2027, 7, 1)

    row = CaseRow(Case.kind, Case.channel, Case.received_on, Case.accepted_on, None, True, False, True, 1)
    assert CaseJudge(Window, clock, {}).resolution_due(1, row) == date(2027, 3, 9)


@pytest.mark.parametrize("flags,days,variant", [
    ({}, 30, ""),
    ({"complex_case": True}, 45, "complex"),
    ({"remote": True}, 45, "remote"),
    ({"complex_case": True, "remote": True}, 60, "complex_remote"),
])
def test_complaint_resolution_variants(session, flags, days, variant):
    d = deadlines.case_deadline(session, kind="complaint", stage="resolution", start=date(2026, 3, 2), **flags)
    assert d.days == days and d.rule.variant == variant
    assert d.due_on == cal.add_calendar_days(date(2026, 3, 2), days)


def test_a_variant_without_its_own_rule_uses_the_ordinary_one(session):
    d = deadlines.case_deadline(session, kind="denunciation", stage="resolution", start=date(2026, 3, 2),
                                complex_case=True)
    assert d.days == 30 and d.rule.variant == ""


def test_unknown_stage_for_a_kind(session):
    with pytest.raises(NotFound):
        deadlines.case_deadline(session, kind="petition", stage="resolution", start=date(2026, 3, 2))


def test_suspension_does_not_count(session):
    start = date(2026, 3, 2)
    plain = deadlines.case_deadline(session, kind="complaint", stage="resolution", start=start)
    paused = deadlines.case_deadline(session, kind="complaint", stage="resolution", start=start,
                                     pauses=(Pause(date(2026, 3, 10), date(2026, 3, 19)),))
    assert paused.due_on == cal.add_calendar_days(start + timedelta(days=10), 30)
    assert paused.due_on > plain.due_on
    with pytest.raises(DeadlineOpen):
        deadlines.case_deadline(session, kind="complaint", stage="resolution", start=start,
                                pauses=(Pause(date(2026, 3, 10)),))


def test_rule_versions_apply_by_start_date(session):
    admin = factories.principal(session, "admin")
    rules.add_rule_version(session, principal=admin, code="complaint.acceptance", value=10, unit="working",
                           legal_basis="Văn bản sửa đổi (giả định)", effective_from=date(2027, 1, 1))
    before = deadlines.case_deadline(session, kind="complaint", stage="acceptance", start=date(2026, 12, 1))
    after = deadlines.case_deadline(session, kind="complaint", stage="acceptance", start=date(2027, 3, 1))
    assert (before.unit, before.rule.version) == ("calendar", 1)
    assert (after.unit, after.rule.version) == ("working", 2)


def test_official_override_moves_a_case_deadline(session):
    start = date(2026, 11, 16)
    base = deadlines.case_deadline(session, kind="feedback", stage="transfer", start=start)
    admin = factories.principal(session, "admin")
    rules.add_override(session, principal=admin, on=date(2026, 11, 18), kind="day_off", reason="Nghỉ bù (thử)")
    moved = deadlines.case_deadline(session, kind="feedback", stage="transfer", start=start)
    assert moved.due_on == cal.add_working_days(base.due_on, 1)


pauses = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 20)).map(
        lambda t: Pause(date(2026, 1, 1) + timedelta(days=t[0]), date(2026, 1, 1) + timedelta(days=t[0] + t[1]))),
    max_size=3,
).map(tuple)


@settings(max_examples=150, deadline=None)
@given(start=st.dates(date(2025, 12, 1), date(2026, 3, 1)), days=st.integers(0, 45),
       unit=st.sampled_from(["calendar", "working"]), pauses=pauses)
def test_pauses_never_shorten_and_never_land_on_a_day_off(start, days, unit, pauses):
    plain = cal.add(start, days, unit)
    paused = cal.add(start, days, unit, pauses)
    assert paused >= plain
    assert cal.is_working_day(paused) or (days == 0 and unit == "working")
    assert not any(p.covers(paused) for p in pauses) or (days == 0 and unit == "working")
