"""Administration pages: the legal rules table, official calendar overrides, the audit log."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from app.accounts import audit_log
from app.accounts.auth import Principal
from app.accounts.deps import CurrentStaff, require
from app.core.deps import FormDep, RowId, SessionDep
from app.core.forms import form_values, parse_date, refused_by_service
from app.core.i18n import _
from app.core.templating import render
from app.core.timeutil import local_today
from app.legal import rules
from app.legal.workdays import WorkCalendar
from app.reception import schedule as reception_schedule

router = APIRouter(prefix="/staff", include_in_schema=False)


def _rules_page(request: Request, session, principal: Principal, *, errors: dict | None = None,
                values: dict | None = None, status_code: int = 200):
    today = local_today()
    ctx = {
        "principal": principal,
        "rules": rules.list_rules(session),
        "overrides": rules.list_overrides(session, since=today - timedelta(days=365)),
        "holidays": _upcoming_holidays(today),
        "today": today,
        "errors": errors or {},
        "values": values or {},
        "basis_max": rules.LEGAL_BASIS_MAX_LENGTH,
    }
    return render(request, "staff/rules.html", ctx, status_code=status_code)


def _upcoming_holidays(today: date) -> list[tuple[date, str]]:
    cal = WorkCalendar()
    out = []
    for offset in range(0, 400):
        d = today + timedelta(days=offset)
        name = cal.holiday_name(d)
        if name:
            out.append((d, name))
    return out


@router.get("/rules", name="staff_rules")
def rules_page(request: Request, session: SessionDep, principal: CurrentStaff):
    """Every staff member can read the rules and the calendar; only admins change them."""
    return _rules_page(request, session, principal)


@router.post("/rules", name="staff_rule_version")
def add_rule_version(request: Request, form: FormDep, session: SessionDep,
                     principal: Principal = require("rules:manage")):
    values = form_values(form)
    errors = {}
    effective_from = parse_date(values.get("effective_from", ""))
    if effective_from is None:
        errors["effective_from"] = _("Ngày không hợp lệ (dd/mm/yyyy)")
    value = values.get("value", "").strip()
    if not re.fullmatch(r"[0-9]{1,5}", value):
        errors["value"] = _("Phải là một số nguyên")
    if not errors:
        assert effective_from is not None  # no error: the date parsed
        code, _sep, variant = values.get("code", "").partition("|")
        with refused_by_service(session, shown=(422,)) as failed:
            rules.add_rule_version(session, principal=principal, code=code, variant=variant, value=int(value),
                                   unit=values.get("unit", ""), legal_basis=values.get("legal_basis", ""),
                                   effective_from=effective_from)
        if not failed:
            return RedirectResponse(request.app.url_path_for("staff_rules"), status_code=303)
        errors = failed.errors()
    return _rules_page(request, session, principal, errors={f"rule_{k}": v for k, v in errors.items()},
                       values=values, status_code=422)


@router.post("/calendar", name="staff_calendar_add")
def add_override(request: Request, form: FormDep, session: SessionDep, principal: Principal = require("rules:manage")):
    values = form_values(form)
    on = parse_date(values.get("on", ""))
    errors = {}
    if on is None:
        errors["on"] = _("Ngày không hợp lệ (dd/mm/yyyy)")
    else:
        with refused_by_service(session) as failed:
            rules.add_override(session, principal=principal, on=on, kind=values.get("kind", ""),
                               reason=values.get("reason", ""), legal_basis=values.get("legal_basis", ""))
            reception_schedule.sync(session, actor=principal.actor)  # the schedule follows the calendar
        if not failed:
            return RedirectResponse(request.app.url_path_for("staff_rules") + "#calendar", status_code=303)
        assert failed.exc is not None  # `failed` is truthy here
        errors[next(iter(failed.exc.fields), "on")] = failed.message
    return _rules_page(request, session, principal, errors={f"cal_{k}": v for k, v in errors.items()},
                       values=values, status_code=422)


@router.post("/calendar/{override_id}/remove", name="staff_calendar_remove")
def remove_override(request: Request, session: SessionDep, override_id: RowId,
                    principal: Principal = require("rules:manage")):
    rules.remove_override(session, principal=principal, override_id=override_id)
    reception_schedule.sync(session, actor=principal.actor)
    return RedirectResponse(request.app.url_path_for("staff_rules") + "#calendar", status_code=303)


@router.get("/audit", name="staff_audit")
def audit_page(request: Request, session: SessionDep, principal: Principal = require("audit:read"),
               entity_type: Annotated[str | None, Query(max_length=60)] = None,
               cursor: Annotated[str | None, Query(max_length=500)] = None):
    """The audit log, newest first (leaders, supervisors, admins)."""
    page = audit_log.list_events(session, principal=principal, entity_type=entity_type or None, cursor=cursor)
    return render(request, "staff/audit.html", {"principal": principal, "page": page,
                                                "entity_type": entity_type or ""})
