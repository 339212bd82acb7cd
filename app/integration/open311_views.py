"""A case as Open311 GeoReport v2 shows it to anyone (app/integration/open311.py lists and reads
them; the wire formats are in app/integration/api_open311.py): its public id, and its public
view built field by field from an allow-list (`request_view`): never the sender, the subject,
the content, the attachments, the internal notes or the tracking code; only feedback and
petition cases that are not, and never were, denunciations (`listable`)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import defaultdict
from datetime import date, datetime, time
from typing import cast

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.cases import privacy, queries, views
from app.config import Settings
from app.core.i18n import _
from app.core.timeutil import LOCAL_TZ, to_local
from app.legal.deadlines import CaseDeadline, case_clock, case_deadlines
from app.legal.workdays import Pause
from app.models.complaint import (
    CASE_STATUS_LABELS,
    FIELD_LABELS,
    STAGE_LABELS,
    CaseField,
    CaseKind,
    CaseStatus,
    Complaint,
    ComplaintEvent,
    ComplaintPause,
)

# Only these kinds are ever listed; a complaint or a denunciation never is (see `listable`).
LISTED_KINDS = (CaseKind.feedback, CaseKind.petition)
# Closed: the case has its public outcome (resolved, closed, guided, transferred, filed, refused).
CLOSED_STATUSES = frozenset(views.PUBLIC_OUTCOME_STATUSES)
DESCRIPTION_MAX = 4000  # the spec's limit for `description`


# Service request ids ---------------------------------------------------------------------------
# A case's public id is its row id through a keyed permutation of 64-bit blocks (a 4-round
# Feistel network with HMAC-SHA256 rounds, keyed by SECRET_KEY): stable, reversible by the
# server alone, and it reveals neither the order of cases nor how many other cases (complaints,
# denunciations) were filed between two listed ones. The low half of the block is a zero check,
# so a made-up id is refused (2^-32 chance of hitting a real one).

_ID_PATTERN = re.compile(r"[0-9a-f]{16}")
_MASK32 = 0xFFFF_FFFF
_ROUNDS = 4


def _id_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"minhbach open311 service_request_id v1", hashlib.sha256).digest()


def _round(key: bytes, n: int, half: int) -> int:
    return int.from_bytes(hmac.new(key, bytes([n]) + half.to_bytes(4, "big"), hashlib.sha256).digest()[:4], "big")


def request_id(case_id: int, secret: str) -> str:
    key = _id_key(secret)
    left, right = case_id & _MASK32, 0
    for n in range(_ROUNDS):
        left, right = right, left ^ _round(key, n, right)
    return f"{left:08x}{right:08x}"


def case_id_of(text: str, secret: str) -> int | None:
    """The case id behind a service_request_id, or None for anything this server did not make."""
    text = text.strip().lower()
    if not _ID_PATTERN.fullmatch(text):
        return None
    value = int(text, 16)
    key = _id_key(secret)
    left, right = value >> 32, value & _MASK32
    for n in reversed(range(_ROUNDS)):
        left, right = right ^ _round(key, n, left), left
    return left if right == 0 and 1 <= left <= 2_147_483_647 else None


# The public view of a case ---------------------------------------------------------------------

def listable(case: Complaint) -> bool:
    """Feedback and petitions only, and never a case that is, was or came from a denunciation."""
    return case.kind in LISTED_KINDS and not privacy.is_protected(case)


def located(case: Complaint) -> bool:
    """Where the problem is: shown for feedback only, and only once staff have classified the
    letter (a letter is classified by its content: a 'feedback' may turn out to be a denunciation,
    and then it leaves the list without its place ever having been shown)."""
    return case.kind == CaseKind.feedback and case.status != CaseStatus.received


def requested_at(case: Complaint) -> datetime:
    """When the request was made: the moment it was entered, or, for a letter entered later
    than it was received (post, walk-in), the start of the day it was received."""
    created = to_local(case.created_at)
    if created.date() == case.received_on:
        return created
    return datetime.combine(case.received_on, time.min, LOCAL_TZ)


def w3c(dt: datetime) -> str:
    """ISO 8601 with the ward's offset, to the second (2026-03-14T09:30:00+07:00)."""
    return to_local(dt).replace(microsecond=0).isoformat()


def nearest_of(deadlines: list[CaseDeadline]) -> CaseDeadline | None:
    """The nearest open legal deadline among a case's (None while suspended)."""
    pending = [d for d in deadlines if not d.met and d.due_on is not None]
    return min(pending, key=lambda d: cast(date, d.due_on)) if pending else None  # pending: each has a date


def nearest_deadline(session: Session, case: Complaint) -> CaseDeadline | None:
    """The nearest open legal deadline, from the deadline engine (None while suspended)."""
    return nearest_of(queries.deadlines(session, case))


def deadlines_of(session: Session, cases: list[Complaint]) -> dict[int, list[CaseDeadline]]:
    """`queries.deadlines` of every case, by case id, from one clock (`deadlines.case_clock`:
    the rules and the calendar read once) and one query for the suspensions of all the cases:
    a list costs the same few statements however long it is (none for no case)."""
    if not cases:
        return {}
    clock = case_clock(session)
    pauses: dict[int, list[Pause]] = defaultdict(list)
    rows = session.exec(select(col(ComplaintPause.complaint_id), col(ComplaintPause.start), col(ComplaintPause.end))
                        .where(col(ComplaintPause.complaint_id).in_(sorted({c.id for c in cases if c.id is not None})))
                        .order_by(col(ComplaintPause.id))).all()
    for cid, start, end in rows:
        pauses[cid].append(Pause(start, end))
    return {c.id: case_deadlines(c, tuple(pauses.get(c.id, ())), clock) for c in cases if c.id is not None}


def deadline_notice(d: CaseDeadline) -> str:
    assert d.deadline is not None  # an open deadline (`nearest_of`): it has a date
    stage = STAGE_LABELS.get(d.stage, d.stage)
    return _("%(stage)s: hạn %(due)s (%(basis)s)") % {"stage": str(stage),
                                                       "due": d.deadline.due_on.strftime("%d/%m/%Y"),
                                                       "basis": d.deadline.rule.legal_basis}


def status_notes(case: Complaint) -> str:
    """The status and, once there is one, the public outcome (no personal data: the decision or
    guidance slip number, the body it was transferred to, the public summary)."""
    parts = [str(CASE_STATUS_LABELS[CaseStatus(case.status)])]
    outcome = views.public_outcome(case)
    if outcome:
        if outcome["decision_number"]:
            decision = _("Quyết định số %s") % outcome["decision_number"]
            if outcome["decided_on"]:
                decision += " " + _("ngày %s") % outcome["decided_on"].strftime("%d/%m/%Y")
            parts.append(decision)
        if outcome["guidance_number"]:
            parts.append(_("Phiếu hướng dẫn số %s") % outcome["guidance_number"])
        if outcome["transfer_body"]:
            parts.append(_("Chuyển đến: %s") % outcome["transfer_body"])
        if outcome["summary"]:
            parts.append(outcome["summary"])
    return ". ".join(p.strip().rstrip(".") for p in parts if p.strip())[:DESCRIPTION_MAX]


def request_view(settings: Settings, secret: str, case: Complaint, updated: datetime | None,
                 due: CaseDeadline | None) -> dict:
    """A case as GeoReport v2 shows it to anyone: built from an allow-list, nothing else. `due`:
    its nearest open deadline (`nearest_of`; none is shown once the case is closed)."""
    assert case.id is not None  # a stored case
    closed = case.status in CLOSED_STATUSES
    due = None if closed else due
    place = located(case)
    return {
        "service_request_id": request_id(case.id, secret),
        "status": "closed" if closed else "open",
        "status_notes": status_notes(case),
        "service_name": str(FIELD_LABELS[CaseField(case.field)]),
        "service_code": case.field,
        "description": (case.public_summary or "")[:DESCRIPTION_MAX] or None,
        "agency_responsible": settings.ward_name,
        "service_notice": deadline_notice(due) if due else None,
        "requested_datetime": w3c(requested_at(case)),
        "updated_datetime": w3c(updated or case.created_at),
        "expected_datetime": (w3c(datetime.combine(due.due_on, time(23, 59, 59), LOCAL_TZ))
                              if due and due.due_on else None),
        "address": (case.place_address or None) if place else None,
        "address_id": None,
        "zipcode": None,
        "lat": case.latitude if place else None,
        "long": case.longitude if place else None,
        "media_url": None,
    }


def _last_public_steps(session: Session, ids: list[int]) -> dict[int, datetime]:
    """When each case last changed in public (its last public step): internal steps, such as an
    assignment, do not show."""
    if not ids:
        return {}
    rows = session.exec(select(ComplaintEvent.complaint_id, func.max(ComplaintEvent.at))
                        .where(col(ComplaintEvent.complaint_id).in_(ids), col(ComplaintEvent.public).is_(True))
                        .group_by(col(ComplaintEvent.complaint_id))).all()
    return {cid: at for cid, at in rows if at is not None}


def request_views(session: Session, settings: Settings, secret: str, cases: list[Complaint]) -> list[dict]:
    """The cases' public views, in a fixed number of statements however many there are: their
    last public steps in one query, the deadlines of the open ones in bulk (`deadlines_of`)."""
    updated = _last_public_steps(session, [c.id for c in cases if c.id is not None])
    due = deadlines_of(session, [c for c in cases if c.status not in CLOSED_STATUSES])
    return [request_view(settings, secret, c, updated.get(c.id), nearest_of(due.get(c.id, []))) for c in cases
            if c.id is not None]
