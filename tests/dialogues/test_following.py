"""Following by e-mail: confirmation first, updates to confirmed followers once each, one-click
unsubscribe, links that cannot be forged, nothing before the results are published."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.core.errors import Invalid, NotFound
from app.core.timeutil import local_today
from app.dialogues import commitments, following
from app.dialogues import service as dialogues
from app.models.outbox import OutboxMessage
from tests import factories
from tests.dialogues.test_service import dialogue_input, held_dialogue

BASE = "https://phula.example.vn"


def published_with_commitment(session):
    leader = factories.principal(session, "leader")
    d = held_dialogue(session, leader)
    c = commitments.add_commitment(session, principal=leader, dialogue_id=d.id, data=commitments.CommitmentInput(
        title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=30)))
    dialogues.publish(session, principal=leader, dialogue_id=d.id)
    session.commit()
    return leader, d, c


def step(session, leader, c, note="Đã khảo sát hiện trạng"):
    s = commitments.add_progress(session, principal=leader, commitment_id=c.id, data=commitments.ProgressInput(
        on=local_today(), note=note, status="in_progress"))
    return following.notify_progress(session, commitment=c, step=s, base_url=BASE)


def mails(session, to):
    return session.exec(select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id)).all()


def test_confirm_then_updates_then_unsubscribe(session):
    leader, d, c = published_with_commitment(session)
    f = following.follow(session, email=" An@Example.org ", base_url=BASE, commitment_id=c.id)
    session.commit()
    [confirmation] = mails(session, "an@example.org")
    assert f"{BASE}/follow/{f.id}/confirm?t=" in confirmation.body
    assert step(session, leader, c) == 0  # not confirmed yet: nothing sent
    t = confirmation.body.split("?t=")[1].split()[0]
    following.confirm(session, follow_id=f.id, given=t)
    # Following the dialogue too still gives one mail per step.
    g = following.follow(session, email="an@example.org", base_url=BASE, dialogue_id=d.id)
    following.confirm(session, follow_id=g.id, given=following.token(session, g, "confirm"))
    assert step(session, leader, c, "Đã lắp 2 đèn") == 1
    session.commit()
    update = mails(session, "an@example.org")[-1]
    assert "Đã lắp 2 đèn" in update.body and "/unsubscribe?t=" in update.body
    following.unsubscribe(session, follow_id=f.id, given=following.token(session, f, "unsubscribe"))
    following.unsubscribe(session, follow_id=g.id, given=following.token(session, g, "unsubscribe"))
    assert step(session, leader, c, "Đã lắp đủ") == 0


def test_links_cannot_be_forged_or_reused_for_another_purpose(session):
    _leader, _d, c = published_with_commitment(session)
    f = following.follow(session, email="binh@example.org", base_url=BASE, commitment_id=c.id)
    with pytest.raises(NotFound):
        following.confirm(session, follow_id=f.id, given="0" * 32)
    with pytest.raises(NotFound):
        following.confirm(session, follow_id=f.id, given=following.token(session, f, "unsubscribe"))
    with pytest.raises(NotFound):
        following.unsubscribe(session, follow_id=f.id + 1000, given=following.token(session, f, "unsubscribe"))


def test_only_published_dialogues_and_valid_addresses(session):
    leader = factories.principal(session, "leader")
    plan = dialogues.plan(session, principal=leader, data=dialogue_input())
    with pytest.raises(NotFound):
        following.follow(session, email="an@example.org", base_url=BASE, dialogue_id=plan.id)
    _l, d, _c = published_with_commitment(session)
    with pytest.raises(Invalid):
        following.follow(session, email="not-an-address", base_url=BASE, dialogue_id=d.id)


def test_coming_back_after_unsubscribing_needs_a_new_confirmation(session):
    """Anyone can type an address: re-subscribing someone who left must not mail them."""
    leader, d, c = published_with_commitment(session)
    row = following.follow(session, email="lan@example.org", base_url=BASE, commitment_id=c.id)
    following.confirm(session, follow_id=row.id, given=following.token(session, row, "confirm"))
    following.unsubscribe(session, follow_id=row.id, given=following.token(session, row, "unsubscribe"))
    following.follow(session, email="lan@example.org", base_url=BASE, commitment_id=c.id)  # a stranger
    session.commit()
    assert step(session, leader, c) == 0
    following.confirm(session, follow_id=row.id, given=following.token(session, row, "confirm"))  # the owner
    assert step(session, leader, c, note="Đã lắp 2 bóng") == 1


def test_a_commitment_is_followed_only_once_its_results_are_public(session):
    leader = factories.principal(session, "leader")
    d = held_dialogue(session, leader)
    c = commitments.add_commitment(session, principal=leader, dialogue_id=d.id, data=commitments.CommitmentInput(
        title="Bí mật chưa công bố", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=3)))
    session.commit()
    with pytest.raises(NotFound):
        following.follow(session, email="lan@example.org", base_url=BASE, commitment_id=c.id)
    assert session.exec(select(OutboxMessage)).all() == []


def test_followers_hear_of_the_results_a_moved_due_date_and_a_changed_dialogue(session):
    leader = factories.principal(session, "leader")
    d = dialogues.plan(session, principal=leader, data=dialogue_input(days_ahead=20))
    dialogues.announce(session, principal=leader, dialogue_id=d.id)
    row = following.follow(session, email="lan@example.org", base_url=BASE, dialogue_id=d.id)
    following.confirm(session, follow_id=row.id, given=following.token(session, row, "confirm"))
    dialogues.update(session, principal=leader, dialogue_id=d.id, data=dialogue_input(days_ahead=3),
                     reason="Hội trường bận ngày cũ")
    assert d.notice_days == 3  # the notice residents get for the new date
    assert following.notify_changed(session, dialogue=d, reason="Hội trường bận ngày cũ", base_url=BASE) == 1
    d.starts_at -= timedelta(days=5)  # it took place
    dialogues.record_held(session, principal=leader, dialogue_id=d.id, data=dialogues.HeldInput(
        attendance=40, minutes="Biên bản"))
    c = commitments.add_commitment(session, principal=leader, dialogue_id=d.id, data=commitments.CommitmentInput(
        title="Lắp đèn ngõ 12", owner_department="Phòng Kinh tế", due_on=local_today() + timedelta(days=30)))
    dialogues.publish(session, principal=leader, dialogue_id=d.id)
    assert following.notify_published(session, dialogue=d, base_url=BASE) == 1
    old = c.due_on
    commitments.update_commitment(session, principal=leader, commitment_id=c.id, reason="Chờ kinh phí",
                                  data=commitments.CommitmentInput(title=c.title, owner_department=c.owner_department,
                                                                   due_on=old + timedelta(days=30)))
    assert (c.first_due_on, c.due_on) == (old, old + timedelta(days=30))
    assert following.notify_due_moved(session, commitment=c, old_due=old, reason="Chờ kinh phí", base_url=BASE) == 1
    session.commit()
    subjects = [m.subject for m in mails(session, "lan@example.org")]
    assert subjects[1:] == [f"[Đối thoại] Thay đổi: {d.title}", f"[Đối thoại] Công bố kết quả: {d.title}",
                            "[Cam kết] Điều chỉnh hạn: Lắp đèn ngõ 12"]
    assert "Chờ kinh phí" in mails(session, "lan@example.org")[-1].body
