"""Dependencies every door declares: the session, the parsed form, row ids, the settings. Who
is asking (the staff user, permissions, API callers) is app/accounts/deps.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from sqlmodel import Session
from starlette.datastructures import FormData

from app.config import Settings
from app.core.db import get_session

# Row ids as path parameters: bounded, so a huge number is a 422, not a database overflow.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]

# scope="function": commit before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def parsed_form(request: Request) -> FormData:
    """The request's form, parsed on the event loop (uploads spool to temporary files) before any
    database work begins, so that the route itself can be a plain `def` run in the thread pool:
    no route that touches the database may run on the event loop."""
    return await request.form()


# Declare it before SessionDep so the body is read before a transaction (or write lock) starts.
FormDep = Annotated[FormData, Depends(parsed_form)]


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
