"""The public reception schedule: when and where residents are received, week by week, with
the reception rules (nội quy), and an iCalendar feed calendar apps import. Never the register."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.core import ical
from app.core.deps import SessionDep
from app.core.forms import parse_date
from app.core.templating import label, render
from app.core.timeutil import local_today
from app.legal.rules import work_calendar
from app.models.reception import HOST_ROLE_LABELS, SESSION_TYPE_LABELS, HostRole, SessionStatus
from app.reception import schedule

router = APIRouter(include_in_schema=False)

FEED_DAYS_BACK = 30
UPCOMING_CHAIRMAN = 6


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@router.get("/reception", name="public_reception")
def reception_page(request: Request, session: SessionDep,
                   week: Annotated[str | None, Query(max_length=10)] = None):
    today = local_today()
    monday = _monday(parse_date(week or "") or today)
    rows = schedule.sessions_between(session, monday, monday + timedelta(days=6))
    cal = work_calendar(session)
    days = []
    for i in range(7):
        day = monday + timedelta(days=i)
        days.append({
            "day": day,
            "sessions": [s for s in rows if schedule.session_day(s) == day],
            "holiday": cal.holiday_name(day) if not cal.is_working_day(day) else None,
            "day_off": not cal.is_working_day(day),
        })
    # (session, the Monday of its week): the link to the week that shows it.
    chairman = [(s, _monday(schedule.session_day(s))) for s in schedule.sessions_between(
        session, today, today + timedelta(days=schedule.HORIZON_DAYS), host_role=HostRole.chairman, limit=50)
        if s.status == SessionStatus.scheduled][:UPCOMING_CHAIRMAN]
    ctx = {
        "monday": monday,
        "days": days,
        "today": today,
        "chairman": chairman,
        "prev_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
    }
    return render(request, "public/reception.html", ctx)


@router.get("/reception/calendar.ics", name="public_reception_ics")
def reception_calendar(request: Request, session: SessionDep):
    """Sessions from a month ago to the end of the generated schedule; a cancelled session stays
    in the feed as CANCELLED, so calendar apps remove it instead of keeping a stale copy."""
    settings = request.app.state.settings
    today = local_today()
    rows = schedule.sessions_between(session, today - timedelta(days=FEED_DAYS_BACK),
                                     today + timedelta(days=schedule.HORIZON_DAYS), limit=5000)
    cal = ical.calendar(f"Lịch tiếp công dân - {settings.ward_name}", "Lich tiep cong dan")
    host = ical.uid_host(settings.public_base_url)
    for s in rows:
        description = [str(label(SESSION_TYPE_LABELS, s.type))]
        if s.moved_from:
            description.append(f"Dời lịch: {s.move_reason}")
        if s.status == SessionStatus.cancelled:
            description.append(f"Đã hủy: {s.cancel_reason}")
        cal.add_component(ical.event(
            uid=f"reception-session-{s.id}@{host}", changed=s.updated_at, starts=s.starts_at, ends=s.ends_at,
            summary=f"Tiếp công dân: {s.host_name} ({label(HOST_ROLE_LABELS, s.host_role)})", location=s.place,
            description="\n".join(description), cancelled=s.status == SessionStatus.cancelled,
            url=f"{settings.public_base_url.rstrip('/')}/reception?week={_monday(schedule.session_day(s))}"))
    return ical.response(cal, "lich-tiep-cong-dan.ics")
