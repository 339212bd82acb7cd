"""Accounts, hashing, throttling, tokens."""

import pytest
from sqlmodel import select

from app.accounts import auth, login, sessions, tokens, users
from app.accounts.audit import Actor
from app.core.errors import Conflict, Forbidden, Invalid, TooManyRequests, Unauthorized
from app.models.user import ApiToken, StaffUser

ACTOR = Actor.system("test")


def _login(session, username, password, client="1.2.3.4"):
    return login.authenticate(session, username=username, password=password, client_addr=client, max_failures=3,
                              window_minutes=15)


def test_password_is_hashed_with_argon2(session):
    user = users.create_user(session, actor=ACTOR, username="Thu.Ha", role="leader", password="mat-khau-dai-du")
    assert user.username == "thu.ha"
    assert user.password_hash.startswith("$argon2id$") and "mat-khau" not in user.password_hash
    assert _login(session, "THU.HA", "mat-khau-dai-du").id == user.id


@pytest.mark.parametrize("username,role,password", [
    ("ok", "emperor", "mat-khau-dai-du"),
    ("bad name!", "admin", "mat-khau-dai-du"),
    ("short", "admin", "ngan"),
])
def test_invalid_accounts_are_refused(session, username, role, password):
    with pytest.raises(Invalid):
        users.create_user(session, actor=ACTOR, username=username, role=role, password=password)


def test_duplicate_username(session):
    users.create_user(session, actor=ACTOR, username="a", role="admin", password="mat-khau-dai-du")
    with pytest.raises(Conflict):
        users.create_user(session, actor=ACTOR, username="A", role="admin", password="mat-khau-dai-du")


def test_login_is_throttled_after_repeated_failures(session):
    users.create_user(session, actor=ACTOR, username="hoa", role="officer", password="mat-khau-dai-du")
    for _ in range(3):
        with pytest.raises(Unauthorized):
            _login(session, "hoa", "sai-mat-khau")
    with pytest.raises(TooManyRequests):
        _login(session, "hoa", "mat-khau-dai-du")  # from the same unknown client, even the right one waits
    assert _login(session, "hoa", "mat-khau-dai-du", client="5.6.7.8").username == "hoa"  # never a lockout


def test_inactive_user_cannot_log_in(session):
    user = users.create_user(session, actor=ACTOR, username="nghi", role="officer", password="mat-khau-dai-du")
    user.is_active = False
    with pytest.raises(Forbidden):  # told only to whoever knows the password
        _login(session, "nghi", "mat-khau-dai-du")
    with pytest.raises(Unauthorized):
        _login(session, "nghi", "sai-mat-khau")


def test_tokens_are_stored_hashed_and_scoped(session):
    token = tokens.create_token(session, actor=ACTOR, name="thanh-pho", scopes=["disclosures:write"])
    row = session.exec(select(ApiToken)).one()
    assert token.startswith("mb_") and token not in row.token_hash and row.token_hash == auth.hash_secret(token)
    principal = tokens.principal_for_token(session, token)
    assert principal.can("disclosure:publish") and not principal.can("user:manage")
    assert row.last_used_at is not None
    assert tokens.principal_for_token(session, token + "x") is None


def test_personal_token_acts_with_the_users_role(session):
    user = users.create_user(session, actor=ACTOR, username="cc", role="officer", password="mat-khau-dai-du")
    token = tokens.create_token(session, actor=ACTOR, name="script", scopes=[], user=user)
    principal = tokens.principal_for_token(session, token)
    assert principal.can("disclosure:edit") and not principal.can("disclosure:publish")
    assert principal.actor.user_id == user.id


def test_unknown_scope_is_refused(session):
    with pytest.raises(Invalid):
        tokens.create_token(session, actor=ACTOR, name="x", scopes=["everything"])


def test_revoked_token_is_refused(session):
    token = tokens.create_token(session, actor=ACTOR, name="x", scopes=["disclosures:read"])
    row = session.exec(select(ApiToken)).one()
    from app.core.db import utcnow

    row.revoked_at = utcnow()
    assert tokens.principal_for_token(session, token) is None


def test_session_token_lifecycle(session):
    user = users.create_user(session, actor=ACTOR, username="s", role="admin", password="mat-khau-dai-du")
    cookie = sessions.start_session(session, user=user, hours=1, client_addr="")
    assert sessions.user_for_session(session, cookie).id == user.id
    sessions.end_session(session, token=cookie, client_addr="")
    assert sessions.user_for_session(session, cookie) is None
    assert session.exec(select(StaffUser)).first()
