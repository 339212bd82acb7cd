"""Browser sessions of staff: a random token in the cookie, only its SHA-256 stored; logging
out revokes it server-side, and an account's sessions can all be ended at once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.audit import Actor
from app.accounts.auth import hash_secret
from app.core.db import utcnow
from app.models.user import StaffSession, StaffUser


def start_session(session: Session, *, user: StaffUser, hours: int, client_addr: str, single: bool = False) -> str:
    """Create a browser session; returns the cookie value (only its hash is stored). `single`
    (setting SINGLE_SESSION): the user's other sessions end."""
    assert user.id is not None  # a stored account logs in
    token = secrets.token_urlsafe(32)
    actor = Actor(f"user:{user.username}", user.id, user.role, client_addr)
    ended = revoke_sessions(session, user) if single else 0
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
        assert user is not None  # sessions belong to accounts, which are never deleted
        audit.record(session, actor=Actor(f"user:{user.username}", user.id, user.role, client_addr),
                     action="auth.logout", entity_type="staff_user", entity_id=user.id)


def revoke_sessions(session: Session, user: StaffUser, *, keep_token: str | None = None) -> int:
    """End every live session of a user (but the one of `keep_token`); how many were ended."""
    now = utcnow()
    live = [col(StaffSession.user_id) == user.id, col(StaffSession.revoked_at).is_(None),
            col(StaffSession.expires_at) > now]
    if keep_token:
        live.append(col(StaffSession.token_hash) != hash_secret(keep_token))
    count = session.exec(select(func.count()).select_from(StaffSession).where(*live)).one()
    if count:
        session.execute(update(StaffSession).where(*live).values(revoked_at=now))
    return count


def live_sessions(session: Session, user: StaffUser) -> list[StaffSession]:
    """A user's sessions that have neither ended nor expired, newest first."""
    return list(session.exec(select(StaffSession).where(
        col(StaffSession.user_id) == user.id, col(StaffSession.revoked_at).is_(None),
        col(StaffSession.expires_at) > utcnow()).order_by(col(StaffSession.id).desc())))


def user_for_session(session: Session, token: str) -> StaffUser | None:
    row = session.exec(
        select(StaffSession).where(StaffSession.token_hash == hash_secret(token),
                                   col(StaffSession.revoked_at).is_(None))
    ).first()
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(StaffUser, row.user_id)
    return user if user and user.is_active else None
