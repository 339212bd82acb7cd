"""Webhooks: registration (HTTPS only, never a private or loopback address unless a setting
allows loopback for development and tests), the stored deliveries of change feed events, signed
POSTs retried with exponential backoff, a delivery log and a manual redeliver.

Signing: each webhook has a secret, `whsec_…`, derived from SECRET_KEY and a stored nonce (so
it is never stored and cannot leak from a database dump); it is shown once. Every POST carries
    X-MinhBach-Timestamp: <unix seconds>
    X-MinhBach-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
The receiver recomputes the HMAC over the raw body and refuses an old timestamp (replays)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session, select

from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.i18n import _
from app.models.event import PublicEvent
from app.models.webhook import Webhook, WebhookDelivery
from app.services import audit
from app.services.audit import Actor

log = logging.getLogger("minhbach.webhooks")

EVENT_TYPES = ("disclosure.published", "disclosure.amended", "disclosure.withdrawn", "disclosure.answered",
               "dialogue.announced", "dialogue.published", "dialogue.corrected", "commitment.progress",
               "case.received", "case.status")
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
TIMEOUT_SECONDS = 10
BATCH = 50
USER_AGENT = "MinhBach-Webhooks/1"


# Registration ----------------------------------------------------------------------------------

def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        return []
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_url(url: str, *, allow_loopback: bool) -> str:
    """The endpoint, if it may receive: HTTPS to a public address. With `allow_loopback`
    (development, tests) also the machine itself, over plain HTTP too. Checked again before
    each delivery, since a name can be pointed elsewhere after registration."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > 500 or not parts.hostname or parts.username or parts.password:
        raise Invalid(_("Địa chỉ nhận không hợp lệ (ví dụ: https://thanhpho.example.vn/webhooks/minhbach)"),
                      fields={"url": "invalid"})
    found = _addresses(parts.hostname)
    if not found:
        raise Invalid(_("Không phân giải được tên máy chủ của địa chỉ nhận"), fields={"url": "unresolved"})
    loopback = all(a.is_loopback for a in found)
    if parts.scheme != "https" and not (allow_loopback and loopback and parts.scheme == "http"):
        raise Invalid(_("Địa chỉ nhận phải dùng HTTPS"), fields={"url": "https"})
    for a in found:
        if a.is_loopback and allow_loopback:
            continue
        if a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_multicast or a.is_unspecified:
            raise Invalid(_("Địa chỉ nhận trỏ tới mạng nội bộ hoặc chính máy chủ này: không được phép"),
                          fields={"url": "private"})
    return url


def secret_for(key: str, hook: Webhook) -> str:
    return "whsec_" + hmac.new(key.encode(), f"webhook:{hook.id}:{hook.secret_nonce}".encode(), hashlib.sha256).hexdigest()


def create(session: Session, *, actor: Actor, key: str, name: str, url: str, event_types: list[str],
           allow_loopback: bool) -> tuple[Webhook, str]:
    """Register an endpoint; returns it with its signing secret (shown once). It receives the
    events from now on, not the history (which the change feed API gives)."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise Invalid(_("Cần đặt tên cho địa chỉ nhận (ví dụ: tên cơ quan)"), fields={"name": "required"})
    wanted = sorted(set(event_types))
    if not wanted or any(t not in EVENT_TYPES for t in wanted):
        raise Invalid(_("Chọn ít nhất một loại sự kiện trong danh sách"), fields={"event_types": "invalid"})
    url = check_url(url, allow_loopback=allow_loopback)
    last = session.exec(select(PublicEvent.id).order_by(PublicEvent.id.desc()).limit(1)).first() or 0
    hook = Webhook(name=name, url=url, event_types=" ".join(wanted), secret_nonce=secrets.token_hex(16),
                   last_event_id=last)
    session.add(hook)
    session.flush()
    audit.record(session, actor=actor, action="webhook.create", entity_type="webhook", entity_id=hook.id,
                 after={"name": name, "url": url, "event_types": hook.event_types})
    return hook, secret_for(key, hook)


def get(session: Session, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound(_("Không tìm thấy địa chỉ nhận"))
    return hook


def revoke(session: Session, *, actor: Actor, webhook_id: int) -> Webhook:
    """Stop sending; the log stays. Deliveries still waiting are given up."""
    hook = get(session, webhook_id)
    if hook.revoked_at is not None:
        raise Conflict(_("Địa chỉ nhận đã ngừng"))
    hook.revoked_at = utcnow()
    for d in session.exec(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id, *_waiting())):
        d.failed_at, d.last_error = hook.revoked_at, "webhook revoked"
        session.add(d)
    session.add(hook)
    audit.record(session, actor=actor, action="webhook.revoke", entity_type="webhook", entity_id=hook.id)
    return hook


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.exec(select(Webhook).order_by(Webhook.revoked_at.is_not(None), Webhook.id.desc())))


# Deliveries ------------------------------------------------------------------------------------

def _waiting():
    return WebhookDelivery.delivered_at.is_(None), WebhookDelivery.failed_at.is_(None)


def enqueue_new(session: Session, *, limit: int = 500) -> int:
    """Turn the change feed events each live webhook has not looked at yet into deliveries."""
    made = 0
    for hook in session.exec(select(Webhook).where(Webhook.revoked_at.is_(None))).all():
        new = session.exec(select(PublicEvent.id, PublicEvent.type).where(PublicEvent.id > hook.last_event_id)
                           .order_by(PublicEvent.id).limit(limit)).all()
        if not new:
            continue
        for event_id, event_type in new:
            if event_type in hook.type_set:
                session.add(WebhookDelivery(webhook_id=hook.id, event_id=event_id))
                made += 1
        hook.last_event_id = new[-1][0]
        session.add(hook)
    return made


def any_work(session: Session) -> bool:
    """Is there an event not yet looked at, or a delivery due? (A cheap read before a write.)"""
    now = utcnow()
    due = session.exec(select(WebhookDelivery.id).where(*_waiting(), WebhookDelivery.next_attempt_at <= now)
                       .limit(1)).first()
    if due is not None:
        return True
    latest = session.exec(select(PublicEvent.id).order_by(PublicEvent.id.desc()).limit(1)).first() or 0
    return session.exec(select(Webhook.id).where(Webhook.revoked_at.is_(None), Webhook.last_event_id < latest)
                        .limit(1)).first() is not None


def payload(event: PublicEvent, delivery: WebhookDelivery) -> bytes:
    """The body: the change feed item, as `GET /api/v1/events` lists it, and the delivery's id."""
    return json.dumps({"delivery_id": delivery.id, "event": {
        "id": event.id, "at": event.at.isoformat(), "type": event.type, "entity": event.entity,
        "entity_id": event.entity_id, "summary": event.summary}}, ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** (attempts - 1)), LONGEST_WAIT)


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str


def _post(url: str, body: bytes, headers: dict[str, str], *, allow_loopback: bool) -> Outcome:
    try:
        check_url(url, allow_loopback=allow_loopback)
    except Invalid as exc:
        return Outcome(None, exc.message)
    try:
        # No redirects: a receiver could bounce the signed body to an address refused above.
        r = httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=False)
    except httpx.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}")
    return Outcome(r.status_code, "" if 200 <= r.status_code < 300 else f"HTTP {r.status_code}")


def deliver_due(session: Session, *, key: str, allow_loopback: bool, now: datetime | None = None,
                batch: int = BATCH) -> int:
    """Send what is due; each delivery is committed on its own, so a slow or failing receiver
    costs only its own attempts. Returns how many were delivered."""
    now = now or utcnow()
    due = session.exec(select(WebhookDelivery, Webhook, PublicEvent)
                       .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                       .join(PublicEvent, PublicEvent.id == WebhookDelivery.event_id)
                       .where(*_waiting(), WebhookDelivery.next_attempt_at <= now)
                       .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(batch)).all()
    delivered = 0
    for delivery, hook, event in due:
        body = payload(event, delivery)
        timestamp = int(time.time())
        outcome = _post(hook.url, body, {
            "Content-Type": "application/json", "User-Agent": USER_AGENT, "X-MinhBach-Event": event.type,
            "X-MinhBach-Delivery": str(delivery.id), "X-MinhBach-Timestamp": str(timestamp),
            "X-MinhBach-Signature": sign(secret_for(key, hook), timestamp, body)}, allow_loopback=allow_loopback)
        delivery.attempts += 1
        delivery.last_status, delivery.last_error = outcome.status, outcome.error[:500]
        if not outcome.error:
            delivery.delivered_at = utcnow()
            delivered += 1
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.failed_at = utcnow()
            log.warning("webhook %s: giving up on delivery %s after %s attempts", hook.id, delivery.id,
                        delivery.attempts)
        else:
            delivery.next_attempt_at = now + _backoff(delivery.attempts)
        session.add(delivery)
        session.commit()
    return delivered


def redeliver(session: Session, *, actor: Actor, delivery_id: int) -> WebhookDelivery:
    """Send an event again, as a new delivery (the log keeps the earlier one as it was)."""
    old = session.get(WebhookDelivery, delivery_id)
    if old is None:
        raise NotFound(_("Không tìm thấy lần gửi"))
    hook = get(session, old.webhook_id)
    if hook.revoked_at is not None:
        raise Conflict(_("Địa chỉ nhận đã ngừng"))
    again = WebhookDelivery(webhook_id=hook.id, event_id=old.event_id)
    session.add(again)
    session.flush()
    audit.record(session, actor=actor, action="webhook.redeliver", entity_type="webhook", entity_id=hook.id,
                 after={"delivery_id": again.id, "of": old.id, "event_id": old.event_id})
    return again


def deliveries(session: Session, webhook_id: int, *, limit: int = 50) -> list[tuple[WebhookDelivery, PublicEvent]]:
    """The latest deliveries of a webhook, newest first, with their events."""
    return [tuple(r) for r in session.exec(
        select(WebhookDelivery, PublicEvent).join(PublicEvent, PublicEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.webhook_id == webhook_id).order_by(WebhookDelivery.id.desc()).limit(limit))]
