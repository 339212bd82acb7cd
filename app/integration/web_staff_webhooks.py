"""Administration of webhooks: register an endpoint and the events it wants (the signing secret
is shown once), read its delivery log, send a delivery again, stop it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.accounts.auth import Principal
from app.accounts.deps import require
from app.core.deps import FormDep, RowId, SessionDep
from app.core.forms import form_values, refused_by_service
from app.core.templating import render
from app.integration import webhooks

router = APIRouter(prefix="/staff/webhooks", include_in_schema=False)


def _list_page(request: Request, session: Session, principal: Principal, *, secret: str = "", new_id: int = 0,
               values: dict | None = None, errors: dict | None = None, status_code: int = 200):
    ctx = {"principal": principal, "hooks": webhooks.list_webhooks(session), "secret": secret, "new_id": new_id,
           "values": values or {}, "errors": errors or {}, "event_types": webhooks.EVENT_TYPES,
           "allow_loopback": request.app.state.settings.webhook_allow_loopback}
    headers = {"Cache-Control": "no-store"} if secret else None  # the secret must not stay in a cache
    return render(request, "staff/webhooks/list.html", ctx, status_code=status_code, headers=headers)


@router.get("", name="staff_webhooks")
def webhooks_page(request: Request, session: SessionDep, principal: Principal = require("token:manage")):
    return _list_page(request, session, principal)


@router.post("", name="staff_webhook_create")
def create(request: Request, form: FormDep, session: SessionDep, principal: Principal = require("token:manage")):
    values = form_values(form)
    types = [t for t in form.getlist("event_types") if isinstance(t, str)]
    with refused_by_service(session, shown=(422,)) as failed:
        hook, secret = webhooks.create(session, actor=principal.actor, key=request.app.state.secret_key,
                                       name=values.get("name", ""), url=values.get("url", ""), event_types=types,
                                       allow_loopback=request.app.state.settings.webhook_allow_loopback)
    if failed:
        return _list_page(request, session, principal, values={**values, "event_types": types},
                          errors=failed.errors(), status_code=422)
    assert hook.id is not None  # flushed by create
    return _list_page(request, session, principal, secret=secret, new_id=hook.id)


@router.get("/{webhook_id}", name="staff_webhook")
def webhook_page(request: Request, session: SessionDep, webhook_id: RowId,
                 principal: Principal = require("token:manage")):
    hook = webhooks.get(session, webhook_id)
    assert hook.id is not None  # a stored row
    ctx = {"principal": principal, "hook": hook, "log": webhooks.deliveries(session, hook.id)}
    return render(request, "staff/webhooks/detail.html", ctx)


def _back(request: Request, webhook_id: int) -> RedirectResponse:
    return RedirectResponse(request.app.url_path_for("staff_webhook", webhook_id=webhook_id), status_code=303)


@router.post("/{webhook_id}/revoke", name="staff_webhook_revoke")
def revoke(request: Request, session: SessionDep, webhook_id: RowId, principal: Principal = require("token:manage")):
    webhooks.revoke(session, actor=principal.actor, webhook_id=webhook_id)
    return _back(request, webhook_id)


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver", name="staff_webhook_redeliver")
def redeliver(request: Request, session: SessionDep, webhook_id: RowId, delivery_id: RowId,
              principal: Principal = require("token:manage")):
    if not webhooks.is_delivery_of(session, webhook_id, delivery_id):
        delivery_id = 0  # not this webhook's: the service answers 404
    webhooks.redeliver(session, actor=principal.actor, delivery_id=delivery_id)
    return _back(request, webhook_id)
