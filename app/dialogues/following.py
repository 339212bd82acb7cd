"""Residents following a dialogue or a commitment by e-mail: a confirmation link first (nobody
gets mail they did not ask for), then each progress step through the outbox, each with a
one-click unsubscribe link. The links carry an HMAC of the follow's id and purpose, keyed from
SECRET_KEY, so nothing secret is stored and a link cannot be forged for another follow."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

from sqlmodel import Session, col, or_, select

from app.core.db import utcnow
from app.core.errors import Invalid, NotFound
from app.core.i18n import _
from app.core.timeutil import to_local
from app.core.validation import register_limits
from app.dialogues import service as dialogues
from app.dialogues.commitments import get_commitment
from app.integration import outbox
from app.models.dialogue import (
    COMMITMENT_STATUS_LABELS,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Dialogue,
    Follow,
)

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")

register_limits("follow", Follow)  # the follow forms' address, as the table stores it


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
        c = get_commitment(session, commitment_id)
        if dialogues.public_get(session, c.dialogue_id).status != "published":  # only what residents can see
            raise NotFound(_("Không tìm thấy cam kết"))
        what = f'cam kết "{c.title}"'  # the mail is Vietnamese whatever the page's language
    else:
        if dialogue_id is None:  # neither given: nothing to follow
            raise NotFound(_("Không tìm thấy cuộc đối thoại"))
        d = dialogues.public_get(session, dialogue_id)
        what = f'cuộc đối thoại "{d.title}"'
    row = session.exec(select(Follow).where(Follow.email == email, Follow.dialogue_id == dialogue_id,
                                            Follow.commitment_id == commitment_id)).first()
    if row is None:
        row = Follow(email=email, dialogue_id=dialogue_id, commitment_id=commitment_id)
        session.add(row)
        session.flush()
    if row.unsubscribed_at is not None:
        # Anyone can type an address: coming back after leaving needs the owner's confirmation
        # again (confirm() clears the unsubscription), or a stranger could re-subscribe them.
        row.confirmed_at = None
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


def _notify(session: Session, dialogue: Dialogue, *, base_url: str, subject: str, text: str,
            commitment: Commitment | None = None) -> int:
    """Mail `text` to everyone who confirmed following the dialogue (or the commitment), once
    each even if they follow both, with the page's link and a one-click unsubscribe."""
    who = col(Follow.dialogue_id) == dialogue.id
    if commitment is not None:
        who = or_(col(Follow.commitment_id) == commitment.id, who)
    rows = session.exec(select(Follow).where(col(Follow.confirmed_at).is_not(None),
                                             col(Follow.unsubscribed_at).is_(None), who)
                        .order_by(col(Follow.commitment_id).is_(None), col(Follow.id))).all()
    page = f"{base_url.rstrip('/')}/dialogues/{dialogue.id}" + (f"#c-{commitment.id}" if commitment else "")
    topic = f"commitment:{commitment.id}" if commitment else f"dialogue:{dialogue.id}"
    seen: set[str] = set()
    for row in rows:
        if row.email in seen:
            continue
        seen.add(row.email)
        body = (f"{text}\n\nXem chi tiết: {page}\n\n"
                f"Hủy theo dõi (một lần bấm): {_link(base_url, session, row, 'unsubscribe')}\n")
        outbox.enqueue(session, to=row.email, subject=subject, body=body, topic=topic)
    return len(seen)


def _published_dialogue_of(session: Session, commitment: Commitment) -> Dialogue | None:
    dialogue = dialogues.get(session, commitment.dialogue_id)
    return dialogue if dialogue.status == "published" else None


def notify_progress(session: Session, *, commitment: Commitment, step: CommitmentUpdate, base_url: str) -> int:
    """A commitment's new step. Only for published dialogues: nothing is sent before the results
    are public."""
    dialogue = _published_dialogue_of(session, commitment)
    if dialogue is None:
        return 0
    status = COMMITMENT_STATUS_LABELS[CommitmentStatus(step.status)].message
    text = (f"Cam kết \"{commitment.title}\" (đối thoại \"{dialogue.title}\") có tiến độ mới.\n\n"
            f"Ngày {step.on:%d/%m/%Y}: {step.note}\nTrạng thái: {status}")
    return _notify(session, dialogue, commitment=commitment, base_url=base_url,
                   subject=f"[Cam kết] {commitment.title[:200]}", text=text)


def notify_due_moved(session: Session, *, commitment: Commitment, old_due: date, reason: str, base_url: str) -> int:
    """A published commitment's due date was corrected: those who follow it are told, with why."""
    dialogue = _published_dialogue_of(session, commitment)
    if dialogue is None or old_due == commitment.due_on:
        return 0
    text = (f"Hạn thực hiện cam kết \"{commitment.title}\" (đối thoại \"{dialogue.title}\") đã được điều chỉnh "
            f"từ ngày {old_due:%d/%m/%Y} sang ngày {commitment.due_on:%d/%m/%Y}.\nLý do: {reason}")
    return _notify(session, dialogue, commitment=commitment, base_url=base_url,
                   subject=f"[Cam kết] Điều chỉnh hạn: {commitment.title[:180]}", text=text)


def notify_published(session: Session, *, dialogue: Dialogue, base_url: str) -> int:
    """The results are out: minutes, questions and answers, commitments."""
    text = (f"Kết quả cuộc đối thoại \"{dialogue.title}\" đã được công bố: biên bản, các câu hỏi và trả lời, "
            "các cam kết của UBND phường và thời hạn thực hiện.")
    return _notify(session, dialogue, base_url=base_url, subject=f"[Đối thoại] Công bố kết quả: {dialogue.title[:180]}",
                   text=text)


def notify_changed(session: Session, *, dialogue: Dialogue, reason: str, base_url: str) -> int:
    """An announced dialogue's time, place or link changed."""
    where = " — ".join(x for x in (dialogue.place, dialogue.online_url) if x)
    text = (f"Cuộc đối thoại \"{dialogue.title}\" có thay đổi.\n\n"
            f"Thời gian: {to_local(dialogue.starts_at):%H:%M ngày %d/%m/%Y}\nĐịa điểm: {where}\nLý do: {reason}")
    return _notify(session, dialogue, base_url=base_url, subject=f"[Đối thoại] Thay đổi: {dialogue.title[:180]}",
                   text=text)
