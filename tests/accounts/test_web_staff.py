"""Account pages (issue 11): change one's password, the administrator's account list (reset,
disable, enable, end sessions), the login's throttling with a trusted device, SINGLE_SESSION."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from app.accounts.login import DEVICE_COOKIE
from app.main import create_app
from app.models.user import LoginAttempt, StaffUser
from tests import factories

NEW = "ba-con-voi-bien-mat"


def _post(client, path, data=None, page="/staff/account"):
    token = factories.csrf(client, page)
    return client.post(path, data={**(data or {}), "csrf_token": token}, follow_redirects=False)


def _change(client, current=factories.PASSWORD, new=NEW, again=None):
    return _post(client, "/staff/account/password",
                 {"current_password": current, "new_password": new, "new_password2": new if again is None else again})


def _other_client(app, username, password=factories.PASSWORD):
    c = TestClient(app, base_url="http://testserver")
    c.__enter__()
    factories.login(c, username, password)
    return c


def _logged_in(client) -> bool:
    return client.get("/staff", follow_redirects=False).status_code == 200


def test_every_staff_member_has_an_account_page(client, login):
    user = login("supervisor")
    r = client.get("/staff/account")
    assert r.status_code == 200 and user.username in r.text
    assert 'href="/staff/account"' in r.text and 'autocomplete="current-password"' in r.text
    assert r.headers["cache-control"] == "no-store"
    assert 'href="/staff/accounts"' not in r.text  # only administrators see the list


def test_change_password_keeps_this_browser_and_logs_out_the_others(app, client, session, login):
    user = login("officer")
    other = _other_client(app, user.username)
    r = _change(client)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=password")
    assert "Đã đổi mật khẩu" in client.get(r.headers["location"]).text
    assert _logged_in(client) and not _logged_in(other)
    other.__exit__(None, None, None)
    with TestClient(app, base_url="http://testserver") as fresh:
        factories.login(fresh, user.username, NEW)


@pytest.mark.parametrize("current,new,again,message", [
    ("sai-mat-khau-roi", NEW, None, "Mật khẩu hiện tại không đúng"),
    (factories.PASSWORD, NEW, NEW + "x", "Hai lần nhập mật khẩu mới không khớp"),
    (factories.PASSWORD, "aaaaaaaaaaaa", None, "Mật khẩu quá dễ đoán"),
    (factories.PASSWORD, "ngan", None, "ít nhất 10 ký tự"),
    (factories.PASSWORD, "minhbach-demo", None, "đã được công bố"),
])
def test_bad_password_changes_are_a_422_with_the_reason(client, session, login, current, new, again, message):
    user = login("officer")
    before = user.password_hash
    r = _change(client, current, new, again)
    assert r.status_code == 422 and message in r.text
    assert 'aria-invalid="true"' in r.text and NEW not in r.text  # a password is never echoed back
    session.refresh(user)
    assert user.password_hash == before


def test_account_pages_need_login_and_csrf(client, login):
    assert client.get("/staff/account", follow_redirects=False).status_code == 303
    login("officer")
    r = client.post("/staff/account/password", data={"current_password": factories.PASSWORD,
                                                     "new_password": NEW, "new_password2": NEW})
    assert r.status_code == 403


def test_end_my_other_sessions(app, client, login):
    user = login("leader")
    other = _other_client(app, user.username)
    r = _post(client, "/staff/account/sessions/end")
    assert r.status_code == 303 and _logged_in(client) and not _logged_in(other)
    other.__exit__(None, None, None)


# The administrator's list ---------------------------------------------------------------------

def test_only_administrators_see_the_account_list(client, session, login):
    login("leader")
    assert client.get("/staff/accounts").status_code == 403
    target = factories.user(session, role="officer")
    assert _post(client, f"/staff/accounts/{target.id}/disable").status_code == 403


def test_reset_shows_a_temporary_password_once_and_forces_a_change(app, client, session, login):
    login("admin")
    target = factories.user(session, role="officer")
    victim_browser = _other_client(app, target.username)
    page = client.get("/staff/accounts")
    assert page.status_code == 200 and target.username in page.text and 'href="/staff/accounts"' in page.text
    r = _post(client, f"/staff/accounts/{target.id}/reset", page="/staff/accounts")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    temporary = re.search(r'<code class="token">([^<]+)</code>', r.text).group(1)
    assert temporary not in client.get("/staff/accounts").text  # shown once
    assert not _logged_in(victim_browser)
    victim_browser.__exit__(None, None, None)
    with TestClient(app, base_url="http://testserver") as holder:
        r = factories.login(holder, target.username, temporary)
        assert r.headers["location"].startswith("/staff/account?next=")
        assert "Mật khẩu của bạn do quản trị hệ thống đặt" in holder.get("/staff/account").text
        # Until they choose their own, every other staff page leads back to the account page.
        r = holder.get("/staff/complaints?status=received", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/staff/account?next=%2Fstaff%2Fcomplaints%3Fstatus%3Dreceived"
        r = holder.get("/staff", headers={"HX-Request": "true"}, follow_redirects=False)
        assert r.status_code == 204 and r.headers["hx-redirect"].startswith("/staff/account?next=")
        r = _post(holder, "/staff/account/password",
                  {"current_password": temporary, "new_password": NEW, "new_password2": NEW, "next": "/staff"})
        assert r.status_code == 303 and r.headers["location"] == "/staff"
        assert holder.get("/staff/complaints", follow_redirects=False).status_code == 200
    session.refresh(target)
    assert not target.must_change_password


def test_reset_with_a_typed_password_follows_the_rule(client, session, login):
    login("admin")
    target = factories.user(session, role="officer")
    r = _post(client, f"/staff/accounts/{target.id}/reset", {"password": "1234567890"}, page="/staff/accounts")
    assert r.status_code == 422 and "Mật khẩu quá dễ đoán" in r.text and "1234567890" not in r.text
    r = _post(client, f"/staff/accounts/{target.id}/reset", {"password": NEW}, page="/staff/accounts")
    assert r.status_code == 200 and NEW in r.text


def test_disable_logs_out_at_once_and_enable_again(app, client, session, login):
    admin = login("admin")
    target = factories.user(session, role="officer")
    victim_browser = _other_client(app, target.username)
    r = _post(client, f"/staff/accounts/{target.id}/disable", page="/staff/accounts")
    assert r.status_code == 303 and f"#u-{target.id}" in r.headers["location"]
    assert "Đã vô hiệu hóa tài khoản" in client.get(r.headers["location"]).text
    assert not _logged_in(victim_browser)
    token = factories.csrf(victim_browser)
    r = victim_browser.post("/staff/login", data={"username": target.username, "password": factories.PASSWORD,
                                                  "csrf_token": token})
    assert r.status_code == 403 and "vô hiệu hóa" in r.text
    # Again: a 409 on the page, not a 500.
    assert _post(client, f"/staff/accounts/{target.id}/disable", page="/staff/accounts").status_code == 409
    assert _post(client, f"/staff/accounts/{admin.id}/disable", page="/staff/accounts").status_code == 409
    assert _post(client, f"/staff/accounts/{target.id}/enable", page="/staff/accounts").status_code == 303
    factories.login(victim_browser, target.username)
    victim_browser.__exit__(None, None, None)
    assert _post(client, "/staff/accounts/999999/enable", page="/staff/accounts").status_code == 404
    assert _post(client, "/staff/accounts/0/enable", page="/staff/accounts").status_code == 422


def test_end_all_sessions_of_an_account(app, client, session, login):
    login("admin")
    target = factories.user(session, role="leader")
    browsers = [_other_client(app, target.username) for _ in range(2)]
    r = _post(client, f"/staff/accounts/{target.id}/sessions/end", page="/staff/accounts")
    assert r.status_code == 303 and "Đã kết thúc mọi phiên" in client.get(r.headers["location"]).text
    assert not any(_logged_in(b) for b in browsers)
    for b in browsers:
        b.__exit__(None, None, None)
    actions = [a for (a,) in session.execute(text("SELECT action FROM audit_event"))]
    assert "user.sessions_end" in actions


# Login throttling ------------------------------------------------------------------------------

def _try(client, username, password):
    token = factories.csrf(client)
    return client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)


def test_a_trusted_browser_logs_in_while_others_are_throttled(app, client, session, settings):
    user = factories.user(session, role="officer")
    factories.login(client, user.username)  # this browser is now trusted for the user
    client.post("/staff/logout", data={"csrf_token": factories.csrf(client, "/staff")})
    assert "mb_device" in client.cookies
    with TestClient(app, base_url="http://testserver") as stranger:  # same address as the staff member
        for _ in range(settings.login_max_failures):
            assert _try(stranger, user.username, "doan-mo").status_code == 401
        r = _try(stranger, user.username, factories.PASSWORD)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert "Vui lòng chờ" in r.text and f'value="{user.username}"' in r.text
    assert _try(client, user.username, factories.PASSWORD).status_code == 303


def test_a_forged_device_cookie_is_not_trusted(app, session, settings):
    user = factories.user(session, role="officer")
    with TestClient(app, base_url="http://testserver") as c:
        for _ in range(settings.login_max_failures):
            _try(c, user.username, "doan-mo")
        c.cookies.set("mb_device", "eyJ4IjoxfQ.forged", path="/staff/login")
        assert _try(c, user.username, factories.PASSWORD).status_code == 429


def test_overlong_login_input_is_a_422(client):
    r = _try(client, "a" * 300, "x")
    assert r.status_code == 422 and "quá dài" in r.text


@pytest.fixture
def single_session_app(settings):
    application = create_app(settings.model_copy(update={"single_session": True}))
    yield application
    application.state.engine.dispose()


def test_single_session_setting(single_session_app, settings):
    app = single_session_app
    with TestClient(app, base_url="http://testserver") as setup:
        factories.csrf(setup)
    from app.core.db import session_for

    with session_for(app.state.engine, write=True, audit_key=app.state.secret_key) as s:
        user = factories.user(s, role="officer")
        username = user.username
    first = _other_client(app, username)
    second = _other_client(app, username)
    assert _logged_in(second) and not _logged_in(first)
    first.__exit__(None, None, None)
    second.__exit__(None, None, None)


def test_failed_logins_are_stored_for_throttling(client, session):
    _try(client, "khong-ai", "sai")
    row = session.exec(select(LoginAttempt)).one()
    assert row.username == "khong-ai" and row.device == ""
    assert session.exec(select(StaffUser)).all() == []
    assert DEVICE_COOKIE == "mb_device"
