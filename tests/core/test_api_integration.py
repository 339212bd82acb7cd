"""What every API list shares for integrators: ETag / If-None-Match → 304, per-token rate limits
with Retry-After, a token's last use recorded without a write on every call."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.accounts import tokens
from app.accounts.audit import Actor
from app.models.user import ApiToken
from tests import factories

LISTS = ["/api/v1/disclosures", "/api/v1/dialogues", "/api/v1/events", "/api/v1/reception-sessions"]


@pytest.mark.parametrize("path", LISTS)
def test_lists_answer_304_when_unchanged(client, session, path):
    headers = factories.bearer(session, "reception:read")
    first = client.get(path, headers=headers)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and "private" in first.headers["cache-control"]
    again = client.get(path, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(path, headers={**headers, "If-None-Match": 'W/"other", ' + etag}).status_code == 304
    assert client.get(path, headers={**headers, "If-None-Match": 'W/"other"'}).status_code == 200


def test_a_change_changes_the_tag(client, session):
    first = client.get("/api/v1/disclosures")
    assert first.headers["cache-control"] == "no-cache"
    factories.published(session, factories.principal(session, "publisher"), title="Quyết định mới về phí")
    second = client.get("/api/v1/disclosures", headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200 and second.headers["etag"] != first.headers["etag"]


def test_errors_and_files_carry_no_tag(client):
    bad = client.get("/api/v1/dialogues", params={"limit": 0})
    assert bad.status_code == 422 and "etag" not in bad.headers


def test_each_token_has_its_own_rate_limit(client, session):
    token = tokens.create_token(session, actor=Actor.system("test"), name="so-ke-hoach", scopes=["reports:read"],
                                rate_limit=3)
    other = factories.bearer(session, "reports:read")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        assert client.get("/api/v1/events", headers=headers).status_code == 200
    refused = client.get("/api/v1/events", headers=headers)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/events", headers=other).status_code == 200  # another token is not held back


def test_last_use_is_recorded_once_a_minute(client, session):
    token = tokens.create_token(session, actor=Actor.system("test"), name="thanh-tra", scopes=["reports:read"])
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/events", headers=headers)
    session.rollback()
    row = session.exec(select(ApiToken).where(ApiToken.name == "thanh-tra")).one()
    first = row.last_used_at
    assert first is not None and row.last_used_addr == "testclient"
    client.get("/api/v1/events", headers=headers)
    session.rollback()
    assert session.get(ApiToken, row.id).last_used_at == first  # within the minute: not written again
    row.last_used_at = first - timedelta(minutes=2)
    session.commit()
    client.get("/api/v1/events", headers=headers)
    session.expire_all()  # committed above: no transaction for rollback() to end
    assert session.get(ApiToken, row.id).last_used_at > first - timedelta(minutes=2)


def test_head_answers_like_get_without_a_body(client):
    get = client.get("/api/v1/dialogues")
    head = client.head("/api/v1/dialogues")
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert client.head("/api/v1/dialogues", headers={"If-None-Match": get.headers["etag"]}).status_code == 304
    assert client.head("/api/v1/dialogues/999").status_code == 404
