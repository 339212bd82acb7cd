"""Rules table, calendar overrides and the audit log, through the staff pages."""

from datetime import date, timedelta

import pytest

from app.core.timeutil import local_today
from app.disclosures import service as disclosure_service
from app.legal import rules
from tests import factories


def _csrf(client):
    return factories.csrf(client, "/staff/rules")


def test_everyone_reads_rules_only_admin_changes(client, session, login):
    login("officer")
    page = client.get("/staff/rules")
    assert page.status_code == 200 and "disclosure.publish_deadline" in page.text and "Điều 12" in page.text
    r = client.post("/staff/rules", data={"code": "disclosure.publish_deadline", "value": "3", "unit": "working",
                                         "legal_basis": "Luật mới", "effective_from": "2027-01-01",
                                         "csrf_token": _csrf(client)})
    assert r.status_code == 403


def test_new_rule_version_changes_future_deadlines_only(client, session, login):
    login("admin")
    start = local_today() + timedelta(days=30)
    r = client.post("/staff/rules", data={"code": "disclosure.publish_deadline", "value": "10", "unit": "working",
                                         "legal_basis": "Luật sửa đổi (giả định cho kiểm thử)",
                                         "effective_from": start.isoformat(), "csrf_token": _csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303
    old = rules.get_rule(session, "disclosure.publish_deadline", on=start - timedelta(days=1))
    new = rules.get_rule(session, "disclosure.publish_deadline", on=start)
    assert (old.value, old.version) == (5, 1) and (new.value, new.version) == (10, 2)


@pytest.mark.parametrize("data", [
    {"value": "x"}, {"value": "-1"}, {"value": "99999"}, {"unit": "moons"}, {"legal_basis": ""},
    {"effective_from": "2020-01-01"}, {"effective_from": "ngày mai"}, {"code": "khong.co"},
])
def test_bad_rule_versions_are_refused(client, session, login, data):
    login("admin")
    form = {"code": "disclosure.publish_deadline", "value": "7", "unit": "working", "legal_basis": "Căn cứ hợp lệ",
            "effective_from": (local_today() + timedelta(days=10)).isoformat(), **data, "csrf_token": _csrf(client)}
    r = client.post("/staff/rules", data=form)
    assert r.status_code in (404, 422)
    assert rules.get_rule(session, "disclosure.publish_deadline", on=local_today() + timedelta(days=20)).version == 1


def test_calendar_override_moves_deadlines(client, session, login):
    login("admin")
    day = date(2026, 12, 1)  # a Tuesday
    r = client.post("/staff/calendar", data={"on": "01/12/2026", "kind": "day_off", "reason": "Nghỉ bù (thử)",
                                            "legal_basis": "Công văn số 1/TB", "csrf_token": _csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303
    cal = rules.work_calendar(session)
    assert not cal.is_working_day(day)
    assert cal.add_working_days(date(2026, 11, 30), 1) == date(2026, 12, 2)
    dup = client.post("/staff/calendar", data={"on": "2026-12-01", "kind": "day_off", "reason": "Lặp lại",
                                              "csrf_token": _csrf(client)})
    assert dup.status_code == 422 and "đã có" in dup.text
    override = rules.list_overrides(session, since=day)[0]
    client.post(f"/staff/calendar/{override.id}/remove", data={"csrf_token": _csrf(client)})
    session.rollback()  # end this session's read snapshot
    assert rules.work_calendar(session).is_working_day(day)


def test_audit_log_page(client, session, login):
    p = factories.principal(session)
    d = factories.published(session, p)
    disclosure_service.withdraw(session, principal=p, disclosure_id=d.id, reason="Thử thu hồi")
    session.commit()
    login("supervisor")
    page = client.get("/staff/audit", params={"entity_type": "disclosure"})
    assert page.status_code == 200 and "disclosure.withdraw" in page.text and "Thử thu hồi" in page.text
    assert "user.create" not in page.text


def test_audit_log_is_not_for_everyone(client, login):
    login("officer")
    assert client.get("/staff/audit").status_code == 403
