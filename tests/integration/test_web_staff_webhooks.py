"""The administrator's webhook pages: register (the secret shown once), refusals with what was
typed kept, the delivery log, redeliver, stop; administrators only."""

from sqlmodel import select

from app.integration import webhooks
from app.models.webhook import Webhook, WebhookDelivery
from tests import factories
from tests.integration.test_webhooks import Receiver

PAGE = "/staff/webhooks"


def test_register_see_the_log_redeliver_and_stop(app, client, session, login):
    receiver = Receiver()
    app.state.settings.webhook_allow_loopback = True
    try:
        login("admin")
        token = factories.csrf(client, PAGE)
        bad = client.post(PAGE, data={"csrf_token": token, "name": "Thanh tra", "url": "http://10.0.0.7/hook",
                                      "event_types": ["disclosure.published"]})
        assert bad.status_code == 422 and 'id="e-new-url"' in bad.text and "10.0.0.7" in bad.text
        made = client.post(PAGE, data={"csrf_token": token, "name": "Thanh tra", "url": receiver.url,
                                       "event_types": ["disclosure.published"]})
        assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
        secret = made.text.split('<code class="token">')[1].split("</code>")[0]
        session.rollback()
        hook = session.exec(select(Webhook)).one()
        assert secret.startswith("whsec_") and secret not in hook.secret_nonce

        factories.published(session, factories.principal(session, "publisher"), title="Quyết định mới")
        webhooks.enqueue_new(session)
        session.commit()
        webhooks.deliver_due(session, key=app.state.secret_key, allow_loopback=True)
        assert len(receiver.received) == 1
        log = client.get(f"{PAGE}/{hook.id}").text
        assert "disclosure.published" in log and "HTTP 204" in log
        delivery = session.exec(select(WebhookDelivery)).one()
        assert client.post(f"{PAGE}/{hook.id}/deliveries/{delivery.id}/redeliver", data={"csrf_token": token},
                           follow_redirects=False).status_code == 303
        assert client.post(f"{PAGE}/{hook.id}/deliveries/999/redeliver", data={"csrf_token": token}).status_code == 404
        assert client.post(f"{PAGE}/{hook.id}/revoke", data={"csrf_token": token},
                           follow_redirects=False).status_code == 303
        assert client.post(f"{PAGE}/{hook.id}/revoke", data={"csrf_token": token}).status_code == 409
        session.rollback()
        assert session.get(Webhook, hook.id).revoked_at is not None
    finally:
        receiver.server.shutdown()


def test_loopback_is_refused_unless_the_setting_allows_it(client, session, login):
    login("admin")
    token = factories.csrf(client, PAGE)
    r = client.post(PAGE, data={"csrf_token": token, "name": "Dev", "url": "http://127.0.0.1:8000/hook",
                                "event_types": ["case.status"]})
    assert r.status_code == 422
    r = client.post(PAGE, data={"csrf_token": token, "name": "Dev", "url": "https://93.184.215.14/hook",
                                "event_types": ["nope"]})
    assert r.status_code == 422 and 'id="f-new-event_types"' in r.text


def test_only_administrators(client, login):
    for role in ("leader", "supervisor"):
        login(role)
        assert client.get(PAGE).status_code == 403
