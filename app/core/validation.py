"""Input hygiene shared by every input model: text may not carry control characters (NUL in
particular, which PostgreSQL refuses in text columns; the others have no business in a form)."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, field_validator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Bidirectional controls (LRE..RLO, LRI..PDI, LRM, RLM, ALM): invisible marks that reorder what is
# shown, so "hoa-don\u202efdp.exe" displays as "hoa-donexe.pdf". They have no place in a file name.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def strip_bidi(value: str) -> str:
    return _BIDI.sub("", value)


def has_control_chars(value: str) -> bool:
    return bool(_CONTROL.search(value))


def strip_control_chars(value: str) -> str:
    return _CONTROL.sub("", value)


# Dates a ward's documents can plausibly carry; outside them date arithmetic can overflow.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2200, 12, 31)


def check_date_range(value):
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise ValueError("date_out_of_range")
    return value


def stripped(*fields: str):
    """A pydantic validator that trims surrounding whitespace from the given text fields."""
    return field_validator(*fields, mode="before")(lambda cls, v: v.strip() if isinstance(v, str) else v)


def one_line(*fields: str):
    """A pydantic validator for single-line text (titles, names, places): trims it and folds any
    line break or run of spaces into one space. A browser's <input> cannot send a line break,
    but an API call can, and such text ends up in mail subjects and one-line lists."""
    return field_validator(*fields, mode="before")(lambda cls, v: " ".join(v.split()) if isinstance(v, str) else v)


def require_date_in_range(value: date, field: str) -> date:
    """For service code outside a model: a date outside the plausible range is a 422."""
    from app.core.errors import Invalid
    from app.core.i18n import _

    if not MIN_DATE <= value <= MAX_DATE:
        raise Invalid(_("Ngày phải trong khoảng năm 1900 đến 2200"), fields={field: "date_out_of_range"})
    return value


_DIGITS = re.compile(r"[0-9]{1,10}")


def int_in_range(value: str | None, lo: int, hi: int) -> int | None:
    """A query or form value as an int within [lo, hi], else None. (str.isdigit() accepts
    characters like '²' that int() refuses, so it is not a safe check.)"""
    if value is None or not _DIGITS.fullmatch(value.strip()):
        return None
    n = int(value)
    return n if lo <= n <= hi else None


class InputModel(BaseModel):
    """Base for request models: refuses control characters in any text, lists included."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_chars(cls, value):
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and has_control_chars(v) for v in items):
            raise ValueError("control_characters")
        return value
