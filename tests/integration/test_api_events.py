"""The change feed: every public change once, in commit order, resumable by cursor; case changes
only for readers of cases, and never with a sender's name or a case's subject."""

import pytest
from sqlmodel import select

from app.cases import intake, workflow
from app.core.errors import Invalid
from app.dialogues import commitments
from app.dialogues import service as dlg
from app.disclosures import service as dsvc
from app.models.event import PublicEvent
from tests import factories
from tests.cases.test_service import CITIZEN, case_input
from tests.dialogues.test_web_public import held

API = "/api/v1/events"


def test_public_changes_in_order_resumable_by_cursor(client, session):
    publisher = factories.principal(session, "publisher")
    doc = factories.published(session, publisher, title="Kế hoạch sử dụng đất năm 2027")
    dsvc.update(session, principal=publisher, disclosure_id=doc.id,
                data=factories.disclosure_input(title="Kế hoạch sử dụng đất năm 2027 (sửa đổi)"),
                change_note="Sửa diện tích")
    dsvc.withdraw(session, principal=publisher, disclosure_id=doc.id, reason="Ban hành nhầm đối tượng")
    session.commit()

    first = client.get(API, params={"limit": 2})
    assert first.status_code == 200, first.text
    body = first.json()
    assert [(e["type"], e["entity"], e["entity_id"]) for e in body["items"]] == [
        ("disclosure.published", "disclosure", doc.id), ("disclosure.amended", "disclosure", doc.id)]
    assert set(body["items"][0]) == {"id", "at", "type", "entity", "entity_id", "summary"}
    rest = client.get(API, params={"since": body["next_cursor"]}).json()
    assert [e["type"] for e in rest["items"]] == ["disclosure.withdrawn"]
    idle = client.get(API, params={"since": rest["next_cursor"]}).json()
    assert idle == {"items": [], "next_cursor": rest["next_cursor"]}  # nothing new: keep the same cursor

    leader = factories.principal(session, "leader")
    d = held(session, leader)
    dlg.publish(session, principal=leader, dialogue_id=d.id)
    session.commit()
    types = [e["type"] for e in client.get(API, params={"since": idle["next_cursor"]}).json()["items"]]
    assert types == ["dialogue.announced", "dialogue.published"]


def test_case_changes_only_for_case_readers_and_without_personal_data(client, session):
    case = intake.file_case(session, data=case_input(kind="denunciation", subject="Tố cáo ông Nguyễn Văn Bê"),
                            channel="web", actor=CITIZEN)
    officer = factories.principal(session, "officer")
    workflow.transition(session, principal=officer, complaint_id=case.id,
                        data=workflow.TransitionInput(action="classify"))
    session.commit()
    assert client.get(API).json()["items"] == []
    items = client.get(API, headers=factories.bearer(session, "complaints:read")).json()["items"]
    assert [(e["type"], e["entity_id"]) for e in items] == [("case.received", case.id), ("case.status", case.id)]
    text = str(items)
    assert "Nguyễn Văn" not in text and "Tố cáo ông" not in text and case.tracking_code not in text
    assert "Tố cáo" in items[0]["summary"]  # the kind of case, not its content
    assert client.get(API, headers=factories.bearer(session, "disclosures:write")).json()["items"] == []


def test_bad_cursors_are_problems(client):
    for since in ("abc", "-1", "1" * 13, "1 OR 1=1", "²", "①"):
        r = client.get(API, params={"since": since})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), since
    assert client.get(API, params={"limit": 0}).status_code == 422


def test_a_cursor_beyond_any_event_is_an_empty_page_on_every_database(client):
    """The documented cursor is up to 12 digits; an event id fits a 32-bit INTEGER, so a larger
    cursor has nothing after it (PostgreSQL would refuse the comparison: it must not be a 422)."""
    for since in ("2147483647", "999999999999"):
        r = client.get(API, params={"since": since})
        assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": since}, r.text


def test_events_are_written_with_their_change_or_not_at_all(session):
    """A refused change leaves no event behind (same transaction)."""
    publisher = factories.principal(session, "publisher")
    doc = factories.published(session, publisher)
    before = len(session.exec(select(PublicEvent)).all())
    with pytest.raises(Invalid):
        dsvc.withdraw(session, principal=publisher, disclosure_id=doc.id, reason="x")
    session.rollback()
    assert len(session.exec(select(PublicEvent)).all()) == before


def test_progress_of_a_commitment_not_yet_published_is_not_in_the_feed(client, session):
    leader = factories.principal(session, "leader")
    d = held(session, leader)
    c = commitments.add_commitment(session, principal=leader, dialogue_id=d.id, data=commitments.CommitmentInput(
        title="Giải tỏa quán lấn chiếm vỉa hè", owner_department="Đội trật tự", due_on=d.starts_at.date()))
    commitments.add_progress(session, principal=leader, commitment_id=c.id, data=commitments.ProgressInput(
        on=d.starts_at.date(), note="Đã vận động hộ kinh doanh", status="in_progress"))
    session.commit()
    assert "Giải tỏa" not in client.get(API).text
