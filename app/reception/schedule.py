"""The reception schedule: recurring rules, the sessions they produce, one-off sessions, and
cancelling or moving a session with a reason.

A rule's sessions are stored ahead of time (HORIZON_DAYS), so that each has an id the staff can
open, cancel or move, and the API and the calendar feed can name. `sync()` keeps them in step
with the rules and the working calendar: it adds the days that apply and removes only sessions
that nobody has touched (still scheduled, never moved) on days that no longer apply, e.g. after
an extra day off is announced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from pydantic import Field, field_validator, model_validator
from sqlmodel import Session, col, select

from app.accounts import audit
from app.accounts.audit import Actor
from app.accounts.auth import Principal
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.i18n import _
from app.core.pagination import Page, paginate
from app.core.timeutil import LOCAL_TZ, local_date, local_today
from app.core.validation import InputModel, check_date_range, limit, register_limits, require_date_in_range, stripped
from app.legal.rules import work_calendar
from app.legal.workdays import WorkCalendar
from app.models.reception import HostRole, ReceptionRule, ReceptionSession, SessionStatus, SessionType

HORIZON_DAYS = 120
WORKWEEK = frozenset({1, 2, 3, 4, 5})
MAX_SESSION_HOURS = 12


def _require(principal: Principal, permission: str, message: str) -> None:
    if not principal.can(permission):
        raise Forbidden(message)


def local_datetime(day: date, at: time) -> datetime:
    return datetime.combine(day, at, LOCAL_TZ)


# Rules -----------------------------------------------------------------------------------------

class RuleInput(InputModel):
    host_name: str = Field(min_length=2, max_length=limit(ReceptionRule, "host_name"))
    host_role: HostRole
    type: SessionType
    place: str = Field(min_length=3, max_length=limit(ReceptionRule, "place"))
    weekdays: list[int] = Field(min_length=1, max_length=7)
    start_time: time
    end_time: time
    effective_from: date
    effective_to: date | None = None

    _strip = stripped("host_name", "place")
    _dates = field_validator("effective_from", "effective_to")(lambda cls, v: check_date_range(v))

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in v):
            raise ValueError("weekday_invalid")
        return sorted(set(v))

    @model_validator(mode="after")
    def _order(self):
        if self.end_time <= self.start_time:
            raise ValueError("end_before_start")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to_before_from")
        return self


register_limits("reception_rule", RuleInput)


def weekdays_of(rule: ReceptionRule) -> frozenset[int]:
    return frozenset(int(d) for d in rule.weekdays.split(",") if d)


def applies_on(rule: ReceptionRule, day: date, cal: WorkCalendar) -> bool:
    """Whether the rule holds a session on `day`: one of its weekdays that is not a public
    holiday or an official day off, or an official make-up working day when the rule covers
    every working day."""
    if day < rule.effective_from or (rule.effective_to is not None and day > rule.effective_to):
        return False
    days = weekdays_of(rule)
    override = cal.overrides.get(day)
    if day.isoweekday() in days:
        if day.isoweekday() in WORKWEEK:
            return cal.is_working_day(day)
        # A weekend day the ward chose on purpose: held unless it is a holiday or a day off.
        return override is not False and cal.holiday_name(day) is None
    return override is True and WORKWEEK <= days


def create_rule(session: Session, *, principal: Principal, data: RuleInput) -> ReceptionRule:
    _require(principal, "reception:schedule", _("Bạn không có quyền sửa lịch tiếp công dân"))
    rule = ReceptionRule(host_name=data.host_name, host_role=data.host_role.value, type=data.type.value,
                         place=data.place, weekdays=",".join(str(d) for d in data.weekdays),
                         start_time=data.start_time, end_time=data.end_time, effective_from=data.effective_from,
                         effective_to=data.effective_to)
    session.add(rule)
    session.flush()
    audit.record(session, actor=principal.actor, action="reception_rule.create", entity_type="reception_rule",
                 entity_id=rule.id, after=_rule_dict(rule))
    sync(session, actor=principal.actor)
    return rule


def end_rule(session: Session, *, principal: Principal, rule_id: int, last_day: date) -> ReceptionRule:
    """Stop a rule after `last_day`; its untouched sessions after that day are removed."""
    _require(principal, "reception:schedule", _("Bạn không có quyền sửa lịch tiếp công dân"))
    rule = session.get(ReceptionRule, rule_id)
    if rule is None:
        raise NotFound(_("Không tìm thấy lịch tiếp định kỳ"))
    last_day = require_date_in_range(last_day, "last_day")
    if last_day < rule.effective_from - timedelta(days=1):
        raise Invalid(_("Ngày kết thúc không được trước ngày bắt đầu áp dụng"), fields={"last_day": "before_start"})
    before = _rule_dict(rule)
    rule.effective_to = last_day
    session.add(rule)
    audit.record(session, actor=principal.actor, action="reception_rule.end", entity_type="reception_rule",
                 entity_id=rule.id, before=before, after=_rule_dict(rule))
    sync(session, actor=principal.actor)
    return rule


def _rule_dict(rule: ReceptionRule) -> dict:
    return {"host_name": rule.host_name, "host_role": rule.host_role, "type": rule.type, "place": rule.place,
            "weekdays": rule.weekdays, "start_time": rule.start_time.isoformat(),
            "end_time": rule.end_time.isoformat(), "effective_from": rule.effective_from,
            "effective_to": rule.effective_to}


def list_rules(session: Session) -> list[ReceptionRule]:
    return list(session.exec(select(ReceptionRule).order_by(col(ReceptionRule.effective_to).is_not(None),
                                                            col(ReceptionRule.start_time), col(ReceptionRule.id))))


@dataclass(frozen=True)
class SyncResult:
    added: int
    removed: int


@dataclass
class SyncPlan:
    add: list[tuple[ReceptionRule, date]]
    remove: list[ReceptionSession]
    start: date
    end: date

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


def plan_sync(session: Session, *, today: date | None = None, horizon_days: int = HORIZON_DAYS) -> SyncPlan:
    """What `sync` would change, read without writing (the background loop looks first, so that
    SQLite's write lock is taken only when there is something to do)."""
    start = today or local_today()
    end = start + timedelta(days=horizon_days)
    plan = SyncPlan([], [], start, end)
    # Every rule that began by the horizon, ended ones included: a rule ended on a past day may
    # still have sessions ahead to remove. (A ward has a handful of rules.)
    rules = list(session.exec(select(ReceptionRule).where(ReceptionRule.effective_from <= end)))
    if not rules:
        return plan
    cal = work_calendar(session)
    existing = session.exec(select(ReceptionSession).where(
        col(ReceptionSession.rule_id).in_([r.id for r in rules]), col(ReceptionSession.occurs_on) >= start)).all()
    by_key = {(s.rule_id, s.occurs_on): s for s in existing}
    for rule in rules:
        day = start
        while day <= end:
            wanted = applies_on(rule, day, cal)
            found = by_key.get((rule.id, day))
            if wanted and found is None:
                plan.add.append((rule, day))
            elif not wanted and found is not None and _untouched(found):
                plan.remove.append(found)
            day += timedelta(days=1)
    return plan


def sync(session: Session, *, actor: Actor | None = None, today: date | None = None,
         horizon_days: int = HORIZON_DAYS) -> SyncResult:
    """Bring the stored sessions of every rule in line with the rules and the calendar, from
    today to the horizon. Idempotent: a second run changes nothing."""
    plan = plan_sync(session, today=today, horizon_days=horizon_days)
    for rule, day in plan.add:
        session.add(ReceptionSession(
            rule_id=rule.id, occurs_on=day, starts_at=local_datetime(day, rule.start_time),
            ends_at=local_datetime(day, rule.end_time), host_name=rule.host_name, host_role=rule.host_role,
            type=rule.type, place=rule.place))
    for row in plan.remove:
        session.delete(row)
    session.flush()
    if plan:
        audit.record(session, actor=actor or Actor.system(), action="reception.schedule_sync",
                     entity_type="reception_session", entity_id=None,
                     after={"added": len(plan.add), "removed": len(plan.remove), "from": plan.start, "to": plan.end})
    return SyncResult(len(plan.add), len(plan.remove))


def _untouched(s: ReceptionSession) -> bool:
    return (s.status == SessionStatus.scheduled and s.moved_from is None and s.opened_at is None
            and not s.notes and not s.assisting_staff)


# One-off sessions, cancelling and moving -------------------------------------------------------

class SessionInput(InputModel):
    """A one-off session (the API takes ISO 8601 times; the staff form a day and two times)."""

    starts_at: datetime
    ends_at: datetime
    host_name: str = Field(min_length=2, max_length=limit(ReceptionSession, "host_name"))
    host_role: HostRole
    type: SessionType = SessionType.ad_hoc
    place: str = Field(min_length=3, max_length=limit(ReceptionSession, "place"))
    assisting_staff: str = Field(default="", max_length=limit(ReceptionSession, "assisting_staff"))
    notes: str = Field(default="", max_length=5000)  # stored as text: the limit is this schema's

    _strip = stripped("host_name", "place", "assisting_staff", "notes")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _zone(cls, v: datetime) -> datetime:
        # A time without a zone is the ward's local time.
        v = v if v.tzinfo else v.replace(tzinfo=LOCAL_TZ)
        check_date_range(v.date())
        return v

    @model_validator(mode="after")
    def _order(self):
        if self.ends_at <= self.starts_at:
            raise ValueError("end_before_start")
        if self.ends_at - self.starts_at > timedelta(hours=MAX_SESSION_HOURS):
            raise ValueError("session_too_long")
        return self


# The forms' limits: a one-off session; moving or cancelling one (its place, the reasons, as the
# table stores them).
register_limits("one_off_session", SessionInput)
register_limits("reception_session", ReceptionSession)


def create_session(session: Session, *, principal: Principal, data: SessionInput) -> ReceptionSession:
    _require(principal, "reception:schedule", _("Bạn không có quyền sửa lịch tiếp công dân"))
    row = ReceptionSession(starts_at=data.starts_at, ends_at=data.ends_at, host_name=data.host_name,
                           host_role=data.host_role.value, type=data.type.value, place=data.place,
                           assisting_staff=data.assisting_staff, notes=data.notes)
    session.add(row)
    session.flush()
    audit.record(session, actor=principal.actor, action="reception_session.create", entity_type="reception_session",
                 entity_id=row.id, after=session_dict(row))
    return row


def session_dict(s: ReceptionSession) -> dict:
    return {"starts_at": s.starts_at, "ends_at": s.ends_at, "host_name": s.host_name, "host_role": s.host_role,
            "type": s.type, "place": s.place, "status": s.status}


def get_session_row(session: Session, session_id: int) -> ReceptionSession:
    row = session.get(ReceptionSession, session_id)
    if row is None:
        raise NotFound(_("Không tìm thấy buổi tiếp công dân"))
    return row


def _reason(reason: str, column: str) -> str:
    """A cancellation's or a move's reason, as long as its `column` takes."""
    reason = reason.strip()
    if len(reason) < 5:
        raise Invalid(_("Cần ghi lý do (ít nhất 5 ký tự)"), fields={"reason": "required"})
    return reason[:limit(ReceptionSession, column)]


def _scheduled(session: Session, principal: Principal, session_id: int, conflict: str) -> ReceptionSession:
    """A session that has not taken place, for a change by someone who keeps the schedule."""
    _require(principal, "reception:schedule", _("Bạn không có quyền sửa lịch tiếp công dân"))
    row = get_session_row(session, session_id)
    if row.status != SessionStatus.scheduled:
        raise Conflict(conflict)
    return row


def _changed(session: Session, principal: Principal, row: ReceptionSession, action: str, before: dict,
             reason: str) -> ReceptionSession:
    row.updated_at = utcnow()
    session.add(row)
    audit.record(session, actor=principal.actor, action=f"reception_session.{action}", entity_type="reception_session",
                 entity_id=row.id, before=before, after={**session_dict(row), "reason": reason})
    return row


def cancel_session(session: Session, *, principal: Principal, session_id: int, reason: str) -> ReceptionSession:
    row = _scheduled(session, principal, session_id, _("Chỉ hủy được buổi tiếp chưa diễn ra"))
    reason = _reason(reason, "cancel_reason")
    before = session_dict(row)
    row.status = SessionStatus.cancelled
    row.cancel_reason = reason
    return _changed(session, principal, row, "cancel", before, reason)


def move_session(session: Session, *, principal: Principal, session_id: int, day: date, start: time, end: time,
                 reason: str, place: str = "") -> ReceptionSession:
    """Move a session to another day or time (and place); the public page shows where it came from."""
    row = _scheduled(session, principal, session_id, _("Chỉ dời được buổi tiếp chưa diễn ra"))
    reason = _reason(reason, "move_reason")
    day = require_date_in_range(day, "day")
    if day < local_today():
        raise Invalid(_("Không dời buổi tiếp về ngày đã qua"), fields={"day": "past"})
    if end <= start:
        raise Invalid(_("Giờ kết thúc phải sau giờ bắt đầu"), fields={"end": "end_before_start"})
    before = session_dict(row)
    if row.moved_from is None:
        row.moved_from = row.starts_at
    row.starts_at, row.ends_at = local_datetime(day, start), local_datetime(day, end)
    if place.strip():
        row.place = place.strip()[:limit(ReceptionSession, "place")]
    row.move_reason = reason
    return _changed(session, principal, row, "move", before, reason)


# Reading ---------------------------------------------------------------------------------------

def sessions_between(session: Session, start: date, end: date, *, host_role: str | None = None,
                     limit: int = 500) -> list[ReceptionSession]:
    """Sessions starting on local days start..end (inclusive), cancelled ones included."""
    stmt = (select(ReceptionSession)
            .where(ReceptionSession.starts_at >= local_datetime(start, time.min),
                   ReceptionSession.starts_at < local_datetime(end + timedelta(days=1), time.min))
            .order_by(col(ReceptionSession.starts_at), col(ReceptionSession.id)).limit(limit))
    if host_role:
        stmt = stmt.where(ReceptionSession.host_role == host_role)
    return list(session.exec(stmt))


def sessions_page(session: Session, *, start: date | None = None, end: date | None = None, status: str | None = None,
                  host_role: str | None = None, updated_since: datetime | None = None, limit: int = 50,
                  cursor: str | None = None) -> Page[ReceptionSession]:
    """Sessions in the order they start (cancelled ones included), a page at a time: on local days
    start..end, in a status, of a host's role, changed since a time (without a zone: UTC)."""
    stmt = select(ReceptionSession)
    if start is not None:
        stmt = stmt.where(ReceptionSession.starts_at >= local_datetime(start, time.min))
    if end is not None:
        stmt = stmt.where(ReceptionSession.starts_at < local_datetime(end + timedelta(days=1), time.min))
    if status is not None:
        stmt = stmt.where(ReceptionSession.status == status)
    if host_role is not None:
        stmt = stmt.where(ReceptionSession.host_role == host_role)
    if updated_since is not None:
        since = updated_since if updated_since.tzinfo else updated_since.replace(tzinfo=timezone.utc)
        stmt = stmt.where(ReceptionSession.updated_at >= since)
    return paginate(session, stmt, order=[col(ReceptionSession.starts_at), col(ReceptionSession.id)],
                    descending=False, limit=limit, cursor=cursor)


def session_day(s: ReceptionSession) -> date:
    return local_date(s.starts_at)
