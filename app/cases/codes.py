"""Tracking codes: the sender's key to a case. 13 characters from an alphabet without
look-alikes (no 0/O, 1/I/L, U/V), about 63 bits of randomness, shown in groups of 4-4-5 to be
read aloud; stored upper case without separators."""

from __future__ import annotations

import re
import secrets

from sqlmodel import Session, select

from app.models.complaint import Complaint, format_code  # noqa: F401 - shown as the cases module shows it

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 13


# What a typed tracking code may be before it is normalised (spaces and dashes included).
CODE_INPUT_MAX_LENGTH = 64


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a person typed or read aloud, as stored: upper case, no spaces or dashes."""
    return re.sub(r"[\s\-._]", "", text or "").upper()[:32]


def unique_code(session: Session) -> str:
    """A tracking code no case has yet."""
    while True:  # a collision is astronomically rare; checking costs one indexed lookup
        code = new_tracking_code()
        if session.exec(select(Complaint.id).where(Complaint.tracking_code == code)).first() is None:
            return code
