"""The deadline engine: a rule from the rules table applied on the working calendar, and the
one table of a case's stages that every reader of a case's deadlines asks (the case page, the
inbox, the periodic report, /stats, open data, Open311).

Counting follows the Civil Code (Arts. 147–148): from the day after the event; a last day
that is not a working day moves to the next working day. Holidays come from the `holidays`
package plus the ward's official overrides; paused (suspended) periods do not count (from
1/7/2026, Law 136/2025/QH15). Each result carries the rule version and legal basis used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session

from app.core.errors import NotFound
from app.legal.rules import RuleBook, RuleRef, get_rule, work_calendar
from app.legal.workdays import DeadlineOpen, Pause, WorkCalendar
from app.models.complaint import CaseField, CaseKind, CaseStatus, Channel


class Stage(StrEnum):
    processing = "processing"
    acceptance = "acceptance"
    resolution = "resolution"
    notification = "notification"
    transfer = "transfer"
    extension = "extension"
    # Duties after a decision (Art. 29(3) and 40(1) Law 25/2018; Art. 32 Law 02/2011).
    acceptance_notice = "acceptance_notice"
    decision_delivery = "decision_delivery"
    conclusion_publication = "conclusion_publication"
    # Periods that are not the ward's deadlines but are counted the same way: how long a
    # conclusion stays posted, the time to complain, and the time to complain again.
    conclusion_posting = "conclusion_posting"
    limitation = "limitation"
    appeal = "appeal"


# A person received in person is told within 10 working days whether the case is accepted
# (Art. 28(1) Law 42/2013): one rule for every kind, read by its own code.
NOTIFICATION_RULE = "reception.notification"
# Whether a suspension's days are left out of a kind's resolution period, by the day it was
# decided (`<kind>.suspension`, 1 or 0): a complaint's only from 1/7/2026 (Law 136/2025/QH15).
SUSPENSION = "suspension"
# Every rule a case's deadline may read.
CASE_RULES = frozenset({f"{k.value}.{s.value}" for k in CaseKind for s in Stage}
                       | {f"{k.value}.{SUSPENSION}" for k in CaseKind} | {NOTIFICATION_RULE})
# The stages a case in intake must meet (the earliest of them is its intake deadline).
INTAKE_STAGES = frozenset({Stage.processing, Stage.acceptance, Stage.notification})

OPEN_INTAKE = frozenset({CaseStatus.received, CaseStatus.classified})
LEFT_WITHOUT_ACCEPTANCE = frozenset({CaseStatus.guided, CaseStatus.transferred, CaseStatus.filed,
                                     CaseStatus.refused})
# A denunciation's extensions: one if complex, two if especially complex (Art. 30(2) Law 25/2018).
MAX_EXTENSIONS = 2
# A terminated case (đình chỉ: the letter withdrawn, ...) owes no resolution.
ENDED_WITHOUT_RESOLUTION = frozenset({CaseStatus.terminated})


@dataclass(frozen=True)
class Deadline:
    due_on: date
    rule: RuleRef

    @property
    def unit(self) -> str:
        return self.rule.unit

    @property
    def days(self) -> int:
        return self.rule.value


def variant_for(*, complex_case: bool = False, remote: bool = False, several_places: bool = False) -> str:
    """The rules table's variant name for a case's circumstances."""
    if several_places:
        return "several_places"
    return "_".join(name for name, on in (("complex", complex_case), ("remote", remote)) if on)


def deadline_after(session: Session, code: str, start: date, *, variant: str = "",
                   pauses: tuple[Pause, ...] = ()) -> Deadline:
    """The legal deadline for rule `code`, counted from the day after `start`."""
    rule = get_rule(session, code, on=start, variant=variant)
    return Deadline(work_calendar(session).add(start, rule.value, rule.unit, pauses), rule)


class CaseClock:
    """Deadlines of cases from the rules read once (every version of every case rule) and one
    working calendar: one case or a hundred thousand cost the same two queries."""

    def __init__(self, book: RuleBook, cal: WorkCalendar):
        self.book, self.cal = book, cal

    def after(self, code: str, start: date, *, variant: str = "", pauses: tuple[Pause, ...] = (),
              adjust: bool = True) -> Deadline:
        """Rule `code`'s deadline from the day after `start`: NotFound without such a rule,
        DeadlineOpen while a pause runs."""
        rule = self.book.get(code, start, variant)
        return Deadline(self.cal.add(start, rule.value, rule.unit, pauses, adjust=adjust), rule)

    def counted_pauses(self, kind: str, pauses: tuple[Pause, ...]) -> tuple[Pause, ...]:
        """The suspensions that stop this kind's clock: those decided on a day the kind's
        suspension rule is 1 (a kind without such a rule: every suspension)."""
        code = f"{CaseKind(kind).value}.{SUSPENSION}"
        if not pauses or not self.book.has(code):
            return pauses
        return tuple(p for p in pauses if (rule := self.book.find(code, p.start)) is not None
                     and rule.effective_from <= p.start and rule.value == 1)

    def resolution(self, kind: str, accepted_on: date, *, complex_case: bool = False, remote: bool = False,
                   extensions: int = 0, pauses: tuple[Pause, ...] = ()) -> Deadline:
        """The resolution deadline from the acceptance, with its extensions. Each extension by
        decision adds its period to the unadjusted end of the one before; only the last day
        moves to a working day (Art. 30(2) Law 25/2018): accepted 8/1/2027, day 30 is Sunday
        7/2 in Tết, so 11/2; one extension ends 9/3 (7/2 + 30), not 15/3 (11/2 + 30, moved)."""
        code = f"{CaseKind(kind).value}.{Stage.resolution.value}"
        variant = variant_for(complex_case=complex_case, remote=remote)
        pauses = self.counted_pauses(kind, pauses)
        if not extensions:
            return self.after(code, accepted_on, variant=variant, pauses=pauses)
        end = self.after(code, accepted_on, variant=variant, pauses=pauses, adjust=False)
        extension = f"{CaseKind(kind).value}.{Stage.extension.value}"
        for _i in range(extensions):
            try:
                end = self.after(extension, end.due_on, pauses=pauses, adjust=False)
            except NotFound:
                break  # the law gives this kind no extension
        return Deadline(self.cal.settle(end.due_on, pauses), end.rule)


def case_clock(session: Session) -> CaseClock:
    """The clock of the transaction (remembered in `session.info` until it ends or writes a rule
    or a calendar day: `rules.REMEMBERED`)."""
    clock = session.info.get("case_clock")
    if clock is None:
        clock = session.info["case_clock"] = CaseClock(RuleBook(session, CASE_RULES), work_calendar(session))
    return clock


class CaseFacts(Protocol):
    """What the stage table reads of a case (a `Complaint`, or a case as it stood on a day);
    read-only, so a frozen record of a past day qualifies."""

    @property
    def kind(self) -> str: ...

    @property
    def channel(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def received_on(self) -> date: ...

    @property
    def accepted_on(self) -> date | None: ...

    @property
    def resolved_on(self) -> date | None: ...

    @property
    def complex(self) -> bool: ...

    @property
    def remote(self) -> bool: ...

    @property
    def extensions(self) -> int: ...

    @property
    def field(self) -> str: ...

    @property
    def several_places(self) -> bool: ...

    @property
    def decided_on(self) -> date | None: ...

    @property
    def notified_on(self) -> date | None: ...

    @property
    def decision_sent_on(self) -> date | None: ...

    @property
    def conclusion_published_on(self) -> date | None: ...


@dataclass(frozen=True)
class CaseDeadline:
    stage: str
    deadline: Deadline | None  # None: open (a suspension is running)
    met: bool

    @property
    def due_on(self) -> date | None:
        return self.deadline.due_on if self.deadline else None

    def overdue(self, today: date) -> bool:
        return not self.met and self.due_on is not None and self.due_on < today


def case_deadlines(case: CaseFacts, pauses: tuple[Pause, ...], clock: CaseClock) -> list[CaseDeadline]:
    """The deadlines that apply to the case: which stages, from which day, met or not. The one
    place that says so, whoever computes the dates."""
    out: list[CaseDeadline] = []
    intake_done = case.status not in OPEN_INTAKE
    kind = CaseKind(case.kind).value

    def add(stage: Stage, start: date, met: bool, code: str | None = None, variant: str = "") -> None:
        try:
            out.append(CaseDeadline(stage.value, clock.after(code or f"{kind}.{stage.value}", start, variant=variant),
                                    met))
        except NotFound:
            pass  # the law sets no such deadline for this kind

    add(Stage.processing, case.received_on, intake_done, variant=variant_for(several_places=case.several_places))
    if case.channel == Channel.walk_in:
        add(Stage.notification, case.received_on, intake_done, NOTIFICATION_RULE)
    if case.kind == CaseKind.complaint:
        add(Stage.acceptance, case.received_on,
            case.accepted_on is not None or case.status in LEFT_WITHOUT_ACCEPTANCE)
    if _owes_transfer(case):
        add(Stage.transfer, case.received_on, case.status == CaseStatus.transferred)
    if case.accepted_on is None:
        return out
    if case.kind == CaseKind.denunciation:
        add(Stage.acceptance_notice, case.accepted_on, case.notified_on is not None)
    try:
        resolution: Deadline | None = clock.resolution(
            kind, case.accepted_on, complex_case=case.complex, remote=case.remote,
            extensions=case.extensions, pauses=pauses)
    except NotFound:
        return out
    except DeadlineOpen:
        resolution = None
    out.append(CaseDeadline(Stage.resolution.value, resolution,
                            case.resolved_on is not None or case.status in ENDED_WITHOUT_RESOLUTION))
    if case.decided_on is not None and case.resolved_on is not None:
        if case.kind == CaseKind.complaint:
            add(Stage.decision_delivery, case.decided_on, case.decision_sent_on is not None)
        elif case.kind == CaseKind.denunciation:
            add(Stage.conclusion_publication, case.decided_on, case.conclusion_published_on is not None)
    return out


def _owes_transfer(case: CaseFacts) -> bool:
    """A transfer deadline runs for a case transferred, or a denunciation being classified (it
    may go elsewhere); for feedback only on administrative regulations (Decree 20/2008)."""
    if case.kind == CaseKind.feedback and case.field != CaseField.administrative_procedures:
        return False
    return case.status == CaseStatus.transferred or (case.status == CaseStatus.classified
                                                     and case.kind == CaseKind.denunciation)


def case_deadline(session: Session, *, kind: str, stage: str, start: date, complex_case: bool = False,
                  remote: bool = False, several_places: bool = False, pauses: tuple[Pause, ...] = ()) -> Deadline:
    """The deadline of one stage of a case (`complaint.resolution`, ...) from its start date."""
    variant = variant_for(complex_case=complex_case, remote=remote, several_places=several_places)
    return deadline_after(session, f"{CaseKind(kind).value}.{Stage(stage).value}", start, variant=variant,
                          pauses=pauses)
