"""Who sees a visitor's identity, in one place. `shown()` masks ID numbers to the last 4 digits
and hides names from roles without `reception:register`/`reception:personal`; a denunciation
visit follows the linked case's rule (app/cases/privacy.identity_allowed; with no case, the
ward's leaders only) and is shown only where the view is recorded (`visits.read_visit`,
`register.register_entries`, each with `record_identity_view`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.accounts import audit
from app.accounts.auth import Principal
from app.cases import privacy
from app.models.complaint import Complaint
from app.models.reception import ReceptionVisit
from app.models.user import Role
from app.reception.notices import notice_met

REDACTED = privacy.REDACTED
mask_id = privacy.mask_id


def protected(visit: ReceptionVisit, case: Complaint | None) -> bool:
    return privacy.protected(visit.case_kind, case is not None and case.identity_protected)


def identity_allowed(visit: ReceptionVisit, case: Complaint | None, principal: Principal) -> bool:
    """Names and addresses: the register's keepers. A denouncer: as the linked case allows, or,
    with no case, the ward's leaders only."""
    if not (principal.can("reception:register") or principal.can("reception:personal")):
        return False
    if not protected(visit, case):
        return True
    if case is not None:
        return privacy.identity_allowed(case, principal)
    return principal.user is not None and principal.user.role == Role.leader


@dataclass
class VisitView:
    """A visit as one reader may see it."""

    visit: ReceptionVisit
    case: Complaint | None
    identity_visible: bool
    name: str
    address: str
    id_number: str  # masked, unless the full number is allowed on this page
    representatives: list[str]

    @property
    def notice_met(self) -> bool:
        return notice_met(self.visit, self.case)


def shown(visit: ReceptionVisit, case: Complaint | None, principal: Principal, *, full_id: bool = False,
          reveal_protected: bool = False) -> VisitView:
    """A visit for one reader. A denouncer is shown only where the caller asks for it
    (`reveal_protected`) and records the view (`read_visit`, `register_entries`): lists never
    show one, so an open list is not an unrecorded view."""
    allowed = identity_allowed(visit, case, principal) and (reveal_protected or not protected(visit, case))
    if not allowed:
        hidden = str(REDACTED)
        reps = [hidden] if visit.representatives else []
        return VisitView(visit, case, False, hidden, hidden, hidden if visit.id_number else "", reps)
    number = visit.id_number if full_id and principal.can("reception:personal") else mask_id(visit.id_number)
    return VisitView(visit, case, True, visit.visitor_name, visit.visitor_address, number,
                     visit.representatives.splitlines())


def record_identity_view(session: Session, principal: Principal, visit: ReceptionVisit, action: str) -> None:
    audit.record(session, actor=principal.actor, action=action, entity_type="reception_visit", entity_id=visit.id)
