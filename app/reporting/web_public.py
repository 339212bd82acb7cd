"""Public statistics at /stats: the PAPI proxies, monthly trends, CSV downloads.

The routes only: the figures are those of app/reporting/stats.py, computed once a day
(`stats.DailyFigures`, on the app), and the page and its CSV files are laid out by
app/reporting/stats_view.py, where each table is built once for both."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from app.core import i18n
from app.core.deps import SessionDep
from app.core.errors import NotFound
from app.core.i18n import _
from app.core.templating import env, render
from app.core.timeutil import local_today
from app.reporting import stats, withholding
from app.reporting.stats_view import View, build_view

router = APIRouter(include_in_schema=False)


# The day's page, held on the app -----------------------------------------------------------------

def _figures(request: Request, session, today: date) -> stats.Stats:
    """The day's figures, computed once a day per process (`stats.DailyFigures`, on the app)."""
    return request.app.state.stats_figures.get(session, today=today)


def _page(request: Request, session) -> tuple[View, Markup]:
    """The day's view and the page's content, built once a day per language: the same for
    every visitor (base.html adds who is logged in, the CSRF token and the language switch)."""
    today = local_today()
    st = _figures(request, session, today)
    held: tuple[stats.Stats, dict[str, tuple[View, Markup]]] | None = getattr(request.app.state, "stats_pages", None)
    if held is None or held[0] is not st:
        held = request.app.state.stats_pages = (st, {})
    locale = i18n.get_locale()
    if locale not in held[1]:
        settings = request.app.state.settings
        view = build_view(st, settings.ward_name)
        body = Markup(env.get_template("public/stats/_body.html").render(v=view, SUPPRESSED=withholding.SUPPRESSED,
                                                                          settings=settings, lang=locale,
                                                                          request=request))
        held[1][locale] = (view, body)
    return held[1][locale]


def _view(request: Request, session, today: date | None = None) -> View:
    if today:
        return build_view(stats.public_stats(session, today=today), request.app.state.settings.ward_name)
    return _page(request, session)[0]


# Routes ----------------------------------------------------------------------------------------

@router.get("/stats", name="public_stats")
def stats_page(request: Request, session: SessionDep):
    """The PAPI proxies over the last 12 months, with monthly charts, tables and CSV files."""
    view, body = _page(request, session)
    return render(request, "public/stats.html", {"v": view, "body": body})


@router.get("/stats/{name}.csv", name="public_stats_csv")
def stats_csv(request: Request, session: SessionDep, name: str):
    """One table of /stats as a CSV file (the same cells, the same counts withheld)."""
    view = _view(request, session)
    table = view.tables.get(name)
    if table is None:
        raise NotFound(_("Không có bảng số liệu này"))
    filename = f"so-lieu-{name}-{view.span.today.isoformat()}.csv"
    return Response(table.to_csv(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-cache"})
