"""Disclosure rules: lifecycle, versions, timeliness, permissions, search, pagination."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.core.errors import Conflict, Forbidden, Invalid, NotFound, UnsupportedType
from app.core.files import FileStore
from app.core.timeutil import local_today
from app.disclosures import dashboard
from app.disclosures import service as disclosure_service
from app.legal.rules import work_calendar
from app.models.audit import AuditEvent
from app.models.disclosure import Attachment, DisclosureMethod
from tests import factories


@pytest.fixture
def publisher(session):
    return factories.principal(session, "publisher")


def test_draft_is_not_public(session, publisher):
    d = factories.draft(session, publisher)
    assert d.status == "draft" and d.version == 0
    with pytest.raises(NotFound):
        disclosure_service.get(session, d.id)
    assert disclosure_service.list_public(session).items == []


def test_publish_sets_version_posting_period_and_website_method(session, publisher):
    d = factories.published(session, publisher)
    assert d.status == "published" and d.version == 1
    assert d.posted_on == local_today()
    assert d.posting_ends_on == d.posted_on + timedelta(days=30)  # rule disclosure.posting_period
    methods = session.exec(select(DisclosureMethod).where(DisclosureMethod.disclosure_id == d.id)).all()
    assert [m.method for m in methods] == ["website"]
    assert [v.version for v in disclosure_service.versions(session, d.id)] == [1]


def test_permanent_items_have_no_posting_end(session, publisher):
    d = factories.published(session, publisher, category="administrative_procedures")
    assert d.posting_ends_on is None


def test_late_flag_counts_working_days_from_issue(session, publisher):
    cal = work_calendar(session)
    today = local_today()
    # Issued long enough ago that 5 working days have passed: late.
    late = factories.published(session, publisher, issued_on=today - timedelta(days=30))
    assert late.late is True
    assert late.publish_deadline_on == cal.add_working_days(today - timedelta(days=30), 5)
    assert late.deadline_rule == "disclosure.publish_deadline v1"
    on_time = factories.published(session, publisher, issued_on=today)
    assert on_time.late is False


def test_amending_a_published_disclosure_keeps_the_old_version(session, publisher):
    d = factories.published(session, publisher, title="Dự toán ngân sách 2026")
    data = factories.disclosure_input(title="Dự toán ngân sách 2026 (điều chỉnh)")
    disclosure_service.update(session, principal=publisher, disclosure_id=d.id, data=data,
                              change_note="Điều chỉnh số liệu")
    session.commit()
    assert d.version == 2 and d.title.endswith("(điều chỉnh)")
    v1 = disclosure_service.get_version(session, d.id, 1)
    assert v1.title == "Dự toán ngân sách 2026"
    assert disclosure_service.get_version(session, d.id, 2).change_note == "Điều chỉnh số liệu"


def test_amendment_without_change_is_refused(session, publisher):
    d = factories.published(session, publisher)
    with pytest.raises(Invalid):
        disclosure_service.update(session, principal=publisher, disclosure_id=d.id, data=factories.disclosure_input())


def test_editing_a_draft_does_not_make_versions(session, publisher):
    d = factories.draft(session, publisher)
    disclosure_service.update(session, principal=publisher, disclosure_id=d.id,
                              data=factories.disclosure_input(title="Tiêu đề mới"))
    assert d.version == 0 and disclosure_service.versions(session, d.id) == []


def test_withdraw_needs_a_reason_and_keeps_the_text(session, publisher):
    d = factories.published(session, publisher)
    with pytest.raises(Invalid):
        disclosure_service.withdraw(session, principal=publisher, disclosure_id=d.id, reason="  ")
    disclosure_service.withdraw(session, principal=publisher, disclosure_id=d.id, reason="Văn bản bị thay thế")
    session.commit()
    shown = disclosure_service.get(session, d.id)
    assert shown.status == "withdrawn" and shown.body and shown.withdrawal_reason == "Văn bản bị thay thế"
    assert [x.id for x in disclosure_service.list_public(session).items] == [d.id]
    with pytest.raises(Conflict):
        disclosure_service.update(session, principal=publisher, disclosure_id=d.id,
                                  data=factories.disclosure_input(title="Khác"))
    with pytest.raises(Conflict):
        disclosure_service.withdraw(session, principal=publisher, disclosure_id=d.id, reason="Lần nữa")


def test_invalid_transitions_are_conflicts(session, publisher):
    d = factories.published(session, publisher)
    with pytest.raises(Conflict):
        disclosure_service.publish(session, principal=publisher, disclosure_id=d.id)
    draft = factories.draft(session, publisher)
    with pytest.raises(Conflict):
        disclosure_service.withdraw(session, principal=publisher, disclosure_id=draft.id, reason="Không hợp lệ")


@pytest.mark.parametrize("role", ["officer", "reception", "supervisor"])
def test_only_publisher_leader_admin_publish(session, publisher, role):
    d = factories.draft(session, publisher)
    other = factories.principal(session, role)
    with pytest.raises(Forbidden):
        disclosure_service.publish(session, principal=other, disclosure_id=d.id)


@pytest.mark.parametrize("role", ["publisher", "leader", "admin"])
def test_publishers_can_publish(session, publisher, role):
    d = factories.draft(session, publisher)
    disclosure_service.publish(session, principal=factories.principal(session, role), disclosure_id=d.id)


@pytest.mark.parametrize("role", ["reception", "supervisor"])
def test_readers_cannot_write(session, role):
    with pytest.raises(Forbidden):
        disclosure_service.create_draft(session, principal=factories.principal(session, role),
                                        data=factories.disclosure_input())


def test_officer_can_draft_but_not_amend_published(session, publisher):
    officer = factories.principal(session, "officer")
    d = factories.draft(session, officer)
    disclosure_service.update(session, principal=officer, disclosure_id=d.id,
                              data=factories.disclosure_input(title="Sửa nháp"))
    disclosure_service.publish(session, principal=publisher, disclosure_id=d.id)
    with pytest.raises(Forbidden):
        disclosure_service.update(session, principal=officer, disclosure_id=d.id,
                                  data=factories.disclosure_input(title="Sửa"))


def test_every_change_is_audited_in_the_same_transaction(session, publisher):
    d = factories.published(session, publisher)
    actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity_type == "disclosure",
                                                                       AuditEvent.entity_id == str(d.id)))]
    assert actions == ["disclosure.create", "disclosure.publish"]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "disclosure.create")).one()
    assert event.actor == f"user:{publisher.user.username}" and "Dự toán" in event.after


def test_a_failed_change_leaves_no_audit_row(session, publisher):
    before = len(session.exec(select(AuditEvent)).all())
    with pytest.raises(Invalid):
        disclosure_service.withdraw(session, principal=publisher, disclosure_id=1, reason="")
    session.rollback()
    assert len(session.exec(select(AuditEvent)).all()) == before


@pytest.mark.parametrize("query", ["tiep cong dan", "TIẾP CÔNG DÂN", "Tiếp công", "tiep"])
def test_search_ignores_diacritics_and_case(session, publisher, query):
    hit = factories.published(session, publisher, title="Lịch tiếp công dân tháng 12", body="", summary="")
    factories.published(session, publisher, title="Dự toán ngân sách", body="", summary="")
    assert [d.id for d in disclosure_service.list_public(session, q=query).items] == [hit.id]


def test_search_folds_d_with_stroke_and_finds_body_and_number(session, publisher):
    land = factories.published(session, publisher, title="Phương án bồi thường", body="Thu hồi đất đai tại tổ 5",
                               document_number="236/QĐ-UBND")
    assert [d.id for d in disclosure_service.list_public(session, q="dat dai").items] == [land.id]
    assert [d.id for d in disclosure_service.list_public(session, q="Đất Đai").items] == [land.id]
    assert [d.id for d in disclosure_service.list_public(session, q="236/QD-UBND").items] == [land.id]
    assert disclosure_service.list_public(session, q="khong co gi").items == []


def test_search_sees_amended_text_not_the_old(session, publisher):
    d = factories.published(session, publisher, title="Thông báo cũ", body="", summary="")
    disclosure_service.update(session, principal=publisher, disclosure_id=d.id,
               data=factories.disclosure_input(title="Thông báo mới", body="", summary=""))
    session.commit()
    assert (disclosure_service.list_public(session, q="moi").items
            and not disclosure_service.list_public(session, q="cu").items)


def test_search_with_fts_syntax_characters_is_safe(session, publisher):
    factories.published(session, publisher)
    for q in ['"', "a OR b", "NEAR(", "*", "-x", "'; DROP TABLE disclosure; --", "%_"]:
        disclosure_service.list_public(session, q=q)


def test_filters_by_category_and_year(session, publisher):
    a = factories.published(session, publisher, category="budget", fiscal_year=2025)
    b = factories.published(session, publisher, category="fees_charges", fiscal_year=2026)
    assert [d.id for d in disclosure_service.list_public(session, category="budget").items] == [a.id]
    assert [d.id for d in disclosure_service.list_public(session, year=2026).items] == [b.id]
    assert disclosure_service.available_years(session) == [2026, 2025]


def test_fiscal_year_defaults_to_issue_year(session, publisher):
    d = factories.draft(session, publisher, issued_on=date(2025, 3, 1))
    assert d.fiscal_year == 2025


def test_keyset_pagination_walks_every_row_once(session, publisher):
    ids = [factories.published(session, publisher, title=f"Văn bản số {i}").id for i in range(7)]
    seen, cursor = [], None
    while True:
        page = disclosure_service.list_public(session, limit=3, cursor=cursor)
        seen += [d.id for d in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == list(reversed(ids))


def test_bad_cursor_is_invalid(session):
    with pytest.raises(Invalid):
        disclosure_service.list_public(session, cursor="not-a-cursor")


def test_method_recording_rules(session, publisher):
    d = factories.published(session, publisher, issued_on=local_today() - timedelta(days=3))
    disclosure_service.record_method(session, principal=publisher, disclosure_id=d.id, method="loudspeaker",
                                     used_on=local_today())
    with pytest.raises(Invalid):
        disclosure_service.record_method(session, principal=publisher, disclosure_id=d.id, method="carrier-pigeon",
                          used_on=local_today())
    with pytest.raises(Invalid):
        disclosure_service.record_method(session, principal=publisher, disclosure_id=d.id, method="posting",
                          used_on=local_today() + timedelta(days=1))
    with pytest.raises(Invalid):
        disclosure_service.record_method(session, principal=publisher, disclosure_id=d.id, method="posting",
                          used_on=local_today() - timedelta(days=30))
    assert [m.method for m in disclosure_service.methods(session, [d.id])[d.id]] == ["website", "loudspeaker"]


def test_posting_ending_soon(session, publisher):
    d = factories.published(session, publisher)
    d.posting_ends_on = local_today() + timedelta(days=2)
    far = factories.published(session, publisher)
    session.flush()
    soon = dashboard.posting_ending_soon(session)
    assert [x.id for x in soon] == [d.id] and far.id not in [x.id for x in soon]


def test_attachment_stored_by_hash(session, publisher, files_dir):
    import hashlib

    d = factories.draft(session, publisher)
    data = factories.pdf_bytes()
    [att] = disclosure_service.add_attachments(session, principal=publisher, disclosure_id=d.id,
                                               uploads=[disclosure_service.Upload(data, "../../etc/Dự toán.exe")],
                                               store=FileStore(files_dir, 10**6))
    assert att.sha256 == hashlib.sha256(data).hexdigest()
    assert att.filename == "Dự toán.pdf" and att.content_type == "application/pdf"
    assert (files_dir / att.sha256[:2] / att.sha256[2:4] / att.sha256).read_bytes() == data


def test_one_bad_file_refuses_the_whole_change_and_writes_nothing(session, publisher, files_dir):
    good, bad = (disclosure_service.Upload(factories.pdf_bytes(), "tot.pdf"),
                 disclosure_service.Upload(b"MZ\x90\x00", "xau.pdf"))
    with pytest.raises(UnsupportedType, match="xau.pdf"):
        disclosure_service.create_draft(session, principal=publisher, data=factories.disclosure_input(),
                                        uploads=[good, bad], store=FileStore(files_dir, 10**6))
    session.rollback()
    assert not any(p.is_file() for p in files_dir.rglob("*"))
    assert session.exec(select(Attachment)).all() == []


def test_adding_files_to_a_published_disclosure_is_a_new_version(session, publisher, files_dir):
    d = factories.published(session, publisher)
    disclosure_service.add_attachments(session, principal=publisher, disclosure_id=d.id,
                                       store=FileStore(files_dir, 10**6),
                                       uploads=[disclosure_service.Upload(factories.pdf_bytes("a"), "a.pdf"),
                                                disclosure_service.Upload(factories.pdf_bytes("b"), "b.pdf")])
    session.commit()
    assert d.version == 2 and [v.version for v in disclosure_service.versions(session, d.id)] == [2, 1]
    assert disclosure_service.attachments(session, [d.id], as_of_version=1)[d.id] == []
    assert len(disclosure_service.attachments(session, [d.id], as_of_version=2)[d.id]) == 2


def test_amendment_with_files_is_one_version(session, publisher, files_dir):
    d = factories.published(session, publisher)
    disclosure_service.update(session, principal=publisher, disclosure_id=d.id,
                              data=factories.disclosure_input(title="Đã sửa"),
                              uploads=[disclosure_service.Upload(factories.pdf_bytes(), "c.pdf")],
                              store=FileStore(files_dir, 10**6))
    session.commit()
    assert d.version == 2 and disclosure_service.attachments(session, [d.id])[d.id][0].version == 2


@pytest.mark.parametrize("field", ["issued_on", "effective_on", "posted_on", "posting_ends_on"])
def test_implausible_dates_are_refused(field):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="date_out_of_range"):
        factories.disclosure_input(**{field: date(9999, 12, 30)})
