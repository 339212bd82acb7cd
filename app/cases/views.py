"""The public view of a case: what the tracking page, the intake confirmation and the public
API may show. One builder for all of them, so none can show more than the others.

It is built field by field from an allow-list: the status, dates, deadlines (with their legal
basis and rule version), the public timeline entries (time, status, note — never the actor)
and the public outcome. Nothing about the sender or the staff handling the case is read."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from app.cases import periods, queries
from app.cases.codes import format_code
from app.cases.rating import can_rate
from app.core.timeutil import local_today
from app.models.complaint import CaseStatus, Complaint

PUBLIC_OUTCOME_STATUSES = {CaseStatus.resolved, CaseStatus.closed, CaseStatus.guided, CaseStatus.transferred,
                           CaseStatus.filed, CaseStatus.refused, CaseStatus.terminated}


def public_outcome(case: Complaint) -> dict | None:
    """What the tracking view may say about the outcome (no personal data: the case's own
    public summary, decision number, and for transfers the receiving body)."""
    if case.status not in PUBLIC_OUTCOME_STATUSES:
        return None
    return {
        "status": case.status,
        "decision_number": case.decision_number or None,
        "decided_on": case.decided_on,
        "summary": case.public_summary or None,
        "guidance_number": case.guidance_number or None,
        "transfer_body": case.transfer_body or None,
    }


def deadline_rows(session: Session, case: Complaint, today: date) -> list[dict]:
    """The case's deadlines as shown everywhere (tracking, the staff API): due date, unit and
    days, legal basis and rule version; the rule fields are None while a suspension runs."""
    rows = []
    for d in queries.deadlines(session, case):
        rule = d.deadline.rule if d.deadline else None
        rows.append({
            "stage": d.stage,
            "due_on": d.due_on,
            "unit": rule.unit if rule else None,
            "days": rule.value if rule else None,
            "legal_basis": rule.legal_basis if rule else None,
            "rule": rule.label if rule else None,
            "rule_version": rule.version if rule else None,
            "met": d.met,
            "overdue": d.overdue(today),
        })
    return rows


def public_view(session: Session, case: Complaint, *, today: date | None = None) -> dict:
    """A plain dict (the API's `PublicCase` shape) of what anyone holding the code may see."""
    today = today or local_today()
    deadlines = deadline_rows(session, case, today)
    timeline = [{"at": e.at, "status": e.to_status, "note": e.note}
                for e in queries.timeline(session, case, public_only=True)]
    return {
        "tracking_code": format_code(case.tracking_code),
        "kind": case.kind,
        "status": case.status,
        "received_on": case.received_on,
        "deadlines": deadlines,
        "timeline": timeline,
        "outcome": public_outcome(case),
        "can_rate": can_rate(case),
        "satisfaction": case.satisfaction,
        "appeal_until": appeal.due_on if (appeal := periods.appeal_window(session, case)) else None,
    }
