"""Back office: periodic reports, their workbook and print view.

`/staff/reports` shows the report of a period chosen with a GET form (an official period of
Circular 02/2021/TT-TTCP by year and code, or a custom range of days), as tables, with links to
the workbook and the JSON of the API; `/staff/reports/print` lays it out for A4. Bad parameters
are a 422 showing the message on the form, the values kept."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlmodel import Session

from app.accounts.auth import Principal
from app.accounts.deps import require
from app.core import i18n
from app.core.deps import SessionDep
from app.core.errors import Invalid
from app.core.forms import parse_date
from app.core.i18n import N_, _
from app.core.templating import render
from app.core.timeutil import local_today
from app.core.validation import int_in_range
from app.legal import periods
from app.reporting import exports as reports_export
from app.reporting import periodic as reports

router = APIRouter(prefix="/staff/reports", include_in_schema=False)

PERIOD_NAMES = {
    "Q1": N_("Quý I (15/12 năm trước – 14/3)"),
    "Q2": N_("Quý II (15/3 – 14/6)"),
    "Q3": N_("Quý III (15/6 – 14/9)"),
    "Q4": N_("Quý IV (15/9 – 14/12)"),
    "H1": N_("6 tháng (15/12 năm trước – 14/6)"),
    "9M": N_("9 tháng (15/12 năm trước – 14/9)"),
    "Y": N_("Cả năm (15/12 năm trước – 14/12)"),
}
# Query values are read as text and checked here, so a bad one is shown on the form, not a bare 422.
Text = Annotated[str | None, Query()]
FromText = Annotated[str | None, Query(alias="from")]
ToText = Annotated[str | None, Query(alias="to")]


def _number(value, lang: str) -> str:
    """A figure as the page shows it: 1.234 and 4,50 in Vietnamese, 1,234 and 4.50 in English."""
    if value is None:
        return "—"
    text = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def _chosen(year: str | None, code: str | None, start: str | None, end: str | None):
    """The period the query asks for, or the errors to show (field -> message) and no period."""
    errors: dict[str, str] = {}
    year_n = None
    if (year or "").strip():
        year_n = int_in_range(year, periods.MIN_YEAR, periods.MAX_YEAR)
        if year_n is None:
            errors["year"] = _("Năm báo cáo phải từ %(a)d đến %(b)d") % {"a": periods.MIN_YEAR, "b": periods.MAX_YEAR}
    days = {}
    for name, raw in (("from", start), ("to", end)):
        days[name] = parse_date(raw) if raw and raw.strip() else None
        if (raw or "").strip() and days[name] is None:
            errors[name] = _("Ngày không hợp lệ (dd/mm/yyyy)")
    if errors:
        return None, errors
    try:
        return periods.choose(year=year_n, code=(code or "").strip() or None, start=days["from"], end=days["to"],
                              today=local_today()), {}
    except Invalid as exc:
        return None, {name: exc.message for name in (exc.fields or {"period": ""})}


def _query(period: periods.Period) -> str:
    if period.official:
        return urlencode({"year": period.year, "period": period.code})
    return urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})


def _context(request: Request, session: Session, principal: Principal, year, code, start, end):
    period, errors = _chosen(year, code, start, end)
    today = local_today()
    values = {"year": (year or "").strip(), "period": (code or "").strip().upper(), "from": (start or "").strip(),
              "to": (end or "").strip()}
    shown = period or periods.containing(today)
    if not values["year"]:
        values["year"] = str(shown.year if shown.official else periods.reporting_year(today))
    if values["period"] not in PERIOD_NAMES and "period" not in errors:  # none, or "custom" with dates
        values["period"] = shown.code if shown.official else periods.containing(today).code
    if (not values["from"] and not values["to"] and not errors) or (period and not period.official):
        values["from"], values["to"] = shown.start.isoformat(), shown.end.isoformat()  # as a date field shows them
    report = reports.periodic(session, period, ward=request.app.state.settings.ward_name,
                            region=request.app.state.settings.rules_region) if period else None
    lang = i18n.get_locale()
    return {
        "principal": principal,
        "report": report,
        "sections": reports_export.sections(report) if report else [],
        "period_line": reports_export.period_line(report) if report else "",
        "as_of_line": reports_export.as_of_line(report) if report else "",
        "query": _query(period) if period else "",
        "values": values,
        "errors": errors,
        "period_options": [(k, str(v)) for k, v in PERIOD_NAMES.items()],
        "num": lambda v: _number(v, lang),
    }


@router.get("", name="staff_reports")
def reports_page(request: Request, session: SessionDep, principal: Principal = require("report:read"),
                 year: Text = None, period: Text = None, start: FromText = None, end: ToText = None):
    """The report of the chosen period (the current quarter at first) and the form to choose."""
    ctx = _context(request, session, principal, year, period, start, end)
    return render(request, "staff/reports/index.html", ctx, status_code=422 if ctx["errors"] else 200)


@router.get("/print", name="staff_reports_print")
def print_view(request: Request, session: SessionDep, principal: Principal = require("report:read"),
               year: Text = None, period: Text = None, start: FromText = None, end: ToText = None):
    """The report laid out for printing on A4 (portrait)."""
    ctx = _context(request, session, principal, year, period, start, end)
    # Back to the page with the same query: a refused one shows there on its form, values kept.
    ctx["back_query"] = ctx["query"] or request.url.query
    return render(request, "staff/reports/print.html", ctx, status_code=422 if ctx["errors"] else 200)
