"""Reception administration: the recurring schedule rules, the chairman's compliance page, and
the register's print view (A4 landscape; the XLSX is /api/v1/reception/register.xlsx)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.accounts.auth import Principal
from app.accounts.deps import require
from app.core.deps import FormDep, RowId, SessionDep
from app.core.errors import Invalid
from app.core.forms import field_errors, form_values, parse_date, refused_by_service, required_date
from app.core.templating import WEEKDAY_NAMES, render
from app.core.timeutil import local_today
from app.legal.rules import get_rule
from app.models.reception import HOST_ROLE_LABELS, SESSION_TYPE_LABELS
from app.reception import compliance, register, schedule

router = APIRouter(prefix="/staff/reception", include_in_schema=False)

WEEKDAYS = tuple((n, name) for n, name in enumerate(WEEKDAY_NAMES, start=1))


# Schedule rules ---------------------------------------------------------------------------------

@router.get("/rules", name="staff_reception_rules")
def rules_page(request: Request, session: SessionDep, principal: Principal = require("reception:read")):
    return _rules_page(request, session, principal)


def _rules_page(request: Request, session: Session, principal: Principal, *, values: dict | None = None,
                errors: dict | None = None, status_code: int = 200):
    ctx = {
        "principal": principal,
        "rules": schedule.list_rules(session),
        "today": local_today(),
        "weekday_names": dict(WEEKDAYS),
        "weekdays": WEEKDAYS,
        "values": values or {"weekdays": ["1", "2", "3", "4", "5"], "start_time": "07:30", "end_time": "11:30",
                             "effective_from": local_today().isoformat(), "type": "regular", "host_role": "officer"},
        "errors": errors or {},
        "host_roles": [(k.value, str(v)) for k, v in HOST_ROLE_LABELS.items()],
        "types": [(k.value, str(v)) for k, v in SESSION_TYPE_LABELS.items()],
        "horizon": schedule.HORIZON_DAYS,
    }
    return render(request, "staff/reception/rules.html", ctx, status_code=status_code)


@router.post("/rules", name="staff_reception_rule_create")
def create_rule(request: Request, form: FormDep, session: SessionDep,
                principal: Principal = require("reception:schedule")):
    # The form's text values, echoed back to the form with the weekdays' list.
    values: dict[str, Any] = form_values(form, date_fields=("effective_from", "effective_to"))
    values.pop("weekdays", None)
    weekdays = [d for d in form.getlist("weekdays") if isinstance(d, str)][:7]
    fields = {k: values.get(k, "") for k in ("host_name", "host_role", "type", "place", "start_time", "end_time",
                                             "effective_from", "effective_to")}
    # The weekdays are a list of checkboxes, which `validate()` (one value per name) does not carry.
    try:
        data = schedule.RuleInput.model_validate({**{k: v for k, v in fields.items() if v.strip()},
                                                  "weekdays": weekdays})
        errors = {}
    except ValidationError as exc:
        data, errors = None, field_errors(exc)
    values["weekdays"] = weekdays
    if errors:
        errors = {("end_time" if k == "__all__" else k): v for k, v in errors.items()}
        return _rules_page(request, session, principal, values=values, errors=errors, status_code=422)
    assert data is not None  # no errors: the input was valid
    schedule.create_rule(session, principal=principal, data=data)
    return RedirectResponse(request.app.url_path_for("staff_reception_rules"), status_code=303)


@router.post("/rules/{rule_id}/end", name="staff_reception_rule_end")
def end_rule(request: Request, form: FormDep, session: SessionDep, rule_id: RowId,
                   principal: Principal = require("reception:schedule")):
    values = form_values(form, date_fields=("last_day",))
    with refused_by_service(session, shown=(422,)) as failed:
        schedule.end_rule(session, principal=principal, rule_id=rule_id, last_day=required_date(values, "last_day"))
    if failed:
        return _rules_page(request, session, principal, errors={f"end_{rule_id}": failed.message}, status_code=422)
    return RedirectResponse(request.app.url_path_for("staff_reception_rules"), status_code=303)


# Compliance -------------------------------------------------------------------------------------

@router.get("/compliance", name="staff_reception_compliance")
def compliance_page(request: Request, session: SessionDep, principal: Principal = require("reception:read"),
                    year: Annotated[int | None, Query(ge=2000, le=2100)] = None):
    today = local_today()
    year = year or today.year
    report = compliance.chairman_compliance(session, year=year, today=today)
    ctx = {
        "principal": principal,
        "report": report,
        "year": year,
        "today": today,
        "rule": get_rule(session, compliance.FREQUENCY_RULE, on=today),
    }
    return render(request, "staff/reception/compliance.html", ctx)


# The register's print view ----------------------------------------------------------------------

@router.get("/register", name="staff_reception_register")
def register_page(request: Request, session: SessionDep, principal: Principal = require("reception:personal"),
                  start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                  end: Annotated[str | None, Query(alias="to", max_length=10)] = None):
    """The register for a date range, laid out as form 03 for printing on A4 landscape."""
    today = local_today()
    first = parse_date(start or "") or today.replace(day=1)
    last = parse_date(end or "") or today
    error = ""
    entries = []
    try:
        entries = register.register_entries(session, principal=principal, start=first, end=last, purpose="print")
    except Invalid as exc:
        error = exc.message
    ctx = {"principal": principal, "entries": entries, "first": first, "last": last, "error": error}
    return render(request, "staff/reception/register.html", ctx, status_code=422 if error else 200,
                  headers={"Cache-Control": "no-store"})
