"""The case intake form's validation, shared by the public form and the staff intake form."""

from __future__ import annotations

from pydantic import ValidationError

from app.cases.intake import CaseInput
from app.core.forms import MESSAGES, field_errors
from app.models.complaint import ANONYMOUS_ALLOWED, CaseKind

SENDER_FIELDS = ("anonymous", "sender_name", "sender_address")


def validate_case(values: dict[str, str]) -> tuple[CaseInput | None, dict[str, str]]:
    """Like app.core.forms.validate, with the intake rules' messages and the fields they belong to."""
    cleaned = {k: v for k, v in values.items() if k in CaseInput.model_fields and v.strip() != ""}
    for k in ("latitude", "longitude"):  # 20,9712 as typed with a Vietnamese keyboard
        if k in cleaned:
            cleaned[k] = cleaned[k].strip().replace(",", ".")
    try:
        return CaseInput.model_validate(cleaned), {}
    except ValidationError as exc:
        errors = field_errors(exc)
        if not any(f in errors for f in SENDER_FIELDS):
            errors.update(_sender_errors(cleaned))
        return None, errors


def _sender_errors(cleaned: dict[str, str]) -> dict[str, str]:
    """The sender rules, also when other fields are wrong (pydantic checks them only once every
    field is valid), so the form lists every problem at once. CaseInput stays the authority."""
    kind = cleaned.get("kind", "")
    anonymous = cleaned.get("anonymous", "").strip().lower() in ("true", "on", "1", "yes")
    if anonymous:
        if kind in CaseKind.__members__ and CaseKind(kind) not in ANONYMOUS_ALLOWED:
            return {"anonymous": str(MESSAGES["anonymous_not_allowed"])}
        return {}
    if not cleaned.get("sender_name", "").strip():
        return {"sender_name": str(MESSAGES["sender_name_required"])}
    if kind in (CaseKind.complaint, CaseKind.denunciation) and not cleaned.get("sender_address", "").strip():
        return {"sender_address": str(MESSAGES["sender_address_required"])}
    return {}
