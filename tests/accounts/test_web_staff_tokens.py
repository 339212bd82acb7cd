"""The administrator's token page: create with scopes and a rate limit (shown once), change,
revoke, last use; bad input is a 422 with what was typed; only administrators."""

from sqlmodel import select

from app.models.audit import AuditEvent
from app.models.user import ApiToken
from tests import factories

PAGE = "/staff/tokens"


def test_create_use_change_and_revoke_a_token(client, session, login):
    login("admin")
    token = factories.csrf(client, PAGE)
    bad = client.post(PAGE, data={"csrf_token": token, "name": "Thanh tra thành phố", "rate_limit": "0"})
    assert bad.status_code == 422 and 'id="e-new-rate_limit"' in bad.text and "Thanh tra thành phố" in bad.text
    none = client.post(PAGE, data={"csrf_token": token, "name": "Thanh tra thành phố", "rate_limit": "60"})
    assert none.status_code == 422 and 'id="e-new-scopes"' in none.text
    made = client.post(PAGE, data={"csrf_token": token, "name": "Thanh tra thành phố", "rate_limit": "2",
                                   "scopes": ["reports:read", "complaints:read"]})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = made.text.split('<code class="token">')[1].split("</code>")[0]
    assert secret.startswith("mb_")
    session.rollback()
    row = session.exec(select(ApiToken)).one()
    assert row.scopes == "complaints:read reports:read" and row.rate_limit == 2 and secret not in row.token_hash

    api = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/events", headers=api).status_code == 200
    page = client.get(PAGE).text
    assert "testclient" in page and secret not in page  # last use shown; the token never again

    assert client.post(f"{PAGE}/{row.id}/update", data={"csrf_token": token, "rate_limit": "100",
                                                        "scopes": ["reports:read"]},
                       follow_redirects=False).status_code == 303
    assert client.post(f"{PAGE}/{row.id}/revoke", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/events", headers=api).status_code == 401
    assert client.post(f"{PAGE}/{row.id}/revoke", data={"csrf_token": token}).status_code == 409
    assert client.post(f"{PAGE}/999/revoke", data={"csrf_token": token}).status_code == 404
    session.rollback()
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity_type == "api_token")).all()
    assert actions == ["token.create", "token.update", "token.revoke"]
    assert not any(secret in (e.after or "") for e in session.exec(select(AuditEvent)).all())


def test_unknown_scopes_and_odd_values_are_refused(client, session, login):
    login("admin")
    token = factories.csrf(client, PAGE)
    for data in ({"name": "x", "scopes": ["root"], "rate_limit": "60"},
                 {"name": "", "scopes": ["reports:read"], "rate_limit": "60"},
                 {"name": "x", "scopes": ["reports:read"], "rate_limit": "1e9"},
                 {"name": "x" * 500, "scopes": ["reports:read"], "rate_limit": "²"}):
        assert client.post(PAGE, data={"csrf_token": token, **data}).status_code == 422, data
    assert session.exec(select(ApiToken)).all() == []


def test_only_administrators(client, session, login):
    for role in ("leader", "supervisor", "officer"):
        login(role)
        assert client.get(PAGE).status_code == 403
    login("admin")
    assert client.post(PAGE, data={"name": "x", "scopes": ["reports:read"], "rate_limit": "60"}).status_code == 403
