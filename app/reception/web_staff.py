"""Back office for citizen reception: the sessions list, a session's page with its register and
the fast form to log each visit (HTMX, and plain forms without JavaScript), and a visit's page.

Visitors are shown only as `identity.shown()` / `visits.read_visit()` return them: masked ID
numbers in lists, a denouncer hidden as the cases' rules say, nothing personal for supervisors."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.accounts.auth import Principal
from app.accounts.deps import require
from app.core.deps import FormDep, RowId, SessionDep
from app.core.errors import Invalid
from app.core.forms import (
    field_errors,
    form_values,
    local_span,
    parse_date,
    refused_by_service,
    required_date,
    validate,
)
from app.core.i18n import _
from app.core.templating import is_htmx, render
from app.core.timeutil import local_today
from app.models.complaint import FIELD_LABELS, KIND_LABELS, CaseField
from app.models.reception import (
    HOST_ROLE_LABELS,
    OUTCOME_LABELS,
    REFUSAL_LABELS,
    SESSION_TYPE_LABELS,
    ReceptionVisit,
    SessionStatus,
)
from app.reception import identity, notices, register, schedule, sessions, visits

router = APIRouter(prefix="/staff/reception", include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}
LIST_DAYS_BACK = 7
LIST_DAYS_AHEAD = 14
MAX_LIST_DAYS = 92


def _options(labels: dict) -> list[tuple[str, str]]:
    return [(k.value, str(v)) for k, v in labels.items()]


# The sessions list ------------------------------------------------------------------------------

@router.get("", name="staff_reception")
def sessions_page(request: Request, session: SessionDep, principal: Principal = require("reception:read"),
                  start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                  end: Annotated[str | None, Query(alias="to", max_length=10)] = None):
    return _sessions_page(request, session, principal, start=start, end=end)


def _sessions_page(request: Request, session: Session, principal: Principal, *, start: str | None = None,
                   end: str | None = None, values: dict | None = None, errors: dict | None = None,
                   status_code: int = 200):
    today = local_today()
    first = parse_date(start or "") or today - timedelta(days=LIST_DAYS_BACK)
    last = parse_date(end or "") or today + timedelta(days=LIST_DAYS_AHEAD)
    range_error = ""
    if last < first or (last - first).days > MAX_LIST_DAYS:
        range_error = _("Khoảng ngày không hợp lệ (tối đa %d ngày); đang hiện khoảng mặc định") % MAX_LIST_DAYS
        first, last = today - timedelta(days=LIST_DAYS_BACK), today + timedelta(days=LIST_DAYS_AHEAD)
    rows = schedule.sessions_between(session, first, last)
    ctx = {
        "principal": principal,
        "today": today,
        "first": first,
        "last": last,
        "range_error": range_error,
        "sessions": rows,
        "counts": visits.counts_for(session, [s.id for s in rows if s.id is not None]),
        "notices": notices.pending_notices(session) if principal.can("reception:register") else [],
        "notice_counts": notices.notice_counts(session, today) if principal.can("reception:register") else None,
        "values": values or {"day": today.isoformat(), "start": "07:30", "end": "11:30", "type": "ad_hoc",
                             "host_role": "officer"},
        "errors": errors or {},
        "host_roles": _options(HOST_ROLE_LABELS),
        "types": _options(SESSION_TYPE_LABELS),
    }
    return render(request, "staff/reception/list.html", ctx, status_code=status_code)


def _session_input(values: dict) -> tuple[schedule.SessionInput | None, dict[str, str]]:
    """The one-off session form: a day and two times, in the ward's time zone."""
    starts_at, ends_at, errors = local_span(values)
    fields = {k: values.get(k, "") for k in ("host_name", "host_role", "type", "place", "assisting_staff", "notes")}
    if not errors:
        assert starts_at is not None and ends_at is not None  # no errors: both were parsed (the end is required)
        fields["starts_at"], fields["ends_at"] = starts_at.isoformat(), ends_at.isoformat()
    data, more = validate(schedule.SessionInput, fields)
    more = {("end" if k in ("__all__", "ends_at", "starts_at") else k): v for k, v in more.items()}
    errors = {**more, **errors}
    return (data if not errors else None), errors


@router.post("/sessions", name="staff_reception_session_create")
def create_session(request: Request, form: FormDep, session: SessionDep,
                   principal: Principal = require("reception:schedule")):
    values = form_values(form, date_fields=("day",))
    data, errors = _session_input(values)
    if errors:
        return _sessions_page(request, session, principal, values=values, errors=errors, status_code=422)
    assert data is not None  # no errors: the input was valid
    row = schedule.create_session(session, principal=principal, data=data)
    assert row.id is not None  # flushed by create_session()
    return _to_session(request, row.id)


def _to_session(request: Request, session_id: int, anchor: str = "") -> RedirectResponse:
    url = request.app.url_path_for("staff_reception_session", session_id=session_id)
    return RedirectResponse(url + anchor, status_code=303)


# A session's page -------------------------------------------------------------------------------

def _session_page(request: Request, session: Session, principal: Principal, session_id: int, *,
                  values: dict | None = None, errors: dict | None = None, failed: str = "", status_code: int = 200,
                  partial: str | None = None, saved: ReceptionVisit | None = None):
    row = schedule.get_session_row(session, session_id)
    assert row.id is not None  # a stored row
    today = local_today()
    keeper = principal.can("reception:register")
    shown_visits = [identity.shown(v, c, principal) for v, c in visits.visits_of(session, row.id)] if keeper else []
    day = schedule.session_day(row)
    ctx = {
        "principal": principal,
        "s": row,
        "day": day,
        "today": today,
        "counts": visits.counts_for(session, [row.id])[row.id],
        "visits": shown_visits,
        "can_log": keeper and row.status != SessionStatus.cancelled and row.closed_at is None and day <= today,
        "values": values if values is not None else {"people_count": "1", "outcome": "accepted",
                                                      "case_kind": "complaint", "field": CaseField.other.value},
        "errors": errors or {},
        "failed": failed,
        "saved": saved,
        # An HTMX answer carries the register; the counts above it are swapped in out of band.
        "oob": partial is not None and is_htmx(request),
        "kinds": _options(KIND_LABELS),
        "outcomes": _options(OUTCOME_LABELS),
        "refusals": _options(REFUSAL_LABELS),
        "fields": _options(FIELD_LABELS),
        "host_roles": _options(HOST_ROLE_LABELS),
        "reopen_max": sessions.REOPEN_REASON_MAX_LENGTH,
    }
    return render(request, "staff/reception/session.html", ctx, status_code=status_code, partial=partial)


@router.get("/sessions/{session_id}", name="staff_reception_session")
def session_page(request: Request, session: SessionDep, session_id: RowId,
                 principal: Principal = require("reception:read"),
                 saved: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None):
    visit = visits.saved_visit(session, session_id, saved) if saved and principal.can("reception:register") else None
    return _session_page(request, session, principal, session_id, saved=visit)


@router.post("/sessions/{session_id}/visits", name="staff_reception_visit_create")
def log_visit(request: Request, form: FormDep, session: SessionDep, session_id: RowId,
                    principal: Principal = require("reception:register")):
    """Write one visit into the register. HTMX swaps in the updated register and a fresh form
    (focus back on the first field); without JavaScript the page is loaded again."""
    values = form_values(form)
    data, errors = validate(visits.VisitInput, values)
    errors = {**visits.visit_problems(values), **errors}
    if not errors:
        assert data is not None  # no errors: the input was valid
        with refused_by_service(session, shown=(422,)) as failed:
            visit = visits.log_visit(session, principal=principal, session_id=session_id, data=data)
        if not failed:
            if is_htmx(request):
                return _session_page(request, session, principal, session_id, partial="staff/reception/_register.html",
                                     saved=visit)
            return _to_session(request, session_id, f"?saved={visit.id}#register")
        errors = failed.errors()
    return _session_page(request, session, principal, session_id, values=values, errors=errors, failed="visit",
                         status_code=422, partial="staff/reception/_register.html")


def _session_action(name: str, permission: str, call):
    """A POST that changes a session and goes back to its page (or shows the form's error)."""

    def endpoint(request: Request, form: FormDep, session: SessionDep, session_id: RowId,
                 principal: Principal = require(permission)):
        values = form_values(form, date_fields=("day",))
        with refused_by_service(session, shown=(422,)) as failed:
            call(session, principal, session_id, values)
        if failed:
            return _session_page(request, session, principal, session_id, values=values, failed=name,
                                 errors=failed.errors(default="reason"), status_code=422)
        return _to_session(request, session_id)

    router.add_api_route(f"/sessions/{{session_id}}/{name}", endpoint, methods=["POST"],
                         name=f"staff_reception_session_{name}")


def _move(session, principal, session_id, values):
    starts_at, ends_at, errors = local_span(values)
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    schedule.move_session(session, principal=principal, session_id=session_id, day=starts_at.date(),
                          start=starts_at.time(), end=ends_at.time(), reason=values.get("reason", ""),
                          place=values.get("place", ""))


def _details(session, principal, session_id, values):
    data, errors = validate(sessions.SessionDetails, {k: values.get(k, "") for k in ("assisting_staff", "notes")})
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    sessions.update_details(session, principal=principal, session_id=session_id, data=data)


_session_action("open", "reception:register", lambda s, p, i, v: sessions.open_session(s, principal=p, session_id=i))
_session_action("close", "reception:register", lambda s, p, i, v: sessions.close_session(s, principal=p, session_id=i))
_session_action("reopen", "reception:reopen", lambda s, p, i, v: sessions.reopen_session(
    s, principal=p, session_id=i, reason=v.get("reason", "")))
_session_action("cancel", "reception:schedule", lambda s, p, i, v: schedule.cancel_session(
    s, principal=p, session_id=i, reason=v.get("reason", "")))
_session_action("move", "reception:schedule", _move)
_session_action("details", "reception:register", _details)


# A visit's page ---------------------------------------------------------------------------------

@router.get("/visits/{visit_id}", name="staff_reception_visit")
def visit_page(request: Request, session: SessionDep, visit_id: RowId,
               principal: Principal = require("reception:register")):
    return _visit_page(request, session, principal, visit_id)


def _visit_page(request: Request, session: Session, principal: Principal, visit_id: int, *,
                values: dict | None = None, errors: dict | None = None, status_code: int = 200,
                failed: str = ""):
    view = visits.read_visit(session, principal=principal, visit_id=visit_id)
    assert view.visit.id is not None  # a stored row
    row = schedule.get_session_row(session, view.visit.session_id)
    shown_columns = [c for c in visits.CORRECTABLE if view.identity_visible or c not in visits.IDENTITY_COLUMNS]
    ctx = {
        "principal": principal,
        "view": view,
        "v": view.visit,
        "s": row,
        "today": local_today(),
        "follow_up": register.follow_up(view.visit, view.case),
        "values": values if failed == "notified" else {"notified_on": local_today().isoformat()},
        "errors": errors or {},
        "failed": failed,
        "can_correct": row.closed_at is None and row.status != SessionStatus.cancelled,
        "columns": shown_columns,
        # Identity columns are in the form only for readers who may see them.
        "fix": values if failed == "correct" else {c: getattr(view.visit, c) for c in shown_columns},
        "corrections": [(c, json.loads(c.before)) for c in visits.corrections_of(session, view.visit.id)],
    }
    # The full ID number: not kept in a shared desk computer's cache.
    return render(request, "staff/reception/visit.html", ctx, status_code=status_code, headers=NO_STORE)


@router.post("/visits/{visit_id}/notified", name="staff_reception_visit_notified")
def mark_notified(request: Request, form: FormDep, session: SessionDep, visit_id: RowId,
                        principal: Principal = require("reception:register")):
    values = form_values(form, date_fields=("notified_on",))
    with refused_by_service(session, shown=(422,)) as failed:
        visits.mark_notified(session, principal=principal, visit_id=visit_id, on=required_date(values, "notified_on"),
                             number=values.get("notice_number", ""))
    if failed:
        return _visit_page(request, session, principal, visit_id, values=values,
                           errors={"notified_on": failed.message}, status_code=failed.status_code, failed="notified")
    return RedirectResponse(request.app.url_path_for("staff_reception_visit", visit_id=visit_id), status_code=303)


@router.post("/visits/{visit_id}/correct", name="staff_reception_visit_correct")
def correct_visit(request: Request, form: FormDep, session: SessionDep, visit_id: RowId,
                        principal: Principal = require("reception:register")):
    """Correct a register row; the form sends the columns it shows (an emptied one is cleared)."""
    values = form_values(form)
    sent = {k: v for k, v in values.items() if k in (*visits.CORRECTABLE, "reason")}
    try:
        data = visits.VisitCorrection.model_validate(sent)
    except ValidationError as exc:
        return _visit_page(request, session, principal, visit_id, values=values, errors=field_errors(exc),
                           status_code=422, failed="correct")
    with refused_by_service(session, shown=(422,)) as failed:
        visits.correct_visit(session, principal=principal, visit_id=visit_id, data=data)
    if failed:
        return _visit_page(request, session, principal, visit_id, values=values, errors=failed.errors(),
                           status_code=failed.status_code, failed="correct")
    return RedirectResponse(request.app.url_path_for("staff_reception_visit", visit_id=visit_id) + "#corrections",
                            status_code=303)
