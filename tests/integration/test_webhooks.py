"""Webhooks delivered to a real HTTP receiver on this machine: the signature checks out with the
secret shown at registration, failures are retried with backoff, a manual redeliver sends the
event again, and endpoints that are not HTTPS or point inside the network are refused."""

import hashlib
import hmac
import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from app.accounts.audit import Actor
from app.core.db import utcnow
from app.core.errors import Invalid
from app.integration import webhooks
from app.models.rules import CalendarOverride, OverrideKind
from app.models.webhook import WebhookDelivery
from tests import factories

KEY = "test-secret-key"
ADMIN = Actor.system("test")


class Receiver:
    """A local endpoint that records what it gets and answers with the queued status codes."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/minhbach"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def _hook(session, url, types=("disclosure.published",)):
    hook, secret = webhooks.create(session, actor=ADMIN, key=KEY, name="Thanh tra thành phố", url=url,
                                   event_types=list(types), allow_loopback=True)
    session.commit()
    return hook, secret


def test_a_signed_delivery_reaches_the_receiver(session, receiver):
    hook, secret = _hook(session, receiver.url)
    doc = factories.published(session, factories.principal(session, "publisher"), title="Quyết định về phí vệ sinh")
    assert webhooks.enqueue_new(session) == 1
    session.commit()
    assert webhooks.deliver_due(session, key=KEY, allow_loopback=True) == 1
    [(headers, body)] = receiver.received
    expected = hmac.new(secret.encode(), headers["X-MinhBach-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-MinhBach-Signature"], "sha256=" + expected)
    event = json.loads(body)["event"]
    assert (event["type"], event["entity"], event["entity_id"]) == ("disclosure.published", "disclosure", doc.id)
    assert headers["X-MinhBach-Event"] == "disclosure.published"
    delivery = session.exec(select(WebhookDelivery)).one()
    assert delivery.delivered_at is not None and delivery.last_status == 204
    assert webhooks.enqueue_new(session) == 0  # each event once


def test_failures_are_retried_with_backoff_then_redelivered_by_hand(session, receiver):
    _hook(session, receiver.url)
    factories.published(session, factories.principal(session, "publisher"))
    webhooks.enqueue_new(session)
    session.commit()
    receiver.statuses = [500, 503]
    assert webhooks.deliver_due(session, key=KEY, allow_loopback=True) == 0
    d = session.exec(select(WebhookDelivery)).one()
    assert d.attempts == 1 and d.last_status == 500 and d.next_attempt_at > utcnow() + timedelta(seconds=50)
    assert webhooks.deliver_due(session, key=KEY, allow_loopback=True) == 0  # not due yet
    later = utcnow() + timedelta(minutes=2)
    assert webhooks.deliver_due(session, key=KEY, allow_loopback=True, now=later) == 0
    assert d.attempts == 2 and d.next_attempt_at >= later + timedelta(minutes=1)  # waits twice as long
    assert webhooks.deliver_due(session, key=KEY, allow_loopback=True, now=utcnow() + timedelta(minutes=10)) == 1
    assert d.delivered_at is not None and len(receiver.received) == 3

    again = webhooks.redeliver(session, actor=ADMIN, delivery_id=d.id)
    session.commit()
    assert webhooks.deliver_due(session, key=KEY, allow_loopback=True) == 1
    assert again.event_id == d.event_id and len(receiver.received) == 4
    assert json.loads(receiver.received[-1][1])["delivery_id"] == again.id


def test_a_receiver_that_never_answers_is_given_up_after_the_last_attempt(session):
    _hook(session, "http://127.0.0.1:9/nothing-listens")
    factories.published(session, factories.principal(session, "publisher"))
    webhooks.enqueue_new(session)
    session.commit()
    far = utcnow()
    for _ in range(webhooks.MAX_ATTEMPTS):
        far += webhooks.LONGEST_WAIT + timedelta(minutes=1)
        webhooks.deliver_due(session, key=KEY, allow_loopback=True, now=far)
    d = session.exec(select(WebhookDelivery)).one()
    assert d.failed_at is not None and d.attempts == webhooks.MAX_ATTEMPTS and "Error" in d.last_error


def test_only_the_chosen_event_types(session, receiver):
    _hook(session, receiver.url, types=("dialogue.published",))
    factories.published(session, factories.principal(session, "publisher"))
    assert webhooks.enqueue_new(session) == 0


@pytest.mark.parametrize("url", ["http://93.184.215.14/hook", "https://10.1.2.3/hook", "https://192.168.1.5/hook",
                                 "https://169.254.169.254/latest", "https://[::1]/hook", "ftp://203.0.113.10/x",
                                 "https://user:pw@203.0.113.10/x", "https://", "không phải địa chỉ",
                                 "https://no-such-host.invalid/hook", "https://93.184.215.14:abc/h",
                                 "https://93.184.215.14:99999/h", "https://[::1", "https://[zz]/",
                                 "https://100.64.0.1/", "https://[2002:7f00:1::]/", "https://[2002:a9fe:a9fe::]/",
                                 "https://[fec0::1]/", "https://[::ffff:127.0.0.1]/", "https://0.0.0.0/",
                                 "https://2130706433/", "https://0x7f000001/",
                                 # NAT64 (well-known and local-use), IPv4-compatible, port 0
                                 "https://[64:ff9b::7f00:1]/", "https://[64:ff9b::a9fe:a9fe]/",
                                 "https://[64:ff9b::a00:1]/", "https://[64:ff9b:1::5db8:d70e]/",
                                 "https://[::7f00:1]/", "https://[::a9fe:a9fe]/", "https://93.184.215.14:0/h"])
def test_endpoints_that_are_not_https_or_point_inside_are_refused(url):
    with pytest.raises(Invalid):
        webhooks.check_url(url, allow_loopback=False)


def test_loopback_only_with_the_setting():
    with pytest.raises(Invalid):
        webhooks.check_url("https://127.0.0.1/hook", allow_loopback=False)
    assert webhooks.check_url("http://127.0.0.1:8080/hook", allow_loopback=True)
    with pytest.raises(Invalid):  # the setting opens loopback, not the private network
        webhooks.check_url("https://10.0.0.1/hook", allow_loopback=True)
    assert webhooks.check_url("https://93.184.215.14/hook", allow_loopback=False)  # a public address
    # A public IPv4 address through the well-known NAT64 prefix is as good as the address itself.
    assert webhooks.check_url("https://[64:ff9b::5db8:d70e]/hook", allow_loopback=False)


def test_a_revoked_webhook_gets_nothing_more(session, receiver):
    hook, _secret = _hook(session, receiver.url)
    factories.published(session, factories.principal(session, "publisher"))
    webhooks.enqueue_new(session)
    webhooks.revoke(session, actor=ADMIN, webhook_id=hook.id)
    session.commit()
    assert webhooks.deliver_due(session, key=KEY, allow_loopback=True) == 0 and receiver.received == []


def test_the_running_app_delivers_in_the_background(settings, receiver):
    import time

    from fastapi.testclient import TestClient

    from app.core.db import session_for
    from app.main import create_app

    app = create_app(settings.model_copy(update={"webhook_interval_seconds": 1, "webhook_allow_loopback": True}))
    with TestClient(app):
        with session_for(app.state.engine, write=True, audit_key=app.state.secret_key) as session:
            _hook(session, receiver.url)
            factories.published(session, factories.principal(session, "publisher"))
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.2)
    app.state.engine.dispose()
    assert len(receiver.received) == 1 and json.loads(receiver.received[0][1])["event"]["type"] == \
        "disclosure.published"


def test_a_slow_receiver_holds_neither_the_database_nor_the_others(session, receiver, monkeypatch, settings):
    """While a receiver dawdles, the ward's writes go on and another receiver gets its event."""
    import time as clock

    from app.core.db import make_engine, session_for

    slow = Receiver()
    slow_handler = slow.server.RequestHandlerClass
    original = slow_handler.do_POST

    def dawdle(self):
        clock.sleep(3)
        original(self)

    monkeypatch.setattr(slow_handler, "do_POST", dawdle)
    # The slow receiver holds its answer 3 s, past the 2 s timeout: a write that waited for it
    # would end 2.3 s or more after the start; one that did not takes a few milliseconds.
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 2)
    try:
        _hook(session, slow.url)
        _hook(session, receiver.url)
        factories.published(session, factories.principal(session, "publisher"))
        webhooks.enqueue_new(session)
        session.commit()
        done = {}
        worker = threading.Thread(target=lambda: done.setdefault(
            "n", webhooks.deliver_due(session, key=KEY, allow_loopback=True)))
        started = clock.monotonic()
        worker.start()
        clock.sleep(0.3)
        engine = make_engine(settings.database_url)
        with session_for(engine, write=True, audit_key=KEY) as other:  # a clerk saving something meanwhile
            # A cheap write (no password hashing), so a busy machine does not blur the measure.
            other.add(CalendarOverride(on=date(2031, 1, 2), kind=OverrideKind.day_off, reason="Nghỉ bù"))
            other.commit()
        engine.dispose()
        wrote_after = clock.monotonic() - started
        worker.join(10)
        assert wrote_after < 1.5, "a write waited for the receiver"
        assert done["n"] == 1 and len(receiver.received) == 1
        late = session.exec(select(WebhookDelivery).where(WebhookDelivery.delivered_at.is_(None))).one()
        assert late.attempts == 1 and "no answer within 2 s" in late.last_error
    finally:
        slow.server.shutdown()


def test_delivers_where_an_event_loop_already_runs(session, receiver):
    """A caller's thread may run an event loop (a browser driver, an async job runner)."""
    import asyncio

    _hook(session, receiver.url)
    factories.published(session, factories.principal(session, "publisher"))
    webhooks.enqueue_new(session)
    session.commit()

    async def inside_a_loop():
        return webhooks.deliver_due(session, key=KEY, allow_loopback=True)

    result = {}  # in a thread of its own: the test runner's thread may itself run a loop (Playwright)
    worker = threading.Thread(target=lambda: result.setdefault("n", asyncio.run(inside_a_loop())))
    worker.start()
    worker.join(30)
    assert result["n"] == 1 and len(receiver.received) == 1
