"""The open data export: `GET /open-data.zip`, CSV files with a README (app/services/opendata.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.db import utcnow
from app.deps import SessionDep
from app.services import opendata

router = APIRouter(include_in_schema=False)


@router.get("/open-data.zip", name="open_data")
def open_data(request: Request, session: SessionDep):
    settings = request.app.state.settings
    now = utcnow()
    body = opendata.build_zip(session, ward=settings.ward_name, base_url=settings.public_base_url, now=now)
    name = f"du-lieu-mo-{now:%Y%m%d}.zip"
    return Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "public, max-age=3600"})
