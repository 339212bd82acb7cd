"""E-mail through a stored outbox: `enqueue` in the same transaction as the change it reports;
`deliver_due` sends what is due over SMTP, retrying failures with exponential backoff."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

from sqlmodel import Session, col, or_, select

from app.core.db import utcnow
from app.models.outbox import OutboxMessage

log = logging.getLogger("minhbach.mail")
MAX_ATTEMPTS = 8  # 1, 2, 4 ... 64 minutes apart: about two hours of retrying, then give up


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = "Minh Bach <no-reply@localhost>"

    @classmethod
    def from_settings(cls, s) -> "SmtpSettings":
        return cls(s.smtp_host, s.smtp_port, s.smtp_user, s.smtp_password, s.smtp_starttls, s.smtp_from)


def enqueue(session: Session, *, to: str, subject: str, body: str, topic: str = "") -> OutboxMessage:
    # A header is one line: a line break from some stored title would make the message unsendable.
    subject = " ".join(subject.split())
    msg = OutboxMessage(to_address=to[:200], subject=subject[:300], body=body, topic=topic[:60],
                        next_attempt_at=utcnow())
    session.add(msg)
    return msg


def _due(now: datetime):
    return (col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.failed_at).is_(None),
            col(OutboxMessage.next_attempt_at) <= now)


def any_due(session: Session, *, now: datetime | None = None) -> bool:
    return session.exec(select(OutboxMessage.id).where(*_due(now or utcnow())).limit(1)).first() is not None


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def deliver_due(session: Session, smtp: SmtpSettings, *, now: datetime | None = None, batch: int = 50) -> int:
    """Send the due messages; returns how many were sent. Each outcome is committed at once, so
    a message is never sent twice because a later one failed."""
    if not smtp.host:
        return 0
    now = now or utcnow()
    due = session.exec(
        select(OutboxMessage)
        .where(*_due(now))
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id)).limit(batch)
    ).all()
    sent = 0
    for msg in due:
        try:
            _send(smtp, msg)
            msg.sent_at = utcnow()
            sent += 1
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            # ValueError: the message itself cannot be built (a bad address or header). Retrying
            # will not help, and it must not hold back the messages queued behind it.
            msg.attempts = MAX_ATTEMPTS if isinstance(exc, ValueError) else msg.attempts + 1
            msg.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if msg.attempts >= MAX_ATTEMPTS:
                msg.failed_at = utcnow()
                log.error("giving up on message %s after %s attempts", msg.id, msg.attempts)
            else:
                msg.next_attempt_at = utcnow() + _backoff(msg.attempts)
        session.add(msg)
        session.commit()
    return sent


MAIL_POLICY = policy.default.clone(max_line_length=998)


def _send(smtp: SmtpSettings, msg: OutboxMessage) -> None:
    # Python 3.11 drops a space where it folds a long non-ASCII subject at the default line
    # length ("trật tự vỉa hè" arrived as "trật tựvỉa hè"); headers up to RFC 5322's 998 fold cleanly.
    email = EmailMessage(policy=MAIL_POLICY)
    email["From"] = smtp.sender
    email["To"] = msg.to_address
    email["Subject"] = msg.subject
    email["Message-ID"] = make_msgid(domain="minhbach")
    email.set_content(msg.body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=20) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.user:
            client.login(smtp.user, smtp.password)
        client.send_message(email)


def pending(session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(
        col(OutboxMessage.sent_at).is_(None), or_(col(OutboxMessage.failed_at).is_(None)))
        .order_by(col(OutboxMessage.id))))
