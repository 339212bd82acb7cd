"""The open data export: `GET /open-data.zip`, CSV files with a README (app/reporting/opendata.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.db import utcnow
from app.core.deps import SessionDep
from app.core.ratelimit import limiter_for
from app.core.security import client_addr
from app.reporting import opendata

router = APIRouter(include_in_schema=False)


# Building the export reads every table: a client may ask a few times, not flood it.
LIMIT, WINDOW = 10, 600


@router.get("/open-data.zip", name="open_data")
def open_data(request: Request, session: SessionDep):
    limiter_for(request.app).hit(f"open-data:{client_addr(request)}", LIMIT, WINDOW)
    settings = request.app.state.settings
    now = utcnow()
    body = opendata.build_zip(session, ward=settings.ward_name, base_url=settings.public_base_url, now=now)
    name = f"du-lieu-mo-{now:%Y%m%d}.zip"
    return Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "public, max-age=3600"})
