"""Staff login and logout. Logins are throttled per (username, client) and per client with
backoff; a browser that logged in as the user before keeps a signed "trusted device" cookie so
that other people's wrong guesses never keep the right password out (app/accounts/login.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from app.accounts.deps import OptionalUser
from app.accounts.login import DEVICE_COOKIE, DEVICE_MAX_AGE, authenticate, remember_device, trusted_device
from app.accounts.sessions import end_session, start_session
from app.core.deps import FormDep, SessionDep
from app.core.errors import Forbidden, Invalid, TooManyRequests, Unauthorized
from app.core.forms import form_values
from app.core.i18n import _
from app.core.security import SESSION_COOKIE, client_addr
from app.core.templating import render
from app.site.web_public import safe_next

router = APIRouter(prefix="/staff", include_in_schema=False)

MAX_USERNAME = 200
MAX_PASSWORD = 1000


@router.get("/login", name="login_page")
def login_page(request: Request, user: OptionalUser, next: str = "/staff"):
    """The login form (already logged in: straight to the back office)."""
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "staff/login.html", {"next": safe_next(next), "username": ""})


@router.post("/login", name="login")
def login(request: Request, form: FormDep, session: SessionDep):
    """Check the password (throttled), open a session, go where the user was heading."""
    settings = request.app.state.settings
    key = request.app.state.secret_key
    values = form_values(form)
    username, password = values.get("username", ""), str(form.get("password") or "")
    next_url = safe_next(values.get("next", "/staff"))
    addr = client_addr(request)
    device_cookie = request.cookies.get(DEVICE_COOKIE)
    try:
        if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
            raise Invalid(_("Tên đăng nhập hoặc mật khẩu quá dài"))
        user = authenticate(session, username=username, password=password, client_addr=addr,
                            max_failures=settings.login_max_failures,
                            window_minutes=settings.login_window_minutes,
                            device=trusted_device(key, device_cookie, username))
    except (Invalid, Unauthorized, Forbidden, TooManyRequests) as exc:
        # The failed attempt must be stored even though the answer is an error.
        session.commit()
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return render(request, "staff/login.html", {"next": next_url, "username": username[:MAX_USERNAME],
                                                    "error": exc.message},
                      status_code=exc.status_code, headers=headers)
    token = start_session(session, user=user, hours=settings.session_hours, client_addr=addr,
                          single=settings.single_session)
    if user.must_change_password:
        # A password an administrator set is known to two people: the holder chooses their own.
        next_url = request.app.url_path_for("account_page") + "?" + urlencode({"next": next_url})
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_hours * 3600, httponly=True,
                        samesite="lax", secure=settings.cookie_secure, path="/")
    response.set_cookie(DEVICE_COOKIE, remember_device(key, device_cookie, user.username),
                        max_age=int(DEVICE_MAX_AGE.total_seconds()), httponly=True, samesite="lax",
                        secure=settings.cookie_secure, path="/staff/login")
    return response


@router.post("/logout", name="logout")
def logout(request: Request, session: SessionDep):
    """End the session on the server too, not only in the browser."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(session, token=token, client_addr=client_addr(request))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
