"""Staff accounts, roles and permissions, browser sessions, API tokens, login throttling."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from pwdlib import PasswordHash
from sqlalchemy import func
from sqlmodel import Session, select

from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from app.i18n import N_, _, ngettext
from app.models.user import ApiToken, LoginAttempt, Role, StaffSession, StaffUser
from app.services import audit
from app.services.audit import Actor
from app.validation import strip_control_chars

_hasher = PasswordHash.recommended()  # argon2id

# Least privilege: each role gets only what its work needs. Supervisors read, never write.
_CASES_HANDLE = {"complaint:read", "complaint:intake", "complaint:handle"}
# Reception: `read` is sessions and counts; `register` names visitors (ID numbers masked);
# `personal` is the full ID number and the register's export; `reopen` a closed register.
_RECEPTION_KEEPER = {"reception:read", "reception:schedule", "reception:register", "reception:personal"}
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.admin: frozenset({
        "staff:access", "disclosure:read", "disclosure:edit", "disclosure:publish",
        "user:manage", "audit:read", "rules:manage", *_CASES_HANDLE, "complaint:assign", "complaint:resolve",
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
    "disclosures:read": N_("Đọc văn bản công khai, kể cả bản nháp"),
    "disclosures:write": N_("Soạn, đăng, sửa, thu hồi văn bản công khai"),
    "complaints:read": N_("Đọc hồ sơ đơn thư (không thấy danh tính người tố cáo)"),
    "complaints:write": N_("Nhập đơn thư (ví dụ từ ứng dụng phản ánh, Open311)"),
    "reception:read": N_("Đọc lịch và số liệu tiếp công dân"),
    "reception:personal": N_("Đọc sổ tiếp công dân có thông tin cá nhân"),
    "reports:read": N_("Đọc báo cáo định kỳ"),
}

MIN_PASSWORD_LENGTH = 10


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


def _check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(_("Mật khẩu phải có ít nhất %d ký tự") % MIN_PASSWORD_LENGTH, fields={"password": "short"})


def create_user(session: Session, *, actor: Actor, username: str, role: str, password: str, full_name: str = "") -> StaffUser:
    username = username.strip().lower()
    if role not in PERMISSIONS:
        raise Invalid(_("Vai trò không hợp lệ: %s") % role)
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise Invalid(_("Tên đăng nhập chỉ gồm chữ, số, dấu chấm, gạch dưới, gạch ngang"))
    _check_password_strength(password)
    if session.exec(select(StaffUser).where(StaffUser.username == username)).first():
        raise Conflict(_("Tên đăng nhập đã tồn tại"))
    user = StaffUser(username=username, role=role, full_name=full_name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.create", entity_type="staff_user", entity_id=user.id,
                 after={"username": username, "role": role, "full_name": full_name})
    return user


def _throttle_key_counts(session: Session, username: str, client_addr: str, window: timedelta) -> tuple[int, int]:
    since = utcnow() - window
    by_user = session.exec(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == username, LoginAttempt.at >= since)
    ).one()
    by_client = session.exec(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.client_addr == client_addr, LoginAttempt.at >= since)
    ).one()
    return by_user, by_client


def authenticate(
    session: Session, *, username: str, password: str, client_addr: str, max_failures: int, window_minutes: int
) -> StaffUser:
    """Check a login. After `max_failures` failures within the window (per username, or 4x that
    per client address) further attempts are refused until the window has passed."""
    username = strip_control_chars(username).strip().lower()
    window = timedelta(minutes=window_minutes)
    by_user, by_client = _throttle_key_counts(session, username, client_addr, window)
    if by_user >= max_failures or by_client >= max_failures * 4:
        raise TooManyRequests(
            ngettext("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d phút.",
                     "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d phút.", window_minutes) % window_minutes,
            retry_after=window_minutes * 60,
        )
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    # Spend the same time whether the user exists, is inactive, or gave a wrong password.
    if user is not None:
        password_ok = _hasher.verify(password, user.password_hash)
    else:
        _hasher.hash(password)
        password_ok = False
    valid = user is not None and user.is_active and password_ok
    if not valid:
        session.add(LoginAttempt(username=username[:64], client_addr=client_addr[:64]))
        session.flush()
        raise Unauthorized(_("Tên đăng nhập hoặc mật khẩu không đúng"))
    return user


def start_session(session: Session, *, user: StaffUser, hours: int, client_addr: str) -> str:
    """Create a browser session; returns the cookie value (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=hash_secret(token), user_id=user.id, client_addr=client_addr[:64],
                             expires_at=utcnow() + timedelta(hours=hours)))
    audit.record(session, actor=Actor(f"user:{user.username}", user.id, user.role, client_addr),
                 action="auth.login", entity_type="staff_user", entity_id=user.id)
    return token


def end_session(session: Session, *, token: str, client_addr: str) -> None:
    row = session.exec(select(StaffSession).where(StaffSession.token_hash == hash_secret(token))).first()
    if row and row.revoked_at is None:
        row.revoked_at = utcnow()
        user = session.get(StaffUser, row.user_id)
        audit.record(session, actor=Actor(f"user:{user.username}", user.id, user.role, client_addr),
                     action="auth.logout", entity_type="staff_user", entity_id=user.id)


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
