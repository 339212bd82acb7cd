"""Back office for cases (đơn): the inbox with its dashboard and bulk assignment, letters entered
for walk-in, post and phone senders, and the case page with the actions the viewer may take.

A sender is shown only as `privacy.view()` returns it (the case page, through `casefile.read`) or
as `queries.sender_label` allows (the inbox, which never names a denouncer)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.accounts.auth import Principal
from app.accounts.deps import require
from app.cases import action_forms, casefile, intake, queries, questions, split, workflow
from app.cases.codes import format_code
from app.cases.forms import validate_case
from app.core import downloads
from app.core.deps import FormDep, RowId, SessionDep
from app.core.errors import AppError, Forbidden, Invalid
from app.core.forms import form_values, read_uploads, refused_by_service, validate
from app.core.i18n import N_, _
from app.core.templating import is_htmx, render
from app.core.timeutil import local_today
from app.core.validation import MAX_DATE, MIN_DATE, int_in_range
from app.models.complaint import (
    CASE_STATUS_LABELS,
    CHANNEL_LABELS,
    FIELD_LABELS,
    KIND_LABELS,
    CaseField,
    CaseKind,
    CaseStatus,
    Channel,
    Complaint,
)

router = APIRouter(prefix="/staff", include_in_schema=False)

MAX_BULK = 100
STAFF_CHANNELS = (Channel.walk_in, Channel.post, Channel.phone, Channel.transfer, Channel.national_portal)
INTAKE_EXTRA = ("channel", "pakn_code", "external_ref", "received_on")

SERVICE_FIELD_MESSAGES = {
    "required": N_("Trường này là bắt buộc"),
    "future": N_("Ngày không được ở tương lai"),
    "unknown": N_("Giá trị không hợp lệ, hãy chọn trong danh sách"),
}


def _labels(mapping: dict) -> list[tuple[str, str]]:
    return [(k.value, str(v)) for k, v in mapping.items()]


# Inbox ----------------------------------------------------------------------------------------------

def _filters(principal: Principal, *, kind: str | None, status: str | None, field: str | None, department: str,
             assignee: str, overdue: str, due_within: str, session: Session, today: date, proposed: str = ""):
    """The inbox's filters from the query (unknown values are ignored), and their cleaned echo."""
    kind = kind if kind in CaseKind.__members__ else None
    status = status if status in CaseStatus.__members__ else None
    field = field if field in CaseField.__members__ else None
    department = department.strip()
    assignee_id, unassigned = None, False
    if assignee == "mine" and principal.user is not None:
        assignee_id = principal.user.id
    elif assignee == "none":
        unassigned = True
    elif int_in_range(assignee, 1, 2_147_483_647):
        assignee_id = int(assignee)
    else:
        assignee = ""
    is_overdue = overdue in ("1", "true", "on")
    is_proposed = proposed in ("1", "true", "on")
    days = int_in_range(due_within, 1, queries.MAX_DUE_WITHIN)
    filters = queries.InboxFilters(kind=kind, status=status, field=field, department=department or None,
                             assignee_id=assignee_id, unassigned=unassigned, overdue=is_overdue,
                             due_by=queries.due_by_for(session, today, days) if days else None, proposed=is_proposed)
    echo = {"kind": kind or "", "status": status or "", "field": field or "", "department": department,
            "assignee": assignee, "overdue": "1" if is_overdue else "", "due_within": str(days or ""),
            "proposed": "1" if is_proposed else ""}
    return filters, echo


def _inbox_page(request: Request, session: Session, principal: Principal, *, echo: dict, filters: queries.InboxFilters,
                cursor: str | None = None, report: dict | None = None, errors: dict | None = None,
                values: dict | None = None, status_code: int = 200):
    today = local_today()
    page = queries.inbox(session, filters, today=today, cursor=cursor)
    full = not is_htmx(request)
    ctx = {
        "principal": principal,
        "page": page,
        "f": echo,
        "today": today,
        "senders": {c.id: queries.sender_label(c, principal) for c in page.items},
        "names": queries.staff_names(session, {c.assignee_id for c in page.items}),
        "users": queries.assignable_users(session) if full else [],
        "departments": queries.departments(session) if full else [],
        "dashboard": queries.dashboard(session, today=today) if full else None,
        "kinds": _labels(KIND_LABELS),
        "statuses": _labels(CASE_STATUS_LABELS),
        "fields": _labels(FIELD_LABELS),
        "report": report,
        "errors": errors or {},
        "values": values or {},
        "can_assign": principal.can("complaint:assign"),
    }
    return render(request, "staff/complaints/list.html", ctx, status_code=status_code,
                  partial="staff/complaints/_rows.html")


@router.get("/complaints", name="staff_complaint_list")
def complaint_list(request: Request, session: SessionDep, principal: Principal = require("complaint:read"),
                   kind: Annotated[str | None, Query(max_length=20)] = None,
                   status: Annotated[str | None, Query(max_length=20)] = None,
                   field: Annotated[str | None, Query(max_length=40)] = None,
                   department: Annotated[str, Query(max_length=120)] = "",
                   assignee: Annotated[str, Query(max_length=12)] = "",
                   overdue: Annotated[str, Query(max_length=5)] = "",
                   due_within: Annotated[str, Query(max_length=4)] = "",
                   proposed: Annotated[str, Query(max_length=5)] = "",
                   assigned: Annotated[str, Query(max_length=4)] = "",
                   cursor: Annotated[str | None, Query(max_length=500)] = None):
    """The inbox: nearest deadline first, with filters, a dashboard and bulk assignment."""
    filters, echo = _filters(principal, kind=kind, status=status, field=field, department=department,
                             assignee=assignee, overdue=overdue, due_within=due_within, session=session,
                             today=local_today(), proposed=proposed)
    done = int_in_range(assigned, 0, 10_000)
    report = {"done": done, "failed": []} if done is not None else None
    return _inbox_page(request, session, principal, echo=echo, filters=filters, cursor=cursor, report=report)


@router.post("/complaints/assign", name="staff_complaint_bulk_assign")
def bulk_assign(request: Request, form: FormDep, session: SessionDep,
                principal: Principal = require("complaint:assign")):
    """Assign several cases at once; each goes through the workflow, failures are reported per case."""
    ids = list(dict.fromkeys(int(v) for v in form.getlist("ids")
                             if isinstance(v, str) and int_in_range(v, 1, 2_147_483_647)))[:MAX_BULK]
    values = form_values(form)
    values.pop("ids", None)
    errors: dict[str, str] = {}
    data, field_errors = validate(workflow.TransitionInput, {"action": "assign",
                                                             "assignee_id": values.get("assignee_id", ""),
                                                             "department": values.get("department", "")})
    errors.update(field_errors)
    if not ids:
        errors["ids"] = _("Chọn ít nhất một đơn")
    if data is not None and data.assignee_id is None:
        errors["assignee_id"] = _("Trường này là bắt buộc")
    elif data is not None and data.assignee_id not in {u.id for u in queries.assignable_users(session)}:
        errors["assignee_id"] = _("Giá trị không hợp lệ, hãy chọn trong danh sách")
    today = local_today()
    filters, echo = _filters(principal, kind=None, status=None, field=None, department="", assignee="", overdue="",
                             due_within="", session=session, today=today)
    if errors or data is None:
        return _inbox_page(request, session, principal, echo=echo, filters=filters, errors=errors, values=values,
                           status_code=422)
    result = workflow.transition_many(session, principal=principal, complaint_ids=ids, data=data)
    if not result.failed:
        url = request.app.url_path_for("staff_complaint_list")
        return RedirectResponse(f"{url}?assigned={len(result.done)}", status_code=303)
    return _inbox_page(request, session, principal, echo=echo, filters=filters,
                       report={"done": len(result.done), "failed": result.failed},
                       status_code=200 if result.done else 409)


# Staff intake ------------------------------------------------------------------------------------------

def _intake_page(request: Request, *, principal: Principal, values: dict, errors: dict, status_code: int = 200):
    ctx = {"principal": principal, "values": values, "errors": errors,
           "channels": [(c.value, str(CHANNEL_LABELS[c])) for c in STAFF_CHANNELS],
           "kinds": _labels(KIND_LABELS), "fields": _labels(FIELD_LABELS)}
    return render(request, "staff/complaints/new.html", ctx, status_code=status_code)


@router.get("/complaints/new", name="staff_complaint_new")
def intake_form(request: Request, principal: Principal = require("complaint:intake")):
    values = {"channel": Channel.walk_in.value, "received_on": local_today().isoformat(),
              "field": CaseField.other.value}
    return _intake_page(request, principal=principal, values=values, errors={})


@router.post("/complaints/new", name="staff_complaint_create")
def intake_letter(request: Request, form: FormDep, session: SessionDep,
                  principal: Principal = require("complaint:intake")):
    """Enter a letter for a walk-in, post or phone sender, or one transferred or from the national portal."""
    values = form_values(form, date_fields=("received_on", "contested_on"))
    extra = {k: values.pop(k, "").strip() for k in INTAKE_EXTRA}
    data, errors = validate_case(values)
    if extra["channel"] not in {c.value for c in STAFF_CHANNELS}:
        errors["channel"] = _("Giá trị không hợp lệ, hãy chọn trong danh sách")
    if len(extra["pakn_code"]) > 40:
        errors["pakn_code"] = _("Quá dài")
    if len(extra["external_ref"]) > 100:
        errors["external_ref"] = _("Quá dài")
    received_on = None
    if extra["received_on"]:
        try:
            received_on = date.fromisoformat(extra["received_on"])
        except ValueError:
            errors["received_on"] = _("Ngày không hợp lệ (dd/mm/yyyy)")
        else:
            if not MIN_DATE <= received_on <= MAX_DATE:
                errors["received_on"] = _("Ngày phải trong khoảng năm 1900 đến 2200")
    values.update(extra)
    if errors or data is None:
        return _intake_page(request, principal=principal, values=values, errors=errors, status_code=422)
    settings = request.app.state.settings
    # Every refusal but a 403 (the page for it) is shown on the form, with what was typed kept.
    with refused_by_service(session, shown=(400, 404, 409, 413, 415, 422, 429, 503)) as failed:
        case = intake.file_case(session, data=data, channel=extra["channel"], actor=principal.actor,
                                principal=principal, uploads=read_uploads(form, settings.max_upload_bytes),
                                store=settings.file_store, pakn_code=extra["pakn_code"],
                                external_ref=extra["external_ref"], received_on=received_on)
    if failed:
        return _intake_page(request, principal=principal, values=values, errors=failed.errors(default="files"),
                            status_code=failed.status_code)
    return RedirectResponse(request.app.url_path_for("staff_complaint_detail", complaint_id=case.id), status_code=303)


# The case page ----------------------------------------------------------------------------------------

def available_actions(case: Complaint, principal: Principal) -> list[str]:
    """The actions this viewer may take on the case now (as the workflow decides)."""
    return [name for name in workflow.TRANSITIONS if workflow.can_act(principal, case, name)]


def _case_page(request: Request, session: Session, principal: Principal, complaint_id: int, *,
               failed: str | None = None, values: dict | None = None, errors: dict | None = None,
               status_code: int = 200):
    cf = casefile.read(session, principal=principal, complaint_id=complaint_id)
    case = cf.case
    ctx = {
        "principal": principal,
        "case": case,
        "cv": cf.cv,
        "sender": cf.cv.sender,
        "protected": cf.protected,
        "code": format_code(case.tracking_code),
        "today": local_today(),
        "deadlines": cf.deadlines,
        "events": cf.events,
        "attachments": cf.attachments,
        "hidden_files": cf.hidden_files,
        "names": cf.names,
        "forms": action_forms.forms_for(case, available_actions(case, principal),
                                        ward=request.app.state.settings.ward_name, failed=failed,
                                        values=values or {}, errors=errors or {}),
        "users": cf.users,
        "kinds": _labels(KIND_LABELS),
        "fields": _labels(FIELD_LABELS),
        "action_label": action_forms.label,
        "errors": errors or {},
        "failed": failed,
        "can_split": split.can_split(principal, case),
        "split_slots": range(3),
        "parts": cf.parts,
        "source": cf.source,
        "visit": cf.visit,
        "commitments": cf.commitments,
        "about": cf.about,
        "limitation_ends": cf.limitation_ends,
        "appeal": cf.appeal,
        "posted_until": cf.posted_until,
        "values": values or {},
    }
    return render(request, "staff/complaints/detail.html", ctx, status_code=status_code)


@router.get("/complaints/{complaint_id}", name="staff_complaint_detail")
def complaint_detail(request: Request, session: SessionDep, complaint_id: RowId,
                     principal: Principal = require("complaint:read")):
    return _case_page(request, session, principal, complaint_id)


def _service_errors(exc: AppError) -> dict[str, str]:
    out = {}
    for name, code in exc.fields.items():
        message = SERVICE_FIELD_MESSAGES.get(code)
        out[name] = str(message) if message and name != "action" else str(exc.message)
    return out


@router.post("/complaints/{complaint_id}/actions", name="staff_complaint_action")
def complaint_action(request: Request, form: FormDep, session: SessionDep, complaint_id: RowId,
                           principal: Principal = require("complaint:read")):
    """Apply one workflow action. Not for this role: 403; not from this status: 409 (error page);
    missing or wrong fields: the case page again with the messages, the input kept (422)."""
    values = form_values(form, date_fields=("decided_on", "done_on", "contested_on"))
    action = values.get("action", "")
    rule = workflow.TRANSITIONS.get(action)
    if rule is not None and not principal.can(rule.permission):
        raise Forbidden(_("Vai trò của bạn không được thực hiện thao tác này"))
    data, errors = validate(workflow.TransitionInput, values)
    if data is not None:
        try:
            workflow.transition(session, principal=principal, complaint_id=complaint_id, data=data)
        except Invalid as exc:
            if not exc.fields:
                raise
            session.rollback()
            errors = _service_errors(exc)
    if errors:
        if action not in workflow.TRANSITIONS:
            raise Invalid(_("Thao tác không hợp lệ: %s") % action[:30], fields={"action": "unknown"})
        return _case_page(request, session, principal, complaint_id, failed=action, values=values, errors=errors,
                          status_code=422)
    url = request.app.url_path_for("staff_complaint_detail", complaint_id=complaint_id)
    return RedirectResponse(f"{url}#timeline", status_code=303)


@router.post("/complaints/{complaint_id}/split", name="staff_complaint_split")
def complaint_split(request: Request, form: FormDep, session: SessionDep, complaint_id: RowId,
                          principal: Principal = require("complaint:handle")):
    """Split a mixed letter: up to three parts from the form (empty parts are ignored)."""
    values = form_values(form)
    parts = []
    for i in range(3):
        part = {k: values.get(f"part{i}_{k}", "").strip() for k in ("kind", "subject", "content")}
        if any(part.values()):
            parts.append(part)
    try:
        data = split.SplitInput.model_validate({"parts": parts})
    except ValidationError:
        errors = {"split": _("Cần ít nhất hai phần, mỗi phần có loại đơn, tiêu đề (từ 5 ký tự) "
                             "và nội dung (từ 10 ký tự)")}
    else:
        with refused_by_service(session, shown=(422,)) as failed:
            split.split(session, principal=principal, complaint_id=complaint_id, data=data)
        if not failed:
            url = request.app.url_path_for("staff_complaint_detail", complaint_id=complaint_id)
            return RedirectResponse(f"{url}#timeline", status_code=303)
        errors = {"split": failed.message}
    return _case_page(request, session, principal, complaint_id, failed="split", values=values, errors=errors,
                      status_code=422)


@router.post("/complaints/{complaint_id}/answer", name="staff_complaint_answer")
def publish_answer(request: Request, form: FormDep, session: SessionDep, complaint_id: RowId,
                         principal: Principal = require("complaint:handle")):
    """Publish (or correct) the question and answer under the document the case asks about."""
    values = form_values(form)
    data, errors = validate(questions.AnswerInput, {k: values.get(k, "") for k in ("public_question", "public_answer")})
    if data is not None:
        with refused_by_service(session, shown=(409,)) as failed:
            questions.publish_answer(session, principal=principal, complaint_id=complaint_id, data=data)
        if failed:
            errors = {"__all__": failed.message}
    if errors:
        return _case_page(request, session, principal, complaint_id, failed="answer", values=values, errors=errors,
                          status_code=409 if "__all__" in errors else 422)
    url = request.app.url_path_for("staff_complaint_detail", complaint_id=complaint_id)
    return RedirectResponse(f"{url}#answer", status_code=303)


@router.post("/complaints/{complaint_id}/answer/withdraw", name="staff_complaint_answer_withdraw")
def withdraw_answer(request: Request, session: SessionDep, complaint_id: RowId,
                    principal: Principal = require("complaint:handle")):
    questions.withdraw_answer(session, principal=principal, complaint_id=complaint_id)
    url = request.app.url_path_for("staff_complaint_detail", complaint_id=complaint_id)
    return RedirectResponse(f"{url}#answer", status_code=303)


@router.get("/complaints/{complaint_id}/files/{attachment_id}", name="staff_complaint_file")
def complaint_file(request: Request, session: SessionDep, complaint_id: RowId, attachment_id: RowId,
                   principal: Principal = require("complaint:read")):
    """A case's file, for staff only. A denunciation's files (scans of the letter carry the
    denouncer's identity) only for those who may see the identity; the view is audited."""
    att = casefile.staff_attachment(session, principal=principal, complaint_id=complaint_id,
                                    attachment_id=attachment_id)
    return downloads.stored_file(request.app.state.settings.files_dir, sha256=att.sha256, filename=att.filename,
                                 content_type=att.content_type, cache=downloads.PRIVATE)
