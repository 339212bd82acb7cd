"""The one way a door shows a service's refusal beside the form (`refused_by_service`)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.core.errors import Conflict, Forbidden, Invalid
from app.core.forms import refused_by_service
from app.models.rules import CalendarOverride, OverrideKind


def _add_day(session) -> None:
    from datetime import date
    session.add(CalendarOverride(on=date(2031, 1, 2), kind=OverrideKind.day_off, reason="thử", legal_basis="thử"))
    session.flush()


def test_a_refusal_is_rolled_back_and_kept_for_the_form(session):
    with refused_by_service(session) as failed:
        _add_day(session)
        raise Invalid("Ngày không hợp lệ", fields={"on": "past", "reason": "Lý do phải nêu căn cứ pháp lý cụ thể"})
    assert failed and failed.status_code == 422 and failed.message == "Ngày không hợp lệ"
    # A short code gives the error's message; a field's own sentence is kept.
    assert failed.errors(prefix="cal_") == {"cal_on": "Ngày không hợp lệ",
                                            "cal_reason": "Lý do phải nêu căn cứ pháp lý cụ thể"}
    assert session.exec(select(CalendarOverride)).all() == [], "nothing half-done is kept"


def test_a_refusal_without_fields_goes_under_the_default(session):
    with refused_by_service(session) as failed:
        raise Conflict("Đã có")
    assert failed.errors() == {"__all__": "Đã có"} and failed.errors(default="reason") == {"reason": "Đã có"}


def test_nothing_refused(session):
    with refused_by_service(session) as failed:
        pass
    assert not failed and failed.errors() == {} and failed.status_code == 200


@pytest.mark.parametrize("error", [Forbidden("Không có quyền"), Conflict("Đã có")])
def test_other_errors_go_on_to_the_apps_handlers(session, error):
    with pytest.raises(type(error)), refused_by_service(session, shown=(422,)) as failed:
        raise error
    assert not failed
