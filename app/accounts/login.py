"""Logging in: checking a password, throttled. Failures are counted per (username, client
address) and per client address, never per username alone: a stranger cannot lock a staff
member out by typing their name. Past the free failures each further attempt waits twice as
long as the one before (capped at the window). A browser that logged in as the user before
carries a signed "trusted device" cookie (OWASP's device cookies); from it, only that device's
own failures count, so a flood of wrong guesses from the same office network never keeps the
right password out."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.accounts.auth import hash_password, verify_password
from app.core.db import utcnow
from app.core.errors import Forbidden, TooManyRequests, Unauthorized
from app.core.i18n import _, ngettext
from app.core.validation import strip_control_chars
from app.models.user import LoginAttempt, StaffUser

BACKOFF_BASE = timedelta(seconds=30)
CLIENT_FACTOR = 4  # a client may fail this many times more often, over all usernames together
DEVICE_COOKIE = "mb_device"
DEVICE_MAX_AGE = timedelta(days=180)
DEVICE_USERS = 5  # a shared office computer remembers this many staff


@dataclass(frozen=True)
class Throttle:
    max_failures: int = 5
    window_minutes: int = 15

    @classmethod
    def from_settings(cls, settings) -> Throttle:
        return cls(settings.login_max_failures, settings.login_window_minutes)

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)


def _device_serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt="minhbach.trusted-device")


def _devices(key: str, cookie: str | None) -> dict[str, str]:
    if not cookie:
        return {}
    try:
        data = _device_serializer(key).loads(cookie, max_age=int(DEVICE_MAX_AGE.total_seconds()))
    except (BadSignature, ValueError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(u): str(d) for u, d in data.items() if isinstance(u, str) and isinstance(d, str)}


def normalise_username(username: str) -> str:
    return strip_control_chars(username).strip().lower()


def trusted_device(key: str, cookie: str | None, username: str) -> str:
    """The device id this browser's signed cookie holds for `username`, or "" (not trusted)."""
    return _devices(key, cookie).get(normalise_username(username)[:64], "")


def remember_device(key: str, cookie: str | None, username: str) -> str:
    """The cookie after a successful login as `username`: a new device id for that user."""
    devices = _devices(key, cookie)
    name = normalise_username(username)[:64]
    devices.pop(name, None)
    devices[name] = secrets.token_hex(16)
    return _device_serializer(key).dumps(dict(list(devices.items())[-DEVICE_USERS:]))


def _wait(session: Session, conditions: list, free: int, throttle: Throttle, now: datetime) -> int:
    """Seconds before the next attempt under these conditions (0: go ahead)."""
    count, last = session.exec(
        select(func.count(), func.max(LoginAttempt.at)).where(*conditions, LoginAttempt.at >= now - throttle.window)
    ).one()
    if count < free or last is None:
        return 0
    if last.tzinfo is None:  # SQLite, through an aggregate: naive UTC
        last = last.replace(tzinfo=now.tzinfo)
    delay = min(BACKOFF_BASE * 2 ** min(count - free, 20), throttle.window)
    return max(0, math.ceil((last + delay - now).total_seconds()))


def login_wait(session: Session, *, username: str, client_addr: str, device: str, throttle: Throttle) -> int:
    """How long this caller must wait before trying `username` again, in seconds."""
    now = utcnow()
    if device:
        return _wait(session, [LoginAttempt.device == device], throttle.max_failures, throttle, now)
    untrusted = LoginAttempt.device == ""
    return max(
        _wait(session, [untrusted, LoginAttempt.username == username, LoginAttempt.client_addr == client_addr],
              throttle.max_failures, throttle, now),
        _wait(session, [untrusted, LoginAttempt.client_addr == client_addr],
              throttle.max_failures * CLIENT_FACTOR, throttle, now),
    )


def _too_many(seconds: int) -> TooManyRequests:
    if seconds >= 120:
        minutes = math.ceil(seconds / 60)
        text = ngettext("Đăng nhập sai nhiều lần. Vui lòng chờ %d phút rồi thử lại.",
                        "Đăng nhập sai nhiều lần. Vui lòng chờ %d phút rồi thử lại.", minutes) % minutes
    else:
        text = ngettext("Đăng nhập sai nhiều lần. Vui lòng chờ %d giây rồi thử lại.",
                        "Đăng nhập sai nhiều lần. Vui lòng chờ %d giây rồi thử lại.", seconds) % seconds
    return TooManyRequests(text, retry_after=max(seconds, 1))


def record_failure(session: Session, *, username: str, client_addr: str, device: str) -> None:
    session.add(LoginAttempt(username=username[:64], client_addr=client_addr[:64], device=device[:32]))
    session.flush()


def check_throttle(session: Session, *, username: str, client_addr: str, device: str, throttle: Throttle) -> None:
    seconds = login_wait(session, username=username, client_addr=client_addr, device=device, throttle=throttle)
    if seconds > 0:
        raise _too_many(seconds)


def authenticate(
    session: Session, *, username: str, password: str, client_addr: str, max_failures: int, window_minutes: int,
    device: str = "",
) -> StaffUser:
    """Check a login, throttled per (username, client) and per client with backoff, or per
    trusted device (`device`: from `trusted_device`). A success forgets this caller's failures."""
    username = normalise_username(username)
    throttle = Throttle(max_failures, window_minutes)
    check_throttle(session, username=username, client_addr=client_addr, device=device, throttle=throttle)
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    # Spend the same time whether the user exists, is inactive, or gave a wrong password.
    if user is not None:
        password_ok = verify_password(password, user.password_hash)
    else:
        hash_password(password)
        password_ok = False
    if not password_ok or user is None:
        record_failure(session, username=username, client_addr=client_addr, device=device)
        raise Unauthorized(_("Tên đăng nhập hoặc mật khẩu không đúng"))
    if not user.is_active:
        # Only the holder of the right password learns that the account is disabled.
        raise Forbidden(_("Tài khoản này đã bị vô hiệu hóa. Vui lòng liên hệ quản trị hệ thống."))
    forget = (col(LoginAttempt.device) == device) if device else (
        (col(LoginAttempt.device) == "") & (col(LoginAttempt.username) == username)
        & (col(LoginAttempt.client_addr) == client_addr[:64]))
    session.execute(delete(LoginAttempt).where(forget))
    # Failures older than any window are of no use: keep the table small.
    oldest = utcnow() - max(throttle.window, timedelta(days=1))
    session.execute(delete(LoginAttempt).where(col(LoginAttempt.at) < oldest))
    return user
