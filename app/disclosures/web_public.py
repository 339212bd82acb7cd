"""Public disclosure pages: list and search, a disclosure with its versions and files, the
Atom feed, the printable notice for the physical board, and file downloads."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator
from markupsafe import Markup

from app.accounts.deps import OptionalUser
from app.cases import questions
from app.core import downloads, i18n
from app.core.db import utcnow
from app.core.deps import RowId, SessionDep
from app.core.i18n import _
from app.core.templating import env, render
from app.core.validation import int_in_range
from app.dialogues import commitment_links
from app.disclosures import search
from app.disclosures import service as disclosure_service
from app.legal import rules
from app.models.disclosure import Category, DisclosureStatus

router = APIRouter(include_in_schema=False)


def _category(value: str | None) -> str | None:
    return value if value in Category.__members__ else None


def _year(value: str | None) -> int | None:
    return int_in_range(value, 1990, 2100)


@router.get("/disclosures", name="disclosure_list")
def disclosure_list(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    q: Annotated[str, Query(max_length=search.QUERY_MAX_LENGTH)] = "",
    category: str | None = None,
    year: str | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
):
    """Published disclosures, newest first, with filters; HTMX gets only the results. The
    results and the year choices are the same for every visitor: they are kept rendered until
    a disclosure changes (`disclosure_service.public_version`, two index probes, instead of the list's query
    and twenty cards)."""
    cat, yr = _category(category), _year(year)
    locale = i18n.get_locale()

    def build() -> tuple[Markup, list[int]]:
        page = disclosure_service.list_public(session, q=q, category=cat, year=yr, limit=20, cursor=cursor)
        results = env.get_template("public/disclosures/_results_body.html").render(
            page=page, q=q, category=cat, year=yr, cursor=cursor, lang=locale, request=request)
        return Markup(results), disclosure_service.available_years(session)

    key = ("disclosures", disclosure_service.public_version(session), locale, q, cat, yr, cursor)
    results, years = request.app.state.fragments.get(key, build)
    ctx = {"results": results, "q": q, "q_max": search.QUERY_MAX_LENGTH, "category": cat, "year": yr,
           "years": years, "cursor": cursor}
    return render(request, "public/disclosures/list.html", ctx, partial="public/disclosures/_results.html")


@router.get("/disclosures/feed.atom", name="disclosure_feed")
def disclosure_feed(request: Request, session: SessionDep):
    """Atom feed of the 50 latest publications (residents' feed readers, newsrooms)."""
    settings = request.app.state.settings
    base = settings.public_base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(f"{base}/disclosures")
    fg.title(f"{settings.ward_name} — {_('Công khai thông tin')}")
    fg.link(href=f"{base}/disclosures", rel="alternate")
    fg.link(href=f"{base}/disclosures/feed.atom", rel="self")
    fg.language("vi")
    fg.author({"name": settings.ward_name})
    page = disclosure_service.list_public(session, limit=50)
    for d in reversed(page.items):
        entry = fg.add_entry()
        entry.id(f"{base}/disclosures/{d.id}")
        title = d.title if d.status != DisclosureStatus.withdrawn else f"[{_('Đã thu hồi')}] {d.title}"
        entry.title(title)
        entry.link(href=f"{base}/disclosures/{d.id}")
        entry.published(d.published_at)
        entry.updated(d.updated_at)
        entry.summary(d.summary or d.title)
        entry.category(term=d.category)
    if not page.items:
        fg.updated(utcnow())
    return Response(fg.atom_str(pretty=True), media_type="application/atom+xml; charset=utf-8")


@router.get("/disclosures/{disclosure_id}", name="disclosure_detail")
def disclosure_detail(request: Request, session: SessionDep, user: OptionalUser, disclosure_id: RowId,
                      version: Annotated[int | None, Query(ge=1, le=100_000)] = None):
    """One disclosure: its current text (or an earlier version), files with SHA-256, methods."""
    d = disclosure_service.get(session, disclosure_id)
    assert d.id is not None  # a stored row
    shown = disclosure_service.get_version(session, d.id, version) if version and version != d.version else None
    ctx = {
        "d": d,
        "shown": shown or d,
        "old_version": shown,
        "versions": disclosure_service.versions(session, d.id),
        "attachments": disclosure_service.attachments(session, [d.id],
                                                      as_of_version=shown.version if shown else None)[d.id],
        "methods": disclosure_service.methods(session, [d.id])[d.id],
        "deadline_rule": rules.rule_for_label(session, d.deadline_rule),
        "commitments": commitment_links.commitments_serving(session, disclosure_id=d.id, public_only=True),
        "questions": questions.answered_questions(session, d.id),
    }
    return render(request, "public/disclosures/detail.html", ctx)


@router.get("/disclosures/{disclosure_id}/notice", name="disclosure_notice")
def disclosure_notice(request: Request, session: SessionDep, user: OptionalUser, disclosure_id: RowId):
    """A printable A4 notice for the headquarters board, with a QR code to the online page."""
    d = disclosure_service.get(session, disclosure_id)
    assert d.id is not None  # a stored row
    settings = request.app.state.settings
    url = f"{settings.public_base_url.rstrip('/')}/disclosures/{d.id}"
    qr = segno.make(url, error="m").svg_inline(scale=4, title=_("Mã QR tới trang văn bản"))
    return render(request, "public/disclosures/notice.html",
                  {"d": d, "url": url, "qr": Markup(qr),
                   "attachments": disclosure_service.attachments(session, [d.id])[d.id]})


@router.get("/disclosures/{disclosure_id}/files/{attachment_id}/{filename}", name="disclosure_file")
def disclosure_file(request: Request, session: SessionDep, user: OptionalUser, disclosure_id: RowId,
                    attachment_id: RowId, filename: str):
    """Download an attachment. Drafts' files only for staff."""
    att = disclosure_service.get_attachment(session, disclosure_id, attachment_id, include_drafts=user is not None)
    # A draft's file is seen only by staff: never let a shared cache keep it.
    public = disclosure_service.get(session, disclosure_id, include_drafts=True).status != DisclosureStatus.draft
    return downloads.stored_file(request.app.state.settings.files_dir, sha256=att.sha256, filename=att.filename,
                                 content_type=att.content_type, cache=downloads.PUBLIC if public else downloads.PRIVATE)
