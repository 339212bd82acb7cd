"""Reporting periods: the cut-off dates of Circular 02/2021/TT-TTCP, the boundaries between
periods, custom ranges, and the refusal of periods that do not exist."""

from datetime import date, timedelta
from itertools import pairwise

import pytest

from app.core.errors import Invalid
from app.core.i18n import set_locale
from app.legal import periods


@pytest.mark.parametrize("code,start,end", [
    ("Q1", date(2025, 12, 15), date(2026, 3, 14)),
    ("Q2", date(2026, 3, 15), date(2026, 6, 14)),
    ("Q3", date(2026, 6, 15), date(2026, 9, 14)),
    ("Q4", date(2026, 9, 15), date(2026, 12, 14)),
    ("H1", date(2025, 12, 15), date(2026, 6, 14)),
    ("9M", date(2025, 12, 15), date(2026, 9, 14)),
    ("Y", date(2025, 12, 15), date(2026, 12, 14)),
])
def test_official_periods_follow_the_circulars_cut_offs(code, start, end):
    p = periods.official(2026, code)
    assert (p.year, p.code, p.start, p.end) == (2026, code, start, end)
    assert p.to_dict() == {"year": 2026, "code": code, "from": start.isoformat(), "to": end.isoformat()}


def test_the_quarters_tile_the_year_without_gap_or_overlap():
    quarters = [periods.official(2026, q) for q in periods.QUARTERS]
    year = periods.official(2026, "Y")
    assert quarters[0].start == year.start and quarters[-1].end == year.end
    for before, after in pairwise(quarters):
        assert after.start == before.end + timedelta(days=1)
    assert sum(q.days for q in quarters) == year.days == 365
    assert periods.official(2025, "Y").end + timedelta(days=1) == year.start


def test_the_day_on_each_side_of_a_boundary():
    assert periods.containing(date(2026, 3, 14)).code == "Q1"
    assert periods.containing(date(2026, 3, 15)).code == "Q2"
    # 15/12/2025 already opens reporting year 2026; 14/12/2025 closes 2025.
    assert periods.containing(date(2025, 12, 15)) == periods.official(2026, "Q1")
    assert periods.containing(date(2025, 12, 15), "Y") == periods.official(2026, "Y")
    assert periods.containing(date(2025, 12, 14), "Y") == periods.official(2025, "Y")
    assert periods.containing(date(2025, 12, 14)) == periods.official(2025, "Q4")
    assert periods.reporting_year(date(2026, 12, 31)) == 2027 and periods.reporting_year(date(2026, 1, 1)) == 2026
    assert not periods.official(2025, "Y").contains(date(2025, 12, 15))


def test_the_periods_of_a_year_and_their_labels():
    listed = periods.periods_of_year(2026)
    assert [p.code for p in listed] == ["Q1", "Q2", "Q3", "Q4", "H1", "9M", "Y"]
    set_locale("vi")
    assert [p.label for p in listed] == ["Quý I năm 2026", "Quý II năm 2026", "Quý III năm 2026", "Quý IV năm 2026",
                                         "6 tháng đầu năm 2026", "9 tháng năm 2026", "Năm 2026"]
    assert periods.custom(date(2026, 1, 1), date(2026, 1, 31)).label == "Từ ngày 01/01/2026 đến ngày 31/01/2026"


def test_codes_are_read_as_typed():
    assert periods.official(2026, " q2 ").code == "Q2" and periods.official(2026, "9m").code == "9M"


def test_a_custom_range_of_up_to_five_years():
    p = periods.custom(date(2026, 2, 1), date(2026, 2, 1))
    assert (p.code, p.year, p.days) == ("custom", 2026, 1) and not p.official
    five_years = periods.custom(date(2021, 12, 15), date(2026, 12, 14))
    assert five_years.days == 1826
    assert periods.custom(date(2024, 2, 29), date(2029, 2, 28)).end == date(2029, 2, 28)


@pytest.mark.parametrize("year,code,field", [
    (2026, "Q5", "period"), (2026, "", "period"), (2026, "custom", "period"), (2026, "quarter", "period"),
    (1999, "Q1", "year"), (2101, "Y", "year"), (True, "Y", "year"),
])
def test_unknown_periods_and_years_are_refused(year, code, field):
    with pytest.raises(Invalid) as err:
        periods.official(year, code)
    assert field in err.value.fields and err.value.message


@pytest.mark.parametrize("start,end,field,reason", [
    (date(2026, 3, 15), date(2026, 3, 14), "from", "after_to"),
    (date(2021, 12, 15), date(2026, 12, 15), "to", "too_long"),
    (date(2024, 2, 29), date(2029, 3, 1), "to", "too_long"),
    (date(1999, 12, 31), date(2000, 1, 31), "from", "out_of_range"),
    (date(2100, 12, 1), date(2101, 1, 1), "to", "out_of_range"),
    (None, date(2026, 1, 1), "from", "required"),
])
def test_bad_ranges_are_refused_with_the_field_at_fault(start, end, field, reason):
    with pytest.raises(Invalid) as err:
        periods.custom(start, end)
    assert err.value.fields[field] == reason
    assert err.value.message


def test_refusals_speak_vietnamese():
    set_locale("vi")
    with pytest.raises(Invalid, match="Kỳ báo cáo không hợp lệ"):
        periods.official(2026, "Q9")
    with pytest.raises(Invalid, match="Ngày bắt đầu phải trước ngày kết thúc"):
        periods.custom(date(2026, 2, 2), date(2026, 2, 1))
    with pytest.raises(Invalid, match="tối đa 5 năm"):
        periods.custom(date(2020, 1, 1), date(2026, 1, 1))


def test_choosing_the_period_a_request_asks_for():
    today = date(2026, 11, 27)
    assert periods.choose(today=today) == periods.official(2026, "Q4")
    assert periods.choose(code="H1", today=today) == periods.official(2026, "H1")
    assert periods.choose(code="Q1", today=date(2026, 12, 20)) == periods.official(2027, "Q1")
    assert periods.choose(year=2025, today=today) == periods.official(2025, "Y")
    assert periods.choose(year=2025, code="q3", today=today) == periods.official(2025, "Q3")
    assert periods.choose(start=date(2026, 1, 1), end=date(2026, 3, 31), today=today).code == "custom"
    assert periods.choose(code="custom", start=date(2026, 1, 1), end=date(2026, 3, 31), today=today).code == "custom"
    with pytest.raises(Invalid):
        periods.choose(code="Q1", start=date(2026, 1, 1), end=date(2026, 3, 31), today=today)
    with pytest.raises(Invalid):
        periods.choose(start=date(2026, 1, 1), today=today)
