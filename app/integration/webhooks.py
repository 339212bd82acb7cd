"""Webhooks: registration (HTTPS only, never a private or loopback address unless a setting
allows loopback for development and tests), the stored deliveries of change feed events, signed
POSTs retried with exponential backoff, a delivery log and a manual redeliver.

Delivery is at least once: a delivery cut short (the process stopped while a receiver was
answering) is sent again after its lease; receivers de-duplicate on `X-MinhBach-Delivery`.

Signing: each webhook has a secret, `whsec_…`, derived from SECRET_KEY and a stored nonce (so
it is never stored and cannot leak from a database dump); it is shown once. Every POST carries
    X-MinhBach-Timestamp: <unix seconds>
    X-MinhBach-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
The receiver recomputes the HMAC over the raw body and refuses an old timestamp (replays)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import Row
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.audit import Actor
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid, NotFound
from app.core.i18n import _
from app.core.validation import limit, register_limits
from app.models.event import PublicEvent
from app.models.webhook import Webhook, WebhookDelivery

log = logging.getLogger("minhbach.webhooks")

EVENT_TYPES = ("disclosure.published", "disclosure.amended", "disclosure.withdrawn", "disclosure.answered",
               "dialogue.announced", "dialogue.published", "dialogue.corrected", "commitment.progress",
               "case.received", "case.status")
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
TIMEOUT_SECONDS = 10
LEASE = timedelta(minutes=5)  # longer than a round can take
BATCH = 50
USER_AGENT = "MinhBach-Webhooks/1"

register_limits("webhook", Webhook)  # the form's name and address, as the table stores them


# Registration ----------------------------------------------------------------------------------

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _addresses(host: str) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError, OSError):
        return []
    # An IP socket address: its host is a str (typeshed also allows the int of other families).
    return list(dict.fromkeys(ipaddress.ip_address(cast(str, info[4][0]).split("%")[0]) for info in infos))


# IPv6 prefixes whose last 32 bits are an IPv4 address a gateway connects to: NAT64's well-known
# prefix (RFC 6052) and the deprecated IPv4-compatible addresses (::a.b.c.d).
_WRAPPING_PREFIXES = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("::/96"))
# Local-use NAT64 (RFC 8215): whatever it wraps, it reaches the operator's own networks.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def _embedded(a: Address) -> list[Address]:
    """The address and any IPv4 address wrapped in it (IPv4-mapped, 6to4, Teredo, NAT64,
    IPv4-compatible): a wrapped 127.0.0.1 or 169.254.169.254 is refused like the plain one."""
    out: list[Address] = [a]
    if isinstance(a, ipaddress.IPv6Address):
        out += [x for x in (a.ipv4_mapped, a.sixtofour, *(a.teredo or ())) if x is not None]
        if any(a in net for net in _WRAPPING_PREFIXES) and int(a) > 1:  # not :: or ::1 themselves
            out.append(ipaddress.IPv4Address(int(a) & 0xFFFFFFFF))
    return out


def _allowed(a: Address, allow_loopback: bool) -> bool:
    if isinstance(a, ipaddress.IPv6Address) and a in _LOCAL_NAT64:
        return False
    inner = _embedded(a)
    if allow_loopback and all(x.is_loopback for x in inner):
        return True
    # is_global: not private, shared (100.64/10), link-local, site-local, reserved, documentation...
    return all(x.is_global and not x.is_multicast and not getattr(x, "is_site_local", False) for x in inner)


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the checked URL and the address it resolved to, which is the one
    connected to (not a second lookup, which a rebinding DNS could point inside)."""

    url: str
    host: str
    address: Address


def resolve(url: str, *, allow_loopback: bool) -> Target:
    """The endpoint, if it may receive: HTTPS to a public address. With `allow_loopback`
    (development, tests) also the machine itself, over plain HTTP too. Checked again before
    each delivery, since a name can be pointed elsewhere after registration."""
    url = (url or "").strip()
    invalid = Invalid(_("Địa chỉ nhận không hợp lệ (ví dụ: https://thanhpho.example.vn/webhooks/minhbach)"),
                      fields={"url": "invalid"})
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a port that is not a number or out of range
    except ValueError:
        raise invalid from None
    if (port == 0 or len(url) > limit(Webhook, "url") or not parts.hostname or parts.username or parts.password
            or parts.scheme not in ("https", "http")):
        raise invalid
    found = _addresses(parts.hostname)
    if not found:
        raise Invalid(_("Không phân giải được tên máy chủ của địa chỉ nhận"), fields={"url": "unresolved"})
    loopback = all(all(x.is_loopback for x in _embedded(a)) for a in found)
    if parts.scheme != "https" and not (allow_loopback and loopback):
        raise Invalid(_("Địa chỉ nhận phải dùng HTTPS"), fields={"url": "https"})
    if not all(_allowed(a, allow_loopback) for a in found):
        raise Invalid(_("Địa chỉ nhận trỏ tới mạng nội bộ hoặc chính máy chủ này: không được phép"),
                      fields={"url": "private"})
    return Target(url, parts.hostname, found[0])


def check_url(url: str, *, allow_loopback: bool) -> str:
    return resolve(url, allow_loopback=allow_loopback).url


def secret_for(key: str, hook: Webhook) -> str:
    return "whsec_" + hmac.new(key.encode(), f"webhook:{hook.id}:{hook.secret_nonce}".encode(),
                               hashlib.sha256).hexdigest()


def create(session: Session, *, actor: Actor, key: str, name: str, url: str, event_types: list[str],
           allow_loopback: bool) -> tuple[Webhook, str]:
    """Register an endpoint; returns it with its signing secret (shown once). It receives the
    events from now on, not the history (which the change feed API gives)."""
    name = " ".join((name or "").split())[:limit(Webhook, "name")]
    if not name:
        raise Invalid(_("Cần đặt tên cho địa chỉ nhận (ví dụ: tên cơ quan)"), fields={"name": "required"})
    wanted = sorted(set(event_types))
    if not wanted or any(t not in EVENT_TYPES for t in wanted):
        raise Invalid(_("Chọn ít nhất một loại sự kiện trong danh sách"), fields={"event_types": "invalid"})
    url = check_url(url, allow_loopback=allow_loopback)
    last = session.exec(select(PublicEvent.id).order_by(col(PublicEvent.id).desc()).limit(1)).first() or 0
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
    return list(session.exec(select(Webhook).order_by(col(Webhook.revoked_at).is_not(None), col(Webhook.id).desc())))


# Deliveries ------------------------------------------------------------------------------------

def _waiting():
    return WebhookDelivery.delivered_at.is_(None), WebhookDelivery.failed_at.is_(None)


def enqueue_new(session: Session, *, limit: int = 500) -> int:
    """Turn the change feed events each live webhook has not looked at yet into deliveries."""
    made = 0
    # Locked (PostgreSQL): a second process waits, then reads the moved cursor; no event is queued twice.
    for hook in session.exec(select(Webhook).where(col(Webhook.revoked_at).is_(None)).with_for_update()).all():
        assert hook.id is not None  # a stored row
        # Stored events: their ids are never None (the column's type allows None only before a flush).
        new = cast(Sequence[Row[int, str]], session.exec(
            select(PublicEvent.id, PublicEvent.type).where(col(PublicEvent.id) > hook.last_event_id)
            .order_by(col(PublicEvent.id)).limit(limit)).all())
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
    latest = session.exec(select(PublicEvent.id).order_by(col(PublicEvent.id).desc()).limit(1)).first() or 0
    return session.exec(select(Webhook.id).where(col(Webhook.revoked_at).is_(None), Webhook.last_event_id < latest)
                        .limit(1)).first() is not None


def payload(event: PublicEvent, delivery_id: int) -> bytes:
    """The body: the change feed item, as `GET /api/v1/events` lists it, and the delivery's id
    (a receiver de-duplicates on it: a delivery cut short by a restart is sent again)."""
    return json.dumps({"delivery_id": delivery_id, "event": {
        "id": event.id, "at": event.at.isoformat().replace("+00:00", "Z"), "type": event.type,
        "entity": event.entity, "entity_id": event.entity_id, "summary": event.summary}},
        ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** (attempts - 1)), LONGEST_WAIT)


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str


@dataclass(frozen=True)
class _Job:
    """One delivery to make, as plain data: nothing is read from the database while it is sent."""

    delivery_id: int
    webhook_id: int
    url: str
    secret: str
    event_type: str
    body: bytes


def _connect_url(target: Target) -> str:
    """The URL with the host replaced by the address it was checked against."""
    parts = urlsplit(target.url)
    host = f"[{target.address}]" if target.address.version == 6 else str(target.address)
    return urlunsplit((parts.scheme, f"{host}:{parts.port}" if parts.port else host, parts.path or "/",
                       parts.query, ""))


async def _post(client: httpx.AsyncClient, job: _Job, *, allow_loopback: bool) -> Outcome:
    try:
        target = await asyncio.to_thread(resolve, job.url, allow_loopback=allow_loopback)
    except Invalid as exc:
        return Outcome(None, exc.message)
    timestamp = int(time.time())
    headers = {"Host": urlsplit(job.url).netloc, "Content-Type": "application/json", "User-Agent": USER_AGENT,
               "X-MinhBach-Event": job.event_type, "X-MinhBach-Delivery": str(job.delivery_id),
               "X-MinhBach-Timestamp": str(timestamp), "X-MinhBach-Signature": sign(job.secret, timestamp, job.body)}
    try:
        # One deadline for the whole exchange (httpx's timeout is per read: a receiver sending a
        # byte at a time would hold the round); the answer's body is never read.
        async with asyncio.timeout(TIMEOUT_SECONDS):
            async with client.stream("POST", _connect_url(target), content=job.body, headers=headers,
                                     extensions={"sni_hostname": target.host}) as r:
                status = r.status_code
    except TimeoutError:
        return Outcome(None, f"no answer within {TIMEOUT_SECONDS} s")
    except Exception as exc:  # noqa: BLE001 - any failure of one receiver is that delivery's failure
        return Outcome(None, f"{type(exc).__name__}: {exc}")
    return Outcome(status, "" if 200 <= status < 300 else f"HTTP {status}")


async def _send_all(jobs: list[_Job], *, allow_loopback: bool) -> dict[int, Outcome]:
    """Each webhook's deliveries in order, the webhooks side by side; after a failure the rest of
    that webhook's deliveries wait for the next round (a dead receiver costs one timeout)."""
    by_hook: dict[int, list[_Job]] = defaultdict(list)
    for job in jobs:
        by_hook[job.webhook_id].append(job)
    outcomes: dict[int, Outcome] = {}

    async def one_hook(queue: list[_Job]) -> None:
        for job in queue:
            outcomes[job.delivery_id] = outcome = await _post(client, job, allow_loopback=allow_loopback)
            if outcome.error:
                return

    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        await asyncio.gather(*(one_hook(queue) for queue in by_hook.values()))
    return outcomes


def _run(coro):
    """Run the sends to completion from synchronous code, also where this thread already runs
    an event loop (then in a thread of its own: asyncio.run refuses a running loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def deliver_due(session: Session, *, key: str, allow_loopback: bool, now: datetime | None = None,
                batch: int = BATCH) -> int:
    """Send what is due. No transaction is open while receivers answer (on SQLite a writer
    would hold the database's lock meanwhile); the outcomes are written afterwards, at once.
    Returns how many were delivered."""
    now = now or utcnow()
    due = session.exec(select(WebhookDelivery, Webhook, PublicEvent)
                       .join(Webhook, col(Webhook.id) == WebhookDelivery.webhook_id)
                       .join(PublicEvent, col(PublicEvent.id) == WebhookDelivery.event_id)
                       .where(*_waiting(), WebhookDelivery.next_attempt_at <= now)
                       .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id)).limit(batch)
                       .with_for_update(skip_locked=True, of=WebhookDelivery)).all()
    delivery: WebhookDelivery | None  # the outcomes' loop below reads it again, and may find none
    jobs: list[_Job] = []
    for delivery, hook, event in due:
        assert delivery.id is not None and hook.id is not None  # stored rows
        jobs.append(_Job(delivery.id, hook.id, hook.url, secret_for(key, hook), event.type,
                         payload(event, delivery.id)))
    for delivery, _hook, _event in due:
        # A lease: another process (or this one after a restart) leaves it alone meanwhile, and
        # takes it up again if the outcome is never written. Receivers de-duplicate on the id.
        delivery.next_attempt_at = max(now, utcnow()) + LEASE
        session.add(delivery)
    session.commit()
    if not jobs:
        return 0
    outcomes = _run(_send_all(jobs, allow_loopback=allow_loopback))
    for job in jobs:
        if job.delivery_id not in outcomes:  # held back behind a failure: due again next round
            skipped = session.get(WebhookDelivery, job.delivery_id)
            if skipped is not None:
                skipped.next_attempt_at = now
                session.add(skipped)
    delivered = 0
    for delivery_id, outcome in outcomes.items():
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.delivered_at or delivery.failed_at:
            continue  # revoked meanwhile
        delivery.attempts += 1
        delivery.last_status, delivery.last_error = outcome.status, outcome.error[:500]
        if not outcome.error:
            delivery.delivered_at = utcnow()
            delivered += 1
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.failed_at = utcnow()
            log.warning("webhook %s: giving up on delivery %s after %s attempts", delivery.webhook_id, delivery.id,
                        delivery.attempts)
        else:
            delivery.next_attempt_at = max(now, utcnow()) + _backoff(delivery.attempts)
        session.add(delivery)
    session.commit()
    return delivered


def is_delivery_of(session: Session, webhook_id: int, delivery_id: int) -> bool:
    """Whether the delivery is one of this webhook's (the page that asks names both)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    return delivery is not None and delivery.webhook_id == webhook_id


def redeliver(session: Session, *, actor: Actor, delivery_id: int) -> WebhookDelivery:
    """Send an event again, as a new delivery (the log keeps the earlier one as it was)."""
    old = session.get(WebhookDelivery, delivery_id)
    if old is None:
        raise NotFound(_("Không tìm thấy lần gửi"))
    hook = get(session, old.webhook_id)
    if hook.revoked_at is not None:
        raise Conflict(_("Địa chỉ nhận đã ngừng"))
    assert hook.id is not None  # a stored row
    again = WebhookDelivery(webhook_id=hook.id, event_id=old.event_id)
    session.add(again)
    session.flush()
    audit.record(session, actor=actor, action="webhook.redeliver", entity_type="webhook", entity_id=hook.id,
                 after={"delivery_id": again.id, "of": old.id, "event_id": old.event_id})
    return again


def deliveries(session: Session, webhook_id: int, *, limit: int = 50) -> list[tuple[WebhookDelivery, PublicEvent]]:
    """The latest deliveries of a webhook, newest first, with their events."""
    return [(d, e) for d, e in session.exec(
        select(WebhookDelivery, PublicEvent).join(PublicEvent, col(PublicEvent.id) == WebhookDelivery.event_id)
        .where(WebhookDelivery.webhook_id == webhook_id).order_by(col(WebhookDelivery.id).desc()).limit(limit))]
