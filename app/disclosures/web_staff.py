"""Back office for disclosures: dashboard, list, create, edit (amend), publish, withdraw,
record the methods used, upload files."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.accounts.auth import Principal
from app.accounts.deps import CurrentStaff, require
from app.core.deps import FormDep, RowId, SessionDep
from app.core.forms import form_values, read_uploads, refused_by_service, validate
from app.core.i18n import _
from app.core.templating import is_htmx, render
from app.core.timeutil import local_today
from app.dialogues import service as dialogues
from app.disclosures import dashboard, search
from app.disclosures import service as disclosure_service
from app.legal import rules
from app.models.disclosure import Category, Disclosure, DisclosureStatus
from app.reception import notices
from app.reception import schedule as reception_schedule

router = APIRouter(prefix="/staff", include_in_schema=False)

DATE_FIELDS = ("issued_on", "effective_on", "posted_on", "posting_ends_on", "used_on")


# A draft's or an amendment's refusals shown on its form: bad input, a conflict, a file too large
# or of a refused type, file storage out of service (the form keeps what was typed).
UPLOAD_REFUSALS = (400, 409, 413, 415, 422, 503)


@router.get("", name="staff_home")
def staff_home(request: Request, session: SessionDep, principal: CurrentStaff):
    """What needs attention today: drafts, postings ending soon, late publications, today's
    reception sessions and visitors still owed a written answer."""
    today = local_today()
    ctx = {
        "counts": dashboard.counts_by_status(session),
        "late_count": dashboard.late_count(session),
        "ending_soon": dashboard.posting_ending_soon(session),
        "drafts": dashboard.recent_drafts(session),
        "today": today,
        "principal": principal,
        "reception_today": (reception_schedule.sessions_between(session, today, today)
                            if principal.can("reception:read") else []),
        "notices": notices.notice_counts(session, today) if principal.can("reception:register") else None,
        "dialogues": dialogues.held_in_year(session, today.year, region=request.app.state.settings.rules_region),
    }
    return render(request, "staff/home.html", ctx)


@router.get("/disclosures", name="staff_disclosure_list")
def staff_disclosure_list(request: Request, session: SessionDep, principal: CurrentStaff,
                          q: Annotated[str, Query(max_length=search.QUERY_MAX_LENGTH)] = "",
                          category: str | None = None, status: str | None = None,
                          cursor: Annotated[str | None, Query(max_length=500)] = None):
    """All disclosures, drafts included, most recently changed first."""
    cat = category if category in Category.__members__ else None
    st = status if status in DisclosureStatus.__members__ else None
    page = disclosure_service.list_staff(session, q=q, category=cat, status=st, cursor=cursor)
    return render(request, "staff/disclosures/list.html",
                  {"page": page, "q": q, "q_max": search.QUERY_MAX_LENGTH, "category": cat, "status": st,
                   "principal": principal},
                  partial="staff/disclosures/_rows.html")


def _form_page(request: Request, *, principal: Principal, values: dict, errors: dict, d: Disclosure | None,
               status_code: int = 200):
    return render(request, "staff/disclosures/form.html",
                  {"values": values, "errors": errors, "d": d, "principal": principal}, status_code=status_code)


def _values_of(d: Disclosure) -> dict:
    v = {k: getattr(d, k) for k in disclosure_service.CONTENT_FIELDS}
    v.update(posted_on=d.posted_on, posting_ends_on=d.posting_ends_on)
    return {k: ("" if x is None else str(x)) for k, x in v.items()}


@router.get("/disclosures/new", name="staff_disclosure_new")
def new_form(request: Request, principal: Principal = require("disclosure:edit")):
    return _form_page(request, principal=principal, values={"issued_on": local_today().isoformat()}, errors={}, d=None)


@router.post("/disclosures/new", name="staff_disclosure_create")
def create(request: Request, form: FormDep, session: SessionDep, principal: Principal = require("disclosure:edit")):
    """Create a draft (with its files); on bad input show the form again with the input kept."""
    values = form_values(form, date_fields=DATE_FIELDS)
    data, errors = validate(disclosure_service.DisclosureInput, values)
    if errors:
        return _form_page(request, principal=principal, values=values, errors=errors, d=None, status_code=422)
    assert data is not None  # no errors: the input was valid
    with refused_by_service(session, shown=UPLOAD_REFUSALS) as failed:
        d = disclosure_service.create_draft(
            session, principal=principal, data=data,
            uploads=read_uploads(form, request.app.state.settings.max_upload_bytes),
            store=request.app.state.settings.file_store)
    if failed:
        return _form_page(request, principal=principal, values=values, errors={"files": failed.message}, d=None,
                          status_code=failed.status_code)
    return RedirectResponse(request.app.url_path_for("staff_disclosure_detail", disclosure_id=d.id), status_code=303)


@router.get("/disclosures/{disclosure_id}", name="staff_disclosure_detail")
def detail(request: Request, session: SessionDep, disclosure_id: RowId, principal: CurrentStaff):
    d = disclosure_service.get(session, disclosure_id, include_drafts=True)
    return render(request, "staff/disclosures/detail.html", _detail_context(session, d, principal))


def _detail_context(session: Session, d: Disclosure, principal: Principal, **extra) -> dict:
    assert d.id is not None  # a stored row
    return {
        "d": d,
        "principal": principal,
        "versions": disclosure_service.versions(session, d.id),
        "attachments": disclosure_service.attachments(session, [d.id])[d.id],
        "methods": disclosure_service.methods(session, [d.id])[d.id],
        "deadline_rule": rules.rule_for_label(session, d.deadline_rule),
        "today": local_today(),
        "errors": {},
        "values": {},
        **extra,
    }


@router.get("/disclosures/{disclosure_id}/edit", name="staff_disclosure_edit")
def edit_form(request: Request, session: SessionDep, disclosure_id: RowId,
              principal: Principal = require("disclosure:edit")):
    d = disclosure_service.get(session, disclosure_id, include_drafts=True)
    return _form_page(request, principal=principal, values=_values_of(d), errors={}, d=d)


@router.post("/disclosures/{disclosure_id}/edit", name="staff_disclosure_update")
def update(request: Request, form: FormDep, session: SessionDep, disclosure_id: RowId,
                 principal: Principal = require("disclosure:edit")):
    """Save a draft, or amend a published disclosure as a new version."""
    d = disclosure_service.get(session, disclosure_id, include_drafts=True)
    values = form_values(form, date_fields=DATE_FIELDS)
    change_note = values.pop("change_note", "")
    data, errors = validate(disclosure_service.DisclosureInput, values)
    if errors:
        values["change_note"] = change_note
        return _form_page(request, principal=principal, values=values, errors=errors, d=d, status_code=422)
    assert data is not None and d.id is not None  # no errors: the input was valid; `d` is a stored row
    with refused_by_service(session, shown=UPLOAD_REFUSALS) as failed:
        disclosure_service.update(
            session, principal=principal, disclosure_id=d.id, data=data, change_note=change_note,
            uploads=read_uploads(form, request.app.state.settings.max_upload_bytes),
            store=request.app.state.settings.file_store)
    if failed:
        values["change_note"] = change_note
        return _form_page(request, principal=principal, values=values, errors=failed.errors(), d=d,
                          status_code=failed.status_code)
    return RedirectResponse(request.app.url_path_for("staff_disclosure_detail", disclosure_id=d.id), status_code=303)


@router.post("/disclosures/{disclosure_id}/publish", name="staff_disclosure_publish")
def publish(request: Request, session: SessionDep, disclosure_id: RowId,
            principal: Principal = require("disclosure:publish")):
    disclosure_service.publish(session, principal=principal, disclosure_id=disclosure_id)
    return RedirectResponse(request.app.url_path_for("staff_disclosure_detail", disclosure_id=disclosure_id),
                            status_code=303)


@router.post("/disclosures/{disclosure_id}/withdraw", name="staff_disclosure_withdraw")
def withdraw(request: Request, form: FormDep, session: SessionDep, disclosure_id: RowId,
                   principal: Principal = require("disclosure:publish")):
    reason = str(form.get("reason", ""))
    with refused_by_service(session, shown=(422,)) as failed:  # a reason missing; a wrong state is a 409 page
        disclosure_service.withdraw(session, principal=principal, disclosure_id=disclosure_id, reason=reason)
    if failed:
        d = disclosure_service.get(session, disclosure_id, include_drafts=True)
        ctx = _detail_context(session, d, principal, errors={"reason": failed.message}, values={"reason": reason})
        return render(request, "staff/disclosures/detail.html", ctx, status_code=failed.status_code)
    return RedirectResponse(request.app.url_path_for("staff_disclosure_detail", disclosure_id=disclosure_id),
                            status_code=303)


@router.post("/disclosures/{disclosure_id}/methods", name="staff_disclosure_method")
def record_method(request: Request, form: FormDep, session: SessionDep, disclosure_id: RowId,
                        principal: Principal = require("disclosure:edit")):
    """Record a method of Art. 12 and its date; HTMX gets the refreshed methods section."""
    values = form_values(form, date_fields=DATE_FIELDS)
    errors: dict[str, str] = {}
    try:
        used_on = date.fromisoformat(values.get("used_on", ""))
    except ValueError:
        used_on = None
        errors["used_on"] = _("Ngày không hợp lệ (dd/mm/yyyy)")
    if used_on is not None:
        with refused_by_service(session, shown=(422,)) as failed:
            disclosure_service.record_method(session, principal=principal, disclosure_id=disclosure_id,
                                             method=values.get("method", ""), used_on=used_on,
                                             note=values.get("note", ""))
        errors.update(failed.errors())
    d = disclosure_service.get(session, disclosure_id, include_drafts=True)
    if not errors and not is_htmx(request):
        to = request.app.url_path_for("staff_disclosure_detail", disclosure_id=disclosure_id)
        return RedirectResponse(f"{to}#methods", status_code=303)
    ctx = _detail_context(session, d, principal, errors=errors, values=values if errors else {})
    return render(request, "staff/disclosures/detail.html", ctx, status_code=422 if errors else 200,
                  partial="staff/disclosures/_methods.html")


@router.post("/disclosures/{disclosure_id}/attachments", name="staff_disclosure_attach")
def attach(request: Request, form: FormDep, session: SessionDep, disclosure_id: RowId,
                 principal: Principal = require("disclosure:edit")):
    errors: dict[str, str] = {}
    with refused_by_service(session, shown=(413, 415, 422)) as failed:  # the files' own refusals
        disclosure_service.add_attachments(
            session, principal=principal, disclosure_id=disclosure_id,
            uploads=read_uploads(form, request.app.state.settings.max_upload_bytes),
            store=request.app.state.settings.file_store)
    if failed:
        errors["files"] = failed.message
    if errors:
        d = disclosure_service.get(session, disclosure_id, include_drafts=True)
        ctx = _detail_context(session, d, principal, errors=errors)
        return render(request, "staff/disclosures/detail.html", ctx, status_code=422)
    to = request.app.url_path_for("staff_disclosure_detail", disclosure_id=disclosure_id)
    return RedirectResponse(f"{to}#files", status_code=303)
