"""Residents following a dialogue or a commitment by e-mail: a confirmation link first (nobody
gets mail they did not ask for), then each progress step through the outbox, each with a
one-click unsubscribe link. The links carry an HMAC of the follow's id and purpose, keyed from
SECRET_KEY, so nothing secret is stored and a link cannot be forged for another follow."""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlmodel import Session, or_, select

from app.db import utcnow
from app.errors import Invalid, NotFound
from app.i18n import _
from app.models.dialogue import COMMITMENT_STATUS_LABELS, Commitment, CommitmentStatus, CommitmentUpdate, Follow
from app.services import dialogues, outbox

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def _key(session: Session) -> bytes:
    key = session.info.get("audit_key")
    if not key:
        raise RuntimeError("the session carries no SECRET_KEY (session_for(..., audit_key=...))")
    return hashlib.sha256(f"follow:{key}".encode()).digest()


def token(session: Session, follow: Follow, purpose: str) -> str:
    return hmac.new(_key(session), f"{follow.id}:{purpose}".encode(), hashlib.sha256).hexdigest()[:32]


def _check(session: Session, follow_id: int, purpose: str, given: str) -> Follow:
    follow = session.get(Follow, follow_id)
    if follow is None or not hmac.compare_digest(token(session, follow, purpose), given or ""):
        raise NotFound(_("Đường dẫn không hợp lệ hoặc đã hết hiệu lực"))  # the same answer for every failure
    return follow


def _link(base_url: str, session: Session, follow: Follow, purpose: str) -> str:
    return f"{base_url.rstrip('/')}/follow/{follow.id}/{purpose}?t={token(session, follow, purpose)}"


def follow(session: Session, *, email: str, base_url: str, dialogue_id: int | None = None,
           commitment_id: int | None = None) -> Follow:
    """Ask to follow a published dialogue or one of its commitments; a confirmation mail goes
    out. Asking again sends the confirmation again (and revives an unsubscribed follow)."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise Invalid(_("Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@example.vn)"), fields={"email": "invalid"})
    if commitment_id is not None:
        c = dialogues.get_commitment(session, commitment_id)
        dialogues.public_get(session, c.dialogue_id)  # only what residents can see
        what = f'cam kết "{c.title}"'  # the mail is Vietnamese whatever the page's language
    else:
        d = dialogues.public_get(session, dialogue_id)
        what = f'cuộc đối thoại "{d.title}"'
    row = session.exec(select(Follow).where(Follow.email == email, Follow.dialogue_id == dialogue_id,
                                            Follow.commitment_id == commitment_id)).first()
    if row is None:
        row = Follow(email=email, dialogue_id=dialogue_id, commitment_id=commitment_id)
        session.add(row)
        session.flush()
    row.unsubscribed_at = None
    session.add(row)
    body = (f"Kính gửi ông/bà,\n\nCó yêu cầu theo dõi {what} trên cổng thông tin của phường bằng địa chỉ này.\n"
            f"Để nhận thư khi có tiến độ mới, xin xác nhận tại:\n{_link(base_url, session, row, 'confirm')}\n\n"
            "Nếu ông/bà không yêu cầu, xin bỏ qua thư này; sẽ không có thư nào khác.\n")
    outbox.enqueue(session, to=email, subject="Xác nhận theo dõi kết quả đối thoại", body=body,
                   topic=f"follow:{row.id}")
    return row


def confirm(session: Session, *, follow_id: int, given: str) -> Follow:
    row = _check(session, follow_id, "confirm", given)
    if row.confirmed_at is None:
        row.confirmed_at = utcnow()
    row.unsubscribed_at = None
    session.add(row)
    return row


def unsubscribe(session: Session, *, follow_id: int, given: str) -> Follow:
    row = _check(session, follow_id, "unsubscribe", given)
    if row.unsubscribed_at is None:
        row.unsubscribed_at = utcnow()
        session.add(row)
    return row


def notify_progress(session: Session, *, commitment: Commitment, step: CommitmentUpdate, base_url: str) -> int:
    """Mail the step to everyone who confirmed following the commitment or its dialogue (once
    each, even if they follow both). Only for published dialogues: nothing is sent before the
    results are public."""
    dialogue = dialogues.get(session, commitment.dialogue_id)
    if dialogue.status != "published":
        return 0
    rows = session.exec(select(Follow).where(
        Follow.confirmed_at.is_not(None), Follow.unsubscribed_at.is_(None),
        or_(Follow.commitment_id == commitment.id, Follow.dialogue_id == dialogue.id))
        .order_by(Follow.commitment_id.is_(None), Follow.id)).all()
    seen: set[str] = set()
    status = str(COMMITMENT_STATUS_LABELS[CommitmentStatus(step.status)])
    for row in rows:
        if row.email in seen:
            continue
        seen.add(row.email)
        body = (f"Cam kết \"{commitment.title}\" (đối thoại \"{dialogue.title}\") có tiến độ mới.\n\n"
                f"Ngày {step.on:%d/%m/%Y}: {step.note}\nTrạng thái: {status}\n\n"
                f"Xem chi tiết: {base_url.rstrip('/')}/dialogues/{dialogue.id}#c-{commitment.id}\n\n"
                f"Hủy theo dõi (một lần bấm): {_link(base_url, session, row, 'unsubscribe')}\n")
        outbox.enqueue(session, to=row.email, subject=f"[Cam kết] {commitment.title[:200]}", body=body,
                       topic=f"commitment:{commitment.id}")
    return len(seen)
