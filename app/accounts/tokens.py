"""API tokens: `mb_` + 256 random bits, only the SHA-256 stored; scoped (an integration, with
the permissions of its scopes) or personal (a staff member's role, while the account is active),
each with its own rate limit. A token's last use is recorded, at most once a minute."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.audit import Actor
from app.accounts.auth import SCOPES, Principal, hash_secret, principal_for_user
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotFound
from app.core.i18n import _
from app.core.validation import limit, register_limits
from app.models.user import ApiToken, StaffUser

RATE_LIMIT_RANGE = (1, 100_000)
# A token's last use is written at most this often: not a database write on every call.
LAST_USE_PRECISION = timedelta(minutes=1)

register_limits("api_token", ApiToken)  # the form's name, as the table stores it


def _check_token_fields(name: str, scopes: list[str], rate_limit: int) -> None:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise Invalid(_("Phạm vi không hợp lệ: %s") % ", ".join(unknown), fields={"scopes": "unknown"})
    if not name.strip():
        raise Invalid(_("Cần đặt tên cho mã truy cập (ví dụ: tên cơ quan dùng nó)"), fields={"name": "required"})
    low, high = RATE_LIMIT_RANGE
    if not low <= rate_limit <= high:
        raise Invalid(_("Giới hạn phải từ %(a)d đến %(b)d lượt mỗi phút") % {"a": low, "b": high},
                      fields={"rate_limit": "range"})


def create_token(session: Session, *, actor: Actor, name: str, scopes: list[str], user: StaffUser | None = None,
                 rate_limit: int = 600) -> str:
    """Create an API token and return it; it cannot be shown again (only its hash is kept)."""
    _check_token_fields(name, scopes, rate_limit)
    if not scopes and user is None:
        raise Invalid(_("Cần ít nhất một phạm vi (--scope) hoặc một người dùng (--user)"),
                      fields={"scopes": "required"})
    token = "mb_" + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip()[:limit(ApiToken, "name")], token_hash=hash_secret(token),
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
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.revoked_at).is_not(None), col(ApiToken.id).desc())))


def token_owners(session: Session, tokens: list[ApiToken]) -> dict[int, StaffUser]:
    """The accounts that personal tokens act for, by id (one query for the whole list)."""
    ids = {t.user_id for t in tokens if t.user_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(StaffUser).where(col(StaffUser.id).in_(ids))) if u.id is not None}


def principal_for_token(session: Session, token: str, client_addr: str = "") -> Principal | None:
    row = session.exec(
        select(ApiToken).where(ApiToken.token_hash == hash_secret(token), col(ApiToken.revoked_at).is_(None))
    ).first()
    if row is None:
        return None
    now = utcnow()
    if (row.last_used_at is None or now - row.last_used_at >= LAST_USE_PRECISION
            or row.last_used_addr != client_addr[:64]):
        row.last_used_at, row.last_used_addr = now, client_addr[:64]
        session.add(row)
    token_id, rate_limit = row.id, row.rate_limit
    if row.user_id is not None:
        user = session.get(StaffUser, row.user_id)
        if user is None or not user.is_active:
            return None
        return replace(principal_for_user(user, client_addr, via=f"token:{row.name}:user"), token_id=token_id,
                       rate_limit=rate_limit)
    perms = frozenset().union(*(SCOPES.get(s, frozenset()) for s in row.scope_set))
    return Principal(actor=Actor(f"token:{row.name}", None, None, client_addr), permissions=perms, token_id=token_id,
                     rate_limit=rate_limit)
