"""The audit chain detects edited, inserted and deleted rows (by tampering with the database)."""

from sqlalchemy import text

from app.accounts import audit
from app.accounts.audit import Actor
from tests import factories

KEY = "test-secret-key"  # the SECRET_KEY of the test settings


def _events(session, n=5):
    for i in range(n):
        audit.record(session, actor=Actor("user:test", client_addr="10.0.0.1"), action="test.event",
                     entity_type="thing", entity_id=i, before={"n": i}, after={"n": i + 1, "tên": "Hà Nội"})
    session.commit()


def test_untouched_chain_verifies(session):
    _events(session)
    report = audit.verify(session, key=KEY)
    assert report.ok and report.checked == 5


def test_edited_row_is_reported(session):
    _events(session)
    session.execute(text("UPDATE audit_event SET after = :a WHERE seq = 3"), {"a": '{"n": 999}'})
    session.commit()
    report = audit.verify(session, key=KEY)
    assert not report.ok
    assert any("seq 3" in p and "edited" in p for p in report.problems)


def test_deleted_row_is_reported(session):
    _events(session)
    session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    session.commit()
    report = audit.verify(session, key=KEY)
    assert any("missing" in p for p in report.problems)
    assert any("chain broken" in p for p in report.problems)


def test_inserted_row_is_reported(session):
    _events(session)
    # Forge a row between 2 and 3 with a hash that is correct for its own content.
    session.execute(text("UPDATE audit_event SET seq = seq + 100 WHERE seq >= 3"))
    session.commit()
    forged = audit.record(session, actor=Actor("user:mallory"), action="test.forged", entity_type="thing")
    session.execute(text("UPDATE audit_event SET seq = 3 WHERE id = :id"), {"id": forged.id})
    session.execute(text("UPDATE audit_event SET seq = seq - 99 WHERE seq >= 103"))
    session.commit()
    report = audit.verify(session, key=KEY)
    assert not report.ok


def test_client_address_and_actor_are_kept(session):
    user = factories.user(session, role="admin")
    row = session.execute(text("SELECT actor, action FROM audit_event ORDER BY seq DESC LIMIT 1")).one()
    assert row.action == "user.create" and row.actor == "test"
    assert user.password_hash not in str(session.execute(text("SELECT after FROM audit_event")).all())


def test_a_recomputed_chain_fails_without_the_key(session):
    """Someone with only database access edits a row and recomputes every hash with a guessed key."""
    _events(session)
    session.execute(text("UPDATE audit_event SET actor = 'user:mallory' WHERE seq = 2"))
    session.commit()
    from sqlmodel import select

    from app.models.audit import AuditEvent

    prev = audit.GENESIS
    for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq)).all():
        e.prev_hash = prev
        e.hash = audit._row_hash(e, "a-guessed-key")
        prev = e.hash
    session.commit()
    report = audit.verify(session, key=KEY)
    assert not report.ok and len(report.problems) == 5
    assert audit.verify(session, key="a-guessed-key").ok  # consistent only under the wrong key
