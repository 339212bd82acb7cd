"""Account management: creating an account; a user changes their own password; an
administrator (`user:manage`, or the command line) resets another's, disables or enables an
account, ends its sessions. Every change is audited, never with any password material."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts import audit, passwords
from app.accounts.audit import Actor
from app.accounts.auth import PERMISSIONS, Principal, hash_password, verify_password
from app.accounts.login import Throttle, check_throttle, normalise_username, record_failure
from app.accounts.sessions import revoke_sessions
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.i18n import _
from app.models.user import Role, StaffSession, StaffUser


def create_user(session: Session, *, actor: Actor, username: str, role: str, password: str,
                full_name: str = "") -> StaffUser:
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


def _user_inputs(user: StaffUser) -> tuple[str, ...]:
    return (user.username, user.full_name)


def change_password(session: Session, *, user: StaffUser, current_password: str, new_password: str,
                    client_addr: str, throttle: Throttle, keep_token: str | None = None) -> int:
    """Change one's own password (the current one is required, and guessing it is throttled
    like a login). The user's other sessions end; returns how many."""
    check_throttle(session, username=user.username, client_addr=client_addr, device="", throttle=throttle)
    if not verify_password(current_password, user.password_hash):
        record_failure(session, username=user.username, client_addr=client_addr, device="")
        raise Invalid(_("Mật khẩu hiện tại không đúng"), fields={"current_password": "wrong"})
    passwords.check_new(new_password, current_hash_matches=verify_password(new_password, user.password_hash),
                        user_inputs=_user_inputs(user))
    _set_password(user, new_password, temporary=False)
    session.add(user)
    ended = revoke_sessions(session, user, keep_token=keep_token)
    audit.record(session, actor=Actor(f"user:{user.username}", user.id, user.role, client_addr),
                 action="user.password_change", entity_type="staff_user", entity_id=user.id,
                 after={"ended_sessions": ended})
    return ended


def _set_password(user: StaffUser, password: str, *, temporary: bool) -> None:
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.password_changed_at = user.updated_at = utcnow()


def get_user(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound(_("Không tìm thấy tài khoản"))
    return user


def _managed_user(session: Session, principal: Principal, user_id: int) -> StaffUser:
    if not principal.can("user:manage"):
        raise Forbidden(_("Bạn không có quyền quản lý tài khoản"))
    return get_user(session, user_id)


def user_by_username(session: Session, username: str) -> StaffUser:
    user = session.exec(select(StaffUser).where(StaffUser.username == normalise_username(username))).first()
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
        passwords.check_new(password, current_hash_matches=verify_password(password, user.password_hash),
                            user_inputs=_user_inputs(user))
    _set_password(user, password, temporary=temporary)
    session.add(user)
    ended = revoke_sessions(session, user)
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
                StaffUser.role == Role.admin, col(StaffUser.is_active).is_(True))).one()
            if admins <= 1:
                raise Conflict(_("Không thể vô hiệu hóa quản trị viên cuối cùng đang hoạt động"))
    user.is_active, user.updated_at = active, utcnow()
    session.add(user)
    ended = 0 if active else revoke_sessions(session, user)
    audit.record(session, actor=principal.actor, action="user.enable" if active else "user.disable",
                 entity_type="staff_user", entity_id=user.id,
                 after={"username": user.username, **({} if active else {"ended_sessions": ended})})
    return user


def end_user_sessions(session: Session, *, principal: Principal, user_id: int) -> int:
    """End every session of an account at once (a lost phone, a shared computer)."""
    user = _managed_user(session, principal, user_id)
    ended = revoke_sessions(session, user)
    audit.record(session, actor=principal.actor, action="user.sessions_end", entity_type="staff_user",
                 entity_id=user.id, after={"username": user.username, "ended_sessions": ended})
    return ended


def end_own_sessions(session: Session, *, user: StaffUser, keep_token: str | None, client_addr: str) -> int:
    """End one's own other sessions (this browser stays logged in)."""
    ended = revoke_sessions(session, user, keep_token=keep_token)
    audit.record(session, actor=Actor(f"user:{user.username}", user.id, user.role, client_addr),
                 action="user.sessions_end", entity_type="staff_user", entity_id=user.id,
                 after={"username": user.username, "ended_sessions": ended})
    return ended


def list_users(session: Session) -> list[tuple[StaffUser, int]]:
    """Every account with its number of live sessions, active ones first, by username."""
    now = utcnow()
    counts: dict[int | None, int] = dict(session.exec(select(StaffSession.user_id, func.count()).where(
        col(StaffSession.revoked_at).is_(None), col(StaffSession.expires_at) > now)
        .group_by(col(StaffSession.user_id))).all())
    users = session.exec(select(StaffUser).order_by(col(StaffUser.is_active).desc(), StaffUser.username)).all()
    return [(u, counts.get(u.id, 0)) for u in users]

