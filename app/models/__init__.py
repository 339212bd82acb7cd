"""Tables. Importing this package registers every table on SQLModel.metadata (Alembic needs that)."""

from app.models.audit import AuditEvent
from app.models.complaint import Complaint, ComplaintAttachment, ComplaintEvent, ComplaintPause
from app.models.dialogue import (
    Commitment,
    CommitmentLink,
    CommitmentUpdate,
    Dialogue,
    DialogueCorrection,
    DialogueFile,
    DialogueQuestion,
    Follow,
)
from app.models.disclosure import (
    Attachment,
    Disclosure,
    DisclosureMethod,
    DisclosureVersion,
)
from app.models.event import PublicEvent
from app.models.idempotency import IdempotencyKey
from app.models.outbox import OutboxMessage
from app.models.reception import ReceptionRule, ReceptionSession, ReceptionVisit, ReceptionVisitCorrection
from app.models.rules import CalendarOverride, LegalRule
from app.models.user import ApiToken, LoginAttempt, StaffSession, StaffUser
from app.models.webhook import Webhook, WebhookDelivery

__all__ = [
    "Commitment",
    "CommitmentLink",
    "CommitmentUpdate",
    "Dialogue",
    "DialogueCorrection",
    "DialogueFile",
    "DialogueQuestion",
    "Follow",
    "IdempotencyKey",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "CalendarOverride",
    "Complaint",
    "ComplaintAttachment",
    "ComplaintEvent",
    "ComplaintPause",
    "Disclosure",
    "DisclosureMethod",
    "DisclosureVersion",
    "LegalRule",
    "LoginAttempt",
    "OutboxMessage",
    "PublicEvent",
    "ReceptionRule",
    "ReceptionSession",
    "ReceptionVisit",
    "ReceptionVisitCorrection",
    "StaffSession",
    "StaffUser",
    "Webhook",
    "WebhookDelivery",
]
