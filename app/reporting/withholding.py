"""Withholding: what of a table of case counts may be published, so that no count of 1 or 2 can
point at a person, not even worked out from the others (Law on Denunciations Art. 56; the rule
/stats states, see app/reporting/stats.py). Pure: counts and sums in, `Count`s out; the figures
(app/reporting/stats_cases.py) and the open data (app/reporting/opendata.py) fill it, the page,
its charts and CSV files and the open data publish what it says. No database here, so the rule
is tested on small tables of its own (tests/reporting/test_withholding.py).

The rule, as the page states it: every count between 1 and SMALL - 1 reads "<3" (`Count`), and
whenever a total minus the cells shown would give away a "<3" cell, more cells are withheld
("ẩn") — another "<3" cell, else the next smallest cell (0 included), else the total — until none
can be worked out; an "ẩn" cell may be any number. A share or an average built on a withheld
count is not published either (`number`, `ratio`).

A reader knows every number shown, that a "<3" cell is 1 or 2, that an "ẩn" cell is some number
from 0 up, and every sum that ties the cells together (a table's rows and columns, the same
total in two tables, the open data's months against the page's), and every part that is at
most its whole (online ≤ received: a sum with an `unpublished` rest). From these they can narrow
each withheld cell down: `_audit` does it as they would, by the sums' bounds (a total of 6 over
three "<3" cells makes each 2) and by solving the sums as a linear system (two sums of the same
withheld cells subtracted), over and over until nothing more is learnt; then, for each cell of
1–2 left open, by supposing it were another number and seeing whether the sums still hold
(`probe`). A "<3" cell is given away when it is narrowed down to one number; the rule withholds
more until none is. Checked against an exhaustive search in tests/reporting/test_withholding.py."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from fractions import Fraction

from app.core.i18n import _

SMALL = 3  # counts of cases from 1 to SMALL - 1 are not published
SUPPRESSED = "<3"


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


# Withholding: no small count worked out from the others (see the module docstring) ------------------

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


def _solved(sums: list[Sum], unknown: Iterable[Hashable], lo: dict) -> dict | None:
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
