"""Reading the audit log (staff with `audit:read`)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.core.errors import Forbidden
from app.core.i18n import _
from app.core.pagination import Page, paginate
from app.models.audit import AuditEvent


def list_events(session: Session, *, principal, entity_type: str | None = None, limit: int = 50,
                cursor: str | None = None) -> Page[AuditEvent]:
    if not principal.can("audit:read"):
        raise Forbidden(_("Bạn không có quyền xem nhật ký"))
    stmt = select(AuditEvent)
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    return paginate(session, stmt, order=[col(AuditEvent.seq)], descending=True, limit=limit, cursor=cursor)
