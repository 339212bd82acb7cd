"""The working calendar and Civil Code day counting, with worked examples and properties."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.legal.workdays import WorkCalendar

cal = WorkCalendar()


def test_weekends_and_holidays_are_not_working_days():
    assert not cal.is_working_day(date(2026, 11, 28))  # Saturday
    assert not cal.is_working_day(date(2026, 9, 2))  # National Day
    assert not cal.is_working_day(date(2026, 2, 17))  # Tết Bính Ngọ
    assert cal.is_working_day(date(2026, 11, 27))


def test_five_working_days_across_tet():
    # Issued Friday 13/2/2026, Tết holidays 14–22/2: the 5th working day is Friday 27/2.
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert cal.add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 27)


def test_working_days_across_national_day():
    # Issued Friday 28/8/2026. Off: 31/8 (swapped for the make-up Saturday 22/8), 1/9 and 2/9.
    # Working days counted: 3, 4, 7, 8, 9 September.
    assert not cal.is_working_day(date(2026, 8, 31))
    assert cal.is_working_day(date(2026, 8, 22))  # make-up working Saturday
    assert cal.add_working_days(date(2026, 8, 28), 5) == date(2026, 9, 9)


def test_counting_starts_the_next_day():
    assert cal.add_working_days(date(2026, 11, 16), 1) == date(2026, 11, 17)  # Mon -> Tue
    assert cal.add_calendar_days(date(2026, 11, 16), 3) == date(2026, 11, 19)


def test_calendar_deadline_on_a_weekend_moves_to_monday():
    assert cal.add_calendar_days(date(2026, 11, 25), 3) == date(2026, 11, 30)  # Sat 28 -> Mon 30


def test_official_overrides_win_over_the_package():
    extra_day_off = date(2026, 11, 27)
    make_up_saturday = date(2026, 11, 28)
    c = WorkCalendar({extra_day_off: False, make_up_saturday: True})
    assert not c.is_working_day(extra_day_off)
    assert c.is_working_day(make_up_saturday)
    assert c.add_working_days(date(2026, 11, 26), 1) == make_up_saturday


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2024, 1, 1), date(2030, 12, 31)), days=st.integers(0, 60))
def test_working_day_deadline_is_a_working_day_and_monotonic(start, days):
    due = cal.add_working_days(start, days)
    if days:
        assert cal.is_working_day(due)
        assert due > start
        assert cal.add_working_days(start, days + 1) > due
        assert cal.working_days_between(start, due) == days


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2024, 1, 1), date(2030, 12, 31)), days=st.integers(0, 90))
def test_calendar_deadline_is_a_working_day_never_earlier(start, days):
    due = cal.add_calendar_days(start, days)
    assert cal.is_working_day(due)
    assert due >= start + timedelta(days=days)
    assert cal.add_calendar_days(start, days + 1) >= due


def test_the_rule_book_picks_the_version_in_force(session):
    """The one reader of rule versions (`RuleBook`, behind get_rule too): the version in force on
    the day, the earliest before every version, and the ordinary rule where a variant is missing."""
    from datetime import date

    from app.legal import rules
    from app.legal.rules import RuleBook, get_rule
    from tests import factories

    admin = factories.principal(session, "admin")
    rules.add_rule_version(session, principal=admin, code="reception.chairman_days", value=2, unit="per_week",
                           effective_from=date(2026, 7, 1), legal_basis="Luật 136/2025/QH15")
    session.commit()
    book = RuleBook(session, {"reception.chairman_days", "complaint.resolution", "complaint.acceptance"})
    assert book.get("reception.chairman_days", date(2019, 1, 1)).value == 1  # before every version: the earliest
    assert book.get("reception.chairman_days", date(2026, 6, 30)).value == 1
    assert book.get("reception.chairman_days", date(2026, 7, 1)).value == 2
    assert book.get("reception.chairman_days", date(2026, 7, 1)) == get_rule(session, "reception.chairman_days",
                                                                             on=date(2026, 7, 1))
    assert book.get("complaint.resolution", date(2026, 7, 1), "complex").value == 45
    assert book.get("complaint.acceptance", date(2026, 7, 1), "nothing-like-this").value == 10
    assert book.find("no.such.rule", date(2026, 7, 1)) is None
