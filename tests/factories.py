"""Builders for test data, through the services (so rules and audit apply)."""

from __future__ import annotations

import itertools
import re

from sqlmodel import Session

from app.accounts import auth, tokens, users
from app.accounts.audit import Actor
from app.core.pdf import simple_pdf
from app.disclosures import service as disclosure_service
from app.models.user import StaffUser

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def user(session: Session, *, role: str = "publisher", username: str | None = None, commit: bool = True) -> StaffUser:
    u = users.create_user(session, actor=Actor.system("test"), username=username or f"{role}{next(_seq)}",
                          role=role, password=PASSWORD, full_name=f"Cán bộ {role}")
    if commit:
        session.commit()
    return u


def principal(session: Session, role: str = "publisher") -> auth.Principal:
    return auth.principal_for_user(user(session, role=role), "127.0.0.1")


def csrf(client, path: str = "/staff/login") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    token = csrf(client)
    r = client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


def disclosure_input(**overrides) -> disclosure_service.DisclosureInput:
    data = {
        "title": "Dự toán ngân sách phường năm 2026",
        "summary": "Dự toán thu, chi ngân sách",
        "body": "Tổng thu **48.520** triệu đồng.",
        "category": "budget",
        "document_number": "05/NQ-HĐND",
        "issuing_body": "HĐND phường",
        "tags": "ngân sách, dự toán",
    }
    data.update(overrides)
    return disclosure_service.DisclosureInput.model_validate(data)


def draft(session: Session, principal: auth.Principal, **overrides):
    d = disclosure_service.create_draft(session, principal=principal, data=disclosure_input(**overrides))
    session.commit()
    return d


def published(session: Session, principal: auth.Principal, **overrides):
    d = draft(session, principal, **overrides)
    disclosure_service.publish(session, principal=principal, disclosure_id=d.id)
    session.commit()
    return d


def pdf_bytes(title: str = "Tài liệu") -> bytes:
    return simple_pdf(title, ["Nội dung thử nghiệm"])


def bearer(session: Session, *scopes: str, user: StaffUser | None = None) -> dict[str, str]:
    """The Authorization header of a new API token with these scopes (or acting as `user`)."""
    token = tokens.create_token(session, actor=Actor.system("test"), name="thanh-pho", scopes=list(scopes), user=user)
    session.commit()
    return {"Authorization": f"Bearer {token}"}
