"""Public pages of the dialogues with residents: the list (upcoming first), one dialogue with
its results once published (minutes, signed scans, questions and answers, commitments and
their dated progress, corrections), the open commitments, an iCalendar feed, file downloads.

A planned dialogue is never shown; before the results are published only the announcement is."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request

from app.core import downloads, ical
from app.core.db import utcnow
from app.core.deps import RowId, SessionDep
from app.core.templating import http_url, render
from app.core.timeutil import local_today
from app.dialogues import commitment_links as links
from app.dialogues import commitments, queries
from app.dialogues import service as dialogue_service
from app.models.dialogue import Dialogue, DialogueStatus

router = APIRouter(include_in_schema=False)

# A dialogue without an end time is shown (and put in calendars) as lasting this long.
DEFAULT_DURATION = timedelta(hours=3)
LIST_LIMIT = 200
FEED_LIMIT = 500
OPEN_LIMIT = 200


def ends_at(d: Dialogue) -> datetime:
    return d.ends_at or d.starts_at + DEFAULT_DURATION


@router.get("/dialogues", name="public_dialogues")
def dialogue_list(request: Request, session: SessionDep):
    """Announced dialogues still to come (soonest first), then the others (latest first)."""
    now = utcnow()
    rows = dialogue_service.public_list(session, limit=LIST_LIMIT)
    upcoming = [d for d in rows if d.status == DialogueStatus.announced and ends_at(d) >= now]
    upcoming.sort(key=lambda d: (d.starts_at, d.id))
    shown = {d.id for d in upcoming}
    past = [d for d in rows if d.id not in shown]
    open_total, open_late = queries.open_counts(session, local_today())
    ctx = {"upcoming": upcoming, "past": past, "open_total": open_total, "open_late": open_late}
    return render(request, "public/dialogues/list.html", ctx)


@router.get("/dialogues/commitments", name="public_commitments")
def commitment_list(request: Request, session: SessionDep):
    """Every open commitment of a published dialogue, overdue ones first, with its latest step."""
    today = local_today()
    rows = commitments.open_commitments(session, today=today, limit=OPEN_LIMIT + 1)
    more, rows = len(rows) > OPEN_LIMIT, rows[:OPEN_LIMIT]
    steps = commitments.progress_of(session, [c.id for c in rows if c.id is not None])
    total, late = (queries.open_counts(session, today) if more
                   else (len(rows), sum(commitments.overdue(c, today) for c in rows)))
    ctx = {
        "commitments": rows,
        "total": total,
        "late": late,
        "latest": {c.id: (steps[c.id][-1] if steps[c.id] else None) for c in rows if c.id is not None},
        "dialogues": queries.dialogues_by_id(session, {c.dialogue_id for c in rows}),
        "overdue": {c.id: (today - c.due_on).days for c in rows if commitments.overdue(c, today)},
        "today": today,
        "more": more,
        "limit": OPEN_LIMIT,
    }
    return render(request, "public/dialogues/commitments.html", ctx)


@router.get("/dialogues/calendar.ics", name="public_dialogues_ics")
def dialogue_calendar(request: Request, session: SessionDep):
    """Announced dialogues, and those already held, for calendar apps."""
    settings = request.app.state.settings
    base = settings.public_base_url.rstrip("/")
    host = ical.uid_host(settings.public_base_url)
    cal = ical.calendar(f"Đối thoại với Nhân dân - {settings.ward_name}", "Doi thoai voi Nhan dan")
    for d in dialogue_service.public_list(session, limit=FEED_LIMIT):
        link = http_url(d.online_url)
        description = [d.topics]
        if d.chair:
            description.append(f"Chủ trì: {d.chair}")
        if link:
            description.append(f"Trực tuyến: {link}")
        cal.add_component(ical.event(
            uid=f"dialogue-{d.id}@{host}", changed=d.updated_at, starts=d.starts_at, ends=ends_at(d), summary=d.title,
            location=" — ".join(x for x in (d.place, link) if x), description="\n".join(description),
            url=f"{base}/dialogues/{d.id}"))
    return ical.response(cal, "doi-thoai.ics")


@router.get("/dialogues/{dialogue_id}", name="public_dialogue")
def dialogue_detail(request: Request, session: SessionDep, dialogue_id: RowId):
    d = dialogue_service.public_get(session, dialogue_id)
    assert d.id is not None  # a stored row
    today = local_today()
    ctx: dict = {"d": d, "today": today, "online_link": http_url(d.online_url),
                 "published": d.status == DialogueStatus.published, "passed": d.starts_at <= utcnow(),
                 "corrections": dialogue_service.corrections(session, d.id)}
    if d.status == DialogueStatus.held:
        ctx["deadline"] = dialogue_service.publication_deadline(session, d)
    if ctx["published"]:
        questions = dialogue_service.questions(session, d.id)
        dialogue_commitments = commitments.commitments(session, d.id)
        ctx.update(
            questions=questions,
            question_numbers={q.id: q.position for q in questions},
            commitment_titles={c.id: c.title for c in dialogue_commitments},
            commitments=dialogue_commitments,
            steps=commitments.progress_of(session, [c.id for c in dialogue_commitments if c.id is not None]),
            evidence=queries.evidence_files(session, [d.id]),
            scans=dialogue_service.minutes_scans(session, d.id),
            overdue={c.id: (today - c.due_on).days for c in dialogue_commitments if commitments.overdue(c, today)},
            links={cid: links.public_links(found)
                   for cid, found in links.links_of(session, [c.id for c in dialogue_commitments
                                                              if c.id is not None]).items()},
        )
    return render(request, "public/dialogues/detail.html", ctx)


@router.get("/dialogues/{dialogue_id}/files/{file_id}", name="public_dialogue_file")
def dialogue_file(request: Request, session: SessionDep, dialogue_id: RowId, file_id: RowId):
    """A signed minutes scan or a progress step's evidence, once the results are published."""
    f = dialogue_service.public_file(session, dialogue_id, file_id)
    return downloads.stored_file(request.app.state.settings.files_dir, sha256=f.sha256, filename=f.filename,
                                 content_type=f.content_type, cache=downloads.PUBLIC)
