"""Administration of API tokens for integrations (the city, a residents' app): create one with
its scopes and rate limit (the token is shown once, only its hash is kept), change them,
revoke it, and see when and from where each was last used. Personal tokens (acting as a staff
member) are listed too; they are created with `minhbach create-token --user`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.accounts.auth import SCOPE_LABELS, Principal
from app.accounts.deps import require
from app.accounts.tokens import RATE_LIMIT_RANGE, create_token, list_tokens, revoke_token, token_owners, update_token
from app.core.deps import FormDep, RowId, SessionDep
from app.core.forms import FormFailure, form_values, refused_by_service
from app.core.templating import render
from app.core.validation import int_in_range

router = APIRouter(prefix="/staff/tokens", include_in_schema=False)


def _page(request: Request, session: Session, principal: Principal, *, new_token: str = "", failed: str = "",
          values: dict | None = None, errors: dict | None = None, status_code: int = 200):
    tokens = list_tokens(session)
    owners = token_owners(session, tokens)
    ctx = {"principal": principal, "tokens": tokens, "owners": owners, "new_token": new_token, "failed": failed,
           "values": values or {"rate_limit": "600"}, "errors": errors or {},
           "scopes": [(k, str(v)) for k, v in SCOPE_LABELS.items()], "rate_limits": RATE_LIMIT_RANGE}
    headers = {"Cache-Control": "no-store"} if new_token else None  # the token must not stay in a cache
    return render(request, "staff/tokens.html", ctx, status_code=status_code, headers=headers)


@router.get("", name="staff_tokens")
def tokens_page(request: Request, session: SessionDep, principal: Principal = require("token:manage")):
    return _page(request, session, principal)


def _fields(form) -> tuple[dict, list[str], int]:
    values = form_values(form)
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)]
    rate_limit = int_in_range(values.get("rate_limit"), *RATE_LIMIT_RANGE)
    return values, scopes, rate_limit if rate_limit is not None else -1


# What a token form shows beside its fields instead of an error page.
SHOWN = (404, 409, 422)


def _failed(request, session, principal, name: str, values: dict, scopes: list[str], failed: FormFailure):
    return _page(request, session, principal, failed=name, values={**values, "scopes": scopes},
                 errors=failed.errors(), status_code=failed.status_code)


@router.post("", name="staff_token_create")
def create(request: Request, form: FormDep, session: SessionDep, principal: Principal = require("token:manage")):
    values, scopes, rate_limit = _fields(form)
    with refused_by_service(session, shown=SHOWN) as failed:
        token = create_token(session, actor=principal.actor, name=values.get("name", ""), scopes=scopes,
                             rate_limit=rate_limit)
    if failed:
        return _failed(request, session, principal, "create", values, scopes, failed)
    return _page(request, session, principal, new_token=token)


@router.post("/{token_id}/update", name="staff_token_update")
def update(request: Request, form: FormDep, session: SessionDep, token_id: RowId,
                 principal: Principal = require("token:manage")):
    values, scopes, rate_limit = _fields(form)
    with refused_by_service(session, shown=SHOWN) as failed:
        update_token(session, actor=principal.actor, token_id=token_id, scopes=scopes, rate_limit=rate_limit)
    if failed:
        return _failed(request, session, principal, f"update-{token_id}", values, scopes, failed)
    return RedirectResponse(request.app.url_path_for("staff_tokens") + f"#t-{token_id}", status_code=303)


@router.post("/{token_id}/revoke", name="staff_token_revoke")
def revoke(request: Request, form: FormDep, session: SessionDep, token_id: RowId,
                 principal: Principal = require("token:manage")):
    with refused_by_service(session, shown=SHOWN) as failed:
        revoke_token(session, actor=principal.actor, token_id=token_id)
    if failed:
        return _failed(request, session, principal, f"revoke-{token_id}", {}, [], failed)
    return RedirectResponse(request.app.url_path_for("staff_tokens") + f"#t-{token_id}", status_code=303)
