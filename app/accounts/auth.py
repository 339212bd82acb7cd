"""Staff accounts, roles and permissions, browser sessions, API tokens, login throttling."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from pwdlib import PasswordHash
from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from app.accounts import audit, passwords
from app.accounts.audit import Actor
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized
from app.core.i18n import N_, _, ngettext
from app.core.validation import strip_control_chars
from app.models.user import ApiToken, LoginAttempt, Role, StaffSession, StaffUser

_hasher = PasswordHash.recommended()  # argon2id

# Least privilege: each role gets only what its work needs. Supervisors read, never write.
# Administrators administer accounts, rules and tokens, not cases: they hold no `complaint:*`,
# so a denouncer's identity reaches only the resolving leader and the handler a leader assigned.
_CASES_HANDLE = {"complaint:read", "complaint:intake", "complaint:handle"}
# Reception: `read` is sessions and counts; `register` names visitors (ID numbers masked);
# `personal` is the full ID number and the register's export; `reopen` a closed register.
_RECEPTION_KEEPER = {"reception:read", "reception:schedule", "reception:register", "reception:personal"}
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.admin: frozenset({
        "staff:access", "disclosure:read", "disclosure:edit", "disclosure:publish",
        "user:manage", "audit:read", "rules:manage",
        "reception:read", "reception:schedule", "report:read", "token:manage",
    }),
    Role.leader: frozenset({"staff:access", "disclosure:read", "disclosure:edit", "disclosure:publish", "audit:read",
                            *_CASES_HANDLE, "complaint:assign", "complaint:resolve",
                            *_RECEPTION_KEEPER, "reception:reopen", "dialogue:manage", "report:read"}),
    Role.publisher: frozenset({"staff:access", "disclosure:read", "disclosure:edit", "disclosure:publish"}),
    Role.officer: frozenset({"staff:access", "disclosure:read", "disclosure:edit", *_CASES_HANDLE, "reception:read",
                             "dialogue:manage"}),
    Role.reception: frozenset({"staff:access", "disclosure:read", "complaint:read", "complaint:intake",
                               *_RECEPTION_KEEPER}),
    # Supervisors see how cases are handled and how often citizens are received; a denouncer's
    # identity and the register's names stay hidden from them.
    Role.supervisor: frozenset({"staff:access", "disclosure:read", "audit:read", "complaint:read", "reception:read",
                                "report:read"}),
}

# What an integration token's scope lets it do, in the same permission terms as a role.
SCOPES: dict[str, frozenset[str]] = {
    "disclosures:write": frozenset({"disclosure:read", "disclosure:edit", "disclosure:publish"}),
    "disclosures:read": frozenset({"disclosure:read"}),
    "complaints:read": frozenset({"complaint:read"}),
    "complaints:write": frozenset({"complaint:read", "complaint:intake"}),
    "reception:read": frozenset({"reception:read"}),
    "reception:personal": frozenset({"reception:read", "reception:personal"}),
    "reports:read": frozenset({"report:read"}),
}

# What each scope lets an integration do, in the words the administrator chooses by.
SCOPE_LABELS = {
    "disclosures:read": N_("Đọc văn bản đã công khai (không gồm bản nháp)"),
    "disclosures:write": N_("Soạn, đăng, sửa, thu hồi văn bản công khai"),
    "complaints:read": N_("Đọc hồ sơ đơn thư (không thấy danh tính người tố cáo)"),
    "complaints:write": N_("Nhập đơn thư (ví dụ từ ứng dụng phản ánh, Open311)"),
    "reception:read": N_("Đọc lịch và số liệu tiếp công dân"),
    "reception:personal": N_("Đọc sổ tiếp công dân có thông tin cá nhân"),
    "reports:read": N_("Đọc báo cáo định kỳ"),
}

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


@dataclass(frozen=True)
class Principal:
    """An authenticated caller (staff user or token) with what it may do."""

    actor: Actor
    permissions: frozenset[str]
    user: StaffUser | None = None
    token_id: int | None = None  # when it came with an API token
    rate_limit: int = 0  # the token's calls per minute (0: no token, not limited here)

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, *, actor: Actor, username: str, role: str, password: str, full_name: str = "") -> StaffUser:
    username = username.strip().lower()
    if role not in PERMISSIONS:
        raise Invalid(_("Vai trò không hợp lệ: %s") % role)
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise Invalid(_("Tên đăng nhập chỉ gồm chữ, số, dấu chấm, gạch dưới, gạch ngang"))
    passwords.check(password, user_inputs=(username, full_name))
    if session.exec(select(StaffUser).where(StaffUser.username == username)).first():
        raise Conflict(_("Tên đăng nhập đã tồn tại"))
    user = StaffUser(username=username, role=role, full_name=full_name, password_hash=hash_password(password),
                     password_changed_at=utcnow())
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.create", entity_type="staff_user", entity_id=user.id,
                 after={"username": username, "role": role, "full_name": full_name})
    return user


# Login throttling. Failures are counted per (username, client address) and per client address,
# never per username alone: a stranger cannot lock a staff member out by typing their name.
# Past the free failures each further attempt waits twice as long as the one before (capped at
# the window). A browser that logged in as the user before carries a signed "trusted device"
# cookie (OWASP's device cookies); from it, only that device's own failures count, so a flood of
# wrong guesses from the same office network never keeps the right password out.
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


def _normalise_username(username: str) -> str:
    return strip_control_chars(username).strip().lower()


def trusted_device(key: str, cookie: str | None, username: str) -> str:
    """The device id this browser's signed cookie holds for `username`, or "" (not trusted)."""
    return _devices(key, cookie).get(_normalise_username(username)[:64], "")


def remember_device(key: str, cookie: str | None, username: str) -> str:
    """The cookie after a successful login as `username`: a new device id for that user."""
    devices = _devices(key, cookie)
    name = _normalise_username(username)[:64]
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


def _record_failure(session: Session, *, username: str, client_addr: str, device: str) -> None:
    session.add(LoginAttempt(username=username[:64], client_addr=client_addr[:64], device=device[:32]))
    session.flush()


def _check_throttle(session: Session, *, username: str, client_addr: str, device: str, throttle: Throttle) -> None:
    seconds = login_wait(session, username=username, client_addr=client_addr, device=device, throttle=throttle)
    if seconds > 0:
        raise _too_many(seconds)


def authenticate(
    session: Session, *, username: str, password: str, client_addr: str, max_failures: int, window_minutes: int,
    device: str = "",
) -> StaffUser:
    """Check a login, throttled per (username, client) and per client with backoff, or per
    trusted device (`device`: from `trusted_device`). A success forgets this caller's failures."""
    username = _normalise_username(username)
    throttle = Throttle(max_failures, window_minutes)
    _check_throttle(session, username=username, client_addr=client_addr, device=device, throttle=throttle)
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    # Spend the same time whether the user exists, is inactive, or gave a wrong password.
    if user is not None:
        password_ok = _hasher.verify(password, user.password_hash)
    else:
        _hasher.hash(password)
        password_ok = False
    if not password_ok or user is None:
        _record_failure(session, username=username, client_addr=client_addr, device=device)
        raise Unauthorized(_("Tên đăng nhập hoặc mật khẩu không đúng"))
    if not user.is_active:
        # Only the holder of the right password learns that the account is disabled.
        raise Forbidden(_("Tài khoản này đã bị vô hiệu hóa. Vui lòng liên hệ quản trị hệ thống."))
    forget = (LoginAttempt.device == device) if device else (
        (LoginAttempt.device == "") & (LoginAttempt.username == username) & (LoginAttempt.client_addr == client_addr[:64]))
    session.execute(delete(LoginAttempt).where(forget))
    # Failures older than any window are of no use: keep the table small.
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - max(throttle.window, timedelta(days=1))))
    return user


def start_session(session: Session, *, user: StaffUser, hours: int, client_addr: str, single: bool = False) -> str:
    """Create a browser session; returns the cookie value (only its hash is stored). `single`
    (setting SINGLE_SESSION): the user's other sessions end."""
    token = secrets.token_urlsafe(32)
    actor = Actor(f"user:{user.username}", user.id, user.role, client_addr)
    ended = _revoke_sessions(session, user.id) if single else 0
    session.add(StaffSession(token_hash=hash_secret(token), user_id=user.id, client_addr=client_addr[:64],
                             expires_at=utcnow() + timedelta(hours=hours)))
    audit.record(session, actor=actor, action="auth.login", entity_type="staff_user", entity_id=user.id,
                 after={"ended_sessions": ended} if ended else None)
    return token


def end_session(session: Session, *, token: str, client_addr: str) -> None:
    row = session.exec(select(StaffSession).where(StaffSession.token_hash == hash_secret(token))).first()
    if row and row.revoked_at is None:
        row.revoked_at = utcnow()
        user = session.get(StaffUser, row.user_id)
        audit.record(session, actor=Actor(f"user:{user.username}", user.id, user.role, client_addr),
                     action="auth.logout", entity_type="staff_user", entity_id=user.id)


def _revoke_sessions(session: Session, user_id: int, *, keep_token: str | None = None) -> int:
    """End every live session of a user (but the one of `keep_token`); how many were ended."""
    now = utcnow()
    live = [StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None), StaffSession.expires_at > now]
    if keep_token:
        live.append(StaffSession.token_hash != hash_secret(keep_token))
    count = session.exec(select(func.count()).select_from(StaffSession).where(*live)).one()
    if count:
        session.execute(update(StaffSession).where(*live).values(revoked_at=now))
    return count


def live_sessions(session: Session, user_id: int) -> list[StaffSession]:
    """A user's sessions that have neither ended nor expired, newest first."""
    return list(session.exec(select(StaffSession).where(
        StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None), StaffSession.expires_at > utcnow())
        .order_by(StaffSession.id.desc())))


# Account management: a user changes their own password; an administrator (`user:manage`, or
# the command line) resets another's, disables or enables an account, ends its sessions. Every
# change is audited, never with any password material.

def _user_inputs(user: StaffUser) -> tuple[str, ...]:
    return (user.username, user.full_name)


def change_password(session: Session, *, user: StaffUser, current_password: str, new_password: str,
                    client_addr: str, throttle: Throttle, keep_token: str | None = None) -> int:
    """Change one's own password (the current one is required, and guessing it is throttled
    like a login). The user's other sessions end; returns how many."""
    _check_throttle(session, username=user.username, client_addr=client_addr, device="", throttle=throttle)
    if not _hasher.verify(current_password, user.password_hash):
        _record_failure(session, username=user.username, client_addr=client_addr, device="")
        raise Invalid(_("Mật khẩu hiện tại không đúng"), fields={"current_password": "wrong"})
    passwords.check_new(new_password, current_hash_matches=_hasher.verify(new_password, user.password_hash),
                        user_inputs=_user_inputs(user))
    _set_password(user, new_password, temporary=False)
    session.add(user)
    ended = _revoke_sessions(session, user.id, keep_token=keep_token)
    audit.record(session, actor=Actor(f"user:{user.username}", user.id, user.role, client_addr),
                 action="user.password_change", entity_type="staff_user", entity_id=user.id,
                 after={"ended_sessions": ended})
    return ended


def _set_password(user: StaffUser, password: str, *, temporary: bool) -> None:
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.password_changed_at = user.updated_at = utcnow()


def _managed_user(session: Session, principal: Principal, user_id: int) -> StaffUser:
    if not principal.can("user:manage"):
        raise Forbidden(_("Bạn không có quyền quản lý tài khoản"))
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound(_("Không tìm thấy tài khoản"))
    return user


def user_by_username(session: Session, username: str) -> StaffUser:
    user = session.exec(select(StaffUser).where(StaffUser.username == _normalise_username(username))).first()
    if user is None:
        raise NotFound(_("Không có tài khoản %s") % username.strip())
    return user


def reset_password(session: Session, *, principal: Principal, user_id: int, password: str | None = None,
                   temporary: bool = True) -> str:
    """Set another user's password (generated when none is given) and end all their sessions.
    A temporary one must be changed by its holder at the next login. Returns the password."""
    user = _managed_user(session, principal, user_id)
    if password is None:
        password = passwords.generate()
    else:
        passwords.check_new(password, current_hash_matches=_hasher.verify(password, user.password_hash),
                            user_inputs=_user_inputs(user))
    _set_password(user, password, temporary=temporary)
    session.add(user)
    ended = _revoke_sessions(session, user.id)
    audit.record(session, actor=principal.actor, action="user.password_reset", entity_type="staff_user",
                 entity_id=user.id, after={"username": user.username, "temporary": temporary,
                                           "ended_sessions": ended})
    return password


def set_active(session: Session, *, principal: Principal, user_id: int, active: bool) -> StaffUser:
    """Disable an account (it cannot log in, its sessions end at once, its personal tokens stop
    working) or enable it again. The last active administrator cannot be disabled."""
    user = _managed_user(session, principal, user_id)
    if user.is_active == active:
        raise Conflict(_("Tài khoản đã được kích hoạt") if active else _("Tài khoản đã bị vô hiệu hóa"))
    if not active:
        if principal.user is not None and principal.user.id == user.id:
            raise Conflict(_("Không thể tự vô hiệu hóa tài khoản của mình"))
        if user.role == Role.admin:
            admins = session.exec(select(func.count()).select_from(StaffUser).where(
                StaffUser.role == Role.admin, StaffUser.is_active.is_(True))).one()
            if admins <= 1:
                raise Conflict(_("Không thể vô hiệu hóa quản trị viên cuối cùng đang hoạt động"))
    user.is_active, user.updated_at = active, utcnow()
    session.add(user)
    ended = 0 if active else _revoke_sessions(session, user.id)
    audit.record(session, actor=principal.actor, action="user.enable" if active else "user.disable",
                 entity_type="staff_user", entity_id=user.id,
                 after={"username": user.username, **({} if active else {"ended_sessions": ended})})
    return user


def end_user_sessions(session: Session, *, principal: Principal, user_id: int) -> int:
    """End every session of an account at once (a lost phone, a shared computer)."""
    user = _managed_user(session, principal, user_id)
    ended = _revoke_sessions(session, user.id)
    audit.record(session, actor=principal.actor, action="user.sessions_end", entity_type="staff_user",
                 entity_id=user.id, after={"username": user.username, "ended_sessions": ended})
    return ended


def end_own_sessions(session: Session, *, user: StaffUser, keep_token: str | None, client_addr: str) -> int:
    """End one's own other sessions (this browser stays logged in)."""
    ended = _revoke_sessions(session, user.id, keep_token=keep_token)
    audit.record(session, actor=Actor(f"user:{user.username}", user.id, user.role, client_addr),
                 action="user.sessions_end", entity_type="staff_user", entity_id=user.id,
                 after={"username": user.username, "ended_sessions": ended})
    return ended


def list_users(session: Session) -> list[tuple[StaffUser, int]]:
    """Every account with its number of live sessions, active ones first, by username."""
    now = utcnow()
    counts = dict(session.exec(select(StaffSession.user_id, func.count()).where(
        StaffSession.revoked_at.is_(None), StaffSession.expires_at > now).group_by(StaffSession.user_id)).all())
    users = session.exec(select(StaffUser).order_by(StaffUser.is_active.desc(), StaffUser.username)).all()
    return [(u, counts.get(u.id, 0)) for u in users]


def principal_for_user(user: StaffUser, client_addr: str = "", via: str = "user") -> Principal:
    actor = Actor(f"{via}:{user.username}", user.id, user.role, client_addr)
    return Principal(actor=actor, permissions=PERMISSIONS.get(user.role, frozenset()), user=user)


def user_for_session(session: Session, token: str) -> StaffUser | None:
    row = session.exec(
        select(StaffSession).where(StaffSession.token_hash == hash_secret(token), StaffSession.revoked_at.is_(None))
    ).first()
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(StaffUser, row.user_id)
    return user if user and user.is_active else None


TOKEN_NAME_MAX = 100
RATE_LIMIT_RANGE = (1, 100_000)
# A token's last use is written at most this often: not a database write on every call.
LAST_USE_PRECISION = timedelta(minutes=1)


def _check_token_fields(name: str, scopes: list[str], rate_limit: int) -> None:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise Invalid(_("Phạm vi không hợp lệ: %s") % ", ".join(unknown), fields={"scopes": "unknown"})
    if not name.strip():
        raise Invalid(_("Cần đặt tên cho mã truy cập (ví dụ: tên cơ quan dùng nó)"), fields={"name": "required"})
    low, high = RATE_LIMIT_RANGE
    if not low <= rate_limit <= high:
        raise Invalid(_("Giới hạn phải từ %(a)d đến %(b)d lượt mỗi phút") % {"a": low, "b": high}, fields={"rate_limit": "range"})


def create_token(session: Session, *, actor: Actor, name: str, scopes: list[str], user: StaffUser | None = None,
                 rate_limit: int = 600) -> str:
    """Create an API token and return it; it cannot be shown again (only its hash is kept)."""
    _check_token_fields(name, scopes, rate_limit)
    if not scopes and user is None:
        raise Invalid(_("Cần ít nhất một phạm vi (--scope) hoặc một người dùng (--user)"), fields={"scopes": "required"})
    token = "mb_" + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip()[:TOKEN_NAME_MAX], token_hash=hash_secret(token),
                   scopes=" ".join(sorted(set(scopes))), user_id=user.id if user else None, rate_limit=rate_limit)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="token.create", entity_type="api_token", entity_id=row.id,
                 after={"name": row.name, "scopes": row.scopes, "user_id": row.user_id, "rate_limit": rate_limit})
    return token


def _live_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(_("Không tìm thấy mã truy cập"))
    if row.revoked_at is not None:
        raise Conflict(_("Mã truy cập đã bị thu hồi"))
    return row


def update_token(session: Session, *, actor: Actor, token_id: int, scopes: list[str], rate_limit: int) -> ApiToken:
    """Change what a scoped token may do, or how often; a personal token keeps its user's role."""
    row = _live_token(session, token_id)
    _check_token_fields(row.name, scopes, rate_limit)
    if not scopes and row.user_id is None:
        raise Invalid(_("Cần ít nhất một phạm vi"), fields={"scopes": "required"})
    before = {"scopes": row.scopes, "rate_limit": row.rate_limit}
    row.scopes, row.rate_limit = " ".join(sorted(set(scopes))), rate_limit
    session.add(row)
    audit.record(session, actor=actor, action="token.update", entity_type="api_token", entity_id=row.id,
                 before=before, after={"scopes": row.scopes, "rate_limit": row.rate_limit})
    return row


def revoke_token(session: Session, *, actor: Actor, token_id: int) -> ApiToken:
    row = _live_token(session, token_id)
    row.revoked_at = utcnow()
    session.add(row)
    audit.record(session, actor=actor, action="token.revoke", entity_type="api_token", entity_id=row.id,
                 after={"name": row.name})
    return row


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, live ones first, newest first (a ward has a handful)."""
    return list(session.exec(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def principal_for_token(session: Session, token: str, client_addr: str = "") -> Principal | None:
    row = session.exec(
        select(ApiToken).where(ApiToken.token_hash == hash_secret(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_PRECISION or row.last_used_addr != client_addr[:64]:
        row.last_used_at, row.last_used_addr = now, client_addr[:64]
        session.add(row)
    limits = {"token_id": row.id, "rate_limit": row.rate_limit}
    if row.user_id is not None:
        user = session.get(StaffUser, row.user_id)
        if user is None or not user.is_active:
            return None
        return replace(principal_for_user(user, client_addr, via=f"token:{row.name}:user"), **limits)
    perms = frozenset().union(*(SCOPES.get(s, frozenset()) for s in row.scope_set))
    return Principal(actor=Actor(f"token:{row.name}", None, None, client_addr), permissions=perms, **limits)
