"""The sender's rating of the answer: once, after resolution, with the tracking code and the
rating key. The key is the sender's second secret, shown only on the filing confirmation and in
the mail that announces the result."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from pydantic import Field
from sqlmodel import Session

from app.accounts import audit
from app.accounts.audit import Actor
from app.cases.queries import by_tracking_code, for_change
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid
from app.core.i18n import _
from app.core.validation import InputModel, register_limits
from app.models.complaint import CaseStatus, Complaint

RATEABLE = {CaseStatus.resolved, CaseStatus.closed}


def rating_key(session: Session, case: Complaint) -> str:
    """The sender's second secret: with the tracking code it lets the sender rate the answer.
    Staff who can read tracking codes cannot rate in the sender's place: the key is an HMAC with
    the server's SECRET_KEY, never stored, never shown on a staff page."""
    key = session.info["audit_key"]
    digest = hmac.new(key.encode(), f"rating-key\0{case.id}\0{case.tracking_code}".encode(), hashlib.sha256).digest()
    raw = base64.b32encode(digest).decode()[:8]
    return f"{raw[:4]}-{raw[4:]}"


def _same_key(given: str, expected: str) -> bool:
    clean = re.sub(r"[\s-]", "", given or "").upper()
    return hmac.compare_digest(clean.encode(), expected.replace("-", "").encode())


class RatingInput(InputModel):
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)
    rating_key: str = Field(default="", max_length=20, description="the rating key the sender was given at filing "
                                                                  "(and in the mail announcing the result)")


register_limits("rating", RatingInput)


def can_rate(case: Complaint) -> bool:
    return case.status in RATEABLE and case.resolved_on is not None and case.satisfaction is None


def rate(session: Session, *, code: str, data: RatingInput, actor: Actor) -> Complaint:
    """The sender rates the answer, once, after resolution: the tracking code and the rating key."""
    found = by_tracking_code(session, code)
    assert found.id is not None  # a stored case
    case = for_change(session, found.id)
    if case.status not in RATEABLE or case.resolved_on is None:
        raise Conflict(_("Chỉ đánh giá được sau khi đơn đã được giải quyết"))
    if case.satisfaction is not None:
        raise Conflict(_("Đơn này đã được đánh giá"))
    if not _same_key(data.rating_key, rating_key(session, case)):
        raise Invalid(_("Mã đánh giá không đúng. Mã này có trên trang xác nhận khi gửi đơn và trong thư báo kết quả."),
                      fields={"rating_key": "wrong"})
    case.satisfaction, case.satisfaction_comment = data.rating, data.comment.strip()
    case.rated_at = utcnow()
    session.flush()
    audit.record(session, actor=actor, action="complaint.rate", entity_type="complaint", entity_id=case.id,
                 after={"rating": data.rating})
    return case
