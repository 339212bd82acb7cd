"""Input hygiene shared by every input model: text may not carry control characters (NUL in
particular, which PostgreSQL refuses in text columns; the others have no business in a form).
And the longest text each field takes, written once: in the table model where the field is
stored, read by the input schemas (`limit`) and by the templates' forms (`limits`)."""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from datetime import date
from typing import Any, Union, get_args, get_origin

from annotated_types import MaxLen
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


# The longest text of each field -----------------------------------------------------------------

def _is_text(annotation: Any) -> bool:
    """str, or str | None (a list's MaxLen counts items, not characters)."""
    if annotation is str:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return {a for a in get_args(annotation) if a is not type(None)} == {str}
    return False


def max_lengths(model: type[BaseModel]) -> dict[str, int]:
    """{field: the most characters it takes} for every text field of `model` with a limit
    (pydantic's MaxLen, as `Field(max_length=...)` writes it; SQLModel table models too)."""
    found = {}
    for name, info in model.model_fields.items():
        limits = [m.max_length for m in info.metadata if isinstance(m, MaxLen)]
        if limits and _is_text(info.annotation):
            found[name] = min(limits)
    return found


class UnknownLimit(LookupError):
    """A limit asked for that nobody wrote: a typo in a template or a schema must not render a
    form without its limit."""


def limit(model: type[BaseModel], field: str) -> int:
    """One field's limit, for another model to take: `Field(max_length=limit(Disclosure, "title"))`."""
    try:
        return max_lengths(model)[field]
    except KeyError:
        raise UnknownLimit(f"{model.__name__}.{field} has no maximum length") from None


# Schemas registered by a short name (`register_limits("disclosure", DisclosureInput)`, at the
# import of the domain's module) for the templates' `limits.disclosure.title`.
_REGISTERED: dict[str, tuple[type[BaseModel], Mapping[str, int]]] = {}


def register_limits(name: str, model: type[BaseModel]) -> None:
    """Give the templates `model`'s limits as `limits.<name>.<field>`. A name is one schema's: the
    same registration again is harmless, another schema under a taken name is refused."""
    known = _REGISTERED.get(name)
    if known is not None and known[0] is not model:
        raise ValueError(f"limits {name!r} are {known[0].__name__}'s already, not {model.__name__}'s")
    _REGISTERED[name] = (model, types.MappingProxyType(max_lengths(model)))


def registered_limits() -> dict[str, type[BaseModel]]:
    """{name: schema} of every registration so far."""
    return {name: model for name, (model, _found) in _REGISTERED.items()}


def field_limit(name: str, field: str) -> int:
    """The limit of `field` in the schema registered as `name`; UnknownLimit otherwise."""
    known = _REGISTERED.get(name)
    if known is None:
        raise UnknownLimit(f"no schema is registered for limits as {name!r}")
    model, found = known
    if field not in found:
        raise UnknownLimit(f"{model.__name__} (limits {name!r}) has no maximum length for {field!r}")
    return found[field]


class _SchemaLimits:
    """`limits.<name>`: its fields' limits as attributes (or items)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, field: str) -> int:
        if field.startswith("_"):  # Python's and Jinja's own probes (__html__, ...)
            raise AttributeError(field)
        return field_limit(self._name, field)

    __getitem__ = __getattr__

    def __repr__(self) -> str:
        return f"<limits {self._name}>"


class FieldLimits:
    """The templates' `limits`: `limits.disclosure.title` is the number DisclosureInput allows.
    An unknown name or field raises UnknownLimit (not AttributeError, which Jinja would turn into
    an empty, silent value)."""

    def __getattr__(self, name: str) -> _SchemaLimits:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in _REGISTERED:
            raise UnknownLimit(f"no schema is registered for limits as {name!r}")
        return _SchemaLimits(name)

    __getitem__ = __getattr__

    def __repr__(self) -> str:
        return "<limits>"


limits = FieldLimits()
