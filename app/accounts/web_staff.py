"""Accounts: every staff member changes their own password and ends their other sessions; an
administrator (`user:manage`) lists the accounts, resets a password (a temporary one, shown
once), disables or enables an account and ends all of its sessions. Served under /staff
(registered in app/main.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.accounts import login, passwords, sessions, users
from app.accounts.auth import Principal
from app.accounts.deps import CurrentStaff, require
from app.core.deps import FormDep, RowId, SessionDep
from app.core.errors import AppError, Invalid, TooManyRequests
from app.core.forms import FormFailure, form_values, refused_by_service
from app.core.i18n import N_, _
from app.core.security import SESSION_COOKIE, client_addr
from app.core.templating import render
from app.site.web_public import safe_next

router = APIRouter(prefix="/staff", include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}
# What the list page says after a change (a redirect carries the key, never free text).
DONE = {
    "disabled": N_("Đã vô hiệu hóa tài khoản %s; mọi phiên đăng nhập của tài khoản đã kết thúc."),
    "enabled": N_("Đã kích hoạt lại tài khoản %s."),
    "sessions": N_("Đã kết thúc mọi phiên đăng nhập của tài khoản %s."),
}


def _account_page(request: Request, session: Session, principal: Principal, *, errors: dict | None = None,
                  done: str = "", next_url: str = "", status_code: int = 200):
    user = principal.account
    ctx = {"principal": principal, "user": user, "errors": errors or {}, "done": done, "next": next_url,
           "sessions": sessions.live_sessions(session, user), "min_length": passwords.MIN_LENGTH}
    return render(request, "staff/accounts/account.html", ctx, status_code=status_code, headers=NO_STORE)


@router.get("/account", name="account_page")
def account_page(request: Request, session: SessionDep, principal: CurrentStaff, done: str = "", next: str = ""):
    """One's own account: change the password, see and end one's sessions."""
    return _account_page(request, session, principal, done=done if done in ("password", "sessions") else "",
                         next_url=safe_next(next) if next else "")


@router.post("/account/password", name="account_password")
def change_password(request: Request, form: FormDep, session: SessionDep, principal: CurrentStaff):
    """Change one's own password; this browser stays logged in, the others are logged out."""
    values = form_values(form)
    current, new, again = (str(form.get(k) or "") for k in ("current_password", "new_password", "new_password2"))
    next_url = safe_next(values["next"]) if values.get("next") else ""
    try:
        if new != again:
            raise Invalid(_("Hai lần nhập mật khẩu mới không khớp"), fields={"new_password2": "mismatch"})
        users.change_password(session, user=principal.account, current_password=current, new_password=new,
                              client_addr=client_addr(request), throttle=login.Throttle.from_settings(
                                  request.app.state.settings), keep_token=request.cookies.get(SESSION_COOKIE))
    except AppError as exc:
        if exc.status_code not in (422, 429):
            raise
        # A wrong current password is counted against guessing: keep that, undo nothing else.
        session.commit()
        errors = {k: exc.message for k in exc.fields} or {"__all__": exc.message}
        response = _account_page(request, session, principal, errors=errors, next_url=next_url,
                                 status_code=exc.status_code)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if next_url:
        return RedirectResponse(next_url, status_code=303)
    return RedirectResponse(request.app.url_path_for("account_page") + "?done=password", status_code=303)


@router.post("/account/sessions/end", name="account_end_sessions")
def end_own_sessions(request: Request, form: FormDep, session: SessionDep, principal: CurrentStaff):
    """Log out every other browser of mine (this one stays)."""
    users.end_own_sessions(session, user=principal.account, keep_token=request.cookies.get(SESSION_COOKIE),
                           client_addr=client_addr(request))
    return RedirectResponse(request.app.url_path_for("account_page") + "?done=sessions", status_code=303)


def _list_page(request: Request, session: Session, principal: Principal, *, done: str = "", reset: tuple | None = None,
               failed: int | None = None, errors: dict | None = None, status_code: int = 200):
    ctx = {"principal": principal, "users": users.list_users(session), "done": done, "reset": reset,
           "failed": failed, "errors": errors or {}, "min_length": passwords.MIN_LENGTH,
           "max_length": passwords.MAX_LENGTH}
    return render(request, "staff/accounts/list.html", ctx, status_code=status_code, headers=NO_STORE)


@router.get("/accounts", name="accounts_admin")
def accounts_page(request: Request, session: SessionDep, done: str = "", user: str = "",
                  principal: Principal = require("user:manage")):
    """Every account: its role, whether it is active, its live sessions, and the actions."""
    message = _(DONE[done]) % user[:64] if done in DONE else ""
    return _list_page(request, session, principal, done=message)


# What an account form shows beside its fields instead of an error page.
SHOWN = (404, 409, 422)


def _failed(request: Request, session: Session, principal: Principal, user_id: int, failed: FormFailure):
    return _list_page(request, session, principal, failed=user_id, errors=failed.errors(),
                      status_code=failed.status_code)


def _done(request: Request, what: str, username: str, user_id: int) -> RedirectResponse:
    query = urlencode({"done": what, "user": username})
    return RedirectResponse(f"{request.app.url_path_for('accounts_admin')}?{query}#u-{user_id}", status_code=303)


@router.post("/accounts/{user_id}/reset", name="account_reset")
def reset_password(request: Request, form: FormDep, session: SessionDep, user_id: RowId,
                   principal: Principal = require("user:manage")):
    """Give an account a temporary password (typed by the administrator, or generated), shown
    once; all its sessions end and its holder must choose a new one at the next login."""
    typed = str(form.get("password") or "")
    with refused_by_service(session, shown=SHOWN) as failed:
        password = users.reset_password(session, principal=principal, user_id=user_id, password=typed or None)
    if failed:
        return _failed(request, session, principal, user_id, failed)
    return _list_page(request, session, principal, reset=(users.get_user(session, user_id), password))


def _set_active(request: Request, session, principal: Principal, user_id: int, *, active: bool):
    with refused_by_service(session, shown=SHOWN) as failed:
        user = users.set_active(session, principal=principal, user_id=user_id, active=active)
    if failed:
        return _failed(request, session, principal, user_id, failed)
    return _done(request, "enabled" if active else "disabled", user.username, user_id)


@router.post("/accounts/{user_id}/disable", name="account_disable")
def disable(request: Request, form: FormDep, session: SessionDep, user_id: RowId,
            principal: Principal = require("user:manage")):
    """Disable an account: it cannot log in, and its sessions end at once."""
    return _set_active(request, session, principal, user_id, active=False)


@router.post("/accounts/{user_id}/enable", name="account_enable")
def enable(request: Request, form: FormDep, session: SessionDep, user_id: RowId,
           principal: Principal = require("user:manage")):
    """Let a disabled account log in again."""
    return _set_active(request, session, principal, user_id, active=True)


@router.post("/accounts/{user_id}/sessions/end", name="account_sessions_end")
def end_sessions(request: Request, form: FormDep, session: SessionDep, user_id: RowId,
                 principal: Principal = require("user:manage")):
    """End every session of an account at once."""
    with refused_by_service(session, shown=SHOWN) as failed:
        users.end_user_sessions(session, principal=principal, user_id=user_id)
    if failed:
        return _failed(request, session, principal, user_id, failed)
    return _done(request, "sessions", users.get_user(session, user_id).username, user_id)
