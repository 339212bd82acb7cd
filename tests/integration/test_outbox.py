"""Notifications through the stored outbox, delivered to a real local SMTP server (aiosmtpd)."""

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from app.accounts.audit import Actor
from app.cases import codes, intake, workflow
from app.core.db import utcnow
from app.integration import outbox
from app.models.outbox import OutboxMessage
from tests import factories


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - the name aiosmtpd calls
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, outbox.SmtpSettings(host="127.0.0.1", port=controller.port, sender="UBND <ubnd@phula.example>")
    controller.stop()


def _file(session, **kw):
    data = {"kind": "feedback", "subject": "Rác thải tồn đọng đầu ngõ 5",
            "content": "Rác không được thu gom ba ngày nay.",
            "sender_name": "Phạm Thị Lan", "sender_email": "lan@example.org", **kw}
    case = intake.file_case(session, data=intake.CaseInput.model_validate(data), channel="web",
                            actor=Actor("citizen"))
    session.commit()
    return case


def test_each_public_step_reaches_the_sender(session, smtp_server):
    inbox, smtp = smtp_server
    case = _file(session)
    officer = factories.principal(session, "officer")
    workflow.transition(session, principal=officer, complaint_id=case.id,
                        data=workflow.TransitionInput(action="classify", note="Đã chuyển tổ môi trường"))
    session.commit()
    assert outbox.deliver_due(session, smtp) == 2
    assert [m["To"] for m in inbox.messages] == ["lan@example.org"] * 2
    code = codes.format_code(case.tracking_code)
    assert code in inbox.messages[0]["Subject"] and "Đã tiếp nhận" in inbox.messages[0]["Subject"]
    assert "Đã chuyển tổ môi trường" in inbox.messages[1].get_content()
    assert outbox.deliver_due(session, smtp) == 0  # nothing is sent twice


def test_internal_steps_and_anonymous_senders_get_nothing(session):
    anon = _file(session, anonymous=True)
    assert anon.sender_email == ""
    case = _file(session, sender_email="")
    assert session.exec(select(OutboxMessage)).all() == []
    assert case.id


def test_a_failed_delivery_is_retried_later(session, smtp_server):
    inbox, smtp = smtp_server
    _file(session)
    down = outbox.SmtpSettings(host="127.0.0.1", port=_free_port())  # nothing listens there
    assert outbox.deliver_due(session, down) == 0
    msg = session.exec(select(OutboxMessage)).one()
    assert msg.attempts == 1 and msg.sent_at is None and "Error" in msg.last_error
    assert msg.next_attempt_at > utcnow()
    assert outbox.deliver_due(session, smtp) == 0  # not due yet
    assert outbox.deliver_due(session, smtp, now=utcnow() + timedelta(minutes=5)) == 1
    assert len(inbox.messages) == 1


def test_without_a_mail_server_messages_wait(session):
    _file(session)
    assert outbox.deliver_due(session, outbox.SmtpSettings(host="")) == 0
    assert len(outbox.pending(session)) == 1


def test_the_running_app_sends_queued_mail_in_the_background(settings, smtp_server):
    import time

    from fastapi.testclient import TestClient

    from app.core.db import session_for
    from app.main import create_app

    inbox, smtp = smtp_server
    app = create_app(settings.model_copy(update={"smtp_host": smtp.host, "smtp_port": smtp.port,
                                                 "mail_interval_seconds": 1}))
    with TestClient(app):
        with session_for(app.state.engine, write=True, audit_key=app.state.secret_key) as session:
            _file(session)
        deadline = time.monotonic() + 10
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.2)
    app.state.engine.dispose()
    assert len(inbox.messages) == 1


def test_a_long_vietnamese_subject_keeps_its_spaces():
    """Folding at the default line length lost a space in such subjects (Python 3.11)."""
    from email import message_from_bytes
    from email.message import EmailMessage

    from app.integration.outbox import MAIL_POLICY

    subject = "[Cam kết] Ra quân lập lại trật tự vỉa hè tuyến Văn Phú hằng tuần, xử lý tái phạm"
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["Subject"] = subject
    msg.set_content("x")
    parsed = message_from_bytes(msg.as_bytes(), policy=MAIL_POLICY)
    assert str(parsed["Subject"]) == subject


def test_a_message_that_cannot_be_built_does_not_hold_back_the_queue(session, smtp_server):
    """A broken address fails for good at once; the mail queued behind it still goes out."""
    inbox, smtp = smtp_server
    outbox.enqueue(session, to="a@example.org\r\nBcc: evil@example.org", subject="Thư hỏng", body="x")
    outbox.enqueue(session, to="lan@example.org", subject="Dòng một\r\nBcc: evil@example.org", body="y")
    session.commit()
    assert outbox.deliver_due(session, smtp) == 1
    broken, fine = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert broken.failed_at is not None and "ValueError" in broken.last_error
    assert fine.sent_at is not None and fine.subject == "Dòng một Bcc: evil@example.org"
    assert [m["To"] for m in inbox.messages] == ["lan@example.org"] and inbox.messages[0]["Bcc"] is None
