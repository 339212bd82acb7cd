"""Jinja2 environment, filters (Vietnamese dates, sizes, Markdown) and HTMX-aware rendering."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from app.core import i18n
from app.core.i18n import N_
from app.core.static_files import static_url
from app.core.text import highlight, render_markdown
from app.core.timeutil import to_local
from app.core.validation import limits
from app.models.complaint import (
    CASE_STATUS_LABELS,
    CHANNEL_LABELS,
    FIELD_LABELS,
    KIND_LABELS,
    STAGE_LABELS,
    CaseField,
    CaseKind,
    format_code,
)
from app.models.dialogue import (
    COMMITMENT_STATUS_LABELS,
    DIALOGUE_STATUS_LABELS,
    FORMAT_LABELS,
    TRIGGER_LABELS,
)
from app.models.disclosure import CATEGORY_LABELS, METHOD_LABELS, STATUS_LABELS, Category, Method
from app.models.reception import (
    HOST_ROLE_LABELS,
    OUTCOME_LABELS,
    REFUSAL_LABELS,
    SESSION_STATUS_LABELS,
    SESSION_TYPE_LABELS,
)
from app.models.rules import UNIT_LABELS
from app.models.user import ROLE_LABELS

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"

# Templates are read once; DEBUG=1 (development) re-reads a template when its file changes
# (a stat of the file and of every template it includes, for every page otherwise).
AUTO_RELOAD = os.environ.get("DEBUG", "").lower() in ("1", "true", "yes")

env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    auto_reload=AUTO_RELOAD,
    cache_size=-1,  # every template stays compiled
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=env)
env.install_gettext_callables(  # type: ignore[attr-defined]
    lambda m: i18n.gettext(m), lambda s, p, n: i18n.ngettext(s, p, n), newstyle=True
)
env.policies["ext.i18n.trimmed"] = True


def vn_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")


def local_date_filter(value: datetime) -> date:
    """The ward's calendar day of a stored time."""
    return to_local(value).date()


def hhmm(value: datetime | None) -> str:
    """The local time of day, 07:30."""
    return to_local(value).strftime("%H:%M") if value else ""


WEEKDAY_NAMES = (N_("Thứ Hai"), N_("Thứ Ba"), N_("Thứ Tư"), N_("Thứ Năm"), N_("Thứ Sáu"),
                 N_("Thứ Bảy"), N_("Chủ nhật"))


def weekday_name(value: date) -> str:
    return str(WEEKDAY_NAMES[value.weekday()])


def iso_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_local(value).isoformat(timespec="minutes")
    return value.isoformat()


def filesize(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB".replace(".", ",")


def markdown(source: str) -> Markup:
    return Markup(render_markdown(source))


def label(mapping: dict, key: str) -> str:
    """The label of `key` (an enum member or its value; str enums hash as their value)."""
    value = mapping.get(key)
    return key if value is None else str(value)


def demote_headings(html: str, levels: int = 1) -> Markup:
    """Sanitised HTML (the `markdown` filter's) with its headings moved down, so text shown under
    a page's own heading keeps the outline in order (h2 -> h3 ...; at most h6)."""
    def shift(m: re.Match) -> str:
        return f"<{m.group(1)}h{min(int(m.group(2)) + levels, 6)}{m.group(3) or ''}>"

    return Markup(re.sub(r"<(/?)h([1-6])(\s[^>]*)?>", shift, str(html)))


def http_url(value: str | None) -> str:
    """The address if it is an http(s) link (safe as an href), else empty."""
    value = (value or "").strip()
    return value if value.lower().startswith(("https://", "http://")) else ""


def tr(text: str) -> str:
    """Translate stored text that may be a source-language message (e.g. a system change note)."""
    return i18n.gettext(text) if text else ""


env.filters.update(tr=tr, vn_date=vn_date, vn_datetime=vn_datetime, hhmm=hhmm, local_date=local_date_filter,
                   weekday_name=weekday_name, iso_date=iso_date, filesize=filesize, markdown=markdown,
                   http_url=http_url, demote_headings=demote_headings, case_code=format_code, highlight=highlight)
@jinja2.pass_context
def url_for(context, name: str, /, **path_params) -> str:
    """The path of the route called `name` (`app.url_path_for`): templates name routes and never
    spell their paths, so a route can move. A path, not Starlette's absolute URL: links stay
    relative to wherever the portal is served (a proxy, a saved page)."""
    return str(context["request"].app.url_path_for(name, **path_params))


env.globals.update(
    url_for=url_for,
    static_url=static_url,
    # The longest text of a form's field, from the schema that checks it:
    # field("title", ..., maxlength=limits.disclosure.title) (app/core/validation.py, register_limits).
    limits=limits,
    CATEGORIES=list(Category),
    METHODS=list(Method),
    category_label=lambda k: label(CATEGORY_LABELS, k),
    category_item=lambda k: Category(k).item if k in Category.__members__ else "",
    method_label=lambda k: label(METHOD_LABELS, k),
    status_label=lambda k: label(STATUS_LABELS, k),
    role_label=lambda k: label(ROLE_LABELS, k),
    LANGUAGES=i18n.LANGUAGES,
    category_options=lambda: [(c.value, f"{c.item}. {CATEGORY_LABELS[c]}") for c in Category],
    kind_label=lambda k: label(KIND_LABELS, k),
    field_label=lambda k: label(FIELD_LABELS, k),
    case_status_label=lambda k: label(CASE_STATUS_LABELS, k),
    channel_label=lambda k: label(CHANNEL_LABELS, k),
    stage_label=lambda k: label(STAGE_LABELS, k),
    kind_options=lambda: [(k.value, str(KIND_LABELS[k])) for k in CaseKind],
    field_options=lambda: [(f.value, str(FIELD_LABELS[f])) for f in CaseField],
    unit_label=lambda k: label(UNIT_LABELS, k),
    host_role_label=lambda k: label(HOST_ROLE_LABELS, k),
    session_type_label=lambda k: label(SESSION_TYPE_LABELS, k),
    session_status_label=lambda k: label(SESSION_STATUS_LABELS, k),
    outcome_label=lambda k: label(OUTCOME_LABELS, k),
    refusal_label=lambda k: label(REFUSAL_LABELS, k),
    dialogue_format_label=lambda k: label(FORMAT_LABELS, k),
    dialogue_trigger_label=lambda k: label(TRIGGER_LABELS, k),
    dialogue_status_label=lambda k: label(DIALOGUE_STATUS_LABELS, k),
    commitment_status_label=lambda k: label(COMMITMENT_STATUS_LABELS, k),
)


def is_htmx(request: Request) -> bool:
    """A partial is wanted only for HTMX requests that are not whole-page (boosted) loads."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           partial: str | None = None, headers: dict[str, str] | None = None):
    """Render a page, or only `partial` when HTMX asked; the answer varies by HX-Request."""
    ctx = dict(context or {})
    state = request.state
    ctx.setdefault("current_user", getattr(state, "user", None))
    ctx["csrf_token"] = getattr(state, "csrf_token", "")
    ctx["lang"] = i18n.get_locale()
    ctx["settings"] = request.app.state.settings
    template = partial if (partial and is_htmx(request)) else name
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code, headers=headers)
    response.headers["Vary"] = "HX-Request, Cookie"
    return response
