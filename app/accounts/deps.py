"""Who is asking: the staff user of a browser session, the principal and its permissions, an
API caller's token. The doors declare these as dependencies (`OptionalUser`, `CurrentStaff`,
`require("case:resolve")`, `require_api(...)`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.accounts import auth, sessions, tokens
from app.accounts.auth import Principal
from app.core.deps import SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.core.i18n import _
from app.core.ratelimit import limiter_for
from app.core.security import SESSION_COOKIE, client_addr
from app.models.user import StaffUser


class LoginRequired(Exception):
    """Raised for a staff page without a session; answered with a redirect to the login page."""


@dataclass(frozen=True)
class ShownUser:
    """What pages show of the logged-in user. A plain copy: error pages are rendered after the
    request's session has been rolled back and closed, when the ORM row can no longer load."""

    id: int | None
    username: str
    full_name: str
    role: str


def session_user(request: Request, session: Session) -> StaffUser | None:
    """The staff user of the request's session cookie, if any (and remembered for the pages)."""
    token = request.cookies.get(SESSION_COOKIE)
    user = sessions.user_for_session(session, token) if token else None
    request.state.user = ShownUser(user.id, user.username, user.full_name, user.role) if user else None
    return user


async def optional_user(request: Request, session: SessionDep) -> StaffUser | None:
    # Most visitors have no session cookie: they cost no thread here (the lookup runs in one).
    if not request.cookies.get(SESSION_COOKIE):
        request.state.user = None
        return None
    return await run_in_threadpool(session_user, request, session)


OptionalUser = Annotated[StaffUser | None, Depends(optional_user)]


class PasswordChangeRequired(Exception):
    """A staff page for a user whose password an administrator set: answered with a redirect to
    the account page until they choose their own (a password known to two people)."""


# What a user who must change their password may still open.
PASSWORD_CHANGE_PATHS = frozenset({"/staff/account", "/staff/account/password", "/staff/logout"})


def current_principal(request: Request, user: OptionalUser) -> Principal:
    if user is None:
        raise LoginRequired()
    if user.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired()
    principal = auth.principal_for_user(user, client_addr(request))
    if not principal.can("staff:access"):
        raise Forbidden(_("Bạn không có quyền truy cập khu vực cán bộ"))
    return principal


CurrentStaff = Annotated[Principal, Depends(current_principal)]


def require(permission: str):
    """A staff page that needs `permission` (403 otherwise)."""

    def dependency(principal: CurrentStaff) -> Principal:
        if not principal.can(permission):
            raise Forbidden(_("Bạn không có quyền thực hiện thao tác này"))
        return principal

    return Depends(dependency)


def api_principal(request: Request, session: SessionDep) -> Principal | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_("Cần mã truy cập dạng Bearer"))
    principal = tokens.principal_for_token(session, token.strip(), client_addr(request))
    if principal is None:
        raise Unauthorized(_("Mã truy cập không hợp lệ hoặc đã bị thu hồi"))
    # Per token, whatever address it calls from: 429 with Retry-After beyond its limit.
    limiter_for(request.app).hit(f"token:{principal.token_id}", principal.rate_limit, 60)
    return principal


def require_api(permission: str):
    """An API call that needs a bearer token allowed to do `permission`."""

    def dependency(principal: Annotated[Principal | None, Depends(api_principal)]) -> Principal:
        if principal is None:
            raise Unauthorized(_("Cần mã truy cập dạng Bearer"))
        if not principal.can(permission):
            raise Forbidden(_("Mã truy cập không có phạm vi cần thiết"))
        return principal

    return Depends(dependency)


def require_api_or_staff(permission: str):
    """A call open to a bearer token or to a logged-in staff user (the browser's session
    cookie), either allowed to do `permission`: the token when an Authorization header is
    sent, else the session; neither is a 401 problem, not a redirect to the login page."""

    def dependency(request: Request, session: SessionDep) -> Principal:
        if request.headers.get("Authorization"):
            principal = api_principal(request, session)
        else:
            user = session_user(request, session)
            principal = auth.principal_for_user(user, client_addr(request)) if user else None
        if principal is None:
            raise Unauthorized(_("Cần đăng nhập hoặc mã truy cập dạng Bearer"))
        if not principal.can(permission):
            raise Forbidden(_("Bạn không có quyền thực hiện thao tác này"))
        return principal

    return Depends(dependency)
