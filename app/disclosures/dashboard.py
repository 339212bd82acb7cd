"""What the disclosures' staff dashboard shows: counts by status, late publications, postings
ending soon and recent drafts."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from app.core.timeutil import local_today
from app.disclosures.service import PUBLIC_STATUSES
from app.legal.rules import get_rule
from app.models.disclosure import Disclosure, DisclosureStatus


def posting_ending_soon(session: Session, *, today: date | None = None) -> list[Disclosure]:
    """Published postings whose period ends within the warning window (a rule)."""
    today = today or local_today()
    window = get_rule(session, "disclosure.posting_ending_soon", on=today).value
    return list(session.exec(
        select(Disclosure).where(Disclosure.status == DisclosureStatus.published,
                                 col(Disclosure.posting_ends_on).is_not(None),
                                 col(Disclosure.posting_ends_on) >= today,
                                 col(Disclosure.posting_ends_on) <= today + timedelta(days=window))
        .order_by(col(Disclosure.posting_ends_on)).limit(50)
    ))


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.exec(select(Disclosure.status, func.count()).group_by(Disclosure.status)).all()
    return {s: n for s, n in rows}


def late_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Disclosure).where(
        col(Disclosure.status).in_(PUBLIC_STATUSES), col(Disclosure.late).is_(True))).one()


def recent_drafts(session: Session, limit: int = 10) -> list[Disclosure]:
    return list(session.exec(select(Disclosure).where(Disclosure.status == DisclosureStatus.draft)
                             .order_by(col(Disclosure.updated_at).desc()).limit(limit)))
