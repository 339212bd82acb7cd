"""Public statistics (/stats): what a ward can track of the PAPI index (see DOMAIN.md, "PAPI"),
over the last 12 complete months and month by month (those, and the same month a year before the
last of them, to compare with: 13 months). The month under way is never counted: the figures
change once a month, on its first day, so comparing the page of two days in a row never tells
that a case has just arrived.

The proxies and how each is counted (the ward's local dates):
  * disclosures: those published on the portal in the month (withdrawn ones included: they were
    disclosed), on time or late by the `late` flag set at publication against the deadline rule
    (Art. 12(3) Law 10/2022/QH15); one published without an issue date has no deadline and is
    left out of the share. Per Art. 11 item, and the Art. 12(1) methods recorded for them;
  * the chairman's reception days held against required, by whole weeks as the compliance page
    counts them (a week belongs to the month of its Thursday; only weeks that are over count);
  * cases: received, accepted (thụ lý) and resolved in the month; accepted on time when by the
    intake deadline, resolved on time when by the resolution deadline (extensions and suspensions
    counted), both as the periodic report judges them (app/reporting/periodic.py); and the cases
    open and past their deadline at the end of the last month;
  * requests filed online: received through the portal or the national public-service portal,
    against all received;
  * satisfaction: the senders' ratings (1–5) given in the month;
  * dialogues held in the month, and in each calendar year against the rule; commitments of the
    dialogues whose results are published, by the month they fell due: kept (done by the due
    date), done late, dropped, not done.

Confidentiality (Law on Denunciations Art. 56): nothing here names anyone, and no small count
can point at a denouncer.
  * Denunciations are kept apart, and so is every case whose sender is protected as a denouncer
    (`identity_protected`: a part split from a letter that held a denunciation, a case once
    classified as one) — the rule Open311 and the open data follow too (`OPEN_CASE`). The case
    figures, their monthly trends, the channels and the ratings count the other complaints,
    petitions and feedback only; the protected ones have one column of their own, over the 12
    months only, and no published total adds them to other cases, so no subtraction (here or
    against another export) gives their number.
  * Every count of cases between 1 and 2 — in a month, a row or a headline — is shown as "<3"
    (`Count`); a share or an average built on such a count is not shown.
  * No such count can be worked out from the others either (`Withholding`, the one place of the
    rule, used by the page, its charts and CSV files, and the open data): whenever a total minus
    the cells shown would give one away, more cells are withheld ("ẩn", which may be any number,
    0 included) — another "<3" cell, else the next smallest cell, else the total — until none can.
Counts of what the ward itself does (disclosures, reception days, dialogues, commitments) are
public acts, already listed one by one on the portal, and are shown as they are.

Cost: a fixed number of aggregate queries (grouped by month with a CASE over the month bounds,
the same on SQLite and PostgreSQL), whatever the amount of data. The one pass over rows is the
deadline check of the cases accepted or resolved in the 13 months and of those open at the end
of the last one, which needs the working calendar (read once, with the rules, as the periodic
report does)."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import and_, func, or_
from sqlalchemy import case as when
from sqlmodel import Session, select

from app.cases import privacy
from app.core.i18n import _
from app.core.timeutil import LOCAL_TZ, local_today
from app.dialogues import service as dialogue_service
from app.legal import periods
from app.legal.deadlines import case_clock
from app.legal.rules import RuleRef, get_rule
from app.models.complaint import CaseKind, CaseStatus, Channel, Complaint
from app.models.dialogue import Commitment, CommitmentStatus, Dialogue, DialogueStatus
from app.models.disclosure import Category, Disclosure, Method
from app.reception.compliance import FREQUENCY_RULE as RECEPTION_RULE
from app.reporting import case_outcomes as outcomes
from app.reporting import periodic as reports

SMALL = 3  # counts of cases from 1 to SMALL - 1 are not published
SUPPRESSED = "<3"
DISCLOSURE_RULE = "disclosure.publish_deadline"
DIALOGUE_RULE = dialogue_service.FREQUENCY_RULE
ONLINE_CHANNELS = (Channel.web.value, Channel.national_portal.value)
DENUNCIATION = CaseKind.denunciation.value
# Kinds in the case figures, in this order; denunciations have their own row (see the docstring).
OPEN_KINDS = tuple(k.value for k in CaseKind if k != CaseKind.denunciation)
# The cases those figures count: never a denunciation, nor a case whose sender is protected as a
# denouncer. The same rule as Open311 (`open311.listable`) and the open data; the protected ones
# are counted, apart, as denunciations (`protected`).
OPEN_CASE = privacy.open_clause()
HELD_DIALOGUE = (DialogueStatus.held.value, DialogueStatus.published.value)
# Cases that may be open and late today: in intake, or accepted and not resolved.
OPEN_STATUSES = tuple(s.value for s in (CaseStatus.received, CaseStatus.classified, CaseStatus.accepted,
                                        CaseStatus.in_progress, CaseStatus.suspended))


def category(kind: str, identity_protected: bool | None) -> str:
    """The column a case is counted in: its kind, or DENUNCIATION when protected."""
    return DENUNCIATION if privacy.protected(kind, identity_protected) else kind


# Months ----------------------------------------------------------------------------------------

def _add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ)


@dataclass(frozen=True)
class Month:
    """A calendar month of the ward's dates: `start` to `end`, both included."""

    start: date
    end: date

    @property
    def key(self) -> str:
        """'YYYY-MM', as in the CSV files."""
        return self.start.strftime("%Y-%m")

    @property
    def label(self) -> str:
        """'MM/YYYY', as the page shows it."""
        return self.start.strftime("%m/%Y")

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Span:
    """13 complete months: the 12 before the month of `today` (`headline`), from the first day
    of the month 12 months ago to the last day of the month before this one, and the month
    before them, the same month a year before the last one, to compare with. The month of
    `today` is never in it."""

    today: date
    months: tuple[Month, ...]

    @classmethod
    def ending(cls, today: date) -> Span:
        first = _add_months(today, -13)
        starts = [_add_months(first, i) for i in range(13)]
        return cls(today, tuple(Month(s, _add_months(s, 1) - timedelta(days=1)) for s in starts))

    @property
    def start(self) -> date:
        return self.months[0].start

    @property
    def end(self) -> date:
        """The last day counted: the last day of the month before today's."""
        return self.months[-1].end

    @property
    def headline(self) -> tuple[Month, ...]:
        return self.months[1:]

    @property
    def headline_start(self) -> date:
        return self.months[1].start

    @staticmethod
    def in_headline(i: int) -> bool:
        return i >= 1

    @property
    def period(self) -> periods.Period:
        """The headline figures' 12 months, as a reporting period."""
        return periods.custom(self.headline_start, self.end)

    def index(self, day: date) -> int | None:
        """Which month holds `day` (0–12), or None when outside the span."""
        if not self.start <= day <= self.end:
            return None
        return (day.year - self.start.year) * 12 + day.month - self.start.month

    def bucket_of_dates(self, column):
        """SQL: the month (0–12) a date column falls in. Use with `dates_in`."""
        bounds = [m.start for m in self.months[1:]]
        return when(*[(column < b, i) for i, b in enumerate(bounds)], else_=len(bounds))

    def dates_in(self, column) -> tuple:
        return (column >= self.start, column <= self.end)

    def bucket_of_times(self, column):
        """SQL: the month (0–12) of a stored (UTC) time by the ward's local date: compared with the
        local midnights that open each month, so the same on every database."""
        bounds = [_midnight(m.start) for m in self.months[1:]]
        return when(*[(column < b, i) for i, b in enumerate(bounds)], else_=len(bounds))

    def times_in(self, column) -> tuple:
        return (column >= _midnight(self.start), column < _midnight(self.end + timedelta(days=1)))


def _grouped(session: Session, bucket, keys: list, sums: list, where: tuple) -> list[tuple]:
    """Rows of (month, *keys, count, *sums) grouped by month and keys. The month expression is
    computed in a subquery and grouped on by name there, which every database accepts (a CASE
    with bound parameters in GROUP BY is refused by some)."""
    inner = select(bucket.label("m"), *[k.label(f"k{i}") for i, k in enumerate(keys)],
                   *[s.label(f"s{i}") for i, s in enumerate(sums)]).where(*where).subquery()
    k_cols = [inner.c[f"k{i}"] for i in range(len(keys))]
    s_cols = [func.sum(inner.c[f"s{i}"]) for i in range(len(sums))]
    rows = session.exec(select(inner.c.m, *k_cols, func.count(), *s_cols).group_by(inner.c.m, *k_cols)).all()
    return [tuple(r) for r in rows]


def _flag(condition):
    return when((condition, 1), else_=0)


def _int(value) -> int:
    return int(value or 0)


# Counts that could point at a person -------------------------------------------------------------

@dataclass(frozen=True)
class Count:
    """A count of people's cases, as it may be published: 1 and 2 read "<3" (`suppressed`); a
    `hidden` one ("ẩn") is withheld because a small count could be worked out from it — it may be
    any number, 0 and 1–2 included (see `Withholding`)."""

    value: int
    hidden: bool = False

    @property
    def suppressed(self) -> bool:
        return not self.hidden and 0 < self.value < SMALL

    @property
    def shown(self) -> int | None:
        """The number when it may be published, else None."""
        return None if self.suppressed or self.hidden else self.value

    def __str__(self) -> str:
        if self.hidden:
            return _("ẩn")
        if self.suppressed:
            return SUPPRESSED
        return str(self.value)


def number(value: int | Count | None) -> int | None:
    """What may be published of a count: the number, or None when it is withheld."""
    if isinstance(value, Count):
        return value.shown
    return value


def ratio(part: int | Count, whole: int | Count) -> float | None:
    """part / whole, or None without a whole or when either count is withheld."""
    p, w = number(part), number(whole)
    if p is None or not w:
        return None
    return p / w


def percent(value: float | None) -> int | None:
    """A share as a whole percentage, rounded half up (87.5 → 88)."""
    if value is None:
        return None
    return int(Decimal(str(value * 100)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# Withholding: no small count worked out from the others ---------------------------------------------
#
# The rule, as the page states it: whenever a total minus the cells shown would give away a "<3"
# cell, more cells are withheld ("ẩn") — another "<3" cell, else the next smallest cell (0
# included), else the total — until none can be worked out; an "ẩn" cell may be any number.
#
# A reader knows every number shown, that a "<3" cell is 1 or 2, that an "ẩn" cell is some number
# from 0 up, and every sum that ties the cells together (a table's rows and columns, the same
# total in two tables, the open data's months against the page's), and every part that is at
# most its whole (online ≤ received: a sum with an `unpublished` rest). From these they can narrow
# each withheld cell down: `_audit` does it as they would, by the sums' bounds (a total of 6 over
# three "<3" cells makes each 2) and by solving the sums as a linear system (two sums of the same
# withheld cells subtracted), over and over until nothing more is learnt; then, for each cell of
# 1–2 left open, by supposing it were another number and seeing whether the sums still hold
# (`probe`). A "<3" cell is given away when it is narrowed down to one number; the rule withholds
# more until none is. Checked against an exhaustive search in tests/reporting/test_stats.py.

SHOWN, SMALL_CELL, HIDDEN = "shown", "small", "hidden"
TRIES = 6  # candidates tried, each on its own, before taking the first that is not 0


@dataclass(frozen=True)
class Sum:
    """`total` = the `parts` + `known`: a row or a column of a table and its total, or any sum a
    reader can form from what is published. `known` is what the total holds beyond the parts that
    a reader may be able to tell (the accepted cases without a deadline: accepted minus on time
    and late); it is taken as known, to be safe."""

    total: Hashable
    parts: tuple[Hashable, ...]
    known: int = 0


class Withholding:
    """Counts of cases keyed by any hashable name, the sums that tie them, and, once `solve`d,
    how each may be published (`self[key]`: a `Count`, shown, "<3" or "ẩn").

    `freeze()` keeps the cells solved so far as they are (they have been published: the open
    data adds its own cells and sums to those of /stats, and withholds only among its own)."""

    def __init__(self) -> None:
        self.values: dict[Hashable, int] = {}
        self.sums: list[Sum] = []
        self.state: dict[Hashable, str] = {}
        self.frozen: set[Hashable] = set()

    def count(self, key: Hashable, value: int) -> None:
        self.values[key] = int(value)

    def unpublished(self, key: Hashable, value: int) -> None:
        """A count never published but that a sum holds (received = online + the others): it
        makes an inequality a reader knows (online ≤ received) a sum like the others."""
        self.values[key] = int(value)
        self.state[key] = HIDDEN
        self.frozen.add(key)

    def sum(self, total: Hashable, parts: Iterable[Hashable], known: int = 0) -> None:
        parts = tuple(parts)
        if parts:
            self.sums.append(Sum(total, parts, known))

    def freeze(self) -> None:
        self.frozen = set(self.state)

    def __getitem__(self, key: Hashable) -> Count:
        return Count(self.values[key], hidden=self.state.get(key) == HIDDEN)

    def __contains__(self, key: Hashable) -> bool:
        return key in self.values

    def solve(self) -> Withholding:
        for key, value in self.values.items():
            if key not in self.frozen:
                self.state[key] = SMALL_CELL if 0 < value < SMALL else SHOWN
        order = {key: i for i, key in enumerate(self.values)}
        for cells, sums in self._components(order):
            if any(c not in self.frozen for c in cells) and any(0 < self.values[c] < SMALL for c in cells):
                self._protect(cells, sums, order)
        return self

    def _components(self, order: dict) -> list[tuple[list, list[Sum]]]:
        """The cells tied together by sums, each group with its sums (a cell in no sum is alone:
        "<3" is enough for it)."""
        parent: dict = {}

        def root(key):
            while parent.setdefault(key, key) != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        for s in self.sums:
            for part in s.parts:
                parent[root(part)] = root(s.total)
        cells: dict = defaultdict(list)
        for key in sorted(parent, key=order.__getitem__):
            cells[root(key)].append(key)
        sums: dict = defaultdict(list)
        for s in self.sums:
            sums[root(s.total)].append(s)
        return [(cells[r], sums[r]) for r in cells]

    def _protect(self, cells: list, sums: list[Sum], order: dict) -> None:
        holding: dict = defaultdict(list)  # the sums each cell is in, by their index
        for i, s in enumerate(sums):
            for key in (s.total, *s.parts):
                holding[key].append(i)
        # First against what the sums tell by themselves, giving back afterwards (the last
        # withheld first) what turned out not to be needed; then against a reader who also tries
        # each "<3" cell's other value and sees where it leads.
        changed = self._withhold(cells, sums, holding, order, probe=False)
        for key, before in reversed(changed):
            self.state[key] = before
            if self._audit(cells, sums, holding):
                self.state[key] = HIDDEN
        self._withhold(cells, sums, holding, order, probe=True)

    def _withhold(self, cells: list, sums: list[Sum], holding: dict, order: dict, *, probe: bool) -> list[tuple]:
        changed: list[tuple] = []
        leaks = self._audit(cells, sums, holding, probe=probe)
        while leaks:
            key = self._choose(leaks[0], cells, sums, holding, order, probe=probe)
            if key is None:  # nothing left to withhold around it
                break
            changed.append((key, self.state[key]))
            self.state[key] = HIDDEN
            leaks = self._audit(cells, sums, holding, probe=probe)
        return changed

    def _choose(self, target, cells: list, sums: list[Sum], holding: dict, order: dict, *, probe: bool):
        """The cell to withhold next for `target`: from the sums it is in (then, if none is left
        there, from the sums of their withheld cells, and so on), another "<3" cell, else the
        smallest cell shown, else the target itself ("ẩn" instead of "<3"), else the total; the
        first of them that is enough on its own, else the first that is not 0."""
        seen: set[int] = set()
        frontier = {target}
        while frontier:
            indices = sorted({i for key in frontier for i in holding[key]} - seen)
            seen.update(indices)
            if not indices:
                return None
            level = [sums[i] for i in indices]
            ranks: dict = {}
            for s in level:
                for key in (s.total, *s.parts):
                    if key in self.frozen or self.state[key] == HIDDEN:
                        continue
                    small = self.state[key] == SMALL_CELL
                    if small and key != target:
                        rank = 0
                    elif not small and key != s.total:
                        rank = 1
                    elif key == target:
                        rank = 2
                    else:
                        rank = 3
                    best = (rank, self.values[key], order[key])
                    ranks[key] = min(ranks.get(key, best), best)
            if ranks:
                candidates = sorted(ranks, key=ranks.__getitem__)
                zero_tried = False
                for key in candidates[:TRIES]:
                    if self.values[key] == 0:
                        if zero_tried:
                            continue
                        zero_tried = True
                    before, self.state[key] = self.state[key], HIDDEN
                    enough = not self._audit(cells, sums, holding, about=target, probe=probe)
                    self.state[key] = before
                    if enough:
                        return key
                return next((k for k in candidates if self.values[k]), candidates[0])
            frontier = {key for s in level for key in (s.total, *s.parts) if self.state[key] != SHOWN}
        return None

    def _audit(self, cells: list, sums: list[Sum], holding: dict, about=None, probe: bool = False) -> list:
        """Some cells of 1–2 ("<3" or withheld) a reader can work out — the first found, in the
        cells' order; none when there are none. With `about`: whether that one can ([it] or []).
        With `probe`: the reader also tries, for each, every other value it might have, and
        rules out those that contradict the sums."""
        # What a withheld cell may be, short of the sums: any number. A bound is needed to count
        # with; it must not be one a reader could not know (the largest cell would pin a 1 to a
        # rest that cannot be more than 1), so it is far above every cell.
        top = 2 * sum(self.values[c] for c in cells) + SMALL
        lo: dict = {}
        hi: dict = {}
        for key in cells:
            state, value = self.state[key], self.values[key]
            if state == SHOWN:
                lo[key] = hi[key] = value
            elif state == SMALL_CELL:
                lo[key], hi[key] = 1, SMALL - 1
            else:
                lo[key], hi[key] = 0, top
        _settle(cells, sums, holding, lo, hi)  # the true figures fit: never a contradiction here
        small = [key for key in cells if 0 < self.values[key] < SMALL] if about is None else [about]
        pinned = [key for key in small if lo[key] == hi[key]]
        if pinned or not probe:
            return pinned
        for key in small:
            value = self.values[key]
            others = [(lo[key], value - 1), (value + 1, hi[key])]
            if not any(low <= high and _settle(cells, sums, holding, {**lo, key: low}, {**hi, key: high},
                                               start=holding[key]) for low, high in others):
                return [key]
        return []


def _settle(cells: list, sums: list[Sum], holding: dict, lo: dict, hi: dict, start=None) -> bool:
    """Narrow the cells' bounds by the sums, and fix those the sums determine, over and over until
    nothing changes; False when the bounds contradict the sums (no figures could be so)."""
    while True:
        if not _narrow(sums, lo, hi, holding, start):
            return False
        start = None
        solved = _solved(sums, [key for key in cells if lo[key] < hi[key]], lo)
        if solved is None:
            return False
        if not solved:
            return True
        for key, value in solved.items():
            if value.denominator != 1 or not lo[key] <= value <= hi[key]:
                return False
            lo[key] = hi[key] = int(value)


def _narrow(sums: list[Sum], lo: dict, hi: dict, holding: dict, start=None) -> bool:
    """Tighten each cell's bounds by the sums until nothing changes (a total is at least the
    least its parts can add up to; a part at least the total less the most the others can). A
    sum is looked at again only when a bound of one of its cells has changed; `start`: the sums
    to look at first (all by default). False on a contradiction."""
    queue = deque(range(len(sums)) if start is None else start)
    waiting = [False] * len(sums)
    for i in queue:
        waiting[i] = True
    for _step in range(200 * len(sums) + 1000):
        if not queue:
            return True
        i = queue.popleft()
        waiting[i] = False
        s = sums[i]
        least = sum(lo[p] for p in s.parts) + s.known
        most = sum(hi[p] for p in s.parts) + s.known
        changed = []
        t = s.total
        if least > lo[t]:
            lo[t] = least
            changed.append(t)
        if most < hi[t]:
            hi[t] = most
            changed.append(t)
        if lo[t] > hi[t]:
            return False
        for p in s.parts:
            low, high = lo[t] - (most - hi[p]), hi[t] - (least - lo[p])
            if low > lo[p]:
                lo[p] = low
                changed.append(p)
            if high < hi[p]:
                hi[p] = high
                changed.append(p)
            if lo[p] > hi[p]:
                return False
        for key in changed:
            for j in holding[key]:
                if not waiting[j]:
                    waiting[j] = True
                    queue.append(j)
    return True


def _solved(sums: list[Sum], unknown: list, lo: dict) -> dict | None:
    """The unknown cells the sums fix, with the values they fix them to given the known cells
    (`lo` = their value): those whose row of the reduced row echelon form of the sums over the
    unknown cells holds no other unknown. None when the sums contradict each other."""
    unknown = set(unknown)
    pivots: dict = {}  # pivot cell → (its row: cell → coefficient, with no other pivot; right-hand side)
    for s in sums:
        # total − parts = known: Σ sign × cell = known, the known cells moved to the right.
        row: dict = {}
        rhs = s.known
        for key, sign in ((s.total, 1), *((p, -1) for p in s.parts)):
            if key in unknown:
                row[key] = row.get(key, 0) + sign
            else:
                rhs -= sign * lo[key]
        for key in [k for k in row if k in pivots]:
            factor = row.get(key)
            if factor:
                prow, prhs = pivots[key]
                for k, v in prow.items():
                    row[k] = row.get(k, 0) - factor * v
                rhs -= factor * prhs
        row = {k: v for k, v in row.items() if v}
        if not row:
            if rhs:
                return None
            continue
        # A pivot of ±1 where there is one keeps the numbers whole (they nearly always are).
        pivot = next((k for k, v in row.items() if v in (1, -1)), next(iter(row)))
        scale = row[pivot]
        if scale in (1, -1):
            row = {k: v * scale for k, v in row.items()}
            rhs *= scale
        else:
            row = {k: Fraction(v) / scale for k, v in row.items()}
            rhs = Fraction(rhs) / scale
        for other, (orow, orhs) in list(pivots.items()):
            factor = orow.get(pivot)
            if factor:
                for k, v in row.items():
                    orow[k] = orow.get(k, 0) - factor * v
                for k in [k for k, v in orow.items() if not v]:
                    del orow[k]
                pivots[other] = (orow, orhs - factor * rhs)
        pivots[pivot] = (row, rhs)
    return {key: rhs for key, (row, rhs) in pivots.items() if len(row) == 1}


# Disclosures -----------------------------------------------------------------------------------

@dataclass
class DisclosureRow:
    published: int = 0
    on_time: int = 0
    late: int = 0
    no_deadline: int = 0

    @property
    def with_deadline(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_share(self) -> float | None:
        return ratio(self.on_time, self.with_deadline)

    def add(self, other: DisclosureRow) -> None:
        self.published += other.published
        self.on_time += other.on_time
        self.late += other.late
        self.no_deadline += other.no_deadline


@dataclass
class ItemRow(DisclosureRow):
    category: str = ""
    item: int = 0


@dataclass
class MethodRow:
    method: str
    disclosures: int  # of the 12 months' disclosures, those that record this method
    share: float | None  # of all published in the 12 months


@dataclass
class DisclosureStats:
    months: list[tuple[Month, DisclosureRow]]
    total: DisclosureRow  # the 12 months
    by_item: list[ItemRow]
    methods: list[MethodRow]
    rule: RuleRef | None


def _disclosures(session: Session, span: Span, window: reports.Window) -> DisclosureStats:
    late = Disclosure.late.is_(True)
    undated = and_(Disclosure.late.is_(False), Disclosure.publish_deadline_on.is_(None))
    rows = _grouped(session, span.bucket_of_times(Disclosure.published_at), [],
                    [_flag(late), _flag(undated)],
                    (Disclosure.published_at.is_not(None), *span.times_in(Disclosure.published_at)))
    months = [DisclosureRow() for _m in span.months]
    for m, n, n_late, n_undated in rows:
        n, n_late, n_undated = _int(n), _int(n_late), _int(n_undated)
        months[m] = DisclosureRow(n, n - n_late - n_undated, n_late, n_undated)
    total = DisclosureRow()
    for row in months[1:]:
        total.add(row)
    # Per item and per method: the periodic report's own figures for the same 12 months.
    figures = reports.disclosure_figures(session, window)
    by_item = [ItemRow(**{k: figures.by_item[c.value][k] for k in ("published", "on_time", "late", "no_deadline")},
                       category=c.value, item=c.item) for c in Category]
    methods = [MethodRow(m.value, figures.methods.get(m.value, 0),
                         ratio(figures.methods.get(m.value, 0), figures.published)) for m in Method]
    methods.sort(key=lambda r: -r.disclosures)  # stable: the law's order among equals
    return DisclosureStats(list(zip(span.months, months, strict=True)), total, by_item, methods,
                           _rule(session, DISCLOSURE_RULE, span.today))


def _rule(session: Session, code: str, on: date) -> RuleRef | None:
    try:
        return get_rule(session, code, on=on)
    except Exception:  # noqa: BLE001 - a missing rule leaves its text out, never the page
        return None


# Citizen reception -------------------------------------------------------------------------------

@dataclass
class ReceptionRow:
    weeks: int = 0  # weeks judged (over, and on record here)
    required: int = 0  # days the rule asked for in those weeks
    held: int = 0  # days the chairman received citizens in them
    held_as_required: int = 0  # of those, up to each week's requirement (extra days make up no other week)
    weeks_missed: int = 0

    @property
    def held_share(self) -> float | None:
        """Required days that were held."""
        return ratio(self.held_as_required, self.required)

    def add(self, other: ReceptionRow) -> None:
        for name in ("weeks", "required", "held", "held_as_required", "weeks_missed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ReceptionStats:
    months: list[tuple[Month, ReceptionRow]]
    total: ReceptionRow
    rule: RuleRef | None


def _reception(session: Session, span: Span) -> ReceptionStats:
    rows = [ReceptionRow() for _m in span.months]
    for week in reports.chairman_weeks(session, periods.custom(span.start, span.end), today=span.today):
        i = span.index(week.start + timedelta(days=3))  # the month of its Thursday
        if i is None or not week.counted:
            continue
        rows[i].add(ReceptionRow(weeks=1, required=week.required, held=week.held,
                                 held_as_required=min(week.held, week.required), weeks_missed=int(week.missed)))
    total = ReceptionRow()
    for row in rows[1:]:
        total.add(row)
    return ReceptionStats(list(zip(span.months, rows, strict=True)), total, _rule(session, RECEPTION_RULE, span.today))


# Cases -----------------------------------------------------------------------------------------

TWELVE = "12m"  # the key of the 12 months' totals among the months' ("YYYY-MM")
MONTH_FIELDS = ("received", "online", "accepted", "accepted_on_time", "accepted_late", "resolved",
                "resolved_on_time", "resolved_late")
KIND_FIELDS = ("received", "accepted", "accepted_on_time", "accepted_late", "resolved", "resolved_on_time",
               "resolved_late", "overdue")


@dataclass
class CaseRow:
    """Counts of cases. Accepted and resolved ones are on time, late, or without a deadline (no
    rule sets one: petitions and feedback have no resolution deadline in the rules table)."""

    received: int = 0
    online: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    accepted_late: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    overdue: int = 0  # open and past the deadline at the end of the last month (in the 12 months' rows)

    FIELDS = ("received", "online", "accepted", "accepted_on_time", "accepted_late", "resolved", "resolved_on_time",
              "resolved_late", "overdue")

    def add(self, other: CaseRow) -> None:
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rest(self, of: str) -> int:
        """Accepted (or resolved) ones without a deadline: neither on time nor late."""
        return getattr(self, of) - getattr(self, f"{of}_on_time") - getattr(self, f"{of}_late")


@dataclass(frozen=True)
class PublishedCases:
    """A row of case counts as they may be published (see the module's docstring)."""

    received: Count
    online: Count
    accepted: Count
    accepted_on_time: Count
    accepted_late: Count
    resolved: Count
    resolved_on_time: Count
    resolved_late: Count
    overdue: Count

    @classmethod
    def of(cls, cells: Withholding, key, fields: tuple[str, ...]) -> PublishedCases:
        """The row of `cells` under `key` (a month, or TWELVE and a kind): its `fields`; any other
        is never published, and reads "ẩn"."""
        return cls(**{f: cells[(f, *key)] if f in fields else Count(0, hidden=True) for f in CaseRow.FIELDS})

    @property
    def online_share(self) -> float | None:
        return ratio(self.online, self.received)

    @property
    def accepted_on_time_share(self) -> float | None:
        """Of those accepted with a deadline, the share accepted by it."""
        return _on_time_share(self.accepted_on_time, self.accepted_late)

    @property
    def resolved_on_time_share(self) -> float | None:
        """Of those resolved with a deadline, the share resolved by it."""
        return _on_time_share(self.resolved_on_time, self.resolved_late)


def _on_time_share(on_time: Count, late: Count) -> float | None:
    if number(on_time) is None or number(late) is None:
        return None
    return ratio(on_time.value, on_time.value + late.value)


@dataclass
class CaseStats:
    months: list[tuple[Month, PublishedCases]]
    total: PublishedCases  # the 12 months, without the protected cases
    by_kind: list[tuple[str, PublishedCases]]  # the 12 months; denunciations (all protected cases) last
    by_channel: list[tuple[str, Count, float | None]]  # the 12 months, without the protected cases
    overdue_now: Count  # open and late at the end of the last month, without the protected cases
    cells: Withholding  # every count above, with the sums that tie them (the open data adds its own)


def _cases(session: Session, span: Span) -> tuple[CaseStats, SatisfactionStats]:
    months = [CaseRow() for _m in span.months]
    kinds = {k: CaseRow() for k in (*OPEN_KINDS, DENUNCIATION)}  # the 12 months (overdue: at their end)
    channels: Counter[str] = Counter()
    # Received, by month, kind, channel and protection: one aggregate.
    for m, kind, channel, shielded, n in _grouped(session, span.bucket_of_dates(Complaint.received_on),
                                                  [Complaint.kind, Complaint.channel, Complaint.identity_protected],
                                                  [], span.dates_in(Complaint.received_on)):
        n, column = _int(n), category(kind, shielded)
        online = n if channel in ONLINE_CHANNELS else 0
        if column != DENUNCIATION:
            months[m].received += n
            months[m].online += online
            if span.in_headline(m):
                channels[channel] += n
        if span.in_headline(m):
            row = kinds.setdefault(column, CaseRow())
            row.received += n
            row.online += online
    # Accepted and resolved in the span, and open at its end: judged against their deadlines.
    _judge_cases(session, span, months, kinds)
    ratings, points = _ratings(session, span)
    cells = _case_cells(span, months, kinds, channels, ratings).solve()
    by_kind = [(k, PublishedCases.of(cells, (TWELVE, k), KIND_FIELDS)) for k in (*OPEN_KINDS, DENUNCIATION)]
    by_channel = [(c.value, cells[("received", TWELVE, "channel", c.value)],
                   ratio(cells[("received", TWELVE, "channel", c.value)], cells[("received", TWELVE)]))
                  for c in Channel]
    cases = CaseStats(
        months=[(mo, PublishedCases.of(cells, (mo.key,), MONTH_FIELDS)) for mo in span.months],
        total=PublishedCases.of(cells, (TWELVE,), (*MONTH_FIELDS, "overdue")), by_kind=by_kind,
        by_channel=by_channel, overdue_now=cells[("overdue", TWELVE)], cells=cells)
    satisfaction = SatisfactionStats(
        [(mo, Ratings(cells[("ratings", mo.key)], p)) for mo, p in zip(span.months, points, strict=True)],
        Ratings(cells[("ratings", TWELVE)], sum(points[1:])))
    return cases, satisfaction


def _case_cells(span: Span, months: list[CaseRow], kinds: dict[str, CaseRow], channels: Counter[str],
                ratings: list[int]) -> Withholding:
    """Every count of cases the page publishes, and every sum a reader can form with them: each
    month's accepted (resolved) = on time + late + those without a deadline, and received =
    online + the others (unpublished); the 12 months' total of each column = its months = its
    kinds; the 12 months' received = their channels, and online = the two online channels. Keys:
    (field, month) and (field, TWELVE[, kind])."""
    cells = Withholding()
    headline = [mo.key for mo in span.headline]
    for mo, row, rated in zip(span.months, months, ratings, strict=True):
        for f in MONTH_FIELDS:
            cells.count((f, mo.key), getattr(row, f))
        cells.count(("ratings", mo.key), rated)
        for f in ("accepted", "resolved"):
            cells.sum((f, mo.key), [(f"{f}_on_time", mo.key), (f"{f}_late", mo.key)], known=row.rest(f))
        cells.unpublished(("offline", mo.key), row.received - row.online)
        cells.sum(("received", mo.key), [("online", mo.key), ("offline", mo.key)])
    total = CaseRow()
    for kind in OPEN_KINDS:
        total.add(kinds[kind])
    for f in (*MONTH_FIELDS, "overdue"):
        cells.count((f, TWELVE), getattr(total, f))
    cells.count(("ratings", TWELVE), sum(ratings[1:]))
    for f in (*MONTH_FIELDS, "ratings"):
        cells.sum((f, TWELVE), [(f, m) for m in headline])
    # The offline ones as a column of their own too: a reader adds up inequalities as well.
    cells.unpublished(("offline", TWELVE), total.received - total.online)
    cells.sum(("offline", TWELVE), [("offline", m) for m in headline])
    cells.sum(("received", TWELVE), [("online", TWELVE), ("offline", TWELVE)])
    for kind in (*OPEN_KINDS, DENUNCIATION):
        for f in KIND_FIELDS:
            cells.count((f, TWELVE, kind), getattr(kinds[kind], f))
    for f in KIND_FIELDS:
        cells.sum((f, TWELVE), [(f, TWELVE, k) for k in OPEN_KINDS])
    for key, row in ((k, kinds[k]) for k in (*OPEN_KINDS, DENUNCIATION)):
        for f in ("accepted", "resolved"):
            cells.sum((f, TWELVE, key), [(f"{f}_on_time", TWELVE, key), (f"{f}_late", TWELVE, key)],
                      known=row.rest(f))
    for f in ("accepted", "resolved"):
        cells.sum((f, TWELVE), [(f"{f}_on_time", TWELVE), (f"{f}_late", TWELVE)], known=total.rest(f))
    for c in Channel:
        cells.count(("received", TWELVE, "channel", c.value), channels[c.value])
    cells.sum(("received", TWELVE), [("received", TWELVE, "channel", c.value) for c in Channel])
    cells.sum(("online", TWELVE), [("received", TWELVE, "channel", c) for c in ONLINE_CHANNELS])
    return cells


def _judge_cases(session: Session, span: Span, months: list[CaseRow], kinds: dict[str, CaseRow]) -> None:
    """Accepted and resolved counts with their timeliness, and the overdue at the end of the span,
    from one read of the cases concerned (and one of their suspensions, one of which are
    protected)."""
    end = span.end
    window = reports.Window(periods.custom(span.start, end), end, end + timedelta(days=1))
    # Open at the end: received by then and not resolved by then, and open now or changed since
    # (one filed away since was still open then; the judge tells from its timeline).
    open_at_end = and_(Complaint.received_on <= end, or_(Complaint.resolved_on.is_(None), Complaint.resolved_on > end),
                       or_(Complaint.status.in_(OPEN_STATUSES), Complaint.resolved_on.is_not(None),
                           Complaint.updated_at >= _midnight(end + timedelta(days=1))))
    cohort = (or_(and_(Complaint.accepted_on.is_not(None), *span.dates_in(Complaint.accepted_on)),
                  and_(Complaint.resolved_on.is_not(None), *span.dates_in(Complaint.resolved_on)),
                  open_at_end),)
    shielded = set(session.exec(select(Complaint.id).where(*cohort, privacy.protected_clause())))
    judge = outcomes.CaseJudge(window, case_clock(session), outcomes.case_pauses(session, window, cohort))
    for case_id, c in outcomes.case_rows(session, window, cohort):
        column = DENUNCIATION if case_id in shielded else c.kind
        # (month, the fields counted in it): what happened to the case in the span.
        steps: list[tuple[int, tuple[str, ...]]] = []
        if c.accepted_on is not None and (i := span.index(c.accepted_on)) is not None:
            due = judge.intake_due(c)
            steps.append((i, ("accepted",) if due is None else
                          ("accepted", "accepted_on_time" if c.accepted_on <= due else "accepted_late")))
        if c.resolved_on is not None and (i := span.index(c.resolved_on)) is not None:
            due = judge.resolution_due(case_id, c)
            steps.append((i, ("resolved",) if due is None else
                          ("resolved", "resolved_on_time" if c.resolved_on <= due else "resolved_late")))
        of_kind = kinds.setdefault(column, CaseRow())
        for i, counted in steps:
            # The monthly figures leave the protected cases out; the kinds' are the 12 months'.
            rows = ((months[i],) if column != DENUNCIATION else ()) + ((of_kind,) if span.in_headline(i) else ())
            for row in rows:
                for name in counted:
                    setattr(row, name, getattr(row, name) + 1)
        if c.received_on <= end and judge.outcome(case_id, c) == outcomes.OVERDUE:
            of_kind.overdue += 1


# Satisfaction ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ratings:
    """The senders' ratings (1–5) of complaints, petitions and feedback."""

    count: Count
    points: int  # their sum (not published: the average is, when the count may be)

    @property
    def average(self) -> float | None:
        n = number(self.count)
        if not n:
            return None
        return float((Decimal(self.points) / Decimal(n)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass
class SatisfactionStats:
    months: list[tuple[Month, Ratings]]
    total: Ratings


def _ratings(session: Session, span: Span) -> tuple[list[int], list[int]]:
    """The ratings given in each month, and their points (none of a protected case)."""
    counts = [0] * len(span.months)
    points = [0] * len(span.months)
    rows = _grouped(session, span.bucket_of_times(Complaint.rated_at), [], [Complaint.satisfaction],
                    (Complaint.satisfaction.is_not(None), Complaint.rated_at.is_not(None), OPEN_CASE,
                     *span.times_in(Complaint.rated_at)))
    for m, n, total in rows:
        counts[m], points[m] = _int(n), _int(total)
    return counts, points


# Dialogues and commitments --------------------------------------------------------------------------

@dataclass
class DialogueRow:
    held: int = 0
    commitments_due: int = 0  # of published dialogues, whose due date in the month has passed
    kept: int = 0  # done by the due date
    done_late: int = 0
    dropped: int = 0

    @property
    def not_done(self) -> int:
        return self.commitments_due - self.kept - self.done_late - self.dropped

    @property
    def kept_share(self) -> float | None:
        return ratio(self.kept, self.commitments_due)

    def add(self, other: DialogueRow) -> None:
        for name in ("held", "commitments_due", "kept", "done_late", "dropped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class DialogueStats:
    months: list[tuple[Month, DialogueRow]]
    total: DialogueRow
    years: list[dialogue_service.YearCount]  # this calendar year so far, and the last one
    rule: RuleRef | None


def _dialogues(session: Session, span: Span) -> DialogueStats:
    rows = [DialogueRow() for _m in span.months]
    for m, n in _grouped(session, span.bucket_of_times(Dialogue.starts_at), [], [],
                         (Dialogue.status.in_(HELD_DIALOGUE), *span.times_in(Dialogue.starts_at))):
        rows[m].held = _int(n)
    commitments = (select(Commitment.due_on, Commitment.status, Commitment.done_on)
                   .join(Dialogue, Dialogue.id == Commitment.dialogue_id)
                   .where(Dialogue.status == DialogueStatus.published).subquery())
    rows_due = _grouped(
        session, span.bucket_of_dates(commitments.c.due_on), [],
        [_flag(and_(commitments.c.status == CommitmentStatus.done, commitments.c.done_on.is_not(None),
                    commitments.c.done_on <= commitments.c.due_on)),
         _flag(and_(commitments.c.status == CommitmentStatus.done,
                    or_(commitments.c.done_on.is_(None), commitments.c.done_on > commitments.c.due_on))),
         _flag(commitments.c.status == CommitmentStatus.dropped)],
        (commitments.c.due_on >= span.start, commitments.c.due_on <= span.end))
    for m, n, kept, late, dropped in rows_due:
        rows[m].commitments_due, rows[m].kept = _int(n), _int(kept)
        rows[m].done_late, rows[m].dropped = _int(late), _int(dropped)
    total = DialogueRow()
    for row in rows[1:]:
        total.add(row)
    years = [dialogue_service.held_in_year(session, y) for y in (span.today.year, span.today.year - 1)]
    return DialogueStats(list(zip(span.months, rows, strict=True)), total, years,
                         _rule(session, DIALOGUE_RULE, span.today))


# Everything --------------------------------------------------------------------------------------

@dataclass
class Stats:
    span: Span
    disclosures: DisclosureStats
    reception: ReceptionStats
    cases: CaseStats
    satisfaction: SatisfactionStats
    dialogues: DialogueStats


def public_stats(session: Session, *, today: date | None = None) -> Stats:
    """The figures of /stats as of `today` (the ward's date by default; tests pass one)."""
    span = Span.ending(today or local_today())
    window = reports.Window.of(span.period, span.today)
    cases, satisfaction = _cases(session, span)
    return Stats(span=span, disclosures=_disclosures(session, span, window), reception=_reception(session, span),
                 cases=cases, satisfaction=satisfaction, dialogues=_dialogues(session, span))


class DailyFigures:
    """The figures of /stats, computed once a day: they are those of the complete months before
    today's, so they change when the day does (the rules in force and this year's dialogues are
    read as of the day) and not between two requests of one day. One per application (on
    `app.state`), so each app — each test — starts empty. A change recorded today that reaches
    back into a complete month shows from tomorrow."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._figures: tuple[date, Stats] | None = None

    def stale(self, today: date) -> bool:
        """Whether the first request of `today` would have to compute the figures."""
        held = self._figures
        return held is None or held[0] != today

    def get(self, session: Session, *, today: date) -> Stats:
        held = self._figures
        if held is not None and held[0] == today:
            return held[1]
        with self._lock:  # one computation at the turn of the day, not one per waiting request
            held = self._figures
            if held is None or held[0] != today:
                held = self._figures = (today, public_stats(session, today=today))
            return held[1]


def case_cells(session: Session, *, today: date | None = None) -> tuple[Span, Withholding]:
    """The counts of cases /stats publishes as of `today`, solved, with their sums: the open data
    ties its own to them (`Withholding.freeze`)."""
    span = Span.ending(today or local_today())
    return span, _cases(session, span)[0].cells
