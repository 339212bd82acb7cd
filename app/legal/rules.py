"""Legal rules and calendar overrides, read from the database (rules are data, not constants)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import event
from sqlmodel import Session, col, select

from app.accounts import audit
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.i18n import _
from app.core.validation import max_lengths, register_limits
from app.legal.workdays import WorkCalendar
from app.models.rules import (
    DEADLINE_UNITS,
    FREQUENCY_UNITS,
    UNIT_LABELS,
    CalendarOverride,
    DayUnit,
    LegalRule,
    OverrideKind,
)


@dataclass(frozen=True)
class RuleRef:
    code: str
    unit: str
    value: int
    legal_basis: str
    version: int
    description: str
    variant: str = ""
    effective_from: date = date.min
    effective_to: date | None = None

    @property
    def label(self) -> str:
        """How a computed deadline records the rule it used: `code[:variant] vN`."""
        return f"{self.code}{':' + self.variant if self.variant else ''} v{self.version}"

    @classmethod
    def of(cls, row: LegalRule) -> "RuleRef":
        return cls(row.code, row.unit, row.value, row.legal_basis, row.version, row.description, row.variant,
                   row.effective_from, row.effective_to)


register_limits("calendar_override", CalendarOverride)
OVERRIDE_LIMITS = max_lengths(CalendarOverride)

# What a transaction remembers of the rules and the calendar (`session.info`): get_rule's books
# and the deadline engine's clock (app/legal/deadlines.py).
REMEMBERED = ("rule_books", "case_clock")


class RuleBook:
    """Every version of some rules, read in one query. The one place that says which version
    applies: the variant's version in force on the day, else its earliest (a day before every
    version still needs an answer); without the variant, the ordinary rule the same way.
    Deadlines for thousands of cases then cost no query each."""

    def __init__(self, session: Session, codes: Iterable[str]):
        self._versions: dict[tuple[str, str], list[RuleRef]] = defaultdict(list)
        rows = session.exec(select(LegalRule).where(col(LegalRule.code).in_(sorted(set(codes))))
                            .order_by(col(LegalRule.effective_from))).all()
        for row in rows:
            self._versions[(row.code, row.variant)].append(RuleRef.of(row))
        self._picked: dict[tuple[str, date, str], RuleRef | None] = {}

    def has(self, code: str) -> bool:
        """Whether the table has any version of the rule (any variant)."""
        return any(c == code for c, _v in self._versions)

    def find(self, code: str, on: date, variant: str = "") -> RuleRef | None:
        key = (code, on, variant)
        if key not in self._picked:
            self._picked[key] = (self._pick(code, variant, on) if variant else None) or self._pick(code, "", on)
        return self._picked[key]

    def get(self, code: str, on: date, variant: str = "") -> RuleRef:
        """As `find`, and NotFound when the table has no such rule."""
        rule = self.find(code, on, variant)
        if rule is None:
            raise NotFound(_("Không có quy tắc '%s' trong bảng quy tắc") % code)
        return rule

    def _pick(self, code: str, variant: str, on: date) -> RuleRef | None:
        versions = self._versions.get((code, variant))
        if not versions:
            return None
        current = [r for r in versions if r.effective_from <= on and (r.effective_to is None or r.effective_to >= on)]
        return current[-1] if current else versions[0]


@event.listens_for(Session, "after_flush")
def _forget_written_rules(session, _context) -> None:
    """A rule version written in this session: what get_rule remembered may be old."""
    if any(isinstance(o, LegalRule | CalendarOverride) for o in (*session.new, *session.dirty, *session.deleted)):
        for key in REMEMBERED:
            session.info.pop(key, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_rules(session, _transaction) -> None:
    """Remembered for one transaction: the next may see a version another request added."""
    for key in REMEMBERED:
        session.info.pop(key, None)


def get_rule(session: Session, code: str, *, on: date, variant: str = "") -> RuleRef:
    """The version of rule `code` (its `variant`, else the ordinary case) in force on `on`
    (`RuleBook`). The code's versions are remembered for the transaction: a case's stages ask
    for the same rules several times while it is filed and shown."""
    books = session.info.setdefault("rule_books", {})
    if code not in books:
        books[code] = RuleBook(session, {code})
    return books[code].get(code, on, variant)


def work_calendar(session: Session) -> WorkCalendar:
    rows = session.exec(select(CalendarOverride)).all()
    return WorkCalendar({r.on: r.kind == OverrideKind.working_day for r in rows})


# Administration ------------------------------------------------------------------------------

MAX_RULE_DAYS = 3650
# A rule version's legal basis (a Text column): as long as its form lets it be.
LEGAL_BASIS_MAX_LENGTH = 500


def _require_manage(principal) -> None:
    if not principal.can("rules:manage"):
        raise Forbidden(_("Chỉ quản trị hệ thống được sửa bảng quy tắc"))


def list_rules(session: Session) -> list[LegalRule]:
    return list(session.exec(select(LegalRule).order_by(col(LegalRule.code), col(LegalRule.variant),
                                                        col(LegalRule.effective_from).desc())))


def add_rule_version(session: Session, *, principal, code: str, value: int, unit: str, legal_basis: str,
                     effective_from: date, variant: str = "") -> LegalRule:
    """A new version of a rule from a date; the version before it ends the day before."""
    _require_manage(principal)
    versions = list(session.exec(select(LegalRule).where(LegalRule.code == code, LegalRule.variant == variant)
                                 .order_by(col(LegalRule.effective_from).desc())))
    if not versions:
        raise NotFound(_("Không có quy tắc '%s' trong bảng quy tắc") % code)
    errors = {}
    if versions[0].unit in FREQUENCY_UNITS:
        # A frequency keeps its unit: what reads it (e.g. the compliance page, per week) counts in it.
        if unit != versions[0].unit:
            errors["unit"] = _("Quy tắc này tính theo %s; phiên bản mới giữ nguyên đơn vị") % str(
                UNIT_LABELS[DayUnit(versions[0].unit)])
    elif unit not in DEADLINE_UNITS:
        errors["unit"] = _("Đơn vị phải là ngày hoặc ngày làm việc")
    if not 0 <= value <= MAX_RULE_DAYS:
        errors["value"] = _("Số ngày phải từ 0 đến %d") % MAX_RULE_DAYS
    if len(legal_basis.strip()) < 5:
        errors["legal_basis"] = _("Cần ghi căn cứ pháp lý")
    elif len(legal_basis.strip()) > LEGAL_BASIS_MAX_LENGTH:
        errors["legal_basis"] = _("Quá dài")
    if effective_from <= versions[0].effective_from:
        errors["effective_from"] = _("Ngày hiệu lực phải sau ngày hiệu lực của phiên bản hiện hành (%s)") % (
            versions[0].effective_from.strftime("%d/%m/%Y"))
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    current = versions[0]
    current.effective_to = effective_from - timedelta(days=1)
    row = LegalRule(code=code, variant=variant, description=current.description, unit=unit, value=value,
                    legal_basis=legal_basis.strip(), effective_from=effective_from, version=current.version + 1)
    session.add(row)
    session.flush()
    audit.record(session, actor=principal.actor, action="rule.version", entity_type="legal_rule", entity_id=row.id,
                 before={"code": code, "variant": variant, "version": current.version, "unit": current.unit,
                         "value": current.value},
                 after={"code": code, "variant": variant, "version": row.version, "unit": unit, "value": value,
                        "legal_basis": row.legal_basis, "effective_from": effective_from})
    return row


def list_overrides(session: Session, *, since: date) -> list[CalendarOverride]:
    return list(session.exec(select(CalendarOverride).where(CalendarOverride.on >= since)
                             .order_by(col(CalendarOverride.on))))


def add_override(session: Session, *, principal, on: date, kind: str, reason: str,
                 legal_basis: str = "") -> CalendarOverride:
    """An official change to the calendar: an extra day off, or a make-up working day."""
    _require_manage(principal)
    if kind not in OverrideKind.__members__:
        raise Invalid(_("Loại ngày không hợp lệ"), fields={"kind": "invalid"})
    if len(reason.strip()) < 3:
        raise Invalid(_("Cần ghi lý do (ví dụ: số văn bản của Thủ tướng)"), fields={"reason": "required"})
    if session.exec(select(CalendarOverride).where(CalendarOverride.on == on)).first():
        raise Conflict(_("Ngày này đã có điều chỉnh"))
    row = CalendarOverride(on=on, kind=kind, reason=reason.strip()[:OVERRIDE_LIMITS["reason"]],
                           legal_basis=legal_basis.strip()[:OVERRIDE_LIMITS["legal_basis"]])
    session.add(row)
    session.flush()
    audit.record(session, actor=principal.actor, action="calendar.add", entity_type="calendar_override",
                 entity_id=row.id, after={"on": on, "kind": kind, "reason": row.reason, "legal_basis": row.legal_basis})
    return row


def remove_override(session: Session, *, principal, override_id: int) -> None:
    """Remove an override entered by mistake (the audit log keeps what it was)."""
    _require_manage(principal)
    row = session.get(CalendarOverride, override_id)
    if row is None:
        raise NotFound(_("Không tìm thấy ngày điều chỉnh"))
    audit.record(session, actor=principal.actor, action="calendar.remove", entity_type="calendar_override",
                 entity_id=row.id, before={"on": row.on, "kind": row.kind, "reason": row.reason})
    session.delete(row)
    session.flush()


def rule_for_label(session: Session, label: str) -> RuleRef | None:
    """The rule version a stored label (`code[:variant] vN`, see RuleRef.label) refers to."""
    name, _sep, version = label.rpartition(" v")
    code, _sep, variant = name.partition(":")
    if not code or not version.isdigit():
        return None
    row = session.exec(select(LegalRule).where(LegalRule.code == code, LegalRule.variant == variant,
                                               LegalRule.version == int(version))).first()
    return RuleRef.of(row) if row else None
