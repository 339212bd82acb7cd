"""Staff login and logout."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.deps import OptionalUser, SessionDep
from app.errors import TooManyRequests, Unauthorized
from app.routers.public.pages import _safe_next
from app.security import SESSION_COOKIE, client_addr
from app.services import auth
from app.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("/login", name="login_page")
def login_page(request: Request, user: OptionalUser, next: str = "/staff"):
    """The login form (already logged in: straight to the back office)."""
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "staff/login.html", {"next": _safe_next(next), "username": ""})


@router.post("/login", name="login")
def login(request: Request, session: SessionDep, username: str = Form("", max_length=200),
          password: str = Form("", max_length=1000), next: str = Form("/staff")):
    """Check the password (throttled), open a session, go where the user was heading."""
    settings = request.app.state.settings
    try:
        user = auth.authenticate(session, username=username, password=password, client_addr=client_addr(request),
                                 max_failures=settings.login_max_failures,
                                 window_minutes=settings.login_window_minutes)
    except (Unauthorized, TooManyRequests) as exc:
        # The failed attempt must be stored even though the answer is an error.
        session.commit()
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return render(request, "staff/login.html", {"next": _safe_next(next), "username": username,
                                                    "error": exc.message},
                      status_code=exc.status_code, headers=headers)
    token = auth.start_session(session, user=user, hours=settings.session_hours, client_addr=client_addr(request))
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_hours * 3600, httponly=True,
                        samesite="lax", secure=settings.cookie_secure, path="/")
    return response


@router.post("/logout", name="logout")
def logout(request: Request, session: SessionDep):
    """End the session on the server too, not only in the browser."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.end_session(session, token=token, client_addr=client_addr(request))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
