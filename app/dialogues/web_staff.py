"""Back office for dialogues with residents: the list with the year's count against the rule,
planning and announcing (with the notice warning), recording the dialogue (attendance, minutes,
the signed scan), questions and answers, commitments and their progress, and publishing the
results within the publication rule. Every form works without JavaScript."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.accounts.auth import Principal
from app.accounts.deps import require
from app.core import downloads
from app.core.deps import FormDep, RowId, SessionDep
from app.core.errors import Invalid
from app.core.files import Upload
from app.core.forms import field_errors, form_values, local_span, read_uploads, refused_by_service
from app.core.i18n import _
from app.core.templating import render
from app.core.timeutil import LOCAL_TZ, local_date, local_today, to_local
from app.core.validation import int_in_range
from app.dialogues import commitment_links as links
from app.dialogues import commitments, following
from app.dialogues import service as dialogue_service
from app.legal.rules import get_rule
from app.models.dialogue import (
    COMMITMENT_STATUS_LABELS,
    FORMAT_LABELS,
    TRIGGER_LABELS,
    Dialogue,
    DialogueStatus,
)

router = APIRouter(prefix="/staff/dialogues", include_in_schema=False)

PLAN_FIELDS = ("title", "topics", "day", "start", "end", "format", "place", "online_url", "organised_with", "chair",
               "invited_groups", "trigger")


def _options(labels: dict) -> list[tuple[str, str]]:
    return [(k.value, str(v)) for k, v in labels.items()]


def _url(request: Request, dialogue_id: int, anchor: str = "", **query) -> RedirectResponse:
    url = request.app.url_path_for("staff_dialogue", dialogue_id=dialogue_id)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return RedirectResponse(url + anchor, status_code=303)


# The list and planning --------------------------------------------------------------------------

@router.get("", name="staff_dialogues")
def dialogues_page(request: Request, session: SessionDep, principal: Principal = require("staff:access"),
                   year: Annotated[int | None, Query(ge=2000, le=2100)] = None):
    today = local_today()
    year = year or today.year
    rows = dialogue_service.staff_list(session)
    ctx = {"principal": principal, "rows": rows, "today": today, "year": year,
           "count": dialogue_service.held_in_year(session, year, region=request.app.state.settings.rules_region),
           "deadlines": {d.id: dialogue_service.publication_deadline(session, d)
                         for d in rows if dialogue_service.results_due(d)}}
    return render(request, "staff/dialogues/list.html", ctx)


def _plan_form(request: Request, principal: Principal, session: Session, *, values: dict, errors: dict,
               dialogue: Dialogue | None = None, status_code: int = 200):
    ctx = {"principal": principal, "values": values, "errors": errors, "dialogue": dialogue,
           "formats": _options(FORMAT_LABELS), "triggers": _options(TRIGGER_LABELS),
           "notice_rule": get_rule(session, dialogue_service.NOTICE_RULE, on=local_today())}
    return render(request, "staff/dialogues/form.html", ctx, status_code=status_code)


@router.get("/new", name="staff_dialogue_new")
def new_page(request: Request, session: SessionDep, principal: Principal = require("dialogue:manage")):
    values = {"format": "in_person", "trigger": "annual_plan", "start": "08:00", "end": "11:00"}
    return _plan_form(request, principal, session, values=values, errors={})


def _dialogue_input(values: dict) -> tuple[dialogue_service.DialogueInput | None, dict[str, str]]:
    starts_at, ends_at, errors = local_span(values, end_required=False)
    fields = {k: values.get(k, "") for k in PLAN_FIELDS if k not in ("day", "start", "end")}
    fields = {k: v for k, v in fields.items() if v.strip() or k in ("place", "online_url")}
    if starts_at is not None:
        fields["starts_at"] = starts_at
        if ends_at is not None:
            fields["ends_at"] = ends_at
    try:
        data = dialogue_service.DialogueInput.model_validate(fields)
    except ValidationError as exc:
        found = field_errors(exc)
        errors.update({("day" if k == "starts_at" else "end" if k in ("ends_at", "__all__") else k): v
                       for k, v in found.items() if ("day" if k == "starts_at" else k) not in errors})
        return None, errors
    return (None, errors) if errors else (data, {})


@router.post("", name="staff_dialogue_create")
def create(request: Request, form: FormDep, session: SessionDep, principal: Principal = require("dialogue:manage")):
    values = form_values(form, date_fields=("day",))
    data, errors = _dialogue_input(values)
    if errors:
        return _plan_form(request, principal, session, values=values, errors=errors, status_code=422)
    assert data is not None  # no errors: the input was valid
    row = dialogue_service.plan(session, principal=principal, data=data)
    assert row.id is not None  # flushed by plan()
    return _url(request, row.id)


# A dialogue's page -------------------------------------------------------------------------------

def _page(request: Request, session: Session, principal: Principal, dialogue_id: int, *, failed: str = "",
          values: dict | None = None, errors: dict | None = None, status_code: int = 200):
    row = dialogue_service.get(session, dialogue_id)
    assert row.id is not None  # a stored row
    dialogue_commitments = commitments.commitments(session, row.id)
    questions = dialogue_service.questions(session, row.id)
    today = local_today()
    local = to_local(row.starts_at)
    plan_values = {"title": row.title, "topics": row.topics, "day": local.date().isoformat(),
                   "start": local.strftime("%H:%M"),
                   "end": to_local(row.ends_at).strftime("%H:%M") if row.ends_at else "",
                   "format": row.format, "place": row.place, "online_url": row.online_url,
                   "organised_with": row.organised_with, "chair": row.chair, "invited_groups": row.invited_groups,
                   "trigger": row.trigger}
    ctx = {
        "principal": principal,
        "d": row,
        "today": today,
        "past": row.starts_at <= datetime.now(LOCAL_TZ),
        "notice": dialogue_service.notice_check(session, row) if row.status == DialogueStatus.planned else None,
        "notice_rule": get_rule(session, dialogue_service.NOTICE_RULE, on=row.announced_on or today),
        "publication": dialogue_service.publication_deadline(session, row)
        if dialogue_service.results_due(row) or row.results_published_on else None,
        "questions": questions,
        "question_options": [(str(q.id), f"{q.position}. {q.content[:80]}") for q in questions],
        "question_numbers": {q.id: q.position for q in questions},
        "commitment_titles": {c.id: c.title for c in dialogue_commitments},
        "commitments": dialogue_commitments,
        "progress": commitments.progress_of(session, [c.id for c in dialogue_commitments if c.id is not None]),
        "links": links.links_of(session, [c.id for c in dialogue_commitments if c.id is not None]),
        "ref_max": links.REF_MAX_LENGTH,
        "scans": dialogue_service.minutes_scans(session, row.id),
        "corrections": dialogue_service.corrections(session, row.id),
        "failed": failed,
        "values": values or {},
        "errors": errors or {},
        "plan_values": values if failed == "edit" else plan_values,
        "formats": _options(FORMAT_LABELS),
        "triggers": _options(TRIGGER_LABELS),
        "commitment_statuses": _options(COMMITMENT_STATUS_LABELS),
        "overdue": lambda c: commitments.overdue(c, today),
        "local_date": local_date,
    }
    return render(request, "staff/dialogues/detail.html", ctx, status_code=status_code)


@router.get("/{dialogue_id}", name="staff_dialogue")
def dialogue_page(request: Request, session: SessionDep, dialogue_id: RowId,
                  principal: Principal = require("staff:access")):
    return _page(request, session, principal, dialogue_id)


@router.get("/{dialogue_id}/files/{file_id}", name="staff_dialogue_file")
def dialogue_file(request: Request, session: SessionDep, dialogue_id: RowId, file_id: RowId,
                  principal: Principal = require("staff:access")):
    """A signed scan or evidence file, before publication too: staff check it before publishing."""
    f = dialogue_service.get_file(session, dialogue_id, file_id)
    return downloads.stored_file(request.app.state.settings.files_dir, sha256=f.sha256, filename=f.filename,
                                 content_type=f.content_type, cache=downloads.PRIVATE)


def _action(name: str, call, *, uploads: bool = False, anchor: str = ""):
    """A POST that changes the dialogue and goes back to its page, or shows the form's errors
    (422) with what was typed."""

    def endpoint(request: Request, form: FormDep, session: SessionDep, dialogue_id: RowId,
                 principal: Principal = require("dialogue:manage")):
        values = form_values(form, date_fields=("day", "due_on", "on"))
        files = read_uploads(form, request.app.state.settings.max_upload_bytes) if uploads else []
        try:
            with refused_by_service(session) as failed:
                result = call(request, session, principal, dialogue_id, values, files)
        except ValidationError as exc:
            session.rollback()
            return _page(request, session, principal, dialogue_id, failed=name, values=values,
                         errors=field_errors(exc), status_code=422)
        if failed:
            return _page(request, session, principal, dialogue_id, failed=name, values=values,
                         errors=failed.errors(), status_code=failed.status_code)
        return result if isinstance(result, RedirectResponse) else _url(request, dialogue_id, anchor)

    router.add_api_route(f"/{{dialogue_id}}/{name}", endpoint, methods=["POST"], name=f"staff_dialogue_{name}")


def _base_url(request: Request) -> str:
    return request.app.state.settings.public_base_url


def _edit(request, session, principal, dialogue_id, values, files):
    data, errors = _dialogue_input(values)
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    row = dialogue_service.get(session, dialogue_id)
    where_when = (row.starts_at, row.ends_at, row.place, row.online_url)
    dialogue_service.update(session, principal=principal, dialogue_id=dialogue_id, data=data,
                            reason=values.get("reason", ""))
    if row.status == DialogueStatus.announced and (row.starts_at, row.ends_at, row.place, row.online_url) != where_when:
        following.notify_changed(session, dialogue=row, reason=values.get("reason", "").strip(),
                                 base_url=_base_url(request))


def _announce(request, session, principal, dialogue_id, values, files):
    dialogue_service.announce(session, principal=principal, dialogue_id=dialogue_id)


def _held(request, session, principal, dialogue_id, values, files):
    dialogue_service.record_held(
        session, principal=principal, dialogue_id=dialogue_id,
        data=dialogue_service.HeldInput.model_validate({k: values.get(k, "") for k in ("attendance", "minutes")}),
        reason=values.get("reason", ""))


def _scan(request, session, principal, dialogue_id, values, files):
    if not files:
        raise Invalid(_("Chọn tệp biên bản đã ký (PDF hoặc ảnh)"), fields={"files": "required"})
    for upload in files:
        dialogue_service.attach_minutes_scan(session, principal=principal, dialogue_id=dialogue_id, upload=upload,
                                store=request.app.state.settings.file_store)


def _question_input(values: dict) -> dialogue_service.QuestionInput:
    return dialogue_service.QuestionInput.model_validate(
        {k: values.get(k, "") for k in ("asked_by", "content", "answer", "answered_by")})


def _question(request, session, principal, dialogue_id, values, files):
    dialogue_service.add_question(session, principal=principal, dialogue_id=dialogue_id, data=_question_input(values),
                     reason=values.get("reason", ""))


def _question_edit(request, session, principal, dialogue_id, values, files):
    question = dialogue_service.get_question(session, _row_id(values, "question_id"))
    if question.dialogue_id != dialogue_id:
        raise Invalid(_("Câu hỏi không thuộc cuộc đối thoại này"), fields={"question_id": "other"})
    dialogue_service.update_question(session, principal=principal, question_id=question.id,
                                     data=_question_input(values), reason=values.get("reason", ""))


def _commitment_input(values: dict) -> commitments.CommitmentInput:
    fields = {k: values.get(k, "") for k in ("title", "owner_department", "due_on")}
    if values.get("question_id", "").strip():
        fields["question_id"] = values["question_id"]
    return commitments.CommitmentInput.model_validate(fields)


def _commitment(request, session, principal, dialogue_id, values, files):
    commitments.add_commitment(session, principal=principal, dialogue_id=dialogue_id, data=_commitment_input(values),
                               reason=values.get("reason", ""))


def _row_id(values: dict, name: str) -> int:
    return int_in_range(values.get(name), 1, 2_147_483_647) or 0


def _own_commitment(session: Session, dialogue_id: int, values: dict):
    """The commitment the form names, if it belongs to this dialogue."""
    commitment = commitments.get_commitment(session, _row_id(values, "commitment_id"))
    if commitment.dialogue_id != dialogue_id:
        raise Invalid(_("Cam kết không thuộc cuộc đối thoại này"), fields={"commitment_id": "other"})
    return commitment


def _commitment_edit(request, session, principal, dialogue_id, values, files):
    commitment = _own_commitment(session, dialogue_id, values)
    old_due = commitment.due_on
    commitments.update_commitment(session, principal=principal, commitment_id=commitment.id,
                                  data=_commitment_input(values), reason=values.get("reason", ""))
    following.notify_due_moved(session, commitment=commitment, old_due=old_due,
                               reason=values.get("reason", "").strip(), base_url=_base_url(request))


def _link(request, session, principal, dialogue_id, values, files):
    commitment = _own_commitment(session, dialogue_id, values)
    links.link(session, principal=principal, commitment_id=commitment.id, ref=values.get("ref", ""))


def _unlink(request, session, principal, dialogue_id, values, files):
    commitment = _own_commitment(session, dialogue_id, values)
    assert commitment.id is not None  # a stored row
    link = links.own_link(session, commitment.id, _row_id(values, "link_id"))
    links.unlink(session, principal=principal, link_id=link.id, reason=values.get("reason", ""))


def _progress(request, session, principal, dialogue_id, values, files):
    commitment = _own_commitment(session, dialogue_id, values)
    data = commitments.ProgressInput.model_validate({k: values.get(k, "") for k in ("on", "note", "status")})
    step = commitments.add_progress(session, principal=principal, commitment_id=commitment.id, data=data,
                                    uploads=[Upload(u.data, u.filename) for u in files],
                                    store=request.app.state.settings.file_store)
    following.notify_progress(session, commitment=commitment, step=step, base_url=_base_url(request))


def _publish(request, session, principal, dialogue_id, values, files):
    row = dialogue_service.publish(session, principal=principal, dialogue_id=dialogue_id)
    following.notify_published(session, dialogue=row, base_url=_base_url(request))


_action("edit", _edit)
_action("announce", _announce)
_action("held", _held, anchor="#minutes")
_action("scan", _scan, uploads=True, anchor="#minutes")
_action("question", _question, anchor="#questions")
_action("question_edit", _question_edit, anchor="#questions")
_action("commitment", _commitment, anchor="#commitments")
_action("commitment_edit", _commitment_edit, anchor="#commitments")
_action("link", _link, anchor="#commitments")
_action("unlink", _unlink, anchor="#commitments")
_action("progress", _progress, uploads=True, anchor="#commitments")
_action("publish", _publish)
