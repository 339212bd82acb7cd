"""Builders for cases in the router tests, through the services (so the workflow and audit apply)."""

from __future__ import annotations

from datetime import date

from app.accounts.audit import Actor
from app.cases import intake, workflow
from app.core.files import Upload
from app.core.timeutil import local_today
from tests import factories

CITIZEN = Actor("citizen", client_addr="203.0.113.9")


def case_input(**kw) -> intake.CaseInput:
    data = {"kind": "feedback", "subject": "Đèn chiếu sáng ngõ 12 bị hỏng",
            "content": "Đèn hỏng hơn một tuần, ngõ rất tối.",
            "field": "urban_order", "address": "Ngõ 12 Văn Phú", "sender_name": "Nguyễn Văn An",
            "sender_address": "Số 3 ngõ 12", "sender_email": "an@example.org"}
    data.update(kw)
    return intake.CaseInput.model_validate(data)


def filed(session, *, received_on: date | None = None, uploads=(), store=None, **kw):
    """A case as filed on the web, or (with `received_on`) entered by reception on that date."""
    if received_on is None and not uploads:
        case = intake.file_case(session, data=case_input(**kw), channel="web", actor=CITIZEN)
    else:
        reception = factories.principal(session, "reception")
        case = intake.file_case(session, data=case_input(**kw), channel="walk_in", actor=reception.actor,
                                principal=reception, received_on=received_on,
                                uploads=[Upload(data, name) for name, data in uploads], store=store)
    session.commit()
    return case


def decided(action: str, fields: dict, on: date | None = None) -> dict:
    """A decision's fields with a test number and a date (today unless `on`) when not given."""
    if action not in workflow.DECISIONS:
        return fields
    return {"decision_number": f"01/QĐ-{action}", "decided_on": on or local_today()} | fields


def act(session, principal, case, action, **fields):
    """One workflow step; a decision without a number and date gets a test number and today."""
    fields = decided(action, fields)
    workflow.transition(session, principal=principal, complaint_id=case.id,
                        data=workflow.TransitionInput(action=action, **fields))
    session.commit()
    session.refresh(case)
    return case
