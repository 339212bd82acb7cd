"""The one rule for which cases the law keeps apart: a case that is, was, or came from a
denunciation. Its sender is protected as a denouncer (Art. 47–48 Law 25/2018): nothing of it
is listed (Open311, the open data), it is counted only among denunciations (/stats), and its
sender is shown only to those the law allows, each view recorded.

`identity_protected` is set when a case is filed as a denunciation, reclassified from one, or
split from a letter that held one, and is never cleared: so "was" and "came from" are kept
even after the kind changed."""

from __future__ import annotations

from sqlalchemy import and_, or_

from app.models.complaint import CaseKind, Complaint

DENUNCIATION = CaseKind.denunciation.value


def protected(kind: str | None, identity_protected: bool | None) -> bool:
    """Whether a case (its kind and flag; a reception visit's declared kind and its case's
    flag) is kept apart as a denunciation."""
    return kind == DENUNCIATION or bool(identity_protected)


def is_protected(case: Complaint) -> bool:
    return protected(case.kind, case.identity_protected)


def protected_clause():
    """`protected` in SQL, over `Complaint`."""
    return or_(Complaint.kind == DENUNCIATION, Complaint.identity_protected.is_(True))


def open_clause():
    """The cases not kept apart (the complement of `protected_clause`)."""
    return and_(Complaint.kind != DENUNCIATION, Complaint.identity_protected.is_(False))
