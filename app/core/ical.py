"""iCalendar feeds (the reception schedule, dialogues): the calendar's frame, one event's
common fields, and the HTTP answer, so every feed reads the same in calendar apps."""

from __future__ import annotations

from datetime import datetime

from fastapi.responses import Response
from icalendar import Calendar, Event


def calendar(name: str, product: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//Minh Bach//{product}//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    return cal


def uid_host(public_base_url: str) -> str:
    """The host part of event UIDs (`kind-id@host`), stable as long as the portal's address is."""
    return public_base_url.split("://", 1)[-1].split("/", 1)[0] or "minhbach"


def event(*, uid: str, changed: datetime, starts: datetime, ends: datetime, summary: str, location: str,
          description: str, url: str, cancelled: bool = False) -> Event:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", changed)
    ev.add("last-modified", changed)
    ev.add("dtstart", starts)
    ev.add("dtend", ends)
    ev.add("summary", summary)
    ev.add("location", location)
    ev.add("description", description)
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    ev.add("url", url)
    return ev


def response(cal: Calendar, filename: str) -> Response:
    return Response(cal.to_ical(), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{filename}"',
                             "Cache-Control": "public, max-age=300"})
