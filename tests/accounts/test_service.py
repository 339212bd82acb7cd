"""Accounts (issue 11): the password rule, changing and resetting passwords, disabling an
account, ending its sessions, login throttling without lockout, and who sees a denouncer."""

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import text
from sqlmodel import select

from app.accounts import auth, login, passwords, sessions, tokens, users
from app.accounts.audit import Actor
from app.core.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized
from app.models.user import LoginAttempt, Role, StaffSession
from tests import factories

KEY = "test-secret-key"
NEW = "ba-con-voi-bien-mat"  # strong enough for zxcvbn
T0 = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
THROTTLE = login.Throttle(max_failures=3, window_minutes=15)


def _login(session, username, password, client="1.2.3.4", device=""):
    return login.authenticate(session, username=username, password=password, client_addr=client,
                              max_failures=THROTTLE.max_failures, window_minutes=THROTTLE.window_minutes,
                              device=device)


def _admin(session):
    return factories.principal(session, "admin")


# The password rule ----------------------------------------------------------------------------

@pytest.mark.parametrize("password,reason", [
    ("ngan", "short"),
    ("aaaaaaaaaaaa", "weak"),             # repetitive
    ("1234567890", "weak"),               # a sequence
    ("password123!", "weak"),             # common
    ("qwertyuiop", "weak"),               # a keyboard row
    ("abcabcabcabc", "weak"),             # a repeated pattern
    ("x" * (passwords.MAX_LENGTH + 1), "long"),
])
def test_weak_passwords_are_refused_with_a_reason(password, reason):
    with pytest.raises(Invalid) as exc:
        passwords.check(password)
    assert exc.value.fields == {"password": reason}
    assert "Mật khẩu" in exc.value.message


def test_the_accounts_own_words_make_a_password_weak():
    passwords.check("nguyenthuha2026")  # a stranger's name and a year: acceptable alone
    with pytest.raises(Invalid):
        passwords.check("nguyenthuha2026", user_inputs=("thu.ha", "Nguyễn Thu Hà", "nguyenthuha"))


def test_strong_and_generated_passwords_pass():
    passwords.check(NEW, user_inputs=("chutich", "Trần Văn Chủ"))
    for _ in range(20):
        passwords.check(passwords.generate())


def test_create_user_applies_the_rule(session):
    with pytest.raises(Invalid):
        users.create_user(session, actor=Actor.system("t"), username="ha", role="officer", password="matkhau123")


# Changing one's own password ------------------------------------------------------------------

def test_change_own_password(session):
    user = factories.user(session, role="officer")
    this = sessions.start_session(session, user=user, hours=1, client_addr="1.1.1.1")
    other = sessions.start_session(session, user=user, hours=1, client_addr="2.2.2.2")
    ended = users.change_password(session, user=user, current_password=factories.PASSWORD, new_password=NEW,
                                  client_addr="1.1.1.1", throttle=THROTTLE, keep_token=this)
    session.commit()
    assert ended == 1
    assert sessions.user_for_session(session, this).id == user.id and sessions.user_for_session(session, other) is None
    assert _login(session, user.username, NEW).id == user.id
    with pytest.raises(Unauthorized):
        _login(session, user.username, factories.PASSWORD, client="9.9.9.9")
    assert user.password_changed_at is not None and not user.must_change_password


@pytest.mark.parametrize("current,new,field", [
    ("sai-mat-khau-roi", NEW, "current_password"),
    (factories.PASSWORD, factories.PASSWORD, "new_password"),  # unchanged
    (factories.PASSWORD, "minhbach-demo", "new_password"),     # the demo password, printed in the README
    (factories.PASSWORD, "matkhau123", "new_password"),
])
def test_change_password_refusals(session, current, new, field):
    user = factories.user(session, role="officer")
    before = user.password_hash
    with pytest.raises(Invalid) as exc:
        users.change_password(session, user=user, current_password=current, new_password=new,
                              client_addr="1.1.1.1", throttle=THROTTLE)
    assert field in exc.value.fields and user.password_hash == before


def test_guessing_the_current_password_is_throttled(session):
    user = factories.user(session, role="officer")
    for _ in range(THROTTLE.max_failures):
        with pytest.raises(Invalid):
            users.change_password(session, user=user, current_password="doan-bua-thoi", new_password=NEW,
                                  client_addr="1.1.1.1", throttle=THROTTLE)
    with pytest.raises(TooManyRequests):
        users.change_password(session, user=user, current_password=factories.PASSWORD, new_password=NEW,
                              client_addr="1.1.1.1", throttle=THROTTLE)


# What an administrator does -------------------------------------------------------------------

def test_reset_password_generates_a_temporary_one_and_ends_sessions(session):
    admin, user = _admin(session), factories.user(session, role="leader")
    cookie = sessions.start_session(session, user=user, hours=1, client_addr="")
    temporary = users.reset_password(session, principal=admin, user_id=user.id)
    session.commit()
    assert sessions.user_for_session(session, cookie) is None
    assert user.must_change_password and _login(session, user.username, temporary).id == user.id
    typed = users.reset_password(session, principal=admin, user_id=user.id, password=NEW)
    assert typed == NEW and _login(session, user.username, NEW).id == user.id
    with pytest.raises(Invalid):
        users.reset_password(session, principal=admin, user_id=user.id, password="1111111111")


def test_only_administrators_manage_accounts(session):
    user = factories.user(session, role="officer")
    for role in ("leader", "officer", "supervisor", "reception", "publisher"):
        p = factories.principal(session, role)
        with pytest.raises(Forbidden):
            users.reset_password(session, principal=p, user_id=user.id)
        with pytest.raises(Forbidden):
            users.set_active(session, principal=p, user_id=user.id, active=False)
        with pytest.raises(Forbidden):
            users.end_user_sessions(session, principal=p, user_id=user.id)
    with pytest.raises(NotFound):
        users.set_active(session, principal=_admin(session), user_id=999999, active=False)


def test_disable_ends_sessions_and_blocks_login_and_tokens(session):
    admin, user = _admin(session), factories.user(session, role="officer")
    cookie = sessions.start_session(session, user=user, hours=1, client_addr="")
    token = tokens.create_token(session, actor=Actor.system("t"), name="script", scopes=[], user=user)
    users.set_active(session, principal=admin, user_id=user.id, active=False)
    session.commit()
    assert sessions.user_for_session(session, cookie) is None
    assert tokens.principal_for_token(session, token) is None
    with pytest.raises(Forbidden):
        _login(session, user.username, factories.PASSWORD)
    with pytest.raises(Conflict):
        users.set_active(session, principal=admin, user_id=user.id, active=False)
    users.set_active(session, principal=admin, user_id=user.id, active=True)
    assert _login(session, user.username, factories.PASSWORD).id == user.id
    assert sessions.user_for_session(session, cookie) is None  # the old sessions stay ended


def test_an_administrator_cannot_disable_themselves_nor_the_last_administrator(session):
    admin = _admin(session)
    with pytest.raises(Conflict):
        users.set_active(session, principal=admin, user_id=admin.user.id, active=False)
    cli = auth.Principal(actor=Actor.system("cli"), permissions=frozenset({"user:manage"}))
    with pytest.raises(Conflict):
        users.set_active(session, principal=cli, user_id=admin.user.id, active=False)
    other = factories.user(session, role="admin")
    users.set_active(session, principal=admin, user_id=other.id, active=False)


def test_end_all_sessions_of_an_account(session):
    admin, user = _admin(session), factories.user(session, role="officer")
    cookies = [sessions.start_session(session, user=user, hours=1, client_addr=str(i)) for i in range(3)]
    assert users.end_user_sessions(session, principal=admin, user_id=user.id) == 3
    session.commit()
    assert all(sessions.user_for_session(session, c) is None for c in cookies)
    assert sessions.live_sessions(session, user) == []


def test_single_session_setting_ends_the_other_sessions(session):
    user = factories.user(session, role="officer")
    first = sessions.start_session(session, user=user, hours=1, client_addr="a")
    second = sessions.start_session(session, user=user, hours=1, client_addr="b")  # both may live by default
    assert sessions.user_for_session(session, first) and sessions.user_for_session(session, second)
    third = sessions.start_session(session, user=user, hours=1, client_addr="c", single=True)
    session.commit()
    assert sessions.user_for_session(session, first) is None and sessions.user_for_session(session, second) is None
    assert sessions.user_for_session(session, third).id == user.id
    assert len(session.exec(select(StaffSession).where(StaffSession.revoked_at.is_(None))).all()) == 1


def test_audit_holds_every_change_but_no_password_material(session):
    admin, user = _admin(session), factories.user(session, role="officer")
    temporary = users.reset_password(session, principal=admin, user_id=user.id)
    users.change_password(session, user=user, current_password=temporary, new_password=NEW, client_addr="",
                          throttle=THROTTLE)
    users.set_active(session, principal=admin, user_id=user.id, active=False)
    users.set_active(session, principal=admin, user_id=user.id, active=True)
    users.end_user_sessions(session, principal=admin, user_id=user.id)
    session.commit()
    rows = session.execute(text("SELECT action, actor, before, after FROM audit_event ORDER BY seq")).all()
    actions = [r.action for r in rows]
    for action in ("user.password_reset", "user.password_change", "user.disable", "user.enable",
                   "user.sessions_end"):
        assert action in actions
    dump = str(rows)
    for secret in (temporary, NEW, factories.PASSWORD, user.password_hash, "$argon2"):
        assert secret not in dump


# Login throttling -----------------------------------------------------------------------------

def _fail(session, username, client="1.2.3.4", device=""):
    with pytest.raises(Unauthorized):
        _login(session, username, "sai-mat-khau", client=client, device=device)


def test_backoff_doubles_after_the_free_failures(session):
    user = factories.user(session, role="officer")
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(THROTTLE.max_failures):
            _fail(session, user.username)
        with pytest.raises(TooManyRequests) as exc:
            _login(session, user.username, factories.PASSWORD)
        assert exc.value.retry_after == 30 and "30 giây" in exc.value.message
        clock.shift(31)
        _fail(session, user.username)  # allowed again, and wrong: the next wait is twice as long
        with pytest.raises(TooManyRequests) as exc:
            _login(session, user.username, factories.PASSWORD)
        assert exc.value.retry_after == 60
        clock.shift(61)
        _fail(session, user.username)
        with pytest.raises(TooManyRequests) as exc:
            _login(session, user.username, factories.PASSWORD)
        assert exc.value.retry_after == 120 and "2 phút" in exc.value.message
        clock.shift(121)
        assert _login(session, user.username, factories.PASSWORD).id == user.id  # never a lockout
        # A success forgets this client's failures for the user.
        assert session.exec(select(LoginAttempt).where(LoginAttempt.username == user.username)).all() == []


def test_the_wait_never_exceeds_the_window(session):
    user = factories.user(session, role="officer")
    with time_machine.travel(T0, tick=False):
        for i in range(30):
            session.add(LoginAttempt(username=user.username, client_addr="1.2.3.4", at=T0 - timedelta(seconds=i)))
        session.flush()
        wait = login.login_wait(session, username=user.username, client_addr="1.2.3.4", device="", throttle=THROTTLE)
        assert wait == THROTTLE.window_minutes * 60


def test_a_stranger_cannot_lock_out_a_staff_member(session):
    """Failures from one client slow that client down; the user logs in from elsewhere."""
    user = factories.user(session, role="leader")
    for _ in range(THROTTLE.max_failures * login.CLIENT_FACTOR + 3):
        try:
            _login(session, user.username, "doan-mo", client="6.6.6.6")
        except (Unauthorized, TooManyRequests):
            pass
    assert _login(session, user.username, factories.PASSWORD, client="10.0.0.7").id == user.id


def test_one_client_guessing_many_usernames_is_throttled(session):
    names = [f"khong-co-{i}" for i in range(THROTTLE.max_failures * login.CLIENT_FACTOR)]
    for name in names:
        _fail(session, name, client="6.6.6.6")
    with pytest.raises(TooManyRequests):
        _login(session, "nguoi-khac", "gi-do", client="6.6.6.6")
    with pytest.raises(Unauthorized):  # another client is not affected
        _login(session, "nguoi-khac", "gi-do", client="7.7.7.7")


def test_a_trusted_device_logs_in_through_a_flood_from_the_same_address(session):
    """Office staff share one address with whoever floods it; a browser that logged in as the
    user before carries a signed cookie, and only its own failures count."""
    user = factories.user(session, role="officer")
    cookie = login.remember_device(KEY, None, user.username)
    device = login.trusted_device(KEY, cookie, user.username)
    assert device and login.trusted_device(KEY, cookie, "someone-else") == ""
    assert login.trusted_device("another-key", cookie, user.username) == ""  # forged or foreign: not trusted
    assert login.trusted_device(KEY, cookie + "x", user.username) == ""
    for _ in range(THROTTLE.max_failures * login.CLIENT_FACTOR):
        try:
            _login(session, user.username, "doan-mo")
        except (Unauthorized, TooManyRequests):
            pass
    with pytest.raises(TooManyRequests):
        _login(session, user.username, factories.PASSWORD)  # untrusted from this address: wait
    assert _login(session, user.username, factories.PASSWORD, device=device).id == user.id
    # The device's own failures are throttled (with backoff, never a lockout).
    for _ in range(THROTTLE.max_failures):
        _fail(session, user.username, device=device)
    with pytest.raises(TooManyRequests):
        _login(session, user.username, factories.PASSWORD, device=device)


def test_the_device_cookie_remembers_a_few_users():
    cookie = None
    for i in range(login.DEVICE_USERS + 2):
        cookie = login.remember_device(KEY, cookie, f"u{i}")
    assert login.trusted_device(KEY, cookie, "u0") == ""
    assert login.trusted_device(KEY, cookie, f"u{login.DEVICE_USERS + 1}")
    assert login.trusted_device(KEY, "rac", "u0") == "" and login.trusted_device(KEY, None, "u0") == ""


# Who sees a denouncer --------------------------------------------------------------------------

def test_administrators_hold_no_case_powers():
    admin = auth.PERMISSIONS[Role.admin]
    assert not any(p.startswith("complaint:") for p in admin)
    assert {"user:manage", "token:manage", "rules:manage"} <= admin
    # Assigning is a leader's decision: whoever holds it resolves too.
    holders = {r for r, perms in auth.PERMISSIONS.items() if "complaint:assign" in perms}
    assert holders == {Role.leader}
