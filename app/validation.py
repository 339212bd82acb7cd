"""Input hygiene shared by every input model: text may not carry control characters (NUL in
particular, which PostgreSQL refuses in text columns; the others have no business in a form)."""

from __future__ import annotations

import re

from pydantic import BaseModel, field_validator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_chars(value: str) -> bool:
    return bool(_CONTROL.search(value))


def strip_control_chars(value: str) -> str:
    return _CONTROL.sub("", value)


class InputModel(BaseModel):
    """Base for request models: refuses control characters in any text, lists included."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_chars(cls, value):
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and has_control_chars(v) for v in items):
            raise ValueError("control_characters")
        return value
