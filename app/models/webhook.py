"""Webhooks: the parent authority (or another receiver) registers an HTTPS endpoint and the event
types it wants; each matching change feed event becomes a delivery, stored and retried until the
endpoint answers 2xx, so nothing is lost while the receiver is down."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, timestamp_field


class Webhook(SQLModel, table=True):
    __tablename__ = "webhook"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    url: str = Field(max_length=500)
    event_types: str = Field(max_length=500, description="space-separated change feed types")
    # The signing secret is derived from SECRET_KEY and this nonce (app/integration/webhooks.py): it is
    # shown once when the webhook is made and never stored.
    secret_nonce: str = Field(sa_column=Column(String(64), nullable=False))
    # Events up to this id have been looked at for this webhook (deliveries made for those it wants).
    last_event_id: int = 0
    created_at: datetime = created_at_field()
    revoked_at: datetime | None = timestamp_field()

    @property
    def type_set(self) -> frozenset[str]:
        return frozenset(self.event_types.split())


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_webhook", "webhook_id", "id"),
        Index("ix_webhook_delivery_due", "delivered_at", "failed_at", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(foreign_key="webhook.id")
    event_id: int = Field(foreign_key="public_event.id")
    attempts: int = 0
    next_attempt_at: datetime = created_at_field()
    delivered_at: datetime | None = timestamp_field()
    failed_at: datetime | None = timestamp_field()
    last_status: int | None = None
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = created_at_field()
